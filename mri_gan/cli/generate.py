"""`python -m mri_gan.generate`: PNG files (and latent walks) from a trained generator.

Only gathers options; the images are written by `mri_gan.sampling.files` and
`mri_gan.sampling.walks`. `--model` takes a run folder, its `generator/` or
`best_generator/`, or a `.keras` generator file.
"""

import argparse
import sys
from pathlib import Path

from mri_gan.cli import check_output_folder, command_parser, run_parsed
from mri_gan.errors import ConfigError


def parser() -> argparse.ArgumentParser:
    p = command_parser("mri_gan.generate", "Write generated MR slices as PNG files.")
    p.add_argument("--model", required=True, type=Path,
                   help="runs/NAME, runs/NAME/generator, runs/NAME/best_generator or a .keras generator")  # fmt: skip
    p.add_argument("--num", type=int, help="number of images (required unless --interpolate is given)")
    p.add_argument("--out", required=True, type=Path, help="folder for the PNG files")
    p.add_argument("--seed", type=int, default=0, help="seed of the latent vectors (default 0)")
    p.add_argument("--batch-size", type=int, default=256, help="images per generator call (default 256)")
    p.add_argument("--label", help="class to generate with a conditional generator (e.g. yes); default: every class")
    p.add_argument("--truncation", type=float, default=1.0, metavar="PSI",
                   help="the truncation trick, PSI in (0, 1]: less variety, more typical images; in W for "
                        "StyleGAN2, in z for the others (default 1: off)")  # fmt: skip
    p.add_argument("--grid", action="store_true", help="also write grid.png: 64 images titled with seed and truncation")
    p.add_argument("--interpolate", type=int, default=0, metavar="K",
                   help="write K latent walks as interpolation.gif and interpolation.png (per class)")  # fmt: skip
    p.add_argument("--walk-steps", type=int, default=16, help="images along each latent walk (default 16)")
    p.add_argument("--steps", type=int, help="a diffusion model's DDIM steps per image (default: the run's, "
                   "e.g. 25; fewer is faster and coarser)")  # fmt: skip
    p.add_argument("--guidance", type=float, metavar="SCALE",
                   help="a conditional diffusion model's classifier-free guidance scale (default: the run's; 0: "
                        "unconditional, 1: conditional, above 1: stronger class features, less variety)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="replace generated_*.png files already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv=None) -> int:
    return run_parsed(parser(), _generate, argv)


def _generate(args: argparse.Namespace) -> int | None:
    if args.num is None and not args.interpolate:
        raise ConfigError("give --num (images to write), --interpolate (latent walks), or both")
    if not 0 <= args.seed < 2**63:
        raise ConfigError(f"--seed must be a whole number from 0 to 2**63 - 1, got {args.seed}")
    from mri_gan.sampling.files import sample_files
    from mri_gan.sampling.walks import walk_files

    check_output_folder(args.out)

    if args.num is not None:
        paths = sample_files(args.model, args.num, args.out, args.seed, args.batch_size, args.grid, args.quiet,
                             args.label, args.overwrite, args.truncation, args.steps, args.guidance)  # fmt: skip
        print(f"Wrote {len(paths)} images to {args.out}")
    if args.interpolate:
        walks = walk_files(args.model, args.interpolate, args.walk_steps, args.out, args.seed, args.truncation,
                           args.label, args.steps, args.guidance)  # fmt: skip
        print(f"Wrote {args.interpolate} latent walks of {args.walk_steps} steps: {', '.join(map(str, walks))}")


if __name__ == "__main__":
    sys.exit(main())
