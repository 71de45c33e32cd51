"""Each loss and penalty against values worked out by hand for small inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.gan.losses import LOSSES, gradient_penalty, lazy_r1_penalty, loss_spec, r1_penalty
from mri_gan.models.fused_batch_norm import FusedBatchNorm

REAL = np.array([[2.0], [-1.0]], "float32")
FAKE = np.array([[0.0], [3.0]], "float32")


# Hand-worked: softplus(x) = log(1 + e^x); BCE(target t, logit l) = softplus(l) - t * l.
#   real: softplus(-2) = 0.126928, softplus(1) = 1.313262 -> mean 0.720095
#   fake: softplus(0) = 0.693147, softplus(3) = 3.048587 -> mean 1.870867
#   smoothed real (t = 0.9): 2.126928 - 1.8 = 0.326928, 0.313262 + 0.9 = 1.213262 -> mean 0.770095
@pytest.mark.parametrize(
    ("name", "real_label", "d_expected", "g_expected"),
    [
        ("bce", 1.0, 0.720095 + 1.870867, (0.693147 + 0.048587) / 2),  # G: softplus(-0), softplus(-3)
        ("bce", 0.9, 0.770095 + 1.870867, (0.693147 + 0.048587) / 2),
        ("hinge", 1.0, (0 + 2) / 2 + (1 + 4) / 2, -(0 + 3) / 2),
        ("lsgan", 1.0, 0.5 * ((1 + 4) / 2 + (0 + 9) / 2), 0.5 * (1 + 4) / 2),
        ("lsgan", 0.9, 0.5 * ((1.1**2 + 1.9**2) / 2 + (0 + 9) / 2), 0.5 * (1 + 4) / 2),
        ("wgan-gp", 1.0, (0 + 3) / 2 - (2 - 1) / 2, -(0 + 3) / 2),
    ],
)
def test_loss_values_match_hand_computed_ones(name, real_label, d_expected, g_expected):
    spec = loss_spec(name)
    d_loss, g_loss = spec.discriminator, spec.generator
    assert float(d_loss(REAL, FAKE, real_label)) == pytest.approx(d_expected, abs=1e-5)
    assert float(g_loss(FAKE)) == pytest.approx(g_expected, abs=1e-5)


def test_each_loss_spec_says_its_decision_point_smoothing_and_penalty_and_an_unknown_name_is_refused():
    assert {name for name, spec in LOSSES.items() if spec.label_smoothing} == {"bce", "lsgan"}
    assert {name: spec.decision_logit for name, spec in LOSSES.items()} == {
        "bce": 0.0, "hinge": 0.0, "lsgan": 0.5, "wgan-gp": 0.0
    }  # fmt: skip
    assert [name for name, spec in LOSSES.items() if spec.penalty_weight] == ["wgan-gp"]
    assert LOSSES["wgan-gp"].penalty is gradient_penalty
    with pytest.raises(ValueError, match="'wasserstein'"):
        loss_spec("wasserstein")


def test_bce_stays_finite_for_confident_logits_in_bfloat16():
    d_loss = loss_spec("bce").discriminator
    value = d_loss(tf.constant([[80.0]], tf.bfloat16), tf.constant([[-80.0]], tf.bfloat16))
    assert np.isfinite(float(value)) and float(value) < 1e-6


def linear_critic(images):
    """D(x) = 3 * sum(x): its gradient is 3 at every pixel, whatever x."""
    return tf.reduce_sum(3.0 * images, axis=[1, 2, 3])[:, None]


def test_r1_is_the_mean_squared_gradient_norm_on_real_images():
    real = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2, 2, 2, 1)), tf.float32)
    assert float(r1_penalty(linear_critic, real)) == pytest.approx(9.0 * 4)  # 4 pixels, gradient 3 each

    def quadratic_critic(images):  # gradient 2x: ||grad||^2 = 4 * sum(x^2)
        return tf.reduce_sum(tf.square(images), axis=[1, 2, 3])[:, None]

    expected = np.mean(4 * np.sum(np.square(real.numpy()), axis=(1, 2, 3)))
    assert float(r1_penalty(quadratic_critic, real)) == pytest.approx(expected, rel=1e-5)


def test_gradient_penalty_is_the_squared_distance_of_the_gradient_norm_from_one():
    real, fake = tf.ones((3, 2, 2, 1)), -tf.ones((3, 2, 2, 1))
    penalty = gradient_penalty(linear_critic, real, fake, keras.random.SeedGenerator(0))
    assert float(penalty) == pytest.approx((3.0 * 2 - 1) ** 2, rel=1e-5)  # ||grad|| = sqrt(4 * 9) = 6


def test_r1_penalty_has_a_gradient_for_the_critic_weights():
    weight = tf.Variable(2.0)

    def critic(images):
        return tf.reduce_sum(weight * images, axis=[1, 2, 3])[:, None]

    with tf.GradientTape() as tape:
        penalty = r1_penalty(critic, tf.ones((1, 2, 2, 1)))
    assert float(tape.gradient(penalty, weight)) == pytest.approx(2 * 2.0 * 4)  # d(4 w^2)/dw


@pytest.mark.parametrize("compiled", [False, True])
def test_lazy_r1_is_interval_times_r1_on_due_steps_and_zero_between(compiled):
    real = tf.ones((2, 2, 2, 1))

    def lazy(step):
        return lazy_r1_penalty(linear_critic, real, step, 4)

    lazy = tf.function(lazy) if compiled else lazy
    every_step = float(r1_penalty(linear_critic, real))
    values = [float(lazy(tf.constant(step, tf.int64))) for step in range(9)]
    assert values == pytest.approx([4 * every_step if step % 4 == 0 else 0.0 for step in range(9)])
    assert float(lazy_r1_penalty(linear_critic, real, tf.constant(7, tf.int64), 1)) == pytest.approx(every_step)


def test_lazy_r1_passes_its_gradient_to_the_critic_weights_on_due_steps_only():
    weight = tf.Variable(2.0)

    def critic(images):
        return tf.reduce_sum(weight * images, axis=[1, 2, 3])[:, None]

    @tf.function
    def gradient(step):
        with tf.GradientTape() as tape:
            penalty = lazy_r1_penalty(critic, tf.ones((1, 2, 2, 1)), step, 16)
        return tape.gradient(penalty, weight)

    assert float(gradient(tf.constant(32, tf.int64))) == pytest.approx(16 * 2 * 2.0 * 4)
    assert float(gradient(tf.constant(33, tf.int64))) == 0.0


def test_lazy_r1_under_a_distribution_strategy_weights_the_due_steps_without_branching_around_batch_norm():
    strategy = tf.distribute.MirroredStrategy(["CPU:0"])
    with strategy.scope():
        critic = keras.Sequential([keras.Input((2, 2, 1)), FusedBatchNorm(),
                                   keras.layers.Flatten(), keras.layers.Dense(1)])  # fmt: skip
    real = tf.reshape(tf.range(8, dtype=tf.float32), (2, 2, 2, 1))

    @tf.function
    def lazy(step):
        return strategy.run(lambda: lazy_r1_penalty(lambda x: critic(x, training=True), real, step, 4))

    every_step = float(strategy.run(tf.function(lambda: r1_penalty(lambda x: critic(x, training=True), real))))
    assert every_step > 0
    assert float(lazy(tf.constant(8, tf.int64))) == pytest.approx(4 * every_step, rel=1e-5)
    assert float(lazy(tf.constant(9, tf.int64))) == 0.0
