"""How well does the label audit find label errors? Flip 5% of the SST-2 training labels
at random, audit, and compare the flags with the flips.

For each seed: flip ``--noise`` (5%) of the training labels at random (the flips are the
known label errors; the data's own label errors, which nobody knows, count as false
alarms here, so the precision is a lower bound), score every training row out of fold
(5-fold ``cross_val_predict`` of a cheap model, as ``toolkit.label_audit`` does in the labs),
flag with ``cleanlab.filter.find_label_issues``, and report:

- precision and recall of the flagged rows against the flipped ones;
- test accuracy of the same model trained on the clean labels, on the noisy ones, on the
  noisy ones minus the flagged rows, and minus as many rows chosen at random (does dropping
  the *flagged* rows help, or would dropping any rows do?).

Models (``--models``): ``bow`` (TF-IDF unigrams + bigrams, logistic regression, lab 4's
model: seconds) and ``minilm`` (frozen all-MiniLM-L6-v2 mean-pooled embeddings + logistic
regression, lab 6's baseline; the embeddings are computed once per data set, minutes on a CPU).
Data (``--datasets``): ``sentences`` (the 6,920 / 1,821 SST-2 sentences of Kim 2014) and
``phrases`` (GLUE's 67,349 training phrases, tested on its 872 dev sentences; bow only).

    python benchmarks/label_noise.py --data-dir ../shared/data
    python benchmarks/label_noise.py --data-dir ../shared/data --models bow minilm \\
        --datasets sentences phrases --seeds 0 1 2

Prints one row per (data, model, seed), then the means. The measured figures:
benchmarks/label_noise_results.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit import label_audit  # noqa: E402


def flip_labels(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(noisy labels, flipped row indices)``: ``share`` of the rows get another class,
    chosen at random."""
    rng = np.random.default_rng(seed)
    flipped = np.sort(rng.choice(len(labels), int(round(share * len(labels))), replace=False))
    noisy = labels.copy()
    classes = int(labels.max()) + 1
    noisy[flipped] = (labels[flipped] + rng.integers(1, classes, len(flipped))) % classes
    return noisy, flipped


def precision_recall(flagged: np.ndarray, flipped: np.ndarray) -> tuple[float, float]:
    """Precision and recall of the flagged row indices against the flipped ones."""
    hits = len(np.intersect1d(flagged, flipped))
    return hits / max(1, len(flagged)), hits / max(1, len(flipped))


def make_classifier():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000, C=1.0)


def test_accuracy(features, labels, test_features, test_labels, keep=None) -> float:
    keep = np.arange(len(labels)) if keep is None else keep
    model = make_classifier().fit(features[keep], labels[keep])
    return float((model.predict(test_features) == test_labels).mean())


def one_seed(features, labels, test_features, test_labels, *, noise: float, seed: int,
             folds: int) -> dict:
    """The audit of one random flip of ``noise`` of the labels, and the four accuracies."""
    start = time.perf_counter()
    noisy, flipped = flip_labels(labels, noise, seed)
    probabilities = label_audit.out_of_fold_probabilities(features, noisy, folds=folds,
                                                          seed=seed, estimator=make_classifier())
    audit = label_audit.audit_split(noisy, probabilities, split="train", source="benchmark")
    flagged = np.flatnonzero(audit.issues)
    precision, recall = precision_recall(flagged, flipped)
    rng = np.random.default_rng(seed + 1000)
    random_rows = rng.choice(len(labels), len(flagged), replace=False)
    return {
        "seed": seed, "flipped": len(flipped), "flagged": len(flagged),
        "precision": precision, "recall": recall,
        "acc_clean": test_accuracy(features, labels, test_features, test_labels),
        "acc_noisy": test_accuracy(features, noisy, test_features, test_labels),
        "acc_minus_flagged": test_accuracy(features, noisy, test_features, test_labels,
                                           np.setdiff1d(np.arange(len(labels)), flagged)),
        "acc_minus_random": test_accuracy(features, noisy, test_features, test_labels,
                                          np.setdiff1d(np.arange(len(labels)), random_rows)),
        "seconds": time.perf_counter() - start}


