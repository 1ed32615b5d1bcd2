"""Lab 2: an MLP with dropout. Watch a network overfit, then regularize it.

The lab's flags, read before Keras loads so ``--help`` answers at once; the configuration
is settled here, once (the epochs of a quick run, the training images it keeps).
"""

from __future__ import annotations

import argparse

from toolkit.cli import add_distribute_flag, lab_parser, positive_int

QUICK_TRAIN, QUICK_EPOCHS = 6000, 2  # --quick: training images kept (before the validation
                                     # split), epochs at most


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the flags: shared ones plus data set, network size and the settings to sweep."""
    parser = lab_parser(__doc__.split("\n\n")[0], epochs=20, batch_size=128)
    parser.add_argument("--dataset", choices=["mnist", "fashion_mnist"], default="mnist",
                        help="mnist (default) or fashion_mnist")
    parser.add_argument("--dropout", nargs="+", type=float, default=[0.0, 0.1, 0.2, 0.5],
                        metavar="RATE", help="dropout rates to compare (default 0 0.1 0.2 0.5)")
    parser.add_argument("--l2", nargs="*", type=float, default=[], metavar="LAMBDA",
                        help="also train with L2 weight decay of these strengths and no dropout "
                             "(e.g. --l2 1e-4 1e-3)")
    parser.add_argument("--learning-rates", nargs="*", type=float, default=[], metavar="LR",
                        help="also train with each of these learning rates (dropout "
                             "--sweep-dropout, batch --batch-size), e.g. 0.1 0.01 0.001")
    parser.add_argument("--batch-sizes", nargs="*", type=positive_int, default=[],
                        metavar="SIZE", help="also train with each of these batch sizes "
                        "(dropout --sweep-dropout, rate --learning-rate), e.g. 32 128 512")
    parser.add_argument("--sweep-dropout", type=float, default=0.2, metavar="RATE",
                        help="dropout of the learning-rate and batch-size runs (default 0.2, "
                             "as the Keras mnist_mlp example)")
    parser.add_argument("--width", type=positive_int, default=512,
                        help="units per hidden layer (default 512; try 128 or 256)")
    parser.add_argument("--depth", type=positive_int, default=2,
                        help="hidden layers (default 2)")
    parser.add_argument("--optimizer", choices=["rmsprop", "adam", "sgd"], default="rmsprop",
                        help="rmsprop (default, as the Keras mnist_mlp example), adam or sgd")
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="learning rate (default 0.001)")
    parser.add_argument("--patience", type=positive_int, default=None,
                        help="stop a run when validation loss has not improved for this many "
                             "epochs and keep its best weights (default: off, so you can see "
                             "overfitting happen)")
    parser.add_argument("--validation-split", type=float, default=0.1,
                        help="share of the training images held out for validation (default "
                             "0.1, stratified, the same for every run)")
    parser.add_argument("--custom-loop", action="store_true",
                        help="also train the --sweep-dropout network with a hand-written "
                             "training step (forward, loss, gradients, update) beside fit")
    parser.add_argument("--hidden-units", nargs="*", type=positive_int, default=[],
                        metavar="N", help="also train the network without dropout at each of "
                        "these widths to see under- and overfitting, e.g. 32 128 512 2048")
    add_distribute_flag(parser)
    config = parser.parse_args(argv)
    for rate in config.dropout:
        if not 0 <= rate < 1:
            parser.error(f"--dropout rates must be in [0, 1), got {rate}")
    if any(value < 0 for value in config.l2):
        parser.error("--l2 strengths must be >= 0")
    if not 0 <= config.sweep_dropout < 1:
        parser.error(f"--sweep-dropout must be in [0, 1), got {config.sweep_dropout}")
    if any(not 0 < rate <= 10 for rate in [config.learning_rate, *config.learning_rates]):
        parser.error("learning rates must be above 0 and at most 10 (e.g. 0.1 0.01 0.001)")
    if not 0 < config.validation_split < 0.5:
        parser.error("--validation-split must be between 0 and 0.5")
    if config.quick:
        config.epochs = min(config.epochs, QUICK_EPOCHS)
    config.train_images = QUICK_TRAIN if config.quick else None  # None: all of them
    config.argv = list(argv or [])
    return config
