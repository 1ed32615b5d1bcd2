"""Lab 3 (CNN on MNIST / Fashion-MNIST): designs, recipes, a short run on images the test
makes, and the real Fashion-MNIST quick run that must beat 80% test accuracy."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from labs import lab02_mlp_dropout as lab02
from labs import lab03_cnn_mnist as lab
from labs.lab03_cnn_mnist import lesson
from toolkit.cli import run_main
from toolkit.notebooks import Lesson, step_cells
from toolkit.vision.data import ImageSplits


def synthetic_splits(per_class: int = 40, seed: int = 0) -> ImageSplits:
    """10 classes of 28x28x1 images: a bright bar at a class-specific angle, plus noise."""
    rng = np.random.default_rng(seed)

    def make(count):
        labels = np.repeat(np.arange(10), count)
        images = rng.random((len(labels), 28, 28, 1), dtype=np.float32) * 0.2
        rows, cols = np.mgrid[0:28, 0:28] - 13.5
        for i, label in enumerate(labels):
            angle = np.pi * label / 10
            distance = np.abs(rows * np.cos(angle) - cols * np.sin(angle))
            images[i, ..., 0] += (distance < 2.0) * 0.8
        return np.clip(images, 0, 1), labels

    (x_train, y_train), (x_val, y_val), (x_test, y_test) = (make(per_class), make(10), make(10))
    return ImageSplits(x_train, y_train, x_val, y_val, x_test, y_test,
                      [f"angle {i * 18}" for i in range(10)],
                      {"name": "synthetic", "title": "synthetic bars",
                       "splits": {"train": len(y_train), "validation": len(y_val),
                                  "test": len(y_test)}})


def test_notebook_cells_show_the_model_code():
    cells = step_cells(Lesson(lesson))
    assert cells[0].code == "config = parse_args(ARGS)"
    model_cell = next(cell for cell in cells if "build_model" in cell.shown)
    # The designs the student edits are in the cell, helpers before their users.
    assert model_cell.shown == ["augmentation_layers", "build_reference_cnn", "conv_block",
                                "build_strong_cnn", "build_model"]
    assert "*conv_block(32, 1), *conv_block(64, 2), *conv_block(128, 3)" in model_cell.code
    assert model_cell.summary.startswith("Build the chosen design")
    assert cells[-1].code.endswith("finish(config, run)\nshow_new_figures(run)")


@pytest.mark.parametrize("argv, arch, augment, schedule, rate, epochs", [
    ([], "strong", "shift", "cosine", 2e-3, 15),
    (["--dataset", "fashion_mnist"], "strong", "flip", "cosine", 2e-3, 15),
    (["--arch", "reference"], "reference", "none", "constant", 1e-3, 15),
    (["--quick", "--augment", "none", "--schedule", "constant"], "strong", "none", "constant",
     2e-3, 2),
])
def test_recipes_and_flag_overrides(argv, arch, augment, schedule, rate, epochs):
    config = lab.parse_args(argv)
    assert (config.arch, config.augment, config.schedule, config.learning_rate,
            config.epochs) == (arch, augment, schedule, rate, epochs)


def test_designs_have_the_documented_shapes_and_sizes():
    reference = lab.build_reference_cnn()
    assert reference.count_params() == 34_826  # the keras.io mnist_convnet summary
    assert reference.get_layer("flatten").output.shape[1:] == (1600,)
    strong = lab.build_strong_cnn(augment="flip")
    assert strong.count_params() == 391_082
    assert strong.get_layer("pool3").output.shape[1:] == (3, 3, 128)
    assert strong.layers[0].name == "random_flip"
    # Augmentation only acts in training: inference is deterministic.
    image = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(np.asarray(strong(image, training=False)),
                               np.asarray(strong(image, training=False)))
    flip = strong.layers[0]
    np.testing.assert_array_equal(np.asarray(flip(image, training=False)), image)


@pytest.mark.parametrize("image_lab", [lab02, lab], ids=["lab02", "lab03"])
def test_mnist_without_training_images_fails_fast_and_suggests_fashion(image_lab, tmp_path,
                                                                     capsys, monkeypatch):
    """Both image labs load MNIST through ``image_data.load_splits``; offline, without the
    training images, each stops with exit code 2 and points at Fashion-MNIST."""
    monkeypatch.delenv("KERASCOURSE_DATA", raising=False)
    (tmp_path / "empty").mkdir()  # a --data-dir must exist; this one holds no MNIST
    code = run_main(image_lab.main, ["--quick", "--data-dir", str(tmp_path / "empty"),
                                     "--out", str(tmp_path / "runs")])
    message = capsys.readouterr().err
    assert code == 2
    assert "train-images-idx3-ubyte.gz" in message and "--dataset fashion_mnist" in message


def test_steps_on_synthetic_images(tmp_path):
    config = lab.parse_args(["--arch", "reference", "--epochs", "3", "--batch-size", "32",
                             "--out", str(tmp_path), "--no-save"])
    data = synthetic_splits()
    run = lab.start_run(config, data)
    plan = lab.plan_devices(config, run)
    model = lab.build_model(config, data, run, plan)
    lab.train(model, data, config, run, plan)
    assert len(run.record["history"]) == run.record["training"]["epochs_run"] <= 3
    metrics = lab.evaluate(model, data, config, run)
    assert metrics["samples"] == 100 and len(metrics["confusion_matrix"]) == 10
    assert len(run.record["results"]["per_class_accuracy"]) == 10
    assert run.record["results"]["target"]["target"] == lab.TARGETS["mnist"]
    filters, maps = lab.filters_and_feature_maps(model, data, run)
    assert filters.is_file() and maps.is_file()
    lab.finish(config, run)
    for key in ("architecture", "learning_curves", "confusion_matrix", "per_class_accuracy",
                "first_layer_filters", "feature_maps"):
        assert (run.dir / run.record["figures"][key]).stat().st_size > 5_000, key
    # The bars are easy to learn; the error grid exists whenever there are errors.
    assert ("errors" in run.record["figures"]) == bool(run.record["misclassified"])
    assert (run.dir / "REFLECTION.md").is_file()


@pytest.mark.slow
def test_quick_run_on_real_fashion_mnist_beats_80_percent(fashion_mnist_dir, tmp_path):
    code = run_main(lab.main, ["--quick", "--dataset", "fashion_mnist", "--out",
                               str(tmp_path)])
    assert code == 0
    run_dir = next((tmp_path / lab.LAB_ID).glob("*/record.json")).parent
    record = json.loads((run_dir / "record.json").read_text())
    assert record["status"] == "complete" and record["quick"]
    assert record["dataset"]["splits"]["test"] == 10_000
    assert record["metrics"]["accuracy"] > 0.80
    assert record["model"]["parameters"]["total"] == 391_082
    assert record["reference"]["value"] == 0.925
    with open(run_dir / "errors.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) >= 10 and {"error_type", "fix_idea"} <= set(rows[0])
    assert (run_dir / "model.keras").is_file()
