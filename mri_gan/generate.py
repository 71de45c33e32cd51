"""`python -m mri_gan.generate`: the command lives in `mri_gan.cli.generate`."""

import sys

from mri_gan.cli.generate import main

if __name__ == "__main__":
    sys.exit(main())
