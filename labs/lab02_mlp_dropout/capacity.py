"""``--hidden-units 32 128 512 2048``: the network's size against under- and overfitting."""

from __future__ import annotations

import argparse
import time

import numpy as np

from toolkit.formats import console_table
from toolkit.plots import plt, save_figure
from toolkit.runs import Run
from toolkit.seed import seed_everything
from toolkit.vision.data import ImageSplits


def capacity_sweep(data: ImageSplits, config: argparse.Namespace, run: Run, build_mlp,
                   make_optimizer) -> list[dict]:
    """Train the MLP without dropout at each width of ``--hidden-units``, all else equal.

    A narrow network (32 units) cannot represent the digits well: training and validation
    accuracy stay low together (underfitting). A wide one (2,048 units, 5.8 million
    parameters) fits the training images almost perfectly and validation lags behind: the
    gap grows with the parameter count (overfitting), which dropout then closes.
    """
    rows = []
    for width in config.hidden_units:
        seed_everything(config.seed)
        model = build_mlp(data.x_train.shape[1], len(data.class_names), width=width,
                          depth=config.depth)
        model.compile(optimizer=make_optimizer(config.optimizer, config.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        print(f"\n=== {width} hidden units ({model.count_params():,} parameters) ===")
        start = time.perf_counter()
        history = model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                            epochs=config.epochs, batch_size=config.batch_size, verbose=2).history
        seconds = time.perf_counter() - start
        _, test_accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)
        rows.append({"hidden_units": width, "parameters": model.count_params(),
                     "train_accuracy": [round(v, 4) for v in history["accuracy"]],
                     "val_accuracy": [round(v, 4) for v in history["val_accuracy"]],
                     "best_val_accuracy": round(max(history["val_accuracy"]), 4),
                     "final_gap": round(history["accuracy"][-1] - history["val_accuracy"][-1], 4),
                     "final_val_loss": round(history["val_loss"][-1], 4),
                     "min_val_loss": round(min(history["val_loss"]), 4),
                     "test_accuracy": round(float(test_accuracy), 4),
                     "time_s": round(seconds, 1)})
    print(console_table(
        ["hidden units", "parameters", "final train acc", "best val acc", "final gap",
         "val loss min -> final", "test acc", "time s"],
        [[r["hidden_units"], f"{r['parameters']:,}", f"{r['train_accuracy'][-1]:.4f}",
          f"{r['best_val_accuracy']:.4f}", f"{r['final_gap']:+.4f}",
          f"{r['min_val_loss']:.4f} -> {r['final_val_loss']:.4f}", f"{r['test_accuracy']:.4f}",
          f"{r['time_s']:.1f}"] for r in rows]))
    run.record["results"]["capacity"] = rows
    run.add_figure("capacity", capacity_figure(rows, run))
    run.save()
    return rows


def capacity_figure(rows: list[dict], run: Run):
    """Left: train (solid) and validation (dashed) accuracy per epoch, one colour per width.
    Right: the final train-validation gap and the best validation accuracy against the
    parameter count (log scale)."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    colours = plt.get_cmap("viridis")
    for index, row in enumerate(rows):
        colour = colours(index / max(1, len(rows) - 1) * 0.9)
        epochs = np.arange(1, len(row["train_accuracy"]) + 1)
        axes[0].plot(epochs, row["train_accuracy"], "-", color=colour,
                     label=f"{row['hidden_units']} units train")
        axes[0].plot(epochs, row["val_accuracy"], "--", color=colour,
                     label=f"{row['hidden_units']} units validation")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("accuracy")
    axes[0].set_title("accuracy: solid = train, dashed = validation")
    axes[0].legend(fontsize=7, ncol=2)
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    parameters = [row["parameters"] for row in rows]
    axes[1].plot(parameters, [row["final_gap"] * 100 for row in rows], "o-", color="tab:red",
                 label="final gap, train - validation (points)")
    for row in rows:
        axes[1].annotate(f"{row['hidden_units']} units", (row["parameters"],
                                                          row["final_gap"] * 100),
                         textcoords="offset points", xytext=(4, 6), fontsize=8)
    axes[1].set_xscale("log")
    axes[1].set_xlim(min(parameters) / 2, max(parameters) * 4)  # room for the labels
    axes[1].set_xlabel("parameters (log scale)")
    axes[1].set_ylabel("gap (accuracy points)", color="tab:red")
    twin = axes[1].twinx()
    twin.plot(parameters, [row["best_val_accuracy"] for row in rows], "s--", color="tab:blue")
    twin.set_ylabel("best validation accuracy", color="tab:blue")
    axes[1].set_title("more parameters: higher validation accuracy, then a wider gap")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle("Capacity: the same MLP (no dropout) at each width, same data and seed")
    return save_figure(fig, run.path("capacity.png"))
