"""StyleGAN2's networks: shapes and parameter counts, modulation and demodulation, noise, the running mean of w
and truncation in W, the minibatch standard deviation, saving, export and a training step."""

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.models import architecture, portable_copy
from mri_gan.models.style_layers import MinibatchStdDev, SynthesisLayer, ToImage
from mri_gan.sampling.truncation import truncated_generator, truncates_in_w

NETWORKS = architecture("stylegan2")
RECIPE = Path(__file__).resolve().parents[1] / "experiments" / "stylegan2.toml"


def stylegan2_parameter_counts(resolution, latent, width):
    """All parameters (trainable and not) of the StyleGAN2 layout, counted from the layer shapes, not by Keras."""
    steps = int(np.log2(resolution)) - 2

    def channels(from_finest):
        return width * min(2**from_finest, 8)

    def modulated(c_in, c_out, size):
        return latent * c_in + c_in + size * size * c_in * c_out + c_out  # affine (with bias), kernel, bias

    def synthesis(c_in, c_out, side):
        return modulated(c_in, c_out, 3) + 1 + side * side  # noise strength, fixed noise image

    generator = 2 * (latent * latent + latent) + latent  # mapping layers, running mean of w
    c_in = channels(steps)
    generator += 16 * c_in + synthesis(c_in, c_in, 4) + modulated(c_in, 1, 1)
    for level in range(1, steps + 1):
        side, c_out = 4 * 2**level, channels(steps - level)
        generator += synthesis(c_in, c_out, side) + synthesis(c_out, c_out, side) + modulated(c_out, 1, 1)
        c_in = c_out

    def conv(size, c_in, c_out, bias=True):
        return size * size * c_in * c_out + (c_out if bias else 0)

    discriminator = conv(1, 1, width)
    for step in range(steps):
        c_in, c_out = channels(step), channels(step + 1)
        discriminator += conv(1, c_in, c_out, bias=False) + conv(3, c_in, c_in) + conv(3, c_in, c_out)
    c_last = channels(steps)
    discriminator += conv(3, c_last + 1, c_last) + conv(4, c_last, c_last) + c_last + 1  # epilogue, features, logit
    return generator, discriminator


@pytest.mark.parametrize(("resolution", "width"), [(32, 4), (64, 2)])
def test_networks_have_the_contract_shapes_and_the_counted_parameters(resolution, width):
    generator = NETWORKS.build_generator(resolution, 8, width)
    discriminator = NETWORKS.build_discriminator(resolution, width)
    assert generator.output.shape == (None, resolution, resolution, 1)
    assert discriminator.output.shape == (None, 1)
    assert (generator.count_params(), discriminator.count_params()) == stylegan2_parameter_counts(resolution, 8, width)
    assert not any("batch_norm" in type(layer).__name__.lower() for layer in [*generator.layers, *discriminator.layers])


def test_a_modulated_convolution_equals_convolving_each_image_with_its_own_demodulated_kernel():
    rng = np.random.default_rng(0)
    layer = SynthesisLayer(5, seed=0)
    x = rng.normal(size=(3, 6, 6, 4)).astype("float32")
    w = rng.normal(size=(3, 7)).astype("float32")
    layer([x, w])
    kernel = layer.kernel.numpy() * layer.weight_gain
    styles = layer.affine(w).numpy()
    for image in range(3):
        own = kernel * styles[image][None, None, :, None]
        own = own / np.sqrt(np.sum(own**2, axis=(0, 1, 2), keepdims=True) + 1e-8)
        expected = tf.nn.conv2d(x[image : image + 1], own, 1, "SAME").numpy()
        got = layer.modulated_conv(x[image : image + 1], w[image : image + 1], demodulate=True).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_demodulation_gives_unit_variance_outputs_for_unit_variance_inputs_whatever_the_style():
    rng = np.random.default_rng(1)
    layer = SynthesisLayer(8, seed=0)
    x = rng.normal(size=(2, 48, 48, 16)).astype("float32")
    w = (rng.normal(size=(2, 12)) * np.array([[1.0], [20.0]])).astype("float32")  # a mild and a wild style
    layer([x, w])
    demodulated = layer.modulated_conv(x, w, demodulate=True).numpy()
    assert np.allclose(demodulated[:, 1:-1, 1:-1].std(axis=(1, 2)), 1.0, atol=0.12)
    raw = ToImage(8)([x, w]).numpy()  # not demodulated: the style's scale comes through
    assert raw[1].std() > 3 * raw[0].std()


