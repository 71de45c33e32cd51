"""ImageNet InceptionV3 pool features for FID, KID and precision/recall, when weights exist.

The weights come from Keras's cache (downloaded on first use where there is internet,
unless `MRI_GAN_OFFLINE=1` forbids downloads) or from a file given by path
(`--inception-weights`). Without either, `load_inception` raises `FeaturesUnavailable`
with the reason, and callers report these measures as unavailable instead of failing.
Resizing follows clean-fid's "clean" protocol (Parmar et al., CVPR 2022): each image as
uint8 values, resized to 299x299 by Pillow's bicubic filter in float32 (antialiased when
shrinking), clipped to [0, 255], then tiled to three channels; a bilinear
`tf.image.resize` instead shifts FID by amounts comparable to real differences between
models. The network is Keras's ImageNet InceptionV3, not the 2015 TensorFlow graph of the
original FID code, so values compare between runs of this tool, not digit for digit with
published FIDs.
"""

import os
import socket
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from mri_gan.errors import DataNotFoundError
from mri_gan.metrics.pixels import as_unit_float

INPUT_SIZE = 299
CACHED_WEIGHTS = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
DOWNLOAD_TIMEOUT_SECONDS = 20


class FeaturesUnavailable(RuntimeError):
    """The Inception weights cannot be had here; the message says why and what to do."""


def load_inception(weights: str | os.PathLike | None = "imagenet") -> keras.Model:
    """InceptionV3 without its classifier, average-pooled to 2048 features.

    `weights`: "imagenet" (Keras's cache, else a download), a path to a weights file, or
    None for random weights (tests only: the features then mean nothing).
    """
    if weights is not None and weights != "imagenet":
        path = Path(weights).expanduser()
        if not path.is_file():
            raise DataNotFoundError(f"--inception-weights {path} does not exist; give the InceptionV3 .h5 weights file")
        weights = str(path)
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models" / CACHED_WEIGHTS
    if weights == "imagenet" and not cache.is_file() and os.environ.get("MRI_GAN_OFFLINE") == "1":
        raise FeaturesUnavailable(
            f"ImageNet InceptionV3 weights are not in Keras's cache ({cache}) and MRI_GAN_OFFLINE=1 forbids "
            "downloading them; give a weights file with --inception-weights PATH"
        )
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_SECONDS)
    try:
        return keras.applications.InceptionV3(
            include_top=False, weights=weights, pooling="avg", input_shape=(INPUT_SIZE, INPUT_SIZE, 3)
        )
    except Exception as error:  # the download fails in many ways offline (DNS, refused, timeout)
        if weights != "imagenet":
            raise
        raise FeaturesUnavailable(
            f"ImageNet InceptionV3 weights are not in Keras's cache ({cache}) and could not be downloaded "
            f"({type(error).__name__}: {error}); give a weights file with --inception-weights PATH"
        ) from error
    finally:
        socket.setdefaulttimeout(previous_timeout)


def inception_features(model: keras.Model, images, batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """[N, 2048] features of grayscale images (uint8 or [-1, 1]), with a progress bar if asked."""
    pixels = np.round(as_unit_float(images) * 255.0)
    bar = keras.utils.Progbar(len(pixels), unit_name="image") if progress else None
    features = []
    for start in range(0, len(pixels), batch_size):
        batch = clean_resize(pixels[start : start + batch_size])
        rgb = tf.repeat(batch, 3, axis=-1)
        features.append(model(keras.applications.inception_v3.preprocess_input(rgb), training=False).numpy())
        if bar:
            bar.add(len(batch))
    return np.concatenate(features).astype(np.float64)


def clean_resize(pixels: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """[N, H, W, 1] values in [0, 255] to float32 [N, size, size, 1] as clean-fid resizes: Pillow bicubic, clipped."""
    resized = [
        np.asarray(Image.fromarray(image[..., 0].astype(np.float32), mode="F").resize((size, size), Image.BICUBIC))
        for image in pixels
    ]
    return np.clip(np.stack(resized), 0.0, 255.0)[..., np.newaxis].astype(np.float32)
