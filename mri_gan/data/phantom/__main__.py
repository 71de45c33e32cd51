"""`python -m mri_gan.data.phantom`: the command lives in `mri_gan.cli.phantom`."""

import sys

from mri_gan.cli.phantom import main

if __name__ == "__main__":
    sys.exit(main())
