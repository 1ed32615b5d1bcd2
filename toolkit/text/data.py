"""Text classification data sets as Python lists and NumPy label arrays.

Three sources, one result (:class:`TextDataset`: train / validation / test texts, integer
labels and class names):

* ``sst2_glue`` - GLUE SST-2 ``train.tsv`` / ``dev.tsv`` (header ``sentence<TAB>label``):
  67,349 training *phrases* and 872 dev *sentences*. GLUE's test labels are not public, so
  the labs evaluate on dev; the published SST-2 scores are on the 1,821-sentence test split.
* ``sst2_sentences`` - the sentence-level splits of Kim (2014), one ``label<space>sentence``
  per line: 6,920 / 872 / 1,821 sentences, with a labelled test split.
* any CSV/TSV of yours - ``--data PATH --text-column C --label-column L`` (string or
  integer labels, two or more classes). Without ``--test-data`` a seeded, stratified 20%
  is held out as the test split. Rows with an empty text or no label (blank, ``NaN``,
  ``NA``, ``null``) are dropped, and the loader says how many and why.
* a TensorFlow Datasets set - ``--dataset tfds:NAME[/CONFIG]`` (``tfds:imdb_reviews``,
  ``tfds:ag_news_subset``, ``tfds:glue/sst2``...), read offline from the TFDS data folder
  (``--data-dir`` or ``~/tensorflow_datasets``): the text and label features are found from
  the data set's info, or named with ``--text-column`` / ``--label-column``.

The files of the two SST-2 variants are found through the data registry (``--data-dir``,
the Keras cache, then a download). Every problem with a file (empty, missing column,
non-UTF-8 bytes, blank text, one class only, a label column that holds text or scores)
raises :class:`~toolkit.errors.CourseError` naming the file, the line and the column.

Example:
    >>> from toolkit.text.data import load_text_dataset
    >>> data = load_text_dataset("sst2_sentences", data_dir="../shared/data")
    >>> len(data.x_train), data.class_names
    (6920, ['negative', 'positive'])
"""

from __future__ import annotations

import argparse
import csv
import io
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from toolkit.errors import CourseError
from toolkit.formats import is_number
from toolkit.registry import fetch, get_entry

DATASETS = ("sst2_glue", "sst2_sentences")
TFDS_PREFIX = "tfds:"
# What a spreadsheet or pandas writes for a missing value: such a row has no label.
MISSING_VALUES = {"", "nan", "na", "n/a", "null", "none"}
SST2_CLASS_NAMES = {0: "negative", 1: "positive"}
TEXT_COLUMN_GUESSES = ("sentence", "text", "review", "content", "document", "utterance",
                       "description")
LABEL_COLUMN_GUESSES = ("label", "labels", "sentiment", "class", "category", "topic", "intent",
                        "target")
TEST_FRACTION = 0.2        # held out as test from a single --data file
VALIDATION_FRACTION = 0.1  # held out from what is left, for early stopping / model choice


