"""Adaptive discriminator augmentation: the pipeline's properties and p's control loop."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.gan.ada import AdaController, ada_augment, pseudo_augment
from mri_gan.gan.model import GAN
from mri_gan.models import build_discriminator, build_generator


def images(count=16, size=32, seed=0) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size]
    disk = ((rows - size / 2) ** 2 + (cols - size / 3) ** 2 < (size / 4) ** 2).astype("float32")
    return tf.constant(disk[None, ..., None] * rng.uniform(0.5, 1.5, (count, 1, 1, 1)) - 1.0, tf.float32)


def small_gan(augment: str, speed_images: int = 64) -> GAN:
    """A compiled 32x32 DCGAN with `augment`; p moves from 0 to 1 in `speed_images` images."""
    keras.utils.set_random_seed(0)
    model = GAN(build_generator(32, 16, 8), build_discriminator(32, 8), seed=0, augment=augment,
                  ada_speed_images=speed_images)  # fmt: skip
    model.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    return model


def test_p_zero_is_no_augmentation_and_p_one_changes_every_image_within_shape_and_range():
    x = images()
    np.testing.assert_array_equal(ada_augment(x, 0.0, keras.random.SeedGenerator(0)).numpy(), x.numpy())
    augmented = ada_augment(x, 1.0, keras.random.SeedGenerator(0)).numpy()
    assert augmented.shape == x.shape and augmented.dtype == np.float32
    assert augmented.min() >= -1.0 and augmented.max() <= 1.0
    assert all(not np.allclose(a, b, atol=1e-3) for a, b in zip(augmented, x.numpy(), strict=True))


def test_warps_fill_the_uncovered_borders_from_the_image_not_with_black():
    size = 32
    rows, cols = np.mgrid[0:size, 0:size]
    disk = ((rows - size / 2) ** 2 + (cols - size / 2) ** 2 < 6**2).astype("float32")
    x = tf.constant(np.broadcast_to((0.8 * disk)[None, ..., None], (64, size, size, 1)).copy())  # grey background
    augmented = ada_augment(x, 1.0, keras.random.SeedGenerator(2)).numpy()[..., 0]
    background = np.median(augmented, axis=(1, 2))
    corners = augmented[:, [0, 0, -1, -1], [0, -1, 0, -1]]
    np.testing.assert_allclose(corners, np.repeat(background[:, None], 4, axis=1), atol=1e-3)


def test_warps_keep_a_head_within_a_couple_of_pixels_and_a_tenth_of_its_size():
    size = 64
    rows, cols = np.mgrid[0:size, 0:size]
    disk = ((rows - 31.5) ** 2 + (cols - 31.5) ** 2 < 20**2).astype("float32")
    x = tf.constant(np.broadcast_to((2 * disk - 1)[None, ..., None], (256, size, size, 1)).copy())
    augmented = ada_augment(x, 1.0, keras.random.SeedGenerator(4)).numpy()[..., 0]
    low, high = augmented.min(axis=(1, 2), keepdims=True), augmented.max(axis=(1, 2), keepdims=True)
    head = (augmented > (low + high) / 2).astype("float32")  # brightness and contrast change the levels, not the shape
    area = head.sum(axis=(1, 2))
    centre_row = (head * rows).sum(axis=(1, 2)) / area
    centre_col = (head * cols).sum(axis=(1, 2)) / area
    assert np.hypot(centre_row - 31.5, centre_col - 31.5).max() <= 2 * np.sqrt(2) + 0.1
    assert np.abs(np.log2(area / disk.sum())).max() < 0.4  # std 0.05 in log2 of the side: 0.1 of the area


def test_each_share_of_images_follows_p():
    x = images(400)
    changed = np.abs(ada_augment(x, 0.2, keras.random.SeedGenerator(3)).numpy() - x.numpy()).max(axis=(1, 2, 3)) > 1e-4
    expected = 1 - 0.8**6  # six operations, each applied with probability 0.2 (a flip applies half the time: fewer)
    assert 0.5 * expected < changed.mean() < expected + 0.1, changed.mean()


def test_the_pipeline_is_differentiable_to_first_and_second_order():
    x = images(4)
    weights = tf.constant(np.random.default_rng(1).normal(size=x.shape).astype("float32"))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = tf.reduce_sum(tf.sin(3 * ada_augment(x, 1.0, keras.random.SeedGenerator(5))) * weights)
        gradient = inner.gradient(value, x)
        penalty = tf.reduce_sum(tf.square(gradient))  # R1 takes the gradient of a gradient
    second = outer.gradient(penalty, x)
    assert gradient is not None and np.abs(gradient.numpy()).sum() > 0 and np.isfinite(gradient.numpy()).all()
    assert second is not None and np.isfinite(second.numpy()).all()


@pytest.mark.parametrize(("logit", "start", "direction"), [(3.0, 0.0, 1), (-3.0, 0.5, -1), (0.2, 0.3, 1)])
def test_p_rises_while_the_discriminator_is_sure_of_real_images_and_falls_when_it_is_not(logit, start, direction):
    controller = AdaController(target=0.6, interval=4, speed_images=1000)
    controller.p.assign(start)
    for _ in range(8):  # two adjustments of batch 32 x 4 steps: 0.128 each
        controller.update(tf.fill((32, 1), logit), 0.0, 32)
    assert float(controller.p.numpy()) == pytest.approx(np.clip(start + direction * 0.256, 0, 1), abs=1e-6)


def test_p_moves_in_a_compiled_step_under_a_distribution_strategy():
    strategy = tf.distribute.MirroredStrategy(["CPU:0"])
    with strategy.scope():
        controller = AdaController(target=0.6, interval=4, speed_images=1000)

    @tf.function
    def step():
        strategy.run(lambda: controller.update(tf.fill((32, 1), 3.0), 0.0, 32))

    for _ in range(8):
        step()
    assert float(controller.p.numpy()) == pytest.approx(0.256, abs=1e-6)
    assert int(controller.steps.numpy()) == 0


def test_p_stops_at_its_cap_however_sure_the_discriminator_is():
    controller = AdaController(target=0.6, interval=4, speed_images=1000, max_p=0.3)
    for _ in range(16):  # four adjustments of 0.128: 0.512 without the cap
        controller.update(tf.fill((32, 1), 3.0), 0.0, 32)
    assert float(controller.p.numpy()) == pytest.approx(0.3)
    with pytest.raises(ValueError, match=r"cap on p must be in \(0, 1\], got 1.5"):
        AdaController(max_p=1.5)


def test_a_cap_on_p_outside_0_to_1_is_named_in_the_flag_error(tmp_path):
    from mri_gan.cli.fit import parser, resolve
    from mri_gan.errors import ConfigError

    for value in ("0", "1.5"):
        with pytest.raises(ConfigError, match=rf"train.ada_max_p must be in \(0, 1\], got {float(value)}"):
            resolve(parser().parse_args(["--ada-max-p", value, "--out", str(tmp_path / "run")]))


def test_a_gan_with_ada_logs_p_trains_and_checkpoints_it(tmp_path):
    from mri_gan.training.state import TrainingState

    trained = small_gan("ada")
    logs = {}
    for _ in range(8):
        logs = trained.train_step(images(16).numpy())
    assert "ada_p" in logs and np.isfinite(float(logs["ada_p"]))
    trained.ada.p.assign(0.375)
    TrainingState(trained, tmp_path).save(epoch=1)
    restored = small_gan("ada")
    assert TrainingState(restored, tmp_path).restore_latest() == 1
    assert float(restored.ada.p.numpy()) == 0.375


def test_pseudo_augment_swaps_whole_images_for_generated_ones_with_probability_p():
    real, fake = tf.fill((400, 4, 4, 1), 0.5), tf.fill((400, 4, 4, 1), -0.25)
    np.testing.assert_array_equal(pseudo_augment(real, fake, 0.0, keras.random.SeedGenerator(0)).numpy(), real.numpy())
    np.testing.assert_array_equal(pseudo_augment(real, fake, 1.0, keras.random.SeedGenerator(0)).numpy(), fake.numpy())
    shown = pseudo_augment(real, fake, 0.25, keras.random.SeedGenerator(1)).numpy()
    swapped = (shown == -0.25).all(axis=(1, 2, 3))
    assert (swapped | (shown == 0.5).all(axis=(1, 2, 3))).all()  # never a blend
    assert 0.18 < swapped.mean() < 0.32


def test_a_gan_with_apa_keeps_its_own_p_and_checkpoints_it(tmp_path):
    from mri_gan.training.state import TrainingState

    trained = small_gan("ada,apa")
    logs = {}
    for _ in range(8):
        logs = trained.train_step(images(16).numpy())
    assert float(logs["apa_p"]) > 0  # a fresh discriminator separates at once: the signal is above 0.6
    trained.ada.p.assign(0.375)
    trained.apa.p.assign(0.125)
    TrainingState(trained, tmp_path).save(epoch=1)
    restored = small_gan("ada,apa")
    assert TrainingState(restored, tmp_path).restore_latest() == 1
    assert (float(restored.ada.p.numpy()), float(restored.apa.p.numpy())) == (0.375, 0.125)


def test_with_apa_p_at_one_the_discriminator_is_shown_the_generated_batch_as_real():
    model = small_gan("apa", speed_images=10**9)  # p stays where it is set
    model.apa.p.assign(1.0)
    logs = model.train_step(images(16).numpy())
    assert float(logs["d_real"]) == pytest.approx(float(logs["d_fake"]), abs=1e-6)
    model.apa.p.assign(0.0)
    logs = model.train_step(images(16).numpy())
    assert abs(float(logs["d_real"]) - float(logs["d_fake"])) > 1e-4
