"""Time to quality: minutes and images seen until the small-data recipe first reaches SWD <= 2x real.

    python benchmarks/time_to_quality.py                                    # the built-in set
    python benchmarks/time_to_quality.py --data ../shared/datasets/brain_tumor_dataset
    python benchmarks/time_to_quality.py --precisions float32 auto --max-minutes 20 --check-images 8000

Images per second says how fast a step is; what a researcher waits for is a generator that
is good enough. Each run trains `experiments/small_data.toml` (the recommended recipe for a
few hundred images) through `DCGAN.fit`, on the built-in dataset and on `--data` when given,
once per precision. Every `--check-images` training images it generates as many images as
the folder has and measures SWD against the real images, beside the SWD between two
halves of the real set, exactly as `python -m mri_gan.evaluate` does. The clock counts
training only (the checks are excluded); the run stops at the first check with SWD at most
`--target` times the real-vs-real baseline, or after `--max-minutes` of training. Run it
alone on the machine: a second heavy job halves the figures.
"""

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
import keras

from mri_gan.config import RunConfig
from mri_gan.data import default_dataset_dir, folder_dataset
from mri_gan.evaluation import compared_count, images_from_folder, real_halves
from mri_gan.hardware import read_cpu
from mri_gan.metrics.registry import MEASURES, MeasureInputs
from mri_gan.precision import choose_precision
from mri_gan.training import build_gan

RECIPE = Path(__file__).resolve().parents[1] / "experiments" / "small_data.toml"


@dataclass
class Check:
    images_seen: int
    train_seconds: float
    swd_ratio: float


@dataclass
class ClockResult:
    dataset: str
    precision: str
    checks: list[Check] = field(default_factory=list)
    reached: Check | None = None


class QualityClock(keras.callbacks.Callback):
    """Times training epochs, and every `every_epochs` measures SWD / real baseline; stops at the target."""

    def __init__(self, real, every_epochs: int, images_per_epoch: int, target: float, max_seconds: float, seed: int):
        super().__init__()
        order, self.half = real_halves(len(real), None, seed)
        self.real = real[order]
        self.every_epochs, self.images_per_epoch = every_epochs, images_per_epoch
        self.target, self.max_seconds, self.seed = target, max_seconds, seed
        self.train_seconds = 0.0
        self.checks: list[Check] = []
        self.reached: Check | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += time.perf_counter() - self.started
        if (epoch + 1) % self.every_epochs:
            return
        fake = self.model.generate(len(self.real), seed=self.seed)
        count = compared_count(len(self.real), self.half, len(fake))
        inputs = MeasureInputs(self.real, self.half, count, fake, self.real, self.seed)
        ratio = MEASURES["swd"].compute(inputs)["ratio_to_baseline"]
        check = Check((epoch + 1) * self.images_per_epoch, self.train_seconds, ratio)
        self.checks.append(check)
        print(f"    {check.images_seen:>9,} images  {check.train_seconds / 60:6.2f} min  SWD / real {ratio:.2f}",
              flush=True)  # fmt: skip
        if ratio <= self.target:
            self.reached = check
        if self.reached or self.train_seconds >= self.max_seconds:
            self.model.stop_training = True


def clock(folder: Path, name: str, precision: str, args) -> ClockResult:
    config = RunConfig.from_toml(RECIPE)
    config.data.path, config.train.precision, config.train.seed = str(folder), precision, args.seed
    config.validate()
    keras.utils.set_random_seed(args.seed)
    dataset, scan = folder_dataset(folder, resolution=config.model.resolution, batch_size=config.train.batch_size,
                                   seed=args.seed, **config.data.pipeline_options())  # fmt: skip
    real = images_from_folder(folder, config.model.resolution)
    images_per_epoch = config.data.images_per_epoch(len(scan.images))
    every = max(1, round(args.check_images / images_per_epoch))
    max_epochs = math.ceil(args.max_minutes * 60 * 2000 / images_per_epoch)  # far more than fit in the time
    timer = QualityClock(real, every, images_per_epoch, args.target, args.max_minutes * 60, args.seed)
    gan = build_gan(config)
    chosen = choose_precision(precision)
    print(f"  {name}, precision {chosen.describe()}: "
          f"a check every {every} epochs ({every * images_per_epoch:,} images)", flush=True)  # fmt: skip
    gan.fit(dataset, epochs=max_epochs, callbacks=[timer], verbose=0, shuffle=False)
    return ClockResult(name, chosen.policy, timer.checks, timer.reached)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="a folder of images, timed after the built-in set")
    parser.add_argument("--precisions", nargs="+", default=["float32", "auto"], help="default: float32 auto")
    parser.add_argument("--target", type=float, default=2.0, help="SWD / real-vs-real baseline to reach (default 2)")
    parser.add_argument("--max-minutes", type=float, default=20.0, help="training minutes per run at most")
    parser.add_argument("--check-images", type=int, default=8000, help="training images between checks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-builtin", action="store_true", help="time only --data")
    args = parser.parse_args(argv)
    print(f"CPU: {read_cpu().describe()}; recipe {RECIPE.name}; target SWD <= {args.target}x real-vs-real", flush=True)
    datasets = [] if args.skip_builtin else [("built-in", default_dataset_dir())]
    if args.data:
        datasets.append((args.data.name, args.data))
    results = [clock(folder, name, precision, args) for name, folder in datasets for precision in args.precisions]
    print("\n| data | precision | minutes to target | images seen | SWD / real at the target (best seen) |")
    print("|---|---|---|---|---|")
    for result in results:
        best = min(check.swd_ratio for check in result.checks) if result.checks else math.nan
        if result.reached:
            reached = result.reached
            print(f"| {result.dataset} | {result.precision} | {reached.train_seconds / 60:.1f} | "
                  f"{reached.images_seen:,} | {reached.swd_ratio:.2f} |")  # fmt: skip
        else:
            print(f"| {result.dataset} | {result.precision} | not within {args.max_minutes:g} | - | ({best:.2f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
