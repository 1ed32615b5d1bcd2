"""Several labs per student, and the reflection rubric.

A submission covering several labs is graded once per lab: one gradebook row per student and
lab, exemptions (waive_if) from that lab's runs only, per-lab pass rates in the summary.
The reflection rubric rewards a lab's concepts and the student's numbers over word count.
Everything is built in the test from synthetic run records; nothing trains.
"""

from __future__ import annotations

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import CourseError
from toolkit.grading import sentence_encoder
from toolkit.grading.assessment import MET, assess, assess_labs
from toolkit.grading.grade import grade_folder
from toolkit.grading.lab_split import heading_lab, split_by_lab
from toolkit.grading.report_text import markdown_document
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import synthetic_record, write_run_folder
from toolkit.grading.submissions import Submission, read_submission
from toolkit.resources import course_path

RUBRIC = load_rubric()
needs_encoder = pytest.mark.skipif(not sentence_encoder.encoder_status()[0],
                                   reason="the sentence encoder is not installed")
REFLECTION = load_rubric(course_path("rubrics", "reflection.toml"))

TWO_LABS = """# Deep learning labs, Kim Lee

## L01: VGG16 on my photos
The pretrained VGG16 model reached a top-1 accuracy of 71% on ImageNet in the paper.

## Lab 3: a CNN
My hypothesis is that shirts and coats are confused because their outlines look similar at
28 by 28 pixels; I would test it with per-class error rates.
"""


def _two_lab_class(root):
    student = root / "submissions" / "kim"
    lab1 = synthetic_record(1)
    lab1.update(lab="lab01_vgg16_inference", history=[])
    lab1["figures"].pop("learning_curves")
    write_run_folder(student / "lab01_run", lab1)
    lab3 = synthetic_record(3)
    lab3["figures"].pop("learning_curves")  # lab 3's curves are missing
    write_run_folder(student / "lab03_run", lab3)
    (student / "report.md").write_text(TWO_LABS, encoding="utf-8")
    write_run_folder(root / "submissions" / "ann" / "run", synthetic_record(5))
    return root / "submissions"


def test_a_submission_with_two_labs_is_graded_once_per_lab(tmp_path):
    submissions = _two_lab_class(tmp_path)
    out = tmp_path / "grades"
    (tmp_path / "overrides.toml").write_text(
        '[[override]]\nstudent = "kim"\nlab = "lab03_cnn_mnist"\ncriterion = "timing"\n'
        'points = 0\ncomment = "Times copied from a friend."\n', encoding="utf-8")
    grades, warnings = grade_folder(submissions, RUBRIC, out, tmp_path / "overrides.toml")
    assert [(g.student, g.lab) for g in grades] == [
        ("ann", "lab03_cnn_mnist"), ("kim", "lab01_vgg16_inference"), ("kim", "lab03_cnn_mnist")]
    kim1, kim3 = grades[1], grades[2]
    # Lab 1 trains nothing: waived there, and only there.
    assert kim1.result("training_check").evidence[0].startswith("not required")
    assert kim3.result("training_check").status != MET
    assert not any(e.startswith("not required") for e in kim3.result("training_check").evidence)
    # Each part reads its own run and its own part of the report.
    assert all("lab01_run" in e for e in kim1.result("runs").evidence)
    assert kim3.result("hypothesis").status == MET and kim1.result("hypothesis").status != MET
    # The override names lab 3: lab 1's timing is untouched.
    assert kim3.result("timing").points == 0 and kim1.result("timing").status == MET
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["student"], r["lab"]) for r in rows] == [(g.student, g.lab) for g in grades]
    assert {"student", "lab", "total", "max", *RUBRIC.by_id} <= set(rows[0])
    assert (out / "kim" / "feedback_lab01_vgg16_inference.md").is_file()
    assert (out / "kim" / "feedback_lab03_cnn_mnist.md").is_file()
    assert (out / "ann" / "feedback.md").is_file()
    summary = (out / "summary.md").read_text(encoding="utf-8")
    per_lab = summary.split("## Pass rate per lab")[1].split("##")[0]
    assert "| lab01_vgg16_inference | 1 |" in per_lab and "| lab03_cnn_mnist | 2 |" in per_lab
    assert "Pass rate per lab" in (out / "summary.html").read_text(encoding="utf-8")


