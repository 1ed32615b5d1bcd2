"""Model error or label error? ``toolkit.label_audit`` (confident learning with cleanlab), its
part in the reflection draft, lab 6's ``audit-labels`` command and its choice of probabilities.
Tiny synthetic data the tests build themselves."""

from __future__ import annotations

import argparse
import csv
import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from toolkit import label_audit, reflection
from toolkit.errors import CourseError


def blobs(n: int = 200, flips: int = 10, seed: int = 0):
    """Two well-separated Gaussian classes in 5-D, with the labels of ``flips`` rows flipped."""
    rng = np.random.default_rng(seed)
    clean = np.arange(n) % 2
    features = rng.normal(0, 1, (n, 5)) + 3.0 * clean[:, None]
    flipped = rng.choice(n, flips, replace=False)
    noisy = clean.copy()
    noisy[flipped] = 1 - noisy[flipped]
    return features, clean, noisy, flipped


class StubRun:
    """What ``record_label_audit`` uses of a :class:`toolkit.runs.Run`."""

    def __init__(self, folder: Path):
        self.dir, self.record, self.saved = folder, {"misclassified": [], "figures": {}}, 0

    def path(self, name: str) -> Path:
        return self.dir / name

    def add_figure(self, key: str, path) -> None:
        self.record["figures"][key] = Path(path).name

    def save(self) -> None:
        self.saved += 1


def test_out_of_fold_audit_finds_flipped_labels():
    features, _, noisy, flipped = blobs()
    probabilities = label_audit.out_of_fold_probabilities(features, noisy, folds=5, seed=1)
    assert probabilities.shape == (200, 2)
    audit = label_audit.audit_split(noisy, probabilities, split="train", source="test")
    found = set(np.flatnonzero(audit.issues))
    assert len(found & set(flipped)) >= 8  # recall
    assert len(found - set(flipped)) <= 4  # precision
    assert audit.quality[flipped].mean() < audit.quality[np.setdiff1d(np.arange(200),
                                                                      flipped)].mean()


def test_clean_confident_predictions_flag_nothing():
    labels = np.arange(40) % 2
    probabilities = np.eye(2)[labels] * 0.9 + 0.05
    audit = label_audit.audit_split(labels, probabilities, split="test", source="model")
    assert audit.flagged == 0


@pytest.mark.parametrize("probabilities, message", [
    (np.full((4, 2), np.nan), "NaN"), (np.full((3, 2), 0.5), "4 labels"),
    (np.full((4, 1), 1.0), "outside")])
def test_bad_probabilities_are_a_clear_error(probabilities, message):
    with pytest.raises(CourseError, match=message):
        label_audit.audit_split([0, 1, 0, 1], probabilities, split="x", source="y")


def test_out_of_fold_needs_two_rows_per_class():
    with pytest.raises(CourseError, match="class counts"):
        label_audit.out_of_fold_probabilities(np.zeros((5, 2)), [0, 0, 0, 0, 1])


