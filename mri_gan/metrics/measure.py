"""What a sample-quality measure is: the inputs it is computed on, how it is followed during training, and the
registry every measure is entered in once (`mri_gan.metrics.registry` enters them)."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeasureInputs:
    """The arrays a measure is computed on (uint8 [N, H, W, 1] images)."""

    real: np.ndarray  # ordered so that real[:half] and real[half:] share no subject
    half: int
    count: int  # images per set in pairwise comparisons
    fake: np.ndarray
    train: np.ndarray
    seed: int = 0
    train_subjects: list[str | None] | None = None
    real_features: np.ndarray | None = None  # Inception features, for measures that need them
    fake_features: np.ndarray | None = None
    labelled: "LabelledSets | None" = None  # a conditional model's classes, for measures that need labels
    real_order: np.ndarray | None = None  # real[i] is image real_order[i] of the real set as it was given
    intervals: bool = True  # False: skip the costlier bootstrap intervals (quick checks of many generators)

    def given_real_index(self, indices) -> list[int]:
        """Indices into `real` as the indices of the real set as it was given (for reports that show images)."""
        order = np.arange(len(self.real)) if self.real_order is None else self.real_order
        return [int(order[index]) for index in indices]

    def compared_fake(self, values: np.ndarray | None = None) -> np.ndarray:
        """`count` of the generated images (or of `values`, their features), drawn at random with `seed`.

        A generated set can come in class order (a folder's `no/` before its `yes/`, a
        conditional model's images class by class): its first `count` would compare one class
        with all of them. `fake` itself keeps its order, which reports index into.
        """
        chosen = np.random.default_rng([self.seed, 1]).permutation(len(self.fake))[: self.count]
        return (self.fake if values is None else values)[chosen]


@dataclass(frozen=True)
class LabelledSets:
    """Real and generated images with their class indices (in their own order), for measures that need labels."""

    real: np.ndarray
    real_labels: np.ndarray
    fake: np.ndarray
    fake_labels: np.ndarray
    class_names: tuple[str, ...]
    real_subjects: list[str | None] | None = None


@dataclass(frozen=True)
class Tracking:
    """How a measure is followed during training: one number per check, and its best value.

    `track(real, fake, seed)` gives the number; with `real_value`, the best generator is the
    one whose number is closest to the real images' own (e.g. diversity), else the lowest (the
    highest with `higher_is_better`). A measure that needs labels has `prepare(real, labels,
    seed)` instead, which returns its `Tracking` for a labelled sample (e.g. after training
    classifiers on it). With `variety_discount`, the number that picks the best generator is
    scaled by the sample's MS-SSIM diversity over the real one's, at most 1, so a check that
    is monotonous does not win by being typical. `floor(real, seed)` is the measure between
    two halves of the real sample, the line a reader places the curve against.
    """

    track: Callable[[np.ndarray, np.ndarray, int], float] | None = None
    real_value: Callable[[np.ndarray, int], float] | None = None
    title: str = ""
    higher_is_better: bool = False
    prepare: Callable[[np.ndarray, np.ndarray, int], "Tracking"] | None = None
    variety_discount: bool = False
    floor: Callable[[np.ndarray, int], float] | None = None  # the measure between two halves of the real sample
    selectable: bool = True  # False: followed and plotted, but not a measure that picks the best generator


@dataclass(frozen=True)
class Compared:
    """A number of a measure's report entry that `evaluate --compare` ranks: where its value and 95% interval
    are in the entry, and which way is better ("lower", "higher" or "closer to 1")."""

    label: str
    value: tuple[str, ...]
    interval: tuple[str, ...]
    better: str


@dataclass(frozen=True)
class Measure:
    name: str
    needs: str  # "pixels", "features" (ImageNet Inception features) or "labels" (a conditional model's classes)
    compute: Callable[[MeasureInputs], dict] | None  # None: only tracked during training
    rows: Callable[[dict], list[tuple[str, str]]]  # report lines of an entry
    tracking: Tracking | None = None  # None: too slow or not meaningful to follow during training
    per_class: bool = True  # also reported per class for a conditional model
    compared: tuple[Compared, ...] = ()  # what `evaluate --compare` ranks of its entry


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    if measure.name in MEASURES:
        raise ValueError(f"a measure named {measure.name!r} is registered already")
    MEASURES[measure.name] = measure
    return measure


def tracked_measures(conditional: bool = False) -> tuple[str, ...]:
    """Names of the measures followed during training; those that need labels only for a conditional run."""
    return tuple(name for name, measure in MEASURES.items()
                 if measure.tracking is not None and (conditional or measure.needs != "labels"))  # fmt: skip


def selectable_measures(conditional: bool = False) -> tuple[str, ...]:
    """Names of the tracked measures that can pick the best generator during training (`fit --keep-best`)."""
    return tuple(name for name in tracked_measures(conditional) if MEASURES[name].tracking.selectable)
