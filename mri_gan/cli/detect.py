"""`python -m mri_gan.detect`: the trained discriminator as a real/fake classifier.

Only gathers options. Writes one CSV row per image (its probability of being real) and
prints a summary; unusable files are skipped with a warning, as in training.
"""

import argparse
import csv
import sys
from pathlib import Path

from mri_gan.cli import command_parser, run_parsed


def parser() -> argparse.ArgumentParser:
    p = command_parser("mri_gan.detect", "Score images with a run's discriminator: P(real).")
    p.add_argument(
        "--model",
        required=True,
        type=Path,
        help="runs/NAME (or its generator/, best_generator/, keras/ files) or a discriminator .keras",
    )
    p.add_argument("--data", "--images", dest="data", required=True, type=Path, help="folder of images to score")
    p.add_argument("--out", type=Path, default=Path("scores.csv"), help="CSV file (default scores.csv)")
    return p


def main(argv=None) -> int:
    return run_parsed(parser(), _detect, argv)


def _detect(args: argparse.Namespace) -> int | None:
    import keras
    import numpy as np

    from mri_gan.data import files_dataset, scan_image_folder
    from mri_gan.errors import ConfigError, DataError
    from mri_gan.evaluation import discriminator_probabilities
    from mri_gan.runs.model_source import class_count, discriminator_source
    from mri_gan.sampling.latents import to_uint8

    if args.out.is_dir():
        raise ConfigError(f"--out {args.out} is a folder; give the CSV file to write, e.g. {args.out / 'scores.csv'}")
    path = discriminator_source(args.model)
    discriminator = keras.models.load_model(path)
    if discriminator.outputs[0].shape[-1] != 1 or len(discriminator.outputs[0].shape) != 2:
        raise DataError(f"--model {path} is not a discriminator (it does not output one real/fake logit).")
    resolution = int(discriminator.inputs[0].shape[1])
    scan = scan_image_folder(args.data, min_size=1)
    images = files_dataset([image.path for image in scan.images], resolution=resolution).batch(256)
    pixels = np.concatenate([to_uint8(batch).numpy() for batch in images])
    probabilities = discriminator_probabilities(discriminator, pixels, num_classes=class_count(discriminator))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "p_real"])
        for image, probability in zip(scan.images, probabilities, strict=True):
            writer.writerow([str(image.path), f"{probability:.6f}"])
    real_share = float((probabilities >= 0.5).mean())
    print(f"Scored {len(probabilities)} images ({len(scan.skipped)} skipped): mean P(real) "
          f"{probabilities.mean():.3f}, {100 * real_share:.1f}% judged real. Scores: {args.out}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
