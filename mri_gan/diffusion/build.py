"""The diffusion family's builder: the compiled `DiffusionModel` a run's configuration describes."""

import keras

from mri_gan.config import JIT_COMPILE, RunConfig
from mri_gan.diffusion.model import DiffusionModel
from mri_gan.models.unet import denoiser
from mri_gan.runtime.precision import dtype_policy


def build_diffusion(config: RunConfig, num_classes: int = 0) -> DiffusionModel:
    """The compiled diffusion model a configuration describes (fresh weights from the run's seed).

    `num_classes` is the number of classes the data has; used when `model.conditional`.
    """
    model, train = config.model, config.train
    with dtype_policy(train.precision):
        network = denoiser(model.resolution, model.width, model.blocks, num_classes if model.conditional else 0)
    diffusion = DiffusionModel(network, seed=train.seed, ema_decay=train.ema_decay, label_dropout=train.label_dropout,
                               steps=model.steps, guidance=model.guidance)  # fmt: skip
    optimizer = keras.optimizers.Adam(train.lr, beta_1=train.beta_1, beta_2=train.beta_2)
    diffusion.compile(optimizer=optimizer, jit_compile=JIT_COMPILE[train.jit_compile])
    return diffusion


def optimizer_rates(train) -> dict[str, float]:
    """The diffusion model's one optimizer and its rate, `--lr`."""
    return {"optimizer": train.lr}
