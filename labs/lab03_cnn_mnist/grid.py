"""``--batch-sizes``: the same CNN trained once per batch size; validation accuracy after
every epoch makes a batch size x epochs grid."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import keras
import numpy as np

from toolkit.formats import console_table
from toolkit.plots import plt, save_figure
from toolkit.runs import Run
from toolkit.seed import seed_everything
from toolkit.vision.data import ImageSplits


def batch_size_grid(data: ImageSplits, config: argparse.Namespace, run: Run, builder) -> dict:
    """Train ``builder(classes, augment)`` for ``--epochs`` at every ``--batch-sizes`` value,
    from the same initial weights at a constant ``--learning-rate``.

    Each row of the grid is one training run; each column the validation accuracy after that
    many epochs, so the grid answers both "which batch size?" and "how many epochs?". Small
    batches take more steps per epoch (better early), large ones use the CPU better per
    image (faster epochs).
    """
    rows = []
    for batch_size in config.batch_sizes:
        seed_everything(config.seed)
        model = builder(len(data.class_names), config.augment)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        print(f"\n=== batch {batch_size} ===")
        start = time.perf_counter()
        history = model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                            epochs=config.epochs, batch_size=batch_size, verbose=2).history
        seconds = time.perf_counter() - start
        rows.append({"batch_size": batch_size,
                     "val_accuracy": [round(v, 4) for v in history["val_accuracy"]],
                     "train_accuracy": [round(v, 4) for v in history["accuracy"]],
                     "time_s": round(seconds, 1),
                     "steps_per_epoch": int(np.ceil(len(data.x_train) / batch_size))})
    print(console_table(["batch", *[f"epoch {e}" for e in range(1, config.epochs + 1)],
                         "time s"],
                        [[r["batch_size"], *[f"{v:.4f}" for v in r["val_accuracy"]],
                          f"{r['time_s']:.1f}"] for r in rows]))
    grid = {"learning_rate": config.learning_rate, "schedule": "constant", "rows": rows}
    run.record["results"]["batch_size_grid"] = grid
    run.add_figure("batch_size_grid", grid_figure(rows, run))
    run.save()
    return grid


def grid_figure(rows: list[dict], run: Run) -> Path:
    """Left: validation accuracy per batch size and epoch as a coloured grid. Right: the
    training time of each batch size."""
    values = np.array([r["val_accuracy"] for r in rows])
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.6 * len(rows) + 2.6),
                             gridspec_kw={"width_ratios": [2, 1]})
    image = axes[0].imshow(values, cmap="viridis", aspect="auto")
    for (row, column), value in np.ndenumerate(values):
        axes[0].text(column, row, f"{value:.4f}", ha="center", va="center", fontsize=8,
                     color="white" if value < values.mean() else "black")
    axes[0].set_xticks(range(values.shape[1]), [str(e) for e in range(1, values.shape[1] + 1)])
    axes[0].set_yticks(range(len(rows)), [f"batch {r['batch_size']}" for r in rows])
    axes[0].set_xlabel("epoch")
    axes[0].set_title("validation accuracy")
    fig.colorbar(image, ax=axes[0])
    axes[1].barh([f"batch {r['batch_size']}" for r in rows], [r["time_s"] for r in rows])
    for y, r in enumerate(rows):
        axes[1].text(r["time_s"], y, f" {r['time_s']:.0f} s", va="center", fontsize=8)
    axes[1].invert_yaxis()
    axes[1].set_xlim(0, max(r["time_s"] for r in rows) * 1.3)
    axes[1].set_title("training time")
    fig.suptitle("Batch size x epochs: the same CNN and initial weights, one run per batch size")
    return save_figure(fig, run.path("batch_size_grid.png"))
