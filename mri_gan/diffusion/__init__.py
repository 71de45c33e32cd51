"""The diffusion family: a denoising diffusion model trained by its own `train_step` and sampled with DDIM.

`DiffusionModel` keeps the model contract (`mri_gan.models.contract`), so `fit`'s callbacks,
the export, `generate` and `evaluate` treat it as they treat the GAN.
"""

from mri_gan.diffusion.model import DiffusionModel
from mri_gan.diffusion.sampler import DiffusionSampler
from mri_gan.diffusion.schedule import diffusion_rates

__all__ = ["DiffusionModel", "DiffusionSampler", "diffusion_rates"]
