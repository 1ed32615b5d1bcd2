"""Lab 2: an MLP with dropout. Watch a network overfit, then regularize it.

A dense network with two hidden layers of 512 units has 670k parameters for 54,000 training
images: enough to memorise them. This lab trains the *same* network, on the *same* data,
from the *same* initial weights, several times, changing only the dropout rate (and, if you
ask, L2 weight decay instead), and puts the learning curves on top of each other. The same
fair comparison works for the learning rate and the batch size (``--learning-rates``,
``--batch-sizes``): each sweep changes one setting and keeps the others.

What you learn
    1. Flatten a 28x28 image into 784 numbers and classify it with Dense layers.
    2. Read overfitting from the curves: training accuracy keeps rising while validation
       loss turns up; the *gap* between them grows epoch by epoch.
    3. Dropout (Srivastava et al. 2014) switches off a random share of units at every
       training step, so no unit can rely on another; at test time all units are used.
    4. Compare regularizers fairly: one seed, one split, one change at a time, and pick the
       winner by *validation* accuracy, never by test accuracy.
    5. The learning rate sets the step size: too large and the loss jumps about or diverges,
       too small and training crawls. The batch size sets how many images each step
       averages: small batches take more, noisier steps per epoch (slower on a CPU per
       image, often a little better validation accuracy), large ones fewer, smoother steps.

How to run
    python -m labs.lab02_mlp_dropout                              # MNIST, dropout 0 0.1 0.2 0.5
    python -m labs.lab02_mlp_dropout --dataset fashion_mnist --epochs 15
    python -m labs.lab02_mlp_dropout --dropout 0 0.5 --l2 1e-4 --width 256 --patience 3
    python -m labs.lab02_mlp_dropout --dropout 0.2 --learning-rates 0.1 0.01 0.001
    python -m labs.lab02_mlp_dropout --dropout 0.2 --batch-sizes 32 128 512 --epochs 10
    python -m labs.lab02_mlp_dropout --dropout 0.2 --custom-loop --epochs 5   # a loop by hand
    python -m labs.lab02_mlp_dropout --hidden-units 32 128 512 2048 --epochs 5   # capacity
    python -m labs.lab02_mlp_dropout --quick

MNIST's training images are downloaded once (11 MB) through the course's data registry
(offline: ``--data-dir ../shared/data``); Fashion-MNIST also comes from Debian's
``dataset-fashion-mnist`` package.

What to expect
    On MNIST every dropout rate ends near 98.2-98.5% test accuracy (the Keras mnist_mlp
    example: 98.40%); without dropout the validation loss turns up after epoch 2 while
    training accuracy nears 100%, and the train-validation gap grows epoch by epoch. A
    learning rate of 0.1 diverges; batch 32 is slower per image than 128 or 512. On
    Fashion-MNIST the rates end near 87-89%. On a 2-core CPU with TensorFlow: ``--quick``
    about 30-50 s, the default (4 rates x 20 epochs) about 7 minutes. The measurements:
    RESULTS.md.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import keras
import numpy as np
from matplotlib.ticker import MaxNLocator

from labs.lab02_mlp_dropout.capacity import capacity_sweep
from labs.lab02_mlp_dropout.custom_loop import custom_training_loop
from labs.lab02_mlp_dropout.dropout_check import dropout_on_and_off
from labs.lab02_mlp_dropout.settings import parse_args
from labs.lab02_mlp_dropout.table import print_table
from labs.lab02_mlp_dropout.tensors import tour_tensors
from toolkit.callbacks import default_callbacks
from toolkit.distribute import DistributionPlan
from toolkit.error_analysis import ErrorAnalysis
from toolkit.metrics import classification_metrics, measure_inference
from toolkit.plots import bar_chart, confusion_matrix, misclassified_grid, plt, save_figure
from toolkit.runs import Run, parameter_counts
from toolkit.seed import seed_everything
from toolkit.vision.data import ImageSplits, load_splits

LAB_ID = "lab02_mlp_dropout"
TITLE = "An MLP with dropout: overfitting and regularization"
REFERENCES = {
    "mnist": {
        "value": 0.9840, "split": "MNIST test (10,000 images)",
        "citation": ("Keras example mnist_mlp.py: Dense 512-512 with dropout 0.2, RMSprop, "
                     "batch 128, 20 epochs, 98.40% test accuracy (keras-team/keras, Keras 2 "
                     "examples)"),
        "note": ("Srivastava et al. 2014 (Table 2) report 1.25% to 1.06% test error for "
                 "dropout MLPs on MNIST, with max-norm constraints and up to 3,000 epochs.")},
    "fashion_mnist": {
        "value": 0.8833, "split": "Fashion-MNIST test (10,000 images)",
        "citation": ("Fashion-MNIST README benchmark table: MLP 256-128-100, 0.8833 test "
                     "accuracy (submitted by @heitorrapela; not verified by the maintainers)"),
        "note": "A user-submitted figure; the README's own sklearn MLPClassifier runs are lower."},
}
DROPOUT_CITATION = ("N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever, R. Salakhutdinov. "
                    "Dropout: A Simple Way to Prevent Neural Networks from Overfitting. JMLR 15, "
                    "2014.")


# --- 1. data -------------------------------------------------------------------------------

def load_data(config: argparse.Namespace) -> ImageSplits:
    """Load the images, hold out a validation split, and flatten each image into 784 numbers.

    An MLP has no notion of "neighbouring pixels": it sees a vector of 784 values in [0, 1].
    The validation split (stratified, seeded) is carved out of the training set once and
    used by every run, so differences between runs come from the regularizer alone. The
    test set is touched only at the end.
    """
    data = load_splits(config.dataset, config.data_dir, validation_split=config.validation_split,
                       seed=config.seed, channels=False,
                       quick_train=config.train_images)
    print(f"{data.description['name']}: {len(data.x_train):,} train / {len(data.x_val):,} "
          f"validation / {len(data.x_test):,} test images, {len(data.class_names)} classes")
    return data


# --- 2. the run folder --------------------------------------------------------------------

def start_run(config: argparse.Namespace, data: ImageSplits) -> Run:
    """Create the run folder and record the data and every setting of the sweep."""
    run = Run.start(
        LAB_ID, title=TITLE, argv=config.argv, seed=config.seed, out=config.out,
        quick=config.quick,
        task=(f"{data.description['title']}: 10-class image classification with a dense "
              f"network; overfitting vs dropout / L2"),
        dataset=data.description,
        hyperparameters={
            "hidden_layers": config.depth, "width": config.width, "activation": "relu",
            "dropout_rates": config.dropout, "l2": config.l2 or "none",
            "optimizer": config.optimizer, "learning_rate": config.learning_rate,
            "batch_size": config.batch_size, "epochs": config.epochs,
            "learning_rate_sweep": config.learning_rates or "none",
            "batch_size_sweep": config.batch_sizes or "none",
            "custom_loop": config.custom_loop, "hidden_units_sweep": config.hidden_units or "none",
            "sweep_dropout": config.sweep_dropout,
            "early_stopping_patience": config.patience or "off",
            "validation_split": config.validation_split,
            "selection": "best validation accuracy"})
    run.record["references"] = [DROPOUT_CITATION]
    run.save()
    return run


# --- 3. the model --------------------------------------------------------------------------

SWEEPS = {  # group -> what it varies, and the figure-name suffix
    "regularizer": ("dropout / L2", ""),
    "learning_rate": ("learning rate", "_learning_rate"),
    "batch_size": ("batch size", "_batch_size"),
}


def sweep_settings(config: argparse.Namespace) -> list[dict]:
    """The runs to compare, each a full configuration, each trained once.

    The regularizer sweep trains one run per dropout rate, then one per L2 strength (without
    dropout), at ``--learning-rate`` and ``--batch-size``. The learning-rate and batch-size
    sweeps change only their own setting, at dropout ``--sweep-dropout``. A configuration two
    sweeps share (dropout 0.2 at the default rate and batch, say) is trained once and shown
    in both, and is drawn in each sweep as its yardstick; ``groups`` says which sweeps a run
    belongs to.
    """
    settings: dict[tuple, dict] = {}

    def add(group: str, name: str, dropout: float, l2: float, rate: float, batch: int):
        config_key = (dropout, l2, rate, batch)
        if config_key not in settings:
            settings[config_key] = {"name": name, "dropout": dropout, "l2": l2,
                                    "learning_rate": rate, "batch_size": batch, "groups": []}
        settings[config_key]["groups"].append(group)

    rate, batch = config.learning_rate, config.batch_size
    for dropout in config.dropout:
        add("regularizer", f"dropout {dropout:g}", dropout, 0.0, rate, batch)
    for value in config.l2:
        add("regularizer", f"L2 {value:g}", 0.0, value, rate, batch)
    for value in config.learning_rates:
        add("learning_rate", f"lr {value:g}", config.sweep_dropout, 0.0, value, batch)
    for value in config.batch_sizes:
        add("batch_size", f"batch {value}", config.sweep_dropout, 0.0, rate, value)
    # The default rate and batch, when trained anyway, are the yardstick of both sweeps.
    base = settings.get((config.sweep_dropout, 0.0, rate, batch))
    for group, asked in (("learning_rate", config.learning_rates),
                         ("batch_size", config.batch_sizes)):
        if base and asked and group not in base["groups"]:
            base["groups"].append(group)
    return list(settings.values())


def sweep_groups(results: list[dict]) -> list[str]:
    """The sweeps present in ``results``, in the order of :data:`SWEEPS`."""
    return [group for group in SWEEPS if any(group in r["groups"] for r in results)]


def label_in(result: dict, group: str) -> str:
    """A run's name in one sweep's figures: what that sweep varies."""
    if group == "learning_rate":
        return f"lr {result['learning_rate']:g}"
    if group == "batch_size":
        return f"batch {result['batch_size']}"
    return result["setting"]


def build_mlp(input_size: int, classes: int, *, width: int = 512, depth: int = 2,
              dropout: float = 0.0, l2: float = 0.0) -> keras.Model:
    """``depth`` x [Dense(width, relu) -> Dropout(rate)] -> Dense(classes, softmax).

    Dropout sits after each hidden layer: during training it zeroes each unit with
    probability ``rate`` and scales the rest by ``1 / (1 - rate)``, so nothing changes at
    test time. L2 adds ``l2 * sum(w^2)`` of every kernel to the loss, pulling weights to 0.
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    layers = [keras.Input((input_size,), name="pixels")]
    for index in range(1, depth + 1):
        layers.append(keras.layers.Dense(width, activation="relu", name=f"hidden_{index}",
                                         kernel_regularizer=regularizer))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"dropout_{index}"))
    layers.append(keras.layers.Dense(classes, activation="softmax", name="classes"))
    name = f"mlp_{depth}x{width}" + (f"_dropout{dropout:g}" if dropout else "") + (
        f"_l2_{l2:g}" if l2 else "")
    # PyTorch refuses "." in names, so 0.1 becomes 0_1.
    return keras.Sequential(layers, name=re.sub(r"[^A-Za-z0-9_]", "_", name))


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """RMSprop, Adam or SGD with momentum 0.9 at ``learning_rate``."""
    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=0.9)
    return keras.optimizers.RMSprop(learning_rate)


