"""toolkit.grading.course_text: what the course wrote never counts as the student's words,
wherever it sits (a table, a generated line) and however little of a rubric sentence is
pasted (five words in a row are enough)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.grading import course_text
from toolkit.grading.course_text import (
    COURSE_SHARE,
    SHINGLE,
    authorship,
    course_fingerprint,
    course_words,
    is_course_text,
    mark_course_text,
    normalise,
    rubric_texts,
    shingles,
)
from toolkit.grading.report_text import Document, Line
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
    submission = _submission(own, prose, table, generated, code)
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
