"""Every lab as a Jupyter / Colab notebook: ``python -m labs notebook [LAB...] [--out DIR]``.

A notebook is not a second copy of a lab: it is derived from the lab's lesson
(``labs/<lab>/lesson.py``), one cell per statement of its ``main``, and each cell holds the
lesson's own functions followed by the call, so a student edits the model where it is shown
and the run writes the same run folder as ``python -m labs.<lab>``.

One module, one job:

- ``settings_cell``: the lab's flags as the settings cell's variables;
- ``lesson_cells``: the step cells and the import cell, derived from the lesson's ``main``;
- ``markdown``: the introduction and the text above each step;
- ``build``: the whole notebook, validated with nbformat, and writing it;
- ``runtime``: executing a notebook (nbclient) and the reflection cell's ``show_reflection``;
- ``command``: ``python -m labs notebook``.
"""

from toolkit.notebooks.build import (
    DEFAULT_OUT,
    PLACEHOLDER_REPO,
    build_notebook,
    resolve_lab,
    syllabus_labs,
    write_notebook,
)
from toolkit.notebooks.command import main
from toolkit.notebooks.lesson_cells import Lesson, step_cells
from toolkit.notebooks.markdown import docstring_markdown
from toolkit.notebooks.runtime import execute_notebook, latest_run, show_reflection

__all__ = ["DEFAULT_OUT", "PLACEHOLDER_REPO", "Lesson", "build_notebook", "docstring_markdown",
           "execute_notebook", "latest_run", "main", "resolve_lab", "show_reflection",
           "step_cells", "syllabus_labs", "write_notebook"]
