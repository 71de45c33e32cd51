"""The DCGAN training step: it updates both networks, reports finite metrics, handles a short batch."""

import keras
import numpy as np
import pytest

from mri_gan.gan.model import GAN
from mri_gan.models import build_discriminator, build_generator


def small_gan(seed=0, resolution=32, latent=16, width=8):
    keras.utils.set_random_seed(seed)
    gan = GAN(build_generator(resolution, latent, width), build_discriminator(resolution, width), seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5)
    )
    return gan


def test_one_train_step_changes_every_trainable_weight_and_returns_finite_metrics():
    gan = small_gan()
    before = [w.numpy().copy() for w in gan.generator.trainable_weights + gan.discriminator.trainable_weights]
    real = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    logs = gan.train_step(real)
    after = [w.numpy() for w in gan.generator.trainable_weights + gan.discriminator.trainable_weights]
    unchanged = [w.path for w, b, a in zip(gan.generator.trainable_weights + gan.discriminator.trainable_weights,
                                           before, after, strict=True) if np.array_equal(b, a)]  # fmt: skip
    assert not unchanged
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy"}
    for name, value in logs.items():
        assert np.isfinite(float(value)), name
    assert 0 <= float(logs["d_real"]) <= 1 and 0 <= float(logs["d_accuracy"]) <= 1


def test_fit_handles_a_short_last_batch_and_labelled_batches():
    import tensorflow as tf

    gan = small_gan()
    images = np.random.default_rng(1).uniform(-1, 1, (11, 32, 32, 1)).astype("float32")
    labels = np.zeros(11, "int32")
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)  # 4, 4, 3
    history = gan.fit(dataset, epochs=2, verbose=0)
    assert all(np.isfinite(history.history["g_loss"]))


def test_noise_is_drawn_from_the_model_seed_generator():
    real = np.random.default_rng(0).uniform(-1, 1, (4, 32, 32, 1)).astype("float32")
    first, second = small_gan(seed=3), small_gan(seed=3)
    np.testing.assert_allclose(float(first.train_step(real)["g_loss"]), float(second.train_step(real)["g_loss"]))
    again = float(first.train_step(real)["g_loss"])
    other = small_gan(seed=4)
    assert again != pytest.approx(float(other.train_step(real)["g_loss"]), rel=1e-6)


def test_generate_returns_reproducible_uint8_images():
    gan = small_gan()
    images = gan.sample(5, seed=2, batch_size=2)
    assert images.shape == (5, 32, 32, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, gan.sample(5, seed=2))
    assert not np.array_equal(images, gan.sample(5, seed=3))


def test_summary_text_names_both_networks():
    text = small_gan().summary_text()
    assert "generator" in text and "discriminator" in text and "Total params" in text
