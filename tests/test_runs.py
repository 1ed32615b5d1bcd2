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


def finished_run(lab: str, out, *, quick: bool = False, metrics: dict | None = None,
                 hyperparameters: dict | None = None) -> Run:
    run = Run.start(lab, title=lab, argv=["--quick"] if quick else [], seed=1, out=out,
                    quick=quick, hyperparameters=hyperparameters or {})
    run.record["metrics"] = metrics or {}
    if metrics:
        run.set_reference(value=0.9, metric="accuracy", split="test", citation="Someone 2020")
    run.finish(reflection=False)
    return run


def test_course_map_lists_six_labs_and_marks_done(tmp_path):
    labs = load_syllabus()
    assert len(labs) == 6 and labs[0]["id"] == "lab01_vgg16_inference"
    text = course_map(tmp_path, None)
    assert text.count("\n[ ]") == 6 and "Next: python -m labs.lab01_vgg16_inference" in text
    finished_run("lab01_vgg16_inference", tmp_path, metrics={"accuracy": 0.5})
    text = course_map(tmp_path, None)
    assert "[x] 1." in text and "1 run(s); last full run: accuracy 50.00%" in text
    assert "Next: python -m labs.lab02_mlp_dropout" in text


def test_a_quick_or_random_weight_run_counts_as_tried_not_done(tmp_path):
    finished_run("lab01_vgg16_inference", tmp_path, hyperparameters={"weights": "none"})
    finished_run("lab02_mlp_dropout", tmp_path, quick=True, metrics={"accuracy": 0.61})
    text = course_map(tmp_path, None)
    assert "[~] 1." in text and "last try (random weights): no score measured" in text
    assert "[~] 2." in text and "last try (--quick): accuracy 61.00%" in text
    assert "Next: python -m labs.lab01_vgg16_inference   (you tried it" in text
    finished_run("lab01_vgg16_inference", tmp_path, hyperparameters={"weights": "imagenet"})
    text = course_map(tmp_path, None)  # inference on photos without labels: no score
    assert "[x] 1." in text and "2 run(s), 1 of them quick or random-weight; last full run: " \
                                "no score measured" in text
    assert "Next: python -m labs.lab02_mlp_dropout" in text


def test_the_course_map_sees_the_runs_made_from_the_notebooks(tmp_path):
    notebook_runs = tmp_path / "notebooks" / "runs"
    finished_run("lab03_cnn_mnist", notebook_runs, metrics={"accuracy": 0.912345})
    assert "[ ] 3." in course_map(tmp_path / "runs", None)
    text = course_map(tmp_path / "runs", notebook_runs)
    assert "[x] 3." in text and "accuracy 91.23%" in text


def test_the_course_map_leads_with_the_labs_own_metric(tmp_path):
    run = finished_run("lab04_bag_of_words", tmp_path, metrics={"accuracy": 0.8, "macro_f1": 0.7})
    record = read_record(run.dir)
    record["reference"]["metric"] = "macro_f1"  # a lab that compares F1 with its reference
    write_json_atomic(run.dir / "record.json", record)
    assert "last full run: macro f1 70.00%" in course_map(tmp_path, None)


def test_python_m_labs_reads_both_folders_and_points_bench_to_its_script(tmp_path, capsys):
    from labs.__main__ import main

    finished_run("lab02_mlp_dropout", tmp_path / "nb", metrics={"accuracy": 0.98})
    assert main(["--out", str(tmp_path / "runs"), "--notebook-runs", str(tmp_path / "nb")]) == 0
    assert "[x] 2." in capsys.readouterr().out
    assert main(["bench"]) == 2
    assert "python benchmarks/lab_speed.py" in capsys.readouterr().err
