"""`python -m mri_gan.evaluate`: how good, how varied and how new generated images are.

For a conditional model every measure is also reported per class, and a classifier
trained on the real images says how often each class's generated images look like it.

Only gathers options; the measures are `mri_gan.evaluation.evaluate_images`.
"""

import argparse
import sys
from pathlib import Path

from mri_gan.cli import check_output_folder, command_parser, run_parsed
from mri_gan.errors import ConfigError, DataError


def parser() -> argparse.ArgumentParser:
    p = command_parser("mri_gan.evaluate", "Measure generated MR slices against real ones.")
    p.add_argument(
        "--real", type=Path, help="folder of real images not trained on (default with --model: the run's held-out ones)"
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--fake", type=Path, help="folder of generated images")
    source.add_argument("--model", type=Path, help="runs/NAME, its generator/ or best_generator/, or a .keras "
                        "generator: generates --num images")  # fmt: skip
    p.add_argument(
        "--train", type=Path, help="training images for the novelty check (default: the run's data, else --real)"
    )
    p.add_argument("--num", type=int, default=1000, help="images to generate with --model (default 1000)")
    p.add_argument("--out", type=Path, help="folder for report.json/png/html (default with a run's --model: "
                   "RUN/evaluation/GENERATOR, else ./evaluation)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--measures", type=lambda text: tuple(text.split(",")), metavar="NAMES",
                   help="only these measures, comma-separated, e.g. swd,ms_ssim,novelty (default: all)")  # fmt: skip
    p.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"),
                   help="compare two report.json files: per measure, which is better and whether beyond both "
                        "intervals (measures nothing new)")  # fmt: skip
    p.add_argument("--inception-weights", type=Path, help="InceptionV3 no-top .h5 weights (default: Keras's cache)")
    return p


def main(argv=None) -> int:
    return run_parsed(parser(), _evaluate, argv)


def _evaluate(args: argparse.Namespace) -> int | None:
    if args.compare:
        from mri_gan.evaluation.compare import compare_reports, format_comparison, load_report

        print(format_comparison(compare_reports(*map(load_report, args.compare)), tuple(map(str, args.compare))))
        return 0
    if args.model is None and args.fake is None:
        raise ConfigError("give --model (a run or generator to sample from) or --fake (a folder of generated "
                          "images), or --compare A B (two reports)")  # fmt: skip
    from mri_gan.evaluation.inputs import default_report_folder, gather_inputs
    from mri_gan.evaluation.report import format_table, write_report
    from mri_gan.evaluation.scoring import evaluate_inputs
    from mri_gan.metrics.registry import MEASURES

    unknown = sorted(set(args.measures or ()) - set(MEASURES))
    if unknown:
        raise ConfigError(f"--measures {','.join(unknown)}: no such measure; the measures are {', '.join(MEASURES)}")
    out = args.out or default_report_folder(args.model)
    check_output_folder(out)
    inputs = gather_inputs(args.real, args.fake, args.model, args.train, args.num, args.seed)
    report = evaluate_inputs(inputs, inception_weights=args.inception_weights or "imagenet", seed=args.seed,
                             measures=args.measures)  # fmt: skip
    print(format_table(report))
    try:
        path = write_report(report, inputs.real, inputs.fake, inputs.train, out)
    except OSError as error:
        raise DataError(
            f"the measures above could not be written to {out} ({error.strerror or error}); free space "
            "or give another --out"
        ) from None
    print(f"Report: {path} ({out / 'report.html'})")


if __name__ == "__main__":
    sys.exit(main())
