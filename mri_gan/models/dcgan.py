"""The DCGAN generator and discriminator (Radford et al. 2016) as plain functional Keras models.

Generator: z -> 4x4 -> 8x8 -> ... -> resolution x resolution x 1 through transposed
convolutions (kernel 4, stride 2), batch norm and ReLU, ending in tanh. Discriminator:
the mirror image with strided convolutions, batch norm (not on the first layer) and
LeakyReLU(0.2), ending in one real/fake logit. Weights N(0, 0.02), batch-norm gamma
N(1, 0.02), batch-norm momentum and epsilon as in PyTorch's DCGAN (0.9, 1e-5).

Options: class conditioning (`num_classes` > 0): the generator joins a learned label
embedding to z, and the discriminator adds a projection of its features on a learned
class embedding to its logit (Miyato & Koyama 2018). Spectral normalisation of the
discriminator (Miyato et al. 2018) wraps each of its convolutions and its dense layer
and replaces its batch norm, as in SN-GAN.

The last layers compute in float32 under a mixed-precision policy, so the tanh image
and the logit are float32 whatever the rest of the network runs in. For training speed on
CPUs the convolutions come from `strided_conv` (a faster kernel gradient on small maps) and
batch norm from `fused_batch_norm` (TensorFlow's fused kernel on a single replica); the
networks are saved with Keras's own layers (`mri_gan.models.portable`).
"""

import math

import keras
from keras import layers

from mri_gan.errors import ConfigError
from mri_gan.models.contract import FEATURES
from mri_gan.models.fused_batch_norm import FusedBatchNorm
from mri_gan.models.strided_conv import StridedConv2D, StridedConv2DTranspose

SUPPORTED_RESOLUTIONS = (32, 64, 128, 256)


def _weights():
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def batch_norm(synchronized: bool, name: str):
    """The fused kernel on one replica; Keras's layer when statistics are synchronized across replicas."""
    gamma = keras.initializers.RandomNormal(mean=1.0, stddev=0.02)
    if synchronized:
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=gamma, synchronized=True,
                                         name=name)  # fmt: skip
    return FusedBatchNorm(momentum=0.9, epsilon=1e-5, gamma_initializer=gamma, name=name)


def check_shape(resolution: int, latent_dim: int, width: int) -> int:
    """The number of doublings from 4x4 to `resolution`; a shape the networks cannot take raises ConfigError."""
    if resolution not in SUPPORTED_RESOLUTIONS:
        raise ConfigError(f"resolution must be a power of two from 32 to 256 {SUPPORTED_RESOLUTIONS}, got {resolution}")
    if latent_dim < 1:
        raise ConfigError(f"latent_dim must be at least 1, got {latent_dim}")
    if width < 1:
        raise ConfigError(f"width must be at least 1, got {width}")
    return int(math.log2(resolution)) - 2  # doublings from 4x4


def _filters(width: int, level: int, doublings: int) -> int:
    """Channels at `level` (0 = 4x4): width at the finest hidden level, doubling toward 4x4, at most 8x."""
    return width * min(2 ** (doublings - 1 - level), 8)


def label_input(num_classes: int):
    if num_classes < 0 or num_classes == 1:
        raise ConfigError(f"a conditional model needs at least 2 classes, got {num_classes}")
    return keras.Input((), dtype="int32", name="label")


def latent_input(latent_dim: int, num_classes: int = 0):
    """The generator's inputs and what its first layer reads: z, or z joined to a learned label embedding."""
    z = keras.Input((latent_dim,), name="z")
    if not num_classes:
        return z, z
    label = label_input(num_classes)
    embedded = layers.Embedding(num_classes, latent_dim, name="label_embedding")(label)
    return [z, label], layers.Concatenate(name="z_and_label")([z, embedded])


def build_generator(
    resolution: int = 64,
    latent_dim: int = 100,
    width: int = 64,
    synchronized_batch_norm: bool = False,
    num_classes: int = 0,
) -> keras.Model:
    """DCGAN generator: [N, latent_dim] (and [N] int labels when conditional) -> [N, res, res, 1] in [-1, 1].

    Example: `build_generator(64)` has 512 channels at 4x4 and 64 at 32x32, as in the paper.
    """
    doublings = check_shape(resolution, latent_dim, width)
    inputs, x = latent_input(latent_dim, num_classes)
    x = layers.Dense(
        4 * 4 * _filters(width, 0, doublings), use_bias=False, kernel_initializer=_weights(), name="project"
    )(x)
    x = layers.Reshape((4, 4, _filters(width, 0, doublings)), name="to_4x4")(x)
    x = batch_norm(synchronized_batch_norm, "bn_4")(x)
    x = layers.ReLU(name="relu_4")(x)
    for level in range(1, doublings):
        size = 4 * 2**level
        x = StridedConv2DTranspose(
            _filters(width, level, doublings), 4, strides=2, padding="same", use_bias=False,
            kernel_initializer=_weights(), name=f"up_{size}",
        )(x)  # fmt: skip
        x = batch_norm(synchronized_batch_norm, f"bn_{size}")(x)
        x = layers.ReLU(name=f"relu_{size}")(x)
    x = StridedConv2DTranspose(
        1, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_weights(), name=f"up_{resolution}"
    )(x)
    image = layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model(inputs, image, name="generator")


def build_discriminator(
    resolution: int = 64,
    width: int = 64,
    synchronized_batch_norm: bool = False,
    num_classes: int = 0,
    spectral_norm: bool = False,
) -> keras.Model:
    """DCGAN discriminator: [N, res, res, 1] (and [N] int labels when conditional) -> [N, 1] real/fake logit.

    Train on the logit (numerically stable cross-entropy); `keras.ops.sigmoid(logit)` is
    the probability that an image is real, which is what a classifier user reads.
    """
    doublings = check_shape(resolution, 1, width)

    def normalised(layer):
        return (
            layers.SpectralNormalization(layer, name=f"sn_{layer.name}", dtype=layer.dtype_policy)
            if spectral_norm
            else layer
        )

    image = keras.Input((resolution, resolution, 1), name="image")
    x = image
    for level in reversed(range(doublings)):
        size = 4 * 2**level
        x = normalised(StridedConv2D(
            _filters(width, level, doublings), 4, strides=2, padding="same", use_bias=False,
            kernel_initializer=_weights(), name=f"down_{size}",
        ))(x)  # fmt: skip
        if level != doublings - 1 and not spectral_norm:
            x = batch_norm(synchronized_batch_norm, f"bn_{size}")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"lrelu_{size}")(x)
    features = layers.Flatten(name=FEATURES)(x)
    logit = normalised(layers.Dense(1, kernel_initializer=_weights(), dtype="float32", name="logit"))(features)
    if not num_classes:
        return keras.Model(image, logit, name="discriminator")
    label = label_input(num_classes)
    embedded = layers.Embedding(num_classes, features.shape[-1], embeddings_initializer=_weights(),
                                name="label_embedding")(label)  # fmt: skip
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, features])
    logit = layers.Add(dtype="float32", name="logit_with_projection")([logit, projection])
    return keras.Model([image, label], logit, name="discriminator")
