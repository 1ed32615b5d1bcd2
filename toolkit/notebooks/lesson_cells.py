"""The step cells of a lab notebook, derived from the lab's lesson (``labs/<lab>/lesson.py``).

``main(argv)`` of a lesson is the lesson written once, straight-line::

    def main(argv=None):
        config = parse_args(argv)                      # cell 1: config = parse_args(ARGS)
        data = load_data(config)                       # cell 2: load_data's code, then the call
        run = start_run(config, data)
        model = build_model(config, data, run, plan)   # build_model + the builders it uses
        ...
        return 0                                       # dropped

Each top-level statement becomes one code cell holding the source of every lesson function
(or class) the statement uses, and of the lesson functions those use in turn, each shown once,
in the first cell that needs it, in the order of lesson.py; then the statement itself
(``argv`` becomes ``ARGS``, the settings cell's list); then ``show_new_figures(run)`` once a
``run`` exists. The functions are the notebook's own: a student who edits one and runs the
cell changes what every later cell calls. The Markdown above a cell is the docstring of the
first lesson function the statement calls, under the lesson's numbered section banners
(``# --- 3. the model ---``). Everything else the cells use (``parse_args`` from the settings,
constants, extras, the toolkit, ``keras``) comes from one import cell, written from the
lesson's own imports.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from types import ModuleType

from toolkit.errors import CourseError
from toolkit.notebooks.settings_cell import NOTEBOOK_NAMES

# What the cells call after each step to display the figures that step drew.
SHOW_FIGURES, SHOW_FIGURES_MODULE = "show_new_figures", "toolkit.plots"
BANNER = re.compile(r"^# -+ (\d+)\. (.+?)\s*-*\s*$")
DEFINITION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
EARLY_EXIT_FIX = ("keep main() straight-line: move the decision into a step function (e.g. "
                  "'if config.folds: return cross_validate(...)' inside train()), or bind its "
                  "result ('if config.transfer:\\n    transfer = run_transfer(config, run)')")


@dataclass
class StepCell:
    """One step of the lesson: the Markdown above its cell and the cell's code."""

    number: int
    summary: str                 # first line of the docstring that heads it
    doc: str                     # the rest of that docstring
    code: str
    section: str | None = None   # "3. The model" on the first step of a section
    shown: list[str] = field(default_factory=list)   # lesson definitions the cell holds


def lesson_error(module: ModuleType, what: str, fix: str) -> CourseError:
    return CourseError(f"{module.__name__} cannot become a notebook", why=what, fix=fix)


