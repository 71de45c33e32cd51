"""The image sets an evaluation compares, loaded from folders or generated from a run."""

import json
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from mri_gan.data import scan_image_folder
from mri_gan.errors import ConfigError, DataNotFoundError
from mri_gan.metrics.images import images_and_subjects, images_from_folder
from mri_gan.models import SUPPORTED_RESOLUTIONS
from mri_gan.run_directory import RunDirectory
from mri_gan.sampling import latent_vectors


@dataclass
class EvaluationInputs:
    real: np.ndarray  # uint8 [N, H, W, 1]
    fake: np.ndarray
    train: np.ndarray
    discriminator: keras.Model | None
    description: dict
    real_subjects: list[str | None] | None = None  # hashed subject ids of slices cut from scans
    train_subjects: list[str | None] | None = None


def generated_images(generator_dir: Path, num: int, seed: int, batch_size: int = 256) -> np.ndarray:
    """`num` images from an exported generator: the same ones `python -m mri_gan.generate` writes."""
    import tensorflow as tf

    generator = tf.saved_model.load(str(generator_dir))
    latent_dim = int(generator.from_latent.input_signature[0].shape[-1])
    batches = [
        generator.from_latent(latent_vectors(seed, min(batch_size, num - start), latent_dim, start=start)).numpy()
        for start in range(0, num, batch_size)
    ]
    return np.concatenate(batches)


def gather_inputs(real_dir, fake_dir, model_dir, train_dir, num: int, seed: int) -> EvaluationInputs:
    """Real, generated and training images at one resolution, and the run's discriminator if any."""
    if num < 2:
        raise ConfigError(f"--num must be at least 2, got {num}")
    description = {"real": str(real_dir), "seed": seed}
    discriminator = None
    if model_dir is not None:
        run = RunDirectory(model_dir)
        if not (run.generator / "saved_model.pb").is_file():
            raise DataNotFoundError(f"--model {model_dir} has no exported generator (generator/saved_model.pb)")
        fake = generated_images(run.generator, num, seed)
        if (run.keras_models / "discriminator.keras").is_file():
            discriminator = keras.models.load_model(run.keras_models / "discriminator.keras")
        if train_dir is None and run.config.is_file():
            train_dir = json.loads(run.config.read_text())["config"]["data"]["path"]
        description.update({"model": str(model_dir), "generated": num})
    else:
        fake = images_from_folder(fake_dir, _resolution_of(fake_dir))
        description["fake"] = str(fake_dir)
    resolution = fake.shape[1]
    real, real_subjects = images_and_subjects(real_dir, resolution)
    train, train_subjects = images_and_subjects(train_dir, resolution) if train_dir else (real, real_subjects)
    description["train"] = str(train_dir or real_dir)
    return EvaluationInputs(real, fake, train, discriminator, description, real_subjects, train_subjects)


def _resolution_of(folder) -> int:
    """The side of the first generated image, when it is a model resolution; else 64."""
    first = scan_image_folder(folder).images[0].path
    side = Image.open(first).size[0]
    return side if side in SUPPORTED_RESOLUTIONS else 64
