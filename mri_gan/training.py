"""One training run from a `RunConfig`, readable top to bottom: data, models, state, callbacks, fit."""

import csv
import dataclasses
import json
import logging
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import keras
import numpy as np

from mri_gan.callbacks import (
    Checkpoint,
    ExportGenerator,
    ImageGrid,
    LossPlot,
    ProgressLine,
    QualityMonitor,
    RealVsFake,
    StopOnInterrupt,
)
from mri_gan.checkpointing import GanCheckpoint
from mri_gan.config import RunConfig
from mri_gan.data import default_dataset_dir, folder_dataset
from mri_gan.distribution import is_chief, make_strategy, worker_name
from mri_gan.gan import DCGAN
from mri_gan.hardware import read_cpu
from mri_gan.models import build_discriminator, build_generator
from mri_gan.precision import PrecisionChoice, choose_precision, dtype_policy
from mri_gan.run_directory import RunDirectory

logger = logging.getLogger(__name__)

JIT_COMPILE = {"auto": "auto", "on": True, "off": False}


@dataclass
class TrainingResult:
    run: RunDirectory
    epochs_done: int
    interrupted: bool
    gan: DCGAN


def build_gan(config: RunConfig, num_classes: int = 0) -> DCGAN:
    """The compiled DCGAN a configuration describes (fresh weights from the run's seed).

    `num_classes` is the number of classes the data has; used when `model.conditional`.
    """
    model, train = config.model, config.train
    classes = num_classes if model.conditional else 0
    with dtype_policy(train.precision):
        generator = build_generator(model.resolution, model.latent_dim, model.width, model.synchronized_batch_norm,
                                    num_classes=classes)  # fmt: skip
        discriminator = build_discriminator(model.resolution, model.width, model.synchronized_batch_norm,
                                            num_classes=classes, spectral_norm=model.spectral_norm)  # fmt: skip
    gan = DCGAN(generator, discriminator, seed=train.seed, augment=train.augment, loss=train.loss,
                label_smoothing=train.label_smoothing, r1_gamma=train.r1_gamma, ema_decay=train.ema_decay)  # fmt: skip
    gan.compile(
        d_optimizer=keras.optimizers.Adam(train.lr, beta_1=train.beta_1, beta_2=train.beta_2),
        g_optimizer=keras.optimizers.Adam(train.lr, beta_1=train.beta_1, beta_2=train.beta_2),
        jit_compile=JIT_COMPILE[train.jit_compile],
    )
    return gan


def train(config: RunConfig, out: str | Path, stream=None) -> TrainingResult:
    """Train (or continue training) the DCGAN of `config`, writing everything into `out`.

    Under a multi-worker strategy only the chief writes into `out`; the other workers
    write into a temporary folder, deleted at the end, and resume from the chief's
    checkpoints.
    """
    config.validate()
    strategy = make_strategy(config.train.strategy)  # first: multi-worker needs it before other TF work
    chief_run = RunDirectory(out)
    if is_chief(strategy):
        run = chief_run
    else:
        run = RunDirectory(tempfile.mkdtemp(prefix=f"mri_gan-{worker_name(strategy)}-"))
        logger.info("Worker %s writes into %s (deleted at the end)", worker_name(strategy), run.root)
    try:
        return _train(config, run, chief_run, strategy, stream)
    finally:
        if run is not chief_run:
            shutil.rmtree(run.root, ignore_errors=True)


