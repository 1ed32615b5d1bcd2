"""The callbacks driven epoch by epoch with scripted logs, as Keras's ``fit`` calls them: what
they record, when they stop, which weights they keep, when they back up.

No model is trained here (the training runs are in test_callbacks_training.py), so the mutation
run of toolkit/callbacks.py (benchmarks/mutation.py) uses this file. The clock the callbacks
read is the test's own: durations are set, never measured.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest

import toolkit.callbacks as callbacks_module
import toolkit.plots
from toolkit.callbacks import (
    EpochBackupAndRestore,
    EpochTimer,
    HistoryRecorder,
    LearningCurvePlotter,
    ValidationF1,
    backup_dir_for,
    better_direction,
    default_callbacks,
    merge_phases,
)
from toolkit.runs import Run


class Clock:
    """The time the callbacks read (``perf_counter`` and ``monotonic``), moved by the test."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(callbacks_module, "time",
                        SimpleNamespace(perf_counter=clock, monotonic=clock))
    return clock


@pytest.fixture
def plotted(monkeypatch):
    """What the curve plotter was asked to draw (no figure is drawn)."""
    calls = []
    monkeypatch.setattr(toolkit.plots, "learning_curves",
                        lambda history, path, title: calls.append((history, path, title)))
    return calls


def compiled_model(learning_rate=0.5):
    """A built two-class model compiled with accuracy; its metrics built as the first training
    batch builds them (Keras reads their direction from there)."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.compute_metrics(np.zeros((2, 2)), np.zeros(2), np.full((2, 2), 0.5, "float32"))
    return model


def fit_scripted(model, callbacks, epoch_logs, *, clock=None, seconds=2.0, params=None):
    """Call the callbacks' hooks as ``model.fit`` does, one epoch per logs dict, until one of
    them sets ``stop_training``. Each epoch fills the weights with its number (restored weights
    tell which epoch was kept) and lasts ``seconds`` on ``clock``. Returns each epoch's logs
    as the callbacks left them."""
    for callback in callbacks:
        callback.set_model(model)
        callback.set_params(params or {"epochs": len(epoch_logs)})
    model.stop_training = False
    for callback in callbacks:
        callback.on_train_begin()
    seen = []
    for epoch, logs in enumerate(epoch_logs):
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        if hasattr(model, "set_weights"):
            model.set_weights([np.full_like(w, epoch) for w in model.get_weights()])
        if clock is not None:
            clock.now += seconds
        logs = dict(logs)
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        seen.append(logs)
        if model.stop_training:
            break
    for callback in callbacks:
        callback.on_train_end()
    return seen


def kept_epoch(model) -> int:
    return int(model.get_weights()[0].flat[0])


@pytest.fixture
def run(tmp_path):
    return Run.start("lab99_cb", title="cb", argv=["--epochs", "9"], seed=1, out=tmp_path)


def stack(run, **options):
    """The standard stack without the parts a test does not look at."""
    options = {"backup": False, "curves": False, **options}
    return default_callbacks(run, **options)


class RecordingRun:
    """A run that keeps a copy of its record each time it is saved."""

    def __init__(self):
        self.record = {"results": {}}
        self.saved = []

    def save(self):
        self.saved.append(copy.deepcopy(self.record))


# --- early stopping and the best weights -------------------------------------------------

@pytest.mark.parametrize(("monitor", "mode", "values"), [
    ("val_accuracy", "auto", [0.50, 0.70, 0.60, 0.65, 0.90]),  # accuracy: higher is better
    ("val_loss", "auto", [0.9, 0.4, 0.5, 0.45, 0.1]),           # a loss: lower is better
    ("val_f1", "max", [0.2, 0.6, 0.5, 0.55, 0.9]),              # Keras cannot tell: mode says
])
def test_early_stopping_stops_after_patience_and_keeps_the_best_epoch(run, capsys, monitor,
                                                                      mode, values):
    """Best at epoch 2; epochs 3 and 4 do not beat it: patience 2 stops after epoch 4 and the
    weights of epoch 2 are restored (the student is told both); the record names epoch 2."""
    model = compiled_model()
    seen = fit_scripted(model, stack(run, monitor=monitor, mode=mode, patience=2,
                                     reduce_lr=False),
                        [{monitor: v} for v in values])
    assert len(seen) == 4 and kept_epoch(model) == 1
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out and "the best epoch: 2." in out
    training = run.record["training"]
    assert (training["best_epoch"], training["epochs_run"]) == (2, 4)
    assert training["stopped_early"] is True and training["monitor"] == monitor


def test_default_patience_is_three_epochs_without_improvement(run):
    model = compiled_model()
    seen = fit_scripted(model, stack(run, reduce_lr=False),
                        [{"val_loss": v} for v in [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]])
    assert len(seen) == 4 and kept_epoch(model) == 0


def test_no_patience_means_no_early_stop(run):
    model = compiled_model()
    seen = fit_scripted(model, stack(run, patience=None, reduce_lr=False),
                        [{"val_loss": v} for v in [0.5, 0.6, 0.7, 0.8, 0.9]])
    assert len(seen) == 5 and kept_epoch(model) == 4
    assert run.record["training"]["stopped_early"] is False


def test_best_weights_are_restored_when_training_ends_without_an_early_stop(run):
    model = compiled_model()
    seen = fit_scripted(model, stack(run, patience=3, reduce_lr=False),
                        [{"val_loss": v} for v in [0.9, 0.4, 0.5]])
    assert len(seen) == 3 and kept_epoch(model) == 1
    assert run.record["training"]["stopped_early"] is False


# --- learning-rate reduction ---------------------------------------------------------------

@pytest.mark.parametrize(("patience", "rates"), [
    (3, [0.5, 0.5, 0.25, 0.125]),           # halved after 3 // 2 = 1 flat epoch, again after 1
    (None, [0.5, 0.5, 0.25, 0.125, 0.0625]),  # no early stop; still 1 flat epoch
    (6, [0.5, 0.5, 0.5, 0.5, 0.25]),        # after 6 // 2 = 3 flat epochs
])
def test_learning_rate_halves_after_half_the_patience_of_flat_epochs(run, patience, rates):
    model = compiled_model(learning_rate=0.5)
    fit_scripted(model, stack(run, patience=patience), [{"val_loss": 1.0}] * 5)
    assert [row["lr"] for row in run.record["history"]] == rates


def test_learning_rate_follows_the_mode_of_the_monitor(run):
    """A score that rises every epoch is improving under mode="max": the rate stays."""
    model = compiled_model(learning_rate=0.5)
    fit_scripted(model, stack(run, monitor="val_f1", mode="max", patience=None),
                 [{"val_f1": v} for v in [0.1, 0.2, 0.3, 0.4]])
    assert [row["lr"] for row in run.record["history"]] == [0.5] * 4


def test_learning_rate_follows_the_monitor_not_the_loss(run, capsys):
    """The monitored score is flat while the loss moves (upwards, which mode "max" would call
    better): the rate is halved after a flat epoch, as the score says (and the student is
    told)."""
    model = compiled_model(learning_rate=0.5)
    fit_scripted(model, stack(run, monitor="val_f1", mode="max", patience=None),
                 [{"val_f1": 0.5, "val_loss": v} for v in [0.2, 0.3, 0.4]])
    assert [row["lr"] for row in run.record["history"]] == [0.5, 0.5, 0.25]
    assert "reducing learning rate to 0.25" in capsys.readouterr().out


def test_reduce_lr_off_keeps_the_rate(run):
    model = compiled_model(learning_rate=0.5)
    fit_scripted(model, stack(run, patience=None, reduce_lr=False), [{"val_loss": 1.0}] * 4)
    assert [row["lr"] for row in run.record["history"]] == [0.5] * 4


# --- the stack's timer, record, curves and TensorBoard --------------------------------------

def test_stack_times_epochs_before_recording_them(run, clock, plotted):
    model = compiled_model()
    fit_scripted(model, default_callbacks(run, patience=None, reduce_lr=False, backup=False,
                                          samples_per_epoch=300, curve_title="MLP"),
                 [{"loss": 0.5, "val_loss": 0.6}] * 3, clock=clock, seconds=1.5)
    history = run.record["history"]
    assert [(row["epoch"], row["time_s"], row["samples_per_s"]) for row in history] == \
        [(1, 1.5, 200.0), (2, 1.5, 200.0), (3, 1.5, 200.0)]
    assert run.record["training"]["samples_per_s"] == 200.0
    ((curves, path, title),) = plotted
    assert [row["epoch"] for row in curves] == [1, 2, 3] and curves[0]["val_loss"] == 0.6
    assert (path, title) == (run.dir / "learning_curves.png", "MLP")
    assert run.record["figures"]["learning_curves"] == "learning_curves.png"


def test_stack_derives_samples_from_steps_and_batch_size(run, clock):
    model = compiled_model()
    fit_scripted(model, stack(run, patience=None, reduce_lr=False, batch_size=32),
                 [{"loss": 0.5}], clock=clock, seconds=2.0, params={"epochs": 1, "steps": 10})
    assert run.record["history"][0]["samples_per_s"] == 160.0


def test_keyed_stack_records_under_its_key_and_names_its_curves(run, plotted):
    model = compiled_model()
    fit_scripted(model, default_callbacks(run, key="small", patience=None, backup=False),
                 [{"val_loss": 0.3}, {"val_loss": 0.2}])
    result = run.record["results"]["small"]
    assert [row["epoch"] for row in result["history"]] == [1, 2]
    assert result["training"]["best_epoch"] == 2
    assert run.record["history"] == [] and run.record["training"] == {}
    ((_, path, title),) = plotted
    assert (path, title) == (run.dir / "learning_curves_small.png", "Learning curves")
    assert run.record["figures"] == {"learning_curves_small": "learning_curves_small.png"}


def test_stack_parts_can_be_left_out_or_added(run):
    def kinds(callbacks):
        return [type(c).__name__ for c in callbacks]

    assert kinds(default_callbacks(run)) == [
        "EpochTimer", "HistoryRecorder", "EarlyStopping", "ReduceLROnPlateau",
        "EpochBackupAndRestore", "LearningCurvePlotter"]
    assert kinds(stack(run, patience=None, reduce_lr=False)) == ["EpochTimer",
                                                                 "HistoryRecorder"]
    (board,) = [c for c in stack(run, tensorboard=True)
                if isinstance(c, keras.callbacks.TensorBoard)]
    assert Path(board.log_dir) == run.dir / "tensorboard"


# --- backups: at an epoch's end, at most once every backup_every_s -------------------------

class BackupSpy(keras.callbacks.Callback):
    """After each epoch: the last epoch the backup folder holds (None: no backup yet)."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder, self.seen = folder, []

    def on_epoch_end(self, epoch, logs=None):
        metadata = self.folder / "training_metadata.json"
        self.seen.append(json.loads(metadata.read_text())["epoch"] if metadata.exists()
                         else None)


