"""Density and coverage (Naeem et al., "Reliable fidelity and diversity metrics for generative models", ICML 2020).

Around each real feature vector lies a ball reaching its k-th nearest real neighbour.
Density: how many real balls a generated vector falls in, on average, over k (about 1 when
the generated set is distributed like the real one; above 1 when it crowds into the densest
part, below when it strays). Coverage: the share of real balls that hold at least one
generated vector (how much of the real variety is made). Unlike precision and recall, both
are robust to outliers, and they have known values for two samples of one distribution.

Naeem et al. show that features of a randomly initialised network serve for domains far
from ImageNet; `random_embedding` is such a network with a fixed seed (`EMBEDDING_SEED`,
written in the report), so no weights are downloaded. Inception features are used as well
when their weights are present.
"""

import keras
import numpy as np
from keras import layers

from mri_gan.metrics.intervals import bootstrap_interval, interval_text
from mri_gan.metrics.measure import MeasureInputs
from mri_gan.metrics.precision_recall import _distances

NEIGHBOURS = 5
EMBEDDING_SEED = 2020


def random_embedding(resolution: int, seed: int = EMBEDDING_SEED) -> keras.Model:
    """A fixed, untrained convolutional network: uint8 [N, res, res, 1] -> features [N, 256] (pooled at 2x2)."""
    initializer = keras.initializers.HeNormal(seed=seed)
    image = keras.Input((resolution, resolution, 1))
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(image)
    for filters in (32, 64, 64, 64):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", kernel_initializer=initializer, activation="relu")(x)
    x = layers.AveragePooling2D(pool_size=x.shape[1] // 2)(x)
    return keras.Model(image, layers.Flatten()(x), name="random_embedding")


def embed(images: np.ndarray, seed: int = EMBEDDING_SEED) -> np.ndarray:
    """Features of uint8 images in the fixed random embedding."""
    features = random_embedding(images.shape[1], seed).predict(images, batch_size=256, verbose=0)
    return features.astype(np.float64)


def density_coverage(real_features: np.ndarray, fake_features: np.ndarray, k: int = NEIGHBOURS,
                     seed: int = 0, resamples: int = 200) -> dict:  # fmt: skip
    """Density and coverage of generated against real feature vectors ([N, D] each), with bootstrap intervals
    (density's over the generated vectors, coverage's over the real balls)."""
    if len(real_features) <= k or len(fake_features) < 2:
        raise ValueError(f"need more than k={k} real and at least 2 generated vectors, got {len(real_features)} "
                         f"and {len(fake_features)}")  # fmt: skip
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    radii = np.sort(_distances(real, real), axis=1)[:, k]  # column 0 is the vector itself
    inside = _distances(fake, real) <= radii[None, :]  # [fake, real]

    def density(chosen_fake) -> float:
        return float(inside[chosen_fake].sum() / (k * len(chosen_fake)))

    covered = inside.any(axis=0)  # per real ball: holds a generated vector

    def coverage(chosen_real) -> float:
        return float(covered[chosen_real].mean())

    # Density is a mean over generated vectors, coverage one over real balls: each is redrawn over its own
    # (redrawing generated vectors would repeat some and bias coverage down).
    return {
        "density": density(np.arange(len(fake))),
        "density_interval": bootstrap_interval(density, (len(fake),), resamples, seed).as_dict(),
        "coverage": coverage(np.arange(len(real))),
        "coverage_interval": bootstrap_interval(coverage, (len(real),), resamples, seed).as_dict(),
        "k": k,
    }


def density_coverage_entry(real_features, fake_features, inputs: MeasureInputs) -> dict:
    """Density and coverage of the compared generated images around half the real set, and of the other half
    (the floor), as SWD compares them."""
    reference = real_features[: inputs.count]
    entry = density_coverage(reference, inputs.compared_fake(fake_features), seed=inputs.seed)
    entry["floor"] = density_coverage(reference, real_features[inputs.half : inputs.half + inputs.count],
                                      seed=inputs.seed)  # fmt: skip
    return entry


def random_feature_entry(inputs: MeasureInputs) -> dict:
    if inputs.count <= NEIGHBOURS:
        return {"available": False, "reason": f"{inputs.count} images per set compared; more than {NEIGHBOURS} "
                "are needed"}  # fmt: skip
    entry = density_coverage_entry(embed(inputs.real), embed(inputs.fake), inputs)
    return {"available": True, **entry, "features": f"random convolutional embedding, seed {EMBEDDING_SEED}"}


def density_coverage_rows(entry: dict, features: str = "random features") -> list[tuple[str, str]]:
    if not entry["available"]:
        return [(f"density / coverage ({features})", f"unavailable: {entry['reason']}")]
    floor = entry["floor"]
    return [
        (
            f"density / coverage ({features}; real halves)",
            f"{entry['density']:.2f} {interval_text(entry['density_interval'])} / {entry['coverage']:.2f} "
            f"{interval_text(entry['coverage_interval'])} ({floor['density']:.2f} / {floor['coverage']:.2f})",
        )
    ]
