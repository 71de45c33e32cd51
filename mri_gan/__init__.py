"""mri_gan: train, watch, export, sample and judge DCGANs that synthesize brain MR slices."""

from mri_gan import _tf_setup  # noqa: F401  (must run before TensorFlow is imported)

__version__ = "0.1.0"
