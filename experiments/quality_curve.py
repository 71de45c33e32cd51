"""Quality against compute: one configuration trained and judged every K training images.

    python experiments/quality_curve.py --data ../shared/datasets/brain_tumor_dataset --out runs/curves/paper \
        --config experiments/paper.toml --images 1000000
    python experiments/quality_curve.py --data ../shared/datasets/brain_tumor_dataset --out runs/curves/small \
        --config experiments/small_data.toml --images 1000000 --every 50000 -- --augment ada --mirror

Trains through `DCGAN.fit` with the configuration (`--config`, then any `fit` flags after
`--`). Every `--every` training images it generates as many images as the folder has and
measures them as `python -m mri_gan.evaluate` does: SWD over the real-vs-real baseline,
MS-SSIM inside the generated set over the real set's, possible copies, and the
discriminator's ROC AUC on real vs generated images (0.5: it cannot tell them apart). The
clock counts training only. With `-- --holdout FRACTION` that share of the folder is kept
out of training (listed in `OUT/holdout.json`) and the discriminator's ROC AUC is also
measured on those held-out images against generated ones, the honest form of that signal;
the other measures stay against the training images. Writes `curve.csv` (images seen,
minutes, the measures, ADA's and APA's p) and `curve.png`, plus a grid of the final generator's
images beside real ones and the final generator as `generator.keras`, which `python -m
mri_gan.evaluate --model OUT/generator.keras` measures in full. `--keep-generators` also keeps
the generator of every check (`generator_IMAGES.keras`), for measuring the curve afterwards
with other tools (e.g. `experiments/phantom_coverage.py` on the built-in set).

The whole training state is checkpointed at every check (`OUT/checkpoints`), so a curve can
be carried further: the same command with a larger `--images` and `--resume` continues from
the last check (networks, optimizers, ADA's p, the training clock; the data order starts its
sequence afresh) and appends to `curve.csv`; a `--lr-decay` schedule then runs to the new
end. The arguments a curve started with are kept in `OUT/curve_arguments.json`; a resume
with other ones is refused, as is a new curve into an `--out` that already holds one.
"""

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
import keras
import numpy as np

from mri_gan.callbacks.checkpoint import Checkpoint
from mri_gan.cli.fit import parser as fit_parser
from mri_gan.cli.fit import resolve
from mri_gan.config import RunConfig
from mri_gan.data import default_dataset_dir
from mri_gan.data.holdout import held_out_scan
from mri_gan.data.sources import dataset_from_config
from mri_gan.evaluation import discriminator_probabilities, evaluate_images
from mri_gan.evaluation.folders import labelled_images
from mri_gan.gan.build import build_gan
from mri_gan.metrics.roc import real_fake_scores
from mri_gan.runs.layout import RunDirectory
from mri_gan.runtime.hardware import read_cpu
from mri_gan.runtime.precision import choose_precision
from mri_gan.sampling.grids import image_grid, save_figure, save_png
from mri_gan.training.run import rate_schedule
from mri_gan.training.state import TrainingState

ARGUMENTS = "curve_arguments.json"
COLUMNS = ("images_seen", "minutes", "swd_ratio", "ms_ssim_ratio", "possible_copies", "d_roc_auc",
           "d_roc_auc_held_out", "ada_p", "apa_p")  # fmt: skip


