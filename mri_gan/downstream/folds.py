"""Repeated, stratified k-fold splits in which no subject and no byte-identical file is on both sides.

A tumour classifier tested on a slice of a patient it trained on, or on a byte-for-byte copy
of a training image (the Kaggle set has 25), looks better than it is, and a gain from
synthetic images can hide in that flattery. Every real image is tested once per repeat.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from mri_gan.errors import ConfigError


@dataclass(frozen=True)
class Fold:
    repeat: int
    fold: int
    train: np.ndarray  # indices of the real images trained on
    test: np.ndarray  # indices of the real images tested on


def image_groups(subjects: Sequence[str | None], sha1s: Sequence[str]) -> list[str]:
    """The unit folds keep whole: an image's subject where known, else its content hash (copies share it)."""
    return [subject or f"sha1:{sha1}" for subject, sha1 in zip(subjects, sha1s, strict=True)]


def repeated_folds(groups: Sequence[str], labels: np.ndarray, folds: int, repeats: int, seed: int) -> Iterator[Fold]:
    """`repeats` shufflings of a `folds`-fold split, each fold about as class-balanced as the groups allow."""
    check_fold_count(groups, labels, folds, repeats)
    for repeat in range(repeats):
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed * 1000 + repeat)
        for fold, (train, test) in enumerate(splitter.split(np.zeros(len(labels)), labels, groups)):
            yield Fold(repeat, fold, train, test)


def check_fold_count(groups: Sequence[str], labels: np.ndarray, folds: int, repeats: int) -> None:
    """Refuse fold settings the data cannot fill: every fold needs a subject and an image of every class."""
    distinct = len(set(groups))
    if folds < 2 or repeats < 1:
        raise ConfigError(f"--folds must be at least 2 and --repeats at least 1, got {folds} and {repeats}")
    smallest = min(np.bincount(labels))
    if distinct < folds or smallest < folds:
        raise ConfigError(
            f"{folds} folds need at least {folds} subjects and {folds} images of every class; the data has "
            f"{distinct} subjects and {smallest} images in its smallest class. Give fewer --folds."
        )
