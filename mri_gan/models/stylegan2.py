"""StyleGAN2's generator and residual discriminator (Karras et al. 2020; the configuration stylegan2-ada-pytorch
calls `auto`, for new and small sets), at 32 to 256 pixels, one channel.

Generator: z (and the class embedding, each scaled to unit mean square) -> a 2-layer mapping
network with a 100x slower learning rate -> w, whose running mean `w_average` keeps for
truncation in W -> a learned 4x4 constant -> per resolution two `SynthesisLayer`s (modulated and
demodulated 3x3 convolutions with per-pixel noise; bilinear upsampling before the first) and a
`ToImage` whose output is added to the upsampled image so far (the skip generator). The image is
not squashed by tanh (StyleGAN2's choice: tanh saturates); 8-bit conversion clips it to [-1, 1].

Discriminator: a 1x1 convolution from the image, then per halving a residual block (3x3
convolution, 2x2 average pooling, 3x3 convolution, beside a pooled 1x1 shortcut, summed and
scaled by sqrt(1/2)); at 4x4 the minibatch standard deviation, a 3x3 convolution, a dense
`features` layer and the logit; a conditional one adds the projection on the class embedding, as
the other architectures do. Pooling before the second convolution, in place of StyleGAN2's
blurred strided convolution, halves that convolution's cost on a CPU.

Every layer has an equalized learning rate and there is no batch norm anywhere, so
`--spectral-norm` and synchronized batch norm change nothing here. Channels are `width` at the
finest resolution and double per halving, to at most 8x `width`; w has `latent_dim` entries.
Training settings belong to the recipe (`experiments/stylegan2.toml`): Adam with beta_1 0 and
beta_2 0.99, lazy R1, ADA and an EMA of the generator, which `mri_gan.gan.GAN` provides.
"""

import math

import keras
from keras import layers

from mri_gan.models.blocks import NetworkShape, discriminator_model, label_input
from mri_gan.models.contract import FEATURES
from mri_gan.models.style_layers import (
    W_AVERAGE,
    ConstantInput,
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStdDev,
    NormalizeSecondMoment,
    SynthesisLayer,
    ToImage,
    WAverage,
)

RESOLUTIONS = (32, 64, 128, 256)
MAPPING_LAYERS = 2  # stylegan2-ada-pytorch's `auto` and `cifar` configurations (8 in the paper's 1024 px one)
MAPPING_LR_MULTIPLIER = 0.01


def _channels(width: int, steps_from_finest: int) -> int:
    return width * min(2 ** max(steps_from_finest, 0), 8)


def generator(shape: NetworkShape) -> keras.Model:
    """[N, latent_dim] (and [N] int labels when conditional) -> [N, res, res, 1] images, about [-1, 1]."""
    doublings, width = shape.doublings(RESOLUTIONS), shape.width
    z = keras.Input((shape.latent_dim,), name="z")
    x = NormalizeSecondMoment(name="normalize_z")(z)
    inputs = z
    if shape.num_classes:
        label = label_input(shape.num_classes)
        embedded = layers.Embedding(shape.num_classes, shape.latent_dim, name="label_embedding")(label)
        embedded = NormalizeSecondMoment(name="normalize_label")(embedded)
        x = layers.Concatenate(name="z_and_label")([x, embedded])
        inputs = [z, label]
    for index in range(MAPPING_LAYERS):
        x = EqualizedDense(shape.latent_dim, "lrelu", lr_multiplier=MAPPING_LR_MULTIPLIER, name=f"mapping_{index}")(x)
    w = WAverage(name=W_AVERAGE)(x)
    x = ConstantInput(_channels(width, doublings), name="constant")(w)
    x = SynthesisLayer(_channels(width, doublings), seed=0, name="synthesis_4")([x, w])
    image = ToImage(1, name="to_image_4")([x, w])
    for level in range(1, doublings + 1):
        size, channels = 4 * 2**level, _channels(width, doublings - level)
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"upsample_{size}")(x)
        x = SynthesisLayer(channels, seed=2 * level - 1, name=f"synthesis_{size}_0")([x, w])
        x = SynthesisLayer(channels, seed=2 * level, name=f"synthesis_{size}_1")([x, w])
        image = layers.UpSampling2D(2, interpolation="bilinear", name=f"upsample_image_{size}")(image)
        image = layers.Add(name=f"image_{size}")([image, ToImage(1, name=f"to_image_{size}")([x, w])])
    image = layers.Activation("linear", dtype="float32", name="image")(image)
    return keras.Model(inputs, image, name="generator")


def discriminator(shape: NetworkShape) -> keras.Model:
    """[N, res, res, 1] (and [N] int labels when conditional) -> [N, 1] real/fake logit."""
    halvings, resolution, width = shape.doublings(RESOLUTIONS), shape.resolution, shape.width
    image = keras.Input((resolution, resolution, 1), name="image")
    x = EqualizedConv2D(_channels(width, 0), 1, "lrelu", name="from_image")(image)
    for step in range(halvings):
        size, channels = resolution // 2**step, _channels(width, step + 1)
        shortcut = layers.AveragePooling2D(2, name=f"block_{size}_shortcut_pool")(x)
        shortcut = EqualizedConv2D(channels, 1, use_bias=False, name=f"block_{size}_shortcut")(shortcut)
        h = EqualizedConv2D(_channels(width, step), 3, "lrelu", name=f"block_{size}_conv0")(x)
        h = layers.AveragePooling2D(2, name=f"block_{size}_pool")(h)
        h = EqualizedConv2D(channels, 3, "lrelu", name=f"block_{size}_conv1")(h)
        x = layers.Add(name=f"block_{size}_add")([shortcut, h])
        x = layers.Rescaling(math.sqrt(0.5), name=f"block_{size}_scale")(x)
    channels = _channels(width, halvings)
    x = MinibatchStdDev(4, name="minibatch_stddev")(x)
    x = EqualizedConv2D(channels, 3, "lrelu", name="epilogue_conv")(x)
    x = layers.Flatten(name="flatten")(x)
    features = EqualizedDense(channels, "lrelu", name=FEATURES)(x)
    logit = EqualizedDense(1, name="logit", dtype="float32")(features)
    return discriminator_model(image, features, logit, shape.num_classes)