class QualityCurve(keras.callbacks.Callback):
    """Every `every_epochs` epochs, the evaluation's headline numbers as one row; optionally stop at a target.

    `stop_at_swd_ratio` ends training at the first check whose SWD ratio is at most that
    value; `max_seconds` after that much training time.
    """

    def __init__(self, real, every_epochs: int, images_per_epoch: int, seed: int = 0, csv_path=None,
                 stop_at_swd_ratio: float | None = None, max_seconds: float = math.inf, held_out=None,
                 generators_dir: Path | None = None):  # fmt: skip
        super().__init__()
        self.real, self.every_epochs, self.images_per_epoch, self.seed = real, every_epochs, images_per_epoch, seed
        self.held_out, self.generators_dir = held_out, generators_dir
        self.csv_path = Path(csv_path) if csv_path else None
        self.stop_at_swd_ratio, self.max_seconds = stop_at_swd_ratio, max_seconds
        self.train_seconds = 0.0
        self.rows: list[dict] = []

    def continue_from(self, rows: list[dict], images_seen: int) -> None:
        """Carry on an earlier curve whose training state was restored at `images_seen`."""
        self.rows = [row for row in rows if row["images_seen"] <= images_seen]
        self.train_seconds = 60 * self.rows[-1]["minutes"] if self.rows else 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += time.perf_counter() - self.started
        done = epoch + 1
        if done % self.every_epochs and done != self.params.get("epochs"):
            return
        row = self.measure(done * self.images_per_epoch, logs or {})
        if self.generators_dir:
            self.model.sampling_generator.save(self.generators_dir / f"generator_{row['images_seen']}.keras")
        print("    " + "  ".join(f"{name} {row[name]:.3g}" if isinstance(row[name], float) else f"{name} {row[name]}"
                                 for name in COLUMNS), flush=True)  # fmt: skip
        reached = self.stop_at_swd_ratio is not None and row["swd_ratio"] <= self.stop_at_swd_ratio
        if reached or self.train_seconds >= self.max_seconds:
            self.model.stop_training = True

    def measure(self, images_seen: int, logs: dict) -> dict:
        fake = self.model.sample(len(self.real), seed=self.seed)
        report = evaluate_images(self.real, fake, self.real, discriminator=self.model.discriminator, seed=self.seed,
                                 measures=("swd", "ms_ssim", "novelty"), intervals=False)  # fmt: skip
        row = {
            "images_seen": images_seen,
            "minutes": self.train_seconds / 60,
            "swd_ratio": report["swd"]["ratio_to_baseline"],
            "ms_ssim_ratio": report["ms_ssim"]["generated"] / report["ms_ssim"]["real"],
            "possible_copies": report["novelty"]["possible_copies"],
            "d_roc_auc": report["discriminator"]["roc_auc"],
            "d_roc_auc_held_out": self._held_out_auc(fake),
            **{name: float(logs[name]) if name in logs else math.nan for name in ("ada_p", "apa_p")},
        }
        self.rows.append(row)
        if self.csv_path:
            with self.csv_path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, COLUMNS)
                writer.writeheader()
                writer.writerows(self.rows)
        return row

    def _held_out_auc(self, fake) -> float:
        """The discriminator's ROC AUC on held-out real images against generated ones (NaN without any)."""
        if self.held_out is None:
            return math.nan
        discriminator = self.model.discriminator
        scores = real_fake_scores(discriminator_probabilities(discriminator, self.held_out),
                                  discriminator_probabilities(discriminator, fake[: len(self.held_out)]))  # fmt: skip
        return scores.roc_auc


def read_rows(path: Path) -> list[dict]:
    """The rows of a `curve.csv`, with the types `QualityCurve` writes them in."""
    with path.open(newline="") as handle:
        return [{name: (int(value) if name in ("images_seen", "possible_copies") else float(value or "nan"))
                 for name, value in row.items()} for row in csv.DictReader(handle)]  # fmt: skip


def plot_curve(rows: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = [row["images_seen"] / 1000 for row in rows]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4), dpi=90)
    for axis, (name, label, goal) in zip(axes, [("swd_ratio", "SWD / real-vs-real baseline", 1.5),
                                                ("ms_ssim_ratio", "MS-SSIM generated / real", 1.15),
                                                ("d_roc_auc", "discriminator ROC AUC", 0.5)], strict=True):  # fmt: skip
        axis.plot(images, [row[name] for row in rows], marker="o", label="training images" if goal == 0.5 else None)
        if goal == 0.5 and any(math.isfinite(row["d_roc_auc_held_out"]) for row in rows):
            axis.plot(images, [row["d_roc_auc_held_out"] for row in rows], marker="s", label="held-out images")
        axis.axhline(goal, color="gray", linestyle="--", label=f"target {goal}")
        axis.set_title(label)
        axis.set_xlabel("thousand training images")
        axis.legend()
        axis.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    save_figure(figure, path)


