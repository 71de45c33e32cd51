"""`python -m mri_gan.fit`: train a DCGAN on a folder of MR images (or the built-in set).

Only gathers options; the run itself is `mri_gan.training.train`.
"""

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path

from mri_gan.cli import configure_logging, run_command
from mri_gan.config import RunConfig, apply_overrides
from mri_gan.distribution import STRATEGIES
from mri_gan.errors import ConfigError, DataNotFoundError
from mri_gan.losses import LOSS_NAMES
from mri_gan.precision import PRECISIONS
from mri_gan.run_directory import RunDirectory

PROG = "python -m mri_gan.fit"
logger = logging.getLogger("mri_gan.fit")

# flag destination -> (config section, key)
OVERRIDES = {
    "data": ("data", "path"),
    "fit": ("data", "fit"),
    "cache": ("data", "cache"),
    "clip_percentiles": ("data", "clip_percentiles"),
    "drop_duplicates": ("data", "drop_duplicates"),
    "strict": ("data", "strict"),
    "plane": ("data", "plane"),
    "modality": ("data", "modality"),
    "min_tumour_area": ("data", "min_tumour_area"),
    "min_foreground": ("data", "min_foreground"),
    "window": ("data", "window"),
    "dicom_window": ("data", "dicom_window"),
    "resolution": ("model", "resolution"),
    "latent_dim": ("model", "latent_dim"),
    "width": ("model", "width"),
    "epochs": ("train", "epochs"),
    "batch_size": ("train", "batch_size"),
    "lr": ("train", "lr"),
    "seed": ("train", "seed"),
    "checkpoint_every": ("train", "checkpoint_every"),
    "sample_every": ("train", "sample_every"),
    "export_every": ("train", "export_every"),
    "summary_every": ("train", "summary_every"),
    "jit_compile": ("train", "jit_compile"),
    "precision": ("train", "precision"),
    "strategy": ("train", "strategy"),
    "sync_batch_norm": ("model", "synchronized_batch_norm"),
    "augment": ("train", "augment"),
    "loss": ("train", "loss"),
    "label_smoothing": ("train", "label_smoothing"),
    "r1_gamma": ("train", "r1_gamma"),
    "ema_decay": ("train", "ema_decay"),
    "conditional": ("model", "conditional"),
    "spectral_norm": ("model", "spectral_norm"),
    "balance_classes": ("data", "balance_classes"),
    "quality_every": ("train", "quality_every"),
    "keep_best": ("train", "keep_best"),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Train a DCGAN on brain MR images. With no arguments it trains on the built-in "
        "synthetic dataset. Re-running into an existing --out continues from its last checkpoint.",
        argument_default=argparse.SUPPRESS,
    )
    p.add_argument("--config", type=Path, help="TOML file with [data], [model] and [train] settings")
    p.add_argument("--data", help="folder of images (subfolders such as yes/ and no/ are labels)")
    p.add_argument("--out", type=Path, help="run directory (default: runs/dcgan-DATE-TIME)")
    p.add_argument("--resume", action="store_true", help="continue --out, or the newest run under runs/")
    p.add_argument("--epochs", type=int, help="total epochs of the run")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="learning rate of both Adam optimizers")
    p.add_argument("--seed", type=int)
    p.add_argument("--checkpoint-every", type=int, metavar="N", help="epochs between checkpoints")
    p.add_argument("--sample-every", type=int, metavar="N", help="epochs between image grids and plot refreshes")
    p.add_argument("--export-every", type=int, metavar="N", help="epochs between generator exports (0: at the end)")
    p.add_argument("--summary-every", type=int, metavar="N", help="epochs between printed summary lines")
    p.add_argument("--resolution", type=int, help="image side: 32, 64, 128 or 256")
    p.add_argument("--latent-dim", type=int)
    p.add_argument("--width", type=int, help="base number of filters of both networks")
    p.add_argument("--fit", choices=("pad", "crop"), help="keep the whole image (pad) or fill the square (crop)")
    p.add_argument("--cache", help='"memory", "none", or a file path prefix for a disk cache')
    p.add_argument("--clip-percentiles", type=float, nargs=2, metavar=("LOW", "HIGH"))
    p.add_argument("--drop-duplicates", action="store_true", help="skip files that are byte copies of others")
    p.add_argument("--strict", action="store_true", help="refuse to train when any image file is bad")
    volumes = p.add_argument_group("NIfTI volumes and DICOM series in --data (sliced first, then cached)")
    volumes.add_argument("--plane", choices=("axial", "coronal", "sagittal"))
    volumes.add_argument("--modality", choices=("t1", "t1ce", "t2", "flair"), help="sequence of BraTS-style folders")
    volumes.add_argument("--min-tumour-area", type=int, metavar="PIXELS", help="mask pixels that make a slice yes")
    volumes.add_argument("--min-foreground", type=float, metavar="SHARE", help="least share of a slice that is head")
    volumes.add_argument("--window", type=float, nargs=2, metavar=("LOW", "HIGH"), help="intensity percentiles")
    volumes.add_argument("--dicom-window", action="store_true", help="use each DICOM series' own window")
    gan = p.add_argument_group("beyond the paper's DCGAN (all off by default)")
    gan.add_argument("--augment", metavar="POLICY", help='DiffAugment policy, e.g. "translation,cutout" ("none": off)')
    gan.add_argument("--loss", choices=LOSS_NAMES, help="adversarial loss (default bce, the paper's)")
    gan.add_argument("--label-smoothing", type=float, metavar="X", help="one-sided: real target 1 - X (bce, lsgan)")
    gan.add_argument("--r1-gamma", type=float, metavar="GAMMA", help="R1 penalty weight on real images (0: off)")
    gan.add_argument("--spectral-norm", action="store_true", help="spectral normalisation in the discriminator")
    gan.add_argument("--ema-decay", type=float, metavar="DECAY", help="EMA generator for sampling, e.g. 0.999")
    gan.add_argument("--conditional", action="store_true", help="generate per class (yes/no subfolders)")
    gan.add_argument("--balance-classes", action="store_true", help="draw every class equally often")
    p.add_argument("--quality-every", type=int, metavar="N", help="epochs between SWD / MS-SSIM checks (0: off)")
    p.add_argument("--keep-best", choices=("swd", "ms_ssim"), help="measure that picks best_generator/")
    p.add_argument("--jit-compile", choices=("auto", "on", "off"), help="XLA; auto = on GPUs only")
    p.add_argument("--strategy", choices=STRATEGIES, help="one device, this machine's GPUs, or TF_CONFIG's machines")
    p.add_argument("--sync-batch-norm", action="store_true", help="batch-norm statistics over all replicas")
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="auto (default): bfloat16 on CPUs with AVX-512 BF16 or AMX and on GPUs of compute "
        "capability >= 8.0, else float32; mixed: bfloat16 on CPUs, float16 on GPUs",
    )
    return p


