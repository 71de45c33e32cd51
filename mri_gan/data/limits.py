"""How many pixels an image and how many voxels a volume may have, checked from headers before decoding.

A 200 KB PNG can declare 100 million 16-bit pixels and cost over a gigabyte per decode (in
parallel, per worker); a 1 MB `.nii.gz` can declare 500^3 voxels. The defaults are far above
any real MR image or scan (a 0.7 mm whole-head volume has about 21 million voxels) and
far below what would exhaust a workstation. Raise them with the environment variables
`MRI_GAN_MAX_IMAGE_PIXELS` and `MRI_GAN_MAX_VOLUME_VOXELS`.
"""

import math
import os

from mri_gan.errors import ConfigError, DataError

IMAGE_PIXELS_VARIABLE, DEFAULT_IMAGE_PIXELS = "MRI_GAN_MAX_IMAGE_PIXELS", 25_000_000
VOLUME_VOXELS_VARIABLE, DEFAULT_VOLUME_VOXELS = "MRI_GAN_MAX_VOLUME_VOXELS", 64_000_000


class TooLarge(DataError):
    """An image or volume declares more pixels or voxels than the limit; its message is the skip reason."""


def max_image_pixels() -> int:
    return _limit(IMAGE_PIXELS_VARIABLE, DEFAULT_IMAGE_PIXELS)


def max_volume_voxels() -> int:
    return _limit(VOLUME_VOXELS_VARIABLE, DEFAULT_VOLUME_VOXELS)


def check_image_size(width: int, height: int) -> None:
    """Raise TooLarge if an image of `width` x `height` exceeds the pixel limit."""
    _check(width * height, "pixels", max_image_pixels(), IMAGE_PIXELS_VARIABLE)


def check_volume_shape(shape) -> None:
    """Raise TooLarge if a volume of `shape` exceeds the voxel limit."""
    _check(math.prod(int(n) for n in shape), "voxels", max_volume_voxels(), VOLUME_VOXELS_VARIABLE)


def too_large_reason(count_text: str, unit: str, limit: int, variable: str) -> str:
    return f"too large ({count_text} {unit}; limit {limit:,}, change with the environment variable {variable})"


def _check(count: int, unit: str, limit: int, variable: str) -> None:
    if count > limit:
        raise TooLarge(too_large_reason(f"{count:,}", unit, limit, variable))


def _limit(variable: str, default: int) -> int:
    text = os.environ.get(variable)
    if text is None:
        return default
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{variable}={text!r} is not a positive whole number; set it to e.g. {default} or unset it.")
    return value
