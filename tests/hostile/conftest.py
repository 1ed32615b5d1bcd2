"""The hostile suite: its helpers import as ``builders``; hypothesis keeps its files (the
Unicode tables it caches) in a temp folder, not in the checkout."""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      tempfile.mkdtemp(prefix="kerascourse-hypothesis-"))
