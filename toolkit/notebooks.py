"""Every lab as a Jupyter / Colab notebook: ``python -m labs notebook [LAB...] [--out DIR]``.

A notebook is not a second copy of a lab: it is generated from the lab module and calls the
very same step functions as ``python -m labs.<lab>``, one cell per step, so a notebook run
writes the same run folder (``record.json``, figures, ``errors.csv``, ``REFLECTION.md``) as the
command line. Each lab lists its cells in a module-level ``NOTEBOOK_STEPS``::

    NOTEBOOK_STEPS = [
        ("parse_args", "config = parse_args(ARGS)"),
        ("load_data", "data = load_data(config)"),
        ("train", "history = train(model, data, config)\\nshow(history.figure)"),
        ...
    ]

A generated notebook holds, top to bottom:

1. the lab's title, objectives (``course/syllabus.toml``) and module docstring;
2. a settings cell: every flag of the lab as an editable variable (``QUICK = True``,
   ``EPOCHS = None``, ...), turned into the ``ARGS`` list the lab's ``parse_args`` reads;
3. a setup cell: clone and install the course package when it is missing (a fresh Colab
   runtime), then ``python -m toolkit.check --short``;
4. per step, a Markdown cell (the step function's docstring) and a code cell (its code);
5. the reflection draft of the run, displayed.

``--execute`` runs the written notebooks top to bottom with nbclient on a Jupyter kernel and
saves their outputs, which is what the course's tests do in quick mode.

Examples:
    python -m labs notebook                         # all six labs into notebooks/
    python -m labs notebook 3 lab05 --out my-notebooks
    python -m labs notebook 2 --execute             # write, run (quick) and save with outputs
    python -m labs notebook 1 --set WEIGHTS=none    # change a variable's starting value
"""

from __future__ import annotations

import argparse
import ast
import builtins
import inspect
import os
import re
import sys
import textwrap
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
from nbformat import v4

from toolkit.errors import CourseError
from toolkit.resources import load_syllabus

DEFAULT_OUT = "notebooks"
# Where a fresh Colab runtime clones the course from. A course replaces it with
# --repo URL (or students set the KERASCOURSE_REPO environment variable).
PLACEHOLDER_REPO = "https://github.com/YOUR-COURSE/kerascourse.git"
# Names the generated cells define themselves; a lab flag must not turn into one of them.
NOTEBOOK_NAMES = {"ARGS", "KERAS_BACKEND", "KERASCOURSE_REPO"}
# Flags that make no sense in a notebook: a failing cell already shows its traceback.
SKIPPED_FLAGS = {"help", "debug"}
# Docstring sections that document a function's signature, not the lesson.
SIGNATURE_SECTIONS = ("Args:", "Arguments:", "Returns:", "Raises:", "Yields:")
COMMENT_COLUMN = 24
LINE_WIDTH = 100


# ---------------------------------------------------------------------------------------------
# The lab: its syllabus entry, its flags and its steps
# ---------------------------------------------------------------------------------------------

syllabus_labs = load_syllabus  # the labs of ``course/syllabus.toml`` in course order


def resolve_lab(name: str, labs: list[dict] | None = None) -> str:
    """A lab id from what a student types: ``3``, ``03``, ``lab03``, ``lab03_cnn_mnist``.

    Raises:
        CourseError: when no lab (or more than one) matches.
    """
    labs = syllabus_labs() if labs is None else labs
    ids = [lab["id"] for lab in labs]
    text = name.strip().removeprefix("labs.").removesuffix(".py").removesuffix(".ipynb")
    if text.isdigit():
        text = f"lab{int(text):02d}"
    matches = [lab_id for lab_id in ids if lab_id == text or lab_id.startswith(text + "_")]
    if len(matches) != 1:
        raise CourseError(f"no lab called {name!r}", fix="name a lab by number (1-6) or id: "
                          + ", ".join(ids))
    return matches[0]


