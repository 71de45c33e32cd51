"""One training run from a `RunConfig`, readable top to bottom: data, models, state, callbacks, fit."""

import csv
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from mri_gan.callbacks import (
    Checkpoint,
    ExportGenerator,
    GanHealth,
    HistoryLog,
    ImageGrid,
    LinearLearningRateDecay,
    LossPlot,
    ProgressLine,
    QualityMonitor,
    RealVsFake,
    StandingStatistics,
    StopOnInterrupt,
    StopOnNonFinite,
)
from mri_gan.config import RunConfig, TrainConfig
from mri_gan.data.sources import dataset_from_config
from mri_gan.errors import ConfigError, TrainingDiverged
from mri_gan.gan.transfer import copy_networks_from, donor_files
from mri_gan.models.contract import GenerativeModel
from mri_gan.runs.atomic import process_unique, remove_abandoned_partials
from mri_gan.runs.export import read_export_info, recover_interrupted_swap
from mri_gan.runs.guard import claim_run_folder, run_lock
from mri_gan.runs.layout import RunDirectory
from mri_gan.runtime.distribution import is_chief, make_strategy, worker_name
from mri_gan.runtime.precision import choose_precision
from mri_gan.training.families import family
from mri_gan.training.record import write_run_record
from mri_gan.training.state import CheckpointNotWritten, TrainingState

logger = logging.getLogger(__name__)


@dataclass
class TrainingResult:
    run: RunDirectory
    epochs_done: int
    interrupted: bool
    model: GenerativeModel


def learning_rates(train: TrainConfig) -> str:
    """The flags that set the two optimizers' rates, as a user would type them, e.g. "--lr 0.0002 --d-lr 0.0001"."""
    flags = [("--lr", train.lr), ("--d-lr", train.d_lr), ("--g-lr", train.g_lr)]
    return " ".join(f"{flag} {rate:g}" for flag, rate in flags if rate)


def train(config: RunConfig, out: str | Path, stream=None, force: bool = False) -> TrainingResult:
    """Train (or continue training) the model of `config` (a GAN or a diffusion model), writing everything into `out`.

    A run folder with outputs but no checkpoint to continue from (stopped before its first
    checkpoint) is refused, since training into it would mix two runs' files; with `force`
    what training wrote there is removed first. Under a multi-worker strategy only the chief
    writes into `out`; the other workers write into a temporary folder, deleted at the end,
    and resume from the chief's checkpoints.
    """
    config.validate()
    strategy = make_strategy(config.train.strategy)  # first: multi-worker needs it before other TF work
    chief_run = RunDirectory(out)
    if config.train.init_from and not chief_run.has_checkpoint():
        donor_files(config.train.init_from)  # a missing donor is refused before anything is written
    if is_chief(strategy):
        run = chief_run
        claim_run_folder(run)
    else:
        run = RunDirectory(tempfile.mkdtemp(prefix=f"mri_gan-{worker_name(strategy)}-"))
        logger.info("Worker %s writes into %s (deleted at the end)", worker_name(strategy), run.root)
    try:
        with run_lock(run):  # first: a run in use is refused before its files are judged or removed
            if run is chief_run:
                _clear_orphaned_outputs(run, force)
            return _train(config, run, chief_run, strategy, stream)
    finally:
        if run is not chief_run:
            shutil.rmtree(run.root, ignore_errors=True)


