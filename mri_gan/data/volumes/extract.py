"""Slices of every scan in a folder written as yes/ and no/ PNG folders, cached by content and options.

The output is an ordinary image folder (the rest of the pipeline reads it like the
Kaggle set) plus `slices.json`, which records each slice's hashed subject id, label and
origin within its subject, and the options used: no DICOM header value and no source
file name ever reaches it (source names such as BraTS subject ids are hashed too).
"""

import contextlib
import contextvars
import dataclasses
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from mri_gan.data.builtin import cache_root
from mri_gan.data.volumes.formats import Scan, find_scans, volume_files
from mri_gan.data.volumes.slicing import (
    SliceOptions,
    dicom_window,
    foreground_fraction,
    percentile_window,
    plane_slices,
    slice_label,
    window_to_uint8,
)
from mri_gan.errors import ConfigError, DataError

logger = logging.getLogger(__name__)

MANIFEST = "slices.json"
VERSION = 1  # bump when the slices written for the same input and options change


@dataclass
class SliceExport:
    """Where the slices are, how many per class, what was left out and whether the cache served them."""

    folder: Path
    counts: dict[str, int]
    left_out: dict[str, int]  # reason -> number of files or scans left out for it
    cached: bool

    def summary(self) -> str:
        counts = ", ".join(f"{n} {label}" for label, n in sorted(self.counts.items())) or "none"
        text = f"{sum(self.counts.values())} slices ({counts}) in {self.folder}"
        if self.cached:
            text += " (from the slice cache; clear it with: python -m mri_gan.data.slices --clear-cache)"
        if self.left_out:
            text += "; left out: " + ", ".join(f"{n} {reason}" for reason, n in self.left_out.items())
        return text


_SCRATCH: contextvars.ContextVar[Path | None] = contextvars.ContextVar("slice_scratch", default=None)


def slice_cache_dir() -> Path:
    return cache_root() / "slices"


@contextlib.contextmanager
def cache_left_untouched(scratch: str | os.PathLike):
    """Inside the block, slices (and a subject key) the cache does not hold yet are made in `scratch` instead of
    the cache, which is only read: what `fit --dry-run` needs to promise that it writes nothing."""
    token = _SCRATCH.set(Path(scratch))
    try:
        yield
    finally:
        _SCRATCH.reset(token)


