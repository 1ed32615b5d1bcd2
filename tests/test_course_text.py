"""toolkit.grading.course_text: what the course wrote never counts as the student's words,
wherever it sits (a table, a generated line) and however little of a rubric sentence is
pasted (five words in a row are enough)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.grading import course_text
from toolkit.grading.course_text import (
    COURSE_SHARE,
    DRAFT_MARK,
    EXAMPLE_SHINGLE,
    SHINGLE,
    authorship,
    course_fingerprint,
    course_words,
    is_course_text,
    mark_course_text,
    mark_draft_facts,
    normalise,
    remove_others_notes,
    rubric_texts,
    shingles,
)
from toolkit.grading.report_text import Document, Line, markdown_document
from toolkit.grading.rubric import load_rubric
from toolkit.grading.submissions import Submission

RUBRIC = load_rubric()


@pytest.fixture(autouse=True)
def fresh_fingerprints():
    """Each test builds the course's fingerprint itself (it is cached per process)."""
    course_text._rubric_prints.clear()
    course_text.shipped_fingerprint.cache_clear()


OWN = "My hypothesis is that shirts and coats look alike at low resolution"


def _long_rubric_sentence() -> list[str]:
    """The words of a rubric sentence long enough to cut a fragment out of its middle."""
    return next(normalise(text).split() for text in rubric_texts(RUBRIC)
                if len(normalise(text).split()) >= SHINGLE + 4)


def _submission(*lines: Line) -> Submission:
    return Submission("s", Path("s"), documents=[Document("r.md", "markdown", list(lines))])


def test_normalise_and_shingles():
    assert normalise("  The **Model**, said: 98%!  ") == "the model said 98"
    assert shingles("one two three four") == set()  # fewer words than a shingle
    assert len(shingles("one two three four five six")) == 2
    assert shingles("One, two three four five") == shingles("one two THREE four five")
    assert len(shingles("a b c d e f g h", size=8)) == 1
    # Two texts sharing one word, or four words, share no shingle: each is five words in a row.
    assert not shingles("one two three four five") & shingles("one six seven eight nine")
    assert not shingles("one two three four five six") & shingles("two three four five")


def test_a_five_word_fragment_of_a_rubric_sentence_is_the_courses():
    words = _long_rubric_sentence()
    fragment = " ".join(words[2:2 + SHINGLE])  # from the middle, exactly five words
    fingerprint = course_fingerprint(RUBRIC)
    assert course_words(fragment, fingerprint) == (SHINGLE, SHINGLE)
    assert is_course_text(fragment.capitalize() + ".", fingerprint)
    # Five pasted words in a long sentence of the student's own are not enough to take it.
    assert not is_course_text(f"{OWN}, {fragment}, and coats again", fingerprint)
    assert course_words(OWN, fingerprint) == (0, len(OWN.split()))
    assert not is_course_text(OWN, fingerprint) and not is_course_text("", fingerprint)


def test_the_share_of_course_words_decides():
    words = _long_rubric_sentence()
    fragment = " ".join(words[:SHINGLE])
    fingerprint = course_fingerprint(RUBRIC)
    # Course words exactly at the share: the line is the course's; one own word more: not.
    own_needed = int(SHINGLE / COURSE_SHARE) - SHINGLE
    filler = ["zebra", "quokka", "marmot", "ibex", "tapir", "okapi"]
    assert is_course_text(" ".join([fragment] + filler[:own_needed]), fingerprint)
    assert not is_course_text(" ".join([fragment] + filler[:own_needed + 1]), fingerprint)


def test_a_rubric_title_too_short_for_a_shingle_is_found_as_a_phrase():
    short = next(c.title for c in RUBRIC.criteria if 3 <= len(normalise(c.title).split()) < 5)
    fingerprint = course_fingerprint(RUBRIC)
    assert is_course_text(f"- {short}", fingerprint)
    assert course_fingerprint(RUBRIC) is fingerprint  # cached per rubric


