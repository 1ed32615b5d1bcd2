"""toolkit.grading.assessment: where the grader cannot count or read, it says "needs review"
(the instructor looks), never "missing" (the student loses the points)."""

from __future__ import annotations

from dataclasses import replace
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
    assess_labs,
    assess_requirement,
    cites_published,
    on_topic,
    published_scores,
    rubric_words,
    topic_words,
)
from toolkit.grading.lab_split import parse_lab_map
from toolkit.grading.notebook_check import check_notebook
from toolkit.grading.report_text import (
    Document,
    Line,
    _code_lines,
    markdown_document,
    mentions,
    plain_document,
    quote,
    shorten,
)
from toolkit.grading.rubric import (
    Condition,
    Criterion,
    Requirement,
    Rubric,
    TextCheck,
    load_rubric,
)
from toolkit.grading.samples import (
    finish_as_student,
    report_notebook,
    synthetic_record,
    write_run_folder,
    write_submission,
)
from toolkit.grading.submissions import RunFolder, Submission, read_submission
from toolkit.resources import course_path

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
    assert status == MET and "| s0 | pos | neg |" in evidence[0]  # the first sample, not the header


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


def test_a_report_comparing_its_score_with_a_published_one_stands_for_the_records_gap():
    comparison = next(c for c in RUBRIC.criteria if c.id == "comparison")
    justification = next(r for r in comparison.requirements if r.waive_if)

    def report(sentence: str) -> Submission:
        return Submission("s", Path("s"), documents=[markdown_document(
            "r.md", f"# Lab 2\n\n## Results\n\n{sentence}\n")])

    close = report("The keras example mnist_mlp gets 98.40% test accuracy, we got 98.34% which "
                   "is basically the same.")
    result = assess_requirement(justification, close, TextContext(), lab="lab02_mlp_dropout")
    assert result.status == MET and "0.06 points from the published score" in result.evidence[0]
    # a gap of a point still asks for its reason; so does a score compared with no
    # published one, and the same report for another lab
    far = report("The keras example mnist_mlp gets 98.40% test accuracy, we got 97.40%.")
    assert assess_requirement(justification, far, TextContext(),
                              lab="lab02_mlp_dropout").status != MET
    assert assess_requirement(justification, close, TextContext(),
                              lab="lab05_glove_lstm").status != MET
    # the published score as printed is the cited one; the student's own may lie within its
    # rounding (81.77 against 81.8), another of theirs further off
    rounded = report("Socher et al. report 81.8 % for naive bayes, I got 81.77 % with NB and "
                     "80.73 % with the keras model, so almost the same as the paper.")
    result = assess_requirement(justification, rounded, TextContext(), lab="lab04_bag_of_words")
    assert result.status == MET and "0.03 points from the published score" in result.evidence[0]


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

    answered_once = frozenset()  # the report rubric: no criterion with cues

    def __init__(self, topic: float = 0.9, other=None):
        self.topic, self.other, self.prepared, self.units = topic, other, [], []

    def prepare(self, texts, labels=()):
        self.prepared.append((list(texts), list(labels)))

    def assign(self, units, one_to_one=True):
        self.units += units
        return [{"hypothesis"} if "shirt" in text or (label or "").startswith("Guess")
                else set() for text, label in units]

    def names(self, labels):  # no label names a criterion outright
        return [None] * len(labels)

    def by_sentence(self, text):
        return ({"improvements": [text], "misclassified": [text]} if "next time" in text.lower()
                else {})

    def topic_score(self, texts, lab=""):
        return self.topic

    def other_course(self, texts):
        return self.other

    def closest_lab(self, texts):
        return None  # the report's lab is known or unknown; the real one is tested elsewhere

    def near_labs(self, texts):
        return []


def _meaning(monkeypatch, stand_in: StandIn) -> StandIn:
    monkeypatch.setattr(assessment, "process_encoder", lambda: "an encoder")
    monkeypatch.setattr(assessment, "meaning_for",
                        lambda rubric, encoder: stand_in if encoder == "an encoder" else None)
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


# --- text: where the answer is, and which line is quoted ----------------------------------

IMPROVE = TextCheck(headings=("improvement",), keywords=("improve", "augmentation", "would"),
                    min_keywords=2)
SETTINGS_CHECK = SETTINGS.text


def _text(check: TextCheck, text: str, context: TextContext | None = None, fmt: str = "md"):
    doc = (markdown_document("r.md", text) if fmt == "md"
           else plain_document("r.txt", [text]))
    result = assess_requirement(Requirement("it", 1.0, text=check), _submission(doc),
                                context or TextContext())
    return result.status, result.evidence


def test_the_line_with_most_keywords_is_quoted_and_the_richer_section_wins():
    text = ("# Improvements\nSome thoughts first.\nWe would improve it.\n"
            "I would improve the augmentation next.\n\n"
            "# Further improvements\nWe would improve things a great deal, and it would be "
            "much better overall in many ways.\n")
    status, evidence = _text(IMPROVE, text)
    assert status == MET
    assert evidence == ['r.md:4: "I would improve the augmentation next."']
    one_line = "# Improvements\nWe would improve it.\n"
    assert _text(IMPROVE, one_line) == (MET, ['r.md:2: "We would improve it."'])


def test_a_sentence_wrapped_over_lines_is_quoted_to_its_end_and_a_list_item_is_not_joined():
    wrapped = ("# Improvements\nNext time I would improve the model with\n"
               "augmentation of the training images.\nThat is all.\n")
    assert _text(IMPROVE, wrapped) == (MET, [
        'r.md:2: "Next time I would improve the model with augmentation of the training '
        'images."'])
    listed = "# Improvements\n- I would improve the\n- augmentation next\n"
    assert _text(IMPROVE, listed)[1] == ['r.md:2: "- I would improve the"']
    # A notebook's comment run is one paragraph: its sentence is quoted whole as well.
    lines = _code_lines("# next time I would improve the model with\n# augmentation of the "
                        "images, I think.\nmodel.fit(x, y)\n", "n.ipynb cell 2")
    result = assess_requirement(Requirement("it", 1.0, text=IMPROVE), _submission(
        Document("n.ipynb", "notebook", lines, [])), TextContext())
    assert result.evidence == ['n.ipynb cell 2 line 1: "next time I would improve the model '
                               'with augmentation of the images, I think."']


def test_a_quote_shows_the_students_words_without_bold_and_italics_marks():
    # A Word or HTML file's bold label reaches the grader as "**...**": the page quotes words.
    labelled = "# Improvements\n**Next time:** I would improve the model with *augmentation*.\n"
    assert _text(IMPROVE, labelled)[1] == [
        'r.md:2: "Next time: I would improve the model with augmentation."']
    # Arithmetic and names with underscores are left as written.
    assert quote(Line("loss * 2 * lr in model_fit", "r.md:3", "prose")) == \
        'r.md:3: "loss * 2 * lr in model_fit"'


def test_under_the_heading_too_few_keywords_need_review_and_too_few_numbers_are_missing():
    status, evidence = _text(IMPROVE, "# Improvements\nMore data, I think.\n")
    assert status == REVIEW
    assert evidence == ['r.md:2: 0 of 2 expected keywords -- "More data, I think."']
    numbers = TextCheck(headings=("results",), keywords=("accuracy",), min_keywords=1,
                        numbers=2)
    status, evidence = _text(numbers, "# Results\nThe accuracy was 91%.\n")
    assert status == MISSING
    assert evidence == ['r.md:2: fewer than 2 numbers -- "The accuracy was 91%."']
    assert _text(numbers, "# Results\nThe accuracy was 91% after 12 epochs.\n")[0] == MET
    # Nothing under the heading is no review: there is nothing to judge.
    assert _text(IMPROVE, "# Improvements\n\n# Other\nUnrelated words here.\n")[0] == MISSING


def test_without_the_heading_a_paragraph_that_answers_counts_and_nothing_is_named():
    text = "# Notes\nNext time I would improve the augmentation of the images.\n"
    assert _text(IMPROVE, text) == (MET, ['r.md:2: "Next time I would improve the '
                                          'augmentation of the images."'])
    assert _text(IMPROVE, "# Notes\nThe weather was fine.\n") == (
        MISSING, ["no heading like improvement"])
    plain = TextCheck(keywords=("augmentation", "dropout"), min_keywords=2)
    assert _text(plain, "# Notes\nThe weather was fine.\n") == (
        MISSING, ["no paragraph or table with: augmentation, dropout"])


def test_a_paragraph_that_answers_another_criterion_better_is_not_this_answer():
    settings_only = ("# Notes\nI would improve it with a learning rate of 0.01, batch size 64 "
                     "and 10 epochs.\n")
    assert _text(IMPROVE, settings_only, TextContext(rivals=(SETTINGS_CHECK,)))[0] == MISSING
    assert _text(IMPROVE, settings_only)[0] == MET  # no rival: it is the best there is
    both = ("# Notes\nI would improve the augmentation of the images. The learning rate was "
            "0.01, the batch size 64 and we ran 10 epochs.\n")
    assert _text(IMPROVE, both, TextContext(rivals=(SETTINGS_CHECK,)))[0] == MET


