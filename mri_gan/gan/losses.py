"""Adversarial losses on discriminator logits, one small function each, and two gradient penalties.

`LOSSES[name]` is a `LossSpec`: the discriminator and generator losses, the logit at
which the discriminator counts an image as real (for `d_accuracy`), whether one-sided
label smoothing applies, and the gradient penalty the loss comes with. Adding a loss is
its functions and one entry in `LOSSES`. `AdversarialLoss` is what the training step uses:
one entry with a run's label smoothing and R1 weight and interval, which gives the whole
discriminator loss (penalties included) and the generator loss. The losses:

- `bce`: the paper's binary cross-entropy, with the non-saturating generator loss;
- `hinge`: max(0, 1 - D(x)) + max(0, 1 + D(G(z))) for D, -D(G(z)) for G (Miyato et al. 2018);
- `lsgan`: least squares toward 1 for real and 0 for generated (Mao et al. 2017);
- `wgan-gp`: the Wasserstein critic loss D(G(z)) - D(x), -D(G(z)) for G (Gulrajani et al.
  2017), with its gradient penalty (`gradient_penalty`).

Everything is computed in float32 from logits (never from probabilities), so the
cross-entropy stays finite when the discriminator is confident.
"""

from collections.abc import Callable
from dataclasses import dataclass

import keras
import tensorflow as tf
from keras import ops

from mri_gan.errors import ConfigError


def _float32(logits):
    return ops.cast(logits, "float32")


def _bce(labels_value: float, logits):
    logits = _float32(logits)
    labels = ops.full_like(logits, labels_value)
    return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))


def discriminator_bce(real_logits, fake_logits, real_label: float = 1.0):
    """-log D(x) - log(1 - D(G(z))), summed as in PyTorch's DCGAN.

    `real_label` below 1 is one-sided label smoothing (Salimans et al. 2016): the real
    target becomes e.g. 0.9, which keeps the discriminator from growing over-confident.
    """
    return _bce(real_label, real_logits) + _bce(0.0, fake_logits)


def generator_non_saturating(fake_logits):
    """-log D(G(z)): the generator's loss with strong gradients early in training (Goodfellow 2014)."""
    return _bce(1.0, fake_logits)


def discriminator_hinge(real_logits, fake_logits, real_label: float = 1.0):
    """mean max(0, 1 - D(x)) + mean max(0, 1 + D(G(z))); `real_label` is unused (no labels to smooth)."""
    return ops.mean(ops.relu(1.0 - _float32(real_logits))) + ops.mean(ops.relu(1.0 + _float32(fake_logits)))


def generator_mean_logit(fake_logits):
    """-mean D(G(z)): the generator's loss of the hinge and Wasserstein GANs."""
    return -ops.mean(_float32(fake_logits))


def discriminator_least_squares(real_logits, fake_logits, real_label: float = 1.0):
    """(mean (D(x) - real_label)^2 + mean D(G(z))^2) / 2, on the raw output (Mao et al. 2017)."""
    real_term = ops.mean(ops.square(_float32(real_logits) - real_label))
    return 0.5 * (real_term + ops.mean(ops.square(_float32(fake_logits))))


def generator_least_squares(fake_logits):
    """mean (D(G(z)) - 1)^2 / 2."""
    return 0.5 * ops.mean(ops.square(_float32(fake_logits) - 1.0))


def discriminator_wasserstein(real_logits, fake_logits, real_label: float = 1.0):
    """mean D(G(z)) - mean D(x): the critic's estimate of the negative Wasserstein distance."""
    return ops.mean(_float32(fake_logits)) - ops.mean(_float32(real_logits))


def gradient_penalty(critic, real, fake, seed_generator):
    """mean (||grad D(x_hat)|| - 1)^2 at random points x_hat between real and generated images (WGAN-GP)."""
    mix = keras.random.uniform((tf.shape(real)[0], 1, 1, 1), seed=seed_generator, dtype=real.dtype)
    between = mix * real + (1.0 - mix) * tf.cast(fake, real.dtype)
    norms = tf.sqrt(_squared_gradient_norms(critic, between) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


@dataclass(frozen=True)
class LossSpec:
    """One adversarial loss and what the training step needs to know about it."""

    discriminator: Callable  # (real_logits, fake_logits, real_label) -> scalar
    generator: Callable  # (fake_logits) -> scalar
    decision_logit: float  # D's output at which an image counts as real: 0 for logit losses, 0.5 for least squares
    label_smoothing: bool  # whether a smoothed real target (1 - X) means anything for this loss
    penalty: Callable | None = None  # (critic, real, fake, seed_generator) -> scalar, added to D's loss
    penalty_weight: float = 0.0


LOSSES = {
    "bce": LossSpec(discriminator_bce, generator_non_saturating, 0.0, label_smoothing=True),
    "hinge": LossSpec(discriminator_hinge, generator_mean_logit, 0.0, label_smoothing=False),
    "lsgan": LossSpec(discriminator_least_squares, generator_least_squares, 0.5, label_smoothing=True),
    "wgan-gp": LossSpec(
        discriminator_wasserstein,
        generator_mean_logit,
        0.0,
        label_smoothing=False,
        penalty=gradient_penalty,
        penalty_weight=10.0,
    ),
}


def loss_spec(name: str) -> LossSpec:
    """The entry of `LOSSES` named `name`; an unknown name raises ConfigError naming the choices."""
    if name not in LOSSES:
        raise ConfigError(f"unknown loss {name!r}; choose from {', '.join(LOSSES)}")
    return LOSSES[name]


def _squared_gradient_norms(critic, images):
    """Per-image ||d critic(images) / d images||^2, with the graph kept for a second derivative."""
    with tf.GradientTape() as tape:
        tape.watch(images)
        scores = tf.reduce_sum(tf.cast(critic(images), tf.float32))
    gradients = tf.cast(tape.gradient(scores, images), tf.float32)
    return tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3])


