"""The ways of adding synthetic images to a classifier's training (the arms), each compared with real only.

- `real`: the real training folds alone; the baseline, always run.
- `mixed@S`: the real training folds plus S synthetic images per real one, in the real
  folds' class proportions (a sweep of S, since published gains peak at modest shares).
- `pretrain`: half the steps on synthetic images only (as many as real ones), then half on
  the real folds (pretraining on synthetic data, fine-tuning on real).
- `filtered`: the real folds plus as many synthetic images, the half of twice as many that
  the real-only classifier of the same fold classifies most confidently as the class they
  were made for (Xue et al. 2019 keep synthetic samples a classifier trusts).
"""

import logging
from dataclasses import dataclass

import numpy as np

from mri_gan.errors import ConfigError

logger = logging.getLogger(__name__)

ARM_KINDS = ("mixed", "pretrain", "filtered")
DEFAULT_SHARES = (0.1, 0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Arm:
    name: str  # as reported: "real", "mixed@0.25", "pretrain", "filtered"
    kind: str
    share: float = 0.0  # synthetic images per real training image


def arms_from_flags(kinds_text: str, shares_text: str) -> list[Arm]:
    """The arms `--arms` and `--shares` ask for, the real-only baseline first."""
    kinds = [kind.strip() for kind in kinds_text.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in ARM_KINDS]
    if unknown:
        raise ConfigError(f"--arms {kinds_text!r}: unknown arm {unknown[0]!r}; choose from {', '.join(ARM_KINDS)} "
                          "(comma-separated; real-only always runs as the baseline)")  # fmt: skip
    try:
        shares = [float(share) for share in shares_text.split(",") if share.strip()]
    except ValueError:
        raise ConfigError(
            f"--shares {shares_text!r}: give synthetic-per-real shares as numbers, e.g. 0.1,0.5,1"
        ) from None
    if "mixed" in kinds and (not shares or min(shares) <= 0):
        raise ConfigError(f"--shares {shares_text!r}: every share must be above 0, e.g. 0.1,0.25,0.5,1,2")
    arms = [Arm("real", "real")]
    for kind in dict.fromkeys(kinds):
        if kind == "mixed":
            arms += [Arm(f"mixed@{share:g}", "mixed", share) for share in sorted(set(shares))]
        else:
            arms.append(Arm(kind, kind, 1.0))
    return arms


def pool_share(arms: list[Arm]) -> float:
    """How many synthetic images per real one a fold needs to build every arm (`filtered` chooses from twice)."""
    needs = {"real": 0.0, "pretrain": 1.0, "filtered": 2.0}
    return max(arm.share if arm.kind == "mixed" else needs[arm.kind] for arm in arms)


@dataclass(frozen=True)
class SyntheticPool:
    """A fold's synthetic images, per class in the order they were made (so smaller shares are subsets of larger)."""

    images: dict[int, np.ndarray]  # class index -> uint8 [N, res, res, 1]

    def first(self, counts: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """The first `counts[c]` images of every class c, and their class indices."""
        images = [self.images[label][:count] for label, count in counts.items()]
        labels = [np.full(len(chosen), label, np.int32) for label, chosen in zip(counts, images, strict=True)]
        return np.concatenate(images), np.concatenate(labels)

    def most_confident(self, counts: dict[int, int], p_positive_of, positive: int) -> tuple[np.ndarray, np.ndarray]:
        """Per class c, the `counts[c]` images that `p_positive_of` (images -> P(positive)) puts surest in c."""
        chosen = {}
        for label, count in counts.items():
            p = p_positive_of(self.images[label])
            confidence = p if label == positive else 1 - p
            chosen[label] = self.images[label][np.sort(np.argsort(-confidence, kind="stable")[:count])]
        return SyntheticPool(chosen).first({label: len(images) for label, images in chosen.items()})


def per_class_counts(labels: np.ndarray, share: float) -> dict[int, int]:
    """`share` times the real count of every class (at least one image each)."""
    classes, counts = np.unique(labels, return_counts=True)
    return {int(label): max(1, round(share * count)) for label, count in zip(classes, counts, strict=True)}