def test_lab_headings_and_a_single_lab_report():
    assert [heading_lab(t) for t in ("L02: MLP", "Lab 3", "Lab-06: BERT", "2. Lab 4 results",
                                     "L2 regularization", "Labels")] == [
        "lab02_mlp_dropout", "lab03_cnn_mnist", "lab06_bert_finetune", "lab04_bag_of_words",
        None, None]


def test_a_report_naming_lab_one_is_exempt_from_learning_curves(tmp_path):
    (tmp_path / "leo.md").write_text("# Lab 1: VGG16 inference\nTop-1 accuracy 71.3%.\n",
                                     encoding="utf-8")
    submission = read_submission("leo", tmp_path / "leo.md")
    [(lab, part)] = split_by_lab(submission)
    assert lab == "lab01_vgg16_inference"
    [grade] = assess_labs(submission, RUBRIC)
    assert grade.result("training_check").status == MET
    assert assess(read_submission("leo", tmp_path / "leo.md"), RUBRIC) \
        .result("training_check").status != MET  # without knowing the lab: not exempt


SPECIFIC = """# Lab 2 reflection
### Learning insights
Dropout of 0.3 closed most of the gap between training and validation loss: without it the
validation loss rose after epoch 6, with it the accuracy stayed at 89.4% on the test split.

### Challenges and how you solved them
The first run with a learning rate of 0.1 diverged to a NaN loss after 2 epochs, so I lowered
it to 0.01 and the loss fell smoothly; the batch size of 128 also fitted in memory.

### Application and relevance
I would use dropout and early stopping on the small tabular dataset of my internship, where
overfitting is the main risk, and check precision and recall rather than accuracy alone.

### Personal growth
I can now read learning curves and tell overfitting from underfitting; next I want to
explore weight decay and batch norm as other regularizers.

### Critical reflection
I would run each dropout rate with three seeds instead of one, because the 0.4% difference
between 0.3 and 0.5 may be noise; I wonder whether a smaller layer would do as well.
"""

FILLER = """# Lab 2 reflection
### Learning insights
I learned a lot in this lab and it was very interesting and useful for my future studies and
I now understand much more than before about everything in the lab.

### Challenges and how you solved them
It was hard at times but I tried my best and solved every problem that came up in the end,
which was a good experience for me and I am happy about it.

### Application and relevance
This could be used in many real world projects in industry and at work in the future, it is
very relevant for practice and for many tasks that people have.

### Personal growth
I grew a lot as a person and I am now able to do more things than before, next I want to
explore more and learn more about many topics in the future.

### Critical reflection
Next time I would do some things differently and there are still some open questions that I
wonder about, maybe I should have started earlier with the lab.
"""


def test_the_reflection_rubric_rewards_specific_content_over_filler(tmp_path):
    (tmp_path / "specific.md").write_text(SPECIFIC, encoding="utf-8")
    (tmp_path / "filler.md").write_text(FILLER, encoding="utf-8")
    specific = assess(read_submission("s", tmp_path / "specific.md"), REFLECTION)
    filler = assess(read_submission("f", tmp_path / "filler.md"), REFLECTION)
    assert specific.total == REFLECTION.max_points == 10
    assert filler.total <= 2.5
    assert all(r.status != MET for r in filler.results)


