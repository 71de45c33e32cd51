"""One utility study: every arm and classifier trained and tested on every fold of every repeat.

The arms of a fold share the classifier's starting weights, the order of its augmentation
draws and its number of optimizer steps; only the training images differ, so their
difference is the synthetic images' doing.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mri_gan.downstream.arms import Arm, per_class_counts, pool_share
from mri_gan.downstream.classifiers import StepTrainer
from mri_gan.downstream.folds import Fold, image_groups, repeated_folds
from mri_gan.downstream.statistics import test_scores
from mri_gan.errors import ConfigError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelledSlices:
    """The real slices of a binary study: uint8 images, class indices, and what keeps folds disjoint."""

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    groups: list[str]  # subject, or content hash where the subject is unknown
    sha1s: list[str]
    positive: int  # the class index sensitivity is measured for (e.g. "yes": tumour)

    @classmethod
    def from_folder(cls, folder, resolution: int, positive_name: str | None, description: str | None = None
                    ) -> "LabelledSlices":  # fmt: skip
        """The slices of a folder, or of a run's held-out scan (`description` names it in errors)."""
        from mri_gan.evaluation.folders import labelled_images

        found = labelled_images(folder, resolution)
        where = description or str(folder)
        if len(found.class_names) != 2:
            raise ConfigError(f"--data {where} has the class subfolders {list(found.class_names)}; the utility study "
                              "needs exactly two (e.g. yes/ and no/ for tumour and no tumour).")  # fmt: skip
        default = "yes" if "yes" in found.class_names else found.class_names[1]
        name = positive_name or default
        if name not in found.class_names:
            raise ConfigError(f"--positive {name!r} is not a class of --data {where}: {list(found.class_names)}")
        groups = image_groups(found.subjects, found.sha1s)
        return cls(found.images, found.labels, found.class_names, groups, found.sha1s, found.class_names.index(name))


FoldListener = Callable[[Fold, list[dict], float], None]


def study(slices: LabelledSlices, synthetic, arms: list[Arm], classifiers: list[str], folds: int, repeats: int,
          steps: int, seed: int, report_fold: FoldListener | None = None) -> list[dict]:  # fmt: skip
    """One row per (repeat, fold, classifier, arm) with its test scores; `report_fold` hears of each finished fold."""
    started = time.perf_counter()
    rows = []
    trainers: dict[str, StepTrainer] = {}
    needed = pool_share(arms)
    for fold in repeated_folds(slices.groups, slices.labels, folds, repeats, seed):
        fold_seed = seed * 1_000_003 + fold.repeat * 1009 + fold.fold
        real_x, real_y = slices.images[fold.train], slices.labels[fold.train]
        pool = synthetic.pool(per_class_counts(real_y, needed), fold_seed) if needed else None
        fold_rows = []
        if fold.fold == 0:  # new starting weights for every repeat, shared by its folds and arms
            trainers = {name: StepTrainer(name, slices.images.shape[1], seed + fold.repeat) for name in classifiers}
        for name in classifiers:
            fold_rows += _train_arms(trainers[name], arms, real_x, real_y, pool, slices, fold, steps, fold_seed, name)
        rows += fold_rows
        if report_fold:
            report_fold(fold, fold_rows, time.perf_counter() - started)
    return rows


def _train_arms(trainer: StepTrainer, arms: list[Arm], real_x, real_y, pool, slices: LabelledSlices, fold: Fold,
                steps: int, fold_seed: int, classifier: str) -> list[dict]:  # fmt: skip
    """Train and test every arm of one fold with one classifier; real only first (`filtered` uses its verdicts)."""
    test_x = slices.images[fold.test]
    is_positive = slices.labels[fold.test] == slices.positive
    positive = slices.positive
    rows, filtered = [], None
    for arm in arms:
        trainer.restart(fold_seed)
        if arm.kind == "pretrain":
            synthetic_x, synthetic_y = pool.first(per_class_counts(real_y, 1.0))
            trainer.train(synthetic_x, synthetic_y == positive, steps // 2, fold_seed)
            trainer.train(real_x, real_y == positive, steps - steps // 2, fold_seed + 1)
        else:
            x, y = real_x, real_y
            if arm.kind == "mixed":
                extra_x, extra_y = pool.first(per_class_counts(real_y, arm.share))
                x, y = np.concatenate([real_x, extra_x]), np.concatenate([real_y, extra_y])
            elif arm.kind == "filtered":
                x, y = np.concatenate([real_x, filtered[0]]), np.concatenate([real_y, filtered[1]])
            trainer.train(x, y == positive, steps, fold_seed)
        if arm.kind == "real" and any(other.kind == "filtered" for other in arms):
            filtered = pool.most_confident(per_class_counts(real_y, 1.0), trainer.probabilities, positive)
        scores = test_scores(is_positive, trainer.probabilities(test_x))
        rows.append({"repeat": fold.repeat, "fold": fold.fold, "classifier": classifier, "arm": arm.name,
                     "steps": int(trainer.model.optimizer.iterations.numpy()), "train_images": len(real_x),
                     "test_images": len(test_x), **scores})  # fmt: skip
    return rows


def trained_on_test(synthetic, slices: LabelledSlices) -> tuple[int, bool]:
    """How many of the real slices (each is tested once per repeat) the generator trained on, and whether that is
    known at all (a bare SavedModel or a folder of images does not say)."""
    seen = synthetic.trained_on()
    if seen is None:
        return 0, False
    return sum(sha1 in seen for sha1 in slices.sha1s), True


def estimate_seconds(slices: LabelledSlices, arms: list[Arm], classifiers: list[str], folds: int, repeats: int,
                     steps: int, seed: int) -> float:  # fmt: skip
    """Seconds a study would take, from timing a few steps of each classifier here (sampling not included)."""
    return sum(_classifier_seconds(name, slices, len(arms), folds, repeats, steps, seed) for name in classifiers)


def _classifier_seconds(name: str, slices: LabelledSlices, arms: int, folds: int, repeats: int, steps: int,
                        seed: int) -> float:  # fmt: skip
    x, y = slices.images[:64], slices.labels[:64] == slices.positive
    begun = time.perf_counter()
    trainer = StepTrainer(name, slices.images.shape[1], seed)
    trainer.train(x, y, 5, seed)
    trainer.probabilities(x)
    setup = time.perf_counter() - begun
    short = _timed(lambda: trainer.train(x, y, 5, seed))
    per_step = (_timed(lambda: trainer.train(x, y, 45, seed)) - short) / 40
    per_arm = max(0.0, short - 5 * per_step) + _timed(lambda: trainer.probabilities(slices.images))
    return repeats * setup + repeats * folds * arms * (steps * per_step + per_arm)


def _timed(work: Callable[[], object]) -> float:
    begun = time.perf_counter()
    work()
    return time.perf_counter() - begun
