"""Lab 1: a pretrained CNN. VGG16 classifies your photos into the 1,000 ImageNet classes.

No training in this lab: you load a network somebody else trained for weeks (Simonyan and
Zisserman, 2015) and learn to *use* and *inspect* it.

What you learn
    1. Load a pretrained ImageNet model with ``keras.applications.VGG16``. Its weights file
       (528 MB) is downloaded once through the course's data registry and cached.
    2. Read the architecture: 13 convolution layers in 5 blocks, then 3 dense layers, and
       138,357,544 parameters, 74% of them in one Dense layer (``fc1``).
    3. Prepare a photo the way the network was trained: 224x224 pixels, channels reordered
       RGB -> BGR, the ImageNet mean colour subtracted (``vgg16.preprocess_input``).
    4. Read the top-k ImageNet classes with their probabilities.
    5. See *where* the network looked (Grad-CAM heat maps) and what the first convolution
       layer responds to (its 64 filters and feature maps).
    6. Measure inference: latency per image and images per second, and with ``--benchmark``
       how batch size, mixed precision and ``jit_compile`` change them.

How to run
    python -m labs.lab01_vgg16_inference --images my_photos/ cat.jpg
    python -m labs.lab01_vgg16_inference --images my_photos/ --benchmark
    python -m labs.lab01_vgg16_inference --quick --weights none --images my_photos/

``--images`` takes files and folders (any format Pillow reads; grayscale, RGBA, CMYK and
16-bit files are converted; unreadable or tiny files are named and skipped). Without
``--images`` the lab looks for a ``sample_images/`` folder in ``--data-dir`` /
``$KERASCOURSE_DATA``. ``--labels FILE.csv`` (columns ``file,label``, label = an ImageNet
class name such as ``tabby`` or ``Labrador_retriever``) scores the top-1/top-5 predictions
against what the photos show. ``--weights none`` runs everything with random weights: it
proves the code works offline, but every prediction is meaningless (the output says so).

Expected result
    With ImageNet weights, clear photos of ImageNet objects should get the right class in
    the top 3 (a tabby cat: "tabby", "tiger cat" or "Egyptian cat"); the published accuracy
    is 71.3% top-1 and 90.1% top-5 on the 50,000 ImageNet validation images. The machine
    these notes were written on had no network, so runs with the real weights were not
    measured there; ``--weights none`` was.

Time (measured on a 2-core AMD EPYC VM shared with other jobs, so figures vary 2x)
    ``--quick --weights none`` on 2 photos: 32-44 s on a lightly loaded machine
    (TensorFlow, JAX), 41-78 s under heavy load (any backend); about 10-15 s of it is
    building the 138M random weights. Inference on CPU: 0.3-0.7 s per image (TensorFlow,
    PyTorch), 1-2.7 s per image (JAX). ``--benchmark`` on this CPU (TensorFlow, batch 1 and
    2): float32 1.3-2.1 images/s, mixed_bfloat16 (the CPU has AVX512-BF16) 2.4-5.6
    images/s, best without ``jit_compile``. A GPU: not measured.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from pathlib import Path

import keras
import numpy as np

from toolkit.cli import lab_parser, positive_int, run_main
from toolkit.environment import cpu_name
from toolkit.error_analysis import ErrorAnalysis
from toolkit.errors import CourseError
from toolkit.metrics import measure_inference
from toolkit.plots import (
    bar_chart,
    plt,
    save_figure,
    show,  # noqa: F401  (the notebook cells call it)
    topk_bar,
)
from toolkit.registry import fetch, get_entry, human_size
from toolkit.runs import Run, parameter_counts
from toolkit.vision.gradcam import CITATION as GRADCAM_CITATION
from toolkit.vision.gradcam import GradCAM, overlay_heatmap
from toolkit.vision.model_views import (
    architecture_figure,
    feature_map_grid,
    filter_grid,
    format_layer_table,
    layer_output,
    layer_table,
)
from toolkit.vision.photos import FITS, PhotoSet, load_photos

LAB_ID = "lab01_vgg16_inference"
TITLE = "A pretrained CNN: VGG16 ImageNet inference"
INPUT_SIZE = (224, 224)
VGG16_PARAMETERS = 138_357_544
QUICK_PHOTOS = 2
RANDOM_WEIGHTS_WARNING = (
    "WARNING: --weights none: VGG16 has RANDOM weights. Every class, probability, Grad-CAM "
    "map and feature map of this run is MEANINGLESS; it only shows the code runs. Run "
    "without --weights none for real predictions (528 MB download, once).")
REFERENCE = {
    "value": 0.713, "metric": "accuracy", "top5": 0.901,
    "split": "ImageNet ILSVRC-2012 validation, 50,000 images, single 224x224 centre crop",
    "citation": ("Keras Applications table (keras.io/api/applications): VGG16 top-1 71.3%, "
                 "top-5 90.1%, 138.4M parameters, 528 MB; K. Simonyan, A. Zisserman. Very Deep "
                 "Convolutional Networks for Large-Scale Image Recognition. ICLR 2015."),
    "source": "https://keras.io/api/applications/",
}


# --- 0. settings ---------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's flags: shared ones from ``lab_parser`` plus photos, weights, top-k, benchmark."""
    parser = lab_parser(__doc__.split("\n\n")[0], batch_size=8)
    parser.add_argument("--images", nargs="+", metavar="PATH",
                        help="photo files and/or folders (default: sample_images/ in --data-dir "
                             "or $KERASCOURSE_DATA)")
    parser.add_argument("--weights", default="imagenet",
                        help="imagenet (default; 528 MB, fetched once through the data "
                             "registry), none (random weights: meaningless predictions), or "
                             "the PATH of a .h5 / .weights.h5 file")
    parser.add_argument("--top-k", type=positive_int, default=3,
                        help="how many classes to show per photo (default 3)")
    parser.add_argument("--fit", choices=FITS, default="crop",
                        help="how a photo becomes 224x224: crop (keep the aspect ratio, cut the "
                             "centre square; default) or squash (stretch the whole photo)")
    parser.add_argument("--labels", metavar="CSV",
                        help="optional CSV with columns file,label (an ImageNet class name or "
                             "index) to score top-1/top-5 accuracy on your photos")
    parser.add_argument("--gradcam-layer", default="block5_conv3",
                        help="convolution layer Grad-CAM explains (default block5_conv3)")
    parser.add_argument("--benchmark", action="store_true",
                        help="also measure images/s across batch sizes, precisions and "
                             "jit_compile (minutes on a CPU)")
    parser.add_argument("--benchmark-batch-sizes", nargs="+", type=positive_int,
                        metavar="N", help="batch sizes to benchmark (default 1 4 on a CPU, "
                                          "1 32 128 with an accelerator; 1 2 with --quick)")
    parser.add_argument("--precisions", nargs="+",
                        choices=["float32", "mixed_bfloat16", "mixed_float16"],
                        help="precisions to benchmark (default: those this device runs fast)")
    config = parser.parse_args(argv)
    config.argv = list(argv or [])
    return config


