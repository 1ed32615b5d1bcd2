"""The ``REFLECTION.md`` draft every lab writes into its run folder.

Measured facts come from ``record.json``: task, dataset with split sizes, model and parameter
count, hardware and backend, references with citations, the hyperparameter table, learning
curves and error figures, metrics, the published score and the gap, training and inference
time, the misclassified samples and any lab-specific result tables. What only the student can
write is left as **TODO** prompts: the qualitative error analysis, a hypothesis, improvement
ideas and a reflection in four parts, plus the lab's own questions from
``course/templates/<lab>.md``. The error types and fixes the student writes into the run's
``errors.csv`` are read back into the draft.

The page itself is ``course/templates/reflection.md`` (a :class:`string.Template`), so a course
can reword its prompts without touching code.

Whatever the record holds, the draft stays a page: tables show their first rows and columns,
lists their first items, each with a line saying how many more ``record.json`` holds, and the
page is cut at 100 KB; no control or bidirectional character is live in it, and a lone
surrogate is shown as an escape.

A reflection the student already edited is never overwritten: the new draft is written
beside it as ``REFLECTION.new.md`` and the function says so. Edits made in
``REFLECTION.new.md`` are kept too: the next draft then goes to a dated
``REFLECTION.new-<time>.md``.

A run folder may come from someone else (a student's zip unzipped by an instructor), so it is
read as untrusted: ``record.json`` through :func:`toolkit.record.read_checked_record` (invalid
fields are named and left out, ``lab`` must be a lab of the syllabus), and nothing is written
through a link: each file is written to a temp file in the run folder and moved into place
(:func:`toolkit.safe_files.replace_file`); a link or a folder named ``REFLECTION.md`` is left
alone.

Write the draft again (e.g. after annotating ``errors.csv``):
    python -m toolkit.reflection runs/lab03_cnn_mnist/20261123-101500
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from string import Template

from toolkit import formats
from toolkit.errors import CourseError
from toolkit.record import RecordError, known_lab_ids, read_checked_record
from toolkit.repeated_lines import bounded
from toolkit.resources import course_path
from toolkit.safe_files import is_regular_file, read_regular_file, replace_file
from toolkit.safe_text import encodable, for_terminal

REFLECTION_NAME = "REFLECTION.md"
NEW_DRAFT_NAME = "REFLECTION.new.md"
STAMP_NAME = ".reflection.sha256"  # hash of the draft as written: a different hash = edited
NEW_STAMP_NAME = ".reflection.new.sha256"  # the same for REFLECTION.new.md
MAX_REFLECTION_BYTES = 5 * 2**20
TEMPLATES_DIR = course_path("templates")
PAGE_TEMPLATE = "reflection.md"
TODO = "**TODO**"  # marks a prompt the student replaces; the grader ignores lines holding it
MAX_TABLE_ROWS = 25
# The draft's size stays readable whatever the record holds: a table shows MAX_TABLE_ROWS
# rows and MAX_TABLE_COLUMNS columns, a cell MAX_CELL_CHARS characters, a list (warnings,
# references, other figures) MAX_LIST_ITEMS items, each with a line saying what was left
# out; the page as a whole is cut at MAX_DRAFT_BYTES.
MAX_TABLE_COLUMNS = 12
MAX_CELL_CHARS = 300
MAX_LIST_ITEMS = 12
MAX_DRAFT_BYTES = 100 * 2**10
MAX_CONSOLE_NOTES = 50
# Figures the draft places in their own sections; any other figure goes under "Other figures".
PLACED_FIGURES = ("learning_curves", "confusion_matrix", "errors")
_WARNING_LABEL = re.compile(r"^\s*WARNING:\s*")  # a lab's printed label, said once in the draft


def _pct(value) -> str:
    try:
        return f"{100 * float(value):.2f}%"
    except (TypeError, ValueError):
        return "n/a"


def _rate(value) -> str:
    """Throughputs: 17,042 samples/s, but 3.2 images/s stays readable."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.2g}"


def _is_flat(value) -> bool:
    """A number, a string, or a list of them: something that reads well inline."""
    if isinstance(value, list):
        return not any(isinstance(item, (dict, list)) for item in value)
    return not isinstance(value, dict)


