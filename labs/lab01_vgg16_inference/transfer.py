"""``--transfer DIR``: lab 1's transfer learning on your own classes (one sub-folder of photos
per class). The pretrained network of the lesson (lesson.py) gives the features; a new
softmax head learns your classes; ``--fine-tune-epochs N`` then trains the last block too.

Expect seconds for the head (its features are computed once) and minutes per fine-tuning
epoch on a CPU. Held-out accuracy with a few dozen photos per class is noisy: one photo of
ten is ten points.
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

from labs.lab01_vgg16_inference.settings import INPUT_SIZE
from toolkit.callbacks import default_callbacks
from toolkit.error_analysis import ErrorAnalysis
from toolkit.errors import CourseError
from toolkit.metrics import classification_metrics
from toolkit.plots import confusion_matrix, learning_curves, misclassified_grid
from toolkit.runs import Run
from toolkit.safe_text import for_terminal
from toolkit.seed import seed_everything
from toolkit.vision import applications
from toolkit.vision.photos import ClassFolders, PhotoSet, load_class_folders


def load_transfer_data(config: argparse.Namespace) -> dict | None:
    """``--transfer DIR``: photos from one sub-folder per class, split into train / held-out
    (``None`` without ``--transfer``).

    The held-out share (``--test-split``, stratified, seeded) is never trained on; its
    accuracy is what the new classifier is worth on photos it has not seen. With few photos
    per class expect a noisy figure: one photo of ten is ten points. ``examples`` holds one
    photo of each class (four at most): what the ImageNet lesson looks at without --images.
    """
    from sklearn.model_selection import train_test_split

    if not config.transfer:
        return None

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
    print(for_terminal(f"{len(folders.labels)} photos in {classes} classes " + ", ".join(
        f"{n} ({c})" for n, c in zip(folders.class_names, counts, strict=True))
        + f"; {len(train)} to train on, {len(test)} held out"))  # folder names: shown, not obeyed
    first = [int(np.flatnonzero(folders.labels == c)[0]) for c in range(min(classes, 4))]
    examples = PhotoSet(photos=[folders.photos.photos[i] for i in first])
    return {"folders": folders, "train": train, "test": test, "examples": examples}


def run_transfer(model, data: dict, config: argparse.Namespace, run: Run) -> dict:
    """Transfer learning in the lesson's run: the pretrained ``model``'s frozen features and
    a new softmax head on your classes, optionally fine-tuned, then measured on the held-out
    photos. The run's data set becomes your class folders (the ImageNet photos move to
    ``results["imagenet_photos"]``) and its metrics the held-out ones.

    Returns:
        The held-out metrics.
    """
    folders: ClassFolders = data["folders"]
    spec = config.spec
    run.record["results"]["imagenet_photos"] = run.record["dataset"]
    run.record["dataset"] = {
        "name": "student_classes", "title": f"Your photos in {config.transfer}",
        "source": str(config.transfer), "classes": folders.class_names,
        "citation": "the student's own photos",
        "splits": {"train": len(data["train"]), "test": len(data["test"])},
        **folders.photos.describe()}
    run.record["task"] = (f"Transfer learning: {spec.title} ImageNet features + a new softmax "
                          f"head on the student's own {len(folders.class_names)} classes"
                          + (" -- RANDOM WEIGHTS (--weights none)" if run.record.get("warnings")
                             else ""))
    run.record["hyperparameters"].update({
        "head": "dropout 0.2 + dense softmax", "head_epochs": config.transfer_epochs,
        "head_learning_rate": config.learning_rate,
        "fine_tune_epochs": config.fine_tune_epochs,
        "fine_tune_learning_rate": config.fine_tune_learning_rate,
        "fine_tuned_layers": f"the last block ({', '.join(spec.top_block)}*), batch norm kept "
                             f"frozen", "test_split": config.test_split})
    run.record["model"]["name"] = (f"{spec.title} (keras.applications) features + a new "
                                   f"{len(folders.class_names)}-class softmax head"
                                   + (", RANDOM WEIGHTS" if run.record.get("warnings") else ""))
    head = train_head(model, data, config, run)
    combined = fine_tune(model, head, data, config, run)
    return evaluate_transfer(combined, data, config, run)


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
    head.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                 loss="sparse_categorical_crossentropy",
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
    small and useful; the rate is 100x lower (``--fine-tune-learning-rate``, default 1e-5) so the
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
          f"trainable parameters, learning rate {config.fine_tune_learning_rate:g}")
    combined.compile(optimizer=keras.optimizers.Adam(config.fine_tune_learning_rate),
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
