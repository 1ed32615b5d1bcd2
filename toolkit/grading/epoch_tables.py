"""Learning curves written as numbers: a table or a training log of values per epoch.

The report rubric asks for "learning curves or equivalent". A student who prints the history
("| epoch | train loss | val loss |" and a row per epoch, a DataFrame in a notebook's output,
an aligned plain-text table) or pastes Keras' log ("Epoch 3/10 ... loss: 0.21 - val_loss:
0.25") shows the same training and validation values per epoch as the figure would. It stands
for the figure when the rubric's requirement says ``epoch_table = true``; whether the student
reads the curves is the discussion's requirement, not this one.

Example:
    >>> epoch_table(submission)
    (True, ['report.md:14: | epoch | train loss | val loss | (3 epochs)'])
"""

from __future__ import annotations

import re

from toolkit.grading.report_text import Line, shorten
from toolkit.grading.submissions import Submission

MIN_EPOCHS = 2  # two rows are a curve of two points: the readers take them (a 2-epoch BERT run)
_HEADER_EPOCH = re.compile(r"\b(epochs?|ep)\b", re.I)  # "ep" in a hurried log's header
_HEADER_VALIDATION = re.compile(r"\b(val|valid|validation|dev)(?![a-z])", re.I)
_HEADER_TRAINING = re.compile(r"(\btrain|\bloss|\bacc)", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%?")
# A Keras log line of an epoch: "... loss: 0.2104 - accuracy: 0.93 - val_loss: 0.25"
_KERAS_EPOCH = re.compile(r"\bval_(loss|acc\w*)\s*[:=]\s*\d", re.I)
# The course's text; a notebook's code, which would print the table. A code block of another
# document is what the student pasted there: the output copied from a run.
_NOT_THE_STUDENTS = {"notebook": ("prompt", "code")}
_PROMPTS_ONLY = ("prompt",)
_SEPARATOR = re.compile(r"^[\s|:+=-]*$")  # "|---|---|", "+====+"


def _is_header(text: str) -> bool:
    return bool(_HEADER_EPOCH.search(text) and _HEADER_VALIDATION.search(text)
                and _HEADER_TRAINING.search(_HEADER_VALIDATION.sub(" ", text)))


def _rows_below(lines: list[Line], start: int, not_the_students: tuple[str, ...]) -> int:
    """How many epochs follow the header at ``start``: rows of three values or more whose
    first whole number counts up by one (1, 2, 3: epochs; "frozen | 7 | 0.80" per model and
    its best epoch is a summary, not a curve)."""
    epochs: list[int] = []
    for line in lines[start + 1:]:
        if _SEPARATOR.match(line.text):
            continue
        values = _NUMBER.findall(line.text)
        if line.kind in not_the_students or len(values) < 3:
            break
        # a printed DataFrame's index comes before the epoch ("0      1    0.8710 ...")
        whole = [int(v) for v in values[:2] if v.isdigit()]
        epoch = next((n for n in whole if not epochs or n == epochs[-1] + 1), None)
        if epoch is None:
            break
        epochs.append(epoch)
    return len(epochs)


def epoch_table(submission: Submission) -> tuple[bool, list[str]]:
    """``(found, evidence)``: training and validation values per epoch, for two epochs or
    more, in a table under a header naming the epoch and a validation column, or in a
    training log."""
    for document in submission.documents:
        lines = [line for line in document.lines if line.text.strip()]
        logged = [line for line in lines
                  if line.kind not in ("prompt",) and _KERAS_EPOCH.search(line.text)]
        if len(logged) >= MIN_EPOCHS:
            return True, [f"{logged[0].where}: {shorten(logged[0].text, 80)} "
                          f"({len(logged)} epochs of a training log)"]
        not_the_students = _NOT_THE_STUDENTS.get(document.format, _PROMPTS_ONLY)
        for index, line in enumerate(lines):
            if line.kind in not_the_students or not _is_header(line.text):
                continue
            rows = _rows_below(lines, index, not_the_students)
            if rows >= MIN_EPOCHS:
                return True, [f"{line.where}: {shorten(line.text, 80)} ({rows} epochs)"]
    return False, ["no table of training and validation values per epoch"]
