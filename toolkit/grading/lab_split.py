"""One submission, several labs: split it into one part per lab, graded apart.

A student may hand in one document for several labs ("L02: ...", "## Lab 3", "Lab-06:
BERT") and several run folders. :func:`split_by_lab` cuts the documents at headings that
start with a lab, and sends each run record (its ``lab``), notebook and ``errors.csv`` to the
lab its path names. Each part is then graded on its own, so a lab's exemptions (``waive_if``)
come from that lab's runs only: a lab 1 run never waives lab 3's learning curves.

Lines before the first lab heading (the student's name, a course title) and files that name
no lab go to every part. A submission naming one lab or none is not split.

Example:
    >>> [(lab, len(part.documents)) for lab, part in split_by_lab(submission)]
    [('lab02_mlp_dropout', 1), ('lab03_cnn_mnist', 1)]
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import PurePosixPath

from toolkit.grading.report_text import Document
from toolkit.grading.submissions import Submission

# "Lab 3", "Lab-06", "lab_02", "L02" (a bare L needs two digits: "L2 regularization" is none)
_LAB_HEADING = re.compile(r"^\W*(?:\d+[.)]\s+)?(?:lab[\s_\-]*0?(?P<n>[1-9]\d?)|L0(?P<m>[1-9]))(?!\d)", re.I)
_LAB_IN_PATH = re.compile(r"(?<![A-Za-z0-9])lab[\s_\-]*0?(?P<n>[1-9]\d?)(?!\d)", re.I)


@lru_cache(maxsize=1)
def _lab_ids() -> tuple[str, ...]:
    from toolkit.resources import load_syllabus

    return tuple(str(lab["id"]) for lab in load_syllabus())


def lab_id(number: int) -> str:
    """The syllabus id of lab ``number`` (``3`` -> ``lab03_cnn_mnist``)."""
    ids = _lab_ids()
    return ids[number - 1] if 1 <= number <= len(ids) else f"lab{number:02d}"


def heading_lab(text: str) -> str | None:
    """The lab a heading starts with, if any."""
    match = _LAB_HEADING.match(text)
    return lab_id(int(match["n"] or match["m"])) if match else None


def path_lab(path: str) -> str | None:
    """The lab a file path names (``lab03/report.md``, ``runs/lab03_cnn_mnist/...``)."""
    for part in reversed(PurePosixPath(path).parts):
        match = _LAB_IN_PATH.search(part)
        if match:
            return lab_id(int(match["n"]))
    return None


def record_lab(record: dict) -> str | None:
    lab = record.get("lab")
    if isinstance(lab, str) and lab.strip():
        known = [i for i in _lab_ids() if i == lab.strip()]
        return known[0] if known else path_lab(lab)
    return None


def _split_document(document: Document) -> dict[str | None, Document]:
    """``{lab: the document's part}``; ``None`` holds the lines before the first lab."""
    parts: dict[str | None, Document] = {}
    current: str | None = None
    level = 99
    for line in document.lines:
        lab = heading_lab(line.text) if line.kind == "heading" else None
        if lab is not None and (current is None or line.level <= level or lab != current):
            current, level = lab, line.level
        elif line.kind == "heading" and current is not None and line.level < level:
            current = None  # a higher heading without a lab ends the lab's part
        part = parts.setdefault(current, Document(document.path, document.format))
        part.lines.append(line)
    places = {id(line): lab for lab, part in parts.items() for line in part.lines}
    wheres = {line.where: places[id(line)] for line in document.lines}
    for image in document.images:
        lab = wheres.get(image.where)
        parts.setdefault(lab, Document(document.path, document.format)).images.append(image)
    return parts


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def split_by_lab(submission: Submission) -> list[tuple[str, Submission]]:
    """``[(lab id or "", part)]``: one part per lab the submission covers, in lab order."""
    shared: list[Document] = []
    documents: dict[str, list[Document]] = {}
    for document in submission.documents:
        parts = _split_document(document)
        labs = [lab for lab in parts if lab is not None]
        if not labs:
            lab = path_lab(document.path)
            (documents.setdefault(lab, []) if lab else shared).append(document)
            continue
        for lab in labs:
            documents.setdefault(lab, []).append(parts[lab])
        if None in parts and any(line.kind != "blank" for line in parts[None].lines):
            shared.append(parts[None])
    runs: dict[str | None, list] = {}
    for run in submission.runs:
        runs.setdefault(record_lab(run.record) or path_lab(run.path), []).append(run)
    notebooks: dict[str | None, list] = {}
    for notebook in submission.notebooks:
        notebooks.setdefault(path_lab(notebook.path), []).append(notebook)
    labs = sorted({*documents, *(lab for lab in runs if lab), *(lab for lab in notebooks if lab)})
    if len(labs) <= 1:
        return [(labs[0] if labs else "", submission)]
    run_folders = {run.path: lab for lab, found in runs.items() for run in found}
    result = []
    for lab in labs:
        part_runs = runs.get(lab, []) + runs.get(None, [])
        annotations = {path: rows for path, rows in submission.annotation_files.items()
                       if run_folders.get(_folder(path), path_lab(path)) in (lab, None)}
        result.append((lab, replace(
            submission, documents=shared + documents.get(lab, []), runs=part_runs,
            notebooks=notebooks.get(lab, []) + notebooks.get(None, []),
            annotation_files=annotations, warnings=list(submission.warnings))))
    return result
