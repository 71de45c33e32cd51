"""`ImageGrid`: the generator's output for fixed latent vectors, saved every N epochs."""

from pathlib import Path

import keras
import tensorflow as tf

from mri_gan.grids import image_grid, save_png
from mri_gan.sampling import latent_vectors, to_uint8


class ImageGrid(keras.callbacks.Callback):
    """Save a grid of generated images every `every` epochs as `directory/epoch_000123.png`.

    The latent vectors are fixed for the whole run (from `seed`), so consecutive grids
    show the same samples improving. With `tensorboard_dir` the grid is also logged as a
    TensorBoard image. Works with any model that has `generator` and `latent_dim`.

        gan.fit(dataset, epochs=200, callbacks=[ImageGrid("runs/a/grids", every=10)])
    """

    def __init__(self, directory, every: int = 1, num_images: int = 64, seed: int = 0, tensorboard_dir=None):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.directory = Path(directory)
        self.every = every
        self.num_images = num_images
        self.seed = seed
        self.writer = tf.summary.create_file_writer(str(tensorboard_dir)) if tensorboard_dir else None
        self.last_saved: Path | None = None

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done % self.every == 0 or done == self.params.get("epochs"):
            self.save(done)

    def save(self, epoch: int) -> Path:
        z = latent_vectors(self.seed, self.num_images, self.model.latent_dim)
        images = to_uint8(self.model.generator(z, training=False)).numpy()
        self.last_saved = save_png(image_grid(images), self.directory / f"epoch_{epoch:06d}.png")
        if self.writer is not None:
            with self.writer.as_default():
                tf.summary.image("generated", image_grid(images)[None, ..., None], step=epoch)
            self.writer.flush()
        return self.last_saved
