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
the Keras cache, then a download). The files are read by :mod:`toolkit.text.readers`, whose
every complaint about a file is a :class:`~toolkit.errors.CourseError` naming the file, the
line and the column. The text labs' data flags (:func:`add_text_data_arguments`) and their
loading step (:func:`load_from_args`, with ``--quick`` subsets) are here too.

Example:
    >>> from toolkit.text.datasets import load_text_dataset
    >>> data = load_text_dataset("sst2_sentences", data_dir="../shared/data")
    >>> len(data.x_train), data.class_names
    (6920, ['negative', 'positive'])
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from toolkit.errors import CourseError
from toolkit.registry import fetch, get_entry
from toolkit.text.readers import (
    LABEL_COLUMN_GUESSES,
    TEXT_COLUMN_GUESSES,
    encode_file,
    label_values,
    read_label_sentence_file,
    read_text_file,
    read_text_table,
)

DATASETS = ("sst2_glue", "sst2_sentences")
TFDS_PREFIX = "tfds:"
SST2_CLASS_NAMES = {0: "negative", 1: "positive"}
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
    y_train, classes = encode_file(train, train_path, label_names=SST2_CLASS_NAMES)
    dev = read_text_table(dev_path, "sentence", "label")
    y_dev, _ = encode_file(dev, dev_path, class_names=classes, label_names=SST2_CLASS_NAMES)
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
        y, classes = encode_file(raw, path, class_names=classes, label_names=SST2_CLASS_NAMES)
        splits[split] = (raw.texts, y)
    notes = ["sentences only: the published SST-2 models also trained on the phrase labels "
             "of the training sentences (use --dataset sst2_glue for those)."]
    return TextDataset("sst2_sentences", entry.title, *splits["train"], *splits["dev"],
                       *splits["test"], classes, "test", str(path.parent), entry.citation,
                       entry.license, notes, label_values=[0, 1], text_column="sentence")

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
    y, classes = encode_file(raw, path)
    texts = raw.texts
    notes = [note for note in [raw.dropped_note(path)] if note]
    if test_path is not None:
        test_path = Path(test_path)
        test = read_text_file(test_path, text_column or raw.text_column,
                              label_column or raw.label_column)
        notes += [note for note in [test.dropped_note(test_path)] if note]
        x_test = test.texts
        y_test, _ = encode_file(test, test_path, class_names=classes)
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
    """Load the data set the flags ask for: SST-2 by default, or your own file (``--data``).

    The flags are those of :func:`add_text_data_arguments`. With ``config.quick`` it keeps a
    class-balanced subset of ``quick_sizes`` (keys ``train``, ``validation``, ``test``); it
    prints the split sizes either way.
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
