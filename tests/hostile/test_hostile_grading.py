"""Hostile and broken submissions: one student never stops the class, and grading writes
nothing outside its output folder. Every input is built here, small."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

import pytest
from builders import (
    REPORT,
    files_outside,
    hashes,
    report_student,
    run_student,
    shared_stream_pdf,
    write_record,
)

from toolkit.cli import run_main
from toolkit.grading import isolation
from toolkit.grading.assessment import REVIEW
from toolkit.grading.grade import grade_folder
from toolkit.grading.grade import main as grade_main
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import synthetic_record
from toolkit.grading.submissions import read_submission
from toolkit.resources import load_toml

RUBRIC = load_rubric()


def _book(out: Path) -> dict[str, dict]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def _grade(tmp_path: Path, **options):
    subs, out = tmp_path / "subs", tmp_path / "out"
    before = hashes(subs)
    grades, warnings = grade_folder(subs, RUBRIC, out, **options)
    assert hashes(subs) == before  # grading never changes a submission
    assert files_outside(tmp_path, [subs, out]) == []  # nor writes beside it
    return {g.student: g for g in grades}, warnings


# --- one student never stops the class --------------------------------------------------

def test_a_huge_integer_in_a_record_leaves_out_that_field_only(tmp_path):
    run = run_student(tmp_path / "subs" / "mallory")
    write_record(run, {**synthetic_record(1), "status": 10 ** 400})
    report_student(tmp_path / "subs" / "alice")
    grades, warnings = _grade(tmp_path)
    assert set(grades) == {"alice", "mallory"}
    assert any("status = 1000" in w and "expected text: left out" in w for w in warnings)
    mallory = grades["mallory"]
    assert mallory.result("runs").status != "met"  # status missing: not a complete run
    assert mallory.result("metrics").status == "met"  # the rest of the record still counts


def test_an_exception_or_a_dead_worker_becomes_could_not_be_graded(tmp_path, monkeypatch):
    for name in ("alice", "boom", "dies"):
        report_student(tmp_path / "subs" / name)
    real_assess = isolation.assess_labs

    def assess_labs(submission, rubric, **options):
        if submission.student == "boom":
            raise OverflowError("int too large to convert to float")
        if submission.student == "dies":
            os._exit(3)  # as if killed for memory
        return real_assess(submission, rubric, **options)

    monkeypatch.setattr(isolation, "assess_labs", assess_labs)
    grades, warnings = _grade(tmp_path)
    assert grades["alice"].total > 0 and not grades["alice"].needs_review
    for name, why in (("boom", "OverflowError: int too large"), ("dies", "exit code 3")):
        assert all(r.status == REVIEW and r.points == 0 for r in grades[name].results)
        assert why in grades[name].results[0].evidence[0]
        assert any(w.startswith(f"{name}: could not be graded") for w in warnings)


def test_a_stalled_student_is_stopped_at_the_time_limit(tmp_path, tmp_path_factory,
                                                       monkeypatch):
    """The stalled worker is killed: the class is graded long before the stall would end,
    and the worker's process is gone afterwards."""
    import time

    report_student(tmp_path / "subs" / "alice")
    report_student(tmp_path / "subs" / "slow")
    real_read = isolation.read_submission
    pid_file = tmp_path_factory.mktemp("worker") / "stalled.pid"  # outside the class folder

    def read(student, path):
        if student == "slow":
            pid_file.write_text(str(os.getpid()))
            time.sleep(600)  # a parser stuck on a crafted file
        return real_read(student, path)

    monkeypatch.setattr(isolation, "read_submission", read)
    limit = 5.0  # room for alice's own grading on a loaded machine
    started = time.monotonic()
    grades, _ = _grade(tmp_path, timeout=limit)
    elapsed = time.monotonic() - started
    # A generous bound: the property is "killed at the limit", not a speed.
    assert elapsed < limit + 15, f"the class took {elapsed:.0f} s with a {limit:g} s limit"
    assert grades["alice"].total > 0
    assert "5 s time limit" in grades["slow"].results[0].evidence[0]
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # the stalled worker no longer exists


