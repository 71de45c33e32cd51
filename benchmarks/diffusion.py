"""A diffusion model's speed: training images/s of the real `fit` path, and seconds to sample 1,000 images.

    python benchmarks/diffusion.py [--resolution 64] [--width 32] [--blocks 2] [--batch-size 32]
                                   [--precision auto] [--windows 3] [--steps 8] [--sampler-steps 10 25 50]
                                   [--num 1000] [--conditional]

Random [-1, 1] images through the same `batched` pipeline and `DiffusionModel.fit` that training
uses: one warm-up epoch, then `--windows` epochs of `--steps` steps; images/s is the median
epoch. Sampling: `--num` images from the EMA denoiser with each number of DDIM steps, in
batches of 256 as `evaluate` draws them (after one warm-up batch). A conditional model samples
with guidance 1.5, so every step runs the denoiser twice (conditional and unconditional). The
CPU model and its instruction sets come first: the figures depend on them.
"""

import argparse
import statistics
import time

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
import keras
import numpy as np
import tensorflow as tf
from train_step import WindowTimer  # this folder: the script's own, first on sys.path

from mri_gan.data.pipeline import batched
from mri_gan.diffusion import DiffusionModel
from mri_gan.models.unet import denoiser
from mri_gan.runtime.hardware import read_cpu
from mri_gan.runtime.precision import choose_precision, dtype_policy


def trained_model(args, precision: str) -> tuple[DiffusionModel, float]:
    """The model after a warm-up epoch, and its median training images/s over `args.windows` epochs."""
    keras.utils.set_random_seed(0)
    classes = 2 if args.conditional else 0
    with dtype_policy(precision):
        network = denoiser(args.resolution, args.width, args.blocks, classes)
    model = DiffusionModel(network, seed=0, ema_decay=0.999, guidance=1.5 if classes else 1.0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    count = args.steps * args.batch_size
    images = np.random.default_rng(0).uniform(-1, 1, (count, args.resolution, args.resolution, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(images)
    if classes:
        data = tf.data.Dataset.zip((data, tf.data.Dataset.from_tensor_slices(np.arange(count, dtype="int32") % 2)))
    dataset = batched(data, args.batch_size, drop_remainder=True)
    model.fit(dataset, epochs=1, verbose=0, shuffle=False)
    timer = WindowTimer()
    model.fit(dataset, epochs=args.windows, verbose=0, callbacks=[timer], shuffle=False)
    return model, args.batch_size * args.steps / statistics.median(timer.seconds)


def sampling_seconds(model: DiffusionModel, num: int, steps: int) -> float:
    """Seconds to draw `num` images with `steps` DDIM steps (a warm-up batch first, not timed)."""
    from mri_gan.diffusion.sampler import sampling_network

    sampler = sampling_network(model.ema_network, steps, model.guidance)
    compiled = tf.function(sampler, reduce_retracing=True)
    inputs = (lambda z: [z, np.arange(len(z), dtype="int32") % 2]) if model.num_classes else (lambda z: z)
    z = np.random.default_rng(1).standard_normal((num, model.latent_dim)).astype("float32")
    compiled(inputs(z[:256]))
    start = time.perf_counter()
    for first in range(0, num, 256):
        compiled(inputs(z[first : first + 256]))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8, help="training steps per timed epoch")
    parser.add_argument("--sampler-steps", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--num", type=int, default=1000, help="images sampled per timing")
    parser.add_argument("--conditional", action="store_true")
    args = parser.parse_args()
    print(f"CPU: {read_cpu().describe()}")
    precision = choose_precision(args.precision)
    print(f"precision: {precision.describe()}")
    model, speed = trained_model(args, precision.policy)
    print(f"denoiser: {args.resolution}x{args.resolution}, width {args.width}, {args.blocks} blocks per level, "
          f"{model.network.count_params():,} parameters{', conditional' if args.conditional else ''}")  # fmt: skip
    print(f"training: {speed:.1f} images/s (batch {args.batch_size}, median of {args.windows} epochs)")
    for steps in args.sampler_steps:
        seconds = sampling_seconds(model, args.num, steps)
        rate = args.num / seconds
        print(f"sampling {args.num} images with {steps} DDIM steps: {seconds:.1f} s ({rate:.1f} images/s)")


if __name__ == "__main__":
    main()