@dataclass
class TextDataset:
    """Train / validation / test texts with integer labels, and where they came from.

    ``test_split`` names what the test texts really are: ``"dev"`` for GLUE SST-2 (its test
    labels are not public), ``"test"`` for the Kim splits or a ``--test-data`` file, and
    ``"held-out"`` for a stratified split of your own file.
    """

    name: str
    title: str
    x_train: list[str]
    y_train: np.ndarray
    x_val: list[str]
    y_val: np.ndarray
    x_test: list[str]
    y_test: np.ndarray
    class_names: list[str]
    test_split: str
    source: str
    citation: str = ""
    license: str = ""
    notes: list[str] = field(default_factory=list)
    label_values: list = field(default_factory=list)
    text_column: str = "text"
    label_column: str = "label"

    def __post_init__(self):
        # The labels as the source wrote them (integers stay integers), one per class: what a
        # prediction file must contain. Defaults to the class names.
        if not self.label_values:
            self.label_values = list(self.class_names)

    def describe(self) -> dict:
        """The record's ``dataset`` section."""
        return {
            "name": self.name, "title": self.title, "source": self.source,
            "citation": self.citation, "license": self.license,
            "splits": {"train": len(self.x_train), "validation": len(self.x_val),
                       self.test_split: len(self.x_test)},
            "test_split": self.test_split, "classes": list(self.class_names),
            "label_values": list(self.label_values),
            "columns": {"text": self.text_column, "label": self.label_column},
            "class_counts": {split: _class_counts(y, self.class_names) for split, y in
                             (("train", self.y_train), ("validation", self.y_val),
                              (self.test_split, self.y_test))},
            "notes": list(self.notes),
        }

    def subsample(self, train: int, validation: int, test: int, seed: int) -> TextDataset:
        """A smaller, stratified copy (``--quick``): at most this many texts per split."""
        x_train, y_train = _stratified_subset(self.x_train, self.y_train, train, seed)
        x_val, y_val = _stratified_subset(self.x_val, self.y_val, validation, seed)
        x_test, y_test = _stratified_subset(self.x_test, self.y_test, test, seed)
        note = f"--quick: subsampled to {len(x_train)} / {len(x_val)} / {len(x_test)} texts"
        return replace(self, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val,
                       x_test=x_test, y_test=y_test, notes=[*self.notes, note])


def _class_counts(y: np.ndarray, class_names: list[str]) -> dict[str, int]:
    counts = np.bincount(np.asarray(y, dtype=int), minlength=len(class_names))
    return {name: int(count) for name, count in zip(class_names, counts, strict=True)}


def _stratified_subset(x: list[str], y: np.ndarray, count: int, seed: int):
    if count >= len(x):
        return x, y
    from sklearn.model_selection import train_test_split

    try:
        x_small, _, y_small, _ = train_test_split(x, y, train_size=count, stratify=y,
                                                  random_state=seed)
    except ValueError:  # a class too rare to stratify at this size: a plain random subset
        x_small, _, y_small, _ = train_test_split(x, y, train_size=count, random_state=seed)
    return list(x_small), np.asarray(y_small)


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

def _as_integer(label: str) -> int | None:
    """``"1"`` -> 1, ``"1.0"`` -> 1 (a spreadsheet export), anything else -> None."""
    try:
        return int(label)
    except ValueError:
        try:
            number = float(label)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None


def check_labels(labels: list[str], lines: list[int], path: Path | str, column: str) -> None:
    """Refuse label columns that cannot be classes: one class, scores, or free text.

    * a non-integer number (``0.73``) is a score for regression, not a class;
    * when more than half of the rows (and more than 10) have a label of their own, the
      column holds text (or ids), not labels - often the two columns are swapped;
    * a single class leaves nothing to classify.
    """
    for label, line in zip(labels, lines, strict=True):
        if is_number(label) and _as_integer(label) is None:
            raise CourseError(
                f"{path} line {line}: {column} holds the number {label!r}, not a class",
                why="labels must be classes (words or whole numbers), not scores",
                fix="bin the scores into classes first, or pass the right --label-column")
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


# --- splitting --------------------------------------------------------------------------------

def stratified_split(x: list[str], y: np.ndarray, fraction: float, seed: int, *,
                     class_names: list[str], what: str) -> tuple[list[str], np.ndarray,
                                                                  list[str], np.ndarray]:
    """Split off ``fraction`` of the texts, the same share of every class, reproducibly.

    Returns ``(x_keep, y_keep, x_out, y_out)``. A class with fewer than 2 texts cannot be on
    both sides: that is a CourseError naming the class.
    """
    from sklearn.model_selection import train_test_split

    counts = np.bincount(y, minlength=len(class_names))
    rare = [class_names[i] for i, count in enumerate(counts) if 0 < count < 2]
    if rare:
        raise CourseError(f"cannot hold out a {what} split: class {rare[0]!r} has only one text",
                          why="a stratified split needs at least 2 texts of every class",
                          fix="add examples of that class, remove it, or pass --test-data")
    try:
        x_keep, x_out, y_keep, y_out = train_test_split(
            x, y, test_size=fraction, stratify=y, random_state=seed)
    except ValueError as error:
        raise CourseError(f"cannot hold out a stratified {what} split", why=str(error),
                          fix="use a file with more texts per class, or pass --test-data") \
            from None
    return list(x_keep), np.asarray(y_keep), list(x_out), np.asarray(y_out)