def test_noise_is_fixed_outside_training_and_fresh_in_training():
    generator = NETWORKS.build_generator(32, 8, 4)
    for layer in generator.layers:
        if isinstance(layer, SynthesisLayer):
            layer.noise_strength.assign(1.0)
    z = np.random.default_rng(2).normal(size=(2, 8)).astype("float32")
    np.testing.assert_array_equal(generator(z, training=False), generator(z, training=False))
    assert not np.allclose(generator(z, training=True), generator(z, training=True))


def test_training_calls_move_the_running_mean_of_w_and_truncation_in_w_pulls_toward_its_image():
    generator = NETWORKS.build_generator(32, 8, 4)
    average = generator.get_layer("w_average")
    z = np.random.default_rng(3).normal(size=(16, 8)).astype("float32")
    generator(z, training=False)
    assert not np.any(average.w_avg.numpy())
    generator(z + 3.0, training=True)
    assert np.any(average.w_avg.numpy())
    truncated = truncated_generator(generator)
    assert truncates_in_w(generator)
    np.testing.assert_allclose(truncated(z, 1.0), generator(z, training=False), atol=1e-5)
    collapsed = truncated(z, 0.0).numpy()
    np.testing.assert_allclose(collapsed, np.repeat(collapsed[:1], 16, axis=0), atol=1e-5)
    spread = [float(truncated(z, psi).numpy().std(axis=0).mean()) for psi in (0.25, 0.5, 1.0)]
    assert spread == sorted(spread) and spread[0] < spread[-1]


def test_other_architectures_truncate_in_z():
    generator = architecture("dcgan").build_generator(32, 8, 4)
    z = np.random.default_rng(4).normal(size=(3, 8)).astype("float32")
    assert not truncates_in_w(generator)
    np.testing.assert_allclose(truncated_generator(generator)(z, 0.5), generator(z * 0.5, training=False), atol=1e-6)


