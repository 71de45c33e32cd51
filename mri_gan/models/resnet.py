"""Residual generator and discriminator (SN-GAN, Miyato et al. 2018; BigGAN's blocks, Brock et al. 2019).

Generator: z -> dense -> 4x4, then one up-block per doubling (batch norm, ReLU, nearest
upsampling, 3x3 convolution, batch norm, ReLU, 3x3 convolution, plus a 1x1-convolved
upsampled shortcut), then batch norm, ReLU, a 3x3 convolution and tanh. Discriminator:
one down-block per halving (ReLU, 3x3, ReLU, 3x3, 2x2 average pooling, plus a 1x1
shortcut), the first without the leading ReLU, then ReLU, global average pooling and one
logit. Every discriminator layer is spectrally normalised and it has no batch norm (so
`--spectral-norm` changes nothing here); the generator keeps batch norm. Residual paths
let gradients reach every layer at the start of training, when a DCGAN discriminator on a
few hundred images tends to win outright.

Conditioning follows the DCGAN networks: a label embedding joined to z in the generator,
a projection discriminator (the `label_embedding` layers), so the model contract holds.
Only Keras's own layers are used, so the `.keras` copies need nothing of this package.
"""

import keras
from keras import layers

from mri_gan.models.blocks import NetworkShape, batch_norm, discriminator_model, latent_input
from mri_gan.models.contract import FEATURES

RESOLUTIONS = (32, 64, 128, 256)


def _channels(width: int, steps_from_finest: int) -> int:
    """Channels `steps_from_finest` doublings away from the finest level: width there, doubling, at most 8x."""
    return width * min(2 ** max(steps_from_finest, 0), 8)


def _conv(filters: int, size: int, name: str) -> layers.Conv2D:
    return layers.Conv2D(filters, size, padding="same", kernel_initializer="glorot_uniform", name=name)


def generator(shape: NetworkShape) -> keras.Model:
    """Residual generator: [N, latent_dim] (and [N] int labels when conditional) -> [N, res, res, 1] in [-1, 1]."""
    doublings = shape.doublings(RESOLUTIONS)
    width, synchronized_batch_norm = shape.width, shape.synchronized_batch_norm
    inputs, x = latent_input(shape.latent_dim, shape.num_classes)
    channels = _channels(width, doublings - 1)
    x = layers.Dense(4 * 4 * channels, kernel_initializer="glorot_uniform", name="project")(x)
    x = layers.Reshape((4, 4, channels), name="to_4x4")(x)
    for level in range(1, doublings + 1):
        size = 4 * 2**level
        x = _up_block(x, _channels(width, doublings - 1 - level), synchronized_batch_norm, f"up_{size}")
    x = batch_norm(synchronized_batch_norm, "bn_out")(x)
    x = layers.ReLU(name="relu_out")(x)
    x = _conv(1, 3, "to_image")(x)
    image = layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model(inputs, image, name="generator")


def _up_block(x, filters: int, synchronized: bool, name: str):
    h = batch_norm(synchronized, f"{name}_bn1")(x)
    h = layers.ReLU(name=f"{name}_relu1")(h)
    h = layers.UpSampling2D(2, name=f"{name}_upsample")(h)
    h = _conv(filters, 3, f"{name}_conv1")(h)
    h = batch_norm(synchronized, f"{name}_bn2")(h)
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = _conv(filters, 3, f"{name}_conv2")(h)
    shortcut = layers.UpSampling2D(2, name=f"{name}_shortcut_upsample")(x)
    shortcut = _conv(filters, 1, f"{name}_shortcut")(shortcut)
    return layers.Add(name=f"{name}_add")([h, shortcut])


def discriminator(shape: NetworkShape) -> keras.Model:
    """Residual discriminator: [N, res, res, 1] (and [N] int labels when conditional) -> [N, 1] real/fake logit.

    Spectral normalisation is always on and there is no batch norm, whatever
    `synchronized_batch_norm` and `spectral_norm` say (they are part of every architecture's shape).
    """
    halvings, resolution, width = shape.doublings(RESOLUTIONS), shape.resolution, shape.width
    image = keras.Input((resolution, resolution, 1), name="image")
    x = image
    for step in range(halvings):
        size = resolution // 2 ** (step + 1)
        x = _down_block(x, _channels(width, step), first=step == 0, name=f"down_{size}")
    x = layers.ReLU(name="relu_out")(x)
    features = layers.GlobalAveragePooling2D(name=FEATURES)(x)
    logit = layers.SpectralNormalization(layers.Dense(1, name="logit"), name="sn_logit", dtype="float32")(features)
    return discriminator_model(image, features, logit, shape.num_classes)


def _down_block(x, filters: int, first: bool, name: str):
    def normalised(filters_, size, part):
        return layers.SpectralNormalization(_conv(filters_, size, f"{name}_{part}"), name=f"sn_{name}_{part}")

    h = x if first else layers.ReLU(name=f"{name}_relu1")(x)
    h = normalised(filters, 3, "conv1")(h)
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = normalised(filters, 3, "conv2")(h)
    h = layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    if first:
        shortcut = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(x)
        shortcut = normalised(filters, 1, "shortcut")(shortcut)
    else:
        shortcut = normalised(filters, 1, "shortcut")(x)
        shortcut = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
    return layers.Add(name=f"{name}_add")([h, shortcut])