class Lesson:
    """A lesson module read from its source: its definitions, imports and ``main``."""

    def __init__(self, module: ModuleType):
        self.module = module
        try:
            self.source = inspect.getsource(module)
        except (OSError, TypeError) as error:
            raise lesson_error(module, f"its source cannot be read ({error})",
                               "generate the notebook from a lesson.py file") from None
        self.lines = self.source.splitlines()
        self.tree = ast.parse(self.source)
        self.definitions: dict[str, Definition] = {
            node.name: node for node in self.tree.body
            if isinstance(node, DEFINITION_TYPES)}
        self.assigned = {target.id: node.lineno for node in self.tree.body  # constants
                         if isinstance(node, (ast.Assign, ast.AnnAssign))
                         for target in (node.targets if isinstance(node, ast.Assign)
                                        else [node.target])
                         if isinstance(target, ast.Name)}
        self.banners = [(number + 1, f"{match.group(1)}. {match.group(2).strip().capitalize()}")
                        for number, line in enumerate(self.lines)
                        if (match := BANNER.match(line))]

    def text(self, node: ast.AST, *, first_line: int | None = None) -> list[str]:
        """The source lines of ``node`` (from ``first_line``, e.g. its decorators)."""
        return self.lines[(first_line or node.lineno) - 1:node.end_lineno]

    def definition_code(self, name: str, *, without_docstring: bool = False) -> str:
        """A function's or class's source as written in lesson.py, decorators included."""
        node = self.definitions[name]
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lines = self.text(node, first_line=start)
        docstring = docstring_node(node)
        if without_docstring and docstring is not None and len(node.body) > 1:
            cut_from, cut_to = docstring.lineno - start, docstring.end_lineno - start + 1
            lines = lines[:cut_from] + lines[cut_to:]
        return "\n".join(lines)

    def section_of(self, name: str) -> str | None:
        """The numbered banner above a definition (``"3. The model"``), if any."""
        line = self.definitions[name].lineno
        above = [title for banner_line, title in self.banners if banner_line < line]
        return above[-1] if above else None

    def uses(self, name: str) -> set[str]:
        """The other lesson definitions a definition refers to."""
        return (loaded_names(self.definitions[name]) & set(self.definitions)) - {name}

    def with_helpers(self, names: set[str]) -> set[str]:
        """``names`` and, transitively, every lesson definition they refer to."""
        found, todo = set(), list(names)
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo += self.uses(name) - found
        return found

    def main_body(self) -> list[ast.stmt]:
        main = self.definitions.get("main")
        if not isinstance(main, ast.FunctionDef):
            raise lesson_error(self.module, "it has no main(argv) function",
                               "end the lesson with def main(argv=None): one statement per step")
        body = list(main.body)
        if docstring_node(main) is not None:
            body = body[1:]
        if not body:
            raise lesson_error(self.module, "main() has no statements",
                               "write the lesson in main(): config = parse_args(argv), then "
                               "one call per step")
        return body


def docstring_node(node: ast.AST) -> ast.Expr | None:
    body = getattr(node, "body", None)
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        return body[0]
    return None