def load(dataset: str, data_dir: str | None):
    from toolkit.text import datasets

    if dataset == "sentences":
        data = datasets.load_sst2_sentences(data_dir)
        return data.x_train, data.y_train, data.x_test, data.y_test
    data = datasets.load_sst2_glue(data_dir)  # train phrases; dev sentences as the test
    return data.x_train + data.x_val, np.concatenate([data.y_train, data.y_val]), \
        data.x_test, data.y_test


def bag_of_words(train: list[str], test: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    return vectorizer.fit_transform(train), vectorizer.transform(test)


def minilm(train: list[str], test: list[str], cache: Path | None):
    """Mean-pooled all-MiniLM-L6-v2 vectors, cached as .npy under ``cache``."""
    if cache is not None and (cache / "train.npy").is_file():
        return np.load(cache / "train.npy"), np.load(cache / "test.npy")
    from toolkit.text import bert

    preset = bert.resolve_preset(bert.OFFLINE_PRESET)
    tokenizer, backbone = bert.make_tokenizer(preset), bert.load_backbone(preset)
    vectors = [bert.sentence_embeddings(backbone, tokenizer.encode(texts, 128).token_ids,
                                        pad_id=tokenizer.pad_id) for texts in (train, test)]
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.save(cache / "train.npy", vectors[0])
        np.save(cache / "test.npy", vectors[1])
    return vectors


def print_rows(rows: list[dict]) -> None:
    header = ("data", "model", "seed", "flipped", "flagged", "precision", "recall", "acc_clean",
              "acc_noisy", "acc_minus_flagged", "acc_minus_random", "seconds")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(f"{row[key]:.2%}" if key.startswith(("acc", "precision", "recall"))
                         else f"{row[key]:.0f}" if key == "seconds" else str(row[key])
                         for key in header))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None, help="folder with the SST-2 files")
    parser.add_argument("--datasets", nargs="+", choices=("sentences", "phrases"),
                        default=["sentences"])
    parser.add_argument("--models", nargs="+", choices=("bow", "minilm"), default=["bow"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--noise", type=float, default=0.05, help="share flipped (0.05)")
    parser.add_argument("--folds", type=int, default=label_audit.DEFAULT_FOLDS)
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder to keep the MiniLM embeddings in between runs")
    args = parser.parse_args(argv)
    rows = []
    for dataset in args.datasets:
        train, labels, test, test_labels = load(dataset, args.data_dir)
        for model in args.models:
            if model == "minilm" and dataset == "phrases":
                print("skipped: minilm on the 67,349 phrases (an hour of CPU embedding)")
                continue
            start = time.perf_counter()
            features, test_features = (bag_of_words(train, test) if model == "bow" else minilm(
                train, test, args.cache / dataset if args.cache else None))
            print(f"{dataset} / {model}: {len(train):,} train, {len(test):,} test; features "
                  f"in {time.perf_counter() - start:.0f} s", flush=True)
            for seed in args.seeds:
                row = {"data": dataset, "model": model, **one_seed(
                    features, labels, test_features, test_labels, noise=args.noise,
                    seed=seed, folds=args.folds)}
                rows.append(row)
                print_rows([row])
    print("\nall rows:")
    print_rows(rows)
    print("\nmeans over the seeds:")
    groups = {}
    for row in rows:
        groups.setdefault((row["data"], row["model"]), []).append(row)
    means = [{"data": data, "model": model, "seed": "mean", **{
        key: float(np.mean([row[key] for row in group])) for key in group[0]
        if key not in ("data", "model", "seed")}} for (data, model), group in groups.items()]
    for row in means:
        row["flipped"], row["flagged"] = round(row["flipped"]), round(row["flagged"])
    print_rows(means)
    return 0


if __name__ == "__main__":
    sys.exit(main())
