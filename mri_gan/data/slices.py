"""`python -m mri_gan.data.slices`: the command lives in `mri_gan.cli.slices`."""

import sys

from mri_gan.cli.slices import main

if __name__ == "__main__":
    sys.exit(main())
