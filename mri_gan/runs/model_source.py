"""What `--model` names, understood the same way by `generate`, `evaluate` and `detect`.

A user may point at a run folder (`runs/NAME`), its exported generator (`runs/NAME/generator`),
the best one kept by the quality checks (`runs/NAME/best_generator`), or a Keras file
(`runs/NAME/keras/generator.keras`, or one copied anywhere). `model_source` finds the
generator and, when the path lies inside a run, the run itself (for its data, its held-out
images and its discriminator). `Sampler` then makes images from latent vectors through one
interface, whether the generator is a SavedModel or a `.keras` file.
"""

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mri_gan.errors import ConfigError, DataError, DataNotFoundError
from mri_gan.runs.export import recover_interrupted_swap
from mri_gan.runs.layout import RunDirectory

KINDS = "a run folder (runs/NAME), its generator/ or best_generator/, or a .keras file"


@dataclass(frozen=True)
class ModelSource:
    """A resolved `--model`: the generator it names and the run it belongs to (None outside a run)."""

    given: Path
    generator: Path  # a SavedModel folder or a .keras file
    run: RunDirectory | None

    @property
    def is_keras_file(self) -> bool:
        return self.generator.suffix == ".keras"

    @property
    def discriminator(self) -> Path | None:
        """The run's `discriminator.keras`, or the given file if it is one."""
        if self.is_keras_file and "discriminator" in self.generator.stem:
            return self.generator
        if self.run is not None and (self.run.keras_models / "discriminator.keras").is_file():
            return self.run.keras_models / "discriminator.keras"
        return None


def model_source(path: str | os.PathLike) -> ModelSource:
    """Resolve `--model PATH`; a path that is none of the accepted kinds is a one-paragraph error."""
    path = Path(path)
    for export in (path, path / "generator", path / "best_generator"):
        recover_interrupted_swap(export)
    if not path.exists():
        raise DataNotFoundError(f"--model {path} does not exist. Give {KINDS}.")
    if path.is_file():
        if path.suffix != ".keras":
            raise DataError(f"--model {path} is a file but not a .keras file. Give {KINDS}.")
        in_run = path.parent.name == "keras" and _is_run(path.parent.parent)
        return ModelSource(path, path, RunDirectory(path.parent.parent) if in_run else None)
    if _is_saved_model(path):
        return ModelSource(path, path, RunDirectory(path.parent) if _is_run(path.parent) else None)
    run = RunDirectory(path)
    if _is_saved_model(run.generator):
        return ModelSource(path, run.generator, run)
    raise DataError(f"--model {path} holds no exported generator (no saved_model.pb). Give {KINDS}.")


def discriminator_source(path: str | os.PathLike) -> Path:
    """The discriminator `.keras` file `--model PATH` stands for: the file itself, or its run's."""
    source = model_source(path)
    if source.discriminator is None and _is_diffusion(source):
        raise ConfigError(f"--model {path} is a diffusion model, which has no discriminator to score images with "
                          "(it learns to remove noise, not to tell real from generated). To measure how far its "
                          f"images are from real ones, run python -m mri_gan.evaluate --model {path}")  # fmt: skip
    if source.discriminator is None:
        raise DataNotFoundError(f"--model {path} belongs to no run with keras/discriminator.keras. Give {KINDS}.")
    return source.discriminator


def _is_diffusion(source: ModelSource) -> bool:
    """Whether `source` is a diffusion model's: its export records the sampler's steps, its `.keras` file holds
    the sampler layer."""
    from mri_gan.runs.export import read_export_info

    exported = source.run.generator if source.run is not None else source.generator
    if exported.is_dir():
        return "steps" in read_export_info(exported)
    try:  # a lone .keras file: a zip whose config.json names its layers' classes
        with zipfile.ZipFile(exported) as archive:
            return "DiffusionSampler" in archive.read("config.json").decode(errors="ignore")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def class_count(network) -> int:
    """How many classes a conditional mri_gan network takes (0 for an unconditional one)."""
    from mri_gan.diffusion.sampler import diffusion_sampler

    if len(network.inputs) < 2:
        return 0
    sampler = diffusion_sampler(network)
    return sampler.num_classes if sampler is not None else network.get_layer("label_embedding").input_dim


def _is_saved_model(folder: Path) -> bool:
    return (folder / "saved_model.pb").is_file()


def _is_run(folder: Path) -> bool:
    return _is_saved_model(RunDirectory(folder).generator) or RunDirectory(folder).config.is_file()


def is_plain_folder_name(name: str) -> bool:
    """One path component, not "." or "..", without separators or control characters."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\:\0") and name.isprintable()


def checked_class_names(classes, path: Path) -> list[str]:
    """A model's class names, refused unless each is a plain folder name (they become output folders)."""
    classes = [str(name) for name in classes or []]
    unsafe = [name for name in classes if not is_plain_folder_name(name)]
    if unsafe:
        raise DataError(
            f"--model {path} names a class {unsafe[0]!r} that is not a plain folder name, so its images would be "
            "written outside --out. The export is damaged or was not made by mri_gan."
        )
    return classes


