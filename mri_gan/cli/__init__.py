"""The commands, one module each, and what every command shares: its parser with `--version`, plain log output,
and one-paragraph errors for user mistakes (`run_parsed`, the one preamble of every `main`)."""

import argparse
import logging
import os
import sys
import textwrap
from collections.abc import Callable

from mri_gan.errors import USER_ERRORS, ConfigError


def configure_logging(verbose: bool = False) -> None:
    """Messages of this package on stderr as plain lines ("warning: ..." for warnings)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PlainFormatter())
    package_logger = logging.getLogger("mri_gan")
    package_logger.handlers[:] = [handler]
    package_logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    package_logger.propagate = False


class _PlainFormatter(logging.Formatter):
    def format(self, record):
        message = record.getMessage()
        return f"warning: {message}" if record.levelno >= logging.WARNING else message


def run_command(main: Callable[[], int | None], prog: str) -> int:
    """Run a command's body; a user mistake becomes `prog: error: ...` and exit code 2."""
    try:
        return main() or 0
    except USER_ERRORS as error:
        message = str(error)
        first, _, rest = message.partition("\n")
        sys.stderr.write(textwrap.fill(f"{prog}: error: {first}", width=100) + "\n")
        if rest:
            sys.stderr.write(rest + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{prog}: interrupted\n")
        return 130


def run_parsed(parser: argparse.ArgumentParser, body: Callable[[argparse.Namespace], int | None], argv=None) -> int:
    """A command's `main`: parse `argv`, set up logging, run `body(args)`; a user mistake is one paragraph."""
    args = parser.parse_args(argv)
    configure_logging()
    return run_command(lambda: body(args), parser.prog)


def check_output_folder(path: os.PathLike, flag: str = "--out") -> None:
    """Refuse, before any work is done, an output folder that is an existing file or cannot be written (it is
    made later, when written to; nothing is made here)."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise ConfigError(f"{flag} {path} is a file, not a folder. Give a folder (it is made if missing).")
    existing = os.path.abspath(path)
    while not os.path.exists(existing):  # the folder, or the nearest folder it would be made in: nothing is made
        existing = os.path.dirname(existing)
    problem = None
    if not os.path.isdir(existing):
        problem = "not a directory"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = "permission denied or a read-only file system"
    if problem:
        raise ConfigError(f"{flag} {path} cannot be written ({problem}). Give a folder you can write to.")


def command_parser(module: str, description: str, **kwargs) -> argparse.ArgumentParser:
    """A command's parser with `--version`, whose usage line names the command as the user typed it.

    `module` is the command's `python -m` name, e.g. "mri_gan.fit"; run as an installed
    script (`mri-gan-fit`), usage lines say that name instead.
    """
    from mri_gan import __version__

    typed = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    prog = typed if typed.startswith("mri-gan-") else f"python -m {module}"
    parser = argparse.ArgumentParser(prog=prog, description=description, **kwargs)
    parser.add_argument("--version", action="version", version=f"%(prog)s (mri_gan {__version__})")
    return parser