def train_curve(folder: Path, config: RunConfig, out: Path, every_images: int, images: int,
                stop_at_swd_ratio=None, max_seconds=math.inf,
                keep_generators: bool = False, resume: bool = False) -> QualityCurve:  # fmt: skip
    """Train `config` on `folder` for `images` training images, measuring every `every_images`;
    with `resume`, from the training state and rows of the curve already in `out`."""
    keras.utils.set_random_seed(config.train.seed)
    config.data.path = str(folder)
    data = dataset_from_config(config, RunDirectory(out))
    dataset, scan = data.dataset, data.scan
    per_epoch = config.data.images_per_epoch(len(scan.images))
    real = labelled_images(scan, config.model.resolution).images
    held = held_out_scan(RunDirectory(out))
    held_out = labelled_images(held, config.model.resolution).images if held else None
    curve = QualityCurve(real, max(1, round(every_images / per_epoch)), per_epoch, config.train.seed,
                         out / "curve.csv", stop_at_swd_ratio, max_seconds, held_out,
                         out if keep_generators else None)  # fmt: skip
    gan = build_gan(config, len(scan.class_names) if config.model.conditional else 0)
    state = TrainingState(gan, RunDirectory(out).checkpoints, max_to_keep=1)
    initial_epoch = state.restore_latest() if resume else 0
    if initial_epoch:
        curve.continue_from(read_rows(out / "curve.csv"), initial_epoch * per_epoch)
    gan.fit(dataset, epochs=math.ceil(images / per_epoch), initial_epoch=initial_epoch,
            callbacks=[*rate_schedule(config.train), curve, Checkpoint(state, every=curve.every_epochs)], verbose=0,
            shuffle=False)  # fmt: skip
    save_png(image_grid(np.concatenate([real[:32], gan.sample(32, seed=1)]), columns=8), out / "final_grid.png")
    gan.sampling_generator.save(out / "generator.keras")
    return curve


def check_resumable(p: argparse.ArgumentParser, out: Path, arguments: dict, resume: bool) -> None:
    """Refuse, as a usage error, to overwrite a curve or to continue one with other arguments."""
    if not resume:
        if (out / "curve.csv").exists():
            p.error(f"{out} already holds a curve (curve.csv); add --resume and a larger --images to carry it "
                    "further, or give a new --out.")  # fmt: skip
        return
    if not RunDirectory(out).has_checkpoint() or not (out / ARGUMENTS).is_file():
        p.error(f"--resume: {out} holds no curve to continue (it needs checkpoints/ and {ARGUMENTS}); curves started "
                "before the script checkpointed cannot be continued. Leave out --resume to start one.")  # fmt: skip
    recorded = json.loads((out / ARGUMENTS).read_text())
    changed = {key: (recorded.get(key), value) for key, value in arguments.items() if recorded.get(key) != value}
    if changed:
        differences = "; ".join(f"{key} was {old!r}, now {new!r}" for key, (old, new) in changed.items())
        p.error(f"--resume: {out} was started with other arguments ({differences}). Only --images may change; "
                "give the arguments it started with, or a new --out.")  # fmt: skip


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    own, fit_flags = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="image folder (default: the built-in dataset)")
    p.add_argument("--out", type=Path, required=True,
                   help="folder for curve.csv, curve.png, final_grid.png, generator.keras")  # fmt: skip
    p.add_argument("--config", type=Path, help="TOML configuration, e.g. experiments/small_data.toml")
    p.add_argument("--images", type=int, default=1_000_000, help="training images in all (default 1,000,000)")
    p.add_argument("--every", type=int, default=50_000, help="training images between measurements")
    p.add_argument("--keep-generators", action="store_true",
                   help="also save the generator of every check as generator_IMAGES.keras")  # fmt: skip
    p.add_argument("--resume", action="store_true",
                   help="continue the curve in --out from its last check (same arguments, more --images)")  # fmt: skip
    args = p.parse_args(own)
    folder = args.data or default_dataset_dir()
    arguments = {"data": str(folder), "config": str(args.config) if args.config else None, "every": args.every,
                 "fit_flags": fit_flags}  # fmt: skip
    check_resumable(p, args.out, arguments, args.resume)
    config_flags = ["--config", str(args.config)] if args.config else []
    config, _ = resolve(fit_parser().parse_args([*config_flags, "--data", str(folder), *fit_flags,
                                                 "--out", str(args.out / "unused")]))  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / ARGUMENTS).write_text(json.dumps(arguments, indent=1))
    print(f"CPU: {read_cpu().describe()}; precision {choose_precision(config.train.precision).describe()}")
    curve = train_curve(folder, config, args.out, args.every, args.images, keep_generators=args.keep_generators,
                        resume=args.resume)  # fmt: skip
    title = f"{args.config.name if args.config else 'defaults'} {' '.join(fit_flags)} on {folder.name}"
    plot_curve(curve.rows, args.out / "curve.png", title)
    print(f"Curve: {args.out / 'curve.csv'}, {args.out / 'curve.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
