"""`python -m perfxl` runs the command line."""

from perfxl.cli import entry

entry()
