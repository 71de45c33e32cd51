"""Options of the training step: EMA generator, losses and penalties, spectral norm, class-balanced data."""

import gc

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.data.pipeline import batched
from mri_gan.gan.losses import LOSSES
from mri_gan.gan.model import GAN
from mri_gan.models import build_discriminator, build_generator


def options_gan(seed=0, spectral_norm=False, **options) -> GAN:
    keras.utils.set_random_seed(seed)
    gan = GAN(build_generator(32, 16, 8), build_discriminator(32, 8, spectral_norm=spectral_norm), seed=seed,
                **options)  # fmt: skip
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5)
    )
    return gan


def real_batch(count=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, 32, 32, 1)).astype("float32")


def test_ema_weights_follow_the_documented_decay():
    decay = 0.75
    gan = options_gan(ema_decay=decay)
    expected = [w.numpy().copy() for w in gan.generator.trainable_weights]
    for average, weight in zip(gan.ema_generator.trainable_weights, gan.generator.trainable_weights, strict=True):
        np.testing.assert_array_equal(average.numpy(), weight.numpy())  # starts as a copy
    for step in range(3):
        gan.train_step(real_batch(seed=step))
        current = [w.numpy() for w in gan.generator.trainable_weights]
        expected = [decay * e + (1 - decay) * c for e, c in zip(expected, current, strict=True)]
        for average, value in zip(gan.ema_generator.trainable_weights, expected, strict=True):
            np.testing.assert_allclose(average.numpy(), value, rtol=1e-5, atol=1e-7)
    for copy, statistic in zip(gan.ema_generator.non_trainable_weights, gan.generator.non_trainable_weights,
                               strict=True):  # fmt: skip
        np.testing.assert_array_equal(copy.numpy(), statistic.numpy())
    assert not np.allclose(gan.ema_generator.trainable_weights[0].numpy(), gan.generator.trainable_weights[0].numpy())


def test_images_come_from_the_ema_generator_when_it_is_on():
    gan = options_gan(ema_decay=0.9)
    for step in range(2):
        gan.train_step(real_batch(seed=step))
    assert gan.sampling_generator is gan.ema_generator
    z = tf.random.normal((4, 16))
    np.testing.assert_allclose(gan.sample_from_latent(z).numpy(), gan.ema_generator(z, training=False).numpy())
    assert not np.allclose(gan.sample_from_latent(z).numpy(), gan.generator(z, training=False).numpy())
    plain = options_gan()
    assert plain.ema_generator is None and plain.sampling_generator is plain.generator


