"""``python -m toolkit.grade``: the command's short name; the code is :mod:`toolkit.grading.grade`."""

import sys

from toolkit.grading.grade import main

if __name__ == "__main__":
    sys.exit(main())
