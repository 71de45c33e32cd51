"""Time to quality: minutes and images seen until the small-data recipe first reaches SWD <= 2x real.

    python benchmarks/time_to_quality.py                                    # the built-in set
    python benchmarks/time_to_quality.py --data ../shared/datasets/brain_tumor_dataset
    python benchmarks/time_to_quality.py --precisions float32 auto --max-minutes 20 --check-images 8000

Images per second says how fast a step is; what a researcher waits for is a generator that
is good enough. Each run trains `experiments/small_data.toml` (the recommended recipe for a
few hundred images) through `DCGAN.fit`, on the built-in dataset and on `--data` when given,
once per precision. Every `--check-images` training images it generates as many images as
the folder has and measures SWD against the real images, beside the SWD between two
halves of the real set, as `python -m mri_gan.evaluate` does (`experiments/quality_curve.py`).
The clock counts training only (the checks are excluded); the run stops at the first check
with SWD at most `--target` times the real-vs-real baseline, or after `--max-minutes` of
training. Run it alone on the machine: a second heavy job halves the figures.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
from mri_gan.config import RunConfig
from mri_gan.data import default_dataset_dir
from mri_gan.runtime.hardware import read_cpu
from mri_gan.runtime.precision import choose_precision

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
from quality_curve import train_curve  # the measured training loop of experiments/quality_curve.py

RECIPE = Path(__file__).resolve().parents[1] / "experiments" / "small_data.toml"


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
    table = [
        "| data | precision | minutes to target | images seen | SWD / real there (best seen) |",
        "|---|---|---|---|---|",
    ]
    for name, folder in datasets:
        for precision in args.precisions:
            config = RunConfig.from_toml(RECIPE)
            config.data.path, config.train.precision, config.train.seed = str(folder), precision, args.seed
            chosen = choose_precision(config.validate().train.precision)
            print(f"  {name}, precision {chosen.describe()}", flush=True)
            with tempfile.TemporaryDirectory() as scratch:
                curve = train_curve(folder, config, Path(scratch), args.check_images, 10**9, args.target,
                                    args.max_minutes * 60)  # fmt: skip
            reached = [row for row in curve.rows if row["swd_ratio"] <= args.target]
            best = min(row["swd_ratio"] for row in curve.rows)
            if reached:
                row = reached[0]
                table.append(f"| {name} | {chosen.policy} | {row['minutes']:.1f} | {row['images_seen']:,} | "
                             f"{row['swd_ratio']:.2f} |")  # fmt: skip
            else:
                table.append(f"| {name} | {chosen.policy} | not within {args.max_minutes:g} | - | ({best:.2f}) |")
    print("\n" + "\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
