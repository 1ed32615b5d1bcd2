"""Every lab package keeps one contract (DESIGN.md, issue 19): the names the course map, the
notebooks and the tests rely on, numbered section banners, a ``finish`` step, a ``main`` that
is the lesson written once (straight-line, so the notebook can be derived from it), a lesson
of at most 600 lines, settings that load no Keras, and a ``--help`` that works.

Every lab that is already a package (``labs/<lab>/lesson.py``) is checked; a lab still
written as one file is not a package yet and is left to its own tests.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.notebooks.lesson_cells import Lesson, main_statements

REPO = Path(__file__).resolve().parent.parent
LESSON_LINES = 600
PACKAGES = sorted(path.parent.name for path in (REPO / "labs").glob("*/lesson.py"))


def test_some_labs_are_packages():
    assert PACKAGES, "no labs/<lab>/lesson.py found"


@pytest.mark.parametrize("lab_id", PACKAGES)
def test_lesson_keeps_the_contract(lab_id):
    lesson = importlib.import_module(f"labs.{lab_id}.lesson")
    assert lesson.LAB_ID == lab_id
    assert isinstance(lesson.TITLE, str) and lesson.TITLE
    config = lesson.parse_args(["--quick"])
    assert config.quick and config.argv == ["--quick"]  # recorded as the run's command
    source = inspect.getsource(lesson)
    banners = [int(n) for n in re.findall(r"^# --- (\d+)\. ", source, re.M)]
    assert banners and banners == sorted(banners) and len(set(banners)) == len(banners)
    assert "run" in inspect.signature(lesson.finish).parameters
    assert inspect.getmodule(lesson.finish) is lesson  # the lesson's own last step
    lines = len(source.splitlines())
    assert lines <= LESSON_LINES, f"{lab_id}/lesson.py has {lines} lines (at most 600)"


@pytest.mark.parametrize("lab_id", PACKAGES)
def test_main_is_the_lesson_written_once(lab_id):
    """Straight-line: the notebook's cells are main's statements (the rules are checked by
    the notebook builder itself, which raises a CourseError on an early exit or a statement
    that calls nothing)."""
    lesson = importlib.import_module(f"labs.{lab_id}.lesson")
    statements = main_statements(Lesson(lesson))
    first = ast.unparse(statements[0])
    assert first == "config = parse_args(argv)"
    called = {node.func.id for statement in statements for node in ast.walk(statement)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert "finish" in called
    assert not hasattr(lesson, "NOTEBOOK_STEPS")  # the lesson is written once


@pytest.mark.parametrize("lab_id", PACKAGES)
def test_settings_load_no_keras(lab_id):
    code = (f"import sys, labs.{lab_id}.settings as s; s.parse_args(['--quick']); "
            "print(sorted({'keras', 'tensorflow', 'jax', 'torch'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", f"labs.{lab_id}.settings imports {result.stdout}"


@pytest.mark.parametrize("lab_id", PACKAGES)
def test_help_prints_the_shared_flags_and_exits_0(lab_id):
    result = subprocess.run([sys.executable, "-m", f"labs.{lab_id}", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    for flag in ("--quick", "--seed", "--out", "--data-dir"):
        assert flag in result.stdout, f"{lab_id} --help does not mention {flag}"
    assert f"python -m labs.{lab_id}" in result.stdout  # the command the student types


@pytest.mark.parametrize("lab_id", PACKAGES)
def test_package_files(lab_id):
    folder = REPO / "labs" / lab_id
    assert (folder / "RESULTS.md").is_file(), "the dated measurements live in RESULTS.md"
    main = ast.parse((folder / "__main__.py").read_text(encoding="utf-8"))
    statements = [node for node in main.body if not isinstance(node, (ast.Import,
                                                                      ast.ImportFrom))]
    assert len(statements) == 2  # the docstring and sys.exit(run_lab(__package__, ...))
    package = importlib.import_module(f"labs.{lab_id}")
    assert package.LAB_ID == lab_id  # the lazy re-export finds the lesson's names
