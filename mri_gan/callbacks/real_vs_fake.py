"""`RealVsFake`: real training images beside generated ones, like the paper's Figure 3."""

from pathlib import Path

import keras
import matplotlib
import numpy as np

from mri_gan.callbacks.artifacts import warn_on_failure
from mri_gan.sampling.grids import image_grid, save_figure
from mri_gan.sampling.latents import latent_vectors, to_uint8

matplotlib.use("Agg")
import matplotlib.pyplot as plt


class RealVsFake(keras.callbacks.Callback):
    """Save a sheet with a grid of real images (left) and generated ones (right).

    `real_images` are uint8 or [-1, 1] float images [N, H, W, 1]; as many generated
    images are shown, from fixed latent vectors. Written every `every` epochs (0: only
    at the end of training). A conditional model's images take `labels` (the real
    images' classes), so the two grids show the same classes in the same places.

        sample = next(iter(dataset))[:36]
        gan.fit(dataset, epochs=100, callbacks=[RealVsFake(sample, "real_vs_fake.png")])
    """

    def __init__(self, real_images, path, every: int = 0, seed: int = 1, labels=None):
        super().__init__()
        real = np.asarray(real_images)
        if real.dtype != np.uint8:
            real = to_uint8(real).numpy()
        self.real = real
        self.path = Path(path)
        self.every = every
        self.seed = seed
        self.labels = labels

    def on_epoch_end(self, epoch, logs=None):
        if self.every and (epoch + 1) % self.every == 0:
            self.save()

    def on_train_end(self, logs=None):
        self.save()

    @warn_on_failure("the real-vs-generated sheet")
    def save(self) -> Path | None:
        z = latent_vectors(self.seed, len(self.real), self.model.latent_dim)
        fake = to_uint8(self.model.sample_from_latent(z, self.labels)).numpy()
        figure, axes = plt.subplots(1, 2, figsize=(10, 5.3), dpi=100)
        for axis, images, title in ((axes[0], self.real, "Real images"), (axes[1], fake, "Generated images")):
            axis.imshow(image_grid(images), cmap="gray", vmin=0, vmax=255)
            axis.set_title(title)
            axis.axis("off")
        figure.tight_layout()
        return save_figure(figure, self.path)
