"""Batch normalization through TensorFlow's fused kernel, for single-replica training.

Keras 3's `BatchNormalization` computes the statistics and the normalization as separate
elementwise ops on TensorFlow, which cost a noticeable share of the DCGAN step's time
(benchmarks/README.md) and keep extra activations alive for the backward pass. `FusedBatchNorm` computes the same
function with `FusedBatchNormV3` (forward and gradient in one kernel each; oneDNN on
CPUs, cuDNN on GPUs). It normalizes with the biased batch variance, as Keras does, and
like PyTorch keeps the unbiased variance in its moving average. `build_generator` and
`build_discriminator` use Keras's layer when batch statistics must be synchronized across
replicas, which this one cannot do; saved `.keras` files hold Keras's layer (`portable.py`).
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="mri_gan")
class FusedBatchNorm(keras.layers.Layer):
    """Batch norm over the last axis of NHWC feature maps: `BatchNormalization(axis=-1)` semantics."""

    def __init__(self, momentum=0.9, epsilon=1e-5, gamma_initializer="ones", **kwargs):
        kwargs.setdefault("autocast", False)  # the kernel takes float32 scale and offset with half-precision inputs
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon
        self.gamma_initializer = keras.initializers.get(gamma_initializer)

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(shape=channels, initializer=self.gamma_initializer, name="gamma", autocast=False)
        self.beta = self.add_weight(shape=channels, initializer="zeros", name="beta", autocast=False)
        self.moving_mean = self.add_weight(shape=channels, initializer="zeros", trainable=False,
                                           name="moving_mean", aggregation="mean", autocast=False)  # fmt: skip
        self.moving_variance = self.add_weight(shape=channels, initializer="ones", trainable=False,
                                               name="moving_variance", aggregation="mean", autocast=False)  # fmt: skip

    def call(self, inputs, training=False):
        gamma, beta = tf.convert_to_tensor(self.gamma), tf.convert_to_tensor(self.beta)
        if not training:
            outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
                inputs, gamma, beta, mean=self.moving_mean, variance=self.moving_variance,
                epsilon=self.epsilon, is_training=False,
            )  # fmt: skip
            return outputs
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, gamma, beta, epsilon=self.epsilon, is_training=True
        )
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1 - self.momentum))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
        }
