"""Lab 6 on a labelled CSV the project has never seen: build it, fine-tune, predict, score.

The data: the human-rated tweets (4,200) or Amazon review snippets (3,708) that C.J. Hutto and
E. Gilbert published with VADER (ICWSM 2014). They ship inside the source archive of the PyPI
package vaderSentiment, so pip fetches them where model hubs are out of reach::

    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d /tmp/vader
    python benchmarks/own_csv.py --sdist /tmp/vader/vaderSentiment-3.3.2.tar.gz \
        --source tweets --out /tmp/own_csv

Each text's label is the sign of its mean rating by about 20 people (``positive`` or
``negative``); the few rated exactly 0 are dropped. This rule was fixed before any run. A
stratified 20% is written without labels (``test_unlabelled.csv``, for ``predict``) and its
labels apart (``test_labels.csv``); the lab trains on ``train.csv`` and holds out its own 20%.

Then it runs what a student would (``--no-run`` only writes the files)::

    python -m labs.lab06_bert_finetune --data train.csv --text-column text \
        --label-column sentiment --preset all-minilm-l6-v2 --epochs 2 --learning-rate 8e-5 \
        --monitor val_accuracy
    python -m labs.lab06_bert_finetune predict RUN_DIR --data test_unlabelled.csv \
        --id-column id --out submission.csv

and prints the held-out accuracy, the training time and the submission's accuracy against the
labels it never saw. On the course's 2-core CPU one run takes 5-8 minutes. Nothing of the data
is committed: the files live under ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from toolkit.record import read_record
from toolkit.runs import list_runs

ARCHIVE = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
SOURCES = {"tweets": "tweets_GroundTruth.txt", "amazon": "amazonReviewSnippets_GroundTruth.txt"}
LAB_ID = "lab06_bert_finetune"
LAB = f"labs.{LAB_ID}"


def read_rated_texts(sdist: Path, source: str) -> list[tuple[str, float]]:
    """``(text, mean rating)`` pairs of one ground-truth file inside the vaderSentiment sdist."""
    with tarfile.open(sdist) as outer:
        try:
            inner_file = outer.extractfile(ARCHIVE)
        except KeyError:
            inner_file = None
        if inner_file is None:
            raise SystemExit(f"{sdist} has no {ARCHIVE}: is it vaderSentiment 3.3.2's sdist?")
        with tarfile.open(fileobj=inner_file) as inner:
            member = next(m for m in inner.getmembers() if m.name.endswith(SOURCES[source]))
            lines = inner.extractfile(member).read().decode("utf-8", "replace").splitlines()
    rows = []
    for line in lines:
        parts = line.split("\t", 2)
        if len(parts) == 3 and parts[2].strip():
            rows.append((parts[2].strip(), float(parts[1])))
    return rows


def write_files(rows: list[tuple[str, float]], out: Path, seed: int = 0) -> dict[str, int]:
    """train.csv, test_unlabelled.csv and test_labels.csv under ``out``; counts per file."""
    rated = [(text, "positive" if score > 0 else "negative") for text, score in rows if score]
    texts, labels = zip(*rated, strict=True)
    ids = [f"t{index:05d}" for index in range(len(texts))]
    train_index, test_index = train_test_split(
        np.arange(len(texts)), test_size=0.2, stratify=labels, random_state=seed)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "train.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "sentiment"])
        writer.writerows((texts[i], labels[i]) for i in train_index)
    with open(out / "test_unlabelled.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "text"])
        writer.writerows((ids[i], texts[i]) for i in test_index)
    with open(out / "test_labels.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "sentiment"])
        writer.writerows((ids[i], labels[i]) for i in test_index)
    positive = sum(label == "positive" for label in labels)
    return {"texts": len(texts), "positive": positive, "negative": len(texts) - positive,
            "dropped_neutral": len(rows) - len(texts), "train": len(train_index),
            "test": len(test_index)}


def score_submission(submission: Path, labels: Path) -> dict[str, float]:
    """Accuracy and macro F1 of ``submission.csv`` against the held-back labels."""
    def read(path):
        with open(path, newline="", encoding="utf-8") as file:
            return {row["id"]: row["sentiment"] for row in csv.DictReader(file)}

    truth, predicted = read(labels), read(submission)
    if set(truth) != set(predicted):
        raise SystemExit(f"{submission} does not cover the {len(truth)} test ids")
    keys = sorted(truth)
    y_true, y_pred = [truth[k] for k in keys], [predicted[k] for k in keys]
    return {"accuracy": accuracy_score(y_true, y_pred),
            "macro_f1": f1_score(y_true, y_pred, average="macro")}


def run_lab(out: Path, extra: list[str]) -> dict:
    """Train, predict, score; the figures of one run."""
    runs = out / "runs"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", LAB, "--data", str(out / "train.csv"),
                    "--text-column", "text", "--label-column", "sentiment",
                    "--preset", "all-minilm-l6-v2", "--epochs", "2", "--learning-rate", "8e-5",
                    "--monitor", "val_accuracy", "--out", str(runs), *extra], check=True)
    wall = time.perf_counter() - start
    run_dir = list_runs(LAB_ID, runs)[-1]  # oldest first: the run just made is the last
    record = read_record(run_dir)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", LAB, "predict", str(run_dir),
                    "--data", str(out / "test_unlabelled.csv"), "--id-column", "id",
                    "--out", str(out / "submission.csv"), "--force"], check=True)
    predict_s = time.perf_counter() - start
    metrics = record.get("metrics", {})
    return {"run_dir": str(run_dir), "lab_wall_s": round(wall), "predict_s": round(predict_s),
            "training_s": record.get("training", {}).get("time_s"),
            "best_epoch": record.get("training", {}).get("best_epoch"),
            "held_out": {key: metrics.get(key) for key in ("accuracy", "macro_f1", "samples")},
            "validation_accuracy": record.get("results", {}).get(
                "validation_metrics", {}).get("accuracy"),
            "submission": score_submission(out / "submission.csv", out / "test_labels.csv")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", type=Path, required=True,
                        help="vaderSentiment-3.3.2.tar.gz (pip download, see above)")
    parser.add_argument("--source", choices=sorted(SOURCES), default="tweets")
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSVs and runs")
    parser.add_argument("--no-run", action="store_true", help="only write the CSV files")
    args, extra = parser.parse_known_args(argv)  # anything else goes to the lab
    counts = write_files(read_rated_texts(args.sdist, args.source), args.out / args.source)
    print(f"{args.source}: {counts}")
    if args.no_run:
        return 0
    figures = run_lab(args.out / args.source, extra)
    print(json.dumps({**counts, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
