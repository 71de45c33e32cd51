"""A small tumour / no-tumour CNN trained on real images: the judge of label fidelity.

Label fidelity asks whether a conditional generator makes the class it is asked for: a
classifier that learned the classes from real images only classifies generated images
of each requested label, and its agreement with the request is read beside its
accuracy on held-out real images (the agreement cannot be trusted further than that).
Whether synthetic images help a tumour classifier is `python -m mri_gan.utility`'s question
(`mri_gan.downstream`), with classifiers of its own.

Held-out splits keep exact duplicates (same pixels) and slices of one subject on one
side, so the accuracy is not flattered by images seen in training.
"""

import hashlib
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from mri_gan.data.splits import split_by_subject
from mri_gan.metrics.measure import Tracking


def build_label_classifier(resolution: int, num_classes: int) -> keras.Model:
    """uint8 images [N, res, res, 1] -> class logits [N, num_classes]; flips and shifts while training."""
    image = keras.Input((resolution, resolution, 1), name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="to_unit_range")(image)
    x = layers.RandomFlip("horizontal", name="flip")(x)
    x = layers.RandomTranslation(0.06, 0.06, fill_mode="constant", fill_value=-1.0, name="shift")(x)
    for filters in (16, 32, 64, 96):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    logits = layers.Dense(num_classes, name="class_logits")(x)
    return keras.Model(image, logits, name="label_classifier")


def train_label_classifier(images: np.ndarray, labels: np.ndarray, num_classes: int, seed: int = 0,
                           epochs: int = 40, batch_size: int = 32) -> keras.Model:  # fmt: skip
    """A classifier trained on `images` (uint8) and their integer `labels`, from seed `seed`."""
    if len(images) < 2 or len(np.unique(labels)) < 2:
        raise ValueError(f"need images of at least 2 classes to train a classifier, got labels {np.unique(labels)}")
    keras.utils.set_random_seed(seed)
    model = build_label_classifier(images.shape[1], num_classes)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    model.fit(images, labels.astype(np.int32), epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


def predict_labels(model: keras.Model, images: np.ndarray) -> np.ndarray:
    return np.argmax(model.predict(images, batch_size=256, verbose=0), axis=-1)


def label_agreement_tracking(real: np.ndarray, labels: np.ndarray, seed: int = 0, judges: int = 3) -> Tracking:
    """A quality-check measure for a conditional generator: the lowest share, over the requested
    classes, of generated images that classifiers trained on `real` (uint8, with `labels`)
    assign to the class they were made for, averaged over `judges` classifiers.

    The worst class, not the mean, because a conditional generator tends to trade one class's
    faithfulness for another's as it trains; several judges, because one small classifier's
    verdict on generated images that look like neither class moves by up to 0.23 with its
    seed (experiments/README.md). The generated images passed to `track` must have been made
    for `labels`, in the same order."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    classifiers = [train_label_classifier(real, labels, int(labels.max()) + 1, seed + judge) for judge in range(judges)]

    def worst_class_agreement(real_images, generated, seed):
        verdicts = np.stack([predict_labels(classifier, generated) == labels for classifier in classifiers])
        return float(min(np.mean(verdicts[:, labels == index]) for index in classes))

    return Tracking(worst_class_agreement, title="Worst class's label agreement (higher is better)",
                    higher_is_better=True, variety_discount=True)  # fmt: skip


def duplicate_groups(images: np.ndarray, subjects=None) -> list[str]:
    """A group key per image: its subject when known, else a hash of its pixels (exact duplicates share it)."""
    subjects = subjects if subjects is not None else [None] * len(images)
    pairs = zip(images, subjects, strict=True)
    return [subject or hashlib.sha1(image.tobytes()).hexdigest() for image, subject in pairs]


def held_out_split(images: np.ndarray, subjects=None, fraction: float = 0.75, seed: int = 0):
    """Indices (train, held_out): about `fraction` for training, duplicates and subjects on one side."""
    return split_by_subject(duplicate_groups(images, subjects), fraction, seed)


@dataclass(frozen=True)
class BinaryScores:
    accuracy: float
    sensitivity: float  # share of positives (e.g. tumour) found
    specificity: float  # share of negatives found


def binary_scores(true: np.ndarray, predicted: np.ndarray, positive: int) -> BinaryScores:
    positives, negatives = true == positive, true != positive
    return BinaryScores(
        accuracy=float(np.mean(true == predicted)),
        sensitivity=float(np.mean(predicted[positives] == positive)) if positives.any() else float("nan"),
        specificity=float(np.mean(predicted[negatives] != positive)) if negatives.any() else float("nan"),
    )


def label_fidelity(real: np.ndarray, real_labels: np.ndarray, generated: dict[int, np.ndarray],
                   class_names, subjects=None, seed: int = 0, judges: int = 3) -> dict:  # fmt: skip
    """Train `judges` classifiers (seeds `seed`, `seed` + 1, ...) on 75% of `real`, then: their
    mean accuracy on the other 25%, and per requested class the mean share of `generated[class]`
    they assign to that class.

    The same share for the held-out real images of each class (`held_out_real_recall`) is
    the fair bar for that class's agreement: a classifier that finds 75% of real "no" slices
    cannot be expected to find more of the generated ones. Several judges, because one small
    classifier's verdict on generated slices that look like neither class moves by up to 0.23
    with its seed (experiments/README.md); `per_judge` keeps each one's figures."""
    if judges < 1:
        raise ValueError(f"judges must be at least 1, got {judges}")
    train, held_out = held_out_split(real, subjects, seed=seed)
    truth = real_labels[held_out]
    per_judge = []
    for judge in range(judges):
        classifier = train_label_classifier(real[train], real_labels[train], len(class_names), seed + judge)
        predicted = predict_labels(classifier, real[held_out])
        per_judge.append({
            "seed": seed + judge,
            "held_out_real_accuracy": float(np.mean(predicted == truth)),
            "held_out_real_recall": {
                class_names[index]: float(np.mean(predicted[truth == index] == index))
                for index in generated
                if (truth == index).any()
            },
            "agreement": {
                class_names[index]: float(np.mean(predict_labels(classifier, images) == index))
                for index, images in generated.items()
            },
        })  # fmt: skip
    report = {
        "judges": judges,
        "held_out_real_images": len(held_out),
        "held_out_real_accuracy": float(np.mean([judge["held_out_real_accuracy"] for judge in per_judge])),
        "held_out_real_recall": _mean_per_class(per_judge, "held_out_real_recall"),
        "agreement": _mean_per_class(per_judge, "agreement"),
    }
    report["mean_agreement"] = float(np.mean(list(report["agreement"].values())))
    report["per_judge"] = per_judge
    return report


def _mean_per_class(per_judge: list[dict], key: str) -> dict[str, float]:
    return {name: float(np.mean([judge[key][name] for judge in per_judge])) for name in per_judge[0][key]}


def label_fidelity_rows(fidelity: dict) -> list[tuple[str, str]]:
    """The report lines of `label_fidelity`: the judges' accuracy on held-out real images, then each class's
    agreement beside the share of its held-out real images they find."""
    judges = fidelity.get("judges", 1)
    rows = [(f"label classifiers' accuracy, held-out real (mean of {judges})",
             f"{fidelity['held_out_real_accuracy']:.3f}")]  # fmt: skip
    recall = fidelity.get("held_out_real_recall", {})
    for name, agreement in fidelity["agreement"].items():
        real_share = f" (held-out real: {recall[name]:.3f})" if name in recall else ""
        rows.append((f"[{name}] generated classified as {name}", f"{agreement:.3f}{real_share}"))
    return rows
