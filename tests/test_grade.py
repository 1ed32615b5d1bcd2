"""The instructor side: ``python -m toolkit.grade`` on a class of submissions the tests build.

The class holds a complete report made from a real training run (its reflection draft
completed as a student would, errors.csv annotated), partial copies missing specific items,
a notebook with an error output, a PDF, a vague answer, an empty folder and a malicious zip.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.grading import submissions as submissions_module
from toolkit.grading.assessment import MET, MISSING, PARTIAL, REVIEW, assess
from toolkit.grading.grade import main as grade_main
from toolkit.grading.notebook_check import check_notebook
from toolkit.grading.rubric import Condition, load_rubric
from toolkit.grading.samples import (
    VAGUE_HYPOTHESIS,
    finish_as_student,
    hostile_zip,
    report_notebook,
    report_pdf,
    synthetic_record,
    write_run_folder,
)
from toolkit.grading.submissions import NOT_A_SUBMISSION, read_submission
from toolkit.reflection import write_reflection
from toolkit.runs import read_record, write_json_atomic

RUBRIC = load_rubric()
ALL = {c.id for c in RUBRIC.criteria}
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
# Real labs that train on Fashion-MNIST in --quick mode, preferred in this order.
LABS = ("labs.lab03_cnn_mnist", "labs.lab02_mlp_dropout")


def toolkit_run(out: Path) -> Path:
    """A real quick training run built with the toolkit's steps, as a lab does them.

    Used only when no lab module of :data:`LABS` is installed.

    Fashion-MNIST when Debian's package is installed, else small synthetic images.
    """
    import keras
    import numpy as np

    from toolkit import plots
    from toolkit.callbacks import default_callbacks
    from toolkit.error_analysis import ErrorAnalysis
    from toolkit.metrics import classification_metrics, measure_inference
    from toolkit.runs import Run, parameter_counts
    from toolkit.vision.data import load_image_dataset, subsample, to_model_input

    run = Run.start("lab03_cnn_mnist", title="Convolutional networks (test run)",
                    argv=["--quick"], seed=7, out=out, quick=True,
                    hyperparameters={"epochs": 2, "batch_size": 64, "optimizer": "adam",
                                     "learning_rate": 0.001})
    if FASHION_MNIST.is_file():
        data = load_image_dataset("fashion_mnist")
        x_train, y_train = subsample(data.x_train, data.y_train, 1500, 7)
        x_test, y_test = subsample(data.x_test, data.y_test, 400, 7)
        names = data.class_names
        run.record["dataset"] = {**data.describe(),
                                 "splits": {"train": len(x_train), "test": len(x_test)}}
    else:
        rng = np.random.default_rng(7)
        x_train, y_train = rng.integers(0, 255, (600, 28, 28), dtype="uint8"), \
            rng.integers(0, 3, 600)
        x_test, y_test = rng.integers(0, 255, (200, 28, 28), dtype="uint8"), \
            rng.integers(0, 3, 200)
        names = ["a", "b", "c"]
        run.record["dataset"] = {"name": "synthetic", "title": "random images",
                                 "citation": "made by the test, 2026",
                                 "splits": {"train": 600, "test": 200}, "classes": names}
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(len(names), activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    run.record["model"] = {"name": "MLP 784-32", "parameters": parameter_counts(model)}
    x_flat = to_model_input(x_train, channels=False)
    model.fit(x_flat, y_train, epochs=2, batch_size=64, validation_split=0.1, verbose=0,
              callbacks=default_callbacks(run, samples_per_epoch=len(x_flat), backup=False))
    x_eval = to_model_input(x_test, channels=False)
    probabilities = model.predict(x_eval, verbose=0)
    run.record["metrics"] = classification_metrics(y_test, probabilities.argmax(1), names)
    run.record["inference"] = measure_inference(lambda batch: model(batch), x_eval)
    analysis = ErrorAnalysis(y_test, probabilities, names)
    run.record["misclassified"] = analysis.top_errors(15)
    analysis.write_csv(run.path("errors.csv"))
    run.add_figure("confusion_matrix", plots.confusion_matrix(
        run.record["metrics"]["confusion_matrix"], names, run.path("confusion_matrix.png")))
    run.add_figure("errors", plots.misclassified_grid(x_test, analysis.top_errors(15),
                                                      run.path("errors.png")))
    run.set_reference(value=0.876, metric="accuracy", split="test",
                      citation="Xiao et al. 2017, Fashion-MNIST benchmark (2-conv CNN)")
    run.finish()
    return run.dir


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> Path:
    """One real ``python -m labs.<lab> --quick --dataset fashion_mnist`` run folder."""
    out = tmp_path_factory.mktemp("runs")
    lab = next((name for name in LABS if importlib.util.find_spec(name) is not None), None)
    if lab is None or not FASHION_MNIST.is_file():
        return toolkit_run(out)
    subprocess.run([sys.executable, "-m", lab, "--quick", "--dataset", "fashion_mnist",
                    "--no-save", "--out", str(out)], check=True, timeout=600,
                   capture_output=True)
    (run_dir,) = [path.parent for path in out.rglob("record.json")]
    return run_dir


def student_copy(real_run: Path, folder: Path, student: str, *, leave=(), annotate=10,
                 edit_record=None, delete=()) -> Path:
    """A student's submission folder made from the real run, finished as a student would."""
    run_dir = folder / student / real_run.parent.name / real_run.name
    shutil.copytree(real_run, run_dir)
    record = read_record(run_dir)
    # The lab ran with --quick to keep the test short; the students hand it in as their full
    # run (a --quick run's outputs are not the intended ones: the rubric's full_run).
    record["quick"] = False
    if edit_record is not None:
        edit_record(record)
    write_json_atomic(run_dir / "record.json", record)
    write_reflection(run_dir, record)  # the draft of the changed record
    for pattern in delete:
        for path in run_dir.glob(pattern):
            path.unlink()
    finish_as_student(run_dir, leave=leave, annotate=annotate)
    return folder / student