def test_citations_need_two_kinds_of_reference_and_a_reference_list_answers_nothing_else():
    cite = TextCheck(headings=("references",), patterns=(r"arxiv", r"\b(19|20)\d\d\b"))
    assert _text(cite, "# Sources\nXiao et al. 2017, arXiv:1708.07747.\n")[0] == MET
    assert _text(cite, "# Sources\nSee arXiv for the paper.\n")[0] == MISSING
    status, evidence = _text(cite, "# References\nSee the paper.\n")
    assert status == REVIEW and "none of the expected patterns" in evidence[0]
    listed = "# References\nI would improve the augmentation, says Xiao 2017 on arXiv.\n"
    assert _text(IMPROVE, listed, TextContext(rivals=(cite,)))[0] == MISSING
    assert _text(IMPROVE, listed)[0] == MET


def test_a_second_requirement_looks_next_to_the_first_ones_answer_only():
    score = Requirement("the score", 1.0, text=TextCheck(
        headings=("results",), keywords=("accuracy",), min_keywords=1))
    why = Requirement("why", 1.0, text=TextCheck(
        headings=("discussion",), keywords=("because",), min_keywords=1))
    criterion = Criterion("c", "Results", 2.0, (score, why))
    # The score is found in a paragraph under a heading of the student's own.
    near = ("# Numbers\nThe accuracy was 91%.\n\nIt is high because the digits are "
            "centred.\n\n# Other\nShirts fail because they look alike.\n")
    result = assess_criterion(criterion, _submission(markdown_document("r.md", near)))
    assert result.status == MET
    assert result.evidence[1] == 'r.md:4: "It is high because the digits are centred."'
    away = "# Results\nThe accuracy was 91%.\n\n# Other\nShirts fail because they look alike.\n"
    result = assess_criterion(criterion, _submission(markdown_document("r.md", away)))
    assert (result.status, result.points) == (PARTIAL, 1.0)
    no_score = "# Other\nShirts fail because they look alike.\n"
    result = assess_criterion(criterion, _submission(markdown_document("r.md", no_score)))
    assert result.status == MISSING  # no justification of a score that is not there


# --- the edges the first tests left open --------------------------------------------------

def test_rows_with_a_missing_kind_or_fix_are_not_annotated():
    rows = _rows(2) + [{"error_type": None, "fix_idea": "fix"}, {"error_type": "kind"}]
    two = Requirement("two annotated errors", 1.0, annotations=2)
    three = Requirement("three annotated errors", 1.0, annotations=3)
    submission = Submission("s", Path("s"), annotation_files={"errors.csv": rows})
    assert assess_requirement(two, submission).status == MET
    assert assess_requirement(three, submission).status == MISSING


def test_keywords_a_rival_shares_decide_only_when_it_has_more(monkeypatch):
    one = TextCheck(headings=("improvement",), keywords=("improve", "augmentation", "would"),
                    min_keywords=1)
    rival = TextContext(rivals=(SETTINGS_CHECK,))
    # The rival's two keywords, just enough for it, against one of this check's: its answer.
    fewer = "# Notes\nIt would help with a learning rate of 0.01 and a batch size of 64.\n"
    assert _text(one, fewer, TextContext(rivals=(SETTINGS_CHECK,)))[0] == MISSING
    assert _text(one, fewer)[0] == MET
    # As many keywords of each: the paragraph answers this check too.
    tie = "# Notes\nI would improve it with a learning rate of 0.01 and a batch size of 64.\n"
    assert _text(IMPROVE, tie, rival)[0] == MET
    # A keyword of the rival's split over two lines is still the rival's.
    split = ("# Notes\nI would improve it with a learning rate of 0.01, a batch\nsize of 64 "
             "and 10 epochs.\n")
    assert _text(IMPROVE, split, TextContext(rivals=(SETTINGS_CHECK,)))[0] == MISSING
    # Keywords and a pattern: a paragraph elsewhere is read like any other.
    score = TextCheck(headings=("results",), keywords=("accuracy",), min_keywords=1,
                      patterns=(r"\d+%",))
    assert _text(score, "# Notes\nThe accuracy was 91%.\n")[0] == MET


HYP = TextCheck(headings=("hypothesis",), keywords=("because", "similar"), min_keywords=2)
SHIRTS = TextCheck(headings=("misclassif",), keywords=("because", "similar", "shirt"),
                   min_keywords=2)
CLAIM = "Shirts and coats are similar because the shirt is similar."


def _by_meaning(text: str, means: bool = True, *, also: set[str] = frozenset(),
                rival_ids: tuple[str, ...] = ()) -> str:
    """The status of HYP when the encoder says the first paragraph answers it (or not), and
    the criteria ``also``."""
    document = markdown_document("r.md", text)
    first = next(line for line in document.lines if line.kind == "prose")
    context = TextContext(rivals=(SHIRTS,), rival_ids=rival_ids, criterion="hyp",
                          answers={id(first): ({"hyp"} if means else set()) | set(also)})
    return assess_requirement(Requirement("a hypothesis", 1.0, text=HYP),
                              _submission(document), context).status


def test_meaning_finds_an_answer_the_rules_give_to_another_criterion():
    assert _text(HYP, f"# Notes\n{CLAIM}\n", TextContext(rivals=(SHIRTS,)))[0] == MISSING
    assert _by_meaning(f"# Notes\n{CLAIM}\n") == MET
    assert _by_meaning(f"{CLAIM}\n") == MET  # no heading at all
    assert _by_meaning(f"# Notes\n{CLAIM}\n", means=False) == MISSING
    assert _by_meaning(f"# Notes\n{CLAIM}\n\nAnother paragraph the encoder did not read.\n"
                       ) == MET
    # Under another criterion's heading, the heading says what it answers ...
    assert _by_meaning(f"# Misclassified samples\n{CLAIM}\n") == MISSING
    assert _by_meaning(f"# Misclassified samples\n{CLAIM}\n", also={"shirts"},
                       rival_ids=("shirts",)) == MISSING
    # ... unless its meaning is this criterion's and not that one's ("Problems with my
    # experiment" holding doubts about one's own choices, not a difficulty overcome).
    assert _by_meaning(f"# Misclassified samples\n{CLAIM}\n", rival_ids=("shirts",)) == MET


def test_a_second_requirement_reads_the_section_the_first_found_its_answer_in():
    score = Requirement("the score", 1.0, text=TextCheck(
        headings=("results",), keywords=("accuracy",), min_keywords=1))
    why = Requirement("why", 1.0, text=TextCheck(
        headings=("discussion",), keywords=("because",), min_keywords=1))
    criterion = Criterion("c", "Results", 2.0, (score, why))

    def status(text: str) -> str:
        return assess_criterion(criterion, _submission(markdown_document("r.md", text))).status

    # The second section, not the first one of the document.
    assert status("# Intro\nWe begin.\n\n# Results\nThe accuracy was 91%.\n\nIt is high "
                  "because the digits are centred.\n") == MET
    # Its own subsection, not the whole report above it nor a sibling.
    assert status("# Report\n## Results\nThe accuracy was 91%.\n## Other\nShirts fail "
                  "because they look alike.\n") == PARTIAL
    # A paragraph before any heading: the whole document is next to it.
    assert status("The accuracy was 91% because the digits are centred.\n\n# Other\nMore "
                  "notes here.\n") == MET
    # A section asked only to be there, with nothing in it.
    appendix = Requirement("an appendix", 1.0, text=TextCheck(headings=("appendix",)))
    assert assess_requirement(appendix, _submission(markdown_document(
        "r.md", "# Appendix\n")), TextContext()).status == MET


def test_the_topic_words_are_counted_exactly():
    text = "# Hypothesis\naccuracy\nloss\n\nThe model was fine.\n"
    submission = Submission("s", Path("s"), documents=[markdown_document("r.md", text)])
    used, written = topic_words(submission, RUBRIC)
    assert written == 7
    by_hand = sum(mentions(text, word) for word in rubric_words(RUBRIC))
    assert used == by_hand and used >= 3


def test_what_the_encoder_is_asked_and_which_headings_label(monkeypatch, tmp_path):
    long_heading = "Guess " + "x" * 250
    text = (f"# {long_heading}\n{HYPOTHESIS_TEXT}\n\n**Roadblocks:** the training was slow on "
            "my laptop at first.\n\n# Notes\n" + "\n\n".join(
                f"Note {n} about the data and the model we trained." for n in range(4))
            + "\n\n# Other\nOne paragraph about the model and the data here.\n")
    submission = Submission("s", Path("s"), documents=[markdown_document("r.md", text)])
    stand_in = StandIn()
    answers_by_meaning(submission, stand_in)
    [(texts, labels)] = stand_in.prepared
    assert labels == ["Roadblocks", long_heading[:200], "Notes", "Other"]  # labels only
    assert [label for _, label in stand_in.units] == [
        long_heading, "Roadblocks", None, None, None, None, "Other"]
    three = "# Guess report\n\n" + "\n\n".join(
        f"Paragraph {n} about the model and the data we trained on." for n in range(3))
    stand_in = StandIn()
    answers_by_meaning(Submission("s", Path("s"), documents=[markdown_document("r.md", three)]),
                       stand_in)
    assert [label for _, label in stand_in.units] == [None] * 3


