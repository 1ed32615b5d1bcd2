"""Model error or label error? Lab 4's label audit (confident learning, ``toolkit.label_audit``).

Every training text is scored by the lab's own cheap model, logistic regression on the TF-IDF
matrix, trained on the other four fifths (5-fold ``cross_val_predict``: seconds); every test
text by the Keras network. Texts whose given label the model finds far less likely than
another class are flagged: ``label_issues.csv``, ``label_quality.png``, and the columns
``label_issue`` / ``label_quality`` of ``errors.csv``. ``--no-label-audit`` skips it.
"""

from __future__ import annotations

import argparse

import numpy as np

from toolkit import label_audit
from toolkit.runs import Run
from toolkit.text.datasets import TextDataset


def find_label_errors(matrices: dict, probabilities: np.ndarray, data: TextDataset,
                      config: argparse.Namespace, run: Run) -> dict | None:
    """Audit the training and test labels; run after the error analysis (it extends
    ``errors.csv``). ``probabilities``: the Keras network's test predictions."""
    if config.no_label_audit:
        return None
    from sklearn.linear_model import LogisticRegression

    solver = "liblinear" if len(data.class_names) == 2 else "lbfgs"  # as the lesson's logreg
    return label_audit.audit_with_cross_validation(
        run, matrices["tfidf"][0], data.y_train, data.x_train, test_labels=data.y_test,
        test_probabilities=probabilities, test_texts=data.x_test,
        class_names=data.class_names, model="TF-IDF + logistic regression", seed=config.seed,
        estimator=LogisticRegression(C=config.C, solver=solver, max_iter=1000,
                                     random_state=config.seed))
