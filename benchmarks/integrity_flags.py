"""Do the class integrity flags find what is planted, and only that?

    python benchmarks/integrity_flags.py [--honest tests/data/reports] [--keep DIR]

Builds a class (:mod:`toolkit.grading.integrity_samples`): the honest reports of
``tests/data/reports`` (twenty, with their run folders where they have one) plus one student
per planted problem, grades it with ``toolkit.grade``, and prints each expected flag with
the evidence line the grader gives (found / MISSED), then every flag raised on an honest
report (a false flag). Figures are printed, never asserted (tests/test_integrity.py asserts).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from toolkit.grading.grade import ClassReport, grade_folder
from toolkit.grading.integrity_samples import (
    EXPECTED,
    IDENTICAL_SOURCE,
    PARAPHRASE_SOURCE,
    build_integrity_class,
)
from toolkit.grading.rubric import load_rubric
from toolkit.resources import load_toml
from toolkit.safe_text import for_terminal

HONEST = Path(__file__).resolve().parent.parent / "tests" / "data" / "reports"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=Path, default=HONEST)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the class and the grades here instead of a temp folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="integrity-") as temporary:
        root = args.keep or Path(temporary)
        submissions, out = root / "submissions", root / "grades"
        expected = build_integrity_class(submissions, args.honest)
        report = ClassReport()
        start = time.perf_counter()
        grades, _ = grade_folder(submissions, load_rubric(), out, report=report)
        seconds = time.perf_counter() - start
    # The sources of the two copies are part of their flag, not false flags; a corpus report
    # that is itself a problem names the flags it must raise (`flags = [...]` in its TOML).
    corpus_flags = {toml.stem: load_toml(toml).get("flags", [])
                    for toml in args.honest.glob("*.toml")}
    corpus_problems = {student for student, wanted in corpus_flags.items() if wanted}
    planted = set(EXPECTED) | {IDENTICAL_SOURCE, PARAPHRASE_SOURCE} | corpus_problems
    students = {g.student for g in grades}
    honest = sorted(students - planted)
    print(f"class: {len(students)} submissions ({len(honest) + 2} honest reports, "
          f"{len(expected)} planted problems, {len(corpus_problems)} corpus report(s) that "
          f"name their flags), graded with the flags in {seconds:.1f} s\n")
    for student in sorted(corpus_problems):
        raised = sorted({f.kind for f in report.flags if student in f.students})
        status = "found " if raised == sorted(corpus_flags[student]) else "MISSED"
        print(f"{status} {student}: expected {sorted(corpus_flags[student])}, raised {raised}")
    found = 0
    for student, kind in expected.items():
        flag = next((f for f in report.flags if f.kind == kind and student in f.students),
                    None)
        found += flag is not None
        status = "found " if flag else "MISSED"
        evidence = flag.evidence[0] if flag else ""
        print(for_terminal(f"{status} {kind:<22} {', '.join(flag.students) if flag else student}"
                           f"\n       {evidence}", keep_newlines=True))
    false_flags = [f for f in report.flags if not set(f.students) <= planted]
    print(f"\nplanted problems found: {found} / {len(expected)}")
    print(f"false flags on the {len(honest) + 2} honest reports: {len(false_flags)}")
    for flag in false_flags:
        print(for_terminal(f"  {flag.title}: {', '.join(flag.students)}: {flag.evidence[0]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
