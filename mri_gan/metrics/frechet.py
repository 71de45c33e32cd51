"""Fréchet distance and kernel inception distance between two sets of feature vectors.

FID (Heusel et al. 2017) is the Fréchet distance between Gaussians fitted to the two
feature sets; it is biased at small set sizes, so it is also reported relative to the
distance between two halves of the real set. KID (Bińkowski et al. 2018) is the unbiased
MMD estimate with a cubic polynomial kernel, averaged over subsets with its standard
deviation: the one to trust at a few hundred images. Both take features, so they are
tested on made-up vectors; `mri_gan.metrics.inception` makes the features from images.
"""

from dataclasses import dataclass

import numpy as np
from scipy import linalg


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) of Gaussians fitted to [N, D] features."""
    mean_a, mean_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(features_a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(features_b, rowvar=False))
    root = linalg.sqrtm(cov_a @ cov_b)
    if not np.isfinite(root).all():
        offset = np.eye(len(cov_a)) * 1e-6
        root = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    root = root.real
    return float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


@dataclass(frozen=True)
class KernelDistance:
    """KID: mean and standard deviation of the unbiased MMD^2 over random subsets."""

    mean: float
    std: float


def kernel_distance(
    features_a: np.ndarray, features_b: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> KernelDistance:
    """Unbiased MMD^2 with the kernel k(x, y) = (x.y / D + 1)^3, over `subsets` random subsets."""
    size = min(subset_size, len(features_a), len(features_b))
    if size < 2:
        raise ValueError(f"KID needs at least 2 feature vectors per set, got {len(features_a)} and {len(features_b)}")
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(subsets):
        a = features_a[rng.choice(len(features_a), size, replace=False)]
        b = features_b[rng.choice(len(features_b), size, replace=False)]
        estimates.append(unbiased_mmd(a, b))
    return KernelDistance(float(np.mean(estimates)), float(np.std(estimates)))


def unbiased_mmd(a: np.ndarray, b: np.ndarray) -> float:
    """The unbiased MMD^2 of two equally large feature sets with KID's kernel k(x, y) = (x.y / D + 1)^3."""
    size, dimension = min(len(a), len(b)), a.shape[1]
    a, b = a[:size], b[:size]
    k_aa = (a @ a.T / dimension + 1) ** 3
    k_bb = (b @ b.T / dimension + 1) ** 3
    k_ab = (a @ b.T / dimension + 1) ** 3
    within = (k_aa.sum() - np.trace(k_aa) + k_bb.sum() - np.trace(k_bb)) / (size * (size - 1))
    return float(within - 2 * k_ab.mean())
