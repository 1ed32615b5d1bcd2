"""The never-seen-CSV benchmark builds its files from the vaderSentiment archive and scores.

A tiny archive of the same shape (a tar.gz inside a tar.gz) stands in for the PyPI sdist;
the lab run itself is measured by hand (see the benchmark's docstring), not here.
"""

from __future__ import annotations

import csv
import io
import tarfile
from pathlib import Path

import pytest
from benchmark_modules import load_benchmark


@pytest.fixture(scope="module")
def own_csv():
    return load_benchmark("own_csv")


def tar_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def fake_sdist(path: Path, lines: list[str]) -> Path:
    inner = tar_bytes({"hutto_ICWSM_2014/tweets_GroundTruth.txt":
                       "\r\n".join(lines).encode("utf-8")})
    path.write_bytes(tar_bytes({"vaderSentiment-3.3.2/additional_resources/"
                                "hutto_ICWSM_2014.tar.gz": inner}))
    return path


def test_labels_are_the_sign_of_the_rating_and_the_test_file_hides_them(own_csv, tmp_path):
    lines = [f"{i}\t{(-1) ** i * (0.5 + i % 3)}\ttweet number {i}"
             for i in range(1, 51)]
    lines += ["51\t0\ta neutral tweet", "52\t1.5\t", "not a rated line"]
    rows = own_csv.read_rated_texts(fake_sdist(tmp_path / "v.tar.gz", lines), "tweets")
    assert len(rows) == 51  # the empty text and the malformed line are skipped
    counts = own_csv.write_files(rows, tmp_path / "out")
    assert counts["dropped_neutral"] == 1 and counts["texts"] == 50
    assert counts["train"] + counts["test"] == 50 and counts["test"] == 10
    with open(tmp_path / "out" / "train.csv", newline="") as file:
        train = list(csv.DictReader(file))
    assert {row["sentiment"] for row in train} == {"positive", "negative"}
    for row in train:  # odd numbers were rated below zero
        number = int(row["text"].split()[2])
        assert row["sentiment"] == ("negative" if number % 2 else "positive")
    with open(tmp_path / "out" / "test_unlabelled.csv", newline="") as file:
        header = next(csv.reader(file))
    assert header == ["id", "text"]
    labels = tmp_path / "out" / "test_labels.csv"
    assert own_csv.score_submission(labels, labels) == {"accuracy": 1.0, "macro_f1": 1.0}
    with open(labels, newline="") as file:
        rows = list(csv.DictReader(file))
    flipped = tmp_path / "submission.csv"
    with open(flipped, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "sentiment"])
        writer.writerows((row["id"], "positive") for row in rows)
    score = own_csv.score_submission(flipped, labels)
    assert score["accuracy"] == pytest.approx(
        sum(row["sentiment"] == "positive" for row in rows) / len(rows))


def test_an_archive_of_something_else_is_refused(own_csv, tmp_path):
    other = tmp_path / "other.tar.gz"
    other.write_bytes(tar_bytes({"README": b"hello"}))
    with pytest.raises(SystemExit, match="is it vaderSentiment"):
        own_csv.read_rated_texts(other, "tweets")