def loaded_names(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def bound_names(tree: ast.AST) -> set[str]:
    """Names a piece of code binds: assignments, loop targets, imports, definitions, arguments."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def cell_bindings(tree: ast.Module) -> set[str]:
    """The global names a cell binds: its definitions' names and its statements' targets
    (not the local variables inside its functions)."""
    names = set()
    for node in tree.body:
        names |= {node.name} if isinstance(node, DEFINITION_TYPES) else bound_names(node)
    return names


def global_names(tree: ast.AST) -> set[str]:
    """The names a top-level statement or definition reads from the notebook's globals:
    for a definition, what it reads minus its own arguments and local variables."""
    if isinstance(tree, DEFINITION_TYPES):
        local = set()
        for part in tree.body:
            local |= bound_names(part)
        if not isinstance(tree, ast.ClassDef):
            local |= {arg.arg for arg in ast.walk(tree.args) if isinstance(arg, ast.arg)}
        outside = [*tree.decorator_list, *getattr(tree, "bases", []),
                   *(getattr(tree, "returns", None) and [tree.returns] or [])]
        inside = set().union(*(loaded_names(part) for part in tree.body)) - local
        signature = loaded_names(tree.args) if not isinstance(tree, ast.ClassDef) else set()
        return inside | signature | set().union(*(loaded_names(n) for n in outside))
    return loaded_names(tree)


def early_exit(statement: ast.stmt) -> ast.AST | None:
    """A ``return`` / ``yield`` inside a statement of main (not inside a nested function)."""
    todo = list(ast.iter_child_nodes(statement))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)):
            return node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            todo += ast.iter_child_nodes(node)
    return None


def calls_in_order(tree: ast.AST) -> list[str]:
    """The plain names a piece of code calls (``f(...)``), in the order they are written."""
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    return [call.func.id for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset))]


def statement_code(lesson: Lesson, statement: ast.AST) -> str:
    """A statement of main as a cell: dedented, comments right above it kept, ``argv`` ->
    ``ARGS``."""
    start = statement.lineno
    while start > 1 and lesson.lines[start - 2].strip().startswith("#"):
        start -= 1
    lines = lesson.text(statement, first_line=start)
    renames = sorted(((node.lineno, node.col_offset, node.end_col_offset)
                      for node in ast.walk(statement)
                      if isinstance(node, ast.Name) and node.id == "argv"), reverse=True)
    for lineno, begin, end in renames:
        index = lineno - start
        lines[index] = lines[index][:begin] + "ARGS" + lines[index][end:]
    if isinstance(statement, ast.expr):  # a final ``return step(...)``: keep the call
        lines[-1] = lines[-1][:statement.end_col_offset]  # "argv" -> "ARGS" keeps columns
        first = statement.lineno - start
        lines[first] = " " * statement.col_offset + lines[first][statement.col_offset:]
    return textwrap.dedent("\n".join(lines)).strip()


def main_statements(lesson: Lesson) -> list[ast.AST]:
    """The statements of main that become cells, checked against the straight-line rules.

    Raises:
        CourseError: an early exit, a statement that calls nothing, or a first statement
            that does not read the flags.
    """
    module, body = lesson.module, lesson.main_body()
    statements: list[ast.AST] = []
    for position, statement in enumerate(body, 1):
        line = lesson.lines[statement.lineno - 1].strip()
        where = f"statement {position} of main() (line {statement.lineno}: {line!r})"
        if isinstance(statement, ast.Return):
            if position < len(body):
                raise lesson_error(module, f"{where} returns before the lesson ends",
                                   EARLY_EXIT_FIX)
            if statement.value is not None and calls_in_order(statement.value):
                statements.append(statement.value)  # ``return finish(...)``: the call stays
            continue
        exit_node = early_exit(statement)
        if exit_node is not None:
            kind = "return" if isinstance(exit_node, ast.Return) else "yield"
            raise lesson_error(module, f"{where} has a {kind} inside it (line "
                                       f"{exit_node.lineno}), an early exit a notebook cell "
                                       "cannot make", EARLY_EXIT_FIX)
        if not any(isinstance(node, ast.Call) for node in ast.walk(statement)):
            raise lesson_error(module, f"{where} calls no function, so it is no step",
                               "make each statement of main() call a step function; settle "
                               "values in parse_args (settings.py) or inside a step")
        statements.append(statement)
    first = statements[0] if statements else None
    if first is None or "parse_args" not in calls_in_order(first) or "argv" not in \
            loaded_names(first):
        raise lesson_error(module, "the first statement of main() does not read the flags",
                           "begin main() with: config = parse_args(argv)")
    return statements


def heading_for(lesson: Lesson, statement: ast.AST) -> tuple[str | None, str]:
    """The function whose docstring heads a step (the first lesson function the statement
    calls, its body's before its header's, else the first documented function it calls) and
    that docstring."""
    # A loop or a condition: the step is what its body does, not the header's helper
    # (``for group in sweep_groups(results): overlay_figure(...)`` is about the figures).
    body = [*getattr(statement, "body", []), *getattr(statement, "orelse", [])]
    called = [name for part in body for name in calls_in_order(part)]
    called += calls_in_order(statement)
    ordered = ([name for name in called if name in lesson.definitions]
               + [name for name in called if name not in lesson.definitions])
    for name in ordered:
        function = getattr(lesson.module, name, None)
        doc = inspect.getdoc(function) if callable(function) else None
        if doc:
            return name, doc
    return None, ""


def step_cells(lesson: Lesson) -> list[StepCell]:
    """One :class:`StepCell` per statement of main (see the module docstring)."""
    shown: set[str] = set()
    run_bound = False
    section = None
    cells = []
    for number, statement in enumerate(main_statements(lesson), 1):
        needed = lesson.with_helpers(loaded_names(statement) & set(lesson.definitions))
        new = sorted(needed - shown, key=lambda name: lesson.definitions[name].lineno)
        shown |= set(new)
        heading, doc = heading_for(lesson, statement)
        parts = [lesson.definition_code(name, without_docstring=name == heading)
                 for name in new]
        parts.append(statement_code(lesson, statement))
        run_bound = run_bound or "run" in bound_names(statement)
        code = "\n\n\n".join(parts)
        if run_bound:
            code += f"\n{SHOW_FIGURES}(run)"
        summary, _, rest = doc.partition("\n\n")  # the summary may wrap over two lines
        step_section = lesson.section_of(heading) if heading in lesson.definitions else None
        cells.append(StepCell(number, " ".join(summary.split()) or "The next part of the lesson",
                              rest.strip(), code,
                              step_section if step_section not in (None, section) else None,
                              new))
        section = step_section or section
    return cells


# ---------------------------------------------------------------------------------------------
# The import cell
# ---------------------------------------------------------------------------------------------

def _import_origins(lesson: Lesson) -> dict[str, tuple[str, str, str | None]]:
    """name -> (kind, module, imported name) for the lesson's top-level imports:
    ``("import", "numpy", None)`` for ``import numpy as np``, ``("from", "toolkit.plots",
    "bar_chart")`` for ``from toolkit.plots import bar_chart``."""
    origins = {}
    package = lesson.module.__package__ or ""
    for node in lesson.tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                origins[bound] = ("import", alias.name, alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            source = node.module or ""
            if node.level:  # relative: resolve against the lesson's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{source}" if source else base
            for alias in node.names:
                origins[alias.asname or alias.name] = ("from", source, alias.name)
    return origins


def import_code(lesson: Lesson, cells: list[StepCell]) -> str:
    """The import cell: every name the step cells use but do not define, imported from where
    the lesson gets it (its own imports), the lesson's constants from the lesson module, and
    ``show_new_figures``.

    Raises:
        CourseError: a cell uses a name that neither an earlier cell nor lesson.py defines.
    """
    defined = set(NOTEBOOK_NAMES) | set(dir(builtins))
    needed: list[str] = []
    for cell in cells:
        tree = ast.parse(cell.code)
        used = set().union(*(global_names(node) for node in tree.body))
        defined |= cell_bindings(tree)  # a cell may use what it defines itself
        for name in sorted(used - defined - set(needed)):
            if name == SHOW_FIGURES:
                continue
            if not hasattr(lesson.module, name):
                raise lesson_error(lesson.module, f"the cell of step {cell.number} uses "
                                                  f"{name!r}, which neither an earlier step "
                                                  "nor lesson.py defines",
                                   f"import or define {name} in lesson.py")
            needed.append(name)
    origins = _import_origins(lesson)
    plain: list[str] = []
    from_lines: dict[str, list[str]] = {}
    for module_name in dict.fromkeys(origin[1] for origin in origins.values()
                                     if origin[0] == "from"):
        from_lines[module_name] = []
    own = lesson.module.__name__
    positions = {name: index for index, name in enumerate(origins)}
    for name in sorted(needed, key=lambda n: positions.get(n, lesson.assigned.get(n, 0))):
        kind, source, original = origins.get(name, ("from", own, name))
        if kind == "import":
            plain.append(f"import {source}" + (f" as {original}" if original else ""))
        else:
            from_lines.setdefault(source, []).append(
                name if original == name else f"{original} as {name}")
    from_lines.setdefault(SHOW_FIGURES_MODULE, []).append(SHOW_FIGURES)
    lines = list(dict.fromkeys(plain))
    lines += [wrapped_import(module, names) for module, names in from_lines.items()
              if names and module != own]
    if from_lines.get(own):  # the lesson's constants, last: importing them loads the lesson
        lines += [wrapped_import(own, from_lines[own])]
    return "\n".join(lines)


def wrapped_import(origin: str, names: list[str], width: int = 100) -> str:
    line = f"from {origin} import {', '.join(names)}"
    if len(line) <= width:
        return line
    body = textwrap.fill(", ".join(names), width - 4, initial_indent="    ",
                         subsequent_indent="    ")
    return f"from {origin} import (\n{body},\n)"