def _cell(value) -> str:
    """One Markdown table cell: numbers rounded, a flat dict as ``key: value`` pairs (empty
    ones left out), a list of scalars joined by `` / ``, deeper structures as compact JSON,
    pipes escaped."""
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, dict) and all(_is_flat(item) for item in value.values()):
        text = ", ".join(f"{key}: {_cell(item)}" for key, item in value.items()
                         if item not in ("", None, [], {}))
    elif isinstance(value, list) and all(_is_flat(item) for item in value):
        text = " / ".join(_cell(item) for item in value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), default=str)
    else:
        text = str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + f"... ({len(text) - MAX_CELL_CHARS:,} more characters)"
    return text.replace("|", "\\|").replace("\n", " ")


def _left_out(count: int, what: str) -> str:
    return f"\n\n_... and {count:,} more {what} in record.json._" if count > 0 else ""


def markdown_table(header: list[str], rows: list[list], *, total: int | None = None) -> str:
    """A Markdown table of record values, or ``_none recorded_`` when there are no rows.

    At most :data:`MAX_TABLE_ROWS` rows and :data:`MAX_TABLE_COLUMNS` columns are shown, with
    a line saying how many more the record holds (``total``: the rows there are, when only
    the first ones were passed).
    """
    total = len(rows) if total is None else total
    columns = len(header)
    header, rows = header[:MAX_TABLE_COLUMNS], [row[:MAX_TABLE_COLUMNS]
                                                for row in rows[:MAX_TABLE_ROWS]]
    note = _left_out(total - len(rows), "rows") + _left_out(columns - len(header), "columns")
    return formats.markdown_table(header, rows, cell=_cell) + note


def _first(items: list, what: str) -> tuple[list, str]:
    """The first :data:`MAX_LIST_ITEMS` of ``items`` and a line naming how many are left."""
    return items[:MAX_LIST_ITEMS], _left_out(len(items) - MAX_LIST_ITEMS, what)


def _figure(figures: dict, key: str, caption: str) -> str:
    name = figures.get(key)
    return f"![{caption}]({name})" if name else ""


def _warnings(record: dict) -> str:
    """Quoted warnings under the title: a ``--quick`` run, and what the lab put in
    ``record["warnings"]`` (e.g. random weights), so nobody reports such figures unaware."""
    lines = []
    if record.get("quick"):
        lines.append("This was a `--quick` run: a reduced run that checks everything works. "
                     "Run the lab without `--quick` for the results you report.")
    # "WARNING: --weights none ..." as the lab printed it: the label is said once
    lines += ["**Warning:** " + _WARNING_LABEL.sub("", warning) for warning in bounded(
        [str(warning) for warning in record.get("warnings") or []], show=3,
        max_lines=MAX_LIST_ITEMS, rest="see record.json")]
    return "".join(f"\n> {line}\n" for line in lines)


def _hardware(environment: dict) -> str:
    hardware = environment.get("hardware", {}) or {}
    parts = [str(hardware.get("device", "?"))]
    if hardware.get("cpu_cores"):
        parts.append(f"{hardware['cpu_cores']} CPU cores")
    if hardware.get("ram_gb"):
        parts.append(f"{hardware['ram_gb']} GB RAM")
    return ", ".join(parts)


def _dataset(dataset: dict) -> str:
    splits = ", ".join(f"{name} {count:,}" if isinstance(count, int) else f"{name} {count}"
                       for name, count in list((dataset.get("splits") or {}).items())[
                           :MAX_LIST_ITEMS])
    text = f"{dataset.get('title', dataset.get('name', '?'))} ({splits or 'split sizes n/a'})"
    classes = dataset.get("classes") or []
    if classes:
        text += f"; {len(classes)} classes"
    return text


def _model(model: dict) -> str:
    parameters = model.get("parameters") or {}
    text = str(model.get("name", "?"))
    if parameters.get("total") is not None:
        text += (f", {parameters['total']:,} parameters "
                 f"({parameters.get('trainable') or 0:,} trainable)")
    return text


# A work's first author (after the initials it opens with) and year: "R. Socher et al. ...
# EMNLP 2013" -> ("socher", "2013"). A citation that opens otherwise is its own key.
_AUTHOR = re.compile(r"^\s*(?:[A-Z]\.[\s-]*)+([A-Z][\w'-]+)")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _works(citation: str) -> list[str]:
    """The works a citation names: a data set's line may cite two ("GLUE ... ICLR 2019;
    R. Socher et al. ... EMNLP 2013")."""
    return [part.strip() for part in citation.split("; ") if part.strip()]


