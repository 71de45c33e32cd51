"""`DCGAN`: the generator and discriminator trained together by `fit()`.

`train_step` follows PyTorch's reference DCGAN (pytorch/examples `dcgan/main.py`):
one generated batch per step, a discriminator update on the real batch and on that
generated batch (separate passes, so batch norm never mixes them), then a generator
update through the freshly updated discriminator with the non-saturating loss.

Under a `tf.distribute` strategy each replica gets an equal share of the global batch.
Losses are means over the replica's share divided by the number of replicas, and the
optimizers sum gradients over replicas, so the update is that of the mean over the global
batch, as on one device. The noise is drawn for the global batch and each replica takes
its slice: one device and N replicas see the same latent vectors.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from mri_gan.augment import diff_augment, parse_policy
from mri_gan.losses import discriminator_bce, generator_non_saturating
from mri_gan.precision import needs_loss_scaling
from mri_gan.sampling import latent_vectors, to_uint8


class DCGAN(keras.Model):
    """A generator and a discriminator trained adversarially with `fit()`.

    Example:

        gan = DCGAN(build_generator(64), build_discriminator(64), seed=0)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        )
        gan.fit(dataset, epochs=100, callbacks=[ImageGrid("grids")])
        images = gan.generate(16, seed=1)  # uint8 [16, 64, 64, 1]

    `fit` shows `d_loss`, `g_loss`, `d_real` (mean D(x)), `d_fake` (mean D(G(z)) before
    the discriminator update) and `d_accuracy` (share of real and generated images the
    discriminator gets right). The dataset may yield images or (images, labels).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        seed: int | None = None,
        augment: str = "",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.augment_policy = parse_policy(augment)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.resolution = int(generator.outputs[0].shape[1])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {
            name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "d_real", "d_fake", "d_accuracy")
        }
        self.built = True  # both networks are built; nothing to infer from the data (fit under a strategy asks)

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Two optimizers; when the networks compute in float16 each is wrapped for loss scaling."""
        super().compile(**kwargs)
        if needs_loss_scaling(self.generator) or needs_loss_scaling(self.discriminator):
            d_optimizer = _loss_scaled(d_optimizer)
            g_optimizer = _loss_scaled(g_optimizer)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.build_optimizers()  # now, inside the caller's strategy scope: fit cannot create them per replica

    def build_optimizers(self) -> None:
        """Create both optimizers' variables now: in the strategy scope, and before a checkpoint restores them."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple | list) else data
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        z = self._latent_share(ops.shape(real)[0], replicas)
        generator, discriminator = self.generator, self.discriminator

        with tf.GradientTape() as g_tape:
            fake = generator(z, training=True)

            # Discriminator update: real and generated batches in separate passes.
            with g_tape.stop_recording(), tf.GradientTape() as d_tape:
                real_logits = discriminator(self.augment(real), training=True)
                fake_logits = discriminator(self.augment(ops.stop_gradient(fake)), training=True)
                d_loss = discriminator_bce(real_logits, fake_logits)
                scaled_d_loss = self.d_optimizer.scale_loss(d_loss / replicas)
            d_grads = d_tape.gradient(scaled_d_loss, discriminator.trainable_weights)
            self.d_optimizer.apply(d_grads, discriminator.trainable_weights)

            # Generator update: the same generated batch through the updated discriminator.
            g_loss = generator_non_saturating(discriminator(self.augment(fake), training=True))
            scaled_g_loss = self.g_optimizer.scale_loss(g_loss / replicas)
        g_grads = g_tape.gradient(scaled_g_loss, generator.trainable_weights)
        self.g_optimizer.apply(g_grads, generator.trainable_weights)

        # Metrics: who is winning, in the terms PyTorch's DCGAN prints.
        real_correct = ops.cast(real_logits > 0, "float32")
        fake_correct = ops.cast(fake_logits < 0, "float32")
        self.trackers["d_loss"].update_state(d_loss)
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["d_real"].update_state(ops.sigmoid(ops.cast(real_logits, "float32")))
        self.trackers["d_fake"].update_state(ops.sigmoid(ops.cast(fake_logits, "float32")))
        self.trackers["d_accuracy"].update_state(ops.concatenate([real_correct, fake_correct], axis=0))
        logs = {name: tracker.result() for name, tracker in self.trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras reduces multi-worker logs with a mean over axis 0, which a scalar lacks.
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def _latent_share(self, batch_size, replicas: int):
        """This replica's slice of the latent vectors drawn for the whole global batch."""
        z = keras.random.normal((batch_size * replicas, self.latent_dim), seed=self.seed_generator)
        if replicas == 1:
            return z
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        return z[replica * batch_size : (replica + 1) * batch_size]

    def augment(self, images):
        """DiffAugment of the images the discriminator sees (identity when the policy is empty)."""
        return diff_augment(images, self.augment_policy, self.seed_generator) if self.augment_policy else images

    def generate(self, num: int, seed: int = 0, batch_size: int = 256) -> np.ndarray:
        """`num` generated images as uint8 [num, H, W, 1], the same for the same seed.

        Uses the same latent vectors as the exported SavedModel's `sample(seed, count)`.
        """
        z = latent_vectors(seed, num, self.latent_dim)
        batches = [
            to_uint8(self.generator(z[start : start + batch_size], training=False)).numpy()
            for start in range(0, num, batch_size)
        ]
        return np.concatenate(batches) if batches else np.zeros((0, self.resolution, self.resolution, 1), np.uint8)

    def summary_text(self) -> str:
        """Both networks' `summary()` as one text, for the run directory."""
        lines: list[str] = []
        for network in (self.generator, self.discriminator):
            network.summary(print_fn=lambda line, *args, **kwargs: lines.append(line), line_length=100)
            lines.append("")
        return "\n".join(lines)


def _loss_scaled(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
