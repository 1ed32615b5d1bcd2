"""The text of a lab notebook: the introduction and the Markdown above each step's cell,
written from the lesson's docstrings and the course syllabus."""

from __future__ import annotations

import inspect
import textwrap
from types import ModuleType

from toolkit.notebooks.lesson_cells import StepCell

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


def step_markdown(step: StepCell) -> str:
    """The Markdown above a step's cell: the lesson section it opens, ``Step N: summary``,
    the rest of the docstring, and the lesson functions the cell defines."""
    parts = [f"## {step.section}"] if step.section else []
    parts.append(f"### Step {step.number}: {step.summary}")
    if step.doc:
        parts.append(docstring_markdown(step.doc))
    if step.shown:
        parts.append("*Defined in this cell:* " + ", ".join(f"`{name}`" for name in step.shown))
    return "\n\n".join(parts)


def intro_markdown(lab: dict, module: ModuleType, number: int | None, command: str) -> str:
    """The first cell: title, objectives, reference, how to use the notebook, the lesson's
    docstring."""
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
        "top. Each step cell holds the lesson's own code (the functions of "
        f"`{module.__name__.replace('.', '/')}.py`) followed by the call "
        f"`python -m {command}` makes: edit a function and run its cell again, and every "
        "later cell uses your version. The run folder "
        f"`runs/{lab['id']}/<time>/` (`record.json`, figures, `errors.csv`, `REFLECTION.md`) "
        "is the one the command line writes. `QUICK = True` checks the whole lab in a few "
        "minutes; set it to `False` for the results you report.",
        "",
        "**Colab:** *Runtime > Change runtime type > GPU* before you run; the setup cell "
        "installs the course package. **Jupyter:** run `jupyter lab` from the course folder "
        "after `pip install -e \".[dev]\"`.",
    ]
    about = inspect.getdoc(module)
    if about:
        lines += ["", "## About this lab", "", docstring_markdown(about)]
    return "\n".join(lines)
