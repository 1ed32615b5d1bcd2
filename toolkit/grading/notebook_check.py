"""The static notebook check: did every cell run, in order, without an error?

A common rubric line is "every cell of the notebook runs without error and shows the intended
output". This check answers it from the notebook file alone: it reads the saved execution
counts and outputs with nbformat and never executes anything, so it is safe on student files.
The grader uses it for the ``runs`` criterion; the course's own generated notebooks, once
executed, must pass it too.

What it checks, per non-empty code cell:
- it was executed (has an execution count);
- execution counts increase from top to bottom (a cell re-run out of order may depend on
  state a reader cannot see: noted beside the result, neither failed nor held for review --
  instructors grading by hand give the point for a cell re-run later);
- no error output (an ``error`` output, or a traceback printed to stderr);
- and, for the whole notebook, at least ``min_output_cells`` cells show an output.

Example:
    >>> result = check_notebook("lab03_cnn_mnist.ipynb")
    >>> result.ok, result.problems
    (True, [])
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FAIL, NOTE = "fail", "note"


@dataclass
class NotebookProblem:
    """One finding: ``severity`` is ``fail`` (clearly broken) or ``note`` (worth a look, no
    fault: a cell re-run out of order)."""

    severity: str
    message: str
    cell: int | None = None  # 1-based position among all cells
    excerpt: str = ""

    def __str__(self) -> str:
        where = f"cell {self.cell}: " if self.cell else ""
        return where + self.message + (f" ({self.excerpt})" if self.excerpt else "")


@dataclass
class NotebookCheck:
    """The result of :func:`check_notebook`."""

    path: str
    code_cells: int = 0
    executed_cells: int = 0
    cells_with_outputs: int = 0
    error_cells: int = 0
    image_outputs: int = 0
    problems: list[NotebookProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem at all: fully run, in order, with outputs, without errors."""
        return not self.problems

    @property
    def failed(self) -> bool:
        return any(p.severity == FAIL for p in self.problems)

    @property
    def notes(self) -> list[NotebookProblem]:
        return [p for p in self.problems if p.severity == NOTE]

    def summary(self) -> str:
        state = "fails" if self.failed else "passes"
        notes = f" (with {len(self.notes)} note(s))" if self.notes and not self.failed else ""
        return (f"{self.path} {state} the static check{notes}: "
                f"{self.executed_cells}/{self.code_cells} "
                f"code cells executed, {self.cells_with_outputs} with outputs, "
                f"{self.error_cells} with errors")


def read_notebook(source) -> nbformat.NotebookNode:
    """A notebook from a path, JSON text/bytes or a notebook dict; ValueError when unreadable.

    Older notebooks (nbformat 1-3: ``worksheets``, ``input``, ``prompt_number``) are
    converted to version 4 with :func:`nbformat.convert`, so every reader sees one shape.
    """
    if isinstance(source, dict):  # a NotebookNode of any nbformat version
        return nbformat.from_dict(source) if source.get("nbformat") == 4 \
            else _as_version_4(dict(source))
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    try:
        raw = json.loads(source)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"not valid notebook JSON: {str(error)[:120]}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"not a notebook: the JSON is a {type(raw).__name__}, not an object")
    return _as_version_4(raw)


def _as_version_4(raw: dict) -> nbformat.NotebookNode:
    """A notebook JSON object of any version nbformat knows, as a version 4 NotebookNode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about missing cell ids
            major = raw.get("nbformat")
            known = nbformat.versions.get(major) if isinstance(major, int) else None
            if known is not None and major < 4:
                # A minor version newer than nbformat knows (3.1) upgrades as the known one.
                minor = raw.get("nbformat_minor")
                current = getattr(known, "nbformat_minor", 0)
                if not isinstance(minor, int) or minor > current:
                    raw["nbformat_minor"] = current
            # nbformat.reads joins the split lines of old versions, then nbformat.convert
            # upgrades them to version 4.
            return nbformat.from_dict(nbformat.reads(json.dumps(raw), as_version=4))
    except Exception as error:  # nbformat raises several unrelated types for bad files
        raise ValueError(f"not a readable notebook: {type(error).__name__}: "
                         f"{str(error)[:120]}") from None


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def error_excerpt(output) -> str:
    """``ValueError: bad shape`` from an error output, ANSI colours removed."""
    name = output.get("ename", "Error")
    value = ANSI_ESCAPE.sub("", _text(output.get("evalue", ""))).strip()
    return f"{name}: {value}"[:200]


def check_notebook(source, *, path: str | None = None,
                   min_output_cells: int = 1) -> NotebookCheck:
    """Check a notebook's saved state without running it.

    Args:
        source: a path, the notebook JSON (str or bytes) or an ``nbformat.NotebookNode``.
        path: the name to report (default: the path given, or ``"notebook"``).
        min_output_cells: how many code cells must show an output (default 1: a notebook
            whose outputs were cleared shows nothing to grade).

    Returns:
        A :class:`NotebookCheck`; a file that is not a notebook gives one ``fail`` problem.
    """
    if isinstance(source, str) and not source.lstrip().startswith("{"):
        source = Path(source)  # a path, not JSON text
    name = path or (str(source) if isinstance(source, Path) else "notebook")
    result = NotebookCheck(path=name)
    try:
        notebook = read_notebook(source)
    except (OSError, ValueError) as error:
        result.problems.append(NotebookProblem(FAIL, f"cannot be read: {error}"))
        return result
    previous_count, previous_cell = 0, None
    for position, cell in enumerate(notebook.get("cells", []), 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" \
                or not _text(cell.get("source")).strip():
            continue
        result.code_cells += 1
        count = _execution_count(cell.get("execution_count"))
        outputs = [o for o in cell.get("outputs") or [] if isinstance(o, dict)]
        if count is None:
            result.problems.append(NotebookProblem(FAIL, "code cell was not executed",
                                                   position, _first_line(cell)))
        else:
            result.executed_cells += 1
            if count <= previous_count:
                result.problems.append(NotebookProblem(
                    NOTE, f"executed out of order (count {count} after {previous_count} in "
                            f"cell {previous_cell})", position, _first_line(cell)))
            previous_count, previous_cell = count, position
        if outputs:
            result.cells_with_outputs += 1
        errors = [o for o in outputs if o.get("output_type") == "error"]
        errors += [o for o in outputs if o.get("output_type") == "stream"
                   and o.get("name") == "stderr"
                   and "Traceback (most recent call last)" in _text(o.get("text"))]
        if errors:
            result.error_cells += 1
            first = errors[0]
            excerpt = (error_excerpt(first) if first.get("output_type") == "error"
                       else ANSI_ESCAPE.sub("", _text(first.get("text"))).strip()
                       .splitlines()[-1][:200])
            result.problems.append(NotebookProblem(FAIL, "error output", position, excerpt))
        result.image_outputs += sum(1 for o in outputs if any(
            kind.startswith("image/") for kind in (o.get("data") or {})))
    if result.code_cells == 0:
        result.problems.append(NotebookProblem(FAIL, "no code cells"))
    elif result.cells_with_outputs < min_output_cells:
        result.problems.append(NotebookProblem(
            FAIL, f"only {result.cells_with_outputs} code cell(s) show an output "
                  f"({min_output_cells} needed): were the outputs cleared before saving?"))
    return result


def _execution_count(value) -> int | None:
    """A cell's execution count; a hand-edited ``"2"`` still counts as 2, nonsense as none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _first_line(cell) -> str:
    return _text(cell.get("source")).strip().splitlines()[0][:80]
