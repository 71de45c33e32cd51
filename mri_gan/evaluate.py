"""`python -m mri_gan.evaluate`: how good, how varied and how new generated images are.

Only gathers options; the measures are `mri_gan.evaluation.evaluate_images`.
"""

import argparse
import sys
from pathlib import Path

from mri_gan.cli import configure_logging, run_command

PROG = "python -m mri_gan.evaluate"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Measure generated MR slices against real ones.")
    p.add_argument(
        "--real", required=True, type=Path, help="folder of real images (held out from training if possible)"
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--fake", type=Path, help="folder of generated images")
    source.add_argument("--model", type=Path, help="run directory (runs/NAME): generates --num images")
    p.add_argument(
        "--train", type=Path, help="training images for the novelty check (default: the run's data, else --real)"
    )
    p.add_argument("--num", type=int, default=1000, help="images to generate with --model (default 1000)")
    p.add_argument("--out", type=Path, default=Path("evaluation"), help="folder for report.json/png/html")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--inception-weights", type=Path, help="InceptionV3 no-top .h5 weights (default: Keras's cache)")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    configure_logging()

    def body():
        from mri_gan.evaluation import evaluate_images
        from mri_gan.evaluation_inputs import gather_inputs
        from mri_gan.report import format_table, write_report

        inputs = gather_inputs(args.real, args.fake, args.model, args.train, args.num, args.seed)
        report = evaluate_images(
            inputs.real, inputs.fake, inputs.train, discriminator=inputs.discriminator,
            inception_weights=args.inception_weights or "imagenet", seed=args.seed,
            real_subjects=inputs.real_subjects, train_subjects=inputs.train_subjects,
        )  # fmt: skip
        report["inputs"] = inputs.description
        path = write_report(report, inputs.real, inputs.fake, inputs.train, args.out)
        print(format_table(report))
        print(f"Report: {path} ({args.out / 'report.html'})")

    return run_command(body, PROG)


if __name__ == "__main__":
    sys.exit(main())
