"""The callbacks driven epoch by epoch with scripted logs, as Keras's ``fit`` calls them: what
they record, when they stop, which weights they keep, when they back up.

No model is trained here (the training runs are in test_callbacks_training.py), so the mutation
run of toolkit/callbacks.py (benchmarks/mutation.py) uses this file.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from toolkit.callbacks import HistoryRecorder, better_direction, default_callbacks
from toolkit.runs import Run


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
