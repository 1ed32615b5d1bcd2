"""``--compare``: several fine-tuning strategies (and heads) on the same data, seed and epochs,
in one table and two charts; the best by validation accuracy goes on to the evaluation."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from labs.lab06_bert_finetune.model_comparison import compare_models
from labs.lab06_bert_finetune.reference import comparison_references
from labs.lab06_bert_finetune.sweep import sweep_settings
from labs.lab06_bert_finetune.tasks import Task
from toolkit import plots
from toolkit.distribute import DistributionPlan
from toolkit.formats import console_table
from toolkit.runs import Run
from toolkit.text import bert
from toolkit.text import plots as text_plots


def compare_strategies(fine_tune: Callable[..., dict], preset: bert.Preset,
                       tasks: dict[str, Task], plan: DistributionPlan,
                       config: argparse.Namespace, run: Run, baseline: dict | None) -> dict:
    """Train every ``--compare`` variant with ``fine_tune`` (the lesson's); keep the best.
    With a sweep flag (``--learning-rates``...) the sweep runs instead (:mod:`.sweep`).

    Writes the comparison table to ``results["comparison"]`` and bar charts of validation
    accuracy and training cost. Returns the best variant's outcome for the error analysis.
    """
    if config.sweep:  # --learning-rates / --batch-sizes / --epochs-grid
        return sweep_settings(fine_tune, preset, tasks, plan, config, run)
    if config.compare_models:  # --compare-models PRESET...
        return compare_models(fine_tune, preset, tasks, plan, config, run)
    rows = [baseline["result"]] if baseline else []
    best = None
    for strategy, head in config.comparison:
        key = strategy + ("" if head == "linear" else f"_{head}")
        outcome = fine_tune(preset, tasks, plan, config, run, strategy=strategy, head=head,
                            key=key)
        run.record["results"][key]["summary"] = outcome["row"]
        rows.append(outcome["row"])
        run.record["results"]["comparison"] = rows
        run.save()
        if best is None or \
                outcome["row"]["validation_accuracy"] > best["row"]["validation_accuracy"]:
            best = outcome
        else:
            del outcome  # free the weights of a model that lost
    run.record["history"] = run.record["results"][best["key"]]["history"]
    run.record["training"] = run.record["results"][best["key"]]["training"]
    run.record["figures"]["learning_curves"] = f"learning_curves_{best['key']}.png"
    run.record["results"]["best_variant"] = best["row"]["variant"]
    run.add_figure("comparison", text_plots.scores_figure(
        [(row["variant"], row["validation_accuracy"]) for row in rows],
        run.path("comparison.png"), title="Fine-tuning strategies: validation accuracy",
        xlabel="validation accuracy", references=comparison_references(preset), zoom=True))
    run.add_figure("comparison_time", plots.bar_chart(
        [row["variant"] for row in rows], [row["train_cpu_s"] for row in rows],
        run.path("comparison_time.png"), title="Fine-tuning strategies: training cost",
        xlabel="CPU-seconds of training (all cores together)", annotate="{:,.0f}"))
    print_table(rows)
    return best


def print_table(rows: list[dict]) -> None:
    """The comparison table, as the terminal shows it."""
    print()
    print(console_table(
        ["variant", "validation acc", "train s", "CPU s", "trainable"],
        [[row["variant"], f"{row['validation_accuracy']:.2%}", f"{row['train_time_s']:.1f}",
          f"{row.get('train_cpu_s', 0):.1f}", f"{row['trainable_parameters']:,}"]
         for row in rows]))
