"""The import cell of a lab notebook: what the step cells use but do not define.

The step cells hold the lesson's own functions (see :mod:`.lesson_cells`); everything else
they use (``parse_args`` from the lab's settings, extras beside the lesson, the toolkit,
``keras``, the lesson's constants) is imported in one cell, written from lesson.py's own
import lines, in their order and groups, cut down to the names the cells need, so the cell
reads like the top of lesson.py and tells the student where each name comes from.
"""

from __future__ import annotations

import ast
import builtins
import textwrap

from toolkit.notebooks.lesson_cells import (
    SHOW_FIGURES,
    SHOW_FIGURES_MODULE,
    Lesson,
    StepCell,
    cell_bindings,
    global_names,
    lesson_error,
)
from toolkit.notebooks.settings_cell import NOTEBOOK_NAMES


def needed_names(lesson: Lesson, cells: list[StepCell]) -> set[str]:
    """The names the step cells use but do not define (the import cell's job).

    Raises:
        CourseError: a cell uses a name that neither an earlier cell nor lesson.py defines.
    """
    defined = set(NOTEBOOK_NAMES) | set(dir(builtins)) | {SHOW_FIGURES}
    needed: set[str] = set()
    for cell in cells:
        tree = ast.parse(cell.code)
        used = set().union(*(global_names(node) for node in tree.body))
        defined |= cell_bindings(tree)  # a cell may use what it defines itself
        for name in sorted(used - defined - needed):
            if not hasattr(lesson.module, name):
                raise lesson_error(lesson.module, f"the cell of step {cell.number} uses "
                                                  f"{name!r}, which neither an earlier step "
                                                  "nor lesson.py defines",
                                   f"import or define {name} in lesson.py")
            needed.add(name)
    return needed


def import_code(lesson: Lesson, cells: list[StepCell]) -> str:
    """The import cell: the lesson's own import lines, in its order and groups, cut down to
    the names the step cells need; ``show_new_figures``; then the lesson's constants from
    the lesson module.

    Raises:
        CourseError: a cell uses a name that neither an earlier cell nor lesson.py defines.
    """
    needed = needed_names(lesson, cells)
    groups: list[list[str]] = []
    previous_end = -1
    figures_placed = False
    for node in lesson.tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or getattr(
                node, "module", None) == "__future__":
            continue
        if node.lineno > previous_end + 1:  # a blank line in lesson.py starts a new group
            groups.append([])
        previous_end = node.end_lineno
        bound = [(alias, alias.asname or alias.name.split(".")[0]) for alias in node.names]
        wanted = [(alias, name) for alias, name in bound if name in needed]
        needed -= {name for _, name in wanted}
        if isinstance(node, ast.Import):
            groups[-1] += [f"import {alias.name}" + (f" as {alias.asname}" if alias.asname
                                                      else "") for alias, _ in wanted]
            continue
        source = imported_module(lesson, node)
        names = [alias.name + (f" as {alias.asname}" if alias.asname else "")
                 for alias, _ in wanted]
        if source == SHOW_FIGURES_MODULE and not figures_placed:
            names.append(SHOW_FIGURES)
            figures_placed = True
        if names:
            groups[-1].append(wrapped_import(source, names))
    if not figures_placed:
        groups.append([f"from {SHOW_FIGURES_MODULE} import {SHOW_FIGURES}"])
    if needed:  # constants and aliases lesson.py defines itself
        own = sorted(needed, key=lambda name: (lesson.assigned.get(name, 0), name))
        groups.append([wrapped_import(lesson.module.__name__, own)])
    return "\n\n".join("\n".join(group) for group in groups if group)


def imported_module(lesson: Lesson, node: ast.ImportFrom) -> str:
    """The absolute module of a ``from ... import`` in lesson.py."""
    if not node.level:
        return node.module or ""
    package = lesson.module.__package__ or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def wrapped_import(origin: str, names: list[str], width: int = 100) -> str:
    line = f"from {origin} import {', '.join(names)}"
    if len(line) <= width:
        return line
    body = textwrap.fill(", ".join(names), width - 4, initial_indent="    ",
                         subsequent_indent="    ")
    return f"from {origin} import (\n{body},\n)"
