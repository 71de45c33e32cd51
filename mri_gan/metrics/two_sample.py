"""Classifier two-sample test (Lopez-Paz & Oquab, "Revisiting classifier two-sample tests", ICLR 2017).

Could a model tell the generated slices from real ones? A fresh small CNN, sharing nothing
with the GAN, is trained to separate two equally large sets, k-fold cross-validated; each
image is scored by the classifier that never saw it, and the score is the ROC AUC of those
out-of-fold scores (0.5: the sets cannot be told apart; 1: always). Its interval is a
bootstrap over the scored images. The same test between two subject-disjoint halves of the
real set is its floor, near 0.5, as the real-vs-real baseline is SWD's.

Both sets must reach the classifier in the same way: here both are uint8 arrays at one
resolution, and coarser scales are made from them with one kernel (area averaging), so a
difference in preprocessing cannot fake a result (two halves of one real set resized with
two different kernels are told apart at AUC 0.99). At 32 and 16 pixels only layout and
contrast are left: a tell that survives there is not texture.

What it does not catch: exact copies of training images score like real ones (the novelty
check is for that), and a generator that covers only part of the real variety can score
near 0.5 when the parts it makes are faithful (density and coverage are for that).
"""

import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from mri_gan.metrics.intervals import Interval, bootstrap_interval, interval_text
from mri_gan.metrics.measure import MeasureInputs
from mri_gan.metrics.roc import roc_auc

FOLDS = 5
STEPS = 200  # optimizer steps per fold, whatever the sets' size
BATCH_SIZE = 64
COARSER_SCALES = (32, 16)
SHEET_IMAGES = 16  # generated images the test finds most fake, real ones it finds most real


@dataclass(frozen=True)
class TwoSampleTest:
    """The out-of-fold verdicts of a two-sample test of `first` (real, the positive class) against `second`."""

    auc: float  # ROC AUC of every image's out-of-fold P(first)
    interval: Interval
    fold_aucs: list[float]
    first_index: np.ndarray  # the images of each set that were used (a balanced draw)
    second_index: np.ndarray
    p_first_on_first: np.ndarray  # out-of-fold probability of belonging to `first`, per used image
    p_first_on_second: np.ndarray
    resolution: int

    def as_dict(self) -> dict:
        return {"auc": self.auc, "interval": self.interval.as_dict(), "fold_aucs": self.fold_aucs,
                "images_per_set": len(self.first_index), "resolution": self.resolution}  # fmt: skip

    def most_second_like(self, count: int) -> np.ndarray:
        """Indices (into `second`) of the images the test was surest belong to `second`, surest first."""
        return self.second_index[np.argsort(self.p_first_on_second, kind="stable")[:count]]

    def most_first_like(self, count: int) -> np.ndarray:
        """Indices (into `first`) of the images the test was surest belong to `first`, surest first."""
        return self.first_index[np.argsort(-self.p_first_on_first, kind="stable")[:count]]


