"""The `tf.data` pipeline from a validated list of image files to training batches.

read -> decode by content -> grayscale -> resize (pad or crop) -> [-1, 1], in parallel,
once; then cache, shuffle with a seed, batch and prefetch, so the training step never
waits for decoding after the first epoch.

tf.data's autotuning is switched off and the parallelism set to the CPUs this process
may use: with autotuning on, tearing down each epoch's iterator waited for the
autotuning thread, measured here as 0.8-1.0 s idle between epochs (a third of a
32x32 training run's time) and 6-9 s idle at the end of `fit`. Decoding happens once
(the cache holds the result), so there is nothing for autotuning to win back.
"""

import hashlib
import json
import os
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from mri_gan.data.decode import decode_grayscale, to_model_input
from mri_gan.data.files import FolderScan
from mri_gan.data.sources import scan_training_data
from mri_gan.data.volumes.slicing import SliceOptions
from mri_gan.errors import ConfigError, DataError

CACHE_IN_MEMORY = "memory"
NO_CACHE = "none"
PARALLEL_CALLS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
PREFETCH_BATCHES = 2


def image_preprocessor(resolution: int, fit: str = "pad", clip_percentiles=None):
    """A function from encoded image bytes to a [resolution, resolution, 1] float32 array."""

    def preprocess(data: bytes) -> np.ndarray:
        gray = decode_grayscale(data, size_hint=resolution)
        return to_model_input(gray, resolution, fit, clip_percentiles)

    return preprocess


def files_dataset(
    paths: Sequence[str | os.PathLike],
    labels: Sequence[int] | None = None,
    *,
    resolution: int = 64,
    fit: str = "pad",
    clip_percentiles: tuple[float, float] | None = None,
) -> tf.data.Dataset:
    """Unbatched images ([res, res, 1] float32 in [-1, 1]), or (image, label) pairs."""
    preprocess = image_preprocessor(resolution, fit, clip_percentiles)

    def load(path):
        image = tf.numpy_function(preprocess, [tf.io.read_file(path)], tf.float32)
        image.set_shape((resolution, resolution, 1))
        return image

    dataset = tf.data.Dataset.from_tensor_slices([os.fspath(p) for p in paths])
    images = dataset.map(load, num_parallel_calls=PARALLEL_CALLS, deterministic=True)
    if labels is None:
        return images
    return tf.data.Dataset.zip(images, tf.data.Dataset.from_tensor_slices(np.asarray(labels, np.int32)))


def batched(
    dataset: tf.data.Dataset,
    batch_size: int,
    *,
    cache: str = CACHE_IN_MEMORY,
    shuffle: bool = True,
    seed: int | None = 0,
    drop_remainder: bool = False,
    balance_classes: int = 0,
    mirror: bool = False,
) -> tf.data.Dataset:
    """Cache, shuffle, batch and prefetch a dataset of decoded images.

    `cache` is "memory", "none" (decode every epoch; for sets larger than memory and
    disk) or a file path prefix (decoded once to disk; for sets larger than memory).
    The shuffle buffer holds the whole set, reshuffled each epoch from `seed`.
    `balance_classes` (the number of classes of an (image, label) dataset) draws every
    class equally often instead, as many images per epoch as the set has. `mirror` adds a
    left-right flipped copy of every image (brains are near-symmetric), doubling the epoch.
    """
    if mirror:
        dataset = dataset.concatenate(dataset.map(_flipped, num_parallel_calls=PARALLEL_CALLS))
    if cache == CACHE_IN_MEMORY:
        dataset = dataset.cache()
    elif cache != NO_CACHE:
        os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
        dataset = dataset.cache(os.fspath(cache))
    if balance_classes:
        dataset = class_balanced(dataset, balance_classes, seed)
    elif shuffle:
        size = int(dataset.cardinality())
        buffer = size if size > 0 else 10_000
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    options = tf.data.Options()
    options.autotune.enabled = False
    # Multi-worker runs shard by element: the source is a list of paths, not files tf.data reads.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    batches = dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(PREFETCH_BATCHES)
    return batches.with_options(options)


