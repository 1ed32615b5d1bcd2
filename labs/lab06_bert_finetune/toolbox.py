"""The rest of lab 6's fine-tuning toolbox, each a one-line hook in the lesson:
precision, recall and F1 every epoch (:func:`epoch_scores`), the learning-rate curve
(:func:`plot_learning_rate`), ``--freeze-task`` (:func:`freeze_task_head`), the per-class table, the zero-recall warning and the metrics
taught with the run's own confusion matrix (:func:`report_classes`), and ``--clean-social``
(:func:`clean_dataset`)."""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from labs.lab06_bert_finetune.batches import predict_probabilities
from labs.lab06_bert_finetune.tasks import Task, main_task
from toolkit.classification import EpochScores, class_warnings, per_class_rows
from toolkit.errors import CourseError
from toolkit.learning_rate import learning_rate_curve, learning_rate_figure
from toolkit.metric_lessons import explain_metrics
from toolkit.runs import Run
from toolkit.text import bert
from toolkit.text import datasets as text_datasets
from toolkit.text.social import clean_all

# Training texts scored each epoch: a sample, so scoring costs a fraction of an epoch.
TRAIN_SCORED = 1000


def epoch_scores(tasks: dict[str, Task], config: argparse.Namespace, backbone,
                 validation_batches: bert.PaddedBatches, batch_size: int) -> list:
    """A callback adding macro precision, recall and F1 of the main task on (a sample of at
    most ``TRAIN_SCORED``) training texts and on the validation split to every epoch's logs:
    ``precision``, ``val_f1``... (``<task>_f1``, ``val_<task>_f1`` with ``--multitask``), so
    the learning curves draw them beside the loss and ``--monitor val_f1`` can watch them."""
    task = main_task(tasks)
    rows = np.sort(np.random.default_rng(config.seed).permutation(
        len(task.texts("train")))[:TRAIN_SCORED])
    train = bert.PaddedBatches([task.tokens["train"].token_ids[row] for row in rows],
                               batch_size=batch_size, input_names=bert.input_names(backbone),
                               pad_to_multiple=config.pad_to_multiple,
                               max_length=config.max_length, fixed_length=config.fixed_padding,
                               pad_id=task.pad_id)

    def train_scores(model):
        outputs = train.predict(model)
        return outputs[task.name] if isinstance(outputs, dict) else outputs

    def validation_scores(model):
        return predict_probabilities(model, tasks, "validation", validation_batches)[task.name]

    prefix = f"{task.name}_" if len(tasks) > 1 else ""
    return [EpochScores({prefix: (train_scores, task.labels("train")[rows]),
                         f"val_{prefix}": (validation_scores, task.labels("validation"))},
                        len(task.class_names))]


def plot_learning_rate(run: Run, model, key: str | None, steps_per_epoch: int,
                       label: str) -> None:
    """``learning_rate.png`` (``learning_rate_<key>.png``): the rate at every optimizer step
    of the epochs that ran, as the schedule (``--schedule``) set it."""
    section = run.record if key is None else run.record["results"][key]
    steps, rates = learning_rate_curve(model.optimizer, section.get("history") or [],
                                       steps_per_epoch)
    name = "learning_rate" if key is None else f"learning_rate_{key}"
    run.add_figure(name, learning_rate_figure(steps, rates, steps_per_epoch,
                                              run.path(f"{name}.png"),
                                              title=f"Learning rate: {label}"))
    run.save()


def report_classes(run: Run, metrics: dict, task: Task) -> None:
    """Per-class precision, recall, F1 and support in the draft; a class with zero
    precision or recall warned about in the output and the draft; and the scores worked
    out from this run's own confusion matrix."""
    split = metrics.get("split", "test")
    run.record["results"]["per_class"] = per_class_rows(metrics)
    run.record["results"]["metrics_explained"] = explain_metrics(
        metrics["confusion_matrix"], task.class_names)
    for warning in class_warnings(metrics, split):
        print(f"warning: {warning}")
        run.record.setdefault("warnings", []).append(warning)
    run.save()


def freeze_task_head(model, backbone, tasks: dict[str, Task],
                     config: argparse.Namespace) -> None:
    """``--freeze-task NAME``: the layers of task NAME's head stop training (its loss still
    flows into the shared encoder). The head's layers are named after the task."""
    name = config.freeze_task
    if not name:
        return
    if name not in tasks:
        raise CourseError(f"--freeze-task {name!r} is not one of the tasks",
                          fix=f"name one of {', '.join(tasks)}")
    frozen = [layer for layer in model.layers if layer is not backbone
              and (layer.name == name or layer.name.startswith(f"{name}_"))]
    for layer in frozen:
        layer.trainable = False
    print(f"--freeze-task: the {name} head ({', '.join(layer.name for layer in frozen)}) "
          f"stays fixed")


def clean_dataset(dataset: text_datasets.TextDataset,
                  config: argparse.Namespace) -> text_datasets.TextDataset:
    """``--clean-social``: every split's texts with URLs, @mentions and #hashtags normalised
    (:mod:`toolkit.text.social`); without the flag the data set as it is."""
    if not config.clean_social:
        return dataset
    return replace(dataset, x_train=clean_all(dataset.x_train), x_val=clean_all(dataset.x_val),
                   x_test=clean_all(dataset.x_test),
                   notes=[*dataset.notes, "--clean-social: URLs -> http, @mentions -> @user, "
                                          "#hashtags -> their words"])


def describe_schedule(config: argparse.Namespace) -> str:
    """The record's ``schedule`` hyperparameter in words."""
    if config.schedule == "plateau":
        return (f"constant, halved after {max(1, config.patience // 2)} epoch(s) without "
                f"improvement of {config.monitor} (ReduceLROnPlateau)")
    if config.schedule == "cosine-restarts":
        return (f"linear warm-up {config.warmup:.0%} of steps, then {config.cycles} cosine "
                f"decays to 0, each restarting at the peak")
    return f"linear warm-up {config.warmup:.0%} of steps, then linear decay to 0"