@pytest.mark.parametrize(("options", "seconds", "backed_up"), [
    ({}, 10.0, [None, None, 3, 3, 3, 6]),                      # default: every 30 s
    ({"backup_every_s": 5}, 2.5, [None, 2, 2, 4, 4, 6]),       # 5 s: at exactly 5 s too
    ({"backup_every_s": 0}, 2.5, [1, 2, 3, 4, 5, 6]),
])
def test_backup_waits_backup_every_s_since_the_last_one(run, clock, options, seconds,
                                                       backed_up):
    model = compiled_model()
    callbacks = stack(run, patience=None, reduce_lr=False, backup=True, **options)
    (backup,) = [c for c in callbacks if isinstance(c, EpochBackupAndRestore)]
    spy = BackupSpy(Path(backup.backup_dir))
    fit_scripted(model, [*callbacks, spy], [{"loss": 1.0}] * 6, clock=clock, seconds=seconds)
    assert spy.seen == backed_up
    assert not Path(backup.backup_dir).exists() or not any(Path(backup.backup_dir).iterdir()), \
        "the backup is deleted once training completes"


def test_backup_interval_defaults_to_30_seconds(tmp_path, clock):
    model = compiled_model()
    backup = EpochBackupAndRestore(str(tmp_path / "backup"))
    spy = BackupSpy(tmp_path / "backup")
    fit_scripted(model, [backup, spy], [{"loss": 1.0}] * 4, clock=clock, seconds=15.0)
    assert spy.seen == [None, 2, 2, 4]