def _fewer_errors(record):
    record["misclassified"] = record["misclassified"][:5]


def _no_reference(record):
    record["reference"] = {}


# student -> (builder kwargs, the criteria expected NOT met, with their status)
PARTIALS = {
    "no_hypothesis": (dict(leave=("hypothesis", "improvements")),
                      {"hypothesis": MISSING, "improvements": MISSING}),
    "no_curves": (dict(leave=("train",), delete=("learning_curves*.png",)),
                  {"training_check": MISSING}),
    "few_errors": (dict(edit_record=_fewer_errors, annotate=5), {"misclassified": MISSING}),
    "no_annotations": (dict(annotate=0), {"annotation": MISSING}),
    "no_reference": (dict(edit_record=_no_reference), {"comparison": PARTIAL}),
}


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def graded(real_run, tmp_path_factory):
    """Build the class, grade it with the command line, return the paths."""
    root = tmp_path_factory.mktemp("class")
    submissions, out = root / "submissions", root / "grades"
    submissions.mkdir()
    student_copy(real_run, submissions, "complete")
    for student, (kwargs, _) in PARTIALS.items():
        student_copy(real_run, submissions, student, **kwargs)
    vague = student_copy(real_run, submissions, "vague")
    reflection = next(vague.rglob("REFLECTION.md"))
    text = reflection.read_text(encoding="utf-8")
    start = text.index("## Hypothesis\n") + len("## Hypothesis\n")
    end = text.index("\n## Improvements")
    reflection.write_text(text[:start] + VAGUE_HYPOTHESIS + "\n" + text[end:], encoding="utf-8")
    (submissions / "nb_error").mkdir()
    (submissions / "nb_error" / "report.ipynb").write_text(report_notebook(error=True))
    (submissions / "empty").mkdir()
    report_pdf(submissions / "pdf_student.pdf", {
        "Hypothesis": "My hypothesis is that shirts and coats are confused because their "
                      "silhouettes look similar at low resolution; I would test it by "
                      "comparing per-class error rates.",
        "References": "Xiao et al. 2017, Fashion-MNIST, arXiv:1708.07747."})
    hostile_zip(submissions / "mallory.zip")
    (submissions / "dave.pages").write_bytes(b"PK not gradable")
    (submissions / "symlinker").mkdir()
    (submissions / "symlinker" / "secret.md").symlink_to("/etc/hostname")
    # A zipped copy of the complete report must grade exactly like the folder.
    with zipfile.ZipFile(submissions / "zipped.zip", "w") as archive:
        for path in (submissions / "complete").rglob("*"):
            archive.write(path, path.relative_to(submissions / "complete"))
    before = _hashes(submissions)
    code = grade_main([str(submissions), "--out", str(out)])
    return {"submissions": submissions, "out": out, "code": code, "before": before}