def _work_key(work: str) -> tuple[str, str] | str:
    author, year = _AUTHOR.search(work), _YEAR.search(work)
    return (author[1].lower(), year[0]) if author and year else work


def _references(record: dict) -> str:
    """Each work once, in its fullest wording: the data set's line and a published score may
    cite the same paper."""
    citations = [section.get("citation") for section in
                 (record.get("dataset") or {}, record.get("model") or {},
                  record.get("reference") or {})]
    citations += [ref for ref in record.get("references") or [] if isinstance(ref, str)]
    works: dict = {}
    for work in (w for c in citations if isinstance(c, str) and c for w in _works(c)):
        key = _work_key(work)
        if len(work) > len(works.get(key, "")):
            works[key] = work
    unique, more = _first(list(works.values()), "references")
    return "\n".join(f"- {_cell(c)}" for c in unique) + more if unique else "_none recorded_"


def _curves(record: dict) -> str:
    figures = record.get("figures") or {}
    curve_keys = [key for key in figures if key.startswith("learning_curves")]
    if not curve_keys and not record.get("history"):
        return "_This lab trains no model: there are no learning curves._"
    parts = [_figure(figures, key, key.replace("_", " ")) for key in curve_keys]
    training = record.get("training") or {}
    if training:
        facts = f"Trained {training.get('epochs_run', '?')} epochs"
        if training.get("best_epoch"):
            facts += (f"; best epoch by {training.get('monitor', 'val_loss')}: "
                      f"{training['best_epoch']}")
        if training.get("stopped_early"):
            facts += "; early stopping ended training"
        parts.append(facts + ".")
    parts.append(f"{TODO} Describe the learning curves: does the validation loss follow the "
                 f"training loss, where does it level off, and is there a sign of over- or "
                 f"underfitting?")
    return "\n\n".join(p for p in parts if p)


def _metrics(record: dict) -> str:
    metrics = record.get("metrics") or {}
    rows = [[name.replace("_", " "), _pct(metrics[name])]
            for name in ("accuracy", "macro_precision", "macro_recall", "macro_f1")
            if metrics.get(name) is not None]
    text = markdown_table([f"metric ({metrics.get('split', 'test')} split)", "value"], rows)
    confusion = _figure(record.get("figures") or {}, "confusion_matrix", "confusion matrix")
    return text + (f"\n\n{confusion}" if confusion else "")


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _results(results: dict) -> str:
    """Lab-specific result tables: a list of rows, or named entries with scalar fields."""
    sections = []
    for key, value in (results or {}).items():
        rows: list[dict] = []
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            rows = value
        elif isinstance(value, dict) and value and all(isinstance(v, dict)
                                                       for v in value.values()):
            rows = [{"name": name, **entry} for name, entry in value.items()]
        if rows:
            # Per-epoch histories and other nested data stay in record.json.
            columns = list(dict.fromkeys(c for r in rows for c, v in r.items() if _scalar(v)))
            table = markdown_table(columns, [[r.get(c, "") for c in columns]
                                             for r in rows[:MAX_TABLE_ROWS]], total=len(rows))
        elif isinstance(value, dict) and value and all(_scalar(v) for v in value.values()):
            table = markdown_table(["measure", "value"], [
                [k, v] for k, v in list(value.items())[:MAX_TABLE_ROWS]], total=len(value))
        else:
            continue
        sections.append(f"### {key.replace('_', ' ').capitalize()}\n{table}")
    if not sections:
        return ""
    return "\n## Lab results\n" + "\n\n".join(sections) + "\n"


def _comparison(record: dict) -> str:
    reference = record.get("reference") or {}
    if not reference:
        return "_No published reference recorded for this run._"
    text = (f"Published: **{_pct(reference.get('value'))}** {reference.get('metric', '')} on "
            f"the {reference.get('split', '?')} split "
            f"({str(reference.get('citation', '')).rstrip('.')}). ")  # no ".)." after a citation
    if reference.get("measured") is None:
        text += "This run measured no comparable score."
    else:
        text += (f"Measured here: **{_pct(reference.get('measured'))}**, a difference of "
                 f"{_pct(reference.get('difference'))}.")
    if reference.get("note"):
        text += f" Note: {reference['note']}"
    if record.get("quick") and reference.get("measured") is not None:
        text += (" This was a `--quick` run (small data, 1-2 epochs): it is not expected to "
                 "reach the published score.")
    return text


