"""The learning rate a model trained with, step by step, and its figure.

A schedule object (warm-up + decay, cosine restarts) is evaluated at every optimizer step;
a plain rate lowered by ``ReduceLROnPlateau`` is read from the per-epoch history (the
``lr`` that :class:`toolkit.callbacks.HistoryRecorder` records), so the curve is a staircase.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def learning_rate_curve(optimizer, history: Sequence[dict], steps_per_epoch: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, rates)`` over the epochs that ran (``len(history)`` of them)."""
    import keras

    epochs = max(1, len(history))
    steps = np.arange(epochs * steps_per_epoch)
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
    schedule = getattr(optimizer, "_learning_rate", None)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        rates = keras.ops.convert_to_numpy(schedule(steps)).astype("float64")
    else:  # a plain rate: the one each epoch ran with
        per_epoch = [row.get("lr") for row in history] or [float(
            keras.ops.convert_to_numpy(optimizer.learning_rate))]
        rates = np.repeat(np.asarray(per_epoch, dtype="float64"), steps_per_epoch)
    return steps, rates


def learning_rate_figure(steps: np.ndarray, rates: np.ndarray, steps_per_epoch: int,
                         path: Path | str, *, title: str = "Learning rate") -> Path:
    """The rate against the optimizer step, with the epoch boundaries marked."""
    from toolkit.plots import plt, save_figure

    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(steps, rates, color="tab:blue")
    for boundary in range(steps_per_epoch, len(steps), steps_per_epoch):
        ax.axvline(boundary, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel(f"optimizer step ({steps_per_epoch} per epoch; dotted: epoch ends)")
    ax.set_ylabel("learning rate")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    ax.set_title(title, wrap=True)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
