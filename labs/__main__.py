"""The course map: ``python -m labs``.

Lists the six labs in order with their objectives and says which lab is next and the
command that runs it. A lab is done [x] when it has a complete full run under ``--out``
(default ``runs/``) or ``notebooks/runs/`` (where the notebooks write theirs); tried [~] when
its only runs are ``--quick`` ones or lab 1 with random weights (``--weights none``). Each lab
shows its latest score, the metric it compares with the published reference.

``python -m labs compare RUN...`` puts past runs side by side (:mod:`toolkit.run_comparison`).
``python -m labs notebook [LAB...] [--out DIR]`` writes the labs as Jupyter/Colab
notebooks instead, built from each lab's lesson (see :mod:`toolkit.notebooks`). The labs'
speed next to reference recipes is a benchmark: ``python benchmarks/lab_speed.py --quick``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

from toolkit.cli import SuggestingParser
from toolkit.errors import CourseError
from toolkit.record import RecordError, read_checked_record
from toolkit.resources import load_syllabus
from toolkit.runs import list_runs
from toolkit.safe_text import for_terminal

# Notebooks (``python -m labs notebook``, written to notebooks/) run in their own folder, so
# the runs made from them land in notebooks/runs/: the course map counts them too.
NOTEBOOK_RUNS = Path("notebooks") / "runs"


def load_lab(name: str) -> ModuleType:
    """The lesson module of a lab named as a student types it (``3``, ``lab03``,
    ``lab03_cnn_mnist``): ``labs.lab03_cnn_mnist.lesson``, what its notebook is built from."""
    from labs.command_line import quiet_backend_logs, startup_notes_dropped
    from toolkit.notebooks import resolve_lab

    lab_id = resolve_lab(name)
    quiet_backend_logs()  # the lesson loads Keras: no TensorFlow start-up notes on the screen
    try:
        with startup_notes_dropped():
            return importlib.import_module(f"labs.{lab_id}.lesson")
    except ModuleNotFoundError as error:
        if error.name not in (f"labs.{lab_id}", f"labs.{lab_id}.lesson"):
            raise
        raise CourseError(f"labs/{lab_id}/lesson.py does not exist",
                          why="a lab is a package whose lesson.py holds the lesson",
                          fix="write the lab's lesson first (or update the course package)"
                          ) from None


def trial_reason(record: dict) -> str | None:
    """Why a complete run only *tried* the lab (``"--quick"``, ``"random weights"``), or
    ``None`` for a real run. A quick run trains on a small subset for an epoch or two, and lab 1
    with ``--weights none`` predicts with random weights: both check the code, neither is the
    lab's result."""
    if record.get("quick") is True:
        return "--quick"
    weights = (record.get("hyperparameters") or {}).get("weights")
    if isinstance(weights, str) and weights.strip().lower() == "none":
        return "random weights"
    return None


def lead_metric(record: dict) -> tuple[str, float] | None:
    """The score a run leads with: the metric its lab compares with the published reference
    (accuracy in every lab), as measured. ``None`` when the run measured none (lab 1 on photos
    without ``--labels`` or ``--transfer`` only predicts)."""
    reference = record.get("reference") or {}
    name = reference.get("metric") if isinstance(reference.get("metric"), str) else "accuracy"
    value = (record.get("metrics") or {}).get(name, reference.get("measured"))
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        return None
    return name, float(value)


def read_runs(lab_id: str, folders: list[Path]) -> list[tuple[Path, dict]]:
    """The complete runs of ``lab_id`` in every folder of ``folders``, oldest first, with their
    records (a run folder may come from anywhere: unreadable ones are left out)."""
    runs = []
    for folder in dict.fromkeys(folders):  # each folder once
        for run_dir in list_runs(lab_id, folder):
            try:
                runs.append((run_dir, read_checked_record(run_dir)[0]))
            except RecordError:
                continue
    return sorted(runs, key=lambda run: run[0].name)  # folder names are timestamps


