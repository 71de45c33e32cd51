"""Novelty: is each generated image new, or a near-copy of a training image?

For every generated image the nearest training image (Euclidean distance in pixel space,
after the same preprocessing) is found and compared with how close training images are
to each other: the leave-one-out nearest-neighbour distances of the training set, with
exact duplicates removed first (the Kaggle set has 25, which would otherwise make the
real-to-real threshold zero). A generated image closer to a training image than the 1st
percentile of those distances is counted as a possible copy, for a human to look at.
"""

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from mri_gan.metrics.pixels import as_unit_float

COPY_PERCENTILE = 1.0


@dataclass(frozen=True)
class Novelty:
    """Nearest training image of each generated one, and the possible-copy verdict."""

    nearest_index: np.ndarray  # [G]: index into the (deduplicated) training images
    nearest_distance: np.ndarray  # [G]: RMS pixel distance in [0, 1] units
    nearest_ssim: np.ndarray  # [G]: SSIM between each generated image and its nearest
    real_to_real: np.ndarray  # [T]: leave-one-out nearest distances inside the training set
    threshold: float  # the COPY_PERCENTILE-th percentile of real_to_real
    training_kept: np.ndarray  # indices of the training images kept after deduplication

    @property
    def possible_copies(self) -> np.ndarray:
        return np.flatnonzero(self.nearest_distance < self.threshold)

    @property
    def copy_share(self) -> float:
        return len(self.possible_copies) / max(len(self.nearest_distance), 1)


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[len(a), len(b)] squared Euclidean distances of flattened images, by matrix product."""
    a_flat, b_flat = a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
    squared = (a_flat**2).sum(1)[:, None] + (b_flat**2).sum(1)[None, :] - 2 * a_flat @ b_flat.T
    return np.maximum(squared, 0.0)


def _unique(images: np.ndarray) -> np.ndarray:
    """Indices of images that are not exact pixel copies of an earlier one."""
    _, first = np.unique(images.reshape(len(images), -1), axis=0, return_index=True)
    return np.sort(first)


def _nearest(query: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the index of its nearest reference image and their RMS pixel distance."""
    squared = _squared_distances(query, reference)
    index = squared.argmin(axis=1)
    return index, np.sqrt(squared[np.arange(len(query)), index] / float(np.prod(reference.shape[1:])))


def share_closer_than(images, training, threshold: float) -> float:
    """The share of `images` whose nearest training image is closer than `threshold` (RMS, [0, 1] units):
    with a `Novelty`'s threshold, how often the copy check flags other images, e.g. held-out real ones."""
    _, distance = _nearest(as_unit_float(images), as_unit_float(training))
    return float(np.mean(distance < threshold))


def nearest_training_images(generated, training) -> Novelty:
    """Match every generated image to its nearest training image and judge copies."""
    fake, real = as_unit_float(generated), as_unit_float(training)
    if fake.shape[1:] != real.shape[1:]:
        raise ValueError(f"generated and training images differ in size: {fake.shape[1:]} vs {real.shape[1:]}")
    kept = _unique(real)
    if len(kept) < 2:
        raise ValueError(f"need at least 2 distinct training images, got {len(kept)}")
    real = real[kept]
    pixels = float(np.prod(real.shape[1:]))
    real_distances = _squared_distances(real, real)
    np.fill_diagonal(real_distances, np.inf)
    real_to_real = np.sqrt(real_distances.min(axis=1) / pixels)
    nearest, nearest_distance = _nearest(fake, real)
    ssim = tf.image.ssim(fake, real[nearest], max_val=1.0, filter_size=7).numpy()
    return Novelty(nearest, nearest_distance, ssim, real_to_real,
                   float(np.percentile(real_to_real, COPY_PERCENTILE)), kept)  # fmt: skip
