"""`python -m mri_gan.evaluate`: the command lives in `mri_gan.cli.evaluate`."""

import sys

from mri_gan.cli.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
