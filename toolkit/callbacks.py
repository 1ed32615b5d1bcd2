"""Training callbacks that measure a run and feed its record.

All of them act at epoch boundaries only: nothing here runs per batch, so none of them
forces the accelerator to wait for the host (a per-batch ``float(loss)`` would).

Example:
    >>> callbacks = default_callbacks(run, samples_per_epoch=len(x_train))
    >>> model.fit(x_train, y_train, validation_split=0.1, callbacks=callbacks)
    >>> run.record["training"]  # time, samples/s, best epoch, early stop
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import keras
import numpy as np

from toolkit.formats import is_number


def _plain(logs: dict | None) -> dict:
    return {k: float(v) for k, v in (logs or {}).items() if is_number(v)}


def _current_lr(model) -> float | None:
    try:
        lr = model.optimizer.learning_rate
        return float(keras.ops.convert_to_numpy(lr))
    except (AttributeError, TypeError, ValueError):
        return None


class EpochTimer(keras.callbacks.Callback):
    """Times every epoch and adds ``time_s`` and ``samples_per_s`` to its logs.

    Put it first in the callback list so the callbacks after it see the figures.

    Args:
        samples_per_epoch: training samples in one epoch (default ``None``: derived from
            ``steps * batch_size`` when Keras knows them, else throughput is left out).
        batch_size: the batch size used, to derive samples from steps (default ``None``).

    Example:
        >>> timer = EpochTimer(samples_per_epoch=len(x_train))
        >>> model.fit(x_train, y_train, callbacks=[timer])
        >>> timer.total_time_s, timer.epoch_times
    """

    def __init__(self, samples_per_epoch: int | None = None, batch_size: int | None = None):
        super().__init__()
        self.samples_per_epoch = samples_per_epoch
        self.batch_size = batch_size

    def on_train_begin(self, logs=None):
        self.epoch_times: list[float] = []
        self.train_start = time.perf_counter()
        self.total_time_s = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._epoch_start
        self.epoch_times.append(elapsed)
        if logs is not None:
            logs["time_s"] = elapsed
            samples = self._samples()
            if samples:
                logs["samples_per_s"] = samples / elapsed

    def on_train_end(self, logs=None):
        self.total_time_s = time.perf_counter() - self.train_start

    def _samples(self) -> int | None:
        if self.samples_per_epoch:
            return self.samples_per_epoch
        steps = (self.params or {}).get("steps")
        if steps and self.batch_size:
            return steps * self.batch_size
        return None


def better_direction(model, monitor: str, mode: str = "auto") -> str:
    """``"min"`` or ``"max"``: which way ``monitor`` improves, decided as Keras's callbacks do.

    ``mode`` ``"min"``/``"max"`` is taken as given. ``"auto"``: a loss improves downwards;
    any other metric in the direction its compiled Keras metric declares (accuracy, AUC: up).

    Raises:
        ValueError: ``"auto"`` and the metric's direction is unknown (pass ``mode``).
    """
    if mode in ("min", "max"):
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    for metric in _compiled_metrics(model):
        if metric.name == name and hasattr(metric, "_direction"):
            return "max" if metric._direction == "up" else "min"
    raise ValueError(f"cannot tell whether {monitor!r} should go up or down: "
                     f"pass mode='max' or mode='min'")


def _compiled_metrics(model) -> list:
    """The metric objects of a compiled model, unwrapped from Keras's containers."""
    found = []
    for metric in getattr(model, "metrics", None) or []:
        found.extend(getattr(metric, "metrics", None) or [metric])
    return found


