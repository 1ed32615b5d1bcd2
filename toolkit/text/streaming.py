"""Train from a text file too large for memory: a ``keras.utils.PyDataset`` that reads one
batch of lines at a time, tokenizes and pads it, and forgets it.

Memory stays bounded by one batch (plus the vocabulary and one file offset per batch), not by
the size of the corpus. Works on every Keras backend. The file is tab-separated with a header
row, one text a line (the format GLUE writes); the first pass, :func:`stream_token_counts`,
counts tokens line by line to build the vocabulary and notes where each batch starts.

Example:
    >>> counts, rows = stream_token_counts("train.tsv", tokenize)
    >>> vocabulary = Vocabulary(counts, max_size=20000)
    >>> batches = TextFileBatches("train.tsv", tokenize, vocabulary, length=40,
    ...                           label_index={"0": 0, "1": 1})
    >>> model.fit(batches, epochs=1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import keras
import numpy as np

from toolkit.errors import CourseError
from toolkit.text.processing import Vocabulary


def _columns(path: Path, text_column: str, label_column: str) -> tuple[int, int, int]:
    """``(width, text index, label index)`` from the header line."""
    with open(path, "rb") as stream:
        header = stream.readline().decode("utf-8", errors="replace").rstrip("\r\n").split("\t")
    try:
        return len(header), header.index(text_column), header.index(label_column)
    except ValueError:
        raise CourseError(f"{path}: the header has no '{text_column}' and '{label_column}' "
                          f"columns", why=f"it has {', '.join(header)}",
                          fix="stream a tab-separated file with a header row") from None


def _parse(line: bytes, columns: tuple[int, int, int]) -> tuple[str, str] | None:
    """``(text, label)`` of one line, or ``None`` for a blank or broken line (skipped, as the
    in-memory reader drops it)."""
    width, text_at, label_at = columns
    cells = line.decode("utf-8", errors="replace").rstrip("\r\n").split("\t")
    if len(cells) != width or not cells[text_at].strip():
        return None
    return cells[text_at].strip(), cells[label_at].strip()


def _rows(path: Path, columns: tuple[int, int, int],
          max_rows: int | None = None) -> Iterator[tuple[int, str, str]]:
    """``(byte offset, text, label)`` of every data line, read one line at a time."""
    with open(path, "rb") as stream:
        stream.readline()  # the header
        count = 0
        while max_rows is None or count < max_rows:
            offset = stream.tell()
            line = stream.readline()
            if not line:
                return
            row = _parse(line, columns)
            if row is not None:
                count += 1
                yield offset, *row


def stream_token_counts(path: str | Path, tokenize: Callable[[str], list[str]], *,
                        text_column: str = "sentence", label_column: str = "label",
                        max_rows: int | None = None) -> tuple[Counter, int]:
    """First pass: token frequencies of every text and the number of rows, one line at a time."""
    counts: Counter = Counter()
    rows = 0
    path = Path(path)
    for _, text, _ in _rows(path, _columns(path, text_column, label_column), max_rows):
        counts.update(tokenize(text))
        rows += 1
    return counts, rows


class TextFileBatches(keras.utils.PyDataset):
    """Batches of ``(token ids, labels)`` read from a file on demand.

    Args:
        path: a tab-separated file with a header row, one text a line.
        tokenize: ``text -> tokens``.
        vocabulary: a :class:`~toolkit.text.processing.Vocabulary` (from the first pass).
        length: tokens per text (padded with 0 or cut).
        label_index: label as written in the file -> class index.
        batch_size: rows per batch (default 128).
        shuffle: reshuffle the order of the batches after every epoch (default ``True``;
            the rows inside a batch stay together, so the file is still read in runs).
        text_column, label_column: header names (default ``sentence`` and ``label``, GLUE's).
        max_rows: read only the first rows (e.g. ``--quick``; default all).
        seed: for the shuffling.
    """

    def __init__(self, path: str | Path, tokenize: Callable[[str], list[str]],
                 vocabulary: Vocabulary, *, length: int, label_index: dict[str, int],
                 batch_size: int = 128, shuffle: bool = True, text_column: str = "sentence",
                 label_column: str = "label", max_rows: int | None = None, seed: int = 42):
        super().__init__()
        self.path, self.tokenize, self.vocabulary = Path(path), tokenize, vocabulary
        self.length, self.label_index, self.batch_size = length, label_index, batch_size
        self.columns, self.shuffle = _columns(self.path, text_column, label_column), shuffle
        starts, rows = [], 0
        for offset, _, _ in _rows(self.path, self.columns, max_rows):
            if rows % batch_size == 0:
                starts.append(offset)
            rows += 1
        if not rows:
            raise CourseError(f"{self.path} holds no text to stream", fix="check the file")
        self.rows = rows
        self.starts = np.asarray(starts, dtype=np.int64)  # one offset per batch: 8 bytes each
        self.order = np.arange(len(starts))
        self.rng = np.random.default_rng(seed)
        if shuffle:
            self.rng.shuffle(self.order)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int):
        batch = int(self.order[index])
        wanted = min(self.batch_size, self.rows - batch * self.batch_size)
        texts, labels = [], []
        with open(self.path, "rb") as stream:
            stream.seek(int(self.starts[batch]))
            while len(texts) < wanted:
                line = stream.readline()
                if not line:
                    break
                row = _parse(line, self.columns)
                if row is not None:
                    texts.append(row[0])
                    labels.append(row[1])
        try:
            y = np.array([self.label_index[label] for label in labels], dtype=np.int32)
        except KeyError as error:
            raise CourseError(f"{self.path}: label {error} is not one of the training labels",
                              fix="stream the file the classes came from") from None
        x = self.vocabulary.encode_padded([self.tokenize(text) for text in texts], self.length)
        return x, y

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)
