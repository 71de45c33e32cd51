"""`QualityMonitor`: sliced Wasserstein distance and MS-SSIM diversity while training.

Loss curves of a GAN say little about image quality; these two measures need no
pretrained network and take about a second on a few hundred images, so they can be
tracked every N epochs to choose the best epoch, and the best generator can be kept.
"""

import csv
import json
import logging
import math
from pathlib import Path

import keras
import matplotlib
import numpy as np

from mri_gan.callbacks.artifacts import warn_on_failure
from mri_gan.callbacks.non_finite import finite_weights
from mri_gan.errors import ConfigError
from mri_gan.metrics.diversity import Diversity
from mri_gan.metrics.registry import MEASURES, selectable_measures, tracked_measures
from mri_gan.runs.atomic import write_text_atomically
from mri_gan.runs.export import export_generator
from mri_gan.sampling.grids import save_figure
from mri_gan.sampling.latents import latent_vectors, to_uint8

matplotlib.use("Agg")
import matplotlib.pyplot as plt

logger = logging.getLogger(__name__)


def agreement_in_varied_samples(agreement: float, diversity: Diversity) -> float:
    """Label agreement scaled by the generated sample's MS-SSIM diversity over the real one's, at most 1.

    A conditional generator is most recognisable when it makes few, typical slices; scaling
    by the variety it lacks lets a check with slightly lower agreement but the real set's
    variety win over an early, monotonous one (issue 15: a kept epoch with 2.4x the real
    MS-SSIM). A check as varied as the real sample keeps its agreement unchanged.
    """
    return agreement * min(1.0, diversity.ratio)


