"""Metrics (scikit-learn), error analysis and errors.csv annotations."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from toolkit.error_analysis import ErrorAnalysis, read_annotations
from toolkit.metrics import classification_metrics, measure_inference


def test_classification_metrics_match_hand_counts():
    metrics = classification_metrics([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], ["a", "b", "c"])
    assert metrics["accuracy"] == pytest.approx(3 / 5)
    assert metrics["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert metrics["per_class"]["b"]["precision"] == pytest.approx(2 / 3)
    assert metrics["per_class"]["c"]["recall"] == 0.0
    assert metrics["macro_recall"] == pytest.approx((0.5 + 1 + 0) / 3)
    # weighted by support (2, 2, 1): recall 0.5, 1, 0 -> (1 + 2 + 0) / 5
    assert metrics["weighted_recall"] == pytest.approx(3 / 5)
    f1 = {"a": 0.5, "b": 0.8, "c": 0.0}
    assert metrics["weighted_f1"] == pytest.approx((2 * f1["a"] + 2 * f1["b"]) / 5)


def test_best_f1_threshold_beats_one_half_on_shifted_scores():
    from toolkit.metrics import best_f1_threshold

    y = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.45])  # every positive is below 0.5
    threshold, f1 = best_f1_threshold(y, scores)
    assert threshold == pytest.approx(0.35) and f1 == pytest.approx(1.0)
    assert best_f1_threshold([1, 1], [0.2, 0.9])[0] == 0.5  # one class: nothing to tune


def test_error_analysis_orders_mistakes_by_confidence():
    y_true = [0, 1, 1, 0, 1]
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.7, 0.3]])
    analysis = ErrorAnalysis(y_true, probabilities, ["neg", "pos"],
                             texts=["a", "b", "c", "d", "e"])
    assert analysis.wrong.tolist() == [2, 3, 4]
    top = analysis.top_errors(10)
    assert [row["text"] for row in top] == ["d", "e", "c"]
    assert top[0] == {"index": 3, "id": 3, "true": "neg", "predicted": "pos",
                      "confidence": 0.95, "loss": pytest.approx(-np.log(0.05), abs=1e-4),
                      "text": "d"}
    assert analysis.most_confused() == [("pos", "neg", 2), ("neg", "pos", 1)]
    summary = analysis.confidence_summary()
    assert summary["errors"] == 3 and summary["mean_confidence_correct"] == 0.85


def test_sigmoid_output_is_accepted():
    analysis = ErrorAnalysis([1, 0], np.array([[0.2], [0.4]]), ["neg", "pos"])
    assert analysis.y_pred.tolist() == [0, 0] and analysis.wrong.tolist() == [0]


def test_errors_csv_round_trip_with_annotations(tmp_path):
    analysis = ErrorAnalysis([0, 1, 1], np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]),
                             ["neg", "pos"], texts=["x", "y", "z"])
    path = analysis.write_csv(tmp_path / "errors.csv", extra_columns={"tag": ["t0", "t1", "t2"]})
    rows = list(csv.DictReader(open(path)))
    assert [r["text"] for r in rows] == ["x", "y"] and rows[0]["tag"] == "t0"
    assert rows[0]["error_type"] == "" and read_annotations(path) == []
    rows[0]["error_type"], rows[0]["fix_idea"] = "negation", "bigrams"
    with open(path, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    annotated = read_annotations(path)
    assert len(annotated) == 1 and annotated[0]["error_type"] == "negation"


def test_measure_inference_counts_full_batches():
    calls = []

    def predict(batch):
        calls.append(len(batch))
        return batch * 2

    result = measure_inference(predict, np.ones((100, 3)), batch_size=32, repeats=2)
    assert result["samples"] == 96 and result["batch_size"] == 32
    assert set(calls) == {32} and len(calls) == 1 + 2 * 3
    assert result["throughput_samples_per_s"] > 0 and result["latency_ms_per_sample"] > 0