@pytest.mark.parametrize("answer, points", [
    # both halves: what the student can do now and what they will explore next
    ("I can now read learning curves and tell overfitting from underfitting; next I want to "
     "explore weight decay and batch norm as other regularizers.", 2.0),
    # a next step only, however specific
    ("Next I want to explore weight decay and batch norm as other regularizers, and compare "
     "them with my dropout rate of 0.3 on the same split.", 1.5),
    # what the student can do now only
    ("I can now read learning curves and tell overfitting from underfitting, and set a "
     "dropout rate from the gap between the two curves.", 1.5),
    # both halves in generic words: the answer's half point only
    ("I grew a lot as a person and I am now able to do more things than before, next I want "
     "to explore more and learn more about many topics in the future.", 0.5),
])
def test_growth_asks_for_both_halves_in_the_labs_concepts(tmp_path, answer, points):
    (tmp_path / "r.md").write_text(SPECIFIC.replace(
        "I can now read learning curves and tell overfitting from underfitting; next I want to\n"
        "explore weight decay and batch norm as other regularizers.", answer), encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "r.md"), REFLECTION)
    assert grade.result("growth").points == points
    if points == 1.5:  # the feedback names the half that is missing
        evidence = " ".join(e for r in grade.result("growth").requirements if r.status != MET
                            for e in r.evidence)
        assert ("not what the student can do now" in evidence) == answer.startswith("Next")
        assert ("not what the student will explore next" in evidence) == answer.startswith(
            "I can")


def test_lab_ones_speed_measurements_are_the_labs_concepts(tmp_path):
    """"--benchmark", "images/s" and "float32" are lab 1's throughput and precision: a
    difficulty told in them is specific to the lab."""
    text = ("# Lab 1 reflection\n\n## Challenges\n\n`--benchmark` took about 9 minutes and my "
            "laptop started to throttle halfway, so the images/s jumped between 1.4 and 2.2 for "
            "the same float32 setting. I plugged in the charger and ran it a second time.\n")
    (tmp_path / "r.md").write_text(text, encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "r.md"), REFLECTION,
                   lab="lab01_vgg16_inference")
    assert grade.result("challenges").points == 2, grade.result("challenges").evidence


def test_sorting_texts_into_positive_and_negative_is_sentiment(tmp_path):
    """"Sort them into positive and negative" names the task the text labs teach: an
    application on the student's own data in those words is specific to the lab."""
    text = ("# Lab 6 reflection\n\n## Application\n\nWe could use this for the student union's "
            "course evaluation comments and sort them into positive and negative before someone "
            "reads them. We would need to label some comments ourselves first, because the model "
            "only learned on film reviews.\n")
    (tmp_path / "r.md").write_text(text, encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "r.md"), REFLECTION, lab="lab06_bert_finetune")
    assert grade.result("application").points == 2, grade.result("application").evidence


def test_a_rubrics_says_parts_may_be_named(tmp_path):
    rubric = tmp_path / "named.toml"
    rubric.write_text('[rubric]\nname = "r"\n[[criterion]]\nid = "g"\ntitle = "G"\n'
                      'points = 1\n  [[criterion.require]]\n  what = "w"\n'
                      '  text = { headings = ["growth"], says = { "a plan" = "\\\\bnext\\\\b", '
                      '"a skill" = "\\\\bcan\\\\b" } }\n',
                      encoding="utf-8")
    check = load_rubric(rubric).criteria[0].requirements[0].text
    assert check.says_names == ("a plan", "a skill") and check.says == (r"\bnext\b", r"\bcan\b")
    (tmp_path / "r.md").write_text("## Growth\n\nNext I try L2.\n", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "r.md"), load_rubric(rubric))
    assert "says a plan, not a skill" in " ".join(grade.result("g").evidence)


def test_a_rubrics_says_patterns_are_checked_when_it_is_read(tmp_path):
    bad = (tmp_path / "bad.toml")
    bad.write_text('[rubric]\nname = "r"\n[[criterion]]\nid = "g"\ntitle = "G"\npoints = 1\n'
                   '  [[criterion.require]]\n  what = "w"\n  text = { says = ["(unclosed"] }\n',
                   encoding="utf-8")
    with pytest.raises(CourseError, match="not a regular expression"):
        load_rubric(bad)


