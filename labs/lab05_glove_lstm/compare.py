"""Lab 5's comparison of the trained models (embedding modes x encoders): one table row per
model, the table on the console, and its figures. The lesson (lesson.py) trains the models.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from toolkit.formats import console_table
from toolkit.runs import Run, parameter_counts
from toolkit.text import plots as text_plots
from toolkit.text.datasets import TextDataset


def comparison_row(model, key: str, encoder: str, mode: str, sequences: dict,
                   data: TextDataset, run: Run) -> dict:
    """One row of the table: accuracy, parameters (all and trainable) and time per epoch (the
    mean over the epochs run, the first one included: it holds the compilation)."""
    predicted = model.predict(sequences["x_test"], batch_size=512, verbose=0).argmax(axis=1)
    val_predicted = model.predict(sequences["x_val"], batch_size=512, verbose=0).argmax(axis=1)
    training = run.record["results"][key]["training"]
    epoch_times = training["epoch_time_s"] or [training["time_s"]]
    parameters = parameter_counts(model)
    return {"model": key, "encoder": encoder, "embeddings": mode,
            "parameters": parameters["total"], "trainable_parameters": parameters["trainable"],
            "epochs": training["epochs_run"], "best_epoch": training["best_epoch"],
            "val_accuracy": round(accuracy_score(data.y_val, val_predicted), 4),
            "test_accuracy": round(accuracy_score(data.y_test, predicted), 4),
            "test_macro_f1": round(f1_score(data.y_test, predicted, average="macro"), 4),
            "train_s": training["time_s"], "epoch_s": round(float(np.mean(epoch_times)), 2),
            "samples_per_s": training["samples_per_s"]}


def print_comparison(rows: list[dict], test_split: str) -> None:
    """The table on the console, one row per trained model."""
    print(console_table(
        ["model", "val", test_split, "train s", "s/epoch", "parameters", "trainable"],
        [[r["model"], f"{r['val_accuracy']:.4f}", f"{r['test_accuracy']:.4f}",
          f"{r['train_s']:.0f}", f"{r['epoch_s']:.1f}", f"{r['parameters']:,}",
          f"{r['trainable_parameters']:,}"] for r in rows]))


def comparison_figures(rows: list[dict], run: Run, test_split: str,
                       references: list[dict]) -> str:
    """Validation curves of all models in one figure, and their test accuracies beside the
    published scores of ``references`` (on SST-2 only)."""
    histories = {row["model"]: run.record["results"][row["model"]]["history"] for row in rows}
    overlay = text_plots.curves_overlay(histories, run.path("embedding_curves.png"),
                                        title="Validation curves of the compared models")
    run.add_figure("embedding_curves", overlay)
    lines = {f"{r['model']} ({r['split']})": r["value"] for r in references} \
        if run.record["dataset"]["name"].startswith("sst2") else None
    path = text_plots.scores_figure([(row["model"], row["test_accuracy"]) for row in rows],
                                    run.path("comparison.png"),
                                    title=f"Embeddings and encoders ({test_split} accuracy)",
                                    xlabel=f"{test_split} accuracy", references=lines,
                                    zoom=True)
    run.add_figure("comparison", path)
    return str(overlay)
