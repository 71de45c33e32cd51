"""`python -m mri_gan.generate`: PNG files from an exported generator (SavedModel).

Streams batch by batch, so memory does not grow with --num; image i is the same for
a seed whatever the batch size (see `mri_gan.sampling.latent_vectors`).
"""

import argparse
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mri_gan.cli import configure_logging, run_command
from mri_gan.errors import ConfigError, DataError, DataNotFoundError

PROG = "python -m mri_gan.generate"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Write generated MR slices as PNG files.")
    p.add_argument("--model", required=True, type=Path, help="exported generator: runs/NAME/generator (or runs/NAME)")
    p.add_argument("--num", required=True, type=int, help="number of images")
    p.add_argument("--out", required=True, type=Path, help="folder for the PNG files")
    p.add_argument("--seed", type=int, default=0, help="seed of the latent vectors (default 0)")
    p.add_argument("--batch-size", type=int, default=256, help="images per generator call (default 256)")
    p.add_argument("--grid", action="store_true", help="also write grid.png with up to 64 of the images")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def load_generator(path: Path):
    """The SavedModel at `path` (or at `path/generator` for a run directory)."""
    import tensorflow as tf

    if (path / "generator" / "saved_model.pb").is_file():
        path = path / "generator"
    if not path.exists():
        raise DataNotFoundError(f"--model {path} does not exist. Give an exported generator, e.g. runs/NAME/generator.")
    if not (path / "saved_model.pb").is_file():
        raise DataError(f"--model {path} is not a SavedModel (no saved_model.pb). Give runs/NAME/generator.")
    return tf.saved_model.load(str(path))


def generate_files(
    model_path: Path, num: int, out: Path, seed: int = 0, batch_size: int = 256, grid=False, quiet=False
):
    """Write `num` PNG files `out/generated_000000.png`... and return their paths."""
    import keras
    from PIL import Image

    from mri_gan.grids import image_grid, save_png
    from mri_gan.sampling import latent_vectors

    if num < 1:
        raise ConfigError(f"--num must be at least 1, got {num}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    generator = load_generator(model_path)
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
            images = generator.from_latent(latent_vectors(seed, count, latent_dim, start=start)).numpy()
            paths.extend(pool.map(write, enumerate(images, start=start)))
            if grid and len(preview) < 64:
                preview.extend(images[: 64 - len(preview)])
            if progress:
                progress.add(count)
    if grid:
        save_png(image_grid(preview, columns=math.ceil(math.sqrt(len(preview)))), out / "grid.png")
    return paths


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    configure_logging()

    def body():
        paths = generate_files(args.model, args.num, args.out, args.seed, args.batch_size, args.grid, args.quiet)
        print(f"Wrote {len(paths)} images to {args.out}")

    return run_command(body, PROG)


if __name__ == "__main__":
    sys.exit(main())
