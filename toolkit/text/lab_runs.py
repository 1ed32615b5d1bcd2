"""The end of a text lab's run (labs 4 and 5): its misclassified texts recorded, the
published SST-2 score it is compared with, and the trained model saved beside the record.

Example:
    >>> record_text_errors(run, ErrorAnalysis(...), data.test_split)   # errors.png
    >>> set_sst2_reference(run, data, REFERENCES[0], REFERENCES, detail="an LSTM on GloVe")
    >>> finish_trained_run(model, run, no_save=config.no_save)   # the run folder
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from toolkit import plots
from toolkit.error_analysis import ErrorAnalysis
from toolkit.runs import Run
from toolkit.text.datasets import TextDataset


def record_text_errors(run: Run, analysis: ErrorAnalysis, test_split: str, *,
                       extra_columns: dict[str, Sequence] | None = None,
                       summary: dict | None = None) -> str:
    """Record the 25 most confident mistakes, write all of them to ``errors.csv`` (with empty
    columns to annotate) and draw them as a table (``errors.png``).

    Args:
        extra_columns: one value per test text (e.g. its share of unknown words), added to
            each mistake in the record and in the CSV.
        summary: more figures for ``results["errors"]`` beside the confidence summary and
            the most confused pairs of classes.
    """
    run.record["misclassified"] = analysis.top_errors(25)
    for name, values in (extra_columns or {}).items():
        for row in run.record["misclassified"]:
            row[name] = float(values[row["index"]])
    run.record["results"]["errors"] = {
        **analysis.confidence_summary(),
        "most_confused": "; ".join(f"{true} -> {predicted}: {n}"
                                   for true, predicted, n in analysis.most_confused(5)),
        **(summary or {})}
    analysis.write_csv(run.path("errors.csv"), extra_columns=extra_columns)
    path = plots.misclassified_table(run.record["misclassified"], run.path("errors.png"),
                                     title=f"Misclassified {test_split} texts "
                                           f"(most confident first)")
    run.add_figure("errors", path)
    run.save()
    return str(path)


def set_sst2_reference(run: Run, data: TextDataset, reference: dict, references: list[dict],
                       *, detail: str) -> None:
    """Record every published figure the lab cites, and compare the run with ``reference``.

    Only SST-2 runs get a reference score: on your own data no published figure exists
    (the record says so). ``detail`` says how this run's model differs from the paper's.
    """
    run.record["results"]["references"] = references
    if not data.name.startswith("sst2"):
        run.record["results"]["reference_note"] = "your own data: no published score"
        return
    note = (f"measured on {data.test_split}"
            + (" (GLUE's test labels are hidden; dev holds sentences of the same kind)"
               if data.test_split == "dev" else "") + f"; {detail}")
    run.set_reference(value=reference["value"], metric="accuracy", split=reference["split"],
                      citation=reference["citation"], source=f"SST-2 {reference['model']}",
                      note=note)


def finish_trained_run(model, run: Run, *, no_save: bool) -> Path:
    """Save the trained Keras model (unless ``no_save``: the lab's ``--no-save``), write
    record.json and the REFLECTION.md draft; return the run folder."""
    run.save_model(model, skip=no_save)
    return run.finish()
