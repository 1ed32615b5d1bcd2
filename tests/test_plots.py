"""Every figure function writes a real PNG (and says None when there is nothing to draw)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from toolkit import plots


def assert_png(path, min_width=300):
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width >= min_width


def test_learning_curves(tmp_path):
    history = [{"epoch": i, "loss": 1 / i, "accuracy": 0.5 + i / 10, "val_loss": 1.2 / i,
                "val_accuracy": 0.45 + i / 10, "time_s": 1.0} for i in range(1, 4)]
    assert_png(plots.learning_curves(history, tmp_path / "c.png"))
    assert plots.learning_curves([], tmp_path / "none.png") is None


def test_confusion_matrix_and_bars(tmp_path):
    assert_png(plots.confusion_matrix([[5, 1], [2, 7]], ["neg", "pos"], tmp_path / "cm.png"))
    assert_png(plots.topk_bar(["cat", "dog", "fox"], [0.7, 0.2, 0.1], tmp_path / "top.png",
                              image=np.zeros((20, 20, 3), dtype=np.uint8)))
    assert_png(plots.bar_chart(["a", "b"], [0.5, 0.8], tmp_path / "bar.png", title="t",
                               xlabel="accuracy"))


def test_misclassified_figures(tmp_path):
    rows = [{"index": i, "true": "3", "predicted": "8", "confidence": 0.9,
             "text": "a long sentence " * 12} for i in range(12)]
    assert_png(plots.misclassified_grid(np.random.rand(20, 28, 28), rows, tmp_path / "g.png"))
    assert_png(plots.misclassified_table(rows, tmp_path / "t.png"))
    assert plots.misclassified_grid(np.zeros((1, 2, 2)), [], tmp_path / "x.png") is None
