"""Training throughput of the real GAN `fit` path, FLOP use, memory, and the PyTorch reference DCGAN.

    python benchmarks/train_step.py [--resolutions 64 32 128] [--precisions float32 auto]
                                    [--batch-size 128] [--width 64] [--windows 5] [--steps 6] [--rounds 2]
                                    [--jit-compile {auto,on,off}] [--architecture {dcgan,resnet,stylegan2}]
                                    [--latent-dim N]
                                    [--augment POLICY] [--r1-gamma G] [--r1-interval N]

Each configuration runs in its own process (so its peak resident memory is its own):
random [-1, 1] images through the same `batched` pipeline and `DCGAN.fit` that training
uses, one warm-up epoch, then `--windows` epochs of `--steps` steps; images/s is the
median epoch. FLOPs per image come from the layer shapes; the ceiling is TensorFlow's
float32 4096x4096 matmul (best of several timings). When torch is installed
(`pip install torch==2.13.0`), ../shared/bench/peer_torch_dcgan.py runs back to back
with our 64x64 configuration in float32 and in the default precision (auto), `--rounds`
times, in float32 and, on CPUs with AVX-512 BF16 or AMX, under bfloat16 autocast; the
ratios of the medians are printed. The CPU model and its instruction sets come first.

`--augment`, `--r1-gamma` and `--r1-interval` add the small-data recipe's parts to our step
(as `fit` takes them; ADA's and APA's p are set to 0.5 after the warm-up, so every operation
runs), to show what each costs, e.g. `--resolutions 64 --precisions auto --batch-size 32
--width 32 --augment ada --r1-gamma 0.05 --r1-interval 16 --rounds 0` for the recipe's step.
The FLOPs per image count the plain step only, and the reference comparison is skipped then.
`--architecture stylegan2 --latent-dim 128 --width 32 --batch-size 32` times another
architecture's step (StyleGAN2's recipe: add `--augment ada --r1-gamma 0.0256 --r1-interval 16`);
the reference comparison is for the DCGAN only. A diffusion model's training and sampling speed:
benchmarks/diffusion.py.
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

from mri_gan.config import JIT_COMPILE
from mri_gan.data.pipeline import batched
from mri_gan.gan.augment import parse_policy
from mri_gan.gan.losses import AdversarialLoss
from mri_gan.gan.model import GAN
from mri_gan.models import ARCHITECTURES, architecture
from mri_gan.runtime.hardware import read_cpu
from mri_gan.runtime.precision import choose_precision, dtype_policy

GAN_ARCHITECTURES = tuple(name for name, entry in ARCHITECTURES.items() if entry.family == "gan")  # ddim: diffusion.py
PEER = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "peer_torch_dcgan.py"


def forward_flops(model: keras.Model) -> int:
    """Multiply-adds x2 of the convolutions and dense layers (StyleGAN2's modulated ones too) of one image's
    forward pass, from their kernels' shapes."""
    total = 0
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        multiplies = int(np.prod(kernel.shape))
        if isinstance(layer, keras.layers.Conv2DTranspose):
            total += 2 * multiplies * layer.input.shape[1] * layer.input.shape[2]
        elif len(kernel.shape) == 4:
            total += 2 * multiplies * layer.output.shape[1] * layer.output.shape[2]
        else:
            total += 2 * multiplies
    return total


def matmul_peak_gflops(size: int = 4096, repeats: int = 3, timings: int = 5) -> float:
    """The best of several timings: the machine's float32 matmul rate when nothing disturbs it."""
    a, b = tf.random.normal((size, size)), tf.random.normal((size, size))
    product = tf.function(tf.matmul)
    product(a, b).numpy()
    best = 0.0
    for _ in range(timings):
        start = time.perf_counter()
        for _ in range(repeats):
            result = product(a, b)
        result.numpy()
        best = max(best, 2 * size**3 * repeats / (time.perf_counter() - start) / 1e9)
    return best


class WindowTimer(keras.callbacks.Callback):
    """Seconds of each epoch (a timed window of steps)."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def warmed_up_gan(resolution: int, width: int, batch: int, steps: int, precision: str, jit_compile: str = "auto",
                  networks: str = "dcgan", latent_dim: int = 100, **recipe):  # fmt: skip
    """The GAN of architecture `networks` (the paper's DCGAN by default) in `precision` (with `recipe`'s GAN
    options, e.g. r1_gamma) and an epoch of `steps` random batches, after one warm-up epoch; adaptive
    augmentation probabilities are then set to 0.5."""
    keras.utils.set_random_seed(0)
    chosen = architecture(networks)
    with dtype_policy(precision):
        gan = GAN(chosen.build_generator(resolution, latent_dim, width), chosen.build_discriminator(resolution, width),
                  seed=0, **recipe)  # fmt: skip
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
                jit_compile=JIT_COMPILE[jit_compile])  # fmt: skip
    images = np.random.default_rng(0).uniform(-1, 1, (steps * batch, resolution, resolution, 1)).astype("float32")
    dataset = batched(tf.data.Dataset.from_tensor_slices(images), batch, drop_remainder=True)
    gan.fit(dataset, epochs=1, verbose=0)
    for controller in (gan.ada, gan.apa):
        if controller is not None:
            controller.p.assign(0.5)
    return gan, dataset


def measure(resolution: int, width: int, batch: int, windows: int, steps: int, precision: str,
            jit_compile: str = "auto", **recipe) -> dict:  # fmt: skip
    """images/s of `fit` on one configuration, with its FLOPs and this process's peak memory."""
    gan, dataset = warmed_up_gan(resolution, width, batch, steps, precision, jit_compile, **recipe)
    timer = WindowTimer()
    history = gan.fit(dataset, epochs=windows, verbose=0, callbacks=[timer])
    g_flops, d_flops = forward_flops(gan.generator), forward_flops(gan.discriminator)
    return {
        "resolution": resolution,
        "precision": precision,
        "images_per_s": batch * steps / statistics.median(timer.seconds),
        "losses_finite": bool(np.all(np.isfinite(history.history["d_loss"] + history.history["g_loss"]))),
        # our step: G forward + backward (3 G), D forward x3 + backward of the D step (2 x 2 D)
        # + input gradients through D for the G step (1 D) = 3 G + 8 D
        "step_gflop_per_image": (3 * g_flops + 8 * d_flops) / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_subprocess(*args: str) -> dict:
    output = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def peer(batch: int, bfloat16: bool) -> dict | None:
    """The PyTorch reference's figures (under bfloat16 autocast with `bfloat16`), or None without torch."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    return in_subprocess(str(PEER), "--batch", str(batch), "--steps", "20", *(["--bf16"] if bfloat16 else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolutions", type=int, nargs="+", default=[64, 32, 128])
    parser.add_argument("--precisions", nargs="+", default=["float32", "auto"],
                        choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"))  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2, help="back-to-back rounds of ours and the reference")
    parser.add_argument("--jit-compile", choices=tuple(JIT_COMPILE), default="auto",
                        help="XLA for our step, as fit --jit-compile (auto: on GPUs only)")  # fmt: skip
    parser.add_argument("--architecture", choices=GAN_ARCHITECTURES, default="dcgan",
                        help="the networks, as fit --architecture")  # fmt: skip
    parser.add_argument("--latent-dim", type=int, default=100, help="length of z, as fit --latent-dim")
    parser.add_argument("--augment", default="", help="augmentation policy, as fit --augment (e.g. ada)")
    parser.add_argument("--r1-gamma", type=float, default=0.0, help="R1 penalty weight, as fit --r1-gamma")
    parser.add_argument("--r1-interval", type=int, default=1, help="R1 every N-th step, as fit --r1-interval")
    parser.add_argument("--one", metavar="RESOLUTION:PRECISION", help=argparse.SUPPRESS)
    args = parser.parse_args()
    recipe = {"augment": args.augment, "r1_gamma": args.r1_gamma, "r1_interval": args.r1_interval,
              "networks": args.architecture, "latent_dim": args.latent_dim}  # fmt: skip
    try:
        parse_policy(args.augment)
        AdversarialLoss(r1_gamma=args.r1_gamma, r1_interval=args.r1_interval)
    except ValueError as error:
        parser.error(str(error))
    if args.one:
        resolution, precision = args.one.split(":")
        print(json.dumps(measure(int(resolution), args.width, args.batch_size, args.windows, args.steps, precision,
                                 args.jit_compile, **recipe)))  # fmt: skip
        return

    def ours(resolution: int, precision: str) -> dict:
        sizes = ("--batch-size", str(args.batch_size), "--width", str(args.width), "--architecture", args.architecture,
                 "--latent-dim", str(args.latent_dim))  # fmt: skip
        timing = ("--windows", str(args.windows), "--steps", str(args.steps), "--jit-compile", args.jit_compile)
        parts = ("--augment", args.augment, "--r1-gamma", str(args.r1_gamma), "--r1-interval", str(args.r1_interval))
        return in_subprocess(__file__, "--one", f"{resolution}:{precision}", *sizes, *timing, *parts)

    cpu = read_cpu()
    print(f"CPU: {cpu.describe()}")
    print(f"precision auto here: {choose_precision('auto').describe()}")
    peak = matmul_peak_gflops()
    print(
        f"float32 4096x4096 matmul: {peak:.0f} GFLOP/s; batch {args.batch_size}, width {args.width}; "
        f"augment {args.augment or 'none'}, R1 gamma {args.r1_gamma:g} every {args.r1_interval} step(s)"
    )
    for precision in args.precisions:
        for resolution in args.resolutions:
            row = ours(resolution, precision)
            ceiling = peak / row["step_gflop_per_image"]
            print(f"{resolution:>4} px {precision:>14}: {row['images_per_s']:7.1f} images/s  "
                  f"({row['step_gflop_per_image']:.2f} GFLOP/image; float32 ceiling {ceiling:.0f} images/s, "
                  f"{100 * row['images_per_s'] / ceiling:.0f}% of it)  peak RSS {row['peak_rss_mb']:.0f} MB"
                  f"{'' if row['losses_finite'] else '  NON-FINITE LOSSES'}", flush=True)  # fmt: skip
    if 64 in args.resolutions and args.rounds:
        if args.augment or args.r1_gamma or args.architecture != "dcgan":
            print("no comparison with the PyTorch reference: it runs the plain DCGAN step, without augmentation or R1")
            return
        compare_with_reference(ours, args, cpu.bfloat16_unit is not None)


def compare_with_reference(ours, args, bfloat16_hardware: bool) -> None:
    """Rounds of ours (float32 and the default, auto) and the reference (float32 and bfloat16), back to back."""
    figures: dict[str, list[float]] = {"ours float32": [], "ours auto": [], "reference float32": []}
    if bfloat16_hardware:
        figures["reference bfloat16 autocast"] = []
    for round_index in range(args.rounds):
        figures["ours float32"].append(ours(64, "float32")["images_per_s"])
        figures["ours auto"].append(ours(64, "auto")["images_per_s"])
        for name, bfloat16 in (("reference float32", False), ("reference bfloat16 autocast", True)):
            if name not in figures:
                continue
            reference = peer(args.batch_size, bfloat16)
            if reference is None:
                print("PyTorch reference not run: torch is not installed (pip install torch==2.13.0)")
                return
            figures[name].append(reference["images_per_sec"])
        print(f"round {round_index + 1}: " + ", ".join(f"{name} {values[-1]:.1f}" for name, values in figures.items())
              + " images/s", flush=True)  # fmt: skip
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(f"64 px, medians over {args.rounds} back-to-back rounds:")
    print(f"  ours float32 / reference float32 = {median['ours float32'] / median['reference float32']:.2f}")
    print(f"  ours auto (the default) / reference float32 = {median['ours auto'] / median['reference float32']:.2f}"
          f"  (target on bfloat16 CPUs: 2.5)")  # fmt: skip
    if bfloat16_hardware:
        ratio = median["ours auto"] / median["reference bfloat16 autocast"]
        print(f"  ours auto / reference bfloat16 autocast = {ratio:.2f}  (target: 1.5)")
    else:
        print("  no AVX-512 BF16 or AMX here: bfloat16 is emulated, the bfloat16 targets do not apply on this CPU")


if __name__ == "__main__":
    main()
