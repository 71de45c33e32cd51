"""Sample-quality measures on images the tests make: they react to what they should."""

import numpy as np
import pytest
from scipy import ndimage

from mri_gan.data import render_slice
from mri_gan.metrics import ms_ssim_diversity, nearest_training_images, sliced_wasserstein


@pytest.fixture(scope="module")
def slices():
    """Two independent samples of one distribution: phantom slices at 64x64."""
    from PIL import Image

    images = [
        np.asarray(Image.fromarray(render_slice(3, i, i % 2 == 0, 128).image).resize((64, 64))) for i in range(96)
    ]
    stack = np.stack(images)[..., None]
    return stack[:48], stack[48:]


def test_swd_of_identical_sets_is_zero(slices):
    a, _ = slices
    assert sliced_wasserstein(a, a).mean == pytest.approx(0.0, abs=1e-9)


def test_swd_grows_as_one_side_is_degraded(slices):
    a, b = slices
    baseline = sliced_wasserstein(a, b).mean
    rng = np.random.default_rng(0)
    noisy = [sliced_wasserstein(a, np.clip(b + rng.normal(0, s, b.shape), 0, 255).astype(np.uint8)).mean
             for s in (10, 25, 50)]  # fmt: skip
    blurred = sliced_wasserstein(a, ndimage.gaussian_filter(b, (0, 1.5, 1.5, 0))).mean
    assert baseline < noisy[0] < noisy[1] < noisy[2]
    assert blurred > 1.5 * baseline
    assert set(sliced_wasserstein(a, b).per_level) == {64, 32, 16}


def test_ms_ssim_of_identical_images_is_one_and_collapse_is_flagged(slices):
    a, b = slices
    collapsed = np.repeat(a[:1], 48, axis=0)
    diversity = ms_ssim_diversity(b, collapsed, pairs=200)
    assert diversity.generated == pytest.approx(1.0, abs=1e-5)
    assert diversity.likely_mode_collapse
    varied = ms_ssim_diversity(b, a, pairs=200)
    assert not varied.likely_mode_collapse and 0.6 < varied.ratio < 1.6


def test_ms_ssim_works_at_32_pixels(slices):
    small = slices[0][:, ::2, ::2]
    assert 0 < ms_ssim_diversity(small, small, pairs=50).real < 1


def test_memorisation_flags_copies_and_not_unrelated_images(slices):
    training, _ = slices
    rng = np.random.default_rng(1)
    unrelated = (ndimage.gaussian_filter(rng.uniform(0, 255, (20, 64, 64, 1)), (0, 4, 4, 0)) * 2 - 128).clip(0, 255)
    exact = training[5:6]
    lightly_noised = np.clip(training[9:10] + rng.normal(0, 2, training[9:10].shape), 0, 255).astype(np.uint8)
    generated = np.concatenate([exact, lightly_noised, unrelated.astype(np.uint8)])
    novelty = nearest_training_images(generated, training)
    assert list(novelty.possible_copies) == [0, 1]
    assert novelty.nearest_index[0] == 5 and novelty.nearest_index[1] == 9
    assert novelty.nearest_ssim[0] == pytest.approx(1.0, abs=1e-6)


def test_memorisation_ignores_duplicate_training_images(slices):
    training = np.concatenate([slices[0], slices[0][:5]])  # five exact duplicates
    novelty = nearest_training_images(slices[1][:10], training)
    assert len(novelty.training_kept) == 48 and novelty.threshold > 0


