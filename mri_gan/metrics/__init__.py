"""Sample-quality measures, one module each, usable on two arrays of uint8 or [-1, 1] images."""

from mri_gan.metrics.diversity import ms_ssim_diversity
from mri_gan.metrics.novelty import nearest_training_images
from mri_gan.metrics.swd import sliced_wasserstein

__all__ = ["ms_ssim_diversity", "nearest_training_images", "sliced_wasserstein"]
