"""The architectures `fit --architecture` can train, by name: adding one is one module and one entry here."""

from collections.abc import Callable
from dataclasses import dataclass

import keras

from mri_gan.errors import ConfigError
from mri_gan.models import dcgan, resnet


@dataclass(frozen=True)
class Architecture:
    """How to build one architecture's networks and which shapes they take.

    `build_generator(resolution, latent_dim, width, synchronized_batch_norm, num_classes)` and
    `build_discriminator(resolution, width, synchronized_batch_norm, num_classes, spectral_norm)`
    return plain functional Keras models with the inputs and outputs the model contract
    (`mri_gan.models.contract`) describes; `check_shape(resolution, latent_dim, width)` raises
    `ConfigError` for a shape the networks cannot take.
    """

    name: str
    description: str
    build_generator: Callable[..., keras.Model]
    build_discriminator: Callable[..., keras.Model]
    check_shape: Callable[[int, int, int], object]


ARCHITECTURES = {
    "dcgan": Architecture(
        "dcgan",
        "the paper's DCGAN (Radford et al. 2016): strided (transposed) convolutions with batch norm",
        dcgan.build_generator,
        dcgan.build_discriminator,
        dcgan.check_shape,
    ),
    "resnet": Architecture(
        "resnet",
        "residual networks as in SN-GAN/BigGAN: batch norm in the generator, spectral norm and no batch norm in the "
        "discriminator",
        resnet.build_generator,
        resnet.build_discriminator,
        dcgan.check_shape,
    ),
}


def architecture(name: str) -> Architecture:
    """The registered architecture `name`; an unknown name raises ConfigError listing the known ones."""
    if name not in ARCHITECTURES:
        raise ConfigError(f"architecture must be one of {', '.join(ARCHITECTURES)}; got {name!r}")
    return ARCHITECTURES[name]
