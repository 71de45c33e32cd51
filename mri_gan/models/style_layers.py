"""The layers StyleGAN2's networks are made of (Karras et al. 2020, "Analyzing and improving the image quality
of StyleGAN"; stylegan2-ada-pytorch's `training/networks.py`), in Keras.

- `EqualizedDense`, `EqualizedConv2D`: weights drawn from N(0, 1) and scaled by 1/sqrt(fan-in) at
  every call (the equalized learning rate), so Adam moves every layer at the same relative speed;
  `lr_multiplier` slows a layer down (0.01 in the mapping network).
- `SynthesisLayer`: a 3x3 convolution whose input channels are scaled by a style (an affine map
  of w) and whose outputs are demodulated to unit expected variance, then per-pixel noise times
  a learned strength, a bias and a leaky ReLU. The scaling and demodulation are applied to the
  activations around one shared convolution, which equals convolving each sample with its own
  modulated kernel (StyleGAN2's non-fused form) and runs as a plain convolution.
- `ToImage`: the modulated 1x1 convolution (no demodulation) to the image of a skip generator.
- `ConstantInput`, `NormalizeSecondMoment`, `WAverage` (the running mean of w, for truncation
  in W), `MinibatchStdDev` (the discriminator's last block sees each group's spread).

Noise during training is drawn afresh; outside training a fixed noise image (drawn once from the
layer's seed and kept with the weights) is used, so a seed gives the same images every time, as
the model contract asks. All layers are registered with Keras, so a `.keras` file of a StyleGAN2
network loads once `mri_gan` is imported (`keras.models.load_model` after `import mri_gan`);
the SavedModel export needs nothing.
"""

import math

import keras
from keras import layers, ops

PACKAGE = "mri_gan"
W_AVERAGE = "w_average"  # the name of a generator's `WAverage` layer, which truncation in W looks for
LEAKY_GAIN = math.sqrt(2.0)  # keeps a leaky ReLU's output variance that of its input (StyleGAN's def_gain)


def leaky_relu(x):
    """StyleGAN's activation: leaky ReLU with slope 0.2, times sqrt(2)."""
    return ops.leaky_relu(x, negative_slope=0.2) * LEAKY_GAIN


ACTIVATIONS = ("linear", "lrelu")


def _checked_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return activation


def _activate(x, activation: str):
    return leaky_relu(x) if activation == "lrelu" else x


@keras.saving.register_keras_serializable(PACKAGE)
class EqualizedDense(layers.Layer):
    """A dense layer with an equalized learning rate; `bias_init` sets the bias (1 for styles: scale starts at 1)."""

    def __init__(self, units: int, activation: str = "linear", lr_multiplier: float = 1.0, bias_init: float = 0.0,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.units, self.lr_multiplier, self.bias_init = units, lr_multiplier, bias_init
        self.activation = _checked_activation(activation)

    def build(self, input_shape):
        fan_in, slowdown = int(input_shape[-1]), self.lr_multiplier
        kernel_init = keras.initializers.RandomNormal(stddev=1.0 / slowdown)
        self.kernel = self.add_weight(name="kernel", shape=(fan_in, self.units), initializer=kernel_init)
        bias_init = keras.initializers.Constant(self.bias_init / slowdown)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=bias_init)
        self.weight_gain = self.lr_multiplier / math.sqrt(fan_in)

    def call(self, x):
        kernel = ops.cast(self.kernel, self.compute_dtype) * self.weight_gain
        bias = ops.cast(self.bias, self.compute_dtype) * self.lr_multiplier
        return _activate(ops.matmul(x, kernel) + bias, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "lr_multiplier": self.lr_multiplier, "bias_init": self.bias_init}  # fmt: skip


@keras.saving.register_keras_serializable(PACKAGE)
class EqualizedConv2D(layers.Layer):
    """A 'same'-padded convolution with an equalized learning rate (the discriminator's)."""

    def __init__(self, filters: int, kernel_size: int, activation: str = "linear", use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.use_bias = filters, kernel_size, use_bias
        self.activation = _checked_activation(activation)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(self.kernel_size, self.kernel_size, channels, self.filters),
                                      initializer=keras.initializers.RandomNormal(stddev=1.0))  # fmt: skip
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") if self.use_bias else None
        self.weight_gain = 1.0 / math.sqrt(channels * self.kernel_size**2)

    def call(self, x):
        y = ops.conv(x, ops.cast(self.kernel, self.compute_dtype) * self.weight_gain, padding="same")
        if self.bias is not None:
            y = y + ops.cast(self.bias, self.compute_dtype)
        return _activate(y, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "activation": self.activation, "use_bias": self.use_bias}  # fmt: skip


class _Modulated(layers.Layer):
    """What `SynthesisLayer` and `ToImage` share: a style from w, and a convolution of the style-scaled input."""

    def __init__(self, filters: int, kernel_size: int, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size = filters, kernel_size

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        channels = int(x_shape[-1])
        self.affine = EqualizedDense(channels, bias_init=1.0, name="affine", dtype=self.dtype_policy)
        self.affine.build(w_shape)
        self.kernel = self.add_weight(name="kernel", shape=(self.kernel_size, self.kernel_size, channels, self.filters),
                                      initializer=keras.initializers.RandomNormal(stddev=1.0))  # fmt: skip
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
        self.weight_gain = 1.0 / math.sqrt(channels * self.kernel_size**2)

    def modulated_conv(self, x, w, demodulate: bool):
        """The convolution of `x` with the kernel modulated by w's style (and demodulated), as a plain convolution."""
        styles = self.affine(w)  # [N, C_in]
        kernel = ops.cast(self.kernel, self.compute_dtype) * self.weight_gain
        y = ops.conv(x * styles[:, None, None, :], kernel, padding="same")
        if demodulate:
            styles32 = ops.cast(styles, "float32")
            kernel_energy = ops.sum(ops.square(ops.cast(kernel, "float32")), axis=(0, 1))  # [C_in, C_out]
            coefficients = ops.rsqrt(ops.matmul(ops.square(styles32), kernel_energy) + 1e-8)  # [N, C_out]
            y = y * ops.cast(coefficients, y.dtype)[:, None, None, :]
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size}