def test_the_copy_check_reports_how_often_it_flags_held_out_real_images(slices):
    from mri_gan.metrics.registry import MEASURES, MeasureInputs

    training, fresh = slices
    novelty = MEASURES["novelty"]

    def entry(real):
        return novelty.compute(MeasureInputs(real, len(real) // 2, len(real), fresh[:10], training))

    rng = np.random.default_rng(2)
    near_copies = np.clip(training[:12].astype(int) + rng.integers(-1, 2, training[:12].shape), 0, 255).astype(np.uint8)
    near_copies[:, 0, 0] = 255  # not exactly a training image either
    assert entry(near_copies)["held_out_real_copy_share"] == 1.0
    held_out = entry(fresh[:36])
    assert held_out["held_out_real_copy_share"] < 0.2
    assert f"held-out real images: {100 * held_out['held_out_real_copy_share']:.1f}%" in novelty.rows(held_out)[0][1]
    same_folder = entry(training)
    assert same_folder["held_out_real_copy_share"] is None
    assert "new images from the training distribution: about 1%" in novelty.rows(same_folder)[0][1]


def test_frechet_distance_matches_the_closed_form_for_two_gaussians():
    from mri_gan.metrics.frechet import frechet_distance

    rng = np.random.default_rng(0)
    dimension = 4
    cov_a = np.diag([1.0, 2.0, 0.5, 1.5])
    cov_b = np.diag([2.0, 1.0, 0.5, 3.0])
    mean_b = np.array([1.0, 0.0, -2.0, 0.5])
    a = rng.multivariate_normal(np.zeros(dimension), cov_a, 200_000)
    b = rng.multivariate_normal(mean_b, cov_b, 200_000)
    # diagonal covariances: ||mu||^2 + sum(s_a + s_b - 2 sqrt(s_a s_b))
    expected = (mean_b**2).sum() + sum(
        x + y - 2 * np.sqrt(x * y) for x, y in zip(np.diag(cov_a), np.diag(cov_b), strict=True)
    )
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.02)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    from mri_gan.metrics.frechet import kernel_distance

    rng = np.random.default_rng(1)
    same = kernel_distance(rng.normal(size=(400, 16)), rng.normal(size=(400, 16)), subsets=20, subset_size=200)
    different = kernel_distance(rng.normal(size=(400, 16)), rng.normal(0.5, 1, size=(400, 16)), subsets=20,
                                subset_size=200)  # fmt: skip
    assert abs(same.mean) < 3 * same.std + 1e-3
    assert different.mean > 10 * max(same.std, 1e-4) and different.mean > 0


def test_precision_and_recall_separate_realism_from_coverage():
    from mri_gan.metrics.precision_recall import precision_recall

    rng = np.random.default_rng(2)
    real = rng.normal(size=(500, 8))
    assert precision_recall(real, rng.normal(size=(500, 8))).precision > 0.8
    collapsed = precision_recall(real, rng.normal(0, 0.1, size=(500, 8)))  # realistic but one mode
    assert collapsed.precision > 0.9 and collapsed.recall < 0.2
    off = precision_recall(real, rng.normal(6, 1, size=(500, 8)))  # unrealistic
    assert off.precision < 0.05


def test_classifier_scores_on_known_probabilities():
    from mri_gan.metrics.roc import real_fake_scores, roc_auc

    scores = real_fake_scores(np.array([0.9, 0.8, 0.4]), np.array([0.1, 0.6]))
    assert scores.accuracy == pytest.approx(3 / 5)
    assert scores.confusion == {"real_as_real": 2, "real_as_fake": 1, "fake_as_real": 1, "fake_as_fake": 1}
    assert roc_auc(np.array([0.9, 0.8, 0.4]), np.array([0.1, 0.6])) == pytest.approx(5 / 6)
    assert roc_auc(np.array([1.0, 1.0]), np.array([0.0])) == 1.0


def test_inception_path_builds_without_weights_and_gives_2048_features():
    from mri_gan.metrics.inception import inception_features, load_inception

    model = load_inception(weights=None)
    features = inception_features(model, np.zeros((2, 32, 32, 1), np.uint8))
    assert features.shape == (2, 2048) and np.isfinite(features).all()


def test_missing_inception_weights_are_reported_with_the_reason(monkeypatch, tmp_path):
    import keras

    from mri_gan.errors import DataNotFoundError
    from mri_gan.metrics.inception import FeaturesUnavailable, load_inception

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise OSError("no internet here")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    monkeypatch.setattr("keras.src.applications.inception_v3.file_utils.get_file", offline)
    with pytest.raises(FeaturesUnavailable, match=r"not in Keras's cache .* no internet here.*--inception-weights"):
        load_inception("imagenet")
    with pytest.raises(DataNotFoundError, match="does not exist"):
        load_inception(tmp_path / "missing.h5")


def test_measures_run_on_two_folders(labelled_folder):
    from mri_gan.evaluation import images_from_folder

    images = images_from_folder(labelled_folder, resolution=32)
    assert images.shape == (8, 32, 32, 1) and images.dtype == np.uint8
    assert sliced_wasserstein(images[:4], images_from_folder(labelled_folder, 32)[:4]).mean == 0.0


def test_power_spectrum_ratios_find_a_checkerboard_and_a_blur_at_high_frequencies(slices):
    from mri_gan.metrics.spectrum import BAND_EDGES, power_ratios

    reference, _ = slices
    np.testing.assert_allclose(power_ratios(reference, reference), 1.0)
    pixels = reference.astype(np.float32)
    checkerboard = np.where(np.add.outer(np.arange(64), np.arange(64)) % 2 == 0, 6.0, -6.0)[None, :, :, None]
    with_checkerboard = np.clip(pixels + checkerboard, 0, 255).astype(np.uint8)
    blurred = ndimage.gaussian_filter(pixels, sigma=(0, 1.5, 1.5, 0)).astype(np.uint8)
    assert len(power_ratios(reference, blurred)) == len(BAND_EDGES) - 1
    checkered_ratios, blurred_ratios = power_ratios(reference, with_checkerboard), power_ratios(reference, blurred)
    assert checkered_ratios[-1] > 2 and abs(checkered_ratios[0] - 1) < 0.05
    assert blurred_ratios[-1] < 0.2 and blurred_ratios[-2] < blurred_ratios[1] and abs(blurred_ratios[0] - 1) < 0.2


def test_the_swd_rows_show_each_pyramid_levels_ratio_to_the_real_baseline():
    from mri_gan.metrics.registry import MEASURES

    entry = {"real_vs_generated": {"per_level": {64: 11.0, 32: 9.0, 16: 25.0}, "mean": 15.0},
             "real_vs_real": {"per_level": {64: 10.0, 32: 9.0, 16: 12.5}, "mean": 10.5}}  # fmt: skip
    rows = dict(MEASURES["swd"].rows(entry))
    assert rows["SWD x1e3 real vs generated"] == "15.00"
    assert rows["SWD per level, fine to coarse / baseline"] == "64 px 1.10x  32 px 1.00x  16 px 2.00x"


def test_the_tracked_swd_floor_takes_an_odd_number_of_real_images():
    """A held-out split leaves 215 training slices; the quality curve's floor must still be drawn."""
    from mri_gan.metrics.registry import MEASURES

    images = np.random.default_rng(0).integers(0, 256, (31, 32, 32), dtype=np.uint8)
    floor = MEASURES["swd"].tracking.floor(images, 0)
    assert np.isfinite(floor) and floor > 0
