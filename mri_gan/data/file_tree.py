"""The files under a data folder, following symlinked folders (a common way to assemble a dataset).

`Path.rglob` does not follow symlinked folders, so a `yes -> /data/yes` class folder
silently vanished. Each real folder is visited once, so a link that points back up the
tree cannot loop. Hidden files and folders (names starting with ".") are left out.
"""

import os
from pathlib import Path


def files_under(root: Path) -> list[Path]:
    """Every non-hidden file under `root`, through symlinked folders, sorted; paths stay under `root`."""
    visited: set[str] = set()
    found = []
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in visited:
            subfolders.clear()
            continue
        visited.add(real)
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found += [Path(folder, name) for name in names if not name.startswith(".")]
    return sorted(path for path in found if path.is_file())
