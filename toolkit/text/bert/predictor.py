"""A fine-tuned classifier as a run folder keeps it, and how it labels new texts.

Lab 6 saves ``model.keras`` (or ``model_fold1.keras`` ... with ``--folds K``), copies the
tokenizer files into ``tokenizer/`` and writes what ``predict`` needs into the record's
``predict`` section (:func:`save_predict_settings`). ``python -m labs.lab06_bert_finetune
predict`` reads them back (:func:`load_predictor`, :func:`saved_tokenizer`), averages the
models' probabilities (:func:`predict_texts`), applies the run's threshold (:func:`decide`) and
writes ``id,<label column>`` in the training data's own label values (:func:`write_submission`).
Everything is plain ``predict`` calls on NumPy batches, so a model trained on one backend labels
texts on another.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import keras
import numpy as np

from toolkit.errors import CourseError
from toolkit.text.bert import model as _layers  # noqa: F401  (registers the course's layers)
from toolkit.text.bert.presets import Preset
from toolkit.text.bert.tokens import PaddedBatches, make_tokenizer

TOKENIZER_FOLDER = "tokenizer"  # the tokenizer files are copied into this run subfolder


def decide(probabilities: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class predictions: two classes, the second when its probability >= ``threshold``;
    more classes, the most probable one."""
    probabilities = np.asarray(probabilities)
    if probabilities.shape[1] == 2:
        return (probabilities[:, 1] >= threshold).astype("int64")
    return probabilities.argmax(1)


def save_predict_settings(run_folder: Path, preset: Preset, *, models: list[str],
                          **settings) -> dict:
    """Copy the tokenizer files into the run folder; the record's ``predict`` section.

    ``settings`` are what labelling needs besides the model files: ``max_length``,
    ``input_names``, ``multitask_output``, ``class_names``, ``label_values``, ``text_column``,
    ``label_column`` and ``threshold``.
    """
    folder = Path(run_folder) / TOKENIZER_FOLDER
    folder.mkdir(exist_ok=True)
    files = [Path(file) for file in (preset.tokenizer_files or (preset.vocabulary,))]
    for file in files:
        shutil.copyfile(file, folder / file.name)
    return {"models": models, "family": preset.family, "lowercase": preset.lowercase,
            "tokenizer_files": [f"{TOKENIZER_FOLDER}/{file.name}" for file in files],
            **settings}


def load_predictor(run_dir: Path, lab_id: str) -> tuple[dict, list]:
    """The run's ``predict`` settings and its model(s), refusing what is not such a model."""
    from toolkit.record import RECORD_NAME, RecordError, read_checked_record

    if not (run_dir / RECORD_NAME).is_file():
        raise CourseError(f"{run_dir} is not a run folder (no {RECORD_NAME})",
                          fix="pass the folder a lab 6 run printed at its end")
    try:  # a run folder may come from anywhere: read it as the grader and submit do
        record, _ = read_checked_record(run_dir)
    except RecordError as error:
        raise CourseError(str(error), fix="pass the folder of a lab 6 fine-tuning run") from None
    if record.get("lab") != lab_id:
        raise CourseError(f"{run_dir} is a run of {record.get('lab')}, not of {lab_id}",
                          fix="pass the folder of a lab 6 fine-tuning run")
    settings = record.get("predict")
    names = (settings or {}).get("models") or []
    missing = [name for name in names if not (run_dir / name).is_file()]
    if not settings or not names or missing:
        raise CourseError(f"{run_dir} holds no saved model"
                          + (f" ({', '.join(missing)} missing)" if missing else ""),
                          fix="train again without --no-save (and without --benchmark)")
    import keras_hub  # noqa: F401  (registers the backbone classes the file names)

    models = [keras.saving.load_model(run_dir / name) for name in names]
    return settings, models


def saved_tokenizer(run_dir: Path, settings: dict):
    """The tokenizer the run trained with, from the files copied into its folder."""
    files = tuple(run_dir / file for file in settings["tokenizer_files"])
    return make_tokenizer(Preset(
        name=str(run_dir), source="run folder", location=str(run_dir), vocabulary=files[0],
        lowercase=settings["lowercase"], family=settings["family"], tokenizer_files=files))


def predict_texts(models: list, tokenizer, texts: list[str], *, max_length: int, input_names,
                  output: str | None = None, batch_size: int = 64,
                  verbose: int = 0) -> np.ndarray:
    """Class probabilities of ``texts``, averaged over ``models``, in the order given.

    ``output`` names the head to read when the models have several (``--multitask``).
    """
    tokens = tokenizer.encode(texts, max_length)
    batches = PaddedBatches(tokens.token_ids, batch_size=batch_size, input_names=input_names,
                            max_length=max_length, pad_id=tokenizer.pad_id)
    total = 0
    for model in models:
        logits = batches.predict(model, verbose=verbose)
        if isinstance(logits, dict):
            logits = logits[output]
        total = total + keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    return total / len(models)


def write_submission(out: Path, ids: list, id_name: str, probabilities: np.ndarray,
                     settings: dict, *, with_probabilities: bool = False) -> np.ndarray:
    """``id,<label column>`` rows (plus ``p_<label>`` columns); the count of each label.

    The labels are written as the training data wrote them (strings, or integers such as 0/1),
    with the run's decision threshold for two classes.
    """
    predictions = decide(probabilities, settings.get("threshold") or 0.5)
    values = settings["label_values"]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        header = [id_name, settings["label_column"]]
        if with_probabilities:
            header += [f"p_{value}" for value in values]
        writer.writerow(header)
        for row_id, predicted, row in zip(ids, predictions, probabilities, strict=True):
            writer.writerow([row_id, values[predicted]]
                            + ([f"{p:.6f}" for p in row] if with_probabilities else []))
    return np.bincount(predictions, minlength=len(values))
