"""`GanHealth`: a warning, with what to try, when the discriminator has won or the samples have collapsed."""

import logging

import keras

from mri_gan.metrics.diversity import Diversity

logger = logging.getLogger(__name__)

WINNING_REAL, WINNING_FAKE = 0.95, 0.05

# What the field tries against a winning discriminator or collapsed samples, keyed by what a run may already use.
REMEDIES = {
    "augment": "--augment ada (or color,translation,cutout)",
    "r1": "--r1-gamma 0.05",
    "mirror": "--mirror",
}
ALWAYS = (
    "a smaller model (--width) or a longer run (with the small-data recipe variety kept improving to about "
    "450,000 images on the Kaggle set, experiments/README.md)"
)


class GanHealth(keras.callbacks.Callback):
    """Warn once per episode when training has gone wrong in one of the ways the field knows.

    - The discriminator wins: mean D(x) above 0.95 and mean D(G(z)) below 0.05 for
      `patience` epochs in a row. The generator then gets almost no gradient.
    - Mode collapse: the quality check's samples are "likely collapsed" by `evaluate`'s rule
      (`Diversity.likely_mode_collapse`: less than half the real set's MS-SSIM diversity,
      from `real_ms_ssim`), i.e. far less varied than real images.

    Each warning suggests only remedies the run does not use already (`in_use`, keys of
    `REMEDIES`): telling a run with ADA to add augmentation helps nobody.

    Put it after `QualityMonitor` in the callback list (it reads the `ms_ssim` it logs).
    """

    def __init__(self, patience: int = 5, real_ms_ssim: float | None = None, in_use: frozenset[str] = frozenset()):
        super().__init__()
        unknown = set(in_use) - set(REMEDIES)
        if unknown:
            raise ValueError(f"in_use names {sorted(unknown)}; known: {sorted(REMEDIES)}")
        self.remedies = ", ".join([hint for key, hint in REMEDIES.items() if key not in in_use] + [ALWAYS])
        self.patience = patience
        self.real_ms_ssim = real_ms_ssim
        self.winning_epochs = 0
        self.warned_collapse = False

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        d_real, d_fake = logs.get("d_real"), logs.get("d_fake")
        if d_real is not None and d_fake is not None and d_real > WINNING_REAL and d_fake < WINNING_FAKE:
            self.winning_epochs += 1
            if self.winning_epochs == self.patience:
                logger.warning(
                    "epoch %d: the discriminator has won for %d epochs (D(x) %.2f, D(G(z)) %.2f), so the generator "
                    "learns little. Try %s, --label-smoothing 0.1 or a smaller --lr.",
                    epoch + 1, self.patience, d_real, d_fake, self.remedies,
                )  # fmt: skip
        else:
            self.winning_epochs = 0
        ms_ssim = logs.get("ms_ssim")
        if self.real_ms_ssim and ms_ssim is not None and ms_ssim == ms_ssim:  # NaN between quality checks
            collapsed = Diversity(self.real_ms_ssim, ms_ssim).likely_mode_collapse
            if collapsed and not self.warned_collapse:
                logger.warning(
                    "epoch %d: generated images are far less varied than real ones (MS-SSIM %.3f inside the "
                    "generated set, %.3f inside the real one): likely mode collapse. Try %s.",
                    epoch + 1, ms_ssim, self.real_ms_ssim, self.remedies,
                )  # fmt: skip
            self.warned_collapse = collapsed
