"""``--rubric lab_report``: a rubric by its name, from the course the package ships.

A name without a folder or suffix (``lab_report``, ``reflection``) is
``course/rubrics/<name>.toml``, found through :mod:`toolkit.resources`, so an installed
package grades from any folder; anything else is a path to the instructor's own TOML.

Example:
    >>> rubric_path("reflection").name
    'reflection.toml'
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import CourseError
from toolkit.resources import course_path
from toolkit.safe_text import short_repr


def rubric_names() -> list[str]:
    """The names of the rubrics the course ships."""
    return sorted(path.stem for path in course_path("rubrics").glob("*.toml"))


def rubric_path(value: str) -> Path:
    """The rubric file ``--rubric value`` means: a name the course ships, else a path."""
    path = Path(value)
    if path.is_file() or path.suffix or len(path.parts) != 1:
        return path
    shipped = course_path("rubrics", f"{value}.toml")
    if shipped.is_file():
        return shipped
    raise CourseError(f"--rubric {short_repr(value)}: no rubric of that name and no such file",
                      fix=f"name one the course ships ({', '.join(rubric_names())}) or pass "
                          f"the path of a TOML rubric")