def test_course_text_in_a_table_or_a_generated_line_is_not_the_students():
    fragment = " ".join(_long_rubric_sentence())
    table = Line(f"| {fragment} |", "r.md:3", "table")
    prose = Line(fragment, "r.md:2", "prose")
    own = Line(OWN + ".", "r.md:1", "prose")
    generated = Line("The run trained for five epochs on the whole training set", "r.md:4",
                     "generated")
    code = Line(fragment, "r.md:5", "code")
    heading = Line("Results", "r.md:0", "heading", 2)  # not counted, and the lines after it are
    submission = _submission(heading, own, prose, table, generated, code)
    assert mark_course_text(submission, RUBRIC) == 2
    assert (own.kind, prose.kind, table.kind, generated.kind, code.kind) == \
        ("prose", "prompt", "prompt", "generated", "code")
    share = authorship(submission)
    assert share.student == len(OWN.split())
    assert share.course == 2 * len(fragment.split())
    assert share.generated == 11  # the run's facts: counted apart, never the student's
    assert share.total == share.student + share.course + share.generated
    assert share.share == share.student / share.total
    sentence = share.sentence()
    assert f"Your own words: {share.student:,} of {share.total:,} words" in sentence
    assert f"lab text: {share.course:,}" in sentence and f"({share.generated:,})" in sentence


def test_a_paragraph_retelling_the_course_is_not_the_students_answer():
    """A student who summarises what the lab says before each answer: the summary, written in
    the student's words but never about the student, is the course's content."""
    retold = [Line("The lab explains that the comparison is only fair if there is one seed,",
                   "r.md:1", "prose"),
              Line("one split and one change at a time.", "r.md:2", "prose")]
    according = Line("According to the lesson, dropout is one of several regularizers.",
                     "r.md:4", "prose")
    answer = Line("My answer: it was difficult sometimes, but I asked my classmates.", "r.md:6",
                  "prose")
    mine = Line("The lab explains that dropout regularises, but in my run 0.5 was worse.",
                "r.md:8", "prose")
    plain = Line("The lab was long and the dropout sweep took seven minutes.", "r.md:10",
                 "prose")
    blank = [Line("", f"r.md:{n}", "blank") for n in (3, 5, 7, 9)]
    submission = _submission(*retold, blank[0], according, blank[1], answer, blank[2], mine,
                             blank[3], plain)
    assert mark_course_text(submission, RUBRIC) == 3
    assert [line.kind for line in (*retold, according, answer, mine, plain)] == \
        ["prompt", "prompt", "prompt", "prose", "prose", "prose"]


def test_no_text_at_all():
    share = authorship(_submission())
    assert (share.total, share.share) == (0, 0.0)
    assert share.sentence() == "No text was found in your submission."


def test_a_rubric_pasted_as_wrapped_plain_text_is_the_courses():
    """A requirement wrapped over lines, point counts and two-word titles: all the course's;
    the student's lines below stay theirs."""
    import textwrap

    pasted = []
    for number, criterion in enumerate(RUBRIC.criteria, 1):
        pasted.append(f"{number}. {criterion.title} ({criterion.points:g} pt)")
        what = "; ".join(r.what for r in criterion.requirements) + "."
        pasted += ["   " + line for line in textwrap.wrap(what, 50)]
    own = ["I trained the network on 60,000 training and 10,000 test images and", OWN + "."]
    lines = [Line(text, f"r.txt:{i}", "prose") for i, text in enumerate(pasted + own, 1)]
    mark_course_text(Submission("s", Path("s"), documents=[Document("r.txt", "text", lines)]),
                     RUBRIC)
    assert [line.text for line in lines if line.kind == "prose"] == own


def test_exactly_the_share_of_course_words_is_the_courses():
    words = _long_rubric_sentence()
    fragment = words[:SHINGLE + 1]  # six words: two shingles in a row
    fingerprint = course_fingerprint(RUBRIC)
    own = ["zebra", "quokka", "marmot", "ibex", "tapir"]
    at_share = " ".join(fragment + own[:4])  # 6 of 10 words
    assert course_words(at_share, fingerprint) == (6, 10) and 6 == COURSE_SHARE * 10
    assert is_course_text(at_share, fingerprint)
    assert not is_course_text(" ".join(fragment + own), fingerprint)  # 6 of 11


def test_each_course_word_counts_once_however_often_it_is_pasted():
    fingerprint = course_fingerprint(RUBRIC)
    sentence = " ".join(_long_rubric_sentence())
    twice = f"{sentence} zebra {sentence} zebra"
    size = len(sentence.split())
    assert course_words(twice, fingerprint) == (2 * size, 2 * size + 2)
    # Two rubric titles too short for a shingle, side by side and apart: all their words.
    first, second = (" ".join(p) for p in fingerprint.phrases[:2])
    together = len(first.split()) + len(second.split())
    for one, other in ((first, second), (second, first)):
        assert course_words(f"{one} {other}", fingerprint) == (together, together)
        assert course_words(f"{one} zebra {other}", fingerprint) == (together, together + 1)


