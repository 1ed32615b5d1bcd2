"""Property-based fuzzing (hypothesis) of everything that reads what it did not write: the
record reader, the rubric and overrides validators, the report parsers, and grading itself.
Random types, sizes, Unicode and control characters: no exception escapes, nothing is
written outside the output folder, and the submissions hash the same before and after."""

from __future__ import annotations

import csv
import json
import re
import tempfile
import unicodedata
from pathlib import Path

import tomli_w
from builders import files_outside, hashes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import CourseError
from toolkit.formats import is_number
from toolkit.grading.grade import check_overrides, grade_folder
from toolkit.grading.notebook_check import check_notebook
from toolkit.grading.report_text import markdown_document, notebook_document, plain_document
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import synthetic_record
from toolkit.record import RecordError, check_record, parse_record
from toolkit.safe_text import for_csv, for_markdown, for_terminal

RUBRIC = load_rubric()
FAST = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
scalars = (st.none() | st.booleans() | st.integers(min_value=-10 ** 30, max_value=10 ** 30)
           | st.floats(allow_nan=True, allow_infinity=True) | text)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(text, inner, max_size=4), max_leaves=20)
record_keys = st.sampled_from(sorted(synthetic_record(0))) | text


@FAST
@given(st.dictionaries(record_keys, json_values, max_size=8), json_values)
def test_the_record_reader_never_raises_and_keeps_only_valid_fields(fields, extra):
    record = {**synthetic_record(0), **fields}
    checked, problems = check_record(record)
    assert check_record(checked) == (checked, [])  # what it keeps is valid
    assert all(isinstance(p, str) and "\n" not in p for p in problems)
    try:
        check_record(extra)
    except RecordError:
        assert not isinstance(extra, dict)


@FAST
@given(st.binary(max_size=300) | text.map(lambda t: t.encode("utf-8", "replace")))
def test_the_record_parser_accepts_any_bytes(data):
    try:
        record, problems = parse_record(data)
    except RecordError as error:
        assert "\n" not in str(error)  # one clear line
        return
    assert check_record(record) == (record, [])  # what it returns is a valid record
    assert all(isinstance(p, str) and "\n" not in p for p in problems)


toml_scalars = (st.booleans() | st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1)
                | st.floats() | text)
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(text, inner, max_size=3), max_leaves=12)
criterion_keys = st.sampled_from(["id", "title", "points", "extra_credit", "feedback_met",
                                  "waive_if", "require"]) | text
requirement = st.dictionaries(st.sampled_from(["what", "points", "record", "notebook",
                                               "figures", "annotations", "text"]),
                              toml_values, max_size=5)
criterion = st.dictionaries(criterion_keys, toml_values | st.lists(requirement, max_size=2),
                            max_size=6)


@FAST
@given(st.dictionaries(st.sampled_from(["rubric", "criterion"]) | text,
                       toml_values | st.lists(criterion, max_size=3), max_size=3))
def test_the_rubric_validator_only_ever_says_course_error(document):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rubric.toml"
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        try:
            rubric = load_rubric(path)
        except CourseError as error:
            assert "\n" not in error.message
        else:
            assert rubric.criteria and all(c.points > 0 for c in rubric.criteria)


@FAST
@given(st.lists(toml_values | st.dictionaries(
    st.sampled_from(["student", "criterion", "points", "comment"]) | text, toml_values,
    max_size=5), max_size=4))
def test_the_overrides_validator_only_ever_says_course_error(entries):
    try:
        check_overrides(entries, "overrides.toml")
    except CourseError as error:
        assert "\n" not in error.message


lines = st.lists(st.sampled_from(["# ", "## ", "**", "![", "](", ")", "<img src='", "'>",
                                  "|", "---", "TODO", "1.5%", "\x1b[2J", "\r", "\u202e",
                                  " ", "\t", "```", "Figure 1:"]) | text, max_size=40)


