"""Model error or label error? Lab 5's label audit (``--label-audit``; ``toolkit.label_audit``).

Cross-validating the LSTM itself would train it five more times; a cheap stand-in reads the
same word vectors: each text becomes the mean of its words' vectors (the lab's embedding
matrix: GloVe, or the OOV strategy's vectors), and logistic regression, trained on four
fifths of the training texts, scores the other fifth (5-fold ``cross_val_predict``). The
test texts are scored by the best trained model. Texts whose given label looks unlikely
are flagged: ``label_issues.csv``, ``label_quality.png``, and the columns ``label_issue`` /
``label_quality`` of ``errors.csv``.
"""

from __future__ import annotations

import argparse

import numpy as np

from toolkit import label_audit
from toolkit.runs import Run
from toolkit.text.datasets import TextDataset


def mean_word_vectors(ids: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The mean embedding of each padded id sequence's words (id 0, ``<PAD>``, left out)."""
    ids = np.asarray(ids)
    mask = (ids > 0)[..., None]
    return (matrix[ids] * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)


def find_label_errors(probabilities: np.ndarray, data: TextDataset, sequences: dict,
                      config: argparse.Namespace, run: Run) -> dict | None:
    """With ``--label-audit``: audit the training and test labels; run after the error
    analysis (it extends ``errors.csv``). ``probabilities``: the best model's test ones."""
    if not config.label_audit:
        return None
    features = mean_word_vectors(sequences["x_train"], np.asarray(sequences["matrix"]))
    return label_audit.audit_with_cross_validation(
        run, features, data.y_train, data.x_train, test_labels=data.y_test,
        test_probabilities=probabilities, test_texts=data.x_test,
        class_names=data.class_names, model="mean word vectors + logistic regression",
        seed=config.seed)