@keras.saving.register_keras_serializable(PACKAGE)
class SynthesisLayer(_Modulated):
    """[x, w] -> modulated, demodulated 3x3 convolution + per-pixel noise + bias, leaky ReLU.

    `seed` draws the fixed noise image used outside training (and the training noise's stream).
    """

    def __init__(self, filters: int, kernel_size: int = 3, seed: int = 0, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        self.seed = seed
        self.noise_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        super().build(input_shape)
        height, width = int(input_shape[0][1]), int(input_shape[0][2])
        self.noise_strength = self.add_weight(name="noise_strength", shape=(), initializer="zeros")
        self.noise_const = self.add_weight(name="noise_const", shape=(1, height, width, 1), trainable=False,
                                           initializer=keras.initializers.RandomNormal(seed=self.seed))  # fmt: skip

    def call(self, inputs, training=False):
        x, w = inputs
        y = self.modulated_conv(x, w, demodulate=True)
        if training:
            shape = (ops.shape(y)[0], ops.shape(y)[1], ops.shape(y)[2], 1)
            noise = keras.random.normal(shape, seed=self.noise_generator, dtype=self.compute_dtype)
        else:
            noise = ops.cast(self.noise_const, self.compute_dtype)
        y = y + noise * ops.cast(self.noise_strength, self.compute_dtype)
        return leaky_relu(y + ops.cast(self.bias, self.compute_dtype))

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(PACKAGE)
class ToImage(_Modulated):
    """[x, w] -> the 1x1 modulated convolution (not demodulated) to the image's channels, plus a bias."""

    def __init__(self, filters: int = 1, **kwargs):
        kwargs.pop("kernel_size", None)
        super().__init__(filters, 1, **kwargs)

    def call(self, inputs):
        x, w = inputs
        return self.modulated_conv(x, w, demodulate=False) + ops.cast(self.bias, self.compute_dtype)


@keras.saving.register_keras_serializable(PACKAGE)
class ConstantInput(layers.Layer):
    """w [N, w_dim] -> the learned [N, size, size, channels] tensor the synthesis network starts from."""

    def __init__(self, channels: int, size: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.size = channels, size

    def build(self, input_shape):
        self.constant = self.add_weight(name="constant", shape=(1, self.size, self.size, self.channels),
                                        initializer=keras.initializers.RandomNormal(stddev=1.0))  # fmt: skip

    def call(self, w):
        batch = ops.shape(w)[0]
        return ops.tile(ops.cast(self.constant, self.compute_dtype), (batch, 1, 1, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}


@keras.saving.register_keras_serializable(PACKAGE)
class NormalizeSecondMoment(layers.Layer):
    """Scales each vector to unit mean square (z and the class embedding before the mapping network)."""

    def call(self, x):
        x32 = ops.cast(x, "float32")
        return ops.cast(x32 * ops.rsqrt(ops.mean(ops.square(x32), axis=-1, keepdims=True) + 1e-8), x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(PACKAGE)
class WAverage(layers.Layer):
    """Passes w through; in training it keeps `w_avg`, the running mean of w (StyleGAN's w_avg_beta 0.995).

    Truncation in W moves each w toward this mean: `w_avg + psi * (w - w_avg)`.
    """

    def __init__(self, beta: float = 0.995, **kwargs):
        super().__init__(**kwargs)
        self.beta = beta

    def build(self, input_shape):
        self.w_avg = self.add_weight(name="w_avg", shape=(int(input_shape[-1]),), initializer="zeros",
                                     trainable=False)  # fmt: skip

    def call(self, w, training=False):
        if training:
            batch_mean = ops.mean(ops.cast(w, "float32"), axis=0)
            self.w_avg.assign(batch_mean + self.beta * (self.w_avg - batch_mean))
        return w

    def truncate(self, w, psi):
        """w pulled toward the running mean by `psi` (1: unchanged, 0: the mean)."""
        average = ops.cast(self.w_avg, w.dtype)
        return average + ops.cast(psi, w.dtype) * (w - average)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


@keras.saving.register_keras_serializable(PACKAGE)
class MinibatchStdDev(layers.Layer):
    """Appends one channel: the standard deviation across each group of `group_size` images, averaged over
    features and pixels, so the discriminator sees a batch's lack of variety. A batch that does not split
    into such groups is taken as one group."""

    def __init__(self, group_size: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.group_size = group_size

    def call(self, x):
        batch, height, width = ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[2]
        x32 = ops.cast(x, "float32")
        group = ops.where(ops.equal(batch % self.group_size, 0), self.group_size, batch)
        grouped = ops.reshape(x32, (group, -1, height, width, ops.shape(x)[3]))
        spread = ops.sqrt(ops.var(grouped, axis=0) + 1e-8)  # [N / G, H, W, C]
        per_group = ops.mean(spread, axis=(1, 2, 3))  # [N / G]
        channel = ops.tile(ops.reshape(per_group, (1, -1, 1, 1, 1)), (group, 1, height, width, 1))
        channel = ops.reshape(channel, (batch, height, width, 1))
        return ops.concatenate([x, ops.cast(channel, x.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}
