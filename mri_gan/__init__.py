"""mri_gan: train, watch, export, sample and judge DCGANs that synthesize brain MR slices."""

from mri_gan import _tf_setup  # noqa: F401  (must run before TensorFlow is imported)

# isort: split
from mri_gan import fused_batch_norm  # noqa: F401  (registers FusedBatchNorm, so keras.models.load_model reads our .keras files)

__version__ = "0.1.0"
