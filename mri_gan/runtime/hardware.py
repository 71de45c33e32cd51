"""What this machine's processor can do, as far as training speed depends on it.

bfloat16 pays off only where the hardware computes it: on CPUs with AVX-512 BF16 or
AMX-BF16 (which oneDNN uses) and on NVIDIA GPUs of compute capability 8.0 or newer. Elsewhere
it is emulated and far slower than float32. The automatic precision (`mri_gan.runtime.precision`)
and every benchmark read the same facts from here, so figures from different machines are
never mixed up.
"""

import os
import platform
from dataclasses import dataclass
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")

INSTRUCTION_SETS = (
    ("avx2", "AVX2"),
    ("avx512f", "AVX-512"),
    ("avx512_bf16", "AVX-512 BF16"),
    ("amx_bf16", "AMX-BF16"),
)
"""CPU flags (as /proc/cpuinfo names them) that matter for training speed, and how to print them."""


@dataclass(frozen=True)
class Cpu:
    """The processor's model name and the speed-relevant instruction sets it reports."""

    model: str
    flags: frozenset[str]

    @property
    def instruction_sets(self) -> list[str]:
        return [name for flag, name in INSTRUCTION_SETS if flag in self.flags]

    @property
    def bfloat16_unit(self) -> str | None:
        """The instruction set that computes bfloat16 natively (AMX preferred), or None."""
        for flag, name in reversed(INSTRUCTION_SETS[2:]):
            if flag in self.flags:
                return name
        return None

    def describe(self) -> str:
        sets = ", ".join(self.instruction_sets) or "none of AVX2 / AVX-512 / AMX"
        return f"{self.model} ({os.cpu_count()} logical CPUs; {sets})"


def read_cpu(cpuinfo: Path = CPUINFO) -> Cpu:
    """This machine's CPU; on systems without /proc/cpuinfo the flags are unknown (empty)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return Cpu(platform.processor() or platform.machine() or "unknown CPU", frozenset())
    model, flags = "unknown CPU", frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model == "unknown CPU":
            model = value.strip()
        elif key == "flags" and not flags:
            flags = frozenset(value.split())
    return Cpu(model, flags)


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """(major, minor) of every visible GPU (empty on a CPU-only machine)."""
    import tensorflow as tf

    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        capabilities.append(tuple(capability) if capability else (0, 0))
    return capabilities


def onednn_enabled() -> bool:
    """True when TensorFlow runs its CPU kernels through oneDNN (which provides the bfloat16 kernels)."""
    from tensorflow.python.util import _pywrap_util_port

    return _pywrap_util_port.IsMklEnabled() and os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") != "0"
