"""Lab 1 (VGG16 inference) end to end with random weights, plus its failure modes.

The ImageNet weights (528 MB) are never downloaded here: ``--weights none`` runs the whole
lab, and the offline ``--weights imagenet`` path must fail at once with a useful message.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from labs import lab01_vgg16_inference as lab
from toolkit.cli import run_main
from toolkit.errors import CourseError


@pytest.fixture
def photo_folder(tmp_path, request):
    """A real photo when ../shared/data is present (else a synthetic one), awkward formats
    the loader must convert, and three files it must skip."""
    folder = tmp_path / "my photos"
    folder.mkdir()
    try:
        shared = request.getfixturevalue("shared_data")
        shutil.copy(shared / "sample_images" / "chelsea.png", folder / "cat.png")
    except pytest.skip.Exception:
        rng = np.random.default_rng(0)
        Image.fromarray(rng.integers(0, 255, (300, 450, 3), np.uint8)).save(folder / "cat.png")
    Image.new("L", (120, 90), 80).save(folder / "gray.jpg")
    Image.new("RGBA", (100, 100), (0, 0, 255, 128)).save(folder / "logo.png")
    ramp = np.linspace(0, 65535, 96 * 96).reshape(96, 96).astype(np.uint16)
    Image.fromarray(ramp).save(folder / "scan16.png")
    (folder / "notes.txt").write_text("hello")
    jpeg = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 10, 10)).save(jpeg, "JPEG")
    (folder / "broken.jpg").write_bytes(jpeg.getvalue()[:500])
    Image.new("RGB", (10, 10)).save(folder / "tiny.png")
    return folder


def test_settings_choose_the_photos_without_loading_keras(tmp_path, monkeypatch):
    from labs.lab01_vgg16_inference.settings import parse_args

    monkeypatch.delenv("KERASCOURSE_DATA", raising=False)
    (tmp_path / "sample_images").mkdir()
    assert parse_args(["--data-dir", str(tmp_path)]).images == [str(tmp_path / "sample_images")]
    assert parse_args(["--images", "a.jpg"]).images == ["a.jpg"]
    # --transfer alone: the lesson looks at a photo of each class instead of sample_images
    assert parse_args(["--transfer", "classes", "--data-dir", str(tmp_path)]).images == []
    assert parse_args(["--compare-models"]).compare_models == list(lab.APPLICATIONS)
    # --learning-rate everywhere; the older --fine-tune-lr stays an alias
    assert parse_args(["--fine-tune-lr", "3e-5"]).fine_tune_learning_rate == 3e-5
    assert parse_args(["--learning-rate", "0.01"]).learning_rate == 0.01


def test_imagenet_weights_offline_fail_in_seconds_naming_the_file(photo_folder, tmp_path,
                                                                  capsys):
    code = run_main(lab.main, ["--images", str(photo_folder), "--out", str(tmp_path / "runs")])
    message = capsys.readouterr().err
    assert code == 2
    assert "vgg16_weights_tf_dim_ordering_tf_kernels.h5" in message
    assert "527.8 MB" in message and "https://storage.googleapis.com" in message
    assert not (tmp_path / "runs").exists()  # nothing started before the weights were found


@pytest.mark.parametrize("argv, expected", [
    (["--weights", "missing.h5"], "not found"),
    (["--weights", "__file__"], "not an .h5"),
    (["--images", "__nothing__"], "no readable photo"),
])
def test_bad_input_exits_2_with_one_line(argv, expected, photo_folder, tmp_path, capsys):
    argv = [str(photo_folder / "notes.txt") if a == "__nothing__" else
            __file__ if a == "__file__" else a for a in argv]
    if "--images" not in argv:
        argv += ["--images", str(photo_folder)]
    code = run_main(lab.main, [*argv, "--out", str(tmp_path / "runs")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and expected in error and len(error.splitlines()) == 1


def test_weights_of_another_model_are_refused(photo_folder, tmp_path, capsys):
    import keras

    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    other.save_weights(tmp_path / "other.weights.h5")
    code = run_main(lab.main, ["--weights", str(tmp_path / "other.weights.h5"), "--images",
                               str(photo_folder), "--out", str(tmp_path / "runs")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and "do not fit VGG16" in error and len(error.splitlines()) == 1


def test_labels_file_accepts_names_and_indices(tmp_path):
    names = lab.imagenet_class_names()
    assert len(names) == 1000 and names[281] == "tabby"
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\nsub/cat.png,Tabby\ndog.jpg,Labrador retriever\nx.png,7\n")
    assert lab.read_labels(labels, names) == {"cat.png": 281, "dog.jpg": 208, "x.png": 7}
    labels.write_text("file,label\ncat.png,kitty cat\n")
    with pytest.raises(CourseError, match="line 2: 'kitty cat' is not an ImageNet class"):
        lab.read_labels(labels, names)
    labels.write_text("name,class\ncat.png,tabby\n")
    with pytest.raises(CourseError, match="no columns file and label"):
        lab.read_labels(labels, names)


def test_random_weights_run_writes_everything_and_says_it_is_meaningless(
        photo_folder, tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\ncat.png,tabby\ngray.jpg,Labrador_retriever\n")
    out = tmp_path / "runs"
    code = run_main(lab.main, [
        "--weights", "none", "--images", str(photo_folder), "--labels", str(labels),
        "--out", str(out), "--benchmark", "--benchmark-batch-sizes", "1",
        "--precisions", "float32"])
    printed = capsys.readouterr().out
    assert code == 0
    for skipped in ("notes.txt", "broken.jpg", "tiny.png"):
        assert f"{skipped}: skipped" in printed
    assert "138,357,544" in printed and "RANDOM weights" in printed

    run_dir = next((out / lab.LAB_ID).glob("*/record.json")).parent
    record = json.loads((run_dir / "record.json").read_text())
    assert record["status"] == "complete"
    assert record["model"]["parameters"]["total"] == lab.VGG16_PARAMETERS
    assert "RANDOM" in record["model"]["name"] and record["warnings"]
    loaded = {Path(item["file"]).name: item["mode"] for item in record["dataset"]["loaded"]}
    assert loaded == {"cat.png": "RGB", "gray.jpg": "L", "logo.png": "RGBA",
                      "scan16.png": "I;16"}
    assert {Path(s["file"]).name for s in record["dataset"]["skipped"]} == {
        "notes.txt", "broken.jpg", "tiny.png"}
    predictions = record["results"]["predictions"]
    assert len(predictions) == 4 * 3
    assert all(0 <= row["probability"] <= 1 for row in predictions)
    assert record["metrics"]["samples"] == 2
    assert len(record["misclassified"]) + round(2 * record["metrics"]["accuracy"]) == 2
    assert record["inference"]["throughput_samples_per_s"] > 0
    assert {r["jit_compile"] for r in record["results"]["benchmark"]} == {False, True}
    assert record["results"]["benchmark_best"]["images_per_s"] > 0
    assert record["reference"]["value"] == 0.713 and record["reference"]["top5_value"] == 0.901
    for key in ("architecture", "preprocessing", "gradcam", "first_layer_filters",
                "feature_maps", "benchmark", "topk_cat", "topk_scan16"):
        assert (run_dir / record["figures"][key]).stat().st_size > 10_000, key
    reflection = (run_dir / "REFLECTION.md").read_text()
    assert "RANDOM" in reflection and "meaningless" in reflection
    assert (run_dir / "errors.csv").is_file()



@pytest.mark.slow
def test_unsure_flag_and_model_comparison_with_random_weights(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(5)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 255, (80, 100, 3), np.uint8)).save(photos / name)
    out = tmp_path / "runs"
    code = run_main(lab.main, [
        "--quick", "--weights", "none", "--model", "mobilenet_v2", "--images", str(photos),
        "--compare-models", "mobilenet_v2", "--unsure-below", "0.9", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "the model is unsure" in printed and "MobileNetV2 has RANDOM weights" in printed
    record = json.loads(next((out / lab.LAB_ID).glob("*/record.json")).read_text())
    assert record["hyperparameters"]["model"] == "mobilenet_v2"
    assert record["model"]["parameters"]["total"] == 3_538_984
    # Random weights spread the probability over 1,000 classes: every photo is unsure.
    assert record["results"]["unsure"]["photos"] == ["a.png", "b.png"]
    assert all(row["unsure"] for row in record["results"]["predictions"])
    assert record["results"]["gradcam"]["layer"] == "out_relu"  # found automatically
    (row,) = record["results"]["model_comparison"]
    assert row["model"] == "mobilenet_v2" and row["parameters"] == 3_538_984
    assert row["weights_file_bytes"] == 14_536_120 and row["images_per_s"] > 0
    assert row["unsure_photos"] == 2 and row["top1_agreement"] is None  # nobody to agree with
    assert set(row["top1"]) == {"a.png", "b.png"}
    run_dir = next((out / lab.LAB_ID).glob("*/record.json")).parent
    for key in ("compare_models", "gradcam", "preprocessing", "first_layer_filters"):
        assert (run_dir / record["figures"][key]).stat().st_size > 10_000, key
    assert record["reference"]["value"] == 0.713  # MobileNetV2's published top-1


def class_folder(root, colours, per_class=6):
    """One sub-folder per class of small photos whose colour tells the class."""
    rng = np.random.default_rng(0)
    for name, colour in colours.items():
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(np.array(colour) + rng.integers(-30, 30, (48, 64, 3)), 0, 255)
            Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{name}_{i}.png")
    return root


@pytest.mark.slow
def test_transfer_learning_on_generated_class_folders(tmp_path, capsys):
    data = class_folder(tmp_path / "classes", {"red": (200, 40, 40), "blue": (40, 40, 200)})
    (data / "blue" / "notes.txt").write_text("not a photo")
    out = tmp_path / "runs"
    code = run_main(lab.main, [
        "--transfer", str(data), "--model", "mobilenet_v2", "--weights", "none",
        "--transfer-epochs", "3", "--fine-tune-epochs", "1", "--batch-size", "4",
        "--test-split", "0.34", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed[-2000:]
    assert "notes.txt: skipped" in printed and "held-out accuracy" in printed
    run_dir = next((out / lab.LAB_ID).glob("*/record.json")).parent
    record = json.loads((run_dir / "record.json").read_text())
    assert record["dataset"]["classes"] == ["blue", "red"]
    assert record["dataset"]["splits"] == {"train": 8, "test": 4}
    transfer = record["results"]["transfer"]
    assert transfer["feature_size"] == 1280  # MobileNetV2's pooled features
    # Random MobileNetV2 activations vanish: the lab says the head has nothing to learn from.
    assert transfer["feature_spread"] < 1e-6 and "cannot learn" in printed
    assert transfer["fine_tuned_layers"] and all(
        name.startswith(("block_16_", "Conv_1", "out_relu")) for name in
        transfer["fine_tuned_layers"])
    assert [row["phase"] for row in record["history"]] == ["head"] * 3 + ["fine-tune"]
    assert record["training"]["time_s"] > 0 and record["training"]["epochs_run"] == 4
    assert "new 2-class softmax head" in record["model"]["name"]
    assert 0 <= record["metrics"]["accuracy"] <= 1
    assert record["metrics"]["accuracy"] == transfer["held_out_accuracy"]
    assert len(record["misclassified"]) == round(4 * (1 - record["metrics"]["accuracy"]))
    for key in ("learning_curves", "confusion_matrix"):
        assert (run_dir / record["figures"][key]).stat().st_size > 10_000
    assert record["reference"] == {}  # no published score for a student's own classes
    # Without --images the ImageNet part of the lesson looked at a photo of each class.
    assert record["results"]["imagenet_photos"]["splits"] == {"photos": 2}
    assert len(record["results"]["predictions"]) == 2 * 3


def test_transfer_folder_problems_are_one_clear_line(tmp_path, capsys):
    lonely = class_folder(tmp_path / "one", {"cats": (120, 120, 120)})
    code = run_main(lab.main, ["--transfer", str(lonely), "--weights", "none",
                               "--out", str(tmp_path / "runs")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and "1 class folder(s)" in error and len(error.splitlines()) == 1
    thin = class_folder(tmp_path / "thin", {"a": (10, 10, 10), "b": (90, 90, 90)}, per_class=1)
    code = run_main(lab.main, ["--transfer", str(thin), "--weights", "none",
                               "--out", str(tmp_path / "runs")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and "has 1 readable photo" in error
    assert not (tmp_path / "runs").exists()
