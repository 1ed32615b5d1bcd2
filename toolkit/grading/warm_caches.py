"""Fill the grader's caches once, in the grader's process, before any worker is forked.

Each student is graded in a forked worker (:mod:`toolkit.grading.isolation`), and what a
worker computes dies with it. Several things every grade needs are computed once and cached:
the course text's fingerprint (its shingles, :mod:`toolkit.grading.course_text`), the
rubric's keyword patterns and word stems (:mod:`toolkit.grading.report_text`), the syllabus'
lab markers (:mod:`toolkit.grading.lab_split`) and, with the sentence encoder, the vectors of
the rubric's and the course's text (:mod:`toolkit.grading.meaning`). Filled in a worker, they
were built again for every student (about 0.2 CPU-seconds of the 0.25 a short report took);
filled here, every worker inherits them with the fork.

:func:`warm_caches` fills what it can name and then grades one small report built from the
rubric's own words, so whatever else a grade caches is filled as well. Nothing it does
changes a grade: the caches hold the same values whoever fills them. It never fails the
class: a problem here only means the workers fill the caches themselves.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.grading.lab_split import LabMap
from toolkit.grading.rubric import Rubric

_REPORT_NAME = "report.md"


def sample_report(rubric: Rubric) -> str:
    """A short report that touches every criterion: its title as a heading, then its
    requirements, keywords and example answers as prose."""
    parts = []
    for criterion in rubric.criteria:
        parts.append(f"## {criterion.title}")
        for requirement in criterion.requirements:
            words = list(requirement.text.keywords) if requirement.text is not None else []
            parts.append(f"{requirement.what} {' '.join(words)}. The accuracy was 91.2%.")
        parts += list(criterion.examples[:1])
    return "\n\n".join(parts) + "\n"


def warm_caches(rubric: Rubric, lab_map: LabMap | None = None, encoder=None) -> None:
    """Fill the caches a grade uses (see the module's docstring); ``encoder``: the grader's
    sentence encoder, or None for the rules alone."""
    try:
        _fill(rubric, lab_map, encoder)
    except Exception:  # noqa: BLE001 - the workers will fill the caches themselves
        pass


def _fill(rubric: Rubric, lab_map: LabMap | None, encoder) -> None:
    from toolkit.grading.assessment import assess_labs, rubric_words
    from toolkit.grading.course_text import course_fingerprint
    from toolkit.grading.report_text import keyword_pattern, markdown_document, stems
    from toolkit.grading.submission_facts import submission_facts
    from toolkit.grading.submissions import Submission

    course_fingerprint(rubric)
    for word in rubric_words(rubric):
        keyword_pattern(word)
        stems(word)
    if encoder is not None:
        from toolkit.grading.meaning import meaning_for

        meaning_for(rubric, encoder)
    # One small report, graded in memory (no file is read or written): whatever else a
    # grade caches is filled too.
    submission = Submission("warm-up", Path("warm-up"))
    submission.documents.append(markdown_document(_REPORT_NAME, sample_report(rubric)))
    assess_labs(submission, rubric, lab_map=lab_map)
    submission_facts(submission)
