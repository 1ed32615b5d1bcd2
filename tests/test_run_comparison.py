"""``python -m labs compare RUN...``: the settings that differ, the metrics, the times, one
figure; a folder that is not a run is one line and the others still compare."""

from __future__ import annotations

import json
from pathlib import Path

from labs.__main__ import main as labs_main
from toolkit.run_comparison import compare_runs


def write_run(folder: Path, learning_rate: float, accuracy: float, seconds: float) -> Path:
    folder.mkdir(parents=True)
    record = {"schema_version": 1, "lab": "lab06_bert_finetune", "status": "complete",
              "started_at": "2026-12-03T04:00:00+00:00",
              "finished_at": f"2026-12-03T04:0{int(seconds // 60)}:{int(seconds % 60):02d}+00:00",
              "seed": 42, "quick": True,
              "hyperparameters": {"preset": "all-minilm-l6-v2", "learning_rate": learning_rate,
                                  "epochs": 1, "distribution": {"replicas": 1}},
              "metrics": {"accuracy": accuracy, "macro_f1": accuracy - 0.01},
              "training": {"time_s": seconds - 10}}
    (folder / "record.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_runs_side_by_side_with_what_differs(tmp_path, capsys):
    first = write_run(tmp_path / "20261203-0400", 2e-5, 0.81, 70)
    second = write_run(tmp_path / "20261203-0410", 1e-4, 0.86, 95)
    broken = tmp_path / "not_a_run"
    broken.mkdir()
    rows, shared, differing, problems = compare_runs([first, second, broken])
    assert differing == ["learning_rate"] and shared["preset"] == "all-minilm-l6-v2"
    assert [row["learning_rate"] for row in rows] == [2e-5, 1e-4]
    assert [row["run_s"] for row in rows] == [70, 95] and rows[1]["train_s"] == 85
    assert len(problems) == 1 and "not_a_run" in problems[0]
    figure = tmp_path / "compare.png"
    assert labs_main(["compare", str(first), str(second), str(broken), "--figure",
                      str(figure)]) == 0
    printed = capsys.readouterr().out
    assert "learning_rate" in printed and "0.86" in printed and "not_a_run: left out" in printed
    assert figure.is_file()
    assert labs_main(["compare", str(broken)]) == 2  # nothing to compare: one clear line
    assert "none of the folders is a readable run" in capsys.readouterr().err