# --- 1. the photos ------------------------------------------------------------------------

def find_default_images(data_dir: str | None) -> list[str]:
    """``sample_images/`` in ``--data-dir`` or ``$KERASCOURSE_DATA``, when no --images given."""
    for root in (data_dir, os.environ.get("KERASCOURSE_DATA")):
        if root and (Path(root) / "sample_images").is_dir():
            return [str(Path(root) / "sample_images")]
    raise CourseError("no photos given", fix="pass --images with photo files or folders, e.g. "
                                             "--images ~/Pictures/cat.jpg my_photos/")


def load_student_photos(config: argparse.Namespace) -> PhotoSet:
    """Load the photos at 224x224 RGB; files Pillow cannot use are named and skipped.

    VGG16 was trained on 224x224 crops, so every photo is brought to that size. With
    ``--fit crop`` the shorter side is scaled to 224 and the centre square cut out, the
    usual ImageNet evaluation; ``--fit squash`` stretches instead and distorts shapes.
    """
    config.images = config.images or find_default_images(config.data_dir)
    limit = QUICK_PHOTOS if config.quick else None
    photos = load_photos(config.images, INPUT_SIZE, fit=config.fit, limit=limit)
    print(f"{len(photos)} photo(s) loaded: {', '.join(photos.names)}"
          + (f"; {len(photos.skipped)} skipped (see above)" if photos.skipped else ""))
    return photos


