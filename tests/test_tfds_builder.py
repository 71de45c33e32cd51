"""The TFDS builder for the Kaggle set, on a tiny fake copy of its layout."""

import zipfile

import numpy as np
from conftest import head_image, write_image

from mri_gan.data import folder_dataset
from mri_gan.data.tfds_brain_tumor import BrainTumorMri, brain_tumor_dataset


def fake_kaggle_folder(root):
    for i in range(3):
        write_image(root / "brain_tumor_dataset" / "yes" / f"Y{i}.jpg", head_image(120, 100, seed=i), fmt="JPEG")
    for i in range(2):  # a PNG named .jpg, as in the real set
        write_image(root / "brain_tumor_dataset" / "no" / f"{i} no.jpg", head_image(90, 90, seed=9 + i), fmt="PNG")
    return root / "brain_tumor_dataset"


def test_builder_reads_the_manual_folder_and_matches_the_folder_pipeline(tmp_path):
    folder = fake_kaggle_folder(tmp_path / "manual")
    dataset = brain_tumor_dataset(
        data_dir=tmp_path / "tfds", manual_dir=tmp_path / "manual", resolution=32, batch_size=8,
        with_labels=True, shuffle=False,
    )  # fmt: skip
    images, labels = next(iter(dataset))
    assert images.shape == (5, 32, 32, 1) and sorted(labels.numpy().tolist()) == [0, 0, 1, 1, 1]
    reference, _ = folder_dataset(folder, resolution=32, batch_size=8, shuffle=False)
    by_mean = np.sort(images.numpy().mean(axis=(1, 2, 3)))
    np.testing.assert_allclose(by_mean, np.sort(next(iter(reference)).numpy().mean(axis=(1, 2, 3))), atol=0.02)


def test_builder_reads_the_downloaded_zip(tmp_path):
    folder = fake_kaggle_folder(tmp_path / "unzipped")
    (tmp_path / "manual").mkdir()
    with zipfile.ZipFile(tmp_path / "manual" / "archive.zip", "w") as archive:
        for path in folder.rglob("*.jpg"):
            archive.write(path, path.relative_to(folder.parent))
    builder = BrainTumorMri(data_dir=str(tmp_path / "tfds"))
    import tensorflow_datasets as tfds

    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(tmp_path / "manual")))
    assert builder.info.splits["train"].num_examples == 5
    assert builder.info.features["label"].names == ["no", "yes"]
