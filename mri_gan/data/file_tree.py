"""The files under a data folder, following symlinked folders (a common way to assemble a dataset).

`Path.rglob` does not follow symlinked folders, so a `yes -> /data/yes` class folder
silently vanished. A link to a folder outside the data folder is followed; a link to a
folder inside it is left out (that folder is read where it is, so an image stays in the
class folder it lies in, and a link back up the tree cannot loop). Hidden files and folders
(names starting with ".") and run folders of mri_gan (a `fit --out` inside the data folder:
its grids and plots are not training data) are left out.
"""

import logging
import os
from pathlib import Path

from mri_gan.runs.guard import MARKER

logger = logging.getLogger(__name__)


def files_under(root: Path) -> list[Path]:
    """Every non-hidden file under `root`, through symlinked folders, sorted; paths stay under `root`."""
    visited: set[str] = set()
    inside = os.path.realpath(root)
    found = []
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in visited:
            subfolders.clear()
            continue
        visited.add(real)
        if MARKER in names:
            logger.info("Left out %s: a run folder of mri_gan (fit --out inside the data), not training data", folder)
            subfolders.clear()
            continue
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and _kept(Path(folder, name), inside)]
        found += [Path(folder, name) for name in names if not name.startswith(".")]
    return sorted(path for path in found if path.is_file())


def _kept(folder: Path, root_real: str) -> bool:
    """False, with a warning, for a link to a folder inside the data folder (read where it lies instead)."""
    if not folder.is_symlink():
        return True
    target = os.path.realpath(folder)
    if target != root_real and not target.startswith(root_real + os.sep):
        return True
    logger.warning("Left out the link %s: it points to %s, inside the data folder, whose images are read where they "
                   "lie (in their own class folder)", folder, target)  # fmt: skip
    return False