def test_named_pipes_are_never_opened(tmp_path):
    subs = tmp_path / "subs"
    report_student(subs / "alice")
    os.mkfifo(subs / "mallory.md")
    os.mkfifo(subs / "mallory.zip")
    os.mkfifo(subs / "alice" / "notes.md")
    grades, warnings = _grade(tmp_path)
    assert set(grades) == {"alice"}
    for name in ("mallory.md", "mallory.zip"):
        assert f"{name}: not a regular file or folder (a named pipe, device or socket)" \
               f": not opened" in warnings
    assert any("notes.md is not a regular file: skipped" in w for w in warnings)
    assert read_submission("m", subs / "mallory.md").warnings[0].startswith("could not be read")


CRAFTED_LINES = {  # each took minutes with the old unbounded patterns
    "md_images": "![" * 100_000, "html_images": "<img " * 40_000,
    "html_sources": "<img src='" * 20_000, "heading": "# " + " " * 200_000 + "x",
    "table": "|---" + " " * 200_000 + "x",
}


def test_long_crafted_lines_are_parsed_in_linear_time(tmp_path):
    for student, line in CRAFTED_LINES.items():
        report_student(tmp_path / "subs" / student, REPORT + "\n" + line + "\n")
    grades, _ = _grade(tmp_path, timeout=30.0)
    for student in CRAFTED_LINES:
        assert grades[student].result("hypothesis").status == "met", student


def test_a_pdf_whose_pages_share_one_stream_is_read_once(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "pdf_student.pdf").write_bytes(shared_stream_pdf(pages=60))
    grades, warnings = _grade(tmp_path)
    assert "pdf_student: pdf_student.pdf: 59 page(s) repeat the content of an earlier page: " \
           "read once" in warnings
    assert "pdf_student" in grades  # graded from the page read once, not given up on
    assert not any("could not be graded" in w for w in warnings)


def test_one_malformed_file_keeps_the_rest_of_the_submission(tmp_path):
    subs = tmp_path / "subs"
    student = report_student(subs / "alice")
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "execution_count": "2", "metadata": {}, "source": "print(1)",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]},
        {"cell_type": "code", "execution_count": 3, "metadata": {}, "source": "x = 1",
         "outputs": []}]}
    (student / "lab.ipynb").write_text(json.dumps(notebook))
    deep = student
    for _ in range(60):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "lost.md").write_text("too deep")
    grades, warnings = _grade(tmp_path)
    alice = grades["alice"]
    assert alice.result("hypothesis").status == "met"
    assert any("nested more than 32 levels deep were not read" in w for w in warnings)
    submission = read_submission("alice", student)
    assert submission.notebooks and submission.notebooks[0].executed_cells == 2


# --- every submission accounted for, under a unique id --------------------------------------

def test_ids_are_unique_and_every_entry_is_accounted_for(tmp_path):
    subs = tmp_path / "subs"
    report_student(subs / "alice")
    report_student(subs / "alice-2")
    with zipfile.ZipFile(subs / "alice.zip", "w") as archive:
        archive.writestr("report.md", REPORT)
    report_student(subs / "Alice_")
    report_student(subs / ".hidden")
    (subs / "notes.numbers").write_bytes(b"PK")  # a spreadsheet form the grader does not read
    grades, warnings = _grade(tmp_path)
    assert set(grades) == {"alice", "alice-2", "alice.zip", "Alice_-2"} or \
        len(set(g.casefold() for g in grades)) == 4
    assert len(grades) == 4
    for student in grades:
        assert (tmp_path / "out" / student / "feedback.md").is_file()
    assert any(w.startswith(".hidden: hidden") for w in warnings)
    assert any(w.startswith("notes.numbers: not a folder") for w in warnings)
    assert any("alice.zip: the id 'alice' is taken" in w for w in warnings)
    assert set(_book(tmp_path / "out")) == set(grades)


