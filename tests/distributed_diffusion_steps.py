"""Run by test_distribution.py in a fresh process: 2 logical CPUs must be set before TensorFlow starts.

Trains the same tiny diffusion model (same initial weights, data and noise) for three steps on
one device and under MirroredStrategy over two logical CPUs, and prints, as JSON, how far the
one-device weights moved and the largest weight difference between the two.
"""

import json

import mri_gan  # noqa: F401

# isort: split
import keras
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from mri_gan.diffusion import DiffusionModel  # noqa: E402
from mri_gan.models.unet import denoiser  # noqa: E402


def trained(strategy, initial, images: np.ndarray, labels: np.ndarray) -> DiffusionModel:
    with strategy.scope():
        model = DiffusionModel(denoiser(32, 8, 1, 2), seed=7, ema_decay=0.9, steps=2)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.network.set_weights(initial)
    model.ema_network.set_weights(initial)
    model.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(8), epochs=1, verbose=0, shuffle=False)
    return model


def _norm(first: list, second: list) -> float:
    """The Euclidean norm of the difference of two lists of weights, all weights together."""
    return float(np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(first, second, strict=True))))


def main() -> None:
    keras.utils.set_random_seed(0)
    initial = denoiser(32, 8, 1, 2).get_weights()
    initial[-2] = np.random.default_rng(1).normal(0, 0.05, initial[-2].shape).astype("float32")  # a non-zero head
    images = np.random.default_rng(0).uniform(-1, 1, (24, 32, 32, 1)).astype("float32")
    labels = np.arange(24, dtype="int32") % 2
    one_device = trained(tf.distribute.OneDeviceStrategy("/cpu:0"), initial, images, labels)
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    replicated = trained(mirrored, initial, images, labels)
    pairs = {"network": (one_device.network, replicated.network), "ema": (one_device.ema_network,
                                                                         replicated.ema_network)}  # fmt: skip
    result = {
        "replicas": mirrored.num_replicas_in_sync,
        "moved_from_initial": max(float(np.abs(a - b).max())
                                  for a, b in zip(initial, one_device.network.get_weights(), strict=True)),
        "relative_difference": {name: _norm(x.get_weights(), y.get_weights()) / _norm(initial, x.get_weights())
                                for name, (x, y) in pairs.items()},
    }  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
