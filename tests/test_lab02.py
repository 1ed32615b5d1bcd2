"""Lab 2 (MLP dropout sweep): model structure, a sweep on data the test makes, real
Fashion-MNIST, and a run with TensorFlow blocked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from labs import lab02_mlp_dropout as lab
from labs.lab02_mlp_dropout import lesson
from labs.lab02_mlp_dropout.table import print_table
from toolkit.cli import run_main
from toolkit.notebooks import Lesson, step_cells
from toolkit.vision.data import ImageSplits

REPO = Path(__file__).resolve().parent.parent


def synthetic_splits(seed: int = 0, per_class: int = 60) -> ImageSplits:
    """10 classes of 28x28 images, each a bright 7x7 block at its own place plus noise."""
    rng = np.random.default_rng(seed)

    def make(count):
        labels = np.repeat(np.arange(10), count)
        images = rng.integers(0, 60, (len(labels), 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):
            row, col = divmod(int(label), 4)
            images[i, 7 * row:7 * row + 7, 7 * col:7 * col + 7] = 230
        return images, labels

    (train_images, y_train), (val_images, y_val), (test_images, y_test) = (
        make(per_class), make(per_class // 4), make(per_class // 4))

    def flat(images):
        return images.reshape(len(images), -1).astype("float32") / 255

    return ImageSplits(flat(train_images), y_train, flat(val_images), y_val, flat(test_images),
                       y_test, [f"c{i}" for i in range(10)],
                       {"name": "synthetic", "title": "synthetic blocks",
                        "splits": {"train": len(y_train), "validation": len(y_val),
                                   "test": len(y_test)}}, images_test=test_images)


def test_notebook_cells_follow_main():
    cells = step_cells(Lesson(lesson))
    assert [cell.code.splitlines()[-1] for cell in cells[:2]] == [
        "config = parse_args(ARGS)", "data = load_data(config)"]
    sweep = next(cell for cell in cells if "run_sweep" in cell.shown)
    assert {"build_mlp", "make_optimizer", "sweep_settings", "summarise_run"} <= set(sweep.shown)
    figures = next(cell for cell in cells if "overlay_figure" in cell.shown)
    assert figures.summary.startswith("Train (solid) vs validation (dashed)")  # the loop body's


def test_sweep_table_lines_up_its_columns(capsys):
    rows = [{"setting": name, "dropout": rate, "l2": 0.0, "learning_rate": 1e-3,
             "batch_size": 128, "best_val_accuracy": accuracy, "best_epoch": 3,
             "final_gap": gap, "test_accuracy": accuracy - 0.01, "time_s": 12.5}
            for name, rate, accuracy, gap in [("dropout 0", 0.0, 0.9812, 0.0123),
                                             ("dropout 0.5", 0.5, 0.9790, -0.002)]]
    print_table(rows)
    header, first, second = capsys.readouterr().out.strip().splitlines()
    assert header.split()[:2] == ["setting", "dropout"]
    assert "0.9812" in first and "+0.0123" in first and "-0.0020" in second
    assert len(first) == len(second)  # numbers right-aligned in fixed columns


def test_mlp_structure_dropout_and_l2():
    plain = lab.build_mlp(784, 10)
    assert plain.count_params() == 669_706  # (784*512+512) + (512*512+512) + (512*10+10)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in plain.layers)
    dropped = lab.build_mlp(784, 10, width=128, depth=3, dropout=0.3)
    rates = [layer.rate for layer in dropped.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.3, 0.3, 0.3]
    assert "." not in lab.build_mlp(784, 10, dropout=0.1, l2=1e-4).name  # torch refuses "."
    penalised = lab.build_mlp(784, 10, width=16, l2=1e-2)
    penalised(np.ones((1, 784), "float32"))
    assert len(penalised.losses) == 2  # one L2 term per hidden kernel


def test_flags_build_the_sweep():
    config = lab.parse_args(["--dropout", "0", "0.25", "--l2", "1e-4", "--quick"])
    assert [s["name"] for s in lab.sweep_settings(config)] == ["dropout 0", "dropout 0.25",
                                                               "L2 0.0001"]
    assert config.epochs == lab.QUICK_EPOCHS
    with pytest.raises(SystemExit):
        lab.parse_args(["--dropout", "1.0"])
    with pytest.raises(SystemExit):
        lab.parse_args(["--learning-rates", "0.1", "-0.01"])
    with pytest.raises(SystemExit):
        lab.parse_args(["--batch-sizes", "0"])


def test_learning_rate_and_batch_sweeps_share_the_base_run():
    config = lab.parse_args(["--dropout", "0", "0.2", "--learning-rates", "0.1", "0.001",
                             "--batch-sizes", "32", "128"])
    settings = lab.sweep_settings(config)
    # dropout 0.2 at lr 0.001 and batch 128 is the base of all three sweeps: trained once.
    assert [s["name"] for s in settings] == ["dropout 0", "dropout 0.2", "lr 0.1", "batch 32"]
    assert settings[1]["groups"] == ["regularizer", "learning_rate", "batch_size"]
    assert (settings[2]["learning_rate"], settings[2]["batch_size"]) == (0.1, 128)
    assert (settings[3]["dropout"], settings[3]["learning_rate"]) == (0.2, 0.001)
    only_batches = lab.sweep_settings(lab.parse_args(["--dropout", "0.2", "--batch-sizes", "32"]))
    assert [s["groups"] for s in only_batches] == [["regularizer", "batch_size"], ["batch_size"]]


def test_learning_rate_and_batch_sweeps_draw_their_own_figures(tmp_path):
    config = lab.parse_args(["--dropout", "0.2", "--learning-rates", "0.01", "0.001",
                             "--batch-sizes", "64", "--epochs", "2", "--batch-size", "32",
                             "--out", str(tmp_path), "--no-save"])
    data = synthetic_splits(per_class=30)
    run = lab.start_run(config, data)
    results = lab.run_sweep(data, config, run)
    assert lab.sweep_groups(results) == ["regularizer", "learning_rate", "batch_size"]
    for group in lab.sweep_groups(results):
        assert lab.overlay_figure(results, run, group).stat().st_size > 10_000
        assert lab.gap_figure(results, run, group).stat().st_size > 10_000
    assert {"learning_curves_sweep_learning_rate", "overfitting_gap_batch_size"} <= set(
        run.record["figures"])
    rows = run.record["results"]["sweep"]
    assert [(r["learning_rate"], r["batch_size"]) for r in rows] == [
        (0.001, 32), (0.01, 32), (0.001, 64)]
    assert rows[0]["groups"] == ["regularizer", "learning_rate", "batch_size"]  # the yardstick
    assert run.record["hyperparameters"]["learning_rate_sweep"] == [0.01, 0.001]


def test_sweep_on_synthetic_data_records_a_fair_comparison(tmp_path):
    config = lab.parse_args(["--dropout", "0.5", "--l2", "1e-3", "--epochs", "3",
                             "--batch-size", "32", "--out", str(tmp_path), "--no-save"])
    data = synthetic_splits()
    run = lab.start_run(config, data)
    results = lab.run_sweep(data, config, run)
    assert [r["setting"] for r in results] == ["dropout 0.5", "L2 0.001"]
    for result in results:
        history = run.record["results"][result["key"]]["history"]
        assert len(history) == 3 == result["epochs_run"]
        assert result["final_gap"] == pytest.approx(
            history[-1]["accuracy"] - history[-1]["val_accuracy"], abs=1e-4)
        assert 0 <= result["test_accuracy"] <= 1
    # The blocks are easy: every setting learns them.
    assert max(r["best_val_accuracy"] for r in results) > 0.9
    for figure in (lab.overlay_figure, lab.gap_figure, lab.comparison_figure):
        assert figure(results, run).stat().st_size > 10_000
    best = lab.evaluate_best(results, data, config, run)
    assert best["best_val_accuracy"] == max(r["best_val_accuracy"] for r in results)
    assert run.record["model"]["chosen_setting"] == best["setting"]
    assert run.record["history"] and run.record["metrics"]["confusion_matrix"]
    lab.finish(data, config, run)
    record = json.loads((run.dir / "record.json").read_text())
    assert len(record["results"]["sweep"]) == 2 and "model" not in record["results"]["sweep"][0]
    assert record["reference"]["value"] == 0.9840
    assert (run.dir / "REFLECTION.md").is_file() and (run.dir / "errors.csv").is_file()


@pytest.mark.slow
def test_quick_sweep_on_real_fashion_mnist(fashion_mnist_dir, tmp_path, capsys):
    code = run_main(lab.main, ["--quick", "--dataset", "fashion_mnist", "--dropout", "0",
                               "0.2", "--out", str(tmp_path), "--no-save"])
    assert code == 0
    run_dir = next((tmp_path / lab.LAB_ID).glob("*/record.json")).parent
    record = json.loads((run_dir / "record.json").read_text())
    assert record["dataset"]["splits"] == {"train": 5400, "validation": 600, "test": 10000}
    assert record["metrics"]["accuracy"] > 0.65  # chance is 0.10; 2 epochs on 5,400 images
    assert len(record["misclassified"]) >= 10
    assert record["reference"]["value"] == 0.8833
    for key in ("learning_curves_sweep", "overfitting_gap", "sweep_accuracy",
                "confusion_matrix", "errors"):
        assert (run_dir / record["figures"][key]).is_file()


@pytest.mark.slow
def test_runs_under_jax_without_tensorflow(fashion_mnist_dir, tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax",
           "PYTHONPATH": os.pathsep.join([str(REPO / "tests/support/no_tensorflow"), str(REPO)])}
    result = subprocess.run(
        [sys.executable, "-m", "labs.lab02_mlp_dropout", "--quick", "--dataset",
         "fashion_mnist", "--dropout", "0.2", "--epochs", "1", "--out", str(tmp_path),
         "--no-save"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads(next((tmp_path / lab.LAB_ID).glob("*/record.json")).read_text())
    assert record["environment"]["backend"] == "jax"
    assert record["metrics"]["accuracy"] > 0.5


@pytest.mark.slow
def test_quick_learning_rate_sweep_on_real_mnist(shared_data, tmp_path):
    if not (shared_data / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("MNIST training images absent from the shared data folder")
    code = run_main(lab.main, ["--quick", "--data-dir", str(shared_data), "--dropout", "0.2",
                               "--learning-rates", "0.01", "--epochs", "1", "--out",
                               str(tmp_path), "--no-save"])
    assert code == 0
    record = json.loads(next((tmp_path / lab.LAB_ID).glob("*/record.json")).read_text())
    assert record["dataset"]["name"] == "mnist"
    assert record["dataset"]["splits"] == {"train": 5400, "validation": 600, "test": 10000}
    rows = {row["setting"]: row for row in record["results"]["sweep"]}
    assert set(rows) == {"dropout 0.2", "lr 0.01"}
    assert rows["dropout 0.2"]["test_accuracy"] > 0.85  # one epoch on 5,400 digits
    assert record["reference"]["value"] == 0.9840