def test_a_pasted_example_answer_is_the_courses_a_shared_phrase_is_not():
    fingerprint = course_fingerprint(RUBRIC)
    examples = [normalise(e).split() for c in RUBRIC.criteria for e in c.examples]
    assert len(examples) >= 2
    def counted(words):  # numbers and point counts count for no one
        return sum(not course_text._neutral(word) for word in words)

    for words in (examples[0], examples[-1]):  # every criterion's examples, the first too
        pasted = " ".join(words[:EXAMPLE_SHINGLE])
        size = counted(words[:EXAMPLE_SHINGLE])
        assert size >= EXAMPLE_SHINGLE - 2 and course_words(pasted, fingerprint) == (size, size)
        assert is_course_text(pasted, fingerprint)
        assert course_words(" ".join(words), fingerprint) == (counted(words), counted(words))
    # Seven words in a row of an example are a phrase a student may write too.
    shared = examples[0][:EXAMPLE_SHINGLE - 1]
    assert course_words(" ".join(shared), fingerprint) == (0, counted(shared))
    shared = " ".join(shared)
    assert not is_course_text(f"In our lab, {shared}", fingerprint)


def test_a_published_score_cited_in_a_table_is_a_fact_in_prose_a_prompt():
    reference = next(lab["reference"] for lab in course_text.load_syllabus()
                     if course_text._CITED_SCORE.search(lab.get("reference", "")))
    cited = Line(f"| {reference} |", "r.md:1", "table")
    prose = Line(reference, "r.md:2", "prose")
    plain = Line(f"| {' '.join(_long_rubric_sentence())} |", "r.md:3", "table")
    submission = _submission(cited, prose, plain)
    assert mark_course_text(submission, RUBRIC) == 3
    assert (cited.kind, prose.kind, plain.kind) == ("generated", "prompt", "prompt")


def test_a_published_score_the_student_compares_with_stays_in_the_students_claim():
    # The lab 5 template's sentence, restated in the student's comparison: the student's
    # first-person claim keeps the score it is compared with, not only "... My best".
    first = Line("Tai et al. (2015) report 84.9% (LSTM) and 87.5% (BiLSTM) on the SST-2 test "
                 "split. My best", "r.md:1", "prose")
    second = Line("LSTM is 7.5 points below (77.4%).", "r.md:2", "prose")
    mark_course_text(_submission(first, second), RUBRIC)
    assert first.kind == "prose" and first.text.startswith("Tai et al. (2015) report 84.9%")


def test_a_published_score_cited_right_before_the_students_claim_is_its_source():
    # The lab 4 template's scores restated in the student's third person, then the student's
    # own comparison: the restated sentence is the comparison's source (a fact), not a prompt.
    first = Line("Socher et al. (2013) report on the SST-2 test split: naive Bayes 81.8%, SVM "
                 "79.4% and bigram", "r.md:1", "prose")
    second = Line("naive Bayes 83.1%. My best model gets 81.8% on the dev sentences.", "r.md:2",
                  "prose")
    mark_course_text(_submission(first, second), RUBRIC)
    assert first.kind == "generated" and second.kind == "prose" and "My best model" in second.text
    # The same sentence with no claim of the student's after it stays the course's prompt.
    alone = Line("Socher et al. (2013) report on the SST-2 test split: naive Bayes 81.8%, SVM "
                 "79.4% and bigram naive Bayes 83.1%.", "r.md:1", "prose")
    after = Line("The lab compares the classifiers on the GLUE dev sentences.", "r.md:2",
                 "prose")
    mark_course_text(_submission(alone, after), RUBRIC)
    assert alone.kind == "prompt"
    # Wrapped where the next line starts with a capital ("... on the" / "SST-2 test split."):
    # still one sentence, and the student's claim follows it.
    first = Line("Socher et al. (2013) report naive Bayes 81.8%, SVM 79.4% and bigram naive "
                 "Bayes 83.1% on the", "r.txt:1", "prose")
    second = Line("SST-2 test split. My best is binary naive Bayes with 81.8% and the SVM "
                  "80.9%.", "r.txt:2", "prose")
    mark_course_text(_submission(first, second), RUBRIC)
    assert first.kind == "generated"


