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