# --- 2. the weights -------------------------------------------------------------------------

def resolve_weights(config: argparse.Namespace) -> str | None:
    """The weights file ``keras.applications.VGG16(weights=...)`` loads (``None``: random).

    ``imagenet`` goes through the course's data registry: it looks in ``--data-dir`` and the
    Keras cache (``~/.keras/models``, where ``keras.applications`` itself caches the file),
    checks the md5 and downloads the 528 MB only when no good copy exists. Offline it fails
    within seconds and says where to put the file.
    """
    choice = config.weights
    if choice.lower() == "none":
        return None
    if choice.lower() == "imagenet":
        return str(fetch("vgg16_imagenet", data_dir=config.data_dir))
    path = Path(choice).expanduser()
    if not path.is_file():
        raise CourseError(f"weights file {path} not found",
                          fix="pass --weights imagenet, --weights none or an existing .h5 file")
    if not path.name.endswith(".h5"):
        raise CourseError(f"weights file {path.name} is not an .h5 / .weights.h5 file",
                          fix="save weights with model.save_weights('vgg16.weights.h5')")
    return str(path)


# --- 3. the run folder --------------------------------------------------------------------

def start_run(config: argparse.Namespace, photos: PhotoSet, weights: str) -> Run:
    """Create ``runs/lab01_vgg16_inference/<time>/`` and its record (seeded, hardware noted).

    It comes after the photos and weights are found, so a typo costs seconds, not a run folder.
    """
    run = Run.start(
        LAB_ID, title=TITLE, argv=config.argv, seed=config.seed, out=config.out,
        quick=config.quick,
        task=("ImageNet-1k image classification of the student's own photos with pretrained "
              "VGG16 (inference only, no training)"),
        dataset={
            "name": "student_photos",
            "title": "Your photos, classified into the 1,000 ImageNet (ILSVRC-2012) classes",
            "source": ", ".join(config.images),
            "citation": ("O. Russakovsky et al. ImageNet Large Scale Visual Recognition "
                         "Challenge. IJCV 2015 (the 1,000 classes VGG16 predicts)."),
            "splits": {"photos": len(photos)}, "class_count": 1000,
            **photos.describe()},
        hyperparameters={
            "weights": config.weights, "input_size": "224x224", "resize": config.fit,
            "top_k": config.top_k, "batch_size": config.batch_size,
            "gradcam_layer": config.gradcam_layer, "benchmark": config.benchmark})
    if weights is None:
        warn_random_weights(run)
        run.save()
    return run


def warn_random_weights(run: Run) -> None:
    """Say it everywhere a reader looks: console, record and reflection draft."""
    print("\n" + "!" * 88 + "\n" + RANDOM_WEIGHTS_WARNING + "\n" + "!" * 88 + "\n")
    run.record.setdefault("warnings", []).append(RANDOM_WEIGHTS_WARNING)
    run.record["task"] += (" -- RANDOM WEIGHTS (--weights none): the predictions of this run "
                           "are meaningless")


# --- 4. the model ------------------------------------------------------------------------

def load_vgg16(weights: str | None, run: Run):
    """Build ``keras.applications.VGG16`` (with its 1,000-class top) and load its weights."""
    described = weights or "none (random initialisation)"
    print(f"building VGG16 (138M parameters; about 10 s on a CPU), weights: {described}")
    try:
        model = keras.applications.VGG16(weights=weights, include_top=True)
    except (ValueError, OSError) as error:
        first_line = str(error).strip().splitlines()[0][:200].rstrip(":")  # then every layer
        raise CourseError(f"the weights in {weights} do not fit VGG16", why=first_line,
                          fix="use the Keras Applications VGG16 file (with top, 1,000 classes)"
                          ) from None
    entry = get_entry("vgg16_imagenet")
    run.record["model"] = {
        "name": "VGG16 (keras.applications), ImageNet top" + (
            ", RANDOM WEIGHTS: predictions meaningless" if weights is None else ""),
        "parameters": parameter_counts(model), "weights": described,
        "weights_file_size": human_size(entry.files[0].size), "citation": entry.citation}
    run.save()
    return model


