"""Lab 6's tasks as model input: dynamically padded batches of one split, and the model's
probabilities back per task."""

from __future__ import annotations

import argparse

import keras
import numpy as np

from labs.lab06_bert_finetune.tasks import Task, main_task
from toolkit.text import bert


def class_weights(labels: np.ndarray, classes: int, how: str) -> np.ndarray | None:
    """``--class-weight balanced``: weight ``n / (classes x count)`` per class, as
    scikit-learn's ``compute_class_weight("balanced")``; ``none``: ``None``."""
    if how == "none":
        return None
    counts = np.bincount(labels, minlength=classes).astype("float64")
    return (len(labels) / (classes * np.maximum(counts, 1))).astype("float32")


def training_batches(tasks: dict[str, Task], split: str, config: argparse.Namespace,
                     backbone, *, batch_size: int, shuffle: bool) -> bert.PaddedBatches:
    """The batches of one split: every task's texts in turn, dynamically padded.

    For one task the labels are an array; for several, a dict ``task -> labels`` where a
    text of another task has label -1 (sample weight 0: no loss on that head).
    """
    token_ids, labels = [], {name: [] for name in tasks}
    for name, task in tasks.items():
        ids = task.tokens[split].token_ids
        token_ids += ids
        for other in tasks:
            labels[other].append(task.labels(split) if other == name
                                 else np.full(len(ids), -1, dtype="int32"))
    labels = {name: np.concatenate(parts) for name, parts in labels.items()}
    main = main_task(tasks)
    weights = None
    if split == "train" and config.class_weight != "none":  # each task weighs its own classes
        weights = {name: class_weights(task.labels("train"), len(task.class_names),
                                       config.class_weight)[np.maximum(labels[name], 0)]
                   for name, task in tasks.items()}
        weights = weights if len(tasks) > 1 else weights[main.name]
    return bert.PaddedBatches(
        token_ids, labels if len(tasks) > 1 else labels[main.name], batch_size=batch_size,
        input_names=bert.input_names(backbone), shuffle=shuffle, seed=config.seed,
        pad_to_multiple=config.pad_to_multiple, max_length=config.max_length,
        fixed_length=config.fixed_padding, sample_weights=weights, pad_id=main.pad_id)


def predict_probabilities(model, tasks: dict[str, Task], split: str,
                          batches: bert.PaddedBatches) -> dict[str, np.ndarray]:
    """Class probabilities per task for ``batches`` made by :func:`training_batches` from the
    same ``tasks`` and ``split`` (each task's texts in turn; a multitask model answers with
    every head, and each task keeps its own head's answers)."""
    outputs = batches.predict(model)
    probabilities, start = {}, 0
    for name, task in tasks.items():
        end = start + len(task.texts(split))
        logits = outputs[name][start:end] if isinstance(outputs, dict) else outputs[start:end]
        probabilities[name] = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
        start = end
    return probabilities
