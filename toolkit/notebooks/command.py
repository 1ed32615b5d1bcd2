"""``python -m labs notebook [LAB...] [--out DIR] [--execute]``: write (and run) lab notebooks.

Examples:
    python -m labs notebook                         # all six labs into notebooks/
    python -m labs notebook 3 lab05 --out my-notebooks
    python -m labs notebook 2 --execute             # write, run (quick) and save with outputs
    python -m labs notebook 1 --set WEIGHTS=none    # change a variable's starting value
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from toolkit.errors import CourseError
from toolkit.notebooks.build import (
    DEFAULT_OUT,
    PLACEHOLDER_REPO,
    resolve_lab,
    syllabus_labs,
    write_notebook,
)
from toolkit.notebooks.runtime import execute_notebook


def parse_value(text: str) -> Any:
    """``3`` -> 3, ``[0.1, 0.5]`` -> list, ``none`` -> "none": Python literals, else text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def starting_values(pairs: Iterable[str]) -> dict[str, Any]:
    """``--set NAME=VALUE`` pairs as ``{"NAME": value}``."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CourseError(f"--set {pair!r} is not NAME=VALUE", fix="e.g. --set EPOCHS=3")
        values[name.strip().upper()] = parse_value(value.strip())
    return values


def main(argv: list[str] | None, load_lab: Callable[[str], ModuleType],
         check_notebook: Callable[[Path], Any] | None = None) -> int:
    """``python -m labs notebook``: ``load_lab(lab_id)`` returns the lab's lesson module;
    ``check_notebook(path)`` (the grader's check) judges an executed notebook's saved outputs."""
    parser = argparse.ArgumentParser(
        prog="python -m labs notebook",
        description="Write labs as Jupyter/Colab notebooks that hold the lesson's own code, "
                    "one cell per step; optionally run them and save the outputs.")
    parser.add_argument("labs", nargs="*", metavar="LAB",
                        help="labs by number or id (default: all six)")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"folder for the .ipynb files (default {DEFAULT_OUT}/)")
    parser.add_argument("--full", action="store_true",
                        help="start with QUICK = False (default: QUICK = True)")
    parser.add_argument("--repo", default=os.environ.get("KERASCOURSE_REPO", PLACEHOLDER_REPO),
                        help="git URL a fresh Colab runtime clones the course from "
                             "(default $KERASCOURSE_REPO, else a placeholder)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="starting value of a settings variable, e.g. --set EPOCHS=3 "
                             "(repeatable; a Python literal or text)")
    parser.add_argument("--execute", action="store_true",
                        help="run each notebook top to bottom (nbclient + ipykernel) and save "
                             "it with its outputs; the run folders go under --out")
    parser.add_argument("--timeout", type=int, default=600,
                        help="with --execute: seconds one cell may take (default 600)")
    args = parser.parse_args(argv)
    values = starting_values(args.set)
    lab_ids = ([resolve_lab(name) for name in args.labs] if args.labs
               else [lab["id"] for lab in syllabus_labs()])
    failures = []
    for lab_id in lab_ids:
        try:
            # With several labs, a --set applies to the labs that have that variable.
            path = write_notebook(load_lab(lab_id), args.out, quick=not args.full, repo=args.repo,
                                  values=values, strict_values=len(lab_ids) == 1)
        except CourseError as error:
            failures.append(f"{lab_id}: {error.message}")
            print(f"error: {error.message}", file=sys.stderr)
            continue
        print(f"wrote {path}")
        if args.execute:
            failures += execute_and_report(path, args.timeout, check_notebook)
    if failures:
        print(f"{len(failures)} of {len(lab_ids)} notebook(s) failed:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 2
    return 0


def execute_and_report(path: Path, timeout: int,
                       check_notebook: Callable[[Path], Any] | None) -> list[str]:
    """Run one written notebook, print how it went; the failures as lines."""
    from nbclient.exceptions import CellExecutionError

    try:
        _, seconds = execute_notebook(path, timeout=timeout)
    except CellExecutionError as error:
        last = str(error).strip().splitlines()[-1] if str(error).strip() else "cell failed"
        print(f"  FAILED {path}: {last} (the saved notebook shows the traceback)",
              file=sys.stderr)
        return [f"{path.name}: {last}"]
    if check_notebook is None:
        print(f"  ran {path} in {seconds:.1f} s")
        return []
    check = check_notebook(path)
    print(f"  ran {path} in {seconds:.1f} s; {check.summary()}")
    return [] if check.ok else [f"{path.name}: " + "; ".join(map(str, check.problems))]