def test_the_labs_topic_is_asked_for_the_lab_graded_and_the_floor_is_on_topic(monkeypatch,
                                                                             tmp_path):
    from toolkit.grading.meaning import TOPIC_FLOOR

    class Recording(StandIn):
        def topic_score(self, texts, lab=""):
            self.asked = (texts, lab)
            return self.topic

    (tmp_path / "r.md").write_text(f"# Hypothesis\n{HYPOTHESIS_TEXT}\n", encoding="utf-8")
    stand_in = _meaning(monkeypatch, Recording(topic=TOPIC_FLOOR))
    grade = assess(_read(tmp_path / "r.md"), RUBRIC, lab="lab03_cnn_mnist")
    assert grade.warnings == [] and grade.result("hypothesis").status == MET
    assert stand_in.asked == ([HYPOTHESIS_TEXT], "lab03_cnn_mnist")


def test_an_untouched_drafts_text_needs_no_review(tmp_path, rules):
    write_run_folder(tmp_path / "kim" / "run", synthetic_record(4))
    grade = assess(_read(tmp_path / "kim"), RUBRIC)
    assert grade.needs_review == []


def test_a_submission_on_two_labs_is_graded_once_per_lab(rules):
    text = ("# Labs\n\n## L01: VGG16 on my photos\nThe pretrained model reached 71% top-1 "
            "accuracy.\n\n## L03: a CNN\nShirts and coats are confused because they look "
            "alike.\n")
    submission = Submission("s", Path("s"), documents=[markdown_document("r.md", text)])
    grades = assess_labs(submission, RUBRIC)
    assert [(g.lab, g.split) for g in grades] == [("lab01_vgg16_inference", True),
                                                  ("lab03_cnn_mnist", True)]
    # Lab 1 trains nothing: its grade, and only its, is exempt from the training check.
    assert [g.result("training_check").status for g in grades] == [MET, MISSING]
    renumbered = assess_labs(submission, RUBRIC, lab_map=parse_lab_map(
        "L01=lab02_mlp_dropout,L03=lab04_bag_of_words"))
    assert [g.lab for g in renumbered] == ["lab02_mlp_dropout", "lab04_bag_of_words"]
    one = Submission("s", Path("s"), documents=[markdown_document("r.md", "# L03: a CNN\n"
                                                                  "The accuracy was 91%.\n")])
    assert [(g.lab, g.split) for g in assess_labs(one, RUBRIC)] == [("lab03_cnn_mnist", False)]


def test_annotation_evidence_cuts_long_examples_and_reads_every_table(tmp_path):
    kind, fix = "blurry " * 20, "sharpen the images " * 10
    six = Requirement("six annotated errors", 1.0, annotations=6)
    rows = [{"error_type": kind, "fix_idea": fix}] * 6
    result = assess_requirement(six, Submission("s", Path("s"),
                                                annotation_files={"e/errors.csv": rows}))
    assert result.evidence == [f'e/errors.csv: 6 rows annotated, e.g. "{shorten(kind, 60)}" '
                               f'-> "{shorten(fix, 80)}"']
    table = ("| image | error_type | notes |\n|---|---|---|\n| 1 | blur | x |\n\n"  # no fix
             "| image | fix idea | error_type |\n|---|---|---|\n" + "\n".join(
                 f"| {n} | {fix} | {kind} |" for n in range(6)) + "\n| 7 | short |\n")
    document = markdown_document("r.md", table)
    result = assess_requirement(six, _submission(document))
    assert result.status == MET
    assert result.evidence == [f'r.md:5: a table with 6 annotated rows, e.g. '
                               f'"{shorten(kind, 60)}" -> "{shorten(fix, 80)}"']
    # As many rows in errors.csv as in a table: the file, found first, is quoted.
    both = Submission("s", Path("s"), documents=[document],
                      annotation_files={"errors.csv": _rows(6)})
    assert assess_requirement(six, both).evidence[0].startswith("errors.csv: 6 rows")


def test_a_table_annotates_its_samples_by_cause_and_fix_columns_of_any_wording():
    six = Requirement("six annotated errors", 1.0, annotations=6)

    def table(header: str, cells: str) -> Submission:
        rows = "\n".join(f"| {n} | 4 | 9 | {cells} |" for n in range(6))
        return _submission(markdown_document("r.md", f"| # | true | predicted | {header} |\n"
                                                     f"|---|---|---|---|---|\n{rows}\n"))

    # the cause and the fix in their own columns, or one column heading both
    assert assess_requirement(six, table("why it failed | what might fix it",
                                         "open loop | elastic augmentation")).status == MET
    assert assess_requirement(six, table("why it probably failed / what would fix it",
                                         "open loop; elastic augmentation")).status == MET
    # a comment per sample, or a cause with no fix, is no annotation
    assert assess_requirement(six, table("comment | what I see", "odd 9 | open loop")
                              ).status != MET
    assert assess_requirement(six, table("why it is wrong | notes", "open loop | -")
                              ).status != MET
    # samples in blocks of labelled lines, each with a "why:" and a "fix:"
    blocks = "\n\n".join(f"Review: \"film {n}\"\nmodel said: pos | correct: neg\n"
                          f"why: sarcasm {n}\nfix: a transformer" for n in range(6))
    result = assess_requirement(six, _submission(markdown_document("r.md", blocks)))
    assert result.status == MET and result.evidence == [
        'r.md:1: 6 samples annotated, e.g. "sarcasm 0" -> "a transformer"']
    no_fix = blocks.replace("\nfix: a transformer", "")
    assert assess_requirement(six, _submission(markdown_document("r.md", no_fix))
                              ).status != MET


def test_figure_evidence_in_order_cut_and_named():
    curves = Requirement("curves", 1.0, figures=("learning curve",))
    label = "learning curve " + "of the model over the epochs " * 8
    text = f"![confusion](c.png)\n\n![{label}](l.png)\n"
    doc = markdown_document("r.md", text)
    result = assess_requirement(curves, Submission("s", Path("s"), documents=[doc],
                                                   files={"l.png": 5}))
    assert result.status == MET
    assert result.evidence == [f"{doc.images[1].where}: {shorten(doc.images[1].label, 100)}"]
    loose = Submission("s", Path("s"), files={"plots/learning_curve.png": 5})
    assert assess_requirement(curves, loose).status == MET
    three = dict(synthetic_record(1), figures={"learning_curves": "a.png",
                                               "learning_curve_2": "b.png",
                                               "learning curve 3": "c.png"})
    result = assess_requirement(curves, _run(three, figures=False))
    assert len(result.evidence) == 2 and "a.png" in result.evidence[0]
    many = Requirement("curves", 1.0, figures=("loss", "accuracy", "history", "curves",
                                               "training"))
    assert assess_requirement(many, Submission("s", Path("s"))).evidence == [
        "no figure named like: loss, accuracy, history, curves"]
    odd = Submission("s", Path("s"), runs=[RunFolder("run", {"figures": ["curves.png"]})])
    assert assess_requirement(curves, odd).status == MISSING


def test_the_first_of_equally_good_lines_is_quoted():
    text = "# Improvements\nWe would improve it.\nThey would improve it too.\n"
    assert _text(IMPROVE, text) == (MET, ['r.md:2: "We would improve it."'])


def test_a_run_in_label_starts_a_paragraph_of_its_own():
    text = ("We trained the model on the data for a while.\nIt went fine in the end, "
            "mostly.\nRoadblocks: the training was slow on my laptop at first.\n")
    stand_in = StandIn()
    answers_by_meaning(Submission("s", Path("s"), documents=[markdown_document("r.md", text)]),
                       stand_in)
    assert [(text[:10], label) for text, label in stand_in.units] == [
        ("We trained", None), ("Roadblocks", "Roadblocks")]


def test_the_next_section_is_in_the_document_the_answer_came_from():
    score = Requirement("the score", 1.0, text=TextCheck(
        headings=("results",), keywords=("accuracy",), min_keywords=1))
    why = Requirement("why", 1.0, text=TextCheck(
        headings=("discussion",), keywords=("because",), min_keywords=1))
    criterion = Criterion("c", "Results", 2.0, (score, why))
    first = markdown_document("a.md", "The accuracy was 91%.\n")
    second = markdown_document("b.md", "Shirts fail because they look alike.\n")
    result = assess_criterion(criterion, _submission(first, second))
    assert result.status == PARTIAL


def test_a_lab_waives_only_when_it_is_given(tmp_path):
    report = Submission("s", Path("s"), documents=[markdown_document("r.md", "# Lab\n")])
    not_three = _criterion(CURVES, waive_if=(Condition.parse("lab != lab03_cnn_mnist"),))
    assert assess_criterion(not_three, report).status == MISSING
    assert assess_criterion(not_three, report, lab="lab01_vgg16_inference").status == MET
    waived = assess_criterion(not_three, report, lab="lab01_vgg16_inference")
    assert waived.criterion is not_three
    per_requirement = Requirement("curves", 2.0, figures=("learning curve",), waive_if=(
        Condition.parse("lab == lab01_vgg16_inference"),))
    result = assess_criterion(_criterion(per_requirement), report, lab="lab01_vgg16_inference")
    assert (result.status, result.points) == (MET, 5.0)


