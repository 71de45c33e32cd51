"""`python -m mri_gan.fit`: the command lives in `mri_gan.cli.fit`."""

import sys

from mri_gan.cli.fit import main

if __name__ == "__main__":
    sys.exit(main())
