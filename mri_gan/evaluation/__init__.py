"""Judging generated images: the image sets compared (`inputs`, `folders`), every registered measure as one
report (`scoring`), the report on disk (`report`) and two reports side by side (`compare`).
`python -m mri_gan.evaluate` is the command."""

from mri_gan.evaluation.folders import FolderImages, images_and_subjects, images_from_folder, labelled_images
from mri_gan.evaluation.scoring import (
    compared_count,
    discriminator_probabilities,
    evaluate_images,
    evaluate_per_class,
    real_halves,
)

__all__ = [
    "FolderImages",
    "compared_count",
    "discriminator_probabilities",
    "evaluate_images",
    "evaluate_per_class",
    "images_and_subjects",
    "images_from_folder",
    "labelled_images",
    "real_halves",
]
