"""The image sets an evaluation compares, loaded from folders or generated from a run."""

import logging
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from mri_gan.data import FolderScan, scan_image_folder
from mri_gan.data.holdout import held_out_scan, training_part
from mri_gan.errors import ConfigError, DataError, DataNotFoundError
from mri_gan.evaluation.folders import FolderImages, images_and_subjects, images_from_folder, labelled_images
from mri_gan.models import RESOLUTIONS
from mri_gan.runs.layout import RunDirectory
from mri_gan.runs.model_source import Sampler, model_source
from mri_gan.sampling.latents import latent_vectors
from mri_gan.training.record import load_run_config

logger = logging.getLogger(__name__)


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


def sampled_images(sampler: Sampler, num: int, seed: int, batch_size: int = 256, label=None) -> np.ndarray:
    """`num` images from a generator: the same ones `python -m mri_gan.generate` writes
    (of class index `label` for a conditional generator)."""
    batches = []
    for start in range(0, num, batch_size):
        count = min(batch_size, num - start)
        batches.append(sampler.images(latent_vectors(seed, count, sampler.latent_dim, start=start).numpy(), label))
    return np.concatenate(batches)


def conditional_images(sampler: Sampler, num: int, seed: int, shares) -> tuple[np.ndarray, np.ndarray]:
    """`num` images split over the classes by `shares` (at least 2 each), and their labels."""
    counts = [max(2, round(num * share)) for share in shares]
    images = [sampled_images(sampler, count, seed, label=index) for index, count in enumerate(counts)]
    labels = np.concatenate([np.full(count, index, np.int32) for index, count in enumerate(counts)])
    return np.concatenate(images), labels


def default_report_folder(model_path) -> Path:
    """Where a report goes without `--out`: beside the run `--model` belongs to, one folder per generator
    (`runs/NAME/evaluation/best_generator`), so evaluating two runs or two generators never overwrites a report;
    `./evaluation` for generated folders and models outside a run."""
    source = model_source(model_path) if model_path is not None else None
    if source is None or source.run is None:
        return Path("evaluation")
    return source.run.evaluations / source.generator.stem


def gather_inputs(real_dir, fake_dir, model_path, train_dir, num: int, seed: int) -> EvaluationInputs:
    """Real, generated and training images at one resolution, and the run's discriminator if any.

    With a model that belongs to a run trained with `--holdout` and no `real_dir`, the
    run's held-out images are the real ones, and its training images (without them) the
    reference for novelty.
    """
    if num < 2:
        raise ConfigError(f"--num must be at least 2, got {num}")
    source = model_source(model_path) if model_path is not None else None
    run = source.run if source else None
    real = real_dir if real_dir is not None else _held_out_images(run, model_path)
    description = {"real": str(real_dir) if real_dir is not None else f"held out by {run.root} ({run.holdout})",
                   "seed": seed}  # fmt: skip
    discriminator = None
    model_classes: tuple[str, ...] = ()
    fake_labels = real_labels = None
    sampler = Sampler(source) if source is not None else None
    resolution = sampler.resolution if sampler is not None else _resolution_of(fake_dir)
    # The real images first: a set too small to measure is refused before any image is generated.
    real_folder = labelled_images(real, resolution)
    _check_count(len(real_folder.images), MIN_REAL, "--real" if real_dir is not None else "the held-out set",
                 description["real"])  # fmt: skip
    if sampler is not None:
        model_classes = tuple(sampler.classes)
        if model_classes:
            real_labels = _as_model_classes(real_folder, model_classes, description["real"])
            shares = np.bincount(real_labels, minlength=len(model_classes)) / len(real_labels)
            fake, fake_labels = conditional_images(sampler, num, seed, shares)
        else:
            fake = sampled_images(sampler, num, seed)
        if source.discriminator is not None:
            discriminator = keras.models.load_model(source.discriminator)
        if train_dir is None and run is not None and run.config.is_file():
            train_dir = run_training_scan(run)
        description.update({"model": str(model_path), "generated": num})
    else:
        fake = images_from_folder(fake_dir, resolution)
        _check_count(len(fake), MIN_FAKE, "--fake", fake_dir)
        description["fake"] = str(fake_dir)
    real_images, real_subjects = real_folder.images, real_folder.subjects
    train, train_subjects = images_and_subjects(train_dir, resolution) if train_dir else (real_images, real_subjects)
    description["train"] = str(getattr(train_dir, "root", train_dir) or description["real"])
    return EvaluationInputs(real_images, fake, train, discriminator, description, real_subjects, train_subjects,
                            model_classes, real_labels, fake_labels)  # fmt: skip


MIN_REAL, MIN_FAKE = 4, 2  # two real halves of two images each; two generated images


def _check_count(count: int, least: int, flag: str, where) -> None:
    if count < least:
        raise DataError(f"{flag} {where} has {count} usable image{'s' if count != 1 else ''}; at least {least} are "
                        "needed to measure anything (a few hundred give intervals worth reading).")  # fmt: skip


def run_training_scan(run: RunDirectory) -> FolderScan:
    """What the run trained on (its data without the held-out images), for the novelty check; a run whose data
    has moved is one error that says how to go on."""
    config = load_run_config(run)
    try:
        return training_part(run, config.data.scan())
    except DataNotFoundError:
        raise DataNotFoundError(
            f"The run's training data {config.data.path} (from {run.config}) no longer exists, and the novelty "
            "check compares generated images with it. Give --train DIR (the images the run trained on), or put "
            "the data back."
        ) from None


def _held_out_images(run: RunDirectory | None, model_path) -> FolderScan:
    """The held-out images of the run `--model` belongs to, as the real images; an error if there are none."""
    held = held_out_scan(run) if run is not None else None
    if held is None or not held.images:
        where = f"the run of --model {model_path} holds no images out" if run else "no --model run is given"
        raise ConfigError(
            f"Give --real, the folder of real images to compare with: {where}. Training with "
            "`fit --holdout 0.15` keeps 15% of --data out of training, and evaluate then uses it by default."
        )
    logger.info("Real images: the %d images %s held out from training (%s)", len(held.images), run.root, run.holdout)
    return held


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
    return side if side in RESOLUTIONS else 64
