"""The course map: ``python -m labs``.

Lists the six labs in order with their objectives, marks the ones that have a complete
run folder under ``--out`` (default ``runs/``) as done, and says which lab is next and
the command that runs it.

``python -m labs notebook [LAB...] [--out DIR]`` writes the labs as Jupyter/Colab
notebooks instead, built from each lab's lesson (see :mod:`toolkit.notebooks`);
``python -m labs bench`` measures the labs' speed next to reference recipes (see
:mod:`labs.bench`).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from toolkit.errors import CourseError
from toolkit.record import RecordError, read_checked_record
from toolkit.resources import load_syllabus
from toolkit.runs import list_runs


def load_lab(name: str) -> ModuleType:
    """The lesson module of a lab named as a student types it (``3``, ``lab03``,
    ``lab03_cnn_mnist``): ``labs.lab03_cnn_mnist.lesson``, what its notebook is built from."""
    from toolkit.notebooks import resolve_lab

    lab_id = resolve_lab(name)
    try:
        return importlib.import_module(f"labs.{lab_id}.lesson")
    except ModuleNotFoundError as error:
        if error.name not in (f"labs.{lab_id}", f"labs.{lab_id}.lesson"):
            raise
        raise CourseError(f"labs/{lab_id}/lesson.py does not exist",
                          why="a lab is a package whose lesson.py holds the lesson",
                          fix="write the lab's lesson first (or update the course package)"
                          ) from None


def lab_status(lab: dict, out: Path) -> dict:
    """``{"done", "runs", "last_run", "last_accuracy", "available"}`` for one lab."""
    runs = list_runs(lab["id"], out)
    last = runs[-1] if runs else None
    accuracy = None
    if last:  # a run folder may come from anywhere: invalid fields are left out
        try:
            accuracy = (read_checked_record(last)[0].get("metrics") or {}).get("accuracy")
        except RecordError:
            accuracy = None
    available = importlib.util.find_spec(f"labs.{lab['id']}") is not None
    return {"done": bool(runs), "runs": len(runs), "last_run": str(last) if last else None,
            "last_accuracy": accuracy, "available": available}


def course_map(out: Path) -> str:
    labs = load_syllabus()
    lines = ["kerascourse: six labs, run them in order.", ""]
    next_lab = None
    for number, lab in enumerate(labs, 1):
        status = lab_status(lab, out)
        if status["done"]:
            mark = "[x]"
        else:
            mark = "[ ]"
            next_lab = next_lab or lab
        extra = ""
        if status["done"]:
            extra = f"  ({status['runs']} run(s)"
            if status["last_accuracy"] is not None:
                extra += f", last accuracy {100 * status['last_accuracy']:.2f}%"
            extra += ")"
        if not status["available"]:
            extra += "  (not installed in this version)"
        lines.append(f"{mark} {number}. {lab['title']}{extra}")
        lines.append(f"      python -m labs.{lab['id']}")
        lines += [f"      - {objective}" for objective in lab["objectives"]]
        lines.append(f"      reference: {lab['reference']}")
        lines.append("")
    if next_lab:
        lines.append(f"Next: python -m labs.{next_lab['id']}   (add --quick for a one-minute "
                     f"check first)")
    else:
        lines.append("All six labs have a complete run. Package your reports with "
                     "python -m toolkit.submit.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["notebook"]:
        from toolkit.cli import run_main
        from toolkit.grading.notebook_check import check_notebook
        from toolkit.notebooks import main as notebook_main

        return run_main(lambda args: notebook_main(args, load_lab, check_notebook), argv[1:])
    if argv[:1] == ["bench"]:
        from labs.bench import main as bench_main
        from toolkit.cli import run_main

        return run_main(bench_main, argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m labs",
        description="The course map: the six labs in order, which are done and which is next.",
        epilog="python -m labs notebook --help: write the labs as Jupyter/Colab notebooks.\n"
               "python -m labs bench --help: the labs' speed next to reference recipes.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs", help="folder holding your run folders "
                                                      "(default runs/)")
    args = parser.parse_args(argv)
    print(course_map(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
