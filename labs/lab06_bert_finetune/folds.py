"""``--folds K``: stratified K-fold cross-validation of the whole fine-tuning."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from labs.lab06_bert_finetune.batches import predict_probabilities, training_batches
from labs.lab06_bert_finetune.tasks import Task, main_task, pool_train_and_validation, with_splits
from toolkit import plots
from toolkit.distribute import DistributionPlan
from toolkit.metrics import classification_metrics
from toolkit.runs import Run
from toolkit.text import bert


def cross_validate(fine_tune: Callable[..., dict], preset: bert.Preset, tasks: dict[str, Task],
                   plan: DistributionPlan, config: argparse.Namespace, run: Run) -> dict:
    """K models, each fine-tuned with ``fine_tune`` (the lesson's) on K-1 folds.

    Train and validation are pooled and cut into K folds with the same class shares; model
    ``k`` (a fresh pretrained backbone each time) trains on the other K-1 folds, stops early
    on fold ``k``, and predicts fold ``k`` (its out-of-fold predictions) and the test split.
    The spread of the K fold scores says how much one train/validation split can be trusted;
    averaging the K models' test probabilities is a small ensemble.

    Afterwards ``tasks``' main task has the pooled train + validation texts as its validation
    split, so the evaluation reports the out-of-fold scores as the validation figures.
    """
    from sklearn.model_selection import StratifiedKFold

    main = main_task(tasks)
    pool = pool_train_and_validation(main)
    labels = pool[1]
    folds = StratifiedKFold(config.folds, shuffle=True, random_state=config.seed)
    out_of_fold = np.zeros((len(labels), len(main.class_names)), dtype="float32")
    test_total, rows, models, outcome = 0.0, [], [], None
    for fold, (train_rows, validation_rows) in enumerate(folds.split(labels, labels), start=1):
        print(f"\n=== fold {fold} of {config.folds}: {len(train_rows):,} train / "
              f"{len(validation_rows):,} validation texts")
        fold_tasks = {main.name: with_splits(main, pool, train_rows, validation_rows)}
        outcome = fine_tune(preset, fold_tasks, plan, config, run, key=f"fold_{fold}")
        out_of_fold[validation_rows] = outcome["probabilities"][main.name]
        test = training_batches(fold_tasks, "test", config, outcome["backbone"],
                                batch_size=outcome["batch_size"], shuffle=False)
        test_total = test_total + predict_probabilities(outcome["model"], fold_tasks, "test",
                                                        test)[main.name]
        row = {"fold": fold, "accuracy": outcome["row"]["validation_accuracy"],
               "macro_f1": outcome["row"]["validation_macro_f1"],
               "epochs_run": outcome["row"]["epochs_run"],
               "train_time_s": outcome["row"]["train_time_s"]}
        rows.append(row)
        run.record["results"][f"fold_{fold}"]["summary"] = row
        run.record["results"]["folds"] = {"per_fold": rows}
        run.save()
        models.append(outcome["model"])
    summary = summarise(rows, labels, out_of_fold, main.class_names, config.folds)
    record_folds(run, summary, config.folds)
    texts, _, tokens = pool  # from here on "validation" is train + validation, out of fold
    tasks[main.name] = replace(
        main, data=replace(main.data, x_val=texts, y_val=labels,
                           notes=[*main.data.notes, f"--folds {config.folds}: validation "
                                  f"figures are out-of-fold predictions over train + "
                                  f"validation"]),
        tokens={**main.tokens, "validation": tokens})
    row = {**outcome["row"], "variant": f"{outcome['row']['variant']} ({config.folds}-fold)",
           "validation_accuracy": summary["out_of_fold_accuracy"],
           "validation_macro_f1": summary["out_of_fold_macro_f1"],
           "train_time_s": summary["train_time_s"]}
    np.save(run.path("out_of_fold_probabilities.npy"), out_of_fold)
    return {**outcome, "probabilities": {main.name: out_of_fold}, "row": row, "key": None,
            "fold_models": models, "test_probabilities": test_total / config.folds}


def summarise(rows: list[dict], labels: np.ndarray, out_of_fold: np.ndarray,
              class_names: list[str], k: int) -> dict:
    """Mean ± standard deviation over the folds, and the out-of-fold scores."""
    accuracy = np.array([row["accuracy"] for row in rows])
    f1 = np.array([row["macro_f1"] for row in rows])
    oof = classification_metrics(labels, out_of_fold.argmax(1), class_names)
    return {
        "k": k, "per_fold": rows,
        "accuracy_mean": round(float(accuracy.mean()), 4),
        "accuracy_std": round(float(accuracy.std(ddof=1)), 4),
        "macro_f1_mean": round(float(f1.mean()), 4),
        "macro_f1_std": round(float(f1.std(ddof=1)), 4),
        "out_of_fold_accuracy": round(oof["accuracy"], 4),
        "out_of_fold_macro_f1": round(oof["macro_f1"], 4),
        "train_time_s": round(sum(row["train_time_s"] for row in rows), 1),
        "test_predictions": f"mean of the {k} models' probabilities",
    }


def record_folds(run: Run, summary: dict, k: int) -> None:
    """The summary into the record, the last fold's history as the run's, and ``folds.png``."""
    run.record["results"]["folds"] = summary
    last = run.record["results"][f"fold_{k}"]
    run.record["history"] = last["history"]
    run.record["training"] = {**last["training"], "train_time_s_all_folds": summary["train_time_s"]}
    run.record["figures"]["learning_curves"] = f"learning_curves_fold_{k}.png"
    names = [f"fold {row['fold']}" for row in summary["per_fold"]]
    scores = ([row["accuracy"] for row in summary["per_fold"]]
              + [row["macro_f1"] for row in summary["per_fold"]])
    run.add_figure("folds", plots.bar_chart(
        [f"{name}: accuracy" for name in names] + [f"{name}: macro F1" for name in names],
        scores, run.path("folds.png"),
        title=f"{k}-fold cross-validation\naccuracy {summary['accuracy_mean']:.3f} ± "
              f"{summary['accuracy_std']:.3f}, macro F1 {summary['macro_f1_mean']:.3f} ± "
              f"{summary['macro_f1_std']:.3f}",
        xlabel="score on the fold held out", annotate="{:.3f}"))
    print(f"\n{k}-fold cross-validation: accuracy {summary['accuracy_mean']:.2%} ± "
          f"{summary['accuracy_std']:.2%}, macro F1 {summary['macro_f1_mean']:.2%} ± "
          f"{summary['macro_f1_std']:.2%} (out of fold {summary['out_of_fold_accuracy']:.2%}), "
          f"{summary['train_time_s']:.0f} s")