class HistoryRecorder(keras.callbacks.Callback):
    """Appends each epoch's logs (and the learning rate) to ``run.record["history"]``.

    The record is saved after every epoch, so an interrupted run keeps its curves.
    At the end of training it fills ``run.record["training"]``.

    Args:
        run: the :class:`toolkit.runs.Run` to feed.
        key: ``None`` (default) appends to ``record["history"]``; a name appends to
            ``record["results"][key]["history"]`` instead (labs that train several models).
        monitor: the metric used to report the best epoch (default ``"val_loss"``).
        mode: which direction is better, as in Keras's ``EarlyStopping``: ``"min"``, ``"max"``
            or ``"auto"`` (default: lower for a loss, else the direction the compiled metric
            declares; see :func:`better_direction`).
    """

    def __init__(self, run, key: str | None = None, monitor: str = "val_loss",
                 mode: str = "auto"):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', not {mode!r}")
        self.run = run
        self.key = key
        self.monitor = monitor
        self.mode = mode

    def _history(self) -> list:
        if self.key is None:
            return self.run.record.setdefault("history", [])
        return self.run.record["results"].setdefault(self.key, {}).setdefault("history", [])

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self._history().clear()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, **_plain(logs)}
        lr = _current_lr(self.model)
        if lr is not None:
            row["lr"] = lr
        self._history().append(row)
        self.run.save()

    def on_train_end(self, logs=None):
        history = self._history()
        times = [row["time_s"] for row in history if "time_s" in row]
        rates = [row["samples_per_s"] for row in history if "samples_per_s" in row]
        scored = [row for row in history if self.monitor in row]
        best = None
        if scored:
            pick = min if better_direction(self.model, self.monitor, self.mode) == "min" else max
            best = pick(scored, key=lambda r: r[self.monitor])
        summary = {
            "time_s": round(time.perf_counter() - self._start, 3),
            "epochs_run": len(history),
            "epoch_time_s": [round(t, 3) for t in times],
            # The first epoch includes compilation: steady throughput is the median of the rest.
            "samples_per_s": round(sorted(rates[1:] or rates)[len(rates[1:] or rates) // 2], 1)
            if rates else None,
            "best_epoch": best["epoch"] if best else None,
            "monitor": self.monitor,
            "stopped_early": bool(getattr(self.model, "stop_training", False)),
        }
        if self.key is None:
            self.run.record["training"] = summary
        else:
            self.run.record["results"][self.key]["training"] = summary
        self.run.save()


class ValidationF1(keras.callbacks.Callback):
    """Adds the macro F1 score on the validation split to each epoch's logs (``val_f1``).

    Keras has no sparse-label F1 metric that works on every backend, so this predicts the
    validation data once per epoch (the cost of one more validation pass) and scores the
    argmax with scikit-learn. Put it before the callbacks that read ``val_f1`` (the history
    recorder, early stopping).

    Args:
        predict_scores: ``model -> array (texts, classes)``, the scores of the validation
            samples in the order of ``labels``.
        labels: the validation labels (integers ``0 .. classes - 1``).
        classes: the number of classes (a class never predicted still counts, as 0).
        name: the log key (default ``"val_f1"``).

    Example:
        >>> f1 = ValidationF1(lambda model: model.predict(x_val, verbose=0), y_val, classes=2)
        >>> model.fit(x, y, validation_data=(x_val, y_val), callbacks=[f1, *callbacks])
    """

    def __init__(self, predict_scores, labels, classes: int, name: str = "val_f1"):
        super().__init__()
        self.predict_scores, self.labels, self.name = predict_scores, labels, name
        self.classes = classes

    def on_epoch_end(self, epoch, logs=None):
        from sklearn.metrics import f1_score

        predicted = np.argmax(np.asarray(self.predict_scores(self.model)), axis=1)
        score = f1_score(self.labels, predicted, average="macro",
                         labels=list(range(self.classes)), zero_division=0)
        if logs is not None:
            logs[self.name] = float(score)
        print(f" - {self.name}: {score:.4f}")


class LearningCurvePlotter(keras.callbacks.Callback):
    """Writes a learning-curve PNG (loss and metrics, train vs validation) when training ends.

    Args:
        path: where to write the PNG.
        title: the figure title (default ``"Learning curves"``).
    """

    def __init__(self, path: Path | str, title: str = "Learning curves"):
        super().__init__()
        self.path = Path(path)
        self.title = title

    def on_train_begin(self, logs=None):
        self.history: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        self.history.append({"epoch": epoch + 1, **_plain(logs)})

    def on_train_end(self, logs=None):
        from toolkit.plots import learning_curves

        learning_curves(self.history, self.path, title=self.title)


def backup_dir_for(run, extra: dict | None = None) -> Path:
    """A backup folder shared by every run of the same lab, command and settings.

    BackupAndRestore needs the *same* folder on the re-run to resume, while each run gets
    a new run folder; so the backup lives beside the run folders, keyed by the settings.
    """
    settings = {"command": run.record.get("command"), **(extra or {})}
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()
    return run.dir.parent / ".backup" / digest[:12]


class EpochBackupAndRestore(keras.callbacks.BackupAndRestore):
    """``keras.callbacks.BackupAndRestore`` that backs up at the end of an epoch, at most once
    every ``min_interval_s`` seconds.

    Keras's class also has a per-batch hook (for ``save_freq=N`` batches) that does nothing
    with ``save_freq="epoch"``; but any per-batch hook makes Keras convert every batch's logs
    to Python numbers, so the host waits for the device after each batch. This class drops it.
    Writing the weights (and the optimizer's state) takes tens of milliseconds: on epochs of
    a second that would be several per cent of the time, to save less than a minute of work.
    So an epoch that ends less than ``min_interval_s`` after the last backup is not backed up.

    Args:
        backup_dir: where the backup lives (see :func:`backup_dir_for`).
        min_interval_s: seconds between backups (default 30; 0 backs up every epoch).
    """

    # Keras's own no-op hook (marked as the default): Keras then skips per-batch log handling.
    on_train_batch_end = keras.callbacks.Callback.on_train_batch_end

    def __init__(self, backup_dir: str, min_interval_s: float = 30.0):
        super().__init__(backup_dir, save_freq="epoch")
        self.min_interval_s = min_interval_s

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._last_backup = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if time.monotonic() - self._last_backup >= self.min_interval_s:
            super().on_epoch_end(epoch, logs)
            self._last_backup = time.monotonic()


def default_callbacks(run, *, monitor: str = "val_loss", mode: str = "auto",
                      patience: int | None = 3,
                      reduce_lr: bool = True, backup: bool = True, backup_every_s: float = 30.0,
                      tensorboard: bool = False,
                      samples_per_epoch: int | None = None, batch_size: int | None = None,
                      curves: bool = True, key: str | None = None,
                      curve_title: str = "Learning curves") -> list[keras.callbacks.Callback]:
    """The course's standard callback stack, in the order they must run.

    Args:
        run: the :class:`toolkit.runs.Run` whose record and folder they feed.
        monitor: metric for early stopping / LR reduction (default ``"val_loss"``).
        mode: ``"min"``, ``"max"`` or ``"auto"`` (default), which way ``monitor`` improves;
            the same for every callback (see :func:`better_direction`).
        patience: EarlyStopping patience in epochs (default 3; ``None`` turns it off).
            The best weights are restored at the end.
        reduce_lr: halve the learning rate after ``max(1, patience // 2)`` flat epochs.
        backup: resume an interrupted run (``BackupAndRestore``) when the same command runs again.
        backup_every_s: back up at an epoch's end only if this many seconds passed since the
            last backup (default 30): short epochs do not pay for writing the weights each time.
        tensorboard: also write TensorBoard logs to ``<run>/tensorboard``.
        samples_per_epoch, batch_size: for the samples/s figure (see :class:`EpochTimer`).
        curves: write ``learning_curves.png`` (or ``learning_curves_<key>.png``) at the end.
        key: record the history under ``results[key]`` instead of the top level.
    """
    callbacks: list[keras.callbacks.Callback] = [
        EpochTimer(samples_per_epoch, batch_size),
        HistoryRecorder(run, key=key, monitor=monitor, mode=mode),
    ]
    if patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=patience, restore_best_weights=True,
            verbose=1))
    if reduce_lr:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, mode=mode, factor=0.5, patience=max(1, (patience or 2) // 2), verbose=1))
    if backup:
        callbacks.append(EpochBackupAndRestore(str(backup_dir_for(run, {"key": key})),
                                               min_interval_s=backup_every_s))
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run.path("tensorboard"))))
    if curves:
        name = "learning_curves.png" if key is None else f"learning_curves_{key}.png"
        callbacks.append(LearningCurvePlotter(run.path(name), title=curve_title))
        run.add_figure("learning_curves" if key is None else f"learning_curves_{key}", name)
    return callbacks


def merge_phases(results: dict, first: str, second: str) -> None:
    """Join two phases of one model's training into one history and one training summary.

    ``results[first]`` and ``results[second]`` are what :func:`default_callbacks` recorded
    under two keys (e.g. lab 5's frozen embedding, then the same model unfrozen, trained on
    from the next epoch); ``second`` is removed and the summary counts both phases.
    """
    later = results.pop(second)
    merged = results[first]
    merged["history"] = merged["history"] + later["history"]
    scored = [row for row in merged["history"] if "val_loss" in row]
    best = min(scored, key=lambda row: row["val_loss"]) if scored else None
    merged["training"] = {
        "time_s": round(merged["training"]["time_s"] + later["training"]["time_s"], 3),
        "epochs_run": len(merged["history"]),
        "epoch_time_s": merged["training"]["epoch_time_s"] + later["training"]["epoch_time_s"],
        "samples_per_s": later["training"]["samples_per_s"],
        "best_epoch": best["epoch"] if best else None, "monitor": "val_loss",
        "stopped_early": later["training"]["stopped_early"],
        "unfrozen_at_epoch": later["history"][0]["epoch"] if later["history"] else None,
    }
