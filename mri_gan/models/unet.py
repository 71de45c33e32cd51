"""The diffusion family's network: a U-Net that predicts the velocity of a noisy image (keras-io's DDIM example,
with the noise level and the class given to every residual block as in Ho et al. 2020).

Input: the noisy image [N, res, res, 1] and its noise variance [N, 1] (the schedule's noise rate
squared), plus an int class [N] when conditional, where the extra index `num_classes` means "no
class" (what classifier-free guidance trains the unconditional prediction with). Output: the
predicted velocity [N, res, res, 1] in float32 (`mri_gan.diffusion.schedule.velocity`: noise and
clean image in one target that neither end of the schedule makes ill-posed).

The noise variance enters as sinusoidal features (`SinusoidalEmbedding`) turned by two dense layers
into an embedding of 4 x width, to which a learned class embedding is added; each residual block
adds a dense projection of it to its features. Down the U the image is halved to 8x8 with
`blocks` residual blocks per level (widths width x 1, 2, 3, 4, ...), and up again with the skips
of the way down concatenated. Group normalisation instead of batch norm: a denoiser must not
depend on the other images of its batch, and sampling then computes what training computed.
No downloaded weights; the last convolution starts at zero, so training starts from "no noise".
"""

import math

import keras
from keras import layers, ops

from mri_gan.errors import ConfigError

PACKAGE = "mri_gan"
BOTTOM = 8  # the U's narrowest feature map
RESOLUTIONS = (32, 64, 128, 256)
EMBEDDING_FEATURES = 32  # sinusoidal features of the noise variance
CLASS_EMBEDDING = "class_embedding"  # the layer whose input_dim is num_classes + 1 ("no class")
MAX_FREQUENCY = 1000.0


@keras.saving.register_keras_serializable(PACKAGE)
class SinusoidalEmbedding(layers.Layer):
    """[N, 1] noise variances -> [N, features] sines and cosines at frequencies from 1 to 1,000 (log-spaced),
    so the network sees small differences of noise level at every scale."""

    def __init__(self, features: int = EMBEDDING_FEATURES, **kwargs):
        super().__init__(**kwargs)
        if features < 2 or features % 2:
            raise ValueError(f"features must be an even number of at least 2, got {features}")
        self.features = features

    def call(self, variances):
        frequencies = ops.exp(ops.linspace(0.0, math.log(MAX_FREQUENCY), self.features // 2))
        angles = 2.0 * math.pi * ops.cast(variances, "float32") * frequencies
        return ops.cast(ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.features)

    def get_config(self):
        return {**super().get_config(), "features": self.features}


def level_widths(resolution: int, width: int) -> list[int]:
    """Channels at each level of the U from `resolution` down to 8x8, the last one the bottom's."""
    if resolution not in RESOLUTIONS:
        raise ConfigError(f"resolution must be one of {', '.join(map(str, RESOLUTIONS))}; got {resolution}")
    if width < 8 or width % 8:
        raise ConfigError(f"width must be a multiple of 8 (group normalisation in groups of 8), got {width}")
    levels = int(math.log2(resolution // BOTTOM))
    return [width * min(level + 1, 4) for level in range(levels + 1)]


def _residual_block(x, embedding, channels: int, name: str):
    """GroupNorm-swish-conv, plus the embedding's projection, GroupNorm-swish-conv, added to the input (a 1x1
    convolution matches the channels when they change)."""
    shortcut = x if x.shape[-1] == channels else layers.Conv2D(channels, 1, name=f"{name}_shortcut")(x)
    h = layers.GroupNormalization(groups=8, name=f"{name}_norm1")(x)
    h = layers.Activation("swish")(h)
    h = layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv1")(h)
    level = layers.Reshape((1, 1, channels))(layers.Dense(channels, name=f"{name}_embedding")(embedding))
    h = h + level
    h = layers.GroupNormalization(groups=8, name=f"{name}_norm2")(h)
    h = layers.Activation("swish")(h)
    h = layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv2")(h)
    return shortcut + h


def denoiser(resolution: int = 64, width: int = 32, blocks: int = 2, num_classes: int = 0) -> keras.Model:
    """The U-Net: (noisy images, noise variances[, classes]) -> predicted velocity; see the module's text."""
    if blocks < 1:
        raise ConfigError(f"blocks must be at least 1, got {blocks}")
    if num_classes < 0 or num_classes == 1:
        raise ConfigError(f"a conditional model needs at least 2 classes, got {num_classes}")
    widths = level_widths(resolution, width)
    noisy = keras.Input((resolution, resolution, 1), name="noisy_images")
    variances = keras.Input((1,), name="noise_variances")
    inputs = [noisy, variances]
    embedding = SinusoidalEmbedding(name="noise_level")(variances)
    embedding = layers.Dense(4 * width, activation="swish", name="embedding_dense1")(embedding)
    embedding = layers.Dense(4 * width, name="embedding_dense2")(embedding)
    if num_classes:
        classes = keras.Input((), dtype="int32", name="label")
        inputs.append(classes)
        embedding = embedding + layers.Embedding(num_classes + 1, 4 * width, name=CLASS_EMBEDDING)(classes)

    x = layers.Conv2D(widths[0], 1, name="stem")(noisy)
    skips = []
    for level, channels in enumerate(widths[:-1]):
        for block in range(blocks):
            x = _residual_block(x, embedding, channels, f"down{level}_{block}")
            skips.append(x)
        x = layers.AveragePooling2D(2, name=f"down{level}_pool")(x)
    for block in range(blocks):
        x = _residual_block(x, embedding, widths[-1], f"bottom_{block}")
    for level in reversed(range(len(widths) - 1)):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"up{level}_upsample")(x)
        for block in range(blocks):
            x = layers.Concatenate(name=f"up{level}_{block}_skip")([x, skips.pop()])
            x = _residual_block(x, embedding, widths[level], f"up{level}_{block}")
    x = layers.GroupNormalization(groups=8, name="head_norm")(x)
    x = layers.Activation("swish")(x)
    noise = layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros", dtype="float32", name="noise")(x)
    return keras.Model(inputs, noise, name="denoiser")
