"""Class conditioning: the label steers what the generator makes; export and sampling keep the label."""

import io

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.callbacks import ProgressLine
from mri_gan.config import RunConfig
from mri_gan.errors import ConfigError
from mri_gan.gan.model import GAN
from mri_gan.models import build_discriminator, build_generator
from mri_gan.runs.export import export_generator
from mri_gan.training.state import TrainingState

SIZE = 32


def toy_two_class_images(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: a small bright disk; class 1: a large bright square; in [-0.5, 0.5] plus noise.

    Not saturated at -1/1, so a tiny generator can reach the pixel values within a few steps.
    """
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE] - SIZE / 2 + 0.5
    disk = np.hypot(rows, cols) < 6
    square = (np.abs(rows) < 12) & (np.abs(cols) < 12)
    labels = np.arange(count) % 2
    shapes = np.where(labels[:, None, None] == 1, square, disk)
    images = np.where(shapes, 0.5, -0.5) + rng.normal(0, 0.1, (count, SIZE, SIZE))
    return images[..., None].astype("float32"), labels.astype("int32")


def toy_gan(num_classes: int, seed: int = 0, class_loss: float = 0.0) -> GAN:
    keras.utils.set_random_seed(seed)
    gan = GAN(build_generator(SIZE, 16, 8, num_classes=num_classes),
                build_discriminator(SIZE, 8, num_classes=num_classes), seed=seed, num_classes=num_classes,
                class_loss=class_loss)  # fmt: skip
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5)
    )
    return gan


def bright_share(images: np.ndarray) -> float:
    """Mean share of bright pixels: about 0.11 for the disk, 0.56 for the square."""
    return float(np.mean(images > 127))


def test_a_conditional_model_learns_to_follow_the_label_and_an_unconditional_one_cannot():
    images, labels = toy_two_class_images(256)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(256, seed=0).batch(32).repeat()
    conditional = toy_gan(num_classes=2)
    conditional.fit(dataset, steps_per_epoch=150, epochs=1, verbose=0)
    disks, squares = conditional.sample(64, seed=1, label=0), conditional.sample(64, seed=1, label=1)
    assert bright_share(squares) - bright_share(disks) > 0.25, (bright_share(disks), bright_share(squares))

    unconditional = toy_gan(num_classes=0)
    unconditional.fit(dataset.map(lambda x, y: x), steps_per_epoch=150, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="label"):
        unconditional.sample(4, label=1)
    first, second = unconditional.sample(64, seed=1), unconditional.sample(64, seed=2)
    assert abs(bright_share(first) - bright_share(second)) < 0.1  # no input tells it which class to make


def test_networks_take_the_label_and_the_class_count_must_be_given_to_match_them():
    generator, discriminator = build_generator(SIZE, 16, 8, num_classes=3), build_discriminator(SIZE, 8, num_classes=3)
    assert [tuple(i.shape) for i in generator.inputs] == [(None, 16), (None,)]
    assert GAN(generator, discriminator, num_classes=3).num_classes == 3
    with pytest.raises(ValueError, match="num_classes=0"):
        GAN(generator, discriminator)
    with pytest.raises(ValueError, match="num_classes=2"):
        GAN(build_generator(SIZE, 16, 8), build_discriminator(SIZE, 8), num_classes=2)
    z = tf.random.normal((4, 16))
    a = generator([z, tf.zeros(4, tf.int32)]).numpy()
    b = generator([z, tf.ones(4, tf.int32)]).numpy()
    assert not np.allclose(a, b)
    assert discriminator([tf.zeros((4, SIZE, SIZE, 1)), tf.constant([0, 1, 2, 0])]).shape == (4, 1)


def test_a_conditional_step_needs_labels():
    gan = toy_gan(num_classes=2)
    with pytest.raises(ValueError, match="labels"):
        gan.train_step(toy_two_class_images(4)[0])


def test_the_savedmodel_of_a_conditional_generator_takes_the_label(tmp_path):
    gan = toy_gan(num_classes=2)
    export_generator(gan.generator, tmp_path / "generator", {"classes": ["no", "yes"]})
    loaded = tf.saved_model.load(str(tmp_path / "generator"))
    z = tf.random.normal((3, 16))
    labels = tf.constant([1, 0, 1], tf.int32)
    expected = gan.generator([z, labels], training=False).numpy()
    np.testing.assert_allclose(loaded.from_latent(z, labels).numpy(), np.round((expected + 1) * 127.5), atol=1)
    sampled = loaded.sample(tf.constant(4, tf.int64), tf.constant(5), tf.constant(1)).numpy()
    np.testing.assert_array_equal(sampled, gan.sample(5, seed=4, label=1))


def test_the_class_loss_head_learns_the_real_classes_and_the_generator_is_classified_as_its_label():
    images, labels = toy_two_class_images(256)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(256, seed=0).batch(32).repeat()
    gan = toy_gan(num_classes=2, class_loss=1.0)
    progress = io.StringIO()
    history = gan.fit(dataset, steps_per_epoch=150, epochs=1, verbose=0,
                      callbacks=[ProgressLine(32 * 150, summary_every=1, stream=progress)]).history  # fmt: skip
    assert f"class acc {history['class_accuracy'][-1]:.2f}" in progress.getvalue()

    real_logits, real_classes = gan.critic_network([images, labels], training=False)
    assert real_logits.shape == (256, 1)
    assert np.mean(np.argmax(real_classes.numpy(), axis=-1) == labels) > 0.9
    assert history["class_accuracy"][-1] > 0.8  # generated images, classified by the head as the label they were given
    disks, squares = gan.sample(64, seed=1, label=0), gan.sample(64, seed=1, label=1)
    assert bright_share(squares) - bright_share(disks) > 0.25, (bright_share(disks), bright_share(squares))


def test_the_class_loss_needs_a_conditional_model_and_is_kept_in_checkpoints(tmp_path):
    with pytest.raises(ValueError, match=r"class_loss=1\.0 needs a conditional model"):
        GAN(build_generator(SIZE, 16, 8), build_discriminator(SIZE, 8), class_loss=1.0)
    config = RunConfig()
    config.train.class_loss = 0.5
    with pytest.raises(ConfigError, match=r"train.class_loss 0.5 .*\(--conditional\)"):
        config.validate()

    trained = toy_gan(num_classes=2, class_loss=1.0)
    images, labels = toy_two_class_images(32)
    trained.train_step((tf.constant(images), tf.constant(labels)))
    TrainingState(trained, tmp_path).save(epoch=1)
    restored = toy_gan(num_classes=2, seed=1, class_loss=1.0)
    assert not np.allclose(restored.class_head.get_weights()[0], trained.class_head.get_weights()[0])
    assert TrainingState(restored, tmp_path).restore_latest() == 1
    for got, expected in zip(restored.class_head.get_weights(), trained.class_head.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)


def test_the_class_term_enters_both_networks_losses_with_its_weight():
    images, labels = toy_two_class_images(32)
    gan = toy_gan(num_classes=2, class_loss=100.0)
    gan.class_head.set_weights([np.zeros_like(w) for w in gan.class_head.get_weights()])  # cross-entropy ln 2
    logs = gan.train_step((tf.constant(images), tf.constant(labels)))
    assert float(logs["d_loss"]) > 100 * 0.6 and float(logs["g_loss"]) > 100 * 0.6, logs
    plain = toy_gan(num_classes=2).train_step((tf.constant(images), tf.constant(labels)))
    assert float(plain["d_loss"]) < 10 and float(plain["g_loss"]) < 10, plain
