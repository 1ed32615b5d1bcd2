"""Checkpoints already fine-tuned for classification, loaded with their own head.

Two kinds of model folder carry a trained classifier head beside the encoder:

- a Keras task preset, what ``keras_hub.models.TextClassifier.save_to_preset(folder)`` writes
  (``task.json`` names the classifier and its classes, ``task.weights.h5`` holds the head);
  keras-hub's ``bert_tiny_en_uncased_sst2`` is one. Any encoder family keras-hub has a text
  classifier for loads this way.
- a Hugging Face folder whose ``config.json`` names a sequence-classification architecture
  (``"architectures": ["BertForSequenceClassification"]``, ``id2label``, ``num_labels``) and
  whose ``model.safetensors`` holds ``classifier.weight`` / ``classifier.bias``. keras-hub
  converts the encoder and BERT's pooler; this module puts the classifier's weights into a
  ``BertTextClassifier`` head, transposed (PyTorch keeps a linear layer's weight as
  ``(outputs, inputs)``, Keras's ``Dense`` kernel is ``(inputs, outputs)``). Only BERT's head
  (:data:`HF_HEADS`) is read from a Hugging Face folder: the other families arrange theirs
  differently (DistilBERT adds a ReLU layer, RoBERTa reads the first token through its own
  dense layer).

:func:`find_head` says whether a resolved preset has such a head; :func:`check_classes` that
it fits the data; :func:`load_classifier` returns a plain ``keras.Model`` (backbone -> head ->
logits) and its backbone, the shape :func:`~toolkit.text.bert.model.build_classifier` gives,
so the rest of lab 6 trains and evaluates it unchanged.

Example:
    >>> preset = resolve_preset("path/to/bert_tiny_en_uncased_sst2")
    >>> head = find_head(preset)          # ClassifierHead(num_classes=2, ...) or None
    >>> model, backbone = load_classifier(preset, head)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.text.bert.presets import Preset, load_backbone, read_json

KERAS_TASK_FILE = "task.json"
KERAS_TASK_WEIGHTS = "task.weights.h5"
# Hugging Face architecture -> the keras-hub classifier whose head has the same shape.
HF_HEADS = {"BertForSequenceClassification": "BertTextClassifier"}
HF_DEFAULT_LABEL = re.compile(r"LABEL_\d+")  # transformers' names when nobody named the classes


@dataclass(frozen=True)
class ClassifierHead:
    """The classifier head a checkpoint was published with.

    Attributes:
        architecture: the class that holds it (``"BertTextClassifier"``,
            ``"BertForSequenceClassification"``...).
        num_classes: how many classes it scores.
        class_names: the classes' names, in output order, or ``None`` when the checkpoint does
            not say (keras-hub stores none; Hugging Face's ``LABEL_0``... mean none).
        kind: ``"Keras task preset"`` or ``"Hugging Face folder"``.
        activation: the output activation the checkpoint was saved with (``None``: logits).
        dropout: the dropout before the head.
        problem_type: Hugging Face's ``problem_type`` (``None`` or
            ``"single_label_classification"`` is what lab 6 trains).
    """

    architecture: str
    num_classes: int
    class_names: tuple[str, ...] | None
    kind: str
    activation: str | None = None
    dropout: float = 0.1
    problem_type: str | None = None

    @property
    def supported(self) -> bool:
        return self.kind == "Keras task preset" or self.architecture in HF_HEADS

    def describe(self) -> str:
        names = ", ".join(self.class_names) if self.class_names else \
            "their names are not stored in the checkpoint"
        return f"a {self.architecture} head for {self.num_classes} classes ({names})"


def find_head(preset: Preset) -> ClassifierHead | None:
    """The classifier head stored with ``preset``'s encoder, or ``None`` (a bare encoder)."""
    folder = Path(preset.location)
    if (folder / KERAS_TASK_FILE).is_file():
        return _keras_head(folder)
    config_file = folder / "config.json"
    if preset.source.startswith(("Hugging Face", "PyPI")) and config_file.is_file():
        return _hugging_face_head(_read_json(config_file))
    return None


