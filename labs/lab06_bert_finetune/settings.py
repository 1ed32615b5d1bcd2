"""Lab 6's flags, and the configuration they settle once: ``config = parse_args(argv)``.

Everything a run needs that follows from the flags alone is worked out here (epochs, learning
rate and preset defaults, ``--quick`` sizes, the comparison list, the ``--task`` files), so
later steps only read ``config``. What needs the model or the devices (the pad id, the data-
parallel plan, what ``--precision auto`` means here) is found by the lesson step that needs
it and passed on. No Keras is imported at
the top of this module: ``--help`` and a mistyped flag answer before a backend loads.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NamedTuple

from labs.lab06_bert_finetune.toolbox_flags import add_toolbox_flags, settle_toolbox
from toolkit.cli import add_distribute_flag, lab_parser, positive_int
from toolkit.errors import CourseError
from toolkit.text import bert
from toolkit.text import datasets as text_datasets

DESCRIPTION = ("Lab 6: fine-tuning BERT on SST-2 or your own labelled texts. Strategies, "
               "evaluation, speed.")
DEFAULT_PRESET = "bert_base_en_uncased"
QUICK_PRESET_FALLBACK = "bert_tiny_en_uncased"
CLASS_NAMES = ["negative", "positive"]  # SST-2's
MONITORS = ("val_loss", "val_accuracy", "val_f1")
DEFAULT_COMPARISON = "frozen,frozen:mlp,last-n,layerwise,full,full:mlp"
LEARNING_RATE = 2e-5  # Devlin et al. 2019 for BERT-base; small models take larger ones
# --quick makes only a few steps: a larger step size, so they show the model learning.
QUICK_LEARNING_RATE = 1e-4
# Head-only training needs a far larger step than fine-tuning a pretrained network.
FROZEN_LEARNING_RATE = 1e-3
QUICK_SIZES = {"train": 256, "validation": 128, "test": 128}


class TaskSpec(NamedTuple):
    """One ``--task NAME=PATH:TEXT_COL:LABEL_COL[:WEIGHT]`` of ``--multitask``."""

    name: str
    path: Path
    text_column: str
    label_column: str
    weight: float = 1.0


def build_parser() -> argparse.ArgumentParser:
    """The lab's flags: shared ones from ``lab_parser`` plus model, strategy, padding, analysis."""
    parser = lab_parser(DESCRIPTION, epochs=3, batch_size=32)
    parser.prog = "python -m labs.lab06_bert_finetune"
    parser.set_defaults(epochs=None)  # 3, or 1 with --quick
    text_datasets.add_text_data_arguments(parser, default="sst2_sentences")
    model = parser.add_argument_group("model")
    model.add_argument("--preset", help=f"keras-hub preset name, Keras/Hugging Face model folder "
                                        f"or {bert.OFFLINE_PRESET} (default {DEFAULT_PRESET}; "
                                        f"--quick: {bert.OFFLINE_PRESET} when installed). A "
                                        f"classifier already fine-tuned (a Keras task preset "
                                        f"such as bert_tiny_en_uncased_sst2, or a Hugging Face "
                                        f"BertForSequenceClassification folder) is evaluated "
                                        f"as published, then trained on with its own head")
    model.add_argument("--new-head", action="store_true",
                       help="with a classifier checkpoint: leave its head out and put a new, "
                            "randomly initialised --head on its encoder (needed when the data "
                            "has another number of classes)")
    model.add_argument("--strategy", choices=bert.STRATEGIES, default="full",
                       help="what trains: full (default), frozen (head only), last-n, layerwise, "
                            "gradual (the head and the top block first, one more block down "
                            "each epoch)")
    model.add_argument("--unfreeze-last", type=int, default=2, metavar="N",
                       help="last-n: how many top transformer blocks train (default 2)")
    model.add_argument("--lr-decay", type=float, default=0.9,
                       help="layerwise: learning-rate factor per layer going down (default 0.9)")
    model.add_argument("--head-lr-multiplier", type=float, default=1.0, metavar="M",
                       help="the new head learns M times faster than the pretrained layers "
                            "(e.g. 10; default 1); combines with --strategy layerwise")
    model.add_argument("--head", choices=bert.HEADS, default="linear",
                       help="classifier head: linear (dropout + dense, default) or mlp")
    model.add_argument("--pooling", choices=bert.POOLINGS, default="mean",
                       help="sentence vector: mean of the token vectors (default) or cls "
                            "(BERT's pooled [CLS] output)")
    train = parser.add_argument_group("training")
    train.add_argument("--learning-rate", "--lr", dest="learning_rate", type=float,
                       help=f"peak learning rate when the transformer trains (default "
                            f"{LEARNING_RATE:g}; --quick {QUICK_LEARNING_RATE:g})")
    train.add_argument("--head-lr", type=float, default=FROZEN_LEARNING_RATE,
                       help=f"peak learning rate of the frozen strategy, where only the head "
                            f"trains (default {FROZEN_LEARNING_RATE:g})")
    train.add_argument("--weight-decay", type=float, default=0.01,
                       help="AdamW weight decay (default 0.01)")
    train.add_argument("--warmup", type=float, default=0.1,
                       help="share of the steps spent warming up the learning rate (default 0.1)")
    train.add_argument("--accumulate", type=positive_int, default=1, metavar="N",
                       help="sum gradients over N batches per update (default 1)")
    train.add_argument("--patience", type=positive_int, default=2,
                       help="early stopping patience in epochs (default 2)")
    train.add_argument("--monitor", choices=MONITORS, default="val_loss",
                       help="what early stopping watches and which epoch's weights are kept: "
                            "val_loss (default), val_accuracy, or val_f1 (macro F1 on the "
                            "validation split, computed each epoch); a fine-tuned "
                            "transformer's val_loss can rise while its accuracy still improves")
    train.add_argument("--class-weight", choices=["none", "balanced"], default="none",
                       help="balanced: weigh each class's loss by n / (classes x its count), so "
                            "a rare class counts as much as a common one (default none)")
    train.add_argument("--threshold", type=threshold_value, default=0.5, metavar="T|auto",
                       help="two classes: predict the second class when its probability is at "
                            "least T (default 0.5); auto: the T that maximises F1 on the "
                            "validation split (test F1 is reported at 0.5 and at T)")
    train.add_argument("--folds", type=positive_int, default=1, metavar="K",
                       help="K-fold cross-validation: K models, each validated on one fold of "
                            "train + validation; out-of-fold scores and test predictions "
                            "averaged over the K models (default 1: one train/validation split)")
    train.add_argument("--precision", default="auto",
                       choices=["auto", "float32", "mixed_bfloat16", "mixed_float16"],
                       help="auto (default): mixed_bfloat16 on a GPU/TPU and with TensorFlow on "
                            "a CPU with bfloat16 instructions, else float32")
    train.add_argument("--max-length", type=positive_int, default=128,
                       help="longest input in word pieces; longer sentences are cut (default 128)")
    train.add_argument("--pad-to-multiple", type=positive_int, metavar="N",
                       help="round each batch's length up to a multiple of N: fewer distinct "
                            "shapes, fewer compilations (default 16; --quick 64)")
    train.add_argument("--fixed-padding", action="store_true",
                       help="pad every sentence to --max-length (no dynamic padding), to compare")
    train.add_argument("--train-samples", type=positive_int, metavar="N",
                       help="use only N training sentences (default all; --quick 256)")
    add_distribute_flag(train)
    modes = parser.add_argument_group("comparisons and extras")
    modes.add_argument("--compare", nargs="?", const=DEFAULT_COMPARISON, metavar="LIST",
                       help=f"train several strategies[:head] on the same data and compare "
                            f"(default list {DEFAULT_COMPARISON})")
    modes.add_argument("--multitask", action="store_true",
                       help="one backbone, one head per task: SST-2 + the --task data sets "
                            "(default: GLUE SST-2 phrases as the second task)")
    modes.add_argument("--task", action="append", default=[],
                       metavar="NAME=PATH:TEXT_COL:LABEL_COL[:WEIGHT]",
                       help="an extra labelled CSV/TSV for --multitask (repeatable); columns by "
                            "header name; WEIGHT scales its loss (default 1)")
    modes.add_argument("--task-samples", type=positive_int, metavar="N",
                       help="multitask: at most N training rows per extra task (default: as "
                            "many as SST-2 has)")
    modes.add_argument("--no-baseline", action="store_true",
                       help="skip the embeddings + logistic regression baseline and search demo")
    modes.add_argument("--query", action="append", default=[], metavar="TEXT",
                       help="a sentence for the nearest-neighbour search demo (repeatable; "
                            "default: three movie reviews on SST-2, else one validation text "
                            "per class)")
    modes.add_argument("--errors", type=positive_int, default=25, metavar="K",
                       help="misclassified test texts to record (default 25, at least 10)")
    modes.add_argument("--explain", type=int, default=8, metavar="K",
                       help="explain the K most confident mistakes word by word (leave-one-"
                            "word-out occlusion; default 8, 0 turns it off)")
    modes.add_argument("--benchmark", action="store_true",
                       help="only measure training tokens/s (random weights, no download) "
                            "across batch size, sequence length and precision")
    add_toolbox_flags(parser)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's flags, and every value that follows from them settled once: defaults that
    depend on other flags (``--quick``), the ``--compare`` list, the ``--task`` files."""
    config = build_parser().parse_args(argv)
    config.argv = list(argv or [])
    return settle(config)


def threshold_value(text: str) -> float | str:
    """``--threshold``'s type: ``auto`` or a probability in (0, 1)."""
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither auto nor a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def settle(config: argparse.Namespace) -> argparse.Namespace:
    """Fill the defaults that depend on other flags, and reject impossible combinations."""
    check_combinations(config)
    if config.epochs is None:
        config.epochs = 1 if config.quick else 3
    if config.learning_rate is None:
        config.learning_rate = QUICK_LEARNING_RATE if config.quick else LEARNING_RATE
    if config.preset is None:
        quick_offline = config.quick and bert.offline_package_dir() is not None
        config.preset = bert.OFFLINE_PRESET if quick_offline else (
            QUICK_PRESET_FALLBACK if config.quick else DEFAULT_PRESET)
    config.comparison = parse_comparison(config.compare) if config.compare else []
    config.task = [parse_task_spec(spec) for spec in config.task]
    if config.train_samples is None and config.quick:
        config.train_samples = QUICK_SIZES["train"]
    if config.pad_to_multiple is None:  # --quick: one padded shape, so one compilation
        config.pad_to_multiple = 64 if config.quick else 16
    if config.benchmark:  # speed only: no baseline, nothing fine-tuned
        config.no_baseline = True
    settle_toolbox(config)
    return config