def test_a_grade_names_its_source_and_lab_and_a_submission_without_text_is_on_topic(
        monkeypatch, tmp_path):
    (tmp_path / "r.md").write_text(f"# Hypothesis\n{HYPOTHESIS_TEXT}\n", encoding="utf-8")
    _meaning(monkeypatch, StandIn(topic=0.05))
    run_only = _run()
    grade = assess(run_only, RUBRIC, lab="lab03_cnn_mnist")
    assert grade.warnings == [] and grade.result("metrics").status == MET
    assert (grade.student, grade.source, grade.lab) == ("s", "s", "lab03_cnn_mnist")
    grade = assess(_read(tmp_path / "r.md"), RUBRIC)
    assert grade.source == str(tmp_path / "r.md") and grade.lab == ""


def _notebook(*cells) -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    return nbformat.writes(new_notebook(cells=[
        new_code_cell(code, execution_count=count, outputs=[new_output("stream", text="ok\n")])
        for code, count in cells]))


def test_notebook_evidence_notes_a_cell_run_out_of_order_and_a_few_lines_each():
    """A cell re-run out of order is noted beside the met point (instructors grading by hand
    give it), a notebook that failed is no evidence; three lines of evidence at most."""
    ran = Requirement("the code ran", 1.0, notebook=True)
    order = check_notebook(_notebook(("a = 1", 2), ("b = 2", 1)), path="o.ipynb")
    assert not order.ok and not order.failed and len(order.notes) == 1
    result = assess_requirement(ran, Submission("s", Path("s"), notebooks=[order]))
    assert result.status == MET and result.evidence == [
        "o.ipynb passes the static check (with 1 note(s)): 2/2 code cells executed, 2 with "
        "outputs, 0 with errors", "o.ipynb cell 2: executed out of order (count 1 after 2 in cell 1) "
        "(b = 2)"]
    cleared = check_notebook(report_notebook(cleared=True), path="c.ipynb")
    assert len(cleared.problems) > 3
    result = assess_requirement(ran, Submission("s", Path("s"), notebooks=[cleared]))
    assert result.status == MISSING and len(result.evidence) == 3
    twice = Submission("s", Path("s"), notebooks=[order, order, order, order])
    assert len(assess_requirement(ran, twice).evidence) == 3
    good = check_notebook(report_notebook(), path="g.ipynb")
    result = assess_requirement(ran, Submission("s", Path("s"), notebooks=[good] * 3))
    assert result.status == MET and len(result.evidence) == 2


def test_every_failed_record_condition_is_named():
    bare = {"misclassified": []}
    ten = Requirement("ten errors", 1.0, record=(Condition.parse("misclassified >= 10"),
                                                 Condition.parse("metrics.accuracy")))
    result = assess_requirement(ten, Submission("s", Path("s"), runs=[RunFolder("a", bare)]))
    assert result.evidence == ["a/record.json: misclassified = 0 items; metrics.accuracy = "
                               "missing"]


SAMPLE_BLOCKS = ("Text: the film was dull and slow\nTrue: positive\nPredicted: negative\n\n"
                 "Text: a guilty pleasure at best\nTrue: positive\nPredicted: negative\n\n")


def test_quoted_samples_and_tables_are_no_words_of_the_students_reasoning():
    reasoning = TextCheck(headings=("hypothesis",), min_words=12)
    status, evidence = _text(reasoning, f"# Hypothesis\n{SAMPLE_BLOCKS}They fail.\n")
    assert status == REVIEW and "2 words written (12 expected)" in evidence[0]
    own = "They fail because sarcasm flips the meaning of positive words in the review.\n"
    assert _text(reasoning, f"# Hypothesis\n{SAMPLE_BLOCKS}{own}")[0] == MET
    keyed = TextCheck(headings=("hypothesis",), keywords=("sarcasm",), min_keywords=1,
                      min_words=5)
    table = "| text | note |\n|---|---|\n| a review | sarcasm |\n\n"
    status, _ = _text(keyed, f"# Hypothesis\n{table}The model gets these reviews wrong.\n")
    assert status == REVIEW  # the keyword only in a table, not in the student's sentences


def test_a_paragraph_answering_another_criterion_does_not_hide_the_next_one():
    text = ("# Notes\nI would improve it with a learning rate of 0.01, batch size 64 and 10 "
            "epochs.\n\nI would improve the augmentation of the images.\n")
    status, evidence = _text(IMPROVE, text, TextContext(rivals=(SETTINGS_CHECK,)))
    assert status == MET and "augmentation of the images" in evidence[0]


def test_a_report_naming_no_lab_is_graded_as_the_closest_one_and_says_so(monkeypatch,
                                                                        tmp_path):
    class Closest(StandIn):
        def closest_lab(self, texts):
            self.asked_lab = texts
            return ("lab01_vgg16_inference", 0.61, 0.4)

    (tmp_path / "r.md").write_text(f"# Hypothesis\n{HYPOTHESIS_TEXT}\n", encoding="utf-8")
    stand_in = _meaning(monkeypatch, Closest())
    grade = assess(_read(tmp_path / "r.md"), RUBRIC)
    assert grade.lab == "lab01_vgg16_inference" and stand_in.asked_lab == [HYPOTHESIS_TEXT]
    [warning] = grade.warnings
    assert warning.startswith("the report names no lab: graded as lab01_vgg16_inference, the "
                              "lab its text is closest to (0.61")
    assert "0.40" in warning
    assert grade.result("training_check").status == MET  # lab 1 trains nothing
    stand_in = _meaning(monkeypatch, Closest())
    grade = assess(_read(tmp_path / "r.md"), RUBRIC, lab="lab03_cnn_mnist")
    assert grade.lab == "lab03_cnn_mnist" and grade.warnings == []
    assert not hasattr(stand_in, "asked_lab")


def test_examples_are_cut_at_their_own_widths():
    words = "x " * 60  # one more character of width lets one more word in
    six = Requirement("six annotated errors", 1.0, annotations=6)
    rows = [{"error_type": words, "fix_idea": words}] * 6
    result = assess_requirement(six, Submission("s", Path("s"),
                                                annotation_files={"errors.csv": rows}))
    assert result.evidence == [f'errors.csv: 6 rows annotated, e.g. "{shorten(words, 60)}" '
                               f'-> "{shorten(words, 80)}"']
    table = "| n | error type | fix |\n|---|---|---|\n" + "\n".join(
        f"| {n} | {words} | {words} |" for n in range(6))
    result = assess_requirement(six, _submission(markdown_document("r.md", table)))
    assert result.evidence == [f'r.md:1: a table with 6 annotated rows, e.g. '
                               f'"{shorten(words.strip(), 60)}" -> '
                               f'"{shorten(words.strip(), 80)}"']
    curves = Requirement("curves", 1.0, figures=("learning curve",))
    doc = markdown_document("r.md", f"![learning curves {words}](l.png)\n")
    result = assess_requirement(curves, Submission("s", Path("s"), documents=[doc],
                                                   files={"l.png": 5}))
    assert result.evidence == [f"{doc.images[0].where}: {shorten(doc.images[0].label, 100)}"]


def test_a_table_line_holding_the_keywords_is_quoted_before_the_prose():
    text = "# Improvements\n| improve | augmentation | would |\n\nWe liked it.\n"
    assert _text(IMPROVE, text) == (MET, ['r.md:2: "| improve | augmentation | would |"'])


def test_published_scores_in_percent_whatever_their_form(monkeypatch):
    monkeypatch.setattr(assessment, "load_syllabus", lambda: [
        {"id": "lab_x", "reference": "0.5% error (LeCun 1998); accuracy 0.9922; 98.40%; 1.0"},
        {"id": "lab_y"}])
    assert published_scores("lab_x") == pytest.approx((0.5, 99.22, 98.40, 100.0))
    assert published_scores("lab_y") == ()
    cite = "Smith et al. (2019) report {}, lower than mine."
    assert cites_published(cite.format("0.5% error"), (0.5,)) == "0.5"
    assert cites_published(cite.format("1.5"), (1.5,)) == "1.5"  # over 1: already percent
    assert cites_published(cite.format("99.22"), (99.22,)) == "99.22"
    assert cites_published(cite.format("1.0"), (100.0,)) == "1.0"  # a fraction: 100%
    assert cites_published(cite.format("0.1%"), (0.05,)) == "0.1"  # 0.05 points apart
    # A web site's name is a source; code spans name one too ("the Keras `mnist_mlp` example")
    assert cites_published("Mine is close to the 0.9922 of the keras.io mnist_convnet run.",
                           (99.22,)) == "0.9922"
    assert cites_published("My 97.9% is below the Keras `mnist_mlp` example (98.40%).",
                           (98.40,)) == "98.40"
    assert cites_published("Mine is close to the 0.9922 of the rendered run.", (99.22,)) is None
    # where a score falls in a published range compares it too
    ranged = ("The Fashion-MNIST README lists 0.876-0.925 for a CNN with 2 conv layers, so we "
              "are at the top of that.")
    assert cites_published(ranged, (87.6, 92.5)) == "0.876"
    assert cites_published(ranged.replace("at the top of that", "done"), (87.6, 92.5)) is None
    # the student's own score beside the published one compares them without a word for it
    beside = "The Fashion-MNIST github page says 88.33% for an MLP and I got 88.6 with mine."
    assert cites_published(beside, (88.33,)) == "88.33"
    assert cites_published("The Fashion-MNIST github page says 88.33% for an MLP.",
                           (88.33,)) is None
    # ... even when the student's score equals it, said as the student's
    equal = "The Keras mnist_mlp example says 98.40% and I got 98.4 on my laptop."
    assert cites_published(equal, (98.40,)) == "98.40"
    assert cites_published(equal.replace("I got", "also"), (98.40,)) is None
    assert cites_published("| 2017 | 0.99 | 0.42 | blur |", (99.0,)) is None  # a table's row