@dataclass
class Flag:
    """One command-line flag of a lab, as a notebook variable."""

    option: str      # "--batch-size"
    variable: str    # "BATCH_SIZE"
    kind: str        # "switch" (on/off), "value", "values" (nargs), "optional" (nargs="?"
                     # with a const: True gives the flag alone) or "repeat" (append)
    comment: str     # the flag's help text, with its default


def _capture_parser(parse_args) -> argparse.ArgumentParser:
    """The parser a lab's ``parse_args(argv)`` builds.

    ``parse_args`` is a lab's only public view of its flags, so the parser is caught at the
    moment the lab asks it to parse, before the lab does anything with the result.
    """

    class Caught(Exception):
        pass

    caught: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.parse_args

    def catch(self, args=None, namespace=None):
        caught.append(self)
        raise Caught

    argparse.ArgumentParser.parse_args = catch
    try:
        parse_args([])
    except Caught:
        pass
    finally:
        argparse.ArgumentParser.parse_args = original
    if not caught:
        raise ValueError("parse_args(argv) did not call ArgumentParser.parse_args")
    return caught[0]


def lab_flags(module: ModuleType) -> list[Flag]:
    """The flags of a lab module, in ``--help`` order, as notebook variables."""
    try:
        parser = _capture_parser(module.parse_args)
    except Exception as error:
        raise _steps_error(module, f"its flags could not be read from parse_args(argv): "
                                   f"{error}", "build the parser with toolkit.cli.lab_parser(...) "
                                   "and return parser.parse_args(argv)") from error
    flags = []
    for action in parser._actions:  # argparse keeps no public list of its actions
        if action.dest in SKIPPED_FLAGS or isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            raise _steps_error(module, f"its positional argument {action.dest!r} cannot be a "
                                       "notebook variable", "make it a flag (--name VALUE)")
        option = max(action.option_strings, key=len)
        if isinstance(action, argparse.BooleanOptionalAction):
            raise _steps_error(module, f"{option} is a --flag/--no-flag pair, which the "
                                       "notebook cannot set", "use action='store_true'")
        if action.nargs == 0:
            kind = "switch"
        elif isinstance(action, argparse._AppendAction):
            kind = "repeat"
        elif action.nargs == "?" and action.const is not None:
            kind = "optional"
        elif action.nargs is not None and action.nargs != "?":
            kind = "values"
        else:
            kind = "value"
        variable = action.dest.upper()
        if variable in NOTEBOOK_NAMES:
            raise _steps_error(module, f"{option} would become the variable {variable}, which "
                                       "the notebook defines itself", "rename the flag")
        flags.append(Flag(option, variable, kind, _flag_comment(option, action)))
    return flags


def _flag_comment(option: str, action: argparse.Action) -> str:
    help_text = " ".join((action.help or "").split()).replace("%%", "%")
    if action.choices:
        help_text = "{" + ",".join(map(str, action.choices)) + "} " + help_text
    if (action.default not in (None, False, argparse.SUPPRESS) and "default" not in help_text
            and action.nargs != 0):
        help_text += f" (default {action.default})"
    if action.nargs == "?" and action.const is not None:
        help_text += f"; True = {option} alone ({action.const})"
    return f"{option}: {help_text}".strip().rstrip(":")


@dataclass
class Step:
    """One step of a lab: the function, its docstring, and the code of its cell."""

    name: str
    code: str
    doc: str


def _steps_error(module: ModuleType, what: str, fix: str) -> CourseError:
    return CourseError(f"{module.__name__} cannot become a notebook", why=what, fix=fix)


