"""The course's figures, drawn with matplotlib (Agg backend) and saved as PNG.

Every function takes plain data (lists, NumPy arrays, record sections), writes one PNG
and returns its path, so a lab, a notebook and a test call them the same way.
In a notebook, :func:`show` displays a saved PNG inline and :func:`show_new_figures` the
figures a run recorded since its last call.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files, not windows: works on servers, in CI and in notebooks
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 110


def save_figure(fig, path: Path | str) -> Path:
    """Write ``fig`` as a PNG at ``path`` (folders made as needed), close it, return the path.

    Every figure of the course goes through here, so all share the same resolution and layout.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def learning_curves(history: Sequence[dict], path: Path | str, *,
                    title: str = "Learning curves") -> Path | None:
    """Loss and every metric, train vs validation, one panel each, per epoch.

    Args:
        history: the record's per-epoch list (``{"epoch", "loss", "val_loss", ...}``).
        path: where to write the PNG.
    Returns:
        The path, or ``None`` when there is nothing to plot.
    """
    if not history:
        return None
    skip = {"epoch", "time_s", "samples_per_s", "lr", "learning_rate"}
    keys = [k for k in history[0] if k not in skip and not k.startswith("val_")]
    keys = [k for k in keys if isinstance(history[0].get(k), (int, float))]
    if not keys:
        return None
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]
    columns = min(3, len(keys))  # more metrics (precision, recall, F1) wrap onto more rows
    rows = -(-len(keys) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.6 * rows), squeeze=False)
    for ax in axes.flat[len(keys):]:
        ax.set_visible(False)
    for ax, key in zip(axes.flat, keys, strict=False):
        ax.plot(epochs, [row.get(key) for row in history], "o-", label=f"train {key}")
        if any(row.get(f"val_{key}") is not None for row in history):
            ax.plot(epochs, [row.get(f"val_{key}") for row in history], "s--",
                    label=f"validation {key}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(key.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend()
        if len(epochs) < 15:
            ax.set_xticks(epochs)
    fig.suptitle(title)
    return save_figure(fig, path)


def confusion_matrix(matrix: Sequence[Sequence[int]], class_names: Sequence[str],
                     path: Path | str, *, title: str = "Confusion matrix (test)",
                     normalize: bool = True) -> Path:
    """A confusion matrix heat map: rows are true classes, columns predictions.

    With ``normalize`` each cell shows the share of its row (the per-class recall on the
    diagonal) and the raw count beneath.
    """
    counts = np.asarray(matrix, dtype=float)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    shown = shares if normalize else counts
    size = max(4.0, 0.55 * len(class_names) + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                 label="share of true class" if normalize else "count")
    ticks = range(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=45, ha="right")
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    small = len(class_names) <= 12
    for i in ticks:
        for j in ticks:
            if small:
                label = f"{shares[i, j]:.2f}\n({int(counts[i, j])})" if normalize else \
                    f"{int(counts[i, j])}"
                ax.text(j, i, label, ha="center", va="center", fontsize=7,
                        color="white" if shown[i, j] > 0.5 * np.nanmax(shown) else "black")
    ax.set_title(title)
    return save_figure(fig, path)


def misclassified_grid(images: np.ndarray, rows: Sequence[dict], path: Path | str, *,
                       title: str = "Misclassified test images (worst first: least probability on the true class)",
                       columns: int = 5) -> Path | None:
    """A grid of misclassified images, each titled ``true -> predicted (confidence)``.

    Args:
        images: the whole evaluation split, ``(N, H, W)`` or ``(N, H, W, C)``.
        rows: error rows from :meth:`ErrorAnalysis.top_errors` (their ``index`` picks the image).
    """
    if not rows:
        return None
    count = len(rows)
    grid_rows = int(np.ceil(count / columns))
    fig, axes = plt.subplots(grid_rows, columns, figsize=(2.3 * columns, 2.9 * grid_rows),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, row in zip(axes.flat, rows, strict=False):
        image = np.asarray(images[row["index"]])
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
        ax.set_title(f"true {row['true']}\npred {row['predicted']} ({row['confidence']:.0%})",
                     fontsize=8, color="crimson")
    fig.suptitle(title)
    return save_figure(fig, path)


def misclassified_table(rows: Sequence[dict], path: Path | str, *,
                        title: str = "Misclassified sentences (worst first: least probability on the true class)",
                        max_rows: int = 15, wrap: int = 70) -> Path | None:
    """A table figure of misclassified texts: text, true label, prediction, confidence."""
    rows = list(rows)[:max_rows]
    if not rows:
        return None
    cells = [[textwrap.shorten(str(r.get("text", r.get("id", ""))), wrap * 2, placeholder="…"),
              str(r["true"]), str(r["predicted"]), f"{r['confidence']:.2f}"] for r in rows]
    cells = [["\n".join(textwrap.wrap(c[0], wrap)) or "(empty)", *c[1:]] for c in cells]
    heights = [c[0].count("\n") + 1 for c in cells]
    fig, ax = plt.subplots(figsize=(11, 0.8 + 0.28 * sum(heights) + 0.25 * len(rows)))
    ax.axis("off")
    table = ax.table(cellText=cells, colLabels=["text", "true", "predicted", "confidence"],
                     colWidths=[0.74, 0.09, 0.1, 0.09], loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, _col), cell in table.get_celld().items():
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_height(0.04)
        else:
            cell.set_height(0.025 * heights[row - 1] + 0.01)
    ax.set_title(title)
    return save_figure(fig, path)


def topk_bar(labels: Sequence[str], probabilities: Sequence[float], path: Path | str, *,
             title: str = "Top predictions", image: np.ndarray | None = None) -> Path:
    """Horizontal bars of the top-k class probabilities, with the image beside them if given."""
    panels = 2 if image is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels + 1, 3.2), squeeze=False)
    if image is not None:
        axes[0][0].imshow(np.asarray(image).astype("uint8") if np.asarray(image).max() > 1
                          else image)
        axes[0][0].axis("off")
    ax = axes[0][-1]
    order = list(range(len(labels)))[::-1]
    ax.barh([labels[i] for i in order], [probabilities[i] for i in order], color="tab:blue")
    for y, i in enumerate(order):
        ax.text(min(probabilities[i] + 0.01, 0.9), y, f"{probabilities[i]:.1%}", va="center")
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    fig.suptitle(title)
    return save_figure(fig, path)


