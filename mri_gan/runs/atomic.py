"""Writing files so that a crash, a full disk or a second process never leaves half of one.

Everything is written under a temporary name unique to this process and renamed into
place, which replaces the old file in one step.
"""

import os
import shutil
from pathlib import Path


def process_unique(path: Path) -> Path:
    """A temporary name beside `path` that no other process uses: `.NAME.PID.partial`."""
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def write_text_atomically(path: str | os.PathLike, text: str) -> Path:
    """`path` holds `text`, or (if writing fails) whatever it held before."""
    path = Path(path)
    partial = process_unique(path)
    try:
        partial.write_text(text)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def remove_abandoned_partials(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders (`.NAME.PID.partial`) that processes killed mid-write left in
    `folder` and its subfolders, those of processes still running aside; returns what was removed."""
    removed = []
    for partial in Path(folder).rglob(".*.partial"):
        pid = partial.name.rsplit(".", 2)[-2]
        if not pid.isdigit() or _running(int(pid)):
            continue
        shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(missing_ok=True)
        removed.append(partial)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
