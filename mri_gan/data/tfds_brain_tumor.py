"""TensorFlow Datasets builder for Kaggle's "Brain MRI Images for Brain Tumor Detection".

The set sits behind a Kaggle login, so it is built the TFDS way for such data: the user
downloads it by hand and puts the zip (or its extracted folder) in the manual directory.
The builder validates and decodes the files with the same code as the folder pipeline,
and `brain_tumor_dataset()` turns the prepared set into the same batches a folder gives.
"""

import os
from pathlib import Path
from typing import ClassVar

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from mri_gan.data.decode import decode_grayscale, to_model_input
from mri_gan.data.files import scan_image_folder
from mri_gan.data.pipeline import PARALLEL_CALLS, batched
from mri_gan.errors import DataError

CLASS_NAMES = ("no", "yes")


class BrainTumorMri(tfds.core.GeneratorBasedBuilder):
    """253 brain MR slices (155 with a tumour, 98 without), grayscale, of mixed sizes."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES: ClassVar[dict[str, str]] = {"1.0.0": "Initial release."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = """
    Download "Brain MRI Images for Brain Tumor Detection" by Navoneel Chakrabarty from
    https://www.kaggle.com/navoneel/brain-mri-images-for-brain-tumor-detection (a Kaggle
    account is needed) and place either the downloaded zip file or the extracted folder
    (the one holding `yes/` and `no/`) in the manual directory, by default
    `~/tensorflow_datasets/downloads/manual/`.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(None, None, 1), encoding_format="png"),
                    "label": tfds.features.ClassLabel(names=list(CLASS_NAMES)),
                    "file_name": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://www.kaggle.com/navoneel/brain-mri-images-for-brain-tumor-detection",
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        manual_dir = Path(dl_manager.manual_dir)
        zips = sorted(manual_dir.glob("*.zip"))
        search_root = Path(dl_manager.extract(zips[0])) if zips else manual_dir
        return {"train": self._generate_examples(_find_class_root(search_root))}

    def _generate_examples(self, root: Path):
        for image in scan_image_folder(root).images:
            gray = decode_grayscale(image.path.read_bytes())
            pixels = (gray * 255.0 + 0.5).astype(np.uint8)[..., np.newaxis]
            relative = image.path.relative_to(root).as_posix()
            yield relative, {"image": pixels, "label": CLASS_NAMES[image.label], "file_name": relative}


def _find_class_root(root: Path) -> Path:
    """The folder that holds `yes/` and `no/`, at `root` or anywhere below it."""
    for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if all((folder / name).is_dir() for name in CLASS_NAMES):
            return folder
    raise DataError(
        f"No folder with yes/ and no/ subfolders was found in {root}. "
        "Put the Kaggle zip or its extracted folder in the TFDS manual directory."
    )


def brain_tumor_dataset(
    *,
    data_dir: str | os.PathLike | None = None,
    manual_dir: str | os.PathLike | None = None,
    resolution: int = 64,
    batch_size: int = 128,
    fit: str = "pad",
    clip_percentiles: tuple[float, float] | None = None,
    with_labels: bool = False,
    cache: str = "memory",
    shuffle: bool = True,
    seed: int | None = 0,
) -> tf.data.Dataset:
    """The Kaggle set through TFDS, as the same batches `folder_dataset` would give."""
    builder = BrainTumorMri(data_dir=os.fspath(data_dir) if data_dir else None)
    download_config = tfds.download.DownloadConfig(manual_dir=os.fspath(manual_dir) if manual_dir else None)
    builder.download_and_prepare(download_config=download_config)

    def preprocess(image):
        gray = image.astype(np.float32)[..., 0] / 255.0
        return to_model_input(gray, resolution, fit, clip_percentiles)

    def to_model(example):
        image = tf.numpy_function(preprocess, [example["image"]], tf.float32)
        image.set_shape((resolution, resolution, 1))
        return (image, tf.cast(example["label"], tf.int32)) if with_labels else image

    examples = builder.as_dataset(split="train", shuffle_files=False)
    images = examples.map(to_model, num_parallel_calls=PARALLEL_CALLS, deterministic=True)
    return batched(images, batch_size, cache=cache, shuffle=shuffle, seed=seed)