def lab_status(lab: dict, folders: list[Path]) -> dict:
    """Where a student stands with one lab: ``done`` (a complete full run), ``tried`` (only
    quick or random-weight runs), the run counts, and the latest run and score that count
    (the latest full run's, else the latest trial's)."""
    runs = read_runs(lab["id"], folders)
    full = [(run_dir, record) for run_dir, record in runs if trial_reason(record) is None]
    latest = full[-1] if full else (runs[-1] if runs else None)
    return {"done": bool(full), "tried": bool(runs) and not full, "runs": len(runs),
            "trials": len(runs) - len(full),
            "last_run": str(latest[0]) if latest else None,
            "last_trial_reason": trial_reason(latest[1]) if latest else None,
            "last_metric": lead_metric(latest[1]) if latest else None,
            "available": importlib.util.find_spec(f"labs.{lab['id']}") is not None}


def status_note(status: dict) -> str:
    """``(2 run(s), 1 of them quick or random-weight; last full run: accuracy 91.23%)``."""
    if not status["runs"]:
        return ""
    note = f"{status['runs']} run(s)"
    if status["trials"]:
        note += f", {status['trials']} of them quick or random-weight"
    last = "last full run" if status["done"] else f"last try ({status['last_trial_reason']})"
    if status["last_metric"]:
        name, value = status["last_metric"]
        note += f"; {last}: {name.replace('_', ' ')} {100 * value:.2f}%"
    else:
        note += f"; {last}: no score measured"
    return f"  ({note})"


def course_map(out: Path, notebook_runs: Path | None = NOTEBOOK_RUNS) -> str:
    """The course map of the runs under ``out`` and ``notebook_runs`` (the notebooks' runs)."""
    folders = [Path(out)] + ([Path(notebook_runs)] if notebook_runs else [])
    lines = ["kerascourse: six labs, run them in order.",
             "[x] done  [~] tried (--quick or random weights only)  [ ] not run yet", ""]
    next_lab = None
    for number, lab in enumerate(load_syllabus(), 1):
        status = lab_status(lab, folders)
        mark = "[x]" if status["done"] else "[~]" if status["tried"] else "[ ]"
        if not status["done"]:
            next_lab = next_lab or (lab, status)
        extra = status_note(status)
        if not status["available"]:
            extra += "  (not installed in this version)"
        lines.append(f"{mark} {number}. {lab['title']}{extra}")
        lines.append(f"      python -m labs.{lab['id']}")
        lines += [f"      - {objective}" for objective in lab["objectives"]]
        lines.append(f"      reference: {lab['reference']}")
        lines.append("")
    if next_lab is None:
        lines.append("All six labs have a complete run. Package your reports with "
                     "python -m toolkit.submit.")
    elif next_lab[1]["tried"]:
        lines.append(f"Next: python -m labs.{next_lab[0]['id']}   (you tried it; this is the "
                     f"full run, the one your report is about)")
    else:
        lines.append(f"Next: python -m labs.{next_lab[0]['id']}   (add --quick for a "
                     f"one-minute check first)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["notebook"]:
        from toolkit.cli import run_main
        from toolkit.grading.notebook_check import check_notebook
        from toolkit.notebooks import main as notebook_main

        return run_main(lambda args: notebook_main(args, load_lab, check_notebook), argv[1:])
    if argv[:1] == ["compare"]:  # past runs of any lab side by side
        from toolkit.run_comparison import command

        return command(argv[1:])
    if argv[:1] == ["bench"]:  # its former home: say where it went
        print("error: the labs' speed benchmark is a script of benchmarks/ now: "
              "python benchmarks/lab_speed.py --quick (--help for its options)", file=sys.stderr)
        return 2
    parser = SuggestingParser(
        prog="python -m labs",
        description="The course map: the six labs in order, which are done and which is next.",
        epilog="python -m labs notebook --help: write the labs as Jupyter/Colab notebooks. "
               "python -m labs compare RUN...: past runs side by side.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs", help="folder holding your run folders "
                                                      "(default runs/)")
    parser.add_argument("--notebook-runs", default=str(NOTEBOOK_RUNS),
                        help=f"folder holding the runs made from the notebooks (default "
                             f"{NOTEBOOK_RUNS}/)")
    args = parser.parse_args(argv)
    # What the map quotes from run records may come from elsewhere: shown, never obeyed.
    print(for_terminal(course_map(Path(args.out), Path(args.notebook_runs))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
