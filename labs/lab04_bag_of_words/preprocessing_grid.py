"""``--preprocessing-grid``: does text processing help? One table and one figure of the same
classifier on raw, lower-cased, stop-word-free, stemmed and lemmatized tokens, plus your own
stop words (``--stop-words-file``) with a word cloud of what they remove (lab 4's extra; the
lesson is lesson.py).

Expect about a minute per variant on full GLUE SST-2 (2-core CPU), seconds with ``--quick``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable

from labs.lab04_bag_of_words.variants import print_variants, score_variant
from toolkit.runs import Run
from toolkit.text import plots as text_plots
from toolkit.text.datasets import TextDataset
from toolkit.text.processing import TextPreprocessor, read_stop_words, token_counts


def preprocessing_variants(config: argparse.Namespace) -> dict[str, TextPreprocessor]:
    """The ``text -> tokens`` pipelines compared, from least to most processed.

    Only one step changes from the lower-cased row to each row below it, so each row shows
    what that step alone does. The standard stop-word list drops "not" and "no": the row
    that keeps them shows how much of the loss is the negations.
    """
    tokenizer = config.tokenizer
    variants = {
        "raw (case kept)": TextPreprocessor(tokenizer, lowercase=False),
        "lower-cased": TextPreprocessor(tokenizer),
        "stop words removed": TextPreprocessor(tokenizer, remove_stop_words=True,
                                               keep_negations=False),
        "stop words removed, negations kept": TextPreprocessor(tokenizer,
                                                               remove_stop_words=True),
        "stemmed (Snowball)": TextPreprocessor(tokenizer, stemmer="snowball"),
        "lemmatized": TextPreprocessor(tokenizer, lemmatizer="auto"),
    }
    if config.stop_words_file:
        words = read_stop_words(config.stop_words_file)
        variants[f"your stop words ({len(words)})"] = TextPreprocessor(
            tokenizer, custom_stop_words=words)
    return variants


def preprocessing_grid(data: TextDataset, config: argparse.Namespace, run: Run,
                       make_vectorizer: Callable, make_classifier: Callable) -> list[dict] | None:
    """With ``--preprocessing-grid``: score every variant of :func:`preprocessing_variants`
    with TF-IDF + logistic regression (variants.py); draw the table and a word cloud of the
    stop words removed and of the words left. Without the flag nothing runs (``None``).

    Args:
        make_vectorizer: the lesson's ``make_vectorizer(config, preprocess)``.
        make_classifier: the lesson's ``make_classifier(name, n_classes, C, seed)``.
    """
    if not config.preprocessing_grid:
        return None
    variants = preprocessing_variants(config)
    rows = []
    for name, preprocess in variants.items():
        row = score_variant(name, make_vectorizer(config, preprocess), data, config,
                            make_classifier)
        rows.append({**row, "stop_words": preprocess.stop_word_source or "kept",
                     "lemmatizer": preprocess.lemmatizer_note or "none"})
    print_variants(rows, data.test_split, "preprocessing grid (TF-IDF + logistic regression):")
    results = run.record["results"]
    results["preprocessing_grid"] = rows
    if data.x_train and all(text == text.lower() for text in data.x_train[:1000]):
        results["preprocessing_grid_note"] = ("the training texts are already lower-case, "
                                              "so raw and lower-cased are the same tokens")
        print(f"  note: {results['preprocessing_grid_note']}")
    path = text_plots.scores_figure(
        [(row["variant"], row["test_accuracy"]) for row in rows],
        run.path("preprocessing_grid.png"), zoom=True, xlabel=f"{data.test_split} accuracy",
        title=f"Text processing, same classifier (TF-IDF + logistic regression, "
              f"{data.test_split})")
    run.add_figure("preprocessing_grid", path)
    stop_word_cloud(data, variants, run)
    run.save()
    return rows


def stop_word_cloud(data: TextDataset, variants: dict[str, TextPreprocessor], run: Run,
                    k: int = 120) -> str | None:
    """Word clouds sized by frequency in the training texts: the stop words a list removes
    (your ``--stop-words-file``, else the standard list) and the most frequent words left.

    Returns:
        The figure's path, or ``None`` when the ``wordcloud`` package is missing.
    """
    name = next((n for n in variants if n.startswith("your stop words")),
                "stop words removed")
    removing = variants[name]
    counts = token_counts(data.x_train, variants["lower-cased"])
    removed = Counter({t: n for t, n in counts.items() if t in removing.stop_list})
    left = Counter({t: n for t, n in counts.items()
                    if t not in removing.stop_list and any(c.isalnum() for c in t)})
    share = sum(removed.values()) / max(1, sum(counts.values()))
    run.record["results"]["stop_words_removed"] = {
        "list": removing.stop_word_source, "distinct_removed": len(removed),
        "share_of_training_tokens": round(share, 4),
        "most_frequent_removed": ", ".join(t for t, _ in removed.most_common(15))}
    print(f"  {removing.stop_word_source}: removes {share:.1%} of the training tokens")
    path = text_plots.word_cloud_figure(
        {f"removed: {removing.stop_word_source}": dict(removed.most_common(k)),
         "the most frequent words left": dict(left.most_common(k))},
        run.path("stop_word_cloud.png"),
        title=f"Stop words by frequency in the training texts ({share:.0%} of all tokens)")
    if path is None:
        print("stop-word cloud skipped: the wordcloud package is not installed "
              "(pip install wordcloud)")
        return None
    run.add_figure("stop_word_cloud", path)
    return str(path)