def _train(config: RunConfig, run: RunDirectory, chief_run: RunDirectory, strategy, stream) -> TrainingResult:
    run.root.mkdir(parents=True, exist_ok=True)
    for export in (run.generator, run.best_generator):
        recover_interrupted_swap(export)
    for abandoned in remove_abandoned_partials(run.root):
        logger.info("Removed %s, left by a process killed while writing it", abandoned)
    keras.utils.set_random_seed(config.train.seed)

    # Data: the user's folder, or the built-in phantom set rendered on first use, without the held-out images.
    _warn_if_inside(chief_run, config.data.path)
    data = dataset_from_config(config, chief_run, write_holdout=run is chief_run)
    dataset, scan = data.dataset, data.scan
    class_names = scan.class_names if config.model.conditional else ()
    _set_length(config, config.data.images_per_epoch(len(scan.images)))
    precision = choose_precision(config.train.precision)
    logger.info("Precision: %s", precision.describe())
    for caution in config.cautions():
        logger.warning(caution)

    # Models and the whole training state, restored from the last checkpoint if there is one.
    with strategy.scope():
        model = family(config).build(config, len(class_names))
        checkpoint = TrainingState(model, run.checkpoints)
        initial_epoch = checkpoint.restore_latest(chief_run.checkpoints)
        if not initial_epoch and config.train.init_from and config.model.family == "gan":
            logger.info(copy_networks_from(model, config.train.init_from))
        for name, rate in family(config).optimizer_rates(config.train).items():
            getattr(model, name).learning_rate = rate  # the checkpoint restored the old rates; flags now win
    if initial_epoch:
        logger.info("Resuming %s from epoch %d (%s)", run.root, initial_epoch, checkpoint.latest)
        _drop_history_after(run.history, initial_epoch)
    write_run_record(run, config, scan.summary(), initial_epoch, precision)
    run.summary.write_text(model.summary_text())
    if initial_epoch >= config.train.epochs:
        if _export_is_behind(run, initial_epoch):
            logger.info("%s trained %d epochs but its exported generator is missing or older: exporting it now",
                        run.root, initial_epoch)  # fmt: skip
            _export_now(model, _exporter(config, run, class_names), initial_epoch, config.train)
        else:
            logger.info("Nothing to do: %s already trained %d of %d epochs.", run.root, initial_epoch,
                        config.train.epochs)  # fmt: skip
        return TrainingResult(run, initial_epoch, False, model)

    # Callbacks: watch (progress, grids, plots, TensorBoard, CSV), keep (checkpoints, export).
    checkpointing = Checkpoint(checkpoint, every=config.train.checkpoint_every)
    interrupt = StopOnInterrupt()
    diverged = StopOnNonFinite()
    rates = rate_schedule(config.train, family(config).optimizer_rates(config.train))
    callbacks = [diverged, *rates, *_callbacks(config, run, dataset, scan, class_names, stream)]
    train_settings = config.train
    try:
        model.fit(
            dataset,
            epochs=train_settings.epochs,
            initial_epoch=initial_epoch,
            callbacks=[*callbacks, checkpointing, _exporter(config, run, class_names), interrupt],
            verbose=0,
            shuffle=False,
        )
    except CheckpointNotWritten:
        raise  # saving again would fail the same way
    except Exception:
        logger.error("Training failed; saving the epochs finished so far before reporting the error.")
        checkpointing.save_unsaved()
        raise
    epochs_done = checkpointing.saved_at or initial_epoch
    if diverged.diverged_at:
        epoch, step = diverged.diverged_at
        raise TrainingDiverged(
            f"Training diverged: the losses became NaN or infinite at epoch {epoch}, step {step}. "
            f"{_what_is_kept(run, checkpoint, epochs_done)} Lower the learning rate ({learning_rates(config.train)})"
            f"{' or add --r1-gamma' if config.model.family == 'gan' else ''}, then continue with --out {run.root}."
        )
    if interrupt.interrupted:
        logger.info("Stopped at epoch %d of %d; continue with --out %s", epochs_done, train_settings.epochs, run.root)
    return TrainingResult(run, epochs_done, interrupt.interrupted, model)


def _clear_orphaned_outputs(run: RunDirectory, force: bool) -> None:
    """Refuse (or with `force` remove) the outputs of an earlier run that left no checkpoint to continue from."""
    if run.has_checkpoint():
        return
    leftovers = run.outputs()
    if leftovers and not force:
        raise ConfigError(
            f"--out {run.root} holds the outputs of an earlier run ({', '.join(path.name for path in leftovers[:4])}"
            f"{', ...' if len(leftovers) > 4 else ''}) but no checkpoint to continue from (it stopped before its first "
            "checkpoint), so training into it would mix two runs. Give a new --out, or add --force to delete what "
            "mri_gan wrote there and start again."
        )
    for path in leftovers:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    if leftovers:
        logger.info("--force: removed %d outputs of an earlier run from %s", len(leftovers), run.root)


def _warn_if_inside(run: RunDirectory, data_path: str | None) -> None:
    """Warn when the run folder lies inside the data folder (its files are left out of the data, but a run
    folder there is easily trained on by another tool, or copied with the data)."""
    if data_path is not None and run.root.resolve().is_relative_to(Path(data_path).resolve()):
        logger.warning("--out %s is inside --data %s: the run's own files are left out of its data, but keep runs "
                       "outside the data folder", run.root, data_path)  # fmt: skip


def _what_is_kept(run: RunDirectory, checkpoint: TrainingState, epochs_done: int) -> str:
    """What a diverged run leaves to continue from, naming only what exists."""
    kept = [f"the last good checkpoint (epoch {epochs_done})"] if checkpoint.latest else []
    if (run.generator / "saved_model.pb").is_file():
        kept.append("an exported generator")
    if not kept:
        return f"Nothing was saved in {run.root} before it diverged (no checkpoint, no exported generator)."
    return f"{' and '.join(kept).capitalize()} in {run.root} {'are' if len(kept) > 1 else 'is'} kept."


def _export_is_behind(run: RunDirectory, epochs_done: int) -> bool:
    """Whether the run's exported generator is missing or from an epoch before its last checkpoint (a crash or a
    full disk during the final export)."""
    if not (run.generator / "saved_model.pb").is_file():
        return True
    return int(read_export_info(run.generator).get("epochs", epochs_done)) < epochs_done


def _export_now(model: GenerativeModel, exporter: ExportGenerator, epochs_done: int, train: TrainConfig) -> None:
    """Export the restored generator as the end of training would (fresh batch-norm statistics for an EMA one)."""
    if train.ema_decay:
        standing = StandingStatistics(seed=train.seed)
        standing.set_model(model)
        standing.refresh()
    exporter.set_model(model)
    exporter.epochs_done = epochs_done
    exporter.export()


