"""Inside the trained CNN: the feature maps of every convolution block, and the receptive
field of each layer drawn on a digit."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from matplotlib.patches import Rectangle

from toolkit.formats import console_table
from toolkit.plots import plt, save_figure
from toolkit.runs import Run
from toolkit.vision.data import ImageSplits
from toolkit.vision.model_views import layer_output
from toolkit.vision.receptive_field import receptive_fields

MAPS_PER_BLOCK = 8


def block_outputs(model: keras.Model) -> list[keras.layers.Layer]:
    """The layer that shows each convolution's result after its ReLU: the convolution itself
    when it has the activation built in, else the next Activation layer (after batch norm)."""
    shown = []
    for index, layer in enumerate(model.layers):
        if not isinstance(layer, keras.layers.Conv2D):
            continue
        if layer.activation.__name__ != "linear":
            shown.append(layer)
            continue
        shown.append(next((later for later in model.layers[index + 1:]
                           if isinstance(later, keras.layers.Activation)), layer))
    return shown


def every_block_feature_maps(model: keras.Model, data: ImageSplits, run: Run) -> Path:
    """Eight feature maps of every convolution block, one row per block, for one test digit.

    The first block's maps are the digit itself seen through edge and stroke filters; they
    still look like the digit. Each block below sees a wider patch (see the receptive
    fields) on a smaller grid: its maps mark where larger shapes are (a loop, an end of a
    stroke), and they look less and less like the image.
    """
    image = data.x_test[:1]
    blocks = block_outputs(model)
    fig, axes = plt.subplots(len(blocks), MAPS_PER_BLOCK + 1,
                             figsize=(1.5 * (MAPS_PER_BLOCK + 1), 1.75 * len(blocks) + 0.6),
                             squeeze=False)
    for row, layer in enumerate(blocks):
        maps = layer_output(model, layer.name, image)[0]
        strongest = np.argsort(maps.reshape(-1, maps.shape[-1]).mean(0))[::-1]
        axes[row, 0].imshow(image[0, ..., 0], cmap="gray")
        axes[row, 0].set_title("input", fontsize=8)
        axes[row, 0].set_ylabel(f"{layer.name}\n{maps.shape[0]}x{maps.shape[1]}x{maps.shape[2]}",
                                fontsize=8)
        for column, channel in enumerate(strongest[:MAPS_PER_BLOCK], start=1):
            axes[row, column].imshow(maps[..., channel], cmap="magma")
            axes[row, column].set_title(f"#{channel}", fontsize=7)
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    label = data.class_names[int(data.y_test[0])]
    fig.suptitle(f"Feature maps of every block (the {MAPS_PER_BLOCK} most active channels) "
                 f"for a test '{label}': edges first, shapes deeper")
    path = save_figure(fig, run.path("feature_maps_every_block.png"))
    run.add_figure("feature_maps_every_block", path)
    run.save()
    return path


def receptive_field_figure(model: keras.Model, data: ImageSplits, run: Run) -> list[dict]:
    """Compute each layer's receptive field from the model and draw it on a digit.

    One value of ``conv1`` depends on a 3x3 patch of pixels; a value after the last pooling
    layer on a patch most of a digit wide. The squares are centred on the digit's centre.
    """
    rows = receptive_fields(model)
    print(console_table(["layer", "type", "window", "stride", "jump", "receptive field"],
                        [[r["layer"], r["type"], r["window"], r["stride"], r["jump"],
                          f"{r['receptive_field']}x{r['receptive_field']}"] for r in rows]))
    image = data.x_test[0, ..., 0]
    size = image.shape[0]
    fig, ax = plt.subplots(figsize=(6.2, 6.2))
    ax.imshow(image, cmap="gray", extent=(-0.5, size - 0.5, size - 0.5, -0.5))
    colours = plt.get_cmap("autumn")
    centre = (size - 1) / 2
    for index, row in enumerate(rows):
        field = row["receptive_field"]
        ax.add_patch(Rectangle((centre - field / 2, centre - field / 2), field, field,
                               fill=False, lw=2, color=colours(index / max(1, len(rows) - 1)),
                               label=f"{row['layer']}: {field}x{field} pixels"))
    ax.set_xlim(-0.5, max(size, rows[-1]["receptive_field"] if rows else size) - 0.5)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.8)
    ax.set_title("Receptive field of each layer: the input pixels one value sees", fontsize=10)
    path = save_figure(fig, run.path("receptive_fields.png"))
    run.record["results"]["receptive_fields"] = rows
    run.add_figure("receptive_fields", path)
    run.save()
    return rows