def test_partial_points_are_rounded_to_two_decimals():
    third = Requirement("a third", 0.333, record=(Condition.parse("metrics.accuracy"),))
    missing = Requirement("never", 1.0, record=(Condition.parse("no_such_field"),))
    result = assess_criterion(_criterion(third, third, missing), _run())
    assert (result.status, result.points) == (PARTIAL, 0.67)


def test_only_a_requirement_asking_for_the_published_score_counts_one(monkeypatch):
    monkeypatch.setattr(assessment, "load_syllabus", lambda: [
        {"id": "lab_x", "reference": "99.22% (Keras example, 2015)"}])
    published = Requirement("the published score", 1.0, text=TextCheck(
        keywords=("published",), min_keywords=1, published_scores=True))
    other = Requirement("a reason", 1.0, text=TextCheck(keywords=("because",),
                                                        min_keywords=1))
    criterion = Criterion("c", "Comparison", 2.0, (published, other))
    text = "# Comparison\nThe Keras example (2015) reports 99.22%, higher than mine.\n"
    submission = _submission(markdown_document("r.md", text))
    result = assess_criterion(criterion, submission, lab="lab_x")
    assert [r.status for r in result.requirements] == [MET, MISSING]
    assert [r.status for r in assess_criterion(criterion, submission).requirements] == [
        MISSING, MISSING]  # no lab: no published score to recognise
    wrapped = "# Comparison\nThe Keras example (2015) reports\n99.22%, higher than mine.\n"
    result = assess_criterion(criterion, _submission(markdown_document("r.md", wrapped)),
                              lab="lab_x")
    assert result.requirements[0].status == MET  # a score at the start of a wrapped line


def test_in_an_untouched_draft_only_a_run_evidence_criterion_reads_the_drafts_facts(tmp_path,
                                                                                   rules):
    write_run_folder(tmp_path / "kim" / "run", synthetic_record(4))
    accuracy = Requirement("the test accuracy", 1.0, text=TextCheck(keywords=("accuracy",),
                                                                    min_keywords=1))
    rubric = Rubric("facts", [Criterion("run", "Run", 1.0, (accuracy,), run_evidence=True),
                              Criterion("own", "Own", 1.0, (accuracy,)), *RUBRIC.criteria])
    grade = assess(_read(tmp_path / "kim"), rubric)  # the course's words: about the lab
    assert [grade.result("run").status, grade.result("own").status] == [MET, MISSING]


def test_a_shortfall_quotes_the_students_sentence_and_synonyms_count():
    status, evidence = _text(IMPROVE, "# Improvements\n| a | b |\n\nMore data, I think.\n")
    assert status == REVIEW and evidence[0].endswith('-- "More data, I think."')
    synonyms = TextCheck(headings=("improvement",), keywords=("improve",), min_keywords=1,
                         synonyms=(("improve", ("next step",)),))
    assert _text(synonyms, "# Improvements\nThe next step is more data.\n")[0] == MET


def test_a_paragraph_split_at_a_run_in_label_keeps_its_heading():
    text = ("# Intro\nWe describe the data and the model here in a few words.\n\n# Notes\n"
            "We trained the model on the data for a while.\nRoadblocks: the training was "
            "slow on my laptop at first.\n")
    stand_in = StandIn()
    answers_by_meaning(Submission("s", Path("s"), documents=[markdown_document("r.md", text)]),
                       stand_in)
    assert [(text[:10], label) for text, label in stand_in.units] == [
        ("We describ", "Intro"), ("We trained", "Notes"), ("Roadblocks", "Roadblocks")]


def test_each_requirement_widens_the_search_by_its_own_section_only():
    score = Requirement("the score", 1.0, text=TextCheck(
        headings=("results",), keywords=("accuracy",), min_keywords=1))
    why = Requirement("why", 1.0, text=TextCheck(
        headings=("discussion",), keywords=("because",), min_keywords=1))
    limits = Requirement("a limitation", 1.0, text=TextCheck(
        headings=("limitations",), keywords=("however",), min_keywords=1))
    criterion = Criterion("c", "Results", 3.0, (score, why, limits))
    text = ("# Report\n## Results\nThe accuracy was 91%.\n\nIt is high because the digits "
            "are centred.\n## Other\nHowever, shirts still fail.\n")
    result = assess_criterion(criterion, _submission(markdown_document("r.md", text)))
    assert [r.status for r in result.requirements] == [MET, MET, MISSING]


def test_what_a_pattern_check_quotes_and_where_it_falls_short():
    cite = TextCheck(headings=("references",), patterns=(r"arxiv",))
    text = "# References\nSome words first.\nXiao et al. 2017, arXiv:1708.07747.\n"
    assert _text(cite, text) == (MET, ['r.md:3: "Xiao et al. 2017, arXiv:1708.07747."'])
    assert _text(cite, "# References\nSee the paper.\n") == (
        REVIEW, ['r.md:2: none of the expected patterns -- "See the paper."'])
    score = TextCheck(headings=("results",), keywords=("accuracy",), min_keywords=1,
                      patterns=(r"\d+%",))
    assert _text(score, "# Results\nThe accuracy was high.\nWe got 91% in the end.\n") == (
        MET, ['r.md:2: "The accuracy was high."'])
    appendix = TextCheck(headings=("appendix",))
    assert _text(appendix, "# Appendix\n") == (MET, ['r.md:1: "Appendix"'])


def test_exactly_enough_words_and_the_sample_table_with_more_rows_wins():
    thirteen = TextCheck(headings=("hypothesis",), min_words=13)
    own = "They fail because sarcasm flips the meaning of positive words in the review.\n"
    assert _text(thirteen, f"# Hypothesis\n{own}")[0] == MET
    rows = "| sentence | true | predicted |\n|---|---|---|\n"
    text = ("# Misclassified\n" + rows + "\n".join(f"| a{n} | pos | neg |" for n in range(10))
            + "\n\n# Misclassified too\n" + rows
            + "\n".join(f"| b{n} | pos | neg |" for n in range(12)) + "\n")
    status, evidence = _text(SAMPLES.text, text)
    assert status == MET and evidence[0].startswith('r.md:18: "| b0 |')  # the second table
    no_truth = "# Misclassified\n| sentence | guess |\n|---|---|\n" + "\n".join(
        f"| s{n} | neg |" for n in range(10)) + "\n"
    assert _text(SAMPLES.text, no_truth)[0] == MISSING


@pytest.mark.parametrize("format", ["notebook", "docx", "html"])
def test_an_uncountable_table_in_a_structured_document_is_missing(format):
    page = "Misclassified samples\n\n" + "\n".join(FLATTENED) + "\n"
    document = plain_document(f"r.{format}", [page])
    document.format = format
    assert _status(SAMPLES, document)[0] == MISSING


def test_what_a_shortfall_says_and_when_there_is_something_to_review():
    both = TextCheck(headings=("improvement",), keywords=("improve", "augmentation"),
                     min_keywords=2, numbers=1)
    long_line = "More data " + "x " * 80
    status, evidence = _text(both, f"# Improvements\n{long_line}\n")
    assert (status, evidence) == (MISSING, [
        f'r.md:2: fewer than 1 numbers; 0 of 2 expected keywords -- '
        f'"{shorten(long_line.strip(), 140)}"'])
    assert _text(IMPROVE, "# Improvements\n") == (MISSING, [
        "r.md:1: 0 of 2 expected keywords"])
    assert _text(IMPROVE, "# Improvements\nMaybe.\n")[0] == REVIEW  # one word is something
    table_only = "# Improvements\n| more data | bigger model |\n"
    assert _text(IMPROVE, table_only)[0] == MISSING  # Markdown: a table is no answer here
    text_table = "Improvements\n\n| more data | bigger model |\n"
    assert _text(IMPROVE, text_table, fmt="txt")[0] == REVIEW  # a text file: it may be


