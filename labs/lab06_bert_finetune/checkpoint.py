"""A checkpoint already fine-tuned for classification: evaluated as published, then continued
with its own head.

``--preset`` may name a classifier rather than a bare encoder: a Keras task preset (what
``keras_hub.models.TextClassifier.save_to_preset`` writes; keras-hub's
``bert_tiny_en_uncased_sst2``) or a Hugging Face ``BertForSequenceClassification`` folder.
Its head already knows the task, so the lab

1. says what the head scores (:func:`check_head`, before the run starts; a head with another
   number of classes than the data is an error whose fix is ``--new-head``),
2. measures the checkpoint as published, before any training (:func:`evaluate_as_published`:
   ``results["checkpoint_as_published"]`` in the record and the reflection draft),
3. continues fine-tuning that head with the encoder (:func:`own_head_model`, the lesson's
   ``build_model`` hook) instead of a new, randomly initialised one.

``--new-head`` puts a new head on the checkpoint's encoder, as for any other preset. The
loading itself is ``toolkit.text.bert.finetuned``.
"""

from __future__ import annotations

import argparse
import time

from labs.lab06_bert_finetune.batches import predict_probabilities, training_batches
from labs.lab06_bert_finetune.tasks import Task, main_task
from toolkit.errors import CourseError
from toolkit.metrics import classification_metrics
from toolkit.runs import Run
from toolkit.text import bert
from toolkit.text.bert import finetuned


def own_head(preset: bert.Preset, config: argparse.Namespace) -> finetuned.ClassifierHead | None:
    """The checkpoint's head when the run continues with it; ``None`` for a bare encoder,
    with ``--new-head``, and with ``--benchmark`` (random weights)."""
    if config.new_head or config.benchmark:
        return None
    return finetuned.find_head(preset)


def check_head(preset: bert.Preset, tasks: dict[str, Task],
               config: argparse.Namespace) -> finetuned.ClassifierHead | None:
    """Say whether ``--preset`` is a classifier already and check that its head fits the data
    and the flags; remember the answer as ``config.checkpoint_head``.

    Raises:
        CourseError: another number of classes, a Hugging Face head the course cannot read,
            or a flag that asks for a new head (``--multitask``, ``--head mlp``); the fix
            is ``--new-head``.
    """
    head = own_head(preset, config)
    config.checkpoint_head, config.checkpoint_warnings = head, []
    if head is None:
        stored = None if config.benchmark else finetuned.find_head(preset)
        if stored is not None:  # --new-head
            print(f"--new-head: the checkpoint's own head ({stored.describe()}) is left out; a "
                  f"new, randomly initialised {config.head} head goes on its encoder")
        return None
    task = main_task(tasks)
    config.checkpoint_warnings = finetuned.check_classes(head, task.class_names)
    asks_new_head = [(flag, instead) for flag, instead, asked in (
        ("--multitask", "drop --multitask", len(tasks) > 1),
        (f"--head {config.head}", f"drop --head {config.head}", config.head != "linear"),
        ("--compare with a :mlp variant", "compare strategies alone (--compare frozen,full)",
         any(h != "linear" for _, h in config.comparison))) if asked]
    if asks_new_head:
        flag, instead = asks_new_head[0]
        raise CourseError(f"{flag} needs a new head, but {preset.name} is a classifier already "
                          f"({head.describe()})",
                          why="the checkpoint's own head is kept unless you ask for a new one",
                          fix=f"add --new-head, or {instead}")
    print(f"the checkpoint is a classifier already: {head.describe()}. It is evaluated as "
          f"published, then fine-tuning continues with this head (--new-head for a new one)")
    for warning in config.checkpoint_warnings:
        print(f"warning: {warning}")
    return head


def evaluate_as_published(preset: bert.Preset, tasks: dict[str, Task],
                          config: argparse.Namespace, run: Run) -> dict | None:
    """Accuracy of the checkpoint as published, before any training, on the validation and
    test splits: what fine-tuning has to beat. ``None`` without a checkpoint head."""
    head = getattr(config, "checkpoint_head", None)
    if head is None:
        return None
    task = main_task(tasks)
    start = time.perf_counter()
    model, backbone = finetuned.load_classifier(
        preset, head, dtype=bert.resolve_precision(config.precision))
    scores = {}
    for split in ("validation", "test"):
        batches = training_batches({task.name: task}, split, config, backbone,
                                   batch_size=config.batch_size, shuffle=False)
        probabilities = predict_probabilities(model, {task.name: task}, split,
                                              batches)[task.name]
        scores[split] = classification_metrics(task.labels(split), probabilities.argmax(1),
                                               task.class_names)
    seconds = time.perf_counter() - start
    validation, test = scores["validation"], scores["test"]
    test_split = task.data.test_split
    summary = (f"the checkpoint as published: accuracy {validation['accuracy']:.2%} on the "
               f"validation split, {test['accuracy']:.2%} on the {test_split} split")
    result = {"summary": summary, "checkpoint": preset.name, "head": head.architecture,
              "format": head.kind, "classes": head.num_classes,
              "class_names": ", ".join(head.class_names) if head.class_names
              else "not stored in the checkpoint",
              "validation_accuracy": round(validation["accuracy"], 4),
              "validation_macro_f1": round(validation["macro_f1"], 4),
              f"{test_split}_accuracy": round(test["accuracy"], 4),
              f"{test_split}_macro_f1": round(test["macro_f1"], 4),
              "load_and_evaluate_s": round(seconds, 1)}
    run.record["results"]["checkpoint_as_published"] = result
    run.record["hyperparameters"].update(
        head=f"the checkpoint's own ({head.architecture}, {head.num_classes} classes)",
        pooling="as the checkpoint's head reads it")
    for warning in getattr(config, "checkpoint_warnings", []):
        run.record.setdefault("warnings", []).append(warning)
    run.save()
    print(f"{summary} (macro F1 {test['macro_f1']:.2%}; loaded and scored in {seconds:.0f} s); "
          f"fine-tuning continues from here")
    return result


def own_head_model(preset: bert.Preset, tasks: dict[str, Task], config: argparse.Namespace,
                   strategy: str):
    """``(model, backbone)`` of the checkpoint with its own head, the strategy's layers frozen;
    ``None`` when a new head goes on (a bare encoder, ``--new-head``)."""
    head = own_head(preset, config)
    if head is None:
        return None
    finetuned.check_classes(head, main_task(tasks).class_names)  # --compare-models candidates
    model, backbone = finetuned.load_classifier(
        preset, head, dtype=bert.resolve_precision(config.precision))
    # The published head reads the first token ([CLS]; through BERT's pooler), so the pooler
    # trains with the blocks.
    bert.apply_strategy(backbone, strategy, unfreeze_last=config.unfreeze_last, pooling="cls")
    return model, backbone
