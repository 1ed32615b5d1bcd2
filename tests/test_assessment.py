"""toolkit.grading.assessment: where the grader cannot count or read, it says "needs review"
(the instructor looks), never "missing" (the student loses the points)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.grading import assessment
from toolkit.grading.assessment import (
    MET,
    MISSING,
    PARTIAL,
    REVIEW,
    TextContext,
    answers_by_meaning,
    assess,
    assess_criterion,
    assess_requirement,
    on_topic,
    rubric_words,
    topic_words,
)
from toolkit.grading.notebook_check import check_notebook
from toolkit.grading.report_text import Document, Line, markdown_document, plain_document
from toolkit.grading.rubric import Condition, Criterion, Requirement, TextCheck, load_rubric
from toolkit.grading.samples import (
    finish_as_student,
    report_notebook,
    synthetic_record,
    write_run_folder,
    write_submission,
)
from toolkit.grading.submissions import RunFolder, Submission, read_submission

SAMPLES = Requirement("ten misclassified samples with their true label", 2.0,
                      text=TextCheck(headings=("misclassif",), table_rows=10,
                                     table_columns=("true", "truth", "label")))
SETTINGS = Requirement("the hyperparameters", 1.0,
                       text=TextCheck(keywords=("learning rate", "batch size", "epochs"),
                                      min_keywords=2))

# Ten samples whose table lost its layout (a PDF export): no header, no separators.
FLATTENED = ["the film was dull it was positive",
             "not bad at all said negative",
             "a guilty pleasure went wrong too"] * 4


def _submission(*documents: Document) -> Submission:
    return Submission("s", Path("s"), documents=list(documents))


def _status(requirement: Requirement, *documents: Document) -> tuple[str, list[str]]:
    result = assess_requirement(requirement, _submission(*documents), TextContext())
    return result.status, result.evidence


@pytest.mark.parametrize("format", ["text", "pdf"])
def test_an_uncountable_table_in_a_pdf_or_text_file_needs_review(format):
    page = "Misclassified samples\n\n" + "\n".join(FLATTENED) + "\n"
    status, evidence = _status(SAMPLES, plain_document(f"r.{format}", [page], format))
    assert status == REVIEW
    assert "0 samples with their true label" in evidence[0] and "(10 needed)" in evidence[0]


def test_the_same_in_markdown_is_missing_and_a_counted_short_table_is_missing():
    text = "# Misclassified samples\n\n" + "\n".join(FLATTENED) + "\n"
    assert _status(SAMPLES, markdown_document("r.md", text))[0] == MISSING
    short = "Misclassified samples\n\n" + "\n".join(
        f"{n}\ttrue label: positive\tnegative" for n in range(4)) + "\n"
    status, evidence = _status(SAMPLES, plain_document("r.txt", [short]))
    assert status == MISSING and "samples with their true label" in evidence[0]


def test_ten_counted_samples_are_met():
    rows = "| sentence | true | predicted |\n|---|---|---|\n" + "\n".join(
        f"| s{n} | pos | neg |" for n in range(10))
    status, evidence = _status(SAMPLES, markdown_document("r.md", f"# Misclassified\n\n{rows}\n"))
    assert status == MET and "sentence" in evidence[0]


def test_keywords_only_in_notebook_code_need_review():
    code = Line("model.fit(x, y, epochs=5, batch_size=32)  # learning rate 0.01, batch size 32",
                "lab.ipynb cell 3", "code")
    prose = Line("We trained the network on the images.", "lab.ipynb cell 2", "prose")
    notebook = Document("lab.ipynb", "notebook", [prose, code])
    status, evidence = _status(SETTINGS, notebook)
    assert status == REVIEW and evidence[0].startswith("found only in code")


def test_keywords_in_the_text_and_the_code_are_met_and_none_at_all_are_missing():
    code = Line("# batch size 32", "lab.ipynb cell 3", "code")
    prose = Line("The learning rate was 0.01.", "lab.ipynb cell 2", "prose")
    status, evidence = _status(SETTINGS, Document("lab.ipynb", "notebook", [prose, code]))
    assert status == MET and evidence[0].startswith("in the text and the code")
    nothing = Document("lab.ipynb", "notebook",
                       [Line("We trained it.", "c2", "prose"), Line("x = 1", "c3", "code")])
    assert _status(SETTINGS, nothing)[0] == MISSING
    # One keyword in code is not enough when two are needed.
    one = Document("lab.ipynb", "notebook", [Line("# batch size 32", "c3", "code")])
    assert _status(SETTINGS, one)[0] == MISSING


# --- points and statuses per criterion ----------------------------------------------------

ACCURACY = Requirement("the test accuracy", 1.0, feedback="Report the test accuracy.",
                       record=(Condition.parse("metrics.accuracy"),))
CURVES = Requirement("learning curves", 2.0, figures=("learning curve",))
HYPOTHESIS = Requirement("a hypothesis", 1.0,
                         text=TextCheck(headings=("hypothesis",),
                                        keywords=("because", "confused", "similar"),
                                        min_keywords=2, min_words=8))


def _criterion(*requirements: Requirement, points: float = 5.0, **options) -> Criterion:
    return Criterion("c", "Results shown", points, requirements, **options)


def _run(record: dict | None = None, path: str = "run", figures: bool = True) -> Submission:
    record = record if record is not None else synthetic_record(1)
    files = {f"{path}/record.json": 100}
    if figures:
        files.update({f"{path}/{name}": 10 for name in record["figures"].values()})
    return Submission("s", Path("s"), files=files, runs=[RunFolder(path, record)])


def test_all_requirements_met_earns_the_criterions_points_not_their_sum():
    result = assess_criterion(_criterion(ACCURACY, CURVES, feedback_met="Well shown."), _run())
    assert (result.status, result.points, result.feedback) == (MET, 5.0, "Well shown.")
    assert [r.status for r in result.requirements] == [MET, MET]
    assert result.evidence[0].startswith("run/record.json: metrics.accuracy = 0.")
    assert result.evidence[1] == "run/learning_curves.png (figure 'learning_curves' of the " \
                                 "run record)"
    assert assess_criterion(_criterion(ACCURACY), _run()).feedback == "Met: Results shown."


def test_some_met_is_partial_with_their_points_and_none_met_is_missing():
    record = synthetic_record(1)
    del record["metrics"]
    result = assess_criterion(_criterion(ACCURACY, CURVES), _run(record))
    assert (result.status, result.points) == (PARTIAL, 2.0)
    assert result.missing_items == ["the test accuracy"]
    assert result.feedback == "Report the test accuracy."
    assert result.evidence[0] == "run/record.json: metrics.accuracy = missing"
    result = assess_criterion(_criterion(ACCURACY, CURVES), _run(record, figures=False))
    assert (result.status, result.points) == (MISSING, 0.0)
    assert result.missing_items == ["the test accuracy", "learning curves"]
    no_feedback = assess_criterion(_criterion(CURVES), _run(record, figures=False))
    assert no_feedback.feedback == "Missing: learning curves."
    assert no_feedback.evidence == ["run/record.json lists figure learning_curves.png, but "
                                    "the file is not in the submission"]


def test_one_requirement_to_review_makes_the_criterion_review_with_provisional_points():
    text = "# Hypothesis\nThe classes are confused.\n"  # two keywords, too few words
    submission = _run()
    submission.documents = [markdown_document("r.md", text)]
    result = assess_criterion(_criterion(ACCURACY, HYPOTHESIS), submission)
    assert (result.status, result.points) == (REVIEW, 1.0)
    assert [r.status for r in result.requirements] == [MET, REVIEW]
    assert result.feedback == ("Your instructor will check a hypothesis: the grader found "
                               "text for it but cannot judge it alone.")
    assert "4 words written (8 expected)" in result.evidence[1]
    assert result.missing_items == []


def test_a_waived_criterion_earns_full_points_and_says_why():
    waived = _criterion(CURVES, waive_if=(Condition.parse("lab == lab01_vgg16_inference"),))
    record = dict(synthetic_record(1), lab="lab01_vgg16_inference")
    result = assess_criterion(waived, _run(record, figures=False))
    assert (result.status, result.points) == (MET, 5.0)
    assert result.evidence == ["not required: run/record.json: lab = lab01_vgg16_inference"]
    assert result.feedback == "Not required for this lab."
    # Without a run record the lab the report is about decides, and only then.
    report = Submission("s", Path("s"), documents=[markdown_document("r.md", "# Lab 1\n")])
    assert assess_criterion(waived, report, lab="lab01_vgg16_inference").status == MET
    assert assess_criterion(waived, report, lab="lab03_cnn_mnist").status == MISSING
    assert assess_criterion(waived, report).status == MISSING
    assert assess_criterion(waived, _run(figures=False), lab="lab01_vgg16_inference"
                            ).status == MISSING


def test_a_record_condition_is_met_by_any_one_run_and_named_from_the_first():
    short = dict(synthetic_record(1), misclassified=[])
    full = synthetic_record(2)
    ten = Requirement("ten errors", 1.0, record=(Condition.parse("misclassified >= 10"),
                                                 Condition.parse("metrics.accuracy")))
    submission = Submission("s", Path("s"), runs=[RunFolder("a", short), RunFolder("", full)])
    result = assess_requirement(ten, submission)
    assert result.status == MET
    assert result.evidence[0].startswith("record.json: misclassified = 15 items; "
                                         "metrics.accuracy = 0.")
    submission.runs = [RunFolder("a", short), RunFolder("b", short)]
    result = assess_requirement(ten, submission)
    assert (result.status, result.evidence) == (MISSING, ["a/record.json: misclassified = "
                                                          "0 items"])


# --- annotations, figures, notebooks ------------------------------------------------------

def _rows(done: int, half: int = 0) -> list[dict]:
    return ([{"error_type": f"kind {n}", "fix_idea": f"fix {n}"} for n in range(done)]
            + [{"error_type": "only a kind", "fix_idea": " "} for _ in range(half)])


def test_annotations_count_rows_with_both_a_kind_and_a_fix():
    five = Requirement("five annotated errors", 1.0, annotations=5)
    six = Requirement("six annotated errors", 1.0, annotations=6)
    submission = Submission("s", Path("s"), annotation_files={
        "a/errors.csv": _rows(2), "b/errors.csv": _rows(5, half=3)})
    result = assess_requirement(five, submission)
    assert result.status == MET
    assert result.evidence == ['b/errors.csv: 5 rows annotated, e.g. "kind 0" -> "fix 0"']
    result = assess_requirement(six, submission)
    assert (result.status, result.evidence) == (MISSING, [
        "only 5 samples annotated with both an error type and a fix idea (6 needed)"])
    nothing = Submission("s", Path("s"), annotation_files={"errors.csv": _rows(0, half=4)})
    assert assess_requirement(five, nothing).evidence == ["no annotated error types found"]
    table = "| image | Error type | Fix idea |\n|---|---|---|\n" + "\n".join(
        f"| {n} | blur {n} | sharpen {n} |" for n in range(6)) + "\n| 9 | blur |  |\n"
    in_text = Submission("s", Path("s"), documents=[markdown_document("r.md", table)],
                         annotation_files={"errors.csv": _rows(5)})
    result = assess_requirement(six, in_text)
    assert result.status == MET
    assert result.evidence == ['r.md:1: a table with 6 annotated rows, e.g. "blur 0" -> '
                               '"sharpen 0"']


def test_a_figure_counts_when_its_file_is_in_the_submission():
    curves = Requirement("curves", 1.0, figures=("learning curve",))
    shown = "# Curves\n![Learning curve](figs/../plots/curves.png)\n"
    doc = markdown_document("report/r.md", shown)
    present = Submission("s", Path("s"), documents=[doc], files={"report/plots/curves.png": 5})
    assert assess_requirement(curves, present).evidence == [f"{doc.images[0].where}: "
                                                            f"{doc.images[0].label}"]
    absent = Submission("s", Path("s"), documents=[doc], files={"plots/curves.png": 5})
    result = assess_requirement(curves, absent)
    assert (result.status, result.evidence) == (MISSING, [
        f"{doc.images[0].where}: image figs/../plots/curves.png is not in the submission"])
    online = markdown_document("r.md", "![learning curve](https://example.org/c.png)\n")
    assert assess_requirement(curves, Submission("s", Path("s"), documents=[online])
                              ).status == MET
    loose = Submission("s", Path("s"), files={"out/Learning_Curve.PNG": 5, "notes.txt": 1})
    assert assess_requirement(curves, loose).evidence == ["out/Learning_Curve.PNG (image file)"]
    other = Submission("s", Path("s"), files={"out/confusion.png": 5})
    assert assess_requirement(curves, other).evidence == ["no figure named like: learning "
                                                          "curve"]


def test_a_failing_notebook_outweighs_a_complete_run_record():
    ran = Requirement("the code ran", 1.0, notebook=True, record=(
        Condition.parse("status == complete"),), text=TextCheck(keywords=("accuracy",),
                                                                min_keywords=1))
    submission = _run()
    assert assess_requirement(ran, submission).status == MET
    submission.notebooks = [check_notebook(report_notebook(error=True), path="lab.ipynb")]
    result = assess_requirement(ran, submission)
    assert result.status == MISSING and result.evidence[0].startswith("lab.ipynb ")
    submission.notebooks = [check_notebook(report_notebook(), path="lab.ipynb")]
    result = assess_requirement(ran, submission)
    assert result.status == MET and result.evidence[0].startswith("lab.ipynb passes")
    # A report's text says the code ran only when there is no record and no notebook.
    report = Submission("s", Path("s"), documents=[markdown_document(
        "r.md", "# Results\nThe test accuracy was 91%.\n")])
    assert assess_requirement(ran, report).status == MET
    nothing = Submission("s", Path("s"))
    assert assess_requirement(ran, nothing).evidence == ["no paragraph or table with: "
                                                         "accuracy"]
    ran_only = Requirement("the code ran", 1.0, notebook=True,
                           record=(Condition.parse("status == complete"),))
    assert assess_requirement(ran_only, nothing).evidence == ["no notebook and no run record"]


def test_a_quick_runs_outputs_do_not_meet_a_full_run_requirement():
    outputs = Requirement("the intended outputs", 1.0, full_run=True,
                          record=(Condition.parse("metrics.accuracy"),),
                          figures=("learning curve",))
    quick = dict(synthetic_record(1), quick=True)
    result = assess_requirement(outputs, _run(quick))
    assert result.status == MISSING
    assert result.evidence[0].startswith("the run's record and figures do not count here: ")
    assert result.evidence[0].endswith("(run the lab in full)")
    assert assess_requirement(outputs, _run()).status == MET


# --- a whole submission (the grader's rules; the encoder's verdicts are stood in for) -----

RUBRIC = load_rubric()


@pytest.fixture
def rules(monkeypatch):
    """Grade with the rules, as without the sentence encoder (fast, the same everywhere)."""
    monkeypatch.setattr(assessment, "process_encoder", lambda: None)


def _read(folder: Path, student: str = "s"):
    return read_submission(student, folder)


def test_an_untouched_draft_earns_only_what_the_run_alone_shows(tmp_path, rules):
    run = write_run_folder(tmp_path / "kim" / "run", synthetic_record(4))
    grade = assess(_read(tmp_path / "kim"), RUBRIC)
    earned = {r.criterion.id for r in grade.results if r.points}
    shown_by_the_run = {c.id for c in RUBRIC.criteria if c.run_evidence}
    assert earned == shown_by_the_run
    curves = grade.result("training_check")
    assert curves.status == MISSING
    assert any("the run's record and figures do not count here: an untouched draft (0 "
               "word(s) of the student's own)" in e for e in curves.evidence)
    finish_as_student(run)
    finished = assess(_read(tmp_path / "kim"), RUBRIC)
    assert finished.base_points == sum(c.points for c in RUBRIC.criteria
                                       if not c.extra_credit)
    assert finished.extra_points == sum(c.points for c in RUBRIC.criteria if c.extra_credit)
    assert finished.total == finished.base_points + finished.extra_points
    assert finished.needs_review == [] and finished.warnings == []


@pytest.mark.parametrize("variant", ["no_hypothesis", "no_annotations", "no_curves", "vague",
                                     "notebook", "notebook_error", "empty"])
def test_points_stay_within_each_criterion_and_match_its_status(tmp_path, rules, variant):
    path = write_submission(tmp_path, "s", variant, seed=2)
    grade = assess(_read(path), RUBRIC)
    assert 0 <= grade.base_points <= sum(c.points for c in RUBRIC.criteria
                                         if not c.extra_credit)
    for result in grade.results:
        assert 0 <= result.points <= result.criterion.points, result.criterion.id
        if result.status == MET:  # the criterion's points, whatever its requirements add to
            assert result.points == result.criterion.points, result.criterion.id
        else:  # those of the requirements met (provisional when one needs review)
            assert result.points == round(sum(r.points for r in result.requirements), 2)
        if result.status == MISSING:
            assert result.points == 0, result.criterion.id
    lost = {r.criterion.id for r in grade.results if r.status != MET}
    expected = {"no_hypothesis": {"hypothesis"}, "no_annotations": {"annotation"},
                "vague": {"hypothesis"}}
    if variant in expected:
        assert lost == expected[variant]
    if variant == "vague":
        assert [r.criterion.id for r in grade.needs_review] == ["hypothesis"]
    if variant == "notebook_error":
        assert grade.result("runs").status == MISSING
    if variant == "empty":
        assert grade.total == 0


ESSAY = ("My grandmother's kitchen always smelled of bread. Every Sunday we baked loaves "
         "together, kneading the dough until our arms were tired, then waiting while it rose "
         "beside the warm stove. ") * 8


def test_a_report_on_something_else_earns_nothing_from_its_text_by_the_rules(tmp_path, rules):
    (tmp_path / "essay.md").write_text("# Hypothesis\n" + ESSAY + "\n", encoding="utf-8")
    grade = assess(_read(tmp_path / "essay.md"), RUBRIC)
    assert grade.total == 0
    [warning] = grade.warnings
    assert warning.startswith("not this assignment? the report uses only ")
    assert grade.result("hypothesis").evidence == [
        "the report hardly uses the rubric's words: is it the right file? (check it by hand)"]


def test_the_topic_rule_counts_the_rubrics_words_up_to_enough():
    assert on_topic(12, 10_000) and on_topic(11, 110) and not on_topic(11, 111)
    text = "# Hypothesis\nThe accuracy and the loss on the test set after each epoch.\n"
    submission = Submission("s", Path("s"), documents=[markdown_document("r.md", text)])
    used, written = topic_words(submission, RUBRIC)
    assert written == 13 and used >= 5
    assert topic_words(submission, RUBRIC, enough=2) == (2, 13)
    words = rubric_words(RUBRIC)
    check = RUBRIC.by_id["hypothesis"].requirements[0].text
    assert check.headings[0].lower() in words and check.keywords[-1].lower() in words
    assert all(other.lower() in words for others in RUBRIC.synonyms.values()
               for other in others)
    assert len(words) == len(set(words))


class StandIn:
    """The encoder's verdicts, scripted: labels and words say which criterion a paragraph
    answers; ``topic``: the report's similarity to the lab; ``other``: another course's."""

    def __init__(self, topic: float = 0.9, other=None):
        self.topic, self.other, self.prepared, self.units = topic, other, [], []

    def prepare(self, texts, labels=()):
        self.prepared.append((list(texts), list(labels)))

    def assign(self, units, one_to_one=True):
        self.units += units
        return [{"hypothesis"} if "shirt" in text or (label or "").startswith("Guess")
                else set() for text, label in units]

    def by_sentence(self, text):
        return {"improvements", "misclassified"} if "next time" in text.lower() else set()

    def topic_score(self, texts, lab=""):
        return self.topic

    def other_course(self, texts):
        return self.other

    def closest_lab(self, texts):
        return None  # the report's lab is known or unknown; the real one is tested elsewhere


def _meaning(monkeypatch, stand_in: StandIn) -> StandIn:
    monkeypatch.setattr(assessment, "process_encoder", lambda: "an encoder")
    monkeypatch.setattr(assessment, "meaning_for", lambda rubric, encoder: stand_in)
    return stand_in


HYPOTHESIS_TEXT = ("Shirts and coats are confused because their outlines look similar at 28 "
                   "by 28 pixels; per-class error rates would test it.")


def test_far_from_the_labs_topic_or_another_courses_work_earns_nothing(monkeypatch, tmp_path):
    (tmp_path / "r.md").write_text(f"# Hypothesis\n{HYPOTHESIS_TEXT}\n", encoding="utf-8")
    _meaning(monkeypatch, StandIn(topic=0.9))
    assert assess(_read(tmp_path / "r.md"), RUBRIC).result("hypothesis").status == MET
    _meaning(monkeypatch, StandIn(topic=0.12))
    grade = assess(_read(tmp_path / "r.md"), RUBRIC)
    assert grade.total == 0
    assert grade.warnings == ["not this assignment? its text is far from the lab's topic "
                              "(similarity 0.12 to the lab's objectives and the rubric): its "
                              "text earned no points; check it by hand"]
    _meaning(monkeypatch, StandIn(topic=0.9, other=(0.21, 0.5)))
    grade = assess(_read(tmp_path / "r.md"), RUBRIC)
    assert grade.total == 0 and grade.warnings[0].startswith(
        "not this assignment? its text is about machine learning but none of the course's "
        "labs (similarity 0.21 to")


def test_paragraphs_are_labelled_by_their_heading_or_run_in_label(monkeypatch):
    text = ("# Lab 3 report\n\n## Guesswork\n" + HYPOTHESIS_TEXT + "\n\n"
            "## Notes\nFirst note about the data and the model we trained.\n\n"
            "Second note about the data and the model we trained.\n\n"
            "**Roadblocks:** the training was slow on my laptop at first.\n\n"
            "## Looking back\nNext time I would train longer and look at the errors. Then I "
            "would compare the classes again. Also more data would help the model.\n")
    submission = Submission("s", Path("s"), documents=[markdown_document("r.md", text)])
    stand_in = StandIn()
    answers = answers_by_meaning(submission, stand_in)
    labels = [label for _, label in stand_in.units]
    assert labels == ["Guesswork", "Notes", "Notes", "Roadblocks", "Looking back"]
    lines = submission.documents[0].lines
    first = {line.text[:12]: answers.get(id(line)) for line in lines if id(line) in answers}
    assert first["Shirts and c"] == {"hypothesis"}
    assert first["First note a"] == set()
    assert first["Next time I "] == set()  # labelled: its sentences are not read apart
    [(texts, _)] = stand_in.prepared
    assert len(texts) == 5
    # An unlabelled paragraph may answer several criteria, a sentence or two each.
    plain = Submission("s", Path("s"), documents=[markdown_document(
        "r.md", "Next time I would train longer and look at the errors. Then I would "
                "compare the classes again. Also more data would help the model.\n")])
    [found] = answers_by_meaning(plain, StandIn()).values()
    assert found == {"improvements", "misclassified"}


def test_a_title_over_every_paragraph_labels_none_of_them(monkeypatch):
    many = "# Guess report\n\n" + "\n\n".join(
        f"Paragraph {n} about the model and the data we trained on." for n in range(4))
    stand_in = StandIn()
    answers_by_meaning(Submission("s", Path("s"), documents=[markdown_document("r.md", many)]),
                       stand_in)
    assert [label for _, label in stand_in.units] == [None] * 4
    one = "# Guess\n\nThe only paragraph about the model and the data.\n"
    stand_in = StandIn()
    answers_by_meaning(Submission("s", Path("s"), documents=[markdown_document("r.md", one)]),
                       stand_in)
    assert [label for _, label in stand_in.units] == ["Guess"]


def test_a_crafted_file_of_too_many_paragraphs_is_judged_by_the_rules(monkeypatch):
    text = "\n\n".join(f"Paragraph number {n} about the model and its data."
                       for n in range(assessment.MAX_MEANING_PARAGRAPHS + 1))
    submission = Submission("s", Path("s"), documents=[markdown_document("r.md", text)])
    stand_in = StandIn()
    assert answers_by_meaning(submission, stand_in) is None and stand_in.prepared == []
    fewer = Submission("s", Path("s"), documents=[markdown_document(
        "r.md", text.rsplit("\n\n", 1)[0])])
    assert len(answers_by_meaning(fewer, StandIn())) == assessment.MAX_MEANING_PARAGRAPHS


def test_a_paragraph_that_means_the_criterion_counts_under_a_heading_of_its_own(monkeypatch,
                                                                                tmp_path):
    (tmp_path / "r.md").write_text(f"# Guesswork\n{HYPOTHESIS_TEXT}\n", encoding="utf-8")
    _meaning(monkeypatch, StandIn())
    result = assess(_read(tmp_path / "r.md"), RUBRIC).result("hypothesis")
    assert result.status == MET and "Shirts and coats" in result.evidence[0]
