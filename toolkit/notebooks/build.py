"""Build a lab's notebook from its lesson module and write it as ``.ipynb``.

A generated notebook holds, top to bottom:

1. the lab's title, objectives (``course/syllabus.toml``) and the lesson's docstring;
2. a settings cell: every flag of the lab as an editable variable (``QUICK = True``,
   ``EPOCHS = None``, ...), turned into the ``ARGS`` list the lab's ``parse_args`` reads;
3. a setup cell: clone and install the course package when it is missing (a fresh Colab
   runtime), then ``python -m toolkit.check --short``;
4. an import cell, then per statement of the lesson's ``main`` a Markdown cell and a code
   cell holding the lesson's own functions and the call (see :mod:`.lesson_cells`);
5. the reflection draft of the run, displayed.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
from nbformat import v4

from toolkit.errors import CourseError
from toolkit.notebooks.lesson_cells import Lesson, import_code, lesson_error, step_cells
from toolkit.notebooks.markdown import intro_markdown, step_markdown
from toolkit.notebooks.settings_cell import FlagProblem, lab_flags, settings_code
from toolkit.resources import load_syllabus

DEFAULT_OUT = "notebooks"
# Where a fresh Colab runtime clones the course from. A course replaces it with
# --repo URL (or students set the KERASCOURSE_REPO environment variable).
PLACEHOLDER_REPO = "https://github.com/YOUR-COURSE/kerascourse.git"

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


def lab_identity(module: ModuleType, lab: str | None) -> tuple[str, str]:
    """The lab id and the command that runs it: ``("lab03_cnn_mnist",
    "labs.lab03_cnn_mnist")`` for the lesson module ``labs.lab03_cnn_mnist.lesson``."""
    package = module.__name__.rpartition(".")[0] or module.__name__
    return lab or getattr(module, "LAB_ID", None) or package.rpartition(".")[2], package


def build_notebook(lab: str | None = None, *, module: ModuleType,
                   quick: bool = True, repo: str = PLACEHOLDER_REPO,
                   values: dict[str, Any] | None = None,
                   strict_values: bool = True) -> nbformat.NotebookNode:
    """The notebook of one lab.

    Args:
        lab: the lab id (``"lab03_cnn_mnist"``; default: the lesson's ``LAB_ID``).
        module: the lab's lesson module (``labs.lab03_cnn_mnist.lesson``), handed in by
            whoever drives the labs (``python -m labs notebook``): the toolkit never imports
            a lab. A lab outside the syllabus gets its title from its docstring.
        quick: the starting value of ``QUICK`` (default ``True``).
        repo: the git URL a fresh runtime clones the course from (default a placeholder
            the student replaces, or the ``KERASCOURSE_REPO`` environment variable).
        values: starting values of settings variables, e.g. ``{"EPOCHS": 3}``.
        strict_values: a name in ``values`` the lab does not have is an error (default);
            ``False`` skips it.

    Raises:
        CourseError: the lesson does not follow the lab contract (its ``main`` is not
            straight-line, a flag cannot become a variable, ...).
    """
    labs = syllabus_labs()
    lab_id, command = lab_identity(module, lab)
    ids = [item["id"] for item in labs]
    entry = dict(labs[ids.index(lab_id)]) if lab_id in ids else None
    number = ids.index(lab_id) + 1 if entry else None
    if entry is None:
        summary = (inspect.getdoc(module) or lab_id).splitlines()[0]
        entry = {"id": lab_id, "title": summary.rstrip(".")}

    lesson = Lesson(module)
    steps = step_cells(lesson)
    imports = import_code(lesson, steps)
    if not callable(getattr(module, "parse_args", None)):
        raise lesson_error(module, "it has no parse_args", "import parse_args from the "
                                                           "lab's settings.py in lesson.py")
    try:
        flags = lab_flags(module.parse_args)
    except FlagProblem as problem:
        raise lesson_error(module, problem.what, problem.fix) from problem
    start_values = {flag.variable: (False if flag.kind == "switch" else None) for flag in flags}
    start_values["KERAS_BACKEND"] = None  # None: $KERAS_BACKEND, else tensorflow
    if "QUICK" in start_values:
        start_values["QUICK"] = bool(quick)
    for name, value in (values or {}).items():
        if name not in start_values:
            if not strict_values:
                continue
            raise CourseError(f"{command} has no setting {name}",
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
        v4.new_markdown_cell(intro_markdown(entry, module, number, command)),
        v4.new_code_cell(settings_code(command, flags, start_values),
                         metadata={"tags": ["parameters"]}),  # papermill's convention
        v4.new_code_cell(setup_code(repo)),
        v4.new_markdown_cell("What the steps below use from the lab's settings, its other "
                             "files and the course toolkit:"),
        v4.new_code_cell(imports),
    ]
    for step in steps:
        cells.append(v4.new_markdown_cell(step_markdown(step)))
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
    """Build the notebook of the lesson ``module`` and write it to ``out/<lab id>.ipynb``."""
    notebook = build_notebook(module=module, **options)
    lab_id = notebook.metadata["kerascourse"]["lab"]
    path = Path(out) / notebook_name(lab_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path
