"""`python -m mri_gan.utility`: do a generator's slices help a tumour classifier? Paired differences to real only.

Only gathers options; the study is `mri_gan.downstream`.
"""

import argparse
import logging
import sys
import time
from pathlib import Path

from mri_gan.cli import check_output_folder, command_parser, run_parsed
from mri_gan.errors import ConfigError, DataError

logger = logging.getLogger("mri_gan.utility")


def parser() -> argparse.ArgumentParser:
    p = command_parser("mri_gan.utility", "Ask whether synthetic slices make a tumour classifier better: each way "
                       "of adding them against real images alone, over repeated subject-disjoint folds.")  # fmt: skip
    p.add_argument("--data", type=Path, help="labelled real slices, one subfolder per class, e.g. yes/ and no/ "
                   "(default: the slices the --model run held out with fit --holdout, which its generator never "
                   "saw; else the built-in dataset)")  # fmt: skip
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", type=Path, help="a conditional generator: runs/NAME, its generator/ or "
                        "best_generator/, or a .keras generator")  # fmt: skip
    source.add_argument("--synthetic", type=Path, help="a folder of synthetic slices, one subfolder per class")
    p.add_argument("--out", type=Path, required=True, help="folder for report.json, differences.png, report.html")
    p.add_argument("--folds", type=int, default=5, help="folds per repeat (default 5)")
    p.add_argument("--repeats", type=int, default=3, help="shufflings of the folds (default 3)")
    p.add_argument("--arms", default="mixed,pretrain,filtered",
                   help="ways of adding synthetic images, comma-separated from mixed, pretrain, filtered; real only "
                        "always runs as the baseline (default: all)")  # fmt: skip
    p.add_argument("--shares", default="0.1,0.25,0.5,1,2",
                   help="synthetic images per real one for the mixed arms (default 0.1,0.25,0.5,1,2)")  # fmt: skip
    p.add_argument("--classifier", default="cnn,resnet", help="classifiers, comma-separated from cnn, resnet "
                   "(default: both)")  # fmt: skip
    p.add_argument("--steps", type=int, default=300, help="optimizer steps of every arm's classifier (default 300: "
                   "about 47 epochs of 200 real slices)")  # fmt: skip
    p.add_argument("--positive", help="the class sensitivity is measured for (default: yes, else the second class)")
    p.add_argument("--resolution", type=int, default=64, help="image side with --synthetic (default 64; a "
                   "generator's own resolution otherwise)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dry-run", action="store_true", help="time a few steps here and print how long the study "
                   "would take, then stop")  # fmt: skip
    return p


def main(argv=None) -> int:
    return run_parsed(parser(), _utility, argv)


