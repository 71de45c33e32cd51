"""`python -m mri_gan.detect`: the command lives in `mri_gan.cli.detect`."""

import sys

from mri_gan.cli.detect import main

if __name__ == "__main__":
    sys.exit(main())
