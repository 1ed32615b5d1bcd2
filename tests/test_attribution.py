"""Leave-one-word-out occlusion: effects from a model we can compute by hand, and the figure."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.text.attribution import occlusion, word_effects_figure


def keyword_model(texts: list[str]) -> np.ndarray:
    """P(positive) = 0.5 + 0.3 per 'good' - 0.3 per 'bad', clipped: a model we can reason about."""
    scores = np.array([0.5 + 0.3 * t.split().count("good") - 0.3 * t.split().count("bad")
                       for t in texts]).clip(0.01, 0.99)
    return np.stack([1 - scores, scores], axis=1)


def test_effects_follow_the_predicted_class_and_are_batched_in_one_call():
    calls = []

    def predict(texts):
        calls.append(len(texts))
        return keyword_model(texts)

    effects = occlusion(predict, ["a good film", "bad but good acting"], predicted=[1, 0])
    assert calls == [3 + 1 + 4 + 1]  # every text and every variant in one call
    assert effects[0] == [("a", 0.0), ("good", pytest.approx(0.3)), ("film", 0.0)]
    negative = dict(effects[1])  # predicted class 0: 'bad' pushed towards it, 'good' against
    assert negative["bad"] == pytest.approx(0.3) and negative["good"] == pytest.approx(-0.3)


def test_long_texts_are_cut_and_empty_input_is_fine():
    effects = occlusion(keyword_model, ["good " * 5 + "end"], predicted=[1], max_words=2)
    assert len(effects[0]) == 6 and [e for _, e in effects[0][2:]] == [0.0] * 4
    assert occlusion(keyword_model, [], predicted=[]) == []


def test_figure_is_written(tmp_path):
    effects = occlusion(keyword_model, ["a good film", "bad " * 20 + "good"], predicted=[1, 0])
    path = word_effects_figure(effects, tmp_path / "words.png", titles=["one", "two"])
    assert path.is_file() and path.stat().st_size > 5000
