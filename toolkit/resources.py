"""The course's own files (syllabus, rubrics, templates, dataset registry) and TOML reading.

``course/`` and ``datasets/`` ship inside the installed package as ``toolkit.course`` and
``toolkit.datasets`` (``setup.cfg`` maps the folders), so ``pip install .``, a wheel or
``pip install git+URL`` in Colab find them with :mod:`importlib.resources`. Run from a source
checkout (``pip install -e .``, or no install at all), the folders beside ``toolkit/`` are used.

Example:
    >>> from toolkit.resources import course_path, load_toml
    >>> labs = load_toml(course_path("syllabus.toml"))["lab"]
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as a package
    import tomli as tomllib

__all__ = ["TOMLDecodeError", "course_path", "datasets_path", "load_syllabus", "load_toml",
           "tomllib"]

TOMLDecodeError = tomllib.TOMLDecodeError
_CHECKOUT = Path(__file__).resolve().parent.parent


def _package_folder(package: str, checkout_name: str) -> Path:
    """The folder of a data package: the checkout's own when running from a source checkout
    (so an edited rubric or template counts at once), else the installed package data."""
    if (_CHECKOUT / "setup.cfg").is_file() and (_CHECKOUT / checkout_name).is_dir():
        return _CHECKOUT / checkout_name
    try:
        return Path(str(importlib.resources.files(package)))  # wheels install unpacked
    except ModuleNotFoundError:
        return _CHECKOUT / checkout_name


def course_path(*parts: str) -> Path:
    """A path inside ``course/``: ``course_path("rubrics", "lab_report.toml")``."""
    return _package_folder("toolkit.course", "course").joinpath(*parts)


def datasets_path(*parts: str) -> Path:
    """A path inside ``datasets/``: ``datasets_path("registry.toml")``."""
    return _package_folder("toolkit.datasets", "datasets").joinpath(*parts)


def load_toml(path: Path | str) -> dict:
    """Parse a TOML file (UTF-8). Raises ``OSError``, ``UnicodeDecodeError`` or
    :data:`TOMLDecodeError`; callers turn those into a message for their user."""
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def load_syllabus(path: Path | None = None) -> list[dict]:
    """The labs of ``course/syllabus.toml`` in course order."""
    return load_toml(path or course_path("syllabus.toml"))["lab"]
