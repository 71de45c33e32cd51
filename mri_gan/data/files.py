"""Find the images in a folder, check that each one decodes, and say what was found.

Every file with an image extension is decoded once before training starts, so a bad
file is reported by path up front instead of failing a `tf.data` map in the middle of
an epoch. Labels come from the names of first-level subfolders (`yes/`, `no/` in the
Kaggle layout); a flat folder is unlabelled.
"""

import hashlib
import logging
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import UnidentifiedImageError

from mri_gan.data.decode import decode_grayscale
from mri_gan.data.file_tree import files_under
from mri_gan.data.limits import TooLarge, max_image_pixels
from mri_gan.errors import DataError, DataNotFoundError

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff")
UNLABELLED = -1


@dataclass(frozen=True)
class ImageFile:
    """One usable image: where it is, its class index (or UNLABELLED), content hash and subject.

    `subject` is the hashed patient/subject id of a slice cut from a scanner volume (None
    for plain image files, whose subject is unknown).
    """

    path: Path
    label: int
    sha1: str
    subject: str | None = None


@dataclass
class FolderScan:
    """What a folder holds: usable images, skipped files with reasons, duplicates."""

    root: Path
    class_names: tuple[str, ...]
    images: list[ImageFile]
    skipped: dict[Path, str] = field(default_factory=dict)
    duplicates: dict[Path, Path] = field(default_factory=dict)
    duplicates_dropped: bool = False

    @property
    def labelled(self) -> bool:
        return bool(self.class_names)

    def counts_per_class(self) -> dict[str, int]:
        counts = Counter(image.label for image in self.images)
        return {name: counts[index] for index, name in enumerate(self.class_names)}

    def summary(self) -> str:
        """One paragraph: images found, per class, skipped per reason, duplicates."""
        parts = [f"{len(self.images)} images in {self.root}"]
        if self.labelled:
            parts[0] += " (" + ", ".join(f"{n} {c}" for c, n in self.counts_per_class().items()) + ")"
        if self.skipped:
            parts.append(f"skipped {len(self.skipped)}: {_reason_counts(self.skipped)}")
        if self.duplicates:
            verb = "dropped" if self.duplicates_dropped else "kept; drop them with --drop-duplicates"
            parts.append(f"{len(self.duplicates)} exact duplicates of other files ({verb})")
        return "; ".join(parts) + "."


def scan_image_folder(
    root: str | os.PathLike,
    *,
    min_size: int = 32,
    strict: bool = False,
    drop_duplicates: bool = False,
) -> FolderScan:
    """Find, validate and label every image under `root` (recursively).

    Files whose content is not a usable image (empty, unreadable, not an image,
    truncated, corrupt, smaller than `min_size` on a side) are skipped with one
    summary warning, or refused with a `DataError` when `strict`. Hidden files and
    folders (names starting with ".") are ignored.
    """
    root = Path(root).expanduser()
    if not root.exists():
        raise DataNotFoundError(f"The image folder {root} does not exist; check the path.")
    if not root.is_dir():
        raise DataError(f"{root} is a file, not a folder of images. Give the folder that holds it.")
    max_image_pixels()  # a malformed limit is one clear error now, not a "corrupt" verdict on every file
    class_names, candidates = _find_candidates(root)
    if not candidates:
        raise DataError(
            f"No image files ({', '.join(IMAGE_SUFFIXES)}) were found under {root}. "
            "Give the folder that holds your images (subfolders such as yes/ and no/ become labels)."
        )
    skipped = {path: "outside the class folders" for path, label in candidates if label is None}
    labelled = [(path, label) for path, label in candidates if label is not None]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        checks = list(pool.map(lambda item: _check_file(item[0], min_size), labelled))
    images = []
    for (path, label), (sha1, problem) in zip(labelled, checks, strict=True):
        if problem:
            skipped[path] = problem
        else:
            images.append(ImageFile(path, UNLABELLED if not class_names else label, sha1))
    scan = FolderScan(root, class_names, images, skipped)
    _report_problems(scan, strict)
    _find_duplicates(scan, drop_duplicates)
    logger.info("Found %s", scan.summary())
    return scan


def _find_candidates(root: Path) -> tuple[tuple[str, ...], list[tuple[Path, int | None]]]:
    """Image-named files with their class index; None for files outside class folders."""
    files = [path for path in files_under(root) if path.suffix.lower() in IMAGE_SUFFIXES]
    nested = [path for path in files if path.parent != root]
    class_names = tuple(sorted({path.relative_to(root).parts[0] for path in nested}))
    if not class_names:
        return (), [(path, UNLABELLED) for path in files]
    index = {name: i for i, name in enumerate(class_names)}
    return class_names, [
        (path, index[path.relative_to(root).parts[0]] if path.parent != root else None) for path in files
    ]


def _check_file(path: Path, min_size: int) -> tuple[str, str | None]:
    """(sha1 of the bytes, None) for a usable image, else ("", reason)."""
    try:
        data = path.read_bytes()
    except PermissionError:
        return "", "unreadable (permission denied)"
    except OSError as error:
        return "", f"unreadable ({error.strerror or error})"
    if not data:
        return "", "empty file"
    try:
        gray = decode_grayscale(data)
    except UnidentifiedImageError:
        return "", "not an image"
    except TooLarge as error:
        return "", str(error)
    except Exception as error:  # Pillow signals damage with many exception types
        return "", "truncated" if _looks_truncated(error) else "corrupt"
    if not np.isfinite(gray).all():
        return "", "non-finite pixels (NaN or infinity)"
    height, width = gray.shape
    if min(height, width) < min_size:
        return "", f"too small ({width}x{height} < {min_size} px)"
    return hashlib.sha1(data).hexdigest(), None


def _looks_truncated(error: Exception) -> bool:
    return isinstance(error, EOFError) or "truncat" in str(error).lower()


def _reason_counts(skipped: dict[Path, str]) -> str:
    counts = Counter(reason.split(" (")[0] for reason in skipped.values())
    return ", ".join(f"{count} {reason}" for reason, count in sorted(counts.items()))


def _report_problems(scan: FolderScan, strict: bool) -> None:
    if not scan.skipped:
        return
    listing = "\n".join(f"  {path}: {reason}" for path, reason in sorted(scan.skipped.items()))
    if strict:
        raise DataError(
            f"{len(scan.skipped)} files under {scan.root} cannot be used ({_reason_counts(scan.skipped)}), "
            f"and strict mode refuses them. Fix or remove them, or run without --strict to skip them:\n{listing}"
        )
    if not scan.images:
        raise DataError(
            f"None of the {len(scan.skipped)} image files under {scan.root} can be used "
            f"({_reason_counts(scan.skipped)}):\n{listing}"
        )
    logger.warning("Skipping %d files (%s):\n%s", len(scan.skipped), _reason_counts(scan.skipped), listing)


def _find_duplicates(scan: FolderScan, drop: bool) -> None:
    first_by_hash: dict[str, Path] = {}
    kept = []
    for image in scan.images:
        original = first_by_hash.setdefault(image.sha1, image.path)
        if original != image.path:
            scan.duplicates[image.path] = original
            if drop:
                continue
        kept.append(image)
    scan.images = kept
    scan.duplicates_dropped = drop and bool(scan.duplicates)
    if scan.duplicates:
        logger.info(
            "%d files are byte-for-byte copies of others, e.g. %s = %s",
            len(scan.duplicates),
            *next(iter(scan.duplicates.items())),
        )
