"""`GanHealth`: a warning, with what to try, when the discriminator has won or the samples have collapsed."""

import logging

import keras

logger = logging.getLogger(__name__)

WINNING_REAL, WINNING_FAKE = 0.95, 0.05


class GanHealth(keras.callbacks.Callback):
    """Warn once per episode when training has gone wrong in one of the ways the field knows.

    - The discriminator wins: mean D(x) above 0.95 and mean D(G(z)) below 0.05 for
      `patience` epochs in a row. The generator then gets almost no gradient.
    - Mode collapse: the quality check's MS-SSIM inside the generated set is above twice
      the real set's (`real_ms_ssim`), i.e. the samples are far less varied than real images.

    Put it after `QualityMonitor` in the callback list (it reads the `ms_ssim` it logs).
    """

    def __init__(self, patience: int = 5, real_ms_ssim: float | None = None):
        super().__init__()
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
                    "learns little. Try --augment color,translation,cutout (or --config experiments/small_data.toml), "
                    "--r1-gamma 0.05, --label-smoothing 0.1, or a smaller --lr.",
                    epoch + 1, self.patience, d_real, d_fake,
                )  # fmt: skip
        else:
            self.winning_epochs = 0
        ms_ssim = logs.get("ms_ssim")
        if self.real_ms_ssim and ms_ssim is not None and ms_ssim == ms_ssim:  # NaN between quality checks
            collapsed = ms_ssim > 2 * self.real_ms_ssim
            if collapsed and not self.warned_collapse:
                logger.warning(
                    "epoch %d: generated images are far less varied than real ones (MS-SSIM %.3f inside the "
                    "generated set, %.3f inside the real one): likely mode collapse. Try --augment "
                    "color,translation,cutout with --r1-gamma 0.05, --mirror, or a smaller model (--width).",
                    epoch + 1, ms_ssim, self.real_ms_ssim,
                )  # fmt: skip
            self.warned_collapse = collapsed