def _train(config: RunConfig, run: RunDirectory, chief_run: RunDirectory, strategy, stream) -> TrainingResult:
    run.root.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.train.seed)

    # Data: the user's folder, or the built-in phantom set rendered on first use.
    if config.data.path is None:
        config.data.path = str(default_dataset_dir())
    data = config.data
    dataset, scan = folder_dataset(
        data.path,
        resolution=config.model.resolution,
        batch_size=config.train.batch_size,
        fit=data.fit,
        clip_percentiles=tuple(data.clip_percentiles) if data.clip_percentiles else None,
        cache=data.cache,
        seed=config.train.seed,
        min_size=data.min_size,
        strict=data.strict,
        drop_duplicates=data.drop_duplicates,
        slice_options=data.slice_options(),
        with_labels=config.model.conditional,
        balance_classes=data.balance_classes,
    )
    class_names = scan.class_names if config.model.conditional else ()
    precision = choose_precision(config.train.precision)
    logger.info("Precision: %s", precision.describe())

    # Models and the whole training state, restored from the last checkpoint if there is one.
    with strategy.scope():
        gan = build_gan(config, len(class_names))
        checkpoint = GanCheckpoint(gan, run.checkpoints)
        initial_epoch = checkpoint.restore_latest(chief_run.checkpoints)
    if initial_epoch:
        logger.info("Resuming %s from epoch %d (%s)", run.root, initial_epoch, checkpoint.latest)
        _drop_history_after(run.history, initial_epoch)
    _write_run_record(run, config, scan.summary(), initial_epoch, precision)
    run.summary.write_text(gan.summary_text())
    if initial_epoch >= config.train.epochs:
        logger.info("Nothing to do: %s already trained %d of %d epochs.", run.root, initial_epoch, config.train.epochs)
        return TrainingResult(run, initial_epoch, False, gan)

    # Callbacks: watch (progress, grids, plots, TensorBoard, CSV), keep (checkpoints, export).
    train_settings = config.train
    # One read of up to 256 training images serves both the real|fake sheet and the quality checks.
    sample, sample_labels = _training_sample(dataset, 256, train_settings.batch_size)
    sample_labels = sample_labels if class_names else None
    export_info = {"run": str(run.root), "data": data.path, "seed": train_settings.seed, "classes": list(class_names)}
    quality = []
    if train_settings.quality_every:
        quality = [QualityMonitor(sample, every=train_settings.quality_every, plot_path=run.quality_plot,
                                  best_dir=run.best_generator, keep_best=train_settings.keep_best,
                                  seed=train_settings.seed, labels=sample_labels, info=export_info)]  # fmt: skip
    interrupt = StopOnInterrupt()
    checkpointing = Checkpoint(checkpoint, every=train_settings.checkpoint_every)
    callbacks = [
        ProgressLine(len(scan.images), summary_every=train_settings.summary_every, stream=stream),
        ImageGrid(run.grids, every=train_settings.sample_every, tensorboard_dir=run.tensorboard,
                  class_names=class_names),
        LossPlot(run.loss_plot, every=train_settings.sample_every, snapshots=train_settings.loss_snapshots,
                 history_csv=run.history),
        RealVsFake(sample[:36], run.real_vs_fake, labels=None if sample_labels is None else sample_labels[:36]),
        *quality,
        keras.callbacks.CSVLogger(str(run.history), append=True),
        keras.callbacks.TensorBoard(str(run.tensorboard), write_graph=False),
        checkpointing,
        ExportGenerator(run.generator, every=train_settings.export_every, keras_dir=run.keras_models,
                        info=export_info),
        interrupt,
    ]  # fmt: skip

    gan.fit(
        dataset,
        epochs=train_settings.epochs,
        initial_epoch=initial_epoch,
        callbacks=callbacks,
        verbose=0,
        shuffle=False,
    )
    epochs_done = checkpointing.saved_at or initial_epoch
    if interrupt.interrupted:
        logger.info("Stopped at epoch %d of %d; continue with --out %s", epochs_done, train_settings.epochs, run.root)
    return TrainingResult(run, epochs_done, interrupt.interrupted, gan)


def _training_sample(dataset, count: int, batch_size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Up to `count` training images (and their labels when the batches carry them), read once."""
    batches = list(dataset.take(-(-count // batch_size)))
    if isinstance(batches[0], tuple):
        images = np.concatenate([images.numpy() for images, _ in batches])[:count]
        return images, np.concatenate([labels.numpy() for _, labels in batches])[:count]
    return np.concatenate([batch.numpy() for batch in batches])[:count], None


def _drop_history_after(history: Path, epochs_done: int) -> None:
    """Forget CSV rows of epochs after the checkpoint: they will be trained again."""
    if not history.is_file():
        return
    with history.open(newline="") as handle:
        rows = list(csv.reader(handle))
    kept = [rows[0]] + [row for row in rows[1:] if row and int(row[0]) < epochs_done] if rows else []
    partial = history.with_name(f".{history.name}.partial")
    with partial.open("w", newline="") as handle:
        csv.writer(handle).writerows(kept)
    partial.replace(history)


def _write_run_record(
    run: RunDirectory, config: RunConfig, data_summary: str, initial_epoch: int, precision: PrecisionChoice
) -> None:
    """config.json: the resolved configuration, the seed, package versions and each start of the run.

    Each start records the precision it trained in and why, since `auto` may choose
    differently on the machine that resumes the run.
    """
    starts = json.loads(run.config.read_text()).get("starts", []) if run.config.is_file() else []
    starts.append({
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "from_epoch": initial_epoch,
        "precision": dataclasses.asdict(precision),
        "cpu": read_cpu().describe(),
    })  # fmt: skip
    record = {
        "config": config.to_dict(),
        "seed": config.train.seed,
        "data_summary": data_summary,
        "versions": {
            "python": platform.python_version(),
            **{name: _version(name) for name in ("mri_gan", "tensorflow", "keras", "numpy", "pillow", "nilearn")},
        },
        "precision": dataclasses.asdict(precision),
        "command": sys.argv,
        "starts": starts,
    }
    partial = run.config.with_name(f".{run.config.name}.partial")
    partial.write_text(json.dumps(record, indent=2))
    partial.replace(run.config)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load_run_config(run: RunDirectory) -> RunConfig:
    """The configuration a run directory was trained with."""
    return RunConfig.from_dict(json.loads(run.config.read_text())["config"], str(run.config))