class QualityMonitor(keras.callbacks.Callback):
    """Every `every` epochs, add each tracked measure of the registry (`swd`, `ms_ssim`) to the logs (NaN between).

    `real_images` (uint8 or [-1, 1], [N, H, W, 1]) is the fixed real sample; as many images
    are generated from fixed latent vectors. Put it before CSVLogger/TensorBoard in the
    callback list so they record the values. Each check is logged in one line beside the
    real sample's own value or the measure between two halves of it (its floor), which
    `quality.png` draws as lines too. With `best_dir`, the generator is exported
    there whenever `keep_best` improves (lowest SWD, or MS-SSIM closest to the real
    sample's), and `best.json` beside it says at which epoch, with the check's measures and
    the real sample's own. A check whose samples look collapsed (`evaluate`'s "likely mode
    collapse": less than half the real sample's MS-SSIM diversity) ranks after every check
    that does not, whatever its score. For a conditional model give the sample's `labels`:
    each generated image then has its real counterpart's class, and the worst class's label
    agreement (`label_agreement`, from three small classifiers trained once on the sample,
    about 12 s on two cores) is tracked too and can pick the best generator. Agreement is
    highest for a generator that makes one typical slice per class, so when it picks, it
    counts only as far as the check is as varied as the real sample
    (`agreement_in_varied_samples`).
    With `history_csv` (the run's CSVLogger file), a resumed run continues the plot from the
    measures recorded before, and the best generator kept so far (from `best.json`) stays
    until a better one comes.

        QualityMonitor(sample, every=10, plot_path="quality.png", best_dir="best_generator")
    """

    def __init__(self, real_images, every: int = 10, plot_path=None, best_dir=None, keep_best: str = "swd", seed=0,
                 labels=None, info: dict | None = None, history_csv=None):  # fmt: skip
        super().__init__()
        self.tracked = {name: MEASURES[name].tracking for name in tracked_measures()}
        choices = selectable_measures(conditional=labels is not None)
        if keep_best not in choices:
            labelled = keep_best in MEASURES and MEASURES[keep_best].needs == "labels"
            needs = " (it needs the sample's labels, i.e. a conditional run)" if labelled else ""
            raise ValueError(f"keep_best must be one of {', '.join(choices)}; got {keep_best!r}{needs}")
        real = np.asarray(real_images)
        self.real = real if real.dtype == np.uint8 else to_uint8(real).numpy()
        if labels is not None:
            self._track_labelled_measures(np.asarray(labels), keep_best, seed)
        self.every = every
        self.plot_path = Path(plot_path) if plot_path else None
        self.best_dir = Path(best_dir) if best_dir else None
        self.keep_best = keep_best
        self.seed = seed
        self.labels = labels
        self.info = info or {}
        self.history_csv = Path(history_csv) if history_csv else None
        self.real_values = {name: tracking.real_value(self.real, seed)
                            for name, tracking in self.tracked.items() if tracking.real_value}  # fmt: skip
        self.floors = {name: tracking.floor(self.real, seed) for name, tracking in self.tracked.items()
                       if tracking.floor}  # fmt: skip
        self.history: dict[str, list] = {"epoch": [], **{name: [] for name in self.tracked}}
        self.best: tuple[bool, float] | None = None

    def _track_labelled_measures(self, labels: np.ndarray, keep_best: str, seed: int) -> None:
        """Add the tracked measures that need labels (label agreement), whose classifiers need two classes."""
        labelled = [name for name in tracked_measures(conditional=True) if MEASURES[name].needs == "labels"]
        present = np.unique(labels)
        if len(present) >= 2:
            self.tracked |= {name: MEASURES[name].tracking.prepare(self.real, labels, seed) for name in labelled}
            return
        message = (f"the quality sample of {len(labels)} training images holds only class {present.tolist()}, so "
                   f"{', '.join(labelled)} cannot be measured")  # fmt: skip
        if keep_best in labelled:
            raise ConfigError(f"{message}; use --balance-classes so every class appears, or --keep-best swd")
        logger.warning("%s; it is not tracked in this run (--balance-classes would make it so).", message)

    def on_train_begin(self, logs=None):
        for values in self.history.values():
            values.clear()
        self.best = None
        if self.history_csv and self.history_csv.is_file():
            with self.history_csv.open(newline="") as handle:
                for row in csv.DictReader(handle):
                    self._record_row(row)
        if self.best_dir and self._best_json.is_file():
            self.best = self._saved_best_rank()

    def _saved_best_rank(self) -> tuple[bool, float] | None:
        """The rank of the best generator an earlier part of the run kept (None if its record is unreadable)."""
        try:
            return self._rank(json.loads(self._best_json.read_text()))
        except (ValueError, KeyError, TypeError):
            return None

    def _record_row(self, row: dict) -> None:
        """One CSV row of an earlier part of the run, if it holds a quality check (a measure the run did not track
        then, e.g. one added by a later version, is NaN)."""
        try:
            values = {name: float(row.get(name) or math.nan) for name in self.tracked}
        except (TypeError, ValueError):
            return
        if any(math.isfinite(value) for value in values.values()):
            self.history["epoch"].append(int(row["epoch"]) + 1)
            for name, value in values.items():
                self.history[name].append(value)

    @property
    def _best_json(self) -> Path:
        return self.best_dir.parent / f"{self.best_dir.name}.json"

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        done = epoch + 1
        if done % self.every and done != self.params.get("epochs"):
            logs.update({name: math.nan for name in self.tracked})
            return
        z = latent_vectors(self.seed, len(self.real), self.model.latent_dim)
        fake = to_uint8(self.model.sample_from_latent(z, self.labels)).numpy()
        values = {name: tracking.track(self.real, fake, self.seed) for name, tracking in self.tracked.items()}
        logs.update(values)
        logger.info("epoch %d quality: %s", done, self._describe(values))
        self.history["epoch"].append(done)
        for name, value in values.items():
            self.history[name].append(value)
        self._keep_if_best(done, values)
        if self.plot_path:
            self._plot()

    def _describe(self, values: dict) -> str:
        """Each measure beside the real sample's own value or its real-vs-real floor, for the log."""
        parts = []
        for name, value in values.items():
            beside = (f" (real sample {self.real_values[name]:.3f})" if name in self.real_values else
                      f" (real vs real {self.floors[name]:.3f})" if name in self.floors else "")  # fmt: skip
            parts.append(f"{name} {value:.3f}{beside}")
        return ", ".join(parts)

    def _score(self, values) -> float:
        """Lower is better: the value (negated if higher is better), or its distance from the real images' own."""
        value = values[self.keep_best]
        if self.tracked[self.keep_best].variety_discount and "ms_ssim" in self.real_values and "ms_ssim" in values:
            return -agreement_in_varied_samples(value, Diversity(self.real_values["ms_ssim"], values["ms_ssim"]))
        if self.keep_best in self.real_values:
            return abs(value - self.real_values[self.keep_best])
        return -value if self.tracked[self.keep_best].higher_is_better else value

    def _rank(self, values) -> tuple[bool, float]:
        """Lower is better: whether the samples look collapsed, then `_score`."""
        real_ms_ssim, ms_ssim = self.real_values.get("ms_ssim"), values.get("ms_ssim")
        known = real_ms_ssim is not None and ms_ssim is not None
        return known and Diversity(real_ms_ssim, ms_ssim).likely_mode_collapse, self._score(values)

    def _keep_if_best(self, epoch: int, values) -> None:
        rank = self._rank(values)
        if self.best_dir is None or not math.isfinite(rank[1]) or (self.best is not None and rank >= self.best):
            return
        if finite_weights(self.model.sampling_generator) and self._export_best(epoch, values):
            self.best = rank

    @warn_on_failure("the best generator")
    def _export_best(self, epoch: int, values) -> bool:
        export_generator(self.model.sampling_generator, self.best_dir,
                         {**self.info, "epoch": epoch, "selected_by": self.keep_best})  # fmt: skip
        record = {"epoch": epoch, "selected_by": self.keep_best, **values, "real_sample": self.real_values}
        write_text_atomically(self._best_json, json.dumps(record, indent=2))
        return True

    @warn_on_failure("the quality plot")
    def _plot(self) -> None:
        figure, axes = plt.subplots(1, len(self.tracked), figsize=(5 * len(self.tracked), 4), dpi=100, squeeze=False)
        for axis, (name, tracking) in zip(axes[0], self.tracked.items(), strict=True):
            axis.plot(self.history["epoch"], self.history[name], marker="o", label="generated")
            if name in self.real_values:
                axis.axhline(self.real_values[name], color="gray", linestyle="--", label="real sample")
            if name in self.floors:
                axis.axhline(self.floors[name], color="gray", linestyle=":",
                             label="real vs real (two halves of the sample)")  # fmt: skip
            if name in self.real_values or name in self.floors:
                axis.legend()
            axis.set_title(tracking.title or name)
            axis.set_xlabel("epoch")
            axis.grid(alpha=0.3)
        figure.tight_layout()
        save_figure(figure, self.plot_path)
