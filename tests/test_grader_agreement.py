"""The grader agrees with an instructor on reports it was not written for.

``tests/data/reports/`` holds reports in the forms students hand in (plain text from a word
processor, Markdown, .docx, PDF, a notebook, HTML, a run folder), each with the points an
instructor gave per criterion, written before the grader was tuned; ``tests/data/reflections/``
holds reflections graded against the reflection rubric. The benchmark
(``benchmarks/grader_agreement.py``) grades them; this test fails below issue 22's targets on
these tuning sets: reports >= 92% criterion agreement and the total within one point on >= 90%
of reports; reflections >= 85% and >= 80% of lab parts; "needs review" on <= 15% of criteria,
and the paragraph the instructor points at quoted as evidence. The grader reads meaning with
the sentence encoder when it is installed (the figures are measured with it); loading it takes
about 15 s, hence ``slow``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_modules import load_benchmark

from toolkit.grading.rubric import load_rubric
from toolkit.resources import load_toml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "reports"
REFLECTIONS = REPO / "tests" / "data" / "reflections"


@pytest.fixture(scope="module")
def agreement_bench():
    return load_benchmark("grader_agreement")


def test_the_corpus_is_complete_and_small():
    rubric = load_rubric()
    tomls = sorted(CORPUS.glob("*.toml"))
    assert len(tomls) >= 15
    forms = set()
    for toml in tomls:
        expected = load_toml(toml)
        assert set(expected["criterion"]) == set(rubric.by_id), toml.name
        for criterion_id, entry in expected["criterion"].items():
            assert 0 <= entry["points"] <= rubric.by_id[criterion_id].points, toml.name
            assert entry["reason"].strip(), f"{toml.name}: {criterion_id} has no reason"
        report = CORPUS / expected.get("report", "")
        if "report" not in expected:
            report = next(p for p in CORPUS.glob(toml.stem + ".*") if p.suffix != ".toml")
        forms.add(report.suffix or "folder")
    assert {".txt", ".md", ".docx", ".pdf", ".ipynb", ".html", "folder"} <= forms
    for path in CORPUS.rglob("*"):
        assert not path.is_file() or path.stat().st_size < 50_000, path.name


@pytest.fixture(scope="module")
def report_results(agreement_bench):
    return agreement_bench.run_benchmark()


def known_misses(report: str) -> set[str]:
    """The criteria a corpus TOML declares the grader known to miss (``known_miss = "why"``):
    documented in the TOML, counted in the benchmark's figures, left out of the per-report
    checks below so that any other disagreement still fails them."""
    expected = load_toml(CORPUS / f"{report}.toml")
    return {c for c, entry in expected["criterion"].items() if entry.get("known_miss")}


def test_a_known_miss_is_rare_and_says_why():
    declared = {toml.stem: known_misses(toml.stem) for toml in CORPUS.glob("*.toml")}
    for report, criteria in declared.items():
        assert len(criteria) <= 1, report  # one per report at most: the rest must agree
        for criterion_id in criteria:
            why = load_toml(CORPUS / f"{report}.toml")["criterion"][criterion_id]["known_miss"]
            assert isinstance(why, str) and len(why.split()) >= 5, report
    assert sum(map(len, declared.values())) <= 0.1 * len(declared)


@pytest.mark.slow
def test_every_report_agrees_with_the_instructor_within_one_point(agreement_bench,
                                                                  report_results):
    """Per report, not only on average: the total within one point of the instructor's and at
    most one criterion at another level (partial instead of met, ...), a criterion the
    report's TOML declares a known miss aside."""
    rubric = load_rubric()
    for result in report_results:
        known = known_misses(result.name)
        kept = {c: points for c, points in result.points.items() if c not in known}
        error = abs(sum(grader - instructor for instructor, grader in kept.values()))
        disagreements = sum(
            agreement_bench.level(instructor, rubric.by_id[c].points)
            != agreement_bench.level(grader, rubric.by_id[c].points)
            for c, (instructor, grader) in kept.items())
        assert error <= 1, agreement_bench.details([result])
        assert disagreements <= 1, agreement_bench.details([result])


