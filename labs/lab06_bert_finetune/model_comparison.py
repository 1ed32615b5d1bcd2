"""``--compare-models PRESET...``: several pretrained encoders fine-tuned on the same data with
the same settings, in one table (size, training speed, validation accuracy) and one figure.

Each model tokenizes the texts with its own vocabulary, so the texts are tokenized again for
each. The ``--preset`` model is trained last and goes on to the evaluation (its tokenizer is
the one ``predict`` gets), whether or not it scored best. A preset that cannot be found
(offline, not cached) is one line, and the others still compare.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from labs.lab06_bert_finetune.tasks import Task
from toolkit.distribute import DistributionPlan
from toolkit.errors import CourseError
from toolkit.formats import console_table
from toolkit.runs import Run
from toolkit.text import bert
from toolkit.text.bert.facts import encoder_facts


def tokenize(tasks: dict[str, Task], preset: bert.Preset, config: argparse.Namespace) -> None:
    """Every split of every task in ``preset``'s word pieces (as the lesson's ``tokenize``)."""
    tokenizer = bert.make_tokenizer(preset)
    for task in tasks.values():
        task.tokens = {split: tokenizer.encode(task.texts(split), config.max_length)
                       for split in ("train", "validation", "test")}
        task.pad_id = tokenizer.pad_id


def compare_models(fine_tune: Callable[..., dict], preset: bert.Preset,
                   tasks: dict[str, Task], plan: DistributionPlan, config: argparse.Namespace,
                   run: Run) -> dict:
    """Fine-tune every ``--compare-models`` preset, then the ``--preset`` one; record
    ``results["models"]`` and ``models.png``; return the ``--preset`` model's outcome."""
    others = [name for name in dict.fromkeys(config.compare_models)
              if name.lower() != config.preset.lower()]
    rows, outcome = [], None
    for index, name in enumerate([*others, None]):
        if name is None:
            candidate = preset
        else:
            try:
                candidate = bert.resolve_preset(name)
            except CourseError as error:
                print(f"--compare-models: {name} left out: {error.message}")
                continue
            tokenize(tasks, candidate, config)
        if name is None and others:
            tokenize(tasks, preset, config)  # back to the --preset model's word pieces
        outcome = fine_tune(candidate, tasks, plan, config, run, key=f"model_{index + 1}")
        facts = encoder_facts(outcome["backbone"])
        row = {"model": candidate.name, "layers": facts["layers"],
               "hidden_size": facts["hidden_size"], "parameters": facts["parameters"],
               "train_time_s": outcome["row"]["train_time_s"],
               "train_cpu_s": outcome["row"]["train_cpu_s"],
               "samples_per_s": outcome["row"]["samples_per_s"],
               "validation_accuracy": outcome["row"]["validation_accuracy"],
               "validation_macro_f1": outcome["row"]["validation_macro_f1"]}
        run.record["results"][outcome["key"]]["summary"] = row
        rows.append(row)
        run.record["results"]["models"] = rows
        run.save()
    run.record["history"] = run.record["results"][outcome["key"]]["history"]
    run.record["training"] = run.record["results"][outcome["key"]]["training"]
    run.add_figure("models", models_figure(rows, run.path("models.png")))
    print()
    print(console_table(["model", "parameters", "validation acc", "train s", "CPU s",
                         "samples/s"],
                        [[row["model"], f"{row['parameters']:,}",
                          f"{row['validation_accuracy']:.2%}", f"{row['train_time_s']:.1f}",
                          f"{row['train_cpu_s']:.1f}", f"{row['samples_per_s'] or 0:.1f}"]
                         for row in rows]))
    return outcome


def models_figure(rows: list[dict], path):
    """Validation accuracy against training CPU-seconds, one point a model, labelled with its
    size: the cost and the gain of a bigger encoder at a glance."""
    from toolkit.plots import plt, save_figure

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for row in rows:
        ax.scatter(row["train_cpu_s"], row["validation_accuracy"], s=60, color="tab:blue")
        ax.annotate(f"{row['model']}\n{row['parameters']:,} parameters, "
                    f"{row['layers']} layers", (row["train_cpu_s"], row["validation_accuracy"]),
                    textcoords="offset points", xytext=(6, 6), fontsize=8)
    ax.set_xlabel("CPU-seconds of training (all cores together)")
    ax.set_ylabel("validation accuracy")
    ax.set_title("Encoders compared: accuracy and training cost")
    ax.margins(x=0.35, y=0.25)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
