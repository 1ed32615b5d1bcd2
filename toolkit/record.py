"""``record.json``: how a run's record is written and read back.

The one place that knows the file's name, its schema version and how it reaches the disk:
atomically (a temp file in the same folder, then a rename), so an interrupted run never
leaves half a record. :mod:`toolkit.runs` builds records, :mod:`toolkit.reflection` and the
grader read them; both import this module and neither imports the other's reader.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.safe_files import read_regular_file, replace_file

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
    """Write ``data`` as JSON through a temp file in the same folder, then rename (never
    through a link: see :func:`toolkit.safe_files.replace_file`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_to_json(data), indent=2, ensure_ascii=False) + "\n"
    return replace_file(path, text)


def read_record(run_dir: Path | str) -> dict:
    """Load ``record.json`` from a run folder."""
    with open(Path(run_dir) / RECORD_NAME, encoding="utf-8") as stream:
        return json.load(stream)


# --- records of unknown origin -----------------------------------------------------------
#
# A run folder may come from anywhere (a student's zip unzipped by an instructor, a hand
# edit). Everything that reads such a record -- the reflection draft, toolkit.submit, the
# grader, the course map -- reads it through :func:`check_record`: each field is checked
# against the type the toolkit writes, and a field of the wrong type is left out and named
# in a problem line, so one bad value never stops the rest.

MAX_RECORD_BYTES = 20 * 2**20
MAX_STRING = 10_000      # characters in one string field
MAX_DEPTH = 32           # nesting of free-form sections (results, hyperparameters)
MAX_INTEGER = 2**63      # beyond a 64-bit integer, a number is no measurement

_STR, _INT, _NUM, _BOOL, _ANY = "text", "whole number", "number", "true/false", "any"


def _list(item):
    return ("list", item)


def _table(fields: dict | None = None, rest=_ANY):
    return ("table", fields or {}, rest)


# What the toolkit writes (toolkit.runs); keys not named here are free-form (_ANY).
RECORD_SCHEMA = _table({
    "schema_version": _INT, "lab": "lab id", "title": _STR, "task": _STR, "status": _STR,
    "started_at": _STR, "finished_at": _STR, "command": _list(_STR), "seed": _INT,
    "quick": _BOOL, "warnings": _list(_STR), "references": _list(_STR),
    "environment": _table({"backend": _STR, "python": _STR, "versions": _table(rest=_STR),
                           "hardware": _table({"device": _STR, "cpu_cores": _INT,
                                               "ram_gb": _NUM})}),
    "hyperparameters": _table(),
    "dataset": _table({"name": _STR, "title": _STR, "citation": _STR,
                       "splits": _table(rest=_INT), "classes": _list(_ANY)}),
    "model": _table({"name": _STR, "citation": _STR, "parameters": _table(rest=_INT)}),
    "history": _list(_table()),
    "training": _table({"time_s": _NUM, "epochs_run": _INT, "samples_per_s": _NUM,
                        "best_epoch": _INT, "monitor": _STR, "stopped_early": _BOOL}),
    "inference": _table({"batch_size": _INT, "latency_ms_per_sample": _NUM,
                         "throughput_samples_per_s": _NUM}),
    "metrics": _table({"accuracy": _NUM, "macro_precision": _NUM, "macro_recall": _NUM,
                       "macro_f1": _NUM, "split": _STR}),
    "reference": _table({"value": _NUM, "measured": _NUM, "difference": _NUM,
                         "metric": _STR, "split": _STR, "citation": _STR, "note": _STR}),
    "misclassified": _list(_table({"confidence": _NUM, "loss": _NUM})),
    "figures": _table(rest="file name"),
    "results": _table(),
})


class RecordError(ValueError):
    """A record that cannot be used at all (missing, unreadable, not a JSON object)."""


@functools.lru_cache(maxsize=1)
def known_lab_ids() -> frozenset[str]:
    """The lab ids of the course's syllabus: the only values ``record["lab"]`` may take."""
    from toolkit.resources import load_syllabus

    return frozenset(str(lab.get("id")) for lab in load_syllabus())


