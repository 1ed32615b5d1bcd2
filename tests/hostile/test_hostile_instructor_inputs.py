"""An instructor's rubric and overrides are checked against their schema before anything is
graded: one line naming the key, its value and what is expected, exit code 2, nothing
written."""

from __future__ import annotations

import pytest
from builders import report_student

from toolkit.cli import run_main
from toolkit.grading.grade import main as grade_main

GOOD_CRITERION = ('[[criterion]]\nid = "a"\npoints = 1\n[[criterion.require]]\nwhat = "w"\n'
                  'record = ["status"]\n')

BAD_RUBRICS = {
    "criterion = \"abc\"\n": "criterion = 'abc': expected [[criterion]] tables",
    "criterion = [\"abc\"]\n": "criterion 1 = 'abc': expected a table",
    "rubric = 5\n" + GOOD_CRITERION: "rubric = 5: expected a table",
    '[[criterion]]\nid = "a"\npoints = 1\nrequire = [1]\n': "requirement 1 = 1: expected a table",
    GOOD_CRITERION.replace("points = 1", "points = nan"): "points = nan: expected a number > 0",
    GOOD_CRITERION.replace("points = 1", "points = inf"): "points = inf: expected a number > 0",
    '[rubric]\npass_mark = nan\n' + GOOD_CRITERION: "pass_mark = nan: expected a number >= 0",
    '[rubric]\npass_mark = 5\n' + GOOD_CRITERION: "pass_mark = 5: expected at most the 1",
    GOOD_CRITERION.replace('what = "w"', 'what = ["w"]'): "what = ['w']: expected text",
    GOOD_CRITERION.replace('id = "a"', 'id = 3'): "id = 3: expected a short name",
    GOOD_CRITERION.replace("points = 1\n", "points = 1\ntitle = {x = 1}\n"):
        "title = {'x': 1}: expected text",
    GOOD_CRITERION.replace('record = ["status"]', 'record = "status"\nnotebook = "yes"'):
        "notebook = 'yes': expected true or false",
}

BAD_OVERRIDES = {
    '[[override]]\nstudent = ["alice"]\ncriterion = "a"\npoints = 1\n':
        "student = ['alice']: expected text in quotes",
    '[[override]]\nstudent = "alice"\ncriterion = {id = "a"}\npoints = 1\n':
        "criterion = {'id': 'a'}: expected text in quotes",
    '[[override]]\nstudent = "alice"\ncriterion = "a"\npoints = nan\n':
        "points = nan: expected a finite number",
    '[[override]]\nstudent = "alice"\ncriterion = "a"\npoints = "1"\n':
        "points = '1': expected a finite number",
    '[[override]]\nstudent = "alice"\ncriterion = "a"\npoints = 1\ncolour = 2\n':
        "unknown key 'colour'",
    '[[override]]\nstudent = "alice"\npoints = 1\n': "criterion missing",
    'override = 3\n': "override = 3: expected [[override]] tables",
    'override = [1]\n': "entry 1 = 1: expected an [[override]] table",
    '[[overide]]\nstudent = "alice"\n': "unknown key(s) 'overide'",
}


@pytest.fixture
def subs(tmp_path):
    report_student(tmp_path / "subs" / "alice")
    return tmp_path / "subs"


@pytest.mark.parametrize("text, message", BAD_RUBRICS.items())
def test_a_bad_rubric_is_one_line_and_exit_2(subs, tmp_path, capsys, text, message):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(text)
    out = tmp_path / "out"
    assert run_main(grade_main, [str(subs), "--rubric", str(rubric), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1, error
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("text, message", BAD_OVERRIDES.items())
def test_bad_overrides_are_one_line_and_exit_2(subs, tmp_path, capsys, text, message):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(GOOD_CRITERION)
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(text)
    out = tmp_path / "out"
    assert run_main(grade_main, [str(subs), "--rubric", str(rubric), "--out", str(out),
                                 "--overrides", str(overrides)]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1, error
    assert not out.exists()


def test_a_good_override_still_applies(subs, tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(GOOD_CRITERION)
    overrides = tmp_path / "overrides.toml"
    overrides.write_text('[[override]]\nstudent = "alice"\ncriterion = "a"\npoints = 1\n'
                         'comment = "Seen in class."\nmax_points = 1\nevidence = "x"\n')
    out = tmp_path / "out"
    assert grade_main([str(subs), "--rubric", str(rubric), "--out", str(out),
                       "--overrides", str(overrides)]) == 0
    assert "Seen in class." in (out / "alice" / "feedback.md").read_text()


def test_a_bad_timeout_is_refused(subs, tmp_path, capsys):
    for value in ("0", "-1", "nan"):
        assert run_main(grade_main, [str(subs), "--out", str(tmp_path / "o"),
                                     "--timeout", value]) == 2
        assert "--timeout" in capsys.readouterr().err
