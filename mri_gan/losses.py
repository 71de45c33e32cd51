"""Adversarial losses on discriminator logits, one small function each.

Computed in float32 from logits (never from probabilities) so that the cross-entropy
stays finite when the discriminator is confident.
"""

from keras import ops


def _bce(labels_value: float, logits):
    logits = ops.cast(logits, "float32")
    labels = ops.full_like(logits, labels_value)
    return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))


def discriminator_bce(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z))): the real and the fake term summed, as in PyTorch's DCGAN."""
    return _bce(1.0, real_logits) + _bce(0.0, fake_logits)


def generator_non_saturating(fake_logits):
    """-log D(G(z)): the generator's loss with strong gradients early in training (Goodfellow 2014)."""
    return _bce(1.0, fake_logits)
