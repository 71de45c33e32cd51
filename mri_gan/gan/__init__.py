"""The GAN model family: the model trained by `fit()` (its `train_step`), its losses (R1 inside the loss
object), DiffAugment and ADA, and the batch-norm statistics of an EMA generator."""

from mri_gan.gan.model import GAN

__all__ = ["GAN"]
