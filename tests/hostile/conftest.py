"""The hostile suite: its helpers import as ``builders``; hypothesis keeps its files (the
Unicode tables it caches) in a temp folder, not in the checkout, and the folder goes when
the run ends."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
    _storage = tempfile.mkdtemp(prefix="kerascourse-hypothesis-")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = _storage
    atexit.register(shutil.rmtree, _storage, ignore_errors=True)
