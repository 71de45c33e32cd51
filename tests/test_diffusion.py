"""The diffusion family: the U-Net's shapes and parameters, the noise schedule, DDIM steps, guidance, the
sampler's determinism, resuming, and the export's images."""

import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.diffusion import DiffusionModel, diffusion_rates
from mri_gan.diffusion.model import ema_decay_at
from mri_gan.diffusion.sampler import DiffusionSampler, ddim_step, diffusion_sampler, sampling_network
from mri_gan.diffusion.schedule import MAX_SIGNAL_RATE, MIN_SIGNAL_RATE, from_velocity, velocity
from mri_gan.models.unet import EMBEDDING_FEATURES, denoiser
from mri_gan.runs.export import export_generator
from mri_gan.training.state import TrainingState


def unet_parameter_count(resolution, width, blocks, num_classes):
    """The U-Net's parameters from its description (levels down to 8x8, widths x1, 2, 3, 4), not from Keras."""
    embed = 4 * width
    levels = int(math.log2(resolution // 8))
    widths = [width * min(level + 1, 4) for level in range(levels + 1)]

    def conv(size, c_in, c_out):
        return size * size * c_in * c_out + c_out

    def block(c_in, c_out):
        shortcut = conv(1, c_in, c_out) if c_in != c_out else 0
        return shortcut + 2 * c_in + conv(3, c_in, c_out) + embed * c_out + c_out + 2 * c_out + conv(3, c_out, c_out)

    total = EMBEDDING_FEATURES * embed + embed + embed * embed + embed  # two dense layers on the noise level
    total += (num_classes + 1) * embed if num_classes else 0  # class embedding with "no class"
    total += conv(1, 1, widths[0])
    channels, skips = widths[0], []
    for level in range(levels):
        for _ in range(blocks):
            total += block(channels, widths[level])
            channels = widths[level]
            skips.append(channels)
    for _ in range(blocks):
        total += block(channels, widths[-1])
        channels = widths[-1]
    for level in reversed(range(levels)):
        for _ in range(blocks):
            total += block(channels + skips.pop(), widths[level])
            channels = widths[level]
    return total + 2 * channels + conv(3, channels, 1)


@pytest.mark.parametrize(("resolution", "width", "blocks", "classes"), [(32, 8, 1, 2), (64, 16, 2, 0)])
def test_the_unet_predicts_noise_of_the_image_shape_with_the_counted_parameters(resolution, width, blocks, classes):
    network = denoiser(resolution, width, blocks, classes)
    inputs = [np.zeros((3, resolution, resolution, 1), "float32"), np.full((3, 1), 0.5, "float32")]
    if classes:
        inputs.append(np.array([0, 1, classes], "int32"))  # the last: "no class"
    assert network(inputs).shape == (3, resolution, resolution, 1)
    assert network.count_params() == unet_parameter_count(resolution, width, blocks, classes)
    assert not any("BatchNormalization" in type(layer).__name__ for layer in network.layers)


def test_the_schedule_runs_from_mostly_signal_to_mostly_noise_monotonically_and_preserves_variance():
    times = np.linspace(0.0, 1.0, 101, dtype="float32")
    noise, signal = (np.asarray(rate) for rate in diffusion_rates(times))
    assert signal[0] == pytest.approx(MAX_SIGNAL_RATE, abs=1e-6)
    assert signal[-1] == pytest.approx(MIN_SIGNAL_RATE, abs=1e-6)
    assert np.all(np.diff(signal) < 0) and np.all(np.diff(noise) > 0)
    np.testing.assert_allclose(signal**2 + noise**2, 1.0, atol=1e-6)


def test_a_ddim_step_is_exact_for_zero_and_for_the_true_noise():
    rng = np.random.default_rng(0)
    noisy = rng.standard_normal((2, 8, 8, 1)).astype("float32")
    noise, signal = 0.6, 0.8
    next_noise, next_signal = 0.28, 0.96
    stepped, clean = ddim_step(noisy, np.zeros_like(noisy), noise, signal, next_noise, next_signal)
    np.testing.assert_allclose(clean, noisy / signal, rtol=1e-6)  # no noise predicted: the image is all signal
    np.testing.assert_allclose(stepped, noisy * next_signal / signal, rtol=1e-6)
    image, true_noise = rng.standard_normal((2, 2, 8, 8, 1)).astype("float32")
    stepped, clean = ddim_step(signal * image + noise * true_noise, true_noise, noise, signal, next_noise, next_signal)
    np.testing.assert_allclose(clean, image, atol=1e-5)
    np.testing.assert_allclose(stepped, next_signal * image + next_noise * true_noise, atol=1e-5)


def test_the_velocity_gives_back_the_noise_and_the_image_at_every_time():
    rng = np.random.default_rng(2)
    image, noise = rng.standard_normal((2, 5, 8, 8, 1)).astype("float32")
    noise_rates, signal_rates = (np.asarray(rate) for rate in diffusion_rates(np.linspace(0, 1, 5).reshape(5, 1, 1, 1)))
    noisy = signal_rates * image + noise_rates * noise
    found_noise, found_image = from_velocity(noisy, velocity(image, noise, noise_rates, signal_rates), noise_rates,
                                             signal_rates)  # fmt: skip
    np.testing.assert_allclose(found_noise, noise, atol=1e-5)
    np.testing.assert_allclose(found_image, image, atol=1e-5)


@pytest.mark.parametrize("prediction", ["velocity", "noise"])
def test_a_step_clips_the_clean_image_a_prediction_implies_to_the_data_range(prediction):
    sampler = DiffusionSampler(_trained_network(classes=0), prediction=prediction)
    rng = np.random.default_rng(3)
    image = rng.uniform(-3, 3, (2, 32, 32, 1)).astype("float32")  # partly outside [-1, 1]
    noise = rng.standard_normal(image.shape).astype("float32")
    noise_rate, signal_rate = np.float32(0.6), np.float32(0.8)
    noisy = signal_rate * image + noise_rate * noise
    exact = velocity(image, noise, noise_rate, signal_rate) if prediction == "velocity" else noise
    clipped_noise = np.asarray(sampler.clipped_noise(noisy, exact, noise_rate, signal_rate))
    _, clean = ddim_step(noisy, clipped_noise, noise_rate, signal_rate, 0.28, 0.96)
    np.testing.assert_allclose(clean, np.clip(image, -1, 1), atol=1e-5)


def test_a_sampler_saved_before_velocity_prediction_reads_its_network_as_predicting_noise():
    saved = json.dumps(keras.saving.serialize_keras_object(DiffusionSampler(_trained_network(classes=0))))
    assert keras.saving.deserialize_keras_object(json.loads(saved)).prediction == "velocity"
    older = json.loads(saved)  # a fresh copy: deserializing consumes parts of the nested network's config
    del older["config"]["prediction"]
    assert keras.saving.deserialize_keras_object(older).prediction == "noise"
    with pytest.raises(ValueError, match="'x0'"):
        DiffusionSampler(_trained_network(classes=0), prediction="x0")


def _trained_network(resolution=32, width=8, classes=2, seed=0):
    """A denoiser whose last layer is not zero (a fresh one predicts no noise at all, which hides differences)."""
    keras.utils.set_random_seed(seed)
    network = denoiser(resolution, width, 1, classes)
    kernel = network.get_layer("noise").kernel
    kernel.assign(np.random.default_rng(seed).normal(0, 0.05, kernel.shape).astype("float32"))
    return network


def test_guidance_zero_is_the_unconditional_prediction_and_one_the_conditional():
    network = _trained_network()
    sampler = diffusion_sampler(sampling_network(network, 3, 1.0))
    noisy = np.random.default_rng(1).standard_normal((4, 32, 32, 1)).astype("float32")
    rates = np.full((4, 1, 1, 1), 0.7, "float32")
    labels = np.array([0, 1, 0, 1], "int32")
    variances = np.full((4, 1), 0.49, "float32")
    unconditional = np.asarray(network([noisy, variances, np.full(4, 2, "int32")]))
    conditional = np.asarray(network([noisy, variances, labels]))
    assert np.abs(conditional - unconditional).max() > 1e-4  # the class changes the prediction
    np.testing.assert_allclose(sampler.predict(noisy, rates, labels, 0.0), unconditional, atol=1e-5)
    np.testing.assert_allclose(sampler.predict(noisy, rates, labels, 1.0), conditional, atol=1e-5)
    np.testing.assert_allclose(sampler.predict(noisy, rates, labels, np.float32(1.0)), conditional, atol=1e-5)


def test_the_sampler_gives_the_same_images_for_a_seed_and_others_for_another():
    model = DiffusionModel(_trained_network(classes=0), seed=0, ema_decay=0.0, steps=4)
    first, again, other = model.sample(6, seed=3), model.sample(6, seed=3, batch_size=4), model.sample(6, seed=4)
    assert first.shape == (6, 32, 32, 1) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, again)
    assert np.abs(first.astype(int) - other.astype(int)).mean() > 1


def _images(count=8, resolution=32, seed=0):
    pixels = np.random.default_rng(seed).uniform(-1, 1, (count, resolution, resolution, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(pixels).batch(4)


def _compiled(seed=0, ema_decay=0.9):
    model = DiffusionModel(_trained_network(classes=0, seed=seed), seed=seed, ema_decay=ema_decay, steps=3)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def test_resume_continues_the_ema_weights_and_the_step_count(tmp_path):
    model = _compiled()
    model.fit(_images(), epochs=2, verbose=0)
    TrainingState(model, tmp_path).save(2)
    saved_ema = [np.array(weight) for weight in model.ema_network.weights]
    assert int(model.optimizer.iterations) == 4
    assert any(
        np.abs(ema - np.asarray(raw)).max() > 0 for ema, raw in zip(saved_ema, model.network.weights, strict=True)
    )

    resumed = _compiled(seed=5)  # other fresh weights, so only the checkpoint can make them equal
    assert TrainingState(resumed, tmp_path).restore_latest() == 2
    assert int(resumed.optimizer.iterations) == 4
    for ema, restored in zip(saved_ema, resumed.ema_network.weights, strict=True):
        np.testing.assert_array_equal(ema, np.asarray(restored))
    before = [np.array(weight) for weight in resumed.ema_network.weights]
    resumed.fit(_images(count=4), epochs=1, verbose=0)
    assert int(resumed.optimizer.iterations) == 5
    kernel = next(index for index, weight in enumerate(resumed.ema_network.weights) if weight.path.endswith("kernel"))
    moved = np.asarray(resumed.ema_network.weights[kernel]) - before[kernel]
    decay = min(0.9, (1 + 5) / (10 + 5))  # the warm-up's decay after the fifth step, the step count went on
    expected = (1 - decay) * (np.asarray(resumed.network.weights[kernel]) - before[kernel])
    np.testing.assert_allclose(moved, expected, atol=1e-6)  # one EMA step from the restored average


def test_the_ema_decay_warms_up_to_the_set_decay():
    decays = [float(ema_decay_at(step, 0.999)) for step in (0, 10, 100, 890, 8991, 100000)]
    np.testing.assert_allclose(decays[:4], [0.1, 11 / 20, 101 / 110, 0.99], rtol=1e-6)
    assert decays[4] == pytest.approx(0.999, abs=1e-6) and decays[5] == pytest.approx(0.999)
    assert decays == sorted(decays)


@pytest.mark.parametrize("classes", [0, 2])
def test_the_export_samples_the_images_of_the_model_for_a_seed(tmp_path, classes):
    model = DiffusionModel(_trained_network(classes=classes), seed=0, ema_decay=0.0, steps=3, guidance=1.5)
    export_generator(model.sampling_generator, tmp_path / "generator")
    loaded = tf.saved_model.load(str(tmp_path / "generator"))
    label = (tf.constant(1),) if classes else ()
    exported = loaded.sample(tf.constant(7, tf.int64), tf.constant(5), *label).numpy()
    np.testing.assert_array_equal(exported, model.sample(5, seed=7, label=1 if classes else None))
    fewer = loaded.sample_steps(tf.constant(7, tf.int64), tf.constant(5), *label, tf.constant(1), tf.constant(1.5))
    assert np.abs(fewer.numpy().astype(int) - exported.astype(int)).mean() > 0.5  # the steps reach the sampler
    again = loaded.sample_steps(tf.constant(7, tf.int64), tf.constant(5), *label, tf.constant(3), tf.constant(1.5))
    np.testing.assert_array_equal(again.numpy(), exported)
