"""Run folders and the ``record.json`` every lab writes.

A run folder is ``runs/<lab>/<YYYYmmdd-HHMMSS>/``; re-running a lab makes a new one, so
nothing is ever overwritten. ``record.json`` is the one source of truth for a run: the
reflection draft, the course map and the grader all read it. It is written atomically
(a temp file, then a rename), so an interrupted run never leaves half a record.

Record layout (``schema_version`` 1); a lab fills what applies to it:

=================  ===========================================================================
``lab``, ``title``  which lab; ``status``: ``running`` / ``complete`` / ``failed``
``command``         the argv that produced the run; ``seed``; ``quick``
``environment``     backend, Python, library versions, hardware (CPU, RAM, accelerators)
``hyperparameters`` every setting that shapes the result
``dataset``         name, source, citation, license, split sizes, classes
``model``           name, parameter counts (total / trainable / non-trainable)
``history``         per-epoch list: loss, metrics, val_*, ``time_s``, ``samples_per_s``, ``lr``
``training``        ``time_s``, ``epochs_run``, ``samples_per_s``, ``best_epoch``, ``stopped_early``
``inference``       ``latency_ms_per_sample``, ``throughput_samples_per_s``, ``batch_size``
``metrics``         accuracy, macro P/R/F1, per-class scores, confusion matrix (test split)
``reference``       published score: ``value``, ``metric``, ``split``, ``citation``, ``difference``
``misclassified``   >= 10 samples: ``index``, ``true``, ``predicted``, ``confidence`` (+ ``text``)
``figures``         figure key -> file name in the run folder
``results``         lab-specific tables (sweeps, comparisons, benchmarks)
=================  ===========================================================================

Example:
    >>> run = Run.start("lab03_cnn_mnist", title="CNN on MNIST", argv=["--quick"], seed=42,
    ...                 out="runs", quick=True, task="10-class digit classification",
    ...                 hyperparameters={"epochs": 2})
    >>> run.finish()  # prints and returns the run folder
"""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import numpy as np

from toolkit.output_paths import check_output_folder, writing_to
from toolkit.record import (
    RECORD_NAME,
    SCHEMA_VERSION,
    RecordError,
    read_checked_record,
    read_record,
    write_json_atomic,
)
from toolkit.reflection import write_reflection

MODEL_NAME = "model.keras"  # what Run.save_model writes

# Re-exported: labs and tests read records through ``toolkit.runs`` too.
__all__ = ["MODEL_NAME", "RECORD_NAME", "SCHEMA_VERSION", "Run", "list_runs", "new_run_dir",
           "parameter_counts", "read_record", "write_json_atomic"]


