"""Run folders are untrusted too (a student's zip unzipped by an instructor): the reflection
tool, toolkit.submit and the course map read them through one typed record reader and never
write through a link. Every input is built here, small."""

from __future__ import annotations

import json
import os
import zipfile

import pytest
from builders import files_outside, run_student, write_record

from labs.__main__ import course_map
from toolkit.cli import run_main
from toolkit.grading.samples import synthetic_record
from toolkit.grading.submissions import read_submission
from toolkit.grading.submit import main as submit_main
from toolkit.grading.submit import run_files
from toolkit.record import RecordError, check_record, parse_record
from toolkit.reflection import main as reflection_main
from toolkit.reflection import render, write_reflection

WRONG_TYPES = {  # nine fields of the wrong type, as a hand edit leaves them
    "environment": "cpu", "splits": [1, 2], "time_s": "fast", "warnings": "check me",
    "seed": "42", "quick": "yes", "command": "python lab.py", "figures": ["a.png"],
    "misclassified": {"0": "cat"},
}


def _wrong(record: dict) -> dict:
    record = json.loads(json.dumps(record))
    record["environment"] = WRONG_TYPES["environment"]
    record["dataset"]["splits"] = WRONG_TYPES["splits"]
    record["training"]["time_s"] = WRONG_TYPES["time_s"]
    for key in ("warnings", "seed", "quick", "command", "figures", "misclassified"):
        record[key] = WRONG_TYPES[key]
    return record


@pytest.fixture
def run_dir(tmp_path):
    return run_student(tmp_path / "student")