def _finite_number(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return abs(value) < MAX_INTEGER
    return math.isfinite(value)


def _leaf_problem(value, kind: str) -> str | None:
    """Why ``value`` is not a valid ``kind`` (``None`` when it is)."""
    if value is None:
        return None  # the toolkit writes None for "not measured" (and for NaN)
    if kind in (_STR, "lab id", "file name"):
        if not isinstance(value, str):
            return "expected text"
        if len(value) > MAX_STRING:
            return f"text longer than {MAX_STRING:,} characters"
        if kind == "lab id" and value not in known_lab_ids():
            return "not a lab of this course (expected e.g. lab03_cnn_mnist)"
        if kind == "file name" and (not value or "/" in value or "\\" in value
                                    or value in (".", "..") or "\x00" in value):
            return "expected a file name in the run folder (no folders)"
        return None
    if kind == _BOOL:
        return None if isinstance(value, bool) else "expected true or false"
    if kind == _INT:
        return None if _finite_number(value) and isinstance(value, int) else "expected a whole number"
    if kind == _NUM:
        return None if _finite_number(value) else "expected a finite number"
    return None


def _free_form(value, where: str, problems: list[str], depth: int = 0):
    """A free-form JSON value with the unusable parts (huge or non-finite numbers, very long
    strings, deep nesting) left out; ``_DROP`` when the value itself is unusable."""
    if depth > MAX_DEPTH:
        problems.append(f"{where}: nested more than {MAX_DEPTH} levels deep: left out")
        return _DROP
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            checked = _free_form(item, f"{where}.{_name(key)}", problems, depth + 1)
            if checked is not _DROP:
                kept[key] = checked
        return kept
    if isinstance(value, list):
        kept_items = []
        for index, item in enumerate(value):
            checked = _free_form(item, f"{where}[{index}]", problems, depth + 1)
            if checked is not _DROP:
                kept_items.append(checked)
        return kept_items
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and not _finite_number(value):
        problems.append(f"{where} = {_short(value)}: not a finite number of usable size: "
                        f"left out")
        return _DROP
    if isinstance(value, str) and len(value) > MAX_STRING:
        problems.append(f"{where}: text longer than {MAX_STRING:,} characters: left out")
        return _DROP
    return value


_DROP = object()


def _short(value) -> str:
    from toolkit.safe_text import short_repr

    return short_repr(value)


def _name(key: str) -> str:
    """A key as it can be shown in one line of a problem report."""
    from toolkit.safe_text import for_terminal

    text = for_terminal(key, keep_newlines=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(value, spec, where: str, problems: list[str], depth: int = 0):
    if isinstance(spec, str):
        if spec == _ANY:
            return _free_form(value, where, problems, depth)
        why = _leaf_problem(value, spec)
        if why:
            problems.append(f"{where} = {_short(value)}: {why}: left out")
            return _DROP
        return value
    kind = spec[0]
    if value is None:
        return value
    if kind == "list":
        if not isinstance(value, list):
            problems.append(f"{where} = {_short(value)}: expected a list: left out")
            return _DROP
        kept = [_check(item, spec[1], f"{where}[{i}]", problems, depth + 1)
                for i, item in enumerate(value)]
        return [item for item in kept if item is not _DROP]
    fields, rest = spec[1], spec[2]
    if not isinstance(value, dict):
        problems.append(f"{where} = {_short(value)}: expected a table ({{...}}): left out")
        return _DROP
    kept = {}
    for key, item in value.items():
        checked = _check(item, fields.get(key, rest),
                         f"{where}.{_name(key)}" if where else _name(key), problems, depth + 1)
        if checked is not _DROP:
            kept[key] = checked
    return kept


def check_record(raw, source: str = RECORD_NAME) -> tuple[dict, list[str]]:
    """A record of unknown origin checked field by field against :data:`RECORD_SCHEMA`.

    Returns the record without its invalid fields, and one line per field left out
    (``record.json: training.time_s = 'fast': expected a finite number: left out``).
    Raises :class:`RecordError` when ``raw`` is not a JSON object at all.
    """
    if not isinstance(raw, dict):
        raise RecordError(f"{source} is not a run record (a JSON object)")
    problems: list[str] = []
    record = _check(raw, RECORD_SCHEMA, "", problems)
    return record, [f"{source}: {problem}" for problem in problems]


def parse_record(data: bytes, source: str = RECORD_NAME) -> tuple[dict, list[str]]:
    """:func:`check_record` of the bytes of a ``record.json``."""
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(f"{source} is larger than {MAX_RECORD_BYTES:,} bytes")
    try:
        raw = json.loads(data.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as error:  # ValueError: also a too-long integer
        raise RecordError(f"{source} is not valid JSON ({str(error)[:80]})") from None
    return check_record(raw, source)


def read_checked_record(run_dir: Path | str) -> tuple[dict, list[str]]:
    """Read a run folder's ``record.json`` of unknown origin: ``(record, problems)``.

    Only a regular file is read (a link, a folder or a named pipe named ``record.json`` is
    refused); raises :class:`RecordError` when there is no usable record.
    """
    path = Path(run_dir) / RECORD_NAME
    try:
        data = read_regular_file(path, MAX_RECORD_BYTES + 1)
    except OSError as error:
        raise RecordError(f"{path} cannot be read ({error.strerror or error})") from None
    return parse_record(data, str(path))
