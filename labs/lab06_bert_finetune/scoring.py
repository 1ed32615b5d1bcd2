"""``predict RUN_DIR --data FILE --labels COLUMN``: score a labelled file with a run's model.

Besides the submission, the labelled rows are scored: accuracy, macro F1 and the confusion
matrix are printed and written beside ``--out`` (``<name>_scores.json`` and
``<name>_confusion_matrix.png``). The labels are read as the training data wrote them
(the run's label values, e.g. ``positive`` or ``1``, or its class names); a row whose label is
blank is left out of the score and counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from toolkit import plots
from toolkit.errors import CourseError
from toolkit.formats import console_table
from toolkit.metrics import classification_metrics
from toolkit.safe_text import for_terminal
from toolkit.text import readers as text_readers


def labelled_rows(path: str | Path, text_column: str | None, label_column: str,
                  settings: dict) -> tuple[np.ndarray, np.ndarray, str | None]:
    """``(row positions, class indices, note)``: the rows of ``path`` that carry a label (the
    positions among all its text rows, as ``read_unlabelled_table`` returned them), each
    label as the run's class index, and a note on the rows left out (``None`` if none)."""
    raw = text_readers.read_text_table(path, text_column, label_column)
    every_line = sorted(raw.lines + [line for lines in raw.dropped.values() for line in lines])
    position = {line: index for index, line in enumerate(every_line)}
    classes = {str(value): index for index, value in enumerate(settings["label_values"])}
    classes.update({name: index for index, name in enumerate(settings["class_names"])})
    unknown = sorted({label for label in raw.labels if label not in classes})
    if unknown:
        shown = ", ".join(for_terminal(label) for label in unknown[:5])
        raise CourseError(f"{path}: column '{raw.label_column}' holds labels the model does not "
                          f"know: {shown}",
                          why=f"the run was trained on {', '.join(map(str, classes))}",
                          fix="pass the column that holds those labels to --labels")
    return (np.array([position[line] for line in raw.lines], dtype=int),
            np.array([classes[label] for label in raw.labels], dtype=int),
            raw.dropped_note(path))


def score_file(predicted: np.ndarray, args, settings: dict, out: Path) -> dict:
    """Score the ``--labels`` rows against ``predicted`` (class indices of every text row,
    the run's threshold applied); print and write the scores and the confusion matrix."""
    try:  # the text column predict read: the flag's, else the training run's, else a guess
        rows, labels, note = labelled_rows(args.data, args.text_column
                                           or settings["text_column"], args.labels, settings)
    except CourseError:
        if args.text_column:
            raise
        rows, labels, note = labelled_rows(args.data, None, args.labels, settings)
    metrics = classification_metrics(labels, predicted[rows], settings["class_names"])
    names = settings["class_names"]
    if note:
        print(note)
    print(f"scored {len(rows):,} labelled rows: accuracy {metrics['accuracy']:.2%}, macro F1 "
          f"{metrics['macro_f1']:.2%}")
    print(console_table(["true \\ predicted", *names],
                        [[name, *row] for name, row in zip(names, metrics["confusion_matrix"],
                                                           strict=True)]))
    scores = out.with_name(f"{out.stem}_scores.json")
    scores.write_text(json.dumps({"data": str(args.data), "labels": args.labels, **metrics},
                                 indent=2), encoding="utf-8")
    figure = plots.confusion_matrix(metrics["confusion_matrix"], names,
                                    out.with_name(f"{out.stem}_confusion_matrix.png"),
                                    title=f"Confusion matrix ({Path(args.data).name})")
    print(f"wrote {scores} and {figure}")
    return metrics
