"""`LinearLearningRateDecay`: both optimizers' learning rates fall linearly to zero over the end of a run."""

import keras


class LinearLearningRateDecay(keras.callbacks.Callback):
    """Hold the discriminator's and generator's rates until the last `share` of the epochs, then lower them to zero.

    pix2pix and CycleGAN train at a constant rate for half the run and decay it linearly to
    zero over the other half: at a constant rate a GAN's generator keeps moving between
    checks (SWD swings by a third between checks 100,000 images apart on the built-in set),
    and a falling rate lets it settle where it is. The rate of each epoch follows from the
    epoch's number and the run's length alone, so a resumed run continues the schedule.

        LinearLearningRateDecay({"d_optimizer": 2e-4, "g_optimizer": 2e-4}, share=0.5)
    """

    def __init__(self, rates: dict[str, float], share: float):
        super().__init__()
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], the part of the run over which the rates decay; got {share}")
        self.rates = rates
        self.share = share

    def scale(self, epoch: int, epochs: int) -> float:
        """The factor on the rates during `epoch` (0-based) of `epochs`: 1, then linearly down to 1 / decay epochs."""
        decay_epochs = max(1.0, self.share * epochs)
        return min(1.0, (epochs - epoch) / decay_epochs)

    def on_epoch_begin(self, epoch, logs=None):
        scale = self.scale(epoch, self.params["epochs"])
        for name, rate in self.rates.items():
            getattr(self.model, name).learning_rate = rate * scale
