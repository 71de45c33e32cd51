"""LeCam regularization (Tseng et al. 2021, "Regularizing Generative Adversarial Networks under Limited Data").

With few training images the discriminator's outputs on real and generated images drift
apart without bound as it memorizes the set. LeCam keeps moving averages of its mean
output on real images (the real anchor) and on generated ones (the fake anchor), and
penalizes real outputs above the fake anchor and generated outputs below the real anchor:

    R = mean(relu(D(x) - anchor_fake)^2) + mean(relu(anchor_real - D(G(z)))^2)

which bounds how far apart the two can go (the paper shows it turns the objective into a
LeCam divergence, more robust than Jensen-Shannon when the sets are small). It complements
augmentation (DiffAugment, ADA) rather than replacing it. The anchors are variables that a
`DCGAN` checkpoints, so a resumed run keeps them.
"""

import keras
from keras import ops


class LeCamAnchors:
    """The two moving averages and the penalty they define; `penalty` also advances the averages.

    The averages are bias-corrected as in Adam (divided by 1 - decay^steps), so the first
    steps use the outputs seen so far rather than averages pulled toward the initial 0.
    """

    def __init__(self, decay: float = 0.99):
        if not 0 < decay < 1:
            raise ValueError(f"the LeCam anchors' decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.real = keras.Variable(0.0, trainable=False, name="lecam_real", aggregation="mean")
        self.fake = keras.Variable(0.0, trainable=False, name="lecam_fake", aggregation="mean")
        self.steps = keras.Variable(0, dtype="int32", trainable=False, name="lecam_steps",
                                    aggregation="only_first_replica")  # fmt: skip

    def variables(self) -> dict[str, keras.Variable]:
        return {"lecam_real": self.real, "lecam_fake": self.fake, "lecam_steps": self.steps}

    def penalty(self, real_logits, fake_logits):
        """This step's R (float32), after the anchors have taken this step's mean outputs in."""
        real_logits = ops.cast(real_logits, "float32")
        fake_logits = ops.cast(fake_logits, "float32")
        decay = self.decay
        self.real.assign(decay * self.real + (1.0 - decay) * ops.mean(ops.stop_gradient(real_logits)))
        self.fake.assign(decay * self.fake + (1.0 - decay) * ops.mean(ops.stop_gradient(fake_logits)))
        self.steps.assign_add(1)
        correction = 1.0 - ops.power(decay, ops.cast(self.steps, "float32"))
        anchor_real, anchor_fake = self.real / correction, self.fake / correction
        return ops.mean(ops.square(ops.relu(real_logits - anchor_fake))) + ops.mean(
            ops.square(ops.relu(anchor_real - fake_logits))
        )
