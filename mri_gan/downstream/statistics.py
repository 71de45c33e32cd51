"""Test-set scores of a classifier, and the paired differences of each arm to real only with their intervals.

Every arm is trained and tested on the same folds, so its score minus the real-only score
on the same fold and repeat is a paired difference, free of the variation between folds.
Their mean gets a percentile bootstrap interval over the (repeat, fold) pairs and a
bootstrap p-value; Holm's step-down correction (Holm 1979) keeps the chance of any false
"gain" among the arms at 5%, and the corrected interval (at level 1 - 0.05 / arms) is the
one to read when asking whether any arm helps. Folds of one repeat share training images,
so the pairs are not independent and the intervals are somewhat narrow (Nadeau & Bengio
2003); several repeats keep them honest, and they are read as such in the report.
"""

import numpy as np

from mri_gan.metrics.intervals import CONFIDENCE, percentile_interval
from mri_gan.metrics.roc import roc_auc

MEASURES = ("accuracy", "sensitivity", "specificity", "balanced_accuracy", "roc_auc")
RESAMPLES = 4000


def test_scores(is_positive: np.ndarray, p_positive: np.ndarray) -> dict[str, float]:
    """The measures of P(positive) on a test fold, thresholded at 0.5 where a decision is needed."""
    said_positive = p_positive >= 0.5
    sensitivity = float(np.mean(said_positive[is_positive])) if is_positive.any() else float("nan")
    specificity = float(np.mean(~said_positive[~is_positive])) if (~is_positive).any() else float("nan")
    both = is_positive.any() and (~is_positive).any()
    return {
        "accuracy": float(np.mean(said_positive == is_positive)),
        "sensitivity": sensitivity,
        "specificity": specificity,
        "balanced_accuracy": (sensitivity + specificity) / 2,
        "roc_auc": roc_auc(p_positive[is_positive], p_positive[~is_positive]) if both else float("nan"),
    }


def paired_differences(rows: list[dict], classifier: str, arm: str, measure: str) -> np.ndarray:
    """`arm` minus real only, per (repeat, fold), for one classifier and measure."""
    scores = {(row["repeat"], row["fold"], row["arm"]): row[measure] for row in rows if row["classifier"] == classifier}
    pairs = [(repeat, fold) for repeat, fold, name in scores if name == arm]
    return np.asarray([scores[(*pair, arm)] - scores[(*pair, "real")] for pair in pairs], np.float64)


def difference_summary(differences: np.ndarray, arms: int, seed: int = 0) -> dict:
    """Mean paired difference, its 95% bootstrap interval, the interval at Bonferroni's level for `arms`
    comparisons, and the two-sided bootstrap p-value of "no difference"."""
    finite = differences[np.isfinite(differences)]
    if not len(finite):
        nan = {"low": float("nan"), "high": float("nan"), "method": "no finite pairs"}
        return {"mean": float("nan"), "interval": nan, "corrected_interval": nan, "p": float("nan"), "pairs": 0}
    rng = np.random.default_rng([seed, 47])
    means = finite[rng.integers(0, len(finite), (RESAMPLES, len(finite)))].mean(axis=1)
    method = f"bootstrap over {len(finite)} (repeat, fold) pairs, {RESAMPLES} resamples"
    corrected_level = 1 - (1 - CONFIDENCE) / max(1, arms)
    tail = 100 * (1 - corrected_level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    p = min(1.0, 2 * min(np.mean(means <= 0), np.mean(means >= 0)))
    return {
        "mean": float(finite.mean()),
        "interval": percentile_interval(means, method).as_dict(),
        "corrected_interval": {
            "low": float(low),
            "high": float(high),
            "method": f"{method}, level {corrected_level:.4f}",
        },
        "p": float(p),
        "pairs": len(finite),
    }


def holm_adjusted(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the given order (NaN stays NaN)."""
    order = [index for index in np.argsort(p_values) if np.isfinite(p_values[index])]
    adjusted = [float("nan")] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def arm_table(rows: list[dict], classifiers: list[str], arm_names: list[str], seed: int = 0) -> dict:
    """Per classifier, arm (other than real) and measure: the arm's mean, real only's mean, the difference summary,
    the Holm-adjusted p-value over the arms and whether the difference stands after correction."""
    table = {}
    compared = [name for name in arm_names if name != "real"]
    for classifier in classifiers:
        table[classifier] = {name: {} for name in compared}
        for measure in MEASURES:
            summaries = [difference_summary(paired_differences(rows, classifier, name, measure), len(compared), seed)
                         for name in compared]  # fmt: skip
            for name, summary, adjusted in zip(compared, summaries, holm_adjusted([s["p"] for s in summaries]),
                                               strict=True):  # fmt: skip
                table[classifier][name][measure] = {
                    "arm": _mean(rows, classifier, name, measure),
                    "real": _mean(rows, classifier, "real", measure),
                    "difference": summary,
                    "holm_p": adjusted,
                    "significant": bool(adjusted < 1 - CONFIDENCE),
                }
    return table


def _mean(rows: list[dict], classifier: str, arm: str, measure: str) -> float:
    values = [row[measure] for row in rows if row["classifier"] == classifier and row["arm"] == arm]
    return float(np.nanmean(values)) if values else float("nan")
