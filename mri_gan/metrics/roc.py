"""The discriminator as a real/fake classifier: accuracy, ROC AUC and confusion matrix.

The paper claims its discriminator detects fakes; these numbers test that claim on
held-out real images against fresh generated ones, from the discriminator's probability
that an image is real (the sigmoid of its logit), thresholded at 0.5.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


@dataclass(frozen=True)
class ClassifierScores:
    accuracy: float
    roc_auc: float
    confusion: dict[str, int]  # real_as_real, real_as_fake, fake_as_real, fake_as_fake


def roc_auc(scores_positive: np.ndarray, scores_negative: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative (ties half)."""
    scores = np.concatenate([scores_positive, scores_negative])
    ranks = rankdata(scores)
    positives = len(scores_positive)
    rank_sum = ranks[:positives].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * len(scores_negative)))


def real_fake_scores(p_real_on_real: np.ndarray, p_real_on_fake: np.ndarray, threshold: float = 0.5):
    """Scores of probabilities "this is real" given to real images and to generated ones."""
    real_as_real = int((p_real_on_real >= threshold).sum())
    fake_as_fake = int((p_real_on_fake < threshold).sum())
    total = len(p_real_on_real) + len(p_real_on_fake)
    return ClassifierScores(
        accuracy=(real_as_real + fake_as_fake) / total,
        roc_auc=roc_auc(p_real_on_real, p_real_on_fake),
        confusion={
            "real_as_real": real_as_real,
            "real_as_fake": len(p_real_on_real) - real_as_real,
            "fake_as_real": len(p_real_on_fake) - fake_as_fake,
            "fake_as_fake": fake_as_fake,
        },
    )
