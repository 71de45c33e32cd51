"""The DCGAN convolutions with the matrix-product kernel gradient compute what Keras's layers compute."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.models.strided_conv import StridedConv2D, StridedConv2DTranspose, _uses_matmul_gradient, kernel_gradient

RNG = np.random.default_rng(0)


def twin_layers(ours_class, keras_class, input_shape, filters=6):
    """Our layer and Keras's, built on `input_shape` with the same random kernel."""
    ours = ours_class(filters, 4, strides=2, padding="same", use_bias=False)
    theirs = keras_class(filters, 4, strides=2, padding="same", use_bias=False)
    ours.build(input_shape)
    theirs.build(input_shape)
    theirs.kernel.assign(RNG.normal(0, 0.1, ours.kernel.shape).astype("float32"))
    ours.kernel.assign(theirs.kernel)
    return ours, theirs


def outputs_and_gradients(layer, x):
    """Output, gradients of a weighted sum of it (input, kernel), and the R1-style second-order kernel gradient."""
    with tf.GradientTape() as outer:
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(x)
            y = tf.cast(layer(x), "float32")
            loss = tf.reduce_sum(tf.sin(y) * tf.range(1.0, y.shape[-1] + 1.0))
        input_gradient, kernel_gradient_ = inner.gradient(loss, [x, layer.kernel])
        penalty = tf.reduce_sum(tf.square(input_gradient))
    return y, input_gradient, kernel_gradient_, outer.gradient(penalty, layer.kernel)


@pytest.mark.parametrize(
    ("ours_class", "keras_class", "input_shape"),
    [
        (StridedConv2D, keras.layers.Conv2D, (3, 8, 8, 5)),
        (StridedConv2DTranspose, keras.layers.Conv2DTranspose, (3, 4, 4, 5)),
    ],
)
def test_output_and_first_and_second_order_gradients_match_keras(ours_class, keras_class, input_shape):
    ours, theirs = twin_layers(ours_class, keras_class, input_shape)
    assert _uses_matmul_gradient(ours, (4, 4))
    x = tf.constant(RNG.normal(0, 1, input_shape).astype("float32"))
    names = ("output", "input gradient", "kernel gradient", "second-order kernel gradient")
    for name, mine, reference in zip(
        names, outputs_and_gradients(ours, x), outputs_and_gradients(theirs, x), strict=True
    ):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_kernel_gradient_equals_tensorflows_on_a_non_square_map():
    inputs = tf.constant(RNG.normal(0, 1, (2, 8, 6, 3)).astype("float32"))
    output_gradient = tf.constant(RNG.normal(0, 1, (2, 4, 3, 7)).astype("float32"))
    expected = tf.compat.v1.nn.conv2d_backprop_filter(inputs, [4, 4, 3, 7], output_gradient, [1, 2, 2, 1], "SAME")
    np.testing.assert_allclose(kernel_gradient(inputs, output_gradient).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_only_small_maps_of_the_dcgan_layer_take_the_matmul_gradient():
    layer = StridedConv2D(4, 4, strides=2, padding="same")
    assert _uses_matmul_gradient(layer, (4, 4))
    assert not _uses_matmul_gradient(layer, (8, 8))
    assert not _uses_matmul_gradient(StridedConv2D(4, 3, strides=2, padding="same"), (4, 4))
    assert not _uses_matmul_gradient(StridedConv2D(4, 4, strides=1, padding="same"), (4, 4))
    assert not _uses_matmul_gradient(StridedConv2D(4, 4, strides=2, padding="valid"), (4, 4))


def test_bfloat16_layers_take_the_matmul_gradient_up_to_8x8_and_match_keras():
    bfloat16 = StridedConv2D(4, 4, strides=2, padding="same", dtype="mixed_bfloat16")
    assert _uses_matmul_gradient(bfloat16, (8, 8))
    assert not _uses_matmul_gradient(bfloat16, (16, 16))
    ours = StridedConv2D(6, 4, strides=2, padding="same", use_bias=False, dtype="mixed_bfloat16")
    theirs = keras.layers.Conv2D(6, 4, strides=2, padding="same", use_bias=False, dtype="mixed_bfloat16")
    ours.build((3, 16, 16, 5))
    theirs.build((3, 16, 16, 5))
    theirs.kernel.assign(RNG.normal(0, 0.1, ours.kernel.shape).astype("float32"))
    ours.kernel.assign(theirs.kernel)
    x = tf.constant(RNG.normal(0, 1, (3, 16, 16, 5)).astype("float32"))
    for mine, reference in zip(outputs_and_gradients(ours, x)[:3], outputs_and_gradients(theirs, x)[:3], strict=True):
        mine, reference = tf.cast(mine, "float32").numpy(), tf.cast(reference, "float32").numpy()
        np.testing.assert_allclose(mine, reference, rtol=0.05, atol=0.05 * np.abs(reference).max())


def test_an_odd_sized_input_keeps_keras_convolution():
    ours, theirs = twin_layers(StridedConv2D, keras.layers.Conv2D, (2, 7, 7, 3))
    x = tf.constant(RNG.normal(0, 1, (2, 7, 7, 3)).astype("float32"))
    for mine, reference in zip(outputs_and_gradients(ours, x), outputs_and_gradients(theirs, x), strict=True):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-4, atol=1e-5)
