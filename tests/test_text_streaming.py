"""Streaming a text file in batches (toolkit.text.streaming): every row once per epoch, bad
lines skipped, labels checked, and lab 5's --stream skipped on data that is not GLUE."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from labs.lab05_glove_lstm.stream import stream_corpus
from toolkit.errors import CourseError
from toolkit.text.processing import Vocabulary, get_tokenizer
from toolkit.text.streaming import TextFileBatches, stream_token_counts


def write_tsv(path, rows, header="sentence\tlabel"):
    path.write_text(header + "\n" + "".join(f"{line}\n" for line in rows), encoding="utf-8")
    return path


def test_every_row_streams_once_per_epoch_and_broken_lines_are_skipped(tmp_path):
    texts = [f"film number {i} was {'good' if i % 2 else 'bad'}" for i in range(23)]
    rows = [f"{text} \t{i % 2}" for i, text in enumerate(texts)]
    rows[5:5] = ["", "a line without a label", "\t1"]  # blank, broken, empty text
    path = write_tsv(tmp_path / "train.tsv", rows)
    tokenize = get_tokenizer("regex")
    counts, n = stream_token_counts(path, tokenize)
    assert n == 23 and counts["film"] == 23 and counts["good"] == 11
    vocabulary = Vocabulary(counts)
    batches = TextFileBatches(path, tokenize, vocabulary, length=6,
                              label_index={"0": 0, "1": 1}, batch_size=5, seed=0)
    assert len(batches) == 5 and batches.rows == 23
    expected = sorted((tuple(vocabulary.encode_padded([tokenize(t)], 6)[0]), i % 2)
                      for i, t in enumerate(texts))
    for _ in range(2):  # two epochs, shuffled batch order: still every row exactly once
        seen = []
        for index in range(len(batches)):
            x, y = batches[index]
            assert x.shape == (len(y), 6) and x.dtype == np.int32
            seen += [(tuple(row), int(label)) for row, label in zip(x, y, strict=True)]
        batches.on_epoch_end()
        assert sorted(seen) == expected
    quick = TextFileBatches(path, tokenize, vocabulary, length=6, label_index={"0": 0, "1": 1},
                            batch_size=4, max_rows=10, shuffle=False)
    assert quick.rows == 10 and sum(len(quick[i][1]) for i in range(len(quick))) == 10


def test_unknown_labels_columns_and_empty_files_are_clear_errors(tmp_path):
    tokenize = get_tokenizer("regex")
    vocabulary = Vocabulary(stream_token_counts(
        write_tsv(tmp_path / "a.tsv", ["good film\t1"]), tokenize)[0])
    odd = write_tsv(tmp_path / "odd.tsv", ["good film\tmaybe"])
    with pytest.raises(CourseError, match="'maybe' is not one of the training labels"):
        TextFileBatches(odd, tokenize, vocabulary, length=3, label_index={"1": 1})[0]
    with pytest.raises(CourseError, match="header has no 'sentence'"):
        stream_token_counts(write_tsv(tmp_path / "b.tsv", ["x\t1"], header="text\ty"),
                            tokenize)
    with pytest.raises(CourseError, match="no text to stream"):
        TextFileBatches(write_tsv(tmp_path / "c.tsv", []), tokenize, vocabulary, length=3,
                        label_index={"1": 1})


class _Run:
    def __init__(self):
        self.record = {"results": {}}


def test_lab05_stream_only_reads_glue():
    run = _Run()
    data = argparse.Namespace(name="my_reviews")
    assert stream_corpus({}, None, data, argparse.Namespace(stream=True), run, None) is None
    assert "sst2_glue" in run.record["results"]["stream"]["skipped"]
    assert stream_corpus({}, None, data, argparse.Namespace(stream=False), _Run(), None) is None