def bar_chart(labels: Sequence[str], values: Sequence[float], path: Path | str, *,
              title: str, xlabel: str, annotate: str = "{:.3f}") -> Path:
    """Horizontal bars with their values: comparison tables people would rather look at."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(labels) + 1.4))
    positions = range(len(labels))
    ax.barh(list(positions), list(values), color="tab:blue")
    ax.set_yticks(list(positions), list(labels))
    ax.invert_yaxis()
    for y, value in zip(positions, values, strict=True):
        ax.text(value, y, " " + annotate.format(value), va="center", fontsize=8)
    if len(values) and min(values) >= 0 and max(values) > 0:
        ax.set_xlim(0, 1.15 * max(values))  # room for the value written after the longest bar
    ax.set_xlabel(xlabel)
    ax.set_title(title, wrap=True)  # a long title breaks lines instead of leaving the figure
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def show(path: Path | str | None) -> None:
    """Display a saved PNG inline in Jupyter (does nothing outside a notebook)."""
    if path is None:
        return
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return
    if get_ipython() is not None:
        display(Image(filename=str(path)))


def show_new_figures(run) -> None:
    """Display every figure the run has recorded since the last call, each once.

    A lab registers each figure it draws in ``run.record["figures"]``; a notebook calls this
    at the end of every step's cell, so each figure appears under the step that drew it. In
    Jupyter the PNGs are displayed inline; elsewhere (a script, a terminal) their paths are
    printed. ``run.shown_figures`` remembers what was shown.
    """
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
        inline = get_ipython() is not None
    except ImportError:
        inline = False
    for key, name in run.record["figures"].items():
        path = run.path(name)
        if (key, name) in run.shown_figures or not path.is_file():
            continue
        run.shown_figures.add((key, name))
        if inline:
            display(Image(filename=str(path)))
        else:
            print(f"figure {key}: {path}")


def rate_bars(labels: Sequence[str], rates: Sequence[float], counts: Sequence[int],
              path: Path | str, *, title: str, xlabel: str = "error rate",
              overall: float | None = None) -> Path:
    """Horizontal bars of a rate per group, each labelled ``rate (n=count)``.

    ``overall`` draws a dashed line at the rate of all samples, the level to compare with:
    a group whose bar passes it is harder than average.
    """
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(labels) + 1.6))
    positions = list(range(len(labels)))
    ax.barh(positions, list(rates), color="tab:red", alpha=0.75)
    ax.set_yticks(positions, list(labels))
    ax.invert_yaxis()
    top = max([*rates, overall or 0, 0.01])
    for y, rate, count in zip(positions, rates, counts, strict=True):
        ax.text(rate + 0.01 * top, y, f"{rate:.1%} (n={count})", va="center", fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    if overall is not None:
        ax.axvline(overall, color="black", linestyle="--", linewidth=1,
                   label=f"all samples {overall:.1%}")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel(xlabel)
    ax.set_title(title, wrap=True)  # a long title breaks lines instead of leaving the figure
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def confidence_histogram(confidence: Sequence[float], correct: Sequence[bool],
                         path: Path | str, *, title: str = "Confidence: right vs wrong answers",
                         bins: int = 20) -> Path:
    """Histograms of the model's confidence for right and for wrong predictions.

    A well-calibrated model is mostly unsure when it is wrong; wrong answers piled up near
    100% mean over-confidence. Each histogram is normalised to its own total so the small
    group of mistakes stays visible.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    low = float(np.floor(confidence.min() * 10) / 10) if len(confidence) else 0.0
    edges = np.linspace(min(low, 0.5), 1.0, bins + 1)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for mask, name, color in ((correct, "right", "tab:green"), (~correct, "wrong", "tab:red")):
        if mask.any():
            weights = np.full(mask.sum(), 1.0 / mask.sum())
            ax.hist(confidence[mask], bins=edges, weights=weights, alpha=0.6, color=color,
                    label=f"{name} (n={mask.sum()}, mean {confidence[mask].mean():.2f})")
    ax.set_xlabel("confidence (probability of the predicted class)")
    ax.set_ylabel("share of the group")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
