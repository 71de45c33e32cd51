"""Run by test_distribution.py in a fresh process: 2 logical CPUs must be set before TensorFlow starts.

Trains the same tiny DCGAN (same initial weights, data and noise) for three steps on one
device and under MirroredStrategy over two logical CPUs, and prints, as JSON, the largest
weight difference per network, with and without synchronized batch norm, and whether
a mixed_float16 run (loss scaling on each replica) kept its losses finite.
"""

import json

import mri_gan  # noqa: F401

# isort: split
import keras
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from mri_gan.gan.model import GAN  # noqa: E402
from mri_gan.models import build_discriminator, build_generator  # noqa: E402
from mri_gan.runtime.precision import dtype_policy  # noqa: E402


def trained(strategy, synchronized: bool, initial, images: np.ndarray, precision: str = "float32") -> GAN:
    with strategy.scope(), dtype_policy(precision):
        gan = GAN(build_generator(32, 8, 4, synchronized), build_discriminator(32, 4, synchronized), seed=7)
        gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.generator.set_weights(initial[0])
    gan.discriminator.set_weights(initial[1])
    history = gan.fit(tf.data.Dataset.from_tensor_slices(images).batch(8), epochs=1, verbose=0, shuffle=False)
    gan.losses_finite = bool(np.isfinite([history.history["d_loss"], history.history["g_loss"]]).all())
    return gan


def largest_differences(weights: dict[str, list[np.ndarray]], gan: GAN) -> dict[str, float]:
    return {
        name: max(
            float(np.abs(a - b).max()) for a, b in zip(weights[name], getattr(gan, name).get_weights(), strict=True)
        )
        for name in ("generator", "discriminator")
    }


def main() -> None:
    keras.utils.set_random_seed(0)
    initial = [build_generator(32, 8, 4).get_weights(), build_discriminator(32, 4).get_weights()]
    images = np.random.default_rng(0).uniform(-1, 1, (24, 32, 32, 1)).astype("float32")
    one_device = trained(tf.distribute.OneDeviceStrategy("/cpu:0"), True, initial, images)  # Keras BN on both
    reference = {name: getattr(one_device, name).get_weights() for name in ("generator", "discriminator")}
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    result = {
        "replicas": mirrored.num_replicas_in_sync,
        "moved_from_initial": largest_differences({"generator": initial[0], "discriminator": initial[1]}, one_device),
        "synchronized": largest_differences(reference, trained(mirrored, True, initial, images)),
        "per_replica_batch_norm": largest_differences(reference, trained(mirrored, False, initial, images)),
        "mixed_float16_losses_finite": trained(mirrored, True, initial, images, "mixed_float16").losses_finite,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
