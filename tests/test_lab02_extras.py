"""Lab 2's extras on tiny data the test makes: tensors with keras.ops, dropout on and off,
the hand-written training loop beside fit, and the capacity sweep."""

from __future__ import annotations

import json

import keras
import numpy as np

from labs import lab02_mlp_dropout as lab
from labs.lab02_mlp_dropout.custom_loop import gradient_norms, train_by_hand
from tests.test_lab02 import synthetic_splits


def test_tensor_tour_records_shapes_and_round_trip(tmp_path):
    config = lab.parse_args(["--out", str(tmp_path), "--quick"])
    data = synthetic_splits(per_class=4)
    run = lab.start_run(config, data)
    rows = lab.tour_tensors(data, run)
    shapes = {row["code"]: row["shape"] for row in rows}
    assert shapes["x[0]"] == [784] and shapes["x[:, :28]"] == [4, 28]
    assert shapes["ops.reshape(x, (4, 28, 28))"] == [4, 28, 28]
    tensors = run.record["results"]["tensors"]
    assert tensors["backend"] == keras.backend.backend() and tensors["device"]
    assert "equal to the input" in tensors["to_numpy"]


def test_hand_written_loop_learns_and_measures_every_layer():
    data = synthetic_splits(per_class=30)
    keras.utils.set_random_seed(0)
    model = lab.build_mlp(784, 10, width=32, dropout=0.2)
    outcome = train_by_hand(model, keras.optimizers.RMSprop(1e-3), data, epochs=3,
                            batch_size=32, seed=0)
    assert [row["epoch"] for row in outcome["history"]] == [1, 2, 3]
    assert outcome["history"][-1]["loss"] < outcome["history"][0]["loss"]
    assert outcome["history"][-1]["val_accuracy"] > 0.5  # chance is 0.1
    assert set(outcome["gradient_norms"][0]) == {"hidden_1", "hidden_2", "classes"}
    assert all(value > 0 for value in outcome["gradient_norms"][0].values())
    zero = gradient_norms(model, [np.zeros(v.shape) for v in model.trainable_variables])
    assert set(zero.values()) == {0.0}


def test_sweep_with_dropout_check_custom_loop_and_capacity(tmp_path):
    config = lab.parse_args(["--dropout", "0.2", "--custom-loop", "--hidden-units", "8",
                             "--epochs", "1", "--width", "16", "--batch-size", "64",
                             "--out", str(tmp_path), "--no-save"])
    data = synthetic_splits(per_class=12)
    run = lab.start_run(config, data)
    results = lab.run_sweep(data, config, run)
    check = lab.dropout_on_and_off(results, data, run)
    assert check["batch"]["train"]["max_difference_between_calls"] > 0  # a new mask each call
    assert check["batch"]["inference"]["max_difference_between_calls"] == 0
    loop = lab.custom_training_loop(results, data, config, run, lab.build_mlp,
                                    lab.make_optimizer)
    assert loop["fit"]["setting"] == "dropout 0.2" and len(loop["history"]) == 1
    sizes = lab.capacity_sweep(data, config, run, lab.build_mlp, lab.make_optimizer)
    assert [row["hidden_units"] for row in sizes] == [8]
    assert sizes[0]["parameters"] == (784 * 8 + 8) + (8 * 8 + 8) + (8 * 10 + 10)
    assert len(sizes[0]["train_accuracy"]) == len(sizes[0]["val_accuracy"]) == 1
    record = json.loads(run.record_path.read_text())
    for figure in ("dropout_on_and_off", "custom_loop", "capacity"):
        assert (run.dir / record["figures"][figure]).is_file()
