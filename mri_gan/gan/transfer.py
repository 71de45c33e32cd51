"""Starting a run from another run's networks, and freezing the discriminator's first layers.

A generator that has seen more slices than the few hundred labelled ones (unlabelled slices,
another scanner's, the built-in set) is a better start for a small set: StyleGAN2-ADA's
users fine-tune a pretrained network on a few hundred images. `fit --init-from RUN` copies
the weights of RUN's `keras/generator.keras` and `keras/discriminator.keras` into the new
networks layer by layer (by name); layers only the new run has (a conditional run's class
embeddings) keep their fresh weights, and a first layer that takes the label beside z takes
the donor's weights for z and zeros for the label, so the new generator starts as the donor's;
any other difference is an error. Mo et al.
(2020) found that keeping the discriminator's first, high-resolution layers fixed while
fine-tuning (`--freeze-d N`) beats fine-tuning all of it on small sets.
"""

from pathlib import Path

import keras
import numpy as np

from mri_gan.errors import ConfigError, DataError, DataNotFoundError
from mri_gan.runs.layout import RunDirectory


def copy_networks_from(gan, source: str | Path) -> str:
    """Load `source`'s generator and discriminator weights into `gan`'s (and its EMA generator's); a sentence that
    says what was copied."""
    said = []
    for (role, network), path in zip((("generator", gan.generator), ("discriminator", gan.discriminator)),
                                     donor_files(source), strict=True):  # fmt: skip
        try:
            donor = keras.models.load_model(path, compile=False)
        except Exception as error:  # Keras raises many kinds for a damaged file
            kind = type(error).__name__
            raise DataError(f"--init-from {source}: {path} is not a readable Keras model ({kind}).") from None
        fresh = copy_matching_layers(donor, network, str(source))
        said.append(f"{role} ({len(fresh)} new layers kept fresh: {', '.join(fresh)})" if fresh else role)
    if gan.ema_generator is not None:
        gan.ema_generator.set_weights(gan.generator.get_weights())
    return f"Started from the networks of {source}: " + "; ".join(said)


def donor_files(source: str | Path) -> tuple[Path, Path]:
    """The generator and discriminator files of run `source`; an error that says what to give when one is missing."""
    run = RunDirectory(Path(source))
    paths = (run.keras_models / "generator.keras", run.keras_models / "discriminator.keras")
    for path in paths:
        if not path.is_file():
            raise DataNotFoundError(
                f"--init-from {source}: {path} does not exist. Give a run folder that finished at least one "
                "checkpoint (it writes keras/generator.keras and keras/discriminator.keras)."
            )
    return paths


def copy_matching_layers(donor: keras.Model, network: keras.Model, source: str) -> list[str]:
    """Copy every weighted layer of `donor` into the layer of the same name in `network`; the names of
    `network`'s weighted layers that `donor` lacks. Differing shapes, or donor layers with no place, are errors."""
    donors = {layer.name: layer for layer in donor.layers if layer.weights}
    fresh = []
    for layer in (layer for layer in network.layers if layer.weights):
        match = donors.pop(layer.name, None)
        if match is None:
            fresh.append(layer.name)
            continue
        shapes = [tuple(weight.shape) for weight in layer.weights]
        donor_shapes = [tuple(weight.shape) for weight in match.weights]
        if _input_grew(shapes, donor_shapes):  # z joined by a label: z's rows copied, the label's start at zero
            kernel = np.zeros(shapes[0], layer.weights[0].dtype)
            kernel[: donor_shapes[0][0]] = match.weights[0].numpy()
            layer.weights[0].assign(kernel)
            for mine, theirs in zip(layer.weights[1:], match.weights[1:], strict=True):
                mine.assign(theirs)
            continue
        if shapes != donor_shapes:
            raise ConfigError(
                f"--init-from {source}: the {network.name}'s layer {layer.name} has weights of shapes {shapes} "
                f"here but {donor_shapes} there; the runs' networks differ (architecture, width, resolution or "
                "latent size). Give the same network settings as that run."
            )
        for mine, theirs in zip(layer.weights, match.weights, strict=True):
            mine.assign(theirs)
    if donors:
        raise ConfigError(
            f"--init-from {source}: its {network.name} has layers this run's lacks ({', '.join(donors)}); the "
            "runs' networks differ. Give the same network settings."
        )
    return fresh


def _input_grew(shapes: list[tuple], donor_shapes: list[tuple]) -> bool:
    """Whether a dense kernel takes more inputs here than there, all else alike (a conditional run's first layer)."""
    return (len(shapes) == len(donor_shapes) and len(shapes[0]) == 2 and shapes[0][0] > donor_shapes[0][0]
            and shapes[0][1] == donor_shapes[0][1] and shapes[1:] == donor_shapes[1:])  # fmt: skip


def freeze_first_layers(network: keras.Model, count: int) -> None:
    """Make `network`'s first `count` layers with weights untrainable (before its optimizer is built)."""
    weighted = [layer for layer in network.layers if layer.weights]
    if count > len(weighted):
        raise ConfigError(f"--freeze-d {count}: the discriminator has {len(weighted)} layers with weights; give "
                          f"at most {len(weighted)}, e.g. 2 (its first, highest-resolution convolutions).")  # fmt: skip
    for layer in weighted[:count]:
        layer.trainable = False
