"""Training throughput of the real DCGAN `fit` path, FLOP use, memory, and the PyTorch reference.

    python benchmarks/train_step.py [--resolutions 64 32 128] [--batch-size 128] [--width 64]
                                    [--precision float32|mixed_bfloat16] [--windows 5] [--steps 6]

For each resolution: random [-1, 1] images (training step only, no decoding), a warm-up
epoch, then `--windows` timed epochs of `--steps` steps; images/s is the median window.
FLOPs per image come from the layer shapes; the ceiling is TensorFlow's float32
4096x4096 matmul measured in the same process. When torch is installed
(`pip install torch==2.13.0`), ../shared/bench/peer_torch_dcgan.py runs right after, at
64x64 and the same batch, and the ratio is printed.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings, e.g. oneDNN, apply only before TF is imported)

# isort: split
import keras
import numpy as np
import tensorflow as tf

from mri_gan.gan import DCGAN
from mri_gan.models import build_discriminator, build_generator

PEER = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "peer_torch_dcgan.py"


def forward_flops(model: keras.Model) -> int:
    """Multiply-adds x2 of the convolutions and dense layers of one image's forward pass."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):
            _, height, width, channels_in = layer.input.shape
            k = layer.kernel_size
            total += 2 * k[0] * k[1] * channels_in * layer.filters * height * width
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            k = layer.kernel_size
            total += 2 * k[0] * k[1] * layer.input.shape[-1] * layer.filters * height * width
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def matmul_peak_gflops(size: int = 4096, repeats: int = 5) -> float:
    a, b = tf.random.normal((size, size)), tf.random.normal((size, size))
    product = tf.function(tf.matmul)
    product(a, b).numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        result = product(a, b)
    result.numpy()
    return 2 * size**3 * repeats / (time.perf_counter() - start) / 1e9


class WindowTimer(keras.callbacks.Callback):
    """Seconds of each epoch (a timed window of steps)."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def measure(resolution: int, width: int, batch: int, windows: int, steps: int) -> dict:
    keras.utils.set_random_seed(0)
    gan = DCGAN(build_generator(resolution, 100, width), build_discriminator(resolution, width), seed=0)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    images = np.random.default_rng(0).uniform(-1, 1, (4 * batch, resolution, resolution, 1)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(batch, drop_remainder=True).repeat()
    gan.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
    timer = WindowTimer()
    gan.fit(dataset, epochs=windows, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    g_flops, d_flops = forward_flops(gan.generator), forward_flops(gan.discriminator)
    return {
        "resolution": resolution,
        "images_per_s": batch * steps / statistics.median(timer.seconds),
        "g_forward_mflop": g_flops / 1e6,
        "d_forward_mflop": d_flops / 1e6,
        # our step: G forward + backward (3 G), D forward x3 + backward of the D step (2 x 2 D)
        # + input gradients through D for the G step (1 D) = 3 G + 8 D
        "step_gflop_per_image": (3 * g_flops + 8 * d_flops) / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def peer(batch: int) -> dict | None:
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    output = subprocess.run([sys.executable, str(PEER), "--batch", str(batch), "--steps", "20"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolutions", type=int, nargs="+", default=[64, 32, 128])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--precision", default="float32", choices=("float32", "mixed_bfloat16", "mixed_float16"))
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    keras.mixed_precision.set_dtype_policy(args.precision)
    peak = matmul_peak_gflops()
    print(f"float32 4096x4096 matmul: {peak:.0f} GFLOP/s; precision {args.precision}, batch {args.batch_size}")
    ours = {}
    for resolution in args.resolutions:
        row = measure(resolution, args.width, args.batch_size, args.windows, args.steps)
        ours[resolution] = row
        ceiling = peak / row["step_gflop_per_image"]
        print(f"{resolution:>4} px: {row['images_per_s']:7.1f} images/s  "
              f"({row['step_gflop_per_image']:.2f} GFLOP/image; float32 ceiling {ceiling:.0f} images/s, "
              f"{100 * row['images_per_s'] / ceiling:.0f}% of it)  peak RSS {row['peak_rss_mb']:.0f} MB")  # fmt: skip
    reference = peer(args.batch_size) if 64 in ours else None
    if reference:
        ratio = ours[64]["images_per_s"] / reference["images_per_sec"]
        print(f"PyTorch reference (torch {reference['torch']}, 64 px): {reference['images_per_sec']:.1f} images/s; "
              f"ours / reference = {ratio:.2f}")  # fmt: skip
    else:
        print("PyTorch reference not run (torch not installed, or 64 px not measured)")


if __name__ == "__main__":
    main()
