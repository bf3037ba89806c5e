"""`python -m perfxl` runs the command line."""

from perfxl.cli import entry

if __name__ == "__main__":  # worker processes started by spawn (Windows) import this module too
    entry()
