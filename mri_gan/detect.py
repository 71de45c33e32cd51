"""`python -m mri_gan.detect`: the trained discriminator as a real/fake classifier.

Only gathers options. Writes one CSV row per image (its probability of being real) and
prints a summary; unusable files are skipped with a warning, as in training.
"""

import argparse
import csv
import sys
from pathlib import Path

from mri_gan.cli import command_parser, configure_logging, run_command


def parser() -> argparse.ArgumentParser:
    p = command_parser("mri_gan.detect", "Score images with a run's discriminator: P(real).")
    p.add_argument("--model", required=True, type=Path, help="run directory (runs/NAME)")
    p.add_argument("--images", required=True, type=Path, help="folder of images to score")
    p.add_argument("--out", type=Path, default=Path("scores.csv"), help="CSV file (default scores.csv)")
    return p


def main(argv=None) -> int:
    command = parser()
    args = command.parse_args(argv)
    configure_logging()

    def body():
        import keras
        import numpy as np

        from mri_gan.data import files_dataset, scan_image_folder
        from mri_gan.errors import DataNotFoundError
        from mri_gan.evaluation import discriminator_probabilities
        from mri_gan.export import read_export_info
        from mri_gan.run_directory import RunDirectory
        from mri_gan.sampling import to_uint8

        run = RunDirectory(args.model)
        path = run.keras_models / "discriminator.keras"
        if not path.is_file():
            raise DataNotFoundError(f"--model {args.model} has no discriminator ({path}); give a run directory")
        discriminator = keras.models.load_model(path)
        resolution = int(discriminator.inputs[0].shape[1])
        scan = scan_image_folder(args.images, min_size=1)
        images = files_dataset([image.path for image in scan.images], resolution=resolution).batch(256)
        pixels = np.concatenate([to_uint8(batch).numpy() for batch in images])
        classes = read_export_info(run.generator).get("classes") or ()
        probabilities = discriminator_probabilities(discriminator, pixels, num_classes=len(classes))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "p_real"])
            for image, probability in zip(scan.images, probabilities, strict=True):
                writer.writerow([str(image.path), f"{probability:.6f}"])
        real_share = float((probabilities >= 0.5).mean())
        print(f"Scored {len(probabilities)} images ({len(scan.skipped)} skipped): mean P(real) "
              f"{probabilities.mean():.3f}, {100 * real_share:.1f}% judged real. Scores: {args.out}")  # fmt: skip

    return run_command(body, command.prog)


if __name__ == "__main__":
    sys.exit(main())
