"""`QualityMonitor`: sliced Wasserstein distance and MS-SSIM diversity while training.

Loss curves of a GAN say little about image quality; these two measures need no
pretrained network and take about a second on a few hundred images, so they can be
tracked every N epochs to choose the best epoch, and the best generator can be kept.
"""

import json
import math
from pathlib import Path

import keras
import matplotlib
import numpy as np

from mri_gan.export import export_generator
from mri_gan.grids import save_figure
from mri_gan.metrics.diversity import mean_pairwise_ms_ssim
from mri_gan.metrics.swd import sliced_wasserstein
from mri_gan.sampling import latent_vectors, to_uint8

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MEASURES = ("swd", "ms_ssim")


class QualityMonitor(keras.callbacks.Callback):
    """Every `every` epochs, add `swd` and `ms_ssim` to the epoch logs (NaN in between).

    `real_images` (uint8 or [-1, 1], [N, H, W, 1]) is the fixed real sample; as many images
    are generated from fixed latent vectors. Put it before CSVLogger/TensorBoard in the
    callback list so they record the values. With `best_dir`, the generator is exported
    there whenever `keep_best` improves (lowest SWD, or MS-SSIM closest to the real
    sample's), and `best.json` beside it says at which epoch. For a conditional model
    give the sample's `labels`: each generated image then has its real counterpart's class.

        QualityMonitor(sample, every=10, plot_path="quality.png", best_dir="best_generator")
    """

    def __init__(self, real_images, every: int = 10, plot_path=None, best_dir=None, keep_best: str = "swd", seed=0,
                 labels=None, info: dict | None = None):  # fmt: skip
        super().__init__()
        if keep_best not in MEASURES:
            raise ValueError(f"keep_best must be one of {MEASURES}, got {keep_best!r}")
        real = np.asarray(real_images)
        self.real = real if real.dtype == np.uint8 else to_uint8(real).numpy()
        self.every = every
        self.plot_path = Path(plot_path) if plot_path else None
        self.best_dir = Path(best_dir) if best_dir else None
        self.keep_best = keep_best
        self.seed = seed
        self.labels = labels
        self.info = info or {}
        self.real_ms_ssim = mean_pairwise_ms_ssim(self.real, pairs=200, seed=seed)
        self.history: dict[str, list] = {"epoch": [], "swd": [], "ms_ssim": []}
        self.best: float | None = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        done = epoch + 1
        if done % self.every and done != self.params.get("epochs"):
            logs.update({name: math.nan for name in MEASURES})
            return
        z = latent_vectors(self.seed, len(self.real), self.model.latent_dim)
        fake = to_uint8(self.model.synthesize(z, self.labels)).numpy()
        values = {
            "swd": sliced_wasserstein(self.real, fake, seed=self.seed).mean,
            "ms_ssim": mean_pairwise_ms_ssim(fake, pairs=200, seed=self.seed),
        }
        logs.update(values)
        self.history["epoch"].append(done)
        for name in MEASURES:
            self.history[name].append(values[name])
        self._keep_if_best(done, values)
        if self.plot_path:
            self._plot()

    def _score(self, values) -> float:
        return values["swd"] if self.keep_best == "swd" else abs(values["ms_ssim"] - self.real_ms_ssim)

    def _keep_if_best(self, epoch: int, values) -> None:
        score = self._score(values)
        if self.best_dir is None or (self.best is not None and score >= self.best):
            return
        self.best = score
        export_generator(self.model.sampling_generator, self.best_dir,
                         {**self.info, "epoch": epoch, "selected_by": self.keep_best})  # fmt: skip
        (self.best_dir.parent / f"{self.best_dir.name}.json").write_text(
            json.dumps({"epoch": epoch, "selected_by": self.keep_best, **values}, indent=2)
        )

    def _plot(self) -> None:
        figure, (swd_axis, ssim_axis) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
        swd_axis.plot(self.history["epoch"], self.history["swd"], marker="o")
        swd_axis.set_title("Sliced Wasserstein distance x1e3 (lower is better)")
        ssim_axis.plot(self.history["epoch"], self.history["ms_ssim"], marker="o", label="generated")
        ssim_axis.axhline(self.real_ms_ssim, color="gray", linestyle="--", label="real sample")
        ssim_axis.set_title("MS-SSIM within the set (lower is more diverse)")
        ssim_axis.legend()
        for axis in (swd_axis, ssim_axis):
            axis.set_xlabel("epoch")
            axis.grid(alpha=0.3)
        figure.tight_layout()
        save_figure(figure, self.plot_path)
