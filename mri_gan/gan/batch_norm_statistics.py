"""Batch-norm statistics of a generator re-estimated over fresh noise (BigGAN's "standing statistics").

A generator's moving batch-norm statistics follow the weights it was trained with. The
exponential moving average (EMA) of the weights has no statistics of its own: the ones
copied from the training generator do not fit it, and its images come out grey. Running
the generator in training mode over fresh latent vectors and averaging the batch
statistics gives statistics that fit whatever weights it has now.
"""

import keras
import numpy as np

BATCH_NORM_LAYERS = (keras.layers.BatchNormalization,)


def batch_norm_layers(network: keras.Model) -> list[keras.layers.Layer]:
    """The batch-norm layers of `network` (Keras's and this package's fused one)."""
    from mri_gan.models.fused_batch_norm import FusedBatchNorm

    return [layer for layer in network.layers if isinstance(layer, (*BATCH_NORM_LAYERS, FusedBatchNorm))]


def reestimate_batch_norm(generator: keras.Model, latent_dim: int, num_classes: int = 0, batches: int = 32,
                          batch_size: int = 64, seed: int = 0) -> int:  # fmt: skip
    """Set every batch-norm layer's moving statistics to the mean of `batches` batches' statistics.

    Classes are drawn uniformly for a conditional generator. Returns the number of layers
    updated (0 for a generator without batch norm, which is left as it is).
    """
    layers = batch_norm_layers(generator)
    if not layers:
        return 0
    momenta = [layer.momentum for layer in layers]
    rng = np.random.default_rng(seed)
    try:
        for step in range(1, batches + 1):
            for layer in layers:
                layer.momentum = (step - 1) / step  # moving statistic = mean of the batches so far
            z = rng.standard_normal((batch_size, latent_dim)).astype("float32")
            inputs = [z, rng.integers(0, num_classes, batch_size).astype("int32")] if num_classes else z
            generator(inputs, training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
    return len(layers)