def _utility(args: argparse.Namespace) -> int | None:
    from mri_gan.downstream.arms import arms_from_flags
    from mri_gan.downstream.classifiers import classifier_names

    arms = arms_from_flags(args.arms, args.shares)
    classifiers = classifier_names(args.classifier)
    if args.steps < 2:
        raise ConfigError(f"--steps must be at least 2, got {args.steps}")
    if not 0 <= args.seed < 2**31:
        raise ConfigError(f"--seed must be a whole number from 0 to 2**31 - 1, got {args.seed}")
    check_output_folder(args.out)
    from mri_gan.data import default_dataset_dir
    from mri_gan.downstream.folds import check_fold_count
    from mri_gan.downstream.protocol import LabelledSlices, estimate_seconds, study
    from mri_gan.downstream.synthetic import FolderSynthetic, GeneratorSynthetic

    generator = GeneratorSynthetic(args.model) if args.model else None
    held_out = generator.held_out() if generator and args.data is None else None
    if held_out is not None:
        data, data_name = held_out, f"the {len(held_out.images)} slices {args.model} held out from training"
    else:
        data = args.data or default_dataset_dir()
        data_name = str(args.data) if args.data else "the built-in dataset"
    resolution = generator.resolution if generator else args.resolution
    slices = LabelledSlices.from_folder(data, resolution, args.positive, data_name)
    if generator:
        generator.match_classes(slices.class_names)
    synthetic = generator or FolderSynthetic(args.synthetic, slices.class_names, resolution)
    check_fold_count(slices.groups, slices.labels, args.folds, args.repeats)
    seconds = estimate_seconds(slices, arms, classifiers, args.folds, args.repeats, args.steps, args.seed)
    print(f"{len(slices.images)} real slices ({', '.join(slices.class_names)}; {data_name}), {len(arms)} arms "
          f"({', '.join(arm.name for arm in arms)}) x {len(classifiers)} classifiers x {args.repeats} repeats x "
          f"{args.folds} folds, {args.steps} steps each: about {seconds / 60:.0f} min here")  # fmt: skip
    overlap = _overlap(synthetic, slices)
    if overlap["warning"]:
        logger.warning(overlap["warning"])
    if args.dry_run:
        return 0
    started = time.perf_counter()
    rows = study(slices, synthetic, arms, classifiers, args.folds, args.repeats, args.steps, args.seed,
                 _progress(args, len(arms), classifiers))  # fmt: skip
    report = _report(args, data_name, slices, synthetic, arms, classifiers, rows, overlap,
                     time.perf_counter() - started)  # fmt: skip
    from mri_gan.downstream.report import headline, table_lines, write_utility_report

    print("\n".join(table_lines(report)))
    print("\n" + "\n".join(headline(report)))
    try:
        path = write_utility_report(report, args.out)
    except OSError as error:
        raise DataError(f"the study above could not be written to {args.out} ({error.strerror or error}); free "
                        "space or give another --out") from None  # fmt: skip
    print(f"Report: {path} ({args.out / 'report.html'})")


def _overlap(synthetic, slices) -> dict:
    from mri_gan.downstream.protocol import trained_on_test

    count, known = trained_on_test(synthetic, slices)
    warning = None
    if count:
        warning = (f"The generator trained on {count} of the {len(slices.images)} real slices the folds test on: its "
                   "images can carry test slices into training and flatter every synthetic arm. For an unflattered "
                   "answer, give a generator trained on other scans than --data, or one trained with fit --holdout "
                   "and leave out --data: the study then tests on the slices its run held out.")  # fmt: skip
    elif not known:
        warning = (f"What {synthetic.describe()} was trained on is not recorded; if it saw the slices of --data, "
                   "every synthetic arm is flattered.")  # fmt: skip
    return {"trained_on_test": count, "known": known, "warning": warning}


def _progress(args, arms: int, classifiers: list[str]):
    total = args.folds * args.repeats

    def report_fold(fold, rows, seconds):
        done = fold.repeat * args.folds + fold.fold + 1
        parts = []
        for name in classifiers:
            mine = {row["arm"]: row["accuracy"] for row in rows if row["classifier"] == name}
            real = mine.pop("real")
            gains = ", ".join(f"{arm} {value - real:+.3f}" for arm, value in mine.items())
            parts.append(f"{name}: real {real:.3f}, {gains}")
        left = seconds / done * (total - done)
        print(f"repeat {fold.repeat + 1}/{args.repeats} fold {fold.fold + 1}/{args.folds} accuracy: "
              f"{'; '.join(parts)} ({seconds / 60:.1f} min, about {left / 60:.0f} min left)", flush=True)  # fmt: skip

    return report_fold


def _report(args, data_name, slices, synthetic, arms, classifiers, rows, overlap, seconds) -> dict:
    from collections import Counter

    from mri_gan.downstream.statistics import arm_table

    counts = Counter(slices.labels.tolist())
    return {
        "settings": {
            "data": data_name,
            "synthetic": synthetic.describe(),
            "classes": {name: counts[index] for index, name in enumerate(slices.class_names)},
            "positive": slices.class_names[slices.positive],
            "resolution": int(slices.images.shape[1]),
            "folds": args.folds,
            "repeats": args.repeats,
            "steps": args.steps,
            "seed": args.seed,
            "arms": [arm.name for arm in arms],
            "classifiers": classifiers,
            "seconds": round(seconds, 1),
        },
        "overlap": overlap,
        "arms": arm_table(rows, classifiers, [arm.name for arm in arms], args.seed),
        "per_fold": rows,
    }


if __name__ == "__main__":
    sys.exit(main())