class Sampler:
    """Images from latent vectors, from a SavedModel export or a `.keras` generator alike.

    `latent_dim`, `resolution` and `classes` (empty for an unconditional generator) describe
    it; `images(z, label)` returns uint8 [N, H, W, 1] for float32 z [N, latent_dim] and, for a
    conditional generator, one class index for all of them. A diffusion model's generator
    (`is_diffusion`) samples with `steps` DDIM steps and guidance scale `guidance`: the run's
    unless `use_sampler_settings` sets others.
    """

    def __init__(self, source: ModelSource):
        self.source = source
        self._saved = self._keras = self._sampler = None
        self.is_diffusion = False
        self.steps = self.guidance = None
        if source.is_keras_file:
            self._load_keras_file()
        else:
            self._load_saved_model()
        self.classes = checked_class_names(self.classes, source.given)

    def _load_saved_model(self) -> None:
        import tensorflow as tf

        from mri_gan.runs.export import read_export_info

        try:
            self._saved = tf.saved_model.load(str(self.source.generator))
        except Exception as error:  # TensorFlow raises many kinds for a damaged SavedModel
            raise DataError(f"--model {self.source.generator} is not a readable SavedModel ({type(error).__name__}); "
                            "it may be damaged. Export it again, or give the run's keras/generator.keras.") from None
        if not hasattr(self._saved, "from_latent"):
            raise DataError(f"--model {self.source.generator} is a SavedModel that mri_gan did not export (it has no "
                            "from_latent signature). Give a run folder, its generator/ or a .keras generator.")
        info = read_export_info(self.source.generator)
        self.latent_dim = int(self._saved.from_latent.input_signature[0].shape[-1])
        self.resolution = int(info["resolution"]) if "resolution" in info else None
        self.classes = info.get("classes") or []
        self.is_diffusion = hasattr(self._saved, "from_latent_steps")
        if self.is_diffusion:
            self.steps, self.guidance = int(info.get("steps", 25)), float(info.get("guidance", 1.0))
        if self.resolution is None:
            self.resolution = int(self.images(np.zeros((1, self.latent_dim)), 0 if self.classes else None).shape[1])

    def _load_keras_file(self) -> None:
        import keras

        from mri_gan.diffusion.sampler import diffusion_sampler
        from mri_gan.runs.export import read_export_info
        from mri_gan.sampling.truncation import truncated_generator

        try:
            self._keras = keras.models.load_model(self.source.generator, compile=False)
        except Exception as error:  # Keras raises many kinds for a damaged or foreign file
            raise DataError(
                f"--model {self.source.generator} exists but is not a readable Keras model ({type(error).__name__}); "
                "it may be damaged or not a .keras file. Give the run folder or its generator/ instead."
            ) from None
        if len(self._keras.outputs[0].shape) != 4:
            raise DataError(f"--model {self.source.generator} is not a generator (it does not output images).")
        self._truncated = truncated_generator(self._keras)  # built once: generate calls it per batch
        self._sampler = diffusion_sampler(self._keras)
        self.is_diffusion = self._sampler is not None
        if self.is_diffusion:
            self.steps, self.guidance = self._sampler.steps, self._sampler.guidance
        self.latent_dim = int(self._keras.inputs[0].shape[-1])
        self.resolution = int(self._keras.outputs[0].shape[1])
        self.classes = []
        if len(self._keras.inputs) > 1:
            run_info = read_export_info(self.source.run.generator) if self.source.run else {}
            self.classes = run_info.get("classes") or [f"class{index}" for index in range(class_count(self._keras))]

    def use_sampler_settings(self, steps: int | None = None, guidance: float | None = None) -> dict:
        """Sample a diffusion model with `steps` DDIM steps and guidance scale `guidance` (None: keep the run's);
        returns the settings in use (empty for a GAN). Given for a GAN's generator, they are refused."""
        if steps is not None and steps < 1:
            raise ConfigError(f"--steps must be at least 1, got {steps}")
        if guidance is not None and guidance < 0:
            raise ConfigError(f"--guidance must be at least 0 (0: unconditional, 1: conditional), got {guidance}")
        if not self.is_diffusion:
            if steps is not None or guidance is not None:
                raise ConfigError(f"--steps and --guidance set a diffusion model's sampler, and --model "
                                  f"{self.source.given} is a GAN's generator, which makes an image in one pass. "
                                  "Leave them out (latent walks take --walk-steps).")  # fmt: skip
            return {}
        self.steps = self.steps if steps is None else steps
        self.guidance = self.guidance if guidance is None else guidance
        return {"steps": self.steps, "guidance": self.guidance}

    def images(self, z: np.ndarray, label: int | None = None, truncation: float = 1.0) -> np.ndarray:
        """uint8 [N, H, W, 1] images for latent vectors `z` (and class index `label`), truncated by `truncation`
        (in W for a generator with a mapping network, else in z: `mri_gan.sampling.truncation`); a diffusion
        model's with the sampler settings in use (`use_sampler_settings`)."""
        z = np.asarray(z, np.float32)
        labels = () if label is None else (np.full(len(z), label, np.int32),)
        if self.is_diffusion:
            return self._diffusion_images(z * np.float32(truncation), labels)
        if self._saved is not None:
            if truncation == 1:
                return self._saved.from_latent(z, *labels).numpy()
            if not hasattr(self._saved, "from_latent_truncated"):  # exported before truncation in W existed
                return self._saved.from_latent(z * np.float32(truncation), *labels).numpy()
            return self._saved.from_latent_truncated(z, *labels, np.float32(truncation)).numpy()
        from mri_gan.sampling.latents import to_uint8

        inputs = [z, *labels] if labels else z
        if truncation == 1:
            return to_uint8(self._keras(inputs, training=False)).numpy()
        return to_uint8(self._truncated(inputs, truncation)).numpy()

    def _diffusion_images(self, z: np.ndarray, labels: tuple) -> np.ndarray:
        """A diffusion generator's images (truncation, for it, scales the starting noise)."""
        steps, guidance = np.int32(self.steps), np.float32(self.guidance)
        if self._saved is not None:
            return self._saved.from_latent_steps(z, *labels, steps, guidance).numpy()
        from mri_gan.sampling.latents import to_uint8

        return to_uint8(self._sampler.denoise(z, labels[0] if labels else None, steps, guidance)).numpy()
