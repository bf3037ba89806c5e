"""The small exception family the library raises; the CLI turns each into one Chinese line."""


class PerfxlError(Exception):
    """Base class: a user-facing problem whose message says what to change."""


class UsageError(PerfxlError):
    """The call itself is wrong (bad option, missing input, output over an input)."""


class ProfileError(PerfxlError):
    """An indicator profile file cannot be loaded or is malformed."""


class InputError(PerfxlError):
    """An input file cannot be read at all."""


class OutputError(PerfxlError):
    """An output file cannot be written (locked, read-only folder, ...)."""