@FAST
@given(lines.map("".join), st.lists(lines.map("".join), max_size=3))
def test_the_report_parsers_read_any_text(markdown, pages):
    document = markdown_document("r.md", markdown)
    document.sections(), document.blocks()
    plain_document("r.pdf", pages, "pdf").sections()
    notebook = {"cells": [{"cell_type": "markdown", "source": markdown},
                          {"cell_type": "code", "source": pages, "outputs": [
                              {"output_type": "stream", "text": markdown}]}]}
    parsed = notebook_document("n.ipynb", notebook)
    for doc in (document, parsed):
        # Every line keeps where it came from, and its text comes from the input.
        assert all(isinstance(line.text, str) and line.where for line in doc.lines)
        assert all(line.kind != "heading" or 1 <= line.level <= 7 for line in doc.lines)
        assert sum(len(block.lines) for block in doc.blocks()) <= len(doc.lines)
    check = check_notebook(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                       "cells": notebook["cells"]}))
    assert check.ok is False and check.problems  # nothing here was executed: never "ok"


# Rows of the forms the text readers look for: subtitle cues, commits, page furniture.
handed_in_rows = st.lists(st.sampled_from([
    "1", "00:00:01,000 --> 00:00:03,000", "00:01.000 --> 00:02.000 align:start", "WEBVTT",
    "<v Ana>", "commit 5f1c0d3a9b7e6f5d4c3b2a1908f7e6d5c4b3a291", "Author: A <a@b.c>",
    "Date:   Mon Nov 16 21:10:00 2026", "    lab3: what I learned", "Page 2 of 3", "- 3 -",
    "Lab report - page 2", "Ana Lee   DLK3   1/4", "_" * 20, "", "Epoch 1/3"]) | text,
    max_size=30)


@FAST
@given(handed_in_rows, st.sampled_from([".srt", ".vtt"]))
def test_the_subtitle_git_log_and_page_readers_read_any_text(rows, suffix):
    from toolkit.grading.git_log import commit_messages
    from toolkit.grading.page_furniture import page_furniture, without_furniture
    from toolkit.grading.subtitle_reader import SubtitleError, subtitle_text

    joined = "\n".join(rows)
    lines_in_file = len(joined.splitlines())  # a "\r" inside a row is a line break too
    try:  # a subtitle file, or one clear error: nothing else escapes
        talk = subtitle_text(joined, suffix)
        assert len(talk.lines) == len(talk.numbers)
        assert all(0 <= number <= lines_in_file + 1 for number in talk.numbers)
    except SubtitleError:
        pass
    log = commit_messages(joined)
    if log is not None:
        assert len(log.lines) == len(log.numbers)
        assert all(1 <= number <= lines_in_file for number in log.numbers)
    kept = without_furniture(rows)
    assert kept == sorted(set(kept)) and not set(kept) & page_furniture(rows)


@FAST
@given(text)
def test_escaping_leaves_no_live_markup(value):
    shown = for_terminal(value)
    # No control or format character survives but newline and tab.
    assert all(char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf")
               for char in shown)
    escaped = for_markdown(value)
    assert "\n" not in escaped and "<" not in escaped
    assert not re.search(r"(?<!\\)[\[\]|`*]", escaped)  # every markup character escaped
    cell = for_csv(value)
    assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@") or is_number(cell)


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",),
                              exclude_characters="/\x00"), min_size=1, max_size=20) \
    .filter(lambda n: n not in (".", ".."))


@settings(max_examples=5, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, st.binary(max_size=2000), min_size=1, max_size=4),
       st.dictionaries(names, st.binary(max_size=500), max_size=3))
def test_grading_random_files_writes_only_its_output(top_files, inner_files):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subs, out = root / "subs", root / "out"
        (subs / "student").mkdir(parents=True)
        for name, data in top_files.items():
            (subs / f"{name}.md").write_bytes(data)
        for name, data in inner_files.items():
            (subs / "student" / name).write_bytes(data)
        (subs / "student" / "record.json").write_bytes(b"".join(inner_files.values())[:300])
        before = hashes(subs)
        grades, _ = grade_folder(subs, RUBRIC, out, timeout=30)
        assert hashes(subs) == before
        assert files_outside(root, [subs, out]) == []
        assert len(grades) >= 1
        with open(out / "gradebook.csv", newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
        assert len(rows) == len(grades)
        for row in rows:  # every total within 0..max (extra credit may add on top of max)
            extra = sum(c.points for c in RUBRIC.criteria if c.extra_credit)
            assert 0 <= float(row["total"]) <= float(row["max"]) + extra
