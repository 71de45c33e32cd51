"""Splits that keep every subject (patient) on one side, so no patient is both trained on and tested on."""

from collections.abc import Sequence

import numpy as np


def split_by_subject(subjects: Sequence[str | None], fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a first part of about `fraction` of the items and of the rest, no subject in both.

    Items whose subject is None (plain image files) count as subjects of their own.
    Whole subjects are taken in a seeded random order until the first part is full.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    groups: dict[object, list[int]] = {}
    for index, subject in enumerate(subjects):
        groups.setdefault(subject if subject is not None else ("image", index), []).append(index)
    order = np.random.default_rng(seed).permutation(len(groups))
    members = list(groups.values())
    first: list[int] = []
    target = fraction * len(subjects)
    rest: list[int] = []
    for group in order:
        (first if len(first) + len(members[group]) / 2 <= target else rest).extend(members[group])
    return np.asarray(sorted(first), dtype=np.int64), np.asarray(sorted(rest), dtype=np.int64)