# --- 4. the sweep ----------------------------------------------------------------------------

def run_sweep(data: ImageSplits, config: argparse.Namespace, run: Run) -> list[dict]:
    """Train one MLP per setting, each from the same seed, and evaluate it on the test set.

    Re-seeding before each build gives every run the same initial weights and the same
    shuffling, so the curves differ only because of the setting swept. A learning rate that
    makes the loss NaN stops that run (``TerminateOnNaN``); the sweep goes on. Keras reports the
    *training* accuracy with dropout switched on, which makes it look lower than the
    network really is on the training data; the gap is still the signal to watch.
    """
    plan = DistributionPlan.create(enabled=config.distribute, per_replica_batch=config.batch_size,
                                   learning_rate=config.learning_rate)
    run.record["hyperparameters"]["distribution"] = plan.describe()
    results = []
    try:
        for setting in sweep_settings(config):
            print(f"\n=== {setting['name']} ===")
            seed_everything(config.seed)
            with plan.scope():
                model = build_mlp(data.x_train.shape[1], len(data.class_names),
                                  width=config.width, depth=config.depth,
                                  dropout=setting["dropout"], l2=setting["l2"])
                # Several devices: the batch and the rate scale with them (see plan_devices).
                rate = setting["learning_rate"] * plan.replicas
                model.compile(optimizer=make_optimizer(config.optimizer, rate),
                              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            key = setting["name"].replace(" ", "_")
            callbacks = default_callbacks(run, key=key, patience=config.patience,
                                          reduce_lr=False, curves=False,
                                          samples_per_epoch=len(data.x_train))
            model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                      epochs=config.epochs, batch_size=setting["batch_size"] * plan.replicas,
                      callbacks=[*callbacks, keras.callbacks.TerminateOnNaN()], verbose=2)
            results.append(summarise_run(model, setting, key, data, run))
    finally:
        plan.close()
    print_table(results)
    run.record["results"]["sweep"] = [{k: v for k, v in r.items() if k not in ("model", "key")}
                                      for r in results]
    run.save()
    return results


