"""A student's own JSON file (``results.json`` beside the README) as a graded document.

Some students keep their results as JSON: the hardware, the split sizes, the metrics, the
misclassified samples as a list of objects. Read as a document, each object's scalar values
are bold run-in labels ("**test accuracy:** 0.803"), a nested object a heading over its
values, a list of objects a Markdown table (its samples then count like any table's), and a
list of plain values one line. Places are named by the key path: ``results.json
misclassified_sample[3]``. ``record.json`` is the run record, read as such, and JSON files
inside a run folder are the lab's own outputs: neither comes here.

Example:
    >>> document = json_document("results.json", '{"test": {"accuracy": 0.803}}')
    >>> [line.text for line in document.lines if line.text]
    ['results', 'test', '**accuracy:** 0.803']
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from toolkit.grading.markdown_dialects import markdown_row
from toolkit.grading.report_text import Document, parse_markdown

MAX_JSON_LINES = 5000  # a results file is a few hundred lines; the rest is left unread
MAX_DEPTH = 6          # headings below this depth are run-in labels of their parent


class JsonFileError(ValueError):
    """The file is not JSON the grader can read."""


def _words(key: str) -> str:
    return " ".join(str(key).replace("_", " ").split())


def _scalar(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(str(value).split())


class _Writer:
    def __init__(self, path: str):
        self.path = path
        self.lines: list[str] = []
        self.places: list[str] = []

    def add(self, text: str, place: str) -> None:
        if len(self.lines) < MAX_JSON_LINES:
            self.lines += [text, ""]
            self.places += [place, place]

    def table(self, rows: list, place: str) -> None:
        if len(self.lines) >= MAX_JSON_LINES:
            return
        header: list[str] = []
        for row in rows:
            header += [key for key in row if key not in header]
        self.add(markdown_row([_words(key) for key in header]), f"{place}[0]")
        self.lines[-1:] = ["|" + "---|" * len(header)]  # the separator, not a blank line
        for number, row in enumerate(rows):
            if len(self.lines) >= MAX_JSON_LINES:
                break
            cells = [_scalar(row.get(key)) if not isinstance(row.get(key), (dict, list))
                     else json.dumps(row.get(key))[:200] for key in header]
            self.lines.append(markdown_row(cells))
            self.places.append(f"{place}[{number}]")
        self.lines.append("")
        self.places.append(place)

    def value(self, key: str, value, place: str, depth: int) -> None:
        if isinstance(value, dict):
            if depth < MAX_DEPTH:
                self.add("#" * (depth + 1) + " " + _words(key), place)
                for child, inner in value.items():
                    self.value(child, inner, f"{place}.{child}", depth + 1)
            else:
                self.add(f"**{_words(key)}:** {json.dumps(value)[:500]}", place)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            self.add("#" * min(depth + 1, MAX_DEPTH) + " " + _words(key), place)
            self.table(value, place)
        elif isinstance(value, list):
            items = [_scalar(v) if not isinstance(v, (dict, list)) else json.dumps(v)[:200]
                     for v in value]
            self.add(f"**{_words(key)}:** {', '.join(items)}", place)
        else:
            self.add(f"**{_words(key)}:** {_scalar(value)}", place)


def json_document(path: str, text: str) -> Document:
    """The JSON file as a document headed by its file name (see the module docstring)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise JsonFileError(f"not valid JSON ({str(error)[:80]})") from None
    writer = _Writer(path)
    stem = PurePosixPath(path).stem
    writer.add("# " + _words(stem), path)
    if isinstance(data, dict):
        for key, value in data.items():
            writer.value(key, value, f"{path} {key}", 1)
    else:
        writer.value(stem, data, f"{path} {stem}", 1)
    lines, images = parse_markdown("\n".join(writer.lines),
                                   lambda n: writer.places[min(n, len(writer.places)) - 1])
    return Document(path, "markdown", lines, images)
