"""``--compare-mlp``: lab 2's best MLP and this lab's CNN on the same images: parameters,
multiply-adds, accuracy and time."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import keras
import numpy as np

from toolkit.formats import console_table
from toolkit.metrics import measure_inference
from toolkit.plots import plt, save_figure
from toolkit.runs import Run
from toolkit.seed import seed_everything
from toolkit.vision.data import ImageSplits
from toolkit.vision.model_cost import model_cost

MLP_RECIPE = "Dense 512-512 ReLU, dropout 0.2, RMSprop 0.001, batch 128 (lab 2's best)"


def build_lab2_mlp(classes: int = 10) -> keras.Model:
    """Lab 2's best MLP on the same 28x28x1 images: flatten, two Dense(512) with dropout."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"), layers.Flatten(name="flatten"),
        layers.Dense(512, activation="relu", name="hidden_1"), layers.Dropout(0.2),
        layers.Dense(512, activation="relu", name="hidden_2"), layers.Dropout(0.2),
        layers.Dense(classes, activation="softmax", name="classes")], name="mlp_2x512")


def compare_with_mlp(model: keras.Model, data: ImageSplits, config: argparse.Namespace,
                     run: Run) -> list[dict]:
    """Train lab 2's best MLP here for the CNN's epochs, then put the two side by side.

    The MLP has ~20 times the CNN's parameters, yet the CNN is more accurate: its 3x3
    filters are shared by every position of the image, so each weight is used hundreds of
    times per image (multiply-adds far above parameters), while each MLP weight is used
    once (multiply-adds = parameters). Parameters set the memory and the risk of
    overfitting; multiply-adds set the computing time.
    """
    seed_everything(config.seed)
    mlp = build_lab2_mlp(len(data.class_names))
    mlp.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"\n=== MLP for comparison: {MLP_RECIPE}, {config.epochs} epochs ===")
    start = time.perf_counter()
    mlp.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
            epochs=config.epochs, batch_size=128, verbose=2)
    mlp_time = time.perf_counter() - start
    probabilities = np.asarray(mlp.predict(data.x_test, batch_size=512, verbose=0))
    mlp_accuracy = float((probabilities.argmax(1) == data.y_test).mean())
    rows = []
    for name, network, accuracy, seconds, inference in [
            (f"CNN ({model.name})", model, run.record["metrics"]["accuracy"],
             run.record["training"]["time_s"], run.record["inference"]),
            ("MLP (lab 2)", mlp, mlp_accuracy, mlp_time,
             measure_inference(mlp.predict_on_batch, data.x_test, batch_size=config.batch_size,
                               repeats=1 if config.quick else 3,
                               max_samples=1024 if config.quick else 4096))]:
        cost = model_cost(network)
        rows.append({"model": name, "parameters": cost["parameters"], "macs": cost["macs"],
                     "macs_per_parameter": round(cost["macs"] / cost["parameters"], 1),
                     "test_accuracy": round(accuracy, 4), "training_time_s": round(seconds, 1),
                     "latency_ms_per_image": inference["latency_ms_per_sample"],
                     "epochs": config.epochs})
    print(console_table(["model", "parameters", "multiply-adds", "MACs/param", "test acc",
                         "training s", "ms/image"],
                        [[r["model"], f"{r['parameters']:,}", f"{r['macs']:,}",
                          f"{r['macs_per_parameter']:g}", f"{r['test_accuracy']:.4f}",
                          f"{r['training_time_s']:.1f}", f"{r['latency_ms_per_image']:g}"]
                         for r in rows]))
    run.record["results"]["cnn_vs_mlp"] = {"mlp_recipe": MLP_RECIPE, "rows": rows}
    run.add_figure("cnn_vs_mlp", comparison_figure(rows, run))
    run.save()
    return rows


def comparison_figure(rows: list[dict], run: Run) -> Path:
    """Five panels, one bar per network: parameters, multiply-adds, accuracy, times."""
    panels = [("parameters", "parameters", "{:,.0f}"), ("macs", "multiply-adds per image",
                                                         "{:,.0f}"),
              ("test_accuracy", "test accuracy", "{:.2%}"),
              ("training_time_s", "training time (s)", "{:.0f}"),
              ("latency_ms_per_image", "inference ms per image", "{:.3g}")]
    fig, axes = plt.subplots(1, len(panels), figsize=(18, 2.8))
    names = [r["model"] for r in rows]
    for ax, (key, title, fmt) in zip(axes, panels, strict=True):
        values = [r[key] for r in rows]
        ax.barh(names, values, color=["tab:blue", "tab:orange"][:len(rows)])
        for y, value in enumerate(values):
            ax.text(value, y, " " + fmt.format(value), va="center", fontsize=8)
        ax.set_xlim(0, max(values) * 1.6 if key != "test_accuracy" else 1.15)
        ax.set_title(title, fontsize=10)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[1:]:
        ax.set_yticks([])
    fig.suptitle(f"CNN vs MLP on the same images ({rows[0]['epochs']} epochs each)")
    return save_figure(fig, run.path("cnn_vs_mlp.png"))
