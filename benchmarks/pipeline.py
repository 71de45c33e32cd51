"""Input-pipeline throughput: first pass (decode + resize) and cached epochs, in images/s.

Writes a folder of mixed-size JPG and PNG images (or uses --data), then times one
uncached pass and several cached epochs of the same `folder_dataset` that training uses,
and compares them with what the training step consumes (the paper's 64-wide DCGAN at the
same resolution and batch, measured in this run).

    python benchmarks/pipeline.py [--data DIR] [--num 1000] [--resolution 64] [--batch-size 128]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from train_step import measure

from mri_gan.data import folder_dataset, render_slice
from mri_gan.runtime.hardware import read_cpu


def write_mixed_folder(root: Path, num: int) -> Path:
    """Phantom slices saved at sizes from 150 to 1024 px, alternately as JPEG and PNG."""
    rng = np.random.default_rng(0)
    for index in range(num):
        rendered = render_slice(0, index % 64, index % 2 == 0, size=256)
        side = int(rng.integers(150, 1024))
        image = Image.fromarray(rendered.image).resize((side, int(side * rng.uniform(0.8, 1.2))))
        label = rendered.record["label"]
        (root / label).mkdir(parents=True, exist_ok=True)
        if index % 2:
            image.save(root / label / f"{index}.png")
        else:
            image.convert("RGB").save(root / label / f"{index}.jpg", quality=90)
    return root


def time_epoch(dataset) -> tuple[float, int]:
    start, count = time.perf_counter(), 0
    for batch in dataset:
        count += int(batch.shape[0])
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="folder of images (default: write a mixed-size folder)")
    parser.add_argument("--num", type=int, default=1000, help="images to write when --data is not given")
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=5, help="cached epochs to time")
    args = parser.parse_args()
    print(f"CPU: {read_cpu().describe()}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data or write_mixed_folder(Path(scratch) / "images", args.num)
        start = time.perf_counter()
        dataset, scan = folder_dataset(root, resolution=args.resolution, batch_size=args.batch_size)
        scan_seconds = time.perf_counter() - start
        first_seconds, count = time_epoch(dataset)
        cached = [time_epoch(dataset)[0] for _ in range(args.epochs)]
    print(f"images: {count} ({scan.summary()})")
    print(f"scan + validation:         {scan_seconds:7.2f} s  ({count / scan_seconds:8.0f} images/s)")
    print(f"first pass (decode+resize): {first_seconds:6.2f} s  ({count / first_seconds:8.0f} images/s)")
    print(f"first epoch in all:        {scan_seconds + first_seconds:7.2f} s")
    median = statistics.median(cached)
    print(f"cached epoch (median of {args.epochs}): {median:6.3f} s  ({count / median:8.0f} images/s)")
    step = measure(args.resolution, 64, args.batch_size, windows=3, steps=3, precision="float32")["images_per_s"]
    print(f"training step consumes {step:.1f} images/s: cached pipeline {count / median / step:,.0f}x that, "
          f"first pass {count / first_seconds / step:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