def _gradebook(out: Path) -> dict[str, dict]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def _grade(submissions: Path, student: str):
    path = submissions / student
    if not path.exists():
        path = next(submissions.glob(f"{student}.*"))
    return assess(read_submission(student, path), RUBRIC)


def test_complete_real_run_scores_full_marks_and_extra_credit(graded):
    grade = _grade(graded["submissions"], "complete")
    assert {r.criterion.id: r.status for r in grade.results} == {c: MET for c in ALL}
    assert (grade.base_points, grade.extra_points, grade.total) == (15, 2, 17)
    assert grade.warnings == []
    # Every criterion quotes its evidence: a record field or a line of the reflection.
    for result in grade.results:
        assert result.evidence and all(result.evidence), result.criterion.id
    hypothesis = grade.result("hypothesis").evidence[0]
    assert "REFLECTION.md:" in hypothesis and "hypothesis is that" in hypothesis
    assert "record.json: status = complete" in grade.result("runs").evidence[0]
    row = _gradebook(graded["out"])["complete"]
    assert (row["total"], row["max"], row["extra_credit"]) == ("17", "15", "2")
    assert _gradebook(graded["out"])["zipped"] == {**row, "student": "zipped"}


@pytest.mark.parametrize("student", sorted(PARTIALS))
def test_partial_reports_lose_exactly_the_missing_criteria(graded, student):
    expected = PARTIALS[student][1]
    grade = _grade(graded["submissions"], student)
    not_met = {r.criterion.id: r.status for r in grade.results if r.status != MET}
    assert not_met == expected
    for criterion_id in expected:
        result = grade.result(criterion_id)
        assert result.feedback and result.evidence
    lost = sum(RUBRIC.by_id[c].points for c, s in expected.items() if s == MISSING)
    assert grade.total == pytest.approx(17 - lost - (1 if student == "no_reference" else 0))


def test_vague_answer_needs_review_with_its_excerpt(graded):
    grade = _grade(graded["submissions"], "vague")
    result = grade.result("hypothesis")
    assert result.status == REVIEW and result.points == 0
    assert "not completely sure" in result.evidence[0]
    assert [r.criterion.id for r in grade.needs_review] == ["hypothesis"]
    summary = (graded["out"] / "summary.md").read_text()
    review = summary.split("## Students needing review")[1].split("## Warnings")[0]
    assert "| vague | hypothesis |" in review
    assert 'student = "vague"' in (graded["out"] / "review.toml").read_text()


def test_notebook_with_an_error_output_fails_the_runs_criterion(graded):
    grade = _grade(graded["submissions"], "nb_error")
    runs = grade.result("runs")
    assert runs.status in (MISSING, PARTIAL) and runs.points < 2
    assert any("error output" in e and "ValueError" in e for e in runs.evidence)
    # The notebook's Markdown is still read as the report.
    assert grade.result("metrics").status == MET


