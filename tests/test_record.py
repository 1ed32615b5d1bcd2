"""toolkit.record's checker of records of unknown origin: each field of the wrong type, size
or shape is left out and named in one problem line; everything else is kept as it was."""

from __future__ import annotations

import pytest

from toolkit.record import (
    MAX_DEPTH,
    MAX_RECORD_BYTES,
    MAX_STRING,
    RECORD_NAME,
    RecordError,
    check_record,
    parse_record,
    read_checked_record,
)

LEFT_OUT = "left out"


def _nested(levels: int, value=1):
    for _ in range(levels):
        value = [value]
    return value


def test_free_form_sections_keep_what_is_usable_and_name_what_is_not():
    record, problems = parse_record(
        b'{"results": {"a": [1, NaN, {"b": 18446744073709551616}], "c": "%s", "d": "ok",'
        b' "e": true, "f": null, "g": "%s", "h": 9223372036854775807, "i": -Infinity}}'
        % (b"x" * (MAX_STRING + 1), b"y" * MAX_STRING))
    assert record["results"] == {"a": [1, {}], "d": "ok", "e": True, "f": None,
                                 "g": "y" * MAX_STRING, "h": 2**63 - 1}
    assert problems == [
        f"record.json: results.a[1] = nan: not a finite number of usable size: {LEFT_OUT}",
        "record.json: results.a[2].b = 18446744073709551616: not a finite number of usable "
        f"size: {LEFT_OUT}",
        f"record.json: results.c: text longer than {MAX_STRING:,} characters: {LEFT_OUT}",
        f"record.json: results.i = -inf: not a finite number of usable size: {LEFT_OUT}",
    ]


def test_free_form_nesting_is_bounded():
    deepest = MAX_DEPTH - 2  # results (1) -> its key (2) -> the lists
    record, problems = check_record({"results": {"deep": _nested(deepest), "x": 1}})
    assert record["results"] == {"deep": _nested(deepest), "x": 1} and problems == []
    record, problems = check_record({"results": {"deep": _nested(deepest + 1), "x": 1}})
    # The value too deep is left out; the lists around it and the rest stay.
    assert record["results"] == {"deep": _nested(deepest, []), "x": 1}
    assert problems == [f"record.json: results.deep{'[0]' * (deepest + 1)}: nested more than "
                        f"{MAX_DEPTH} levels deep: {LEFT_OUT}"]


def test_typed_fields_of_the_wrong_kind_are_left_out_one_line_each():
    raw = {"title": "t" * (MAX_STRING + 1), "task": "t" * MAX_STRING, "lab": "lab99",
           "figures": {"a": "", "b": "a/b", "c": "a\\b", "d": ".", "e": "..", "f": "a\x00b",
                       "g": "fig.png"},
           "quick": 1, "seed": 1.0, "schema_version": 2**63,
           "training": {"time_s": "fast", "epochs_run": 2**63 - 1, "stopped_early": None,
                        "best_epoch": True, "samples_per_s": 12.5},
           "warnings": "oops", "dataset": [1], "model": None,
           "misclassified": [{"confidence": 0.5}, {"confidence": "high"}],
           "metrics": {"accuracy": float("inf"), "split": "test"}, "own key": [1]}
    record, problems = check_record(raw, "r/record.json")
    assert record == {"task": "t" * MAX_STRING, "figures": {"g": "fig.png"},
                      "training": {"epochs_run": 2**63 - 1, "stopped_early": None,
                                   "samples_per_s": 12.5},
                      "model": None, "misclassified": [{"confidence": 0.5}, {}],
                      "metrics": {"split": "test"}, "own key": [1]}
    folders = "expected a file name in the run folder (no folders)"
    assert problems == [f"r/record.json: {line}: {LEFT_OUT}" for line in (
        f"title = {'t' * 56!r}"[:-1] + "...: text longer than 10,000 characters",
        "lab = 'lab99': not a lab of this course (expected e.g. lab03_cnn_mnist)",
        f"figures.a = '': {folders}", f"figures.b = 'a/b': {folders}",
        f"figures.c = 'a\\\\b': {folders}", f"figures.d = '.': {folders}",
        f"figures.e = '..': {folders}", f"figures.f = 'a\\x00b': {folders}",
        "quick = 1: expected true or false", "seed = 1.0: expected a whole number",
        "schema_version = 9223372036854775808: expected a whole number",
        "training.time_s = 'fast': expected a finite number",
        "training.best_epoch = True: expected a whole number",
        "warnings = 'oops': expected a list", "dataset = [1]: expected a table ({...})",
        "misclassified[1].confidence = 'high': expected a finite number",
        "metrics.accuracy = inf: expected a finite number")]


