"""Numeric precision of training: chosen for the hardware (`auto`), float32, or mixed precision.

`auto` (the default) picks the fastest mode the hardware computes natively: bfloat16 on
CPUs whose oneDNN kernels use AVX-512 BF16 or AMX-BF16 and on GPUs of compute capability
8.0 or newer, float32 elsewhere (on AVX2-only CPUs bfloat16 is emulated and about 15 times
slower). `mixed` means `mixed_float16` on a GPU (float16 math on tensor cores, with loss
scaling in `GAN`) and `mixed_bfloat16` elsewhere. Weights and both networks' last layers
stay float32 in every mode, so checkpoints move freely between machines and modes.
"""

import contextlib
from dataclasses import dataclass

import keras
import tensorflow as tf

from mri_gan.runtime.hardware import gpu_compute_capabilities, onednn_enabled, read_cpu

PRECISIONS = ("auto", "float32", "mixed", "mixed_bfloat16", "mixed_float16")


@dataclass(frozen=True)
class PrecisionChoice:
    """The Keras dtype policy a requested precision became on this machine, and why."""

    requested: str
    policy: str
    reason: str

    def describe(self) -> str:
        return f"{self.policy} ({self.requested}: {self.reason})"


def choose_precision(precision: str) -> PrecisionChoice:
    """The dtype policy `precision` stands for on this machine, with the hardware fact behind it."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "auto":
        return _automatic()
    if precision == "mixed":
        if tf.config.list_physical_devices("GPU"):
            return PrecisionChoice(precision, "mixed_float16", "float16 with loss scaling on the GPU")
        return PrecisionChoice(precision, "mixed_bfloat16", "bfloat16 on the CPU")
    return PrecisionChoice(precision, precision, "asked for")


def _automatic() -> PrecisionChoice:
    capabilities = gpu_compute_capabilities()
    if capabilities:
        lowest = min(capabilities)
        if lowest >= (8, 0):
            return PrecisionChoice("auto", "mixed_bfloat16", f"GPU compute capability {lowest[0]}.{lowest[1]} >= 8.0")
        return PrecisionChoice("auto", "float32", f"GPU compute capability {lowest[0]}.{lowest[1]} < 8.0")
    cpu = read_cpu()
    unit = cpu.bfloat16_unit
    if unit and onednn_enabled():
        return PrecisionChoice("auto", "mixed_bfloat16", f"the CPU has {unit} ({cpu.model})")
    if unit:
        return PrecisionChoice("auto", "float32", f"the CPU has {unit}, but oneDNN is off (TF_ENABLE_ONEDNN_OPTS=0)")
    return PrecisionChoice("auto", "float32", f"the CPU has neither AVX-512 BF16 nor AMX-BF16 ({cpu.model})")


def resolve_precision(precision: str) -> str:
    """The Keras dtype policy name that `precision` stands for on this machine."""
    return choose_precision(precision).policy


@contextlib.contextmanager
def dtype_policy(precision: str):
    """Layers built inside this block compute in `precision`; the global policy is restored after."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(resolve_precision(precision))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def needs_loss_scaling(model: keras.Model) -> bool:
    """True when any layer of `model` computes in float16, whose small range needs loss scaling."""
    return any(layer.compute_dtype == "float16" for layer in model.layers)