def new_run_dir(lab: str, out: Path | str = "runs") -> Path:
    """A fresh ``out/<lab>/<timestamp>/`` folder (``-2``, ``-3``… if one exists already)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = check_output_folder(out) / lab  # a link to nowhere, a file: one line, exit 2
    candidate, n = base / stamp, 1
    with writing_to(base, "the run folder"):
        while True:
            try:
                candidate.mkdir(parents=True, exist_ok=False)
                return candidate
            except FileExistsError:
                if not candidate.is_dir():  # not a run of this second: something else is wrong
                    raise
                n += 1
                candidate = base / f"{stamp}-{n}"


def list_runs(lab: str, out: Path | str = "runs", *, complete_only: bool = True) -> list[Path]:
    """Run folders of ``lab`` under ``out``, oldest first."""
    base = Path(out) / lab
    if not base.is_dir():
        return []
    runs = []
    for folder in sorted(p for p in base.iterdir() if (p / RECORD_NAME).is_file()):
        if complete_only:
            try:  # a folder copied from elsewhere may hold anything: read it as untrusted
                if read_checked_record(folder)[0].get("status") != "complete":
                    continue
            except RecordError:
                continue
        runs.append(folder)
    return runs


def parameter_counts(model) -> dict:
    """Total / trainable / non-trainable parameter counts of a Keras model."""
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    return {"total": trainable + non_trainable, "trainable": trainable,
            "non_trainable": non_trainable}


class Run:
    """One run of a lab: its folder and its record.

    Use :meth:`start` to create it (it seeds everything and captures the environment),
    fill ``run.record`` step by step, call :meth:`save` whenever a step finishes (so an
    interrupted run keeps what it measured) and :meth:`finish` at the end.
    """

    def __init__(self, directory: Path, record: dict):
        self.dir = Path(directory)
        self.record = record
        # (key, file) of the figures a notebook has displayed (toolkit.plots.show_new_figures)
        self.shown_figures: set[tuple[str, str]] = set()

    @classmethod
    def start(cls, lab: str, *, title: str, argv: list[str] | None, seed: int,
              out: Path | str = "runs", quick: bool = False, task: str = "",
              dataset: dict | None = None, hyperparameters: dict | None = None) -> Run:
        """Create the run folder, seed everything and write a first ``running`` record.

        Args:
            lab: the lab id, e.g. ``"lab03_cnn_mnist"``: the folder is ``out/<lab>/<time>/``.
            title: the lab's title. argv: the flags the lab was run with (recorded as the
                command). seed: seeds Python, NumPy and the backend. out: default ``runs``.
            quick: ``--quick`` (small data, few epochs). task: one sentence on what is learned.
            dataset: name, source, citation, split sizes, classes (default empty).
            hyperparameters: every setting that shapes the result (default empty).

        Prints ``run folder: <path>`` so the student knows where to look.
        """
        from toolkit.environment import environment_info
        from toolkit.seed import seed_everything

        seed_everything(seed)
        directory = new_run_dir(lab, out)
        now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        record = {
            "schema_version": SCHEMA_VERSION, "lab": lab, "title": title,
            "status": "running", "started_at": now, "finished_at": None,
            "command": [sys.executable.rsplit("/", 1)[-1], "-m", f"labs.{lab}",
                        *(argv or [])],
            "seed": int(seed), "quick": bool(quick), "task": task,
            "environment": environment_info(),
            "hyperparameters": dict(hyperparameters or {}),
            "dataset": dict(dataset or {}), "model": {}, "history": [], "training": {},
            "inference": {}, "metrics": {}, "reference": {}, "misclassified": [],
            "figures": {}, "results": {},
        }
        run = cls(directory, record)
        run.save()
        print(f"run folder: {directory}")
        return run

    @property
    def record_path(self) -> Path:
        return self.dir / RECORD_NAME

    def path(self, name: str) -> Path:
        """A file path inside the run folder."""
        return self.dir / name

    def add_figure(self, key: str, path: Path | str | None) -> None:
        """Register a figure written into the run folder (``None`` is ignored)."""
        if path is not None:
            self.record["figures"][key] = Path(path).name

    def set_reference(self, *, value: float, metric: str, split: str, citation: str,
                      source: str = "", note: str = "", measured: float | None = None) -> None:
        """Record the published score and how far the measured one is from it.

        ``value`` and ``measured`` are fractions (0.913, not 91.3).
        """
        measured = self.record["metrics"].get(metric) if measured is None else measured
        self.record["reference"] = {
            "value": value, "metric": metric, "split": split, "citation": citation,
            "source": source, "note": note, "measured": measured,
            "difference": None if measured is None else round(measured - value, 4),
        }

    def save(self) -> Path:
        """Write ``record.json`` atomically."""
        return write_json_atomic(self.record_path, self.record)

    def save_model(self, model, *, skip: bool = False, name: str = MODEL_NAME) -> Path | None:
        """Write ``model.keras`` (or ``name``) into the run folder, unless ``skip`` (the lab's
        ``--no-save``).

        Reload it with ``keras.saving.load_model(path)`` (``safe_mode`` stays on).
        """
        if skip:
            return None
        path = self.path(name)
        model.save(path)
        return path

    def finish(self, status: str = "complete", *, reflection: bool = True) -> Path:
        """Mark the run finished, write the record and the reflection draft; return the folder.

        Prints the record's warnings (e.g. random weights), the test accuracy next to the
        published score when both exist, and one closing line naming the run folder.
        """
        self.record["status"] = status
        self.record["finished_at"] = _dt.datetime.now().astimezone().isoformat(
            timespec="seconds")
        self.save()
        if reflection:
            write_reflection(self.dir, self.record)
        for warning in self.record.get("warnings", []):
            print("\n" + warning)
        accuracy = self.record["metrics"].get("accuracy")
        split = self.record["metrics"].get("split") or "test"  # SST-2's labelled split is dev
        reference = self.record["reference"]
        measured = reference.get("measured")
        if isinstance(accuracy, float) and isinstance(reference.get("value"), float):
            if isinstance(measured, float) and abs(measured - accuracy) > 1e-9:
                # the reference was measured on another split (e.g. a published dev score)
                print(f"\naccuracy {measured:.2%} on {reference.get('split', 'its split')} "
                      f"(published {reference['value']:.2%}); {split} accuracy {accuracy:.2%}")
            else:
                print(f"\n{split} accuracy {accuracy:.2%} (published {reference['value']:.2%}, "
                      f"{reference.get('split', 'test')})")
        written = ["record.json"] + (["REFLECTION.md"] if reflection else [])
        print(f"\nrun folder: {self.dir} ({', '.join(written)}, "
              f"{len(self.record['figures'])} figures)")
        return self.dir
