"""Networks with Keras's own layers in place of the CPU-speed ones, for `.keras` files that load anywhere.

`StridedConv2D`, `StridedConv2DTranspose` and `FusedBatchNorm` compute what Keras's
`Conv2D`, `Conv2DTranspose` and `BatchNormalization` compute; they only train faster on
CPUs. A saved model should not depend on them: `portable_copy` gives the same network
built from stock layers with the same weights, so `keras.models.load_model` reads it in a
process that never imported this package, on any device.
"""

import keras

from mri_gan.models.fused_batch_norm import FusedBatchNorm
from mri_gan.models.strided_conv import StridedConv2D, StridedConv2DTranspose


def _stock_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    config = layer.get_config()
    if isinstance(layer, StridedConv2DTranspose):
        return keras.layers.Conv2DTranspose.from_config(config)
    if isinstance(layer, StridedConv2D):
        return keras.layers.Conv2D.from_config(config)
    if isinstance(layer, FusedBatchNorm):
        return keras.layers.BatchNormalization(
            momentum=layer.momentum, epsilon=layer.epsilon, name=layer.name, dtype=layer.dtype_policy
        )
    if isinstance(layer, keras.layers.SpectralNormalization):
        return keras.layers.SpectralNormalization(_stock_layer(layer.layer), power_iterations=layer.power_iterations,
                                                  name=layer.name, dtype=layer.dtype_policy)  # fmt: skip
    return layer.__class__.from_config(config)


def portable_copy(network: keras.Model) -> keras.Model:
    """`network` rebuilt from stock Keras layers with the same weights (and dtype policies)."""
    copy = keras.models.clone_model(network, clone_function=_stock_layer)
    for original, stock in zip(network.layers, copy.layers, strict=True):
        for mine, theirs in zip(original.weights, stock.weights, strict=True):
            theirs.assign(mine)
    return copy


def separate_copy(network: keras.Model, name: str) -> keras.Model:
    """Same architecture and weights, separate variables (an EMA copy starts as one)."""
    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    copy.name = name
    return copy
