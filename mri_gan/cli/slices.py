"""`python -m mri_gan.data.slices`: NIfTI volumes and DICOM series to yes/ and no/ PNG slice folders.

Only gathers options; the work is `mri_gan.data.volumes.extract`.
"""

import argparse
import shutil
import sys
from pathlib import Path

from mri_gan.cli import check_output_folder, command_parser, run_parsed
from mri_gan.cli.flags import add_flags, declared_flags
from mri_gan.errors import ConfigError, DataNotFoundError


def parser() -> argparse.ArgumentParser:
    from mri_gan.config import SCANS, DataConfig

    p = command_parser(
        "mri_gan.data.slices",
        "Slice NIfTI volumes (BraTS-style subject folders too) and DICOM series into PNG "
        "folders: yes/ (tumour in the segmentation) and no/, plus slices.json with hashed subject ids.",
    )
    p.add_argument("--data", type=Path, help="folder of .nii/.nii.gz volumes and/or DICOM files")
    p.add_argument("--out", type=Path, help="new folder for the slices")
    add_flags(p, declared_flags({"data": DataConfig}, group=SCANS), grouped=False, defaults=DataConfig())
    p.add_argument("--clear-cache", action="store_true", help="delete the slices cached by training runs")
    return p


def main(argv=None) -> int:
    return run_parsed(parser(), _slice_volumes, argv)


def _slice_volumes(args: argparse.Namespace) -> int | None:
    from mri_gan.data.volumes.extract import slice_cache_dir, write_slices

    if args.clear_cache:
        shutil.rmtree(slice_cache_dir(), ignore_errors=True)
        print(f"Cleared the slice cache {slice_cache_dir()}")
    if args.data is None:
        if args.clear_cache:
            return 0
        raise ConfigError("--data is required: the folder of volumes or DICOM files to slice.")
    if not args.data.is_dir():
        raise DataNotFoundError(f"--data {args.data} is not a folder. Give the folder that holds the scans.")
    if args.out is None:
        raise ConfigError("--out is required: a new folder for the slices.")
    check_output_folder(args.out)
    if args.out.exists() and any(args.out.iterdir()):
        raise ConfigError(f"--out {args.out} exists and is not empty; give a new folder.")
    export = write_slices(args.data, args.out, slice_options(args))
    print(f"Wrote {export.summary()}")
    return 0


def slice_options(args: argparse.Namespace):
    """The `SliceOptions` the flags ask for, checked as `fit` checks them."""
    from mri_gan.config import SCANS, DataConfig, apply_overrides

    data = DataConfig()
    given = {key: getattr(args, dest) for dest, (_, key, _, _) in declared_flags({"data": DataConfig}, SCANS).items()}
    apply_overrides(data, {key: list(value) if isinstance(value, tuple) else value for key, value in given.items()},
                    "the command line")  # fmt: skip
    return data.slice_options()


if __name__ == "__main__":
    sys.exit(main())