def test_empty_pdf_symlink_and_malicious_submissions(graded):
    out, submissions = graded["out"], graded["submissions"]
    assert graded["code"] == 0
    book = _gradebook(out)
    assert book["empty"]["total"] == "0" and book["mallory"]["total"] == "0"
    assert f"- dave.pages: {NOT_A_SUBMISSION}" in (
        out / "summary.md").read_text()
    assert int(book["empty"]["warnings"]) == 1
    pdf = _grade(submissions, "pdf_student")
    assert pdf.result("hypothesis").status == MET
    assert "page 1" in pdf.result("hypothesis").evidence[0]
    assert pdf.result("references").status == MET
    symlinker = _grade(submissions, "symlinker")
    assert any("symlink" in w for w in symlinker.warnings)
    mallory = _grade(submissions, "mallory")
    text = " ".join(mallory.warnings)
    for problem in ("../../escape.md", "/etc/evil.md", "link.md is a symlink", "bomb.txt",
                    "broken.ipynb is a broken notebook", "not valid UTF-8"):
        assert problem in text
    # Nothing escaped the submissions folder, nothing was changed in it.
    assert not (submissions.parent / "escape.md").exists()
    assert _hashes(submissions) == graded["before"]
    # Student text is escaped in every page.
    page = (out / "summary.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert" in page  # in the review table
    feedback = (out / "mallory" / "feedback.md").read_text()
    assert "<script>" not in feedback and "&lt;script&gt;" in feedback


def test_outputs_for_every_student(graded):
    out = graded["out"]
    students = set(_gradebook(out))
    assert students == {"complete", "zipped", "vague", "nb_error", "empty", "pdf_student",
                        "mallory", "symlinker", *PARTIALS}
    for student in students:
        feedback = (out / student / "feedback.md").read_text()
        assert feedback.startswith(f"# Feedback for {student}")
        assert "Evidence" in feedback
    summary = (out / "summary.md").read_text()
    assert "## Pass rate per criterion" in summary and "| runs | 3 |" in summary
    assert "## Most common missing items" in summary
    html_page = (out / "summary.html").read_text()
    assert '<img src="score_histogram.png"' in html_page
    assert (out / "score_histogram.png").read_bytes()[:4] == b"\x89PNG"
    header = next(csv.reader(open(out / "gradebook.csv", encoding="utf-8")))
    assert header[:2] == ["student", "lab"] and header[2:15] == [c.id for c in RUBRIC.criteria]


def test_overrides_are_reapplied_on_every_run(graded, tmp_path, capsys):
    out = tmp_path / "grades"
    out.mkdir()
    (out / "overrides.toml").write_text(
        '[[override]]\nstudent = "vague"\ncriterion = "hypothesis"\npoints = 1\n'
        'comment = "Accepted after reading: the idea is there."\n\n'
        '[[override]]\nstudent = "nobody"\ncriterion = "runs"\npoints = 3\n\n'
        '[[override]]\nstudent = "complete"\ncriterion = "runs"\npoints = 9\n')
    for _ in range(2):  # the same decisions on every re-run
        assert grade_main([str(graded["submissions"]), "--out", str(out)]) == 0
        row = _gradebook(out)["vague"]
        assert (row["hypothesis"], row["total"], row["needs_review"]) == ("1", "17", "")
        feedback = (out / "vague" / "feedback.md").read_text()
        assert "Accepted after reading" in feedback and "met (instructor)" in feedback
        printed = capsys.readouterr().out
        assert "no submission from student 'nobody'" in printed
        assert "points must be a number from 0 to 3" in printed


def test_command_line_errors_exit_2(tmp_path, capsys):
    assert grade_main([str(tmp_path / "missing")]) == 2  # the console script's way
    assert "not found" in capsys.readouterr().err
    assert run_main(grade_main, [str(tmp_path / "missing")]) == 2
    assert "not found" in capsys.readouterr().err
    (tmp_path / "subs").mkdir()
    assert run_main(grade_main, [str(tmp_path / "subs"), "--out",
                                 str(tmp_path / "subs" / "grades")]) == 2
    assert "inside" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[criterion]]\nid = "x"\npoints = 1\nfavourite = true\n'
                   '[[criterion.require]]\nwhat = "w"\nrecord = ["status"]\n')
    assert run_main(grade_main, [str(tmp_path / "subs"), "--rubric", str(bad), "--out",
                                 str(tmp_path / "g")]) == 2
    assert "unknown key(s) favourite" in capsys.readouterr().err


