"""Which scans a folder holds: NIfTI volumes (BraTS-style subject folders or flat) and DICOM series.

A NIfTI file whose name ends in `_seg` or `_mask` is a segmentation of the volume with
the same name before that suffix (or, in a BraTS subject folder, of every sequence
there). In a folder of sequences named `<subject>_<sequence>.nii.gz` only the asked-for
modality is sliced. Scans without a mask take their class from a first-level subfolder
named `yes` or `no` (other subfolders, such as BraTS subject folders, are not classes).

`VOLUME_FORMATS` names each format once, with the files it claims and how it turns them
into scans: a new format is its reading module and one entry there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mri_gan.data.file_tree import files_under
from mri_gan.data.volumes.dicom import DicomSeries, may_be_dicom, read_series
from mri_gan.data.volumes.nifti import is_nifti, load_nifti, nifti_stem
from mri_gan.errors import DataError

MASK_SUFFIXES = ("_seg", "_mask")
MODALITY_ALIASES = {
    "t1": ("t1", "t1n"),
    "t1ce": ("t1ce", "t1c", "t1gd"),
    "t2": ("t2", "t2w"),
    "flair": ("flair", "t2f"),
}


@dataclass
class Scan:
    """One volume to slice: where it comes from, whose it is, its class folder and mask."""

    subject_key: str  # folder/file name or DICOM PatientID: hashed before anything is written
    class_name: str | None
    source: Path | DicomSeries
    mask: Path | None = None

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """The volume (RAS+, float32) and its voxel sizes."""
        if isinstance(self.source, DicomSeries):
            return self.source.volume()
        return load_nifti(self.source)

    def load_mask(self, shape: tuple[int, ...]) -> np.ndarray | None:
        if self.mask is None:
            return None
        mask, _ = load_nifti(self.mask)
        if mask.shape != shape:
            raise DataError(f"{self.mask} has shape {mask.shape} but its volume has shape {shape}")
        return mask

    @property
    def description(self) -> str:
        """For messages: the file, or the number of files of a DICOM series (never header values)."""
        if isinstance(self.source, DicomSeries):
            return f"a DICOM series of {len(self.source.files)} files in {self.source.files[0].parent}"
        return str(self.source)


def modality_names(modality: str) -> tuple[str, ...]:
    if modality not in MODALITY_ALIASES:
        raise ValueError(f"modality must be one of {', '.join(MODALITY_ALIASES)}; got {modality!r}")
    return MODALITY_ALIASES[modality]


@dataclass(frozen=True)
class VolumeFormat:
    """A kind of scanner file: which files are its (`claims`), and their scans (`find(root, files, modality)` ->
    (scans, files left out with the reason))."""

    claims: Callable[[Path], bool]
    find: Callable[[Path, list[Path], str], tuple[list[Scan], dict[Path, str]]]


def volume_files(root: Path) -> list[Path]:
    """Files under `root` that some volume format claims, hidden files and folders left out."""
    return [path for path in files_under(root) if any(kind.claims(path) for kind in VOLUME_FORMATS.values())]


def find_scans(root: Path, files: list[Path], modality: str) -> tuple[list[Scan], dict[Path, str]]:
    """The scans among `files` (from `volume_files`), and files left out with the reason; each file goes to the
    first format that claims it."""
    modality_names(modality)
    scans, skipped = [], {}
    unclaimed = list(files)
    for kind in VOLUME_FORMATS.values():
        mine = [path for path in unclaimed if kind.claims(path)]
        unclaimed = [path for path in unclaimed if not kind.claims(path)]
        found, left_out = kind.find(root, mine, modality)
        scans += found
        skipped |= left_out
    return scans, skipped


def _nifti_files_scans(root: Path, niftis: list[Path], modality: str) -> tuple[list[Scan], dict[Path, str]]:
    """NIfTI volumes, folder by folder (a folder's masks and sequences belong together)."""
    wanted = modality_names(modality)
    scans, skipped = [], {}
    for folder in sorted({path.parent for path in niftis}):
        found, left_out = _nifti_scans(root, [p for p in niftis if p.parent == folder], modality, wanted)
        scans += found
        skipped |= left_out
    return scans, skipped


def _dicom_scans(root: Path, files: list[Path], modality: str) -> tuple[list[Scan], dict[Path, str]]:
    """One scan per DICOM series (every sequence: DICOM files carry no BraTS-style sequence name)."""
    series, skipped = read_series(files)
    return [Scan(item.patient_key, _class_of(root, item.files[0]), item) for item in series], skipped


def _nifti_scans(root: Path, paths: list[Path], modality: str, wanted: tuple[str, ...]):
    masks = {_base(nifti_stem(p), MASK_SUFFIXES): p for p in paths if nifti_stem(p).lower().endswith(MASK_SUFFIXES)}
    images = [p for p in paths if p not in masks.values()]
    all_sequences = tuple(name for names in MODALITY_ALIASES.values() for name in names)
    tagged = {p: _sequence(nifti_stem(p), all_sequences) for p in images}
    skipped = {}
    if any(tagged.values()):
        chosen = [p for p in images if tagged[p] in wanted]
        for path in images:
            if path not in chosen:
                skipped[path] = f"another sequence than --modality {modality}"
        if not chosen:
            return [], skipped
        images = chosen
    scans = []
    for path in images:
        stem = nifti_stem(path)
        base = _base(stem, (f"_{tagged[path]}",)) if tagged[path] else stem
        mask = masks.get(base) or (next(iter(masks.values())) if len(masks) == 1 else None)
        subject = str(path.parent.relative_to(root) / base) if path.parent != root else base
        scans.append(Scan(subject, _class_of(root, path), path, mask))
    return scans, skipped


def _sequence(stem: str, sequences: tuple[str, ...]) -> str | None:
    """The sequence name a file name ends with (`BraTS_001_t1ce` -> `t1ce`), if any."""
    lowered = stem.lower()
    matches = [name for name in sequences if lowered.endswith(f"_{name}")]
    return max(matches, key=len) if matches else None


def _base(stem: str, suffixes: tuple[str, ...]) -> str:
    lowered = stem.lower()
    for suffix in suffixes:
        if lowered.endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def _class_of(root: Path, path: Path) -> str | None:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 and parts[0].lower() in ("yes", "no") else None


VOLUME_FORMATS = {
    "nifti": VolumeFormat(is_nifti, _nifti_files_scans),
    "dicom": VolumeFormat(may_be_dicom, _dicom_scans),
}