def check_combinations(config: argparse.Namespace) -> None:
    """One clear error for a value out of range or flags that do not go together."""
    if config.epochs is not None and config.epochs < 1:
        raise CourseError(f"--epochs {config.epochs} is out of range", fix="use 1 or more")
    if config.errors < 10:
        raise CourseError(f"--errors {config.errors} is too small",
                          fix="record at least 10 misclassified texts (the rubric asks)")
    if config.max_length < 8:
        raise CourseError(f"--max-length {config.max_length} is too short", fix="use 8 or more")
    if config.head_lr_multiplier <= 0:
        raise CourseError(f"--head-lr-multiplier {config.head_lr_multiplier} is out of range",
                          fix="use a positive factor, e.g. 10")
    if config.task and not config.multitask:
        raise CourseError("--task only makes sense with --multitask", fix="add --multitask")
    if config.compare and config.multitask:
        raise CourseError("--compare and --multitask cannot be combined",
                          fix="run them one after the other")
    if config.folds > 1 and (config.compare or config.multitask):
        raise CourseError("--folds cannot be combined with --compare or --multitask",
                          fix="cross-validate one strategy at a time")


def parse_comparison(text: str) -> list[tuple[str, str]]:
    """``"frozen,full:mlp"`` -> ``[("frozen", "linear"), ("full", "mlp")]``."""
    variants = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        strategy, _, head = item.partition(":")
        head = head or "linear"
        if strategy not in bert.STRATEGIES or head not in bert.HEADS:
            raise CourseError(f"--compare: {item!r} is not STRATEGY[:HEAD]",
                              fix=f"strategies {', '.join(bert.STRATEGIES)}; heads "
                                  f"{', '.join(bert.HEADS)}; e.g. {DEFAULT_COMPARISON}")
        variants.append((strategy, head))
    if not variants:
        raise CourseError("--compare got an empty list", fix=f"e.g. --compare {DEFAULT_COMPARISON}")
    return variants


