"""README picture for "GAN or diffusion?": real slices beside each family's samples, one row per set.

    python experiments/family_grids.py --out docs/gan_or_diffusion.png \
        --row "built-in" "$(python -m mri_gan.data.phantom --where)" runs/gan_builtin runs/ddim_builtin \
        --row "Kaggle" ../shared/datasets/brain_tumor_dataset runs/gan_kaggle runs/ddim_kaggle

Each row: a random draw of real slices of the folder, then the exported generator of each run
given, sampled from the same seed (a diffusion run with its own sampler steps). Only the picture
is committed, never the Kaggle images themselves (their licence is unknown).
"""

import argparse
import json
from pathlib import Path

import matplotlib
import numpy as np

from mri_gan.data import folder_dataset
from mri_gan.runs.model_source import Sampler, model_source
from mri_gan.sampling.files import latents
from mri_gan.sampling.grids import image_grid, save_figure
from mri_gan.sampling.latents import to_uint8

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def real_slices(folder: str, count: int, resolution: int, seed: int) -> np.ndarray:
    dataset, _ = folder_dataset(folder, resolution=resolution, batch_size=count, seed=seed)
    batch = next(iter(dataset))
    return to_uint8(batch[0] if isinstance(batch, tuple) else batch).numpy()


def generated_slices(run: str, count: int, seed: int) -> tuple[np.ndarray, str]:
    """`count` images of the run's exported generator and a title naming its architecture and length."""
    sampler = Sampler(model_source(run))
    images = sampler.images(latents(seed, count, sampler.latent_dim))
    config = json.loads((Path(run) / "config.json").read_text())["config"]
    return images, f"{config['model']['architecture']}, {config['train']['images']:,} images ({Path(run).name})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--row", nargs="+", action="append", required=True, metavar="NAME FOLDER RUN",
                        help="a set's name, its image folder and one or more run folders")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("docs/gan_or_diffusion.png"))
    parser.add_argument("--num", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if any(len(row) < 3 for row in args.row):
        parser.error("each --row needs a name, an image folder and at least one run folder")
    columns = max(len(row) - 1 for row in args.row)
    figure, axes = plt.subplots(len(args.row), columns, figsize=(3.4 * columns, 3.7 * len(args.row)), dpi=100,
                                squeeze=False)  # fmt: skip
    for axes_row, (name, folder, *runs) in zip(axes, args.row, strict=True):
        panels = [(real_slices(folder, args.num, 64, args.seed), f"{name}: real slices")]
        panels += [generated_slices(run, args.num, args.seed) for run in runs]
        for axis, (images, title) in zip(axes_row, panels, strict=False):
            axis.imshow(image_grid(images, columns=4), cmap="gray", vmin=0, vmax=255)
            axis.set_title(title, fontsize=9)
        for axis in axes_row:
            axis.axis("off")
    figure.tight_layout()
    print(f"Wrote {save_figure(figure, args.out)}")


if __name__ == "__main__":
    main()
