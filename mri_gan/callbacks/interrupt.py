"""`StopOnInterrupt`: the first Ctrl-C (or SIGTERM) ends training cleanly, the second one at once."""

import signal
import sys
import threading

import keras

SIGNALS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class StopOnInterrupt(keras.callbacks.Callback):
    """Turn the first SIGINT (Ctrl-C) or SIGTERM (`kill`, a batch scheduler's end of job) into `stop_training`.

    Training then ends after the current step and every `on_train_end` runs, so the
    final checkpoint, plots and export are written. A second signal of the same kind
    acts as it would without this callback: Ctrl-C raises KeyboardInterrupt, SIGTERM ends
    the process.
    """

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stderr
        self.previous_handlers: dict = {}
        self.interrupted = False

    def on_train_begin(self, logs=None):
        if threading.current_thread() is threading.main_thread():
            self.previous_handlers = {number: signal.signal(number, self._handle) for number in SIGNALS}

    def _handle(self, signum, frame):
        self.interrupted = True
        self.model.stop_training = True
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
        again = "Ctrl-C again" if signum == signal.SIGINT else "another SIGTERM"
        self.stream.write(f"\n{SIGNALS[signum]}: stopping after this step and saving a checkpoint ({again} to "
                          "abort now).\n")  # fmt: skip

    def on_train_end(self, logs=None):
        for number, handler in self.previous_handlers.items():
            signal.signal(number, handler)
        self.previous_handlers = {}
