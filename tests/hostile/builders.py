"""Small hostile inputs, built on the spot: no file of the suite is a fixture on disk."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from toolkit.grading.samples import shared_stream_pdf, synthetic_record, write_run_folder

__all__ = ["REPORT", "files_outside", "hashes", "report_student", "run_student",
           "shared_stream_pdf", "write_record"]

REPORT = """# Results
Accuracy was 91.2% on the test split, against 87.6% published.

## Hypothesis
My hypothesis is that shirts and coats are confused because their silhouettes look alike
at 28x28 pixels; I would test it by comparing per-class error rates.
"""


@contextlib.contextmanager
def encoder_switched_off():
    """Grade with the rules only (fast, the same paths for every name), then put back both the
    switch and this process's encoder state: the grader caches "unavailable" for the process,
    and a later test in the same process must find the encoder again."""
    from toolkit.grading import sentence_encoder

    switch = sentence_encoder.OFF_SWITCH
    saved_switch = os.environ.get(switch)
    saved_state = sentence_encoder._process_encoder, sentence_encoder._process_state
    os.environ[switch] = "off"
    try:
        yield
    finally:
        if saved_switch is None:
            os.environ.pop(switch, None)
        else:
            os.environ[switch] = saved_switch
        sentence_encoder._process_encoder, sentence_encoder._process_state = saved_state


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every regular file under ``folder`` (links and pipes by their kind)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_fifo():
            found[key] = "fifo"
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "dir"
    return found


def files_outside(root: Path, allowed: list[Path]) -> list[Path]:
    """Files under ``root`` that are in none of the ``allowed`` folders."""
    allowed = [a.resolve() for a in allowed]
    return [p for p in root.rglob("*") if p.is_file() and not any(
        p.resolve().is_relative_to(a) for a in allowed)]


def report_student(folder: Path, text: str = REPORT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.md").write_text(text, encoding="utf-8")
    return folder


def run_student(folder: Path, record: dict | None = None) -> Path:
    """A student folder holding one lab-written run folder."""
    return write_run_folder(folder / "lab03_cnn_mnist" / "20261123-101500",
                            record or synthetic_record(1))


def write_record(run_dir: Path, record: dict) -> None:
    (run_dir / "record.json").write_text(json.dumps(record), encoding="utf-8")
