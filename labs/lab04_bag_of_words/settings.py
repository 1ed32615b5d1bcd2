"""Lab 4's flags: ``parse_args(argv)`` settles the whole configuration, without Keras.

``python -m labs.lab04_bag_of_words --help`` lists them; the lesson is in lesson.py.
"""

from __future__ import annotations

import argparse

from toolkit.cli import lab_parser, positive_int
from toolkit.text.datasets import add_text_data_arguments
from toolkit.text.processing import LEMMATIZERS, TOKENIZERS

DESCRIPTION = "Lab 4 - Text processing and bag-of-words sentiment classification."
REPRESENTATIONS = ("binary", "counts", "tfidf")
ANALYZERS = ("word", "char_wb")
DEFAULT_NGRAMS = {"word": [1, 2], "char_wb": [2, 5]}
CLASSIFIERS = ("logreg", "svm", "nb")
QUICK_SIZES = {"train": 4000, "validation": 500, "test": 1000}


def _df_value(text: str) -> int | float:
    """``--min-df 2`` is a count of texts, ``--min-df 0.01`` a share of them (scikit-learn)."""
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or a share, got {text!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's flags: the shared ones, the data flags, and the bag-of-words settings."""
    parser = lab_parser(DESCRIPTION, epochs=10, batch_size=256)
    add_text_data_arguments(parser)
    group = parser.add_argument_group("bag of words")
    group.add_argument("--representations", nargs="+", choices=REPRESENTATIONS,
                       default=list(REPRESENTATIONS), help="matrices to compare (default all)")
    group.add_argument("--classifiers", nargs="+", choices=CLASSIFIERS,
                       default=list(CLASSIFIERS), help="classifiers to compare (default all)")
    group.add_argument("--analyzer", choices=ANALYZERS, default="word",
                       help="n-grams of words, or of characters inside word boundaries "
                            "(char_wb: robust to typos and word endings; default word)")
    group.add_argument("--ngrams", nargs=2, type=positive_int, default=None,
                       metavar=("MIN", "MAX"),
                       help="n-gram range (default 1 2 for words, 2 5 for characters)")
    group.add_argument("--max-features", type=positive_int, default=None,
                       help="keep the most frequent N n-grams (default: all)")
    group.add_argument("--min-df", type=_df_value, default=2,
                       help="drop n-grams in fewer texts (count, or share if it has a '.'; "
                            "default 2)")
    group.add_argument("--max-df", type=_df_value, default=1.0,
                       help="drop n-grams in more texts (default 1.0: keep all)")
    group.add_argument("--tokenizer", choices=TOKENIZERS, default="regex",
                       help="tokenizer of the vectorizers (default regex)")
    group.add_argument("--stop-words", choices=("keep", "remove", "remove-keep-negations"),
                       default="keep", help="stop-word handling (default keep)")
    group.add_argument("--stem", choices=("none", "porter", "snowball", "lancaster"),
                       default="none", help="stem tokens before counting (default none)")
    group.add_argument("--lemmatize", choices=("none", *LEMMATIZERS), default="none",
                       help="lemmatize tokens before counting: auto = NLTK WordNet when its "
                            "data is installed, else simplemma (no download); default none")
    group.add_argument("--C", type=float, default=1.0, dest="C",
                       help="inverse regularization of logistic regression and the SVM, and "
                            "of the Keras network's L2 (default 1.0)")
    group.add_argument("--grid-search", action="store_true",
                       help="also tune C / alpha of each classifier, and the vectorizer "
                            "(max_features, n-grams, binary, min_df) in a Pipeline, with "
                            "3-fold GridSearchCV")
    group.add_argument("--learning-rate", type=float, default=0.01,
                       help="Adam learning rate of the Keras network (default 0.01)")
    group.add_argument("--no-label-audit", action="store_true",
                       help="skip the label audit (which training and test labels look wrong: "
                            "5-fold cross_val_predict of logistic regression + cleanlab)")
    extras = parser.add_argument_group("text processing compared (same classifier)")
    extras.add_argument("--preprocessing-grid", action="store_true",
                        help="accuracy of raw, lower-cased, stop-word-free, stemmed and "
                             "lemmatized tokens in one table, with a stop-word cloud")
    extras.add_argument("--stop-words-file", metavar="PATH",
                        help="your own stop words (one a line) as a row of "
                             "--preprocessing-grid")
    extras.add_argument("--compare-tokens", action="store_true",
                        help="words vs character n-grams vs lab 6's WordPiece pieces: "
                             "vocabulary, out-of-vocabulary rate, accuracy")
    extras.add_argument("--pos-filter", action="store_true",
                        help="keep only nouns / adjectives / verbs (offline part-of-speech "
                             "tagger) and compare the accuracy")
    config = parser.parse_args(argv)
    config.argv = list(argv or [])
    if config.ngrams is None:
        config.ngrams = list(DEFAULT_NGRAMS[config.analyzer])
    if config.stop_words_file and not config.preprocessing_grid:
        parser.error("--stop-words-file is a row of --preprocessing-grid: add that flag")
    if config.ngrams[0] > config.ngrams[1]:
        parser.error("--ngrams MIN MAX needs MIN <= MAX")
    if config.quick:  # few texts: smaller batches, so two epochs still make enough steps
        config.epochs = min(config.epochs, 2)
        config.batch_size = min(config.batch_size, 64)
    return config
