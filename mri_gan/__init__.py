"""mri_gan: train, watch, export, sample and judge generative models (GANs and diffusion models) of brain MR slices."""

from mri_gan.runtime import tf_setup  # noqa: F401  (must run before TensorFlow is imported)

# isort: split
from mri_gan.diffusion import sampler  # noqa: F401  (registered: a diffusion run's generator.keras names it)
from mri_gan.models import fused_batch_norm, strided_conv  # noqa: F401  (registered: .keras files of runs before 0.2 name them)

__version__ = "0.2.0"