def test_wrong_field_types_are_named_and_left_out(run_dir, tmp_path, capsys):
    write_record(run_dir, _wrong(synthetic_record(1)))
    assert reflection_main([str(run_dir)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("note: ") == 9 and "training.time_s = 'fast'" in printed
    text = (run_dir / "REFLECTION.md").read_text()  # the unedited draft, refreshed
    assert "> **Warning:** c\n" not in text  # a string is no list of warnings
    assert "Fashion-MNIST (split sizes n/a)" in text
    files, warnings = run_files(run_dir)
    assert any("expected a list" in w for w in warnings) and files
    runs = tmp_path / "runs"
    (runs / "lab03_cnn_mnist").mkdir(parents=True)
    os.rename(run_dir, runs / "lab03_cnn_mnist" / run_dir.name)
    write_record(runs / "lab03_cnn_mnist" / run_dir.name,
                 {**synthetic_record(1), "metrics": {"accuracy": "high"}})
    (runs / "lab02_mlp_dropout" / "x").mkdir(parents=True)
    (runs / "lab02_mlp_dropout" / "x" / "record.json").write_text("[1, 2]")
    text = course_map(runs)  # one bad record never stops the course map
    assert "[x] 3." in text and "[ ] 2." in text


def test_a_lab_id_is_never_a_path(run_dir, tmp_path, capsys):
    secret = tmp_path / "secret.md"
    secret.write_text("instructor's answers")
    record = {**synthetic_record(1), "lab": f"../../../{secret.with_suffix('').name}"}
    checked, problems = check_record(record)
    assert "lab" not in checked and "not a lab of this course" in problems[0]
    assert "instructor's answers" not in render(record)
    write_record(run_dir, record)
    assert reflection_main([str(run_dir)]) == 0
    assert not any("instructor's answers" in p.read_text() for p in run_dir.glob("*.md"))


@pytest.mark.parametrize("name", ["REFLECTION.md", "REFLECTION.new.md", ".reflection.sha256"])
def test_the_reflection_never_writes_through_a_link(run_dir, tmp_path, name):
    target = tmp_path / "elsewhere" / "planted.txt"
    target.parent.mkdir()
    (run_dir / "REFLECTION.md").write_text("my edits")  # so the new draft is written too
    (run_dir / name).unlink(missing_ok=True)
    (run_dir / name).symlink_to(target)  # dangling: following it would create the file
    write_reflection(run_dir, synthetic_record(1))
    assert not target.exists()
    assert (run_dir / name).is_symlink()  # left alone
    assert files_outside(tmp_path, [run_dir]) == []


def test_a_folder_named_reflection_md_and_a_huge_csv_field(run_dir, capsys):
    (run_dir / "REFLECTION.md").unlink()
    (run_dir / "REFLECTION.md").mkdir()
    (run_dir / "errors.csv").write_text("index,error_type,fix_idea\n1," + "x" * 200_000 + ",y\n")
    assert write_reflection(run_dir, synthetic_record(1)).name == "REFLECTION.new.md"
    printed = capsys.readouterr().out
    assert "errors.csv cannot be read" in printed and "is a link or a folder" in printed
    files, warnings = run_files(run_dir)
    assert any("REFLECTION.md is a link or not a regular file" in w for w in warnings)
    assert any("errors.csv is not a readable CSV" in w for w in warnings)


def test_edits_in_the_new_draft_are_kept(run_dir, capsys):
    (run_dir / "REFLECTION.md").write_text("my reflection")
    first = write_reflection(run_dir, synthetic_record(1))
    assert first.name == "REFLECTION.new.md"
    first.write_text(first.read_text() + "\nI worked here, as told.\n")
    second = write_reflection(run_dir, synthetic_record(1))
    assert second.name.startswith("REFLECTION.new-") and second.is_file()
    assert "I worked here, as told." in first.read_text()
    assert "holds edits too" in capsys.readouterr().out
    ignored = read_submission("s", run_dir).ignored  # drafts are not the student's words
    assert any(second.name in entry for entry in ignored)
    # An untouched new draft is simply refreshed.
    second.unlink()
    first.unlink()
    write_reflection(run_dir, synthetic_record(1))
    assert write_reflection(run_dir, synthetic_record(1)).name == "REFLECTION.new.md"


def test_submit_names_the_symlinked_reflection_it_leaves_out(run_dir, tmp_path, capsys):
    real = tmp_path / "my_reflection.md"
    real.write_text("# Hypothesis\nMine.\n")
    (run_dir / "REFLECTION.md").unlink()
    (run_dir / "REFLECTION.md").symlink_to(real)
    assert submit_main([str(run_dir), "--out", str(tmp_path / "alice.zip")]) == 0
    printed = capsys.readouterr().out
    assert "REFLECTION.md is a link or not a regular file: left out of the zip" in printed
    with zipfile.ZipFile(tmp_path / "alice.zip") as archive:
        assert not any(name.endswith("REFLECTION.md") for name in archive.namelist())


def test_unusable_records_are_one_clear_line(run_dir, capsys):
    for data in (b"[1, 2]", b"{", b"1" * 5000, b'{"a": ' * 100_000):
        with pytest.raises(RecordError):
            parse_record(data)
    (run_dir / "record.json").unlink()
    os.mkfifo(run_dir / "record.json")  # never waited on
    assert run_main(reflection_main, [str(run_dir)]) == 2
    assert "holds no readable record.json" in capsys.readouterr().err


def test_the_record_reader_keeps_every_valid_field():
    record = synthetic_record(3)
    assert check_record(record) == (record, [])
    huge = {**record, "results": {"big": 10 ** 400, "ok": 1, "deep": _nested(40)}}
    checked, problems = check_record(huge)
    assert checked["results"]["ok"] == 1 and "big" not in checked["results"]
    assert len(problems) == 2


def _nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = {"x": value}
    return value



def test_figure_names_stay_inside_the_run_folder():
    record = {**synthetic_record(1), "figures": {"ok": "curves.png", "up": "../x.png",
                                                 "web": "http://evil.example/x.png",
                                                 "dots": "..", "abs": "/etc/passwd"}}
    checked, problems = check_record(record)
    assert checked["figures"] == {"ok": "curves.png"}
    assert len(problems) == 4 and all("expected a file name" in p for p in problems)


@pytest.mark.parametrize("field, value", [("seed", 42.0), ("seed", True), ("seed", "42")])
def test_a_whole_number_field_refuses_floats_and_booleans(field, value):
    checked, problems = check_record({**synthetic_record(1), field: value})
    assert field not in checked and "expected a whole number" in problems[0]
