"""Batches from a folder: shapes, dtype, range, labels, caching and seeded shuffling."""

import numpy as np

from mri_gan.data import folder_dataset


def test_batches_have_the_model_shape_dtype_and_range(labelled_folder):
    dataset, _scan = folder_dataset(labelled_folder, resolution=32, batch_size=3)
    batches = list(dataset)
    assert [int(b.shape[0]) for b in batches] == [3, 3, 2]  # the last batch is short
    for batch in batches:
        assert batch.shape[1:] == (32, 32, 1)
        assert batch.dtype == "float32"
        assert float(np.min(batch)) >= -1.0 and float(np.max(batch)) <= 1.0
    assert float(np.min(batches[0])) == -1.0  # black background


def test_labels_travel_with_their_images(labelled_folder):
    dataset, scan = folder_dataset(labelled_folder, resolution=32, batch_size=8, with_labels=True, shuffle=False)
    _images, labels = next(iter(dataset))
    assert labels.numpy().tolist() == [image.label for image in scan.images]


def test_shuffle_is_seeded_and_reshuffles_each_epoch(labelled_folder):
    def first_epochs(seed):
        dataset, _ = folder_dataset(labelled_folder, resolution=32, batch_size=8, seed=seed)
        return [np.concatenate([batch.numpy() for batch in dataset]) for _ in range(2)]

    one, again, other = first_epochs(1), first_epochs(1), first_epochs(2)
    np.testing.assert_array_equal(one[0], again[0])
    assert not np.array_equal(one[0], one[1])
    assert not np.array_equal(one[0], other[0])


def test_file_cache_and_no_cache_give_the_same_images(labelled_folder, tmp_path):
    def epoch(cache):
        dataset, _ = folder_dataset(labelled_folder, resolution=32, batch_size=8, cache=cache, shuffle=False)
        return np.concatenate([batch.numpy() for batch in dataset])

    in_memory = epoch("memory")
    np.testing.assert_array_equal(epoch("none"), in_memory)
    np.testing.assert_array_equal(epoch(str(tmp_path / "cache" / "decoded")), in_memory)
    assert list((tmp_path / "cache").glob("decoded*"))


def test_batches_come_without_tf_data_autotuning(labelled_folder):
    """Autotuning's thread made every epoch's iterator teardown wait about a second (see pipeline.py)."""
    dataset, _ = folder_dataset(labelled_folder, resolution=32, batch_size=4)
    assert dataset.options().autotune.enabled is False


def unbatched(dataset) -> tuple[np.ndarray, np.ndarray]:
    batches = list(dataset)
    return np.concatenate([x.numpy() for x, _ in batches]), np.concatenate([y.numpy() for _, y in batches])


def test_mirror_adds_a_flipped_copy_of_every_image_and_doubles_the_epoch(labelled_folder):
    plain, _ = folder_dataset(labelled_folder, resolution=32, batch_size=4, shuffle=False, with_labels=True)
    mirrored, _ = folder_dataset(labelled_folder, resolution=32, batch_size=4, shuffle=False, with_labels=True,
                                 mirror=True)  # fmt: skip
    images, labels = unbatched(plain)
    doubled, doubled_labels = unbatched(mirrored)
    assert len(doubled) == 2 * len(images) == 16
    np.testing.assert_array_equal(doubled[: len(images)], images)
    np.testing.assert_array_equal(doubled[len(images) :], images[:, :, ::-1])
    np.testing.assert_array_equal(doubled_labels, np.concatenate([labels, labels]))
    assert not np.array_equal(images, images[:, :, ::-1])  # the test images are not symmetric themselves
