"""From a RAS+ volume to 8-bit training slices: plane, display orientation, windowing, selection.

Slices are shown the radiological way: axial and coronal with the patient's right on
the image's left, anterior (axial) or superior (coronal, sagittal) at the top; sagittal
with anterior on the left. In-plane voxel sizes that differ are resampled to square
pixels so that anatomy keeps its shape.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from mri_gan.data.limits import check_image_size, check_volume_shape
from mri_gan.data.volumes.formats import modality_names

PLANES = {"sagittal": 0, "coronal": 1, "axial": 2}  # the RAS+ axis each plane cuts across
TUMOUR, NO_TUMOUR = "yes", "no"


@dataclass(frozen=True)
class SliceOptions:
    """How volumes become slices; part of the slice cache's key."""

    plane: str = "axial"
    modality: str = "t1ce"
    min_tumour_area: int = 20  # mask pixels for a slice to count as "yes"
    min_foreground: float = 0.10  # share of the slice that must be head
    window: tuple[float, float] = (0.5, 99.5)  # intensity percentiles of each volume
    dicom_window: bool = False  # DICOM series: their own WindowCenter/Width instead of the percentiles

    def validate(self) -> "SliceOptions":
        modality_names(self.modality)
        if self.plane not in PLANES:
            raise ValueError(f"plane must be one of {', '.join(PLANES)}; got {self.plane!r}")
        if self.min_tumour_area < 1:
            raise ValueError(f"min_tumour_area must be at least 1 pixel, got {self.min_tumour_area}")
        if not 0 <= self.min_foreground < 1:
            raise ValueError(f"min_foreground must be in [0, 1), got {self.min_foreground}")
        if len(self.window) != 2 or not 0 <= self.window[0] < self.window[1] <= 100:
            raise ValueError(f"window percentiles must be (low, high) with 0 <= low < high <= 100, got {self.window}")
        return self


def window_to_uint8(volume: np.ndarray, low: float, high: float) -> np.ndarray:
    """Intensities mapped linearly from [low, high] to [0, 255], clipped."""
    scale = 255.0 / max(high - low, 1e-6)
    return np.clip((volume - low) * scale, 0, 255).round().astype(np.uint8)


def percentile_window(volume: np.ndarray, percentiles: tuple[float, float]) -> tuple[float, float]:
    """The intensity range between two percentiles of the volume (background included, so low is about 0)."""
    low, high = np.percentile(volume, percentiles)
    return float(low), float(high)


def dicom_window(center: float, width: float) -> tuple[float, float]:
    """DICOM's linear VOI window (PS3.3 C.11.2.1.2) as a [low, high] range."""
    return center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2


def plane_slices(volume: np.ndarray, zooms: np.ndarray, plane: str, order: int = 1) -> list[np.ndarray]:
    """Every slice of a RAS+ volume across `plane`, in display orientation, with square pixels.

    `order` is the resampling's spline order: 1 for intensities, 0 for label masks.
    """
    axis = PLANES[plane]
    in_plane = [a for a in range(3) if a != axis]
    spacing = zooms[in_plane]
    factors = spacing / spacing.min()
    # The resampled size, checked before resampling: a voxel 1,000 times thinner one way makes 1,000 times wider slices.
    resampled = [round(float(volume.shape[a] * factor)) for a, factor in zip(in_plane, factors, strict=True)]
    check_image_size(*resampled)
    check_volume_shape((*resampled, volume.shape[axis]))
    slices = []
    for index in range(volume.shape[axis]):
        section = np.take(volume, index, axis=axis)  # [first in-plane axis, second]
        if not np.allclose(factors, 1):
            section = ndimage.zoom(section, factors, order=order)
        slices.append(np.flip(section.T, axis=(0, 1)))
    return slices


def foreground_fraction(image: np.ndarray, threshold: int = 25) -> float:
    """Share of an 8-bit slice brighter than about a tenth of the window: how much of it is head."""
    return float((image > threshold).mean())


def slice_label(mask_slice: np.ndarray | None, min_area: int) -> str | None:
    """'yes' when the mask has at least `min_area` tumour pixels, 'no' otherwise, None without a mask."""
    if mask_slice is None:
        return None
    return TUMOUR if int((mask_slice > 0).sum()) >= min_area else NO_TUMOUR
