"""Helpers for the tests that run a whole lab from its command line and read the record."""

from __future__ import annotations

from pathlib import Path

from toolkit.cli import run_main
from toolkit.runs import list_runs, read_record


def only_run(lab_id: str, out: Path | str) -> Path:
    """The one run folder of ``lab_id`` under ``out`` (finished or not): fails if there are
    several or none. The callbacks' ``.backup`` folder holds no record, so it is not a run."""
    (run_dir,) = list_runs(lab_id, out, complete_only=False)
    return run_dir


def run_lab(lab, argv: list[str]) -> dict:
    """Run ``lab.main(argv)`` (exit code 0 expected) and return its record, with ``_dir`` set
    to the run folder. ``argv`` must hold ``--out``."""
    assert run_main(lab.main, argv) == 0
    run_dir = only_run(lab.LAB_ID, argv[argv.index("--out") + 1])
    record = read_record(run_dir)
    record["_dir"] = run_dir
    return record