def _draft(lead: str = "") -> str:
    """A reflection draft as the course writes it, a student's edits in it."""
    return f"""{lead}# Reflection: A CNN on MNIST

_{DRAFT_MARK} from `record.json` on 2026-01-05. The facts below were measured by the run._

## Task, data and model
- **Task:** classify handwritten digits
- **Dataset:** MNIST, 60,000 training images

## Evaluation
- **Test accuracy:** 0.991
### Per-class results
| class | precision | recall |
|:--|--:|--:|
| 7 | 0.99 | 0.98 |

```
print(model.evaluate(x_test))
```

## Comparison with the published score
The run scored 99.1% where the reference reports 99.3%.

**TODO** Justify the difference between your score and the published one.

My run was shorter, so the gap is expected.

## Misclassified test samples
| index | true | predicted |
|---|---|---|
| 12 | 5 | 3 |

I see that fives with a short top stroke are read as threes.

## Training and inference time
- **Training time:** 41 s

**TODO** check the timing on the lab machine

- **Inference time:** 2 ms a sample

## Hypothesis
**TODO** What do the misclassified samples have in common?

Perhaps the strokes are too thin at this resolution.
"""


def _kinds(document: Document) -> dict[str, str]:
    return {line.text: line.kind for line in document.lines if line.text.strip()}


def test_a_record_less_drafts_facts_are_generated_the_students_words_are_not():
    document = markdown_document("REFLECTION.md", _draft())
    before = _kinds(document)
    assert mark_draft_facts(document) == 9
    kinds = _kinds(document)
    changed = {text for text in kinds if kinds[text] != before[text]}
    assert changed == {
        "- **Task:** classify handwritten digits",
        "- **Dataset:** MNIST, 60,000 training images",
        "- **Test accuracy:** 0.991",
        "| class | precision | recall |", "|:--|--:|--:|", "| 7 | 0.99 | 0.98 |",  # a subsection
        "The run scored 99.1% where the reference reports 99.3%.",  # above the TODO
        "- **Training time:** 41 s",  # a facts section after one the student rewrote
        "- **Inference time:** 2 ms a sample",  # a facts-only section: below a TODO too
    } and all(kinds[text] == "generated" for text in changed)
    # Below a TODO, where the student replaced the TODO, and outside the facts: theirs.
    assert kinds["My run was shorter, so the gap is expected."] == "prose"
    assert kinds["| 12 | 5 | 3 |"] == "table"
    assert kinds["I see that fives with a short top stroke are read as threes."] == "prose"
    assert kinds["Perhaps the strokes are too thin at this resolution."] == "prose"
    assert kinds["print(model.evaluate(x_test))"] == "code"
    assert kinds["**TODO** Justify the difference between your score and the published one."] \
        == "prompt"


def test_only_a_record_less_draft_has_its_facts_marked():
    # With the record beside it, the draft's facts are already marked: nothing more.
    with_record = markdown_document("REFLECTION.md", _draft(),
                                    generated=frozenset({"- **Test accuracy:** 0.991"}))
    assert mark_draft_facts(with_record) == 0
    assert _kinds(with_record)["- **Task:** classify handwritten digits"] == "prose"
    # A report that is no draft (the mark is not in its first ten lines): nothing.
    plain = markdown_document("report.md", _draft().replace(DRAFT_MARK, "Written by me"))
    assert mark_draft_facts(plain) == 0
    late = markdown_document("report.md", _draft("\n" * 8))  # the mark on line 11
    assert mark_draft_facts(late) == 0
    # Lines above the title (a note, blank lines) change nothing; the mark on line 10 counts.
    assert mark_draft_facts(markdown_document("REFLECTION.md", _draft("Lab 3\n\n"))) == 9
    assert mark_draft_facts(markdown_document("REFLECTION.md", _draft("\n" * 7))) == 9


def test_mark_course_text_counts_every_line_it_marks_in_every_document():
    draft = markdown_document("REFLECTION.md", _draft())
    other = Document("notes.md", "markdown",
                     [Line(" ".join(_long_rubric_sentence()), "notes.md:1", "prose")])
    before = [line.kind for d in (draft, other) for line in d.lines]
    marked = mark_course_text(Submission("s", Path("s"), documents=[draft, other]), RUBRIC)
    after = [line.kind for d in (draft, other) for line in d.lines]
    assert marked == sum(a != b for a, b in zip(before, after, strict=True)) >= 9 + 1
    assert other.lines[0].kind == "prompt"


def test_the_rubrics_name_pasted_as_a_title_is_the_courses():
    fingerprint = course_fingerprint(RUBRIC)
    assert is_course_text(f"{RUBRIC.name.upper()} -- grading rubric", fingerprint)
    for title in ("Lab 3 report", "Lab report", "Grading rubric"):  # a student's own titles
        assert not is_course_text(title, fingerprint)


