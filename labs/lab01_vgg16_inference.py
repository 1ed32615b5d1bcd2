"""Lab 1: a pretrained CNN. VGG16 classifies your photos into the 1,000 ImageNet classes.

No training in this lab: you load a network somebody else trained for weeks (Simonyan and
Zisserman, 2015) and learn to *use* and *inspect* it. Then compare it with four later
designs (``--model``, ``--compare-models``) and teach one of them your own classes
(``--transfer``).

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
    7. Other ImageNet networks (``--model resnet50|mobilenet_v2|efficientnet_b0|
       convnext_tiny``), each with its own preprocessing: ResNet50 expects VGG16's BGR minus
       the mean pixel, MobileNetV2 pixels scaled to -1..1, EfficientNetB0 and ConvNeXtTiny
       raw 0..255 (their scaling is inside the model). ``--compare-models`` puts them in one
       table: top-1 agreement, confidence, images/s, parameters, weights file size.
    8. Know when the answer is a guess: a photo of something outside the 1,000 classes still
       gets a top class. When the top probability is under ``--unsure-below`` (default 0.5)
       the lab says "the model is unsure".
    9. Transfer learning (``--transfer DIR``, one sub-folder per class): the pretrained
       network's pooled features feed a small new softmax head trained on your photos;
       ``--fine-tune-epochs N`` then also trains the network's last block at a low rate.
       Accuracy on a held-out split, learning curves and the misclassified photos.

How to run
    python -m labs.lab01_vgg16_inference --images my_photos/ cat.jpg
    python -m labs.lab01_vgg16_inference --images my_photos/ --benchmark
    python -m labs.lab01_vgg16_inference --quick --weights none --images my_photos/
    python -m labs.lab01_vgg16_inference --model mobilenet_v2 --images my_photos/
    python -m labs.lab01_vgg16_inference --compare-models --images my_photos/
    python -m labs.lab01_vgg16_inference --transfer my_classes/ --model mobilenet_v2 \
        --fine-tune-epochs 3

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
    measured there; ``--weights none`` was. The other networks publish (keras.io, same
    split): ResNet50 74.9% / 92.1%, MobileNetV2 71.3% / 90.1%, EfficientNetB0 77.1% /
    93.3%, ConvNeXtTiny 81.3% top-1. With random weights every top probability is about
    0.1%, so every photo is flagged "the model is unsure" and the networks agree on 0% of
    top-1 answers (the four sample photos of ``../shared/data``, measured).

Time (measured on a 2-core AMD EPYC VM shared with other jobs, so figures vary 2x)
    ``--quick --weights none`` on 2 photos: 32-44 s on a lightly loaded machine
    (TensorFlow, JAX), 41-78 s under heavy load (any backend); about 10-15 s of it is
    building the 138M random weights. Inference on CPU: 0.3-0.7 s per image (TensorFlow,
    PyTorch), 1-2.7 s per image (JAX). ``--benchmark`` on this CPU (TensorFlow, batch 1 and
    2): float32 1.3-2.1 images/s, mixed_bfloat16 (the CPU has AVX512-BF16) 2.4-5.6
    images/s, best without ``jit_compile``. ``--compare-models --weights none`` on the four
    sample photos (TensorFlow, batch 4; speed does not depend on the weights): VGG16 7.0,
    ResNet50 15.9, MobileNetV2 50.5, EfficientNetB0 30.2, ConvNeXtTiny 2.9 images/s (its
    7x7 depthwise convolutions and LayerNorm are slow on this CPU); the whole command 76 s.
    ``--model resnet50 --weights none`` on the same photos: 22 s. ``--transfer`` on 60
    MNIST digits saved as 56x56 photos (3 classes, 15 held out), ``--model resnet50
    --weights none --fine-tune-epochs 2``: 39 s (20 head epochs of 0.1 s, fine-tuning
    epochs of 4-7 s); random features give 60% held-out after the head and 40% after
    fine-tuning (chance is 33%). With random MobileNetV2 weights the features vanish and
    the lab says so. A GPU: not measured.
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

from toolkit.callbacks import default_callbacks
from toolkit.cli import lab_parser, positive_int, run_main
from toolkit.environment import cpu_name
from toolkit.error_analysis import ErrorAnalysis
from toolkit.errors import CourseError
from toolkit.metrics import classification_metrics, measure_inference
from toolkit.plots import (
    bar_chart,
    confusion_matrix,
    learning_curves,
    misclassified_grid,
    plt,
    save_figure,
    show,  # noqa: F401  (the notebook cells call it)
    topk_bar,
)
from toolkit.registry import get_entry, human_size
from toolkit.runs import Run, parameter_counts
from toolkit.seed import seed_everything
from toolkit.vision import applications
from toolkit.vision.applications import APPLICATIONS, ApplicationSpec
from toolkit.vision.gradcam import CITATION as GRADCAM_CITATION
from toolkit.vision.gradcam import GradCAM, explainable_layer, overlay_heatmap
from toolkit.vision.model_views import (
    architecture_figure,
    feature_map_grid,
    filter_grid,
    format_layer_table,
    layer_output,
    layer_table,
)
from toolkit.vision.photos import FITS, ClassFolders, PhotoSet, load_class_folders, load_photos

LAB_ID = "lab01_vgg16_inference"
TITLE = "A pretrained CNN: VGG16 ImageNet inference"
INPUT_SIZE = (224, 224)
VGG16_PARAMETERS = 138_357_544
QUICK_PHOTOS = 2
UNSURE_BELOW = 0.5
RANDOM_WEIGHTS_WARNING = (
    "WARNING: --weights none: {model} has RANDOM weights. Every class, probability, Grad-CAM "
    "map and feature map of this run is MEANINGLESS; it only shows the code runs. Run "
    "without --weights none for real predictions ({size} download, once).")
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
    parser.add_argument("--gradcam-layer", default=None,
                        help="convolution layer Grad-CAM explains (default: found "
                             "automatically, the last feature map before the classifier, "
                             "e.g. block5_conv3 for VGG16)")
    parser.add_argument("--model", choices=list(APPLICATIONS), default="vgg16",
                        help="the ImageNet network (default vgg16): " + ", ".join(
                            f"{s.key} ({s.parameters / 1e6:.1f}M parameters, {s.size_mb:g} MB)"
                            for s in APPLICATIONS.values()))
    parser.add_argument("--compare-models", nargs="*", choices=list(APPLICATIONS),
                        metavar="MODEL", help="also run these networks (default: all five) on "
                        "the same photos and compare them in one table")
    parser.add_argument("--unsure-below", type=float, default=UNSURE_BELOW, metavar="P",
                        help="flag a photo as 'the model is unsure' when its top probability "
                             f"is under P (default {UNSURE_BELOW})")
    parser.add_argument("--transfer", metavar="DIR",
                        help="transfer learning instead of ImageNet inference: DIR holds one "
                             "sub-folder of photos per class")
    parser.add_argument("--transfer-epochs", type=positive_int, default=20,
                        help="epochs of training the new head on frozen features (default 20)")
    parser.add_argument("--fine-tune-epochs", type=int, default=0,
                        help="then fine-tune the network's last block with the head for this "
                             "many epochs (default 0: off)")
    parser.add_argument("--fine-tune-lr", type=float, default=1e-5,
                        help="learning rate of fine-tuning (default 1e-5: small, so the "
                             "pretrained features are adjusted, not destroyed)")
    parser.add_argument("--test-split", type=float, default=0.25,
                        help="share of each class held out to measure --transfer accuracy "
                             "(default 0.25, stratified, seeded)")
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
    if not 0 <= config.unsure_below <= 1:
        parser.error("--unsure-below must be a probability between 0 and 1")
    if not 0 < config.test_split < 1:
        parser.error("--test-split must be between 0 and 1")
    if config.fine_tune_epochs < 0:
        parser.error("--fine-tune-epochs must be >= 0")
    if config.compare_models == []:  # the flag alone: every network
        config.compare_models = list(APPLICATIONS)
    if config.quick:
        config.transfer_epochs = min(config.transfer_epochs, 3)
        config.fine_tune_epochs = min(config.fine_tune_epochs, 1)
    config.spec = APPLICATIONS[config.model]
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

def resolve_weights(config: argparse.Namespace, spec: ApplicationSpec | None = None
                    ) -> str | None:
    """The weights file ``keras.applications.VGG16(weights=...)`` loads (``None``: random).

    ``imagenet`` goes through the course's data registry: it looks in ``--data-dir`` and the
    Keras cache (``~/.keras/models``, where ``keras.applications`` itself caches the file),
    checks the md5 and downloads the 528 MB only when no good copy exists. Offline it fails
    within seconds and says where to put the file. The other ``--model`` networks work the
    same way, each with its own file (14 MB for MobileNetV2 up to 109 MB for ConvNeXtTiny).
    """
    spec = spec or config.spec
    choice = config.weights
    if choice.lower() in ("none", "imagenet"):
        return applications.resolve_weights(spec, choice, config.data_dir)
    path = Path(choice).expanduser()
    if not path.is_file():
        raise CourseError(f"weights file {path} not found",
                          fix="pass --weights imagenet, --weights none or an existing .h5 file")
    if not path.name.endswith(".h5"):
        raise CourseError(f"weights file {path.name} is not an .h5 / .weights.h5 file",
                          fix=f"save weights with model.save_weights('{spec.key}.weights.h5')")
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
              f"{config.spec.title} (inference only, no training)"),
        dataset={
            "name": "student_photos",
            "title": "Your photos, classified into the 1,000 ImageNet (ILSVRC-2012) classes",
            "source": ", ".join(config.images),
            "citation": ("O. Russakovsky et al. ImageNet Large Scale Visual Recognition "
                         f"Challenge. IJCV 2015 (the 1,000 classes {config.spec.title} "
                         f"predicts)."),
            "splits": {"photos": len(photos)}, "class_count": 1000,
            **photos.describe()},
        hyperparameters={
            "model": config.model, "weights": config.weights, "input_size": "224x224",
            "resize": config.fit, "top_k": config.top_k, "batch_size": config.batch_size,
            "gradcam_layer": config.gradcam_layer or "automatic",
            "unsure_below": config.unsure_below, "benchmark": config.benchmark,
            "compare_models": config.compare_models or "no"})
    if weights is None:
        warn_random_weights(run, config.spec)
        run.save()
    return run


def warn_random_weights(run: Run, spec: ApplicationSpec = APPLICATIONS["vgg16"]) -> None:
    """Say it everywhere a reader looks: console, record and reflection draft."""
    warning = RANDOM_WEIGHTS_WARNING.format(model=spec.title,
                                            size=human_size(spec.weights_bytes))
    print("\n" + "!" * 88 + "\n" + warning + "\n" + "!" * 88 + "\n")
    run.record.setdefault("warnings", []).append(warning)
    run.record["task"] += (" -- RANDOM WEIGHTS (--weights none): the predictions of this run "
                           "are meaningless")


# --- 4. the model ------------------------------------------------------------------------

def build_pretrained(spec: ApplicationSpec, weights: str | None):
    """``keras.applications.<spec>`` with its 1,000-class top and these weights; a file that
    does not fit is one clear error, not a traceback per layer."""
    try:
        return applications.build_application(spec, weights)
    except (ValueError, OSError) as error:
        first_line = str(error).strip().splitlines()[0][:200].rstrip(":")  # then every layer
        raise CourseError(f"the weights in {weights} do not fit {spec.title}", why=first_line,
                          fix=f"use the Keras Applications {spec.title} file (with top, 1,000 "
                              f"classes)") from None


def load_pretrained(weights: str | None, config: argparse.Namespace, run: Run):
    """Build the chosen network (``--model``, default VGG16) with its 1,000-class top and
    load its weights."""
    spec = config.spec
    described = weights or "none (random initialisation)"
    print(f"building {spec.title} ({spec.parameters / 1e6:.1f}M parameters), weights: "
          f"{described}")
    model = build_pretrained(spec, weights)
    entry = get_entry(spec.registry_key)
    run.record["model"] = {
        "name": f"{spec.title} (keras.applications), ImageNet top" + (
            ", RANDOM WEIGHTS: predictions meaningless" if weights is None else ""),
        "parameters": parameter_counts(model), "weights": described,
        "weights_file_size": human_size(entry.files[0].size), "citation": entry.citation,
        "preprocessing": spec.preprocessing}
    run.save()
    return model


def show_architecture(model, run: Run, spec: ApplicationSpec = APPLICATIONS["vgg16"]) -> Path:
    """Print every layer's output shape and parameter count; draw the same as a figure.

    Follow a 224x224x3 photo: each block halves the height and width and the convolutions
    widen the channels (64 -> 512), until a 7x7x512 volume is flattened into 25,088
    numbers. ``fc1`` connects those to 4,096 units: 102,764,544 weights, 74% of the model.
    The later networks replace that flattening by global average pooling (one number per
    channel), which is why ResNet50 needs 5x fewer parameters and MobileNetV2 40x fewer.
    """
    rows = layer_table(model)
    shown = rows
    if len(rows) > 60:  # ResNet50 and friends have 150-250 layers: show the heaviest 40
        heaviest = set(sorted(range(len(rows)), key=lambda i: -rows[i]["parameters"])[:40])
        shown = [row for i, row in enumerate(rows) if i in heaviest]
        print(f"{len(rows)} layers; the 40 with the most parameters:")
    print(format_layer_table(shown))
    total = sum(row["parameters"] for row in rows)
    print(f"{spec.title} has {total:,} parameters ({total / 1e6:.1f}M; Keras Applications "
          f"lists {spec.parameters / 1e6:.1f}M)")
    run.record["model"]["layers"] = rows
    title = spec.title if shown is rows else f"{spec.title} (the 40 largest of {len(rows)} layers)"
    path = architecture_figure(shown, run.path("architecture.png"), title=title)
    run.add_figure("architecture", path)
    run.save()
    return path


# --- 5. preprocessing ---------------------------------------------------------------------

def preprocess(photos: PhotoSet, spec: ApplicationSpec = APPLICATIONS["vgg16"]) -> np.ndarray:
    """224x224 RGB uint8 photos -> what VGG16 was trained on: BGR, ImageNet mean subtracted.

    ``keras.applications.vgg16.preprocess_input`` reverses the channel order (the original
    Caffe model read images as BGR) and subtracts the mean ImageNet pixel (B 103.9,
    G 116.8, R 123.7). There is no scaling to 0..1: the network expects -124..152.
    Every ``--model`` has its own ``preprocess_input`` (see ``toolkit.vision.applications``):
    feeding a network another's preprocessing gives confident nonsense.
    """
    x = applications.preprocess(spec, photos.array)
    print(f"{spec.title} preprocessing: {spec.preprocessing}; input values "
          f"{x.min():.1f}..{x.max():.1f}")
    return x


def preprocessing_figure(photos: PhotoSet, x: np.ndarray, run: Run,
                         spec: ApplicationSpec = APPLICATIONS["vgg16"]) -> Path:
    """Original photo / 224x224 input / what the network sees / the values it gets."""
    photo, seen = photos.photos[0], x[0]
    order = spec.channel_order
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.2))
    height, width = photo.original.shape[:2]
    axes[0].imshow(photo.original)
    axes[0].set_title(f"original {width}x{height} ({photo.mode})")
    axes[1].imshow(photo.image)
    cropped = run.record["hyperparameters"]["resize"] == "crop"
    axes[1].set_title(f"224x224 ({'centre crop' if cropped else 'squashed'})")
    # Show the network input as if it were RGB: for BGR networks the colours swap and the
    # mean shift makes it dull; values are rescaled to 0..1 only so matplotlib can draw them.
    axes[2].imshow((seen - seen.min()) / max(float(seen.max() - seen.min()), 1e-6))
    axes[2].set_title(f"network input drawn as RGB\n(channels are {order}, values "
                      f"{seen.min():.0f}..{seen.max():.1f})")
    for ax in axes[:3]:
        ax.axis("off")
    colours = {"B": "blue", "G": "green", "R": "red"}
    for channel, letter in enumerate(order):
        axes[3].hist(seen[..., channel].ravel(), bins=60, histtype="step",
                     color=colours[letter],
                     label=f"{letter} channel, mean {seen[..., channel].mean():.1f}")
    axes[3].set_title("input values per channel")
    axes[3].set_xlabel(f"value after {spec.module}.preprocess_input")
    axes[3].legend(fontsize=8)
    fig.suptitle(f"{photo.name}: from photo to {spec.title} input. Preprocessing: "
                 f"{spec.preprocessing}", fontsize=10)
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

    The softmax always picks *some* class, even for a photo of something ImageNet never
    had (a diagram, a face, your desk). A low top probability is the simplest warning sign:
    under ``--unsure-below`` (default 0.5) the photo is flagged "the model is unsure". It is
    a rough flag, not a detector: close classes (tabby / tiger cat) also share the vote, and
    networks can be confidently wrong on strange inputs.
    """
    from keras_hub.utils import decode_imagenet_predictions

    probabilities = np.asarray(model.predict(x, batch_size=config.batch_size, verbose=0))
    decoded = decode_imagenet_predictions(probabilities, top=config.top_k)
    table, unsure = [], []
    for photo, top in zip(photos.photos, decoded, strict=True):
        doubtful = float(top[0][1]) < config.unsure_below
        print(f"\n{photo.name}" + (f"  -- the model is unsure (top probability "
                                    f"{top[0][1]:.0%} < {config.unsure_below:.0%})"
                                    if doubtful else ""))
        for rank, (name, probability) in enumerate(top, 1):
            print(f"  {rank}. {name:<28} {probability:7.2%}")
            table.append({"file": photo.name, "rank": rank, "class": name,
                          "probability": round(float(probability), 5),
                          "unsure": doubtful})
        if doubtful:
            unsure.append(photo.name)
    if "warnings" in run.record:
        print("\n(random weights: the classes above are meaningless)")
    run.record["results"]["predictions"] = table
    run.record["results"]["unsure"] = {
        "threshold": config.unsure_below, "photos": unsure,
        "rule": "top-1 probability under the threshold: the model is unsure (the photo may "
                "show nothing from the 1,000 ImageNet classes, or several close classes "
                "share the vote)"}
    if unsure:
        print(f"\nthe model is unsure about {len(unsure)} of {len(photos)} photo(s): "
              f"{', '.join(unsure)}")
    for photo, top in zip(photos.photos, decoded, strict=True):
        doubtful = photo.name in unsure
        path = topk_bar([name for name, _ in top], [p for _, p in top],
                        run.path(f"topk_{safe_stem(photo.name)}.png"),
                        title=f"{photo.name}: top-{config.top_k} ImageNet classes"
                        + (" (RANDOM WEIGHTS)" if "warnings" in run.record else "")
                        + ("\nTHE MODEL IS UNSURE: top probability under "
                           f"{config.unsure_below:.0%}" if doubtful else ""),
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
                          why=str(error), fix="use a convolution layer every path passes, e.g. "
                                              f"{explainable_layer(model)}") from None
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
    fig.suptitle(f"{model.name}: Grad-CAM on {cam.layer_name} (Selvaraju et al. 2017)"
                 + ("\nRANDOM WEIGHTS: meaningless" if "warnings" in run.record else ""))
    path = save_figure(fig, run.path("gradcam.png"))
    run.add_figure("gradcam", path)
    run.record["results"]["gradcam"] = {
        "layer": cam.layer_name, "citation": GRADCAM_CITATION,
        "classes": {p.name: names[c] for p, c in zip(photos.photos, classes, strict=True)}}
    run.save()
    return path


