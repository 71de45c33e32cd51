"""Where the built-in dataset lives, and rendering it there on first use."""

import logging
import os
from pathlib import Path

from mri_gan.data.phantom import MANIFEST, VERSION, write_phantom_dataset

logger = logging.getLogger(__name__)

DEFAULT_NUM_IMAGES = 1000
DEFAULT_SEED = 0


def cache_root() -> Path:
    """`$MRI_GAN_CACHE`, else `$XDG_CACHE_HOME/mri_gan`, else `~/.cache/mri_gan`."""
    if os.environ.get("MRI_GAN_CACHE"):
        return Path(os.environ["MRI_GAN_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mri_gan"


def default_dataset_dir(num: int = DEFAULT_NUM_IMAGES, seed: int = DEFAULT_SEED) -> Path:
    """The folder of the built-in phantom dataset, rendered on first use (about half a minute).

    Several runs started at once on a fresh machine each render it; the first to finish
    puts it in place and the others use that one.
    """
    folder = cache_root() / f"phantom-v{VERSION}-n{num}-seed{seed}"
    if not (folder / MANIFEST).is_file():
        logger.info("Rendering the built-in dataset (%d synthetic brain MR slices) into %s", num, folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_phantom_dataset(folder, num=num, seed=seed)
        except FileExistsError:
            if not (folder / MANIFEST).is_file():
                raise
            logger.info("Another process rendered %s first; using it", folder)
    return folder