def show_architecture(model, run: Run) -> Path:
    """Print every layer's output shape and parameter count; draw the same as a figure.

    Follow a 224x224x3 photo: each block halves the height and width and the convolutions
    widen the channels (64 -> 512), until a 7x7x512 volume is flattened into 25,088
    numbers. ``fc1`` connects those to 4,096 units: 102,764,544 weights, 74% of the model.
    """
    rows = layer_table(model)
    print(format_layer_table(rows))
    total = sum(row["parameters"] for row in rows)
    print(f"VGG16 has {total:,} parameters ({total / 1e6:.1f}M; Keras Applications lists 138.4M)")
    run.record["model"]["layers"] = rows
    path = architecture_figure(rows, run.path("architecture.png"), title="VGG16")
    run.add_figure("architecture", path)
    run.save()
    return path


# --- 5. preprocessing ---------------------------------------------------------------------

def preprocess(photos: PhotoSet) -> np.ndarray:
    """224x224 RGB uint8 photos -> what VGG16 was trained on: BGR, ImageNet mean subtracted.

    ``keras.applications.vgg16.preprocess_input`` reverses the channel order (the original
    Caffe model read images as BGR) and subtracts the mean ImageNet pixel (B 103.9,
    G 116.8, R 123.7). There is no scaling to 0..1: the network expects -124..152.
    """
    return keras.applications.vgg16.preprocess_input(photos.array.astype("float32"))


def preprocessing_figure(photos: PhotoSet, x: np.ndarray, run: Run) -> Path:
    """Original photo / 224x224 input / what the network sees / the values it gets."""
    photo, seen = photos.photos[0], x[0]
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.2))
    height, width = photo.original.shape[:2]
    axes[0].imshow(photo.original)
    axes[0].set_title(f"original {width}x{height} ({photo.mode})")
    axes[1].imshow(photo.image)
    cropped = run.record["hyperparameters"]["resize"] == "crop"
    axes[1].set_title(f"224x224 ({'centre crop' if cropped else 'squashed'})")
    # Show the network input as if it were RGB: the colours swap (BGR) and the mean shift
    # makes it dull; values are rescaled to 0..1 only so matplotlib can draw them.
    axes[2].imshow((seen - seen.min()) / (seen.max() - seen.min()))
    axes[2].set_title("network input drawn as RGB\n(channels are BGR, mean removed)")
    for ax in axes[:3]:
        ax.axis("off")
    for channel, colour in zip(range(3), ("blue", "green", "red"), strict=True):
        axes[3].hist(seen[..., channel].ravel(), bins=60, histtype="step", color=colour,
                     label=f"{'BGR'[channel]} channel, mean {seen[..., channel].mean():.1f}")
    axes[3].set_title("input values per channel")
    axes[3].set_xlabel("value after preprocess_input")
    axes[3].legend(fontsize=8)
    fig.suptitle(f"{photo.name}: from photo to network input")
    path = save_figure(fig, run.path("preprocessing.png"))
    run.add_figure("preprocessing", path)
    run.save()
    return path


# --- 6. predictions -----------------------------------------------------------------------

