"""Mutation testing of the modules that guard data and grades: do their tests notice a change?

    python benchmarks/mutation.py                      # every module below, one after another
    python benchmarks/mutation.py safe_text metrics    # some of them
    python benchmarks/mutation.py --list               # the modules and their test files
    nice -n 10 python benchmarks/mutation.py callbacks --max-children 1

Each module is mutated by mutmut 3.8 in its own copy of the checkout, ``mutants/<module>/``
(ignored by git), and only that module's own test files run against its mutants: the copy's
setup.cfg gets a ``[mutmut]`` section (``source_paths``, ``also_copy``, ``only_mutate``,
``pytest_add_cli_args_test_selection``; a ``[mutmut]`` section in the checkout's setup.cfg
overrides the first two). The score is the share of mutants killed (a test failed, or the
mutant timed out); the survivors are written to ``mutants/<module>/survivors.txt`` with
their diffs. The figures and the survivors judged equivalent are in benchmarks/MUTATION.md.
Slow (minutes a module on a loaded machine): never part of the default ``pytest``.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module name -> (the file mutated, the test files that are its own)
MODULES: dict[str, tuple[str, list[str]]] = {
    "safe_text": ("toolkit/safe_text.py", ["tests/test_safe_text.py"]),
    "safe_files": ("toolkit/safe_files.py", ["tests/test_safe_files.py"]),
    "metrics": ("toolkit/metrics.py", ["tests/test_metrics.py"]),
    "record": ("toolkit/record.py", ["tests/test_record.py",
                                     "tests/hostile/test_hostile_run_folders.py",
                                     "tests/test_runs.py"]),
    "sample_lists": ("toolkit/grading/sample_lists.py", ["tests/test_sample_lists.py"]),
    "course_text": ("toolkit/grading/course_text.py", ["tests/test_course_text.py"]),
    "isolation": ("toolkit/grading/isolation.py", ["tests/test_isolation.py"]),
    "callbacks": ("toolkit/callbacks.py", ["tests/test_callbacks.py"]),
    "registry": ("toolkit/registry.py", ["tests/test_registry.py"]),
    "submissions": ("toolkit/grading/submissions.py", ["tests/test_submissions.py",
                                                      "tests/test_submit.py",
                                                      "tests/test_grade_labs.py"]),
    "assessment": ("toolkit/grading/assessment.py", ["tests/test_assessment.py",
                                                    "tests/test_grader_meaning.py",
                                                    "tests/test_grader_signals.py"]),
}

# Environment variables for a module's run. mutmut forks each mutant's test run from a process
# that has loaded the grader's sentence encoder (TensorFlow's threads): in the forked child
# the encoder hangs until the run's timeout, which would count as a kill. So the grader's
# modules run with its rules only; assessment's use of the encoder's verdicts is tested with
# a stand-in (tests/test_assessment.py).
# TensorFlow hangs the same way in a process forked after it ran a model: callbacks' tests build
# Keras models (and train none), so they run on Keras's NumPy backend there, which forks safely
# and starts at once (the plain `pytest` runs them on the default backend).
MODULE_ENV: dict[str, dict[str, str]] = {
    "submissions": {"KERASCOURSE_GRADER_ENCODER": "off"},
    "assessment": {"KERASCOURSE_GRADER_ENCODER": "off"},
    "callbacks": {"KERAS_BACKEND": "numpy"},
}
# Tests of a module's files that check something else and cannot pass in mutmut's copy.
DESELECT: dict[str, list[str]] = {
    # compares course/course_text.txt with the text built from the checkout, whose modules
    # mutmut has rewritten: it checks the shipped course text, not the grader's scoring
    "assessment": ["tests/test_grader_meaning.py::test_the_shipped_course_text_is_up_to_date"],
}

# Left out of each copy: version control, earlier copies, outputs.
_SKIP = shutil.ignore_patterns(
    ".git", "mutants", "runs", "grades", "notebooks", "__pycache__", ".pytest_cache",
    ".ruff_cache", "*.egg-info", ".venv", "*.keras", "*.h5", "*.npz", "*.npy",
)
# mutmut's configuration (a ``[mutmut]`` section in setup.cfg may override it): the whole
# toolkit is copied (one module mutated: only_mutate), with what the tests read beside it.
_DEFAULTS = {
    "source_paths": "\ntoolkit",
    "also_copy": "\nlabs\ncourse\ndatasets\nscripts\nbenchmarks",
}
_STATUS = re.compile(r"^\s*(\S+): (killed|survived|timeout|suspicious|no tests|skipped|"
                     r"not checked|segfault|check was interrupted by user|caught by type check)$")


def _copy_checkout(name: str, source: str, tests: list[str]) -> Path:
    """A fresh copy of the checkout in mutants/<name>, its setup.cfg pointed at one module."""
    work = ROOT / "mutants" / name
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(ROOT, work, ignore=_SKIP)
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(work / "setup.cfg")
    if not cfg.has_section("mutmut"):
        cfg.add_section("mutmut")
    for key, value in _DEFAULTS.items():  # unless setup.cfg's [mutmut] says otherwise
        if not cfg.has_option("mutmut", key):
            cfg.set("mutmut", key, value)
    cfg.set("mutmut", "only_mutate", "\n" + source)
    deselect = [f"--deselect={test}" for test in DESELECT.get(name, [])]
    cfg.set("mutmut", "pytest_add_cli_args_test_selection", "\n" + "\n".join(tests + deselect))
    with open(work / "setup.cfg", "w", encoding="utf-8") as handle:
        cfg.write(handle)
    return work


def _statuses(work: Path) -> dict[str, str]:
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=work, capture_output=True, text=True, check=False,
    ).stdout
    found = {}
    for line in listing.splitlines():
        match = _STATUS.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def run_module(name: str, max_children: int, tests: list[str] | None = None
               ) -> tuple[int, int, list[str]]:
    """Mutate one module with its own tests (or ``tests``); return (killed, total, survivors)."""
    source, own = MODULES[name]
    tests = tests or own
    missing = [t for t in tests if not (ROOT / t).exists()]
    if missing:
        raise SystemExit(f"{name}: test file(s) {missing} not found; fix MODULES in {__file__}")
    work = _copy_checkout(name, source, tests)
    started = time.monotonic()
    log = work / "mutmut.log"
    with open(log, "w", encoding="utf-8") as handle:
        subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)],
            cwd=work, stdout=handle, stderr=subprocess.STDOUT, check=False,
            env={**os.environ, **MODULE_ENV.get(name, {})},
        )
    text = log.read_text(encoding="utf-8", errors="replace")
    if "failed to collect stats" in text or "Failed to run clean test" in text:
        raise SystemExit(f"{name}: its tests fail without any mutant (slow on a loaded "
                         f"machine?); see {log}")
    statuses = _statuses(work)
    if not statuses:
        raise SystemExit(f"{name}: mutmut produced no results; see {log}")
    killed = sum(1 for s in statuses.values() if s in ("killed", "timeout", "caught by type check"))
    survivors = sorted(k for k, s in statuses.items()
                       if s not in ("killed", "timeout", "caught by type check"))
    with open(work / "survivors.txt", "w", encoding="utf-8") as handle:
        for key in survivors:
            shown = subprocess.run([sys.executable, "-m", "mutmut", "show", key], cwd=work,
                                   capture_output=True, text=True, check=False).stdout
            handle.write(shown + "\n")
            handle.flush()
    minutes = (time.monotonic() - started) / 60
    print(f"{name:13s} {source:34s} {killed:4d}/{len(statuses):<4d} killed "
          f"{100 * killed / len(statuses):5.1f}%  ({minutes:.1f} min; survivors: "
          f"{work.relative_to(ROOT)}/survivors.txt)", flush=True)
    return killed, len(statuses), survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument("--max-children", type=int, default=2, help="mutants run at once")
    parser.add_argument("--tests", nargs="+", help="other test files (one module only)")
    parser.add_argument("--list", action="store_true", help="print the modules and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, (source, tests) in MODULES.items():
            print(f"{name:13s} {source:34s} {' '.join(tests)}")
        return 0
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {', '.join(MODULES)}")
    if args.tests and len(args.modules) != 1:
        parser.error("--tests needs exactly one module")
    for name in args.modules or list(MODULES):
        run_module(name, args.max_children, args.tests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
