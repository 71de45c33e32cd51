"""The README's picture: built-in phantom slices beside real Kaggle slices, at model resolution.

    python experiments/dataset_figure.py --kaggle ../shared/datasets/brain_tumor_dataset \
        --out docs/default_dataset_vs_kaggle.png

Only this picture is committed, never the Kaggle images themselves (their licence is unknown).
"""

import argparse
from pathlib import Path

import matplotlib
import numpy as np

from mri_gan.data import default_dataset_dir, folder_dataset
from mri_gan.sampling.grids import image_grid, save_figure
from mri_gan.sampling.latents import to_uint8

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def sample(folder, count: int, resolution: int, seed: int) -> np.ndarray:
    dataset, _ = folder_dataset(folder, resolution=resolution, batch_size=count, seed=seed)
    return to_uint8(next(iter(dataset))).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kaggle", type=Path, required=True, help="folder of the Kaggle set (yes/, no/)")
    parser.add_argument("--out", type=Path, default=Path("docs/default_dataset_vs_kaggle.png"))
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--num", type=int, default=36)
    args = parser.parse_args()
    figure, axes = plt.subplots(1, 2, figsize=(10, 5.3), dpi=100)
    panels = (
        (default_dataset_dir(), "Built-in phantom set (ICBM152 template, synthetic)"),
        (args.kaggle, "Kaggle 'Brain MRI Images for Brain Tumor Detection'"),
    )
    for axis, (folder, title) in zip(axes, panels, strict=True):
        axis.imshow(image_grid(sample(folder, args.num, args.resolution, seed=1)), cmap="gray", vmin=0, vmax=255)
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    figure.tight_layout()
    print(f"Wrote {save_figure(figure, args.out)}")


if __name__ == "__main__":
    main()
