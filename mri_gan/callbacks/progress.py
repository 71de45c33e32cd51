"""`ProgressLine`: one live status line instead of a progress bar per epoch.

20,000 epochs of two steps would print 20,000 Keras progress bars; this prints one
line that rewrites itself (on a terminal) and a summary line every N epochs.
"""

import sys
import time

import keras


class ProgressLine(keras.callbacks.Callback):
    """Live line: epoch, step, the losses the model logs (`model.logged_losses`), D(x), D(G(z)), ADA's p and the
    class accuracy (when logged), images/s, ETA; a summary every N epochs.

    Use with `fit(..., verbose=0)`. `images_per_epoch` gives the images/s figure.
    """

    def __init__(self, images_per_epoch: int, summary_every: int = 10, stream=None, refresh_seconds: float = 0.5):
        super().__init__()
        self.images_per_epoch = images_per_epoch
        self.summary_every = summary_every
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.refresh_seconds = refresh_seconds
        self.epoch_seconds: list[float] = []

    def on_train_begin(self, logs=None):
        self.last_refresh = 0.0
        self.first_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.first_epoch = epoch if self.first_epoch is None else self.first_epoch
        self.epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.live and now - self.last_refresh >= self.refresh_seconds:
            self.last_refresh = now
            self._write("\r" + self._line(batch + 1, logs or {}) + "\033[K")

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self.epoch_start)
        done = epoch + 1
        if done % self.summary_every == 0 or epoch == self.first_epoch or done == self.params.get("epochs"):
            prefix = "\r" if self.live else ""
            self._write(
                prefix + self._line(self.params.get("steps"), logs or {}) + ("\033[K" if self.live else "") + "\n"
            )

    def on_train_end(self, logs=None):
        if self.live:
            self._write("\n" if self.epoch_seconds else "")

    def _line(self, step, logs) -> str:
        total_epochs = self.params.get("epochs", "?")
        steps = self.params.get("steps") or "?"
        recent = self.epoch_seconds[-20:]
        speed = self.images_per_epoch * len(recent) / sum(recent) if recent and sum(recent) > 0 else 0.0
        remaining = (total_epochs - self.epoch - 1) * (sum(recent) / len(recent)) if recent else None
        parts = [
            f"epoch {self.epoch + 1}/{total_epochs}",
            f"step {step}/{steps}",
            *(f"{name} {_get(logs, name):.3f}" for name in reversed(self.model.logged_losses)),
            *([f"D(x) {_get(logs, 'd_real'):.2f}", f"D(G(z)) {_get(logs, 'd_fake'):.2f}"] if "d_real" in logs else []),
            *([f"ADA p {_get(logs, 'ada_p'):.2f}"] if "ada_p" in logs else []),
            *([f"APA p {_get(logs, 'apa_p'):.2f}"] if "apa_p" in logs else []),
            *([f"class acc {_get(logs, 'class_accuracy'):.2f}"] if "class_accuracy" in logs else []),
            f"{speed:.0f} img/s" if speed else "- img/s",
            f"ETA {_duration(remaining)}" if remaining is not None else "ETA -",
        ]
        return "  ".join(parts)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _get(logs, name) -> float:
    value = logs.get(name)
    return float(value) if value is not None else float("nan")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