def resolve(args: argparse.Namespace) -> tuple[RunConfig, Path]:
    """The configuration and run directory the flags ask for.

    A run directory with a checkpoint continues with its saved configuration; flags
    given now (e.g. a larger --epochs) override it.
    """
    options = vars(args)
    out = options.get("out") or (_newest_run() if options.get("resume") else _new_run_name())
    run = RunDirectory(out)
    if options.get("resume") and not run.has_checkpoint():
        raise DataNotFoundError(f"--resume: {out} has no checkpoint to continue from.")
    if run.has_checkpoint() and run.config.is_file():
        from mri_gan.training import load_run_config

        config = load_run_config(run)
        if "config" in options:
            logger.warning("%s continues with its saved configuration; --config %s is ignored", out, options["config"])
    elif "config" in options:
        config = RunConfig.from_toml(options["config"])
    else:
        config = RunConfig()
    for dest, (section, key) in OVERRIDES.items():
        if dest in options:
            apply_overrides(getattr(config, section), {key: options[dest]}, f"--{dest.replace('_', '-')}")
    return config.validate(), Path(out)


def _new_run_name() -> Path:
    return Path("runs") / datetime.now().strftime("dcgan-%Y%m%d-%H%M%S")


def _newest_run() -> Path:
    runs = sorted(Path("runs").glob("*/checkpoints/checkpoint"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise ConfigError("--resume without --out: there is no run with a checkpoint under runs/. Give --out.")
    return runs[-1].parent.parent


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    configure_logging()

    def body():
        from mri_gan.training import train

        config, out = resolve(args)
        result = train(config, out)
        print(f"Run directory: {result.run.root}  (generator: {result.run.generator})")
        return 130 if result.interrupted else 0

    return run_command(body, PROG)


if __name__ == "__main__":
    sys.exit(main())