def test_each_key_and_command_has_its_own_backup_folder(tmp_path):
    def folder(command, extra=None, stamp="20261203-100000"):
        run = SimpleNamespace(record={"command": command}, dir=tmp_path / "lab" / stamp)
        return backup_dir_for(run, extra)

    first = folder(["python", "-m", "lab", "--epochs", "4"], {"key": None})
    assert first.parent == tmp_path / "lab" / ".backup"
    assert folder(["python", "-m", "lab", "--epochs", "4"], {"key": None},
                  stamp="20261203-110000") == first, "the re-run finds the backup"
    assert folder(["python", "-m", "lab", "--epochs", "5"], {"key": None}) != first
    assert folder(["python", "-m", "lab", "--epochs", "4"], {"key": "a"}) != first
    assert folder(["python", "-m", "lab", "--epochs", "4"]) != first
    assert folder(["x"], {"a": 1, "b": Path("p")}) == folder(["x"], {"b": Path("p"), "a": 1})


def test_stack_backs_up_each_key_apart(run):
    def folder(**options):
        (backup,) = [c for c in default_callbacks(run, curves=False, **options)
                     if isinstance(c, EpochBackupAndRestore)]
        return Path(backup.backup_dir)

    assert folder() == folder() == backup_dir_for(run, {"key": None})
    assert len({folder(), folder(key="a"), folder(key="b")}) == 3
    assert folder(key="a").parent == run.dir.parent / ".backup"


