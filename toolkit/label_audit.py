"""Model error or label error? Likely mislabelled rows found by confident learning.

A test text the model gets "wrong" is sometimes labelled wrong: "it's a charming and often
affecting journey" marked negative. Confident learning (Northcutt, Jiang & Chuang 2021,
the ``cleanlab`` library) finds such rows from *out-of-sample* predicted probabilities: it
estimates, per class, how sure the model is on rows that really carry that label, and flags
the rows whose given label the model finds much less likely than another class, about as
many as the estimated noise rate says there are.

The probabilities must come from a model that did not train on the row it scores: on its
own training rows a model has learned the wrong labels by heart and flags nothing. For the
training rows that means K-fold cross-validation (:func:`out_of_fold_probabilities`, with a
cheap model; or a lab's own folds); the test rows are scored by the trained model itself.

Example:
    >>> train_probabilities = out_of_fold_probabilities(features, y_train, folds=5)
    >>> train = audit_split(y_train, train_probabilities, split="train", source="...")
    >>> test = audit_split(y_test, test_probabilities, split="test", source="...")
    >>> record_label_audit(run, [train, test], class_names, texts={"train": x_train, ...})

What a run gets (:func:`record_label_audit`): ``label_issues.csv`` (the flagged rows of every
audited split, least likely label first), ``label_quality.png``, two columns in
``errors.csv`` (``label_issue`` yes/no and ``label_quality``), and ``record["label_audit"]``:
the counts, how many test errors look like label errors, and three examples for the
reflection draft to ask about. A flag is a question, never a verdict: read the text.
"""

from __future__ import annotations

import csv
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit import plots
from toolkit.errors import CourseError

DEFAULT_FOLDS = 5
ISSUES_CSV = "label_issues.csv"
FIGURE = "label_quality.png"
EXAMPLES = 3
CITATION = ("C. G. Northcutt, L. Jiang, I. L. Chuang. Confident Learning: Estimating "
            "Uncertainty in Dataset Labels. JAIR 70, 2021 (cleanlab)")


@dataclass
class LabelAudit:
    """The audit of one split.

    Attributes:
        split: ``"train"``, ``"test"``, ... (a name for the CSV and the figure).
        labels: the given labels, integers, shape ``(N,)``.
        probabilities: the out-of-sample predicted probabilities, shape ``(N, C)``.
        issues: ``True`` where the label looks wrong, shape ``(N,)``.
        quality: cleanlab's label quality score in [0, 1]: the probability the model gave
            the given label (low: a likely label error).
        source: where the probabilities came from, in words (the record says it).
    """

    split: str
    labels: np.ndarray
    probabilities: np.ndarray
    issues: np.ndarray
    quality: np.ndarray
    source: str

    @property
    def flagged(self) -> int:
        return int(self.issues.sum())