def test_nothing_is_written_inside_the_submissions(tmp_path):
    subs = tmp_path / "subs"
    report_student(subs / "subs")  # a student named like the submissions folder
    report_student(subs / "bob")
    before = hashes(subs)
    assert grade_main([str(subs), "--out", str(tmp_path)]) == 0
    assert hashes(subs) == before
    assert not (subs / "feedback.md").exists() and not (subs / "subs" / "feedback.md").exists()
    book = _book(tmp_path)
    assert "subs" not in book and len(book) == 2


def test_a_regrade_keeps_instructor_edits_and_says_so(tmp_path, capsys):
    subs, out = tmp_path / "subs", tmp_path / "out"
    report_student(subs / "alice")
    report_student(subs / "bob")
    report_student(subs / "carol")
    assert grade_main([str(subs), "--out", str(out)]) == 0
    feedback = out / "alice" / "feedback.md"
    feedback.write_text(feedback.read_text() + "\nSee me after class.\n")
    (out / "carol" / "feedback.md").write_text("edited by hand")
    (subs / "bob" / "report.md").unlink()
    (subs / "bob").rmdir()
    (subs / "carol" / "report.md").unlink()
    (subs / "carol").rmdir()
    capsys.readouterr()
    assert grade_main([str(subs), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    kept = list((out / "alice").glob("feedback.edited-*.md"))
    assert len(kept) == 1 and "See me after class." in kept[0].read_text()
    assert "alice/feedback.md was changed since the grader wrote it" in printed
    assert not (out / "bob").exists() and "bob/feedback.md: removed" in printed
    assert (out / "carol" / "feedback.md").read_text() == "edited by hand"
    assert "carol/feedback.md: kept" in printed


def test_an_existing_file_as_out_is_refused(tmp_path, capsys):
    report_student(tmp_path / "subs" / "alice")
    (tmp_path / "grades").write_text("not a folder")
    assert run_main(grade_main, [str(tmp_path / "subs"), "--out",
                                 str(tmp_path / "grades")]) == 2
    assert "is an existing file" in capsys.readouterr().err
    assert (tmp_path / "grades").read_text() == "not a folder"


# --- output hygiene -------------------------------------------------------------------------

def test_every_medium_escapes_student_text(tmp_path, capsys):
    subs, out = tmp_path / "subs", tmp_path / "out"
    report_student(subs / "alice", REPORT.replace(
        "I would test it", "![x](http://e.vil/p.png) <script>x</script> \x1b[2J\x07 "
        "I would test it") + "\n## Improvements\nMaybe.\n")
    (subs / "\x1b[2Jclear.docx").write_bytes(b"x")
    report_student(subs / "=HYPERLINK(1)")
    assert grade_main([str(subs), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\\x1b[2J" in printed
    for page in ("summary.md", "alice/feedback.md"):
        text = (out / page).read_text()
        assert "![x](http" not in text and "<script>" not in text and "\x1b" not in text
    review = load_toml(out / "review.toml")  # valid TOML, any character
    assert all(isinstance(entry["evidence"], str) for entry in review["override"])
    cells = [row[0] for row in csv.reader(open(out / "gradebook.csv", encoding="utf-8"))]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell.startswith("'=") or cell.startswith("HYPERLINK") for cell in cells)


def test_a_file_in_the_place_of_a_feedback_folder_is_named_not_a_crash(tmp_path):
    report_student(tmp_path / "subs" / "alice")
    report_student(tmp_path / "subs" / "bob")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "alice").write_text("my notes on alice")
    (tmp_path / "out" / "bob").mkdir()
    (tmp_path / "out" / "bob" / "feedback.md").symlink_to(tmp_path / "elsewhere.md")
    grades, warnings = _grade(tmp_path)
    assert set(grades) == {"alice", "bob"}
    assert any(w.startswith("alice/feedback.md: not written") for w in warnings)
    assert "bob/feedback.md: not written, a link or a folder is in its place" in " ".join(
        warnings)
    assert (tmp_path / "out" / "alice").read_text() == "my notes on alice"
    assert not (tmp_path / "elsewhere.md").exists()
    assert (tmp_path / "out" / "gradebook.csv").is_file()
