"""Instructor inputs (issue 23, class 5): rubric points out of all proportion, overrides that
are missing or contradict each other, nbformat 3 notebooks, zip members whose UTF-8 name is
not UTF-8.

A rubric or overrides file the grader cannot use is one ``error:`` line and exit code 2
before anything is graded; a student's odd notebook or zip costs at most that file.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from builders import REPORT, encoder_switched_off, report_student
from faults import OK, one_error_line, outcome

from toolkit.grading.grade import main as grade_main
from toolkit.grading.submissions import read_submission


@pytest.fixture(autouse=True)
def _rules_only():
    with encoder_switched_off():
        yield


def _criterion(cid: str, points, extra: str = "") -> str:
    return (f'[[criterion]]\nid = "{cid}"\npoints = {points}\n{extra}[[criterion.require]]\n'
            f'what = "w"\nrecord = ["status"]\n')


def _assert(kind_detail):
    kind, detail = kind_detail
    assert kind == OK, f"{kind}: {detail}"


def _grade(tmp_path, rubric_text: str, *extra: str):
    report_student(tmp_path / "subs" / "alice")
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(rubric_text)
    out = tmp_path / "out"
    return (lambda: grade_main([str(tmp_path / "subs"), "--rubric", str(rubric), "--out",
                                str(out), *extra])), out


def _refused_before_writing(out: Path, *words):
    def check(rc, stdout, err):
        return one_error_line(rc, err, *words) or (
            f"{out} was written" if out.exists() else None)
    return check


# --- rubric points ----------------------------------------------------------------------------

HUGE_RUBRICS = {
    "1e308": _criterion("a", "1e308"),
    "100000": _criterion("a", "100000"),
    "two_summing_to_inf": _criterion("a", "1e308") + _criterion("b", "1e308"),
    "1001": _criterion("a", "1001"),
    "extra_credit_1e9": _criterion("a", "1") + _criterion("b", "1e9", "extra_credit = true\n"),
    "requirement_1e300": ('[[criterion]]\nid = "a"\npoints = 1e300\n[[criterion.require]]\n'
                          'what = "w"\npoints = 1e300\nrecord = ["status"]\n'),
    "pass_mark_1e308": '[rubric]\npass_mark = 1e308\n' + _criterion("a", "1"),
}


@pytest.mark.parametrize("variant", sorted(HUGE_RUBRICS))
def test_rubric_points_have_sane_bounds(tmp_path, capsys, variant):
    call, out = _grade(tmp_path, HUGE_RUBRICS[variant])
    _assert(outcome(call, capsys, limit=20, check=_refused_before_writing(out, "points")))


def _graded(out: Path):
    def check(rc, stdout, err):
        if rc != 0:
            return f"exit {rc}"
        return None if (out / "summary.html").is_file() else "no summary written"
    return check


LARGE_BUT_SANE = {
    "forty_criteria_of_1000": "".join(_criterion(f"c{i}", 1000) for i in range(40)),
    "tiny_points": _criterion("a", "0.001") + _criterion("b", "1"),
    "fractional_top": _criterion("a", "2.5") + _criterion("b", "0.25"),
}


@pytest.mark.parametrize("variant", sorted(LARGE_BUT_SANE))
def test_large_but_sane_rubrics_are_graded_in_time(tmp_path, capsys, variant):
    call, out = _grade(tmp_path, LARGE_BUT_SANE[variant])
    _assert(outcome(call, capsys, limit=20, check=_graded(out)))


# --- overrides --------------------------------------------------------------------------------

def _overrides_missing(tmp):
    return ["--overrides", str(tmp / "overides.toml")], "overides.toml"


def _overrides_folder(tmp):
    (tmp / "decisions").mkdir()
    return ["--overrides", str(tmp / "decisions")], "decisions"


def _overrides_dangling_link(tmp):
    (tmp / "overrides.toml").symlink_to(tmp / "gone.toml")
    return ["--overrides", str(tmp / "overrides.toml")], "overrides.toml"


def _overrides_empty_name(tmp):
    return ["--overrides", ""], "--overrides"


def _overrides_default_is_a_folder(tmp):
    (tmp / "out" / "overrides.toml").mkdir(parents=True)
    return [], "overrides.toml"


OVERRIDE_FILES = {name[1:]: f for name, f in dict(globals()).items()
                  if name.startswith("_overrides_")}


@pytest.mark.parametrize("variant", sorted(OVERRIDE_FILES))
def test_an_overrides_file_that_is_not_there_is_an_error(tmp_path, capsys, variant):
    extra, word = OVERRIDE_FILES[variant](tmp_path)
    call, out = _grade(tmp_path, _criterion("a", 2), *extra)
    existed = out.exists()

    def check(rc, stdout, err):
        problem = one_error_line(rc, err, word)
        if problem:
            return problem
        return "grades were written" if not existed and out.exists() else None
    _assert(outcome(call, capsys, check=check))


DECISION = '[[override]]\nstudent = "alice"\ncriterion = "a"\npoints = {points}\n{extra}'

CONFLICTS = {
    "same_criterion_twice": DECISION.format(points=1, extra="") + DECISION.format(points=2,
                                                                                  extra=""),
    "one_with_lab_one_without": DECISION.format(points=1, extra='lab = "lab03_cnn_mnist"\n')
    + DECISION.format(points=2, extra=""),
    "three_entries_two_agree": DECISION.format(points=1, extra="") * 2
    + DECISION.format(points=0, extra=""),
}


@pytest.mark.parametrize("variant", sorted(CONFLICTS))
def test_two_decisions_for_one_criterion_are_a_conflict(tmp_path, capsys, variant):
    overrides = tmp_path / "decisions.toml"
    overrides.write_text(CONFLICTS[variant])
    call, out = _grade(tmp_path, _criterion("a", 2), "--overrides", str(overrides))
    _assert(outcome(call, capsys, check=lambda rc, stdout, err: one_error_line(
        rc, err, "alice", "'a'", "conflict")))


def test_the_same_decision_twice_is_no_conflict(tmp_path, capsys):
    overrides = tmp_path / "decisions.toml"
    overrides.write_text(DECISION.format(points=1, extra='comment = "ok"\n') * 2)
    call, out = _grade(tmp_path, _criterion("a", 2), "--overrides", str(overrides))

    def check(rc, stdout, err):
        if rc != 0:
            return f"exit {rc}"
        return None if "1 / 2" in stdout or "    1 / " in stdout else f"not applied: {stdout}"
    _assert(outcome(call, capsys, check=check))


# --- nbformat 3 notebooks ---------------------------------------------------------------------

def _v3_notebook(minor: int = 0) -> dict:
    return {"nbformat": 3, "nbformat_minor": minor, "metadata": {"name": ""}, "worksheets": [
        {"cells": [
            {"cell_type": "heading", "level": 2, "metadata": {}, "source": ["Hypothesis"]},
            {"cell_type": "markdown", "metadata": {}, "source": REPORT.splitlines(True)},
            {"cell_type": "code", "collapsed": False, "input": ["print('accuracy', 0.912)"],
             "language": "python", "metadata": {}, "prompt_number": 1,
             "outputs": [{"output_type": "stream", "stream": "stdout",
                          "text": ["accuracy 0.912\n"]}]},
            {"cell_type": "code", "collapsed": False, "input": ["model.fit()"],
             "language": "python", "metadata": {}, "prompt_number": 2,
             "outputs": [{"output_type": "pyout", "prompt_number": 2, "metadata": {},
                          "text": ["<History>"]}]}]}]}


def _notebook_as_file(tmp, notebook):
    path = tmp / "bob.ipynb"
    path.write_text(json.dumps(notebook))
    return path


def _notebook_in_zip(tmp, notebook):
    path = tmp / "bob.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("lab03/report.ipynb", json.dumps(notebook))
    return path


def _notebook_in_folder(tmp, notebook):
    (tmp / "bob").mkdir()
    (tmp / "bob" / "report.ipynb").write_text(json.dumps(notebook))
    return tmp / "bob"


NOTEBOOK_PLACES = {"file": _notebook_as_file, "zip": _notebook_in_zip,
                   "folder": _notebook_in_folder}


def _read_fully(path: Path) -> tuple[str, str]:
    submission = read_submission("bob", path)
    text = " ".join(line.text for doc in submission.documents for line in doc.lines)
    problems = [p.message for check in submission.notebooks for p in check.problems]
    executed = sum(check.executed_cells for check in submission.notebooks)
    if "silhouettes" not in text or "accuracy 0.912" not in text:
        return "WRONG", f"text not read: {text[:200]!r}"
    if executed != 2 or any("cannot be read" in p for p in problems):
        return "WRONG", f"notebook check: {executed} executed cells, problems {problems}"
    return OK, ""


@pytest.mark.parametrize("minor", [0, 1])
@pytest.mark.parametrize("place", sorted(NOTEBOOK_PLACES))
def test_an_nbformat_3_notebook_is_read_fully(tmp_path, place, minor):
    path = NOTEBOOK_PLACES[place](tmp_path, _v3_notebook(minor))
    try:
        result = _read_fully(path)
    except Exception as error:  # noqa: BLE001 - the battery counts it
        result = "TRACEBACK", repr(error)
    _assert(result)


def test_a_future_nbformat_costs_that_notebook_only(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "future.ipynb").write_text(json.dumps({"nbformat": 9, "cells": []}))
    (tmp_path / "bob" / "report.md").write_text(REPORT)
    try:
        submission = read_submission("bob", tmp_path / "bob")
        text = " ".join(line.text for doc in submission.documents for line in doc.lines)
        result = (OK, "") if "silhouettes" in text and any(
            "future.ipynb" in w for w in submission.warnings + [
                p.message for c in submission.notebooks for p in c.problems]) \
            else ("WRONG", f"{submission.warnings}")
    except Exception as error:  # noqa: BLE001
        result = "TRACEBACK", repr(error)
    _assert(result)


# --- zip member names that are not UTF-8 ------------------------------------------------------

def _zip_with_bad_names(path: Path, members: dict[str, str]) -> Path:
    """A zip whose members named ``*é*`` carry the UTF-8 flag but the bytes ``\\xff\\xfe``
    instead of ``é`` (the same length, so every offset holds)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    data = buffer.getvalue().replace("é".encode(), b"\xff\xfe")
    path.write_bytes(data)
    return path


