"""Grade a folder of lab reports against a rubric: ``python -m toolkit.grade``.

    python -m toolkit.grade SUBMISSIONS/ --rubric course/rubrics/lab_report.toml --out grades/

``SUBMISSIONS/`` holds one folder or ``.zip`` per student (its name is the student id), or a
single report file (``.pdf``, ``.ipynb``, ``.md``, ``.txt``). A submission may hold Markdown,
text, notebooks, PDF and run folders (``record.json``, figures, ``errors.csv``,
``REFLECTION.md``). Student code is never run and submissions are never changed.

Writes ``grades/<student>/feedback.md``, ``grades/gradebook.csv``, ``grades/summary.md``,
``grades/summary.html`` (+ ``score_histogram.png``) and ``grades/review.toml``. Instructor
decisions in ``grades/overrides.toml`` (or ``--overrides FILE``) are applied on every run:

    [[override]]
    student = "alice"
    criterion = "hypothesis"
    points = 1
    comment = "The hypothesis is in the notebook's last cell: accepted."

Exit code 0 when the class was graded, even when some submissions had problems (they are
listed as warnings); 2 when the command itself cannot run (no such folder, a bad rubric).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.grading.assessment import MET, MISSING, PARTIAL, StudentGrade, assess_labs
from toolkit.grading.grade_report import (
    write_feedback,
    write_gradebook,
    write_review,
    write_summary,
)
from toolkit.grading.rubric import DEFAULT_RUBRIC, Rubric, load_rubric
from toolkit.grading.submissions import discover, read_submission
from toolkit.resources import TOMLDecodeError, load_toml

OVERRIDES_NAME = "overrides.toml"


def load_overrides(path: Path) -> list[dict]:
    """The ``[[override]]`` entries of an overrides file (none when it does not exist)."""
    if not path.is_file():
        return []
    try:
        raw = load_toml(path)
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as error:
        raise CourseError(f"{path} cannot be read", why=str(error),
                          fix="each decision is an [[override]] table with student, "
                              "criterion, points and comment") from None
    entries = raw.get("override", [])
    if not isinstance(entries, list):
        raise CourseError(f"{path}: 'override' must be a list of [[override]] tables")
    return entries


def apply_overrides(grades: list[StudentGrade], rubric: Rubric, entries: list[dict],
                    source: str) -> list[str]:
    """Replace the grader's points with the instructor's; returns warnings for bad entries."""
    warnings = []
    by_student: dict[str, list[StudentGrade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, []).append(grade)
    for number, entry in enumerate(entries, 1):
        where = f"{source} entry {number}"
        student, criterion_id = entry.get("student"), entry.get("criterion")
        points, comment = entry.get("points"), str(entry.get("comment", "")).strip()
        if student not in by_student:
            warnings.append(f"{where}: no submission from student {student!r}: ignored")
            continue
        if criterion_id not in rubric.by_id:
            warnings.append(f"{where}: the rubric has no criterion {criterion_id!r}: ignored")
            continue
        maximum = rubric.by_id[criterion_id].points
        if isinstance(points, bool) or not isinstance(points, (int, float)) \
                or not 0 <= points <= maximum:
            warnings.append(f"{where}: points must be a number from 0 to {maximum:g}, got "
                            f"{points!r}: ignored")
            continue
        # An entry with `lab = "..."` decides that lab only; without, every lab of the student.
        chosen = [g for g in by_student[student] if entry.get("lab") in (None, g.lab)]
        if not chosen:
            warnings.append(f"{where}: student {student!r} has no lab {entry.get('lab')!r}: "
                            f"ignored")
        for grade in chosen:
            result = grade.result(criterion_id)
            result.points = float(points)
            result.status = MET if points == maximum else (MISSING if points == 0 else PARTIAL)
            result.overridden = True
            result.feedback = comment or "Decided by your instructor."
            result.evidence.insert(0, f"instructor decision ({source})" +
                                   (f": {comment}" if comment else ""))
    return warnings


def grade_folder(submissions: Path, rubric: Rubric, out: Path,
                 overrides: Path | None = None) -> tuple[list[StudentGrade], list[str]]:
    """Grade every submission in ``submissions`` and write all outputs into ``out``.

    Returns the grades and the class's warning lines (``student: problem``).
    """
    start = time.perf_counter()
    entries, skipped = discover(submissions)
    grades = [grade for student, path in entries  # one grade per student and lab
              for grade in assess_labs(read_submission(student, path), rubric)]
    overrides = overrides or out / OVERRIDES_NAME
    warnings = [f"{name}: not a folder, .zip, .pdf, .ipynb, .docx, .html, .md or .txt: not graded"
                for name in skipped]
    warnings += [f"{grade.student}: {warning}" for grade in grades for warning in grade.warnings]
    warnings += apply_overrides(grades, rubric, load_overrides(overrides), overrides.name)
    out.mkdir(parents=True, exist_ok=True)
    for grade in grades:
        write_feedback(grade, rubric, out)
    write_gradebook(grades, rubric, out / "gradebook.csv")
    write_review(grades, out / "review.toml")
    write_summary(grades, rubric, out, submissions=submissions,
                  seconds=time.perf_counter() - start, warnings=warnings)
    return grades, warnings


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    """The command line (also the ``toolkit-grade`` console script): bad input exits 2."""
    return run_main(_main, argv)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.grade",
        description="Grade a folder of lab reports (one folder, zip or file per student) "
                    "against a rubric. Student code is never run; submissions are not changed.")
    parser.add_argument("submissions", help="folder with one submission per student")
    parser.add_argument("--rubric", default=str(DEFAULT_RUBRIC),
                        help="rubric TOML (default course/rubrics/lab_report.toml)")
    parser.add_argument("--out", default="grades", help="output folder (default grades/)")
    parser.add_argument("--overrides", default=None,
                        help=f"instructor decisions (default <out>/{OVERRIDES_NAME})")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    submissions, out = Path(args.submissions), Path(args.out)
    if not submissions.is_dir():
        raise CourseError(f"submissions folder {submissions} not found",
                          fix="pass the folder holding one folder or .zip per student")
    if _inside(out, submissions):
        raise CourseError(f"the output folder {out} is inside {submissions}",
                          why="it would be graded as a student next time",
                          fix="choose --out outside the submissions folder")
    rubric = load_rubric(args.rubric)
    start = time.perf_counter()
    grades, warnings = grade_folder(submissions, rubric, out,
                                    Path(args.overrides) if args.overrides else None)
    seconds = time.perf_counter() - start
    if not grades:
        print(f"{submissions} holds no submissions (folders, .zip, .pdf, .ipynb, .md, .txt).")
    for grade in grades:
        flag = f"  needs review: {', '.join(r.criterion.id for r in grade.needs_review)}" \
            if grade.needs_review else ""
        print(f"{grade.student:<24} {grade.total:>5g} / {rubric.max_points:g}{flag}")
    if warnings:
        print(f"\n{len(warnings)} warning(s):")
        print("\n".join(f"  {w}" for w in warnings))
    print(f"\nGraded {len(grades)} submission(s) in {seconds:.1f} s "
          f"({seconds / max(1, len(grades)):.3f} s each). Summary: {out / 'summary.md'} and "
          f"{out / 'summary.html'}; feedback: {out}/<student>/feedback.md; "
          f"gradebook: {out / 'gradebook.csv'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
