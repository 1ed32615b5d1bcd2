"""toolkit.metrics: what the inference timing reports, on a scripted clock."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit import metrics


class ScriptedClock:
    """``time.perf_counter`` stand-in: a predict call advances it by the next scripted cost."""

    def __init__(self, costs):
        self.now, self.costs = 0.0, list(costs)

    def perf_counter(self):
        return self.now

    def predict(self, batch):
        self.now += self.costs.pop(0)
        return np.zeros((len(batch), 2))


def test_inference_timing_reports_the_fastest_repeat(monkeypatch):
    # 8 samples in 2 batches of 4: a warm-up call, then 3 repeats of 2 calls each.
    clock = ScriptedClock([5.0, 1.0, 1.0, 0.25, 0.25, 0.5, 0.5])
    monkeypatch.setattr(metrics.time, "perf_counter", clock.perf_counter)
    timing = metrics.measure_inference(clock.predict, np.zeros((8, 3)), batch_size=4, repeats=3)
    assert timing["warmup_s"] == pytest.approx(5.0)
    assert timing["samples"] == 8
    assert timing["latency_ms_per_sample"] == pytest.approx(1000 * 0.5 / 8)  # repeat 2
    assert timing["throughput_samples_per_s"] == pytest.approx(8 / 0.5)
    assert timing["batch_latency_ms"] == pytest.approx(1000 * 0.5 / 2)


def test_inference_timing_uses_full_batches_and_at_most_max_samples(monkeypatch):
    # 10 samples, batches of 4, at most 9: two full batches (8 samples); 1 repeat.
    clock = ScriptedClock([0.5, 0.125, 0.125])
    monkeypatch.setattr(metrics.time, "perf_counter", clock.perf_counter)
    seen = []

    def predict(batch):
        seen.append(len(batch))
        return clock.predict(batch)

    timing = metrics.measure_inference(predict, np.zeros((10, 3)), batch_size=4, repeats=1,
                                       max_samples=9)
    assert seen == [4, 4, 4] and timing["batch_size"] == 4 and timing["samples"] == 8
    assert timing["latency_ms_per_sample"] == pytest.approx(1000 * 0.25 / 8)
    assert timing["batch_latency_ms"] == pytest.approx(1000 * 0.25 / 2)
    # Fewer samples than a batch: the whole array is one batch.
    clock = ScriptedClock([1.0, 0.003])
    monkeypatch.setattr(metrics.time, "perf_counter", clock.perf_counter)
    small = metrics.measure_inference(clock.predict, np.zeros((3, 3)), batch_size=32, repeats=1)
    assert small["samples"] == 3 and small["batch_latency_ms"] == pytest.approx(3.0)
    assert small["throughput_samples_per_s"] == pytest.approx(1000.0)
    assert isinstance(small["samples"], int) and isinstance(small["batch_size"], int)


def test_significant_digits_and_timed(monkeypatch):
    assert metrics._significant(0.000043219) == 4.322e-05
    assert metrics._significant(123456.0) == 123500.0
    assert metrics._significant(1.23456, 2) == 1.2
    clock = ScriptedClock([])
    clock.now = 50.0
    monkeypatch.setattr(metrics.time, "perf_counter", clock.perf_counter)

    def work(a, b=0):
        clock.now += 2.5
        return a + b

    assert metrics.timed(work, 1, b=2) == (3, 2.5)


def test_classification_metrics_on_a_small_example():
    report = metrics.classification_metrics([0, 0, 1, 1, 2], [0, 1, 1, 1, 0],
                                            ["cat", "dog", "fox"])
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert report["per_class"]["cat"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5,
                                          "support": 2}
    assert report["per_class"]["dog"]["precision"] == pytest.approx(2 / 3)
    assert report["per_class"]["fox"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                          "support": 1}
    assert report["macro_recall"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert report["macro_precision"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    assert report["macro_f1"] == pytest.approx((0.5 + 0.8 + 0) / 3)
    assert report["weighted_recall"] == pytest.approx(3 / 5)
    assert report["weighted_precision"] == pytest.approx((2 * 0.5 + 2 * 2 / 3) / 5)
    assert report["weighted_f1"] == pytest.approx((2 * 0.5 + 2 * 0.8) / 5)
    assert report["labels"] == ["cat", "dog", "fox"] and report["samples"] == 5
    # A class never predicted nor present still has its row.
    assert metrics.classification_metrics([0], [0], ["a", "b"])["confusion_matrix"] == \
        [[1, 0], [0, 0]]


def test_best_threshold_and_the_threshold_report():
    y_true = [0, 0, 1, 1, 1]
    probability = [0.1, 0.6, 0.4, 0.7, 0.9]
    threshold, f1 = metrics.best_f1_threshold(y_true, probability)
    assert threshold == pytest.approx(0.4) and f1 == pytest.approx(2 * 0.75 * 1 / 1.75)
    assert metrics.best_f1_threshold([1, 1], [0.2, 0.9])[0] == 0.5
    assert np.isnan(metrics.best_f1_threshold([1, 1], [0.2, 0.9])[1])
    report = metrics.threshold_report(y_true, probability, [0.5, 0.8], prefix="val_")
    assert report == {"val_f1_at_0.5": 0.6667,
                      "val_accuracy_at_0.5": 0.6, "val_f1_at_0.8": 0.5,
                      "val_accuracy_at_0.8": 0.6}
    assert set(metrics.threshold_report(y_true, probability, [0.5])) == \
        {"test_f1_at_0.5", "test_accuracy_at_0.5"}


def test_absent_classes_count_in_the_macro_average_and_nothing_warns():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zero_division=0: an empty class is 0, silently
        report = metrics.classification_metrics([0, 0, 1], [0, 0, 1], ["a", "b", "never"])
    assert report["macro_recall"] == pytest.approx(2 / 3)  # the absent class counts as 0
    assert report["macro_precision"] == pytest.approx(2 / 3)
    assert report["weighted_f1"] == 1.0 and report["accuracy"] == 1.0
    assert report["per_class"]["never"]["support"] == 0


def test_the_best_threshold_at_either_end_and_a_low_f1():
    assert metrics.best_f1_threshold([0, 1], [0.1, 0.9]) == (0.9, 1.0)  # the highest one
    # Two positives in twenty, one among the five most probable: F1 2/7 at 0.5.
    probability = [0.5, 0.9, 0.8, 0.7, 0.6] + [0.05 + 0.02 * i for i in range(14)] + [0.01]
    y_true = [1] + [0] * 18 + [1]
    threshold, f1 = metrics.best_f1_threshold(y_true, probability)
    assert threshold == 0.5 and f1 == pytest.approx(2 / 7)


def test_inference_timing_defaults_and_a_clock_not_at_zero(monkeypatch):
    clock = ScriptedClock([0.5] + [0.01] * (3 * 64))
    clock.now = 100.0  # perf_counter's zero is arbitrary
    monkeypatch.setattr(metrics.time, "perf_counter", clock.perf_counter)
    timing = metrics.measure_inference(clock.predict, np.zeros((2100, 2)))
    assert clock.costs == [] and timing["batch_size"] == 32 and timing["samples"] == 2048
    assert timing["warmup_s"] == pytest.approx(0.5)
    clock = ScriptedClock([1.0, 0.5])
    monkeypatch.setattr(metrics.time, "perf_counter", clock.perf_counter)
    # 7 samples in batches of 4: one full batch, the last 3 left out.
    assert metrics.measure_inference(clock.predict, np.zeros((7, 2)), batch_size=4,
                                     repeats=1)["samples"] == 4


def test_the_threshold_report_at_the_edges():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = metrics.threshold_report([1, 0, 1], [0.5, 0.2, 0.9], [0.5, 0.95])
    assert report["test_f1_at_0.5"] == 1.0  # 0.5 itself predicts the positive class
    assert report["test_f1_at_0.95"] == 0.0  # nothing predicted positive: 0, not 1
    assert report["test_accuracy_at_0.95"] == 0.3333