def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet class names in output order, from keras-hub (no download)."""
    from keras_hub.utils import decode_imagenet_predictions

    one_per_class = decode_imagenet_predictions(np.eye(1000, dtype="float32"), top=1)
    return [row[0][0] for row in one_per_class]


def predict_top_k(model, x: np.ndarray, photos: PhotoSet, config: argparse.Namespace,
                  run: Run) -> np.ndarray:
    """Class probabilities for every photo; prints and records the top-k of each.

    The last layer is a softmax over 1,000 classes, so each row sums to 1. Names come from
    ``keras_hub.utils.decode_imagenet_predictions``.
    """
    from keras_hub.utils import decode_imagenet_predictions

    probabilities = np.asarray(model.predict(x, batch_size=config.batch_size, verbose=0))
    decoded = decode_imagenet_predictions(probabilities, top=config.top_k)
    table = []
    for photo, top in zip(photos.photos, decoded, strict=True):
        print(f"\n{photo.name}")
        for rank, (name, probability) in enumerate(top, 1):
            print(f"  {rank}. {name:<28} {probability:7.2%}")
            table.append({"file": photo.name, "rank": rank, "class": name,
                          "probability": round(float(probability), 5)})
    if "warnings" in run.record:
        print("\n(random weights: the classes above are meaningless)")
    run.record["results"]["predictions"] = table
    for photo, top in zip(photos.photos, decoded, strict=True):
        path = topk_bar([name for name, _ in top], [p for _, p in top],
                        run.path(f"topk_{safe_stem(photo.name)}.png"),
                        title=f"{photo.name}: top-{config.top_k} ImageNet classes"
                        + (" (RANDOM WEIGHTS)" if "warnings" in run.record else ""),
                        image=photo.image)
        run.add_figure(f"topk_{safe_stem(photo.name)}", path)
    run.save()
    return probabilities


def safe_stem(name: str) -> str:
    """A file-name-safe version of a photo's name, for the figure files."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem)[:60] or "photo"


def score_against_labels(probabilities: np.ndarray, photos: PhotoSet,
                         config: argparse.Namespace, run: Run) -> dict:
    """With ``--labels``: top-1 and top-5 accuracy on your photos, and the misclassified ones.

    This is the same measure as the published 71.3% / 90.1%, but on a handful of photos
    instead of 50,000, so expect a large difference either way.
    """
    if not config.labels:
        print("\nno --labels file: accuracy is not measured (give file,label rows to score)")
        return {}
    names = imagenet_class_names()
    truth = read_labels(Path(config.labels), names)
    indices = [i for i, photo in enumerate(photos.photos) if photo.name in truth]
    unlabelled = [p.name for p in photos.photos if p.name not in truth]
    if unlabelled:
        print(f"no label for {', '.join(unlabelled)}: left out of the accuracy")
    if not indices:
        raise CourseError(f"{config.labels} labels none of the photos",
                          fix="the file column must hold photo file names, e.g. cat.jpg")
    y_true = np.array([truth[photos.photos[i].name] for i in indices])
    scores = probabilities[indices]
    top5 = np.argsort(-scores, axis=1)[:, :5]
    metrics = {"accuracy": float(np.mean(top5[:, 0] == y_true)),
               "top5_accuracy": float(np.mean((top5 == y_true[:, None]).any(axis=1))),
               "samples": len(indices), "split": "your labelled photos",
               "labels_file": str(config.labels)}
    run.record["metrics"] = metrics
    analysis = ErrorAnalysis(y_true, scores, names, ids=[photos.photos[i].name for i in indices])
    run.record["misclassified"] = analysis.top_errors(25)
    analysis.write_csv(run.path("errors.csv"))
    print(f"\ntop-1 accuracy {metrics['accuracy']:.1%}, top-5 {metrics['top5_accuracy']:.1%} "
          f"on {len(indices)} labelled photo(s) (published: 71.3% / 90.1% on ImageNet val)")
    run.save()
    return metrics


def read_labels(path: Path, class_names: list[str]) -> dict[str, int]:
    """``file,label`` rows -> ``{file name: class index}``; labels may be names or indices."""
    if not path.is_file():
        raise CourseError(f"labels file {path} not found", fix="pass a CSV with columns file,label")
    lookup = {name.lower().replace(" ", "_"): i for i, name in enumerate(class_names)}
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        if not reader.fieldnames or not {"file", "label"} <= set(reader.fieldnames):
            raise CourseError(f"{path} has no columns file and label",
                              why=f"found {reader.fieldnames}",
                              fix="first line must be: file,label")
        truth = {}
        for line, row in enumerate(reader, 2):
            label = (row["label"] or "").strip()
            key = label.lower().replace(" ", "_")
            if label.isdigit() and int(label) < len(class_names):
                truth[Path(row["file"]).name] = int(label)
            elif key in lookup:
                truth[Path(row["file"]).name] = lookup[key]
            else:
                close = [n for n in class_names if key and key[:4] in n.lower()][:5]
                raise CourseError(f"{path} line {line}: '{label}' is not an ImageNet class",
                                  fix="use a class name as decode_imagenet_predictions prints "
                                      f"it{', e.g. ' + ', '.join(close) if close else ''}")
    return truth