# --- EpochTimer ------------------------------------------------------------------------------

def test_epoch_timer_times_each_epoch_and_the_whole_run(clock):
    timer = EpochTimer(samples_per_epoch=200)
    model = SimpleNamespace()
    timer.set_model(model)
    timer.on_train_begin()
    logs = []
    for seconds in (2.5, 4.0):
        clock.now += 1.0  # between epochs (validation of the last one, other callbacks)
        timer.on_epoch_begin(len(logs))
        clock.now += seconds
        logs.append({})
        timer.on_epoch_end(len(logs) - 1, logs[-1])
    assert timer.total_time_s == 0.0  # not ended yet
    clock.now += 1.0
    timer.on_train_end()
    assert timer.epoch_times == [2.5, 4.0] and timer.total_time_s == 9.5
    assert logs == [{"time_s": 2.5, "samples_per_s": 80.0}, {"time_s": 4.0, "samples_per_s": 50.0}]


def test_epoch_timer_starts_again_on_the_next_fit(clock):
    timer = EpochTimer()
    fit_scripted(SimpleNamespace(), [timer], [{}] * 2, clock=clock)
    fit_scripted(SimpleNamespace(), [timer], [{}], clock=clock, seconds=3.0)
    assert timer.epoch_times == [3.0] and timer.total_time_s == 3.0
    timer.on_train_begin()
    assert timer.epoch_times == [] and timer.total_time_s == 0.0


@pytest.mark.parametrize(("batch_size", "params"), [
    (None, {"steps": 10}),    # no batch size
    (32, {}),                 # no steps
    (32, None),               # no params at all
])
def test_epoch_timer_leaves_throughput_out_when_samples_are_unknown(clock, batch_size, params):
    timer = EpochTimer(batch_size=batch_size)
    timer.set_model(SimpleNamespace())
    timer.params = params
    timer.on_train_begin()
    timer.on_epoch_begin(0)
    clock.now += 2.0
    logs = {}
    timer.on_epoch_end(0, logs)
    assert logs == {"time_s": 2.0}


def test_epoch_timer_without_logs_still_times_the_epoch(clock):
    timer = EpochTimer(samples_per_epoch=10)
    timer.on_train_begin()
    timer.on_epoch_begin(0)
    clock.now += 2.0
    timer.on_epoch_end(0, None)
    assert timer.epoch_times == [2.0]


# --- HistoryRecorder ---------------------------------------------------------------------------

