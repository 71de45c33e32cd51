"""`python -m mri_gan.data.phantom`: write the built-in dataset as PNG folders, or say where it is."""

import sys
from pathlib import Path

from mri_gan.cli import command_parser
from mri_gan.data.phantom import write_phantom_dataset


def main(argv=None) -> int:
    parser = command_parser(
        "mri_gan.data.phantom",
        "Write the built-in synthetic brain MR dataset as PNG files in yes/ and no/ subfolders, or print the "
        "folder that fit's no-argument run trains on (--where).",
    )
    parser.add_argument("--out", type=Path, help="folder to create (must not exist)")
    parser.add_argument("--where", action="store_true",
                        help="print the built-in dataset's folder (rendered first if needed) and exit")  # fmt: skip
    parser.add_argument("--num", type=int, default=1000, help="number of images (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--resolution", "--size", dest="size", type=int, default=256,
                        help="side of the PNG files in pixels (default 256)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.where:
        from mri_gan.data.builtin import default_dataset_dir

        print(default_dataset_dir())
        return 0
    if args.out is None:
        parser.error("give --out (a new folder to write the images into), or --where")
    if args.size < 32:
        parser.error(f"--resolution must be at least 32, got {args.size}")
    if args.out.exists():
        parser.error(f"--out {args.out} already exists; choose a new folder")
    try:
        out = write_phantom_dataset(args.out, args.num, args.seed, args.size)
    except ValueError as error:
        parser.error(str(error))
    print(f"Wrote {args.num} images to {out}/yes and {out}/no")
    return 0


if __name__ == "__main__":
    sys.exit(main())
