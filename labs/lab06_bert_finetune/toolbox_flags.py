"""Lab 6's flags for the rest of the fine-tuning toolbox: the learning-rate schedule,
regularisation, social-media text. ``settings.build_parser`` adds them and ``settle`` checks
them; like ``settings``, this module loads no Keras."""

from __future__ import annotations

import argparse

from toolkit.cli import positive_int
from toolkit.errors import CourseError
from toolkit.text import bert


def add_toolbox_flags(parser: argparse.ArgumentParser) -> None:
    """``--schedule``, ``--cycles``, ``--label-smoothing``, ``--head-dropout``, the sweeps
    (``--learning-rates``, ``--batch-sizes``, ``--epochs-grid``), ``--clean-social``."""
    group = parser.add_argument_group("schedule, regularisation, social-media text")
    group.add_argument("--schedule", choices=bert.SCHEDULES, default="linear",
                       help="learning rate over the steps: linear (warm-up then linear decay, "
                            "default), cosine-restarts (warm-up then --cycles cosine decays, "
                            "each restarting at the peak) or plateau (constant, halved when "
                            "--monitor stops improving); drawn in learning_rate.png")
    group.add_argument("--cycles", type=positive_int, metavar="N",
                       help="cosine-restarts: cosine cycles (default: one per epoch, at least 2)")
    group.add_argument("--label-smoothing", type=float, default=0.0, metavar="S",
                       help="train towards 1 - S + S/K for the true class and S/K for the "
                            "others (e.g. 0.1; default 0: hard labels)")
    group.add_argument("--head-dropout", type=float, default=0.1, metavar="P",
                       help="dropout rate before the classifier head's layers (default 0.1)")
    group.add_argument("--freeze-task", metavar="NAME",
                       help="--multitask: keep the head of task NAME fixed (its loss still "
                            "trains the shared encoder)")
    group.add_argument("--compare-models", nargs="+", default=[], metavar="PRESET",
                       help="also fine-tune these encoders (preset names or folders) on the "
                            "same data and settings: size, speed and accuracy in one table and "
                            "figure; the --preset model is evaluated")
    sweep = parser.add_argument_group("sweeps (one setting at a time, one table and figure)")
    sweep.add_argument("--learning-rates", nargs="+", type=float, default=[], metavar="LR",
                       help="train once with each peak learning rate, e.g. 2e-5 5e-5 1e-4")
    sweep.add_argument("--batch-sizes", nargs="+", type=positive_int, default=[],
                       metavar="N", help="train once with each batch size, e.g. 16 32 64")
    sweep.add_argument("--epochs-grid", nargs="+", type=positive_int, default=[],
                       metavar="E", help="train once with each number of epochs, e.g. 1 2 3")
    group.add_argument("--clean-social", action="store_true",
                       help="normalise URLs, @mentions and #hashtags before tokenizing "
                            "(tweets); predict does the same to the texts it labels")


def settle_toolbox(config: argparse.Namespace) -> None:
    """Check the toolbox flags' ranges and combinations; fill ``--cycles``'s default and
    ``config.sweep`` (whether a sweep flag was given)."""
    if not 0 <= config.label_smoothing < 1:
        raise CourseError(f"--label-smoothing {config.label_smoothing} is out of range",
                          fix="use a value in [0, 1), e.g. 0.1")
    if not 0 <= config.head_dropout < 1:
        raise CourseError(f"--head-dropout {config.head_dropout} is out of range",
                          fix="use a rate in [0, 1), e.g. 0.1 or 0.3")
    if config.cycles is not None and config.schedule != "cosine-restarts":
        raise CourseError("--cycles only makes sense with --schedule cosine-restarts",
                          fix="add --schedule cosine-restarts, or drop --cycles")
    config.sweep = bool(config.learning_rates or config.batch_sizes or config.epochs_grid)
    if config.sweep and (config.compare or config.folds > 1 or config.benchmark):
        raise CourseError("a sweep (--learning-rates, --batch-sizes, --epochs-grid) cannot be "
                          "combined with --compare, --folds or --benchmark",
                          fix="run them one after the other")
    if config.compare_models and (config.compare or config.folds > 1 or config.sweep
                                  or config.benchmark or config.multitask):
        raise CourseError("--compare-models cannot be combined with --compare, --folds, a "
                          "sweep, --benchmark or --multitask", fix="run them one at a time")
    if config.freeze_task and not config.multitask:
        raise CourseError("--freeze-task only makes sense with --multitask",
                          fix="add --multitask (and the task with --task NAME=...)")
    if config.cycles is None:
        config.cycles = max(2, config.epochs or 1)
