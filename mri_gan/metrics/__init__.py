"""Sample-quality measures, one module each, on arrays of uint8 or [-1, 1] images (numbers out, no files);
`registry.MEASURES` names each with what it needs and how it reports
(`mri_gan.evaluation.images_from_folder` turns a folder into such an array)."""

from mri_gan.metrics.diversity import ms_ssim_diversity
from mri_gan.metrics.frechet import frechet_distance, kernel_distance
from mri_gan.metrics.novelty import nearest_training_images
from mri_gan.metrics.precision_recall import precision_recall
from mri_gan.metrics.roc import real_fake_scores, roc_auc
from mri_gan.metrics.swd import sliced_wasserstein

__all__ = [
    "frechet_distance",
    "kernel_distance",
    "ms_ssim_diversity",
    "nearest_training_images",
    "precision_recall",
    "real_fake_scores",
    "roc_auc",
    "sliced_wasserstein",
]
