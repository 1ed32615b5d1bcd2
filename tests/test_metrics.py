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
