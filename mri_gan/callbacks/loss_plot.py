"""`LossPlot`: the loss curves over epochs (a GAN's generator and discriminator, like the paper's Figure 2)."""

import csv
from pathlib import Path

import keras
import matplotlib

from mri_gan.callbacks.artifacts import warn_on_failure
from mri_gan.sampling.grids import save_figure

matplotlib.use("Agg")
import matplotlib.pyplot as plt


class LossPlot(keras.callbacks.Callback):
    """Plot the losses the model logs (`model.logged_losses`: a GAN's `g_loss` and `d_loss`) per epoch (raw, and
    smoothed) to a PNG during training.

    Refreshed every `every` epochs and at the end; at each epoch in `snapshots` a copy is
    kept as `loss_epoch_001000.png` (the paper shows curves at 1K, 5K, 10K and 20K).
    With `history_csv`, the curves of earlier, resumed parts of the run are read from
    that file (as written by `keras.callbacks.CSVLogger`), so a resumed plot continues.

        gan.fit(dataset, epochs=20000, callbacks=[LossPlot("loss.png", snapshots=[1000, 5000])])
    """

    def __init__(self, path, every: int = 10, snapshots=(), smoothing: float = 0.9, history_csv=None):
        super().__init__()
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        self.path = Path(path)
        self.every = every
        self.snapshots = set(snapshots)
        self.smoothing = smoothing
        self.history_csv = Path(history_csv) if history_csv else None
        self.epochs: list[int] = []
        self.losses: dict[str, list[float]] = {}

    def on_train_begin(self, logs=None):
        self.epochs.clear()
        self.losses = {name: [] for name in self.model.logged_losses}
        if self.history_csv and self.history_csv.is_file():
            with self.history_csv.open() as handle:
                for row in csv.DictReader(handle):
                    self._append(int(row["epoch"]) + 1, row)

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        self._append(done, logs or {})
        if done in self.snapshots:
            self.draw(self.path.with_name(f"{self.path.stem}_epoch_{done:06d}{self.path.suffix}"))
        if done % self.every == 0 or done == self.params.get("epochs"):
            self.draw(self.path)

    def _append(self, epoch: int, logs) -> None:
        if self.epochs and epoch <= self.epochs[-1]:
            return
        self.epochs.append(epoch)
        for name, values in self.losses.items():
            values.append(float(logs.get(name, float("nan"))))

    @warn_on_failure("the loss plot")
    def draw(self, path: Path) -> None:
        figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
        colors = ("tab:blue", "tab:orange", "tab:green")
        for (name, label), color in zip(self.model.logged_losses.items(), colors[: len(self.losses)], strict=True):
            values = self.losses[name]
            axes.plot(self.epochs, values, color=color, alpha=0.3, linewidth=0.8)
            axes.plot(self.epochs, _smoothed(values, self.smoothing), color=color, label=f"{label} (smoothed)")
        axes.set_xlabel("epoch")
        axes.set_ylabel("loss")
        axes.set_title(
            f"{' and '.join(self.model.logged_losses.values())} loss, {self.epochs[-1] if self.epochs else 0} epochs"
        )
        axes.legend()
        axes.grid(alpha=0.3)
        figure.tight_layout()
        save_figure(figure, path)


def _smoothed(values: list[float], weight: float) -> list[float]:
    """Exponential moving average with bias correction (as TensorBoard's smoothing)."""
    smoothed, average = [], 0.0
    for step, value in enumerate(values, start=1):
        average = weight * average + (1 - weight) * value
        smoothed.append(average / (1 - weight**step))
    return smoothed
