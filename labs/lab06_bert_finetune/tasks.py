"""What lab 6 learns from: a :class:`Task` is a ``TextDataset`` (the data type of labs 4-6)
plus what fine-tuning adds to it: the name of its head, its loss weight, its word pieces."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from labs.lab06_bert_finetune.settings import TaskSpec
from toolkit.text import bert
from toolkit.text import datasets as text_datasets

SST2_DATASETS = ("sst2_sentences", "sst2_glue")
SPLITS = {"train": ("x_train", "y_train"), "validation": ("x_val", "y_val"),
          "test": ("x_test", "y_test")}


@dataclass
class Task:
    """One labelled data set the model learns (``--multitask`` learns several at once).

    Attributes:
        name: the name of its head (``"sst2"``, ``"phrases"``, a ``--task`` name).
        data: its texts, labels and class names per split, and where they came from.
        loss_weight: how much its loss counts in the sum (``--task ...:WEIGHT``).
        tokens: per split (``"train"``, ``"validation"``, ``"test"``), the word-piece ids
            that :func:`~labs.lab06_bert_finetune.lesson.tokenize` made.
        pad_id: the id that pads those ids to a batch's length (RoBERTa 1, the others 0).
    """

    name: str
    data: text_datasets.TextDataset
    loss_weight: float = 1.0
    tokens: dict[str, bert.TokenizedTexts] = field(default_factory=dict)
    pad_id: int = 0

    def texts(self, split: str) -> list[str]:
        return getattr(self.data, SPLITS[split][0])

    def labels(self, split: str) -> np.ndarray:
        return np.asarray(getattr(self.data, SPLITS[split][1]), dtype="int32")

    @property
    def class_names(self) -> list[str]:
        return list(self.data.class_names)

    def describe(self) -> dict:
        """The record's ``dataset`` section: the data set's own, and the task's name."""
        return {**self.data.describe(), "task": self.name}


def main_task(tasks: dict[str, Task]) -> Task:
    """The task the lab reports on: the first one (the others are ``--multitask`` extras)."""
    return next(iter(tasks.values()))


def task_name(dataset: text_datasets.TextDataset) -> str:
    """A short identifier for the task (the multitask head is named after it)."""
    if dataset.name in SST2_DATASETS:
        return "sst2"
    name = "".join(char if char.isalnum() else "_" for char in dataset.name.lower()).strip("_")
    return name if name.isidentifier() else f"data_{name}"


def readable(text: str) -> str:
    """Undo the Penn Treebank bracket tokens of the SST files (``-lrb-`` -> ``(``).

    The sentences are already lower-cased and split into tokens; BERT's own tokenizer copes
    with that, but ``-lrb-`` would become five meaningless word pieces.
    """
    return text.replace("-lrb-", "(").replace("-rrb-", ")")


def readable_sst2(dataset: text_datasets.TextDataset) -> text_datasets.TextDataset:
    """SST-2 with :func:`readable` brackets; any other data set as it is."""
    if dataset.name not in SST2_DATASETS:
        return dataset
    return replace(dataset, x_train=[readable(text) for text in dataset.x_train],
                   x_val=[readable(text) for text in dataset.x_val],
                   x_test=[readable(text) for text in dataset.x_test],
                   notes=[*dataset.notes, "-lrb- / -rrb- turned back into ( / )"])


def as_task(dataset: text_datasets.TextDataset) -> Task:
    """The main task of a run: named by :func:`task_name`, SST-2 :func:`readable`."""
    return Task(task_name(dataset), readable_sst2(dataset))


def load_extra_tasks(config, limit: int) -> list[Task]:
    """``--multitask``'s other tasks (none without it): the ``--task`` files, or by default
    GLUE's SST-2 training phrases; at most ``limit`` training texts each."""
    if not config.multitask:
        return []
    if not config.task:
        return [load_phrases(config.data_dir, config.seed, limit)]
    return [load_extra_task(spec, config.seed, limit) for spec in config.task]


def load_extra_task(spec: TaskSpec, seed: int, limit: int) -> Task:
    """A ``--task`` data set, read by ``toolkit.text.datasets`` (CSV/TSV, string or integer labels):
    at most ``limit`` training rows, and a stratified validation share."""
    dataset = text_datasets.load_text_file(spec.path, spec.text_column, spec.label_column, seed=seed)
    dataset = dataset.subsample(limit, len(dataset.x_val), len(dataset.x_test), seed)
    return Task(spec.name, dataset, loss_weight=spec.weight)


def load_phrases(data_dir, seed: int, limit: int) -> Task:
    """``--multitask``'s default second task: GLUE's SST-2 training phrases (a subset)."""
    phrases = text_datasets.load_sst2_glue(data_dir, seed)
    phrases = phrases.subsample(limit, max(limit // 10, 32), len(phrases.x_test), seed)
    return Task("phrases", readable_sst2(phrases))


def with_splits(task: Task, pool: tuple, train_rows: np.ndarray,
                validation_rows: np.ndarray) -> Task:
    """A copy of ``task`` whose train / validation splits are the given rows of ``pool``
    (texts, labels, tokens of train + validation together); the test split is kept."""
    texts, labels, tokens = pool

    def pick(rows):
        return ([texts[i] for i in rows], labels[rows],
                bert.TokenizedTexts([tokens.token_ids[i] for i in rows], 0,
                                    tokens.subword_ratio[rows]))

    (x_train, y_train, train_tokens), (x_val, y_val, validation_tokens) = \
        pick(train_rows), pick(validation_rows)
    return replace(task, data=replace(task.data, x_train=x_train, y_train=y_train,
                                      x_val=x_val, y_val=y_val),
                   tokens={**task.tokens, "train": train_tokens,
                           "validation": validation_tokens})


def pool_train_and_validation(task: Task) -> tuple[list[str], np.ndarray, bert.TokenizedTexts]:
    """Train + validation of ``task`` as one pool (texts, labels, tokens): what K-fold cuts."""
    train, validation = task.tokens["train"], task.tokens["validation"]
    return (task.texts("train") + task.texts("validation"),
            np.concatenate([task.labels("train"), task.labels("validation")]),
            bert.TokenizedTexts(train.token_ids + validation.token_ids, 0,
                                np.concatenate([train.subword_ratio,
                                                validation.subword_ratio])))
