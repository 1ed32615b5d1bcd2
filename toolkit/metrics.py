"""Classification metrics (scikit-learn) and inference timing.

Example:
    >>> from toolkit.metrics import classification_metrics
    >>> classification_metrics([0, 1, 1], [0, 1, 0], ["neg", "pos"])["accuracy"]
    0.6666666666666666
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int],
                           class_names: Sequence[str]) -> dict:
    """Accuracy, macro precision/recall/F1, per-class scores and the confusion matrix.

    Args:
        y_true: integer labels.
        y_pred: integer predictions.
        class_names: name of class ``i`` at position ``i``.

    Returns:
        A JSON-ready dict for the record's ``metrics`` section.
    """
    labels = list(range(len(class_names)))
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    macro = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="macro",
                                            zero_division=0)
    # weighted: each class's score counts by its number of true samples (imbalanced data)
    weighted = precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                               average="weighted", zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_precision": float(macro[0]), "macro_recall": float(macro[1]),
        "macro_f1": float(macro[2]),
        "weighted_precision": float(weighted[0]), "weighted_recall": float(weighted[1]),
        "weighted_f1": float(weighted[2]),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f),
                   "support": int(s)}
            for name, p, r, f, s in zip(class_names, precision, recall, f1, support,
                                            strict=True)},
        "labels": list(class_names),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "samples": int(len(y_true)),
    }


def best_f1_threshold(y_true: Sequence[int], positive_probability: Sequence[float]
                      ) -> tuple[float, float]:
    """The decision threshold on the positive class's probability that maximises its F1.

    For a binary task (labels 0/1, class 1 positive). Returns ``(threshold, f1)``; predict
    class 1 when ``probability >= threshold``. Tune it on validation data, never on test.
    """
    from sklearn.metrics import precision_recall_curve

    y_true = np.asarray(y_true)
    if len(np.unique(y_true)) < 2:
        return 0.5, float("nan")
    precision, recall, thresholds = precision_recall_curve(y_true, positive_probability)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    best = int(np.argmax(f1[:-1]))  # the last point (recall 0) has no threshold
    return float(thresholds[best]), float(f1[best])


def threshold_report(y_true: Sequence[int], positive_probability: Sequence[float],
                     thresholds: Sequence[float], prefix: str = "test_") -> dict[str, float]:
    """F1 of class 1 and accuracy at each decision threshold (predict 1 when the probability
    is at least the threshold): ``{"test_f1_at_0.5": ..., "test_accuracy_at_0.5": ...}``."""
    from sklearn.metrics import f1_score

    y_true = np.asarray(y_true)
    report = {}
    for threshold in thresholds:
        predicted = (np.asarray(positive_probability) >= threshold).astype(int)
        report[f"{prefix}f1_at_{threshold:g}"] = round(float(
            f1_score(y_true, predicted, zero_division=0)), 4)
        report[f"{prefix}accuracy_at_{threshold:g}"] = round(float(
            (predicted == y_true).mean()), 4)
    return report


def measure_inference(predict: Callable[[np.ndarray], object], x: np.ndarray,
                      batch_size: int = 32, *, repeats: int = 3, max_samples: int = 2048) -> dict:
    """Time ``predict`` on batches of ``x``: latency per sample and throughput.

    The first call (compilation, warm-up) is timed separately and left out of the figures.
    ``predict`` must return something convertible to NumPy (this forces the device to finish).

    Returns:
        ``{"batch_size", "samples", "warmup_s", "latency_ms_per_sample",
        "throughput_samples_per_s", "batch_latency_ms"}``.
    """
    x = x[:max_samples]
    # Full batches only, so every call has the shape that was compiled in the warm-up.
    chunks = [x[i:i + batch_size] for i in range(0, len(x) - batch_size + 1, batch_size)] or [x]
    start = time.perf_counter()
    np.asarray(predict(chunks[0]))
    warmup = time.perf_counter() - start
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for chunk in chunks:
            np.asarray(predict(chunk))
        timings.append(time.perf_counter() - start)
    best = min(timings)
    samples = sum(len(chunk) for chunk in chunks)
    full_batches = len(chunks)
    return {
        "batch_size": int(batch_size), "samples": int(samples),
        "warmup_s": _significant(warmup),
        "latency_ms_per_sample": _significant(1000 * best / samples),
        "throughput_samples_per_s": _significant(samples / best),
        "batch_latency_ms": _significant(1000 * best / full_batches),
    }


def _significant(value: float, digits: int = 4) -> float:
    """Round to significant digits: 0.00004321 ms stays 4.321e-05, not 0.0."""
    return float(f"{value:.{digits}g}")


def timed(function: Callable, *args, **kwargs) -> tuple[object, float]:
    """``(result, seconds)`` of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start
