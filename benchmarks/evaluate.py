"""Seconds each measure of `evaluate` takes on a trained run's generator against real images.

    python benchmarks/evaluate.py --model runs/NAME [--real DIR] [--num 1000] [--seed 0]

Without `--real`, the run's held-out images (fit --holdout) are the real set, as in
`evaluate`. Prints the CPU, the set sizes, then each measure's seconds, and the sum with
and without the independent judge's measures (two_sample, density_coverage). FID, KID and
FRD are left out (they need Inception weights or pyradiomics).
"""

import argparse
import time
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)
from mri_gan.evaluation.inputs import gather_inputs
from mri_gan.evaluation.scoring import evaluate_images
from mri_gan.runtime.hardware import read_cpu

MEASURES = ("swd", "ms_ssim", "spectrum", "novelty", "two_sample", "density_coverage")
JUDGE = ("two_sample", "density_coverage")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--real", type=Path)
    parser.add_argument("--num", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"CPU: {read_cpu().describe()}", flush=True)
    inputs = gather_inputs(args.real, None, args.model, None, args.num, args.seed)
    print(f"{len(inputs.real)} real, {len(inputs.fake)} generated, {len(inputs.train)} training images", flush=True)
    seconds = {}
    for name in MEASURES:
        start = time.perf_counter()
        evaluate_images(inputs.real, inputs.fake, inputs.train, seed=args.seed, measures=(name,))
        seconds[name] = time.perf_counter() - start
        print(f"{name:<20} {seconds[name]:7.1f} s", flush=True)
    judge = sum(seconds[name] for name in JUDGE)
    print(
        f"{'all':<20} {sum(seconds.values()):7.1f} s ({sum(seconds.values()) - judge:.1f} s without "
        f"{' and '.join(JUDGE)})"
    )


if __name__ == "__main__":
    main()