def disk_cache_path(prefix: str | os.PathLike, paths: Sequence[str | os.PathLike], labels=None, **preprocessing) -> str:
    """`prefix` with a key of the files (path, size, modification time, label) and the preprocessing appended.

    tf.data reads a finished disk cache whatever the source now holds; keying the cache's
    name by what went into it means a cache of other files or other settings is never read.
    """
    digest = hashlib.sha256(json.dumps(preprocessing, sort_keys=True, default=str).encode())
    for index, path in enumerate(paths):
        stat = os.stat(path)
        label = None if labels is None else int(labels[index])
        digest.update(f"{os.path.abspath(path)}|{stat.st_size}|{stat.st_mtime_ns}|{label}\n".encode())
    return f"{os.fspath(prefix)}-{digest.hexdigest()[:16]}"


def _flipped(image, *label):
    """The image mirrored left-right (its label, if any, unchanged)."""
    flipped = tf.reverse(image, axis=[-2])
    return (flipped, *label) if label else flipped


def class_balanced(dataset: tf.data.Dataset, num_classes: int, seed: int | None) -> tf.data.Dataset:
    """(image, label) pairs with each class drawn with probability 1 / num_classes, epoch length unchanged.

    Each class is an endless reshuffled stream; the smaller classes repeat more often
    within an epoch, which is the point (Kaggle's set has 155 yes and 98 no images).
    """
    size = int(dataset.cardinality())
    streams = [
        dataset.filter(lambda image, label, wanted=index: label == wanted)
        .shuffle(max(size, 1), seed=None if seed is None else seed + index, reshuffle_each_iteration=True)
        .repeat()
        for index in range(num_classes)
    ]
    weights = [1.0 / num_classes] * num_classes
    mixed = tf.data.Dataset.sample_from_datasets(streams, weights, seed=seed, rerandomize_each_iteration=True)
    return mixed.take(size)


def folder_dataset(
    root: str | os.PathLike | FolderScan,
    *,
    resolution: int = 64,
    batch_size: int = 128,
    fit: str = "pad",
    clip_percentiles: tuple[float, float] | None = None,
    with_labels: bool = False,
    cache: str = CACHE_IN_MEMORY,
    shuffle: bool = True,
    seed: int | None = 0,
    drop_remainder: bool = False,
    min_size: int = 32,
    strict: bool = False,
    drop_duplicates: bool = False,
    slice_options: SliceOptions | None = None,
    balance_classes: bool = False,
    mirror: bool = False,
) -> tuple[tf.data.Dataset, FolderScan]:
    """Batches of training images from a folder, and the scan that says what was used.

    NIfTI volumes and DICOM series in the folder are sliced first (`slice_options`).
    `balance_classes` draws each class subfolder equally often (batches carry labels);
    `mirror` adds left-right flipped copies (an epoch then has twice the images).

    Example:

        dataset, scan = folder_dataset("brain_tumor_dataset", resolution=64, batch_size=128)
        print(scan.summary())
        for images in dataset.take(1):
            print(images.shape)  # (128, 64, 64, 1), float32 in [-1, 1]
    """
    scan = (
        root
        if isinstance(root, FolderScan)
        else scan_training_data(root, slice_options, min_size=min_size, strict=strict, drop_duplicates=drop_duplicates)
    )
    if (with_labels or balance_classes) and len(scan.class_names) < 2:
        raise ConfigError(
            f"{scan.root} has no class subfolders (found {list(scan.class_names)}), but --conditional and "
            "--balance-classes need at least two, e.g. yes/ and no/. Put each class's images in its own subfolder."
        )
    empty = [name for name, count in scan.counts_per_class().items() if not count]
    if (with_labels or balance_classes) and empty:
        raise DataError(
            f"{scan.root}: class {', '.join(repr(name) for name in empty)} has no usable image, but --conditional and "
            "--balance-classes train every class subfolder (a conditional generator would make a class it never "
            "saw). Add usable images to it, or remove the empty subfolder."
        )
    labels = [image.label for image in scan.images] if with_labels or balance_classes else None
    if cache not in (CACHE_IN_MEMORY, NO_CACHE):
        cache = disk_cache_path(cache, [image.path for image in scan.images], labels, resolution=resolution, fit=fit,
                                clip_percentiles=clip_percentiles, mirror=mirror)  # fmt: skip
    images = files_dataset(
        [image.path for image in scan.images],
        labels,
        resolution=resolution,
        fit=fit,
        clip_percentiles=clip_percentiles,
    )
    dataset = batched(images, batch_size, cache=cache, shuffle=shuffle, seed=seed, drop_remainder=drop_remainder,
                      balance_classes=len(scan.class_names) if balance_classes else 0, mirror=mirror)  # fmt: skip
    return dataset, scan