def _read_json(path: Path) -> dict:
    """A model folder's JSON file as a dict (``{}`` for JSON of another shape)."""
    value = read_json(path)
    return value if isinstance(value, dict) else {}


def _keras_head(folder: Path) -> ClassifierHead | None:
    task = _read_json(folder / KERAS_TASK_FILE)
    class_name = str(task.get("class_name") or task.get("registered_name") or "")
    class_name = class_name.rsplit(">", 1)[-1]
    config = task.get("config") or {}
    if not class_name.endswith("TextClassifier") or "num_classes" not in config:
        return None  # another task (a masked language model...): the encoder alone is used
    if not (folder / KERAS_TASK_WEIGHTS).is_file():
        raise CourseError(f"{folder} describes a {class_name} but has no {KERAS_TASK_WEIGHTS}",
                          why="the head's weights are missing, so it cannot be evaluated",
                          fix="copy the whole preset folder, or add --new-head to put a new "
                              "head on the encoder")
    activation = config.get("activation")
    activation = activation if isinstance(activation, str) else None
    return ClassifierHead(class_name, int(config["num_classes"]), None, "Keras task preset",
                          activation=None if activation == "linear" else activation,
                          dropout=float(config.get("dropout", 0.1) or 0.0))


def _hugging_face_head(config: dict) -> ClassifierHead | None:
    architectures = [str(name) for name in config.get("architectures") or []]
    classifier = next((name for name in architectures
                       if name.endswith("ForSequenceClassification")), None)
    if classifier is None:
        return None
    id2label = config.get("id2label") or {}
    count = int(config.get("num_labels") or len(id2label) or 2)
    try:
        names = tuple(str(id2label[key]) for key in sorted(id2label, key=int))
    except (TypeError, ValueError):
        names = ()
    if len(names) != count or all(HF_DEFAULT_LABEL.fullmatch(name) for name in names):
        names = None
    dropout = config.get("classifier_dropout")
    if dropout is None:
        dropout = config.get("hidden_dropout_prob", 0.1)
    return ClassifierHead(classifier, count, names, "Hugging Face folder",
                          dropout=float(dropout), problem_type=config.get("problem_type"))


def check_classes(head: ClassifierHead, class_names: list[str]) -> list[str]:
    """Check that ``head`` scores the data's classes; return warnings (names in another order).

    Raises:
        CourseError: the head has another number of classes, or cannot be read here.
    """
    if not head.supported:
        raise CourseError(
            f"the checkpoint is a {head.architecture}: its classifier head cannot be read here",
            why=f"from a Hugging Face folder the course reads the head of "
                f"{', '.join(HF_HEADS)} only (a Keras task preset of any family loads with its "
                f"head)",
            fix="add --new-head to fine-tune its encoder with a new head")
    if head.problem_type not in (None, "single_label_classification"):
        raise CourseError(f"the checkpoint's head was trained for {head.problem_type}",
                          why="lab 6 trains single-label classification (one class per text)",
                          fix="add --new-head to fine-tune its encoder with a new head")
    if head.num_classes != len(class_names):
        raise CourseError(
            f"the checkpoint's head scores {head.num_classes} classes but the data has "
            f"{len(class_names)} ({', '.join(class_names)})",
            why="a fine-tuned head can only score the classes it was trained on",
            fix="add --new-head to put a new, randomly initialised head on its encoder, or "
                f"use data with {head.num_classes} classes")
    if head.class_names is None:
        return []
    ours = [name.lower() for name in class_names]
    theirs = [name.lower() for name in head.class_names]
    if ours == theirs:
        return []
    where = "in another order" if sorted(ours) == sorted(theirs) else "under other names"
    return [f"the checkpoint names its classes {', '.join(head.class_names)} and the data "
            f"{', '.join(class_names)} ({where}): output i is scored as the data's class i, "
            f"so check that they mean the same (the accuracy as published tells)"]


