"""`python -m mri_gan.fit`: train a GAN on a folder of MR images (or the built-in set).

Only gathers options: every flag is derived from the declarations in `mri_gan.config`;
the run itself is `mri_gan.training.run.train`.
"""

import argparse
import copy
import logging
import sys
from datetime import datetime
from pathlib import Path

from mri_gan.cli import command_parser, run_parsed
from mri_gan.cli.flags import add_flags, declared_flags
from mri_gan.config import RunConfig, apply_overrides
from mri_gan.errors import ConfigError, DataNotFoundError
from mri_gan.runs.layout import RunDirectory

logger = logging.getLogger("mri_gan.cli.fit")


def parser() -> argparse.ArgumentParser:
    p = command_parser(
        "mri_gan.fit",
        "Train a GAN on brain MR images. Without --config it trains the recommended small-data recipe "
        "(64x64, ADA, mirrored copies, lazy R1; 200,000 images), with no arguments on the built-in synthetic "
        "dataset; a --config file starts from the plain DCGAN. Re-running into an existing --out continues from its "
        "last checkpoint.",
        argument_default=argparse.SUPPRESS,
    )
    p.add_argument("--config", type=Path, help="TOML file with [data], [model] and [train] settings")
    p.add_argument("--out", type=Path, help="run directory (default: runs/dcgan-DATE-TIME)")
    p.add_argument("--resume", action="store_true", help="continue --out, or the newest run under runs/")
    p.add_argument("--force", action="store_true",
                   help="start --out afresh when it holds outputs of a run that left no checkpoint (removes only "
                        "what mri_gan wrote there)")  # fmt: skip
    p.add_argument("--dry-run", action="store_true",
                   help="check the data and settings, count parameters, time a few steps; write nothing")  # fmt: skip
    add_flags(p, declared_flags())
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
    if run.has_checkpoint() and not run.config.is_file():
        raise DataNotFoundError(
            f"{out} has checkpoints but no config.json, the record of the settings they were trained with, so the "
            "run cannot be continued. Restore config.json, or give a new --out to train again."
        )
    resuming = run.has_checkpoint()
    if resuming:
        from mri_gan.training.record import load_run_config

        config = load_run_config(run)
        if "config" in options:
            logger.warning("%s continues with its saved configuration; --config %s is ignored", out, options["config"])
    elif "config" in options:
        config = RunConfig.from_toml(options["config"])
    else:
        config = RunConfig.recommended()
    saved = copy.deepcopy(config)
    if "epochs" in options and "images" in options:
        raise ConfigError(f"--epochs {options['epochs']} and --images {options['images']} both set the run's length; "
                          "give one of them")  # fmt: skip
    if "epochs" in options:
        config.train.images = 0  # a length in epochs given now wins over one in images from the file or the run
    for dest, (section, key, _, _) in declared_flags().items():
        if dest in options:
            apply_overrides(getattr(config, section), {key: options[dest]}, f"--{dest.replace('_', '-')}")
    changes = config.layout_changes(saved) if resuming else []
    if changes:
        raise ConfigError(
            f"{out} continues from a checkpoint whose networks were built with other settings ({'; '.join(changes)}), "
            "so it cannot be resumed with them. Leave those flags out to continue the run, or give a new --out to "
            "start another."
        )
    if resuming and config.data.holdout != saved.data.holdout:
        raise ConfigError(
            f"--holdout {config.data.holdout:g}: {out} was trained with holdout {saved.data.holdout:g}, so other "
            "images have been trained on already and cannot be held out now. Leave --holdout out to continue, or "
            "give a new --out."
        )
    return config.validate(), Path(out)


def _new_run_name() -> Path:
    return Path("runs") / datetime.now().strftime("dcgan-%Y%m%d-%H%M%S")


def _newest_run() -> Path:
    runs = sorted(Path("runs").glob("*/checkpoints/checkpoint"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise ConfigError("--resume without --out: there is no run with a checkpoint under runs/. Give --out.")
    return runs[-1].parent.parent


def main(argv=None) -> int:
    return run_parsed(parser(), _fit, argv)


def _fit(args: argparse.Namespace) -> int | None:
    from mri_gan.training.run import train

    config, out = resolve(args)
    if getattr(args, "dry_run", False):
        from mri_gan.training.dry_run import dry_run

        print(dry_run(config, out))
        return 0
    result = train(config, out, force=getattr(args, "force", False))
    print(f"Run directory: {result.run.root}  (generator: {result.run.generator})")
    return 130 if result.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
