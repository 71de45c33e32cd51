"""Does bfloat16 train as well as float32? The small-data recipe in both, same images seen, over seeds.

    python benchmarks/precision_parity.py --data ../shared/datasets/brain_tumor_dataset --out runs/parity/kaggle
    python benchmarks/precision_parity.py --out runs/parity/builtin --epochs 40      # the built-in set
    python benchmarks/precision_parity.py --out runs/parity/kaggle --table             # only rewrite the table

Each run trains through `python -m mri_gan.fit --config experiments/small_data.toml` with
`--precision float32` or `--precision mixed_bfloat16` and is judged by `python -m
mri_gan.evaluate` against the training folder (as `experiments/ablation.py` does). The
table gives, per precision, the mean over seeds and the range of the SWD ratio (generated
vs real, over real vs real) and the MS-SSIM ratio (generated over real diversity): bfloat16
is at parity when its means lie within float32's spread over seeds. It prints the CPU it
ran on, since bfloat16 is emulated (slow, but numerically the same) on CPUs without it.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
import ablation  # the train-and-evaluate helpers of the ablation

RECIPE = Path(__file__).resolve().parents[1] / "experiments" / "small_data.toml"
PRECISIONS = ("float32", "mixed_bfloat16")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="image folder (default: the built-in dataset)")
    p.add_argument("--out", type=Path, required=True, help="folder for the runs, results.jsonl and parity.md")
    p.add_argument("--epochs", type=int, default=300, help="epochs per run (default 300)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--table", action="store_true", help="only write parity.md from results.jsonl")
    return p


def _cell(values: list[float]) -> str:
    return f"{np.mean(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def write_table(out: Path) -> Path:
    results = ablation.read_results(out)
    lines = ["| precision | seeds | SWD / real baseline | MS-SSIM generated / real | possible copies | train s |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for precision in PRECISIONS:
        rows = [r for r in results if r["configuration"] == precision]
        if rows:
            lines.append(f"| {precision} | {len(rows)} | {_cell([r['swd'] / r['swd_real_baseline'] for r in rows])} | "
                         f"{_cell([r['ms_ssim_generated'] / r['ms_ssim_real'] for r in rows])} | "
                         f"{100 * np.mean([r['copy_share'] for r in rows]):.1f}% | "
                         f"{np.mean([r['train_seconds'] for r in rows]):.0f} |")  # fmt: skip
    images = sorted({r["images_seen"] for r in results})
    lines += ["", f"Images seen per run: {', '.join(map(str, images))}. Cells: mean over seeds (min-max)."]
    path = out / "parity.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    import mri_gan  # noqa: F401  (quiet TensorFlow start-up for the helpers used here)
    from mri_gan.runtime.hardware import read_cpu

    print(f"CPU: {read_cpu().describe()}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.table:
        folder = ablation.data_folder(args.data)
        count = ablation.image_count(folder)
        done = {(r["configuration"], r["seed"]) for r in ablation.read_results(args.out)}
        for seed in args.seeds:
            for precision in PRECISIONS:
                if (precision, seed) in done:
                    continue
                options = ["--config", str(RECIPE), "--precision", precision]
                result = ablation.run_one(precision, seed, folder, args.epochs, count, args.out, options)
                with (args.out / "results.jsonl").open("a") as handle:
                    handle.write(json.dumps(result) + "\n")
                ratio = result["swd"] / result["swd_real_baseline"]
                print(f"{precision} seed {seed}: SWD ratio {ratio:.2f}, {result['train_seconds']:.0f} s", flush=True)
    print(f"Table: {write_table(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
