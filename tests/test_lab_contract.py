"""Every lab keeps one contract (DESIGN.md): the names the course map, the notebooks and the
tests rely on, numbered section banners, and a ``finish`` step that ends the lesson.

A lab that is a package (``labs/<lab>/lesson.py`` + ``settings.py``) keeps the package
contract of issue 19: a lesson of at most 600 lines whose ``main`` is the notebook, one
statement a cell, and flags that load no Keras.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.notebooks import notebook_steps
from toolkit.resources import load_syllabus

LAB_IDS = [lab["id"] for lab in load_syllabus()]
PACKAGE_LABS = [lab_id for lab_id in LAB_IDS
                if importlib.util.find_spec(f"labs.{lab_id}").submodule_search_locations]
MODULE_LABS = [lab_id for lab_id in LAB_IDS if lab_id not in PACKAGE_LABS]
REPO = Path(__file__).resolve().parent.parent
HEAVY_MODULES = ("keras", "tensorflow", "jax", "keras_hub", "sklearn", "torch")


@pytest.mark.parametrize("lab_id", PACKAGE_LABS)
def test_lab_package_keeps_the_contract(lab_id):
    lesson = importlib.import_module(f"labs.{lab_id}.lesson")
    settings = importlib.import_module(f"labs.{lab_id}.settings")
    assert lesson.LAB_ID == lab_id and isinstance(lesson.TITLE, str) and lesson.TITLE
    assert importlib.import_module(f"labs.{lab_id}").LAB_ID == lab_id  # the lazy re-export
    assert lesson.parse_args is settings.parse_args
    config = settings.parse_args(["--quick"])
    assert config.quick and config.argv == ["--quick"]  # recorded as the run's command
    source = inspect.getsource(lesson)
    assert len(source.splitlines()) <= 600, "the lesson is at most 600 lines"
    banners = [int(n) for n in re.findall(r"^# --- (\d+)\. ", source, re.M)]
    assert banners and banners == sorted(banners) and len(set(banners)) == len(banners)
    assert "run" in inspect.signature(lesson.finish).parameters
    [main] = [node for node in ast.parse(source).body
              if isinstance(node, ast.FunctionDef) and node.name == "main"]
    body = [node for node in main.body if not (isinstance(node, ast.Expr)
                                               and isinstance(node.value, ast.Constant))]
    assert ast.unparse(body[0]) == "config = parse_args(argv)"
    for statement in body[:-1]:  # straight-line: no early exit, every cell calls something
        assert not any(isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom))
                       for node in ast.walk(statement)), ast.unparse(statement)
        assert any(isinstance(node, ast.Call) for node in ast.walk(statement)), \
            ast.unparse(statement)


@pytest.mark.parametrize("lab_id", PACKAGE_LABS)
def test_lab_flags_load_no_keras(lab_id):
    """``--help`` and bad flags answer before a backend loads: the settings module imports
    none of the heavy libraries."""
    code = (f"import sys; import labs.{lab_id}.settings as s; s.build_parser() "
            f"if hasattr(s, 'build_parser') else None; "
            f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("lab_id", MODULE_LABS)
def test_lab_keeps_the_contract(lab_id):
    lab = importlib.import_module(f"labs.{lab_id}")
    assert lab.LAB_ID == lab_id
    assert isinstance(lab.TITLE, str) and lab.TITLE
    config = lab.parse_args(["--quick"])
    assert config.quick and config.argv == ["--quick"]  # recorded as the run's command
    names = [name for name, _ in lab.NOTEBOOK_STEPS]
    assert names[0] == "parse_args" and names[-1] == "finish"
    assert "start_run" in names
    notebook_steps(lab)  # every step is a documented public function of the lab
    banners = [int(n) for n in re.findall(r"^# --- (\d+)\. ", inspect.getsource(lab), re.M)]
    assert banners and banners == sorted(banners) and len(set(banners)) == len(banners)
    finish = inspect.signature(lab.finish)
    assert "run" in finish.parameters


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_help_prints_the_shared_flags_and_exits_0(lab_id, capsys):
    lab = importlib.import_module(f"labs.{lab_id}")
    with pytest.raises(SystemExit) as exit_info:
        lab.parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--quick", "--seed", "--out", "--data-dir"):
        assert flag in text, f"{lab_id} --help does not mention {flag}"
