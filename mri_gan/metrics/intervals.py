"""95% intervals for every measure: percentile bootstrap over the images, and a binomial interval for shares.

A measure on a few hundred images moves when other images are drawn; two generators can be
ranked only when the difference exceeds that movement. The bootstrap (Efron 1979) redraws
each image set with replacement and recomputes the measure; the 2.5th and 97.5th
percentiles of the redrawn values bound it. Measures that are costly to recompute take
fewer redraws (`resamples`); the report says how many. Distances that repeated images
inflate (SWD, FID) take the estimate plus or minus 1.96 bootstrap standard errors instead.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy.stats import norm

CONFIDENCE = 0.95


class Interval(NamedTuple):
    """A 95% interval [low, high] and how it was made (e.g. "bootstrap, 200 resamples")."""

    low: float
    high: float
    method: str

    def as_dict(self) -> dict:
        """The form reports keep it in (JSON)."""
        return self._asdict()


def bootstrap_interval(statistic: Callable[..., float], sizes: Sequence[int], resamples: int = 200,
                       seed: int = 0) -> Interval:  # fmt: skip
    """The percentile interval of `statistic(*indices)`, each index array a redraw with replacement of
    range(size) for one of `sizes`."""
    rng = np.random.default_rng([seed, 95])
    values = [statistic(*(rng.integers(0, size, size) for size in sizes)) for _ in range(resamples)]
    return percentile_interval(values, f"bootstrap, {resamples} resamples")


def standard_error_interval(estimate: float, statistic: Callable[..., float], sizes: Sequence[int],
                            resamples: int, seed: int = 0) -> Interval:  # fmt: skip
    """`estimate` plus or minus 1.96 bootstrap standard errors: for distances that a redraw's repeated images
    inflate (SWD, FID), whose few costly redraws sit off the estimate (a percentile interval of 10 SWD ratios
    was [1.25, 1.64] around 1.69); their spread still measures how far the estimate moves."""
    rng = np.random.default_rng([seed, 95])
    values = np.asarray([statistic(*(rng.integers(0, size, size) for size in sizes)) for _ in range(resamples)])
    finite = values[np.isfinite(values)]
    method = f"estimate +/- 1.96 bootstrap standard errors, {resamples} resamples"
    if len(finite) < 2 or not np.isfinite(estimate):
        return Interval(float("nan"), float("nan"), method)
    half = norm.ppf(1 - (1 - CONFIDENCE) / 2) * finite.std(ddof=1)
    return Interval(float(estimate - half), float(estimate + half), method)


def percentile_interval(values, method: str) -> Interval:
    finite = np.asarray([value for value in values if np.isfinite(value)], np.float64)
    if not len(finite):
        return Interval(float("nan"), float("nan"), method)
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Interval(float(low), float(high), method)


def share_interval(count: int, total: int) -> Interval:
    """Wilson's score interval for a share `count / total` (right also at 0 of 1,000)."""
    if total <= 0:
        return Interval(float("nan"), float("nan"), "Wilson score")
    z = norm.ppf(1 - (1 - CONFIDENCE) / 2)
    share = count / total
    centre = (share + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z * np.sqrt(share * (1 - share) / total + z**2 / (4 * total**2)) / (1 + z**2 / total)
    return Interval(float(max(0.0, centre - half)), float(min(1.0, centre + half)), "Wilson score")


def disjoint(a: dict, b: dict) -> bool:
    """Whether two intervals (`as_dict` form) do not overlap: a difference beyond both."""
    return a["high"] < b["low"] or b["high"] < a["low"]


def interval_text(interval: dict, digits: int = 2) -> str:
    """An interval (`Interval.as_dict` form) as "[low, high]" for a report line."""
    return f"[{interval['low']:.{digits}f}, {interval['high']:.{digits}f}]"
