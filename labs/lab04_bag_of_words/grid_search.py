"""``--grid-search``: tune each classifier's regularization, and the vectorizer itself, with
3-fold cross-validation on the training split (lab 4's extra; the lesson is lesson.py).

Expect a minute on the Kim sentence splits (16 vectorizer settings x 3 folds, about 30 s).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from toolkit.errors import CourseError
from toolkit.formats import console_table
from toolkit.runs import Run
from toolkit.text.datasets import TextDataset

# The vectorizer settings --grid-search tries (2 x 2 x 2 x 2 = 16 pipelines, 3 folds each).
VECTORIZER_GRID = {"max_features": [None, 10_000], "binary": [False, True], "min_df": [1, 2],
                   "ngram_range": {"word": [(1, 1), (1, 2)], "char_wb": [(2, 4), (2, 5)]}}
# Each classifier's regularization: C of logistic regression and the SVM, alpha of naive Bayes.
CLASSIFIER_GRIDS = {"logreg": {"C": [0.25, 1.0, 4.0, 16.0]}, "svm": {"C": [0.05, 0.2, 1.0, 4.0]},
                    "nb": {"alpha": [0.1, 0.3, 1.0, 3.0]}}


def grid_search(matrices: dict, data: TextDataset, config: argparse.Namespace, run: Run,
                make_classifier: Callable, vectorizer: CountVectorizer) -> list[dict]:
    """Tune C (logistic regression, SVM) or alpha (naive Bayes) with 3-fold cross-validation,
    then the vectorizer (:func:`vectorizer_grid_search`).

    Only on the training split, on the TF-IDF matrix (or the first representation chosen).
    One core (``n_jobs=1``): the grid is small and the machine may be shared.

    Args:
        make_classifier: the lesson's ``make_classifier(name, n_classes, C, seed)``.
        vectorizer: the lesson's vectorizer of the flags, the starting point of the grid.
    """
    representation = "tfidf" if "tfidf" in config.representations else \
        config.representations[0]
    x_train, _, x_test = matrices[representation]
    rows = []
    for name in config.classifiers:
        search = GridSearchCV(make_classifier(name, len(data.class_names), seed=config.seed),
                              CLASSIFIER_GRIDS[name], cv=3, scoring="accuracy", n_jobs=1)
        start = time.perf_counter()
        search.fit(x_train, data.y_train)
        rows.append({"representation": representation, "classifier": name,
                     "best_params": ", ".join(f"{k}={v}" for k, v in
                                              search.best_params_.items()),
                     "cv_accuracy": round(float(search.best_score_), 4),
                     "test_accuracy": round(accuracy_score(data.y_test,
                                                           search.predict(x_test)), 4),
                     "search_s": round(time.perf_counter() - start, 2)})
    print(console_table(["grid search", "best", "cv accuracy", data.test_split, "seconds"],
                        [[r["classifier"], r["best_params"], f"{r['cv_accuracy']:.4f}",
                          f"{r['test_accuracy']:.4f}", f"{r['search_s']:.1f}"] for r in rows]))
    run.record["results"]["grid_search"] = rows
    run.save()
    vectorizer_grid_search(data, config, run,
                           make_classifier("logreg", len(data.class_names), config.C, config.seed),
                           vectorizer)
    return rows


def vectorizer_grid_search(data: TextDataset, config: argparse.Namespace, run: Run,
                           classifier, vectorizer: CountVectorizer) -> dict:
    """Tune the vectorizer too: a ``Pipeline`` of counts -> TF-IDF -> logistic regression.

    Why a Pipeline: the vectorizer must be fitted inside each cross-validation fold, on that
    fold's training texts only. Counting n-grams on all training texts first would let
    the held-out fold's words into the vocabulary (a quiet leak). ``GridSearchCV`` refits
    the whole pipeline for each setting of ``VECTORIZER_GRID`` (16 settings x 3 folds) and
    finally on the whole training split with the best one.
    """
    pipeline = Pipeline([
        ("vectorizer", vectorizer), ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ("classifier", classifier)])
    grid = {f"vectorizer__{name}": values[config.analyzer] if isinstance(values, dict)
            else values for name, values in VECTORIZER_GRID.items()}
    search = GridSearchCV(pipeline, grid, cv=3, scoring="accuracy", n_jobs=1)
    start = time.perf_counter()
    try:
        search.fit(list(data.x_train), data.y_train)
    except ValueError as error:  # a fold too small for min_df
        raise CourseError("the vectorizer grid search failed", why=str(error).split("\n")[0],
                          fix="use more training texts, or run without --grid-search") from None
    seconds = time.perf_counter() - start
    cv = search.cv_results_
    table = sorted(({"max_features": params["vectorizer__max_features"] or "all",
                     "ngram_range": str(params["vectorizer__ngram_range"]),
                     "binary": params["vectorizer__binary"],
                     "min_df": params["vectorizer__min_df"],
                     "cv_accuracy": round(float(mean), 4), "cv_std": round(float(std), 4),
                     "fit_s": round(float(fit), 2)}
                    for params, mean, std, fit in zip(cv["params"], cv["mean_test_score"],
                                                      cv["std_test_score"], cv["mean_fit_time"],
                                                      strict=True)),
                   key=lambda row: -row["cv_accuracy"])
    best = {"analyzer": config.analyzer, "classifier": "logreg",
            **{key: value for key, value in table[0].items() if key not in ("cv_std", "fit_s")},
            "test_accuracy": round(accuracy_score(data.y_test, search.predict(data.x_test)), 4),
            "vocabulary": len(search.best_estimator_["vectorizer"].vocabulary_),
            "settings_tried": len(table), "search_s": round(seconds, 2)}
    run.record["results"]["vectorizer_grid_search"] = table
    run.record["results"]["vectorizer_grid_best"] = best
    run.save()
    print(f"  vectorizer grid ({len(table)} settings x 3 folds, {seconds:.0f} s): best "
          f"max_features={best['max_features']} ngram_range={best['ngram_range']} "
          f"binary={best['binary']} min_df={best['min_df']}  cv {best['cv_accuracy']:.4f}  "
          f"{data.test_split} {best['test_accuracy']:.4f}")
    return best
