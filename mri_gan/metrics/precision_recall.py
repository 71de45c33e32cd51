"""Improved precision and recall (Kynkäänniemi et al. 2019) from k-nearest-neighbour manifolds.

Each set's manifold is the union of balls around its feature vectors, each ball reaching
the vector's k-th nearest neighbour in the same set. Precision: the share of generated
vectors inside the real manifold (are they realistic?). Recall: the share of real vectors
inside the generated manifold (is the real variety covered?).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PrecisionRecall:
    precision: float
    recall: float


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def _radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance of each vector to its k-th nearest neighbour in its own set (itself excluded)."""
    distances = _distances(features, features)
    return np.sort(distances, axis=1)[:, k]


def _coverage(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> float:
    return float((_distances(points, centres) <= radii[None, :]).any(axis=1).mean())


def precision_recall(real_features: np.ndarray, fake_features: np.ndarray, k: int = 3) -> PrecisionRecall:
    """Precision and recall of generated against real feature vectors ([N, D] each)."""
    if min(len(real_features), len(fake_features)) <= k:
        raise ValueError(f"need more than k={k} vectors in each set, got {len(real_features)} and {len(fake_features)}")
    real = real_features.astype(np.float64)
    fake = fake_features.astype(np.float64)
    return PrecisionRecall(
        precision=_coverage(fake, real, _radii(real, k)),
        recall=_coverage(real, fake, _radii(fake, k)),
    )