# Per criterion, measured on the tuning reports (benchmarks/grader_agreement_results.md): the
# grader's points are never more than one point from the instructor's on a criterion, and each
# criterion is at the instructor's level on all but at most 10% of the reports.
CRITERION_POINTS_TOLERANCE = 1.0
CRITERION_LEVEL_MISSES = 0.10


@pytest.mark.slow
def test_every_criterion_agrees_with_the_instructor_within_a_tolerance(agreement_bench,
                                                                       report_results):
    rubric = load_rubric()
    misses = dict.fromkeys(rubric.by_id, 0)
    for result in report_results:
        known = known_misses(result.name)
        for criterion_id, (instructor, grader) in result.points.items():
            if criterion_id in known:
                continue
            maximum = rubric.by_id[criterion_id].points
            assert abs(grader - instructor) <= CRITERION_POINTS_TOLERANCE, \
                f"{result.name} {criterion_id}: instructor {instructor:g}, grader {grader:g}"
            misses[criterion_id] += (agreement_bench.level(instructor, maximum)
                                     != agreement_bench.level(grader, maximum))
    allowed = int(CRITERION_LEVEL_MISSES * len(report_results))
    assert {c: n for c, n in misses.items() if n > allowed} == {}, \
        agreement_bench.details(report_results)


@pytest.mark.slow
def test_the_grader_meets_the_agreement_targets(agreement_bench, report_results):
    results = report_results
    figures = agreement_bench.overall(results)
    assert agreement_bench.below_targets(figures) == [], agreement_bench.table(results)
    # The off-topic and the empty report earn nothing; the strong one everything.
    by_name = {r.name: r for r in results}
    assert by_name["r10_off_topic"].grader_total == 0
    assert by_name["r11_empty"].grader_total == 0
    assert by_name["r04_markdown_strong"].grader_total == 17


@pytest.fixture(scope="module")
def reflection_figures(agreement_bench):
    rubric = load_rubric(agreement_bench.REFLECTION_RUBRIC)
    results = agreement_bench.run_benchmark(REFLECTIONS, rubric)
    return agreement_bench.overall(results), agreement_bench.table(results)


def test_the_reflection_corpus_is_graded_by_hand_per_lab():
    rubric = load_rubric(REPO / "course" / "rubrics" / "reflection.toml")
    parts = []
    for toml in sorted(REFLECTIONS.glob("*.toml")):
        expected = load_toml(toml)
        for part in expected.get("part", [expected]):
            assert set(part["criterion"]) == set(rubric.by_id), toml.name
            assert part["lab"].startswith("lab"), toml.name
            parts.append(part)
    assert len(parts) >= 8


@pytest.mark.slow
def test_reflections_meet_the_criterion_agreement_target(agreement_bench, reflection_figures):
    figures, table = reflection_figures
    failed = agreement_bench.below_targets(figures, agreement_bench.REFLECTION_TARGETS)
    assert not [f for f in failed if not f.startswith("within_one")], table


@pytest.mark.slow
def test_reflections_meet_the_totals_target(agreement_bench, reflection_figures):
    figures, table = reflection_figures
    assert figures["within_one"] >= agreement_bench.REFLECTION_TARGETS["within_one"], table


def test_the_benchmark_levels_and_quotes(agreement_bench):
    assert [agreement_bench.level(p, 2) for p in (0, 1, 2)] == ["missing", "partial", "met"]
    figures = {"agreement": 0.5, "within_one": 1, "review": 0.2, "evidence": 1}
    assert agreement_bench.below_targets(figures) == ["agreement 50% < 92%", "review 20% > 15%"]
    assert agreement_bench._quoted('r.md:3: "Most errors are ..."') == "most errors are"
