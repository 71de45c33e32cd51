"""`python -m mri_gan.data.slices`: NIfTI volumes and DICOM series to yes/ and no/ PNG slice folders.

Only gathers options; the work is `mri_gan.data.volumes.extract`.
"""

import argparse
import shutil
import sys
from pathlib import Path

from mri_gan.cli import check_output_folder, command_parser, configure_logging, run_command
from mri_gan.errors import ConfigError, DataNotFoundError


def parser() -> argparse.ArgumentParser:
    from mri_gan.data.volumes.slicing import PLANES
    from mri_gan.data.volumes.sources import MODALITY_ALIASES

    p = command_parser(
        "mri_gan.data.slices",
        "Slice NIfTI volumes (BraTS-style subject folders too) and DICOM series into PNG "
        "folders: yes/ (tumour in the segmentation) and no/, plus slices.json with hashed subject ids.",
    )
    p.add_argument("--data", type=Path, help="folder of .nii/.nii.gz volumes and/or DICOM files")
    p.add_argument("--out", type=Path, help="new folder for the slices")
    p.add_argument("--plane", choices=tuple(PLANES), default="axial")
    p.add_argument("--modality", choices=tuple(MODALITY_ALIASES), default="t1ce", help="sequence of BraTS folders")
    p.add_argument("--min-tumour-area", type=int, default=20, metavar="PIXELS", help="mask pixels for a yes slice")
    p.add_argument("--min-foreground", type=float, default=0.10, metavar="SHARE", help="least share of head")
    p.add_argument("--window", type=float, nargs=2, default=(0.5, 99.5), metavar=("LOW", "HIGH"),
                   help="per-volume intensity percentiles mapped to 0-255")  # fmt: skip
    p.add_argument("--dicom-window", action="store_true", help="DICOM: the series' own window instead")
    p.add_argument("--clear-cache", action="store_true", help="delete the slices cached by training runs")
    return p


def main(argv=None) -> int:
    command = parser()
    args = command.parse_args(argv)
    configure_logging()

    def body():
        from mri_gan.data.volumes.extract import slice_cache_dir, write_slices
        from mri_gan.data.volumes.slicing import SliceOptions

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
        try:
            options = SliceOptions(args.plane, args.modality, args.min_tumour_area, args.min_foreground,
                                   tuple(args.window), args.dicom_window).validate()  # fmt: skip
        except ValueError as error:
            raise ConfigError(str(error)) from error
        export = write_slices(args.data, args.out, options)
        print(f"Wrote {export.summary()}")
        return 0

    return run_command(body, command.prog)


if __name__ == "__main__":
    sys.exit(main())
