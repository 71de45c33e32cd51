"""Precision modes: one training step under each policy, and the step against a plain implementation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mri_gan.gan.model import GAN
from mri_gan.models import build_discriminator, build_generator
from mri_gan.runtime import precision as precision_module
from mri_gan.runtime.hardware import Cpu, read_cpu
from mri_gan.runtime.precision import choose_precision, dtype_policy, resolve_precision


def gan_in(precision: str, seed: int = 0) -> GAN:
    keras.utils.set_random_seed(seed)
    with dtype_policy(precision):
        gan = GAN(build_generator(32, 16, 8), build_discriminator(32, 8), seed=seed)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan


def test_mixed_means_bfloat16_on_a_cpu_and_bad_names_are_refused():
    expected = "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"
    assert resolve_precision("mixed") == expected
    with pytest.raises(ValueError, match="float64"):
        resolve_precision("float64")


CPUINFO = """processor\t: 0
model name\t: Example CPU 9000
flags\t\t: fpu sse2 avx2 fma {extra}

processor\t: 1
model name\t: Example CPU 9000
flags\t\t: fpu sse2 avx2 fma {extra}
"""


@pytest.mark.parametrize(
    ("extra", "sets", "unit"),
    [("", ["AVX2"], None), ("avx512f avx512_bf16", ["AVX2", "AVX-512", "AVX-512 BF16"], "AVX-512 BF16"),
     ("avx512f avx512_bf16 amx_bf16 amx_tile", ["AVX2", "AVX-512", "AVX-512 BF16", "AMX-BF16"], "AMX-BF16")],
)  # fmt: skip
def test_cpu_features_are_read_from_cpuinfo(tmp_path, extra, sets, unit):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(CPUINFO.format(extra=extra))
    cpu = read_cpu(cpuinfo)
    assert cpu.model == "Example CPU 9000"
    assert cpu.instruction_sets == sets
    assert cpu.bfloat16_unit == unit
    assert "Example CPU 9000" in cpu.describe() and sets[-1] in cpu.describe()
    assert read_cpu(tmp_path / "missing").flags == frozenset()


@pytest.mark.parametrize(
    ("flags", "gpus", "onednn", "policy", "reason"),
    [
        ({"avx2"}, [], True, "float32", "neither AVX-512 BF16 nor AMX-BF16"),
        ({"avx2", "avx512_bf16"}, [], True, "mixed_bfloat16", "AVX-512 BF16"),
        ({"avx2", "avx512_bf16", "amx_bf16"}, [], True, "mixed_bfloat16", "AMX-BF16"),
        ({"avx2", "avx512_bf16"}, [], False, "float32", "oneDNN is off"),
        ({"avx2", "avx512_bf16"}, [(7, 5)], True, "float32", "7.5 < 8.0"),
        ({"avx2"}, [(8, 6), (9, 0)], True, "mixed_bfloat16", "8.6 >= 8.0"),
    ],
)
def test_auto_precision_follows_the_hardware_and_says_why(monkeypatch, flags, gpus, onednn, policy, reason):
    monkeypatch.setattr(precision_module, "read_cpu", lambda: Cpu("Example CPU", frozenset(flags)))
    monkeypatch.setattr(precision_module, "gpu_compute_capabilities", lambda: gpus)
    monkeypatch.setattr(precision_module, "onednn_enabled", lambda: onednn)
    choice = choose_precision("auto")
    assert (choice.requested, choice.policy) == ("auto", policy)
    assert reason in choice.reason
    assert choose_precision("float32").policy == "float32"


@pytest.mark.parametrize(
    ("precision", "compute_dtype", "loss_scaled"),
    [("float32", "float32", False), ("mixed_bfloat16", "bfloat16", False), ("mixed_float16", "float16", True)],
)
def test_one_step_under_each_policy_gives_finite_losses_and_float32_images(precision, compute_dtype, loss_scaled):
    gan = gan_in(precision)
    assert keras.config.dtype_policy().name == "float32"  # the block restored the global policy
    assert gan.discriminator.get_layer("down_16").compute_dtype == compute_dtype
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer) is loss_scaled
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer) is loss_scaled
    real = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    logs = gan.train_step(real)
    assert all(np.isfinite(float(value)) for value in logs.values())
    images = gan.generator(np.zeros((2, 16), "float32"))
    assert images.dtype == "float32"
    assert gan.discriminator(images).dtype == "float32"
    assert all(weight.dtype == "float32" for weight in gan.generator.weights + gan.discriminator.weights)


def plain_step(gan: GAN, real) -> None:
    """The textbook step: each update generates its own batch from the same z and takes every gradient."""
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    z = keras.random.normal((real.shape[0], gan.latent_dim), seed=gan.seed_generator)
    with tf.GradientTape() as tape:
        real_logits = gan.discriminator(real, training=True)
        fake_logits = gan.discriminator(gan.generator(z, training=True), training=True)
        d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
    variables = gan.discriminator.trainable_weights
    gan.d_optimizer.apply(tape.gradient(d_loss, variables), variables)
    with tf.GradientTape() as tape:
        fake_logits = gan.discriminator(gan.generator(z, training=True), training=True)
        g_loss = bce(tf.ones_like(fake_logits), fake_logits)
    variables = gan.generator.trainable_weights
    gan.g_optimizer.apply(tape.gradient(g_loss, variables), variables)


def test_optimised_step_trains_the_same_weights_as_the_plain_step():
    ours, plain = gan_in("float32", seed=5), gan_in("float32", seed=5)
    rng = np.random.default_rng(5)
    for _ in range(3):
        real = rng.uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
        ours.train_step(real)
        plain_step(plain, real)
    initial = gan_in("float32", seed=5)
    for network in ("generator", "discriminator"):
        trained = getattr(ours, network).trainable_weights
        for mine, theirs, start in zip(trained, getattr(plain, network).trainable_weights,
                                       getattr(initial, network).trainable_weights, strict=True):  # fmt: skip
            assert not np.allclose(mine.numpy(), start.numpy()), f"{mine.path} did not train"
            np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6, err_msg=mine.path)
