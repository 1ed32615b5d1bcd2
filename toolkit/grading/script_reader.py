"""Notebooks handed in as Python scripts: Jupytext's and VS Code's "percent" format.

A script whose cells are marked ``# %%`` and whose prose sits in ``# %% [markdown]`` cells is
a notebook saved as text (Jupytext, VS Code, Spyder and PyCharm write it); it is read with
Jupytext into the notebook it stands for, so its Markdown cells are the report and its code
cells code. Any other Python file is code and is not read as a document.

Example:
    >>> notebook = percent_notebook("# %% [markdown]\\n# ## Results\\n# 99.1% test accuracy\\n")
    >>> [cell.cell_type for cell in notebook.cells], notebook.cells[0].source
    (['markdown'], '## Results\\n99.1% test accuracy')
"""

from __future__ import annotations

import re

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
