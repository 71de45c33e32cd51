"""All registered measures of a generated set against real images, as one report (a JSON-ready dict).

Used by `python -m mri_gan.evaluate`; callable from Python on uint8 image arrays. The
measures themselves are in `mri_gan.metrics.registry`.
"""

import dataclasses
import functools
import hashlib
import logging

import keras
import numpy as np

from mri_gan.data.splits import split_by_subject
from mri_gan.errors import DataError
from mri_gan.metrics.inception import FeaturesUnavailable, inception_features, load_inception
from mri_gan.metrics.measure import LabelledSets, MeasureInputs
from mri_gan.metrics.registry import MEASURES
from mri_gan.metrics.roc import real_fake_scores

logger = logging.getLogger(__name__)


def evaluate_images(
    real: np.ndarray,
    fake: np.ndarray,
    train: np.ndarray,
    *,
    discriminator: keras.Model | None = None,
    inception_weights="imagenet",
    seed: int = 0,
    real_subjects: list[str | None] | None = None,
    train_subjects: list[str | None] | None = None,
    real_labels: np.ndarray | None = None,
    fake_labels: np.ndarray | None = None,
    class_names: tuple[str, ...] = (),
    measures: tuple[str, ...] | None = None,
    intervals: bool = True,
) -> dict:
    """Every registered measure (or those named in `measures`), each under its own key; measures that cannot run
    say why.

    With `real_labels`, `fake_labels` and `class_names` (a conditional model's classes) the
    measures that need labels run too, and the discriminator is asked about each image's
    own class.

    The real-vs-real baselines compare two halves of `real`; with `real_subjects` no
    subject (patient) has slices in both halves, so the baseline is not flattered by
    near-identical neighbouring slices. `intervals=False` skips the costlier bootstrap
    intervals (SWD's, FID's), for quick checks of many generators. With `train_subjects` the novelty check says which
    subjects the possible copies resemble (hashed ids, with counts).
    """
    labelled = None
    if class_names and real_labels is not None and fake_labels is not None:
        labelled = LabelledSets(real, np.asarray(real_labels), fake, np.asarray(fake_labels), tuple(class_names),
                                real_subjects)  # fmt: skip
    order, half = real_halves(len(real), real_subjects, seed)
    real = real[order]
    real_labels = None if real_labels is None else np.asarray(real_labels)[order]
    count = compared_count(len(real), half, len(fake))
    report: dict = {
        "counts": {"real": len(real), "generated": len(fake), "train": len(train), "compared": count},
        "resolution": int(fake.shape[1]),
        "real_set": real_set_identity(real),
    }
    selected = [
        MEASURES[name]
        for name in (measures or MEASURES)
        if MEASURES[name].compute is not None and (labelled is not None or MEASURES[name].needs != "labels")
    ]
    inputs = MeasureInputs(real, half, count, fake, train, seed, train_subjects, labelled=labelled, real_order=order)
    unavailable = None
    if any(measure.needs == "features" for measure in selected):
        inputs, unavailable = _with_features(inputs, inception_weights)
    for measure in selected:
        if measure.needs == "features" and unavailable:
            report[measure.name] = {"available": False, "reason": unavailable}
            continue
        logger.info("%s...", measure.name)
        report[measure.name] = measure.compute(inputs)
    if discriminator is not None:
        report["discriminator"] = _discriminator_scores(discriminator, real, fake, real_labels, fake_labels)
    return report


def evaluate_inputs(inputs, inception_weights="imagenet", seed: int = 0,
                    measures: tuple[str, ...] | None = None) -> dict:  # fmt: skip
    """The whole report `evaluate` writes for gathered `EvaluationInputs`: every measure (or those named in
    `measures`), per class too for a conditional model, and what was compared."""
    shared = {"inception_weights": inception_weights, "seed": seed, "real_subjects": inputs.real_subjects,
              "train_subjects": inputs.train_subjects}  # fmt: skip
    report = evaluate_images(inputs.real, inputs.fake, inputs.train, discriminator=inputs.discriminator,
                             real_labels=inputs.real_labels, fake_labels=inputs.fake_labels,
                             class_names=inputs.class_names, measures=measures, **shared)  # fmt: skip
    if inputs.class_names:
        report["per_class"] = evaluate_per_class(inputs.real, inputs.real_labels, inputs.fake, inputs.fake_labels,
                                                 inputs.train, inputs.class_names, **shared)  # fmt: skip
    report["inputs"] = inputs.description
    return report