def _timing(record: dict) -> str:
    training = record.get("training") or {}
    inference = record.get("inference") or {}
    device = ((record.get("environment") or {}).get("hardware") or {}).get("device", "?")
    rows = []
    if training.get("time_s") is not None:
        rows.append(["training time", f"{training['time_s']:.1f} s over "
                                      f"{training.get('epochs_run', '?')} epochs on {device}"])
    if training.get("samples_per_s"):
        rows.append(["training throughput", f"{_rate(training['samples_per_s'])} samples/s"])
    if inference.get("latency_ms_per_sample") is not None:
        rows.append(["inference latency", f"{inference['latency_ms_per_sample']:.3f} ms per "
                                          f"sample (batch {inference.get('batch_size', '?')})"])
    if inference.get("throughput_samples_per_s"):
        rows.append(["inference throughput",
                     f"{_rate(inference['throughput_samples_per_s'])} samples/s"])
    return markdown_table(["measure", "value"], rows)


def _misclassified(record: dict) -> str:
    errors = record.get("misclassified") or []
    if not errors:
        return "_No misclassified samples were recorded in this run._"
    rows = [[e.get("text", e.get("id", e.get("index", ""))), e.get("true", ""),
             e.get("predicted", ""), f"{float(e.get('confidence') or 0):.2f}"]
            for e in errors[:MAX_TABLE_ROWS] if isinstance(e, dict)]
    text = (f"{len(errors)} misclassified test samples recorded, largest loss first (the "
            f"model gave the true class the lowest probability).\n\n")
    text += markdown_table(["sample", "true label", "predicted", "confidence"], rows)
    figure = _figure(record.get("figures") or {}, "errors", "misclassified samples")
    return text + (f"\n\n{figure}" if figure else "")


