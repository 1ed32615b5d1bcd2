"""``--perturb``: how sensitive the network is to small changes of one photo (shifted,
rotated, darkened, noised), its top-5 and confidence for each, in one figure."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from toolkit.plots import plt, save_figure
from toolkit.runs import Run
from toolkit.vision import applications
from toolkit.vision.photos import PhotoSet

SHIFT_PIXELS, ROTATE_DEGREES, DARKER, NOISE_STD = 32, 15, 0.4, 25.0
TOP = 5


def perturbations(image: np.ndarray, seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """The photo (224x224 RGB uint8) and four changed copies of it, each still obviously the
    same scene to a person: shifted right and down, rotated, darkened, with Gaussian noise.
    Uncovered corners are filled with mid-gray."""
    photo = Image.fromarray(image)
    gray = (128, 128, 128)
    noisy = image.astype("float32") + np.random.default_rng(seed).normal(0, NOISE_STD,
                                                                         image.shape)
    return [
        ("original", image),
        (f"shifted {SHIFT_PIXELS} px", np.asarray(photo.rotate(
            0, translate=(SHIFT_PIXELS, SHIFT_PIXELS), fillcolor=gray))),
        (f"rotated {ROTATE_DEGREES} deg", np.asarray(photo.rotate(
            ROTATE_DEGREES, resample=Image.Resampling.BILINEAR, fillcolor=gray))),
        (f"darkened to {DARKER:.0%}", (image.astype("float32") * DARKER).astype("uint8")),
        (f"noise sd {NOISE_STD:g}", np.clip(noisy, 0, 255).astype("uint8")),
    ]


def sensitivity_to_changes(model, photos: PhotoSet, config: argparse.Namespace,
                           run: Run) -> dict | None:
    """Send the first photo and four small changes of it through the network; compare the
    top-5 classes and their probabilities.

    A person sees the same dog in all five images. The network often does not: a shift of
    a seventh of the image or a darker exposure can change the top-1 class or halve its
    probability, because it learned from photos framed and lit in typical ways. This is why
    training adds such changes on purpose (data augmentation, lab 3) and why a confident
    answer is not a robust one.
    """
    from keras_hub.utils import decode_imagenet_predictions

    if not len(photos):
        return None
    photo = photos.photos[0]
    variants = perturbations(photo.image, config.seed)
    x = applications.preprocess(config.spec, np.stack([image for _, image in variants]))
    probabilities = np.asarray(model.predict(x, batch_size=config.batch_size, verbose=0))
    decoded = decode_imagenet_predictions(probabilities, top=TOP)
    original_class = int(probabilities[0].argmax())
    rows = []
    for (name, _), top, row in zip(variants, decoded, probabilities, strict=True):
        rows.append({"change": name, "top5": [[label, round(float(p), 4)] for label, p in top],
                     "top1_same_as_original": int(row.argmax()) == original_class,
                     "probability_of_original_top1": round(float(row[original_class]), 4)})
        print(f"{name:<22} top-1 {top[0][0]:<24} {top[0][1]:6.1%}   original's class "
              f"{row[original_class]:6.1%}")
    summary = {"photo": photo.name, "changes": rows,
               "top1_kept": sum(r["top1_same_as_original"] for r in rows[1:]),
               "random_weights": "warnings" in run.record}
    run.record["results"]["perturbation"] = summary
    run.add_figure("perturbation", perturbation_figure(variants, rows, photo.shown, run))
    run.save()
    return summary


def perturbation_figure(variants: list, rows: list[dict], title: str, run: Run) -> Path:
    """One column per change: the image above, its top-5 as bars below (the original's top-1
    class in orange wherever it appears)."""
    fig, axes = plt.subplots(2, len(variants), figsize=(3.4 * len(variants), 6.4),
                             gridspec_kw={"height_ratios": [1.25, 1]})
    original = rows[0]["top5"][0][0]
    # Shared scale: up to 1 for a trained network, zoomed in when every probability is tiny.
    right = min(1.25, 1.4 * max(p for row in rows for _, p in row["top5"]))
    for column, ((name, image), row) in enumerate(zip(variants, rows, strict=True)):
        axes[0, column].imshow(image)
        axes[0, column].axis("off")
        axes[0, column].set_title(f"{name}\n{original}: "
                                  f"{row['probability_of_original_top1'] * 100:.3g}%", fontsize=9)
        labels = [label[:22] for label, _ in row["top5"]][::-1]
        values = [p for _, p in row["top5"]][::-1]
        colours = ["tab:orange" if label == original else "tab:blue"
                   for label, _ in row["top5"]][::-1]
        axes[1, column].barh(labels, values, color=colours)
        for y, value in enumerate(values):
            axes[1, column].text(value, y, f" {value * 100:.3g}%", va="center", fontsize=7)
        axes[1, column].set_xlim(0, right)
        axes[1, column].tick_params(axis="y", labelsize=7)
        axes[1, column].tick_params(axis="x", labelsize=7)
    fig.suptitle(f"The same photo, changed a little: top-{TOP} per change ({title})"
                 + (" (RANDOM WEIGHTS: predictions meaningless)" if "warnings" in run.record
                    else ""))
    return save_figure(fig, run.path("perturbation.png"))