def first_layer_views(model, x: np.ndarray, photos: PhotoSet, run: Run,
                      spec: ApplicationSpec = APPLICATIONS["vgg16"]) -> tuple[Path, Path]:
    """The filters of the first convolution (VGG16: ``block1_conv1``, 64 of 3x3 RGB) and
    their feature maps for one photo.

    First-layer filters are tiny colour and edge detectors; each feature map shows where in
    the photo its filter's pattern occurs (bright = strong response after ReLU).
    """
    conv, holder = applications.first_convolution(model)
    kernel = keras.ops.convert_to_numpy(conv.kernel)
    if spec.channel_order == "BGR":  # input channels B, G, R (see preprocess): draw as RGB
        kernel = kernel[:, :, ::-1, :]
    size, count = f"{kernel.shape[0]}x{kernel.shape[1]}", kernel.shape[-1]
    filters = filter_grid(kernel, run.path("first_layer_filters.png"),
                          title=f"{conv.name}: the {count} filters, {size} pixels each, drawn "
                                f"as RGB (each scaled to 0..1)")
    maps = layer_output(model, holder, x[:1])[0]
    photo = photos.photos[0]
    feature_maps = feature_map_grid(
        maps, run.path("feature_maps.png"), image=photo.image, max_maps=31,
        title=f"{holder} feature maps for {photo.name} (31 of {maps.shape[-1]})")
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


