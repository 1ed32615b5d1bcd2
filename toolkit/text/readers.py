"""Reading labelled (and unlabelled) text from files: CSV/TSV tables, ``label sentence`` lines.

A file becomes :class:`RawTexts` (texts, labels as written, the line of each row); the
labels then become integers with :func:`encode_labels`. Columns are found by name
(``--text-column`` / ``--label-column``) or guessed from usual names (``sentence``, ``text``,
``review``...; ``label``, ``sentiment``, ``class``...). Every problem with a file (empty,
missing column, non-UTF-8 bytes, blank text, one class only, a label column that holds text
or scores) raises :class:`~toolkit.errors.CourseError` naming the file, the line and the
column. The data sets built from these readers live in :mod:`toolkit.text.datasets`.

Example:
    >>> from toolkit.text.readers import read_text_table
    >>> raw = read_text_table("reviews.csv", text_column="review", label_column="stars")
    >>> raw.texts[0], raw.labels[0], raw.lines[0]
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit.errors import CourseError
from toolkit.formats import is_number

# What a spreadsheet or pandas writes for a missing value: such a row has no label.
MISSING_VALUES = {"", "nan", "na", "n/a", "null", "none"}
TEXT_COLUMN_GUESSES = ("sentence", "text", "review", "content", "document", "utterance",
                       "description")
LABEL_COLUMN_GUESSES = ("label", "labels", "sentiment", "class", "category", "topic", "intent",
                        "target")


# --- reading files ----------------------------------------------------------------------------

def read_utf8(path: str | Path) -> str:
    """The text of ``path``; a CourseError naming the line when a byte is not UTF-8."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CourseError(f"{path} does not exist", fix="check the path you passed") from None
    except IsADirectoryError:
        raise CourseError(f"{path} is a folder, not a file", fix="pass the file inside it") \
            from None
    except OSError as error:
        raise CourseError(f"{path} cannot be read", why=str(error)) from None
    try:
        return data.decode("utf-8-sig")  # -sig: a byte-order mark (Excel's CSV export) is dropped
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise CourseError(
            f"{path} line {line} is not UTF-8 text",
            why=f"byte 0x{data[error.start]:02x} at character {column} of that line",
            fix=f"save the file as UTF-8, e.g. iconv -f cp1252 -t utf-8 {path.name} > "
                f"{path.stem}.utf8{path.suffix}") from None


