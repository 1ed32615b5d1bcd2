"""Model error or label error? Lab 6's label audit (confident learning, ``toolkit.label_audit``).

Which probabilities say that a training label looks wrong, in order of preference:

1. ``--folds K``: the K fine-tuned models' out-of-fold predictions over train + validation
   (each text scored by the model that did not train on it);
2. else the baseline's frozen sentence embeddings + logistic regression, 5-fold
   ``cross_val_predict`` over the training texts (seconds: the embeddings exist already);
3. else (``--no-baseline``) the fine-tuned model's predictions of the validation texts, which
   it never trained on: only those rows are audited.

The test texts are scored by the fine-tuned model itself (it never trained on them), so
``errors.csv`` says which mistakes look like label errors. The record and the draft say which
source was used.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import numpy as np

from toolkit import label_audit
from toolkit.errors import CourseError

if TYPE_CHECKING:  # the lab's modules load Keras: only the lesson's call needs them
    from labs.lab06_bert_finetune.tasks import Task
    from toolkit.runs import Run


def training_probabilities(outcome: dict, baseline: dict | None, task: Task,
                           config: argparse.Namespace) -> tuple[str, np.ndarray, np.ndarray, str]:
    """``(split, labels, out-of-sample probabilities, source)`` for the rows to audit."""
    if config.folds > 1:  # the validation split is train + validation now, scored out of fold
        return ("train", task.labels("validation"), outcome["probabilities"][task.name],
                f"--folds {config.folds}: the fine-tuned models' out-of-fold predictions over "
                f"train + validation")
    if baseline is not None:
        folds = label_audit.DEFAULT_FOLDS
        return ("train", task.labels("train"), label_audit.out_of_fold_probabilities(
            baseline["embeddings"]["train"], task.labels("train"), folds=folds,
            seed=config.seed), f"{folds}-fold cross_val_predict of frozen embeddings + "
                               f"logistic regression")
    return ("validation", task.labels("validation"), outcome["probabilities"][task.name],
            "the fine-tuned model's validation predictions (--no-baseline: validation rows "
            "only)")


def find_label_errors(outcome: dict | None, baseline: dict | None, tasks: dict[str, Task],
                 config: argparse.Namespace, run: Run) -> dict | None:
    """Which labels look wrong? ``label_issues.csv``, ``label_quality.png``, and the columns
    ``label_issue`` / ``label_quality`` in ``errors.csv``. Run after the error analysis."""
    from labs.lab06_bert_finetune.tasks import main_task
    from toolkit.text.bert.predictor import decide

    if outcome is None or outcome.get("test_probabilities") is None:
        return None
    task = main_task(tasks)
    try:
        split, labels, probabilities, source = training_probabilities(outcome, baseline, task,
                                                                      config)
    except CourseError as error:  # e.g. a class with one training row: the run goes on
        return label_audit.skipped(run, error)
    train = label_audit.audit_split(labels, probabilities, split=split, source=source)
    test = label_audit.audit_split(task.labels("test"), outcome["test_probabilities"],
                                   split="test", source="the fine-tuned model's predictions")
    texts = {"train": task.texts("validation" if config.folds > 1 else "train"),
             "validation": task.texts("validation"), "test": task.texts("test")}
    predicted = decide(outcome["test_probabilities"], outcome.get("threshold") or 0.5)
    return label_audit.record_label_audit(run, [train, test], task.class_names, texts,
                                          predicted=predicted)
