"""Which additions to the paper's DCGAN help: each alone, and all together, over seeds.

    python experiments/ablation.py --data ../shared/datasets/brain_tumor_dataset --out runs/ablation/kaggle
    python experiments/ablation.py --out runs/ablation/builtin          # the built-in dataset
    python experiments/ablation.py --out runs/ablation/kaggle --table   # only (re)write the table

Every configuration trains through `python -m mri_gan.fit` on the same data at 64x64 for
the same number of images (`--images`, rounded up to whole epochs), and is judged by
`python -m mri_gan.evaluate` against the training folder with as many generated images
as real ones. Runs already finished are kept (the script resumes); `results.jsonl` holds
one line per run and `ablation.md` the table: means over seeds, with the range.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

# The additions of issue 7, each alone; "all" combines every unconditional one that
# applies together (label smoothing does not apply to the hinge loss); the last two pair
# DiffAugment with the penalties that helped most alone.
ALL = ["--augment", "color,translation,cutout", "--ema-decay", "0.99", "--loss", "hinge", "--r1-gamma", "0.05",
       "--spectral-norm"]  # fmt: skip
CONFIGURATIONS = {
    "paper": [],
    "augment": ["--augment", "color,translation,cutout"],
    "ema": ["--ema-decay", "0.99"],
    "hinge": ["--loss", "hinge"],
    "lsgan": ["--loss", "lsgan"],
    "wgan-gp": ["--loss", "wgan-gp"],
    "r1": ["--r1-gamma", "0.05"],
    "spectral-norm": ["--spectral-norm"],
    "label-smoothing": ["--label-smoothing", "0.1"],
    "conditional": ["--conditional"],
    "all": ALL,
    "all+conditional": [*ALL, "--conditional"],
    "augment+r1": ["--augment", "color,translation,cutout", "--r1-gamma", "0.05"],
    "augment+wgan-gp": ["--augment", "color,translation,cutout", "--loss", "wgan-gp"],
}
PLAIN = Path(__file__).with_name("paper.toml")  # a --config file starts from the plain GAN, not the recipe
MODEL = ["--config", str(PLAIN), "--resolution", "64", "--width", "32", "--batch-size", "32", "--quality-every", "0"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="image folder with class subfolders (default: the built-in dataset)")
    p.add_argument("--out", type=Path, required=True, help="folder for the runs, results.jsonl and ablation.md")
    p.add_argument("--images", type=int, default=12_800, help="training images seen per run (default 12,800)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--only", nargs="+", choices=sorted(CONFIGURATIONS), help="run only these configurations")
    p.add_argument("--table", action="store_true", help="only write ablation.md from results.jsonl")
    return p


def data_folder(data: Path | None) -> Path:
    if data is not None:
        return data
    from mri_gan.data import default_dataset_dir

    return default_dataset_dir()


def image_count(folder: Path) -> int:
    from mri_gan.data import scan_image_folder

    return len(scan_image_folder(folder).images)


def run_one(name: str, seed: int, folder: Path, epochs: int, num_real: int, out: Path,
            options: list[str] | None = None) -> dict:  # fmt: skip
    """Train and evaluate one configuration (`options`, default: `CONFIGURATIONS[name]`); returns its results line."""
    from mri_gan.runs.layout import RunDirectory
    from mri_gan.training.record import read_run_record

    options = CONFIGURATIONS[name] if options is None else options
    run = out / f"{name}-seed{seed}"
    run.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    command = [sys.executable, "-m", "mri_gan.fit", "--data", str(folder), "--out", str(run), "--epochs", str(epochs),
               "--seed", str(seed), "--sample-every", str(epochs), *MODEL, *options]  # fmt: skip
    with (run / "ablation.log").open("w") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
        trained = time.perf_counter() - started
        evaluation = run / "evaluation"
        subprocess.run([sys.executable, "-m", "mri_gan.evaluate", "--real", str(folder), "--model", str(run),
                        "--num", str(num_real), "--out", str(evaluation), "--seed", str(seed)], check=True,
                       stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MRI_GAN_OFFLINE": "1"})  # fmt: skip
    report = json.loads((evaluation / "report.json").read_text())
    result = {
        "configuration": name,
        "seed": seed,
        "images_seen": epochs * num_real,
        "train_seconds": round(trained, 1),
        "swd": report["swd"]["real_vs_generated"]["mean"],
        "swd_real_baseline": report["swd"]["real_vs_real"]["mean"],
        "ms_ssim_generated": report["ms_ssim"]["generated"],
        "ms_ssim_real": report["ms_ssim"]["real"],
        "copy_share": report["novelty"]["possible_copy_share"],
        "kid": report["kid"]["mean"] if report["kid"]["available"] else None,
        "precision": read_run_record(RunDirectory(run))["precision"]["policy"],
    }
    if "label_fidelity" in report:
        result["label_agreement"] = report["label_fidelity"]["agreement"]
        result["classifier_held_out_accuracy"] = report["label_fidelity"]["held_out_real_accuracy"]
    return result


def read_results(out: Path) -> list[dict]:
    path = out / "results.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.is_file() else []


def _cell(values, digits=2, percent=False) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    scale = 100 if percent else 1
    mean, low, high = scale * np.mean(values), scale * min(values), scale * max(values)
    suffix = "%" if percent else ""
    return f"{mean:.{digits}f}{suffix} ({low:.{digits}f}-{high:.{digits}f})"


def write_table(out: Path) -> Path:
    """ablation.md: one row per configuration, means over seeds with (min-max)."""
    results = read_results(out)
    by_name = {name: [r for r in results if r["configuration"] == name] for name in CONFIGURATIONS}
    paper_swd = np.mean([r["swd"] for r in by_name["paper"]]) if by_name["paper"] else math.nan
    lines = [
        "| configuration | seeds | SWD x1e3 | vs paper | SWD / real baseline | MS-SSIM generated / real "
        "| possible copies | KID | label agreement (yes / no) | train s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rows in by_name.items():
        if not rows:
            continue
        swd = [r["swd"] for r in rows]
        agreement = "-"
        if any("label_agreement" in r for r in rows):
            yes = _cell([r["label_agreement"].get("yes") for r in rows])
            no = _cell([r["label_agreement"].get("no") for r in rows])
            agreement = f"{yes} / {no}"
        lines.append("| " + " | ".join([
            name, str(len(rows)), _cell(swd, 1), f"{100 * (np.mean(swd) / paper_swd - 1):+.0f}%",
            _cell([r["swd"] / r["swd_real_baseline"] for r in rows], 1),
            _cell([r["ms_ssim_generated"] / r["ms_ssim_real"] for r in rows]),
            _cell([r["copy_share"] for r in rows], 1, percent=True),
            _cell([r["kid"] for r in rows], 4), agreement, f"{np.mean([r['train_seconds'] for r in rows]):.0f}",
        ]) + " |")  # fmt: skip
    images = sorted({r["images_seen"] for r in results})
    lines.append("")
    lines.append(f"Images seen per run: {', '.join(map(str, images))}. MS-SSIM ratio 1.00 = as diverse as the real "
                 "set (above 1: less diverse). Cells: mean over seeds (min-max).")  # fmt: skip
    path = out / "ablation.md"
    path.write_text("\n".join(lines) + "\n")
    write_grid_sheet(out, results)
    return path


def write_grid_sheet(out: Path, results: list[dict]) -> None:
    """grids.png: 16 images of the last grid of each configuration's first seed, titled, four per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mri_gan.sampling.grids import save_figure

    tiles = {}
    for name in CONFIGURATIONS:
        seeds = sorted(r["seed"] for r in results if r["configuration"] == name)
        grids = sorted((out / f"{name}-seed{seeds[0]}" / "grids").glob("epoch_*.png")) if seeds else []
        if grids:
            grid = np.asarray(Image.open(grids[-1]))  # a conditional run's last grid is its "yes" grid
            side = grid.shape[0] // 8
            tiles[name] = grid[: 4 * side, : 4 * side]
    if not tiles:
        return
    rows = math.ceil(len(tiles) / 4)
    figure, axes = plt.subplots(rows, 4, figsize=(12, 3.2 * rows), dpi=80, squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, (name, tile) in zip(axes.ravel(), tiles.items(), strict=False):
        axis.imshow(tile, cmap="gray", vmin=0, vmax=255)
        axis.set_title(name)
    figure.tight_layout()
    save_figure(figure, out / "grids.png")


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    import mri_gan  # noqa: F401  (quiet TensorFlow start-up for the helpers used here)

    args.out.mkdir(parents=True, exist_ok=True)
    if not args.table:
        folder = data_folder(args.data)
        count = image_count(folder)
        epochs = math.ceil(args.images / count)
        done = {(r["configuration"], r["seed"]) for r in read_results(args.out)}
        started = time.perf_counter()
        for seed in args.seeds:
            for name in args.only or CONFIGURATIONS:
                if (name, seed) in done:
                    continue
                result = run_one(name, seed, folder, epochs, count, args.out)
                with (args.out / "results.jsonl").open("a") as handle:
                    handle.write(json.dumps(result) + "\n")
                print(f"{name} seed {seed}: SWD {result['swd']:.1f}, {result['train_seconds']:.0f} s", flush=True)
        print(f"Total {time.perf_counter() - started:.0f} s")
    print(f"Table: {write_table(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
