"""Precision, recall and F1 taught with a run's own confusion matrix: for each class, the
counts behind each score (``TP / (TP + FP)`` with the numbers filled in), as table rows for
the reflection draft, so a student reads the definitions off their own model's mistakes."""

from __future__ import annotations

from collections.abc import Sequence


def explain_metrics(confusion: Sequence[Sequence[int]], class_names: Sequence[str]
                    ) -> list[dict]:
    """Rows ``{"class", "score", "formula", "this run", "value", "reads as"}``: accuracy,
    then precision, recall and F1 of every class, from ``confusion[true][predicted]``."""
    matrix = [[int(cell) for cell in row] for row in confusion]
    total = sum(map(sum, matrix))
    right = sum(matrix[i][i] for i in range(len(matrix)))
    rows = [{"class": "all", "score": "accuracy", "formula": "right / all",
             "this run": f"{right} / {total}", "value": _share(right, total),
             "reads as": "share of all texts labelled right; with imbalanced classes, "
                         "predicting the common class alone scores high"}]
    for index, name in enumerate(class_names):
        true_positive = matrix[index][index]
        false_positive = sum(matrix[other][index] for other in range(len(matrix))) \
            - true_positive
        false_negative = sum(matrix[index]) - true_positive
        precision = _share(true_positive, true_positive + false_positive)
        recall = _share(true_positive, true_positive + false_negative)
        f1 = None if precision is None or recall is None else \
            _share(2 * true_positive, 2 * true_positive + false_positive + false_negative)
        rows += [
            {"class": name, "score": "precision", "formula": "TP / (TP + FP)",
             "this run": f"{true_positive} / ({true_positive} + {false_positive})",
             "value": precision,
             "reads as": f"when the model says {name}, how often it is right"},
            {"class": name, "score": "recall", "formula": "TP / (TP + FN)",
             "this run": f"{true_positive} / ({true_positive} + {false_negative})",
             "value": recall, "reads as": f"of the true {name} texts, the share it finds"},
            {"class": name, "score": "F1", "formula": "2 P R / (P + R)",
             "this run": f"2 x {_text(precision)} x {_text(recall)} / "
                         f"({_text(precision)} + {_text(recall)})",
             "value": f1, "reads as": "harmonic mean: low if either one is low"}]
    return rows


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
