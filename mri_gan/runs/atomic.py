"""Writing files so that a crash, a full disk or a second process never leaves half of one.

Everything is written under a temporary name unique to this process and renamed into
place, which replaces the old file in one step.
"""

import os
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
