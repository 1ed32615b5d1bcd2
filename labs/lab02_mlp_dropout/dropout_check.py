"""Dropout acts only in training: the same images with ``training=True`` and ``False``, and
the training accuracy ``fit`` reports next to the one measured without dropout."""

from __future__ import annotations

import keras
import numpy as np

from toolkit.formats import console_table
from toolkit.plots import plt, save_figure
from toolkit.runs import Run
from toolkit.vision.data import ImageSplits

BATCH = 256  # images of the training set sent through the model both ways
UNITS_SHOWN = 40  # hidden units drawn, of the last dropout layer's output


def dropout_on_and_off(results: list[dict], data: ImageSplits, run: Run) -> dict:
    """Send one batch through a dropout network twice in each mode, and re-measure training
    accuracy with dropout off.

    With ``training=True`` every call draws a new random mask: two calls on the same
    images give different outputs, and the accuracy is lower because units are missing.
    With ``training=False`` (what ``predict`` and ``evaluate`` use) all units work and the
    output is the same every time. ``fit`` reports the training accuracy averaged over the
    epoch *with dropout on*; measured again with it off (``evaluate`` on the training
    images), the network is better on its training data than the curves suggest. Part of
    that difference is the average itself (the weights improve during the epoch): the
    dropout-0 run, if trained, shows that part alone.
    """
    with_dropout = [r for r in results if r["dropout"] > 0] or results
    chosen = max(with_dropout, key=lambda r: r["best_val_accuracy"])
    model = chosen["model"]
    x, y = data.x_train[:BATCH], data.y_train[:BATCH]
    outputs = {mode: [np.asarray(model(x, training=mode == "train")) for _ in range(2)]
               for mode in ("train", "inference")}
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    probe = keras.Model(model.inputs[0], dropouts[-1].output) if dropouts else None
    units = ({mode: [np.asarray(probe(x[:1], training=mode == "train"))[0, :UNITS_SHOWN]
                     for _ in range(2)] for mode in ("train", "inference")} if probe else None)

    def accuracy(probabilities):
        return round(float((probabilities.argmax(axis=1) == y).mean()), 4)

    batch = {mode: {"accuracy_call_1": accuracy(calls[0]), "accuracy_call_2": accuracy(calls[1]),
                    "max_difference_between_calls": round(float(np.abs(calls[0] - calls[1]).max()),
                                                          4)}
             for mode, calls in outputs.items()}
    runs = []
    for result in results:
        history = run.record["results"][result["key"]]["history"]
        _, measured = result["model"].evaluate(data.x_train, data.y_train, batch_size=1024,
                                               verbose=0)
        runs.append({"setting": result["setting"], "dropout": result["dropout"],
                     "fit_reported_train_accuracy": round(history[-1]["accuracy"], 4),
                     "train_accuracy_without_dropout": round(float(measured), 4),
                     "val_accuracy": round(history[-1]["val_accuracy"], 4)})
    summary = {"model": chosen["setting"], "batch_images": len(x), "batch": batch, "runs": runs}
    print(f"\ndropout on and off, {chosen['setting']}, the same {len(x)} training images:")
    print(console_table(["mode", "accuracy call 1", "call 2", "largest output change"],
                        [[f"training={mode == 'train'}", f"{v['accuracy_call_1']:.4f}",
                          f"{v['accuracy_call_2']:.4f}", f"{v['max_difference_between_calls']:.4f}"]
                         for mode, v in batch.items()]))
    print(console_table(["setting", "train acc (fit, dropout on)", "train acc (dropout off)",
                         "val acc"],
                        [[r["setting"], f"{r['fit_reported_train_accuracy']:.4f}",
                          f"{r['train_accuracy_without_dropout']:.4f}", f"{r['val_accuracy']:.4f}"]
                         for r in runs]))
    run.record["results"]["dropout_on_and_off"] = summary
    run.add_figure("dropout_on_and_off", dropout_figure(units, summary, run))
    run.save()
    return summary


def dropout_figure(units: dict | None, summary: dict, run: Run):
    """Left: the first hidden units after the last dropout layer for one image, twice with
    dropout on (some units zeroed, the others scaled up) and once off. Right: the training
    accuracy fit reports (dropout on) next to the one measured with it off."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.4), gridspec_kw={"width_ratios": [1.3, 1]})
    if units:
        positions = np.arange(len(units["inference"][0]))
        for shift, (values, colour, label) in enumerate([
                (units["train"][0], "tab:orange", "training=True, call 1"),
                (units["train"][1], "tab:red", "training=True, call 2"),
                (units["inference"][0], "tab:blue", "training=False")]):
            axes[0].bar(positions + (shift - 1) * 0.27, values, 0.27, color=colour, label=label)
        axes[0].set_xlabel(f"hidden unit (the first {len(positions)})")
        axes[0].set_ylabel("value after the dropout layer")
        axes[0].legend(fontsize=8)
    axes[0].set_title(f"{summary['model']}: one training image, dropout on twice and off",
                      fontsize=10)
    runs = summary["runs"]
    rows = np.arange(len(runs))
    axes[1].set_ylim(len(runs) - 0.3, -0.7)
    axes[1].barh(rows - 0.2, [r["fit_reported_train_accuracy"] for r in runs], 0.4,
                 label="fit's report (dropout on)", color="tab:orange")
    axes[1].barh(rows + 0.2, [r["train_accuracy_without_dropout"] for r in runs], 0.4,
                 label="measured with dropout off", color="tab:blue")
    for row, r in zip(rows, runs, strict=True):
        for offset, key in ((-0.2, "fit_reported_train_accuracy"),
                            (0.2, "train_accuracy_without_dropout")):
            axes[1].text(r[key], row + offset, f" {r[key]:.4f}", va="center", fontsize=8)
    axes[1].set_yticks(rows, [r["setting"] for r in runs])
    low = min(min(r["fit_reported_train_accuracy"], r["train_accuracy_without_dropout"])
              for r in runs)
    axes[1].set_xlim(max(0.0, low - 0.02), 1.01)
    axes[1].set_title("Training accuracy: reported by fit vs measured", fontsize=10)
    axes[1].legend(fontsize=8, loc="lower right")
    return save_figure(fig, run.path("dropout_on_and_off.png"))
