"""Folders of images as the arrays the measures take: through the training pipeline, with classes and subjects."""

from dataclasses import dataclass

import numpy as np

from mri_gan.data import folder_dataset
from mri_gan.sampling.latents import to_uint8


def images_from_folder(folder, resolution: int = 64) -> np.ndarray:
    """Every usable image of a folder through the training pipeline, as uint8 [N, res, res, 1].

    Lets every measure run on two folders, e.g.
    `sliced_wasserstein(images_from_folder("real"), images_from_folder("generated"))`.
    """
    return images_and_subjects(folder, resolution)[0]


def images_and_subjects(folder, resolution: int = 64) -> tuple[np.ndarray, list[str | None]]:
    """`images_from_folder` and, per image, its hashed subject id (None for plain image files)."""
    folder_images = labelled_images(folder, resolution)
    return folder_images.images, folder_images.subjects


@dataclass
class FolderImages:
    images: np.ndarray  # uint8 [N, res, res, 1]
    labels: np.ndarray  # class index per image (-1 in an unlabelled folder)
    class_names: tuple[str, ...]  # names of the class subfolders, in index order
    subjects: list[str | None]  # hashed subject id per image (None for plain image files)
    sha1s: list[str]  # content hash per file (byte-identical files share it)


def labelled_images(folder, resolution: int = 64) -> FolderImages:
    """Every usable image of a folder through the training pipeline, with its class and subject."""
    dataset, scan = folder_dataset(folder, resolution=resolution, batch_size=256, shuffle=False, cache="none")
    images = np.concatenate([to_uint8(batch).numpy() for batch in dataset])
    labels = np.asarray([image.label for image in scan.images], np.int32)
    return FolderImages(images, labels, scan.class_names, [image.subject for image in scan.images],
                        [image.sha1 for image in scan.images])  # fmt: skip
