"""`python -m mri_gan.utility`: the command lives in `mri_gan.cli.utility`."""

import sys

from mri_gan.cli.utility import main

if __name__ == "__main__":
    sys.exit(main())