def _count(value) -> int | None:
    """A count from an untrusted record, or ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _label_audit(record: dict) -> str:
    """Model error or label error? The label audit's count of test errors that look like
    label errors (``toolkit.label_audit``), three of them, and a prompt to judge them."""
    audit = record.get("label_audit")
    if not isinstance(audit, dict):
        return ""
    errors, flagged = _count(audit.get("test_errors")), _count(audit.get("test_errors_flagged"))
    if errors is None or flagged is None:
        return ""
    sources = "; ".join(f"{_cell(key[:-len('_source')])}: {_cell(value)}"
                        for key, value in audit.items()
                        if key.endswith("_source") and isinstance(value, str))
    text = (f"\n\n**Model error or label error?** Confident learning (cleanlab) flags "
            f"**{flagged} of the {errors}** misclassified test samples as likely label "
            f"errors: the model gave the given label a low probability, lower than it gives "
            f"most rows of that class"
            + (f" (probabilities: {sources})" if sources else "")
            + f". Every flagged training and test row is in "
              f"`{_cell(audit.get('csv') or 'label_issues.csv')}`. A flag is a question, not "
              f"a verdict, and only as good as the model: a weak one flags its own mistakes.")
    examples = [row for row in audit.get("examples") or [] if isinstance(row, dict)][:3]
    if examples:
        text += "\n\n" + markdown_table(
            ["sample", "given label", "predicted", "label quality"],
            [[row.get("text", ""), row.get("given_label", ""), row.get("predicted", ""),
              row.get("label_quality", "")] for row in examples])
    return text + (f"\n\n{TODO} Judge these samples: for each, is the label wrong, or is "
                   f"the model wrong (and why)? What would it change to drop or relabel "
                   f"such rows in the training data, and in the test split?")


def _annotations(annotations: list[dict]) -> str:
    if not annotations:
        return (f"{TODO} Fill the `error_type` and `fix_idea` columns of `errors.csv` for the "
                f"misclassified samples, then run `python -m toolkit.reflection <this folder>` "
                f"to bring them here.")
    counts = Counter((row.get("error_type") or "").strip() or "(no type)" for row in annotations)
    summary = ", ".join(f"{kind} ({n})" for kind, n in counts.most_common())
    table = markdown_table(["sample", "true", "predicted", "error type", "fix idea"], [
        [row.get("text") or row.get("id") or row.get("index"), row.get("true"),
         row.get("predicted"), row.get("error_type", ""), row.get("fix_idea", "")]
        for row in annotations[:MAX_TABLE_ROWS]], total=len(annotations))
    return f"{len(annotations)} samples annotated in `errors.csv`: {summary}.\n\n{table}"


def _other_figures(figures: dict) -> str:
    others = [(key, name) for key, name in figures.items()
              if key not in PLACED_FIGURES and not key.startswith("learning_curves")]
    if not others:
        return ""
    others, more = _first(others, "figures")
    lines = [f"### {key.replace('_', ' ').capitalize()}\n![{key.replace('_', ' ')}]({name})"
             for key, name in others]
    return "\n## Other figures\n" + "\n\n".join(lines) + more + "\n"


def lab_template(lab: str, templates_dir: Path | None = None) -> Path | None:
    """The lab's own prompts: ``course/templates/<lab>.md``, or the one ``labNN_*.md`` file.

    Only a lab id of the syllabus is looked up: a record's ``lab`` is never used as a path.
    """
    if not lab or lab not in known_lab_ids():
        return None
    templates_dir = TEMPLATES_DIR if templates_dir is None else templates_dir
    exact = templates_dir / f"{lab}.md"
    if exact.is_file():
        return exact
    number = lab.split("_", 1)[0]
    matches = sorted(templates_dir.glob(f"{number}_*.md")) if number.startswith("lab") else []
    return matches[0] if len(matches) == 1 else None


def _lab_prompts(lab: str) -> str:
    template = lab_template(lab)
    if template is None:
        return ""
    return ("\n### Lab-specific questions\n_Answer each question under it._\n\n"
            + template.read_text(encoding="utf-8").strip() + "\n")


def render(record: dict, run_dir: Path | str | None = None, *,
           annotations: list[dict] | None = None) -> str:
    """The reflection draft for ``record`` as Markdown.

    Args:
        record: the run record (``record.json``).
        run_dir: the run folder; its ``errors.csv`` annotations are read back (default
            ``None``: no annotations unless ``annotations`` is given).
        annotations: annotated ``errors.csv`` rows, when they were read elsewhere (the
            grader reads them from a zip).
    """
    if annotations is None:
        annotations = []
        if run_dir is not None:
            from toolkit.error_analysis import read_annotations

            annotations = read_annotations(Path(run_dir) / "errors.csv")
    environment = record.get("environment") or {}
    versions = environment.get("versions") or {}
    command = " ".join(str(part) for part in record.get("command") or [])
    page = Template((TEMPLATES_DIR / PAGE_TEMPLATE).read_text(encoding="utf-8"))
    return _shown(page.substitute(
        title=record.get("title", record.get("lab", "lab")),
        finished=record.get("finished_at") or record.get("started_at", "?"),
        quick_warning=_warnings(record),
        task=record.get("task", record.get("title", "")),
        dataset=_dataset(record.get("dataset") or {}),
        model=_model(record.get("model") or {}),
        hardware=_hardware(environment),
        backend=environment.get("backend", "?"), python=environment.get("python", "?"),
        keras_version=versions.get("keras", "?"),
        seed=record.get("seed", "?"), command=command or "?",
        references=_references(record),
        hyperparameters=markdown_table(["hyperparameter", "value"], [
            [name, value] for name, value in list((record.get("hyperparameters") or {}).items())[
                :MAX_TABLE_ROWS]], total=len(record.get("hyperparameters") or {})),
        curves=_curves(record), metrics=_metrics(record),
        results=_results(record.get("results") or {}),
        comparison=_comparison(record), timing=_timing(record),
        misclassified=_misclassified(record) + _label_audit(record),
        annotations=_annotations(annotations),
        other_figures=_other_figures(record.get("figures") or {}),
        lab_prompts=_lab_prompts(str(record.get("lab", ""))),
    ))


def _shown(page: str) -> str:
    """The draft as it is safe to open: no control or bidirectional character live (a record
    may come from someone else), every character writable as UTF-8, at most
    :data:`MAX_DRAFT_BYTES`."""
    page = encodable(for_terminal(page))
    if len(page.encode("utf-8")) <= MAX_DRAFT_BYTES:
        return page
    cut = page.encode("utf-8")[:MAX_DRAFT_BYTES - 200].decode("utf-8", "ignore")
    return cut[:cut.rfind("\n") + 1] + (
        "\n_... the draft was cut here: the record holds more than a page can show; see "
        "record.json._\n")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_small(path: Path) -> str | None:
    """The text of a regular file (never through a link), ``None`` when there is none."""
    try:
        return read_regular_file(path, MAX_REFLECTION_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None


def _edited(target: Path, stamp: Path) -> bool:
    """True when ``target`` exists and differs from the draft whose hash ``stamp`` holds."""
    if not (target.exists() or target.is_symlink()):
        return False
    text = _read_small(target)
    written = _read_small(stamp)
    return text is None or written is None or written.strip() != _digest(text)


def is_edited(run_dir: Path | str) -> bool:
    """True when ``REFLECTION.md`` differs from the draft this tool last wrote there (or is
    no regular file: a link or a folder of that name is never written over)."""
    run_dir = Path(run_dir)
    return _edited(run_dir / REFLECTION_NAME, run_dir / STAMP_NAME)


def _write_stamped(run_dir: Path, name: str, stamp_name: str, text: str) -> Path:
    path = replace_file(run_dir / name, text, folder=run_dir)
    try:
        replace_file(run_dir / stamp_name, _digest(text), folder=run_dir)
    except OSError:  # a link or folder in its place: without a stamp the file counts as edited
        pass
    return path


def _annotations_of(run_dir: Path) -> list[dict]:
    """The run's annotated ``errors.csv`` rows; an unreadable file gives none, and says so."""
    from toolkit.error_analysis import ANNOTATION_COLUMNS

    path = run_dir / "errors.csv"
    if not (path.exists() or path.is_symlink()):
        return []
    try:
        text = read_regular_file(path, 20 * 2**20).decode("utf-8", errors="replace")
        rows = list(csv.DictReader(text.splitlines()))
    except (OSError, csv.Error) as error:
        print(for_terminal(f"note: {path} cannot be read ({error}): no annotations used"))
        return []
    return [row for row in rows if any(isinstance(row.get(column), str) and
                                       row[column].strip() for column in ANNOTATION_COLUMNS)]


