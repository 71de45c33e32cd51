"""What the matrix-product kernel gradient of `mri_gan/strided_conv.py` buys on this machine.

    python benchmarks/strided_conv.py [--rounds 6] [--steps 6]

1. Per layer shape of the 64x64 DCGAN (batch 128): milliseconds of oneDNN's kernel
   gradient (`conv2d_backprop_filter`) and of `kernel_gradient`, median of timings.
2. The training step with Keras's convolution layers and with ours, alternating epochs of
   `--steps` steps in one process (so both see the same machine load), median images/s.
"""

import argparse
import contextlib
import statistics
import time

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
import keras
import numpy as np
import tensorflow as tf

from mri_gan import models
from mri_gan.data.pipeline import batched
from mri_gan.gan.model import GAN
from mri_gan.models.strided_conv import kernel_gradient
from mri_gan.runtime.hardware import read_cpu

BATCH = 128
SHAPES = ((64, 1, 64), (32, 64, 128), (16, 128, 256), (8, 256, 512))  # input size, channels in, channels out


def median_ms(function, *args, timings: int = 15) -> float:
    function(*args).numpy()
    times = []
    for _ in range(timings):
        start = time.perf_counter()
        function(*args).numpy()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def kernel_gradient_table() -> None:
    print("kernel gradient, batch 128     oneDNN   matrix products")
    for size, channels_in, channels_out in SHAPES:
        inputs = tf.random.normal((BATCH, size, size, channels_in))
        output_gradient = tf.random.normal((BATCH, size // 2, size // 2, channels_out))
        shape = [4, 4, channels_in, channels_out]
        onednn = tf.function(
            lambda x, dy, shape=shape: tf.compat.v1.nn.conv2d_backprop_filter(x, shape, dy, [1, 2, 2, 1], "SAME")
        )
        ours = tf.function(kernel_gradient)
        times = median_ms(onednn, inputs, output_gradient), median_ms(ours, inputs, output_gradient)
        name = f"{size}x{size} {channels_in} -> {channels_out} to {size // 2}x{size // 2}"
        print(f"{name:>28}: {times[0]:7.1f} ms {times[1]:9.1f} ms", flush=True)


@contextlib.contextmanager
def keras_convolutions():
    """Build the networks with Keras's own Conv2D / Conv2DTranspose."""
    saved = models.StridedConv2D, models.StridedConv2DTranspose
    models.StridedConv2D, models.StridedConv2DTranspose = keras.layers.Conv2D, keras.layers.Conv2DTranspose
    try:
        yield
    finally:
        models.StridedConv2D, models.StridedConv2DTranspose = saved


def paper_gan() -> GAN:
    keras.utils.set_random_seed(0)
    gan = GAN(models.build_generator(64, 100, 64), models.build_discriminator(64, 64), seed=0)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan


def step_comparison(rounds: int, steps: int) -> None:
    with keras_convolutions():
        plain = paper_gan()
    gans = {"Keras's convolutions": plain, "mri_gan.models.strided_conv": paper_gan()}
    images = np.random.default_rng(0).uniform(-1, 1, (steps * BATCH, 64, 64, 1)).astype("float32")
    dataset = batched(tf.data.Dataset.from_tensor_slices(images), BATCH, drop_remainder=True)
    for gan in gans.values():
        gan.fit(dataset, epochs=1, verbose=0)
    rates = {name: [] for name in gans}
    for _ in range(rounds):
        for name, gan in gans.items():
            start = time.perf_counter()
            gan.fit(dataset, epochs=1, verbose=0)
            rates[name].append(steps * BATCH / (time.perf_counter() - start))
    for name, values in rates.items():
        print(f"64x64 step, {name:>22}: {statistics.median(values):6.1f} images/s (median of {rounds})", flush=True)
    baseline, ours = (statistics.median(values) for values in rates.values())
    print(f"speed-up: {ours / baseline:.3f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6, help="alternating epochs per model")
    parser.add_argument("--steps", type=int, default=6, help="training steps per epoch")
    args = parser.parse_args()
    print(f"CPU: {read_cpu().describe()}", flush=True)
    kernel_gradient_table()
    step_comparison(args.rounds, args.steps)


if __name__ == "__main__":
    main()
