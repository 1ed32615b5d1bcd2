"""Notebooks handed in as Python scripts: Jupytext's and VS Code's "percent" format.

A script whose cells are marked ``# %%`` and whose prose sits in ``# %% [markdown]`` cells is
a notebook saved as text (Jupytext, VS Code, Spyder and PyCharm write it); it is read with
Jupytext into the notebook it stands for, so its Markdown cells are the report and its code
cells code.

Another script may be the report itself, written in its docstrings and comments beside the
code that produced the numbers (:func:`script_prose`): read when they hold a report's worth
of prose (:data:`MIN_PROSE_WORDS`). Any other Python file is code and is not read as a
document.

Example:
    >>> notebook = percent_notebook("# %% [markdown]\\n# ## Results\\n# 99.1% test accuracy\\n")
    >>> [cell.cell_type for cell in notebook.cells], notebook.cells[0].source
    (['markdown'], '## Results\\n99.1% test accuracy')
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize

import nbformat

# A Markdown cell of the percent format: "# %% [markdown]", "#%% [md] Results", with the
# optional cell title and metadata Jupytext writes after the cell type.
_MARKDOWN_CELL = re.compile(r"^#\s?%%.*\[(?:markdown|md)\]", re.M)


def is_notebook_script(text: str) -> bool:
    """Does this Python file hold a prose cell of the percent format?"""
    return bool(_MARKDOWN_CELL.search(text))


def percent_notebook(text: str) -> nbformat.NotebookNode | None:
    """The notebook a percent-format script stands for; None when it holds no prose cell."""
    if not is_notebook_script(text):
        return None
    import jupytext  # only a class with such scripts pays for the import

    return jupytext.reads(text, fmt="py:percent")


MIN_PROSE_WORDS = 150  # a helper's docstrings and comments are fewer words than a report
# A pragma, no prose: a shebang, an editor's coding line, a linter's or a cell's mark
_PRAGMA = re.compile(r"^#\s*(?:!|-\*-|noqa|type:|pragma|fmt:|%%)")
# A docstring's quotes, opening (perhaps after a prefix) or closing
_QUOTES = re.compile(r"^\s*[rRuUbB]{0,2}(?:\"\"\"|'''|\"|')|(?:\"\"\"|'''|\"|')\s*$")


def _docstring_rows(tree: ast.Module) -> list[tuple[int, int]]:
    """``(first row, last row)`` of every docstring (module, class, function), rows counted
    from 1."""
    return [(first.lineno, first.end_lineno or first.lineno) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(first := node.body[0], ast.Expr)
            and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)]


def script_prose(text: str) -> str | None:
    """The script's docstrings and comments, each on its own line of the file and the code
    blanked (so evidence quotes the file's line numbers), when they hold
    :data:`MIN_PROSE_WORDS` words or more; else ``None`` (a script of code)."""
    try:
        tree = ast.parse(text)
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return None
    rows = text.splitlines()
    prose = [""] * len(rows)
    for first, last in _docstring_rows(tree):
        block = textwrap.dedent("\n".join(_QUOTES.sub("", row) if row_number in (first, last)
                                          else row for row_number, row
                                          in enumerate(rows[first - 1:last], first)))
        prose[first - 1:last] = block.splitlines() + [""] * (last - first + 1
                                                           - len(block.splitlines()))
    for token in tokens:
        if token.type == tokenize.COMMENT and not _PRAGMA.match(token.string):
            row = token.start[0] - 1
            prose[row] = token.string.lstrip("#").strip()
    words = sum(len(line.split()) for line in prose)
    return "\n".join(prose) if words >= MIN_PROSE_WORDS else None