def write_reflection(run_dir: Path | str, record: dict) -> Path:
    """Write the draft into ``run_dir``; never overwrite a reflection the student edited.

    Returns the path written: ``REFLECTION.md``; ``REFLECTION.new.md`` when the existing
    ``REFLECTION.md`` differs from the draft this tool last wrote (the student edited it, it
    came from elsewhere, or it is a link or a folder); ``REFLECTION.new-<time>.md`` when
    ``REFLECTION.new.md`` holds edits as well. Every file is written through a temp file
    inside the run folder, never through a link.
    """
    run_dir = Path(run_dir).resolve()
    text = render(record, run_dir, annotations=_annotations_of(run_dir))
    if not is_edited(run_dir):
        return _write_stamped(run_dir, REFLECTION_NAME, STAMP_NAME, text)
    target = run_dir / REFLECTION_NAME
    why = "holds your edits" if is_regular_file(target) else "is a link or a folder"
    draft = run_dir / NEW_DRAFT_NAME
    kept = ""
    if _edited(draft, run_dir / NEW_STAMP_NAME):  # edits, a link or a folder: keep it
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = f"; {NEW_DRAFT_NAME} holds edits too, so it was kept as well"
        draft = run_dir / f"{Path(NEW_DRAFT_NAME).stem}-{stamp}.md"
        path = replace_file(draft, text, folder=run_dir)
    else:
        path = _write_stamped(run_dir, NEW_DRAFT_NAME, NEW_STAMP_NAME, text)
    print(for_terminal(f"{target} {why}, so it was left as it is{kept}; the new draft is "
                       f"{path}: copy what you need from it."))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.reflection",
        description="Write the REFLECTION.md draft of a run folder again (e.g. after you "
                    "annotated errors.csv). An edited REFLECTION.md is never overwritten: the "
                    "new draft goes to REFLECTION.new.md.")
    parser.add_argument("run_dirs", nargs="+", help="run folders holding record.json")
    args = parser.parse_args(argv)

    for run_dir in args.run_dirs:
        try:
            record, problems = read_checked_record(run_dir)
        except RecordError as error:
            raise CourseError(f"{run_dir} holds no readable record.json", why=str(error),
                              fix="pass a folder a lab wrote, e.g. runs/lab03_cnn_mnist/<time>"
                              ) from None
        for problem in bounded(problems, max_lines=MAX_CONSOLE_NOTES,
                               rest="each is left out of the draft"):
            print(for_terminal(f"note: {problem}", keep_newlines=False))
        try:
            print(for_terminal(write_reflection(run_dir, record)))
        except OSError as error:
            raise CourseError(f"the draft cannot be written into {run_dir}",
                              why=str(error)) from None
    return 0


if __name__ == "__main__":
    from toolkit.cli import run_main

    sys.exit(run_main(main))