def _export_info(config: RunConfig, run: RunDirectory, class_names) -> dict:
    """What the exported generators record about the run that made them."""
    return {"run": str(run.root), "data": config.data.path, "seed": config.train.seed, "classes": list(class_names)}


def _callbacks(config: RunConfig, run: RunDirectory, dataset, scan, class_names, stream) -> list:
    """The callbacks that watch a run: progress line, grids, plots, quality checks, CSV and TensorBoard."""
    settings = config.train
    # One read of up to 256 training images serves both the real|fake sheet and the quality checks.
    sample, sample_labels = _training_sample(dataset, 256, settings.batch_size)
    sample_labels = sample_labels if class_names else None
    quality = []
    if settings.quality_every:
        quality = [QualityMonitor(sample, every=settings.quality_every, plot_path=run.quality_plot,
                                  best_dir=run.best_generator, keep_best=settings.keep_best, seed=settings.seed,
                                  labels=sample_labels, info=_export_info(config, run, class_names),
                                  history_csv=run.history)]  # fmt: skip
    in_use = {"augment": bool(settings.augment), "r1": settings.r1_gamma > 0, "mirror": config.data.mirror}
    health = []
    if config.model.family == "gan":
        health = [GanHealth(real_ms_ssim=quality[0].real_values.get("ms_ssim") if quality else None,
                            in_use=frozenset(key for key, used in in_use.items() if used))]  # fmt: skip
    # An EMA generator gets batch-norm statistics that fit its weights before anything samples from it.
    standing = []
    if settings.ema_decay:
        standing = [StandingStatistics(periods=(settings.sample_every, settings.quality_every, settings.export_every),
                                       seed=settings.seed)]  # fmt: skip
    logs = writable_tensorboard(run)
    return [
        *standing,
        ProgressLine(config.data.images_per_epoch(len(scan.images)), settings.summary_every, stream=stream),
        ImageGrid(run.grids, every=settings.sample_every, tensorboard_dir=logs, class_names=class_names),
        LossPlot(run.loss_plot, every=settings.sample_every, snapshots=settings.loss_snapshots,
                 history_csv=run.history),
        RealVsFake(sample[:36], run.real_vs_fake, labels=None if sample_labels is None else sample_labels[:36]),
        *quality,
        *health,
        HistoryLog(run.history),
        *([keras.callbacks.TensorBoard(str(logs), write_graph=False)] if logs else []),
    ]  # fmt: skip


def writable_tensorboard(run: RunDirectory) -> Path | None:
    """The run's TensorBoard folder, or None with a warning when it cannot be written (as for plots: the run
    matters more than its logs)."""
    try:
        run.tensorboard.mkdir(parents=True, exist_ok=True)
        probe = process_unique(run.tensorboard / "probe")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        logger.warning("Could not write TensorBoard logs to %s (%s: %s); training goes on without them.",
                       run.tensorboard, type(error).__name__, error)  # fmt: skip
        return None
    return run.tensorboard


def rate_schedule(train: TrainConfig, rates: dict[str, float] | None = None) -> list:
    """The callback that lowers the learning `rates` (by optimizer; default: a GAN's two) over the end of the run,
    if `train.lr_decay` asks for one."""
    if not train.lr_decay:
        return []
    return [LinearLearningRateDecay(rates or train.optimizer_rates, train.lr_decay)]


def _exporter(config: RunConfig, run: RunDirectory, class_names) -> ExportGenerator:
    return ExportGenerator(run.generator, every=config.train.export_every, keras_dir=run.keras_models,
                           info=_export_info(config, run, class_names))  # fmt: skip


def _training_sample(dataset, count: int, batch_size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Up to `count` training images (and their labels when the batches carry them), read once."""
    batches = list(dataset.take(-(-count // batch_size)))
    if isinstance(batches[0], tuple):
        images = np.concatenate([images.numpy() for images, _ in batches])[:count]
        return images, np.concatenate([labels.numpy() for _, labels in batches])[:count]
    return np.concatenate([batch.numpy() for batch in batches])[:count], None


def _set_length(config: RunConfig, images_per_epoch: int) -> None:
    """Turn a length in images (`train.images`) into the epochs of this data set, and say so."""
    if config.train.images:
        config.train.epochs = config.train.length_in_epochs(images_per_epoch)
        logger.info("Length: %s images = %d epochs of %s", f"{config.train.images:,}", config.train.epochs,
                    f"{images_per_epoch:,}")  # fmt: skip


def _drop_history_after(history: Path, epochs_done: int) -> None:
    """Forget CSV rows of epochs after the checkpoint: they will be trained again."""
    if not history.is_file():
        return
    with history.open(newline="") as handle:
        rows = list(csv.reader(handle))
    kept = [rows[0]] + [row for row in rows[1:] if row and int(row[0]) < epochs_done] if rows else []
    partial = process_unique(history)
    with partial.open("w", newline="") as handle:
        csv.writer(handle).writerows(kept)
    partial.replace(history)
