"""Run folders, atomic records, and the course map that reads them."""

from __future__ import annotations

import json

import numpy as np

from labs.__main__ import course_map, load_syllabus
from toolkit.runs import Run, list_runs, new_run_dir, read_record, write_json_atomic


def test_new_run_dir_never_reuses_a_folder(tmp_path):
    first, second = new_run_dir("lab", tmp_path), new_run_dir("lab", tmp_path)
    assert first != second and first.is_dir() and second.is_dir()


def test_write_json_atomic_handles_numpy_and_nan(tmp_path):
    path = write_json_atomic(tmp_path / "r.json", {"a": np.float32(0.5), "b": float("nan"),
                                                    "c": np.arange(3)})
    assert json.loads(path.read_text()) == {"a": 0.5, "b": None, "c": [0, 1, 2]}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temp file left behind


def test_run_lifecycle_writes_record_and_reflection(tmp_path, capsys):
    run = Run.start("lab99_demo", title="Demo", argv=["--quick"], seed=7, out=tmp_path,
                    quick=True, task="demo task", dataset={"name": "toy"},
                    hyperparameters={"epochs": 1})
    assert capsys.readouterr().out == f"run folder: {run.dir}\n"
    record = read_record(run.dir)
    assert record["task"] == "demo task" and record["dataset"] == {"name": "toy"}
    assert record["hyperparameters"] == {"epochs": 1}
    assert record["status"] == "running" and record["schema_version"] == 1
    assert record["environment"]["backend"] in {"tensorflow", "jax", "torch"}
    assert record["environment"]["hardware"]["cpu_cores"] >= 1
    assert "keras" in record["environment"]["versions"]
    assert record["command"][-1] == "--quick"
    assert list_runs("lab99_demo", tmp_path) == []  # not complete yet
    run.record["metrics"] = {"accuracy": 0.9}
    run.set_reference(value=0.95, metric="accuracy", split="test", citation="Someone 2020")
    assert run.finish() == run.dir  # every lab's finish() returns the run folder
    closing = capsys.readouterr().out
    assert "test accuracy 90.00% (published 95.00%, test)" in closing
    assert closing.rstrip().endswith(f"run folder: {run.dir} (record.json, REFLECTION.md, "
                                     f"0 figures)")
    record = read_record(run.dir)
    assert record["status"] == "complete" and record["finished_at"]
    assert record["reference"]["difference"] == -0.05
    assert (run.dir / "REFLECTION.md").is_file()
    assert list_runs("lab99_demo", tmp_path) == [run.dir]


def test_course_map_lists_six_labs_and_marks_done(tmp_path):
    labs = load_syllabus()
    assert len(labs) == 6 and labs[0]["id"] == "lab01_vgg16_inference"
    text = course_map(tmp_path)
    assert text.count("[ ]") == 6 and "Next: python -m labs.lab01_vgg16_inference" in text
    run = Run.start("lab01_vgg16_inference", title="VGG16", argv=[], seed=1, out=tmp_path)
    run.record["metrics"] = {"accuracy": 0.5}
    run.finish(reflection=False)
    text = course_map(tmp_path)
    assert "[x] 1." in text and "last accuracy 50.00%" in text
    assert "Next: python -m labs.lab02_mlp_dropout" in text
