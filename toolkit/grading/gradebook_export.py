"""The gradebook in the format an LMS imports: ``--export canvas`` or ``--export moodle``.

Both need ``--roster`` (:mod:`toolkit.grading.roster`): the LMS matches rows by its own ids,
which only the roster knows. One row per roster entry that handed in; the roster entries
without a submission and the submissions without an entry are listed by the grader, not
exported (an empty cell would be read as "no change" by one LMS and refused by another).

- **Canvas** (``canvas_import.csv``): ``Student, ID, SIS User ID, SIS Login ID, Section``,
  then one column per assignment, as Canvas's own gradebook export, with its second row
  ``Points Possible``. Canvas matches students by ID, SIS User ID or SIS Login ID and an
  assignment column by its name (a new name makes a new assignment). Import it from
  Grades > Import.
- **Moodle** (``moodle_import.csv``): an identifier column (``Email address``, else
  ``Username``, else ``ID number``, whichever the roster has), the full name, then one grade
  column per assignment. In Grades > Import > CSV file, map the identifier column to the
  same user field and the grade column to the assignment.

A submission covering several labs gets one column per lab (``Lab report: lab03_cnn_mnist``).
The points are the grade's total (extra credit included). Every cell goes through
:func:`toolkit.safe_text.for_csv`: no formula runs, no control character is live.

Example:
    >>> write_export("canvas", grades, match, out / "canvas_import.csv", "Lab 3 report", 15)
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.grading.assessment import StudentGrade
from toolkit.grading.roster import RosterEntry, RosterMatch
from toolkit.safe_text import for_csv

FORMATS = ("canvas", "moodle")
FILE_NAMES = {"canvas": "canvas_import.csv", "moodle": "moodle_import.csv"}
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# Moodle's user fields a grade import can match on, with the roster field holding each.
MOODLE_IDENTIFIERS = (("Email address", "email"), ("Username", "login"),
                      ("ID number", "idnumber"), ("ID number", "sis_user_id"))


def assignment_name(rubric_name: str) -> str:
    """The assignment column's default name: the rubric's, without its "(15 points ...)"."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", rubric_name).strip() or rubric_name


def _points(value: float) -> str:
    return f"{value:g}"


def assignment_columns(grades: list[StudentGrade], assignment: str) -> list[str]:
    """One column, or one per lab when the class handed in several labs."""
    labs = sorted({grade.lab for grade in grades if grade.lab})
    if len(labs) <= 1:
        return [assignment]
    return [f"{assignment}: {lab}" for lab in labs] + (
        [assignment] if any(not grade.lab for grade in grades) else [])


def _scores(grades: list[StudentGrade], columns: list[str], assignment: str
            ) -> dict[str, dict[str, str]]:
    """``{student: {column: points}}``."""
    scores: dict[str, dict[str, str]] = {}
    for grade in grades:
        column = assignment if len(columns) == 1 or not grade.lab \
            else f"{assignment}: {grade.lab}"
        scores.setdefault(grade.student, {})[column] = _points(grade.total)
    return scores


def _canvas_name(entry: RosterEntry) -> str:
    """Canvas shows "Last, First"; a roster with one name column keeps it as it is."""
    if entry.get("name"):
        return entry.get("name")
    return ", ".join(part for part in (entry.get("last_name"), entry.get("first_name")) if part)


def canvas_table(grades: list[StudentGrade], match: RosterMatch, assignment: str,
                 max_points: float) -> list[list[str]]:
    columns = assignment_columns(grades, assignment)
    scores = _scores(grades, columns, assignment)
    rows = [CANVAS_COLUMNS + columns,
            ["Points Possible", "", "", "", ""] + [_points(max_points)] * len(columns)]
    for student, entry in sorted(match.matched.items(), key=lambda item: item[1].line):
        rows.append([_canvas_name(entry), entry.get("id"), entry.get("sis_user_id"),
                     entry.get("login"), entry.get("section")]
                    + [scores.get(student, {}).get(column, "") for column in columns])
    return rows


def moodle_identifier(match: RosterMatch) -> tuple[str, str]:
    """``(Moodle column, roster field)``: the first identifier every matched entry has."""
    entries = list(match.matched.values())
    for column, name in MOODLE_IDENTIFIERS:
        if entries and all(entry.get(name) for entry in entries):
            return column, name
    raise CourseError("--export moodle: the roster has no email, username or ID number for "
                      "every student who handed in",
                      why="Moodle matches imported grades by one of those user fields",
                      fix="add an Email address column to the roster (Moodle: Grades > "
                          "Export includes it)")


def moodle_table(grades: list[StudentGrade], match: RosterMatch, assignment: str
                 ) -> list[list[str]]:
    columns = assignment_columns(grades, assignment)
    scores = _scores(grades, columns, assignment)
    column, name = moodle_identifier(match)
    rows = [[column, "Full name"] + columns]
    for student, entry in sorted(match.matched.items(), key=lambda item: item[1].line):
        rows.append([entry.get(name), entry.label]
                    + [scores.get(student, {}).get(column, "") for column in columns])
    return rows


def write_export(kind: str, grades: list[StudentGrade], match: RosterMatch, path: Path,
                 assignment: str, max_points: float) -> Path:
    """Write the ``kind`` (canvas / moodle) import file; every cell defused."""
    if kind == "canvas":
        rows = canvas_table(grades, match, assignment, max_points)
    elif kind == "moodle":
        rows = moodle_table(grades, match, assignment)
    else:
        raise CourseError(f"--export {kind}: unknown format", fix="use canvas or moodle")
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        for row in rows:
            writer.writerow([for_csv(cell) for cell in row])
    return path
