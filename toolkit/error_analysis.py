"""Error analysis as a first-class object: what did the model get wrong, and how sure was it?

:class:`ErrorAnalysis` takes the true labels and the predicted class probabilities of a test
split and answers the questions the rubric asks: which samples are misclassified (most
confident mistakes first), which class pairs are most confused, and how confidence differs
between right and wrong answers. It writes ``errors.csv`` with empty ``error_type`` and
``fix_idea`` columns for the student to fill in; :func:`read_annotations` reads them back.

Example:
    >>> analysis = ErrorAnalysis(y_true, probabilities, class_names, texts=sentences)
    >>> analysis.top_errors(10)          # list of dicts, most confident mistakes first
    >>> analysis.most_confused(5)        # [(true, predicted, count), ...]
    >>> analysis.write_csv(run.path("errors.csv"))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ANNOTATION_COLUMNS = ("error_type", "fix_idea")


class ErrorAnalysis:
    """Misclassified samples of one evaluation split.

    Args:
        y_true: integer labels, shape ``(N,)``.
        probabilities: predicted class probabilities, shape ``(N, C)``; for a binary model
            with one sigmoid output, shape ``(N,)`` or ``(N, 1)`` is accepted too.
        class_names: ``C`` names.
        texts: optional sample texts (text labs), stored with each error.
        ids: optional sample ids (default: the index in the split).
    """

    def __init__(self, y_true: Sequence[int], probabilities: np.ndarray,
                 class_names: Sequence[str], *, texts: Sequence[str] | None = None,
                 ids: Sequence | None = None):
        probabilities = np.asarray(probabilities, dtype="float64")
        if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
            positive = probabilities.reshape(-1)
            probabilities = np.stack([1 - positive, positive], axis=1)
        self.y_true = np.asarray(y_true).astype(int)
        if len(self.y_true) != len(probabilities):
            raise ValueError(f"{len(self.y_true)} labels but {len(probabilities)} predictions")
        self.probabilities = probabilities
        self.class_names = list(class_names)
        self.texts = list(texts) if texts is not None else None
        self.ids = list(ids) if ids is not None else list(range(len(self.y_true)))
        self.y_pred = probabilities.argmax(axis=1)
        self.confidence = probabilities.max(axis=1)
        # Loss of the true class: large when the model was confidently wrong (fastai's top losses).
        true_probability = probabilities[np.arange(len(self.y_true)), self.y_true]
        self.losses = -np.log(np.clip(true_probability, 1e-12, 1.0))

    @property
    def wrong(self) -> np.ndarray:
        """Indices of misclassified samples."""
        return np.flatnonzero(self.y_pred != self.y_true)

    @property
    def error_rate(self) -> float:
        return float(len(self.wrong) / max(1, len(self.y_true)))

    def sample(self, index: int) -> dict:
        """One sample as a JSON-ready dict."""
        row = {
            "index": int(index), "id": self.ids[index],
            "true": self.class_names[self.y_true[index]],
            "predicted": self.class_names[self.y_pred[index]],
            "confidence": round(float(self.confidence[index]), 4),
            "loss": round(float(self.losses[index]), 4),
        }
        if self.texts is not None:
            row["text"] = self.texts[index]
        return row

    def top_errors(self, k: int = 25) -> list[dict]:
        """The ``k`` misclassified samples with the largest loss, worst first.

        The loss is ``-log p(true class)``: for two classes this is the same order as the
        confidence of the wrong prediction; for more classes it ranks the samples whose true
        class the model found least likely first.
        """
        wrong = self.wrong
        order = wrong[np.argsort(-self.losses[wrong], kind="stable")]
        return [self.sample(i) for i in order[:k]]

    def most_confused(self, k: int = 5) -> list[tuple[str, str, int]]:
        """The ``k`` most frequent (true, predicted) pairs among the mistakes."""
        pairs: dict[tuple[int, int], int] = {}
        for i in self.wrong:
            key = (int(self.y_true[i]), int(self.y_pred[i]))
            pairs[key] = pairs.get(key, 0) + 1
        ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
        return [(self.class_names[t], self.class_names[p], n) for (t, p), n in ranked[:k]]

    def confidence_summary(self) -> dict:
        """Mean confidence of right and wrong answers (a calibrated model is less sure when wrong)."""
        right = self.y_pred == self.y_true

        def mean(mask):
            return round(float(self.confidence[mask].mean()), 4) if mask.any() else None

        return {"mean_confidence_correct": mean(right), "mean_confidence_wrong": mean(~right),
                "errors": int((~right).sum()), "samples": int(len(right))}

    def write_csv(self, path: Path | str, k: int | None = None,
                  extra_columns: dict[str, Sequence] | None = None) -> Path:
        """Write the mistakes (all, or the top ``k``) to CSV with empty annotation columns.

        ``extra_columns`` maps a column name to one value per sample of the split (e.g. tags).
        """
        rows = self.top_errors(k if k is not None else len(self.wrong))
        for row in rows:
            for name, values in (extra_columns or {}).items():
                row[name] = values[row["index"]]
            for column in ANNOTATION_COLUMNS:
                row[column] = ""
        fieldnames = list(rows[0]) if rows else ["index", "id", "true", "predicted",
                                                 "confidence", "loss", *ANNOTATION_COLUMNS]
        path = Path(path)
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(rows)
        return path


def read_annotations(path: Path | str) -> list[dict]:
    """Rows of an ``errors.csv`` whose ``error_type`` or ``fix_idea`` the student filled in."""
    path = Path(path)
    if not path.is_file():
        return []
    return read_annotations_text(path.read_text(encoding="utf-8", errors="replace"))


def read_annotations_text(text: str) -> list[dict]:
    """The same from the text of an ``errors.csv`` (as the grader reads it out of a zip)."""
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return [row for row in rows
            if any((row.get(column) or "").strip() for column in ANNOTATION_COLUMNS)]
