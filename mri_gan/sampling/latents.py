"""Latent vectors from a seed, and generator output to 8-bit pixels.

Shared by `GAN.sample`, the image-grid callbacks, the exported SavedModel's
`sample` signature and the `generate` command, so one seed gives the same images
everywhere, whatever the batch size they are produced in.
"""

import numpy as np
import tensorflow as tf

LATENT_CHUNK = 1024


def latent_vectors(seed, count, latent_dim: int, start=0) -> tf.Tensor:
    """Latent vectors number `start` to `start + count - 1` of the stream for `seed`.

    The stream is cut into chunks of `LATENT_CHUNK` vectors, each drawn statelessly from
    (seed, chunk index); vector i is therefore the same whether it is produced alone,
    in a batch of 64 or in one call for all. Works eagerly and inside `tf.function`.
    """
    seed = tf.cast(seed, tf.int64)
    start = tf.cast(start, tf.int64)
    count = tf.cast(count, tf.int64)
    first_chunk = start // LATENT_CHUNK
    end_chunk = (start + count + LATENT_CHUNK - 1) // LATENT_CHUNK

    def chunk(index):
        return tf.random.stateless_normal((LATENT_CHUNK, latent_dim), seed=tf.stack([seed, index]), dtype=tf.float32)

    chunks = tf.map_fn(chunk, tf.range(first_chunk, tf.maximum(end_chunk, first_chunk)), fn_output_signature=tf.float32)
    flat = tf.reshape(chunks, (-1, latent_dim))
    offset = start - first_chunk * LATENT_CHUNK
    return flat[offset : offset + count]


def to_uint8(images: tf.Tensor) -> tf.Tensor:
    """Generator output in [-1, 1] to uint8 in [0, 255], rounded to nearest."""
    scaled = (tf.cast(images, tf.float32) + 1.0) * 127.5
    return tf.cast(tf.clip_by_value(tf.round(scaled), 0.0, 255.0), tf.uint8)


def sample_images(model, num: int, seed: int = 0, batch_size: int = 256, label: int | None = None) -> np.ndarray:
    """`num` images of a `GenerativeModel` as uint8 [num, H, W, 1] from the latent vectors of `seed`, in batches
    of `batch_size`: the images the export's `sample(seed, count[, label])` gives. A conditional model makes class
    `label`, or cycles through its classes when None."""
    if label is not None and not model.num_classes:
        raise ValueError(f"label {label} given, but this model is unconditional (it takes no label)")
    if label is not None and not 0 <= label < model.num_classes:
        raise ValueError(f"label must be a class index below {model.num_classes}, got {label}")
    z = latent_vectors(seed, num, model.latent_dim)
    labels = None if label is None else np.full(num, label, np.int32)
    batches = [
        to_uint8(model.sample_from_latent(z[start : start + batch_size],
                                          None if labels is None else labels[start : start + batch_size])).numpy()
        for start in range(0, num, batch_size)
    ]  # fmt: skip
    return np.concatenate(batches) if batches else np.zeros((0, model.resolution, model.resolution, 1), np.uint8)
