"""Figures of the text labs (matplotlib, Agg, PNG): token counts, weights, lengths, vectors.

Like :mod:`toolkit.plots`, every function takes plain data, writes one PNG and returns its
path, so a lab, a notebook and a test call them the same way
(:func:`error_analysis_figures` writes a set of four into a run folder).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from toolkit import plots as core_plots
from toolkit.plots import plt, save_figure


def _bar_panel(ax, items: Sequence[tuple[str, float]], title: str, xlabel: str,
               color: str | Sequence[str] = "tab:blue", fmt: str = "{:,.0f}") -> None:
    labels = [label for label, _ in items]
    values = [value for _, value in items]
    positions = np.arange(len(items))
    ax.barh(positions, values, color=color)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    for y, value in zip(positions, values, strict=True):
        ax.text(value, y, " " + fmt.format(value), va="center",
                ha="left" if value >= 0 else "right", fontsize=7)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    ax.margins(x=0.18)


def token_frequency_figure(panels: Mapping[str, Counter], path: Path | str, *, k: int = 20,
                           title: str = "Most frequent tokens in the training texts") -> Path:
    """One bar panel per counter: its ``k`` most frequent tokens (e.g. before / after
    stop-word removal, or after stemming)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 0.24 * k + 1.6),
                             squeeze=False)
    for ax, (name, counts) in zip(axes[0], panels.items(), strict=True):
        _bar_panel(ax, counts.most_common(k), name, "occurrences")
    fig.suptitle(title)
    return save_figure(fig, path)


def weighted_tokens_figure(panels: Mapping[str, Sequence[tuple[str, float]]], path: Path | str,
                           *, title: str = "Tokens with the largest weights") -> Path:
    """One bar panel per class (or direction): tokens and their model weights, bars
    coloured by sign (green pushes towards the class, red away from it)."""
    columns = 2 if len(panels) == 4 else min(len(panels), 3)  # 4 panels: a 2 x 2 grid
    rows = int(np.ceil(len(panels) / columns))
    longest = max(len(items) for items in panels.values())
    fig, axes = plt.subplots(rows, columns, figsize=(4.4 * columns, rows * (0.24 * longest + 1.4)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (name, items) in zip(axes.flat, panels.items(), strict=False):  # spare axes stay off
        ax.axis("on")
        colors = ["tab:green" if value >= 0 else "tab:red" for _, value in items]
        _bar_panel(ax, items, name, "weight", color=colors, fmt="{:+.2f}")
        ax.axvline(0, color="black", linewidth=0.8)
    fig.suptitle(title)
    return save_figure(fig, path)


def scores_figure(items: Sequence[tuple[str, float]], path: Path | str, *, title: str,
                  xlabel: str = "accuracy", references: Mapping[str, float] | None = None,
                  zoom: bool = False) -> Path:
    """Horizontal bars of scores between 0 and 1 (e.g. accuracy per model), with published
    references drawn as vertical lines so the gap is visible at a glance.

    Args:
        zoom: start the axis a little below the lowest score instead of at 0, so that
            differences of a point or two show (the axis label says where it starts).
    """
    labels = [label for label, _ in items]
    values = [value for _, value in items]
    references = dict(references or {})
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(items) + 1.6 + 0.25 * len(references)))
    positions = np.arange(len(items))
    ax.barh(positions, values, color="tab:blue")
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    everything = [*values, *references.values()]
    low = max(0.0, np.floor((min(everything) - 0.03) * 20) / 20) if zoom else 0.0
    high = min(1.0, np.ceil((max(everything) + 0.03) * 20) / 20) if zoom else 1.0
    ax.set_xlim(low, high)
    for y, value in zip(positions, values, strict=True):
        inside = value - low > 0.12 * (high - low)  # white text inside a long bar, else beside
        ax.text(value, y, f" {value:.3f} ", va="center", fontsize=8,
                ha="right" if inside else "left", color="white" if inside else "black")
    styles = ["--", ":", "-."]
    for number, (name, value) in enumerate(references.items()):
        ax.axvline(value, color=plt.get_cmap("Dark2")(number), linestyle=styles[number % 3],
                   linewidth=1.5, label=f"{name}: {value:.3f}")
    if references:  # below the plot, where it hides no bar
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.4 / len(items)),
                  frameon=False)
    ax.set_xlabel(xlabel + (f" (axis starts at {low:.2f})" if low > 0 else ""))
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def length_histogram(lengths: Sequence[int], chosen_length: int, path: Path | str, *,
                     title: str = "Tokens per training text") -> Path:
    """Histogram of text lengths in tokens, with the chosen sequence length marked."""
    lengths = np.asarray(lengths)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bins = np.arange(0, lengths.max() + 2) if lengths.max() <= 120 else 60
    ax.hist(lengths, bins=bins, color="tab:blue", alpha=0.8)
    cut = float((lengths > chosen_length).mean())
    ax.axvline(chosen_length, color="crimson", linestyle="--",
               label=f"sequence length {chosen_length}: {cut:.1%} of texts cut")
    ax.set_xlabel("tokens")
    ax.set_ylabel("texts")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def _word_groups_panel(ax, groups: Mapping[str, Mapping[str, np.ndarray]], title: str) -> bool:
    """Draw one PCA map of ``groups`` on ``ax``; ``False`` when it has under 3 words."""
    from sklearn.decomposition import PCA

    groups = {name: words for name, words in groups.items() if words}
    points = [(name, word, vector) for name, words in groups.items()
              for word, vector in words.items()]
    if len(points) < 3:
        return False
    coordinates = PCA(n_components=2).fit_transform(np.stack([p[2] for p in points]))
    colors = plt.get_cmap("tab10")
    for number, name in enumerate(groups):
        mask = [p[0] == name for p in points]
        xy = coordinates[mask]
        ax.scatter(xy[:, 0], xy[:, 1], color=colors(number % 10), label=name, s=30)
        for (_, word, _), (x, y) in zip([p for p in points if p[0] == name], xy, strict=True):
            ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.set_xlabel("first principal component")
    ax.set_ylabel("second principal component")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return True