def notebook_steps(module: ModuleType) -> list[Step]:
    """The validated ``NOTEBOOK_STEPS`` of a lab module.

    Checks what a notebook needs: a list of ``(step function name, code)`` pairs, the first
    one reading ``parse_args(ARGS)``; each name a function of the module with a docstring;
    each code valid Python that calls its step; every name a cell uses defined by an
    earlier cell or importable from the module; and every step ``main`` calls present in
    some cell (so the notebook and the command line cannot drift apart).

    Raises:
        CourseError: naming the lab, what is wrong and the change that fixes it.
    """
    pairs = getattr(module, "NOTEBOOK_STEPS", None)
    example = ('NOTEBOOK_STEPS = [("parse_args", "config = parse_args(ARGS)"), '
               '("load_data", "data = load_data(config)"), ...]')
    if pairs is None:
        raise _steps_error(module, "it has no NOTEBOOK_STEPS", f"add {example}")
    if (not isinstance(pairs, (list, tuple)) or not pairs
            or not all(isinstance(p, (list, tuple)) and len(p) == 2
                       and all(isinstance(part, str) for part in p) for p in pairs)):
        raise _steps_error(module, "NOTEBOOK_STEPS must be a non-empty list of "
                                   "(step function name, cell code) string pairs",
                           f"write it as {example}")
    for required in ("parse_args", "main"):
        if not callable(getattr(module, required, None)):
            raise _steps_error(module, f"it has no {required}() function",
                               "follow the lab contract: parse_args(argv), the steps, main(argv)")
    steps = []
    for position, (name, code) in enumerate(pairs, 1):
        function = getattr(module, name, None)
        if not inspect.isfunction(function):
            raise _steps_error(module, f"step {position} names {name!r}, which is not a "
                                       "function of the module",
                               "name the step function the cell calls")
        doc = inspect.getdoc(function)
        if not doc:
            raise _steps_error(module, f"step function {name}() has no docstring, which "
                                       "becomes the text above its cell",
                               f"give {name}() a teaching docstring")
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            raise _steps_error(module, f"the code of step {position} ({name}) is not valid "
                                       f"Python: {error.msg} on line {error.lineno}",
                               "fix the cell code in NOTEBOOK_STEPS") from None
        called = {node.func.id for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        if name not in called:
            raise _steps_error(module, f"the cell of step {position} does not call {name}()",
                               f"call {name}(...) in its cell, or name the step after the "
                               "function the cell calls")
        steps.append(Step(name, textwrap.dedent(code).strip(), doc))
    first = steps[0]
    if "ARGS" not in _loaded_names(ast.parse(first.code)):
        raise _steps_error(module, "the first step does not read the notebook's ARGS",
                           'make it ("parse_args", "config = parse_args(ARGS)")')
    _check_main_calls(module, steps)
    _imports(module, steps)  # raises when a cell uses a name nobody defines
    return steps


def _loaded_names(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _bound_names(tree: ast.AST) -> set[str]:
    """Names a cell defines: assignments, loop targets, imports, functions, classes."""
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


def _check_main_calls(module: ModuleType, steps: list[Step]) -> None:
    """Every function of the lab that ``main`` calls must be called by some cell too."""
    try:
        main_tree = ast.parse(textwrap.dedent(inspect.getsource(module.main)))
    except (OSError, TypeError):
        return  # no source (a compiled module): nothing to compare
    called_by_main = {node.func.id for node in ast.walk(main_tree)
                      if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    lab_functions = {name for name in called_by_main
                     if inspect.isfunction(getattr(module, name, None))
                     and getattr(module, name).__module__ == module.__name__}
    in_cells = set().union(*(_loaded_names(ast.parse(step.code)) for step in steps))
    missing = sorted(lab_functions - in_cells)
    if missing:
        raise _steps_error(module, f"main() calls {', '.join(n + '()' for n in missing)} but "
                                   "no NOTEBOOK_STEPS cell does, so the notebook would not "
                                   "do what the command line does",
                           "add a step calling it to NOTEBOOK_STEPS, in main()'s order")


def _imports(module: ModuleType, steps: list[Step]) -> str:
    """The import lines that give the cells every name they use but do not define.

    A name comes from where it is defined: the lab's own functions from the lab module,
    ``show`` from ``toolkit.plots``, and so on, so the import cell tells the reader where
    each function lives.
    """
    defined = set(NOTEBOOK_NAMES) | set(dir(builtins))
    needed: list[str] = []
    for step in steps:
        tree = ast.parse(step.code)
        bound_here = _bound_names(tree)
        for name in sorted(_loaded_names(tree) - bound_here - defined - set(needed)):
            if not hasattr(module, name):
                raise _steps_error(module, f"the cell of step {step.name} uses {name!r}, which "
                                           "no earlier cell defines and the module does not "
                                           "have", f"define or import {name} in the module, "
                                                   "or assign it in an earlier cell")
            needed.append(name)
        defined |= bound_here
    by_origin: dict[str, list[str]] = {}
    module_imports = []
    for name in needed:
        value = getattr(module, name)
        if inspect.ismodule(value):  # e.g. ``plots`` for ``plots.show(...)``
            parent, _, last = value.__name__.rpartition(".")
            module_imports.append(f"from {parent} import {last}" if parent and last == name
                                  else f"import {value.__name__}" if value.__name__ == name
                                  else f"import {value.__name__} as {name}")
            continue
        origin = getattr(value, "__module__", None) if (inspect.isfunction(value)
                                                        or inspect.isclass(value)) else None
        if (origin is None or origin == "__main__" or getattr(
                sys.modules.get(origin), name, None) is not value):
            origin = module.__name__  # a constant, or something only the lab module holds
        by_origin.setdefault(origin, []).append(name)
    lines = sorted(module_imports)
    for origin in sorted(by_origin, key=lambda o: (o != module.__name__, o)):
        lines.append(_wrapped_import(origin, by_origin[origin]))
    return "\n".join(lines)


def _wrapped_import(origin: str, names: list[str]) -> str:
    line = f"from {origin} import {', '.join(names)}"
    if len(line) <= LINE_WIDTH:
        return line
    body = textwrap.fill(", ".join(names), LINE_WIDTH - 4, initial_indent="    ",
                         subsequent_indent="    ")
    return f"from {origin} import (\n{body},\n)"


# ---------------------------------------------------------------------------------------------
# The cells
# ---------------------------------------------------------------------------------------------

def _comment_lines(assignment: str, comment: str) -> list[str]:
    """``NAME = value  # comment``, the comment aligned and wrapped under itself."""
    column = max(COMMENT_COLUMN, len(assignment) + 2)
    wrapped = textwrap.wrap(comment, max(30, LINE_WIDTH - column - 2)) or [""]
    lines = [f"{assignment:<{column}}# {wrapped[0]}"]
    lines += [f"{'':<{column}}# {part}" for part in wrapped[1:]]
    return lines


def settings_code(lab_module: str, flags: list[Flag], values: dict[str, Any]) -> str:
    """The settings cell: one variable per flag, then ``ARGS`` built from them."""
    lines = [
        "# Settings: edit the values, then run every cell from the top (Jupyter: Run > Run All",
        "# Cells; Colab: Runtime > Run all). None keeps the lab's default. Each variable is",
        f"# one flag of: python -m {lab_module} --help",
        "import os",
        "",
        *_comment_lines(f"KERAS_BACKEND = {values['KERAS_BACKEND']!r}"
                        if values.get("KERAS_BACKEND") else
                        'KERAS_BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")',
                        '"tensorflow", "jax" or "torch"'),
        "",
    ]
    # --quick first: it is the one a student changes most.
    for flag in sorted(flags, key=lambda flag: flag.option != "--quick"):
        lines += _comment_lines(f"{flag.variable} = {values[flag.variable]!r}", flag.comment)
    switches = [f for f in flags if f.kind == "switch"]
    valued = [f for f in flags if f.kind in ("value", "values", "optional")]
    repeated = [f for f in flags if f.kind == "repeat"]
    lines += [
        "",
        "# Keras reads KERAS_BACKEND once, when it is first imported (in the next cell).",
        'os.environ["KERAS_BACKEND"] = KERAS_BACKEND',
        "ARGS = []",
    ]
    if switches:
        pairs = ", ".join(f'("{f.option}", {f.variable})' for f in switches)
        lines += [f"for flag, on in [{pairs}]:", "    if on:", "        ARGS.append(flag)"]
    if valued:
        pairs = ",\n                    ".join(f'("{f.option}", {f.variable})' for f in valued)
        lines += [f"for flag, value in [{pairs}]:"]
        if any(f.kind == "optional" for f in valued):
            lines += ["    if value is True:  # a flag whose value may be left out",
                      "        ARGS.append(flag)",
                      "    elif value is not None:  # a list gives several values: --flag A B"]
        else:
            lines += ["    if value is not None:  # a list gives several values: --flag A B"]
        lines += ["        ARGS += [flag, *map(str, value if isinstance(value, (list, tuple)) "
                  "else [value])]"]
    if repeated:
        pairs = ", ".join(f'("{f.option}", {f.variable})' for f in repeated)
        lines += [f"for flag, values in [{pairs}]:  # repeatable: --flag A --flag B",
                  "    for value in values or []:", "        ARGS += [flag, str(value)]"]
    lines += ["", "import shlex",
              f'print("Same as: python -m {lab_module}", shlex.join(ARGS))']
    return "\n".join(lines)


def setup_code(repo: str) -> str:
    """The setup cell: install the course package when it is missing, then check the machine."""
    return "\n".join([
        "# Setup: a fresh runtime (e.g. Colab) does not have the course package yet: clone the",
        "# course repository and install it. Then check the machine, short form",
        "# (python -m toolkit.check prints the full report).",
        "import subprocess",
        "import sys",
        "",
        f'KERASCOURSE_REPO = os.environ.get("KERASCOURSE_REPO", "{repo}")',
        "try:",
        "    import toolkit.check",
        "except ImportError:",
        f'    if KERASCOURSE_REPO == "{PLACEHOLDER_REPO}":',
        '        raise RuntimeError("set KERASCOURSE_REPO (above) to the git URL of your course\'s "',
        '                           "kerascourse repository") from None',
        '    if not os.path.isdir("kerascourse"):',
        '        subprocess.run(["git", "clone", "--depth", "1", KERASCOURSE_REPO, "kerascourse"],',
        "                       check=True)",
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", "kerascourse"],',
        "                   check=True)",
        '    sys.path.insert(0, os.path.abspath("kerascourse"))  # this kernel started before it',
        "    import toolkit.check",
        "",
        'machine_ready = toolkit.check.main(["--short"]) == 0',
    ])


def reflection_code(lab_id: str) -> str:
    return "\n".join([
        "from toolkit.notebooks import show_reflection",
        "",
        f'draft = show_reflection("{lab_id}", config.out)',
    ])


def step_markdown(number: int, step: Step) -> str:
    """The Markdown above a step's cell: its docstring, without the Args/Returns sections."""
    summary, _, body = step.doc.partition("\n")
    kept = []
    skipping = False
    for line in body.splitlines():
        if line.strip() in SIGNATURE_SECTIONS and not line.startswith(" "):
            skipping = True
            continue
        if skipping and line and not line.startswith(" "):
            skipping = False  # the next unindented line ends the section
        if not skipping:
            kept.append(line)
    text = f"## Step {number}: {summary.strip()}\n\n`{step.name}()`"
    rest = docstring_markdown("\n".join(kept).strip())
    return text + (f"\n\n{rest}" if rest else "")


COMMAND_PREFIXES = ("python ", "pip ", "$ ", "KERAS_BACKEND=", "PYTHONPATH=", "export ",
                    "jupyter ", ">>> ")


def docstring_markdown(doc: str) -> str:
    """A docstring as Markdown: ``Section`` lines over an indented block become bold
    headings, the block is dedented, and blocks of commands become ```` ``` ```` code."""
    lines = doc.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith(" "):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if line.strip() and following.startswith(" ") and len(line) < 60:
                out += [f"**{line.strip().rstrip(':')}**", ""]
            else:
                out.append(line)
            i += 1
            continue
        block = []
        while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        text = textwrap.dedent("\n".join(block))
        commands = [t for t in text.splitlines() if t.strip()]
        if commands and all(t.lstrip().startswith(COMMAND_PREFIXES) for t in commands):
            out += ["```bash" if not commands[0].startswith(">>>") else "```python",
                    text, "```", ""]
        else:
            out += [text, ""]
    return "\n".join(out).strip()


def intro_markdown(lab: dict, module: ModuleType, number: int | None) -> str:
    heading = f"Lab {number}: {lab['title']}" if number else lab["title"]
    lines = [f"# {heading}", ""]
    if lab.get("objectives"):
        lines += ["**What you will learn**", ""]
        lines += [f"- {objective}" for objective in lab["objectives"]]
        lines.append("")
    if lab.get("reference"):
        lines += [f"**Published reference:** {lab['reference']}", ""]
    lines += [
        "**How to use this notebook.** Edit the settings cell, then run every cell from the "
        f"top. Each cell calls a step of `{module.__name__}`, the same functions "
        f"`python -m {module.__name__}` runs, so the run folder "
        f"`runs/{lab['id']}/<time>/` (`record.json`, figures, `errors.csv`, `REFLECTION.md`) "
        "is exactly the one the command line writes. `QUICK = True` checks the whole lab in "
        "about a minute; set it to `False` for the results you report.",
        "",
        "**Colab:** *Runtime > Change runtime type > GPU* before you run; the setup cell "
        "installs the course package. **Jupyter:** run `jupyter lab` from the course folder "
        "after `pip install -e \".[dev]\"`.",
    ]
    about = inspect.getdoc(module)
    if about:
        lines += ["", "## About this lab", "", docstring_markdown(about)]
    return "\n".join(lines)


def build_notebook(lab: str | None = None, *, module: ModuleType,
                   quick: bool = True, repo: str = PLACEHOLDER_REPO,
                   values: dict[str, Any] | None = None,
                   strict_values: bool = True) -> nbformat.NotebookNode:
    """The notebook of one lab.

    Args:
        lab: the lab id (``"lab03_cnn_mnist"``; default: the module's own name).
        module: the lab module itself, handed in by whoever drives the labs
            (``python -m labs notebook``): the toolkit never imports a lab. A module outside
            the syllabus gets its title from its docstring.
        quick: the starting value of ``QUICK`` (default ``True``).
        repo: the git URL a fresh runtime clones the course from (default a placeholder
            the student replaces, or the ``KERASCOURSE_REPO`` environment variable).
        values: starting values of settings variables, e.g. ``{"EPOCHS": 3}``.
        strict_values: a name in ``values`` the lab does not have is an error (default);
            ``False`` skips it.

    Raises:
        CourseError: the lab's ``NOTEBOOK_STEPS`` do not fit.
    """
    labs = syllabus_labs()
    lab_id = lab or module.__name__.rsplit(".", 1)[-1]
    entry = next((dict(item) for item in labs if item["id"] == lab_id), None)
    number = labs.index(next(i for i in labs if i["id"] == lab_id)) + 1 if entry else None
    if entry is None:
        summary = (inspect.getdoc(module) or lab_id).splitlines()[0]
        entry = {"id": lab_id, "title": summary.rstrip(".")}

    steps = notebook_steps(module)
    flags = lab_flags(module)
    start_values = {flag.variable: (False if flag.kind == "switch" else None) for flag in flags}
    start_values["KERAS_BACKEND"] = None  # None: $KERAS_BACKEND, else tensorflow
    if "QUICK" in start_values:
        start_values["QUICK"] = bool(quick)
    for name, value in (values or {}).items():
        if name not in start_values:
            if not strict_values:
                continue
            raise CourseError(f"{module.__name__} has no setting {name}",
                              fix="choose one of " + ", ".join(start_values))
        start_values[name] = value

    notebook = v4.new_notebook()
    notebook.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        # Colab opens the notebook on a GPU runtime when one is free.
        "accelerator": "GPU",
        "colab": {"provenance": [], "gpuType": "T4"},
        "kerascourse": {"lab": lab_id, "generated_by": "python -m labs notebook"},
    })
    cells = [
        v4.new_markdown_cell(intro_markdown(entry, module, number)),
        v4.new_code_cell(settings_code(module.__name__, flags, start_values),
                         metadata={"tags": ["parameters"]}),  # papermill's convention
        v4.new_code_cell(setup_code(repo)),
        v4.new_markdown_cell("The functions this notebook calls, from the lab module and the "
                             "course toolkit:"),
        v4.new_code_cell(_imports(module, steps)),
    ]
    for number_in_lab, step in enumerate(steps, 1):
        cells.append(v4.new_markdown_cell(step_markdown(number_in_lab, step)))
        cells.append(v4.new_code_cell(step.code))
    cells += [
        v4.new_markdown_cell(
            "## Your reflection draft\n\n`REFLECTION.md` in the run folder: the measured facts "
            "are filled in, the **TODO** prompts are yours. Edit the file itself (it is never "
            "overwritten); after annotating `errors.csv`, `python -m toolkit.reflection "
            "RUN_FOLDER` refreshes the draft."),
        v4.new_code_cell(reflection_code(lab_id)),
    ]
    notebook.cells = cells
    nbformat.validate(notebook)
    return notebook


def notebook_name(lab_id: str) -> str:
    return f"{lab_id}.ipynb"


def write_notebook(module: ModuleType, out: Path | str = DEFAULT_OUT, **options) -> Path:
    """Build the notebook of the lab ``module`` and write it to ``out/<lab id>.ipynb``."""
    notebook = build_notebook(module=module, **options)
    lab_id = notebook.metadata["kerascourse"]["lab"]
    path = Path(out) / notebook_name(lab_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


# ---------------------------------------------------------------------------------------------
# Running a notebook, and what its last cell calls
# ---------------------------------------------------------------------------------------------

def execute_notebook(path: Path | str, *, timeout: int = 600, kernel_name: str = "python3",
                     workdir: Path | str | None = None, save: bool = True
                     ) -> tuple[nbformat.NotebookNode, float]:
    """Run a notebook top to bottom on a Jupyter kernel (nbclient) and save its outputs.

    Args:
        path: the ``.ipynb`` file.
        timeout: seconds one cell may take before the run fails (default 600).
        kernel_name: the Jupyter kernel (default ``python3``, which ipykernel installs).
        workdir: the kernel's working folder, where ``runs/`` is written (default: the
            notebook's folder, as in Jupyter).
        save: write the executed notebook back to ``path`` (also when a cell failed, so
            the error can be read in place).

    Returns:
        The executed notebook and the wall time in seconds.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised; the message holds the
            traceback.
    """
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(workdir or path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        if save:
            nbformat.write(notebook, path)
    return notebook, time.perf_counter() - start


_IMAGE_LINK = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)(\))")


def latest_run(lab_id: str, out: Path | str = "runs") -> Path:
    """The newest complete run folder of a lab."""
    from toolkit.runs import list_runs

    runs = list_runs(lab_id, out)
    if not runs:
        raise CourseError(f"no complete run of {lab_id} in {out}",
                          fix="run the cells above first, from the top")
    return runs[-1]


def show_reflection(lab_id: str, out: Path | str = "runs") -> Path:
    """Print the newest run folder of a lab and display its reflection draft.

    The draft's figure links are relative to the run folder; they are rewritten relative to
    the working folder so Jupyter finds the images.
    """
    from toolkit.reflection import NEW_DRAFT_NAME, REFLECTION_NAME

    run_dir = latest_run(lab_id, out)
    draft = run_dir / NEW_DRAFT_NAME
    if not draft.is_file():
        draft = run_dir / REFLECTION_NAME
    files = sorted(p.name for p in run_dir.iterdir() if not p.name.startswith("."))
    print(f"Run folder: {run_dir}\nFiles: {', '.join(files)}\nDraft: {draft}")
    text = draft.read_text(encoding="utf-8")

    def relink(match: re.Match) -> str:
        target = match.group(2)
        if "://" in target or target.startswith(("/", "#", "data:")):
            return match.group(0)
        return match.group(1) + (run_dir / target).as_posix() + match.group(3)

    text = _IMAGE_LINK.sub(relink, text)
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
    else:
        display(Markdown(text))
    return draft


# ---------------------------------------------------------------------------------------------
# python -m labs notebook
# ---------------------------------------------------------------------------------------------

def _parse_value(text: str) -> Any:
    """``3`` -> 3, ``[0.1, 0.5]`` -> list, ``none`` -> "none": Python literals, else text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _settings(pairs: Iterable[str]) -> dict[str, Any]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CourseError(f"--set {pair!r} is not NAME=VALUE", fix="e.g. --set EPOCHS=3")
        values[name.strip().upper()] = _parse_value(value.strip())
    return values


def main(argv: list[str] | None, load_lab: Callable[[str], ModuleType],
         check_notebook: Callable[[Path], Any] | None = None) -> int:
    """``python -m labs notebook``: ``load_lab(lab_id)`` returns the lab's module;
    ``check_notebook(path)`` (the grader's check) judges an executed notebook's saved outputs."""
    parser = argparse.ArgumentParser(
        prog="python -m labs notebook",
        description="Write labs as Jupyter/Colab notebooks that call the lab's own step "
                    "functions, one cell per step; optionally run them and save the outputs.")
    parser.add_argument("labs", nargs="*", metavar="LAB",
                        help="labs by number or id (default: all six)")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"folder for the .ipynb files (default {DEFAULT_OUT}/)")
    parser.add_argument("--full", action="store_true",
                        help="start with QUICK = False (default: QUICK = True)")
    parser.add_argument("--repo", default=os.environ.get("KERASCOURSE_REPO", PLACEHOLDER_REPO),
                        help="git URL a fresh Colab runtime clones the course from "
                             "(default $KERASCOURSE_REPO, else a placeholder)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="starting value of a settings variable, e.g. --set EPOCHS=3 "
                             "(repeatable; a Python literal or text)")
    parser.add_argument("--execute", action="store_true",
                        help="run each notebook top to bottom (nbclient + ipykernel) and save "
                             "it with its outputs; the run folders go under --out")
    parser.add_argument("--timeout", type=int, default=600,
                        help="with --execute: seconds one cell may take (default 600)")
    args = parser.parse_args(argv)
    values = _settings(args.set)
    lab_ids = ([resolve_lab(name) for name in args.labs] if args.labs
               else [lab["id"] for lab in syllabus_labs()])
    failures = []
    for lab_id in lab_ids:
        try:
            # With several labs, a --set applies to the labs that have that variable.
            path = write_notebook(load_lab(lab_id), args.out, quick=not args.full, repo=args.repo,
                                  values=values, strict_values=len(lab_ids) == 1)
        except CourseError as error:
            failures.append(f"{lab_id}: {error.message}")
            print(f"error: {error.message}", file=sys.stderr)
            continue
        print(f"wrote {path}")
        if args.execute:
            failures += _execute_and_report(path, args.timeout, check_notebook)
    if failures:
        print(f"{len(failures)} of {len(lab_ids)} notebook(s) failed:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 2
    return 0


def _execute_and_report(path: Path, timeout: int,
                        check_notebook: Callable[[Path], Any] | None) -> list[str]:
    from nbclient.exceptions import CellExecutionError

    try:
        _, seconds = execute_notebook(path, timeout=timeout)
    except CellExecutionError as error:
        last = str(error).strip().splitlines()[-1] if str(error).strip() else "cell failed"
        print(f"  FAILED {path}: {last} (the saved notebook shows the traceback)",
              file=sys.stderr)
        return [f"{path.name}: {last}"]
    if check_notebook is None:
        print(f"  ran {path} in {seconds:.1f} s")
        return []
    check = check_notebook(path)
    print(f"  ran {path} in {seconds:.1f} s; {check.summary()}")
    return [] if check.ok else [f"{path.name}: " + "; ".join(map(str, check.problems))]
