"""How often does the grader agree with an instructor? Grades the agreement corpora.

    python benchmarks/grader_agreement.py [--set tuning|heldout|both] [--details] [--check]
    python benchmarks/grader_agreement.py --reflections [--details] [--check]
    python benchmarks/grader_agreement.py --corpus tests/data/reports   # one report folder

``tests/data/reports/`` holds reports in the forms students hand in (plain text, Markdown,
.docx, PDF, a notebook, HTML, a run folder), each with a TOML of the points an instructor gave
per criterion of ``course/rubrics/lab_report.toml`` (see the corpus README). Per report and
overall it prints:

- **agreement**: criteria where the grader's level (met / partial / missing, from its points)
  is the instructor's;
- **|error|**: the absolute difference of the totals (extra credit included), and how many
  reports are within one point;
- **review**: criteria the grader leaves as "needs review";
- **evidence**: for criteria where the instructor named the paragraph they would point at,
  how often the grader quotes that paragraph.

Targets (``--check`` exits 1 below them; issue 22): reports: agreement >= 92%, total within
+-1 point on >= 90% of reports; reflections: agreement >= 85%, total within +-1 on >= 80% of
lab parts; both: "needs review" on <= 15% of criteria, the right paragraph quoted on >= 80%.

Two sets, reported apart (``--set``, default ``tuning``):

- **tuning**: ``tests/data/reports/``, the reports the grader was tuned on, and with
  ``--reflections`` ``tests/data/reflections/`` (reflections graded against
  ``course/rubrics/reflection.toml``; a document covering several labs has one ``[[part]]`` of
  points per lab); ``--check`` and the tests hold them to the targets above.
- **heldout**: ``tests/data/heldout/``, reports and reflection documents written and graded by
  hand before the meaning-based grader (issue #22), never tuned on. Its figures are printed
  next to the issue's goals (reports: agreement >= 92%, within +-1 on >= 90%; reflections per
  lab section: agreement >= 85%, within +-1 on >= 80%) and never fail a check or a test.
  Reflections are graded with ``course/rubrics/reflection.toml`` and compared per lab section:
  the grader's grade for the same lab; a part it graded without a lab of the instructor's
  (not split, or split at the wrong marker) stands for the next section in the document's
  order; a section left without a grade counts as 0 points from the grader.

Takes a few seconds per set without the sentence encoder, about half a minute with it
(loading it); nothing is written.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: grade with this checkout's toolkit
    sys.path.insert(0, str(ROOT))

from toolkit.grading.assessment import StudentGrade, assess_labs  # noqa: E402
from toolkit.grading.report_text import shorten  # noqa: E402
from toolkit.grading.rubric import Rubric, load_rubric  # noqa: E402
from toolkit.grading.submissions import Submission, read_submission  # noqa: E402
from toolkit.resources import load_toml  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "reports"
HELDOUT = ROOT / "tests" / "data" / "heldout"
REFLECTIONS = ROOT / "tests" / "data" / "reflections"
REFLECTION_RUBRIC = ROOT / "course" / "rubrics" / "reflection.toml"
TARGETS = {"agreement": 0.92, "within_one": 0.90, "review": 0.15, "evidence": 0.80}
REFLECTION_TARGETS = {**TARGETS, "agreement": 0.85, "within_one": 0.80}
# Issue #22's goals for the held-out set: shown beside its figures, never checked.
HELDOUT_GOALS = {"reports": {"agreement": 0.92, "within_one": 0.90},
                 "reflections": {"agreement": 0.85, "within_one": 0.80}}


def level(points: float, maximum: float) -> str:
    if points >= maximum - 1e-9:
        return "met"
    return "missing" if points <= 1e-9 else "partial"


@dataclass
class ReportResult:
    name: str
    instructor_total: float
    grader_total: float
    agreed: int
    criteria: int
    review: int
    evidence_hits: int
    evidence_checked: int
    disagreements: list[str] = field(default_factory=list)
    # criterion id -> (the instructor's points, the grader's points)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def error(self) -> float:
        return abs(self.grader_total - self.instructor_total)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[*_`#>|]", " ", text).lower().split())


def _quoted(evidence: str) -> str:
    """The excerpt inside the first pair of quotes of an evidence line, without ' ...'."""
    match = re.search(r'"(.+)"', evidence)
    return _normal(match.group(1).removesuffix(" ...")) if match else ""


def _paragraph(submission: Submission, phrase: str) -> str | None:
    """The normalised text of the paragraph (block) holding ``phrase``, as the grader reads it."""
    phrase = _normal(phrase)
    for document in submission.documents:
        for block in document.blocks():
            text = _normal(" ".join(line.text for line in block.lines))
            if phrase in text:
                return text
    return None


def quotes_paragraph(evidence: list[str], submission: Submission, phrase: str) -> bool:
    paragraph = _paragraph(submission, phrase)
    if paragraph is None:
        return False
    for line in evidence:
        excerpt = _quoted(line)
        if excerpt and excerpt[:60] in paragraph:
            return True
    return False


def report_path(toml: Path, expected: dict) -> Path | None:
    """The document a grades file is about: ``report`` (or ``document``), else the same stem."""
    if "report" in expected or "document" in expected:
        return toml.parent / expected.get("report", expected.get("document"))
    return next((path for path in sorted(toml.parent.glob(toml.stem + ".*"))
                 if path.suffix != ".toml"), None)


def compare(name: str, grade: StudentGrade, submission: Submission, expected: dict,
            rubric: Rubric) -> ReportResult:
    criteria = expected["criterion"]
    result = ReportResult(name, sum(float(c["points"]) for c in criteria.values()),
                          grade.total, 0, len(rubric.criteria), len(grade.needs_review), 0, 0)
    for criterion in rubric.criteria:
        wanted = criteria[criterion.id]
        graded = grade.result(criterion.id)
        mine = level(float(wanted["points"]), criterion.points)
        theirs = level(graded.points, criterion.points)
        result.points[criterion.id] = (float(wanted["points"]), graded.points)
        if mine == theirs:
            result.agreed += 1
        else:
            first = shorten(graded.evidence[0], 110) if graded.evidence else "no evidence"
            result.disagreements.append(
                f"{criterion.id}: instructor {float(wanted['points']):g} ({mine}), grader "
                f"{graded.points:g} ({graded.status}) -- {first}")
        if "evidence" in wanted and float(wanted["points"]) > 0:
            result.evidence_checked += 1
            if quotes_paragraph(graded.evidence, submission, wanted["evidence"]):
                result.evidence_hits += 1
            else:
                result.disagreements.append(
                    f"{criterion.id}: quotes the wrong paragraph (instructor: "
                    f"\"{wanted['evidence']}\") -- "
                    + (shorten(graded.evidence[0], 110) if graded.evidence else "nothing"))
    return result


def run_benchmark(corpus: Path = CORPUS, rubric: Rubric | None = None, *,
                  one_lab: bool = True) -> list[ReportResult]:
    """One result per report of ``corpus``, or per lab part of a document with ``[[part]]``s.
    ``one_lab``: a report the grader splits into other labs than the instructor's stops the
    benchmark (the tuning set); otherwise the grade of the instructor's lab (or the next
    unpaired one) is compared, a lab part the grader did not find scores 0, and the split is
    noted (the held-out set and any other corpus)."""
    rubric = rubric or load_rubric()
    results = []
    for toml in sorted(corpus.glob("*.toml")):
        expected, submission, grades = graded(toml, rubric)
        if "part" in expected:  # a reflection covering several labs
            parts = [(f"{toml.stem} {part.get('lab')}", part.get("lab"), part)
                     for part in expected["part"]]
            missed = {lab for _, lab, _ in parts} - {g.lab for g in grades}
            if one_lab and missed:
                raise SystemExit(f"{toml.stem} {', '.join(sorted(missed))}: the grader found "
                                 f"{len(grades)} labs "
                                 f"({', '.join(g.lab or '?' for g in grades)})")
            results += compare_parts(parts, grades, submission, rubric)
            continue
        if len(grades) != 1 and one_lab:
            raise SystemExit(f"{toml.name}: the grader found {len(grades)} labs in one report")
        grade = next((g for g in grades if g.lab == expected.get("lab")), grades[0])
        result = compare(toml.stem, grade, submission, expected, rubric)
        if len(grades) != 1:
            result.disagreements.insert(0, f"the grader split the report into {len(grades)} "
                                           f"labs ({', '.join(g.lab or '?' for g in grades)})")
        results.append(result)
    return results


def graded(toml: Path, rubric: Rubric) -> tuple[dict, Submission, list[StudentGrade]]:
    """A grades file's expectations, its document as read, and the grader's grades of it."""
    expected = load_toml(toml)
    path = report_path(toml, expected)
    if path is None or not path.exists():
        raise SystemExit(f"{toml.name}: its report is missing")
    submission = read_submission(toml.stem, path)
    return expected, submission, assess_labs(submission, rubric)  # as python -m toolkit.grade


def pair_sections(sections: list[str], grades: list[StudentGrade]
                  ) -> tuple[list[tuple[str, StudentGrade | None]], list[StudentGrade]]:
    """``([(instructor's lab, the grader's grade or None)], grades paired with no section)``.

    The grade of the same lab first; a grade whose lab the instructor has no section for (an
    unsplit document, a wrong marker) stands for the next unpaired section in order.
    """
    by_lab = {g.lab: g for g in grades if g.lab in sections}
    spare = [g for g in grades if g.lab not in sections]
    pairs = []
    for lab in sections:
        pairs.append((lab, by_lab.get(lab) or (spare.pop(0) if spare else None)))
    return pairs, spare


def run_reflections(corpus: Path = HELDOUT / "reflections", rubric: Rubric | None = None
                    ) -> list[ReportResult]:
    """One result per lab section of every reflection document in ``corpus``."""
    rubric = rubric or load_rubric(REFLECTION_RUBRIC)
    results = []
    for toml in sorted(corpus.glob("*.toml")):
        expected, submission, grades = graded(toml, rubric)
        parts = [(f"{toml.stem} {lab[:5]}", lab, points)
                 for lab, points in expected["lab"].items()]
        results += compare_parts(parts, grades, submission, rubric)
    return results


def compare_parts(parts: list[tuple[str, str, dict]], grades: list[StudentGrade],
                  submission: Submission, rubric: Rubric) -> list[ReportResult]:
    """One result per lab part ``(name, lab, the instructor's points)`` of one document: the
    grader's grade of that lab (or the next unpaired one, noted), 0 points where it gave
    none; grades paired with no part are noted on the last."""
    pairs, spare = pair_sections([lab for _, lab, _ in parts], grades)
    results = []
    for (name, lab, expected), (_, grade) in zip(parts, pairs, strict=True):
        if grade is None:
            results.append(ungraded(name, expected, rubric))
            continue
        result = compare(name, grade, submission, expected, rubric)
        if grade.lab != lab:
            result.disagreements.insert(0, f"graded as {grade.lab or 'one document'}")
        results.append(result)
    if spare:
        results[-1].disagreements.append(
            "the grader also graded " + ", ".join(f"{g.lab or '?'} ({g.total:g})"
                                                  for g in spare))
    return results


def ungraded(name: str, expected: dict, rubric: Rubric) -> ReportResult:
    """A lab section the grader gave no grade: 0 points on every criterion."""
    criteria = expected["criterion"]
    result = ReportResult(name, sum(float(c["points"]) for c in criteria.values()), 0.0, 0,
                          len(rubric.criteria), 0, 0, 0, ["the grader gave this lab no grade"])
    for criterion in rubric.criteria:
        if level(float(criteria[criterion.id]["points"]), criterion.points) == "missing":
            result.agreed += 1
    return result


def overall(results: list[ReportResult]) -> dict[str, float]:
    criteria = sum(r.criteria for r in results)
    checked = sum(r.evidence_checked for r in results)
    return {
        "agreement": sum(r.agreed for r in results) / criteria,
        "mae": sum(r.error for r in results) / len(results),
        "within_one": sum(r.error <= 1 + 1e-9 for r in results) / len(results),
        "review": sum(r.review for r in results) / criteria,
        "evidence": sum(r.evidence_hits for r in results) / checked if checked else 1.0,
    }


def below_targets(figures: dict[str, float], targets: dict[str, float] = TARGETS) -> list[str]:
    failed = [f"{key} {figures[key]:.0%} < {targets[key]:.0%}"
              for key in ("agreement", "within_one", "evidence") if figures[key] < targets[key]]
    if figures["review"] > targets["review"]:
        failed.append(f"review {figures['review']:.0%} > {targets['review']:.0%}")
    return failed


def table(results: list[ReportResult], unit: str = "report") -> str:
    width = max([28] + [len(r.name) for r in results])
    lines = [f"{unit:<{width}} {'instr.':>6} {'grader':>6} {'|err|':>5} {'agree':>7} "
             f"{'review':>6} {'evidence':>8}"]
    for r in results:
        lines.append(f"{r.name:<{width}} {r.instructor_total:>6g} {r.grader_total:>6g} "
                     f"{r.error:>5g} {r.agreed:>3}/{r.criteria:<3} {r.review:>6} "
                     f"{r.evidence_hits:>4}/{r.evidence_checked:<3}")
    figures = overall(results)
    lines.append(f"overall: criterion agreement {figures['agreement']:.1%}, MAE of the total "
                 f"{figures['mae']:.2f}, total within +-1 point on {figures['within_one']:.0%} "
                 f"of {unit}s, needs review on {figures['review']:.1%} of criteria, right "
                 f"paragraph quoted {figures['evidence']:.0%}")
    return "\n".join(lines)


def details(results: list[ReportResult]) -> str:
    return "\n".join(f"  {r.name}: {line}" for r in results for line in r.disagreements)


def goal_line(results: list[ReportResult], goals: dict[str, float]) -> str:
    figures = overall(results)
    return (f"issue #22 goal (not checked): agreement >= {goals['agreement']:.0%} "
            f"(now {figures['agreement']:.1%}), total within +-1 on >= {goals['within_one']:.0%} "
            f"(now {figures['within_one']:.0%})")


def print_heldout(show_details: bool) -> None:
    """The held-out reports, then the held-out reflections per lab section."""
    for kind, unit, results in (
            ("reports", "report", run_benchmark(HELDOUT / "reports", one_lab=False)),
            ("reflections", "lab section", run_reflections())):
        print(f"\n== held-out {kind} ({HELDOUT.relative_to(ROOT) / kind}) ==")
        print(table(results, unit))
        print(goal_line(results, HELDOUT_GOALS[kind]))
        if show_details and details(results):
            print(details(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None,
                        help="the folder to grade (default the tuning set: tests/data/reports, "
                             "with --reflections tests/data/reflections); a lab the grader "
                             "misses in another folder scores 0 and is noted")
    parser.add_argument("--reflections", action="store_true",
                        help="tuning set: grade the reflections with the reflection rubric")
    parser.add_argument("--set", choices=["tuning", "heldout", "both"], default="tuning",
                        help="which set to grade: the tuning reports (default), the held-out "
                             "reports and reflections, or both, reported apart")
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 below the targets (the tuning set only)")
    args = parser.parse_args(argv)
    corpus = args.corpus or (REFLECTIONS if args.reflections else CORPUS)
    failed = []
    if args.set in ("tuning", "both"):
        if args.set == "both":
            shown = corpus.resolve()
            shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
            print(f"== tuning {'reflections' if args.reflections else 'reports'} ({shown}) ==")
        rubric = load_rubric(REFLECTION_RUBRIC) if args.reflections else load_rubric()
        # Another corpus than the tuning set is read like the held-out set: a lab the grader
        # did not find is a miss to count, not a reason to stop.
        results = run_benchmark(corpus, rubric, one_lab=args.corpus is None)
        print(table(results, "lab part" if args.reflections else "report"))
        if args.details and details(results):
            print(details(results))
        failed = below_targets(overall(results),
                               REFLECTION_TARGETS if args.reflections else TARGETS)
        if failed:
            print("below target: " + "; ".join(failed))
    if args.set in ("heldout", "both"):
        print_heldout(args.details)
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