def test_the_reflection_drafts_prompts_earn_nothing(tmp_path):
    run = write_run_folder(tmp_path / "sub" / "run", synthetic_record(2))
    grade = assess(read_submission("d", run.parent), REFLECTION)
    assert grade.total == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["# Lab 2", "## L03: CNN", "### Lab-06: BERT", "## Results",
                                 "text", "", "# L2 norm", "| a | b |", "![x](y.png)"]),
                max_size=25))
def test_splitting_never_loses_a_line(lines):
    document = markdown_document("r.md", "\n".join(lines))
    submission = Submission("s", source=None, documents=[document])
    parts = split_by_lab(submission)
    # by place and text: the lines before the first lab reach every part as a preamble copy
    kept = {(line.where, line.text) for _, part in parts for doc in part.documents
            for line in doc.lines}
    assert {(line.where, line.text) for line in document.lines if line.kind != "blank"} <= kept
    assert len({lab for lab, _ in parts}) == len(parts)


def test_the_console_names_the_lab_of_each_line_of_a_student_graded_per_lab(tmp_path, capsys):
    from toolkit.grading.grade import main

    submissions = _two_lab_class(tmp_path)
    main([str(submissions), "--out", str(tmp_path / "grades")])
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("kim (lab01_vgg16_inference) ") for line in lines)
    assert any(line.startswith("kim (lab03_cnn_mnist) ") for line in lines)
    assert any(line.startswith("ann ") for line in lines)  # one lab: no lab named
    # two students handed in, one of them graded for two labs
    closing = next(line for line in lines if line.startswith("Graded "))
    assert closing.startswith("Graded 2 submissions (3 lab parts) in ")
    assert "feedback_<lab>.md" in closing


def test_a_title_naming_one_lab_after_other_words_is_that_labs_report(tmp_path):
    (tmp_path / "r.md").write_text(
        "# Reflection: Lab 2 - MLP with dropout\n\n## Results\n\nDropout 0.1 gave 98.3% "
        "test accuracy; without dropout the validation loss rose after epoch 3.\n",
        encoding="utf-8")
    grades = assess_labs(read_submission("s", tmp_path / "r.md"), RUBRIC)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout"]


@needs_encoder
def test_a_table_naming_the_next_lab_in_its_fix_column_opens_no_part_of_it(tmp_path):
    """A lab 2 report, titled by its repository's name: its table of errors suggests "CNN"
    as the fix of some rows. The table opens no lab 3 part; the report is one piece."""
    rows = "\n".join(f"| {n} | {true} | {pred} | 0.9 | open loop, thin stroke | {fix} |"
                     for n, (true, pred, fix) in enumerate(
                         [(4, 9, "CNN (stroke features)"), (9, 4, "shift augmentation"),
                          (2, 7, "CNN"), (3, 5, "elastic augmentation"), (7, 1, "CNN")] * 2,
                         start=1))
    report = (
        "# mnist-dropout-sweep\n\nMy hand-in for **Lab 2 (MLP with dropout)**. A two-layer "
        "dense network is trained four times on MNIST with the same seed and split; only the "
        "dropout rate changes, to watch the network overfit without dropout and see how much "
        "dropout closes the gap between training and validation accuracy.\n\n"
        "## Results\n\nDropout 0.1 wins on validation (98.25%) and scores 98.39% on the test "
        "digits. Without dropout the validation loss is lowest at epoch 3 and then doubles.\n\n"
        "## Misclassified test digits\n\n| # | true | predicted | confidence | error type | "
        f"fix |\n|---|---|---|---|---|---|\n{rows}\n\n"
        "What the errors have in common: a few pairs dominate, 4 and 9, 7 and 2, 3 and 5. "
        "My hypothesis is that the MLP compares pixel positions, not shapes: a stroke moved "
        "by two pixels is another input for its 784 inputs, and dropout does not change "
        "that. Most of these digits are thin or slanted, and the model is sure of itself.\n")
    (tmp_path / "README.md").write_text(report, encoding="utf-8")
    grades = assess_labs(read_submission("s", tmp_path / "README.md"), RUBRIC)
    assert len(grades) == 1 and grades[0].lab != "lab03_cnn_mnist"
