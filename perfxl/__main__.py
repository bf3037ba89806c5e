"""`python -m perfxl` runs the command line."""

from perfxl.cli import main

main(prog_name="perfxl")
