"""Checkpoints of a whole training state: both networks (and the EMA generator), both
optimizers, the epoch counter and the state of the noise generator, so a resumed run continues exactly.

Built on `tf.train.CheckpointManager`, which writes the data files first and the
small "checkpoint" index last and atomically: a crash while writing leaves the
previous checkpoint as the latest one.
"""

import os

import tensorflow as tf


class TrainingState:
    """Save and restore the training state of a compiled `DCGAN` (compiling builds its optimizers).

    checkpoint = TrainingState(gan, "runs/a/checkpoints")
    initial_epoch = checkpoint.restore_latest()  # 0 when there is none
    ...
    checkpoint.save(epoch=10)
    """

    def __init__(self, gan, directory: str | os.PathLike, max_to_keep: int = 3):
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")
        self.checkpoint = tf.train.Checkpoint(
            generator=gan.generator,
            **({"ema_generator": gan.ema_generator} if gan.ema_generator is not None else {}),
            discriminator=gan.discriminator,
            d_optimizer=gan.d_optimizer,
            g_optimizer=gan.g_optimizer,
            noise_state=gan.seed_generator.state,
            epoch=self.epoch,
        )
        self.manager = tf.train.CheckpointManager(self.checkpoint, os.fspath(directory), max_to_keep=max_to_keep)

    @property
    def latest(self) -> str | None:
        return self.manager.latest_checkpoint

    def save(self, epoch: int) -> str:
        self.epoch.assign(epoch)
        return self.manager.save(checkpoint_number=epoch)

    def restore_latest(self, directory: str | os.PathLike | None = None) -> int:
        """Restore the newest checkpoint (of `directory`, e.g. the chief's, else our own), if any;
        returns the number of epochs it had done."""
        latest = tf.train.latest_checkpoint(os.fspath(directory)) if directory else self.latest
        if latest is None:
            return 0
        self.checkpoint.restore(latest).assert_existing_objects_matched()
        return int(self.epoch.numpy())
