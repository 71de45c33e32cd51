"""LeCam regularization: the anchors' moving averages, the penalty's value, and its place in the training step."""

import numpy as np
import pytest
from test_gan_options import options_gan, real_batch

from mri_gan.lecam import LeCamAnchors


def test_first_step_anchors_are_the_mean_outputs_and_the_penalty_has_its_documented_value():
    anchors = LeCamAnchors(decay=0.99)
    real, fake = np.array([2.0, 4.0], "float32"), np.array([-1.0, -3.0], "float32")
    # Bias-corrected after one step: real anchor 3, fake anchor -2.
    # mean(relu(real - (-2))^2) = (16 + 36) / 2; mean(relu(3 - fake)^2) = (16 + 36) / 2.
    assert float(anchors.penalty(real, fake)) == pytest.approx(52.0)


def test_anchors_follow_a_bias_corrected_moving_average():
    decay = 0.9
    anchors = LeCamAnchors(decay=decay)
    means = [(1.0, -1.0), (3.0, 0.5), (-2.0, 2.0)]
    raw_real = raw_fake = 0.0
    for step, (real_mean, fake_mean) in enumerate(means, start=1):
        penalty = float(anchors.penalty(np.full(4, real_mean, "float32"), np.full(4, fake_mean, "float32")))
        raw_real = decay * raw_real + (1 - decay) * real_mean
        raw_fake = decay * raw_fake + (1 - decay) * fake_mean
        anchor_real, anchor_fake = raw_real / (1 - decay**step), raw_fake / (1 - decay**step)
        expected = max(real_mean - anchor_fake, 0.0) ** 2 + max(anchor_real - fake_mean, 0.0) ** 2
        assert penalty == pytest.approx(expected, rel=1e-5)


def test_outputs_inside_the_anchors_cost_nothing():
    anchors = LeCamAnchors()
    anchors.penalty(np.full(4, 1.0, "float32"), np.full(4, 1.0, "float32"))  # both anchors at 1
    assert float(anchors.penalty(np.full(4, 0.5, "float32"), np.full(4, 1.5, "float32"))) == pytest.approx(0.0)


def test_the_training_step_adds_the_weighted_penalty_and_checkpoints_the_anchors(tmp_path):
    from mri_gan.training_state import TrainingState

    real = real_batch()
    plain = float(options_gan(seed=3).train_step(real)["d_loss"])
    regularized_gan = options_gan(seed=3, lecam_weight=100.0)
    regularized = float(regularized_gan.train_step(real)["d_loss"])
    assert regularized > plain  # the same step plus a positive penalty
    assert int(regularized_gan.lecam.steps.numpy()) == 1
    TrainingState(regularized_gan, tmp_path).save(epoch=1)
    restored = options_gan(seed=9, lecam_weight=100.0)
    assert TrainingState(restored, tmp_path).restore_latest() == 1
    for name, variable in regularized_gan.lecam.variables().items():
        assert restored.lecam.variables()[name].numpy() == variable.numpy()
    assert options_gan().lecam is None


def test_bad_weight_and_decay_are_refused_by_value():
    with pytest.raises(ValueError, match=r"-0\.5"):
        options_gan(lecam_weight=-0.5)
    with pytest.raises(ValueError, match=r"1\.5"):
        LeCamAnchors(decay=1.5)
