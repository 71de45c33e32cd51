"""MS-SSIM diversity: how alike random pairs of images inside one set are.

Mean multi-scale SSIM over random pairs (Odena et al. 2017 used it to spot mode
collapse): a generated set far more self-similar than the real set has collapsed
toward a few outputs. TensorFlow's `ssim_multiscale` with its defaults (5 scales,
11-pixel filter) fails below 176 px; here the number of scales is chosen so the
coarsest is 8 px and the filter shrunk to 7 pixels, so 32x32 and 64x64 work.
"""

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from mri_gan.metrics.pixels import as_unit_float

_POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. 2003
FILTER_SIZE = 7
FILTER_SIGMA = 1.0
COLLAPSE_RATIO = 0.5


@dataclass(frozen=True)
class Diversity:
    """Mean MS-SSIM over random pairs: `real` and `generated` (higher = less diverse)."""

    real: float
    generated: float

    @property
    def ratio(self) -> float:
        """Generated diversity (1 - MS-SSIM) over real diversity; 1 means as varied as the real set."""
        return (1.0 - self.generated) / max(1.0 - self.real, 1e-8)

    @property
    def likely_mode_collapse(self) -> bool:
        """True when the generated set has less than half the real set's diversity."""
        return self.ratio < COLLAPSE_RATIO


def power_factors(resolution: int) -> tuple[float, ...]:
    """The standard MS-SSIM weights for as many scales as fit with an 8 px coarsest scale."""
    scales = max(1, min(len(_POWER_FACTORS), int(np.log2(resolution / 8)) + 1))
    weights = np.array(_POWER_FACTORS[:scales])
    return tuple(float(w) for w in weights / weights.sum())


def mean_pairwise_ms_ssim(images, pairs: int = 1000, seed: int = 0, batch_size: int = 500) -> float:
    """Mean MS-SSIM of `pairs` random pairs of different images of one set."""
    return float(np.mean(pairwise_ms_ssim(images, pairs, seed, batch_size)))


def pairwise_ms_ssim(images, pairs: int = 1000, seed: int = 0, batch_size: int = 500) -> np.ndarray:
    """MS-SSIM of each of `pairs` random pairs of different images of one set (for intervals over the pairs)."""
    unit = as_unit_float(images)
    if len(unit) < 2:
        raise ValueError(f"need at least 2 images to form pairs, got {len(unit)}")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(unit), pairs)
    second = (first + rng.integers(1, len(unit), pairs)) % len(unit)
    factors = power_factors(unit.shape[1])
    scores = []
    for start in range(0, pairs, batch_size):
        a, b = unit[first[start : start + batch_size]], unit[second[start : start + batch_size]]
        scores.append(
            tf.image.ssim_multiscale(
                a, b, max_val=1.0, power_factors=factors, filter_size=FILTER_SIZE, filter_sigma=FILTER_SIGMA
            ).numpy()
        )
    return np.concatenate(scores)


def ms_ssim_diversity(real, generated, pairs: int = 1000, seed: int = 0) -> Diversity:
    """MS-SSIM inside the real set and inside the generated set, with the same pair count."""
    return Diversity(mean_pairwise_ms_ssim(real, pairs, seed), mean_pairwise_ms_ssim(generated, pairs, seed + 1))
