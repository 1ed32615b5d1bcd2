"""A rule-based baseline for lab 4's comparison table: the VADER sentiment lexicon, no
training at all (binary sentiment data only). The lesson is lesson.py.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from toolkit.runs import Run
from toolkit.text.datasets import TextDataset

# Class names that mark a binary sentiment data set, for the lexicon baseline.
NEGATIVE_NAMES, POSITIVE_NAMES = {"negative", "neg"}, {"positive", "pos"}


def sentiment_polarity(class_names: list[str]) -> tuple[int, int] | None:
    """``(negative index, positive index)`` when the classes are binary sentiment, else
    ``None`` (a topic data set, three classes, or labels like 0/1 whose meaning is unknown)."""
    names = [name.lower() for name in class_names]
    if len(names) != 2:
        return None
    for negative, positive in ((0, 1), (1, 0)):
        if names[negative] in NEGATIVE_NAMES and names[positive] in POSITIVE_NAMES:
            return negative, positive
    return None


def lexicon_baseline(data: TextDataset, rows: list[dict], run: Run) -> dict | None:
    """Score the validation and test texts with VADER, a sentiment lexicon with rules.

    VADER (Hutto and Gilbert 2014) adds up the valence of ~7,500 hand-rated words and
    adjusts it for negation ("not good"), intensifiers ("very") and "but". It learns
    nothing from the training split: its row in the comparison table shows what a
    rule-based system gets without training. A compound score >= 0 counts as positive.

    Only for binary sentiment data (classes named negative/positive); any other data set is
    skipped with one line. The row is appended to ``rows`` (the comparison table) but never
    chosen as the best model.

    Returns:
        The row, or ``None`` when skipped.
    """
    results = run.record["results"]
    polarity = sentiment_polarity(data.class_names)
    if polarity is None:
        results["lexicon_baseline"] = {"skipped": (
            f"the classes ({', '.join(data.class_names)}) are not negative/positive "
            "sentiment: a sentiment lexicon has nothing to say about them")}
        print(f"lexicon baseline skipped: {results['lexicon_baseline']['skipped']}")
        return None
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        results["lexicon_baseline"] = {"skipped": "vaderSentiment is not installed "
                                                  "(pip install vaderSentiment)"}
        print(f"lexicon baseline skipped: {results['lexicon_baseline']['skipped']}")
        return None
    analyzer = SentimentIntensityAnalyzer()
    negative, positive = polarity

    def predict(texts):
        scores = np.array([analyzer.polarity_scores(text)["compound"] for text in texts])
        return np.where(scores >= 0, positive, negative), scores

    start = time.perf_counter()
    val_predicted, _ = predict(data.x_val)
    predicted, scores = predict(data.x_test)
    seconds = time.perf_counter() - start
    row = {"representation": "lexicon (no training)", "classifier": "VADER",
           "val_accuracy": round(accuracy_score(data.y_val, val_predicted), 4),
           "test_accuracy": round(accuracy_score(data.y_test, predicted), 4),
           "test_macro_f1": round(f1_score(data.y_test, predicted, average="macro"), 4),
           "fit_s": 0.0, "converged": True, "vocabulary": len(analyzer.lexicon),
           "sparsity": None}
    rows.append(row)
    results["comparison"] = rows
    results["lexicon_baseline"] = {
        "lexicon": "VADER (vaderSentiment), compound score >= 0 -> positive",
        "lexicon_words": len(analyzer.lexicon), "score_s": round(seconds, 2),
        "test_neutral_share": round(float((scores == 0).mean()), 4),
        "citation": "C. J. Hutto, E. Gilbert. VADER: A Parsimonious Rule-based Model for "
                    "Sentiment Analysis of Social Media Text. ICWSM 2014"}
    run.save()
    print(f"  lexicon VADER (no training): val {row['val_accuracy']:.4f}  {data.test_split} "
          f"{row['test_accuracy']:.4f}  ({seconds:.1f} s to score; "
          f"{results['lexicon_baseline']['test_neutral_share']:.0%} of texts score exactly 0)")
    return row
