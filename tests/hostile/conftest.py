"""Helpers of the hostile suite importable as ``builders`` from its test files."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