def _delimiter(path: Path, first_line: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    if path.suffix.lower() == ".csv":
        return ","
    return "\t" if "\t" in first_line else ","


def _pick_column(header: list[str], wanted: str | None, guesses: tuple[str, ...], path: Path,
                 role: str, flag: str) -> int:
    found = ", ".join(repr(name) for name in header)
    if wanted is not None:
        if wanted in header:
            return header.index(wanted)
        lowered = [name.lower() for name in header]
        if wanted.lower() in lowered:
            return lowered.index(wanted.lower())
        raise CourseError(f"{path} has no {role} column '{wanted}'",
                          why=f"the columns found on line 1 are {found}",
                          fix=f"pass {flag} with one of those names (the file needs a header row)")
    for guess in guesses:
        for index, name in enumerate(header):
            if name.strip().lower() == guess:
                return index
    raise CourseError(f"{path} has no {role} column I can recognise",
                      why=f"the columns found on line 1 are {found}",
                      fix=f"name it with {flag} (the file needs a header row)")


@dataclass
class RawTexts:
    """Texts and their labels as read from a file, before the labels become integers.

    ``lines[i]`` is the line of the file where row ``i`` ends and ``label_source`` says where
    the label sits (e.g. ``"column 'label'"``): both name the place in error messages.
    ``dropped`` maps a reason (``"empty text"``, ``"no label"``) to the lines left out.
    """

    texts: list[str]
    labels: list[str]
    lines: list[int]
    label_source: str
    dropped: dict[str, list[int]] = field(default_factory=dict)
    text_column: str = "text"
    label_column: str = "label"

    def dropped_note(self, path: Path | str) -> str | None:
        """One line saying how many rows were left out and why (``None`` when none were)."""
        if not self.dropped:
            return None
        parts = []
        for reason, lines in self.dropped.items():
            shown = ", ".join(str(line) for line in lines[:5]) + (", ..." if len(lines) > 5
                                                                  else "")
            parts.append(f"{len(lines):,} with {reason} (line{'s' if len(lines) > 1 else ''} "
                         f"{shown})")
        total = sum(len(lines) for lines in self.dropped.values())
        return f"{Path(path).name}: dropped {total:,} row{'s' if total > 1 else ''}: " \
               + "; ".join(parts)


def _table_rows(path: Path):
    """``(header, reader, delimiter)`` of a CSV/TSV file with a header row."""
    text = read_utf8(path)
    if not text.strip():
        raise CourseError(f"{path} is empty", fix="check that you passed the right file")
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(path, first_line)
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as error:
        raise CourseError(f"{path} line 1 is not a valid header", why=str(error)) from None
    return header, reader, delimiter


def _data_rows(path: Path, header: list[str], reader, delimiter: str):
    """Every non-blank row with its line number; a row of the wrong width is an error."""
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # a blank line between rows (common at the end of a file)
            if len(row) != len(header):
                raise CourseError(
                    f"{path} line {reader.line_num} has {len(row)} fields, the header has "
                    f"{len(header)}",
                    why="a stray delimiter in the text, or an unclosed quote above this line",
                    fix="quote texts that contain the delimiter, or fix that line")
            yield reader.line_num, row
    except csv.Error as error:
        raise CourseError(f"{path} line {reader.line_num} is not valid "
                          f"{'TSV' if delimiter == chr(9) else 'CSV'}", why=str(error)) from None


def read_text_table(path: str | Path, text_column: str | None = None,
                    label_column: str | None = None) -> RawTexts:
    """Read a CSV or TSV file with a header row.

    ``.tsv`` files are read as GLUE writes them (tab-separated, no quoting); ``.csv`` files
    with standard CSV quoting, so a text may hold commas and line breaks inside quotes.
    Other suffixes: tab-separated when the header holds a tab, else comma-separated.
    Rows with an empty text or a missing label (blank, ``NaN``, ``NA``, ``null``) are left
    out and counted in :attr:`RawTexts.dropped`.

    Args:
        path: the file.
        text_column, label_column: column names (default: the first of
            ``sentence/text/review/...`` and ``label/sentiment/class/...`` in the header).

    Returns:
        :class:`RawTexts`, labels still as strings.
    """
    path = Path(path)
    header, reader, delimiter = _table_rows(path)
    text_index = _pick_column(header, text_column, TEXT_COLUMN_GUESSES, path, "text",
                              "--text-column")
    label_index = _pick_column(header, label_column, LABEL_COLUMN_GUESSES, path, "label",
                               "--label-column")
    if text_index == label_index:
        raise CourseError(f"{path}: the text and label columns are both '{header[text_index]}'",
                          fix="pass different --text-column and --label-column")
    texts, labels, lines = [], [], []
    for line, row in _data_rows(path, header, reader, delimiter):
        texts.append(row[text_index])
        labels.append(row[label_index].strip())
        lines.append(line)
    if not texts:
        raise CourseError(f"{path} has a header but no rows", fix="check the file")
    raw = RawTexts(texts, labels, lines, f"column '{header[label_index]}'",
                   text_column=header[text_index], label_column=header[label_index])
    return _drop_incomplete(raw, path, f"column '{header[text_index]}'")


def read_unlabelled_table(path: str | Path, text_column: str | None = None,
                          id_column: str | None = None, *,
                          text_column_guess: str | None = None) -> tuple[list, list[str], str]:
    """Texts to predict: ``(ids, texts, id_column_name)`` from a CSV/TSV with a header row.

    Without ``text_column`` the text is the column named ``text_column_guess`` (``predict``
    passes the training file's text column) when there is one, else a usual name (sentence,
    text, review...). The ids come from ``id_column`` (default: a column named ``id`` when
    there is one, else the row number from 0). An empty text is an error naming its line:
    every row of a submission needs a prediction.
    """
    path = Path(path)
    header, reader, delimiter = _table_rows(path)
    guesses = ((text_column_guess.strip().lower(),) if text_column_guess else ()) \
        + TEXT_COLUMN_GUESSES
    text_index = _pick_column(header, text_column, guesses, path, "text", "--text-column")
    if id_column is None and "id" in [name.lower() for name in header]:
        id_column = header[[name.lower() for name in header].index("id")]
    id_index = None if id_column is None else _pick_column(header, id_column, (), path, "id",
                                                           "--id-column")
    ids, texts = [], []
    for line, row in _data_rows(path, header, reader, delimiter):
        if not row[text_index].strip():
            raise CourseError(f"{path} line {line}: column '{header[text_index]}' is blank",
                              why="every row of a prediction file needs a text",
                              fix="fill in the text or delete the row")
        texts.append(row[text_index])
        ids.append(len(ids) if id_index is None else row[id_index])
    if not texts:
        raise CourseError(f"{path} has a header but no rows", fix="check the file")
    return ids, texts, "id" if id_index is None else header[id_index]


def read_label_sentence_file(path: str | Path) -> RawTexts:
    """Read the sentence-split format: one ``<label><space><sentence>`` per line.

    This is the format of the SST-2 splits of Kim (2014) (``stsa.binary.train`` etc.).
    Returns :class:`RawTexts` like :func:`read_text_table`.
    """
    path = Path(path)
    text = read_utf8(path)
    if not text.strip():
        raise CourseError(f"{path} is empty", fix="check that you passed the right file")
    texts, labels, lines = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, _, sentence = line.strip().partition(" ")
        texts.append(sentence)
        labels.append(label)
        lines.append(number)
    raw = RawTexts(texts, labels, lines, "the label at the start of the line",
                   text_column="sentence", label_column="label")
    return _drop_incomplete(raw, path, "the sentence after the label")


def _drop_incomplete(raw: RawTexts, path: Path, where: str) -> RawTexts:
    """Leave out rows without a text or a label, counting them by reason.

    A file where nothing is left is an error: it names the first such line.
    """
    keep, dropped = [], {}
    for i, (text, label, line) in enumerate(zip(raw.texts, raw.labels, raw.lines, strict=True)):
        if not text.strip():
            dropped.setdefault("an empty text", []).append(line)
        elif label.strip().lower() in MISSING_VALUES:
            dropped.setdefault("no label", []).append(line)
        else:
            keep.append(i)
    if not keep:
        reason, lines = next(iter(dropped.items()))
        what = f"{where} is blank" if reason == "an empty text" else \
            f"{raw.label_source} is empty"
        raise CourseError(f"{path} line {lines[0]}: {what}, and so is every other row",
                          why="a text classifier needs a text and a label in each row",
                          fix="check the --text-column and --label-column you passed")
    raw.texts = [raw.texts[i] for i in keep]
    raw.labels = [raw.labels[i] for i in keep]
    raw.lines = [raw.lines[i] for i in keep]
    raw.dropped = dropped
    note = raw.dropped_note(path)
    if note:
        print(note)
    return raw


# --- labels -----------------------------------------------------------------------------------

# A number as a spreadsheet or pandas writes it: 2, +2, 02, 2.0, 2.00, 2e0 (ASCII digits only:
# Python's int() would also take "1_0" as 10 and other scripts' digits).
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _as_integer(label: str) -> int | None:
    """``"1"`` -> 1, ``"1.0"`` -> 1 (a spreadsheet export), anything else -> None."""
    label = label.strip()
    if not _NUMBER.fullmatch(label):
        return None
    try:
        return int(label)
    except ValueError:
        try:
            number = float(label)
        except (ValueError, OverflowError):
            return None
        return int(number) if math.isfinite(number) and number.is_integer() else None


def _check_not_mixed(labels: list[str], lines: list[int], path: Path | str,
                     column: str) -> None:
    """Refuse a column that holds whole numbers and words both (``1``, ``pos``): each kind
    would become classes of its own, and ``2`` would never meet ``two``."""
    numbers = [(label, line) for label, line in zip(labels, lines, strict=True)
               if _as_integer(label) is not None]
    if not numbers or len(numbers) == len(labels):
        return
    words = [(label, line) for label, line in zip(labels, lines, strict=True)
             if _as_integer(label) is None]

    def examples(found: list[tuple[str, int]]) -> str:
        distinct = list(dict.fromkeys(label for label, _ in found))
        shown = ", ".join(f"{label[:30]!r} (line {next(n for v, n in found if v == label)})"
                          for label in distinct[:3])
        return shown + (f" and {len(distinct) - 3:,} more" if len(distinct) > 3 else "")

    raise CourseError(
        f"{path}: {column} mixes numbers and words: {len(numbers):,} row(s) hold numbers, e.g. "
        f"{examples(numbers)}; {len(words):,} hold words, e.g. {examples(words)}",
        why="numbers and words would become separate classes",
        fix="write every label the same way (all numbers or all words), or pass the right "
            "--label-column")


def check_labels(labels: list[str], lines: list[int], path: Path | str, column: str) -> None:
    """Refuse label columns that cannot be classes: one class, scores, or free text.

    * a non-integer number (``0.73``) is a score for regression, not a class;
    * when more than half of the rows (and more than 10) have a label of their own, the
      column holds text (or ids), not labels - often the two columns are swapped;
    * a single class leaves nothing to classify.
    """
    for label, line in zip(labels, lines, strict=True):
        if is_number(label) and _NUMBER.fullmatch(label.strip()) and _as_integer(label) is None:
            raise CourseError(
                f"{path} line {line}: {column} holds the number {label!r}, not a class",
                why="labels must be classes (words or whole numbers), not scores",
                fix="bin the scores into classes first, or pass the right --label-column")
    _check_not_mixed(labels, lines, path, column)
    distinct = Counter(labels)
    if len(distinct) > max(10, len(labels) / 2):
        examples = ", ".join(repr(label[:30]) for label in list(distinct)[:3])
        raise CourseError(
            f"{path}: {column} does not look like labels",
            why=f"{len(distinct):,} different values in {len(labels):,} rows, e.g. {examples}",
            fix="pass the column with the classes as --label-column (are text and label "
                "swapped?)")
    if len(distinct) < 2:
        only = next(iter(distinct))
        raise CourseError(f"{path}: {column} has one class only ({only!r} on every line)",
                          why="a classifier needs examples of at least two classes",
                          fix="add examples of the other classes, or pass another file")


def encode_labels(labels: list[str], *, label_names: dict[int, str] | None = None,
                  class_names: list[str] | None = None, lines: list[int] | None = None,
                  path: Path | str = "", column: str = "the label column"
                  ) -> tuple[np.ndarray, list[str]]:
    """Map raw labels to ``0..C-1`` and return ``(y, class_names)``.

    Whole-number labels keep their numeric order (``label_names`` may name them, e.g.
    ``{0: "negative", 1: "positive"}``); other labels are sorted alphabetically. Pass the
    training split's ``class_names`` to encode another split the same way: a label the
    training split never had is an error naming its line.
    """
    lines = lines or list(range(1, len(labels) + 1))
    integers = [_as_integer(label) for label in labels]
    numeric = all(value is not None for value in integers)

    def name(raw: str, value: int | None) -> str:
        if numeric:
            return (label_names or {}).get(value, str(value))
        return raw

    names = [name(raw, value) for raw, value in zip(labels, integers, strict=True)]
    if class_names is None:
        if numeric:
            order = sorted(set(integers))
            class_names = [name(str(v), v) for v in order]
        else:
            class_names = sorted(set(names))
    index = {class_name: i for i, class_name in enumerate(class_names)}
    y = np.empty(len(names), dtype=np.int64)
    for i, (label, line) in enumerate(zip(names, lines, strict=True)):
        if label not in index:
            raise CourseError(f"{path} line {line}: {column} has the label {label!r}, which "
                              f"the training data does not have",
                              why=f"the training classes are {', '.join(class_names)}",
                              fix="use the same label names in both files")
        y[i] = index[label]
    return y, list(class_names)


def read_text_file(path: str | Path, text_column: str | None = None,
                   label_column: str | None = None) -> RawTexts:
    """A CSV/TSV table (``.csv``, ``.tsv``, ``.tab``, or any file when a column is named),
    otherwise ``label<space>sentence`` lines."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".tsv", ".tab") or text_column or label_column:
        return read_text_table(path, text_column, label_column)
    return read_label_sentence_file(path)


def encode_file(raw: RawTexts, path: Path, *, class_names: list[str] | None = None,
                label_names: dict[int, str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Check (for a training file) and encode the labels of one file."""
    if class_names is None:
        check_labels(raw.labels, raw.lines, path, raw.label_source)
    return encode_labels(raw.labels, label_names=label_names, class_names=class_names,
                         lines=raw.lines, path=path, column=raw.label_source)


def label_values(labels: list[str], class_names: list[str]) -> list:
    """The label of each class as the file wrote it: whole numbers as ``int``, else the names.

    ``encode_labels`` sorts whole-number labels numerically, so class ``i`` is the ``i``-th
    smallest number.
    """
    integers = [_as_integer(label) for label in labels]
    if all(value is not None for value in integers):
        return sorted(set(integers))
    return list(class_names)