def load_classifier(preset: Preset, head: ClassifierHead, *, dtype: str | None = None):
    """The checkpoint's classifier as a plain ``keras.Model`` with its own head, and its backbone.

    The model takes the backbone's integer inputs and returns logits (a head saved with a
    softmax has it taken off: lab 6's loss and probabilities expect logits).

    Args:
        preset: a resolved preset whose :func:`find_head` is ``head``.
        head: the head to load.
        dtype: a Keras dtype policy name (default: the global one).
    """
    import keras

    if not head.supported:
        check_classes(head, [""] * head.num_classes)  # raises, saying why
    if head.kind == "Keras task preset":
        task = _load_keras_task(preset, dtype)
    else:
        task = _load_hugging_face_task(preset, head, dtype)
    output = getattr(task, "output_dense", None)
    if head.activation:
        if output is None:
            raise CourseError(f"{preset.label}: its {head.architecture} ends in a "
                              f"{head.activation} that cannot be taken off",
                              fix="add --new-head to put a new head on its encoder")
        output.activation = keras.activations.linear  # logits, as the loss expects
    model = keras.Model(task.inputs, task.outputs, name=f"{task.backbone.name}_classifier")
    return model, task.backbone


def _load_keras_task(preset: Preset, dtype: str | None):
    import keras_hub

    try:
        # No preprocessor: the course tokenizes up front, and keras-hub's needs tensorflow-text.
        return keras_hub.models.TextClassifier.from_preset(preset.location, preprocessor=None,
                                                           dtype=dtype)
    except ImportError as error:
        missing = (getattr(error, "name", None) or "safetensors").split(".")[0]
        raise CourseError(f"loading {preset.label} needs a package that is missing",
                          why=str(error), fix=f"pip install {missing}") from None


def hugging_face_head_weights(folder: Path | str) -> tuple:
    """``(weight, bias)`` of the ``classifier`` layer in ``folder/model.safetensors``, as
    stored: weight ``(classes, hidden)``, bias ``(classes,)``."""
    from safetensors import safe_open

    path = Path(folder) / "model.safetensors"
    with safe_open(str(path), framework="numpy") as tensors:
        keys = set(tensors.keys())
        names = [next((key for key in keys if key == f"classifier.{part}"
                       or key.endswith(f".classifier.{part}")), None)
                 for part in ("weight", "bias")]
        if None in names:
            raise CourseError(f"{path} has no classifier.weight and classifier.bias",
                              why="config.json names a classifier, but its head was not saved",
                              fix="download the model again, or add --new-head to put a new "
                                  "head on its encoder")
        return tuple(tensors.get_tensor(name) for name in names)


def _load_hugging_face_task(preset: Preset, head: ClassifierHead, dtype: str | None):
    import keras_hub
    import numpy as np

    backbone = load_backbone(preset, dtype=dtype)  # encoder and pooler, converted by keras-hub
    classifier_class = getattr(keras_hub.models, HF_HEADS[head.architecture])
    task = classifier_class(backbone, num_classes=head.num_classes, preprocessor=None,
                            dropout=head.dropout)
    weight, bias = hugging_face_head_weights(preset.location)
    kernel = task.output_dense.kernel
    if tuple(weight.shape) != (kernel.shape[1], kernel.shape[0]) or \
            tuple(bias.shape) != (kernel.shape[1],):
        raise CourseError(f"{preset.location}: classifier.weight is {tuple(weight.shape)}, "
                          f"not ({kernel.shape[1]}, {kernel.shape[0]}) (classes x hidden size)",
                          why="config.json and model.safetensors disagree",
                          fix="download the model folder again")
    # PyTorch's Linear keeps (outputs, inputs); Keras's Dense kernel is (inputs, outputs).
    task.output_dense.set_weights([np.transpose(weight), bias])
    return task