def evaluate_per_class(real, real_labels, fake, fake_labels, train, class_names, **measures) -> dict:
    """`evaluate_images` of each class alone (the measures registered `per_class`): its real images against the
    images generated for it.

    `measures` are passed on (inception_weights, seed, train_subjects; `real_subjects`
    is subset per class). A class with fewer than 4 real or 2 generated images says so.
    """
    real_subjects = measures.pop("real_subjects", None)
    names = tuple(name for name, measure in MEASURES.items() if measure.per_class)
    per_class = {}
    for index, name in enumerate(class_names):
        real_mask, fake_mask = np.asarray(real_labels) == index, np.asarray(fake_labels) == index
        if real_mask.sum() < 4 or fake_mask.sum() < 2:
            per_class[name] = {"available": False, "reason": f"{real_mask.sum()} real and {fake_mask.sum()} generated "
                               "images; at least 4 and 2 are needed"}  # fmt: skip
            continue
        logger.info("Measures of class %s...", name)
        subjects = None if real_subjects is None else [real_subjects[i] for i in np.flatnonzero(real_mask)]
        report = evaluate_images(real[real_mask], fake[fake_mask], train, real_subjects=subjects, measures=names,
                                 **measures)  # fmt: skip
        per_class[name] = {"available": True, **report}
    return per_class


def real_set_identity(real: np.ndarray) -> dict:
    """What identifies the real images a report measured against: their count and a hash of their pixels
    (in an order-free way), so that `--compare` refuses reports measured against other images."""
    digests = sorted(hashlib.sha1(image.tobytes()).hexdigest() for image in real)
    return {"images": len(real), "sha1": hashlib.sha1("".join(digests).encode()).hexdigest()}


def real_halves(count: int, subjects: list[str | None] | None, seed: int) -> tuple[np.ndarray, int]:
    """An order of `count` real images whose first `half` and the rest share no subject, and `half`."""
    first, second = split_by_subject(subjects or [None] * count, 0.5, seed)
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(first), rng.permutation(second)]).astype(int), len(first)


def compared_count(real: int, half: int, fake: int) -> int:
    """Images per set in the pairwise measures: the smaller real half, at most the generated count."""
    count = min(half, real - half, fake)
    if count < 2:
        raise DataError(f"need at least 4 real and 2 generated images, got {real} and {fake}")
    return count


@functools.cache
def _inception_or_reason(weights) -> keras.Model | FeaturesUnavailable:
    """The Inception network, or why it is unavailable, once per process: per-class reports ask again."""
    try:
        return load_inception(weights)
    except FeaturesUnavailable as error:
        return error


def _with_features(inputs: MeasureInputs, inception_weights) -> tuple[MeasureInputs, str | None]:
    """`inputs` with Inception features of the real and generated images, or the reason they are unavailable."""
    model = _inception_or_reason(inception_weights)
    if isinstance(model, FeaturesUnavailable):
        logger.warning("FID, KID and precision/recall unavailable: %s", model)
        return inputs, str(model)
    logger.info("Inception features...")
    real_features = inception_features(model, inputs.real, progress=True)
    fake_features = inception_features(model, inputs.fake, progress=True)
    return dataclasses.replace(inputs, real_features=real_features, fake_features=fake_features), None


def discriminator_probabilities(discriminator: keras.Model, images: np.ndarray, batch_size: int = 256,
                                labels: np.ndarray | None = None, num_classes: int = 0) -> np.ndarray:  # fmt: skip
    """The discriminator's probability that each uint8 image is real.

    A conditional discriminator (`num_classes` classes) is asked about class `labels[i]`;
    without labels, about every class, and the highest probability counts (real as some class).
    """
    scaled = images.astype(np.float32) / 127.5 - 1.0
    if labels is None and not num_classes:
        logits = [discriminator(scaled[i : i + batch_size], training=False) for i in range(0, len(scaled), batch_size)]
        return np.asarray(keras.ops.sigmoid(np.concatenate(logits)), np.float32).ravel()
    if labels is None:
        per_class = [discriminator_probabilities(discriminator, images, batch_size, np.full(len(images), index))
                     for index in range(num_classes)]  # fmt: skip
        return np.max(per_class, axis=0)
    labels = np.asarray(labels, np.int32)
    logits = [discriminator([scaled[i : i + batch_size], labels[i : i + batch_size]], training=False)
              for i in range(0, len(scaled), batch_size)]  # fmt: skip
    return np.asarray(keras.ops.sigmoid(np.concatenate(logits)), np.float32).ravel()


def _discriminator_scores(discriminator, real, fake, real_labels=None, fake_labels=None) -> dict:
    scores = real_fake_scores(discriminator_probabilities(discriminator, real, labels=real_labels),
                              discriminator_probabilities(discriminator, fake, labels=fake_labels))  # fmt: skip
    return {"accuracy": scores.accuracy, "roc_auc": scores.roc_auc, "confusion": scores.confusion}