def subject_id(key: str) -> str:
    """A keyed hash of a subject key: the same subject gives the same id here, and the id cannot be
    turned back into a patient id by hashing guesses without this machine's key (kept in the cache)."""
    key_file = cache_root() / "subject-key"
    if not key_file.is_file() and _SCRATCH.get() is not None:
        key_file = _SCRATCH.get() / "subject-key"
    if not key_file.is_file():
        key_file.parent.mkdir(parents=True, exist_ok=True)  # a shared cache folder keeps its own mode: the key is 0600
        partial = key_file.with_name(f".subject-key.{os.getpid()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        partial.replace(key_file)
    return hmac.new(key_file.read_text().encode(), key.encode(), hashlib.sha256).hexdigest()[:12]


def cached_slices(root: str | os.PathLike, options: SliceOptions, files: list[Path] | None = None) -> SliceExport:
    """The slices of every scan under `root` (or of `files` from `volume_files`), extracted on the
    first call and read from the cache after."""
    root = Path(root)
    options.validate()
    files = volume_files(root) if files is None else files
    folder = slice_cache_dir() / _cache_key(root, files, options)
    if not (folder / MANIFEST).is_file() and _SCRATCH.get() is not None:
        folder = _SCRATCH.get() / "slices" / folder.name
    if (folder / MANIFEST).is_file():
        export = _read_export(folder, cached=True)
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
        try:
            export = write_slices(root, scratch, options, files)
            _move_into_cache(scratch, folder)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        export.folder = folder
    logger.info("Slices: %s", export.summary())
    return export


def _move_into_cache(scratch: Path, folder: Path) -> None:
    """Put finished slices in place; when another process slicing the same scans got there first, use its."""
    try:
        scratch.replace(folder)
    except OSError:
        if not (folder / MANIFEST).is_file():
            raise
        logger.info("Another process sliced these scans first; using %s", folder)


def write_slices(root: Path, out: Path, options: SliceOptions, files: list[Path] | None = None) -> SliceExport:
    """Slice every scan under `root` into `out`/yes, `out`/no (or `out` when nothing is labelled)."""
    options.validate()
    scans, skipped = find_scans(root, volume_files(root) if files is None else files, options.modality)
    reasons = {str(path): reason for path, reason in skipped.items()}
    if not scans:
        raise DataError(
            f"No NIfTI volume or DICOM series could be used in {root}"
            + (f" ({_reason_text(reasons)})" if reasons else "")
            + ". Check --data, and --modality for BraTS-style folders."
        )
    # A scan is labelled by its mask or its yes/no folder; known before any volume is read,
    # so slices are written scan by scan and never all held in memory.
    labelled = any(scan.mask is not None or scan.class_name for scan in scans)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for number, scan in enumerate(scans):
        if labelled and scan.mask is None and not scan.class_name:
            reasons[scan.description] = "no mask and no yes/no folder, while other scans are labelled"
            continue
        try:
            slices = _scan_slices(scan, options)
        except DataError as error:
            reasons[scan.description] = str(error)
            continue
        except ConfigError:  # a setting (e.g. a size limit) that cannot be used ends the export, as for images
            raise
        except Exception as error:  # one scan's geometry or pixels must not end the whole export
            reasons[scan.description] = f"could not be sliced ({type(error).__name__})"
            continue
        reasons |= {str(path): reason for path, reason in getattr(scan.source, "left_out", {}).items()}
        if not slices:
            reasons[scan.description] = (f"no slice with at least {options.min_foreground:g} of the slice showing head "
                                         "(--min-foreground)")  # fmt: skip
            continue
        subject = subject_id(scan.subject_key)
        for index, image, label in slices:
            name = f"{subject}_{number:04d}_{options.plane[0]}{index:03d}.png"
            relative = Path(label, name) if label else Path(name)
            (out / relative).parent.mkdir(exist_ok=True)
            Image.fromarray(image).save(out / relative)
            records.append({"file": relative.as_posix(), "subject": subject, "label": label, "slice": index})
    for source, reason in reasons.items():
        logger.warning("Slices: left out %s: %s", source, reason)
    if not records:
        raise DataError(f"No slice of the scans in {root} passed the checks ({_reason_text(reasons)}).")
    manifest = {
        "version": VERSION,
        "options": dataclasses.asdict(options),
        "slices": records,
        "left_out": dict(Counter(_without_paths(reason, root) for reason in reasons.values()).most_common()),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return _read_export(out, cached=False)


def subjects_of(folder: Path) -> dict[Path, str]:
    """Each slice file of an extracted folder with its hashed subject id."""
    manifest = json.loads((folder / MANIFEST).read_text())
    return {folder / record["file"]: record["subject"] for record in manifest["slices"]}


def _scan_slices(scan: Scan, options: SliceOptions) -> list[tuple[int, np.ndarray, str | None]]:
    volume, zooms = scan.load()
    if volume.ndim != 3 or min(volume.shape) < 1:
        raise DataError(f"the volume has shape {volume.shape}, not a 3-D image")
    mask = scan.load_mask(volume.shape)
    low, high = _window(scan, volume, options)
    images = plane_slices(window_to_uint8(volume, low, high), zooms, options.plane)
    masks = plane_slices(mask, zooms, options.plane, order=0) if mask is not None else [None] * len(images)
    kept = []
    for index, (image, mask_slice) in enumerate(zip(images, masks, strict=True)):
        if foreground_fraction(image) < options.min_foreground:
            continue
        label = slice_label(mask_slice, options.min_tumour_area)
        kept.append((index, np.ascontiguousarray(image), label or scan.class_name))
    return kept


def _window(scan: Scan, volume: np.ndarray, options: SliceOptions) -> tuple[float, float]:
    window = getattr(scan.source, "window", None)
    if options.dicom_window and window is not None:
        return dicom_window(*window)
    return percentile_window(volume, tuple(options.window))


def _cache_key(root: Path, files: list[Path], options: SliceOptions) -> str:
    digest = hashlib.sha256(json.dumps([VERSION, dataclasses.asdict(options)]).encode())
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:20]


def _read_export(folder: Path, cached: bool) -> SliceExport:
    manifest = json.loads((folder / MANIFEST).read_text())
    counts = Counter(record["label"] or "unlabelled" for record in manifest["slices"])
    return SliceExport(folder, dict(counts), manifest["left_out"], cached)


def _without_paths(reason: str, root: Path) -> str:
    """A reason as slices.json keeps it: every path under the data folder (whose folder and file names may be
    patient names or record numbers) replaced by "<file>", so the count of each kind of problem stays."""
    for prefix in {str(root), os.path.abspath(root), os.path.realpath(root)}:
        reason = re.sub(re.escape(prefix) + r"[^\s:,;()]*", "<file>", reason)
    return reason


def _reason_text(reasons: dict[str, str]) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in Counter(reasons.values()).most_common())
