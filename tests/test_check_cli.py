"""python -m toolkit.check and the shared command-line behaviour."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from toolkit import check
from toolkit.cli import EXIT_BAD_INPUT, lab_parser, positive_int, run_main
from toolkit.errors import CourseError


@pytest.mark.slow
def test_check_json_reports_every_area(capsys, shared_data):
    assert check.main(["--json", "--data-dir", str(shared_data)]) == 0
    report = json.loads(capsys.readouterr().out)
    names = {f["name"] for f in report["findings"]}
    for expected in ("python", "memory", "disk", "cache", "keras", "gpu", "matmul", "precision",
                     "data:sst2_glue", "data:glove_6b", "weights:all_minilm_l6_v2", "nltk"):
        assert expected in names, expected
    by_name = {f["name"]: f for f in report["findings"]}
    assert by_name["data:sst2_glue"]["status"] == "ok"  # found in --data-dir, hash verified
    assert by_name["data:glove_6b"]["status"] == "warn"
    assert "822.2 MB" in by_name["data:glove_6b"]["detail"]
    for finding in report["findings"]:
        assert finding["status"] in {"ok", "warn", "fail"}
        if finding["status"] != "ok" and finding["name"] != "gpu":
            assert finding["fix"], f"{finding['name']} has no fix"
    assert report["ready"] is True


def test_check_fails_with_a_fix_when_the_cache_is_not_writable(monkeypatch, capsys):
    monkeypatch.setattr(check.os, "access", lambda path, mode: False)
    assert check.main([]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "KERAS_HOME" in out and "Not ready" in out


def test_check_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "toolkit.check", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Never downloads" in result.stdout.replace("\n", " ")


def test_run_main_turns_course_errors_into_one_line_and_exit_2(capsys):
    def main(argv):
        raise CourseError("data.csv has no column 'text'", why="found: review, stars",
                          fix="pass --text-column review")

    assert run_main(main, ["--quick"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.strip() == ("error: data.csv has no column 'text': found: review, stars. "
                           "Fix: pass --text-column review.")
    assert "Traceback" not in err
    with pytest.raises(CourseError):
        run_main(main, ["--debug"])


def test_lab_parser_shared_flags():
    args = lab_parser("demo", epochs=5, batch_size=64).parse_args(["--quick", "--seed", "3"])
    assert (args.epochs, args.batch_size, args.seed, args.quick, args.out) == (5, 64, 3, True,
                                                                                "runs")
    assert positive_int("4") == 4
    with pytest.raises(argparse.ArgumentTypeError):
        positive_int("0")


def test_a_misspelt_flag_is_answered_with_the_closest_one(capsys):
    parser = lab_parser("demo", epochs=5, batch_size=64)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--quik"])
    assert stop.value.code == 2
    assert "error: unrecognized argument --quik: did you mean --quick?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--batch-sise=32", "--sed", "3"])
    assert "did you mean --batch-size and --seed?" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # nothing close: no guess
        parser.parse_args(["--colour", "red"])
    err = capsys.readouterr().err
    assert "unrecognized arguments --colour red" in err and "did you mean" not in err


def test_a_data_dir_that_does_not_exist_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("KERASCOURSE_DATA", raising=False)
    assert lab_parser("demo").parse_args(["--data-dir", str(tmp_path)]).data_dir == str(tmp_path)
    missing = tmp_path / "no-such-folder"
    with pytest.raises(SystemExit):
        lab_parser("demo").parse_args(["--data-dir", str(missing)])
    err = capsys.readouterr().err
    assert f"--data-dir: {missing} is not a folder" in err and "KERASCOURSE_DATA" not in err
    # The default comes from $KERASCOURSE_DATA: a wrong one is named, with where it came from.
    monkeypatch.setenv("KERASCOURSE_DATA", str(missing))
    with pytest.raises(SystemExit):
        lab_parser("demo").parse_args([])
    assert f"{missing} (the default, from $KERASCOURSE_DATA) is not a folder" in \
        capsys.readouterr().err
    monkeypatch.setenv("KERASCOURSE_DATA", str(tmp_path))
    assert lab_parser("demo").parse_args([]).data_dir == str(tmp_path)


def test_lab_help_names_the_command_a_student_types():
    from toolkit.cli import lab_command

    assert lab_command("/x/labs/lab03_cnn_mnist/__main__.py") == "python -m labs.lab03_cnn_mnist"
    assert lab_command("/x/labs/lab03_cnn_mnist.py") == "python -m labs.lab03_cnn_mnist"
    assert lab_command("/usr/bin/pytest") is None
