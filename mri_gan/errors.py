"""Errors that mean "the user asked for something that cannot be done".

The command-line tools catch exactly these and print their message as one paragraph
instead of a traceback; anything else is a bug and keeps its traceback. They subclass
the built-in `ValueError` / `FileNotFoundError`, so Python callers can catch either.
"""


class ConfigError(ValueError):
    """A setting (flag, TOML key or argument) has a value that cannot be used."""


class DataError(ValueError):
    """The data a user pointed at cannot be turned into training images."""


class DataNotFoundError(FileNotFoundError):
    """A file or folder a user named does not exist."""


class TrainingDiverged(RuntimeError):
    """Training produced non-finite losses (e.g. a learning rate far too large); the last good state is kept."""


USER_ERRORS = (ConfigError, DataError, DataNotFoundError, TrainingDiverged)
