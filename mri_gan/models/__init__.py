"""The networks the model families train: one module per architecture, the blocks they share, a registry that
names them, the contract the rest of the package relies on, and portable copies for saving."""

from mri_gan.models.blocks import NetworkShape
from mri_gan.models.contract import GenerativeModel
from mri_gan.models.portable import portable_copy
from mri_gan.models.registry import (
    ARCHITECTURES,
    RESOLUTIONS,
    Architecture,
    architecture,
    build_discriminator,
    build_generator,
)

__all__ = [
    "ARCHITECTURES",
    "RESOLUTIONS",
    "Architecture",
    "GenerativeModel",
    "NetworkShape",
    "architecture",
    "build_discriminator",
    "build_generator",
    "portable_copy",
]