def summarise_run(model, setting: dict, key: str, data: ImageSplits, run: Run) -> dict:
    """One row of the comparison table: best validation accuracy and when, final gap, test."""
    history = run.record["results"][key]["history"]
    best = max(history, key=lambda row: row["val_accuracy"])
    last = history[-1]
    test_loss, test_accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)
    return {
        "setting": setting["name"], "dropout": setting["dropout"], "l2": setting["l2"],
        "learning_rate": setting["learning_rate"], "batch_size": setting["batch_size"],
        "groups": setting["groups"],
        "best_val_accuracy": round(best["val_accuracy"], 4), "best_epoch": best["epoch"],
        "final_train_accuracy": round(last["accuracy"], 4),
        "final_val_accuracy": round(last["val_accuracy"], 4),
        "final_gap": round(last["accuracy"] - last["val_accuracy"], 4),
        "final_val_loss": round(last["val_loss"], 4),
        "test_accuracy": round(float(test_accuracy), 4), "test_loss": round(float(test_loss), 4),
        "epochs_run": len(history),
        "time_s": run.record["results"][key]["training"]["time_s"],
        "parameters": parameter_counts(model)["total"], "model": model, "key": key}


# --- 5. figures -----------------------------------------------------------------------------

def overlay_figure(results: list[dict], run: Run, group: str = "regularizer") -> Path:
    """Train (solid) vs validation (dashed) accuracy and loss of every run of one sweep
    (``group``: regularizer, learning_rate or batch_size), one colour each."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    colours = plt.get_cmap("tab10")
    for index, result in enumerate(r for r in results if group in r["groups"]):
        history = run.record["results"][result["key"]]["history"]
        epochs = [row["epoch"] for row in history]
        for ax, metric in zip(axes, ("accuracy", "loss"), strict=True):
            ax.plot(epochs, [row[metric] for row in history], "-", color=colours(index % 10),
                    label=f"{label_in(result, group)} train")
            ax.plot(epochs, [row[f"val_{metric}"] for row in history], "--",
                    color=colours(index % 10), label=f"{label_in(result, group)} validation")
    for ax, metric in zip(axes, ("accuracy", "loss"), strict=True):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric}: solid = train, dashed = validation")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7, ncol=2)
    losses = [value for line in axes[1].get_lines() for value in line.get_ydata()
              if np.isfinite(value)]
    if losses and min(losses) > 0 and max(losses) / min(losses) > 100:
        axes[1].set_yscale("log")  # a diverging rate (loss 60 next to 0.05) would flatten the rest
    what, suffix = SWEEPS[group]
    fig.suptitle(f"Same network, same data, same initial weights: only the {what} changes")
    path = save_figure(fig, run.path(f"learning_curves_sweep{suffix}.png"))
    run.add_figure(path.stem, path)
    run.save()
    return path


def gap_figure(results: list[dict], run: Run, group: str = "regularizer") -> Path:
    """The overfitting gap per epoch of one sweep: train - validation accuracy,
    validation - train loss.

    Both grow when the network memorises the training set instead of learning what
    generalises; a good regularizer keeps them near zero without lowering validation
    accuracy.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for result in (r for r in results if group in r["groups"]):
        history = run.record["results"][result["key"]]["history"]
        epochs = [row["epoch"] for row in history]
        axes[0].plot(epochs, [r["accuracy"] - r["val_accuracy"] for r in history], "o-",
                     ms=3, label=label_in(result, group))
        axes[1].plot(epochs, [r["val_loss"] - r["loss"] for r in history], "o-", ms=3,
                     label=label_in(result, group))
    for ax, title in zip(axes, ("train accuracy - validation accuracy",
                                "validation loss - train loss"), strict=True):
        ax.axhline(0, color="gray", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    what, suffix = SWEEPS[group]
    fig.suptitle(f"Overfitting gap per epoch, {what} sweep (above 0 = better on training data "
                 f"than on unseen)")
    path = save_figure(fig, run.path(f"overfitting_gap{suffix}.png"))
    run.add_figure(path.stem, path)
    run.save()
    return path


def comparison_figure(results: list[dict], run: Run) -> Path:
    """Best validation and test accuracy of every run of every sweep, side by side."""
    labels, values = [], []
    for result in results:
        labels += [f"{result['setting']}: validation (best)", f"{result['setting']}: test"]
        values += [result["best_val_accuracy"], result["test_accuracy"]]
    path = bar_chart(labels, values, run.path("sweep_accuracy.png"),
                     title="Accuracy per setting", xlabel="accuracy", annotate="{:.4f}")
    run.add_figure("sweep_accuracy", path)
    run.save()
    return path


# --- 6. the chosen model ---------------------------------------------------------------------

def evaluate_best(results: list[dict], data: ImageSplits, config: argparse.Namespace,
                  run: Run) -> dict:
    """Pick the run with the best *validation* accuracy and analyse it on the test set.

    Choosing by test accuracy would leak the test set into the decision and make the
    reported score optimistic.
    """
    best = max(results, key=lambda r: r["best_val_accuracy"])
    model = best["model"]
    print(f"\nchosen by validation accuracy: {best['setting']} "
          f"(best val {best['best_val_accuracy']:.4f}, test {best['test_accuracy']:.4f})")
    probabilities = np.asarray(model.predict(data.x_test, batch_size=1024, verbose=0))
    predictions = probabilities.argmax(axis=1)
    run.record["model"] = {"name": f"{model.name} ({best['setting']}, chosen by validation "
                                   f"accuracy)", "parameters": parameter_counts(model),
                           "chosen_setting": best["setting"]}
    run.record["history"] = run.record["results"][best["key"]]["history"]
    run.record["training"] = {**run.record["results"][best["key"]]["training"],
                              "sweep_time_s": round(sum(r["time_s"] for r in results), 1),
                              "runs": len(results)}
    run.record["metrics"] = classification_metrics(data.y_test, predictions, data.class_names)
    run.record["inference"] = measure_inference(model.predict_on_batch, data.x_test,
                                                batch_size=config.batch_size)
    analysis = ErrorAnalysis(data.y_test, probabilities, data.class_names)
    run.record["misclassified"] = analysis.top_errors(25)
    run.record["results"]["most_confused"] = [
        {"true": t, "predicted": p, "count": n} for t, p, n in analysis.most_confused(5)]
    analysis.write_csv(run.path("errors.csv"))
    run.add_figure("confusion_matrix", confusion_matrix(
        run.record["metrics"]["confusion_matrix"], data.class_names,
        run.path("confusion_matrix.png"), title=f"Confusion matrix, test ({best['setting']})"))
    run.add_figure("errors", misclassified_grid(data.images_test, analysis.top_errors(20),
                                                run.path("errors.png")))
    run.save_model(model, skip=config.no_save)
    run.save()
    return best


def finish(data: ImageSplits, config: argparse.Namespace, run: Run) -> Path:
    """Compare with the published score, write record.json and the REFLECTION.md draft."""
    reference = REFERENCES[config.dataset]
    run.set_reference(value=reference["value"], metric="accuracy", split=reference["split"],
                      citation=reference["citation"], note=reference["note"])
    return run.finish()


def main(argv: list[str] | None = None) -> int:
    """The lesson, step by step: each statement is one cell of the notebook."""
    config = parse_args(argv)
    data = load_data(config)
    run = start_run(config, data)
    tour_tensors(data, run)  # tensors.py: create, index, slice, reshape with keras.ops
    results = run_sweep(data, config, run)
    for group in sweep_groups(results):
        overlay_figure(results, run, group)
        gap_figure(results, run, group)
    comparison_figure(results, run)
    dropout_on_and_off(results, data, run)  # dropout_check.py: training=True vs False
    if config.custom_loop:  # custom_loop.py: forward, loss, gradients, update by hand
        custom_training_loop(results, data, config, run, build_mlp, make_optimizer)
    if config.hidden_units:  # capacity.py: under- vs overfitting per width
        capacity_sweep(data, config, run, build_mlp, make_optimizer)
    evaluate_best(results, data, config, run)
    finish(data, config, run)
    return 0
