"""benchmarks/lab_speed.py: the table logic, the lab names it reads, and one real workload end
to end (no timing is asserted)."""

from __future__ import annotations

import importlib
import json

import pytest
from benchmark_modules import load_benchmark

lab_speed = load_benchmark("lab_speed")
BenchRow, _AccuracyClock = lab_speed.BenchRow, lab_speed._AccuracyClock
fast_fit_settings, format_table = lab_speed.fast_fit_settings, lab_speed.format_table
main, overrides_batch_hooks = lab_speed.main, lab_speed.overrides_batch_hooks


def test_ratio_reads_as_how_many_times_faster_ours_is():
    assert BenchRow("w", "images/s", 30.0, 10.0).ratio == 3.0
    assert BenchRow("w", "s to 92%", 5.0, 20.0, higher_is_better=False).ratio == 4.0
    assert BenchRow("w", "s", None, 20.0).ratio is None
    table = format_table([BenchRow("cnn", "s to 80%", None, 9.0, higher_is_better=False),
                          BenchRow("x", "", None, None, note="failed: ValueError: boom")])
    assert "not reached" in table and "failed" in table
    assert "notes:\n  x: failed: ValueError: boom" in table
    assert table.splitlines()[0].split() == ["workload", "metric", "ours", "reference", "ratio",
                                             "setting"]


def test_every_lab_name_the_benchmark_reads_is_importable_from_the_lab():
    """The benchmark times the labs' own builders and recipes: a lab that renames one must
    say so here, not in the middle of a benchmark run."""
    for module, names in lab_speed.LAB_NAMES.items():
        lab = importlib.import_module(module)
        missing = [name for name in names if not hasattr(lab, name)]
        assert not missing, f"{module} lacks {missing}"


def test_accuracy_clock_times_the_first_epoch_that_reaches_an_accuracy():
    clock = _AccuracyClock(x_test=None, y_test=None)
    clock.points = [(10.0, 0.70), (20.0, 0.85), (30.0, 0.83)]  # (training s, test accuracy)
    assert clock.seconds_to(0.80) == 20.0 and clock.seconds_to(0.70) == 10.0
    assert clock.seconds_to(0.90) is None
    assert clock.final_accuracy == 0.83  # the last epoch, not the best one


def test_no_default_callback_forces_a_sync_every_batch(tmp_path):
    """A per-batch hook makes Keras hand every batch's logs to Python (a device sync); the
    toolkit's callbacks work per epoch only."""
    import keras

    from toolkit.callbacks import default_callbacks
    from toolkit.runs import Run

    class EveryBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    assert overrides_batch_hooks(EveryBatch()) == ["on_train_batch_end"]
    run = Run.start("bench_test", title="t", argv=[], seed=0, out=tmp_path)
    for callback in default_callbacks(run, samples_per_epoch=100):
        assert overrides_batch_hooks(callback) == [], type(callback).__name__


def test_fast_settings_scale_batch_and_learning_rate_together():
    fast = fast_fit_settings(128, 1e-3)
    assert fast["batch_size"] == 512 and fast["learning_rate"] == 4e-3
    assert fast["steps_per_execution"] > 1


def test_fast_settings_take_one_step_per_call_on_torch(monkeypatch):
    """Keras's torch backend raises for steps_per_execution > 1 (found running the bench on
    torch); the bench's fast settings must not ask for it there."""
    import keras

    monkeypatch.setattr(keras.config, "backend", lambda: "torch")
    assert fast_fit_settings(128, 1e-3)["steps_per_execution"] == 1


@pytest.mark.slow
def test_mlp_workload_writes_a_json_row(tmp_path, fashion_mnist_dir, capsys):
    out = tmp_path / "bench.json"
    assert main(["--quick", "--only", "mlp", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    (row,) = report["rows"]
    assert row["workload"].startswith("mlp") and row["ours"] > 0 and row["reference"] > 0
    assert row["ratio"] == round(row["ours"] / row["reference"], 3)
    assert row["backend"] == report["backend"] and row["device"]
    assert "mlp epoch" in capsys.readouterr().out
