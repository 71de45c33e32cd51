"""All measures of a generated set against real images, as one report (a JSON-ready dict).

Used by `python -m mri_gan.evaluate`; callable from Python on uint8 image arrays.
"""

import functools
import logging
from collections import Counter

import keras
import numpy as np

from mri_gan.data.splits import split_by_subject
from mri_gan.metrics.classifier import real_fake_scores
from mri_gan.metrics.diversity import ms_ssim_diversity
from mri_gan.metrics.frechet import frechet_distance, kernel_distance
from mri_gan.metrics.inception import FeaturesUnavailable, inception_features, load_inception
from mri_gan.metrics.novelty import nearest_training_images
from mri_gan.metrics.precision_recall import precision_recall
from mri_gan.metrics.swd import sliced_wasserstein
from mri_gan.models import class_count

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
) -> dict:
    """Every measure, each under its own key; measures that cannot run say why.

    With `real_labels` and `fake_labels` (a conditional model's classes) the discriminator
    is asked about each image's own class.

    The real-vs-real baselines compare two halves of `real`; with `real_subjects` no
    subject (patient) has slices in both halves, so the baseline is not flattered by
    near-identical neighbouring slices. With `train_subjects` the novelty check says which
    subjects the possible copies resemble (hashed ids, with counts).
    """
    order, half = real_halves(len(real), real_subjects, seed)
    real = real[order]
    real_labels = None if real_labels is None else np.asarray(real_labels)[order]
    count = compared_count(len(real), half, len(fake))
    report: dict = {"counts": {"real": len(real), "generated": len(fake), "train": len(train), "compared": count}}

    logger.info("Sliced Wasserstein distance...")
    report["swd"] = swd_against_baseline(real, half, fake, seed)

    logger.info("MS-SSIM diversity...")
    diversity = ms_ssim_diversity(real, fake, seed=seed)
    report["ms_ssim"] = {"real": diversity.real, "generated": diversity.generated, "diversity_ratio": diversity.ratio,
                         "likely_mode_collapse": diversity.likely_mode_collapse}  # fmt: skip

    logger.info("Novelty against %d training images...", len(train))
    novelty = nearest_training_images(fake, train)
    report["novelty"] = {
        "possible_copies": len(novelty.possible_copies),
        "possible_copy_share": novelty.copy_share,
        "threshold_rms": novelty.threshold,
        "median_nearest_rms": float(np.median(novelty.nearest_distance)),
        "median_real_to_real_rms": float(np.median(novelty.real_to_real)),
        "median_nearest_ssim": float(np.median(novelty.nearest_ssim)),
        "distinct_training_images": len(novelty.training_kept),
    }
    if train_subjects and any(train_subjects):
        nearest = novelty.training_kept[novelty.nearest_index[novelty.possible_copies]]
        resembled = Counter(train_subjects[index] or "plain image" for index in nearest)
        report["novelty"]["possible_copy_subjects"] = dict(resembled.most_common())
    report["_novelty"] = novelty

    report.update(_feature_measures(real, fake, half, count, inception_weights, seed))
    if discriminator is not None:
        report["discriminator"] = _discriminator_scores(discriminator, real, fake, real_labels, fake_labels)
    return report


def real_halves(count: int, subjects: list[str | None] | None, seed: int) -> tuple[np.ndarray, int]:
    """An order of `count` real images whose first `half` and the rest share no subject, and `half`."""
    first, second = split_by_subject(subjects or [None] * count, 0.5, seed)
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(first), rng.permutation(second)]).astype(int), len(first)


def compared_count(real: int, half: int, fake: int) -> int:
    """Images per set in the pairwise measures: the smaller real half, at most the generated count."""
    count = min(half, real - half, fake)
    if count < 2:
        raise ValueError(f"need at least 4 real and 2 generated images, got {real} and {fake}")
    return count


def swd_against_baseline(real: np.ndarray, half: int, fake: np.ndarray, seed: int = 0) -> dict:
    """SWD of real vs generated beside real half vs real half (`real` ordered by `real_halves`), and their ratio.

    Both distances compare sets of the same size, since SWD depends on it.
    """
    count = compared_count(len(real), half, len(fake))
    versus_fake = sliced_wasserstein(real[:count], fake[:count], seed)
    versus_real = sliced_wasserstein(real[:count], real[half : half + count], seed)
    return {
        "real_vs_generated": {"per_level": versus_fake.per_level, "mean": versus_fake.mean},
        "real_vs_real": {"per_level": versus_real.per_level, "mean": versus_real.mean},
        "ratio_to_baseline": versus_fake.mean / max(versus_real.mean, 1e-12),
    }