def class_cross_entropy(labels, class_logits):
    """mean -log p(label | image) of a class head: AC-GAN's term (Odena et al. 2017), in float32."""
    return ops.mean(ops.sparse_categorical_crossentropy(labels, _float32(class_logits), from_logits=True))


def r1_penalty(critic, real):
    """mean ||grad D(x)||^2 on real images (Mescheder et al. 2018); weighted by gamma / 2 in the step."""
    return tf.reduce_mean(_squared_gradient_norms(critic, real))


def lazy_r1_penalty(critic, real, step, interval: int):
    """R1 times `interval` at every `interval`-th step (`step` divisible by it), 0 at the others.

    StyleGAN2's lazy regularization (Karras et al. 2020): the penalty's double backward
    pass was 40% of the small-data recipe's step here, and applied that much less often,
    with that much more weight, it trained as well per image (experiments/README.md,
    "Lazy R1"). `interval` 1 is R1 at every step.

    Under a distribution strategy the critic's batch-norm updates are synchronized across
    replicas, which TensorFlow cannot do inside a branch, so there the penalty is computed
    at every step and weighted 0 between due steps: the same loss, without the saving.
    """
    if interval == 1:
        return r1_penalty(critic, real)
    due = ops.equal(ops.mod(step, interval), 0)
    if tf.distribute.has_strategy():
        return ops.cast(due, "float32") * interval * r1_penalty(critic, real)
    return ops.cond(due, lambda: interval * r1_penalty(critic, real), lambda: ops.zeros((), "float32"))


@dataclass(frozen=True)
class AdversarialLoss:
    """One entry of `LOSSES` with a run's settings: what the training step computes its losses with.

        loss = AdversarialLoss("bce", label_smoothing=0.1, r1_gamma=0.05, r1_interval=16)
        d_loss = loss.discriminator_loss(critic, real_logits, fake_logits, real, fake, step, seed_generator)
        g_loss = loss.generator_loss(fake_logits)

    `label_smoothing` X makes the real target 1 - X (losses that have targets); `r1_gamma` > 0
    adds gamma / 2 times the R1 penalty on the (augmented) real images, every `r1_interval`-th
    step and that much heavier (lazy regularization); a loss with a gradient penalty (wgan-gp)
    adds it at every step. Bad values raise `ConfigError` naming them.
    """

    name: str = "bce"
    label_smoothing: float = 0.0
    r1_gamma: float = 0.0
    r1_interval: int = 1

    def __post_init__(self):
        spec = loss_spec(self.name)
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.label_smoothing and not spec.label_smoothing:
            smoothable = " and ".join(name for name, entry in LOSSES.items() if entry.label_smoothing)
            raise ConfigError(f"label_smoothing applies to the {smoothable} losses, not {self.name!r}")
        if self.r1_gamma < 0:
            raise ConfigError(f"r1_gamma must be at least 0, got {self.r1_gamma}")
        if int(self.r1_interval) != self.r1_interval or self.r1_interval < 1:
            raise ConfigError(f"r1_interval must be a whole number of at least 1, got {self.r1_interval}")

    @property
    def spec(self) -> LossSpec:
        return LOSSES[self.name]

    @property
    def decision_logit(self) -> float:
        return self.spec.decision_logit

    @property
    def penalty_weight(self) -> float:
        """The weight of the loss's own gradient penalty (10 for wgan-gp, else 0)."""
        return self.spec.penalty_weight

    def discriminator_loss(self, critic, real_logits, fake_logits, real, fake, step, seed_generator):
        """The discriminator's whole loss: the adversarial term, R1 (when due) and the loss's own penalty.

        `critic(images)` gives the logits of images; `real` and `fake` are the images the
        discriminator saw (augmented), `step` the discriminator's update count.
        """
        loss = self.spec.discriminator(real_logits, fake_logits, 1.0 - self.label_smoothing)
        if self.r1_gamma:
            loss += 0.5 * self.r1_gamma * lazy_r1_penalty(critic, real, step, self.r1_interval)
        if self.spec.penalty is not None:
            loss += self.spec.penalty_weight * self.spec.penalty(critic, real, fake, seed_generator)
        return loss

    def generator_loss(self, fake_logits):
        return self.spec.generator(fake_logits)
