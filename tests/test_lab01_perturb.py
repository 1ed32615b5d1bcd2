"""Lab 1's ``--perturb``: the changed copies of a photo, and their top-5 through a small
stand-in network (no ImageNet weights needed)."""

from __future__ import annotations

import keras
import numpy as np
from PIL import Image

from labs import lab01_vgg16_inference as lab
from labs.lab01_vgg16_inference.perturb import SHIFT_PIXELS, perturbations, sensitivity_to_changes
from toolkit.vision.photos import load_photos


def test_changes_keep_the_size_and_change_what_they_say():
    image = np.full((224, 224, 3), 60, np.uint8)
    image[:100, :100] = 200
    variants = dict(perturbations(image))
    assert list(variants)[0] == "original" and len(variants) == 5
    assert all(v.shape == image.shape and v.dtype == np.uint8 for v in variants.values())
    shifted = variants[f"shifted {SHIFT_PIXELS} px"]
    assert shifted[SHIFT_PIXELS + 50, SHIFT_PIXELS + 99, 0] == 200  # moved right and down
    assert shifted[SHIFT_PIXELS + 50, SHIFT_PIXELS + 101, 0] == 60
    assert shifted[5, 5, 0] == 128  # the uncovered corner is gray
    darker = next(v for k, v in variants.items() if k.startswith("darkened"))
    assert darker.max() == 80
    noisy = next(v for k, v in variants.items() if k.startswith("noise"))
    assert 15 < np.abs(noisy.astype(int) - image).mean() < 30


def test_top5_per_change_with_a_stand_in_network(tmp_path):
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (240, 260, 3), np.uint8)).save(
        tmp_path / "photo.png")
    config = lab.parse_args(["--weights", "none", "--images", str(tmp_path / "photo.png"),
                             "--out", str(tmp_path), "--perturb"])
    photos = load_photos(config.images)
    run = lab.start_run(config, photos, None)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((224, 224, 3)), keras.layers.AveragePooling2D(8),
                              keras.layers.Flatten(),
                              keras.layers.Dense(1000, activation="softmax")])
    summary = sensitivity_to_changes(model, photos, config, run)
    changes = summary["changes"]
    assert len(changes) == 5 and all(len(row["top5"]) == 5 for row in changes)
    assert changes[0]["top1_same_as_original"] and 0 <= summary["top1_kept"] <= 4
    assert changes[0]["probability_of_original_top1"] == changes[0]["top5"][0][1]
    assert (run.dir / run.record["figures"]["perturbation"]).stat().st_size > 10_000
