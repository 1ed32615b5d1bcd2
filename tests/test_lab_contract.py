"""Every lab keeps one contract (DESIGN.md): the names the course map, the notebooks and the
tests rely on, numbered section banners, and a ``finish`` step that ends the lesson.

A lab that is a package (``labs/<lab>/lesson.py`` beside ``settings.py``) keeps the package
contract too: a lesson of at most 600 lines whose ``main`` is straight-line (each statement
one notebook cell), and flags that load without Keras."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.notebooks import notebook_steps
from toolkit.resources import load_syllabus

LAB_IDS = [lab["id"] for lab in load_syllabus()]
LABS = Path(__file__).resolve().parent.parent / "labs"
PACKAGE_LABS = [lab_id for lab_id in LAB_IDS if (LABS / lab_id / "lesson.py").is_file()]
HEAVY = ("keras", "tensorflow", "jax", "torch", "keras_hub", "sklearn")


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_lab_keeps_the_contract(lab_id):
    lab = importlib.import_module(f"labs.{lab_id}")
    assert lab.LAB_ID == lab_id
    assert isinstance(lab.TITLE, str) and lab.TITLE
    config = lab.parse_args(["--quick"])
    assert config.quick and config.argv == ["--quick"]  # recorded as the run's command
    source_of = importlib.import_module(f"labs.{lab_id}.lesson") if lab_id in PACKAGE_LABS \
        else lab
    if lab_id not in PACKAGE_LABS:  # a one-file lab still lists its notebook cells
        names = [name for name, _ in lab.NOTEBOOK_STEPS]
        assert names[0] == "parse_args" and names[-1] == "finish"
        assert "start_run" in names
        notebook_steps(lab)  # every step is a documented public function of the lab
    banners = [int(n) for n in re.findall(r"^# --- (\d+)\. ", inspect.getsource(source_of),
                                          re.M)]
    assert banners and banners == sorted(banners) and len(set(banners)) == len(banners)
    finish = inspect.signature(lab.finish)
    assert "run" in finish.parameters


@pytest.mark.parametrize("lab_id", PACKAGE_LABS)
def test_the_lesson_reads_top_to_bottom_in_600_lines(lab_id):
    lesson = importlib.import_module(f"labs.{lab_id}.lesson")
    source = inspect.getsource(lesson)
    assert len(source.splitlines()) <= 600
    assert "NOTEBOOK_STEPS" not in source  # the notebook is derived from main()
    main = next(node for node in ast.parse(source).body
                if isinstance(node, ast.FunctionDef) and node.name == "main")
    body = [node for node in main.body if not (isinstance(node, ast.Expr) and
                                               isinstance(node.value, ast.Constant))]
    assert ast.unparse(body[0]) == "config = parse_args(argv)"
    for statement in body:
        if statement is body[-1] and isinstance(statement, ast.Return):
            continue
        nested = [node for node in ast.walk(statement)
                  if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom))]
        assert not nested, f"an early exit in main: {ast.unparse(statement)}"
        assert any(isinstance(node, ast.Call) for node in ast.walk(statement)), \
            f"a main statement that calls nothing: {ast.unparse(statement)}"
    for function in (lesson.finish, lesson.start_run):
        assert inspect.getdoc(function)
        assert function.__module__ == lesson.__name__


@pytest.mark.parametrize("lab_id", PACKAGE_LABS)
def test_the_flags_load_without_keras(lab_id):
    code = (f"import sys, labs.{lab_id}, labs.{lab_id}.settings as s; s.parse_args([]); "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_help_prints_the_shared_flags_and_exits_0(lab_id, capsys):
    lab = importlib.import_module(f"labs.{lab_id}")
    with pytest.raises(SystemExit) as exit_info:
        lab.parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--quick", "--seed", "--out", "--data-dir"):
        assert flag in text, f"{lab_id} --help does not mention {flag}"


@pytest.mark.parametrize("lab_id", PACKAGE_LABS)
def test_python_dash_m_answers_help_with_the_command_students_type(lab_id):
    result = subprocess.run([sys.executable, "-m", f"labs.{lab_id}", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: python -m labs.{lab_id} ")
