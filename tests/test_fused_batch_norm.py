"""FusedBatchNorm computes Keras's BatchNormalization: outputs, gradients and moving statistics."""

import keras
import numpy as np
import tensorflow as tf

from mri_gan.models.fused_batch_norm import FusedBatchNorm


def pair():
    fused = FusedBatchNorm(momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02))
    plain = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    x = tf.constant(np.random.default_rng(0).normal(2.0, 3.0, (8, 4, 4, 3)).astype("float32"))
    fused.build(x.shape)
    plain.build(x.shape)
    plain.gamma.assign(fused.gamma)
    plain.beta.assign(np.array([0.1, -0.2, 0.3], "float32"))
    fused.beta.assign(plain.beta)
    return fused, plain, x


def test_training_outputs_and_gradients_match_keras():
    fused, plain, x = pair()
    results = []
    for layer in (fused, plain):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(tf.square(y - 0.5) * tf.range(1.0, 4.0))
        results.append((y, *tape.gradient(loss, [x, layer.gamma, layer.beta])))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-5)


def test_moving_statistics_follow_the_momentum_and_inference_uses_them():
    fused, _, x = pair()
    fused(x, training=True)
    values = x.numpy().reshape(-1, 3)
    np.testing.assert_allclose(fused.moving_mean.numpy(), 0.1 * values.mean(0), rtol=1e-5)
    np.testing.assert_allclose(fused.moving_variance.numpy(), 0.9 + 0.1 * values.var(0, ddof=1), rtol=1e-5)
    expected = (x - fused.moving_mean) / np.sqrt(fused.moving_variance + 1e-5) * fused.gamma + fused.beta
    np.testing.assert_allclose(fused(x, training=False).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
