"""The instructor's routine: ``--rubric`` by name, ``--roster`` and ``--export canvas|moodle``.

A small class is built here (three students, one of them not on the roster) and graded
once; the exports are read back as the LMS would read them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.grading.grade import ClassReport, grade_folder
from toolkit.grading.grade import main as grade_main
from toolkit.grading.gradebook_export import CANVAS_COLUMNS, assignment_name
from toolkit.grading.roster import match_roster, read_roster
from toolkit.grading.rubric import load_rubric
from toolkit.grading.rubric_names import rubric_names, rubric_path
from toolkit.resources import course_path

RUBRIC = load_rubric()
REPORT = """# Lab 3 report
## Results
The test accuracy of my network was {accuracy}, after a few epochs on two CPU cores.
## Hypothesis
{hypothesis}
"""
HYPOTHESES = {
    "alice": "Shirts and coats share their outline at this resolution, so the network mixes "
             "them up; a per-class error count would test it.",
    "bob.lee": "Sandals and sneakers are confused because both show straps and soles in a "
               "few dark pixels; I would compare their confusion before and after rotations.",
    "zed": "Bags are rarely wrong, but ankle boots and sneakers trade places when the heel "
           "is cut off; cropping tighter would tell us whether that is why.",
}
# A Canvas export: its "Points Possible" row, a formula in a name, a student who handed
# nothing in (carol), and zed, who handed in but is not on the roster.
ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Email
    Points Possible,,,,,
"Smith, Alice",101,S-101,alice,Section A,alice@uni.example
"=HYPERLINK(""http://e.vil"",""x"")",102,S-102,bob.lee,Section A,bob@uni.example
Carol Jones,103,S-103,carol,Section B,carol@uni.example
"""


def write_class(folder: Path) -> Path:
    for student, hypothesis in HYPOTHESES.items():
        (folder / student).mkdir(parents=True)
        (folder / student / "report.md").write_text(
            REPORT.format(accuracy="88%", hypothesis=hypothesis), encoding="utf-8")
    return folder


def write_roster(path: Path) -> Path:
    path.write_text(ROSTER, encoding="utf-8")
    return path


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("routine")
    subs = write_class(root / "subs")
    roster = write_roster(root / "roster.csv")
    outputs = {}
    for kind in ("canvas", "moodle"):
        report = ClassReport()
        grades, _ = grade_folder(subs, RUBRIC, root / kind, roster=read_roster(roster),
                                 export=kind, assignment="Lab 3 report", report=report)
        outputs[kind] = (root / kind, report, {g.student: g for g in grades})
    return outputs