# --- 7. looking inside --------------------------------------------------------------------

def grad_cam_figure(model, x: np.ndarray, photos: PhotoSet, config: argparse.Namespace,
                    run: Run) -> Path:
    """Grad-CAM for each photo's top class: which regions raised that class's score.

    Red areas are where the last convolution layer's features pushed the score up. A
    model that is right for the right reason lights up the object, not the background.
    """
    try:
        cam = GradCAM(model, config.gradcam_layer)
    except ValueError as error:
        raise CourseError(f"Grad-CAM cannot use layer '{config.gradcam_layer}'",
                          why=str(error), fix="use a convolution layer, e.g. block5_conv3"
                          ) from None
    heatmaps, classes = cam.heatmaps(x)
    names = imagenet_class_names()
    count = len(photos)
    fig, axes = plt.subplots(count, 3, figsize=(10, 3.4 * count), squeeze=False)
    for row, (photo, heatmap, cls) in enumerate(zip(photos.photos, heatmaps, classes, strict=True)):
        axes[row][0].imshow(photo.image)
        axes[row][0].set_title(photo.name, fontsize=9)
        axes[row][1].imshow(heatmap, cmap="jet", vmin=0, vmax=1)
        axes[row][1].set_title(f"Grad-CAM {heatmap.shape[0]}x{heatmap.shape[1]}", fontsize=9)
        axes[row][2].imshow(overlay_heatmap(photo.image, heatmap))
        axes[row][2].set_title(f"overlay: '{names[cls]}'", fontsize=9)
        for ax in axes[row]:
            ax.axis("off")
    fig.suptitle(f"Grad-CAM on {cam.layer_name} (Selvaraju et al. 2017)"
                 + ("\nRANDOM WEIGHTS: meaningless" if "warnings" in run.record else ""))
    path = save_figure(fig, run.path("gradcam.png"))
    run.add_figure("gradcam", path)
    run.record["results"]["gradcam"] = {
        "layer": cam.layer_name, "citation": GRADCAM_CITATION,
        "classes": {p.name: names[c] for p, c in zip(photos.photos, classes, strict=True)}}
    run.save()
    return path


def first_layer_views(model, x: np.ndarray, photos: PhotoSet, run: Run) -> tuple[Path, Path]:
    """The 64 filters of ``block1_conv1`` (3x3 RGB) and their feature maps for one photo.

    First-layer filters are tiny colour and edge detectors; each feature map shows where in
    the photo its filter's pattern occurs (bright = strong response after ReLU).
    """
    kernel = keras.ops.convert_to_numpy(model.get_layer("block1_conv1").kernel)
    # The kernel's input channels are B, G, R (see preprocess); reverse them to draw as RGB.
    filters = filter_grid(kernel[:, :, ::-1, :], run.path("first_layer_filters.png"),
                          title="block1_conv1: the 64 filters, 3x3 pixels each, drawn as RGB "
                                "(each scaled to 0..1)")
    maps = layer_output(model, "block1_conv1", x[:1])[0]
    photo = photos.photos[0]
    feature_maps = feature_map_grid(
        maps, run.path("feature_maps.png"), image=photo.image, max_maps=31,
        title=f"block1_conv1 feature maps for {photo.name} (31 of 64)")
    run.add_figure("first_layer_filters", filters)
    run.add_figure("feature_maps", feature_maps)
    run.save()
    return filters, feature_maps


# --- 8. speed -----------------------------------------------------------------------------

