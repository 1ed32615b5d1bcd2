"""Bounded reports: repeated warnings are counted and shown a few at a time, and every page
has a size budget, however much a submission or a record holds. Built without grading a
class (the graded end-to-end case, a zip of refused members, is in
``test_hostile_round2_names.py``; the full-scale sizes come from
``python tests/hostile/odd_inputs.py --big``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

from odd_inputs import bad_entries_record, many_result_rows, record_with  # noqa: E402

from toolkit import reflection  # noqa: E402
from toolkit.grading import grade_report  # noqa: E402
from toolkit.grading.isolation import ungraded  # noqa: E402
from toolkit.grading.rubric import load_rubric  # noqa: E402
from toolkit.record import check_record  # noqa: E402
from toolkit.repeated_lines import bounded, condense, shape  # noqa: E402

REFUSED = [f"zip member '../escape/{i:06d}.md' points outside the archive (absolute or ../ "
           f"path): skipped" for i in range(20_000)]


def test_lines_of_one_shape_are_counted_and_a_few_shown():
    shown = condense(REFUSED, show=3)
    assert shown[:3] == REFUSED[:3]
    assert shown[3] == "... and 19,997 more like it" and len(shown) == 4


def test_lines_of_different_shapes_and_students_stay_apart():
    lines = ["alice: report.md is not valid UTF-8", "bob: report.md is not valid UTF-8",
             "alice: notes.md is not valid UTF-8", "alice: x.zip is not a readable zip file"]
    assert shape(lines[0]) == shape(lines[2]) != shape(lines[1])
    assert condense(lines, show=1) == [lines[0], "... and 1 more like it", lines[1], lines[3]]


def test_bounded_caps_lines_and_bytes_and_says_how_many_were_left_out():
    distinct = [f"s{i}: problem {'x' * (i % 7)} here" for i in range(5000)]
    shown = bounded(distinct, max_lines=200, rest="see summary.md")
    assert len(shown) == 201 and shown[-1] == "... and 4,800 more lines: see summary.md"
    huge = [f"s{i}: " + "y" * 300_000 for i in range(8)]
    text = "\n".join(bounded(huge, budget=100_000, max_lines=50))
    assert len(text.encode()) <= 100_000 and "more characters" in text


def test_feedback_and_summary_of_20000_refused_members_stay_within_budget(tmp_path):
    rubric = load_rubric()
    grade = ungraded("mallory", tmp_path, rubric, "test")
    grade.warnings += REFUSED
    feedback = grade_report.feedback_text(grade, rubric)
    assert len(feedback.encode()) <= grade_report.FEEDBACK_BYTES
    assert feedback.count("points outside") == 5 and "19,995 more like it" in feedback
    warnings = [f"mallory: {line}" for line in REFUSED]
    shown = grade_report.bounded_warnings(warnings)
    assert len("\n".join(shown).encode()) <= grade_report.SUMMARY_BYTES
    assert shown[-1] == "... and 19,995 more like it"


def test_20000_bad_entries_give_a_bounded_list(tmp_path):
    record, problems = check_record(bad_entries_record(20_000))
    assert len(problems) == 40_000  # every entry is still checked and left out
    shown = grade_report.bounded_warnings([f"mallory: {p}" for p in problems])
    assert len(shown) <= 20 and any("more like it" in line for line in shown)


def test_a_reflection_draft_of_20000_result_rows_stays_within_budget():
    draft = reflection.render(many_result_rows(20_000))
    assert len(draft.encode()) <= reflection.MAX_DRAFT_BYTES
    assert draft.count("\n|") <= 6 * (reflection.MAX_TABLE_ROWS + 2)
    assert "19,975 more rows in record.json" in draft
    assert "more figures in record.json" in draft
    assert max(len(line) for line in draft.splitlines()) < 4000


def test_a_draft_of_one_huge_cell_or_list_is_cut_with_a_note():
    record = record_with(hyperparameters={"notes": "word " * 100_000},
                         warnings=[f"warning {i}" for i in range(5000)],
                         references=[f"Paper {i} (2020)" for i in range(5000)])
    draft = reflection.render(record)
    assert len(draft.encode()) <= reflection.MAX_DRAFT_BYTES
    assert draft.count("**Warning:**") <= reflection.MAX_LIST_ITEMS + 1
    assert draft.count("Paper ") <= reflection.MAX_LIST_ITEMS
    assert "4,997 more like it" in draft and "more references in record.json" in draft