ZIPS = {
    "one_bad_name_beside_a_report": {"report.md": REPORT, "notes_é.md": "x"},
    "two_bad_names": {"a_é.md": "x", "report.md": REPORT, "b_é.txt": "y"},
    "bad_folder_name": {"lab03_é/REFLECTION.md": "x", "report.md": REPORT},
    "bad_name_first": {"é.md": "x", "report.md": REPORT},
}


@pytest.mark.parametrize("variant", sorted(ZIPS))
def test_a_bad_utf8_member_name_costs_that_member_only(tmp_path, variant):
    path = _zip_with_bad_names(tmp_path / "carol.zip", ZIPS[variant])
    try:
        submission = read_submission("carol", path)
        text = " ".join(line.text for doc in submission.documents for line in doc.lines)
        bad = sum("é" in name for name in ZIPS[variant])
        named = [w for w in submission.warnings if "UTF-8" in w or "\\xff" in w]
        if "silhouettes" not in text:
            result = "WRONG", f"the report was lost: {submission.warnings}"
        elif len(named) != bad:
            result = "WRONG", f"{bad} bad name(s), warnings {submission.warnings}"
        else:
            result = OK, ""
    except Exception as error:  # noqa: BLE001
        result = "TRACEBACK", repr(error)
    _assert(result)


def test_a_zip_of_bad_names_only_is_graded_empty_not_refused(tmp_path):
    path = _zip_with_bad_names(tmp_path / "dave.zip", {"é.md": REPORT})
    try:
        submission = read_submission("dave", path)
        result = (OK, "") if not any("not a readable zip" in w for w in submission.warnings) \
            and sum("UTF-8" in w for w in submission.warnings) == 1 \
            else ("WRONG", f"{submission.warnings}")
    except Exception as error:  # noqa: BLE001
        result = "TRACEBACK", repr(error)
    _assert(result)