def test_ema_generator_is_checkpointed_and_restored(tmp_path):
    from mri_gan.training.state import TrainingState

    gan = options_gan(ema_decay=0.5)
    gan.train_step(real_batch())
    TrainingState(gan, tmp_path).save(epoch=1)
    restored = options_gan(seed=9, ema_decay=0.5)
    assert TrainingState(restored, tmp_path).restore_latest() == 1
    for a, b in zip(restored.ema_generator.weights, gan.ema_generator.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_ema_added_when_resuming_starts_from_the_restored_generator_and_ada_from_zero(tmp_path):
    from mri_gan.training.state import TrainingState

    gan = options_gan()
    gan.train_step(real_batch())
    TrainingState(gan, tmp_path).save(epoch=1)
    resumed = options_gan(seed=9, ema_decay=0.5, augment="ada")
    assert TrainingState(resumed, tmp_path).restore_latest() == 1
    for average, trained in zip(resumed.ema_generator.weights, gan.generator.weights, strict=True):
        np.testing.assert_array_equal(average.numpy(), trained.numpy())
    assert float(resumed.ada.p.numpy()) == 0.0


def test_a_checkpoint_of_another_network_layout_is_a_config_error(tmp_path):
    from mri_gan.errors import ConfigError
    from mri_gan.training.state import TrainingState

    TrainingState(options_gan(), tmp_path).save(epoch=1)
    conditional = GAN(build_generator(32, 16, 8, num_classes=2), build_discriminator(32, 8, num_classes=2),
                        num_classes=2)  # fmt: skip
    conditional.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    level = tf.get_logger().level
    try:
        with pytest.raises(ConfigError, match=r"another layout.*give a new --out"):
            TrainingState(conditional, tmp_path).restore_latest()
        del conditional
        gc.collect()  # the half-restored networks log each unrestored value when deleted
    finally:
        tf.get_logger().setLevel(level)


@pytest.mark.parametrize("loss", LOSSES)
def test_each_loss_trains_with_finite_values_and_changes_both_networks(loss):
    gan = options_gan(loss=loss, r1_gamma=1.0 if loss == "hinge" else 0.0)
    before = [w.numpy().copy() for w in gan.generator.trainable_weights[:1] + gan.discriminator.trainable_weights[:1]]
    logs = gan.train_step(real_batch())
    after = [w.numpy() for w in gan.generator.trainable_weights[:1] + gan.discriminator.trainable_weights[:1]]
    assert all(np.isfinite(float(value)) for value in logs.values())
    assert not any(np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def test_penalties_and_smoothing_change_the_discriminator_loss_by_their_own_term():
    real = real_batch()
    plain = float(options_gan(seed=3).train_step(real)["d_loss"])
    penalised = float(options_gan(seed=3, r1_gamma=10.0).train_step(real)["d_loss"])
    smoothed = float(options_gan(seed=3, label_smoothing=0.1).train_step(real)["d_loss"])
    lazy = options_gan(seed=3, r1_gamma=10.0, r1_interval=4)
    lazy_first = float(lazy.train_step(real)["d_loss"])
    assert penalised > plain  # + gamma / 2 * ||grad D(x)||^2, which is positive
    assert lazy_first - plain == pytest.approx(4 * (penalised - plain), rel=1e-3)  # step 0 is due, 4x the weight
    assert smoothed != pytest.approx(plain, rel=1e-6)
    assert options_gan(seed=3, loss="wgan-gp").adversarial_loss.penalty_weight == 10.0
    assert options_gan().adversarial_loss.penalty_weight == 0.0


def test_bad_option_values_are_refused_by_name():
    with pytest.raises(ValueError, match=r"1\.5"):
        options_gan(ema_decay=1.5)
    with pytest.raises(ValueError, match="'fancy'"):
        options_gan(loss="fancy")
    with pytest.raises(ValueError, match="-1"):
        options_gan(r1_gamma=-1.0)
    with pytest.raises(ValueError, match=r"r1_interval.*0"):
        options_gan(r1_gamma=1.0, r1_interval=0)


def test_spectral_norm_wraps_the_discriminator_layers_and_replaces_its_batch_norm():
    discriminator = build_discriminator(32, 8, spectral_norm=True)
    kinds = [type(layer).__name__ for layer in discriminator.layers]
    assert kinds.count("SpectralNormalization") == 4  # three convolutions and the logit
    assert not any("BatchNorm" in kind for kind in kinds)
    gan = options_gan(spectral_norm=True, loss="hinge")
    assert all(np.isfinite(float(v)) for v in gan.train_step(real_batch()).values())


def test_class_balanced_batches_draw_each_class_equally_often_with_the_epoch_length_kept():
    labels = np.array([0] * 90 + [1] * 30, "int32")
    images = np.zeros((120, 4, 4, 1), "float32")
    dataset = batched(tf.data.Dataset.from_tensor_slices((images, labels)), 40, seed=0, balance_classes=2)
    drawn = np.concatenate([batch_labels.numpy() for _ in range(10) for _, batch_labels in dataset])
    assert len(drawn) == 10 * 120
    assert np.mean(drawn == 1) == pytest.approx(0.5, abs=0.04)
    plain = batched(tf.data.Dataset.from_tensor_slices((images, labels)), 40, seed=0)
    assert np.mean(np.concatenate([b.numpy() for _, b in plain]) == 1) == pytest.approx(0.25)