def test_next_to_the_first_answer_meaning_decides_which_paragraphs_answer():
    score = Requirement("the score", 1.0, text=TextCheck(
        headings=("results",), keywords=("accuracy",), min_keywords=1))
    why = Requirement("why", 1.0, text=TextCheck(
        headings=("discussion",), keywords=("because",), min_keywords=1))
    criterion = Criterion("c", "Results", 2.0, (score, why))

    def statuses(text: str, meant: tuple[str, ...] = ()) -> list[str]:
        document = markdown_document("r.md", text)
        answers = {id(line): ({"c"} if line.text.startswith(meant) and meant else set())
                   for line in document.lines}
        context_answers = dict(answers)
        result = assess_criterion(criterion, _submission(document), answers=context_answers)
        return [r.status for r in result.requirements]

    # The score is found in a paragraph under a heading of the student's own.
    near = ("# Numbers\nThe accuracy was 91%.\n\nIt is high because the digits are "
            "centred.\n\n# Other\nShirts fail because they look alike.\n")
    assert statuses(near, meant=("It is high",)) == [MET, MET]
    assert statuses(near) == [MET, MISSING]  # next to it, but meaning says it is no answer
    assert statuses(near, meant=("Shirts fail",)) == [MET, MISSING]  # not next to it
    same = "# Numbers\nThe accuracy was 91% because the digits are centred.\n"
    assert statuses(same) == [MET, MET]  # the first answer's own paragraph
    no_score = "# Other\nShirts fail because they look alike.\n"
    assert statuses(no_score, meant=("Shirts fail",)) == [MISSING, MISSING]
    rules = "# Other\nIt is high because the digits are centred.\n"
    only_why = Criterion("w", "Why", 1.0, (why,))
    document = markdown_document("r.md", rules)
    result = assess_criterion(only_why, _submission(document), answers={})
    assert result.status == MET  # found by the rules; meaning adds, never takes away


def test_every_source_tried_is_named_and_a_waiver_names_its_reason():
    from toolkit.grading.submission_facts import unfinished

    both = Requirement("outputs", 1.0, record=(Condition.parse("metrics.accuracy"),),
                       figures=("learning curve", "confusion"))
    record = synthetic_record(1)
    del record["metrics"]
    result = assess_requirement(both, _run(record, figures=False))
    assert result.evidence == [
        "run/record.json: metrics.accuracy = missing",
        "run/record.json lists figure learning_curves.png, but the file is not in the "
        "submission",
        "run/record.json lists figure confusion_matrix.png, but the file is not in the "
        "submission"]
    texted = replace(both, text=TextCheck(headings=("results",), keywords=("accuracy",),
                                          min_keywords=1, numbers=1))
    submission = _run(record, figures=False)
    submission.documents = [markdown_document("r.md", "# Results\nNo accuracy yet.\n")]
    assert len(assess_requirement(texted, submission).evidence) == 3
    vague = replace(both, text=IMPROVE)
    submission.documents = [markdown_document("r.md", "# Improvements\nMore data.\n")]
    result = assess_requirement(vague, submission)
    assert result.status == REVIEW and len(result.evidence) == 2
    assert result.evidence[1] == "run/record.json: metrics.accuracy = missing"
    full = Requirement("outputs", 1.0, full_run=True, record=(Condition.parse("metrics"),))
    rushed = synthetic_record(1)
    rushed.update(quick=True, hyperparameters={"weights": "none"})
    why = " and ".join(unfinished(rushed))
    assert " and " in why
    assert assess_requirement(full, _run(rushed)).evidence == [
        f"the run's record and figures do not count here: {why}: its outputs are not the "
        f"intended ones (run the lab in full)"]
    waived = Requirement("curves", 1.0, figures=("curve",), waive_if=(
        Condition.parse("lab != lab03_cnn_mnist"),))
    report = Submission("s", Path("s"), documents=[markdown_document("r.md", "# Lab\n")])
    assert assess_requirement(waived, report).status == MISSING  # no lab given: no waiver
    result = assess_requirement(waived, report, lab="lab01_vgg16_inference")
    assert result.evidence == ["not required: the report is about lab01_vgg16_inference"]


def test_a_report_stands_in_for_a_run_only_without_record_and_notebook():
    ran = Requirement("the code ran", 1.0, notebook=True, record=(
        Condition.parse("status == complete"),), text=TextCheck(keywords=("accuracy",),
                                                                min_keywords=1))
    submission = _run(dict(synthetic_record(1), status="running"))
    submission.documents = [markdown_document("r.md", "# Results\nThe accuracy: 91%.\n")]
    assert assess_requirement(ran, submission).status == MISSING


def test_what_is_named_when_nothing_is_found_and_code_only_counts_without_a_word_count():
    many = TextCheck(headings=("a", "b", "c", "d", "e"), keywords=("k",), min_keywords=1)
    assert _text(many, "Nothing here.\n") == (MISSING, ["no heading like a, b, c, d"])
    six = TextCheck(keywords=("k1", "k2", "k3", "k4", "k5", "k6"), min_keywords=1)
    assert _text(six, "Nothing here.\n")[1] == ["no paragraph or table with: k1, k2, k3, k4, "
                                                "k5"]
    patterns = TextCheck(patterns=(r"arxiv",))
    assert _text(patterns, "Nothing here.\n")[1] == ["no paragraph or table with: the "
                                                     "expected text"]
    code = Line("# learning rate 0.01, batch size 32", "lab.ipynb cell 3", "code")
    worded = TextCheck(keywords=("learning rate", "batch size"), min_keywords=2, min_words=5)
    notebook = Document("lab.ipynb", "notebook", [Line("We trained it.", "c2", "prose"), code])
    assert _status(Requirement("it", 1.0, text=worded), notebook)[0] == MISSING
    synonyms = TextCheck(keywords=("learning rate", "batch size"), min_keywords=2,
                         synonyms=(("learning rate", ("step size",)),))
    in_code = Document("lab.ipynb", "notebook", [
        Line("We trained it.", "c2", "prose"),
        Line("# step size 0.01, batch size 32", "c3", "code")])
    assert _status(Requirement("it", 1.0, text=synonyms), in_code)[0] == REVIEW
    in_both = Document("lab.ipynb", "notebook", [
        Line("The step size was 0.01.", "c2", "prose"), Line("# batch size 32", "c3", "code")])
    assert _status(Requirement("it", 1.0, text=synonyms), in_both)[0] == MET


def test_of_two_sections_to_review_the_longer_one_is_quoted():
    text = ("# Improvements\nMore data.\n\n# Further improvements\nA bigger model and more "
            "data, maybe.\n")
    status, evidence = _text(IMPROVE, text)
    assert status == REVIEW and "A bigger model" in evidence[0]


def test_a_report_near_two_labs_takes_the_published_scores_of_both(monkeypatch, tmp_path):
    class Near(StandIn):
        def __init__(self, labs):
            super().__init__()
            self.labs = labs

        def near_labs(self, texts):
            return self.labs

    (tmp_path / "r.md").write_text(
        "# Digits\n\nLeCun's MNIST page lists 98.4% for a network like mine; mine is lower at "
        "97.9% because it is smaller.\n", encoding="utf-8")
    _meaning(monkeypatch, Near(["lab02_mlp_dropout", "lab03_cnn_mnist"]))
    near = assess(_read(tmp_path / "r.md"), RUBRIC)
    assert near.lab == ""
    assert near.result("comparison").requirements[0].status == MET
    _meaning(monkeypatch, Near(["lab03_cnn_mnist"]))  # 98.4% is no score of lab 3
    assert assess(_read(tmp_path / "r.md"), RUBRIC).result(
        "comparison").requirements[0].status == MISSING
    _meaning(monkeypatch, Near([]))
    assert assess(_read(tmp_path / "r.md"), RUBRIC).result(
        "comparison").requirements[0].status == MISSING


def test_a_question_quoted_on_its_own_line_heads_the_answer_below_it():
    # A forum reply quotes each prompt it answers; a longer quote is the student's text.
    text = ("### Exercise 5\n\n> What went wrong or was hard, and what did you do about it?\n\n"
            "The full GloVe download never finished, so I used the subset.\n\n"
            "> The download kept dying on the wifi.\n> Was it the file size?\n")
    lines = [(line.kind, line.text) for line in markdown_document("r.md", text).lines
             if line.kind != "blank"]
    assert lines[1] == ("heading", "What went wrong or was hard, and what did you do about it?")
    assert lines[2][0] == "prose"
    assert [kind for kind, _ in lines[3:]] == ["prose", "prose"]


def test_a_heading_naming_the_metric_names_the_values_listed_under_it():
    # "results (test accuracy):" over "- tf-idf + naive bayes 81.6%": the metric is named
    metrics = next(c for c in RUBRIC.criteria if c.id == "metrics").requirements[0]
    listed = ("hi,\n\nresults (test accuracy):\n- tf-idf + naive bayes 81.6% (best one)\n"
              "- count + naive bayes 81.1%\n")
    status, evidence = _status(metrics, plain_document("r.txt", [listed]))
    assert status == MET and "81.6%" in evidence[0]
    unnamed = listed.replace("results (test accuracy):", "results:")
    assert _status(metrics, plain_document("r.txt", [unnamed]))[0] != MET
    # a heading over prose names none of its facts ("## My report" is no report of a score)
    prose = "# Lab 4\n\n## Test accuracy\n\nNaive Bayes on tf-idf came out best, at 81.6.\n"
    assert _status(metrics, markdown_document("r.md", prose))[0] != MET
    # ... and over values without bullets, one "name: value" a line
    plain = ("Lab 2 report\n\nI trained the MLP four times.\n\nTest accuracy:\n"
             "dropout 0.0: 98.02%\ndropout 0.2: 98.33%\n")
    status, evidence = _status(metrics, plain_document("r.txt", [plain]))
    assert status == MET and "98.02%" in evidence[0]
    assert _status(metrics, plain_document("r.txt", [plain.replace("Test accuracy:", "Runs:")])
                   )[0] != MET


