"""`StopOnNonFinite`: end training at the first non-finite loss, keeping the last good checkpoint and export."""

import math

import keras
import numpy as np


def finite_weights(network: keras.Model) -> bool:
    """True when every weight of `network` is a finite number (a diverged network has NaN or inf)."""
    return all(np.isfinite(np.asarray(weight)).all() for weight in network.weights)


class StopOnNonFinite(keras.callbacks.Callback):
    """Stop after the step with a NaN or infinite loss (any the model logs: `model.logged_losses`), and remember it.

    Checkpoints and exports refuse non-finite weights themselves (`finite_weights`), so the
    last good ones stay in place; the caller reads `diverged_at` and ends with an error.
    """

    def __init__(self):
        super().__init__()
        self.diverged_at: tuple[int, int] | None = None  # (epoch, step), 1-based
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if self.diverged_at is None and any(
            not math.isfinite(float(logs.get(name, 0.0))) for name in self.model.logged_losses
        ):
            self.diverged_at = (self.epoch + 1, batch + 1)
            self.model.stop_training = True
