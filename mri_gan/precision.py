"""Numeric precision of training: float32, or mixed precision chosen for the device.

`mixed` means `mixed_float16` on a GPU (float16 math on tensor cores, with loss scaling in
`DCGAN`) and `mixed_bfloat16` elsewhere (bfloat16 needs no loss scaling; it pays off on
CPUs with AVX-512 BF16 or AMX and is emulated, hence slower, on CPUs without). Weights
and both networks' last layers stay float32 in every mode.
"""

import contextlib

import keras
import tensorflow as tf

PRECISIONS = ("float32", "mixed", "mixed_bfloat16", "mixed_float16")


def resolve_precision(precision: str) -> str:
    """The Keras dtype policy name that `precision` stands for on this machine."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "mixed":
        return "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"
    return precision


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
