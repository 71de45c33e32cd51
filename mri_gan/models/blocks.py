"""What every architecture's networks share: their shape, the conditioning inputs and head, batch norm.

`NetworkShape` is the one description of a pair of networks an architecture builds from;
the conditioning parts keep the model contract (`mri_gan.models.contract`) the same for
every architecture: a generator takes z (and an int label, joined to z through the
`label_embedding` layer), a discriminator ends in a real/fake logit read from its
`features` layer (plus a projection on a learned class embedding when conditional).
"""

import math
from dataclasses import dataclass

import keras
from keras import layers

from mri_gan.errors import ConfigError
from mri_gan.models.fused_batch_norm import FusedBatchNorm


@dataclass(frozen=True)
class NetworkShape:
    """The size and options of a generator and its discriminator."""

    resolution: int = 64  # side of the square images
    latent_dim: int = 100  # length of the latent vector z
    width: int = 64  # base number of filters
    synchronized_batch_norm: bool = False  # batch-norm statistics over all replicas
    num_classes: int = 0  # classes of a conditional model; 0 when unconditional
    spectral_norm: bool = False  # spectral normalisation in the discriminator

    def doublings(self, resolutions: tuple[int, ...]) -> int:
        """The doublings from 4x4 to `resolution`, for an architecture that takes `resolutions`; a shape the
        networks cannot take raises ConfigError."""
        if self.resolution not in resolutions:
            raise ConfigError(f"resolution must be one of {', '.join(map(str, resolutions))}; got {self.resolution}")
        if self.latent_dim < 1:
            raise ConfigError(f"latent_dim must be at least 1, got {self.latent_dim}")
        if self.width < 1:
            raise ConfigError(f"width must be at least 1, got {self.width}")
        return int(math.log2(self.resolution)) - 2


def batch_norm(synchronized: bool, name: str):
    """The fused kernel on one replica; Keras's layer when statistics are synchronized across replicas."""
    gamma = keras.initializers.RandomNormal(mean=1.0, stddev=0.02)
    if synchronized:
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=gamma, synchronized=True,
                                         name=name)  # fmt: skip
    return FusedBatchNorm(momentum=0.9, epsilon=1e-5, gamma_initializer=gamma, name=name)


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


def discriminator_model(image, features, logit, num_classes: int, embeddings_initializer="uniform") -> keras.Model:
    """The discriminator from its image input, `features` and logit; a conditional one adds to the logit the
    projection of the features on a learned embedding of the label (Miyato & Koyama 2018)."""
    if not num_classes:
        return keras.Model(image, logit, name="discriminator")
    label = label_input(num_classes)
    embedded = layers.Embedding(num_classes, features.shape[-1], embeddings_initializer=embeddings_initializer,
                                name="label_embedding")(label)  # fmt: skip
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, features])
    logit = layers.Add(dtype="float32", name="logit_with_projection")([logit, projection])
    return keras.Model([image, label], logit, name="discriminator")