# --- the data sets ----------------------------------------------------------------------------

def _encode_file(raw: RawTexts, path: Path, *, class_names: list[str] | None = None,
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


def load_sst2_glue(data_dir: str | Path | None = None, seed: int = 42,
                   validation_fraction: float = 0.05) -> TextDataset:
    """GLUE SST-2: train phrases (minus a stratified validation share) and the dev sentences.

    The test split of the result is GLUE *dev* (872 sentences), because GLUE's test labels
    are hidden. The training file holds phrases cut from the training sentences, so the
    validation share overlaps in wording with training and reads higher than dev.
    """
    entry = get_entry("sst2_glue")
    train_path = fetch("sst2_glue", "train.tsv", data_dir)
    dev_path = fetch("sst2_glue", "dev.tsv", data_dir)
    train = read_text_table(train_path, "sentence", "label")
    y_train, classes = _encode_file(train, train_path, label_names=SST2_CLASS_NAMES)
    dev = read_text_table(dev_path, "sentence", "label")
    y_dev, _ = _encode_file(dev, dev_path, class_names=classes, label_names=SST2_CLASS_NAMES)
    # GLUE ends every sentence with a space before the tab.
    x_train = [text.strip() for text in train.texts]
    x_dev = [text.strip() for text in dev.texts]
    x_train, y_train, x_val, y_val = stratified_split(
        x_train, y_train, validation_fraction, seed, class_names=classes, what="validation")
    notes = ["GLUE's SST-2 test labels are not public: the test split here is GLUE dev "
             "(872 sentences); published SST-2 scores are on the 1,821-sentence test split.",
             f"validation: a stratified {validation_fraction:.0%} of the training phrases "
             f"(seed {seed}); phrases share words with training sentences, so validation "
             "accuracy reads higher than dev accuracy."]
    return TextDataset("sst2_glue", entry.title, x_train, y_train, x_val, y_val, x_dev, y_dev,
                       classes, "dev", str(train_path.parent), entry.citation, entry.license,
                       notes, label_values=[0, 1], text_column="sentence")


def load_sst2_sentences(data_dir: str | Path | None = None) -> TextDataset:
    """The SST-2 sentence splits of Kim (2014): 6,920 train, 872 dev, 1,821 test sentences.

    Dev is the validation split; test is labelled, so scores compare with the published
    SST-2 test figures (which were trained on phrases too, so expect a little less here).
    """
    entry = get_entry("sst2_sentences")
    splits = {}
    classes = None
    for split in ("train", "dev", "test"):
        path = fetch("sst2_sentences", f"stsa.binary.{split}", data_dir)
        raw = read_label_sentence_file(path)
        y, classes = _encode_file(raw, path, class_names=classes, label_names=SST2_CLASS_NAMES)
        splits[split] = (raw.texts, y)
    notes = ["sentences only: the published SST-2 models also trained on the phrase labels "
             "of the training sentences (use --dataset sst2_glue for those)."]
    return TextDataset("sst2_sentences", entry.title, *splits["train"], *splits["dev"],
                       *splits["test"], classes, "test", str(path.parent), entry.citation,
                       entry.license, notes, label_values=[0, 1], text_column="sentence")


def read_text_file(path: str | Path, text_column: str | None = None,
                   label_column: str | None = None) -> RawTexts:
    """A CSV/TSV table (``.csv``, ``.tsv``, ``.tab``, or any file when a column is named),
    otherwise ``label<space>sentence`` lines."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".tsv", ".tab") or text_column or label_column:
        return read_text_table(path, text_column, label_column)
    return read_label_sentence_file(path)


def load_text_file(path: str | Path, text_column: str | None = None,
                   label_column: str | None = None, *, test_path: str | Path | None = None,
                   seed: int = 42, test_fraction: float = TEST_FRACTION,
                   validation_fraction: float = VALIDATION_FRACTION) -> TextDataset:
    """Your own CSV/TSV (or ``label<space>sentence`` file) as a :class:`TextDataset`.

    Without ``test_path`` a stratified ``test_fraction`` is held out as the test split
    (``test_split="held-out"``); the validation split is always a stratified share of what
    remains for training. See :func:`read_text_file` for the formats.
    """
    path = Path(path)
    raw = read_text_file(path, text_column, label_column)
    y, classes = _encode_file(raw, path)
    texts = raw.texts
    notes = [note for note in [raw.dropped_note(path)] if note]
    if test_path is not None:
        test_path = Path(test_path)
        test = read_text_file(test_path, text_column or raw.text_column,
                              label_column or raw.label_column)
        notes += [note for note in [test.dropped_note(test_path)] if note]
        x_test = test.texts
        y_test, _ = _encode_file(test, test_path, class_names=classes)
        test_split = "test"
        notes.append(f"test split: {test_path}")
    else:
        texts, y, x_test, y_test = stratified_split(texts, y, test_fraction, seed,
                                                    class_names=classes, what="test")
        test_split = "held-out"
        notes.append(f"test split: a stratified {test_fraction:.0%} of {path.name} held out "
                     f"(seed {seed})")
    x_train, y_train, x_val, y_val = stratified_split(
        texts, y, validation_fraction, seed, class_names=classes, what="validation")
    notes.append(f"validation: a stratified {validation_fraction:.0%} of the training texts "
                 f"(seed {seed})")
    return TextDataset(path.stem, f"{path.name} (your data)", x_train, y_train, x_val, y_val,
                       x_test, y_test, classes, test_split, str(path), notes=notes,
                       label_values=label_values(raw.labels, classes),
                       text_column=raw.text_column, label_column=raw.label_column)


# --- TensorFlow Datasets ----------------------------------------------------------------------

def _tfds_feature(features: dict, wanted: str | None, kind: str, name: str, flag: str) -> str:
    """The name of the text (``kind="Text"``) or label (``"ClassLabel"``) feature."""
    found = ", ".join(f"{key} ({type(value).__name__})" for key, value in features.items())
    if wanted is not None:
        if wanted not in features:
            raise CourseError(f"tfds:{name} has no feature '{wanted}'",
                              why=f"its features are {found}", fix=f"pass {flag} with one of them")
        return wanted
    candidates = [key for key, value in features.items() if type(value).__name__ == kind]
    guesses = TEXT_COLUMN_GUESSES if kind == "Text" else LABEL_COLUMN_GUESSES
    for guess in guesses:  # ag_news has a title and a description: the description is the text
        if guess in candidates:
            return guess
    if candidates:
        return candidates[0]
    raise CourseError(f"tfds:{name} has no {kind} feature to use", why=f"its features are {found}",
                      fix=f"name the feature with {flag}")


def load_tfds(name: str, *, data_dir: str | Path | None = None, text_column: str | None = None,
              label_column: str | None = None, seed: int = 42,
              test_fraction: float = TEST_FRACTION,
              validation_fraction: float = VALIDATION_FRACTION) -> TextDataset:
    """A text classification set of TensorFlow Datasets (``imdb_reviews``, ``glue/sst2``...).

    Read offline (``download=False``) from ``data_dir`` (default ``~/tensorflow_datasets``):
    prepare it once with ``tfds build NAME`` or ``tfds.load(NAME)`` where the internet is
    reachable. The first ``Text`` feature is the text and the first ``ClassLabel`` the label,
    unless ``text_column`` / ``label_column`` name others. Splits: ``train``; ``validation``
    when the set has one (else a stratified share of train); ``test`` when it has labels (GLUE
    hides them, marked -1: then validation becomes the test split).
    """
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise CourseError(f"--dataset tfds:{name} needs tensorflow-datasets",
                          fix="pip install tensorflow-datasets") from None
    where = str(Path(data_dir).expanduser()) if data_dir else "~/tensorflow_datasets"
    try:
        builder = tfds.builder(name, data_dir=str(data_dir) if data_dir else None)
    except Exception as error:  # DatasetNotFoundError and friends
        raise CourseError(f"tfds:{name} is not a TensorFlow Datasets name",
                          why=str(error).splitlines()[0][:200],
                          fix="see tfds.list_builders(), e.g. tfds:imdb_reviews, "
                              "tfds:ag_news_subset, tfds:glue/sst2") from None
    features = dict(builder.info.features)
    text_key = _tfds_feature(features, text_column, "Text", name, "--text-column")
    label_key = _tfds_feature(features, label_column, "ClassLabel", name, "--label-column")
    label_feature = features[label_key]
    class_names = list(getattr(label_feature, "names", None) or
                       [str(i) for i in range(label_feature.num_classes)])
    known_splits = list(builder.info.splits.keys()) or ["train", "validation", "test"]

    def read(split: str) -> tuple[list[str], np.ndarray]:
        try:
            dataset = tfds.load(name, split=split, download=False,
                                data_dir=str(data_dir) if data_dir else None)
        except Exception as error:  # AssertionError when it is not prepared, and others
            raise CourseError(f"tfds:{name} is not in the TFDS data folder {where}",
                              why=str(error).splitlines()[0][:200],
                              fix=f"prepare it once where the internet is reachable (tfds build "
                                  f"{name} --data_dir {where}) or pass --data-dir with the "
                                  f"folder that holds it") from None
        texts, labels = [], []
        for example in tfds.as_numpy(dataset):
            text = example[text_key]
            texts.append(text.decode("utf-8") if isinstance(text, bytes) else str(text))
            labels.append(int(example[label_key]))
        return texts, np.asarray(labels, dtype=np.int64)

    x_train, y_train = read("train")
    notes = [f"TensorFlow Datasets {name}: text feature '{text_key}', label feature "
             f"'{label_key}'"]
    x_val = y_val = None
    if "validation" in known_splits:
        x_val, y_val = read("validation")
    x_test, y_test, test_split = None, None, "test"
    if "test" in known_splits:
        x_test, y_test = read("test")
        if (y_test < 0).any():  # GLUE marks hidden test labels with -1
            notes.append("its test labels are hidden (-1): validation is the test split")
            x_test = y_test = None
    if x_test is None and x_val is not None:
        x_test, y_test, x_val, y_val, test_split = x_val, y_val, None, None, "validation"
    if x_test is None:
        x_train, y_train, x_test, y_test = stratified_split(
            x_train, y_train, test_fraction, seed, class_names=class_names, what="test")
        test_split = "held-out"
        notes.append(f"test split: a stratified {test_fraction:.0%} of train (seed {seed})")
    if x_val is None:
        x_train, y_train, x_val, y_val = stratified_split(
            x_train, y_train, validation_fraction, seed, class_names=class_names,
            what="validation")
        notes.append(f"validation: a stratified {validation_fraction:.0%} of train "
                     f"(seed {seed})")
    title = getattr(builder.info, "full_name", name)
    citation = (getattr(builder.info, "citation", "") or "").strip().splitlines()
    return TextDataset(name.replace("/", "_"), f"{title} (TensorFlow Datasets)", x_train,
                       y_train, x_val, y_val, x_test, y_test, class_names, test_split,
                       f"tfds:{name} in {where}", " ".join(citation)[:500], "", notes,
                       label_values=list(range(len(class_names))), text_column=text_key,
                       label_column=label_key)


def load_text_dataset(dataset: str = "sst2_glue", *, data: str | Path | None = None,
                      test_data: str | Path | None = None, text_column: str | None = None,
                      label_column: str | None = None, data_dir: str | Path | None = None,
                      seed: int = 42) -> TextDataset:
    """One entry point for the labs: ``--data PATH`` wins over ``--dataset NAME``.

    ``dataset`` is ``sst2_glue``, ``sst2_sentences`` or ``tfds:NAME[/CONFIG]``; ``data_dir``
    is where the SST-2 files (or the TFDS data folder) are.
    """
    if data is not None:
        return load_text_file(data, text_column, label_column, test_path=test_data, seed=seed)
    if test_data is not None:
        raise CourseError("--test-data needs --data", fix="pass your training file with --data")
    if dataset == "sst2_glue":
        return load_sst2_glue(data_dir, seed)
    if dataset == "sst2_sentences":
        return load_sst2_sentences(data_dir)
    if dataset.startswith(TFDS_PREFIX):
        return load_tfds(dataset[len(TFDS_PREFIX):], data_dir=data_dir, text_column=text_column,
                         label_column=label_column, seed=seed)
    raise CourseError(f"unknown text dataset '{dataset}'",
                      fix=f"use --dataset {', '.join(DATASETS)} or tfds:NAME[/CONFIG], or "
                          f"--data PATH for your file")


def load_from_args(config: argparse.Namespace,
                   quick_sizes: dict[str, int] | None = None) -> TextDataset:
    """The data a text lab asked for with :func:`add_text_data_arguments`' flags.

    With ``config.quick`` it keeps a class-balanced subset of ``quick_sizes`` (keys
    ``train``, ``validation``, ``test``), and prints the split sizes either way.
    """
    data = load_text_dataset(config.dataset, data=config.data, test_data=config.test_data,
                             text_column=config.text_column, label_column=config.label_column,
                             data_dir=config.data_dir, seed=config.seed)
    if config.quick and quick_sizes:
        data = data.subsample(quick_sizes["train"], quick_sizes["validation"],
                              quick_sizes["test"], config.seed)
    print(f"{data.title}: {len(data.x_train):,} train / {len(data.x_val):,} validation / "
          f"{len(data.x_test):,} {data.test_split} texts, classes {data.class_names}")
    return data


def dataset_name(text: str) -> str:
    """``--dataset``'s type: one of :data:`DATASETS` or ``tfds:NAME[/CONFIG]``."""
    if text in DATASETS or (text.startswith(TFDS_PREFIX) and len(text) > len(TFDS_PREFIX)):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not {', '.join(DATASETS)} or tfds:NAME[/CONFIG] (e.g. tfds:imdb_reviews)")


def add_text_data_arguments(parser: argparse.ArgumentParser, *,
                            default: str = "sst2_glue") -> None:
    """The data flags the text labs share: ``--dataset``, ``--data``, columns, ``--test-data``.

    ``default`` is the lab's ``--dataset`` when none is given.
    """
    group = parser.add_argument_group("data")
    group.add_argument("--dataset", type=dataset_name, default=default, metavar="NAME",
                       help=f"sst2_glue: GLUE train phrases, evaluated on dev; sst2_sentences: "
                            f"Kim 2014 sentence splits with a labelled test set; "
                            f"tfds:NAME[/CONFIG]: a TensorFlow Datasets set read offline "
                            f"(e.g. tfds:imdb_reviews, tfds:ag_news_subset) (default {default})")
    group.add_argument("--data", metavar="PATH",
                       help="your own CSV/TSV (header row) instead of SST-2")
    group.add_argument("--text-column", metavar="C",
                       help="column of --data (or feature of tfds:) holding the text "
                            "(default: sentence/text/...)")
    group.add_argument("--label-column", metavar="L",
                       help="column of --data (or feature of tfds:) holding the label "
                            "(default: label/class/...)")
    group.add_argument("--test-data", metavar="PATH",
                       help="a test file in the same format as --data (default: hold out a "
                            f"stratified {100 * TEST_FRACTION:.0f}%%)")  # %%: argparse's %
