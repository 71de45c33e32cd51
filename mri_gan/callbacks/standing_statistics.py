"""`StandingStatistics`: fresh batch-norm statistics for the sampling generator before it is used."""

import keras

from mri_gan.gan.batch_norm_statistics import reestimate_batch_norm


class StandingStatistics(keras.callbacks.Callback):
    """Re-estimate `model.sampling_generator`'s batch-norm statistics over fresh noise.

    Runs at the end of every epoch that is a multiple of one of `periods` (those of the
    grids, quality checks and exports) and at the end of training; put it before those
    callbacks in the list. Needed for an EMA generator, whose copied statistics do not fit
    its averaged weights (`mri_gan.gan.batch_norm_statistics`).

        callbacks=[StandingStatistics(periods=(10,)), ImageGrid("grids", every=10), ...]
    """

    def __init__(self, periods=(1,), batches: int = 32, batch_size: int = 64, seed: int = 0):
        super().__init__()
        self.periods = tuple(period for period in periods if period)
        self.batches, self.batch_size, self.seed = batches, batch_size, seed
        self.fresh = False  # the statistics fit the generator's current weights

    def on_train_batch_end(self, batch, logs=None):
        self.fresh = False

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if any(done % period == 0 for period in self.periods) or done == self.params.get("epochs"):
            self.refresh()

    def on_train_end(self, logs=None):
        if not self.fresh:  # stopped early: the last epoch's statistics were not refreshed
            self.refresh()

    def refresh(self) -> None:
        model = self.model
        reestimate_batch_norm(model.sampling_generator, model.latent_dim, model.num_classes, self.batches,
                              self.batch_size, self.seed)  # fmt: skip
        self.fresh = True
