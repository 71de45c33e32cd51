"""`python -m mri_gan.generate`: PNG files from an exported generator (SavedModel).

Streams batch by batch, so memory does not grow with --num; image i is the same for
a seed whatever the batch size (see `mri_gan.sampling.latent_vectors`). A conditional
generator makes the class named by --label (e.g. yes or no), or with no --label an equal
share of every class, each in its own subfolder.
"""

import argparse
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mri_gan.cli import command_parser, configure_logging, run_command
from mri_gan.errors import ConfigError, DataError, DataNotFoundError


def parser() -> argparse.ArgumentParser:
    p = command_parser("mri_gan.generate", "Write generated MR slices as PNG files.")
    p.add_argument("--model", required=True, type=Path, help="exported generator: runs/NAME/generator (or runs/NAME)")
    p.add_argument("--num", required=True, type=int, help="number of images")
    p.add_argument("--out", required=True, type=Path, help="folder for the PNG files")
    p.add_argument("--seed", type=int, default=0, help="seed of the latent vectors (default 0)")
    p.add_argument("--batch-size", type=int, default=256, help="images per generator call (default 256)")
    p.add_argument("--label", help="class to generate with a conditional generator (e.g. yes); default: every class")
    p.add_argument("--grid", action="store_true", help="also write grid.png with up to 64 of the images")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def generator_dir(path: Path) -> Path:
    """The SavedModel folder `path` names (`path/generator` for a run directory), checked."""
    if (path / "generator" / "saved_model.pb").is_file():
        path = path / "generator"
    if not path.exists():
        raise DataNotFoundError(f"--model {path} does not exist. Give an exported generator, e.g. runs/NAME/generator.")
    if not (path / "saved_model.pb").is_file():
        raise DataError(f"--model {path} is not a SavedModel (no saved_model.pb). Give runs/NAME/generator.")
    return path


def load_generator(path: Path):
    """The SavedModel at `path` (or at `path/generator` for a run directory)."""
    import tensorflow as tf

    return tf.saved_model.load(str(generator_dir(path)))


def class_names(path: Path) -> list[str]:
    """The classes of a conditional export, in label order (empty for an unconditional one)."""
    from mri_gan.export import read_export_info

    classes = [str(name) for name in read_export_info(generator_dir(path)).get("classes") or []]
    unsafe = [name for name in classes if not _is_plain_folder_name(name)]
    if unsafe:
        raise DataError(
            f"--model {path} names a class {unsafe[0]!r} that is not a plain folder name, so its images would be "
            "written outside --out. The export is damaged or was not made by mri_gan."
        )
    return classes


def _is_plain_folder_name(name: str) -> bool:
    """One path component, not "." or "..", without separators or control characters."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\:\0") and name.isprintable()


def class_index(classes: list[str], label: str | None, path: Path) -> int | None:
    """The index of class `label` among a conditional export's `classes` (None without --label)."""
    if label is None:
        return None
    if not classes:
        raise ConfigError(f"--label {label}: {path} is an unconditional generator; train with --conditional")
    if label not in classes:
        raise ConfigError(f"--label {label!r} is not a class of {path}; its classes are {', '.join(classes)}")
    return classes.index(label)


def generate_files(
    model_path: Path, num: int, out: Path, seed: int = 0, batch_size: int = 256, grid=False, quiet=False,
    label: str | None = None,
):  # fmt: skip
    """Write `num` PNG files `out/generated_000000.png`... and return their paths.

    A conditional generator writes class `label`, or with no label `num` images of each
    class into `out/<class>/`, all from the same latent vectors.
    """
    if num < 1:
        raise ConfigError(f"--num must be at least 1, got {num}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    generator = load_generator(model_path)
    classes = class_names(model_path)
    index = class_index(classes, label, model_path)
    if not classes or index is not None:
        return _write_images(generator, num, out, seed, batch_size, grid, quiet, index)
    return [path for index, name in enumerate(classes)
            for path in _write_images(generator, num, out / name, seed, batch_size, grid, quiet, index)]  # fmt: skip


def _write_images(generator, num: int, out: Path, seed: int, batch_size: int, grid: bool, quiet: bool, label):
    import keras
    import numpy as np
    from PIL import Image

    from mri_gan.grids import image_grid, save_png
    from mri_gan.sampling import latent_vectors

    latent_dim = int(generator.from_latent.input_signature[0].shape[-1])
    out.mkdir(parents=True, exist_ok=True)
    digits = max(6, len(str(num - 1)))
    progress = None if quiet else keras.utils.Progbar(num, unit_name="image")
    paths, preview = [], []

    def write(index_and_pixels):
        index, pixels = index_and_pixels
        path = out / f"generated_{index:0{digits}d}.png"
        Image.fromarray(pixels[..., 0]).save(path, compress_level=1)
        return path

    with ThreadPoolExecutor(max_workers=4) as pool:
        for start in range(0, num, batch_size):
            count = min(batch_size, num - start)
            z = latent_vectors(seed, count, latent_dim, start=start)
            labels = () if label is None else (np.full(count, label, np.int32),)
            images = generator.from_latent(z, *labels).numpy()
            paths.extend(pool.map(write, enumerate(images, start=start)))
            if grid and len(preview) < 64:
                preview.extend(images[: 64 - len(preview)])
            if progress:
                progress.add(count)
    if grid:
        save_png(image_grid(preview, columns=math.ceil(math.sqrt(len(preview)))), out / "grid.png")
    return paths


def main(argv=None) -> int:
    command = parser()
    args = command.parse_args(argv)
    configure_logging()

    def body():
        paths = generate_files(args.model, args.num, args.out, args.seed, args.batch_size, args.grid, args.quiet,
                               args.label)  # fmt: skip
        print(f"Wrote {len(paths)} images to {args.out}")

    return run_command(body, command.prog)


if __name__ == "__main__":
    sys.exit(main())
