"""`ExportGenerator`: the generator as a SavedModel (and `.keras` files) at the end of training."""

import logging
import os
from pathlib import Path

import keras

from mri_gan.callbacks.non_finite import finite_weights
from mri_gan.models import portable_copy
from mri_gan.runs.export import export_generator

logger = logging.getLogger(__name__)


class ExportGenerator(keras.callbacks.Callback):
    """Export `model.sampling_generator` to `directory` at the end of `fit` (and every `every` epochs).

    That is the EMA generator when the model keeps one (for a diffusion model, the DDIM
    sampler around the EMA denoiser). Beside the SavedModel, `generator.keras` (the same
    generator) and `discriminator.keras` (when the model has one) are written to
    `keras_dir` when given, for users who want to fine-tune either network in Keras. They
    hold Keras's own layers only (`mri_gan.models.portable_copy`), so they load without
    this package, and each replaces the previous file only once completely written.

        gan.fit(dataset, epochs=100, callbacks=[ExportGenerator("runs/a/generator")])
    """

    def __init__(self, directory, every: int = 0, keras_dir=None, info: dict | None = None):
        super().__init__()
        self.directory = Path(directory)
        self.every = every
        self.keras_dir = Path(keras_dir) if keras_dir else None
        self.info = info or {}
        self.epochs_done = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1
        if self.every and self.epochs_done % self.every == 0 and self.epochs_done != self.params.get("epochs"):
            self.export()

    def on_train_end(self, logs=None):
        self.export()

    def export(self) -> Path | None:
        generator = self.model.sampling_generator
        if not finite_weights(self.model):
            kept = "the last export is kept" if (self.directory / "saved_model.pb").is_file() else "nothing is exported"
            logger.warning("epoch %d: the generator has non-finite weights; %s", self.epochs_done, kept)
            return None
        export_generator(generator, self.directory, {**self.info, "epochs": self.epochs_done})
        if self.keras_dir:
            self.keras_dir.mkdir(parents=True, exist_ok=True)
            for name, network in (("generator", generator), ("discriminator", self.model.discriminator)):
                if network is not None:
                    save_keras_file(network, self.keras_dir / f"{name}.keras")
        return self.directory


def save_keras_file(network: keras.Model, path: Path) -> None:
    """`network` with stock layers as the `.keras` file `path`, written under a temporary name and renamed."""
    partial = path.with_name(f".{path.stem}.{os.getpid()}.partial.keras")
    portable_copy(network).save(partial)
    os.replace(partial, path)