def test_recorder_saves_each_epoch_as_it_ends(clock):
    """An interrupted run keeps the epochs it finished: the record is saved after each."""
    run = RecordingRun()
    run.record["history"] = [{"epoch": 1, "loss": 9.0}]  # an earlier fit's
    recorder = HistoryRecorder(run)
    model = SimpleNamespace(optimizer=SimpleNamespace(learning_rate=np.float32(0.25)))
    recorder.set_model(model)
    recorder.on_train_begin()
    recorder.on_epoch_end(0, {"loss": np.float32(0.5), "val_loss": 0.75, "note": "text",
                              "val_accuracy": "0.5"})
    assert run.saved[-1]["history"] == [
        {"epoch": 1, "loss": 0.5, "val_loss": 0.75, "val_accuracy": 0.5, "lr": 0.25}]
    assert all(type(v) in (int, float) for v in run.saved[-1]["history"][0].values())
    recorder.on_epoch_end(1, {"loss": 0.25})
    assert [row["epoch"] for row in run.saved[-1]["history"]] == [1, 2]
    assert len(run.saved) == 2 and "training" not in run.saved[-1]
    recorder.on_train_end()
    assert len(run.saved) == 3 and run.saved[-1]["training"]["epochs_run"] == 2


@pytest.mark.parametrize("model", [
    SimpleNamespace(),                                              # no optimizer
    SimpleNamespace(optimizer=SimpleNamespace(learning_rate=None)),  # no value
    SimpleNamespace(optimizer=SimpleNamespace(learning_rate="n/a")),
])
def test_recorder_leaves_out_a_learning_rate_it_cannot_read(model):
    run = RecordingRun()
    recorder = HistoryRecorder(run)
    recorder.set_model(model)
    recorder.on_train_begin()
    recorder.on_epoch_end(0, {"loss": 0.5})
    recorder.on_epoch_end(1, None)
    assert run.record["history"] == [{"epoch": 1, "loss": 0.5}, {"epoch": 2}]


def summary_of(rows, clock, *, model=None, **options):
    """The training summary a recorder writes for these epoch logs."""
    run = RecordingRun()
    recorder = HistoryRecorder(run, **options)
    recorder.set_model(model if model is not None else SimpleNamespace())
    recorder.on_train_begin()
    for epoch, row in enumerate(rows):
        clock.now += 1.0
        recorder.on_epoch_end(epoch, row)
    clock.now += 0.2344
    recorder.on_train_end()
    return run.record["training"]


def test_recorder_summary_times_and_throughput(clock):
    rows = [{"time_s": 1.23456, "samples_per_s": 500.0},  # the first epoch compiles
            {"time_s": 1.0, "samples_per_s": 10.0},
            {"time_s": 1.0004, "samples_per_s": 30.0},
            {"time_s": 1.0, "samples_per_s": 20.04}]
    training = summary_of(rows, clock)
    assert training["time_s"] == 4.234
    assert training["epochs_run"] == 4
    assert training["epoch_time_s"] == [1.235, 1.0, 1.0, 1.0]
    assert training["samples_per_s"] == 20.0  # the median of the epochs after the first
    assert training["best_epoch"] is None and training["monitor"] == "val_loss"
    assert training["stopped_early"] is False


@pytest.mark.parametrize(("rates", "steady"), [
    ([500.0, 10.0, 40.0], 40.0),   # an even count: the upper middle
    ([50.06], 50.1),               # one epoch: its own rate
    ([], None),
])
def test_recorder_steady_throughput(clock, rates, steady):
    assert summary_of([{"samples_per_s": r} for r in rates], clock)["samples_per_s"] == steady


@pytest.mark.parametrize(("options", "best"), [
    ({}, 3),                                                   # val_loss: the lowest
    ({"monitor": "val_score", "mode": "max"}, 2),
    ({"monitor": "val_score", "mode": "min"}, 1),
    ({"monitor": "loss"}, 2),
    ({"monitor": "val_accuracy"}, 4),                          # the compiled metric says up
])
def test_recorder_best_epoch_follows_monitor_and_mode(clock, options, best):
    rows = [{"loss": 0.9, "val_loss": 0.8, "val_score": 0.1},
            {"loss": 0.2, "val_loss": 0.5, "val_score": 0.9},
            {"loss": 0.3, "val_loss": 0.3, "val_score": 0.5},
            {"val_accuracy": 0.9},                             # no loss: not ranked by loss
            {"loss": 0.4, "val_loss": 0.4, "val_score": 0.2}]
    training = summary_of(rows, clock, model=compiled_model(), **options)
    assert training["best_epoch"] == best
    assert training["monitor"] == options.get("monitor", "val_loss")


