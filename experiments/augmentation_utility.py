"""Do synthetic images help a tumour classifier? Real only, synthetic only, and both, on a held-out real split.

    python experiments/augmentation_utility.py --data ../shared/datasets/brain_tumor_dataset --out runs/utility

Per seed: the real images are split by image into training (70%) and test (30%) parts,
exact duplicates and slices of one subject kept on one side; a conditional GAN is
trained with `python -m mri_gan.fit --conditional` and the small-data recipe on the
training part only (so no test image is ever seen by the generator); it generates
`--synthetic-per-class` images of each class (from the final generator, or with
`--generator best_generator` the one the run's quality checks kept); the small tumour
classifier of `mri_gan.metrics.label_fidelity` is trained on (a) the real training part, (b) the
synthetic images only, (c) both; each is tested on the real test part. `utility.md` reports
accuracy, sensitivity and specificity as mean +- standard deviation over seeds, and the
per-seed difference (c) - (a), the figure that says whether synthetic images help;
`utility.jsonl` has one line per seed and setting.
"""

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SETTINGS = ("real", "synthetic", "real+synthetic")
RECIPE = Path(__file__).resolve().parent / "small_data.toml"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="image folder with yes/ and no/ (default: the built-in dataset)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--synthetic-per-class", type=int, default=200)
    p.add_argument(
        "--generator",
        choices=("generator", "best_generator"),
        default="generator",
        help="which export of each run samples the synthetic images: the final one, or the one its "
        "quality checks kept (best_generator needs --keep-best in --fit-args and quality checks on)",
    )
    p.add_argument("--fit-args", default=f"--config {shlex.quote(str(RECIPE))} --quality-every 0",
                   help="flags for mri_gan.fit: the GAN's configuration and length (--epochs)")  # fmt: skip
    return p


def split_folder(images, class_names, seed: int, out: Path) -> tuple[list, list]:
    """Link the training part's files into `out/<class>/`; return (training, test) image lists."""
    from mri_gan.data.splits import split_by_subject

    groups = [image.subject or image.sha1 for image in images]  # byte-identical files share a sha1
    train_index, test_index = split_by_subject(groups, 0.7, seed)
    train = [images[i] for i in train_index]
    for number, image in enumerate(train):
        link = out / class_names[image.label] / f"{number:05d}{image.path.suffix.lower()}"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(image.path.resolve())
    return train, [images[i] for i in test_index]


def pixels(images, resolution: int) -> np.ndarray:
    from mri_gan.data import files_dataset
    from mri_gan.sampling.latents import to_uint8

    dataset = files_dataset([image.path for image in images], resolution=resolution).batch(256)
    return np.concatenate([to_uint8(batch).numpy() for batch in dataset])


def train_gan(folder: Path, run: Path, seed: int, fit_args: str) -> None:
    if (run / "generator" / "saved_model.pb").is_file():
        return
    command = [sys.executable, "-m", "mri_gan.fit", "--data", str(folder), "--out", str(run), "--seed", str(seed),
               "--conditional", *shlex.split(fit_args)]  # fmt: skip
    with run.with_name(f"{run.name}.log").open("w") as log:  # beside the run: fit wants a new or empty --out
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    import mri_gan  # noqa: F401  (quiet TensorFlow start-up)
    from mri_gan.data import default_dataset_dir, scan_image_folder
    from mri_gan.evaluation.inputs import sampled_images
    from mri_gan.metrics.label_fidelity import binary_scores, predict_labels, train_label_classifier
    from mri_gan.runs.model_source import Sampler, model_source

    data = args.data or default_dataset_dir()
    scan = scan_image_folder(data)
    class_names = list(scan.class_names)
    positive = class_names.index("yes") if "yes" in class_names else 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "utility.jsonl").unlink(missing_ok=True)
    results = []
    started = time.perf_counter()
    for seed in args.seeds:
        train, test = split_folder(scan.images, class_names, seed, args.out / f"split-seed{seed}")
        run = args.out / f"gan-seed{seed}"
        train_gan(args.out / f"split-seed{seed}", run, seed, args.fit_args)
        sampler = Sampler(model_source(run / args.generator))
        resolution, gan_classes = sampler.resolution, sampler.classes
        real_x, real_y = pixels(train, resolution), np.asarray([image.label for image in train])
        test_x, test_y = pixels(test, resolution), np.asarray([image.label for image in test])
        synthetic = [sampled_images(sampler, args.synthetic_per_class, seed + 1000, label=index)
                     for index in range(len(gan_classes))]  # fmt: skip
        synthetic_y = np.concatenate([np.full(args.synthetic_per_class, class_names.index(name))
                                      for name in gan_classes])  # fmt: skip
        training_sets = {
            "real": (real_x, real_y),
            "synthetic": (np.concatenate(synthetic), synthetic_y),
            "real+synthetic": (np.concatenate([real_x, *synthetic]), np.concatenate([real_y, synthetic_y])),
        }
        for setting, (x, y) in training_sets.items():
            classifier = train_label_classifier(x, y, len(class_names), seed=seed)
            scores = binary_scores(test_y, predict_labels(classifier, test_x), positive)
            result = {"seed": seed, "setting": setting, "train_images": len(x), "test_images": len(test_x),
                      **scores.__dict__}  # fmt: skip
            results.append(result)
            with (args.out / "utility.jsonl").open("a") as handle:
                handle.write(json.dumps(result) + "\n")
            print(f"seed {seed} {setting}: accuracy {scores.accuracy:.3f}, sensitivity {scores.sensitivity:.3f}, "
                  f"specificity {scores.specificity:.3f}", flush=True)  # fmt: skip
    lines = ["| training images | accuracy | sensitivity | specificity | seeds |", "|---|---|---|---|---|"]
    for setting in SETTINGS:
        rows = [r for r in results if r["setting"] == setting]
        cells = [f"{np.mean([r[k] for r in rows]):.3f} ± {np.std([r[k] for r in rows]):.3f}"
                 for k in ("accuracy", "sensitivity", "specificity")]  # fmt: skip
        lines.append(f"| {setting} | {' | '.join(cells)} | {len(rows)} |")
    lines += ["", "Per-seed difference, real+synthetic minus real (mean ± standard deviation over seeds):", ""]
    for key in ("accuracy", "sensitivity", "specificity"):
        by_seed = {(r["seed"], r["setting"]): r[key] for r in results}
        gains = [by_seed[seed, "real+synthetic"] - by_seed[seed, "real"] for seed in args.seeds]
        lines.append(f"- {key}: {np.mean(gains):+.3f} ± {np.std(gains):.3f} ({', '.join(f'{g:+.3f}' for g in gains)})")
    lines.append(f"\n{time.perf_counter() - started:.0f} s; test split {len(test)} real images (last seed).")
    (args.out / "utility.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
