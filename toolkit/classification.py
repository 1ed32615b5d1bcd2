"""Precision, recall and F1 of a classifier beyond one overall number: per epoch on the
training and validation data (:class:`EpochScores`, drawn beside the loss), and per class
with a warning for a class the model never gets right (:func:`per_class_rows`,
:func:`class_warnings`)."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np


def macro_scores(labels, predicted, classes: int) -> dict[str, float]:
    """Macro precision, recall and F1 (every class counts the same; a class never predicted
    scores 0)."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, labels=list(range(classes)), average="macro", zero_division=0)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


class EpochScores(keras.callbacks.Callback):
    """Adds macro precision, recall and F1 of each scored split to every epoch's logs.

    Keras has no sparse-label F1 for every backend, so the model predicts each split at the
    epoch's end (the training split is best a sample: a full pass costs a third of an epoch)
    and scikit-learn scores the argmax. Put it before the callbacks that read the logs (the
    history recorder, early stopping): ``val_f1`` can then be the monitored metric.

    Args:
        splits: ``{log prefix: (predict_scores, labels)}``, e.g. ``{"": (train_fn, y),
            "val_": (validation_fn, y_val)}``; ``predict_scores`` is ``model -> array
            (texts, classes)`` in the order of ``labels``. The keys become
            ``<prefix>precision``, ``<prefix>recall``, ``<prefix>f1``.
        classes: the number of classes.
    """

    def __init__(self, splits: dict[str, tuple[Callable, np.ndarray]], classes: int):
        super().__init__()
        self.splits, self.classes = splits, classes

    def on_epoch_end(self, epoch, logs=None):
        shown = []
        for prefix, (predict_scores, labels) in self.splits.items():
            predicted = np.argmax(np.asarray(predict_scores(self.model)), axis=1)
            for name, value in macro_scores(labels, predicted, self.classes).items():
                if logs is not None:
                    logs[f"{prefix}{name}"] = value
            shown.append(f"{prefix}f1: {logs[f'{prefix}f1']:.4f}" if logs is not None else "")
        print(" - " + " - ".join(filter(None, shown)))


def per_class_rows(metrics: dict) -> list[dict]:
    """The per-class table of a ``classification_metrics`` result: class, precision,
    recall, F1 and support (true texts of the class)."""
    return [{"class": name, "precision": round(scores["precision"], 4),
             "recall": round(scores["recall"], 4), "f1": round(scores["f1"], 4),
             "support": scores["support"]}
            for name, scores in (metrics.get("per_class") or {}).items()]


def class_warnings(metrics: dict, split: str) -> list[str]:
    """A sentence for every class with zero precision or zero recall on ``split``: the model
    never predicts it, or never predicts it correctly, whatever the overall accuracy says."""
    warnings = []
    for name, scores in (metrics.get("per_class") or {}).items():
        if not scores.get("support"):
            continue
        if scores["recall"] == 0:
            warnings.append(
                f"class {name!r}: recall 0 on the {split} split: none of its "
                f"{scores['support']} texts is predicted {name!r} (precision "
                f"{scores['precision']:.0%}); the model has not learned this class: more or "
                f"balanced data (--class-weight balanced), more epochs, or a lower --threshold")
        elif scores["precision"] == 0:
            warnings.append(f"class {name!r}: precision 0 on the {split} split: every text "
                            f"predicted {name!r} belongs to another class")
    return warnings
