"""DICOM series (pydicom) assembled into RAS+ volumes, keeping nothing from the headers but geometry.

Files are grouped by SeriesInstanceUID and ordered by their position along the slice
normal (ImagePositionPatient projected on the cross product of ImageOrientationPatient's
row and column directions), falling back to InstanceNumber when a file lacks geometry.
RescaleSlope/RescaleIntercept are applied; multi-frame files contribute one slice per
frame. Only pixel data, geometry and a hashed patient id leave this module: no name,
date or other header value is logged or returned, and pydicom's own warnings (which quote
malformed values) are silenced while reading.

Files are grouped by reading their headers only; a series' pixels are read when that
series is sliced, so memory holds one series at a time, and its size is checked against
`mri_gan.data.limits` from the headers first.
"""

import contextlib
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

from mri_gan.data.limits import check_image_size, check_volume_shape
from mri_gan.data.volumes.nifti import canonical
from mri_gan.errors import ConfigError, DataError

DICOM_SUFFIXES = (".dcm", ".dicom", ".ima")
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def may_be_dicom(path: Path) -> bool:
    """A DICOM suffix, or no suffix and the 'DICM' marker at byte 128 (how scanners export)."""
    if path.suffix.lower() in DICOM_SUFFIXES:
        return True
    if path.suffix:
        return False
    try:
        with path.open("rb") as handle:
            handle.seek(128)
            return handle.read(4) == b"DICM"
    except OSError:
        return False


@dataclass
class _Frame:
    pixels: np.ndarray  # [rows, cols], rescaled
    position: np.ndarray | None  # ImagePositionPatient (LPS, mm)
    orientation: np.ndarray | None  # ImageOrientationPatient (6 direction cosines)
    spacing: tuple[float, float]  # PixelSpacing: between rows, between columns
    instance: int


@dataclass
class DicomSeries:
    """One series: the patient key it belongs to, its files and, from their headers, its size."""

    uid: str
    patient_key: str
    files: list[Path] = field(default_factory=list)
    window: tuple[float, float] | None = None  # (center, width) of the first file, if usable
    plane_shape: tuple[int, int] = (0, 0)  # rows, columns of the first file
    slice_count: int = 0  # frames over all files
    left_out: dict[Path, str] = field(default_factory=dict)  # files `volume` could not use, with reasons

    def volume(self) -> tuple[np.ndarray, np.ndarray]:
        """The series as a float32 RAS+ volume and its voxel sizes in mm.

        A file whose pixels cannot be read is left out (listed in `left_out`); if none can
        be, DataError names the first one and why (never a header value). TooLarge comes
        before any pixel is read.
        """
        check_volume_shape((*self.plane_shape, self.slice_count))
        frames = []
        for path in self.files:
            try:
                frames += _read_frames(path)
            except DataError as error:
                self.left_out[path] = str(error).removeprefix(f"{path}: ")
        if not frames:
            first = next(iter(self.left_out))
            raise DataError(f"{first}: {self.left_out[first]}")
        frames = _ordered(frames)
        shapes = {frame.pixels.shape for frame in frames}
        if len(shapes) != 1:
            raise DataError(f"slices of different sizes {sorted(shapes)} in one series")
        data = np.stack([frame.pixels.T for frame in frames], axis=-1).astype(np.float32)  # [cols, rows, slices]
        image = canonical(nib.Nifti1Image(data, _affine(frames)))
        return np.asanyarray(image.dataobj, dtype=np.float32), np.asarray(image.header.get_zooms()[:3], np.float32)


