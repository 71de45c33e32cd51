"""The GAN family's builder: the compiled GAN a run's configuration describes."""

import keras

from mri_gan.config import JIT_COMPILE, RunConfig
from mri_gan.gan.model import GAN
from mri_gan.gan.transfer import freeze_first_layers
from mri_gan.models import architecture
from mri_gan.runtime.precision import dtype_policy


def build_gan(config: RunConfig, num_classes: int = 0) -> GAN:
    """The compiled GAN a configuration describes (fresh weights from the run's seed).

    `num_classes` is the number of classes the data has; used when `model.conditional`.
    """
    model, train = config.model, config.train
    classes = num_classes if model.conditional else 0
    networks = architecture(model.architecture)
    with dtype_policy(train.precision):
        generator = networks.build_generator(model.resolution, model.latent_dim, model.width,
                                             model.synchronized_batch_norm, num_classes=classes)  # fmt: skip
        discriminator = networks.build_discriminator(
            model.resolution,
            model.width,
            model.synchronized_batch_norm,
            num_classes=classes,
            spectral_norm=model.spectral_norm,
        )
    freeze_first_layers(discriminator, train.freeze_d)
    gan = GAN(generator, discriminator, seed=train.seed, augment=train.augment, loss=train.loss,
                label_smoothing=train.label_smoothing, r1_gamma=train.r1_gamma, r1_interval=train.r1_interval,
                ema_decay=train.ema_decay, num_classes=classes, ada_target=train.ada_target,
                ada_speed_images=1000 * train.ada_kimg, ada_max_p=train.ada_max_p,
                class_loss=train.class_loss)  # fmt: skip
    optimizers = {name: keras.optimizers.Adam(rate, beta_1=train.beta_1, beta_2=train.beta_2)
                  for name, rate in train.optimizer_rates.items()}  # fmt: skip
    gan.compile(**optimizers, jit_compile=JIT_COMPILE[train.jit_compile])
    return gan
