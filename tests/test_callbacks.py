"""The callback stack: timing, history in the record, curves, and resuming after a crash."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from toolkit.callbacks import EpochTimer, HistoryRecorder, better_direction, default_callbacks
from toolkit.runs import Run, read_record


def tiny_problem(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


def tiny_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_default_stack_fills_the_record_and_draws_curves(tmp_path):
    x, y = tiny_problem()
    run = Run.start("lab99_cb", title="cb", argv=[], seed=1, out=tmp_path)
    callbacks = default_callbacks(run, samples_per_epoch=200, patience=None)
    tiny_model().fit(x, y, validation_split=0.2, epochs=3, batch_size=32, verbose=0,
                     callbacks=callbacks)
    record = read_record(run.dir)  # saved by the callbacks themselves
    assert [row["epoch"] for row in record["history"]] == [1, 2, 3]
    first = record["history"][0]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "time_s", "samples_per_s", "lr"):
        assert key in first, key
    assert first["samples_per_s"] == pytest.approx(200 / first["time_s"])
    training = record["training"]
    assert training["epochs_run"] == 3 and training["time_s"] > 0
    assert training["best_epoch"] in (1, 2, 3) and not training["stopped_early"]
    assert (run.dir / "learning_curves.png").stat().st_size > 1000
    assert run.record["figures"]["learning_curves"] == "learning_curves.png"


def test_keyed_history_for_labs_that_train_several_models(tmp_path):
    x, y = tiny_problem()
    run = Run.start("lab99_cb", title="cb", argv=[], seed=1, out=tmp_path)
    tiny_model().fit(x, y, validation_split=0.2, epochs=2, verbose=0,
                     callbacks=default_callbacks(run, key="dropout_0.5", backup=False))
    assert len(run.record["results"]["dropout_0.5"]["history"]) == 2
    assert run.record["history"] == []
    assert (run.dir / "learning_curves_dropout_0.5.png").is_file()


class CrashAfter(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt("simulated Ctrl-C")


def test_interrupted_training_resumes_on_the_same_command(tmp_path):
    x, y = tiny_problem()
    first = Run.start("lab99_resume", title="r", argv=["--epochs", "4"], seed=1, out=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        tiny_model().fit(x, y, validation_split=0.2, epochs=4, verbose=0,
                         callbacks=[*default_callbacks(first, patience=None, backup_every_s=0),
                                    CrashAfter(2)])
    second = Run.start("lab99_resume", title="r", argv=["--epochs", "4"], seed=1, out=tmp_path)
    tiny_model().fit(x, y, validation_split=0.2, epochs=4, verbose=0,
                     callbacks=default_callbacks(second, patience=None, backup_every_s=0))
    assert [row["epoch"] for row in second.record["history"]] == [3, 4]
    assert not any((tmp_path / "lab99_resume" / ".backup").rglob("*.weights.h5")), \
        "the backup is deleted once training completes"


def test_short_epochs_are_not_backed_up_every_time(tmp_path):
    """Epochs of a fraction of a second, 30 s between backups: the crash loses the epochs and
    the same command starts again from epoch 1."""
    x, y = tiny_problem()
    first = Run.start("lab99_interval", title="r", argv=[], seed=1, out=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        tiny_model().fit(x, y, validation_split=0.2, epochs=4, verbose=0,
                         callbacks=[*default_callbacks(first, patience=None), CrashAfter(2)])
    assert not any((tmp_path / "lab99_interval" / ".backup").rglob("*.weights.h5"))
    second = Run.start("lab99_interval", title="r", argv=[], seed=1, out=tmp_path)
    tiny_model().fit(x, y, validation_split=0.2, epochs=4, verbose=0,
                     callbacks=default_callbacks(second, patience=None))
    assert [row["epoch"] for row in second.record["history"]] == [1, 2, 3, 4]


def test_epoch_timer_derives_samples_from_steps():
    x, y = tiny_problem()
    timer = EpochTimer(batch_size=64)
    history = tiny_model().fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[timer])
    assert len(timer.epoch_times) == 1 and timer.total_time_s >= timer.epoch_times[0]
    assert history.history["samples_per_s"][0] == pytest.approx(256 / timer.epoch_times[0])


def test_best_epoch_direction_comes_from_the_mode_not_the_name(tmp_path):
    """A metric named like a loss but declared "max" (and the reverse) is ranked by mode."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=1, verbose=0)
    assert better_direction(model, "val_loss") == "min"
    assert better_direction(model, "val_accuracy") == "max"  # declared by the Keras metric
    assert better_direction(model, "val_error_rate", "max") == "max"
    with pytest.raises(ValueError, match="mode='max' or mode='min'"):
        better_direction(model, "val_f1")
    with pytest.raises(ValueError, match="mode must be"):
        HistoryRecorder(None, mode="up")

    run = Run.start("lab99_demo", title="Demo", argv=[], seed=1, out=tmp_path)
    recorder = HistoryRecorder(run, monitor="val_error_rate", mode="max")
    recorder.set_model(model)
    recorder.on_train_begin()
    for epoch, value in enumerate([0.2, 0.9, 0.5]):
        recorder.on_epoch_end(epoch, {"val_error_rate": value})
    recorder.on_train_end()
    assert run.record["training"]["best_epoch"] == 2  # the highest, as mode says


def _early_stopping_on(history: list[float], monitor: str, patience: int, tmp_path):
    """Drive the stack's EarlyStopping through a scripted history; each epoch's weights are
    filled with the epoch number so the restored weights tell which epoch was kept."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=["accuracy"])
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=1, verbose=0)  # builds the metrics
    run = Run.start("lab99_es", title="es", argv=[], seed=1, out=tmp_path)
    (stopper,) = [c for c in default_callbacks(run, monitor=monitor, patience=patience,
                                               backup=False, curves=False)
                  if isinstance(c, keras.callbacks.EarlyStopping)]
    stopper.set_model(model)
    stopper.on_train_begin()
    stopped_after = None
    for epoch, value in enumerate(history):
        model.set_weights([np.full_like(w, epoch) for w in model.get_weights()])
        stopper.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            stopped_after = epoch
            break
    stopper.on_train_end()
    kept_epoch = int(model.get_weights()[0].flat[0])
    return stopped_after, kept_epoch


def test_early_stopping_on_validation_accuracy_keeps_the_highest(tmp_path):
    # Best 0.70 at epoch 1; epochs 2 and 3 do not beat it: patience 2 stops after epoch 3.
    stopped, kept = _early_stopping_on([0.50, 0.70, 0.60, 0.65, 0.90], "val_accuracy", 2,
                                       tmp_path)
    assert (stopped, kept) == (3, 1)


def test_early_stopping_on_validation_loss_keeps_the_lowest(tmp_path):
    stopped, kept = _early_stopping_on([0.9, 0.4, 0.5, 0.45, 0.1], "val_loss", 2, tmp_path)
    assert (stopped, kept) == (3, 1)