def test_record_label_audit_writes_csv_errors_columns_record_and_draft(tmp_path):
    features, clean, noisy, flipped = blobs(seed=3)
    train = label_audit.audit_split(noisy, label_audit.out_of_fold_probabilities(
        features, noisy, folds=4), split="train", source="4-fold cross_val_predict")
    # test split: a perfect model (it predicts the clean class) facing flipped test labels
    test_probabilities = np.eye(2)[clean] * 0.9 + 0.05
    test = label_audit.audit_split(noisy, test_probabilities, split="test", source="the model")
    run = StubRun(tmp_path)
    texts = [f"text {i}, with a | pipe" for i in range(200)]
    wrong = np.flatnonzero(clean != noisy)
    with open(run.path("errors.csv"), "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["index", "id", "true", "predicted", "error_type", "fix_idea"])
        writer.writerows([[i, i, noisy[i], clean[i], "", ""] for i in wrong])
    run.record["misclassified"] = [{"index": int(i), "confidence": 0.9, "loss": 2.0}
                                   for i in wrong[:3]]
    summary = label_audit.record_label_audit(run, [train, test], ["neg", "pos"],
                                             {"train": texts, "test": texts},
                                             predicted=clean)
    assert summary["test_errors"] == len(flipped)
    assert summary["test_errors_flagged"] == int(test.issues[wrong].sum()) >= 8
    rows = list(csv.DictReader(open(run.path("label_issues.csv"), encoding="utf-8")))
    assert {row["split"] for row in rows} == {"train", "test"}
    assert len(rows) == train.flagged + test.flagged
    assert rows[0]["your_verdict"] == ""
    errors = list(csv.DictReader(open(run.path("errors.csv"), encoding="utf-8")))
    assert list(errors[0])[-4:] == ["label_issue", "label_quality", "error_type", "fix_idea"]
    assert {row["label_issue"] for row in errors} <= {"yes", "no"}
    assert sum(row["label_issue"] == "yes" for row in errors) == summary["test_errors_flagged"]
    assert all("label_issue" in row for row in run.record["misclassified"])
    assert run.path("label_quality.png").stat().st_size > 5000
    examples = run.record["label_audit"]["examples"]
    assert len(examples) == 3 and all(example["label_quality"] < 0.5 for example in examples)
    text = reflection._label_audit(json.loads(json.dumps(run.record)))
    assert f"{summary['test_errors_flagged']} of the {summary['test_errors']}" in text
    assert "4-fold cross_val_predict" in text and reflection.TODO in text
    assert "\\|" in text  # the sample texts sit in an escaped Markdown table


@pytest.mark.parametrize("audit", [None, "text", {"test_errors": "3"},
                                   {"test_errors": 3, "test_errors_flagged": -1}])
def test_draft_skips_a_missing_or_malformed_audit(audit):
    assert reflection._label_audit({"label_audit": audit}) == ""


def test_audit_labels_command_on_a_small_csv(tmp_path, capsys):
    audit_labels = importlib.import_module("labs.lab06_bert_finetune.audit_labels")

    words = {"pos": "great lovely superb fine", "neg": "awful dull boring bad"}
    rows = [(f"{words[label]} film number {i}", label)
            for i in range(60) for label in ("pos", "neg")]
    rows[0] = (rows[0][0], "neg")  # a flipped label
    data = tmp_path / "reviews.csv"
    with open(data, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([("review", "verdict"), *rows])
    out = tmp_path / "audit"
    argv = ["--data", str(data), "--text-column", "review", "--label-column", "verdict",
            "--features", "bag-of-words", "--out", str(out)]
    assert audit_labels.main(argv) == 0
    summary = json.loads((out / "label_audit.json").read_text())
    assert summary["rows"] == 120 and summary["flagged"] >= 1
    issues = list(csv.DictReader(open(out / "label_issues.csv", encoding="utf-8")))
    assert issues[0]["id"] == "2" and issues[0]["given_label"] == "neg"  # line 2 of the file
    assert (out / "label_quality.png").is_file()
    with pytest.raises(CourseError, match="already holds"):
        audit_labels.main(argv)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CourseError, match="text column"):
        audit_labels.main(["--data", str(bad), "--out", str(tmp_path / "other")])
    assert not (tmp_path / "other").exists()


class FakeTask:
    name, class_names = "sst2", ["negative", "positive"]

    def labels(self, split):
        return np.arange(20) % 2

    def texts(self, split):
        return [f"{split} {i}" for i in range(20)]


@pytest.mark.parametrize("folds, baseline, expected", [
    (3, None, "--folds 3"), (1, "embeddings", "cross_val_predict of frozen embeddings"),
    (1, None, "validation predictions")])
def test_lab6_states_which_probabilities_it_audits(folds, baseline, expected):
    from labs.lab06_bert_finetune.label_audit import training_probabilities

    rng = np.random.default_rng(0)
    outcome = {"probabilities": {"sst2": rng.dirichlet([1, 1], 20)}}
    if baseline:
        baseline = {"embeddings": {"train": rng.normal(0, 1, (20, 4))}}
    config = argparse.Namespace(folds=folds, seed=0)
    split, labels, probabilities, source = training_probabilities(outcome, baseline,
                                                                  FakeTask(), config)
    assert expected in source and probabilities.shape == (20, 2) and len(labels) == 20
    assert split == ("validation" if expected == "validation predictions" else "train")


def test_a_class_with_one_training_row_skips_the_audit_not_the_run(tmp_path, capsys):
    run = StubRun(tmp_path)
    labels = np.array([0] * 9 + [1])  # one row of class 1: no folds possible
    result = label_audit.audit_with_cross_validation(
        run, np.eye(10), labels, [str(i) for i in range(10)], test_labels=[0, 1],
        test_probabilities=np.full((2, 2), 0.5), test_texts=["a", "b"],
        class_names=["x", "y"], model="logistic regression")
    assert "class counts are [9, 1]" in result["skipped"]
    assert run.record["label_audit"] == result and run.saved == 1
    assert "label audit skipped" in capsys.readouterr().out
    assert not run.path("label_issues.csv").exists()
    assert reflection._label_audit(run.record) == ""
