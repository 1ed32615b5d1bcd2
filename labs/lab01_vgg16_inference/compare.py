"""``--compare-models``: lab 1's five ImageNet networks on the same photos, in one table and
one figure. The lesson (lesson.py) runs the one network of ``--model``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
import numpy as np

from toolkit.errors import CourseError
from toolkit.formats import console_table
from toolkit.metrics import measure_inference
from toolkit.plots import plt, save_figure
from toolkit.registry import human_size
from toolkit.runs import Run
from toolkit.vision import applications
from toolkit.vision.applications import APPLICATIONS
from toolkit.vision.imagenet import imagenet_class_names, read_labels
from toolkit.vision.photos import PhotoSet


def compare_models(photos: PhotoSet, config: argparse.Namespace, run: Run) -> Path | None:
    """With ``--compare-models``: every chosen network on the same photos, in one table.

    Per network: parameters, weights file size (the download), images/s on your photos,
    mean top-1 confidence, how many photos it flags as unsure, and top-1 agreement: how
    often the other networks compared give the same top-1 class, over all photos (with
    ``--labels``: top-1 accuracy as well). Networks that disagree on a photo show
    where the photo is hard or outside ImageNet; a newer network is not always faster on a
    CPU: depthwise convolutions (MobileNetV2, EfficientNetB0) save arithmetic more than time.
    """
    from keras_hub.utils import decode_imagenet_predictions

    names = imagenet_class_names()
    truth = read_labels(Path(config.labels), names) if config.labels else {}
    rows, top1 = [], {}
    for key in config.compare_models:
        spec = APPLICATIONS[key]
        if config.weights.lower() not in ("none", "imagenet") and key != config.model:
            print(f"{spec.title}: skipped (--weights names a file for {config.model} only)")
            continue
        try:  # --weights FILE is --model's file, already checked by the lesson
            weights = applications.resolve_weights(spec, config.weights, config.data_dir)
        except CourseError as error:  # one missing file never stops the other networks
            print(f"{spec.title}: skipped ({error.message})")
            continue
        print(f"\n=== {spec.title} ({spec.preprocessing}) ===")
        model = applications.build_application(spec, weights)
        x = applications.preprocess(spec, photos.array)
        probabilities = np.asarray(model.predict(x, batch_size=config.batch_size, verbose=0))
        timing = measure_inference(model.predict_on_batch, x,
                                   batch_size=min(config.batch_size, len(x)),
                                   repeats=1 if config.quick else 2)
        decoded = decode_imagenet_predictions(probabilities, top=1)
        top1[key] = [int(i) for i in probabilities.argmax(axis=1)]
        confidence = probabilities.max(axis=1)
        print(console_table(["photo", "top-1 class", "probability"],
                            [[photo.shown, top[0][0], f"{top[0][1]:.1%}"]
                             for photo, top in zip(photos.photos, decoded, strict=True)]))
        row = {"model": key, "title": spec.title, "parameters": model.count_params(),
               "weights_file_bytes": spec.weights_bytes,
               "weights_file_size": human_size(spec.weights_bytes),
               "images_per_s": timing["throughput_samples_per_s"],
               "latency_ms_per_image": timing["latency_ms_per_sample"],
               "mean_top1_confidence": round(float(confidence.mean()), 4),
               "unsure_photos": int((confidence < config.unsure_below).sum()),
               "published_imagenet_top1": spec.top1, "preprocessing": spec.preprocessing,
               "top1": {p.name: names[c] for p, c in zip(photos.photos, top1[key],
                                                         strict=True)}}
        labelled = [i for i, p in enumerate(photos.photos) if p.name in truth]
        if labelled:
            row["top1_accuracy_on_labels"] = round(float(np.mean(
                [top1[key][i] == truth[photos.photos[i].name] for i in labelled])), 4)
        rows.append(row)
        del model
        keras.backend.clear_session()  # free the weights before the next network
    if not rows:
        return None
    for row in rows:  # pairwise: how often the other networks give this one's top-1
        others = [top1[key] for key in top1 if key != row["model"]]
        row["top1_agreement"] = (round(float(np.mean(
            [np.equal(top1[row["model"]], other) for other in others])), 4) if others else None)
    print_comparison(rows)
    run.record["results"]["model_comparison"] = rows
    run.save()
    return comparison_figure(rows, run)


def print_comparison(rows: list[dict]) -> None:
    """The comparison as a text table."""
    print("\n" + console_table(
        ["model", "parameters", "file", "images/s", "top-1 confidence", "agreement", "unsure"],
        [[r["title"], f"{r['parameters']:,}", r["weights_file_size"], f"{r['images_per_s']:.2f}",
          f"{r['mean_top1_confidence']:.1%}",
          "-" if r["top1_agreement"] is None else f"{r['top1_agreement']:.0%}",
          r["unsure_photos"]] for r in rows]))


def comparison_figure(rows: list[dict], run: Run) -> Path:
    """Four panels, one bar per network: images/s, parameters, mean confidence, agreement."""
    fig, axes = plt.subplots(1, 4, figsize=(18, 0.5 * len(rows) + 2.6))
    titles = [r["title"] for r in rows]
    panels = [("images_per_s", "images/s on your photos", "{:.2f}"),
              ("parameters", "parameters (millions)", "{:.1f}M"),
              ("mean_top1_confidence", "mean top-1 probability", "{:.0%}"),
              ("top1_agreement", "top-1 agreement with the others", "{:.0%}")]
    for ax, (key, label, fmt) in zip(axes, panels, strict=True):
        values = [(r[key] or 0) / 1e6 if key == "parameters" else (r[key] or 0) for r in rows]
        ax.barh(titles, values, color="tab:blue")
        ax.invert_yaxis()
        for y, value in enumerate(values):
            ax.text(value, y, " " + fmt.format(value), va="center", fontsize=8)
        ax.set_title(label, fontsize=10)
        fraction = key in ("mean_top1_confidence", "top1_agreement")
        ax.set_xlim(0, 1.2 if fraction else max(values + [1e-9]) * 1.35)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("The same photos through every network"
                 + (" (RANDOM WEIGHTS: predictions meaningless)" if "warnings" in run.record
                    else ""))
    path = save_figure(fig, run.path("compare_models.png"))
    run.add_figure("compare_models", path)
    run.save()
    return path