def build_vgg16_like(model, precision: str, spec: ApplicationSpec = APPLICATIONS["vgg16"]):
    """A VGG16 (or the ``spec`` network) in ``precision`` holding ``model``'s weights (mixed:
    float16/bfloat16 compute, float32 weights, so the same weights copy over unchanged)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        copy = applications.build_application(spec, None)
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
        candidate = (model if precision == "float32" else
                     build_vgg16_like(model, precision, config.spec))
        for jit in (False, True):
            candidate.compile(jit_compile=jit)
            for batch in batch_sizes:
                images = rng.uniform(0, 255, (batch * 3, *INPUT_SIZE, 3)).astype("float32")
                x = applications.preprocess(config.spec, images)
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
                     title=f"{config.spec.title} inference, {keras.backend.backend()} backend",
                     xlabel="images/s",
                     annotate="{:.2f}")
    run.add_figure("benchmark", path)
    run.save()
    return path


# --- 9. other networks side by side --------------------------------------------------

def compare_models(photos: PhotoSet, config: argparse.Namespace, run: Run) -> Path | None:
    """With ``--compare-models``: every chosen network on the same photos, in one table.

    Per network: parameters, weights file size (the download), images/s on your photos,
    mean top-1 confidence, how many photos it flags as unsure, and top-1 agreement: how
    often the other networks compared give the same top-1 class, over all photos (with
    ``--labels``: top-1 accuracy as well). Networks that disagree on a photo show
    where the photo is hard or outside ImageNet; a newer network is not always faster on a
    CPU: depthwise convolutions (MobileNetV2, EfficientNetB0) save arithmetic more than time.
    """
    if not config.compare_models:
        return None
    from keras_hub.utils import decode_imagenet_predictions

    names = imagenet_class_names()
    truth = read_labels(Path(config.labels), names) if config.labels else {}
    rows, top1 = [], {}
    for key in config.compare_models:
        spec = APPLICATIONS[key]
        if config.weights.lower() not in ("none", "imagenet") and key != config.model:
            print(f"{spec.title}: skipped (--weights names a file for {config.model} only)")
            continue
        try:
            weights = resolve_weights(config, spec)
        except CourseError as error:  # one missing file never stops the other networks
            print(f"{spec.title}: skipped ({error.message})")
            continue
        print(f"\n=== {spec.title} ({spec.preprocessing}) ===")
        model = build_pretrained(spec, weights)
        x = applications.preprocess(spec, photos.array)
        probabilities = np.asarray(model.predict(x, batch_size=config.batch_size, verbose=0))
        timing = measure_inference(model.predict_on_batch, x,
                                   batch_size=min(config.batch_size, len(x)),
                                   repeats=1 if config.quick else 2)
        decoded = decode_imagenet_predictions(probabilities, top=1)
        top1[key] = [int(i) for i in probabilities.argmax(axis=1)]
        confidence = probabilities.max(axis=1)
        for photo, top in zip(photos.photos, decoded, strict=True):
            print(f"  {photo.name:<28} {top[0][0]:<26} {top[0][1]:6.1%}")
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
    header = (f"{'model':<16}{'params':>12}{'file':>11}{'images/s':>10}{'top-1 conf':>12}"
              f"{'agreement':>11}{'unsure':>8}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        print(f"{r['title']:<16}{r['parameters']:>12,}{r['weights_file_size']:>11}"
              f"{r['images_per_s']:>10.2f}{r['mean_top1_confidence']:>12.1%}"
              f"{r['top1_agreement'] or 0:>11.0%}{r['unsure_photos']:>8}")


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


# --- 10. finish ----------------------------------------------------------------------------

def finish(run: Run, spec: ApplicationSpec = APPLICATIONS["vgg16"]) -> Path:
    """Compare with the published score, write record.json and the REFLECTION.md draft."""
    if run.record["results"].get("transfer"):
        run.record["results"]["transfer"]["base_imagenet_top1"] = spec.top1
        print(f"\n(no published score exists for your own classes; {spec.title} reaches "
              f"{spec.top1:.1%} top-1 on ImageNet's 1,000)")
        return run.finish()
    measured = run.record["metrics"].get("accuracy")
    top5 = f"{spec.top5:.1%}" if spec.top5 else "not published"
    note = ("Measured on your own labelled photos, not on the ImageNet validation set, so the "
            f"comparison is indicative only. Published top-5: {top5}"
            + (f"; yours {run.record['metrics']['top5_accuracy']:.1%}." if measured is not None
               else ". No --labels file was given, so nothing was measured."))
    if "warnings" in run.record:
        note = "RANDOM WEIGHTS (--weights none): any accuracy here is chance level. " + note
    citation = REFERENCE["citation"] if spec.key == "vgg16" else (
        f"Keras Applications table (keras.io/api/applications): {spec.title} top-1 "
        f"{spec.top1:.1%}, top-5 {top5}, {spec.parameters / 1e6:.1f}M parameters, "
        f"{spec.size_mb:g} MB; {spec.citation}")
    run.set_reference(value=spec.top1, metric="accuracy", split=REFERENCE["split"],
                      citation=citation, source=REFERENCE["source"], note=note,
                      measured=measured)
    run.record["reference"]["top5_value"] = spec.top5
    run.record["reference"]["parameters"] = spec.parameters
    return run.finish()


# --- 11. transfer learning on your own classes ----------------------------------------------

def load_transfer_data(config: argparse.Namespace) -> dict:
    """``--transfer DIR``: photos from one sub-folder per class, split into train / held-out.

    The held-out share (``--test-split``, stratified, seeded) is never trained on; its
    accuracy is what the new classifier is worth on photos it has not seen. With few photos
    per class expect a noisy figure: one photo of ten is ten points.
    """
    from sklearn.model_selection import train_test_split

    folders = load_class_folders(config.transfer, INPUT_SIZE, fit=config.fit)
    counts = np.bincount(folders.labels)
    classes = len(folders.class_names)
    test_count = max(classes, int(round(config.test_split * len(folders.labels))))
    if test_count >= len(folders.labels) - classes + 1:
        raise CourseError(f"{config.transfer} has too few photos to hold out a test split "
                          f"({len(folders.labels)} photos, {classes} classes)",
                          fix="add photos (20+ per class), or lower --test-split")
    indices = np.arange(len(folders.labels))
    train, test = train_test_split(indices, test_size=test_count, stratify=folders.labels,
                                   random_state=config.seed)
    print(f"{len(folders.labels)} photos in {classes} classes "
          + ", ".join(f"{n} ({c})" for n, c in zip(folders.class_names, counts, strict=True))
          + f"; {len(train)} to train on, {len(test)} held out")
    return {"folders": folders, "train": train, "test": test}


def start_transfer_run(config: argparse.Namespace, data: dict, weights: str | None) -> Run:
    """The run folder of a ``--transfer`` run, with the data and every setting."""
    folders: ClassFolders = data["folders"]
    spec = config.spec
    run = Run.start(
        LAB_ID, title=TITLE, argv=config.argv, seed=config.seed, out=config.out,
        quick=config.quick,
        task=(f"Transfer learning: {spec.title} ImageNet features + a new softmax head on the "
              f"student's own {len(folders.class_names)} classes"),
        dataset={"name": "student_classes", "title": f"Your photos in {config.transfer}",
                 "source": str(config.transfer), "classes": folders.class_names,
                 "citation": "the student's own photos",
                 "splits": {"train": len(data["train"]), "test": len(data["test"])},
                 **folders.photos.describe()},
        hyperparameters={
            "model": config.model, "weights": config.weights, "input_size": "224x224",
            "resize": config.fit, "head": "dropout 0.2 + dense softmax",
            "head_epochs": config.transfer_epochs, "head_learning_rate": 1e-3,
            "fine_tune_epochs": config.fine_tune_epochs,
            "fine_tune_learning_rate": config.fine_tune_lr,
            "fine_tuned_layers": f"the last block ({', '.join(spec.top_block)}*), batch "
                                 f"norm kept frozen", "batch_size": config.batch_size,
            "test_split": config.test_split})
    if weights is None:
        warn_random_weights(run, spec)
        run.save()
    return run


def feature_extractor(model):
    """The network without its classifier: photo -> the pooled features the 1,000-class
    layer reads (VGG16: fc2's 4,096 numbers; the others: one number per channel after
    global average pooling). Frozen: its weights stay as ImageNet left them."""
    return keras.Model(model.inputs[0], model.layers[-1].input, name=f"{model.name}_features")


def train_head(model, data: dict, config: argparse.Namespace, run: Run):
    """Frozen base: compute every photo's features once, then train a small softmax head.

    Computing the features once makes each epoch take milliseconds: only the new
    ``Dense`` layer learns. The held-out photos are evaluated after every epoch for the
    learning curves, never used to choose anything.
    """
    folders: ClassFolders = data["folders"]
    x = applications.preprocess(config.spec, folders.photos.array)
    features = np.asarray(feature_extractor(model).predict(x, batch_size=config.batch_size,
                                                           verbose=0))
    spread = float(features.std(axis=0).mean())
    if spread < 1e-6:  # e.g. random MobileNetV2 / EfficientNetB0: their activations vanish
        warning = (f"the frozen {config.spec.title} features are (almost) the same for every "
                   f"photo (spread {spread:.1e}): the head cannot learn from them"
                   + (" -- with --weights none try --model resnet50 or vgg16, whose random "
                      "features still differ" if config.weights.lower() == "none" else ""))
        print("WARNING: " + warning)
        run.record.setdefault("warnings", []).append("WARNING: " + warning)
    seed_everything(config.seed)
    head = keras.Sequential([
        keras.Input(features.shape[1:], name="features"),
        keras.layers.Dropout(0.2, name="head_dropout"),
        keras.layers.Dense(len(folders.class_names), activation="softmax", name="head"),
    ], name="transfer_head")
    head.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    train, test = data["train"], data["test"]
    callbacks = default_callbacks(run, key="head", patience=None, reduce_lr=False,
                                  backup=False, curves=False)
    head.fit(features[train], folders.labels[train],
             validation_data=(features[test], folders.labels[test]),
             epochs=config.transfer_epochs, batch_size=config.batch_size, callbacks=callbacks,
             verbose=2 if config.transfer_epochs <= 30 else 0)
    _, accuracy = head.evaluate(features[test], folders.labels[test], verbose=0)
    print(f"frozen {config.spec.title} + new head: held-out accuracy {accuracy:.1%} "
          f"({len(test)} photos)")
    data["x"] = x
    run.record["results"]["transfer"] = {"head_held_out_accuracy": round(float(accuracy), 4),
                                         "feature_size": int(features.shape[1]),
                                         "feature_spread": spread}
    run.save()
    return head


def fine_tune(model, head, data: dict, config: argparse.Namespace, run: Run):
    """Optional (``--fine-tune-epochs N``): also train the network's last block.

    The head already gives sensible answers, so the gradients reaching the last block are
    small and useful; the rate is 100x lower (``--fine-tune-lr``, default 1e-5) so the
    ImageNet features are adjusted to your photos, not overwritten. Every other layer stays
    frozen, and so do batch-norm layers (their statistics come from ImageNet's millions of
    photos, not from your few dozen). Each epoch now runs the whole network: minutes on a CPU.
    Returns the whole network with the new head (the model evaluated at the end).
    """
    folders: ClassFolders = data["folders"]
    combined = keras.Model(model.inputs[0], head(model.layers[-1].input),
                           name=f"{model.name}_transfer")
    if not config.fine_tune_epochs:
        return combined
    for layer in model.layers:
        layer.trainable = False
    unfrozen = applications.top_block_layers(model, config.spec)
    for layer in unfrozen:
        layer.trainable = True
    trainable = sum(int(np.prod(w.shape)) for w in combined.trainable_weights)
    print(f"fine-tuning {len(unfrozen)} layers of the last block + the head: {trainable:,} "
          f"trainable parameters, learning rate {config.fine_tune_lr:g}")
    combined.compile(optimizer=keras.optimizers.Adam(config.fine_tune_lr),
                     loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    train, test = data["train"], data["test"]
    callbacks = default_callbacks(run, key="fine_tune", patience=None, reduce_lr=False,
                                  backup=False, curves=False)
    combined.fit(data["x"][train], folders.labels[train],
                 validation_data=(data["x"][test], folders.labels[test]),
                 epochs=config.fine_tune_epochs, batch_size=config.batch_size,
                 callbacks=callbacks, verbose=2)
    run.record["results"]["transfer"]["fine_tuned_layers"] = [layer.name for layer in unfrozen]
    run.record["results"]["transfer"]["fine_tune_trainable_parameters"] = trainable
    run.save()
    return combined


def evaluate_transfer(combined, data: dict, config: argparse.Namespace, run: Run) -> dict:
    """Held-out accuracy of the final model, learning curves of both phases, confusion
    matrix and the misclassified photos (with the class they were taken for)."""
    folders: ClassFolders = data["folders"]
    test = data["test"]
    probabilities = np.asarray(combined.predict(data["x"][test], batch_size=config.batch_size,
                                                verbose=0))
    y_true = folders.labels[test]
    metrics = classification_metrics(y_true, probabilities.argmax(axis=1), folders.class_names)
    run.record["metrics"] = metrics
    history = [{**row, "phase": "head"} for row in run.record["results"]["head"]["history"]]
    tuned = run.record["results"].get("fine_tune", {}).get("history", [])
    history += [{**row, "epoch": len(history) + row["epoch"], "phase": "fine-tune"}
                for row in tuned]
    run.record["history"] = history
    phases = [run.record["results"][key]["training"] for key in ("head", "fine_tune")
              if key in run.record["results"]]
    run.record["training"] = {"time_s": round(sum(phase["time_s"] for phase in phases), 3),
                              "epochs_run": len(history),
                              "phases": {"head": phases[0]["time_s"],
                                         "fine_tune": phases[1]["time_s"] if tuned else None}}
    curves = learning_curves([{k: v for k, v in r.items() if k != "phase"} for r in history],
                             run.path("learning_curves.png"),
                             title=f"{config.spec.title} transfer: head on frozen features"
                                   + (f", then fine-tuning from epoch "
                                      f"{len(history) - len(tuned) + 1}" if tuned else ""))
    run.add_figure("learning_curves", curves)
    run.add_figure("confusion_matrix", confusion_matrix(
        metrics["confusion_matrix"], folders.class_names, run.path("confusion_matrix.png"),
        title="Confusion matrix, held-out photos"))
    names = [folders.photos.photos[i].name for i in test]
    analysis = ErrorAnalysis(y_true, probabilities, folders.class_names, ids=names)
    errors = analysis.top_errors(25)
    run.record["misclassified"] = errors
    analysis.write_csv(run.path("errors.csv"))
    images = folders.photos.array[test]
    grid = misclassified_grid(images, errors[:20], run.path("errors.png"),
                              title="Misclassified held-out photos (worst first)")
    if grid:
        run.add_figure("errors", grid)
    run.record["results"]["transfer"]["held_out_accuracy"] = round(metrics["accuracy"], 4)
    print(f"\nheld-out accuracy {metrics['accuracy']:.1%} on {len(test)} photos "
          f"({len(errors)} misclassified)" + (" after fine-tuning" if tuned else ""))
    run.save()
    return metrics


# --- the lesson, in order -----------------------------------------------------------------

NOTEBOOK_STEPS = [
    ("parse_args", "config = parse_args(ARGS)"),
    ("transfer_main", "if config.transfer:  # only with --transfer DIR in ARGS\n"
                      "    transfer_main(config)"),
    ("load_student_photos", "photos = load_student_photos(config)"),
    ("resolve_weights", "weights = resolve_weights(config)"),
    ("start_run", "run = start_run(config, photos, weights)"),
    ("load_pretrained", "model = load_pretrained(weights, config, run)"),
    ("show_architecture", "show(show_architecture(model, run, config.spec))"),
    ("preprocess", "x = preprocess(photos, config.spec)\n"
                   "show(preprocessing_figure(photos, x, run, config.spec))"),
    ("predict_top_k", "probabilities = predict_top_k(model, x, photos, config, run)\n"
                      "for key, name in run.record['figures'].items():\n"
                      "    if key.startswith('topk_'):\n"
                      "        show(run.path(name))"),
    ("score_against_labels", "score_against_labels(probabilities, photos, config, run)"),
    ("grad_cam_figure", "show(grad_cam_figure(model, x, photos, config, run))"),
    ("first_layer_views", "for path in first_layer_views(model, x, photos, run, config.spec):\n"
                          "    show(path)"),
    ("measure_speed", "measure_speed(model, x, config, run)"),
    ("benchmark", "show(benchmark(model, config, run))"),
    ("compare_models", "show(compare_models(photos, config, run))"),
    ("finish", "finish(run, config.spec)"),
]


def transfer_main(config: argparse.Namespace) -> int:
    """``--transfer DIR``: the transfer-learning lesson, in a run folder of its own.

    Load your class folders and hold out a test split; load the pretrained network; train
    a new softmax head on its frozen features; optionally fine-tune the last block; measure
    held-out accuracy, draw the learning curves and show the misclassified photos. On the
    command line it replaces the ImageNet lesson; in a notebook the ImageNet cells follow.
    """
    data = load_transfer_data(config)
    weights = resolve_weights(config)
    run = start_transfer_run(config, data, weights)
    model = load_pretrained(weights, config, run)
    run.record["model"]["name"] = (f"{config.spec.title} (keras.applications) features + a new "
                                   f"{len(data['folders'].class_names)}-class softmax head"
                                   + (", RANDOM WEIGHTS" if weights is None else ""))
    head = train_head(model, data, config, run)
    combined = fine_tune(model, head, data, config, run)
    evaluate_transfer(combined, data, config, run)
    finish(run, config.spec)
    return 0


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    if config.transfer:
        return transfer_main(config)
    photos = load_student_photos(config)
    weights = resolve_weights(config)
    run = start_run(config, photos, weights)
    model = load_pretrained(weights, config, run)
    show_architecture(model, run, config.spec)
    x = preprocess(photos, config.spec)
    preprocessing_figure(photos, x, run, config.spec)
    probabilities = predict_top_k(model, x, photos, config, run)
    score_against_labels(probabilities, photos, config, run)
    grad_cam_figure(model, x, photos, config, run)
    first_layer_views(model, x, photos, run, config.spec)
    measure_speed(model, x, config, run)
    benchmark(model, config, run)
    compare_models(photos, config, run)
    finish(run, config.spec)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
