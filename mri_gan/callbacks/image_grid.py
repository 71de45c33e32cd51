"""`ImageGrid`: the generator's output for fixed latent vectors, saved every N epochs."""

from pathlib import Path

import keras
import tensorflow as tf

from mri_gan.callbacks.artifacts import warn_on_failure
from mri_gan.sampling.grids import image_grid, save_png
from mri_gan.sampling.latents import latent_vectors, to_uint8


class ImageGrid(keras.callbacks.Callback):
    """Save a grid of generated images every `every` epochs as `directory/epoch_000123.png`.

    The latent vectors are fixed for the whole run (from `seed`), so consecutive grids
    show the same samples improving. With `tensorboard_dir` the grid is also logged as a
    TensorBoard image. Works with any model that has `sample_from_latent(z, labels)` and
    `latent_dim`. For a conditional model give `class_names`: one grid per class,
    `epoch_000123_yes.png`, from the same latent vectors, so the grids differ only by label.

        gan.fit(dataset, epochs=200, callbacks=[ImageGrid("runs/a/grids", every=10)])
    """

    def __init__(self, directory, every: int = 1, num_images: int = 64, seed: int = 0, tensorboard_dir=None,
                 class_names=()):  # fmt: skip
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.directory = Path(directory)
        self.every = every
        self.num_images = num_images
        self.seed = seed
        self.writer = tf.summary.create_file_writer(str(tensorboard_dir)) if tensorboard_dir else None
        self.class_names = tuple(class_names)
        self.last_saved: Path | None = None

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done % self.every == 0 or done == self.params.get("epochs"):
            self.save(done)

    @warn_on_failure("an image grid")
    def save(self, epoch: int) -> Path | None:
        z = latent_vectors(self.seed, self.num_images, self.model.latent_dim)
        for suffix, labels in self._label_sets():
            images = to_uint8(self.model.sample_from_latent(z, labels)).numpy()
            self.last_saved = save_png(image_grid(images), self.directory / f"epoch_{epoch:06d}{suffix}.png")
            if self.writer is not None:
                with self.writer.as_default():
                    tf.summary.image(f"generated{suffix}", image_grid(images)[None, ..., None], step=epoch)
                self.writer.flush()
        return self.last_saved

    def _label_sets(self):
        """("", None) for an unconditional model; ("_yes", all-yes labels)... per class otherwise."""
        if not self.class_names:
            return [("", None)]
        return [(f"_{name}", tf.fill([self.num_images], index)) for index, name in enumerate(self.class_names)]