def word_groups_figure(groups: Mapping[str, Mapping[str, np.ndarray]], path: Path | str, *,
                       title: str = "Word vectors projected to 2-D (PCA)") -> Path | None:
    """Words of a few groups, projected with one PCA fitted on all of them, coloured by group.

    Args:
        groups: group name -> {word: vector}; groups without words are left out.
    """
    fig, ax = plt.subplots(figsize=(7.5, 6))
    if not _word_groups_panel(ax, groups, title):
        plt.close(fig)
        return None
    return save_figure(fig, path)


def word_groups_panels(panels: Mapping[str, Mapping[str, Mapping[str, np.ndarray]]],
                       path: Path | str, *, title: str = "Word vectors projected to 2-D (PCA)"
                       ) -> Path | None:
    """Several PCA maps side by side, e.g. the GloVe vectors and the same words' vectors
    after fine-tuning (each panel has its own PCA: compare the grouping, not the axes).

    Args:
        panels: panel title -> (group name -> {word: vector}); a panel with under 3 words
            is left out.
    """
    drawable = {name: groups for name, groups in panels.items()
                if sum(len(words) for words in groups.values()) >= 3}
    if not drawable:
        return None
    fig, axes = plt.subplots(1, len(drawable), figsize=(7 * len(drawable), 6), squeeze=False)
    for ax, (name, groups) in zip(axes[0], drawable.items(), strict=True):
        _word_groups_panel(ax, groups, name)
    fig.suptitle(title)
    return save_figure(fig, path)