def parse_task_spec(spec: str) -> TaskSpec:
    """``NAME=PATH:TEXT_COL:LABEL_COL[:WEIGHT]`` -> its parts (PATH may itself hold colons)."""
    name, equals, rest = spec.partition("=")
    fix = "write --task NAME=PATH:TEXT_COL:LABEL_COL[:WEIGHT], e.g. reviews=data.csv:text:label"
    if not equals or not name.strip().isidentifier():
        raise CourseError(f"--task {spec!r}: expected NAME=... with a simple name", fix=fix)
    weight = 1.0
    parts = rest.rsplit(":", 3)
    if len(parts) == 4:
        try:
            weight = float(parts[3])
            parts = parts[:3]
        except ValueError:
            parts = rest.rsplit(":", 2)
    if len(parts) != 3 or not all(parts):
        raise CourseError(f"--task {spec!r} does not have PATH:TEXT_COL:LABEL_COL", fix=fix)
    return TaskSpec(name.strip(), Path(parts[0]).expanduser(), parts[1], parts[2], weight)


def learning_rate_for(config: argparse.Namespace, strategy: str, replicas: int = 1) -> float:
    """``--head-lr`` to train only a head on a frozen backbone, ``--learning-rate`` to
    fine-tune it; times the number of devices that share each batch (``--distribute``).

    A new head starts from random weights and needs big steps; a pretrained transformer
    needs small ones, or it forgets what it learned in pretraining.
    """
    return (config.head_lr if strategy == "frozen" else config.learning_rate) * replicas
