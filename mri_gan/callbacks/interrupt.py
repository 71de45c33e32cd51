"""`StopOnInterrupt`: the first Ctrl-C ends training cleanly, the second one at once."""

import signal
import sys
import threading

import keras


class StopOnInterrupt(keras.callbacks.Callback):
    """Turn the first SIGINT (Ctrl-C) into `model.stop_training = True`.

    Training then ends after the current step and every `on_train_end` runs, so the
    final checkpoint, plots and export are written. A second Ctrl-C interrupts at once.
    """

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stderr
        self.previous_handler = None
        self.interrupted = False

    def on_train_begin(self, logs=None):
        if threading.current_thread() is threading.main_thread():
            self.previous_handler = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        self.interrupted = True
        self.model.stop_training = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.stream.write("\nStopping after this step and saving a checkpoint (Ctrl-C again to abort now).\n")

    def on_train_end(self, logs=None):
        if self.previous_handler is not None:
            signal.signal(signal.SIGINT, self.previous_handler)
            self.previous_handler = None
