"""Integer labels and one-hot labels: two ways to write the same answer, one loss value."""

from __future__ import annotations

import keras
import numpy as np

from toolkit.formats import console_table
from toolkit.runs import Run
from toolkit.vision.data import ImageSplits

SHOWN = 4


def labels_two_ways(model: keras.Model, data: ImageSplits, run: Run) -> dict:
    """The same test images scored with integer labels and with one-hot labels.

    The label 3 can be written as the integer ``3`` (``sparse_categorical_crossentropy``)
    or as the vector ``[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]`` (``categorical_crossentropy``).
    Both losses are ``-log(p[true class])``: the same number. Integers save memory (one
    number per image instead of ten); one-hot vectors allow soft labels (label smoothing,
    mixup).
    """
    images, labels = data.x_test[:SHOWN], data.y_test[:SHOWN]
    probabilities = np.asarray(model.predict(images, verbose=0))
    one_hot = keras.utils.to_categorical(labels, len(data.class_names))
    sparse = keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(labels, probabilities))
    dense = keras.ops.convert_to_numpy(
        keras.losses.categorical_crossentropy(one_hot, probabilities))
    rows = [{"integer_label": int(label), "one_hot": "".join(str(int(v)) for v in vector),
             "p_true": round(float(probs[label]), 4),
             "minus_log_p_true": round(float(-np.log(max(probs[label], 1e-7))), 4),
             "sparse_categorical_crossentropy": round(float(s), 4),
             "categorical_crossentropy": round(float(d), 4)}
            for label, vector, probs, s, d in zip(labels, one_hot, probabilities, sparse, dense,
                                                  strict=True)]
    print("\nthe same labels written two ways, and their losses:")
    print(console_table(["integer", "one-hot", "p(true)", "-log p(true)", "sparse CE",
                         "categorical CE"],
                        [[r["integer_label"], r["one_hot"], f"{r['p_true']:.4f}",
                          f"{r['minus_log_p_true']:.4f}",
                          f"{r['sparse_categorical_crossentropy']:.4f}",
                          f"{r['categorical_crossentropy']:.4f}"] for r in rows]))
    summary = {"rows": rows, "largest_difference": round(float(np.abs(sparse - dense).max()), 6)}
    run.record["results"]["labels_two_ways"] = summary
    run.save()
    return summary
