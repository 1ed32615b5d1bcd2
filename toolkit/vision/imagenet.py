"""The 1,000 ImageNet classes: their names (from keras-hub, no download) and a student's
``file,label`` CSV of what their photos show, read as class indices.

Example:
    >>> names = imagenet_class_names()        # names[281] == "tabby"
    >>> read_labels(Path("labels.csv"), names)  # {"cat.jpg": 281, ...}
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from toolkit.errors import CourseError


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet class names in output order, from keras-hub (no download)."""
    from keras_hub.utils import decode_imagenet_predictions

    one_per_class = decode_imagenet_predictions(np.eye(1000, dtype="float32"), top=1)
    return [row[0][0] for row in one_per_class]


def read_labels(path: Path, class_names: list[str]) -> dict[str, int]:
    """``file,label`` rows -> ``{file name: class index}``; labels may be names or indices."""
    if not path.is_file():
        raise CourseError(f"labels file {path} not found", fix="pass a CSV with columns file,label")
    lookup = {name.lower().replace(" ", "_"): i for i, name in enumerate(class_names)}
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        if not reader.fieldnames or not {"file", "label"} <= set(reader.fieldnames):
            raise CourseError(f"{path} has no columns file and label",
                              why=f"found {reader.fieldnames}",
                              fix="first line must be: file,label")
        truth = {}
        for line, row in enumerate(reader, 2):
            label = (row["label"] or "").strip()
            key = label.lower().replace(" ", "_")
            if label.isdigit() and int(label) < len(class_names):
                truth[Path(row["file"]).name] = int(label)
            elif key in lookup:
                truth[Path(row["file"]).name] = lookup[key]
            else:
                close = [n for n in class_names if key and key[:4] in n.lower()][:5]
                raise CourseError(f"{path} line {line}: '{label}' is not an ImageNet class",
                                  fix="use a class name as decode_imagenet_predictions prints "
                                      f"it{', e.g. ' + ', '.join(close) if close else ''}")
    return truth
