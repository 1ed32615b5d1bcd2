"""One classifier, many ways of cutting the text: the scoring step lab 4's comparisons share
(``--preprocessing-grid``, ``--compare-tokens``, ``--pos-filter``). The lesson is lesson.py.

Every variant is scored the same way: its vectorizer counts units on the training texts,
TF-IDF (sublinear) weights them, a logistic regression of ``--C`` is fitted, and validation
and test accuracy are measured. Only the text processing changes, so the differences in the
table are the processing's.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import accuracy_score

from toolkit.errors import CourseError
from toolkit.formats import console_table
from toolkit.text.datasets import TextDataset


def score_variant(name: str, vectorizer, data: TextDataset, config: argparse.Namespace,
                  make_classifier: Callable, *, texts: dict | None = None) -> dict:
    """Fit ``vectorizer`` + TF-IDF + logistic regression; one row of accuracy and size.

    Args:
        name: the row's label.
        vectorizer: an unfitted scikit-learn vectorizer (it defines the units).
        make_classifier: the lesson's ``make_classifier(name, n_classes, C, seed)``.
        texts: ``{"train", "val", "test"}`` inputs to the vectorizer instead of the data
            set's texts (e.g. lists of tagged tokens).

    Returns:
        ``{"variant", "vocabulary", "test_oov_rate", "val_accuracy", "test_accuracy",
        "seconds"}``; ``test_oov_rate`` is the share of the test texts' units (occurrences)
        the vocabulary does not hold: never seen in training, or too rare to keep.
    """
    texts = texts or {"train": data.x_train, "val": data.x_val, "test": data.x_test}
    start = time.perf_counter()
    try:
        train = vectorizer.fit_transform(texts["train"])
    except ValueError as error:  # e.g. a filter that leaves no token at all
        raise CourseError(f"the '{name}' variant kept no unit to count", why=str(error),
                          fix="lower --min-df, or use more training texts") from None
    tfidf = TfidfTransformer(sublinear_tf=True).fit(train)
    model = make_classifier("logreg", len(data.class_names), config.C, config.seed)
    model.fit(tfidf.transform(train), data.y_train)
    val = model.predict(tfidf.transform(vectorizer.transform(texts["val"])))
    test = model.predict(tfidf.transform(vectorizer.transform(texts["test"])))
    return {"variant": name, "vocabulary": len(vectorizer.vocabulary_),
            "test_oov_rate": round(unknown_share(vectorizer, texts["test"]), 4),
            "val_accuracy": round(accuracy_score(data.y_val, val), 4),
            "test_accuracy": round(accuracy_score(data.y_test, test), 4),
            "seconds": round(time.perf_counter() - start, 2)}


def unknown_share(vectorizer, texts) -> float:
    """Share of the units the fitted ``vectorizer`` cuts ``texts`` into that it does not know."""
    analyze, known = vectorizer.build_analyzer(), vectorizer.vocabulary_
    total = unknown = 0
    for text in texts:
        units = analyze(text)
        total += len(units)
        unknown += sum(unit not in known for unit in units)
    return unknown / max(1, total)


def print_variants(rows: list[dict], test_split: str, title: str) -> None:
    """The rows as a console table."""
    print(title)
    print(console_table(["variant", "vocabulary", f"{test_split} OOV", "val", test_split, "s"],
                        [[r["variant"], f"{r['vocabulary']:,}", f"{r['test_oov_rate']:.2%}",
                          f"{r['val_accuracy']:.4f}", f"{r['test_accuracy']:.4f}",
                          f"{r['seconds']:.1f}"] for r in rows]))
