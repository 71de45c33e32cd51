"""DiffAugment: differentiable, shape- and range-keeping, off means the plain step."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_gan import small_gan

from mri_gan.gan.augment import POLICIES, cutout, diff_augment, parse_policy, translation


def images(count=4, size=32):
    return tf.constant(np.random.default_rng(0).uniform(-1, 1, (count, size, size, 1)).astype("float32"))


@pytest.mark.parametrize("policy", POLICIES)
def test_each_augmentation_is_differentiable_and_keeps_the_shape(policy):
    x = tf.Variable(images())
    with tf.GradientTape() as tape:
        y = diff_augment(x, (policy,), keras.random.SeedGenerator(0))
        total = tf.reduce_sum(y * y)
    assert y.shape == x.shape
    gradient = tape.gradient(total, x)
    assert gradient is not None and float(tf.reduce_sum(tf.abs(gradient))) > 0


def test_translation_and_cutout_stay_in_range_and_fill_with_black():
    x = tf.ones((8, 32, 32, 1))
    shifted = translation(x, keras.random.SeedGenerator(1)).numpy()
    cut = cutout(x, keras.random.SeedGenerator(1)).numpy()
    for y in (shifted, cut):
        assert set(np.unique(y)) <= {-1.0, 1.0}
    assert (cut == -1).mean() == pytest.approx(0.25, abs=0.1)  # a half-side square, partly off the edge
    assert (shifted == -1).any()


def test_a_translated_image_is_the_original_shifted():
    x = tf.constant(np.arange(64, dtype="float32").reshape(1, 8, 8, 1) / 64)
    y = translation(x, keras.random.SeedGenerator(3)).numpy()[0, ..., 0]
    original = x.numpy()[0, ..., 0]
    matches = [
        (dr, dc)
        for dr in range(-1, 2)
        for dc in range(-1, 2)
        if np.array_equal(
            y[max(0, -dr) : 8 - max(0, dr), max(0, -dc) : 8 - max(0, dc)],
            original[max(0, dr) : 8 + min(0, dr), max(0, dc) : 8 + min(0, dc)],
        )
    ]
    assert matches


def test_gradients_reach_the_generator_through_the_augmentation():
    gan = small_gan()
    gan.augment_policy = parse_policy("color,translation,cutout")
    z = tf.random.normal((4, 16))
    with tf.GradientTape() as tape:
        logits = gan.discriminator(gan.augment(gan.generator(z, training=True)), training=True)
        loss = tf.reduce_mean(logits)
    gradients = tape.gradient(loss, gan.generator.trainable_weights)
    assert all(g is not None and float(tf.reduce_sum(tf.abs(g))) > 0 for g in gradients)


def test_augmentation_off_is_the_plain_step():
    real = images()
    plain, off, on = small_gan(seed=5), small_gan(seed=5), small_gan(seed=5)
    off.augment_policy = parse_policy("none")
    on.augment_policy = parse_policy("translation,cutout")
    plain_logs, off_logs, on_logs = plain.train_step(real), off.train_step(real), on.train_step(real)
    assert {name: float(v) for name, v in off_logs.items()} == {name: float(v) for name, v in plain_logs.items()}
    assert float(on_logs["d_loss"]) != float(plain_logs["d_loss"])


def test_unknown_policy_is_refused_by_name():
    with pytest.raises(ValueError, match="'zoom'"):
        parse_policy("translation,zoom")