def _text_lines(*texts: str, kind: str = "prose") -> list[Line]:
    return [Line(text, f"r.txt:{i}", kind) for i, text in enumerate(texts, 1)]


def _marked(lines: list[Line], rubric=RUBRIC) -> list[str]:
    """The texts of ``lines`` that count as the course's after marking (in a plain-text
    document, as a report pasted from an editor reads)."""
    mark_course_text(Submission("s", Path("s"), documents=[Document("r.txt", "text", lines)]),
                     rubric)
    return [line.text for line in lines if line.kind == "prompt"]


# A requirement of the rubric wrapped narrowly: no piece holds five of its words alone.
WRAPPED = ["the published score", "(with its source and", "split) next to the",
           "measured one."]


def test_a_narrowly_wrapped_rubric_sentence_is_found_piece_by_piece_between_own_lines():
    assert " ".join(normalise(p) for p in WRAPPED) in [normalise(t) for t in
                                                        rubric_texts(RUBRIC)]
    fingerprint = course_fingerprint(RUBRIC)
    assert all(not is_course_text(piece, fingerprint) for piece in WRAPPED)  # alone: none
    before = ["I compared my score with the one in the paper and", OWN + "."]
    after = ["Mine is lower because I trained for five epochs only."]
    # In the middle of one paragraph, and again as the document's last lines.
    lines = _text_lines(*before, *WRAPPED, *after, *WRAPPED)
    assert _marked(lines) == WRAPPED + WRAPPED
    assert [line.text for line in lines if line.kind == "prose"] == before + after


def test_a_wrapped_rubric_sentence_cut_by_another_kind_of_line_is_two_passages():
    # Only consecutive prose lines are one passage: pieces too short for a shingle, with a
    # heading or a table between them, stay the student's (a table line is read alone).
    table = Line("| the published score | 0.99 |", "r.txt:2", "table")
    heading = Line("Results", "r.txt:4", "heading", 2)
    code = Line("print(score)", "r.txt:6", "code")
    first, second, third, fourth = _text_lines(*WRAPPED)
    assert _marked([first, table, second, heading, third, code, fourth]) == []
    # Joined, the first two pieces hold a shingle: both the course's (the table still alone).
    assert _marked([first, second, table]) == [first.text, second.text]


def test_a_short_rubric_name_pasted_as_a_title_is_the_courses():
    import dataclasses

    short = dataclasses.replace(RUBRIC, name="Lab report")
    fingerprint = course_fingerprint(short)
    assert fingerprint.name == ("lab", "report")
    for title in ("Lab report", "LAB REPORT", "Lab report -- grading rubric",
                  "Grading rubric: lab report"):
        covered, total = course_words(title, fingerprint)
        assert covered == total == len(normalise(title).split())
    # A title of the student's that is not the name, numbers included, is theirs.
    for title in ("Lab 3 report", "Lab report 3", "My lab report", "Report", "Lab"):
        assert course_words(title, fingerprint)[0] == 0
    # In a pasted report, the name line is the course's; the words below it stay theirs.
    lines = _text_lines("LAB REPORT (grading rubric)", OWN + ".", "Lab 3 report")
    assert _marked(lines, short) == ["LAB REPORT (grading rubric)"]
    # A one-word name, or one of rubric words only, names nothing: such a line is a student's.
    for name, title in (("Report rubric", "Report"), ("Grading rubric", "Grading rubric")):
        fingerprint = course_fingerprint(dataclasses.replace(RUBRIC, name=name))
        assert fingerprint.name == () and not is_course_text(title, fingerprint)


def test_a_two_word_rubric_title_is_the_courses_only_as_a_whole_line():
    fingerprint = course_fingerprint(RUBRIC)
    for line in ("8. Hyperparameters listed (1 pt)", "Hyperparameters listed",
                 "**Appropriate references** (1 point)"):
        assert is_course_text(line, fingerprint)
    # The same two words in a sentence of the student's are theirs.
    for line in ("Hyperparameters listed below", "Appropriate references were hard to find"):
        assert course_words(line, fingerprint)[0] == 0
    lines = _text_lines("8. Hyperparameters listed (1 pt)", "Hyperparameters listed below",
                        "epochs 5, batch size 32")
    assert _marked(lines) == ["8. Hyperparameters listed (1 pt)"]


