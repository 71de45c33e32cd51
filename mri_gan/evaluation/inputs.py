"""The image sets an evaluation compares, loaded from folders or generated from a run."""

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from mri_gan.data import scan_image_folder
from mri_gan.errors import ConfigError, DataNotFoundError
from mri_gan.evaluation.folders import FolderImages, images_and_subjects, images_from_folder, labelled_images
from mri_gan.export import read_export_info
from mri_gan.models import SUPPORTED_RESOLUTIONS
from mri_gan.run_directory import RunDirectory
from mri_gan.run_record import training_data_path
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
    class_names: tuple[str, ...] = ()  # a conditional model's classes; then the labels below are set
    real_labels: np.ndarray | None = None
    fake_labels: np.ndarray | None = None


def generated_images(generator_dir: Path, num: int, seed: int, batch_size: int = 256, label=None) -> np.ndarray:
    """`num` images from an exported generator: the same ones `python -m mri_gan.generate` writes
    (of class index `label` for a conditional generator)."""
    import tensorflow as tf

    generator = tf.saved_model.load(str(generator_dir))
    latent_dim = int(generator.from_latent.input_signature[0].shape[-1])
    batches = []
    for start in range(0, num, batch_size):
        count = min(batch_size, num - start)
        labels = () if label is None else (np.full(count, label, np.int32),)
        batches.append(generator.from_latent(latent_vectors(seed, count, latent_dim, start=start), *labels).numpy())
    return np.concatenate(batches)


def conditional_images(generator_dir: Path, num: int, seed: int, shares) -> tuple[np.ndarray, np.ndarray]:
    """`num` images split over the classes by `shares` (at least 2 each), and their labels."""
    counts = [max(2, round(num * share)) for share in shares]
    images = [generated_images(generator_dir, count, seed, label=index) for index, count in enumerate(counts)]
    labels = np.concatenate([np.full(count, index, np.int32) for index, count in enumerate(counts)])
    return np.concatenate(images), labels


def gather_inputs(real_dir, fake_dir, model_dir, train_dir, num: int, seed: int) -> EvaluationInputs:
    """Real, generated and training images at one resolution, and the run's discriminator if any."""
    if num < 2:
        raise ConfigError(f"--num must be at least 2, got {num}")
    description = {"real": str(real_dir), "seed": seed}
    discriminator = None
    model_classes: tuple[str, ...] = ()
    fake_labels = real_labels = real_folder = None
    if model_dir is not None:
        run = RunDirectory(model_dir)
        if not (run.generator / "saved_model.pb").is_file():
            raise DataNotFoundError(f"--model {model_dir} has no exported generator (generator/saved_model.pb)")
        info = read_export_info(run.generator)
        model_classes = tuple(info.get("classes") or ())
        if model_classes:
            real_folder = labelled_images(real_dir, int(info["resolution"]))
            real_labels = _as_model_classes(real_folder, model_classes, real_dir)
            shares = np.bincount(real_labels, minlength=len(model_classes)) / len(real_labels)
            fake, fake_labels = conditional_images(run.generator, num, seed, shares)
        else:
            fake = generated_images(run.generator, num, seed)
        if (run.keras_models / "discriminator.keras").is_file():
            discriminator = keras.models.load_model(run.keras_models / "discriminator.keras")
        if train_dir is None:
            train_dir = training_data_path(run)
        description.update({"model": str(model_dir), "generated": num})
    else:
        fake = images_from_folder(fake_dir, _resolution_of(fake_dir))
        description["fake"] = str(fake_dir)
    resolution = fake.shape[1]
    if real_folder is None:  # a conditional run has read it already
        real_folder = labelled_images(real_dir, resolution)
    real, real_subjects = real_folder.images, real_folder.subjects
    train, train_subjects = images_and_subjects(train_dir, resolution) if train_dir else (real, real_subjects)
    description["train"] = str(train_dir or real_dir)
    return EvaluationInputs(real, fake, train, discriminator, description, real_subjects, train_subjects,
                            model_classes, real_labels, fake_labels)  # fmt: skip


def _as_model_classes(folder: FolderImages, model_classes, real_dir) -> np.ndarray:
    """The real images' labels as indices of the model's classes; a class the model lacks is an error."""
    missing = [name for name in folder.class_names if name not in model_classes]
    if not folder.class_names or missing:
        raise ConfigError(
            f"--real {real_dir} must have the model's class subfolders ({', '.join(model_classes)}) to "
            f"measure each class; it has {list(folder.class_names)}"
        )
    return np.asarray([model_classes.index(folder.class_names[label]) for label in folder.labels], np.int32)


def _resolution_of(folder) -> int:
    """The side of the first generated image, when it is a model resolution; else 64."""
    first = scan_image_folder(folder).images[0].path
    side = Image.open(first).size[0]
    return side if side in SUPPORTED_RESOLUTIONS else 64