def test_recorder_reports_an_early_stop(clock):
    stopped = SimpleNamespace(stop_training=True)
    assert summary_of([{"val_loss": 0.5}], clock, model=stopped)["stopped_early"] is True
    assert summary_of([{"val_loss": 0.5}], clock,
                      model=SimpleNamespace(stop_training=False))["stopped_early"] is False


def test_keyed_recorder_keeps_its_history_apart(clock):
    run = RecordingRun()
    run.record["history"] = [{"epoch": 1}]
    run.record["results"]["big"] = {"history": [{"epoch": 7}], "note": "kept"}
    recorder = HistoryRecorder(run, key="big")
    recorder.set_model(SimpleNamespace())
    recorder.on_train_begin()
    recorder.on_epoch_end(0, {"val_loss": 0.5})
    recorder.on_train_end()
    result = run.record["results"]["big"]
    assert result["history"] == [{"epoch": 1, "val_loss": 0.5}] and result["note"] == "kept"
    assert result["training"]["best_epoch"] == 1
    assert run.record["history"] == [{"epoch": 1}] and "training" not in run.record
    other = HistoryRecorder(run, key="new")
    other.set_model(SimpleNamespace())
    other.on_train_begin()
    other.on_epoch_end(0, {})
    assert run.record["results"]["new"] == {"history": [{"epoch": 1}]}


def test_recorder_mode_is_checked_when_made():
    for mode in ("auto", "min", "max"):
        assert HistoryRecorder(RecordingRun(), mode=mode).mode == mode
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', not 'up'"):
        HistoryRecorder(RecordingRun(), mode="up")


# --- better_direction ------------------------------------------------------------------------

def metric(name, direction=None):
    found = SimpleNamespace(name=name)
    if direction is not None:
        found._direction = direction
    return found


def test_direction_of_a_loss_needs_no_metric():
    assert better_direction(None, "val_loss") == "min"
    assert better_direction(SimpleNamespace(), "loss") == "min"


def test_direction_declared_by_the_compiled_metric():
    model = SimpleNamespace(metrics=[
        metric("loss"),
        SimpleNamespace(name="compile_metrics", metrics=[metric("auc", "up"),
                                                          metric("mae", "down")]),
        metric("hits", "up"),                   # a metric outside a container
    ])
    assert better_direction(model, "val_auc") == "max"
    assert better_direction(model, "auc") == "max"
    assert better_direction(model, "val_mae") == "min"
    assert better_direction(model, "val_hits") == "max"
    assert better_direction(compiled_model(), "val_accuracy") == "max"  # a real Keras model


def test_mode_given_overrides_the_declared_direction():
    model = SimpleNamespace(metrics=[metric("auc", "up"), metric("mae", "down")])
    assert better_direction(model, "val_auc", "min") == "min"
    assert better_direction(model, "val_mae", "max") == "max"
    assert better_direction(None, "val_loss", "max") == "max"


@pytest.mark.parametrize(("model", "monitor"), [
    (SimpleNamespace(metrics=[metric("f1")]), "val_f1"),           # declares no direction
    (SimpleNamespace(metrics=[metric("auc", "up")]), "val_f1"),    # another metric's
    (SimpleNamespace(metrics=[metric("auc", "up")]), "val_val_auc"),
    (SimpleNamespace(metrics=None), "val_f1"),
    (None, "val_f1"),
])
def test_unknown_direction_asks_for_a_mode(model, monitor):
    with pytest.raises(ValueError,
                       match=f"cannot tell whether '{monitor}' should go up or down: "
                             "pass mode='max' or mode='min'"):
        better_direction(model, monitor)


# --- ValidationF1 ------------------------------------------------------------------------------

def test_validation_f1_scores_the_argmax_with_every_class(capsys):
    """Classes 0 and 1 perfectly predicted, class 2 never present nor predicted: it counts 0,
    so the macro F1 is 2/3 (a macro over the classes seen would say 1)."""
    model = object()
    asked = []

    def predict_scores(given):
        asked.append(given)
        return [[0.9, 0.1, 0.0], [0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.6, 0.3]]

    f1 = ValidationF1(predict_scores, np.array([0, 0, 1, 1]), classes=3)
    f1.set_model(model)
    logs = {"val_loss": 0.5}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "ill-defined F-score" warning in every epoch's line
        f1.on_epoch_end(0, logs)
    assert asked == [model]
    assert logs == {"val_loss": 0.5, "val_f1": pytest.approx(2 / 3)}
    assert type(logs["val_f1"]) is float
    assert capsys.readouterr().out == " - val_f1: 0.6667\n"


