"""Protecting run folders: a marker that says a folder is a run, and one process at a time in it.

`fit --out DIR` must never write into a folder of the user's that is not a run (it would
overwrite `config.json`, replace `generator/`, append to a `history.csv`), and two `fit`
processes must never train into the same run. A run folder carries the marker file
`.mri_gan_run`; folders made by versions before the marker (with `config.json` and a
checkpoint) count as runs too. An exclusive lock (`fcntl.flock` on `.lock`, released by the
operating system when the process ends, even when it is killed) keeps a second process out,
of a run and of the folder `generate` writes into.
"""

import contextlib
import json
import os

from mri_gan.errors import ConfigError
from mri_gan.runs.layout import RunDirectory

MARKER = ".mri_gan_run"
LOCK = ".lock"


def is_run_folder(run: RunDirectory) -> bool:
    """True for a folder this package made for a run (marker, or config.json with a checkpoint from before it)."""
    return (run.root / MARKER).is_file() or (run.config.is_file() and run.has_checkpoint())


def claim_run_folder(run: RunDirectory) -> None:
    """Make `run.root` a run folder; refuse a file, or a non-empty folder that is not a run, without changing it."""
    check_run_folder(run)
    marker = run.root / MARKER
    try:
        run.root.mkdir(parents=True, exist_ok=True)
        if not marker.is_file():
            from mri_gan import __version__

            marker.write_text(json.dumps({"made_by": f"mri_gan {__version__}"}) + "\n")
    except OSError as error:
        raise _unwritable(run.root, error) from None


def check_run_folder(run: RunDirectory) -> None:
    """Raise ConfigError if `run.root` is a file, or a non-empty folder that is not a run; change nothing."""
    root = run.root
    if root.exists() and not root.is_dir():
        raise ConfigError(f"--out {root} is a file, not a folder. Give a new or empty folder for the run.")
    if root.is_dir() and any(root.iterdir()) and not is_run_folder(run):
        raise ConfigError(
            f"--out {root} already holds files that mri_gan did not write (it has no {MARKER} marker), so "
            "training into it could overwrite them. Nothing was changed; give a new or empty folder."
        )


def run_lock(run: RunDirectory):
    """Hold the run folder's exclusive lock for the block; if another process holds it, a ConfigError names its pid."""
    return folder_lock(run.root)


@contextlib.contextmanager
def folder_lock(folder, what: str = "--out", leave_no_file: bool = False):
    """Hold `folder`'s exclusive lock (its `.lock` file) for the block, so two mri_gan processes never write into
    one folder at once (`fit` into a run, `generate` into an output folder); the second gets a ConfigError.

    With `leave_no_file` the lock file is removed when the block ends (an output folder of the user's holds only
    what was asked for); a process that opened it just before then locks a removed file, which can only let two
    short commands overlap, never corrupt a run."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    root = RunDirectory(folder).root
    path = root / LOCK
    try:
        handle = open(path, "a+")  # noqa: SIM115  (closed by the with below)
    except OSError as error:
        raise _unwritable(root, error) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ConfigError(
                f"{root} is in use by another mri_gan process (pid {holder}). Wait for it to finish, stop it, "
                f"or give another {what}."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            if leave_no_file:
                path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unwritable(root, error: OSError) -> ConfigError:
    return ConfigError(f"--out {root} cannot be written ({error.strerror or error}). Give a folder you can write "
                       "to; nothing was trained.")