def test_a_speed_chart_of_lab_1_is_one_of_its_output_figures(tmp_path):
    # Lab 1 trains nothing: its outputs are the predictions and the benchmark of its speed
    outputs = next(c for c in RUBRIC.criteria if c.id == "runs").requirements[1]
    folder = tmp_path / "s01"
    folder.mkdir()
    (folder / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "report.md").write_text("# Lab 1\n\nTop-1 accuracy 10 of 16 (62.5%).\n\n"
                                      "![Speed at batch 1 and 8](chart.png)\n")
    submission = read_submission("s01", folder)
    assert assess_requirement(outputs, submission, TextContext()).status == MET
    (folder / "report.md").write_text("# Lab 1\n\nTop-1 accuracy 10 of 16 (62.5%).\n\n"
                                      "![My desk](chart.png)\n")
    assert assess_requirement(outputs, read_submission("s01", folder),
                              TextContext()).status != MET


def test_a_citation_counts_for_the_references_wherever_it_sits():
    # No References heading: the citation is inside the comparison.
    references = next(c for c in RUBRIC.criteria if c.id == "references").requirements[0]
    cited = plain_document("r.txt", ["Lab 4 report\n\nThe paper (Socher 2013) got 81.8 % with "
                                     "naive bayes, so my result is a bit lower.\n"])
    status, evidence = _status(references, cited)
    assert status == MET and "Socher 2013" in evidence[0]
    # A date is no citation, nor is a version number.
    dated = plain_document("r.txt", ["Lab 4 report\n\nI ran it in December 2025 on Python "
                                     "3.12, and again on 2025-12-06.\n"])
    assert _status(references, dated)[0] == MISSING
    # "doi" inside a word ("doing") is none, nor a diary's date under the References heading
    diary = markdown_document("r.md", "# Lab 2 notebook\n\nKevin. I kept notes while doing "
                                      "the lab.\n\n# References\n\nnone yet (2026-11-24)\n")
    assert _status(references, diary)[0] != MET
    doi = markdown_document("r.md", "# References\n\nBERT, doi: 10.18653/v1/N19-1423\n")
    assert _status(references, doi)[0] == MET
    # Under the References heading too, a byline's date is no source; a year after a name is.
    byline = markdown_document("r.md", "# References\n\nAna Lee, lab 3, December 2026\n")
    assert _status(references, byline)[0] != MET
    source = markdown_document("r.md", "# References\n\nSimonyan and Zisserman, 2015\n")
    assert _status(references, source)[0] == MET
    # Authors without a year identify no source (the instructor's reading): "et al." alone
    authors = markdown_document("r.md", "# References\n\nSST-2 dataset, Socher et al.\n")
    assert _status(references, authors)[0] != MET
    dated = markdown_document("r.md", "# References\n\nSST-2 dataset, Socher et al. (2013)\n")
    assert _status(references, dated)[0] == MET
    # A web address is a source without its "https://" too; a run folder's date is no year.
    address = markdown_document("r.md", "# Sources\n\nkeras.io/examples/vision/mnist_convnet/ ; "
                                        "yann.lecun.com/exdb/mnist/\n")
    assert _status(references, address)[0] == MET
    run_folder = markdown_document("r.md", "# References\n\nmy run: "
                                           "runs/lab02_mlp_dropout/20261204-141233/\n")
    assert _status(references, run_folder)[0] != MET
    # A Pandoc citation key naming author and year (an R Markdown report) is a citation in
    # any paragraph; an e-mail address is none
    pandoc = plain_document("r.txt", ["Lab 5 report\n\nMy LSTM is three points under the one "
                                      "of @tai2015, trained on phrase labels as well.\n"])
    assert _status(references, pandoc)[0] == MET
    mailed = plain_document("r.txt", ["Lab 5 report\n\nQuestions to ana@uni2026.org, who "
                                      "ran the LSTM on phrase labels as well.\n"])
    assert _status(references, mailed)[0] != MET