def test_validation_f1_macro_averages_unequal_classes(capsys):
    # class 0: precision 1, recall 1/2 -> 2/3; class 1: precision 2/3, recall 1 -> 4/5
    f1 = ValidationF1(lambda model: np.array([[1, 0], [0, 1], [0, 1], [0, 1]]),
                      [0, 0, 1, 1], classes=2, name="val_macro_f1")
    f1.set_model(object())
    logs = {}
    f1.on_epoch_end(0, logs)
    assert logs == {"val_macro_f1": pytest.approx((2 / 3 + 4 / 5) / 2)}
    f1.on_epoch_end(1, None)  # no logs: still scored and shown
    assert capsys.readouterr().out == " - val_macro_f1: 0.7333\n" * 2


# --- LearningCurvePlotter ----------------------------------------------------------------------

def test_plotter_draws_this_fit_only_when_it_ends(tmp_path, plotted):
    plotter = LearningCurvePlotter(str(tmp_path / "curves.png"))
    fit_scripted(SimpleNamespace(), [plotter], [{"loss": 9.0}])
    fit_scripted(SimpleNamespace(), [plotter],
                 [{"loss": np.float32(0.5), "val_loss": 0.75, "note": "x"}, {"loss": 0.25}])
    assert len(plotted) == 2
    history, path, title = plotted[-1]
    assert history == [{"epoch": 1, "loss": 0.5, "val_loss": 0.75}, {"epoch": 2, "loss": 0.25}]
    assert path == tmp_path / "curves.png" and isinstance(path, Path)
    assert title == "Learning curves"
    plotter = LearningCurvePlotter(tmp_path / "x.png", title="CNN")
    fit_scripted(SimpleNamespace(), [plotter], [{}])
    assert plotted[-1][2] == "CNN"


# --- merge_phases --------------------------------------------------------------------------------

def test_merge_phases_joins_two_phases_into_one_training():
    results = {
        "frozen": {"history": [{"epoch": 1, "val_loss": 0.6}, {"epoch": 2, "val_loss": 0.5}],
                   "training": {"time_s": 1.0004, "epoch_time_s": [0.5, 0.5],
                                "samples_per_s": 90.0, "stopped_early": False}},
        "unfrozen": {"history": [{"epoch": 3, "val_loss": 0.4}, {"epoch": 4, "val_loss": 0.45}],
                     "training": {"time_s": 2.0002, "epoch_time_s": [1.0, 1.0],
                                  "samples_per_s": 40.0, "stopped_early": True}},
        "other": {"history": []},
    }
    merge_phases(results, "frozen", "unfrozen")
    assert set(results) == {"frozen", "other"}
    merged = results["frozen"]
    assert [row["epoch"] for row in merged["history"]] == [1, 2, 3, 4]
    assert merged["training"] == {
        "time_s": 3.001, "epochs_run": 4, "epoch_time_s": [0.5, 0.5, 1.0, 1.0],
        "samples_per_s": 40.0, "best_epoch": 3, "monitor": "val_loss", "stopped_early": True,
        "unfrozen_at_epoch": 3}


def test_merge_phases_best_epoch_can_be_in_the_first_phase_or_nowhere():
    def phase(history, stopped=False):
        return {"history": history, "training": {"time_s": 1.0, "epoch_time_s": [],
                                                 "samples_per_s": None,
                                                 "stopped_early": stopped}}

    results = {"a": phase([{"epoch": 1, "val_loss": 0.1}, {"epoch": 2}]),
               "b": phase([{"epoch": 3, "val_loss": 0.2}])}
    merge_phases(results, "a", "b")
    assert results["a"]["training"]["best_epoch"] == 1
    assert results["a"]["training"]["stopped_early"] is False
    results = {"a": phase([{"epoch": 1, "loss": 0.1}]), "b": phase([])}
    merge_phases(results, "a", "b")
    assert results["a"]["training"]["best_epoch"] is None
    assert results["a"]["training"]["unfrozen_at_epoch"] is None
    assert results["a"]["training"]["epochs_run"] == 1
