"""The independent judge: the classifier two-sample test's calibration, density and coverage, intervals that
shrink with the sample, and `evaluate --compare`."""

import itertools
import json

import numpy as np
import pytest
from conftest import run_module
from scipy import ndimage

from mri_gan.errors import ConfigError
from mri_gan.evaluation.compare import compare_reports
from mri_gan.evaluation.scoring import evaluate_images
from mri_gan.metrics import registry, two_sample
from mri_gan.metrics.density_coverage import density_coverage
from mri_gan.metrics.intervals import share_interval
from mri_gan.metrics.two_sample import two_sample_test

FAST = {"folds": 3, "steps": 60}


def discs(count: int, seed: int, size: int = 32) -> np.ndarray:
    """uint8 [count, size, size, 1]: bright discs of random place and size on a noisy background."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size]
    images = []
    for _ in range(count):
        centre, radius = rng.uniform(0.3 * size, 0.7 * size, 2), rng.uniform(0.15 * size, 0.3 * size)
        disc = ((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 < radius**2) * 180.0
        images.append(disc + 40 + rng.normal(0, 12, (size, size)))
    return np.clip(np.round(images), 0, 255).astype(np.uint8)[..., None]


def blurred(images: np.ndarray, sigma: float) -> np.ndarray:
    return (
        np.stack([ndimage.gaussian_filter(image[..., 0].astype(float), sigma) for image in images])[..., None]
        .round()
        .clip(0, 255)
        .astype(np.uint8)
    )


def noisier(images: np.ndarray, sigma: float, seed: int = 5) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, images.shape)
    return (images + noise).round().clip(0, 255).astype(np.uint8)


def test_two_halves_of_one_real_set_score_within_their_interval_of_one_half_and_the_test_is_deterministic():
    real = discs(240, seed=0)
    test = two_sample_test(real[:120], real[120:], seed=1, **FAST)
    assert test.interval.low <= 0.5 <= test.interval.high, test
    assert two_sample_test(real[:120], real[120:], seed=1, **FAST).auc == test.auc


def test_the_auc_rises_with_blur_and_with_noise_and_is_near_one_for_a_collapsed_set():
    real, other = discs(90, seed=0), discs(90, seed=1)
    for change, strengths in ((blurred, (0.3, 0.7, 1.5)), (noisier, (4, 12, 30))):
        aucs = [two_sample_test(real, change(other, strength), seed=0, **FAST).auc for strength in strengths]
        assert all(later >= earlier - 0.03 for earlier, later in itertools.pairwise(aucs)), (change, aucs)
        assert aucs[-1] > 0.9 and aucs[-1] > aucs[0] + 0.15, (change, aucs)
    collapsed = noisier(np.repeat(other[:1], 90, axis=0), 3)
    assert two_sample_test(real, collapsed, seed=0, **FAST).auc > 0.95


def test_intervals_shrink_as_the_sample_grows():
    real, other = discs(400, seed=0), blurred(discs(400, seed=1), 0.6)
    small = two_sample_test(real[:40], other[:40], seed=0, **FAST).interval
    large = two_sample_test(real, other, seed=0, **FAST).interval
    assert large.high - large.low < small.high - small.low
    features = np.random.default_rng(0).normal(size=(800, 8))
    few = density_coverage(features[:40], features[400:430])
    many = density_coverage(features[:300], features[400:800])
    for key in ("density_interval", "coverage_interval"):
        assert many[key]["high"] - many[key]["low"] < few[key]["high"] - few[key]["low"], key
    assert (
        share_interval(5, 1000).high - share_interval(5, 1000).low
        < share_interval(1, 200).high - share_interval(1, 200).low
    )


def test_density_and_coverage_match_a_direct_count_and_fall_for_a_shifted_set():
    rng = np.random.default_rng(3)
    real, same, shifted = rng.normal(size=(60, 4)), rng.normal(size=(50, 4)), rng.normal(size=(50, 4)) + 3.0
    k = 5
    radii = [sorted(np.linalg.norm(real - point, axis=1))[k] for point in real]
    inside = [[np.linalg.norm(fake - centre) <= radius for centre, radius in zip(real, radii, strict=True)]
              for fake in same]  # fmt: skip
    measured = density_coverage(real, same, k=k)
    assert measured["density"] == pytest.approx(np.sum(inside) / (k * len(same)))
    assert measured["coverage"] == pytest.approx(np.mean(np.any(inside, axis=0)))
    far = density_coverage(real, shifted, k=k)
    assert far["density"] < 0.2 * measured["density"] and far["coverage"] < 0.2 * measured["coverage"]


def test_compare_names_the_report_of_sharper_images_better_and_refuses_other_real_sets(monkeypatch, tmp_path):
    monkeypatch.setattr(two_sample, "STEPS", 60)
    monkeypatch.setattr(registry, "SWD_RESAMPLES", 2)
    monkeypatch.setattr(two_sample, "FOLDS", 3)
    real, train, fake = discs(120, seed=0), discs(60, seed=1), discs(120, seed=2)
    measures = ("two_sample", "swd", "novelty", "density_coverage")
    sharp = evaluate_images(real, fake, train, measures=measures)
    soft = evaluate_images(real, blurred(fake, 1.5), train, measures=measures)
    rows = {row["measure"]: row for row in compare_reports(sharp, soft)}
    assert rows["two-sample test AUC"]["better"] == "A" and rows["two-sample test AUC"]["clear"]
    assert rows["SWD / real-vs-real baseline"]["better"] == "A"
    other_real = evaluate_images(discs(120, seed=9), fake, train, measures=("novelty",))
    with pytest.raises(ConfigError, match="different real images"):
        compare_reports(sharp, other_real)
    for name, report in (("sharp", sharp), ("soft", soft), ("other", other_real)):
        (tmp_path / f"{name}.json").write_text(json.dumps(report, default=float))
    printed = run_module("mri_gan.evaluate", "--compare", str(tmp_path / "sharp.json"), str(tmp_path / "soft.json"))
    assert printed.returncode == 0 and "two-sample test AUC" in printed.stdout
    line = next(line for line in printed.stdout.splitlines() if line.startswith("two-sample test AUC  "))
    assert line.endswith("A better, beyond both intervals"), printed.stdout
    refused = run_module("mri_gan.evaluate", "--compare", str(tmp_path / "sharp.json"), str(tmp_path / "other.json"))
    assert refused.returncode == 2 and "different real images" in refused.stderr and "Traceback" not in refused.stderr


def test_a_distance_that_repeated_images_inflate_keeps_its_estimate_inside_its_interval():
    """SWD between two sets grows when a redraw repeats images; its interval still has to hold the estimate."""
    from mri_gan.metrics.intervals import bootstrap_interval, standard_error_interval
    from mri_gan.metrics.registry import MEASURES, MeasureInputs

    real, fake = discs(120, seed=0), blurred(discs(60, seed=1), 1.2)
    entry = MEASURES["swd"].compute(MeasureInputs(real, 60, 60, fake, real))
    interval = entry["ratio_interval"]
    assert interval["low"] <= entry["ratio_to_baseline"] <= interval["high"], entry
    assert interval["high"] - interval["low"] > 0.01 and "standard errors" in interval["method"]

    values = np.random.default_rng(0).normal(5.0, 1.0, 400)
    inflated = bootstrap_interval(lambda a: values[a].mean() + 0.5, (400,), 200)  # biased redraws
    centred = standard_error_interval(values.mean(), lambda a: values[a].mean() + 0.5, (400,), 200)
    assert not inflated.low <= values.mean() <= inflated.high
    assert centred.low <= values.mean() <= centred.high
    assert centred.high - centred.low == pytest.approx(2 * 1.96 / np.sqrt(400), rel=0.25)
