"""Scanner data the tests write themselves: NIfTI volumes with a bright 'tumour' cube, DICOM series."""

from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

SHAPE = (40, 48, 30)  # x (left->right), y (posterior->anterior), z (inferior->superior)
CUBE = (slice(24, 32), slice(30, 38), slice(18, 24))  # right, anterior, superior of the centre
TUMOUR_SLICES = range(18, 24)  # axial slices (z) through the cube


def head_volume() -> np.ndarray:
    """An ellipsoid 'head' with a gradient, and a much brighter cube off-centre (RAS+ voxel order)."""
    x, y, z = np.meshgrid(*(np.arange(n) for n in SHAPE), indexing="ij")
    centre = [(n - 1) / 2 for n in SHAPE]
    inside = sum(((c - m) / (0.45 * n)) ** 2 for c, m, n in zip((x, y, z), centre, SHAPE, strict=True)) < 1
    volume = inside * (300.0 + 2 * y)
    volume[CUBE] = 1000.0
    return volume.astype(np.float32)


def tumour_mask() -> np.ndarray:
    mask = np.zeros(SHAPE, np.uint8)
    mask[CUBE] = 1
    return mask


def save_nifti(path: Path, data: np.ndarray, affine: np.ndarray | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data, np.eye(4) if affine is None else affine), path)
    return path


def flipped(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same head stored left-right flipped (LAS), with the affine that says so."""
    affine = np.eye(4)
    affine[0, 0], affine[0, 3] = -1, data.shape[0] - 1
    return data[::-1].copy(), affine


def permuted(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same head stored with voxel axes (z, x, y), with the affine that says so."""
    affine = np.zeros((4, 4))
    affine[0, 1] = affine[1, 2] = affine[2, 0] = affine[3, 3] = 1
    return np.transpose(data, (2, 0, 1)).copy(), affine


def write_dicom_series(
    folder: Path,
    volume: np.ndarray,
    *,
    patient_name: str = "Doe^Jane",
    patient_id: str = "PID-12345",
    slope: float = 1.0,
    intercept: float = 0.0,
    order: list[int] | None = None,
) -> list[Path]:
    """One axial DICOM file per z slice of a RAS+ volume, in LPS geometry, written in `order`."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid, study_uid = generate_uid(), generate_uid()
    paths = []
    for k in order if order is not None else range(volume.shape[2]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MRImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = folder / f"IM{len(paths):04d}.dcm"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, meta.MediaStorageSOPInstanceUID
        ds.PatientName, ds.PatientID, ds.Modality = patient_name, patient_id, "MR"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.InstanceNumber = k + 1
        # Columns run along -x LPS (= +x RAS), rows along -y LPS (= +y RAS): pixel (r, c) is voxel (c, r, k).
        ds.ImageOrientationPatient = [-1, 0, 0, 0, -1, 0]
        ds.ImagePositionPatient = [0.0, 0.0, float(k)]
        ds.PixelSpacing = [1, 1]
        ds.SliceThickness = 1
        stored = np.round((volume[:, :, k].T - intercept) / slope).astype(np.uint16)  # [rows, cols]
        ds.Rows, ds.Columns = stored.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        ds.PixelData = stored.tobytes()
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
        paths.append(path)
    return paths