def check_probabilities(labels: Sequence[int], probabilities: np.ndarray,
                        what: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels as integers and probabilities as rows that sum to 1, or a clear error."""
    labels = np.asarray(labels).astype(int).reshape(-1)
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise CourseError(f"{what}: {len(labels)} labels but probabilities of shape "
                          f"{probabilities.shape}", fix="pass one row of class "
                                                        "probabilities per labelled row")
    if len(labels) and (labels.min() < 0 or labels.max() >= probabilities.shape[1]):
        raise CourseError(f"{what}: a label is outside 0..{probabilities.shape[1] - 1}",
                          fix="encode the labels as class indices")
    if not np.isfinite(probabilities).all():
        raise CourseError(f"{what}: the predicted probabilities hold NaN or infinity",
                          fix="check the model's predictions (a diverged training run?)")
    probabilities = np.clip(probabilities, 1e-12, None)
    return labels, probabilities / probabilities.sum(axis=1, keepdims=True)


def usable_folds(labels: Sequence[int], folds: int) -> int:
    """``folds``, or fewer when the smallest class has fewer rows; a clear error below 2."""
    counts = np.bincount(np.asarray(labels).astype(int))
    present = counts[counts > 0]
    if len(present) < 2 or present.min() < 2:
        raise CourseError(f"the label audit needs two or more classes with at least 2 rows "
                          f"each; the class counts are {counts.tolist()}",
                          fix="audit a larger data set (or leave the label audit out)")
    if folds < 2:
        raise CourseError("the label audit needs at least 2 folds", fix="pass --folds 2 or more")
    return int(min(folds, present.min()))


def out_of_fold_probabilities(features, labels: Sequence[int], *, folds: int = DEFAULT_FOLDS,
                              seed: int = 42, estimator=None) -> np.ndarray:
    """Each row's class probabilities from a model trained on the other folds.

    scikit-learn's ``cross_val_predict(..., method="predict_proba")`` with stratified,
    shuffled folds. The default model is logistic regression, cheap on bag-of-words or
    sentence-embedding features. ``folds`` shrinks to the size of the smallest class.

    Args:
        features: a NumPy array or SciPy sparse matrix, one row per labelled text.
        labels: integer labels.
        folds: K (default 5).
        seed: the shuffle's seed.
        estimator: a scikit-learn classifier with ``predict_proba`` (default
            ``LogisticRegression(max_iter=1000)``).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = np.asarray(labels).astype(int)
    counts = np.bincount(labels)
    folds = usable_folds(labels, folds)
    estimator = estimator if estimator is not None else LogisticRegression(max_iter=1000)
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    probabilities = cross_val_predict(estimator, features, labels, cv=split,
                                      method="predict_proba")
    if probabilities.shape[1] < len(counts):  # a class absent from the labels gets no column
        full = np.zeros((len(labels), len(counts)))
        full[:, np.flatnonzero(counts)] = probabilities
        probabilities = full
    return probabilities


def audit_split(labels: Sequence[int], probabilities: np.ndarray, *, split: str,
                source: str) -> LabelAudit:
    """Confident learning on one split: ``cleanlab.filter.find_label_issues`` (pruned by the
    estimated noise rate) and ``cleanlab.rank.get_label_quality_scores`` (self-confidence).

    ``probabilities`` must be out-of-sample for these rows (see the module docstring).
    """
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    labels, probabilities = check_probabilities(labels, probabilities, f"label audit ({split})")
    classes = probabilities.shape[1]
    if len(np.unique(labels)) < 2 or len(labels) < 2 * classes:
        issues = np.zeros(len(labels), dtype=bool)  # nothing to estimate noise rates from
    else:
        with warnings.catch_warnings():  # "too few examples in class 2": the counts say it
            warnings.simplefilter("ignore", UserWarning)
            issues = np.asarray(find_label_issues(labels, probabilities, n_jobs=1), dtype=bool)
    quality = (np.asarray(get_label_quality_scores(labels, probabilities), dtype="float64")
               if len(labels) else np.zeros(0))
    return LabelAudit(split, labels, probabilities, issues, quality, source)


def issue_rows(audit: LabelAudit, texts: Sequence[str], class_names: Sequence[str],
               ids: Sequence | None = None) -> list[dict]:
    """The flagged rows of one split, lowest label quality first, as CSV-ready dicts."""
    rows = []
    for index in np.flatnonzero(audit.issues):
        suggested = int(audit.probabilities[index].argmax())
        rows.append({
            "split": audit.split, "index": int(index),
            "id": ids[index] if ids is not None else int(index),
            "given_label": class_names[audit.labels[index]],
            "suggested_label": class_names[suggested],
            "label_quality": round(float(audit.quality[index]), 4),
            "suggested_probability": round(float(audit.probabilities[index, suggested]), 4),
            "text": texts[index] if index < len(texts) else ""})
    return sorted(rows, key=lambda row: row["label_quality"])


ISSUE_COLUMNS = ("split", "index", "id", "given_label", "suggested_label", "label_quality",
                 "suggested_probability", "text", "your_verdict")


def write_issues_csv(path: Path | str, rows: Sequence[dict]) -> Path:
    """``label_issues.csv``: one flagged row a line, with an empty ``your_verdict`` column
    (label error / model error / unsure) for the student."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=ISSUE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**row, "your_verdict": ""} for row in rows)
    return path


def quality_figure(audits: Sequence[LabelAudit], path: Path | str, *,
                   wrong: np.ndarray | None = None, title: str = "Label quality") -> Path:
    """One panel per split: the histogram of label quality, flagged rows in red.

    With ``wrong`` (one bool per row of the last split, the test split), that panel splits
    the rows the model got right from its errors: errors with a very low label quality are
    the candidate label errors.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(audits), figsize=(max(7.0, 5.6 * len(audits)), 4.2),
                             squeeze=False)
    bins = np.linspace(0, 1, 26)
    for number, (ax, audit) in enumerate(zip(axes[0], audits, strict=True)):
        groups = [("not flagged", ~audit.issues, "tab:blue"),
                  ("flagged: likely label error", audit.issues, "tab:red")]
        if wrong is not None and number == len(audits) - 1 and len(wrong) == len(audit.issues):
            groups = [("model right", ~wrong & ~audit.issues, "tab:blue"),
                      ("model wrong, label kept", wrong & ~audit.issues, "tab:orange"),
                      ("flagged: likely label error", audit.issues, "tab:red")]
        ax.hist([audit.quality[mask] for _, mask, _ in groups], bins=bins, stacked=True,
                color=[color for *_, color in groups],
                label=[f"{name} ({int(mask.sum()):,})" for name, mask, _ in groups])
        ax.set_yscale("log")
        ax.set_ylim(0.8, max(10, len(audit.labels)) * 8)  # room for the legend above the bars
        ax.set_xlabel("label quality: probability of the given label")
        ax.set_ylabel("rows (log scale)")
        ax.set_title(f"{audit.split}: {audit.flagged:,} of {len(audit.labels):,} flagged",
                     fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(textwrap.fill(title, 90), fontsize=11)
    return plots.save_figure(fig, path)


def add_columns_to_errors_csv(path: Path | str, audit: LabelAudit) -> bool:
    """Add ``label_issue`` (yes/no) and ``label_quality`` to each row of ``errors.csv``
    (rows matched by their ``index`` in the test split). Returns ``False`` when there is no
    such file to extend (nothing is written then)."""
    path = Path(path)
    if not path.is_file():
        return False
    with open(path, newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        fieldnames, rows = list(reader.fieldnames or []), list(reader)
    if "index" not in fieldnames:
        return False
    extra = [name for name in ("label_issue", "label_quality") if name not in fieldnames]
    # before the empty annotation columns, so the student's columns stay last
    at = fieldnames.index("error_type") if "error_type" in fieldnames else len(fieldnames)
    fieldnames[at:at] = extra
    for row in rows:
        index = int(row["index"])
        row["label_issue"] = "yes" if audit.issues[index] else "no"
        row["label_quality"] = round(float(audit.quality[index]), 4)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return True


def summarise(audits: Sequence[LabelAudit], *, wrong: np.ndarray | None = None) -> dict:
    """Flat counts per split, and for the test split (the last) how many errors are flagged."""
    summary: dict = {}
    for audit in audits:
        summary[f"{audit.split}_rows"] = int(len(audit.labels))
        summary[f"{audit.split}_flagged"] = audit.flagged
        summary[f"{audit.split}_flagged_share"] = round(audit.flagged / max(1, len(audit.labels)), 4)
        summary[f"{audit.split}_source"] = audit.source
    if wrong is not None and audits:
        test = audits[-1]
        errors_flagged = int((wrong & test.issues).sum())
        summary["test_errors"] = int(wrong.sum())
        summary["test_errors_flagged"] = errors_flagged
        summary["test_errors_flagged_share"] = round(errors_flagged / max(1, int(wrong.sum())), 4)
    return summary


def record_label_audit(run, audits: Sequence[LabelAudit], class_names: Sequence[str],
                       texts: dict[str, Sequence[str]], *, predicted: np.ndarray | None = None,
                       errors_csv: bool = True) -> dict:
    """Write what a run gets from the audit (see the module docstring) and return the summary.

    Args:
        run: the :class:`toolkit.runs.Run`.
        audits: the audited splits, the test split last.
        class_names: the names of the label indices.
        texts: each split's texts, by split name.
        predicted: the model's test predictions (after its threshold): which test rows are
            errors. Without it the test errors are not counted.
        errors_csv: extend the run's ``errors.csv`` with the test audit's columns.
    """
    test = audits[-1]
    wrong = (np.asarray(predicted) != test.labels) if predicted is not None else None
    rows = [row for audit in audits
            for row in issue_rows(audit, texts.get(audit.split, []), class_names)]
    write_issues_csv(run.path(ISSUES_CSV), rows)
    summary = {**summarise(audits, wrong=wrong), "csv": ISSUES_CSV, "method": CITATION}
    examples = []
    if wrong is not None:
        test_texts = texts.get(test.split, [])
        candidates = np.flatnonzero(wrong & test.issues)
        for index in candidates[np.argsort(test.quality[candidates], kind="stable")][:EXAMPLES]:
            examples.append({"text": test_texts[index] if index < len(test_texts) else "",
                             "given_label": class_names[test.labels[index]],
                             "predicted": class_names[int(predicted[index])],
                             "label_quality": round(float(test.quality[index]), 4)})
        if errors_csv:
            add_columns_to_errors_csv(run.path("errors.csv"), test)
        for row in run.record.get("misclassified") or []:
            index = row.get("index")
            if isinstance(index, int) and 0 <= index < len(test.issues):
                row["label_issue"] = "yes" if test.issues[index] else "no"
                row["label_quality"] = round(float(test.quality[index]), 4)
    run.record["label_audit"] = {**summary, "examples": examples}
    run.add_figure("label_quality", quality_figure(
        audits, run.path(FIGURE), wrong=wrong,
        title="Which labels does the model find unlikely? (confident learning, cleanlab)"))
    run.save()
    print(describe(summary))
    return summary


def describe(summary: dict) -> str:
    """One line for the terminal: what was flagged, and from which probabilities."""
    splits = [key[:-len("_flagged")] for key in summary if key.endswith("_flagged")
              and not key.startswith("test_errors")]
    parts = [f"{summary[f'{split}_flagged']:,} of {summary[f'{split}_rows']:,} {split} rows "
             f"({summary[f'{split}_source']})" for split in splits]
    text = "label audit: likely label errors: " + "; ".join(parts)
    if "test_errors" in summary:
        text += (f"; {summary['test_errors_flagged']} of the {summary['test_errors']} test "
                 f"errors look like label errors")
    return text + f" -> {summary.get('csv', ISSUES_CSV)}"


def skipped(run, error: CourseError) -> dict:
    """Record and print why the audit could not run; the rest of the run goes on."""
    run.record["label_audit"] = {"skipped": error.message}
    run.save()
    print(f"label audit skipped: {error.message}")
    return run.record["label_audit"]


def audit_with_cross_validation(run, features, labels: Sequence[int], texts: Sequence[str], *,
                                test_labels: Sequence[int], test_probabilities: np.ndarray,
                                test_texts: Sequence[str], class_names: Sequence[str],
                                model: str, folds: int = DEFAULT_FOLDS, seed: int = 42,
                                estimator=None) -> dict:
    """The whole audit for a lab with a cheap model: out-of-fold probabilities of the
    training rows (``estimator`` on ``features``, K-fold ``cross_val_predict``), the test
    rows scored by the lab's trained model (``test_probabilities``), then
    :func:`record_label_audit`. ``model`` names the cheap model for the record."""
    try:
        probabilities = out_of_fold_probabilities(features, labels, folds=folds, seed=seed,
                                                  estimator=estimator)
    except CourseError as error:  # e.g. a class with one training row: the run goes on
        return skipped(run, error)
    folds = usable_folds(labels, folds)
    train = audit_split(labels, probabilities, split="train",
                        source=f"{folds}-fold cross_val_predict of {model}")
    test = audit_split(test_labels, test_probabilities, split="test",
                       source="the trained model's predictions")
    return record_label_audit(run, [train, test], class_names,
                              {"train": texts, "test": test_texts},
                              predicted=np.asarray(test_probabilities).argmax(axis=1))
