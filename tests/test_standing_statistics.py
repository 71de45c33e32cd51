"""Standing statistics: batch-norm statistics re-estimated over fresh noise fit the generator's weights."""

import keras
import numpy as np
import pytest

from mri_gan.callbacks import StandingStatistics
from mri_gan.gan.batch_norm_statistics import batch_norm_layers, reestimate_batch_norm
from mri_gan.gan.model import GAN
from mri_gan.models import build_discriminator, build_generator


@pytest.mark.parametrize("classes", [0, 2])
def test_a_generator_with_corrupted_moving_statistics_samples_correctly_after_reestimation(classes):
    keras.utils.set_random_seed(0)
    generator = build_generator(32, 16, 8, num_classes=classes)
    rng = np.random.default_rng(1)
    z = rng.standard_normal((256, 16)).astype("float32")
    inputs = [z, rng.integers(0, classes, 256).astype("int32")] if classes else z
    with_batch_statistics = generator(inputs, training=True).numpy()  # what the weights make, normalised per batch
    for layer in batch_norm_layers(generator):
        layer.moving_mean.assign(np.full(layer.moving_mean.shape, 5.0, "float32"))
        layer.moving_variance.assign(np.full(layer.moving_variance.shape, 40.0, "float32"))
    corrupted = np.abs(generator(inputs, training=False).numpy() - with_batch_statistics).mean()
    assert reestimate_batch_norm(generator, 16, classes, batches=16, batch_size=64) == len(batch_norm_layers(generator))
    repaired = np.abs(generator(inputs, training=False).numpy() - with_batch_statistics).mean()
    assert repaired < corrupted / 10 and repaired < 0.01, (corrupted, repaired)
    assert all(layer.momentum == 0.9 for layer in batch_norm_layers(generator))  # restored


def test_the_callback_gives_an_ema_generator_statistics_that_fit_it():
    keras.utils.set_random_seed(0)
    gan = GAN(build_generator(32, 16, 8), build_discriminator(32, 8), seed=0, ema_decay=0.9)
    gan.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    images = np.random.default_rng(0).uniform(-1, 1, (64, 32, 32, 1)).astype("float32")
    gan.fit(images, batch_size=16, epochs=2, verbose=0)
    z = np.random.default_rng(2).standard_normal((256, 16)).astype("float32")
    reference = gan.ema_generator(z, training=True).numpy()
    before = np.abs(gan.ema_generator(z, training=False).numpy() - reference).mean()
    callback = StandingStatistics(periods=(1,), batches=16)
    callback.set_model(gan)
    callback.refresh()
    after = np.abs(gan.ema_generator(z, training=False).numpy() - reference).mean()
    assert after < before and after < 0.05, (before, after)
