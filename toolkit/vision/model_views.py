"""Looking inside a Keras model: layer table, architecture figure, filters and feature maps.

A student's first questions about a network are "what shape comes out of each layer?" and
"where are all the parameters?" (in VGG16, 74% of them sit in one Dense layer). Then: "what
does a convolution filter look like, and what does it respond to?" These helpers answer them
for any built Keras model, on any backend.

Example:
    >>> rows = layer_table(model)
    >>> print(format_layer_table(rows))
    >>> architecture_figure(rows, "architecture.png", title="VGG16")
    >>> maps = layer_output(model, "block1_conv1", x[:1])[0]      # (224, 224, 64)
    >>> feature_map_grid(maps, "feature_maps.png", image=photo)
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from toolkit.formats import console_table
from toolkit.plots import plt, save_figure


def _shape_text(shape) -> str:
    return "(" + ", ".join("N" if d is None else str(d) for d in shape) + ")"


def layer_table(model) -> list[dict]:
    """One row per layer: name, type, output shape (``N`` = batch) and parameter count."""
    rows = []
    for layer in model.layers:
        try:
            output_shape = _shape_text(layer.output.shape)
        except (AttributeError, ValueError):
            output_shape = "?"
        rows.append({"name": layer.name, "type": layer.__class__.__name__,
                     "output_shape": output_shape, "parameters": int(layer.count_params()),
                     "trainable": bool(layer.trainable)})
    return rows


def format_layer_table(rows: list[dict]) -> str:
    """The layer table as aligned text, with each layer's share of the parameters and the
    total on the last line."""
    total = sum(row["parameters"] for row in rows) or 1
    table = [[row["name"], row["type"], row["output_shape"], f"{row['parameters']:,}",
              f"{row['parameters'] / total:.1%}"] for row in rows]
    table.append(["total", "", "", f"{total:,}", ""])
    return console_table(["layer", "type", "output shape", "parameters", "share"], table)


def architecture_figure(rows: list[dict], path: Path | str, *, title: str = "Architecture"
                        ) -> Path:
    """Parameters per layer as horizontal bars (log scale), labelled with output shapes."""
    total = sum(row["parameters"] for row in rows)
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.6))
    positions = np.arange(len(rows))
    values = [max(row["parameters"], 0) for row in rows]
    ax.barh(positions, [max(v, 0.8) for v in values],
            color=["tab:orange" if row["type"] == "Dense" else "tab:blue" for row in rows])
    ax.set_xscale("log")
    ax.set_yticks(positions, [f"{row['name']}  {row['output_shape']}" for row in rows],
                  fontsize=8)
    ax.invert_yaxis()
    for y, value in zip(positions, values, strict=True):
        if value:
            ax.text(value * 1.15, y, f"{value:,} ({value / max(total, 1):.1%})", va="center",
                    fontsize=7)
    ax.set_xlim(0.8, max(values + [10]) * 40)
    ax.set_xlabel("parameters (log scale); orange = Dense, blue = other layers")
    ax.set_title(f"{title}: {total:,} parameters; each layer with its output shape")
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def layer_output(model, layer_name: str, x: np.ndarray) -> np.ndarray:
    """The output of ``layer_name`` for inputs ``x`` (inference mode), as NumPy."""
    layer = model.get_layer(layer_name)
    probe = keras.Model(model.inputs[0], layer.output)
    return keras.ops.convert_to_numpy(probe(x, training=False))


def feature_map_grid(maps: np.ndarray, path: Path | str, *, title: str = "Feature maps",
                     image: np.ndarray | None = None, max_maps: int = 32,
                     columns: int = 8) -> Path:
    """The channels of one layer output ``(H, W, K)`` as small gray images (bright = strong).

    Each map is scaled on its own, so weak and strong channels are both visible; the
    caption gives each channel's maximum so they can still be compared.
    """
    maps = np.asarray(maps)
    count = min(max_maps, maps.shape[-1])
    panels = count + (1 if image is not None else 0)
    rows = int(np.ceil(panels / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.8 * rows + 0.6),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    flat = list(axes.flat)
    if image is not None:
        shown = np.asarray(image)
        flat[0].imshow(shown[..., 0] if shown.ndim == 3 and shown.shape[-1] == 1 else shown,
                       cmap="gray")
        flat[0].set_title("input", fontsize=8)
        flat = flat[1:]
    for channel, ax in zip(range(count), flat, strict=False):
        ax.imshow(maps[..., channel], cmap="gray")
        ax.set_title(f"#{channel} max {maps[..., channel].max():.2g}", fontsize=7)
    fig.suptitle(title)
    return save_figure(fig, path)


def filter_grid(kernel: np.ndarray, path: Path | str, *, title: str = "First-layer filters",
                max_filters: int = 64, columns: int = 8) -> Path:
    """Convolution kernels ``(kh, kw, in, out)`` as images: RGB for 3 input channels, else gray.

    Each filter is scaled to 0..1 on its own (the sign pattern is what matters, not the size).
    """
    kernel = np.asarray(kernel)
    count = min(max_filters, kernel.shape[-1])
    rows = int(np.ceil(count / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.45 * rows + 0.6),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for index, ax in zip(range(count), axes.flat, strict=False):
        weights = kernel[..., index]
        low, high = weights.min(), weights.max()
        scaled = (weights - low) / (high - low) if high > low else np.zeros_like(weights)
        if scaled.shape[-1] == 3:
            ax.imshow(scaled, interpolation="nearest")
        else:
            ax.imshow(scaled.mean(axis=-1), cmap="gray", interpolation="nearest")
        ax.set_title(f"#{index}", fontsize=7)
    fig.suptitle(title)
    return save_figure(fig, path)
