"""Where a fold's synthetic images come from: a conditional generator, or a folder with one subfolder per class.

A generator that trained on images the folds test on has seen the answers: its images can
carry those test images into the classifier's training. `trained_on_test` counts such
images from what the run records (its data and `holdout.json`), so the report can warn.
"""

import logging
from pathlib import Path

import numpy as np

from mri_gan.downstream.arms import SyntheticPool
from mri_gan.errors import ConfigError, DataError

logger = logging.getLogger(__name__)


class GeneratorSynthetic:
    """Synthetic images of every real class from a conditional generator (`--model`)."""

    def __init__(self, model_path: Path):
        from mri_gan.runs.model_source import Sampler, model_source

        self.model_path = model_path
        self.source = model_source(model_path)
        self.sampler = Sampler(self.source)
        self.resolution = self.sampler.resolution
        self.label_in_model: list[int] = []

    def match_classes(self, class_names: tuple[str, ...]) -> None:
        """Map the real classes to the generator's; refused when it is unconditional or lacks one."""
        missing = [name for name in class_names if name not in self.sampler.classes]
        if not self.sampler.classes or missing:
            made = f"makes the classes {self.sampler.classes}" if self.sampler.classes else "is unconditional"
            raise ConfigError(f"--model {self.model_path} {made}, but the real images have the classes "
                              f"{list(class_names)}. Give a generator trained with `fit --conditional` on such data, "
                              "or --synthetic DIR with one subfolder per class.")  # fmt: skip
        self.label_in_model = [self.sampler.classes.index(name) for name in class_names]

    def pool(self, counts: dict[int, int], seed: int) -> SyntheticPool:
        from mri_gan.evaluation.inputs import sampled_images

        return SyntheticPool({label: sampled_images(self.sampler, count, seed, label=self.label_in_model[label])
                              for label, count in counts.items()})  # fmt: skip

    def trained_on(self) -> set[str] | None:
        """Content hashes of the images the generator's run trained on; None when no run records it."""
        from mri_gan.evaluation.inputs import run_training_scan

        if self.source.run is None or not self.source.run.config.is_file():
            return None
        try:
            return {image.sha1 for image in run_training_scan(self.source.run).images}
        except (FileNotFoundError, ValueError):
            return None

    def held_out(self):
        """The slices the generator's run kept out of training (`fit --holdout`) as a scan, or None without them:
        testing on exactly these is a study the generator cannot flatter."""
        from mri_gan.data.holdout import held_out_scan

        held = held_out_scan(self.source.run) if self.source.run is not None else None
        return held if held is not None and held.images else None

    def describe(self) -> str:
        return f"generator {self.source.generator}"


class FolderSynthetic:
    """Synthetic images from a folder (`--synthetic DIR`) with one subfolder per real class, drawn per fold."""

    def __init__(self, folder: Path, class_names: tuple[str, ...], resolution: int):
        from mri_gan.evaluation.folders import labelled_images

        self.folder = folder
        found = labelled_images(folder, resolution)
        missing = [name for name in class_names if name not in found.class_names]
        if missing:
            raise DataError(f"--synthetic {folder} has the subfolders {list(found.class_names)}, but every real class "
                            f"needs one: {missing} missing.")  # fmt: skip
        self.by_class = [found.images[found.labels == found.class_names.index(name)] for name in class_names]
        self.resolution = resolution
        self._warned = False

    def pool(self, counts: dict[int, int], seed: int) -> SyntheticPool:
        rng = np.random.default_rng(seed)
        chosen = {}
        for label, count in counts.items():
            available = self.by_class[label]
            if len(available) < count and not self._warned:
                logger.warning(
                    "--synthetic %s has %d images of class %d where a fold asks for %d; the larger shares use "
                    "fewer images than they name", self.folder, len(available), label, count,
                )  # fmt: skip
                self._warned = True
            chosen[label] = available[rng.permutation(len(available))[:count]]
        return SyntheticPool(chosen)

    def trained_on(self) -> None:
        return None

    def describe(self) -> str:
        return f"folder {self.folder}"
