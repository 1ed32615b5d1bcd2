"""Lab 3's extras: cost (parameters, multiply-adds) and receptive fields computed from the
model, feature maps of every block, integer vs one-hot labels, the MLP comparison and the
batch-size grid, on tiny data the test makes."""

from __future__ import annotations

import keras
import numpy as np

from labs import lab03_cnn_mnist as lab
from labs.lab03_cnn_mnist.inside import block_outputs
from tests.test_lab03 import synthetic_splits
from toolkit.vision.model_cost import model_cost
from toolkit.vision.receptive_field import receptive_fields


def test_cost_and_receptive_fields_follow_from_the_layers():
    reference = lab.build_reference_cnn()
    cost = model_cost(reference)
    assert cost["parameters"] == 34_826
    by_layer = {row["layer"]: row["macs"] for row in cost["layers"]}
    assert by_layer["conv1"] == 26 * 26 * 32 * 3 * 3 * 1
    assert by_layer["conv2"] == 11 * 11 * 64 * 3 * 3 * 32
    assert by_layer["classes"] == 1600 * 10 and by_layer["pool1"] == 0
    assert [(r["layer"], r["receptive_field"]) for r in receptive_fields(reference)] == [
        ("conv1", 3), ("pool1", 4), ("conv2", 8), ("pool2", 10)]
    strong = [r["receptive_field"] for r in receptive_fields(lab.build_strong_cnn())]
    assert strong == [3, 4, 8, 10, 18, 22]
    mlp = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16),
                            keras.layers.Dense(10)])
    assert model_cost(mlp)["macs"] == 784 * 16 + 16 * 10  # each weight used once


def test_inside_views_and_labels_on_an_untrained_network(tmp_path):
    config = lab.parse_args(["--arch", "strong", "--out", str(tmp_path), "--no-save"])
    data = synthetic_splits(per_class=2)
    run = lab.start_run(config, data)
    model = lab.build_strong_cnn()
    assert [layer.name for layer in block_outputs(model)] == ["relu1", "relu2", "relu3"]
    path = lab.every_block_feature_maps(model, data, run)
    assert path.stat().st_size > 5_000
    rows = lab.receptive_field_figure(model, data, run)
    assert rows[-1]["receptive_field"] == 22 and (run.dir / "receptive_fields.png").is_file()
    labels = lab.labels_two_ways(model, data, run)
    assert labels["largest_difference"] < 1e-5
    for row in labels["rows"]:
        assert row["one_hot"][row["integer_label"]] == "1" and row["one_hot"].count("1") == 1
        assert abs(row["sparse_categorical_crossentropy"] - row["minus_log_p_true"]) < 1e-3


def test_mlp_comparison_and_batch_size_grid(tmp_path):
    config = lab.parse_args(["--arch", "reference", "--epochs", "1", "--batch-sizes", "16",
                             "--compare-mlp", "--out", str(tmp_path), "--no-save"])
    data = synthetic_splits(per_class=4)
    run = lab.start_run(config, data)
    cnn = lab.build_reference_cnn()
    run.record.update(metrics={"accuracy": 0.5}, training={"time_s": 1.0},
                      inference={"latency_ms_per_sample": 0.1})
    rows = lab.compare_with_mlp(cnn, data, config, run)
    assert [r["parameters"] for r in rows] == [34_826, 669_706]
    assert rows[1]["macs"] == 784 * 512 + 512 * 512 + 512 * 10  # an MLP weight: one use
    assert rows[0]["macs_per_parameter"] > 50 > rows[1]["macs_per_parameter"]
    assert 0 <= rows[1]["test_accuracy"] <= 1 and rows[1]["training_time_s"] > 0
    grid = lab.batch_size_grid(data, config, run, lab.build_reference_cnn)
    assert [r["batch_size"] for r in grid["rows"]] == [16]
    assert all(len(r["val_accuracy"]) == 1 for r in grid["rows"])
    assert grid["rows"][0]["steps_per_epoch"] == int(np.ceil(len(data.x_train) / 16))
    for key in ("cnn_vs_mlp", "batch_size_grid"):
        assert (run.dir / run.record["figures"][key]).stat().st_size > 5_000