def evaluate_per_class(real, real_labels, fake, fake_labels, train, class_names, **measures) -> dict:
    """`evaluate_images` of each class alone: its real images against the images generated for it.

    `measures` are passed on (inception_weights, seed, train_subjects; `real_subjects`
    is subset per class). A class with fewer than 4 real or 2 generated images says so.
    """
    real_subjects = measures.pop("real_subjects", None)
    per_class = {}
    for index, name in enumerate(class_names):
        real_mask, fake_mask = np.asarray(real_labels) == index, np.asarray(fake_labels) == index
        if real_mask.sum() < 4 or fake_mask.sum() < 2:
            per_class[name] = {"available": False, "reason": f"{real_mask.sum()} real and {fake_mask.sum()} generated "
                               "images; at least 4 and 2 are needed"}  # fmt: skip
            continue
        logger.info("Measures of class %s...", name)
        subjects = None if real_subjects is None else [real_subjects[i] for i in np.flatnonzero(real_mask)]
        report = evaluate_images(real[real_mask], fake[fake_mask], train, real_subjects=subjects, **measures)
        report.pop("_novelty")
        per_class[name] = {"available": True, **report}
    return per_class


@functools.cache
def _inception_or_reason(weights) -> keras.Model | FeaturesUnavailable:
    """The Inception network, or why it is unavailable, once per process: per-class reports ask again."""
    try:
        return load_inception(weights)
    except FeaturesUnavailable as error:
        return error


def _feature_measures(real, fake, half, count, inception_weights, seed) -> dict:
    model = _inception_or_reason(inception_weights)
    if isinstance(model, FeaturesUnavailable):
        logger.warning("FID, KID and precision/recall unavailable: %s", model)
        unavailable = {"available": False, "reason": str(model)}
        return {"fid": unavailable, "kid": unavailable, "relative_fd": unavailable, "precision_recall": unavailable}
    logger.info("Inception features...")
    real_features = inception_features(model, real, progress=True)
    fake_features = inception_features(model, fake, progress=True)
    fid = frechet_distance(real_features, fake_features)
    baseline = frechet_distance(real_features[:half], real_features[half:])
    kid = kernel_distance(real_features, fake_features, seed=seed)
    pr = precision_recall(real_features[:count], fake_features[:count])
    return {
        "fid": {"available": True, "value": fid},
        "kid": {"available": True, "mean": kid.mean, "std": kid.std},
        "relative_fd": {"available": True, "value": fid / max(baseline, 1e-12), "real_halves_fd": baseline},
        "precision_recall": {"available": True, "precision": pr.precision, "recall": pr.recall},
    }


def discriminator_probabilities(discriminator: keras.Model, images: np.ndarray, batch_size: int = 256,
                                labels: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """The discriminator's probability that each uint8 image is real.

    A conditional discriminator is asked about class `labels[i]`; without labels, about
    every class, and the highest probability counts (real as some class).
    """
    scaled = images.astype(np.float32) / 127.5 - 1.0
    num_classes = class_count(discriminator)
    if not num_classes:
        logits = [discriminator(scaled[i : i + batch_size], training=False) for i in range(0, len(scaled), batch_size)]
        return np.asarray(keras.ops.sigmoid(np.concatenate(logits))).ravel()
    if labels is None:
        per_class = [discriminator_probabilities(discriminator, images, batch_size, np.full(len(images), index))
                     for index in range(num_classes)]  # fmt: skip
        return np.max(per_class, axis=0)
    labels = np.asarray(labels, np.int32)
    logits = [discriminator([scaled[i : i + batch_size], labels[i : i + batch_size]], training=False)
              for i in range(0, len(scaled), batch_size)]  # fmt: skip
    return np.asarray(keras.ops.sigmoid(np.concatenate(logits))).ravel()


def _discriminator_scores(discriminator, real, fake, real_labels=None, fake_labels=None) -> dict:
    scores = real_fake_scores(discriminator_probabilities(discriminator, real, labels=real_labels),
                              discriminator_probabilities(discriminator, fake, labels=fake_labels))  # fmt: skip
    return {"accuracy": scores.accuracy, "roc_auc": scores.roc_auc, "confusion": scores.confusion}
