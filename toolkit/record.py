"""``record.json``: how a run's record is written and read back.

The one place that knows the file's name, its schema version and how it reaches the disk:
atomically (a temp file in the same folder, then a rename), so an interrupted run never
leaves half a record. :mod:`toolkit.runs` builds records, :mod:`toolkit.reflection` and the
grader read them; both import this module and neither imports the other's reader.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_VERSION = 1
RECORD_NAME = "record.json"


def _to_json(value: Any) -> Any:
    """NumPy scalars/arrays and Paths -> plain JSON; NaN/inf -> None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return _to_json(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json_atomic(path: Path | str, data: Any) -> Path:
    """Write ``data`` as JSON through a temp file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(_to_json(data), stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        # mkstemp creates the file readable by its owner only; a record is meant to be shared
        # (submitted, graded), so give it the permissions a plain open() would have given.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_record(run_dir: Path | str) -> dict:
    """Load ``record.json`` from a run folder."""
    with open(Path(run_dir) / RECORD_NAME, encoding="utf-8") as stream:
        return json.load(stream)
