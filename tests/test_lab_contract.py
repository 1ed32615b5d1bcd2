"""Every lab keeps one contract (DESIGN.md): the names the course map, the notebooks and the
tests rely on, numbered section banners, and a ``finish`` step that ends the lesson."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from toolkit.notebooks import notebook_steps
from toolkit.resources import load_syllabus

LAB_IDS = [lab["id"] for lab in load_syllabus()]


@pytest.mark.parametrize("lab_id", LAB_IDS)
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
