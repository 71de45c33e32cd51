"""DCGAN's 4x4 stride-2 convolutions with a faster kernel gradient on small maps on CPUs.

Every DCGAN layer is a 4x4, stride-2, "same" convolution (or its transpose). On CPUs,
oneDNN takes the kernel gradient of the layers that meet the smallest maps (e.g. 8x8x256
-> 4x4x512) with a direct kernel that is slower than the forward pass, because the sum
runs over only batch x 16 (or 64) positions. The same gradient is one matrix product per
2x2 block offset of the space-to-depth input, which oneDNN computes faster
(benchmarks/README.md has the measured figures, `benchmarks/strided_conv.py` reproduces
them). The layers below compute exactly the convolution Keras does (same forward op, same
input gradient) and change only how the kernel gradient is summed, so the algorithm and
its results are the same up to float rounding.

Elsewhere they are Keras's layers: larger maps (where oneDNN's own gradient measured as
fast or faster), odd or unknown sizes, other kernel/stride/padding settings, and GPUs
(cuDNN's gradient). Saved `.keras` files hold Keras's layers instead (`portable.py`).
"""

import keras
import tensorflow as tf

SMALL_MAP = {"float32": 16, "bfloat16": 64}
"""Output positions (height x width), per compute dtype, up to which the kernel gradient is taken as matrix products.

In bfloat16, oneDNN's kernel gradient is a slower direct kernel than its forward pass on
8x8 outputs too, so the matrix products pay off on larger maps than in float32
(benchmarks/README.md).
"""


def _uses_matmul_gradient(layer: keras.layers.Layer, small_map: tuple[int, int]) -> bool:
    height, width = small_map
    return (
        tuple(layer.kernel_size) == (4, 4)
        and tuple(layer.strides) == (2, 2)
        and layer.padding == "same"
        and tuple(layer.dilation_rate) == (1, 1)
        and layer.data_format == "channels_last"
        and height is not None
        and width is not None
        and height * width <= SMALL_MAP.get(layer.compute_dtype, 0)
        and not tf.config.list_logical_devices("GPU")
    )


def kernel_gradient(inputs, output_gradient):
    """Gradient of a 4x4 stride-2 "same" convolution's kernel: [N,H,W,Ci] and [N,H/2,W/2,Co] -> [4,4,Ci,Co].

    The padded input, rearranged 2x2-space-to-depth, meets the output gradient at four
    block offsets; each offset's kernel taps are one matrix product.
    """
    channels_in, channels_out = inputs.shape[-1], output_gradient.shape[-1]
    height, width = output_gradient.shape[1], output_gradient.shape[2]
    blocks = tf.nn.space_to_depth(tf.pad(inputs, [[0, 0], [1, 1], [1, 1], [0, 0]]), 2)
    gradient_rows = tf.reshape(output_gradient, [-1, channels_out])

    def offset_rows(dh, dw):
        return tf.reshape(blocks[:, dh : dh + height, dw : dw + width, :], [-1, 4 * channels_in])

    per_offset = [tf.matmul(offset_rows(dh, dw), gradient_rows, transpose_a=True) for dh in (0, 1) for dw in (0, 1)]
    # [offset row, offset column, row in block, column in block, Ci, Co] -> kernel row = 2 x offset + row in block
    taps = tf.reshape(tf.stack(per_offset), [2, 2, 2, 2, channels_in, channels_out])
    return tf.reshape(tf.transpose(taps, [0, 2, 1, 3, 4, 5]), [4, 4, channels_in, channels_out])


def strided_conv(inputs, kernel):
    """`tf.nn.conv2d(inputs, kernel, 2, "SAME")` whose kernel gradient is `kernel_gradient`."""

    @tf.custom_gradient
    def convolve(x, k):
        def gradients(output_gradient):
            input_gradient = tf.nn.conv2d_transpose(output_gradient, k, tf.shape(x), 2, "SAME")
            return input_gradient, kernel_gradient(x, output_gradient)

        return tf.nn.conv2d(x, k, 2, "SAME"), gradients

    return convolve(inputs, tf.convert_to_tensor(kernel))  # a tensor: the variable's gradient flows through its read


def strided_conv_transpose(inputs, kernel):
    """`tf.nn.conv2d_transpose` to twice the size (kernel [4,4,Co,Ci]) whose kernel gradient is `kernel_gradient`."""
    output_shape = [tf.shape(inputs)[0], 2 * inputs.shape[1], 2 * inputs.shape[2], kernel.shape[2]]

    @tf.custom_gradient
    def convolve_transpose(x, k):
        def gradients(output_gradient):
            input_gradient = tf.nn.conv2d(output_gradient, k, 2, "SAME")
            return input_gradient, kernel_gradient(output_gradient, x)

        return tf.nn.conv2d_transpose(x, k, output_shape, 2, "SAME"), gradients

    return convolve_transpose(inputs, tf.convert_to_tensor(kernel))


@keras.saving.register_keras_serializable(package="mri_gan")
class StridedConv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` whose kernel gradient is taken as matrix products on small maps on CPUs."""

    def convolution_op(self, inputs, kernel):
        height, width = inputs.shape[1], inputs.shape[2]
        even = height is not None and width is not None and height % 2 == 0 and width % 2 == 0
        if not (even and _uses_matmul_gradient(self, (height // 2, width // 2))):
            return super().convolution_op(inputs, kernel)
        return strided_conv(inputs, kernel)


@keras.saving.register_keras_serializable(package="mri_gan")
class StridedConv2DTranspose(keras.layers.Conv2DTranspose):
    """`keras.layers.Conv2DTranspose` whose kernel gradient is taken as matrix products on small maps on CPUs."""

    def call(self, inputs):
        plain_transpose = (
            not self.use_bias and self.activation is keras.activations.linear and self.output_padding is None
        )
        if not (plain_transpose and _uses_matmul_gradient(self, (inputs.shape[1], inputs.shape[2]))):
            return super().call(inputs)
        return strided_conv_transpose(inputs, self.kernel)