def measure_speed(model, x: np.ndarray, config: argparse.Namespace, run: Run) -> dict:
    """Latency per image and images/s of ``predict_on_batch`` on your photos.

    The first call includes setting up (tracing/compiling) and is reported apart as
    ``warmup_s``; the figures are the best of a few repeats.
    """
    batch = min(config.batch_size, len(x))
    timing = measure_inference(model.predict_on_batch, x, batch_size=batch,
                               repeats=1 if config.quick else 3)
    run.record["inference"] = timing
    print(f"\ninference: {timing['latency_ms_per_sample']:.1f} ms per image, "
          f"{timing['throughput_samples_per_s']:.2f} images/s (batch {batch}, "
          f"{keras.backend.backend()} backend, first call {timing['warmup_s']:.1f} s)")
    run.save()
    return timing


def fast_precisions() -> tuple[list[str], dict[str, str]]:
    """Precisions worth benchmarking here, and why the others are left out.

    On a GPU both mixed policies use fast hardware paths (bfloat16 needs Ampere or newer).
    On a CPU float16 has no fast path; bfloat16 does when the CPU has AVX512-BF16 or AMX.
    """
    from toolkit.environment import backend_devices

    if backend_devices():
        return ["float32", "mixed_bfloat16", "mixed_float16"], {}
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        flags = ""
    skipped = {"mixed_float16": "no fast float16 arithmetic on a CPU"}
    if "avx512_bf16" in flags or "amx_bf16" in flags:
        return ["float32", "mixed_bfloat16"], skipped
    skipped["mixed_bfloat16"] = f"this CPU ({cpu_name()}) has no AVX512-BF16/AMX"
    return ["float32"], skipped


