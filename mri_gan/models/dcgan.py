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

import keras
from keras import layers

from mri_gan.models.blocks import NetworkShape, batch_norm, discriminator_model, latent_input
from mri_gan.models.contract import FEATURES
from mri_gan.models.strided_conv import StridedConv2D, StridedConv2DTranspose

RESOLUTIONS = (32, 64, 128, 256)


def _weights():
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _filters(width: int, level: int, doublings: int) -> int:
    """Channels at `level` (0 = 4x4): width at the finest hidden level, doubling toward 4x4, at most 8x."""
    return width * min(2 ** (doublings - 1 - level), 8)


def generator(shape: NetworkShape) -> keras.Model:
    """DCGAN generator: [N, latent_dim] (and [N] int labels when conditional) -> [N, res, res, 1] in [-1, 1].

    At 64x64 and width 64 it has 512 channels at 4x4 and 64 at 32x32, as in the paper.
    """
    doublings = shape.doublings(RESOLUTIONS)
    width, synchronized_batch_norm = shape.width, shape.synchronized_batch_norm
    inputs, x = latent_input(shape.latent_dim, shape.num_classes)
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
        1, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_weights(), name=f"up_{shape.resolution}"
    )(x)
    image = layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model(inputs, image, name="generator")


def discriminator(shape: NetworkShape) -> keras.Model:
    """DCGAN discriminator: [N, res, res, 1] (and [N] int labels when conditional) -> [N, 1] real/fake logit.

    Train on the logit (numerically stable cross-entropy); `keras.ops.sigmoid(logit)` is
    the probability that an image is real, which is what a classifier user reads.
    """
    doublings = shape.doublings(RESOLUTIONS)
    width, spectral_norm = shape.width, shape.spectral_norm

    def normalised(layer):
        return (
            layers.SpectralNormalization(layer, name=f"sn_{layer.name}", dtype=layer.dtype_policy)
            if spectral_norm
            else layer
        )

    image = keras.Input((shape.resolution, shape.resolution, 1), name="image")
    x = image
    for level in reversed(range(doublings)):
        size = 4 * 2**level
        x = normalised(StridedConv2D(
            _filters(width, level, doublings), 4, strides=2, padding="same", use_bias=False,
            kernel_initializer=_weights(), name=f"down_{size}",
        ))(x)  # fmt: skip
        if level != doublings - 1 and not spectral_norm:
            x = batch_norm(shape.synchronized_batch_norm, f"bn_{size}")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"lrelu_{size}")(x)
    features = layers.Flatten(name=FEATURES)(x)
    logit = normalised(layers.Dense(1, kernel_initializer=_weights(), dtype="float32", name="logit"))(features)
    return discriminator_model(image, features, logit, shape.num_classes, embeddings_initializer=_weights())
