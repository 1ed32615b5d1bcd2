"""Lab 3: convolutional networks on MNIST / Fashion-MNIST.

The lab's flags and the two designs' recipes, read before Keras loads so ``--help`` answers
at once. Every derived value (epochs, learning rate, schedule, augmentation, the training
images a quick run keeps) is settled here, once.
"""

from __future__ import annotations

import argparse

from toolkit.cli import add_distribute_flag, lab_parser, positive_int

QUICK_TRAIN, QUICK_EPOCHS = 15000, 2  # --quick: training images kept, epochs
# The two designs' recipes; flags override any of them.
RECIPES = {
    "reference": {"epochs": 15, "learning_rate": 1e-3, "schedule": "constant"},
    "strong": {"epochs": 15, "learning_rate": 2e-3, "schedule": "cosine"},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the flags: shared ones plus data set, architecture, augmentation and schedule."""
    parser = lab_parser(__doc__.split("\n\n")[0], epochs=None, batch_size=128)
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default 15 for both designs; 2 with --quick)")
    parser.add_argument("--dataset", choices=["mnist", "fashion_mnist"], default="mnist",
                        help="mnist (default) or fashion_mnist")
    parser.add_argument("--arch", choices=["strong", "reference"], default="strong",
                        help="strong (default: batch norm, 3 conv blocks) or reference (the "
                             "keras.io mnist_convnet)")
    parser.add_argument("--augment", choices=["auto", "none", "flip", "shift"], default="auto",
                        help="training-image augmentation: flip (mirror left-right), shift "
                             "(move up to 10%%), none; auto = flip for Fashion-MNIST, shift "
                             "for MNIST (a mirrored 3 is no digit), none for --arch reference")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="Adam learning rate (default 0.002 strong, 0.001 reference)")
    parser.add_argument("--schedule", choices=["cosine", "constant"], default=None,
                        help="learning-rate schedule (default cosine for strong, constant for "
                             "reference)")
    parser.add_argument("--patience", type=int, default=3,
                        help="early stopping patience on validation loss, best weights kept "
                             "(default 3; 0 turns it off)")
    parser.add_argument("--validation-split", type=float, default=0.1,
                        help="share of training images held out for validation (default 0.1)")
    parser.add_argument("--compare-mlp", action="store_true",
                        help="also train lab 2's best MLP on the same images and compare "
                             "parameters, multiply-adds, accuracy and time")
    parser.add_argument("--batch-sizes", nargs="*", type=positive_int, default=[],
                        metavar="SIZE", help="also train the design once per batch size for "
                        "--epochs and draw validation accuracy as a batch size x epoch grid, "
                        "e.g. 32 128 512")
    add_distribute_flag(parser)
    config = parser.parse_args(argv)
    recipe = RECIPES[config.arch]
    if config.epochs is None:
        config.epochs = QUICK_EPOCHS if config.quick else recipe["epochs"]
    if config.epochs < 1:
        parser.error("--epochs must be >= 1")
    config.learning_rate = config.learning_rate or recipe["learning_rate"]
    config.schedule = config.schedule or recipe["schedule"]
    if config.augment == "auto":
        config.augment = ("none" if config.arch == "reference" else
                          "flip" if config.dataset == "fashion_mnist" else "shift")
    if not 0 < config.validation_split < 0.5:
        parser.error("--validation-split must be between 0 and 0.5")
    config.train_images = QUICK_TRAIN if config.quick else None  # None: all of them
    config.argv = list(argv or [])
    return config
