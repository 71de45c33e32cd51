"""The conditional quality check's measure: the worst class's label agreement, and picking a generator by it."""

import numpy as np
import pytest

from mri_gan.callbacks import QualityMonitor
from mri_gan.config import RunConfig
from mri_gan.errors import ConfigError
from mri_gan.metrics.label_fidelity import label_agreement_tracking, label_fidelity

LABEL_AGREEMENT = "label_agreement"


def two_classes(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: a dark top half; class 1: a dark bottom half (uint8, 32x32; the classifier flips left-right)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(150, 256, (count, 32, 32, 1)).astype(np.uint8)
    labels = np.arange(count) % 2
    images[labels == 0, :16] //= 6
    images[labels == 1, 16:] //= 6
    return images, labels


@pytest.fixture(scope="module")
def tracking():
    real, labels = two_classes(64, seed=0)
    return label_agreement_tracking(real, labels, seed=0), labels


def test_agreement_is_the_worst_requested_class(tracking):
    track, labels = tracking
    made, made_labels = two_classes(64, seed=1)
    assert np.array_equal(made_labels, labels)
    assert track.track(None, made, 0) == pytest.approx(1.0)
    assert track.track(None, made[::-1], 0) == pytest.approx(0.0)  # every image made for the other class
    one_class_only = np.where((labels == 0)[:, None, None, None], made, made[np.roll(np.arange(64), 1)])
    assert track.track(None, one_class_only, 0) == pytest.approx(0.0)  # class 1 gets class 0's images
    assert track.higher_is_better


def test_evaluate_s_label_fidelity_averages_its_judges():
    real, labels = two_classes(64, seed=0)
    made, _ = two_classes(32, seed=1)
    generated = {0: made[::2], 1: made[::2]}  # class 1's images are class 0's: none of them agrees
    report = label_fidelity(real, labels, generated, ["top", "bottom"], seed=3, judges=2)
    assert report["judges"] == 2 and [judge["seed"] for judge in report["per_judge"]] == [3, 4]
    assert report["agreement"] == {"top": pytest.approx(1.0), "bottom": pytest.approx(0.0)}
    accuracies = [judge["held_out_real_accuracy"] for judge in report["per_judge"]]
    assert report["held_out_real_accuracy"] == pytest.approx(np.mean(accuracies))
    assert report["mean_agreement"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="judges must be at least 1, got 0"):
        label_fidelity(real, labels, generated, ["top", "bottom"], judges=0)


def test_the_monitor_ranks_higher_agreement_as_better():
    real, labels = two_classes(16, seed=0)
    monitor = QualityMonitor(real, labels=labels, keep_best=LABEL_AGREEMENT)
    assert LABEL_AGREEMENT in monitor.tracked
    assert monitor._score({LABEL_AGREEMENT: 0.9}) < monitor._score({LABEL_AGREEMENT: 0.5})


def test_the_monitor_ranks_a_collapsed_check_after_any_varied_one_however_well_it_agrees():
    real, labels = two_classes(16, seed=0)
    monitor = QualityMonitor(real, labels=labels, keep_best=LABEL_AGREEMENT)
    varied = monitor.real_values["ms_ssim"]
    collapsed = 1.0 - 0.4 * (1.0 - varied)  # 40% of the real diversity: evaluate's "likely mode collapse"
    one_slice_per_class = monitor._rank({LABEL_AGREEMENT: 1.0, "ms_ssim": collapsed})
    assert one_slice_per_class[0] and not monitor._rank({LABEL_AGREEMENT: 0.5, "ms_ssim": varied})[0]
    assert monitor._rank({LABEL_AGREEMENT: 0.5, "ms_ssim": varied}) < one_slice_per_class
    assert monitor._rank({LABEL_AGREEMENT: 0.9, "ms_ssim": varied}) < monitor._rank(
        {LABEL_AGREEMENT: 0.5, "ms_ssim": varied}
    )
    assert monitor._rank({LABEL_AGREEMENT: 0.9, "ms_ssim": collapsed}) < monitor._rank(
        {LABEL_AGREEMENT: 0.5, "ms_ssim": collapsed}
    )


def test_label_agreement_needs_a_conditional_run():
    real, _ = two_classes(16, seed=0)
    with pytest.raises(ValueError, match="conditional run"):
        QualityMonitor(real, keep_best=LABEL_AGREEMENT)
    config = RunConfig()
    config.train.keep_best = LABEL_AGREEMENT
    with pytest.raises(ConfigError, match="needs a conditional run"):
        config.validate()
    config.model.conditional = True
    config.validate()


def test_a_sample_of_one_class_leaves_label_agreement_out_or_is_a_config_error(caplog):
    real, _ = two_classes(16, seed=0)
    only_yes = np.ones(16, np.int64)
    monitor = QualityMonitor(real, labels=only_yes)
    assert LABEL_AGREEMENT not in monitor.tracked
    assert "holds only class [1]" in caplog.text
    with pytest.raises(ConfigError, match="--balance-classes"):
        QualityMonitor(real, labels=only_yes, keep_best=LABEL_AGREEMENT)
