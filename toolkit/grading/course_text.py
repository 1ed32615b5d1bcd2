"""Text the course wrote, found in a submission, never counts as the student's writing.

Students paste the rubric at the top of a report, and the reflection draft carries the
course's prompts: the TODO lines (already ignored) and the lab-specific questions of
``course/templates/<lab>.md``, which are not marked TODO. :func:`mark_course_text` turns such
lines into ``prompt`` lines, so keyword and word counts read only what the student wrote.

A line is the course's when, with case, Markdown marks and punctuation ignored, it holds a
whole sentence of the rubric (a criterion's title, what a requirement needs, a feedback
sentence) or of a template, or is itself part of one (a line of at least five words).

Example:
    >>> mark_course_text(submission, rubric)   # before assess() reads the documents
    3
"""

from __future__ import annotations

import re
from functools import lru_cache

from toolkit.grading.rubric import Rubric
from toolkit.grading.submissions import Submission
from toolkit.resources import course_path

MIN_WORDS = 5
_PLACEHOLDER = re.compile(r"\$\{?\w+\}?")
_KINDS = ("prose", "table", "generated")


def normalise(text: str) -> str:
    """Lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@lru_cache(maxsize=1)
def template_sentences() -> tuple[str, ...]:
    """The prompt lines of the course's reflection templates (placeholders removed)."""
    folder = course_path("templates")
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix != ".md" or path.stem in ("feedback", "summary"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            for part in _PLACEHOLDER.split(line):
                text = normalise(part)
                if len(text.split()) >= MIN_WORDS:
                    found.append(text)
    return tuple(dict.fromkeys(found))


def rubric_sentences(rubric: Rubric) -> tuple[str, ...]:
    found = []
    for criterion in rubric.criteria:
        found += [criterion.title, criterion.feedback_met]
        for requirement in criterion.requirements:
            found += [requirement.what, requirement.feedback]
    texts = (normalise(text) for text in found)
    return tuple(dict.fromkeys(t for t in texts if len(t.split()) >= MIN_WORDS))


def is_course_text(line: str, sentences: tuple[str, ...]) -> bool:
    text = normalise(line)
    if not text:
        return False
    padded = f" {text} "
    if any(f" {sentence} " in padded for sentence in sentences):
        return True
    return len(text.split()) >= MIN_WORDS and any(f" {text} " in f" {sentence} "
                                                  for sentence in sentences)


def mark_course_text(submission: Submission, rubric: Rubric) -> int:
    """Mark the rubric's and the templates' sentences as ``prompt``; returns how many lines."""
    sentences = rubric_sentences(rubric) + template_sentences()
    marked = 0
    for document in submission.documents:
        for line in document.lines:
            if line.kind in _KINDS and is_course_text(line.text, sentences):
                line.kind = "prompt"
                marked += 1
    return marked