def test_a_key_in_a_problem_line_is_one_short_line():
    for key, shown in (("k" * 60, "k" * 60), ("k" * 61, "k" * 57 + "..."),
                       ("a\nb", "a\\nb")):
        _, problems = check_record({"environment": {"versions": {key: 3}}})
        assert problems == [f"record.json: environment.versions.{shown} = 3: expected text: "
                            f"{LEFT_OUT}"]


def test_bytes_that_are_no_record_raise_one_error_naming_the_file():
    for data, why in ((b'{"a": ', "is not valid JSON (Expecting value: line 1 column 7 "
                                  "(char 6))"),
                      (b"[1]", "is not a run record (a JSON object)"),
                      (b" " * (MAX_RECORD_BYTES - 1) + b"{}",
                       f"is larger than {MAX_RECORD_BYTES:,} bytes")):
        with pytest.raises(RecordError) as raised:
            parse_record(data, "x/record.json")
        assert str(raised.value) == f"x/record.json {why}"
    assert parse_record(b" " * (MAX_RECORD_BYTES - 2) + b"{}") == ({}, [])
    # Bytes that are not UTF-8 are replaced, never fatal.
    assert parse_record(b'{"title": "caf\xff"}') == ({"title": "caf\ufffd"}, [])
    _, problems = parse_record(b'{"seed": "x"}', "x/record.json")
    assert problems == [f"x/record.json: seed = 'x': expected a whole number: {LEFT_OUT}"]


def test_a_run_folders_record_is_read_only_from_a_regular_file(tmp_path):
    (tmp_path / RECORD_NAME).write_text('{"seed": 3, "quick": "no"}', encoding="utf-8")
    record, problems = read_checked_record(tmp_path)
    assert record == {"seed": 3}
    assert problems == [f"{tmp_path / RECORD_NAME}: quick = 'no': expected true or false: "
                        f"{LEFT_OUT}"]
    with pytest.raises(RecordError, match="cannot be read"):
        read_checked_record(tmp_path / "missing")


def test_a_record_is_written_as_readable_json_into_new_folders(tmp_path):
    import json
    from pathlib import Path

    import numpy as np

    from toolkit.record import read_record, write_json_atomic

    path = write_json_atomic(tmp_path / "runs" / "lab03" / RECORD_NAME,
                             {"title": "café", "figure": Path("a/b.png"),
                              "scores": np.array([0.5, np.nan]), "seed": np.int64(3)})
    assert path.read_text(encoding="utf-8") == json.dumps(
        {"title": "café", "figure": "a/b.png", "scores": [0.5, None], "seed": 3},
        indent=2, ensure_ascii=False) + "\n"
    assert '\n  "title": "café",\n' in path.read_text(encoding="utf-8")
    assert read_record(path.parent)["title"] == "café"


def test_nesting_counts_inside_lists_and_tables_and_text_fields_take_only_text():
    deepest = MAX_DEPTH - 3  # history (1) -> its item (2) -> its key (3) -> the lists
    record, problems = check_record({"history": [{"deep": _nested(deepest)}]})
    assert record["history"] == [{"deep": _nested(deepest)}] and problems == []
    _, problems = check_record({"history": [{"deep": _nested(deepest + 1)}]})
    assert len(problems) == 1 and "nested more than" in problems[0]
    tables = 1
    for _ in range(MAX_DEPTH - 2):
        tables = {"t": tables}
    record, problems = check_record({"results": {"m": {"n": 1}, "deep": tables}})
    assert record["results"] == {"m": {"n": 1}, "deep": tables} and problems == []
    _, problems = check_record({"results": {"deep": {"t": tables}}})
    assert len(problems) == 1 and "nested more than" in problems[0]
    _, problems = check_record({"task": 3})
    assert problems == [f"record.json: task = 3: expected text: {LEFT_OUT}"]


def test_a_record_file_is_read_up_to_its_size_limit_and_errors_are_short(tmp_path):
    path = tmp_path / RECORD_NAME
    path.write_bytes(b" " * (MAX_RECORD_BYTES - 2) + b"{}")
    assert read_checked_record(tmp_path) == ({}, [])
    path.write_bytes(b" " * (MAX_RECORD_BYTES - 1) + b"{}")
    with pytest.raises(RecordError, match=f"is larger than {MAX_RECORD_BYTES:,} bytes"):
        read_checked_record(tmp_path)
    with pytest.raises(RecordError) as raised:
        read_checked_record(tmp_path / "missing")
    assert str(raised.value) == \
        f"{tmp_path / 'missing' / RECORD_NAME} cannot be read (No such file or directory)"
    with pytest.raises(RecordError) as raised:  # too deep for the parser: its reason, cut
        parse_record(b"[" * 100_000, "x/record.json")
    reason = str(raised.value).removeprefix("x/record.json is not valid JSON (")
    assert reason.endswith(")") and len(reason) == 80 + 1
