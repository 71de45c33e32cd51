"""Generated images on disk: PNG files, a titled grid, a record of how they were made, and latent walks.

Streams batch by batch, so memory does not grow with the number of images; image i is the
same for a seed whatever the batch size (see `mri_gan.sampling.latents.latent_vectors`). A
conditional generator makes one class, or an equal share of every class, each in its own
subfolder. The truncation trick (`mri_gan.sampling.truncation`: in W for StyleGAN2, in z
for the others) pulls each image toward the generator's typical one by the factor
`truncation`: below 1 trades variety for typical-looking images; 1 is the generator as trained.
"""

import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

from mri_gan.errors import ConfigError, DataError
from mri_gan.runs.atomic import process_unique, write_text_atomically
from mri_gan.runs.guard import folder_lock
from mri_gan.runs.model_source import Sampler, model_source
from mri_gan.sampling.grids import image_grid, save_figure
from mri_gan.sampling.latents import latent_vectors

METADATA = "generation.json"
GRID_SIZE = 64


def sample_files(
    model_path, num: int, out, seed: int = 0, batch_size: int = 256, grid=False, quiet=False,
    label: str | None = None, overwrite: bool = False, truncation: float = 1.0, steps: int | None = None,
    guidance: float | None = None,
):  # fmt: skip
    """Write `num` PNG files `out/generated_000000.png`... and `out/generation.json`; return the image paths.

    A conditional generator writes class `label`, or with no label `num` images of each
    class into `out/<class>/`, all from the same latent vectors. Generated files already
    there are refused (a set of another model or seed would silently mix with this one),
    or with `overwrite` deleted first. A diffusion model samples with `steps` DDIM steps and
    guidance scale `guidance` (None: the run's).
    """
    check_counts(num, batch_size)
    check_truncation(truncation)
    sampler = Sampler(model_source(model_path))
    sampling = sampler.use_sampler_settings(steps, guidance)
    targets = class_targets(sampler, label, Path(out))
    Path(out).mkdir(parents=True, exist_ok=True)
    with folder_lock(out, leave_no_file=True):
        clear_earlier_images([folder for folder, _ in targets], overwrite)
        try:
            for folder, index in targets:
                write_images(sampler, num, folder, seed, batch_size, index, truncation, quiet)
                if grid:
                    write_grid(sampler, folder, seed, truncation, index)
            write_metadata(Path(out), sampler, {"num": num, "seed": seed, "truncation": truncation, "label": label,
                                                **sampling})  # fmt: skip
        except OSError as error:
            clear_earlier_images([folder for folder, _ in targets], overwrite=True)
            raise DataError(
                f"could not write the images to {out} ({error.strerror or error}); the ones written were "
                "removed, so no half set is left. Free some space or give another --out."
            ) from None
    return sorted(path for folder, _ in targets for path in folder.glob("generated_*.png"))


def check_counts(num: int, batch_size: int) -> None:
    if num < 1:
        raise ConfigError(f"--num must be at least 1, got {num}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")


def check_truncation(truncation: float) -> None:
    if not 0 < truncation <= 1:
        raise ConfigError(f"--truncation must be in (0, 1] (1: off, 0.7: a common choice), got {truncation}")


def class_targets(sampler: Sampler, label: str | None, out: Path) -> list[tuple[Path, int | None]]:
    """(folder, class index) pairs to write: `out` alone, or one subfolder per class."""
    if label is not None:
        if not sampler.classes:
            raise ConfigError(f"--label {label}: {sampler.source.given} is an unconditional generator; train with "
                              "--conditional")  # fmt: skip
        if label not in sampler.classes:
            raise ConfigError(f"--label {label!r} is not a class of {sampler.source.given}; its classes are "
                              f"{', '.join(sampler.classes)}")  # fmt: skip
        return [(out, sampler.classes.index(label))]
    if not sampler.classes:
        return [(out, None)]
    return [(out / name, index) for index, name in enumerate(sampler.classes)]


def clear_earlier_images(folders: list[Path], overwrite: bool) -> None:
    """Refuse folders that hold generated images already, or (with `overwrite`) delete those images."""
    earlier = [path for folder in folders if folder.is_dir() for path in folder.glob("generated_*.png")]
    if earlier and not overwrite:
        raise ConfigError(
            f"--out {earlier[0].parent} already holds {len(earlier)} generated images (e.g. {earlier[0].name}); "
            "writing into it would mix two sets. Give a new --out, or add --overwrite to replace them."
        )
    for path in earlier:
        path.unlink()


def latents(seed: int, count: int, latent_dim: int, start: int = 0) -> np.ndarray:
    """Latent vectors number `start`... of the stream for `seed`."""
    return latent_vectors(seed, count, latent_dim, start=start).numpy()


def write_images(sampler: Sampler, num: int, out: Path, seed: int, batch_size: int, label: int | None,
                 truncation: float, quiet: bool) -> list[Path]:  # fmt: skip
    """`num` PNG files in `out`, in stream order; each batch is encoded while the next one is generated."""
    import keras

    out.mkdir(parents=True, exist_ok=True)
    digits = max(6, len(str(num - 1)))
    progress = None if quiet else keras.utils.Progbar(num, unit_name="image")
    paths = []

    def write(index_and_pixels):
        index, pixels = index_and_pixels
        path = out / f"generated_{index:0{digits}d}.png"
        partial = process_unique(path)
        try:
            Image.fromarray(pixels[..., 0]).save(partial, format="PNG", compress_level=1)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return path

    with ThreadPoolExecutor(max_workers=4) as pool:
        writing = iter(())
        for start in range(0, num, batch_size):
            count = min(batch_size, num - start)
            images = sampler.images(latents(seed, count, sampler.latent_dim, start), label, truncation)
            paths.extend(writing)
            writing = pool.map(write, enumerate(images, start=start))
            if progress:
                progress.add(count)
        paths.extend(writing)
    return paths


def write_grid(sampler: Sampler, out: Path, seed: int, truncation: float, label: int | None) -> Path:
    """`out/grid.png`: the first 64 images of the stream, titled with the model, seed and truncation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = sampler.images(latents(seed, GRID_SIZE, sampler.latent_dim), label, truncation)
    figure, axis = plt.subplots(figsize=(7, 7.4), dpi=100)
    axis.imshow(image_grid(images, columns=math.ceil(math.sqrt(len(images)))), cmap="gray", vmin=0, vmax=255)
    axis.axis("off")
    what = f", class {sampler.classes[label]}" if label is not None else ""
    axis.set_title(f"{sampler.source.given}{what}\nseed {seed}, truncation {truncation:g}", fontsize=10)
    figure.tight_layout()
    return save_figure(figure, out / "grid.png")


def write_metadata(out: Path, sampler: Sampler, details: dict) -> Path:
    """`out/generation.json`: which model made the images and with which seed, truncation and class."""
    from mri_gan import __version__

    record = {
        "model": str(sampler.source.given),
        "generator": str(sampler.source.generator),
        "classes": sampler.classes,
        "latent_dim": sampler.latent_dim,
        "resolution": sampler.resolution,
        **details,
        "made_by": f"mri_gan {__version__}",
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.mkdir(parents=True, exist_ok=True)
    return write_text_atomically(out / METADATA, json.dumps(record, indent=2))
