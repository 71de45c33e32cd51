"""NIfTI volumes (nibabel), reoriented to RAS so that "axial" means axial whatever the stored affine."""

from pathlib import Path

import nibabel as nib
import numpy as np

from mri_gan.data.limits import check_volume_shape
from mri_gan.errors import ConfigError, DataError

NIFTI_SUFFIXES = (".nii", ".nii.gz")


def is_nifti(path: Path) -> bool:
    return path.name.lower().endswith(NIFTI_SUFFIXES)


def nifti_stem(path: Path) -> str:
    """The file name without .nii or .nii.gz."""
    name = path.name
    return name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else name[: -len(".nii")]


def canonical(image: nib.spatialimages.SpatialImage) -> nib.spatialimages.SpatialImage:
    """The same image with its voxel axes flipped and permuted to the closest RAS+ order."""
    return nib.as_closest_canonical(image)


def load_nifti(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A 3-D volume as float32 in RAS+ voxel order, and its voxel sizes in mm.

    A 4-D file is accepted only when its fourth axis has length 1; time series and
    multi-component files are refused, as is anything nibabel cannot read as an image.
    """
    try:
        image = nib.load(path)
        if image.ndim == 4 and image.shape[3] == 1:
            image = image.slicer[..., 0]
        if image.ndim != 3:
            raise DataError(
                f"{path} is a {image.ndim}-D NIfTI image of shape {image.shape}; only 3-D volumes "
                "(one scan per file) can be sliced. Split 4-D series into one file per volume first."
            )
        check_volume_shape(image.shape)
        image = canonical(image)
        data = np.asanyarray(image.dataobj, dtype=np.float32)
    except (DataError, ConfigError):
        raise
    except Exception as error:  # nibabel raises many kinds (ImageFileError, EOFError, zlib errors...)
        raise DataError(f"{path} could not be read as a NIfTI image ({error}). Check the file is complete.") from error
    if not np.isfinite(data).all():
        data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
    return data, np.asarray(image.header.get_zooms()[:3], np.float32)
