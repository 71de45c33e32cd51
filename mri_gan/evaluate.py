"""`python -m mri_gan.evaluate`: how good, how varied and how new generated images are.

For a conditional model every measure is also reported per class, and a classifier
trained on the real images says how often each class's generated images look like it.

Only gathers options; the measures are `mri_gan.evaluation.evaluate_images`.
"""

import argparse
import sys
from pathlib import Path

from mri_gan.cli import check_output_folder, command_parser, configure_logging, run_command


def parser() -> argparse.ArgumentParser:
    p = command_parser("mri_gan.evaluate", "Measure generated MR slices against real ones.")
    p.add_argument(
        "--real", type=Path, help="folder of real images not trained on (default with --model: the run's held-out ones)"
    )
    source = p.add_mutually_exclusive_group(required=True)
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
    p.add_argument("--inception-weights", type=Path, help="InceptionV3 no-top .h5 weights (default: Keras's cache)")
    return p


def main(argv=None) -> int:
    command = parser()
    args = command.parse_args(argv)
    configure_logging()

    def body():
        from mri_gan.evaluation import evaluate_images, evaluate_per_class
        from mri_gan.evaluation.inputs import default_report_folder, gather_inputs
        from mri_gan.evaluation.report import format_table, write_report
        from mri_gan.label_classifier import label_fidelity

        out = args.out or default_report_folder(args.model)
        check_output_folder(out)
        inputs = gather_inputs(args.real, args.fake, args.model, args.train, args.num, args.seed)
        measures = {"inception_weights": args.inception_weights or "imagenet", "seed": args.seed,
                    "real_subjects": inputs.real_subjects, "train_subjects": inputs.train_subjects}  # fmt: skip
        labels = {"real_labels": inputs.real_labels, "fake_labels": inputs.fake_labels}
        report = evaluate_images(inputs.real, inputs.fake, inputs.train, discriminator=inputs.discriminator,
                                 **labels, **measures)  # fmt: skip
        if inputs.class_names:
            report["per_class"] = evaluate_per_class(inputs.real, inputs.real_labels, inputs.fake, inputs.fake_labels,
                                                     inputs.train, inputs.class_names, **measures)  # fmt: skip
            generated = {index: inputs.fake[inputs.fake_labels == index] for index in range(len(inputs.class_names))}
            report["label_fidelity"] = label_fidelity(inputs.real, inputs.real_labels, generated, inputs.class_names,
                                                      inputs.real_subjects, args.seed)  # fmt: skip
        report["inputs"] = inputs.description
        path = write_report(report, inputs.real, inputs.fake, inputs.train, out)
        print(format_table(report))
        print(f"Report: {path} ({out / 'report.html'})")

    return run_command(body, command.prog)


if __name__ == "__main__":
    sys.exit(main())