def build_vgg16_like(model, precision: str):
    """A VGG16 in ``precision`` holding ``model``'s weights (mixed: float16/bfloat16 compute,
    float32 weights, so the same weights copy over unchanged)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        copy = keras.applications.VGG16(weights=None)
    finally:
        keras.config.set_dtype_policy(previous)
    copy.set_weights(model.get_weights())
    return copy


def benchmark(model, config: argparse.Namespace, run: Run) -> Path | None:
    """Images/s across batch size x precision x ``jit_compile``; records the best setting.

    Random images are used (speed does not depend on content). ``jit_compile=True``
    compiles the whole forward pass with XLA (TensorFlow, JAX) or ``torch.compile``
    (PyTorch); the compile time is in ``warmup_s``. On JAX ``jit_compile=False`` runs op by
    op, which is always slower. Mixed precision computes in 16 bits with float32 weights.
    """
    if not config.benchmark:
        return None
    from toolkit.environment import backend_devices

    accelerated = bool(backend_devices())
    batch_sizes = config.benchmark_batch_sizes or (
        [1, 2] if config.quick else [1, 32, 128] if accelerated else [1, 4])
    precisions, skipped = fast_precisions()
    if config.precisions:
        precisions, skipped = config.precisions, {}
    rng = np.random.default_rng(config.seed)
    rows = []
    for precision in precisions:
        candidate = model if precision == "float32" else build_vgg16_like(model, precision)
        for jit in (False, True):
            candidate.compile(jit_compile=jit)
            for batch in batch_sizes:
                images = rng.uniform(0, 255, (batch * 3, *INPUT_SIZE, 3)).astype("float32")
                x = keras.applications.vgg16.preprocess_input(images)
                timing = measure_inference(candidate.predict_on_batch, x, batch_size=batch,
                                           repeats=1 if config.quick else 2)
                row = {"precision": precision, "jit_compile": jit, "batch_size": batch,
                       "images_per_s": timing["throughput_samples_per_s"],
                       "latency_ms_per_image": timing["latency_ms_per_sample"],
                       "batch_latency_ms": timing["batch_latency_ms"],
                       "warmup_s": timing["warmup_s"], "images_timed": timing["samples"]}
                rows.append(row)
                print(f"  {precision:<15} jit_compile={str(jit):<5} batch {batch:>4}: "
                      f"{row['images_per_s']:9.2f} images/s, "
                      f"{row['latency_ms_per_image']:9.1f} ms/image (first call "
                      f"{row['warmup_s']:.1f} s)")
        if candidate is not model:
            del candidate
    model.compile(jit_compile="auto")
    best = max(rows, key=lambda r: r["images_per_s"])
    run.record["results"]["benchmark"] = rows
    run.record["results"]["benchmark_best"] = {
        **best, "backend": keras.backend.backend(),
        "device": run.record["environment"]["hardware"]["device"],
        "not_benchmarked": "; ".join(f"{k}: {v}" for k, v in skipped.items()) or "none",
        "method": "random 224x224 images; best of the repeats after one warm-up call"}
    print(f"best: {best['precision']}, jit_compile={best['jit_compile']}, batch "
          f"{best['batch_size']}: {best['images_per_s']:.2f} images/s")
    for precision, reason in skipped.items():
        print(f"  not benchmarked: {precision} ({reason}; force it with --precisions)")
    labels = [f"{r['precision'].replace('mixed_', '')} jit={'on' if r['jit_compile'] else 'off'} "
              f"batch {r['batch_size']}" for r in rows]
    path = bar_chart(labels, [r["images_per_s"] for r in rows], run.path("benchmark.png"),
                     title=f"VGG16 inference, {keras.backend.backend()} backend", xlabel="images/s",
                     annotate="{:.2f}")
    run.add_figure("benchmark", path)
    run.save()
    return path


# --- 9. finish ----------------------------------------------------------------------------

def finish(run: Run) -> Path:
    """Compare with the published score, write record.json and the REFLECTION.md draft."""
    measured = run.record["metrics"].get("accuracy")
    note = ("Measured on your own labelled photos, not on the ImageNet validation set, so the "
            "comparison is indicative only. Published top-5: 90.1%"
            + (f"; yours {run.record['metrics']['top5_accuracy']:.1%}." if measured is not None
               else ". No --labels file was given, so nothing was measured."))
    if "warnings" in run.record:
        note = "RANDOM WEIGHTS (--weights none): any accuracy here is chance level. " + note
    run.set_reference(value=REFERENCE["value"], metric="accuracy", split=REFERENCE["split"],
                      citation=REFERENCE["citation"], source=REFERENCE["source"], note=note,
                      measured=measured)
    run.record["reference"]["top5_value"] = REFERENCE["top5"]
    run.record["reference"]["parameters"] = VGG16_PARAMETERS
    return run.finish()


# --- the lesson, in order -----------------------------------------------------------------

NOTEBOOK_STEPS = [
    ("parse_args", "config = parse_args(ARGS)"),
    ("load_student_photos", "photos = load_student_photos(config)"),
    ("resolve_weights", "weights = resolve_weights(config)"),
    ("start_run", "run = start_run(config, photos, weights)"),
    ("load_vgg16", "model = load_vgg16(weights, run)"),
    ("show_architecture", "show(show_architecture(model, run))"),
    ("preprocess", "x = preprocess(photos)\nshow(preprocessing_figure(photos, x, run))"),
    ("predict_top_k", "probabilities = predict_top_k(model, x, photos, config, run)\n"
                      "for key, name in run.record['figures'].items():\n"
                      "    if key.startswith('topk_'):\n"
                      "        show(run.path(name))"),
    ("score_against_labels", "score_against_labels(probabilities, photos, config, run)"),
    ("grad_cam_figure", "show(grad_cam_figure(model, x, photos, config, run))"),
    ("first_layer_views", "for path in first_layer_views(model, x, photos, run):\n"
                          "    show(path)"),
    ("measure_speed", "measure_speed(model, x, config, run)"),
    ("benchmark", "show(benchmark(model, config, run))"),
    ("finish", "finish(run)"),
]


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    photos = load_student_photos(config)
    weights = resolve_weights(config)
    run = start_run(config, photos, weights)
    model = load_vgg16(weights, run)
    show_architecture(model, run)
    x = preprocess(photos)
    preprocessing_figure(photos, x, run)
    probabilities = predict_top_k(model, x, photos, config, run)
    score_against_labels(probabilities, photos, config, run)
    grad_cam_figure(model, x, photos, config, run)
    first_layer_views(model, x, photos, run)
    measure_speed(model, x, config, run)
    benchmark(model, config, run)
    finish(run)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
