"""What the rest of the package relies on in a trained GAN: the model contract.

Callbacks (grids, quality checks, export), `evaluate`, `generate` and `detect` use a GAN
only through these members, so a new architecture trains and is judged by everything here
once its class provides them. `mri_gan.gan.DCGAN` is the implementation today; it accepts
the networks of any architecture in `mri_gan.models.ARCHITECTURES`.
"""

from typing import Protocol, runtime_checkable

import keras
import numpy as np

FEATURES = "features"  # the discriminator layer whose output the real/fake logit reads (a class head reads it too)


@runtime_checkable
class GenerativeModel(Protocol):
    """A generator (and the discriminator that trained it) as the callbacks and commands see it."""

    latent_dim: int  # length of the latent vector z
    num_classes: int  # classes of a conditional model (its label input); 0 when unconditional
    resolution: int  # side of the square images, in pixels

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator whose images users see (e.g. the EMA copy): exported, sampled and measured."""
        ...

    @property
    def discriminator(self) -> keras.Model:
        """[N, res, res, 1] in [-1, 1] (and [N] labels when conditional) -> [N, 1] real/fake logits."""
        ...

    def synthesize(self, z, labels=None, training: bool = False):
        """Images in [-1, 1] from `sampling_generator` for latent vectors `z` (and class `labels`)."""
        ...

    def generate(self, num: int, seed: int = 0, batch_size: int = 256, label: int | None = None) -> np.ndarray:
        """`num` images as uint8 [num, res, res, 1], the same for the same seed (as the export's `sample`)."""
        ...
