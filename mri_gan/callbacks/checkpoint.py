"""`Checkpoint`: save the whole training state every N epochs and when training ends."""

import logging

import keras

from mri_gan.callbacks.non_finite import finite_weights
from mri_gan.training.state import TrainingState

logger = logging.getLogger(__name__)


class Checkpoint(keras.callbacks.Callback):
    """Save a `TrainingState` every `every` epochs and at the end of `fit`.

    checkpoint = TrainingState(gan, "runs/a/checkpoints")
    start = checkpoint.restore_latest()
    gan.fit(dataset, initial_epoch=start, epochs=100, callbacks=[Checkpoint(checkpoint, every=10)])
    """

    def __init__(self, checkpoint: TrainingState, every: int = 1):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.checkpoint = checkpoint
        self.every = every
        self.epochs_done: int | None = None
        self.saved_at: int | None = None

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1
        if self.epochs_done % self.every == 0:
            self._save()

    def on_train_end(self, logs=None):
        self.save_unsaved()

    def save_unsaved(self) -> None:
        """Save now if epochs finished since the last save (at the end of `fit`, or when it failed)."""
        if self.epochs_done is not None and self.saved_at != self.epochs_done:
            self._save()

    def _save(self) -> None:
        if not finite_weights(self.model):
            kept = (f"the last checkpoint (epoch {self.checkpoint.epoch.numpy()}) is kept" if self.checkpoint.latest
                    else "no checkpoint is written")  # fmt: skip
            logger.warning("epoch %d: the networks have non-finite weights; %s", self.epochs_done, kept)
            return
        self.checkpoint.save(self.epochs_done)
        self.saved_at = self.epochs_done
