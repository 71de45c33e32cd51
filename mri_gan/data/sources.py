"""Where training images come from, and the one recipe from a run's settings to its batches.

`--data` names a folder: its images are scanned as they are; scanner volumes in it (every
format of `mri_gan.data.volumes.formats.VOLUME_FORMATS`) are first sliced into the slice
cache, and those slices join the images, each carrying its hashed subject id so that
splits can keep a patient on one side. Without `--data`, the built-in phantom set is
rendered on first use. `dataset_from_config` is what `fit`, its dry run and the
experiments all train on: the scan, without the run's held-out images, as `tf.data` batches.
"""

import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from mri_gan.data.builtin import default_dataset_dir
from mri_gan.data.file_tree import files_under
from mri_gan.data.files import IMAGE_SUFFIXES, FolderScan, scan_image_folder
from mri_gan.data.holdout import hold_out
from mri_gan.data.volumes.extract import cached_slices, subjects_of
from mri_gan.data.volumes.formats import volume_files
from mri_gan.data.volumes.slicing import SliceOptions
from mri_gan.errors import DataNotFoundError
from mri_gan.runs.layout import RunDirectory

logger = logging.getLogger(__name__)


@dataclass
class TrainingData:
    """A run's training batches, the scan they are read from, and the whole scan before the held-out images left."""

    dataset: tf.data.Dataset
    scan: FolderScan
    full_scan: FolderScan

    @property
    def held_out(self) -> int:
        return len(self.full_scan.images) - len(self.scan.images)


def dataset_from_config(config, run: RunDirectory, write_holdout: bool = True, cache: str | None = None):
    """The training data a `RunConfig` describes for the run in `run`, as `TrainingData`.

    Without `config.data.path` the built-in set is rendered first and its folder recorded
    in the configuration. The run's held-out images (split now, and recorded in the run when
    `write_holdout`, if it has none) are left out. `cache` overrides `config.data.cache`
    (e.g. "none" for a dry run, which must write nothing).
    """
    from mri_gan.data.pipeline import folder_dataset

    if config.data.path is None:
        config.data.path = str(default_dataset_dir())
    full_scan = config.data.scan()
    scan = hold_out(run, full_scan, config.data.holdout, config.train.seed, write=write_holdout)
    options = config.data.pipeline_options() | ({"cache": cache} if cache is not None else {})
    dataset, scan = folder_dataset(scan, resolution=config.model.resolution, batch_size=config.train.batch_size,
                                   seed=config.train.seed, with_labels=config.model.conditional,
                                   **options)  # fmt: skip
    return TrainingData(dataset, scan, full_scan)


def scan_training_data(
    root: str | os.PathLike, slice_options: SliceOptions | None = None, **scan_options
) -> FolderScan:
    """The usable images under `root`, slicing any volumes there first (see `scan_image_folder` options)."""
    root = Path(root)
    if not root.is_dir():
        raise DataNotFoundError(f"The image folder {root} does not exist; check the path.")
    scans = volume_files(root)  # one walk of the folder serves the check and the slicing
    if not scans:
        return scan_image_folder(root, **scan_options)
    export = cached_slices(root, slice_options or SliceOptions(), scans)
    slices = scan_image_folder(export.folder, **scan_options)
    subjects = subjects_of(export.folder)
    slices.images = [dataclasses.replace(image, subject=subjects.get(image.path)) for image in slices.images]
    if not _has_images(root):
        return slices
    return merge_scans(scan_image_folder(root, **scan_options), slices)


def merge_scans(first: FolderScan, second: FolderScan) -> FolderScan:
    """One scan of both, classes matched by name; unlabelled images beside labelled ones are left out."""
    names = tuple(sorted(set(first.class_names) | set(second.class_names)))
    merged = FolderScan(first.root, names, [], {**first.skipped, **second.skipped},
                        {**first.duplicates, **second.duplicates}, first.duplicates_dropped)  # fmt: skip
    for scan in (first, second):
        if names and not scan.labelled:
            merged.skipped |= {image.path: "unlabelled beside labelled data" for image in scan.images}
            continue
        for image in scan.images:
            label = names.index(scan.class_names[image.label]) if scan.labelled else image.label
            merged.images.append(dataclasses.replace(image, label=label))
    logger.info("Images and slices together: %d", len(merged.images))
    return merged


def _has_images(root: Path) -> bool:
    return any(path.suffix.lower() in IMAGE_SUFFIXES for path in files_under(root))
