"""A short training run moves generated images toward a simple data distribution."""

import keras
import numpy as np
import tensorflow as tf

from mri_gan.gan.model import GAN
from mri_gan.models import build_discriminator, build_generator


def disk_images(count, seed=0, size=32):
    """One bright disk of random centre and radius on black per image, in [-1, 1]."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size]
    images = np.full((count, size, size, 1), -1.0, np.float32)
    for image in images:
        centre = rng.uniform(10, 22, 2)
        radius = rng.uniform(4, 8)
        image[((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2) < radius**2] = 1.0
    return images


def disk_likeness(images):
    """How disk-like a batch is: dark corners, bright-but-not-full centre area, two-level pixels."""
    pixels = images[..., 0]
    corners = np.concatenate([pixels[:, :4, :4], pixels[:, :4, -4:], pixels[:, -4:, :4], pixels[:, -4:, -4:]], axis=1)
    dark_corners = float((corners < -0.5).mean())
    two_level = float((np.abs(pixels) > 0.7).mean())
    bright_share = float((pixels > 0).mean())
    plausible_area = float(0.03 < bright_share < 0.3)
    return dark_corners, two_level, plausible_area


def test_training_moves_generated_images_toward_disks():
    keras.utils.set_random_seed(0)
    gan = GAN(build_generator(32, 16, 16), build_discriminator(32, 16), seed=0)
    gan.compile(  # a higher rate than the paper's 2e-4, so that a few hundred steps suffice
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5)
    )
    before = disk_likeness(gan.sample(64, seed=9).astype(np.float32) / 127.5 - 1)
    real = disk_likeness(disk_images(64, seed=1))
    assert real == (1.0, 1.0, 1.0)
    assert before[0] < 0.5 and before[1] < 0.5, "an untrained generator must fail the statistic"

    dataset = tf.data.Dataset.from_tensor_slices(disk_images(512)).shuffle(512, seed=0).batch(16)
    gan.fit(dataset, epochs=12, verbose=0, shuffle=False)  # 384 steps
    after = disk_likeness(gan.sample(64, seed=9).astype(np.float32) / 127.5 - 1)
    assert after[0] > 0.8, f"corners should be dark like the data: {after}"
    assert after[1] > 0.25, f"pixels should move toward black or white like the data: {after}"
    assert after[2] == 1.0, f"the bright area should be disk-sized: {after}"
