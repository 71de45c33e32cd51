"""`GAN`: a generator and a discriminator trained together by `fit()`.

`train_step` follows PyTorch's reference DCGAN (pytorch/examples `dcgan/main.py`):
one generated batch per step, a discriminator update on the real batch and on that
generated batch (separate passes, so batch norm never mixes them), then a generator
update through the freshly updated discriminator with the non-saturating loss.

Options of the same step, all off by default (the paper's setting): DiffAugment of every
image the discriminator sees, the loss (`bce`, `hinge`, `lsgan`, `wgan-gp`), one-sided
label smoothing, an R1 penalty on real images, an exponential moving average (EMA) of the
generator's weights for sampling, and class conditioning (the generator takes (z, label),
the discriminator (image, label); generated batches take the real batch's labels, so the
classes are generated as often as the data pipeline delivers them). A conditional model may
add AC-GAN's class loss beside the projection discriminator: a class head on the
discriminator's features learns the real images' classes, and the generator is also
trained to have its images classified as the label it was given, which pulls each class
toward what tells it apart.

Under a `tf.distribute` strategy each replica gets an equal share of the global batch.
Losses are means over the replica's share divided by the number of replicas, and the
optimizers sum gradients over replicas, so the update is that of the mean over the global
batch, as on one device. The noise is drawn for the global batch and each replica takes
its slice: one device and N replicas see the same latent vectors.
"""

from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from mri_gan.errors import ConfigError
from mri_gan.gan.ada import AdaController, ada_augment, pseudo_augment
from mri_gan.gan.augment import ADAPTIVE, PSEUDO, diff_augment, parse_policy
from mri_gan.gan.losses import AdversarialLoss, class_cross_entropy
from mri_gan.models.contract import FEATURES
from mri_gan.models.portable import separate_copy
from mri_gan.runtime.distribution import logs_for_strategy, replica_share
from mri_gan.runtime.precision import needs_loss_scaling
from mri_gan.sampling.latents import sample_images