def test_a_pasted_line_at_exactly_the_share_is_the_courses_in_a_passage_too():
    fragment = _long_rubric_sentence()[:SHINGLE + 1]
    own = ["zebra", "quokka", "marmot", "ibex", "tapir"]
    at_share = Line(" ".join(fragment + own[:4]), "r.txt:1", "prose")  # 6 of 10 words
    over = Line(" ".join(fragment + own), "r.txt:3", "prose")  # 6 of 11
    assert _marked([at_share, Line("Notes", "r.txt:2", "heading", 2), over]) == \
        [at_share.text]


def test_a_three_word_rubric_title_is_found_inside_a_longer_line():
    fingerprint = course_fingerprint(RUBRIC)
    assert ("evaluation", "metrics", "named") in fingerprint.phrases
    line = "Evaluation metrics named: accuracy"  # the title and one word of the student's
    assert course_words(line, fingerprint) == (3, 4) and is_course_text(line, fingerprint)
    assert course_words("Metrics named: accuracy", fingerprint) == (0, 3)


def test_a_reviewers_notes_and_struck_out_text_are_not_the_students():
    submission = _submission(
        Line("Model: MLP with dropout [JK: how many parameters? the lab prints 669,706]",
             "r.md:1", "prose"),
        Line("[Aisha, overall: the lab 3 column is the best one.]", "r.md:2", "prose"),
        Line("Best test accuracy [deleted: 99%] [inserted: 98.3%] with dropout 0.1.",
             "r.md:3", "prose"),
        Line("[Note: I re-ran this with seed 7 and got 98.2%.]", "r.md:4", "prose"))
    assert remove_others_notes(submission) == 3
    lines = submission.documents[0].lines
    assert lines[0].text == "Model: MLP with dropout " and lines[0].kind == "prose"
    assert lines[1].kind == "prompt"  # nothing of the student's was on it
    assert lines[2].text == "Best test accuracy  98.3% with dropout 0.1."
    assert lines[3].text.startswith("[Note: I re-ran")  # the student's own aside stays
    assert remove_others_notes(submission) == 0  # the notes are gone: nothing more to take


def test_a_paragraph_a_peer_reviewer_signed_with_their_role_is_not_the_students():
    submission = _submission(
        Line("Reviewer (Sam): Nora, you got 99.38% with the strong design but ran it", "r.md:1",
             "prose"),
        Line("for 8 epochs and the reference for 15, so the comparison is not fair.", "r.md:2",
             "prose"),
        Line("", "r.md:3", "blank"),
        Line("Thanks Sam, I will add the seed runs here.", "r.md:4", "prose"),
        Line("Peer reviewer Lea: add the split sizes.", "r.md:5", "prose"),
        Line("", "r.md:6", "blank"),
        Line("Reviewers often ask for more epochs: I kept 15.", "r.md:7", "prose"))
    assert remove_others_notes(submission) == 3
    kinds = [line.kind for line in submission.documents[0].lines]
    # the reviewer's paragraph, wrapped over two lines, and Lea's note are theirs
    assert kinds == ["prompt", "prompt", "blank", "prose", "prompt", "blank", "prose"]


def test_a_students_first_person_claim_keeps_their_own_words_around_the_courses():
    """The course never writes "I": a sentence in the first person that restates a lab's
    docstring is the student's claim; the docstring's words are taken out of it, the rest is
    read as the student's (gaps marked "…"). The same docstring pasted alone stays a prompt,
    and so does a rubric example answer pasted in the first person."""
    docstring = ("Tokenize, remove stop words, stem and lemmatize; count the most frequent "
                 "tokens.")
    claim = ("I can now tokenize, remove stop words, stem and lemmatize; count the most "
             "frequent tokens. Next, embeddings.")
    example = next(e for c in RUBRIC.criteria for e in c.examples if e.startswith("I "))
    pasted, own, copied = (Line(text, f"r.md:{n}", "prose")
                           for n, text in enumerate((docstring, claim, example), 1))
    blank = Line("", "r.md:0", "blank")
    assert mark_course_text(_submission(pasted, blank, own, blank, copied), RUBRIC) == 2
    assert (pasted.kind, copied.kind, own.kind) == ("prompt", "prompt", "prose")
    assert own.text == "I can now … Next, embeddings."
    # a claim wrapped over two lines is one sentence: its second line is the student's too
    first, second = (Line("I can now tokenize, remove stop words, stem", "r.md:1", "prose"),
                     Line("and lemmatize; count the most frequent tokens.", "r.md:2", "prose"))
    assert mark_course_text(_submission(first, second), RUBRIC) == 1
    assert (first.kind, first.text, second.kind) == ("prose", "I can now", "prompt")
