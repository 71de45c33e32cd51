"""Checkpoints of a whole training state: what the model names as its checkpoint items (for a GAN both
networks, the EMA generator, both optimizers, the noise generator's state and ADA's p) and the epoch
counter, so a resumed run continues exactly.

Built on `tf.train.CheckpointManager`, which writes the data files first and the
small "checkpoint" index last and atomically: a crash while writing leaves the
previous checkpoint as the latest one.
"""

import logging
import os
import shutil
from pathlib import Path

import tensorflow as tf

from mri_gan.errors import ConfigError, DataError

logger = logging.getLogger(__name__)


class CheckpointNotWritten(DataError):
    """A checkpoint could not be written (e.g. the disk is full); the earlier one is intact."""


class TrainingState:
    """Save and restore the training state of a compiled model (compiling builds its optimizers).

    The model says what its state is: `model.checkpoint_items()` gives the items a checkpoint
    must hold and those a resumed run may lack, and `model.start_afresh(names)` begins the
    latter.

    checkpoint = TrainingState(gan, "runs/a/checkpoints")
    initial_epoch = checkpoint.restore_latest()  # 0 when there is none
    ...
    checkpoint.save(epoch=10)

    A run resumed with an option its checkpoint lacks (`--ema-decay`, `--augment ada`)
    starts that part afresh: the EMA generator from the restored generator, ADA at p = 0.
    """

    def __init__(self, model, directory: str | os.PathLike, max_to_keep: int = 3):
        self.model = model
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")
        required, self.optional = model.checkpoint_items()
        self.parts = {**required, "epoch": self.epoch}
        for abandoned in Path(directory).glob("ckpt-*_temp*"):  # a save killed midway; never a usable checkpoint
            shutil.rmtree(abandoned, ignore_errors=True) if abandoned.is_dir() else abandoned.unlink(missing_ok=True)
        self.checkpoint = tf.train.Checkpoint(**self.parts, **self.optional)
        self.manager = tf.train.CheckpointManager(self.checkpoint, os.fspath(directory), max_to_keep=max_to_keep)

    @property
    def latest(self) -> str | None:
        return self.manager.latest_checkpoint

    def save(self, epoch: int) -> str:
        """Write the checkpoint of `epoch`; if it cannot be written (a full disk), its partial files are removed
        and `CheckpointNotWritten` says which earlier checkpoint is intact."""
        intact = self.manager.latest_checkpoint
        self.epoch.assign(epoch)
        try:
            return self.manager.save(checkpoint_number=epoch)
        except (tf.errors.OpError, OSError) as error:
            folder = Path(self.manager.directory)
            for partial in [*folder.glob(f"ckpt-{epoch}_temp*"), *folder.glob(f"ckpt-{epoch}.*")]:
                shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(missing_ok=True)
            kept = f"the checkpoint {Path(intact).name} is intact" if intact else "no earlier checkpoint exists"
            raise CheckpointNotWritten(
                f"Could not write the checkpoint of epoch {epoch} to {folder} ({getattr(error, 'message', error)}); "
                f"its partial files were removed and {kept}. Free some space, then run the same command again to "
                "continue."
            ) from None

    def restore_latest(self, directory: str | os.PathLike | None = None) -> int:
        """Restore the newest checkpoint (of `directory`, e.g. the chief's, else our own), if any;
        returns the number of epochs it had done."""
        folder = os.fspath(directory or self.manager.directory)
        latest = tf.train.latest_checkpoint(folder)
        if latest is None:
            if os.path.isfile(os.path.join(folder, "checkpoint")):
                raise DataError(
                    f"{folder}/checkpoint names checkpoints whose files are missing, so the run cannot continue. "
                    "Restore the ckpt-* files, or give a new --out (or add --force after deleting checkpoints/)."
                )
            return 0
        try:
            saved = {key.split("/", 1)[0] for key in tf.train.load_checkpoint(latest).get_variable_to_shape_map()}
        except (tf.errors.OpError, ValueError, IndexError) as error:  # IndexError: truncated data ("Read less bytes")
            raise _damaged(latest, error) from None
        present = {name: part for name, part in self.optional.items() if name in saved}
        try:
            tf.train.Checkpoint(**self.parts, **present).restore(latest).assert_existing_objects_matched()
        except (tf.errors.OpError, IndexError) as error:
            _forget_partial_restore()
            raise _damaged(latest, error) from None
        except (AssertionError, ValueError) as error:
            _forget_partial_restore()
            raise ConfigError(
                f"{latest} holds networks of another layout than the ones built for this run's settings "
                f"({str(error).splitlines()[0]}), e.g. because a version of mri_gan that built them otherwise "
                "wrote it. Its exported generator still works with generate and evaluate; give a new --out to "
                "train again."
            ) from None
        new = sorted(set(self.optional) - set(present))
        if new:
            logger.info("%s has no %s: starting it now", latest, ", ".join(new))
        self.model.start_afresh(new)
        return int(self.epoch.numpy())


def _damaged(latest: str, error: Exception) -> DataError:
    """The one error for a checkpoint whose files cannot be read (truncated data, a garbage index)."""
    return DataError(
        f"The checkpoint {latest} (its .index and .data files) is damaged and cannot be read "
        f"({type(error).__name__}). Delete those files and the line naming them in checkpoints/checkpoint to "
        "continue from the checkpoint before, or give a new --out to train again; the exported generator still "
        "works with generate and evaluate."
    )


def _forget_partial_restore() -> None:
    """Quiet TensorFlow's logger for the rest of the process: when the half-restored networks are
    deleted it would log every unrestored value, burying the error; they are of no further use."""
    tf.get_logger().setLevel(logging.ERROR)
