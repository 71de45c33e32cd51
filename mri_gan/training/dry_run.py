"""`fit --dry-run`: everything a run would check and size, timed on a few steps, with nothing written.

Before committing hours of compute a user wants to know that the data is read as
intended, what the configuration resolves to, how large the networks are and roughly how
long an epoch takes. The steps are timed on one batch repeated, after a warm-up that
absorbs graph building, so the estimate is the training step alone; grids, quality
checks and checkpoints add to it.
"""

import tempfile
import time

import tensorflow as tf

from mri_gan.config import RunConfig, TrainConfig
from mri_gan.data.sources import dataset_from_config
from mri_gan.data.volumes.extract import cache_left_untouched
from mri_gan.runs.guard import check_run_folder
from mri_gan.runs.layout import RunDirectory
from mri_gan.runtime.precision import choose_precision

WARM_UP_STEPS = 2
TIMED_STEPS = 5


def dry_run(config: RunConfig, out) -> str:
    """The report of what `fit` would do with `config` into `out`; nothing is written into `out`, and scans the
    slice cache does not hold yet are sliced into a temporary folder, deleted after.

    (The built-in dataset is rendered into its cache if it is not there yet, as `fit` would.)
    """
    with tempfile.TemporaryDirectory(prefix="mri_gan-dry-run-") as scratch, cache_left_untouched(scratch):
        return _dry_run(config, out)


def _dry_run(config: RunConfig, out) -> str:
    from mri_gan.training.families import family

    config.validate()
    run = RunDirectory(out)
    check_run_folder(run)
    data = dataset_from_config(config, run, write_holdout=False, cache="none")
    dataset, scan, full_scan = data.dataset, data.scan, data.full_scan
    precision = choose_precision(config.train.precision)
    model = family(config).build(config, len(scan.class_names) if config.model.conditional else 0)
    per_epoch = config.data.images_per_epoch(len(scan.images))
    epochs = config.train.length_in_epochs(per_epoch)
    steps_per_epoch = -(-per_epoch // config.train.batch_size)
    seconds_per_step = _seconds_per_step(model, dataset)
    epoch_seconds = seconds_per_step * steps_per_epoch
    held = data.held_out
    lines = [
        f"Dry run of {run.root}: nothing was written.",
        f"Data: {full_scan.summary()}",
        *([f"Held out for evaluation: {held} images (--holdout {config.data.holdout:g})"] if held else []),
        f"Images per epoch: {per_epoch:,} ({steps_per_epoch} steps of {config.train.batch_size})",
        f"Networks ({config.model.architecture}, {config.model.resolution}x{config.model.resolution}): "
        + ", ".join(f"{name} {count:,} parameters" for name, count in model.parameter_counts().items()),
        learning_rate_plan(config.train, epochs, family(config).optimizer_rates(config.train)),
        f"Precision: {precision.describe()}",
        f"Timed: {seconds_per_step:.3f} s per step ({config.train.batch_size / seconds_per_step:,.0f} images/s), "
        f"about {_duration(epoch_seconds)} per epoch and {_duration(epoch_seconds * epochs)} for "
        f"{epochs} epochs ({epochs * per_epoch:,} images), training steps only",
    ]
    return "\n".join(lines)


def learning_rate_plan(train: TrainConfig, epochs: int, rates: dict[str, float] | None = None) -> str:
    """Each optimizer's learning rate and, with `--lr-decay`, the epochs over which it falls.

    A falling rate changes what a longer or shorter run means, so the plan is shown before
    the compute is spent; it comes from the same schedule `fit` applies.
    """
    from mri_gan.training.run import rate_schedule

    rates = rates or train.optimizer_rates
    text = "Learning rates: " + ", ".join(f"{OPTIMIZER_NAMES[name]} {rate:g}" for name, rate in rates.items())
    schedule = rate_schedule(train, rates)
    scales = [schedule[0].scale(epoch, epochs) for epoch in range(epochs)] if schedule else []
    falling = [epoch for epoch, scale in enumerate(scales) if scale < 1]
    if not falling:
        return f"{text}, constant"
    return (f"{text} in epochs 1-{falling[0]}, then falling linearly to {scales[-1]:.0%} of that in epoch "
            f"{epochs} (--lr-decay {train.lr_decay:g})")  # fmt: skip


OPTIMIZER_NAMES = {"d_optimizer": "discriminator", "g_optimizer": "generator", "optimizer": "denoiser"}


def _seconds_per_step(model, dataset) -> float:
    """The mean time of a training step on one repeated batch, after a warm-up."""
    batch = next(iter(dataset))
    repeated = tf.data.Dataset.from_tensors(batch)
    model.fit(repeated.repeat(WARM_UP_STEPS), epochs=1, verbose=0, shuffle=False)
    start = time.perf_counter()
    model.fit(repeated.repeat(TIMED_STEPS), epochs=1, verbose=0, shuffle=False)
    return (time.perf_counter() - start) / TIMED_STEPS


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