class GAN(keras.Model):
    """A generator and a discriminator trained adversarially with `fit()`; a `GenerativeModel`.

    The networks may be of any architecture in `mri_gan.models.ARCHITECTURES` (the paper's
    GAN, residual networks). Example:

        gan = GAN(build_generator(64), build_discriminator(64), seed=0)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        )
        gan.fit(dataset, epochs=100, callbacks=[ImageGrid("grids")])
        images = gan.sample(16, seed=1)  # uint8 [16, 64, 64, 1]

    `fit` shows `d_loss`, `g_loss`, `d_real` (mean sigmoid of D(x)), `d_fake` (the same for
    D(G(z)), before the discriminator update) and `d_accuracy` (share of real and
    generated images on the right side of the loss's decision point: 0, or 0.5 for lsgan).
    The dataset may yield images or (images, labels); a conditional model (networks from
    `build_generator(..., num_classes=2)`, and `num_classes=2` here) needs labels.

    `r1_gamma` > 0 adds gamma / 2 times the R1 penalty on the augmented real images to the
    discriminator's loss; with `r1_interval` N > 1 it is added, N times as heavy, only at
    every N-th discriminator step (lazy regularization), which saves most of its cost.

    `class_loss` > 0 (conditional models) adds `class_head`, a dense layer from the
    discriminator's features to class logits, trained with the discriminator on the real
    images' labels; the generator's loss adds `class_loss` times the cross-entropy of its
    images' class logits with the labels it was given, and `fit` shows `class_accuracy`,
    the share of generated images the head assigns to their label.

    `ema_decay` > 0 keeps `ema_generator`, whose weights follow
    `ema = decay * ema + (1 - decay) * weights` after every generator update (batch-norm
    statistics are copied); grids, measures, `generate` and the export then use it.
    """

    logged_losses: ClassVar[dict[str, str]] = {"g_loss": "Generator", "d_loss": "Discriminator"}

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        seed: int | None = None,
        augment: str = "",
        loss: str = "bce",
        label_smoothing: float = 0.0,
        r1_gamma: float = 0.0,
        r1_interval: int = 1,
        ema_decay: float = 0.0,
        num_classes: int = 0,
        ada_target: float = 0.6,
        ada_speed_images: int = 100_000,
        ada_max_p: float = 1.0,
        class_loss: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.check_settings(ema_decay=ema_decay, class_loss=class_loss)
        self.adversarial_loss = AdversarialLoss(loss, label_smoothing, r1_gamma, r1_interval)
        self.augment_policy = parse_policy(augment)
        self.ada = (AdaController(ada_target, speed_images=ada_speed_images, max_p=ada_max_p)
                    if ADAPTIVE in self.augment_policy else None)  # fmt: skip
        self.apa = (AdaController(ada_target, speed_images=ada_speed_images, name="apa")
                    if PSEUDO in self.augment_policy else None)  # fmt: skip
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = num_classes
        for network in (generator, discriminator):
            if (len(network.inputs) > 1) != bool(num_classes):
                raise ValueError(
                    f"num_classes={num_classes}, but the {network.name} takes {len(network.inputs)} inputs: a "
                    "conditional model's networks take (input, label) and need num_classes >= 2, others one input"
                )
        if class_loss and not num_classes:
            raise ValueError(f"class_loss={class_loss} needs a conditional model (num_classes >= 2): "
                             "an unconditional GAN has no labels to classify")  # fmt: skip
        self.class_loss = class_loss
        self.class_head = layers.Dense(num_classes, dtype="float32", name="class_head") if class_loss else None
        self.critic_network = _with_class_head(discriminator, self.class_head) if class_loss else discriminator
        self.ema_decay = ema_decay
        self.ema_generator = separate_copy(generator, "ema_generator") if ema_decay else None
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.resolution = int(generator.outputs[0].shape[1])
        self.seed_generator = keras.random.SeedGenerator(seed)
        logged = ("d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", *(("ada_p",) if self.ada else ()),
                  *(("apa_p",) if self.apa else ()),
                  *(("class_accuracy",) if class_loss else ()))  # fmt: skip
        self.trackers = {name: keras.metrics.Mean(name=name) for name in logged}
        self.built = True  # both networks are built; nothing to infer from the data (fit under a strategy asks)

    @staticmethod
    def check_settings(ema_decay: float = 0.0, class_loss: float = 0.0) -> None:
        """Refuse an EMA decay outside [0, 1) or a negative class-loss weight (ConfigError naming the value)."""
        if not 0 <= ema_decay < 1:
            raise ConfigError(f"ema_decay must be in [0, 1), got {ema_decay}")
        if class_loss < 0:
            raise ConfigError(f"class_loss must be at least 0, got {class_loss}")

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
        self.d_optimizer.build(self.critic_network.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator that makes the images users see: the EMA copy when there is one."""
        return self.ema_generator or self.generator

    def call(self, z, training=False):
        return self.sample_from_latent(z, training=training)

    def sample_from_latent(self, z, labels=None, training=False):
        """Images in [-1, 1] from `sampling_generator`; a conditional model without `labels` cycles the classes."""
        if not self.num_classes:
            return self.sampling_generator(z, training=training)
        if labels is None:
            labels = ops.arange(ops.shape(z)[0]) % self.num_classes
        return self.sampling_generator([z, ops.cast(labels, "int32")], training=training)

    def train_step(self, data):
        real, labels = (data[0], data[1]) if isinstance(data, tuple | list) else (data, None)
        if self.num_classes and labels is None:
            raise ValueError("a conditional GAN needs (images, labels) batches; build the dataset with labels")
        real = ops.convert_to_tensor(real)
        if self.num_classes:
            labels = ops.cast(labels, "int32")
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        z = self._latent_share(ops.shape(real)[0], replicas)
        generator = self.generator

        def judge(images):
            """The real/fake logits of `images`, and their class logits when there is a class head."""
            outputs = self.critic_network([images, labels] if self.num_classes else images, training=True)
            return outputs if self.class_head is not None else (outputs, None)

        def critic(images):
            return judge(images)[0]

        with tf.GradientTape() as g_tape:
            fake = generator([z, labels] if self.num_classes else z, training=True)

            # Discriminator update: real and generated batches in separate passes.
            with g_tape.stop_recording(), tf.GradientTape() as d_tape:
                shown_real = real if self.apa is None else pseudo_augment(real, ops.stop_gradient(fake), self.apa.p,
                                                                           self.seed_generator)  # fmt: skip
                augmented_real = self.augment(shown_real)
                augmented_fake = self.augment(ops.stop_gradient(fake))
                real_logits, real_classes = judge(augmented_real)
                fake_logits = critic(augmented_fake)
                d_loss = self.adversarial_loss.discriminator_loss(critic, real_logits, fake_logits, augmented_real,
                                                                  augmented_fake, self.d_optimizer.iterations,
                                                                  self.seed_generator)  # fmt: skip
                if self.class_head is not None:
                    d_loss += self.class_loss * class_cross_entropy(labels, real_classes)
                scaled_d_loss = self.d_optimizer.scale_loss(d_loss / replicas)
            d_weights = self.critic_network.trainable_weights
            d_grads = d_tape.gradient(scaled_d_loss, d_weights)
            for controller in (self.ada, self.apa):
                if controller is not None:
                    controller.update(real_logits, self.adversarial_loss.decision_logit, ops.shape(real)[0] * replicas)
            self.d_optimizer.apply(d_grads, d_weights)

            # Generator update: the same generated batch through the updated discriminator.
            judged_logits, judged_classes = judge(self.augment(fake))
            g_loss = self.adversarial_loss.generator_loss(judged_logits)
            if self.class_head is not None:
                g_loss += self.class_loss * class_cross_entropy(labels, judged_classes)
            scaled_g_loss = self.g_optimizer.scale_loss(g_loss / replicas)
        g_grads = g_tape.gradient(scaled_g_loss, generator.trainable_weights)
        self.g_optimizer.apply(g_grads, generator.trainable_weights)
        if self.ema_generator is not None:
            self._update_ema()

        # Metrics: who is winning, in the terms PyTorch's DCGAN prints.
        real_correct = ops.cast(real_logits > self.adversarial_loss.decision_logit, "float32")
        fake_correct = ops.cast(fake_logits < self.adversarial_loss.decision_logit, "float32")
        self.trackers["d_loss"].update_state(d_loss)
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["d_real"].update_state(ops.sigmoid(ops.cast(real_logits, "float32")))
        self.trackers["d_fake"].update_state(ops.sigmoid(ops.cast(fake_logits, "float32")))
        self.trackers["d_accuracy"].update_state(ops.concatenate([real_correct, fake_correct], axis=0))
        if self.ada is not None:
            self.trackers["ada_p"].update_state(self.ada.p)
        if self.apa is not None:
            self.trackers["apa_p"].update_state(self.apa.p)
        if self.class_head is not None:
            predicted = ops.cast(ops.argmax(judged_classes, axis=-1), "int32")
            self.trackers["class_accuracy"].update_state(ops.cast(predicted == labels, "float32"))
        return logs_for_strategy({name: tracker.result() for name, tracker in self.trackers.items()})

    def _latent_share(self, batch_size, replicas: int):
        """This replica's slice of the latent vectors drawn for the whole global batch."""
        z = keras.random.normal((batch_size * replicas, self.latent_dim), seed=self.seed_generator)
        return replica_share(z, batch_size, replicas)

    def _update_ema(self) -> None:
        decay = self.ema_decay
        for average, weight in zip(self.ema_generator.trainable_weights, self.generator.trainable_weights, strict=True):
            average.assign(decay * average + (1.0 - decay) * ops.cast(weight, average.dtype))
        for copy, statistic in zip(self.ema_generator.non_trainable_weights, self.generator.non_trainable_weights,
                                   strict=True):  # fmt: skip
            copy.assign(statistic)

    def augment(self, images):
        """DiffAugment, then ADA with the current p, of the images the discriminator sees (identity when off)."""
        if self.augment_policy:
            images = diff_augment(images, self.augment_policy, self.seed_generator)
        if self.ada is not None:
            images = ada_augment(images, self.ada.p, self.seed_generator)
        return images

    def sample(self, num: int, seed: int = 0, batch_size: int = 256, label: int | None = None) -> np.ndarray:
        """`num` generated images as uint8 [num, H, W, 1], the same for the same seed.

        Uses the same latent vectors as the exported SavedModel's `sample(seed, count)`.
        A conditional model makes class `label` (or cycles through the classes when None).
        """
        return sample_images(self, num, seed, batch_size, label)

    def checkpoint_items(self) -> tuple[dict, dict]:
        """What a checkpoint of this model holds, by name: the items it must have, and those a run may
        gain on resume (the EMA generator, ADA's and APA's p), which then start afresh."""
        required = {
            "generator": self.generator,
            "discriminator": self.discriminator,
            "d_optimizer": self.d_optimizer,
            "g_optimizer": self.g_optimizer,
            "noise_state": self.seed_generator.state,
            # Not optional: the class head's Adam slots are in d_optimizer, so it cannot start afresh on resume.
            **({"class_head": self.class_head} if self.class_head is not None else {}),
        }
        optional = {
            **({"ema_generator": self.ema_generator} if self.ema_generator is not None else {}),
            **(self.ada.variables() if self.ada is not None else {}),
            **(self.apa.variables() if self.apa is not None else {}),
        }
        return required, optional

    def start_afresh(self, names) -> None:
        """Begin the optional checkpoint items `names` that a resumed checkpoint lacked: the EMA generator
        from the restored generator (ADA's p starts at 0 by itself)."""
        if "ema_generator" in names:
            self.ema_generator.set_weights(self.generator.get_weights())

    def parameter_counts(self) -> dict[str, int]:
        """Each network's parameters, by the name a user knows it by."""
        return {"generator": self.generator.count_params(), "discriminator": self.critic_network.count_params()}

    def summary_text(self) -> str:
        """Both networks' `summary()` as one text, for the run directory."""
        lines: list[str] = []
        for network in (self.generator, self.critic_network):
            network.summary(print_fn=lambda line, *args, **kwargs: lines.append(line), line_length=100)
            lines.append("")
        return "\n".join(lines)


def _with_class_head(discriminator: keras.Model, class_head: layers.Layer) -> keras.Model:
    """The discriminator with `class_head` on its features: (image, label) -> (real/fake logit, class logits)."""
    class_logits = class_head(discriminator.get_layer(FEATURES).output)
    outputs = [discriminator.outputs[0], class_logits]
    return keras.Model(discriminator.inputs, outputs, name="discriminator_with_classes")


def _loss_scaled(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