def read_series(paths: list[Path]) -> tuple[list[DicomSeries], dict[Path, str]]:
    """DICOM files grouped into series from their headers; files that cannot be DICOM images, with reasons."""
    series: dict[str, DicomSeries] = {}
    skipped: dict[Path, str] = {}
    for path in sorted(paths):
        try:
            with _quiet_pydicom():
                dataset = pydicom.dcmread(path, stop_before_pixels=True)
                uid = str(dataset.get("SeriesInstanceUID", "") or f"file:{path}")
                patient = str(dataset.get("PatientID") or dataset.get("StudyInstanceUID") or uid)
                rows, columns = int(dataset.get("Rows") or 0), int(dataset.get("Columns") or 0)
                frames = int(dataset.get("NumberOfFrames") or 1)
        except InvalidDicomError:
            skipped[path] = "not a DICOM file"
            continue
        except Exception as error:  # pydicom and value conversions raise many kinds; none may stop the scan
            skipped[path] = _reason(error)
            continue
        if not rows or not columns:
            skipped[path] = "DICOM without pixel data"
            continue
        if uid not in series:
            series[uid] = DicomSeries(uid, patient, window=_window(dataset), plane_shape=(rows, columns))
        series[uid].files.append(path)
        series[uid].slice_count += frames
    return list(series.values()), skipped


@contextlib.contextmanager
def _quiet_pydicom():
    """pydicom's warnings and log lines quote header values (names, ids): keep them out of the output."""
    pydicom_logger = logging.getLogger("pydicom")
    level = pydicom_logger.level
    pydicom_logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        pydicom_logger.setLevel(level)


def _read_frames(path: Path) -> list[_Frame]:
    """The frames of one file; DataError with the file and the kind of problem if it cannot be used."""
    try:
        with _quiet_pydicom():
            return _frames(pydicom.dcmread(path))
    except (DataError, MemoryError) as error:
        raise DataError(f"{path}: {error or 'out of memory'}") from None
    except ConfigError:
        raise
    except Exception as error:  # pydicom, its pixel handlers and value conversions raise many kinds
        raise DataError(f"{path}: {_reason(error, path)}") from None


def _reason(error: Exception, path: Path | None = None) -> str:
    """What went wrong reading a file, in words that quote no header value."""
    text = str(error).lower()
    if isinstance(error, EOFError) or any(word in text for word in ("truncat", "end of file", "short", "expected")):
        return "truncated or unreadable DICOM"
    if isinstance(error, (RuntimeError, NotImplementedError)) and ("decod" in text or "handler" in text):
        return f"compressed ({_transfer_syntax(path)}) and no installed decoder can read it; {DECODERS}"
    if isinstance(error, OSError):
        return "unreadable DICOM"
    return "a malformed DICOM header value"


DECODERS = "pip install pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg (or python-gdcm) adds the usual ones"


def _transfer_syntax(path: Path | None) -> str:
    """The name of a file's transfer syntax (a public standard's name, not patient data)."""
    if path is None:
        return "unknown transfer syntax"
    try:
        with _quiet_pydicom():
            return pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID.name
    except Exception:  # the reason is already known; only its detail is missing
        return "unknown transfer syntax"


def _frames(dataset) -> list[_Frame]:
    if "PixelData" not in dataset:
        raise DataError("DICOM without pixel data")
    # Every file's own header, before its pixels are decoded: a series may hold one file far larger than the first.
    check_volume_shape((int(dataset.get("Rows") or 0), int(dataset.get("Columns") or 0),
                        int(dataset.get("NumberOfFrames", 1) or 1)))  # fmt: skip
    check_image_size(int(dataset.get("Columns") or 0), int(dataset.get("Rows") or 0))
    pixels = np.asarray(dataset.pixel_array, dtype=np.float32)
    count = int(dataset.get("NumberOfFrames", 1) or 1)
    if pixels.ndim == 3 and count == 1:  # a colour image: not an MR slice
        raise DataError("a colour image, not an MR slice")
    stack = pixels if count > 1 else pixels[np.newaxis]
    slope, intercept = float(dataset.get("RescaleSlope", 1) or 1), float(dataset.get("RescaleIntercept", 0) or 0)
    shared = _first(dataset, "SharedFunctionalGroupsSequence")
    per_frame = dataset.get("PerFrameFunctionalGroupsSequence")
    frames = []
    for index, frame_pixels in enumerate(stack):
        groups = per_frame[index] if per_frame is not None and index < len(per_frame) else None
        frame_slope, frame_intercept = _rescale(groups, shared, slope, intercept)
        frames.append(
            _Frame(
                pixels=frame_pixels * frame_slope + frame_intercept,
                position=_vector(_nested(groups, "PlanePositionSequence", "ImagePositionPatient"))
                if count > 1
                else _vector(dataset.get("ImagePositionPatient")),
                orientation=_vector(
                    _nested(groups, "PlaneOrientationSequence", "ImageOrientationPatient")
                    or _nested(shared, "PlaneOrientationSequence", "ImageOrientationPatient")
                    or dataset.get("ImageOrientationPatient")
                ),
                spacing=_spacing(
                    _nested(groups, "PixelMeasuresSequence", "PixelSpacing")
                    or _nested(shared, "PixelMeasuresSequence", "PixelSpacing")
                    or dataset.get("PixelSpacing")
                ),
                instance=int(dataset.get("InstanceNumber", 0) or 0) * 100_000 + index,
            )
        )
    return frames


