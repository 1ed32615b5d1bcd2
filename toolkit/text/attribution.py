"""Which words drove a text classifier's decision: leave-one-word-out occlusion.

For a text of ``n`` words the model also reads the ``n`` texts with one word left out. A
word's *effect* is how much the probability of the predicted class falls when that word is
missing: positive, the word pushed towards the prediction; negative, it pushed against it.
Only predictions are needed (no gradients), so it works with any model on any backend, and
all variants of all texts go through the model in one batched call.

Example:
    >>> effects = occlusion(predict, ["not a good film"], predicted=[0])
    >>> effects[0]  # [("not", 0.41), ("a", 0.00), ("good", -0.22), ("film", 0.01)]
    >>> word_effects_figure(texts, effects, "attribution.png", titles=[...])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


def words(text: str) -> list[str]:
    """The words occlusion leaves out one at a time: the text split on white space."""
    return text.split()


def occlusion(predict: Callable[[list[str]], np.ndarray], texts: Sequence[str],
              predicted: Sequence[int], *, max_words: int = 64) -> list[list[tuple[str, float]]]:
    """Leave-one-word-out effects on the predicted class, for each text.

    Args:
        predict: texts -> class probabilities, shape ``(len(texts), classes)``. Called once,
            on every text and all its variants together (batch inside it).
        texts: the texts to explain.
        predicted: the class whose probability is followed, one per text (usually the
            model's prediction).
        max_words: longer texts are explained on their first ``max_words`` words only (each
            word costs one more prediction); the other words get an effect of 0.

    Returns:
        per text, ``[(word, effect), ...]`` in reading order; ``effect = p(full text) -
        p(text without the word)`` for the predicted class.
    """
    variants, spans = [], []
    for text in texts:
        tokens = words(text)
        start = len(variants)
        variants.append(text)
        for index in range(min(len(tokens), max_words)):
            variants.append(" ".join(tokens[:index] + tokens[index + 1:]))
        spans.append((start, len(variants)))
    if not variants:
        return []
    probabilities = np.asarray(predict(variants))
    results = []
    for text, (start, end), cls in zip(texts, spans, predicted, strict=True):
        tokens = words(text)
        full = float(probabilities[start, cls])
        effects = [full - float(probabilities[row, cls]) for row in range(start + 1, end)]
        effects += [0.0] * (len(tokens) - len(effects))
        results.append([(word, round(effect, 4)) for word, effect in
                        zip(tokens, effects, strict=True)])
    return results


def word_effects_figure(effects: Sequence[Sequence[tuple[str, float]]], path: Path | str, *,
                        titles: Sequence[str], title: str = "Which words drove the decision",
                        words_per_line: int = 14) -> Path:
    """The texts with every word on a background coloured by its effect.

    Red: the word pushed towards the predicted class; blue: against it; the stronger the
    colour, the larger the effect (the same scale for all texts). ``titles`` labels each text
    (e.g. ``"true negative, predicted positive (0.97)"``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    from toolkit.plots import DPI

    scale = max([abs(effect) for text in effects for _, effect in text] + [1e-6])
    norm = TwoSlopeNorm(vmin=-scale, vcenter=0.0, vmax=scale)
    colours = plt.get_cmap("coolwarm")
    lines_per_text = [max(1, -(-len(text) // words_per_line)) for text in effects]
    height = 0.5 + sum(0.32 * lines + 0.35 for lines in lines_per_text)
    fig = plt.figure(figsize=(11, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.axis("off")
    renderer = fig.canvas.get_renderer()
    inch = 1 / height  # one inch in axes units, vertically
    y = 1 - 0.35 * inch
    fig.text(0.01, y, title, fontsize=11, weight="bold", va="top")
    y -= 0.4 * inch
    for text, label in zip(effects, titles, strict=True):
        ax.text(0.01, y, label, fontsize=8, color="0.3", va="top", transform=ax.transAxes)
        y -= 0.27 * inch
        x = 0.01
        for position, (word, effect) in enumerate(text):
            if position and position % words_per_line == 0:
                x, y = 0.01, y - 0.32 * inch
            artist = ax.text(x, y, word, fontsize=9, va="top", transform=ax.transAxes,
                             bbox=dict(boxstyle="square,pad=0.15", linewidth=0,
                                       facecolor=colours(norm(effect))))
            box = artist.get_window_extent(renderer=renderer)
            x += box.width / fig.bbox.width + 0.006
        y -= 0.4 * inch
    legend = fig.add_axes((0.68, 1 - 0.42 * inch, 0.3, 0.1 * inch))
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=colours), cax=legend,
                       orientation="horizontal")
    bar.set_label("effect on the predicted class's probability", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    # Placed by hand (no tight_layout): the word boxes were measured at this layout.
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
