"""Keep TensorFlow's import-time C++ log lines (oneDNN, CUDA probing) off the terminal.

TensorFlow 2.21 writes some lines ("All log messages before absl::InitializeLog()...",
"Could not find cuda drivers...") before its logging is configured, so
`TF_CPP_MIN_LOG_LEVEL` alone does not hide them; the first import therefore runs with
the process's stderr pointed at /dev/null. A user who sets `TF_CPP_MIN_LOG_LEVEL`
themselves gets TensorFlow's own behaviour, untouched. Python exceptions raised by the
import are unaffected.
"""

import contextlib
import os
import sys


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


def import_tensorflow_quietly() -> None:
    if "tensorflow" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # also hides "failed call to cuInit" on CPU-only machines
    with _stderr_to_devnull():
        import tensorflow  # noqa: F401


import_tensorflow_quietly()
