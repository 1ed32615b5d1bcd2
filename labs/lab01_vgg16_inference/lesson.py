"""Lab 1: a pretrained CNN. VGG16 classifies your photos into the 1,000 ImageNet classes.

No training in this lab: you load a network somebody else trained for weeks (Simonyan and
Zisserman, 2015) and learn to *use* and *inspect* it. Then compare it with four later
designs (``--model``, ``--compare-models``: compare.py), measure its speed
(``--benchmark``: speed.py) and teach it your own classes (``--transfer``: transfer.py).

What you learn
    1. Load a pretrained ImageNet model with ``keras.applications.VGG16``. Its weights file
       (528 MB) is downloaded once through the course's data registry and cached.
    2. Read the architecture: 13 convolution layers in 5 blocks, then 3 dense layers, and
       138,357,544 parameters, 74% of them in one Dense layer (``fc1``).
    3. Prepare a photo the way the network was trained: 224x224 pixels, channels reordered
       RGB -> BGR, the ImageNet mean colour subtracted (``vgg16.preprocess_input``).
    4. Read the top-k ImageNet classes with their probabilities, and know when the answer
       is a guess: under ``--unsure-below`` (default 0.5) the lab says "the model is unsure".
    5. See *where* the network looked (Grad-CAM heat maps) and what the first convolution
       layer responds to (its 64 filters and feature maps).
    6. Measure inference: latency per image and images per second; ``--benchmark`` adds
       batch size, mixed precision and ``jit_compile``.
    7. Other ImageNet networks (``--model resnet50|mobilenet_v2|efficientnet_b0|
       convnext_tiny``), each with its own preprocessing; ``--compare-models`` puts them in
       one table: top-1 agreement, confidence, images/s, parameters, weights file size.
    8. Transfer learning (``--transfer DIR``, one sub-folder per class): the network's pooled
       features feed a small new softmax head trained on your photos; ``--fine-tune-epochs
       N`` then also trains the network's last block at a low rate.

How to run
    python -m labs.lab01_vgg16_inference --images my_photos/ cat.jpg
    python -m labs.lab01_vgg16_inference --quick --weights none --images my_photos/
    python -m labs.lab01_vgg16_inference --images my_photos/ --benchmark
    python -m labs.lab01_vgg16_inference --compare-models --images my_photos/
    python -m labs.lab01_vgg16_inference --perturb --images dog.jpg   # shifted, darkened...
    python -m labs.lab01_vgg16_inference --transfer my_classes/ --model mobilenet_v2 \
        --fine-tune-epochs 3

``--images`` takes files and folders (any format Pillow reads; odd formats are converted,
unreadable files named and skipped); without it the lab uses ``sample_images/`` in
``--data-dir`` / ``$KERASCOURSE_DATA`` (with ``--transfer``: a photo of each class).
``--labels FILE.csv`` (columns ``file,label``, an ImageNet class name such as ``tabby``)
scores top-1/top-5 accuracy. ``--weights none`` runs with random weights: it proves the code
works offline, but every prediction is meaningless (the output says so).

What to expect
    With ImageNet weights, clear photos of ImageNet objects get the right class in the top 3
    (a tabby cat: "tabby", "tiger cat" or "Egyptian cat"); published: 71.3% top-1, 90.1%
    top-5 on the 50,000 ImageNet validation images. With random weights every top
    probability is about 0.1% and every photo is flagged "unsure". On a 2-core CPU
    ``--quick --weights none`` takes 30-80 s (10-15 s of it building the 138M random
    weights), inference 0.3-3 s per image; ``--compare-models`` about 75 s on four photos.
    The measured runs, with their commands and figures: RESULTS.md beside this file.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import keras
import numpy as np

from labs.lab01_vgg16_inference.compare import compare_models
from labs.lab01_vgg16_inference.perturb import sensitivity_to_changes
from labs.lab01_vgg16_inference.settings import INPUT_SIZE, QUICK_PHOTOS, parse_args
from labs.lab01_vgg16_inference.speed import benchmark
from labs.lab01_vgg16_inference.transfer import load_transfer_data, run_transfer
from toolkit.error_analysis import ErrorAnalysis
from toolkit.errors import CourseError
from toolkit.metrics import measure_inference
from toolkit.plots import plt, save_figure, topk_bar
from toolkit.registry import get_entry, human_size
from toolkit.runs import Run, parameter_counts
from toolkit.safe_text import for_terminal
from toolkit.vision import applications, model_views
from toolkit.vision.applications import APPLICATIONS, ApplicationSpec
from toolkit.vision.gradcam import CITATION as GRADCAM_CITATION
from toolkit.vision.gradcam import GradCAM, explainable_layer, overlay_heatmap
from toolkit.vision.imagenet import imagenet_class_names, read_labels
from toolkit.vision.photos import PhotoSet, load_photos

LAB_ID = "lab01_vgg16_inference"
TITLE = "A pretrained CNN: VGG16 ImageNet inference"
VGG16_PARAMETERS = 138_357_544
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


# --- 1. the photos ------------------------------------------------------------------------

def load_student_photos(config: argparse.Namespace, classes: dict | None = None) -> PhotoSet:
    """Load the photos at 224x224 RGB; files Pillow cannot use are named and skipped.

    VGG16 was trained on 224x224 crops, so every photo is brought to that size. With
    ``--fit crop`` the shorter side is scaled to 224 and the centre square cut out, the
    usual ImageNet evaluation; ``--fit squash`` stretches instead and distorts shapes.
    With ``--transfer`` and no ``--images``: a photo of each of your ``classes``.
    """
    if classes is not None and not config.images:
        photos = classes["examples"]
    else:
        limit = QUICK_PHOTOS if config.quick else None
        photos = load_photos(config.images, INPUT_SIZE, fit=config.fit, limit=limit)
    print(f"{len(photos)} photo(s) loaded: {', '.join(photos.shown_names)}"
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
    rows = model_views.layer_table(model)
    shown = rows
    if len(rows) > 60:  # ResNet50 and friends have 150-250 layers: show the heaviest 40
        heaviest = set(sorted(range(len(rows)), key=lambda i: -rows[i]["parameters"])[:40])
        shown = [row for i, row in enumerate(rows) if i in heaviest]
        print(f"{len(rows)} layers; the 40 with the most parameters:")
    print(model_views.format_layer_table(shown))
    total = sum(row["parameters"] for row in rows)
    print(f"{spec.title} has {total:,} parameters ({total / 1e6:.1f}M; Keras Applications "
          f"lists {spec.parameters / 1e6:.1f}M)")
    run.record["model"]["layers"] = rows
    title = spec.title if shown is rows else f"{spec.title} (the 40 largest of {len(rows)} layers)"
    path = model_views.architecture_figure(shown, run.path("architecture.png"), title=title)
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
    fig.suptitle(f"{photo.shown}: from photo to {spec.title} input. Preprocessing: "
                 f"{spec.preprocessing}", fontsize=10)
    path = save_figure(fig, run.path("preprocessing.png"))
    run.add_figure("preprocessing", path)
    run.save()
    return path


# --- 6. predictions -----------------------------------------------------------------------

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
        print(f"\n{photo.shown}" + (f"  -- the model is unsure (top probability "
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
              f"{', '.join(for_terminal(name) for name in unsure)}")
    for photo, top in zip(photos.photos, decoded, strict=True):
        doubtful = photo.name in unsure
        path = topk_bar([name for name, _ in top], [p for _, p in top],
                        run.path(f"topk_{safe_stem(photo.name)}.png"),
                        title=f"{photo.shown}: top-{config.top_k} ImageNet classes"
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
        axes[row][0].set_title(photo.shown, fontsize=9)
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
    filters = model_views.filter_grid(
        kernel, run.path("first_layer_filters.png"),
        title=f"{conv.name}: the {count} filters, {size} pixels each, drawn as RGB (each "
              f"scaled to 0..1)")
    maps = model_views.layer_output(model, holder, x[:1])[0]
    photo = photos.photos[0]
    feature_maps = model_views.feature_map_grid(
        maps, run.path("feature_maps.png"), image=photo.image, max_maps=31,
        title=f"{holder} feature maps for {photo.shown} (31 of {maps.shape[-1]})")
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

# --- 9. finish -----------------------------------------------------------------------------

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


def main(argv: list[str] | None = None) -> int:
    """The whole lab, step by step (each statement is one cell of the notebook)."""
    config = parse_args(argv)
    classes = load_transfer_data(config)  # --transfer DIR: your class folders (transfer.py)
    photos = load_student_photos(config, classes)
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
    if config.perturb:  # perturb.py: the first photo shifted, rotated, darkened, noised
        sensitivity_to_changes(model, photos, config, run)
    measure_speed(model, x, config, run)
    if config.transfer:  # transfer.py: a new head on your classes, optionally fine-tuned
        run_transfer(model, classes, config, run)
    if config.benchmark:  # speed.py: batch sizes x precisions x jit_compile
        benchmark(model, config, run)
    if config.compare_models:  # compare.py: the other networks on the same photos
        compare_models(photos, config, run)
    finish(run, config.spec)
    return 0
