"""The model families `fit` trains, by the name an architecture gives (`Architecture.family`).

A family is a builder of its compiled model (a `GenerativeModel`, `mri_gan.models.contract`) and
the optimizers whose learning rates `--lr` sets; everything else (data, callbacks, checkpoints,
export, the commands) works through the model contract. A third family is a package with its
model and builder, an entry here, its architecture in `mri_gan.models.registry`, and the
settings only it uses in `mri_gan.config`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from mri_gan.config import RunConfig, TrainConfig
from mri_gan.diffusion.build import build_diffusion
from mri_gan.diffusion.build import optimizer_rates as diffusion_rates
from mri_gan.gan.build import build_gan


@dataclass(frozen=True)
class Family:
    """How to build one family's model, and which of its optimizers the learning-rate flags set."""

    build: Callable[[RunConfig, int], object]
    optimizer_rates: Callable[[TrainConfig], dict[str, float]]


FAMILIES = {
    "gan": Family(build_gan, lambda train: train.optimizer_rates),
    "diffusion": Family(build_diffusion, diffusion_rates),
}


def family(config: RunConfig) -> Family:
    """The family of the run's architecture."""
    return FAMILIES[config.model.family]
