"""Generator and discriminator: shapes, parameter counts and initial weights."""

import itertools

import keras
import numpy as np
import pytest

from mri_gan.errors import ConfigError
from mri_gan.models import build_discriminator, build_generator


def dcgan_parameter_counts(resolution, latent, width):
    """Parameters of the DCGAN layout from the layer shapes, counted independently of Keras."""
    doublings = int(np.log2(resolution)) - 2
    channels = [width * min(2 ** (doublings - 1 - level), 8) for level in range(doublings)]  # 4x4 ... res/2
    generator = latent * 16 * channels[0] + 4 * channels[0]  # projection + its batch norm (4 per channel)
    for c_in, c_out in itertools.pairwise(channels):
        generator += 16 * c_in * c_out + 4 * c_out
    generator += 16 * channels[-1]  # last transposed conv to 1 channel, no bias
    disc_channels = channels[::-1]
    discriminator = 16 * disc_channels[0]  # first conv from 1 channel, no batch norm
    for c_in, c_out in itertools.pairwise(disc_channels):
        discriminator += 16 * c_in * c_out + 4 * c_out
    discriminator += 16 * channels[0] + 1  # dense logit on the 4x4 map, with bias
    return generator, discriminator


@pytest.mark.parametrize("resolution", [32, 64, 128])
def test_shapes_and_parameter_counts(resolution):
    generator = build_generator(resolution, latent_dim=100, width=16)
    discriminator = build_discriminator(resolution, width=16)
    assert generator.output_shape == (None, resolution, resolution, 1)
    assert discriminator.output_shape == (None, 1)
    expected_g, expected_d = dcgan_parameter_counts(resolution, 100, 16)
    assert generator.count_params() == expected_g
    assert discriminator.count_params() == expected_d


def test_paper_generator_has_512_channels_at_4x4_and_outputs_tanh_range():
    generator = build_generator(64, 100, 64)
    assert generator.get_layer("to_4x4").output.shape[-1] == 512
    images = generator(np.random.default_rng(0).normal(size=(4, 100)).astype("float32"), training=False)
    assert images.dtype == "float32"
    assert float(np.abs(images).max()) <= 1.0


def test_initial_weights_follow_dcgan_statistics():
    for model in (build_generator(64, 100, 32), build_discriminator(64, 32)):
        kernels = np.concatenate([w.numpy().ravel() for w in model.weights if "kernel" in w.path])
        gammas = np.concatenate([w.numpy().ravel() for w in model.weights if w.path.endswith("gamma")])
        assert abs(kernels.std() - 0.02) < 0.001 and abs(kernels.mean()) < 0.001
        assert abs(gammas.mean() - 1.0) < 0.005 and abs(gammas.std() - 0.02) < 0.005


def test_first_discriminator_layer_has_no_batch_norm():
    discriminator = build_discriminator(64, 16)
    names = [layer.name for layer in discriminator.layers]
    assert names.index("down_32") + 1 == names.index("lrelu_32")
    assert "bn_16" in names


def test_bad_resolution_is_refused():
    with pytest.raises(ConfigError, match="48"):
        build_generator(48)


@pytest.mark.parametrize(("name", "spectral_norm"), [("dcgan", False), ("dcgan", True), ("resnet", True)])
def test_mixed_precision_keeps_outputs_float32(name, spectral_norm):
    from mri_gan.models import architecture

    networks = architecture(name)
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        generator = networks.build_generator(32, 8, 4, False, num_classes=0)
        discriminator = networks.build_discriminator(32, 4, False, num_classes=0, spectral_norm=spectral_norm)
        image = generator(np.zeros((2, 8), "float32"))
        assert image.dtype == "float32" and discriminator(image).dtype == "float32"
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_a_bfloat16_network_loaded_from_its_keras_file_runs_in_inference_mode(tmp_path):
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        discriminator = build_discriminator(32, 4)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    discriminator.save(tmp_path / "discriminator.keras")
    loaded = keras.models.load_model(tmp_path / "discriminator.keras")
    np.testing.assert_allclose(loaded(images, training=False), discriminator(images, training=False), rtol=1e-6)