def test_an_instructor_rubric_needs_no_code(tmp_path):
    """A rubric of the instructor's own: two criteria, keyword and table evidence."""
    rubric_path = tmp_path / "essay.toml"
    rubric_path.write_text("""
[rubric]
name = "Short essay"
pass_mark = 2

[[criterion]]
id = "method"
title = "Method explained"
points = 2
  [[criterion.require]]
  what = "the optimizer and the loss"
  text = { headings = ["method"], keywords = ["optimizer", "loss"], min_keywords = 2 }
  [[criterion.require]]
  what = "a results table with three rows"
  text = { headings = ["results"], table_rows = 3 }

[[criterion]]
id = "bonus"
title = "A figure"
points = 1
extra_credit = true
  [[criterion.require]]
  what = "any figure"
  figures = ["plot"]
""")
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    (subs / "ann" / "essay.md").write_text(
        "# Method\nWe used the Adam optimizer and the cross-entropy loss.\n\n# Results\n"
        "| run | accuracy |\n|---|---|\n| a | 0.9 |\n| b | 0.8 |\n| c | 0.7 |\n\n"
        "![loss plot](plot.png)\n")
    (subs / "ann" / "plot.png").write_bytes(b"\x89PNG fake")
    (subs / "ben.md").write_text("# Method\nWe trained it.\n")
    assert grade_main([str(subs), "--rubric", str(rubric_path), "--out",
                       str(tmp_path / "g")]) == 0
    book = _gradebook(tmp_path / "g")
    assert (book["ann"]["method"], book["ann"]["bonus"], book["ann"]["max"]) == ("2", "1", "2")
    ben = assess(read_submission("ben", subs / "ben.md"), load_rubric(rubric_path))
    assert ben.result("method").status == REVIEW  # wrote under Method, keywords absent


