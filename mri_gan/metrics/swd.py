"""Sliced Wasserstein distance between two image sets (Karras et al. 2018, Progressive GAN).

Needs no pretrained network, so it works offline and on MR images, which look nothing
like ImageNet. Each image becomes a Laplacian pyramid down to 16x16; from every level
128 random 7x7 neighbourhoods per image are taken, normalised per channel over the whole
set, projected on 512 random unit directions (4 repeats of 128) and the sorted
projections of the two sets compared. Reported x1e3 per level and averaged, as in the
paper's code. Numbers depend on the set size: compare them only with a baseline of the
same size, such as two halves of the real set.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from mri_gan.metrics.pixels import as_unit_float

PATCH = 7
PATCHES_PER_IMAGE = 128
DIRECTIONS = 128
REPEATS = 4
SMALLEST_LEVEL = 16
_GAUSS = np.array([1, 4, 6, 4, 1], np.float32) / 16


@dataclass(frozen=True)
class SlicedWasserstein:
    """SWD x1e3 per pyramid level (finest first, e.g. 64, 32, 16 px) and their mean."""

    per_level: dict[int, float]
    mean: float


def laplacian_pyramid(images: np.ndarray) -> list[np.ndarray]:
    """[N, H, W] float -> band-pass levels, finest first, ending with the 16x16 low-pass."""
    levels, current = [], images
    while current.shape[1] > SMALLEST_LEVEL:
        blurred = ndimage.convolve1d(ndimage.convolve1d(current, _GAUSS, axis=1, mode="reflect"), _GAUSS, axis=2,
                                     mode="reflect")  # fmt: skip
        smaller = blurred[:, ::2, ::2]
        upsampled = np.zeros_like(current)
        upsampled[:, ::2, ::2] = smaller * 4
        upsampled = ndimage.convolve1d(ndimage.convolve1d(upsampled, _GAUSS, axis=1, mode="reflect"), _GAUSS,
                                       axis=2, mode="reflect")  # fmt: skip
        levels.append(current - upsampled)
        current = smaller
    levels.append(current)
    return levels


def _descriptors(level: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """128 random 7x7 neighbourhoods per image, flattened: [N * 128, 49]."""
    count, height, width = level.shape
    rows = rng.integers(0, height - PATCH + 1, (count, PATCHES_PER_IMAGE))
    cols = rng.integers(0, width - PATCH + 1, (count, PATCHES_PER_IMAGE))
    offsets = np.arange(PATCH)
    r = rows[..., None, None] + offsets[None, None, :, None]
    c = cols[..., None, None] + offsets[None, None, None, :]
    patches = level[np.arange(count)[:, None, None, None], r, c]
    return patches.reshape(count * PATCHES_PER_IMAGE, PATCH * PATCH)


def _normalise(descriptors: np.ndarray) -> np.ndarray:
    """Zero mean, unit standard deviation over the whole set (one channel: one mean and std)."""
    return (descriptors - descriptors.mean()) / max(float(descriptors.std()), 1e-8)


def _swd(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> float:
    distances = []
    for _ in range(REPEATS):
        directions = rng.standard_normal((a.shape[1], DIRECTIONS)).astype(np.float32)
        directions /= np.linalg.norm(directions, axis=0, keepdims=True)
        projected_a = np.sort(a @ directions, axis=0)
        projected_b = np.sort(b @ directions, axis=0)
        distances.append(float(np.abs(projected_a - projected_b).mean()))
    return float(np.mean(distances))


def sliced_wasserstein(images_a, images_b, seed: int = 0) -> SlicedWasserstein:
    """SWD between two sets of the same size and resolution (uint8 or [-1, 1] images)."""
    a, b = as_unit_float(images_a)[..., 0], as_unit_float(images_b)[..., 0]
    if a.shape != b.shape:
        raise ValueError(f"both sets must have the same number and size of images, got {a.shape} and {b.shape}")
    if a.shape[1] < SMALLEST_LEVEL or a.shape[1] != a.shape[2]:
        raise ValueError(f"images must be square and at least {SMALLEST_LEVEL} px, got {a.shape[1:]}")
    per_level = {}
    for level, (level_a, level_b) in enumerate(zip(laplacian_pyramid(a), laplacian_pyramid(b), strict=True)):
        # The same neighbourhood positions for both sets, so identical sets give exactly 0.
        descriptors_a = _normalise(_descriptors(level_a, np.random.default_rng([seed, level, 0])))
        descriptors_b = _normalise(_descriptors(level_b, np.random.default_rng([seed, level, 0])))
        directions_rng = np.random.default_rng([seed, level, 1])
        per_level[level_a.shape[1]] = _swd(descriptors_a, descriptors_b, directions_rng) * 1e3
    return SlicedWasserstein(per_level, float(np.mean(list(per_level.values()))))
