"""Real images a run keeps out of training (`fit --holdout FRACTION`), so evaluation can be honest.

A discriminator always tells its own training images from generated ones, and fidelity
measured against the training images rewards memorising them. `fit --holdout 0.15` keeps
about 15% of `--data` out of training: whole subjects (the hashed patient id of scanner
slices), byte-identical files on the same side, about the fraction of every class. The
held-out files are listed in the run's `holdout.json`; a resumed run reads the list
instead of splitting again, and `evaluate --model RUN` takes them as its real images.
"""

import json
import logging
import os
from pathlib import Path

from mri_gan.data.files import UNLABELLED, FolderScan, ImageFile
from mri_gan.data.splits import split_by_subject_per_class
from mri_gan.errors import ConfigError, DataError
from mri_gan.runs.atomic import write_text_atomically
from mri_gan.runs.layout import RunDirectory

logger = logging.getLogger(__name__)


def hold_out(run: RunDirectory, scan: FolderScan, fraction: float, seed: int, write: bool = True) -> FolderScan:
    """The training part of `scan`: without the run's held-out images (split now if the run has none yet).

    With `fraction` 0 and no earlier split, `scan` is returned whole. The split is a
    function of the files and the seed, so every worker of a distributed run finds the
    same one; only the writer (`write`) records it.
    """
    held = held_out_scan(run)
    if held is None and fraction:
        held = _split(scan, fraction, seed)
        if write:
            _write(run, held, fraction, seed)
            logger.info("Held out %d of %d images for evaluation (%s)", len(held.images), len(scan.images),
                        run.holdout)  # fmt: skip
    return scan if held is None else without(scan, held)


def training_part(run: RunDirectory, scan: FolderScan) -> FolderScan:
    """`scan` without the images `run` holds out (whole when it holds none): what the run trained on."""
    held = held_out_scan(run)
    return scan if held is None else without(scan, held)


def held_out_scan(run: RunDirectory) -> FolderScan | None:
    """The run's held-out images as a scan (files that no longer exist are left out), or None without a split."""
    if not run.holdout.is_file():
        return None
    try:
        record = json.loads(run.holdout.read_text())
        class_names = tuple(record["class_names"])
        images = [ImageFile(Path(item["path"]), class_names.index(item["class"]) if item["class"] else UNLABELLED,
                            item["sha1"], item.get("subject")) for item in record["images"]]  # fmt: skip
    except (ValueError, KeyError, TypeError) as error:
        raise DataError(f"{run.holdout} is damaged ({error}); restore it, or delete it to split again.") from None
    kept = [image for image in images if image.path.is_file()]
    if len(kept) < len(images):
        logger.warning("%d held-out files listed in %s no longer exist", len(images) - len(kept), run.holdout)
    return FolderScan(Path(record["data"]), class_names, kept)


def without(scan: FolderScan, held: FolderScan) -> FolderScan:
    """`scan` minus the held-out files, and minus any byte-identical copy of one."""
    paths = {os.path.abspath(image.path) for image in held.images}
    hashes = {image.sha1 for image in held.images}
    kept = [image for image in scan.images if os.path.abspath(image.path) not in paths and image.sha1 not in hashes]
    if not kept:
        raise DataError(f"Every image of {scan.root} is held out for evaluation; nothing is left to train on.")
    return FolderScan(scan.root, scan.class_names, kept, scan.skipped, scan.duplicates, scan.duplicates_dropped)


def _split(scan: FolderScan, fraction: float, seed: int) -> FolderScan:
    groups = [image.subject or image.sha1 for image in scan.images]
    first, _ = split_by_subject_per_class(groups, [image.label for image in scan.images], fraction, seed)
    if not len(first) or len(first) == len(scan.images):
        raise ConfigError(
            f"--holdout {fraction:g} of the {len(scan.images)} images of {scan.root} leaves "
            f"{'no image to evaluate with' if not len(first) else 'nothing to train on'}; give a fraction that "
            "holds out at least one subject and keeps the rest, e.g. 0.15."
        )
    return FolderScan(scan.root, scan.class_names, [scan.images[index] for index in first])


def _write(run: RunDirectory, held: FolderScan, fraction: float, seed: int) -> None:
    names = held.class_names
    record = {
        "fraction": fraction,
        "seed": seed,
        "data": os.path.abspath(held.root),
        "class_names": list(names),
        "counts": held.counts_per_class() if names else len(held.images),
        "images": [
            {
                "path": os.path.abspath(image.path),
                "class": names[image.label] if names else None,
                "sha1": image.sha1,
                "subject": image.subject,
            }
            for image in held.images
        ],
    }
    write_text_atomically(run.holdout, json.dumps(record, indent=1))
