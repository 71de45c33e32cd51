"""What `--data` points at, as one `FolderScan`: its images, plus the slices of any scanner volumes.

A folder of images is scanned as it is. NIfTI volumes and DICOM series in it are first
sliced into the slice cache (`mri_gan.data.volumes`), and those slices join the images,
each carrying its hashed subject id so that splits can keep a patient on one side.
"""

import dataclasses
import logging
import os
from pathlib import Path

from mri_gan.data.files import IMAGE_SUFFIXES, FolderScan, scan_image_folder
from mri_gan.data.volumes.extract import cached_slices, subjects_of
from mri_gan.data.volumes.slicing import SliceOptions
from mri_gan.data.volumes.sources import volume_files
from mri_gan.data.walk import files_under
from mri_gan.errors import DataNotFoundError

logger = logging.getLogger(__name__)


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