def policies(model: keras.Model) -> list[str]:
    return [layer.dtype_policy.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


@pytest.mark.parametrize(
    ("classes", "spectral_norm", "policy"),
    [(0, False, "float32"), (2, False, "float32"), (0, True, "float32"), (0, False, "mixed_bfloat16")],
)
def test_portable_copies_hold_stock_layers_and_compute_the_same(classes, spectral_norm, policy):
    from mri_gan.models import portable_copy

    keras.mixed_precision.set_dtype_policy(policy)
    try:
        networks = (
            build_generator(32, 8, 4, num_classes=classes),
            build_discriminator(32, 4, num_classes=classes, spectral_norm=spectral_norm),
        )
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    rng = np.random.default_rng(1)
    labels = [np.array([0, 1, 1])] if classes else []
    inputs = ([rng.normal(size=(3, 8)).astype("float32"), *labels],
              [rng.uniform(-1, 1, (3, 32, 32, 1)).astype("float32"), *labels])  # fmt: skip
    for network, network_input in zip(networks, inputs, strict=True):
        network(network_input if classes else network_input[0], training=True)  # moving statistics move off 0 / 1
        copy = portable_copy(network)
        assert {type(layer).__module__.split(".")[0] for layer in copy.layers} == {"keras"}
        assert policies(copy) == policies(network)
        given = network_input if classes else network_input[0]
        tolerance = 1e-5 if policy == "float32" else 2e-2
        np.testing.assert_allclose(copy(given, training=False), network(given, training=False), atol=tolerance)


def resnet_trainable_counts(resolution, latent, width):
    """Trainable parameters of the residual layout from the layer shapes, counted independently of Keras."""
    steps = int(np.log2(resolution)) - 2

    def channels(from_finest):
        return width * min(2 ** max(from_finest, 0), 8)

    def conv(size, c_in, c_out):
        return size * size * c_in * c_out + c_out  # with bias

    generator = latent * 16 * channels(steps - 1) + 16 * channels(steps - 1)  # dense with bias
    c_in = channels(steps - 1)
    for level in range(1, steps + 1):
        c_out = channels(steps - 1 - level)
        generator += 2 * c_in + conv(3, c_in, c_out) + 2 * c_out + conv(3, c_out, c_out) + conv(1, c_in, c_out)
        c_in = c_out
    generator += 2 * c_in + conv(3, c_in, 1)  # last batch norm (gamma, beta) and the 3x3 to one channel
    discriminator, c_in = 0, 1
    for step in range(steps):
        c_out = channels(step)
        discriminator += conv(3, c_in, c_out) + conv(3, c_out, c_out) + conv(1, c_in, c_out)
        c_in = c_out
    discriminator += c_in + 1  # dense logit on the pooled features
    return generator, discriminator


@pytest.mark.parametrize("resolution", [32, 64])
def test_residual_networks_shapes_and_parameter_counts(resolution):
    from mri_gan.models import architecture

    networks = architecture("resnet")
    generator = networks.build_generator(resolution, 8, 4, False, num_classes=0)
    discriminator = networks.build_discriminator(resolution, 4, False, num_classes=0, spectral_norm=False)
    assert generator.output.shape == (None, resolution, resolution, 1)
    assert discriminator.output.shape == (None, 1)
    trainable = [
        sum(int(np.prod(w.shape)) for w in network.trainable_weights) for network in (generator, discriminator)
    ]
    assert tuple(trainable) == resnet_trainable_counts(resolution, 8, 4)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) or "bn" in layer.name
                   for layer in discriminator.layers)  # fmt: skip
    assert sum(isinstance(layer, keras.layers.SpectralNormalization) for layer in discriminator.layers) == (
        3 * (resolution.bit_length() - 3) + 1
    )
    images = generator(np.random.default_rng(0).normal(size=(2, 8)).astype("float32"), training=False)
    assert float(np.max(np.abs(images))) <= 1.0


def test_conditional_residual_networks_keep_the_model_contract():
    from mri_gan.models import architecture, portable_copy

    networks = architecture("resnet")
    generator = networks.build_generator(32, 8, 4, False, num_classes=3)
    discriminator = networks.build_discriminator(32, 4, False, num_classes=3, spectral_norm=True)
    labels = keras.ops.convert_to_tensor(np.array([0, 2], "int32"))
    images = generator([keras.ops.zeros((2, 8)), labels], training=False)
    assert images.shape == (2, 32, 32, 1) and discriminator([images, labels]).shape == (2, 1)
    for network in (generator, discriminator):
        assert network.get_layer("label_embedding").input_dim == 3
        assert {type(layer).__module__.split(".")[0] for layer in portable_copy(network).layers} == {"keras"}
