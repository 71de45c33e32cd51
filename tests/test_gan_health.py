"""GanHealth warns, with what to try, when the discriminator has won or the samples have collapsed."""

import logging
import math

from mri_gan.callbacks import GanHealth


def epochs(callback, rows):
    for epoch, logs in enumerate(rows):
        callback.on_epoch_end(epoch, dict(logs))


def test_a_winning_discriminator_is_reported_once_after_patience_epochs(caplog):
    health = GanHealth(patience=3)
    with caplog.at_level(logging.WARNING, logger="mri_gan"):
        epochs(health, [{"d_real": 0.97, "d_fake": 0.02}] * 2 + [{"d_real": 0.6, "d_fake": 0.4}])
        assert not caplog.records  # two epochs, then it recovered
        epochs(health, [{"d_real": 0.97, "d_fake": 0.02}] * 5)
    assert len(caplog.records) == 1
    assert "discriminator has won for 3 epochs" in caplog.records[0].getMessage()
    assert "--augment" in caplog.records[0].getMessage()


def test_collapsed_diversity_is_reported_by_evaluates_rule_under_half_the_real_diversity(caplog):
    health = GanHealth(real_ms_ssim=0.2)  # real diversity 0.8: collapse below 0.4, i.e. MS-SSIM above 0.6
    with caplog.at_level(logging.WARNING, logger="mri_gan"):
        epochs(health, [{"ms_ssim": 0.55}, {"ms_ssim": math.nan}, {"ms_ssim": 0.65}, {"ms_ssim": 0.7}])
    assert len(caplog.records) == 1
    assert "MS-SSIM 0.650 inside the generated set, 0.200 inside the real one" in caplog.records[0].getMessage()


def test_remedies_the_run_already_uses_are_not_suggested(caplog):
    health = GanHealth(real_ms_ssim=0.2, in_use=frozenset({"augment", "mirror"}))
    with caplog.at_level(logging.WARNING, logger="mri_gan"):
        epochs(health, [{"ms_ssim": 0.7}])
    message = caplog.records[0].getMessage()
    assert "--r1-gamma 0.05" in message and "--width" in message
    assert "--augment" not in message and "--mirror" not in message
