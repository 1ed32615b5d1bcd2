"""``python -m toolkit.submit``: the command's short name; the code is :mod:`toolkit.grading.submit`."""

import sys

from toolkit.cli import run_main
from toolkit.grading.submit import main

if __name__ == "__main__":
    sys.exit(run_main(main))
