"""The callback stack inside real (tiny) training runs: the record and curves it writes, and
resuming after a crash.

These fit Keras models, so they are left out of the mutation run of toolkit/callbacks.py
(benchmarks/mutation.py): TensorFlow hangs in a process forked after it trained, and they take
seconds each. tests/test_callbacks.py drives the same callbacks with scripted epochs.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from toolkit.callbacks import EpochTimer, default_callbacks
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