def test_rubric_mistakes_are_reported_with_the_fix(tmp_path):
    cases = {
        '[[criterion]]\nid = "a"\npoints = 2\n[[criterion.require]]\nwhat = "w"\n'
        'points = 1\nrecord = ["status"]\n': "add up to 1 points, not 2",
        '[[criterion]]\nid = "a"\npoints = 1\n[[criterion.require]]\nwhat = "w"\n'
        'record = ["misclassified >= ten"]\n': "needs a number",
        '[[criterion]]\nid = "a"\npoints = 1\n[[criterion.require]]\nwhat = "w"\n':
            "name at least one evidence source",
        '[[criterion]]\nid = "a"\npoints = 1\n[[criterion.require]]\nwhat = "w"\n'
        'text = { keywords = ["x"], colour = 1 }\n': "unknown key(s) colour",
    }
    for text, message in cases.items():
        path = tmp_path / "r.toml"
        path.write_text(text)
        with pytest.raises(CourseError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_rubric(path)


def test_record_conditions():
    record = {"status": "complete", "misclassified": [{"true": "a"}] * 12 + [{"true": ""}],
              "reference": {"difference": -0.004}, "metrics": {"accuracy": 0.9}}
    assert Condition.parse("misclassified[].true >= 12").check(record)[0]
    assert not Condition.parse("misclassified[].true >= 13").check(record)[0]
    assert Condition.parse("misclassified >= 13").check(record)[0]
    assert Condition.parse("reference.difference abs<= 0.005").check(record)[0]
    assert Condition.parse("status == complete").check(record)[0]
    assert not Condition.parse("status != complete").check(record)[0]
    assert Condition.parse("metrics.accuracy > 0.5").check(record) == (True,
                                                                       "metrics.accuracy = 0.9")
    assert not Condition.parse("metrics.f1").check(record)[0]
    with pytest.raises(ValueError):
        Condition.parse("import os")


def test_a_draft_without_its_record_is_flagged(tmp_path, real_run):
    student = tmp_path / "s"
    student.mkdir()
    shutil.copy(real_run / "REFLECTION.md", student / "REFLECTION.md")
    submission = read_submission("s", student)
    assert any("whose record.json is not beside it" in w for w in submission.warnings)


def test_size_limits_stop_a_zip_bomb(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions_module, "MAX_FILE_BYTES", 50_000)
    monkeypatch.setattr(submissions_module, "MAX_SUBMISSION_BYTES", 125_000)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.md", "a" * 60_000)
        for n in range(4):
            archive.writestr(f"part{n}.md", "# Part\n" + "b" * 40_000)
    submission = read_submission("bomb", path)
    text = " ".join(submission.warnings)
    assert "big.md skipped" in text and "bytes in all" in text
    assert len(submission.documents) == 3  # 3 x 40 kB fit in the 125 kB budget
    monkeypatch.setattr(submissions_module, "MAX_FILES", 4)
    many = tmp_path / "many"
    many.mkdir()
    for n in range(6):
        (many / f"note{n}.md").write_text("# Note\n")
    submission = read_submission("many", many)
    assert "more than 4 files" in " ".join(submission.warnings)
    assert len(submission.documents) == 4


def test_static_notebook_check():
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    def notebook(*cells):
        return new_notebook(cells=list(cells))

    good = notebook(new_code_cell("x = 1", execution_count=1),
                    new_code_cell("print(x)", execution_count=2,
                                  outputs=[new_output("stream", name="stdout", text="1\n")]))
    assert check_notebook(good).ok
    unexecuted = notebook(new_code_cell("x = 1"))
    assert check_notebook(unexecuted).failed
    out_of_order = notebook(new_code_cell("x = 1", execution_count=3),
                            new_code_cell("print(x)", execution_count=1, outputs=[
                                new_output("stream", name="stdout", text="1\n")]))
    result = check_notebook(out_of_order)
    assert result.notes and not result.failed  # a cell re-run: noted, not failed
    stderr = notebook(new_code_cell("f()", execution_count=1, outputs=[new_output(
        "stream", name="stderr", text="Traceback (most recent call last):\nKeyError: 'a'\n")]))
    result = check_notebook(stderr)
    assert result.failed and "KeyError" in str(result.problems[0])
    cleared = notebook(new_code_cell("x = 1", execution_count=1))
    assert "were the outputs cleared" in str(check_notebook(cleared).problems[0])
    broken = check_notebook("{ not json", path="broken.ipynb")
    assert broken.failed and "cannot be read" in str(broken.problems[0])
    error = check_notebook(report_notebook(error=True), path="e.ipynb")
    assert error.error_cells == 1 and "ValueError" in error.problems[0].excerpt


def test_synthetic_run_folder_round_trip(tmp_path):
    """The builder the benchmark uses makes a report the grader scores in full."""
    run_dir = write_run_folder(tmp_path / "s" / "run", synthetic_record(3))
    finish_as_student(run_dir)
    grade = assess(read_submission("s", tmp_path / "s"), RUBRIC)
    assert grade.total == 17, [(r.criterion.id, r.status, r.evidence) for r in grade.results
                               if r.status != MET]


def test_an_untouched_draft_earns_only_what_the_run_shows(tmp_path):
    """The draft's facts show the run happened (ran, metrics, times, hyperparameters), never a
    write-up; a --quick run's outputs are not the intended ones (issue 22)."""
    run_evidence = {"runs", "metrics", "timing", "hyperparameters"}
    assert {c.id for c in RUBRIC.criteria if c.run_evidence} == run_evidence
    full = write_run_folder(tmp_path / "full" / "run", synthetic_record(4))
    grade = assess(read_submission("full", full.parent), RUBRIC)
    assert {r.criterion.id for r in grade.results if r.points} == run_evidence
    assert grade.total == 6
    assert "an untouched draft" in " ".join(grade.result("description").evidence)
    quick = write_run_folder(tmp_path / "quick" / "run", dict(synthetic_record(4), quick=True))
    grade = assess(read_submission("quick", quick.parent), RUBRIC)
    assert (grade.result("runs").status, grade.total) == (PARTIAL, 5)
    assert "--quick run" in " ".join(grade.result("runs").evidence)
    finish_as_student(quick)  # the student's own words: the record counts again, but the
    grade = assess(read_submission("quick", quick.parent), RUBRIC)  # outputs stay a quick run's
    assert grade.total == 16 and grade.result("runs").points == 2


def test_the_histograms_lines_stand_between_the_bars_they_separate():
    from toolkit.grading.grade_report import histogram_lines

    rubric = load_rubric()  # pass mark 9 of 15
    # half points: bars 0.5 wide, so 8.5 (a fail) stays left of the pass line, 15.5 right of
    # the extra-credit line and 15 left of it
    assert histogram_lines(rubric, 0.5) == (8.75, 15.25)
    assert histogram_lines(rubric, 1.0) == (8.5, 15.5)
