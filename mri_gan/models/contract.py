"""What a generative model family provides, so that the rest of the package trains, watches, keeps, exports,
samples and judges it without knowing which family it is: the model contract.

A family (the GAN of `mri_gan.gan`, the diffusion model of `mri_gan.diffusion`) provides

- **build**: a function from a `RunConfig` and the data's class count to a compiled
  `keras.Model` (`mri_gan.gan.build.build_gan`, `mri_gan.diffusion.build.build_diffusion`),
  registered with the optimizers `--lr` sets in `mri_gan.training.families`, which `fit` calls;
- **train step**: the model's own `train_step`, so `keras.Model.fit` trains it with the
  callbacks of `mri_gan.callbacks`; the losses it logs (`logged_losses`) are shown, checked
  for divergence, plotted and written to history.csv;
- **sample**: `sample(num, seed, label)` (uint8 images, the same for a seed) and
  `sample_from_latent(z, labels)` (images in [-1, 1]), which grids, quality checks,
  `evaluate` and the export use, and `sampling_generator`, the network they come from;
- **export**: `sampling_generator` maps latent vectors (and int labels) to images in
  [-1, 1], so `mri_gan.runs.export` writes it as a SavedModel with the `sample` and
  `from_latent` signatures and as a portable `.keras` file;
- **checkpoint items**: `checkpoint_items()` names the variables a checkpoint must hold and
  those a resumed run may lack, and `start_afresh(names)` begins the latter
  (`mri_gan.training.state`).

A family that has a discriminator offers it as `discriminator` (for `detect` and
`evaluate`'s discriminator scores); others have `discriminator = None`. A diffusion model's
latent vector is its starting noise and its `sampling_generator` the DDIM sampler around its
denoiser (`mri_gan.diffusion.sampler`), so the export and `generate` need nothing more.
"""

from typing import Protocol, runtime_checkable

import keras
import numpy as np

FEATURES = "features"  # the discriminator layer whose output the real/fake logit reads (a class head reads it too)


@runtime_checkable
class GenerativeModel(Protocol):
    """A trained (or training) model of any family as the callbacks, the export and the commands see it."""

    logged_losses: dict[str, str]  # the losses train_step logs, by log name, with what each is in words
    latent_dim: int  # length of the latent vector z
    num_classes: int  # classes of a conditional model (its label input); 0 when unconditional
    resolution: int  # side of the square images, in pixels

    @property
    def sampling_generator(self) -> keras.Model:
        """The network whose images users see (e.g. the EMA copy): exported, sampled and measured."""
        ...

    @property
    def discriminator(self) -> keras.Model | None:
        """[N, res, res, 1] in [-1, 1] (and [N] labels when conditional) -> [N, 1] real/fake logits; None when
        the family has none."""
        ...

    def sample_from_latent(self, z, labels=None, training: bool = False):
        """Images in [-1, 1] from `sampling_generator` for latent vectors `z` (and class `labels`)."""
        ...

    def sample(self, num: int, seed: int = 0, batch_size: int = 256, label: int | None = None) -> np.ndarray:
        """`num` images as uint8 [num, res, res, 1], the same for the same seed (as the export's `sample`)."""
        ...

    def checkpoint_items(self) -> tuple[dict, dict]:
        """The trackables a checkpoint must hold, and those a resumed checkpoint may lack, by name."""
        ...

    def parameter_counts(self) -> dict[str, int]:
        """Each trained network's parameters, by the name a user knows it by."""
        ...

    def start_afresh(self, names) -> None:
        """Begin the optional checkpoint items `names` that a resumed checkpoint did not hold."""
        ...
