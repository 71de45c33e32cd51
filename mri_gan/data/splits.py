"""Splits that keep every subject (patient) on one side, so no patient is both trained on and tested on."""

from collections import Counter
from collections.abc import Sequence

import numpy as np


def split_by_subject(subjects: Sequence[str | None], fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a first part of about `fraction` of the items and of the rest, no subject in both.

    Items whose subject is None (plain image files) count as subjects of their own.
    Whole subjects are taken in a seeded random order until the first part is full.
    """
    return split_by_subject_per_class(subjects, [0] * len(subjects), fraction, seed)


def split_by_subject_per_class(
    subjects: Sequence[str | None], labels: Sequence[int], fraction: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """`split_by_subject` with about `fraction` of every class in the first part.

    A subject is taken whole (all its items, whatever their classes) when no class of its
    items would overfill its share of the first part by more than half that subject's items.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    if len(labels) != len(subjects):
        raise ValueError(f"one label per item is needed: {len(subjects)} items, {len(labels)} labels")
    groups: dict[object, list[int]] = {}
    for index, subject in enumerate(subjects):
        groups.setdefault(subject if subject is not None else ("image", index), []).append(index)
    members = list(groups.values())
    target = {label: fraction * count for label, count in Counter(labels).items()}
    taken: Counter = Counter()
    first: list[int] = []
    rest: list[int] = []
    for group in np.random.default_rng(seed).permutation(len(members)):
        counts = Counter(labels[index] for index in members[group])
        fits = all(taken[label] + count / 2 <= target[label] for label, count in counts.items())
        (first if fits else rest).extend(members[group])
        if fits:
            taken.update(counts)
    return np.asarray(sorted(first), dtype=np.int64), np.asarray(sorted(rest), dtype=np.int64)