def _first(dataset, keyword):
    sequence = dataset.get(keyword) if dataset is not None else None
    return sequence[0] if sequence else None


def _nested(groups, sequence_keyword, keyword):
    item = _first(groups, sequence_keyword)
    return item.get(keyword) if item is not None else None


def _rescale(groups, shared, slope, intercept) -> tuple[float, float]:
    item = _first(groups, "PixelValueTransformationSequence") or _first(shared, "PixelValueTransformationSequence")
    if item is None:
        return slope, intercept
    return float(item.get("RescaleSlope", slope) or slope), float(item.get("RescaleIntercept", intercept) or 0)


def _vector(value) -> np.ndarray | None:
    return np.asarray([float(v) for v in value], np.float64) if value is not None and len(value) else None


def _spacing(value) -> tuple[float, float]:
    return (float(value[0]), float(value[1])) if value is not None and len(value) == 2 else (1.0, 1.0)


def _window(dataset) -> tuple[float, float] | None:
    """The series' display window, or None when it has none or it is unusable (the percentile window is used):
    malformed, not finite, or a width below 1 (DICOM PS3.3 C.11.2.1.2 requires >= 1; 0 would make every pixel
    black or white, a negative width none)."""
    try:
        with _quiet_pydicom():
            center, width = dataset.get("WindowCenter"), dataset.get("WindowWidth")
            if center is None or width is None:
                return None
            center, width = _first_number(center), _first_number(width)
    except Exception:  # a malformed value means no usable window, not an unusable series
        return None
    return (center, width) if np.isfinite(center) and np.isfinite(width) and width >= 1 else None


def _first_number(value) -> float:
    """The first of a multi-valued element (scanners may store several windows), or the value."""
    return float(value[0]) if isinstance(value, pydicom.multival.MultiValue) else float(value)


def _normal(frame: _Frame) -> np.ndarray | None:
    if frame.orientation is None or frame.orientation.shape != (6,):
        return None
    return np.cross(frame.orientation[:3], frame.orientation[3:])


def _ordered(frames: list[_Frame]) -> list[_Frame]:
    normal = _normal(frames[0])
    if normal is not None and all(frame.position is not None for frame in frames):
        return sorted(frames, key=lambda frame: float(frame.position @ normal))
    return sorted(frames, key=lambda frame: frame.instance)


def _affine(frames: list[_Frame]) -> np.ndarray:
    """Voxel (column, row, slice) to RAS+ mm, from DICOM's LPS geometry (identity-like without it)."""
    first = frames[0]
    normal = _normal(first)
    row_spacing, column_spacing = first.spacing
    if normal is None or first.position is None:
        return np.diag([column_spacing, row_spacing, 1.0, 1.0])
    positions = [frame.position @ normal for frame in frames if frame.position is not None]
    gaps = np.diff(positions)
    slice_spacing = float(np.median(gaps)) if len(gaps) and np.median(gaps) > 0 else 1.0
    affine = np.eye(4)
    affine[:3, 0] = first.orientation[:3] * column_spacing
    affine[:3, 1] = first.orientation[3:] * row_spacing
    affine[:3, 2] = normal * slice_spacing
    affine[:3, 3] = first.position
    return LPS_TO_RAS @ affine