def build_judge(resolution: int) -> keras.Model:
    """uint8 [N, res, res, 1] -> logit of "real": four strided convolutions, global pooling, one logit."""
    image = keras.Input((resolution, resolution, 1), name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(image)
    for filters in (16, 32, 64, 64):
        x = layers.Conv2D(filters, 3, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(image, layers.Dense(1, name="logit")(x), name="two_sample_judge")


def downsampled(images: np.ndarray, resolution: int) -> np.ndarray:
    """uint8 images averaged down to `resolution` pixels (area kernel): the same operation for both sets."""
    if images.shape[1] == resolution:
        return images
    small = tf.image.resize(tf.cast(images, tf.float32), (resolution, resolution), method="area")
    return np.clip(np.round(small.numpy()), 0, 255).astype(np.uint8)


def two_sample_test(first: np.ndarray, second: np.ndarray, seed: int = 0, folds: int | None = None,
                    steps: int | None = None, resolution: int | None = None,
                    resamples: int = 500) -> TwoSampleTest:  # fmt: skip
    """Cross-validated classifier test of uint8 sets `first` (real) and `second` [N, H, W, 1]; deterministic for
    a seed. Both are drawn down to the smaller set's size; with `resolution`, both are downsampled first. Each
    fold's classifier takes `steps` optimizer steps whatever the sets' size (defaults: `FOLDS`, `STEPS`)."""
    folds, steps = folds or FOLDS, steps or STEPS
    count = min(len(first), len(second))
    if count < 2 * folds:
        raise ValueError(f"a {folds}-fold two-sample test needs at least {2 * folds} images per set, got "
                         f"{len(first)} and {len(second)}")  # fmt: skip
    rng = np.random.default_rng([seed, 2])
    first_index = np.sort(rng.permutation(len(first))[:count])
    second_index = np.sort(rng.permutation(len(second))[:count])
    side = resolution or first.shape[1]
    images = np.concatenate([downsampled(first[first_index], side), downsampled(second[second_index], side)])
    labels = np.concatenate([np.ones(count, np.float32), np.zeros(count, np.float32)])
    fold_of = np.concatenate([rng.permutation(count) % folds, rng.permutation(count) % folds])
    scores = _out_of_fold_scores(images, labels, fold_of, folds, steps, seed)
    on_first, on_second = scores[:count], scores[count:]
    fold_aucs = [roc_auc(on_first[fold_of[:count] == fold], on_second[fold_of[count:] == fold])
                 for fold in range(folds)]  # fmt: skip
    interval = bootstrap_interval(lambda a, b: roc_auc(on_first[a], on_second[b]), (count, count), resamples, seed)
    return TwoSampleTest(roc_auc(on_first, on_second), interval, fold_aucs, first_index, second_index, on_first,
                         on_second, side)  # fmt: skip


def _out_of_fold_scores(images, labels, fold_of, folds: int, steps: int, seed: int) -> np.ndarray:
    """Each image's probability of the positive class from the classifier trained on the other folds; every
    fold's classifier starts from the same weights and optimizer state."""
    keras.utils.set_random_seed(seed)
    judge = build_judge(images.shape[1])
    judge.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    judge.optimizer.build(judge.trainable_variables)
    start = [variable.numpy() for variable in (*judge.variables, *judge.optimizer.variables)]
    scores = np.zeros(len(images), np.float32)
    order = np.random.default_rng([seed, 3])
    for fold in range(folds):
        for variable, value in zip((*judge.variables, *judge.optimizer.variables), start, strict=True):
            variable.assign(value)
        train = order.permutation(np.flatnonzero(fold_of != fold))
        per_epoch = -(-len(train) // BATCH_SIZE)
        epochs = max(1, round(steps / per_epoch))
        repeated = np.concatenate([order.permutation(train) for _ in range(epochs)])
        judge.fit(images[repeated], labels[repeated], batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
        test = np.flatnonzero(fold_of == fold)
        logits = np.concatenate([judge(images[test[start : start + 256]], training=False).numpy().ravel()
                                 for start in range(0, len(test), 256)])  # fmt: skip
        scores[test] = 1 / (1 + np.exp(-logits))
    return scores


def two_sample_entry(inputs: MeasureInputs) -> dict:
    """The classifier test of the real set against the generated one, and of the real halves (the floor), at the
    images' resolution and at each coarser scale, with the images it found most fake and most real."""
    real_a, real_b = inputs.real[: inputs.half], inputs.real[inputs.half :]
    smallest = min(len(real_a), len(real_b), len(inputs.fake))
    if smallest < 2 * FOLDS:
        return {"available": False, "reason": f"{smallest} images in the smallest of the sets compared (a real half, "
                f"the generated set); the {FOLDS}-fold test needs at least {2 * FOLDS}"}  # fmt: skip
    started = time.perf_counter()
    test = two_sample_test(inputs.real, inputs.fake, inputs.seed)
    entry = {"available": True, **test.as_dict(), "floor": two_sample_test(real_a, real_b, inputs.seed).as_dict(),
             "most_fake": [int(i) for i in test.most_second_like(SHEET_IMAGES)],
             "most_real": inputs.given_real_index(test.most_first_like(SHEET_IMAGES)), "coarser": {}}  # fmt: skip
    for side in (side for side in COARSER_SCALES if side < inputs.real.shape[1]):
        entry["coarser"][str(side)] = {
            **two_sample_test(inputs.real, inputs.fake, inputs.seed, resolution=side).as_dict(),
            "floor": two_sample_test(real_a, real_b, inputs.seed, resolution=side).as_dict(),
        }
    entry["seconds"] = time.perf_counter() - started
    return entry


def two_sample_rows(entry: dict) -> list[tuple[str, str]]:
    if not entry["available"]:
        return [("two-sample test ROC AUC", f"unavailable: {entry['reason']}")]

    def verdict(test: dict) -> str:
        floor = test["floor"]
        return (
            f"{test['auc']:.3f} {interval_text(test['interval'], 3)}; real halves {floor['auc']:.3f} "
            f"{interval_text(floor['interval'], 3)}"
        )

    rows = [(f"two-sample test ROC AUC, {entry['resolution']} px (0.5: cannot tell)", verdict(entry))]
    rows += [(f"two-sample test ROC AUC, {side} px", verdict(test)) for side, test in entry["coarser"].items()]
    return rows
