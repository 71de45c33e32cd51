"""The networks of the GANs this package trains: one module per architecture, a registry that names them,
the contract the rest of the package relies on, and portable copies for saving."""

from mri_gan.models.contract import GenerativeModel
from mri_gan.models.dcgan import SUPPORTED_RESOLUTIONS, build_discriminator, build_generator
from mri_gan.models.portable import portable_copy
from mri_gan.models.registry import ARCHITECTURES, Architecture, architecture

__all__ = [
    "ARCHITECTURES",
    "SUPPORTED_RESOLUTIONS",
    "Architecture",
    "GenerativeModel",
    "architecture",
    "build_discriminator",
    "build_generator",
    "portable_copy",
]
