"""TensorFlow settings that must be in place before TensorFlow is first imported.

- oneDNN kernels on: TensorFlow enables them by default only on CPUs with AVX-512
  VNNI/BF16 or AMX; on AVX2-only CPUs they were measured to double the float32 matmul
  and the DCGAN training step (benchmarks/README.md).
- Quiet start: TensorFlow 2.21 writes C++ log lines ("All log messages before
  absl::InitializeLog()...", "Could not find cuda drivers...", "failed call to cuInit")
  on import and on first use; `TF_CPP_MIN_LOG_LEVEL` alone does not hide the first
  ones, so the import runs with the process's stderr pointed at /dev/null.

A user who sets `TF_ENABLE_ONEDNN_OPTS` or `TF_CPP_MIN_LOG_LEVEL` themselves keeps
TensorFlow's own behaviour; a `TF_CPP_MIN_LOG_LEVEL` that mri_gan set in a parent process (a
script that imported it and starts a command) is marked as ours and still quieted. Python
exceptions raised by the import are unaffected.
"""

import contextlib
import os
import sys

OURS = "MRI_GAN_QUIET_TF"  # marks TF_CPP_MIN_LOG_LEVEL as set by mri_gan, not by the user


@contextlib.contextmanager
def _stderr_to_devnull():
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow() -> None:
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ and OURS not in os.environ:
        import tensorflow

        return
    # Set here (or by mri_gan in a parent process, which child processes inherit): still ours to quiet.
    os.environ["TF_CPP_MIN_LOG_LEVEL"], os.environ[OURS] = "3", "1"
    with _stderr_to_devnull():
        import tensorflow  # noqa: F401


import_tensorflow()
