"""``--learning-rates``, ``--batch-sizes``, ``--epochs-grid``: one setting varied at a time
(the others at ``--learning-rate``, ``--batch-size``, ``--epochs``), as lab 2 sweeps its
learning rate and batch size; every run trained on the same data from the same seed, in one
table and one figure. The best by validation accuracy goes on to the evaluation."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from labs.lab06_bert_finetune.tasks import Task
from toolkit.distribute import DistributionPlan
from toolkit.formats import console_table
from toolkit.runs import Run
from toolkit.text import bert

# flag's attribute -> (the setting it varies, its name in the table and figure)
SWEEPS = {"learning_rates": ("learning_rate", "learning rate"),
          "batch_sizes": ("batch_size", "batch size"),
          "epochs_grid": ("epochs", "epochs")}


def sweep_variants(config: argparse.Namespace) -> list[tuple[str, str, object]]:
    """``(key, setting, value)`` of every run to train: each value of each sweep flag."""
    return [(f"{setting}_{value:g}", setting, value)
            for flag, (setting, _) in SWEEPS.items() for value in getattr(config, flag)]


def sweep_settings(fine_tune: Callable[..., dict], preset: bert.Preset,
                   tasks: dict[str, Task], plan: DistributionPlan,
                   config: argparse.Namespace, run: Run) -> dict:
    """Train every variant with the lesson's ``fine_tune``; keep the best by validation
    accuracy. Writes ``results["sweep"]`` (one row a run) and ``sweep.png``."""
    rows, best = [], None
    for key, setting, value in sweep_variants(config):
        variant = argparse.Namespace(**{**vars(config), setting: value})
        variant_plan = plan if setting != "batch_size" else DistributionPlan.create(
            enabled=config.distribute, per_replica_batch=value,
            learning_rate=config.learning_rate)
        print(f"\n== sweep: {setting.replace('_', ' ')} {value:g}")
        outcome = fine_tune(preset, tasks, variant_plan, variant, run, key=key)
        row = {"setting": setting, "value": value, **outcome["row"],
               "batch_size": variant_plan.global_batch, "epochs": variant.epochs}
        run.record["results"][key]["summary"] = row
        rows.append(row)
        run.record["results"]["sweep"] = rows
        run.save()
        if best is None or row["validation_accuracy"] > best["row"]["validation_accuracy"]:
            best = {**outcome, "row": row}
    run.record["history"] = run.record["results"][best["key"]]["history"]
    run.record["training"] = run.record["results"][best["key"]]["training"]
    run.record["results"]["best_variant"] = f"{best['row']['setting']} {best['row']['value']:g}"
    run.add_figure("sweep", sweep_figure(rows, run.path("sweep.png")))
    print()
    print(console_table(["setting", "value", "validation acc", "macro F1", "train s", "CPU s"],
                        [[row["setting"], f"{row['value']:g}",
                          f"{row['validation_accuracy']:.2%}",
                          f"{row['validation_macro_f1']:.2%}", f"{row['train_time_s']:.1f}",
                          f"{row['train_cpu_s']:.1f}"] for row in rows]))
    return best


def sweep_figure(rows: list[dict], path):
    """One panel per swept setting: validation accuracy against its values (log scale for
    the learning rate), each point labelled with its training CPU-seconds."""
    from toolkit.plots import plt, save_figure

    settings = list(dict.fromkeys(row["setting"] for row in rows))
    fig, axes = plt.subplots(1, len(settings), figsize=(5 * len(settings), 3.8), squeeze=False)
    names = dict(SWEEPS.values())
    for ax, setting in zip(axes[0], settings, strict=True):
        points = sorted((row["value"], row["validation_accuracy"], row["train_cpu_s"])
                        for row in rows if row["setting"] == setting)
        ax.plot([p[0] for p in points], [p[1] for p in points], "o-", color="tab:blue")
        for value, accuracy, cpu in points:
            ax.annotate(f"{accuracy:.1%}\n{cpu:,.0f} CPU-s", (value, accuracy),
                        textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        if setting == "learning_rate":
            ax.set_xscale("log")
        ax.set_xlabel(names[setting])
        ax.set_ylabel("validation accuracy")
        ax.set_title(f"Validation accuracy by {names[setting]}")
        ax.margins(x=0.12, y=0.3)
        ax.grid(alpha=0.3)
    return save_figure(fig, path)
