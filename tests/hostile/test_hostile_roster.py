"""A roster CSV and file names are untrusted: bad rows are one clear line each, and no
control or bidirectional character reaches the terminal, the HTML page or an LMS export live.
Every input is built here, small; hypothesis fuzzes the roster and the escaping."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
from builders import report_student
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.formats import is_number
from toolkit.grading import roster as roster_module
from toolkit.grading.assessment import CriterionResult, StudentGrade
from toolkit.grading.grade import main as grade_main
from toolkit.grading.gradebook_export import write_export
from toolkit.grading.roster import match_roster, read_roster
from toolkit.grading.rubric import load_rubric
from toolkit.safe_text import for_csv, for_html

RUBRIC = load_rubric()
FAST = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def live_controls(text: str) -> list[str]:
    """Characters a terminal or a page would obey: C0/C1 controls (not newline or tab) and
    format characters (bidirectional overrides, zero-width joiners)."""
    return [c for c in text if (unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t")]


def _roster(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "roster.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


# --- the file: one CourseError line ----------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    (b"\xff\xfeS\x00t\x00", "is not UTF-8 text"),
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("colour,size\nred,3\n", "no column names the students"),
    ('Student,Email\n"unclosed,x\n', None),  # csv reads it as one long field: a row problem
])
def test_a_roster_that_cannot_be_used_is_one_line(tmp_path, content, message):
    path = _roster(tmp_path, content)
    if message is None:
        read_roster(path)
        return
    with pytest.raises(CourseError, match=message) as error:
        read_roster(path)
    assert "\n" not in error.value.message


def test_a_missing_too_large_or_linked_roster(tmp_path, monkeypatch):
    with pytest.raises(CourseError, match="not found"):
        read_roster(tmp_path / "nothere.csv")
    monkeypatch.setattr(roster_module, "MAX_ROSTER_BYTES", 100)
    with pytest.raises(CourseError, match="is over"):
        read_roster(_roster(tmp_path, "Student\n" + "x\n" * 200))
    target = _roster(tmp_path, "Student\nalice\n")
    (tmp_path / "link.csv").symlink_to(target)
    with pytest.raises(CourseError, match="cannot be read"):
        read_roster(tmp_path / "link.csv")


# --- rows: one problem line each, the rest used ------------------------------------------------

def test_bad_rows_are_skipped_with_their_line(tmp_path):
    path = _roster(tmp_path, "Student,SIS Login ID,Email\n"
                             "Alice,alice,alice@x.org\n"
                             ",,\n"                               # empty line: no problem
                             "  ,  ,  \n"
                             "Alice Again,ALICE,a2@x.org\n"       # same login as line 2
                             f"Long,{'y' * 5000},long@x.org\n"
                             "Bob,bob\n"                           # a short row is fine
                             "Oops\n")                             # only a name: fine too
    roster = read_roster(path)
    assert [entry.label for entry in roster.entries] == ["Alice", "Bob", "Oops"]
    assert roster.problems == [
        "roster.csv line 5: 'Alice Again' has the same name or id as line 2 ('alice'): row "
        "skipped",
        "roster.csv line 6: a cell of 5,000 characters (at most 300): row skipped"]


def test_hostile_names_reach_no_output_live(tmp_path, capsys):
    subs = tmp_path / "subs"
    report_student(subs / "alice")
    report_student(subs / "mallory")
    # a file name with a bidi override and an escape sequence, reported as a warning
    (subs / "mallory" / "evil\u202egnp.md").symlink_to("/etc/passwd")
    (subs / "mallory" / "clear\x1b[2J.md").symlink_to("/etc/passwd")
    roster = _roster(tmp_path, "Student,SIS Login ID,Email\n"
                               "Alice,alice,a@x.org\n"
                               "\u202eMallory\x1b[31m,mallory,m@x.org\n"
                               "@SUM(1+1)\u200f,nobody,n@x.org\n")
    code = run_main(grade_main, [str(subs), "--out", str(tmp_path / "out"), "--roster",
                                 str(roster), "--export", "canvas"])
    printed = capsys.readouterr()
    assert code == 0
    assert live_controls(printed.out) == [] and live_controls(printed.err) == []
    assert "\\u202e" in printed.out  # shown, not obeyed
    page = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert live_controls(page) == []
    exported = (tmp_path / "out" / "canvas_import.csv").read_text(encoding="utf-8")
    assert live_controls(exported.replace("\r\n", "\n")) == []
    with open(tmp_path / "out" / "canvas_import.csv", newline="", encoding="utf-8") as stream:
        cells = [cell for row in csv.reader(stream) for cell in row]
    assert not any(cell[:1] in ("=", "+", "@") for cell in cells if cell)


# --- fuzzing ---------------------------------------------------------------------------------

cell = st.text(st.characters(exclude_categories=("Cs",)), max_size=30) | st.sampled_from(
    ["=1+1", "+SUM(A1)", "@cmd", "-2+3", "\u202eevil", "\x1b[2J", "a,b", 'q"uote', "\r\n"])


@FAST
@given(st.lists(st.lists(cell, min_size=1, max_size=6), max_size=8))
def test_any_roster_is_read_or_refused_in_one_line(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("roster")
    path = folder / "roster.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Student", "ID", "SIS Login ID", "Section", "Email"])
        writer.writerows(rows)
    try:
        roster = read_roster(path)
    except CourseError as error:
        assert "\n" not in error.message
        return
    match = match_roster(roster, ["alice", "bob"])
    grades = [StudentGrade(student, [CriterionResult(RUBRIC.criteria[0], "met", 1.0, [], "")],
                           []) for student in match.matched]
    for kind in ("canvas", "moodle"):
        try:
            write_export(kind, grades, match, folder / f"{kind}.csv", "Lab", 15)
        except CourseError:
            continue  # moodle without an identifier for everyone
        with open(folder / f"{kind}.csv", newline="", encoding="utf-8") as stream:
            for row in csv.reader(stream):
                for value in row:
                    assert live_controls(value) == []
                    assert value[:1] not in ("=", "+", "@") or value == ""


@FAST
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
def test_html_and_csv_escaping_leave_nothing_live(value):
    page = for_html(value)
    assert live_controls(page) == [] and "<" not in page and ">" not in page
    spreadsheet = for_csv(value)
    assert live_controls(spreadsheet) == []
    # A plain number ("+0", "-1.5") stays a number; anything else starting like a formula
    # is defused.
    assert (spreadsheet.lstrip(" ")[:1] not in ("=", "+", "@") or not value.strip()
            or is_number(spreadsheet))




@FAST
@given(st.lists(st.sampled_from(["accuracy", "test", "validation", "published", " ", "92.1%",
                                 "0.875", ".5", "100%", "by", "of the", ". ", ",", "(", "acc",
                                 "\u202e", "class"]) | st.text(max_size=20), max_size=30))
def test_accuracy_claims_read_any_line(parts):
    from toolkit.grading.claimed_numbers import accuracy_claims, contradiction

    for claim in accuracy_claims("".join(parts)):
        assert 0.2 <= claim.value <= 1.0 and claim.split in ("", "test", "validation",
                                                               "training")
        contradiction(claim, {"test": [0.5], "validation": [], "training": [0.9]})