@pytest.mark.parametrize("batch", [8, 6])
def test_minibatch_standard_deviation_appends_each_groups_spread(batch):
    x = np.random.default_rng(5).normal(size=(batch, 4, 4, 3)).astype("float32")
    out = MinibatchStdDev(4)(x).numpy()
    assert out.shape == (batch, 4, 4, 4)
    np.testing.assert_array_equal(out[..., :3], x)
    groups = 4 if batch % 4 == 0 else batch
    grouped = x.reshape(groups, batch // groups, 4, 4, 3)
    expected = np.sqrt(grouped.var(axis=0) + 1e-8).mean(axis=(1, 2, 3))
    for image in range(batch):
        np.testing.assert_allclose(out[image, :, :, 3], expected[image % (batch // groups)], rtol=1e-5)


def test_conditional_networks_take_labels_and_portable_copies_compute_the_same():
    generator = NETWORKS.build_generator(32, 8, 4, num_classes=3)
    discriminator = NETWORKS.build_discriminator(32, 4, num_classes=3)
    labels = np.array([0, 2], "int32")
    z = np.random.default_rng(6).normal(size=(2, 8)).astype("float32")
    images = generator([z, labels], training=False).numpy()
    assert images.shape == (2, 32, 32, 1) and discriminator([images, labels]).shape == (2, 1)
    assert not np.allclose(images[0], generator([z[:1], np.array([1], "int32")], training=False)[0])
    for network, given in ((generator, [z, labels]), (discriminator, [images, labels])):
        np.testing.assert_allclose(portable_copy(network)(given, training=False), network(given, training=False),
                                   atol=1e-6)  # fmt: skip


def test_a_keras_file_loads_in_a_process_that_imports_mri_gan(tmp_path):
    generator = NETWORKS.build_generator(32, 8, 4, num_classes=2)
    generator([np.zeros((4, 8), "float32"), np.array([0, 1, 0, 1], "int32")], training=True)
    path = tmp_path / "generator.keras"
    generator.save(path)
    z = np.random.default_rng(7).normal(size=(2, 8)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    expected = generator([z, np.array([1, 1], "int32")], training=False).numpy()
    script = (
        "import sys, numpy as np, keras, mri_gan\n"
        f"model = keras.models.load_model({str(path)!r})\n"
        f"z = np.load({str(tmp_path / 'z.npy')!r})\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, model([z, np.array([1, 1], 'int32')], training=False).numpy())\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-6)


def test_the_export_truncates_in_w_as_the_keras_generator_does(tmp_path):
    from mri_gan.runs.export import export_generator
    from mri_gan.sampling.latents import to_uint8

    generator = NETWORKS.build_generator(32, 8, 4)
    generator(np.random.default_rng(8).normal(size=(32, 8)).astype("float32") + 2.0, training=True)
    export_generator(generator, tmp_path / "generator")
    loaded = tf.saved_model.load(str(tmp_path / "generator"))
    z = np.random.default_rng(9).normal(size=(4, 8)).astype("float32")
    expected = to_uint8(truncated_generator(generator)(z, 0.6)).numpy()
    got = loaded.from_latent_truncated(z, np.float32(0.6)).numpy()
    assert np.mean(np.abs(got.astype(int) - expected.astype(int)) <= 1) > 0.99
    assert not np.array_equal(got, loaded.from_latent(z).numpy())


def test_a_gan_of_stylegan2_networks_trains_with_the_small_set_settings():
    from mri_gan.gan import GAN

    generator, discriminator = NETWORKS.build_generator(32, 8, 4), NETWORKS.build_discriminator(32, 4)
    gan = GAN(generator, discriminator, seed=0, augment="ada", r1_gamma=0.05, r1_interval=2, ema_decay=0.9)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.0, beta_2=0.99),
                g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.0, beta_2=0.99))  # fmt: skip
    before = [weight.numpy().copy() for weight in generator.trainable_weights]
    images = np.random.default_rng(10).uniform(-1, 1, (16, 32, 32, 1)).astype("float32")
    history = gan.fit(tf.data.Dataset.from_tensor_slices(images).batch(8), epochs=2, verbose=0)
    assert all(np.isfinite(values).all() for values in history.history.values())
    assert any(not np.allclose(old, new.numpy()) for old, new in zip(before, generator.trainable_weights, strict=True))
    np.testing.assert_array_equal(gan.ema_generator.get_layer("w_average").w_avg.numpy(),
                                  generator.get_layer("w_average").w_avg.numpy())  # fmt: skip
    assert gan.sample(4, seed=1).shape == (4, 32, 32, 1)


def test_generate_truncates_a_keras_stylegan2_generator_in_w(tmp_path):
    from mri_gan.runs.model_source import Sampler, model_source
    from mri_gan.sampling.latents import to_uint8

    generator = NETWORKS.build_generator(32, 8, 4)
    generator(np.random.default_rng(11).normal(size=(32, 8)).astype("float32") + 2.0, training=True)
    generator.save(tmp_path / "generator.keras")
    sampler = Sampler(model_source(tmp_path / "generator.keras"))
    z = np.random.default_rng(12).normal(size=(4, 8)).astype("float32")
    expected = to_uint8(truncated_generator(generator)(z, 0.5)).numpy()
    for _ in range(2):  # the truncated network is built once and reused per batch
        np.testing.assert_array_equal(sampler.images(z, None, 0.5), expected)
    assert not np.array_equal(sampler.images(z, None, 0.5), sampler.images(z))


def test_stylegan2_trains_resumes_and_exports_through_fit_and_its_export_repeats_a_seed(tiny_folder, tmp_path):
    from conftest import run_module

    run = tmp_path / "run"
    shape = ["--architecture", "stylegan2", "--resolution", "32", "--width", "4", "--latent-dim", "8", "--batch-size",
             "4", "--checkpoint-every", "1", "--precision", "float32", "--config", str(RECIPE)]  # fmt: skip
    first = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *shape, "--epochs", "1")
    assert first.returncode == 0, first.stderr
    resumed = run_module("mri_gan.fit", "--data", str(tiny_folder), "--out", str(run), *shape, "--epochs", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming {run} from epoch 1" in resumed.stderr
    exported = tf.saved_model.load(str(run / "generator"))
    images = [exported.sample(tf.constant(3, tf.int64), tf.constant(4)).numpy() for _ in range(2)]
    np.testing.assert_array_equal(*images)  # the noise inputs are fixed in the export
    assert images[0].std() > 0 and (run / "keras" / "generator.keras").is_file()
