"""Latent vectors from a seed, and generator output to 8-bit pixels.

Shared by `GAN.sample`, the image-grid callbacks, the exported SavedModel's
`sample` signature and the `generate` command, so one seed gives the same images
everywhere, whatever the batch size they are produced in.
"""

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
