"""Time of each evaluation measure (all but FID/KID) on 2,000 real and 2,000 generated 64x64 images.

    python benchmarks/metrics.py [--num 2000] [--resolution 64]

"Real" images are built-in phantom slices; "generated" ones are the same slices blurred
and noised, so the measures have something to find. Prints seconds per measure.
"""

import argparse
import time

import numpy as np
from PIL import Image
from scipy import ndimage

from mri_gan.data import render_slice
from mri_gan.metrics import ms_ssim_diversity, nearest_training_images, sliced_wasserstein
from mri_gan.runtime.hardware import read_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num", type=int, default=2000)
    parser.add_argument("--resolution", type=int, default=64)
    args = parser.parse_args()
    print(f"CPU: {read_cpu().describe()}", flush=True)
    size = args.resolution
    slices = [np.asarray(Image.fromarray(render_slice(0, i, i % 2 == 0, 128).image).resize((size, size)))
              for i in range(2 * args.num)]  # fmt: skip
    stack = np.stack(slices)[..., None]
    real, other = stack[: args.num], stack[args.num :]
    rng = np.random.default_rng(0)
    fake = np.clip(ndimage.gaussian_filter(other, (0, 0.8, 0.8, 0)) + rng.normal(0, 6, other.shape), 0, 255)
    fake = fake.astype(np.uint8)
    timings = {}
    start = time.perf_counter()
    sliced_wasserstein(real[: args.num // 2], fake[: args.num // 2])
    sliced_wasserstein(real[: args.num // 2], real[args.num // 2 :])
    timings["SWD (generated vs real half, real half vs real half)"] = time.perf_counter() - start
    start = time.perf_counter()
    ms_ssim_diversity(real, fake)
    timings["MS-SSIM diversity (1,000 pairs per set)"] = time.perf_counter() - start
    start = time.perf_counter()
    nearest_training_images(fake, real)
    timings["novelty (nearest of 2,000 in 2,000, leave-one-out, SSIM)"] = time.perf_counter() - start
    for name, seconds in timings.items():
        print(f"{name:<60} {seconds:6.2f} s")
    print(f"{'all':<60} {sum(timings.values()):6.2f} s")


if __name__ == "__main__":
    main()
