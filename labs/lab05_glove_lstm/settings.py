"""Lab 5's flags: ``parse_args(argv)`` settles the whole configuration, without Keras.

``python -m labs.lab05_glove_lstm --help`` lists them; the lesson is in lesson.py.
"""

from __future__ import annotations

import argparse

from toolkit.cli import add_distribute_flag, lab_parser, positive_int
from toolkit.text.datasets import add_text_data_arguments
from toolkit.text.glove import OOV_STRATEGIES
from toolkit.text.processing import TOKENIZERS

DESCRIPTION = "Lab 5 - GloVe word embeddings and an LSTM sentiment classifier."
EMBEDDING_MODES = ("frozen", "fine-tuned", "random")
ENCODERS = ("lstm", "bilstm", "gru", "cnn1d", "attention")
QUICK_SIZES = {"train": 2000, "validation": 400, "test": 1000}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's flags: the shared ones, the data flags, GloVe, sequences and the model."""
    parser = lab_parser(DESCRIPTION, epochs=10, batch_size=128)
    add_text_data_arguments(parser)
    add_distribute_flag(parser)
    vectors = parser.add_argument_group("word vectors")
    vectors.add_argument("--glove", default="6B.100d",
                         help="GloVe 6B vectors from the registry: 6B.50d, 6B.100d (default), "
                              "6B.200d, 6B.300d")
    vectors.add_argument("--glove-file", metavar="PATH",
                         help="any GloVe-format text file (wins over --glove)")
    vectors.add_argument("--oov", choices=OOV_STRATEGIES, default="random",
                         help="vector of a word GloVe lacks: random, zero, mean, or neighbors "
                              "(the mean vector of the words around it in the training "
                              "texts); default random")
    vectors.add_argument("--normalize", action="store_true",
                         help="scale every embedding row to unit length")
    vectors.add_argument("--analogies", metavar="PATH",
                         help="word-analogy questions in questions-words.txt format (default: "
                              "questions-words.txt in --data-dir if there, else the course's "
                              "subset)")
    sequences = parser.add_argument_group("sequences")
    sequences.add_argument("--tokenizer", choices=TOKENIZERS, default="regex",
                           help="tokenizer (default regex)")
    sequences.add_argument("--max-vocab", type=positive_int, default=20000,
                           help="vocabulary size including <PAD> and <UNK> (default 20000)")
    sequences.add_argument("--max-length", type=positive_int, default=None,
                           help="tokens per text (default: the 95th percentile of training "
                                "lengths)")
    model = parser.add_argument_group("model")
    model.add_argument("--embeddings", nargs="+", choices=EMBEDDING_MODES,
                       default=list(EMBEDDING_MODES),
                       help="embedding modes to train and compare (default all three)")
    model.add_argument("--freeze-epochs", type=int, default=2,
                       help="fine-tuned mode: epochs with the GloVe embedding frozen before "
                            "it is unfrozen (default 2)")
    model.add_argument("--encoder", nargs="+", choices=ENCODERS, default=None, dest="encoders",
                       help="sequence encoder(s) to train and compare: lstm (default), bilstm, "
                            "gru, cnn1d (convolution + global max pooling), attention (a "
                            "Transformer encoder block with position embeddings)")
    model.add_argument("--bidirectional", action="store_true",
                       help="short for --encoder bilstm")
    model.add_argument("--layer-norm", action="store_true",
                       help="LayerNormalization after the encoder")
    model.add_argument("--units", type=positive_int, default=64,
                       help="units of the encoder (LSTM / GRU units, CNN filters; default 64)")
    model.add_argument("--dropout", type=float, default=0.3, help="dropout rate (default 0.3)")
    model.add_argument("--clipnorm", type=float, default=1.0,
                       help="clip each gradient to this norm (default 1.0)")
    model.add_argument("--learning-rate", type=float, default=2e-3,
                       help="Adam learning rate (default 0.002)")
    model.add_argument("--fine-tune-learning-rate", type=float, default=1e-3,
                       help="Adam learning rate once the embedding is unfrozen (default 0.001)")
    model.add_argument("--stream", action="store_true",
                       help="also read GLUE's train.tsv one batch at a time (PyDataset): peak "
                            "memory against the in-memory way, one epoch trained from it")
    model.add_argument("--patience", type=positive_int, default=2,
                       help="early-stopping patience in epochs (default 2)")
    model.add_argument("--label-audit", action="store_true",
                       help="flag training and test texts whose label looks wrong (5-fold "
                            "cross_val_predict of mean word vectors + logistic regression, "
                            "then cleanlab): label_issues.csv, label_issue in errors.csv")
    config = parser.parse_args(argv)
    config.argv = list(argv or [])
    if config.encoders is None:
        config.encoders = ["bilstm" if config.bidirectional else "lstm"]
    elif config.bidirectional and "bilstm" not in config.encoders:
        parser.error("--bidirectional is short for --encoder bilstm: add bilstm to --encoder")
    config.encoders = list(dict.fromkeys(config.encoders))  # each once, in the given order
    if config.quick:
        config.epochs = min(config.epochs, 2)
        config.freeze_epochs = min(config.freeze_epochs, 1)
    if not 0 <= config.freeze_epochs < config.epochs:
        parser.error(f"--freeze-epochs must be at least 0 and below --epochs ({config.epochs})")
    if not 0 <= config.dropout < 1:
        parser.error("--dropout must be in [0, 1)")
    return config