def word_cloud_figure(panels: Mapping[str, Mapping[str, float]], path: Path | str, *,
                      title: str = "Most influential tokens per class") -> Path | None:
    """One word cloud per class: each token drawn at a size proportional to its weight.

    Uses the ``wordcloud`` package (``None`` when it is not installed). Only positive
    weights can be drawn; a panel without any is left blank with a note.

    Args:
        panels: panel title -> {token: positive weight}.
    """
    try:
        from wordcloud import WordCloud
    except ImportError:
        return None
    columns = min(len(panels), 3)
    rows = int(np.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.4 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (name, weights) in zip(axes.flat, panels.items(), strict=False):
        weights = {token: float(w) for token, w in weights.items() if w > 0}
        if weights:
            # A fixed random_state: the same weights give the same layout in every run.
            cloud = WordCloud(width=520, height=320, background_color="white",
                              random_state=0, prefer_horizontal=0.9, colormap="viridis",
                              collocations=False).generate_from_frequencies(weights)
            ax.imshow(cloud, interpolation="bilinear")
        else:
            ax.text(0.5, 0.5, "no positive weights", ha="center", va="center")
        ax.set_title(name, fontsize=10)
    fig.suptitle(title)
    return save_figure(fig, path)


def curves_overlay(histories: Mapping[str, Sequence[dict]], path: Path | str, *,
                   metrics: Sequence[str] = ("val_accuracy", "val_loss"),
                   title: str = "Validation curves of the compared models") -> Path | None:
    """One panel per metric, one line per model (e.g. frozen / fine-tuned / random)."""
    histories = {name: rows for name, rows in histories.items() if rows}
    if not histories:
        return None
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for name, rows in histories.items():
            points = [(row["epoch"], row[metric]) for row in rows if metric in row]
            if points:
                ax.plot(*zip(*points, strict=True), "o-", label=name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.set_title(metric.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return save_figure(fig, path)


def error_analysis_figures(run, by_tag: Sequence[dict], by_length: Sequence[dict],
                           confidence: np.ndarray, correct: np.ndarray,
                           misclassified: Sequence[dict], where: str) -> None:
    """The four figures of a tagged error analysis, added to ``run``: error rate by tag and by
    length (rows of :func:`toolkit.text.tags.error_rate_by_tag` / ``_by_length``; the first
    tag row is the overall rate), confidence of right vs wrong answers, the misclassified
    texts. ``where`` names the texts in the titles (``"SST-2 test"``)."""
    overall, tag_rows = by_tag[0]["error_rate"], list(by_tag[1:])
    run.add_figure("error_rate_by_tag", core_plots.rate_bars(
        [row["tag"].replace("_", " ") for row in tag_rows],
        [row["error_rate"] for row in tag_rows], [row["sentences"] for row in tag_rows],
        run.path("error_rate_by_tag.png"), overall=overall,
        title=f"Error rate by automatic tag ({where})"))
    run.add_figure("error_rate_by_length", core_plots.rate_bars(
        [f"{row['bucket']} words" for row in by_length], [row["error_rate"] for row in by_length],
        [row["sentences"] for row in by_length], run.path("error_rate_by_length.png"),
        overall=overall, title=f"Error rate by text length ({where})"))
    run.add_figure("confidence_histogram", core_plots.confidence_histogram(
        confidence, correct, run.path("confidence_histogram.png"),
        title=f"Confidence of right vs wrong answers ({where})"))
    run.add_figure("errors", core_plots.misclassified_table(
        misclassified, run.path("errors.png"),
        title=f"Misclassified {where} texts (most confident first)"))


def attention_figure(panels: Mapping[str, tuple[Sequence[str], np.ndarray]], path: Path | str,
                     *, title: str = "Self-attention weights") -> Path:
    """One heat map per sentence: row i shows how much token i attends to each token.

    Args:
        panels: panel title -> ``(tokens, weights)``, ``weights`` of shape
            ``(len(tokens), len(tokens))`` whose rows sum to 1 (e.g. the mean over heads).
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels), 5.2), squeeze=False)
    for ax, (name, (tokens, weights)) in zip(axes.flat, panels.items(), strict=False):
        image = ax.imshow(weights, cmap="viridis", vmin=0.0)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="attention weight")
        ticks = np.arange(len(tokens))
        ax.set_xticks(ticks, tokens, rotation=90, fontsize=8)
        ax.set_yticks(ticks, tokens, fontsize=8)
        ax.set_xlabel("attended to (key)")
        ax.set_ylabel("attending (query)")
        ax.set_title(name, fontsize=9, wrap=True)
    fig.suptitle(title)
    return save_figure(fig, path)
