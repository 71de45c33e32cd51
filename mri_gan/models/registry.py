"""The architectures `fit --architecture` can train, by name: adding one is one module and one entry here.

Each names its model family: "gan" (a generator and a discriminator, `mri_gan.gan`) or "diffusion"
(a denoiser sampled with DDIM, `mri_gan.diffusion`); `mri_gan.training.families` builds each family.
"""

from collections.abc import Callable
from dataclasses import dataclass

import keras

from mri_gan.errors import ConfigError
from mri_gan.models import dcgan, resnet, stylegan2, unet
from mri_gan.models.blocks import NetworkShape


@dataclass(frozen=True)
class Architecture:
    """One architecture's networks and the resolutions they take.

    For a GAN, `generator(shape)` and `discriminator(shape)` build plain functional Keras models
    from a `NetworkShape`, with the inputs and outputs the model contract
    (`mri_gan.models.contract`) describes; a shape they cannot take raises `ConfigError`.
    `build_generator` and `build_discriminator` take the shape's fields as arguments. A
    diffusion architecture has neither (its family builds the denoiser).
    """

    name: str
    description: str
    generator: Callable[[NetworkShape], keras.Model] | None
    discriminator: Callable[[NetworkShape], keras.Model] | None
    resolutions: tuple[int, ...]
    family: str = "gan"

    def build_generator(self, resolution: int = 64, latent_dim: int = 100, width: int = 64,
                        synchronized_batch_norm: bool = False, num_classes: int = 0) -> keras.Model:  # fmt: skip
        """[N, latent_dim] (and [N] int labels when conditional) -> [N, res, res, 1] images in [-1, 1]."""
        return self.generator(NetworkShape(resolution, latent_dim, width, synchronized_batch_norm, num_classes))

    def build_discriminator(self, resolution: int = 64, width: int = 64, synchronized_batch_norm: bool = False,
                            num_classes: int = 0, spectral_norm: bool = False) -> keras.Model:  # fmt: skip
        """[N, res, res, 1] (and [N] int labels when conditional) -> [N, 1] real/fake logits.

        Train on the logit (numerically stable cross-entropy); `keras.ops.sigmoid(logit)` is
        the probability that an image is real, which is what a classifier user reads.
        """
        shape = NetworkShape(resolution, 1, width, synchronized_batch_norm, num_classes, spectral_norm)
        return self.discriminator(shape)

    def check_shape(self, resolution: int, latent_dim: int, width: int) -> None:
        """Raise ConfigError for a shape these networks cannot take (a diffusion model's latent vector is its
        starting noise, so `latent_dim` does not apply to it)."""
        if self.family == "diffusion":
            unet.level_widths(resolution, width)
            return
        NetworkShape(resolution, latent_dim, width).doublings(self.resolutions)


ARCHITECTURES = {
    "dcgan": Architecture(
        "dcgan",
        "the paper's DCGAN (Radford et al. 2016): strided (transposed) convolutions with batch norm",
        dcgan.generator,
        dcgan.discriminator,
        dcgan.RESOLUTIONS,
    ),
    "resnet": Architecture(
        "resnet",
        "residual networks as in SN-GAN/BigGAN: batch norm in the generator, spectral norm and no batch norm in the "
        "discriminator",
        resnet.generator,
        resnet.discriminator,
        resnet.RESOLUTIONS,
    ),
    "stylegan2": Architecture(
        "stylegan2",
        "StyleGAN2 (Karras et al. 2020): mapping network, modulated convolutions with noise, skip generator, "
        "residual discriminator with minibatch standard deviation; train it with experiments/stylegan2.toml",
        stylegan2.generator,
        stylegan2.discriminator,
        stylegan2.RESOLUTIONS,
    ),
    "ddim": Architecture(
        "ddim",
        "a denoising diffusion model (a U-Net denoiser, the cosine schedule, DDIM sampling, classifier-free "
        "guidance when conditional; keras-io's DDIM example); train it with experiments/diffusion.toml",
        None,
        None,
        unet.RESOLUTIONS,
        family="diffusion",
    ),
}

RESOLUTIONS = tuple(sorted({side for entry in ARCHITECTURES.values() for side in entry.resolutions}))
"""Every resolution some architecture takes."""


def architecture(name: str) -> Architecture:
    """The registered architecture `name`; an unknown name raises ConfigError listing the known ones."""
    if name not in ARCHITECTURES:
        raise ConfigError(f"architecture must be one of {', '.join(ARCHITECTURES)}; got {name!r}")
    return ARCHITECTURES[name]


build_generator = ARCHITECTURES["dcgan"].build_generator
"""The paper's DCGAN generator, e.g. `build_generator(64)`: 512 channels at 4x4 and 64 at 32x32."""

build_discriminator = ARCHITECTURES["dcgan"].build_discriminator
"""The paper's DCGAN discriminator, e.g. `build_discriminator(64)`."""