def test_canvas_export_has_canvas_columns_and_only_rostered_students(graded):
    out, report, grades = graded["canvas"]
    rows = _rows(out / "canvas_import.csv")
    assert rows[0] == CANVAS_COLUMNS + ["Lab 3 report"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == f"{RUBRIC.max_points:g}"
    by_login = {row[3]: row for row in rows[2:]}
    assert set(by_login) == {"alice", "bob.lee"}  # carol has no submission, zed no entry
    alice = by_login["alice"]
    assert alice[:5] == ["Smith, Alice", "101", "S-101", "alice", "Section A"]
    assert float(alice[5]) == grades["alice"].total
    assert report.export == out / "canvas_import.csv"


def test_moodle_export_uses_the_email_and_the_grade(graded):
    out, _, grades = graded["moodle"]
    rows = _rows(out / "moodle_import.csv")
    assert rows[0] == ["Email address", "Full name", "Lab 3 report"]
    assert {row[0]: float(row[2]) for row in rows[1:]} == {
        "alice@uni.example": grades["alice"].total, "bob@uni.example": grades["bob.lee"].total}


def test_roster_mismatches_are_listed_in_the_summary(graded):
    out, report, _ = graded["canvas"]
    lines = report.roster.lines()
    assert "on the roster, no submission: Carol Jones (line 5)" in lines
    assert "submission not on the roster: zed" in lines
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Carol Jones" in summary and "not on the roster: zed" in summary
    assert "Carol Jones" in (out / "summary.html").read_text(encoding="utf-8")


def test_a_formula_in_the_roster_is_defused_in_the_export(graded):
    out, _, _ = graded["canvas"]
    cells = [cell for row in _rows(out / "canvas_import.csv") for cell in row]
    assert "'=HYPERLINK(\"http://e.vil\",\"x\")" in cells
    assert not any(cell[:1] and cell[:1] in "=+@" for cell in cells)


def test_the_console_lists_the_roster_and_the_flags(tmp_path, capsys):
    subs = write_class(tmp_path / "subs")
    roster = write_roster(tmp_path / "roster.csv")
    code = run_main(grade_main, [str(subs), "--out", str(tmp_path / "out"), "--roster",
                                 str(roster), "--export", "canvas"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "on the roster, no submission: Carol Jones (line 5)" in printed
    assert "submission not on the roster: zed" in printed
    assert "Class integrity flags" in printed and "canvas_import.csv" in printed
    rows = _rows(tmp_path / "out" / "canvas_import.csv")
    assert rows[0][5] == assignment_name(RUBRIC.name) == "Lab report"


def test_matching_by_email_name_and_login(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("First name,Last name,Email address\nAnn,Lee,Ann.Lee@x.org\n"
                      "Bo,Chan,bo@x.org\nCy,Dee,cy@x.org\n", encoding="utf-8")
    match = match_roster(read_roster(roster), ["ann.lee", "Bo_Chan", "CY@X.ORG", "dee"])
    assert {student: entry.label for student, entry in match.matched.items()} == {
        "ann.lee": "Ann Lee", "Bo_Chan": "Bo Chan", "CY@X.ORG": "Cy Dee"}
    assert match.unknown == ["dee"] and match.missing == []


def test_export_needs_a_roster_and_moodle_an_identifier(tmp_path, capsys):
    subs = write_class(tmp_path / "subs")
    assert run_main(grade_main, [str(subs), "--out", str(tmp_path / "out"),
                                 "--export", "canvas"]) == 2
    assert "needs --roster" in capsys.readouterr().err
    names_only = tmp_path / "names.csv"
    names_only.write_text("Student\nalice\nbob.lee\n", encoding="utf-8")
    with pytest.raises(CourseError, match="no email, username or ID number"):
        grade_folder(subs, RUBRIC, tmp_path / "out2", roster=read_roster(names_only),
                     export="moodle")
    assert not (tmp_path / "out2").exists()  # stopped before anything was written


# --- --rubric by name ----------------------------------------------------------------------

def test_rubrics_by_name_resolve_through_the_course_resources():
    assert {"lab_report", "reflection"} <= set(rubric_names())
    assert rubric_path("reflection") == course_path("rubrics", "reflection.toml")
    assert rubric_path("lab_report") == course_path("rubrics", "lab_report.toml")


def test_rubric_by_name_from_another_folder_and_by_path(tmp_path, monkeypatch, capsys):
    subs = write_class(tmp_path / "subs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no course/ folder here
    assert run_main(grade_main, [str(subs), "--rubric", "reflection", "--out", "g1"]) == 0
    assert "Class summary: Lab reflection" in (elsewhere / "g1" / "summary.md").read_text(
        encoding="utf-8")
    own = elsewhere / "mine.toml"
    own.write_bytes(course_path("rubrics", "lab_report.toml").read_bytes())
    assert run_main(grade_main, [str(subs), "--rubric", str(own), "--out", "g2"]) == 0
    capsys.readouterr()
    assert run_main(grade_main, [str(subs), "--rubric", "lab_reprot", "--out", "g3"]) == 2
    error = capsys.readouterr().err
    assert "no rubric of that name" in error and "lab_report, reflection" in error
    assert len(error.strip().splitlines()) == 1 and not (elsewhere / "g3").exists()
