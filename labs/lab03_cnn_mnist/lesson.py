"""Lab 3: convolutional networks on MNIST / Fashion-MNIST.

An MLP (lab 2) sees an image as 784 unrelated numbers. A convolutional network slides small
3x3 filters over the image, so the same edge or stroke detector works everywhere, and
pooling makes the answer tolerant to small shifts. The keras.io convnet has 34,826
parameters, 19 times fewer than lab 2's MLP, and is more accurate.

What you learn
    1. The 4-D input of ``Conv2D``: ``(N, 28, 28, 1)`` = images, rows, columns, channels.
    2. Conv2D / MaxPooling2D / Flatten / Dropout / Dense, and how each changes the shape.
    3. Two designs side by side: the keras.io convnet (``--arch reference``) and a stronger
       default (``--arch strong``): batch normalization after each convolution, a third
       convolution block, mirrored training images for Fashion-MNIST and a cosine
       learning-rate schedule.
    4. Read a trained CNN: learning curves, confusion matrix, per-class accuracy, the most
       confident mistakes, first-layer filters and the feature maps they produce.

How to run
    python -m labs.lab03_cnn_mnist                                   # MNIST, strong design
    python -m labs.lab03_cnn_mnist --dataset fashion_mnist
    python -m labs.lab03_cnn_mnist --dataset fashion_mnist --arch reference
    python -m labs.lab03_cnn_mnist --quick --dataset fashion_mnist
    python -m labs.lab03_cnn_mnist --arch reference --compare-mlp --batch-sizes 64 256

MNIST's training images are downloaded once (9.9 MB) through the course's data registry;
offline, ``--data-dir ../shared/data`` holds all four files (a re-compressed copy of the
training images is accepted by the hash of its content). Fashion-MNIST also comes offline
from Debian's ``dataset-fashion-mnist`` package.

What to expect
    The strong design reaches about 99.5% test accuracy on MNIST (course target 99.3%)
    and about 93% on Fashion-MNIST (target 92.5%, Shirt the hardest class); the reference
    design about 99.2% and 90.5%. ``--quick`` on Fashion-MNIST: 82-84%. On a 2-core CPU
    with TensorFlow, ``--quick`` takes about a minute, the reference design about 5
    minutes and the strong design 15-25 minutes; on a CPU prefer TensorFlow (JAX and
    PyTorch compute convolution gradients several times slower there), on a GPU any
    backend. The measurements: RESULTS.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
import numpy as np

from labs.lab03_cnn_mnist.compare_mlp import compare_with_mlp
from labs.lab03_cnn_mnist.grid import batch_size_grid
from labs.lab03_cnn_mnist.inside import every_block_feature_maps, receptive_field_figure
from labs.lab03_cnn_mnist.labels import labels_two_ways
from labs.lab03_cnn_mnist.settings import parse_args
from toolkit.callbacks import default_callbacks
from toolkit.distribute import DistributionPlan
from toolkit.error_analysis import ErrorAnalysis
from toolkit.metrics import classification_metrics, measure_inference
from toolkit.plots import bar_chart, confusion_matrix, misclassified_grid
from toolkit.runs import Run, parameter_counts
from toolkit.vision.data import ImageSplits, load_splits
from toolkit.vision.model_views import (
    architecture_figure,
    feature_map_grid,
    filter_grid,
    format_layer_table,
    layer_output,
    layer_table,
)

LAB_ID = "lab03_cnn_mnist"
TITLE = "Convolutional networks on MNIST"
TARGETS = {"mnist": 0.993, "fashion_mnist": 0.925}
REFERENCES = {
    "mnist": {
        "value": 0.9922, "split": "MNIST test (10,000 images)",
        "citation": ("F. Chollet. Simple MNIST convnet, keras.io/examples/vision/mnist_convnet "
                     "(Conv32-Pool-Conv64-Pool-Dropout0.5-Dense, 15 epochs, batch 128, Adam): "
                     "~99% test accuracy, 0.9922 in the rendered run"),
        "source": "https://keras.io/examples/vision/mnist_convnet/"},
    "fashion_mnist": {
        "value": 0.925, "split": "Fashion-MNIST test (10,000 images)",
        "citation": ("Fashion-MNIST README benchmark table (zalandoresearch/fashion-mnist): "
                     "2-conv CNNs 0.876-0.925 test accuracy; 0.925 = '2 Conv <100K parameters' "
                     "(@hardmaru); user submissions, not verified by the maintainers"),
        "source": "https://github.com/zalandoresearch/fashion-mnist#benchmark"},
}


# --- 1. data -------------------------------------------------------------------------------

def load_data(config: argparse.Namespace) -> ImageSplits:
    """Load the images and give them the 4-D shape a convolution layer expects.

    The files hold ``(N, 28, 28)`` bytes: N images of 28 rows x 28 columns. ``Conv2D``
    works on ``(N, height, width, channels)``, where channels are the colours of a pixel
    (3 for RGB). Grayscale images have one channel, so an axis of size 1 is added:
    ``(N, 28, 28, 1)``. Pixels are scaled from 0..255 to 0..1 so the first layer's inputs
    are small, which keeps the first training steps stable.
    """
    splits = load_splits(config.dataset, config.data_dir,
                         validation_split=config.validation_split, seed=config.seed,
                         channels=True, quick_train=config.train_images)
    print(f"{splits.description['name']}: files hold {splits.images_test.shape[1:]} uint8 "
          f"images; the network gets x_train {splits.x_train.shape} {splits.x_train.dtype} = "
          f"(images, rows, columns, channels); validation {splits.x_val.shape}, test "
          f"{splits.x_test.shape}")
    return splits


# --- 2. the run folder --------------------------------------------------------------------

def start_run(config: argparse.Namespace, data: ImageSplits) -> Run:
    """Create the run folder and record the data and every training setting."""
    return Run.start(
        LAB_ID, title=TITLE, argv=config.argv, seed=config.seed, out=config.out,
        quick=config.quick,
        task=(f"{data.description['title']}: 10-class image classification with a "
              f"convolutional network ({config.arch} design)"),
        dataset=data.description,
        hyperparameters={
            "arch": config.arch, "augment": config.augment, "epochs": config.epochs,
            "batch_size": config.batch_size, "optimizer": "adam",
            "learning_rate": config.learning_rate, "schedule": config.schedule,
            "early_stopping_patience": config.patience or "off",
            "validation_split": config.validation_split, "input_shape": "(N, 28, 28, 1)",
            "compare_mlp": config.compare_mlp, "batch_size_grid": config.batch_sizes or "none"})


# --- 3. the model --------------------------------------------------------------------------

def augmentation_layers(augment: str) -> list:
    """Random changes to *training* images only (Keras turns them off for evaluation).

    ``flip`` mirrors left-right: a mirrored shirt is still a shirt, a mirrored 3 is not a
    digit, so it is for Fashion-MNIST only. ``shift`` moves the image by up to 10% (about
    3 pixels) in each direction, which suits both data sets.
    """
    if augment == "flip":
        return [keras.layers.RandomFlip("horizontal", name="random_flip")]
    if augment == "shift":
        return [keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant",
                                               name="random_shift")]
    return []


def build_reference_cnn(classes: int = 10, augment: str = "none") -> keras.Model:
    """The keras.io "Simple MNIST convnet": two conv + pool blocks, dropout, softmax.

    Shapes: 28x28x1 -> conv 3x3 (no padding) 26x26x32 -> pool 13x13x32 -> conv 11x11x64 ->
    pool 5x5x64 -> flatten 1,600 -> dropout 0.5 -> 10 classes. 34,826 parameters.
    """
    layers = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        *augmentation_layers(augment),
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(64, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.5, name="dropout"),
        layers.Dense(classes, activation="softmax", name="classes"),
    ], name="reference_cnn")


def conv_block(filters: int, index: int) -> list:
    """Conv 3x3 ('same' padding keeps the size) -> batch norm -> ReLU -> 2x2 max pooling.

    Batch normalization rescales each channel to zero mean and unit variance over the
    batch, so later layers see inputs of a steady scale: training tolerates a higher
    learning rate and converges in fewer epochs. The convolution needs no bias because
    batch norm adds its own shift. At test time batch norm uses running averages of the
    batch statistics; ``momentum=0.9`` (Keras's default is 0.99) lets them settle within a
    few dozen steps, so even a short run evaluates correctly.
    """
    layers = keras.layers
    return [layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{index}"),
            layers.BatchNormalization(momentum=0.9, name=f"bn{index}"),
            layers.Activation("relu", name=f"relu{index}"),
            layers.MaxPooling2D(2, name=f"pool{index}")]


def build_strong_cnn(classes: int = 10, augment: str = "flip") -> keras.Model:
    """The course's stronger design: three conv blocks (32, 64, 128 filters) with batch norm.

    Shapes: 28x28x1 -> 14x14x32 -> 7x7x64 -> 3x3x128 -> flatten 1,152 -> dropout 0.25 ->
    dense 256 -> dropout 0.25 -> 10 classes; 391,082 parameters. Designed to be cheap on a
    CPU: the widest layers work on the smallest maps, and the dense layers, where most
    parameters sit, cost little computation.
    """
    layers = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        *augmentation_layers(augment),
        *conv_block(32, 1), *conv_block(64, 2), *conv_block(128, 3),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.25, name="dropout1"),
        layers.Dense(256, activation="relu", name="dense"),
        layers.Dropout(0.25, name="dropout2"),
        layers.Dense(classes, activation="softmax", name="classes"),
    ], name="strong_cnn")


def plan_devices(config: argparse.Namespace, run: Run) -> DistributionPlan:
    """One device (the default), or with ``--distribute`` every visible GPU, each taking a
    slice of every batch (see ``toolkit.distribute``)."""
    plan = DistributionPlan.create(enabled=config.distribute, per_replica_batch=config.batch_size,
                                   learning_rate=config.learning_rate)
    run.record["hyperparameters"]["distribution"] = plan.describe()
    return plan


def build_model(config: argparse.Namespace, data: ImageSplits, run: Run,
                plan: DistributionPlan) -> keras.Model:
    """Build the chosen design, print its layer table and draw it (shapes and parameters)."""
    builder = build_strong_cnn if config.arch == "strong" else build_reference_cnn
    with plan.scope():  # a multi-device strategy must own the weights from the start
        model = builder(len(data.class_names), config.augment)
    rows = layer_table(model)
    print(format_layer_table(rows))
    run.record["model"] = {"name": f"{model.name} (augment: {config.augment})",
                           "parameters": parameter_counts(model), "layers": rows}
    run.add_figure("architecture", architecture_figure(
        rows, run.path("architecture.png"), title=model.name))
    run.save()
    return model


# --- 4. training ----------------------------------------------------------------------------

def learning_rate_for(rate: float, schedule: str, total_steps: int):
    """A constant rate, or cosine decay from ``rate`` to 0 over all training steps.

    Large steps early move fast; small steps at the end settle into a minimum, which
    usually adds a few tenths of a percent of accuracy at no cost.
    """
    if schedule == "constant":
        return rate
    return keras.optimizers.schedules.CosineDecay(rate, decay_steps=total_steps)


def train(model: keras.Model, data: ImageSplits, config: argparse.Namespace, run: Run,
          plan: DistributionPlan) -> keras.callbacks.History:
    """Compile with Adam and sparse categorical cross-entropy, then fit with the callbacks.

    The toolkit callbacks time each epoch, record the history, stop early when validation
    loss stalls (keeping the best weights), resume an interrupted run, and draw
    ``learning_curves.png`` at the end.
    """
    steps = config.epochs * int(np.ceil(len(data.x_train) / plan.global_batch))
    try:
        with plan.scope():
            model.compile(optimizer=keras.optimizers.Adam(
                learning_rate_for(plan.learning_rate, config.schedule, steps)),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        callbacks = default_callbacks(run, patience=config.patience or None, reduce_lr=False,
                                      samples_per_epoch=len(data.x_train),
                                      curve_title=f"{model.name} on {data.description['name']}")
        history = model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                            epochs=config.epochs, batch_size=plan.global_batch,
                            callbacks=callbacks, verbose=2)
    finally:
        plan.close()
    training = run.record["training"]
    print(f"training took {training['time_s']:.1f} s ({training['epochs_run']} epochs, "
          f"{training['samples_per_s'] or 0:,.0f} samples/s after the first epoch)")
    return history


# --- 5. evaluation ----------------------------------------------------------------------------

def evaluate(model: keras.Model, data: ImageSplits, config: argparse.Namespace, run: Run) -> dict:
    """Test-set metrics, confusion matrix, per-class accuracy and the most confident mistakes."""
    probabilities = np.asarray(model.predict(data.x_test, batch_size=512, verbose=0))
    predictions = probabilities.argmax(axis=1)
    metrics = classification_metrics(data.y_test, predictions, data.class_names)
    run.record["metrics"] = metrics
    run.record["inference"] = measure_inference(
        model.predict_on_batch, data.x_test, batch_size=config.batch_size,
        repeats=1 if config.quick else 3, max_samples=1024 if config.quick else 4096)
    target = TARGETS[config.dataset]
    run.record["results"]["target"] = {
        "test_accuracy": round(metrics["accuracy"], 4), "target": target,
        "met": metrics["accuracy"] >= target, "quick_run": config.quick}
    per_class = {name: scores["recall"] for name, scores in metrics["per_class"].items()}
    run.record["results"]["per_class_accuracy"] = [
        {"class": name, "accuracy": round(value, 4),
         "test_images": metrics["per_class"][name]["support"]}
        for name, value in per_class.items()]
    order = sorted(per_class, key=per_class.get)
    run.add_figure("per_class_accuracy", bar_chart(
        order, [per_class[name] for name in order], run.path("per_class_accuracy.png"),
        title="Per-class test accuracy (recall), worst first", xlabel="accuracy"))
    run.add_figure("confusion_matrix", confusion_matrix(
        metrics["confusion_matrix"], data.class_names, run.path("confusion_matrix.png")))
    analysis = ErrorAnalysis(data.y_test, probabilities, data.class_names)
    run.record["misclassified"] = analysis.top_errors(25)
    run.record["results"]["most_confused"] = [
        {"true": t, "predicted": p, "count": n} for t, p, n in analysis.most_confused(5)]
    analysis.write_csv(run.path("errors.csv"))
    run.add_figure("errors", misclassified_grid(data.x_test, analysis.top_errors(20),
                                                run.path("errors.png")))
    print(f"\ntest accuracy {metrics['accuracy']:.4f} (target {target}: "
          f"{'met' if metrics['accuracy'] >= target else 'not met'}); "
          f"worst class: {order[0]} {per_class[order[0]]:.3f}")
    run.save_model(model, skip=config.no_save)
    run.save()
    return metrics


def filters_and_feature_maps(model: keras.Model, data: ImageSplits,
                             run: Run) -> tuple[Path, Path]:
    """What the first convolution layer learned (its 3x3 filters) and its output for one image.

    Each filter is a 3x3 pattern of weights; a feature map is bright where the image
    matches that pattern (edges of a given direction, strokes, corners).
    """
    first_conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    kernel = keras.ops.convert_to_numpy(first_conv.kernel)
    filters = filter_grid(kernel, run.path("first_layer_filters.png"),
                          title=f"{first_conv.name}: the {kernel.shape[-1]} learned 3x3 filters",
                          max_filters=32)
    # Show the maps after ReLU: in the strong design the convolution has no activation of
    # its own (batch norm and ReLU follow), so its raw output would be half negative.
    shown = first_conv
    if first_conv.activation.__name__ == "linear":
        start = model.layers.index(first_conv)
        shown = next(layer for layer in model.layers[start:]
                     if isinstance(layer, keras.layers.Activation))
    image = data.x_test[:1]
    maps = layer_output(model, shown.name, image)[0]
    label = data.class_names[int(data.y_test[0])]
    path = " -> batch norm -> ReLU" if shown is not first_conv else " (with ReLU)"
    feature_maps = feature_map_grid(
        maps, run.path("feature_maps.png"), image=image[0], max_maps=31,
        title=f"Feature maps of {first_conv.name}{path} for a test image of '{label}'")
    run.add_figure("first_layer_filters", filters)
    run.add_figure("feature_maps", feature_maps)
    run.save()
    return filters, feature_maps


def finish(config: argparse.Namespace, run: Run) -> Path:
    """Compare with the published score, write record.json and the REFLECTION.md draft."""
    reference = REFERENCES[config.dataset]
    run.set_reference(value=reference["value"], metric="accuracy", split=reference["split"],
                      citation=reference["citation"], source=reference["source"],
                      note=f"Course target for this data set: {TARGETS[config.dataset]:.1%} "
                           f"test accuracy.")
    return run.finish()


def main(argv: list[str] | None = None) -> int:
    """The lesson, step by step: each statement is one cell of the notebook."""
    config = parse_args(argv)
    data = load_data(config)
    run = start_run(config, data)
    plan = plan_devices(config, run)
    model = build_model(config, data, run, plan)
    train(model, data, config, run, plan)
    evaluate(model, data, config, run)
    labels_two_ways(model, data, run)  # labels.py: integer vs one-hot labels, same loss
    filters_and_feature_maps(model, data, run)
    every_block_feature_maps(model, data, run)  # inside.py: edges first, shapes deeper
    receptive_field_figure(model, data, run)  # inside.py: the pixels each layer sees
    if config.compare_mlp:  # compare_mlp.py: parameters, multiply-adds, accuracy, time
        compare_with_mlp(model, data, config, run)
    if config.batch_sizes:  # grid.py: batch size x epochs
        batch_size_grid(data, config, run,
                        build_strong_cnn if config.arch == "strong" else build_reference_cnn)
    finish(config, run)
    return 0
