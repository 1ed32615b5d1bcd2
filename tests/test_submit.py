"""``python -m toolkit.submit``: run folders into the zip the grader reads."""

from __future__ import annotations

import json
import zipfile

from toolkit.cli import run_main
from toolkit.grading.assessment import assess
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import (
    finish_as_student,
    report_notebook,
    synthetic_record,
    write_run_folder,
)
from toolkit.grading.submissions import read_submission
from toolkit.grading.submit import main


def _run(tmp_path, name="20261123-101500", lab="lab03_cnn_mnist", seed=1):
    return write_run_folder(tmp_path / "runs" / lab / name, synthetic_record(seed))


def test_packs_what_the_grader_reads_and_nothing_else(tmp_path, capsys):
    run_dir = _run(tmp_path)
    finish_as_student(run_dir)
    (run_dir / "model.keras").write_bytes(b"weights" * 1000)
    (run_dir / "tensorboard").mkdir()
    (run_dir / "tensorboard" / "events").write_text("x")
    out = tmp_path / "alice.zip"
    assert main([str(run_dir), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "warning" not in printed and f"wrote {out} (6 files" in printed
    names = sorted(zipfile.ZipFile(out).namelist())
    prefix = "lab03_cnn_mnist/20261123-101500/"
    assert names == [prefix + name for name in (
        "REFLECTION.md", "confusion_matrix.png", "errors.csv", "errors.png",
        "learning_curves.png", "record.json")]
    # The zip is a complete submission: the grader gives it full marks.
    grade = assess(read_submission("alice", out), load_rubric())
    assert grade.total == 17


def test_warns_about_what_the_grader_will_miss(tmp_path, capsys):
    run_dir = _run(tmp_path)
    record = json.loads((run_dir / "record.json").read_text())
    record["status"] = "running"
    (run_dir / "record.json").write_text(json.dumps(record))
    (run_dir / "learning_curves.png").unlink()
    (run_dir / "REFLECTION.new.md").write_text("newer draft")
    assert main([str(run_dir), "--out", str(tmp_path / "bob")]) == 0
    printed = capsys.readouterr().out
    for warning in ("the run did not finish", "figure 'learning_curves'",
                    "11 **TODO** prompt(s) still unanswered", "no error_type / fix_idea",
                    "REFLECTION.new.md (a newer draft) is not packed"):
        assert warning in printed, warning
    assert (tmp_path / "bob.zip").is_file()


def test_several_runs_and_an_extra_notebook(tmp_path):
    first, second = _run(tmp_path), _run(tmp_path, lab="lab02_mlp_dropout", seed=2)
    notebook = tmp_path / "my_notes.ipynb"
    notebook.write_text(report_notebook())
    out = tmp_path / "carol.zip"
    assert main([str(first), str(second), "--out", str(out), "--include", str(notebook)]) == 0
    names = zipfile.ZipFile(out).namelist()
    assert "my_notes.ipynb" in names
    assert "lab02_mlp_dropout/20261123-101500/record.json" in names
    assert "lab03_cnn_mnist/20261123-101500/record.json" in names
    assert len(read_submission("carol", out).runs) == 2


def test_bad_input_exits_2(tmp_path, capsys):
    (tmp_path / "not_a_run").mkdir()
    assert run_main(main, [str(tmp_path / "not_a_run"), "--out", str(tmp_path / "x.zip")]) == 2
    assert "is not a run folder" in capsys.readouterr().err
    run_dir = _run(tmp_path)
    assert run_main(main, [str(run_dir), str(run_dir), "--out", str(tmp_path / "y.zip")]) == 2
    assert "same place in the zip" in capsys.readouterr().err
    assert not (tmp_path / "y.zip").exists()
