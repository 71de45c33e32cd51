"""PNG files per second written by `generate` from an exported 64x64 generator.

    python benchmarks/generate.py [--num 5000] [--architecture dcgan] [--resolution 64] [--width 64]
                                  [--latent-dim 100] [--batch-size 256] [--precision auto]

Exports an untrained generator of a GAN architecture (paper-sized by default; speed does not
depend on the weights; `benchmarks/diffusion.py` times the diffusion sampler), built in
`--precision` as `fit` builds it (default auto: its layers compute in bfloat16 on CPUs with
AVX-512 BF16 or AMX, so its SavedModel does too), to a temporary folder, then times
`sample_files` end to end: loading the SavedModel, sampling, converting and writing every
PNG (median of 3 runs into fresh folders). The whole command, including starting Python and
importing TensorFlow, is timed once too.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mri_gan  # noqa: F401  (first: its TensorFlow settings apply only before TF is imported)

# isort: split
from mri_gan.models import ARCHITECTURES, architecture
from mri_gan.runs.export import export_generator
from mri_gan.runs.model_source import Sampler, model_source
from mri_gan.runtime.hardware import read_cpu
from mri_gan.runtime.precision import PRECISIONS, choose_precision, dtype_policy
from mri_gan.sampling.files import sample_files
from mri_gan.sampling.latents import latent_vectors


def model_only_seconds(model: Path, num: int, batch_size: int) -> float:
    """Seconds the exported generator needs for `num` images, nothing written."""
    sampler = Sampler(model_source(model))
    sampler.images(latent_vectors(0, batch_size, sampler.latent_dim).numpy())
    start = time.perf_counter()
    for first in range(0, num, batch_size):
        sampler.images(latent_vectors(0, min(batch_size, num - first), sampler.latent_dim, start=first).numpy())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num", type=int, default=5000)
    gan_architectures = [name for name, entry in ARCHITECTURES.items() if entry.family == "gan"]
    parser.add_argument("--architecture", choices=gan_architectures, default="dcgan")
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--precision", choices=PRECISIONS, default="auto", help="as fit --precision (default auto)")
    args = parser.parse_args()
    print(f"CPU: {read_cpu().describe()}", flush=True)
    print(f"{args.architecture} generator, width {args.width}, built in {choose_precision(args.precision).describe()}",
          flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        with dtype_policy(args.precision):
            generator = architecture(args.architecture).build_generator(args.resolution, args.latent_dim, args.width)
        model = export_generator(generator, Path(scratch) / "generator")
        seconds = []
        for run in range(3):
            start = time.perf_counter()
            paths = sample_files(model, args.num, Path(scratch) / f"out{run}", batch_size=args.batch_size, quiet=True)
            seconds.append(time.perf_counter() - start)
            assert len(paths) == args.num and all(path.is_file() for path in paths[-10:])
        median = statistics.median(seconds)
        sampling = model_only_seconds(model, args.num, args.batch_size)
        print(f"generator forward alone: {sampling:.2f} s ({args.num / sampling:,.0f} images/s)")
        print(f"sample_files, {args.num} PNGs at {args.resolution}x{args.resolution}: {median:.2f} s "
              f"({args.num / median:,.0f} files/s; runs {', '.join(f'{s:.2f}' for s in seconds)} s)")  # fmt: skip
        start = time.perf_counter()
        command = [sys.executable, "-m", "mri_gan.generate", "--model", str(model), "--num", str(args.num),
                   "--out", str(Path(scratch) / "cli"), "--quiet"]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        whole = time.perf_counter() - start
        print(f"python -m mri_gan.generate --num {args.num}, start-up included: {whole:.2f} s "
              f"({args.num / whole:,.0f} files/s)")  # fmt: skip


if __name__ == "__main__":
    main()
