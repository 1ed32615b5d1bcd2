"""labs.command_line.run_lab: flags before Keras, and no TensorFlow start-up noise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import toolkit
from labs.command_line import run_lab

REPO = Path(__file__).resolve().parent.parent

SETTINGS = '''
from toolkit.cli import lab_parser


def parse_args(argv=None):
    return lab_parser("A lab made by the test.", epochs=2).parse_args(argv)
'''


def write_lab(root: Path, name: str, lesson: str) -> str:
    """A lab package ``name`` under ``root`` (settings + the given lesson); its name."""
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text('"""A test lab."""\n')
    (package / "settings.py").write_text(SETTINGS)
    (package / "lesson.py").write_text(textwrap.dedent(lesson))
    return name


@pytest.fixture
def chosen_log_level(monkeypatch):
    """As on a student's machine: TF_CPP_MIN_LOG_LEVEL not chosen by the user (the test
    session sets it), restored after the test."""
    monkeypatch.setattr(toolkit, "TF_LOG_LEVEL_CHOSEN_BY_USER", False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")


def test_help_and_flag_errors_answer_before_the_lesson_loads(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(tmp_path))
    lab = write_lab(tmp_path, "help_lab", 'raise ImportError("the lesson must not load")\n')
    assert run_lab(lab, ["--help"]) == 0
    assert "A lab made by the test." in capsys.readouterr().out
    assert run_lab(lab, ["--quik"]) == 2
    assert "did you mean --quick?" in capsys.readouterr().err
    assert f"{lab}.lesson" not in sys.modules


def test_startup_notes_are_dropped_and_everything_else_is_kept(tmp_path, monkeypatch, capfd,
                                                               chosen_log_level):
    monkeypatch.syspath_prepend(str(tmp_path))
    lab = write_lab(tmp_path, "noisy_lab", '''
        import os
        import sys

        # What TensorFlow's C++ libraries write while they load, and two lines that matter.
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are "
                    b"written to STDERR\\n")
        os.write(2, b"I0000 00:00:1796227959.347484   12301 port.cc:153] oneDNN custom "
                    b"operations are on.\\n")
        os.write(2, b"To enable the following instructions: AVX2 FMA, in other operations, "
                    b"rebuild TensorFlow with the appropriate compiler flags.\\n")
        os.write(2, b"E0000 00:00:1796227959.5   12301 real.cc:1] a native error\\n")
        print("warning: a Python warning while loading", file=sys.stderr)


        def main(argv=None):
            print("the lab speaks")
            return 0
        ''')
    assert run_lab(lab, ["--epochs", "1"]) == 0
    out, err = capfd.readouterr()
    assert out == "the lab speaks\n"
    assert "absl" not in err and "oneDNN" not in err and "AVX2" not in err
    assert "a native error" in err and "a Python warning while loading" in err
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_a_log_level_the_user_chose_is_kept_and_level_0_shows_every_note(tmp_path, monkeypatch, capfd):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(toolkit, "TF_LOG_LEVEL_CHOSEN_BY_USER", True)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    lab = write_lab(tmp_path, "verbose_lab", '''
        import os

        os.write(2, b"I0000 00:00:1.0   1 port.cc:153] a note the user asked for\\n")


        def main(argv=None):
            return 0
        ''')
    assert run_lab(lab, []) == 0
    assert "a note the user asked for" in capfd.readouterr().err
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


@pytest.mark.slow
def test_a_lab_that_loads_keras_prints_nothing_before_its_own_output(tmp_path):
    """End to end with the real backend: whatever TensorFlow prints while it loads stays off
    the screen (this test fails when a TensorFlow release changes its start-up notes)."""
    write_lab(tmp_path, "keras_lab", '''
        import keras


        def main(argv=None):
            keras.ops.convert_to_tensor([1.0])  # starts the backend's runtime too
            print("the lab speaks")
            return 0
        ''')
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(REPO)])
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from labs.command_line import run_lab; "
                               "sys.exit(run_lab('keras_lab', []))"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "the lab speaks\n"
    assert not re.search(r"^[IWEF]\d{4} |absl|oneDNN|cuInit|cuda", done.stderr, re.M), \
        done.stderr


def _chosen_by_user_in_a_child(environment: dict[str, str]) -> str:
    """What a process started by a program that imported the toolkit decides."""
    child = ("import subprocess, sys, toolkit; print(subprocess.run([sys.executable, '-c', "
             "'import toolkit; print(toolkit.TF_LOG_LEVEL_CHOSEN_BY_USER)'], "
             "capture_output=True, text=True).stdout.strip())")
    return subprocess.run([sys.executable, "-c", child], env=environment, capture_output=True,
                          text=True, check=True, cwd=REPO).stdout.strip()


def test_the_toolkits_own_log_level_is_not_taken_for_the_users_in_a_child_process():
    """A script that imports the toolkit and starts a lab (e.g. a class builder): the level
    the toolkit set is passed on, and the lab still treats it as its own default."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("TF_CPP_MIN_LOG_LEVEL", toolkit.TF_LOG_LEVEL_DEFAULT_MARK)}
    assert _chosen_by_user_in_a_child(environment) == "False"
    assert _chosen_by_user_in_a_child({**environment, "TF_CPP_MIN_LOG_LEVEL": "1"}) == "True"