def test_a_programs_download_line_is_no_citation(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    references = next(c for c in RUBRIC.criteria if c.id == "references").requirements[0]

    def notebook(markdown: str) -> Submission:
        path = tmp_path / "report.ipynb"
        path.write_text(nbformat.writes(new_notebook(cells=[
            new_markdown_cell(markdown),
            new_code_cell("(x, y), _ = keras.datasets.mnist.load_data()", execution_count=1,
                          outputs=[new_output("stream", text="Downloading data from https://"
                                              "storage.googleapis.com/tensorflow/mnist.npz\n")]),
        ])))
        return read_submission("s", path)

    bare = notebook("# Lab 2\n\nI train an MLP with dropout on MNIST.")
    assert assess_requirement(references, bare, TextContext()).status != MET
    cited = notebook("# Lab 2\n\nI train an MLP with dropout on MNIST.\n\n## References\n\n"
                     "https://keras.io/examples/vision/mnist_convnet/")
    assert assess_requirement(references, cited, TextContext()).status == MET


def test_a_report_stands_in_for_a_record_that_does_not_say_whether_its_run_finished():
    ran = next(c for c in RUBRIC.criteria if c.id == "runs").requirements[0]
    record = synthetic_record(1)
    del record["status"], record["schema_version"]  # a record the student wrote
    submission = _run(record)
    submission.documents = [markdown_document("r.md", "# Results\n\nThe trained model "
                                                      "reached 98.3% test accuracy.\n")]
    assert assess_requirement(ran, submission, TextContext()).status == MET
    # A record that says the run failed outweighs the report.
    failed = _run(dict(synthetic_record(1), status="failed"))
    failed.documents = submission.documents
    assert assess_requirement(ran, failed, TextContext()).status == MISSING


def test_lab_ones_top_5_figures_are_its_intended_outputs():
    outputs = next(c for c in RUBRIC.criteria if c.id == "runs").requirements[1]
    caption = "Figure 1: mug.jpg and its top-5 (the first class in orange)"
    report = markdown_document("r.md", "# Results\n\nThe top-1 is right for 4 of my 6 "
                                         f"photos (66.7% top-1 accuracy).\n\n{caption}\n")
    assert report.images and caption in report.images[0].label
    assert assess_requirement(outputs, _submission(report), TextContext()).status == MET


def test_a_justification_under_its_own_why_it_differs_title_counts():
    report = plain_document("r.txt", [
        "Lab 3 report\n\n6. COMPARISON WITH THE PUBLISHED SCORE\n\n"
        "The Fashion-MNIST README (Xiao et al. 2017) lists 2-conv CNNs between 87.6% and "
        "92.5% test accuracy; my strong design reached 93.10% and the reference 90.49%.\n\n"
        "Why ours differs:\n"
        "  * The README CNNs are small two-layer nets without batch norm; ours has a third\n"
        "    block and batch norm, because capacity matters on this data.\n"
        "  * We train on 54,000 images, not 60,000 (the validation split).\n\n"
        "7. HYPERPARAMETERS\n\nAdam, learning rate 0.001, batch size 128, 15 epochs.\n"])
    grade = assess(_submission(report), RUBRIC, lab="lab03_cnn_mnist")
    assert grade.result("comparison").points == 2


def test_a_picture_named_untitled_is_labelled_by_its_heading_and_found_by_its_encoded_path():
    curves = Requirement("curves", 1.0, figures=("learning curve",))
    notion = ("# Lab 5 report\n\n## Learning curves\n\n"
              "![Untitled](Lab%205%20report%208f3c/Untitled.png)\n\n## Errors\n\n"
              "![confusion](Lab%205%20report%208f3c/confusion.png)\n")
    doc = markdown_document("Lab 5 report 8f3c.md", notion)
    submission = Submission("s", Path("s"), documents=[doc], files={
        "Lab 5 report 8f3c/Untitled.png": 5, "Lab 5 report 8f3c/confusion.png": 5})
    assert assess_requirement(curves, submission).status == MET
    # a picture whose own name says what it shows keeps its name alone
    assert doc.images[1].label == "confusion Lab%205%20report%208f3c/confusion.png"
    elsewhere = Submission("s", Path("s"), documents=[doc], files={"Untitled.png": 5})
    assert assess_requirement(curves, elsewhere).status == MISSING


def test_notes_typed_one_statement_a_line_are_a_paragraph_each_and_wrapped_prose_is_not():
    from toolkit.grading.assessment import _paragraphs

    notes = ("lab 3 report - typed on my phone\n\n"
             "ran the cnn lab on the course vm: python -m labs.lab03_cnn_mnist --epochs 8, the "
             "strong arch\ntest acc 99.46% val 99.35%\n"
             "also ran --arch reference: 99.19% test, keras.io says 0.9922 so basically same\n"
             "train time ~12.5 min for the 8 ep\nhardest digit = 9\n"
             "next time: full 15 ep on a gpu + maybe shift augmentation for the 4/9 ones\n")
    paragraphs = _paragraphs(plain_document("r.txt", [notes]))
    assert [len(p.lines) for p in paragraphs] == [1, 1, 1, 1, 1, 1, 1]
    wrapped = ("My hypothesis is that the remaining errors are thin, slanted digits: the\n"
               "network saw few of them in training, and the pooling layers blur the thin\n"
               "strokes away. I tested it by drawing the errors and counting the slanted\n"
               "ones among them, and found that most of the forty errors were slanted or\n"
               "thin, which supports the idea.\n")
    assert [len(p.lines) for p in _paragraphs(plain_document("r.txt", [wrapped]))] == [5]
    # the same notes in Markdown are a paragraph the writer chose to keep together
    assert len(_paragraphs(markdown_document("r.md", notes))) == 2


def test_a_short_paragraph_of_lines_ended_by_hand_is_a_paragraph_a_line():
    from toolkit.grading.assessment import _paragraphs

    # three answers typed one a line: each line ends a sentence though the next line's first
    # word would have fit on it (no editor wrapped them)
    answers = ("L06:\n"
               "fine tune all layers best (88.6% val), frozen worse than baseline.\n"
               "training slow on cpu, about 4 min, ok.\n"
               "want try bert-base on gpu with mixed precision, and understand layerwise "
               "learning rate more.\n")
    assert [len(p.lines) for p in _paragraphs(plain_document("r.txt", [answers]))][-3:] == \
        [1, 1, 1]
    # hard-wrapped prose whose lines happen to end sentences fill the width: one paragraph
    wrapped = ("I trained for two epochs only. The validation loss still fell at the end.\n"
               "It would have gone on dropping. I stopped because of the time on my laptop.\n"
               "Next time I would train longer.\n")
    assert [len(p.lines) for p in _paragraphs(plain_document("r.txt", [wrapped]))] == [3]
    # a line introducing what follows ("... with:") ends no sentence: the lines stay together
    description = ("i ran the pretrained VGG16 on 3 of my own photos.\n"
                   "photo1 is my mug, photo2 is our cat.\n"
                   "ran it on my laptop (windows, no gpu) with:\n")
    assert [len(p.lines) for p in _paragraphs(plain_document("r.txt", [description]))] == [3]
    # a question on its line stays with its answer on the next
    asked = ("i wondered why the loss went up at epoch 3?\n"
             "maybe the learning rate of 0.01 was just too high for adam on this data.\n")
    assert [len(p.lines) for p in _paragraphs(plain_document("r.txt", [asked]))] == [2]


def test_a_use_named_only_in_general_is_filler_and_supplies_no_keyword():
    reflection = load_rubric(Path(__file__).parents[1] / "course" / "rubrics" /
                             "reflection.toml")
    specific = next(c for c in reflection.criteria
                    if c.id == "application").requirements[1]
    assert specific.text.filler  # the rubric lists what filler sounds like
    general = markdown_document("r.md", (
        "## Where I would use it\n\nImage classification can be used in many areas, for "
        "example medicine or self-driving cars. Pretrained models save a lot of time because "
        "you do not have to train them yourself.\n"))
    assert _status(specific, general)[0] != MET
    # fields where others use the technique, stated as a fact, are no use of the student's
    stock = markdown_document("r.md", (
        "## Where I would use it\n\nCNNs are used in self-driving cars, face recognition and "
        "medical imaging, so this image classification lab is very relevant.\n"))
    assert _status(specific, stock)[0] != MET
    concrete = markdown_document("r.md", (
        "## Where I would use it\n\nI could use transfer learning with a pretrained CNN to "
        "classify photos of plant diseases for a farming app, where only a few hundred "
        "labelled images exist.\n"))
    assert _status(specific, concrete)[0] == MET
    # the same concrete answer after a filler sentence keeps its keywords
    both = markdown_document("r.md", concrete_text := (
        "## Where I would use it\n\nCNNs are used everywhere today. I could use transfer "
        "learning with a pretrained CNN to classify photos of plant diseases for a farming "
        "app.\n"))
    assert "used everywhere" in concrete_text and _status(specific, both)[0] == MET


def test_a_use_for_any_or_every_project_is_filler_too():
    # Quantifiers name no data or problem: "any neural network", "many NLP tasks", "in
    # industry", "in the future"; a use with its data keeps its keywords.
    reflection = load_rubric(Path(__file__).parents[1] / "course" / "rubrics" /
                             "reflection.toml")
    specific = next(c for c in reflection.criteria
                    if c.id == "application").requirements[1]
    for general in ("Dropout is useful for almost any neural network, because every network "
                    "can overfit, so knowing regularization will be useful in industry.",
                    "Word embeddings and LSTMs can be applied to many NLP tasks like "
                    "sentiment analysis, machine translation and chatbots.",
                    "Regularisation with dropout matters for any model trained on a small "
                    "dataset, so it will help me a lot in the future."):
        answer = markdown_document("r.md", f"## Where I would use it\n\n{general}\n")
        assert _status(specific, answer)[0] != MET, general
    concrete = markdown_document("r.md", (
        "## Where I would use it\n\nAt the bakery where I work I would fine-tune the MiniLM "
        "transformer on our 800 reviews every morning to flag complaints by sentiment.\n"))
    assert _status(specific, concrete)[0] == MET


def test_the_bag_of_words_labs_classifiers_are_course_concepts():
    reflection = load_rubric(Path(__file__).parents[1] / "course" / "rubrics" /
                             "reflection.toml")
    specific = next(c for c in reflection.criteria if c.id == "insights").requirements[1]
    answer = markdown_document("r.md", (
        "## What did the lab teach you?\n\nThat the simple models are surprisingly good, all "
        "of them around 81% on the GLUE dev set with just logistic regression or naive Bayes, "
        "and the SVM was no better.\n"))
    assert _status(specific, answer)[0] == MET


def test_each_labs_own_models_and_concepts_are_course_concepts():
    # The list held VGG, MLP and LSTM but not the other labs' models (GloVe, BERT, a CNN) or
    # the CNN's own concepts (channels, pooling): a lab 3 or 5 answer naming only those was
    # never specific.
    reflection = load_rubric(Path(__file__).parents[1] / "course" / "rubrics" /
                             "reflection.toml")
    specific = next(c for c in reflection.criteria if c.id == "challenges").requirements[1]
    for text in ("Understanding why the input is (N, 28, 28, 1): the 1 is the number of "
                 "channels, and after the second pooling step the map is 7 x 7.",
                 "The GloVe file missed 87% of the words, so I switched BERT to the small "
                 "MiniLM preset to fit in 8 GB."):
        answer = markdown_document("r.md", f"## Challenges\n\n{text}\n")
        assert _status(specific, answer)[0] == MET


def test_the_fashion_mnist_mlp_score_is_published_and_almost_the_same_compares():
    assert 88.33 in published_scores("lab02_mlp_dropout")  # the Fashion-MNIST README's MLP
    assert cites_published("The Fashion-MNIST page on GitHub gives 88.33% for an MLP, we "
                           "have 88.5% so it is almost the same.", (88.33,)) == "88.33"
    assert cites_published("keras.io says 0.9922, my reference run 99.19%, so basically "
                           "same", (99.22,)) == "0.9922"
    # the published score and the student's side by side compare them, as the rubric asks
    # ("the published score ... next to the measured one"); the published one alone does not
    assert cites_published("The Fashion-MNIST page gives 88.33% for an MLP; we have 88.5%.",
                           (88.33,)) == "88.33"
    assert cites_published("The Fashion-MNIST page gives 88.33% for an MLP.", (88.33,)) is None


class ShortPartsLookForeign(StandIn):
    """Flags a text as another course's work unless it speaks of shirts (the hypothesis)."""

    def other_course(self, texts):
        return None if any("Shirts" in text for text in texts) else (0.36, 0.4)


def test_one_lab_part_of_a_document_about_the_courses_labs_is_never_another_courses(
        monkeypatch, tmp_path):
    """A casual, short lab part ("best was tfidf + svm 81.2% on dev ...") reads, alone, like
    no lab of the course; the document's other part says it is this course's work."""
    _meaning(monkeypatch, ShortPartsLookForeign())
    casual = "best was tfidf + svm 81.2% on dev, the keras network 80.8%."
    (tmp_path / "r.md").write_text(f"## Lab 2\n\n### Hypothesis\n{HYPOTHESIS_TEXT}\n\n"
                                   f"## Lab 4\n\n{casual}\n", encoding="utf-8")
    grades = assess_labs(_read(tmp_path / "r.md"), RUBRIC)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab04_bag_of_words"]
    assert not any("not this assignment" in w for grade in grades for w in grade.warnings)
    # every part foreign: the document is another course's, each part says so
    (tmp_path / "r.md").write_text(f"## Lab 2\n\n{casual}\n\n## Lab 4\n\n{casual}\n",
                                   encoding="utf-8")
    grades = assess_labs(_read(tmp_path / "r.md"), RUBRIC)
    assert len(grades) == 2 and all(grade.warnings[0].startswith("not this assignment?")
                                    for grade in grades)


def test_the_courses_layer_names_are_its_concepts():
    """Conv2D and a convnet are the lab's convolution (a reflection's concepts)."""
    reflection = load_rubric(course_path("rubrics", "reflection.toml"))
    specific = reflection.by_id["challenges"].requirements[1].text
    answer = ("# Challenges\nMy own model crashed with a shape error: x_train was (60000, 28, "
              "28) and Conv2D wants 4 dimensions, so I added one more.\n")
    assert _text(specific, answer)[0] == MET
    assert _text(specific, answer.replace("Conv2D", "it"))[0] != MET
