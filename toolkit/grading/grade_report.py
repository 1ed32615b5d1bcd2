"""The grader's outputs: per-student feedback, the gradebook, the class summary.

- ``<out>/<student>/feedback.md``: score, how much of the text is the student's own words,
  one row per criterion (points, status), then the evidence and a feedback sentence for each,
  and the warnings about the submission;
- ``<out>/gradebook.csv``: one row per student and lab (a submission covering several labs
  is graded once per lab), per-criterion points, total, max; such students get one
  ``feedback_<lab>.md`` per lab;
- ``<out>/summary.md`` and ``summary.html``: pass rate per criterion and per lab, a score
  histogram
  (``score_histogram.png``), the most common missing items, the students needing review,
  the warnings;
- ``<out>/review.toml``: an ``overrides.toml`` entry for every "needs review", ready to copy,
  and a ``[[flag]]`` table for every class integrity flag (:mod:`toolkit.grading.integrity`);
- the summary's "Class integrity" and "Roster" sections come from
  :mod:`toolkit.grading.class_sections`.

Pages come from ``course/templates/{feedback.md,summary.md,summary.html}`` (string.Template,
as the reflection draft). Everything a student wrote is escaped for the page it reaches
(:mod:`toolkit.safe_text`): ``for_html`` for HTML (escaped, no control or bidi character
live); Markdown punctuation and HTML escaped
in Markdown (so neither a ``<script>`` nor an ``![image](http://...)`` is live); spreadsheet
formulas defused in the CSV; ``review.toml`` written with a TOML writer (``tomli_w``).
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import Counter
from pathlib import Path
from string import Template

from toolkit.formats import markdown_table
from toolkit.grading import class_sections
from toolkit.grading.assessment import MET, MISSING, PARTIAL, REVIEW, StudentGrade
from toolkit.grading.integrity import Flag
from toolkit.grading.roster import RosterMatch
from toolkit.grading.rubric import Rubric
from toolkit.reflection import TEMPLATES_DIR
from toolkit.repeated_lines import bounded
from toolkit.safe_text import encodable, for_csv, for_html, for_markdown, one_line

# Size budgets: however many warnings a submission gives (60,000 zip members that point
# outside the archive), a page lists them grouped by kind, a few of each, within its budget.
SUMMARY_BYTES = 2**20
FEEDBACK_BYTES = 256 * 2**10
SUMMARY_WARNING_LINES = 2000
FEEDBACK_WARNING_LINES = 500


def bounded_warnings(warnings: list[str], *, budget: int = SUMMARY_BYTES // 2,
                     max_lines: int = SUMMARY_WARNING_LINES) -> list[str]:
    """The warnings a page shows: grouped by kind, the first few of each, with lines saying
    how many more there were (the gradebook's ``warnings`` column keeps the exact count)."""
    return bounded(warnings, show=5, max_lines=max_lines, budget=budget,
                   rest="the gradebook counts every warning per student")


def _write_page(path: Path, text: str) -> Path:
    """Write a page as UTF-8: a lone surrogate that got this far is shown as an escape."""
    path.write_text(encodable(text), encoding="utf-8")
    return path


def _template(name: str) -> Template:
    return Template((TEMPLATES_DIR / name).read_text(encoding="utf-8"))


def _points(value: float) -> str:
    return f"{value:g}"


def md_escape(text) -> str:
    """Student text made safe for Markdown (a table cell too): no HTML, links, images or
    pipes; one line."""
    return for_markdown(text)


def md_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table of student text, every cell escaped."""
    return markdown_table(header, rows, cell=md_escape, empty="_none_")


def html_table(header: list[str], rows: list[list], *, numeric: tuple[int, ...] = (),
               highlight: set[int] | None = None) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{for_html(h)}</th>" for h in header)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(f'<td class="num">{for_html(c)}</td>' if i in numeric
                        else f"<td>{for_html(c)}</td>" for i, c in enumerate(row))
        css = ' class="review"' if highlight and index in highlight else ""
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _today() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="minutes")


# --- one student ---------------------------------------------------------------------------

def feedback_text(grade: StudentGrade, rubric: Rubric) -> str:
    rows, details = [], []
    for result in grade.results:
        criterion = result.criterion
        label = criterion.title + (" (extra credit)" if criterion.extra_credit else "")
        status = result.status + (" (instructor)" if result.overridden else "")
        rows.append([label, f"{_points(result.points)} / {_points(criterion.points)}", status])
        # Two requirements often quote the same paragraph: show each excerpt once.
        evidence = "\n".join(f"  - {md_escape(e)}" for e in dict.fromkeys(result.evidence)
                              ) or "  - none"
        details.append(f"### {md_escape(label)}: {_points(result.points)} / "
                       f"{_points(criterion.points)}, {result.status}\n"
                       f"{md_escape(result.feedback)}\n\n- Evidence:\n{evidence}\n")
    review = grade.needs_review
    review_note = ""
    if review:
        which = "1 criterion needs" if len(review) == 1 else f"{len(review)} criteria need"
        review_note = (f"\n> **Provisional:** {which} a person to look "
                       f"({', '.join(r.criterion.id for r in review)}); "
                       f"{'its' if len(review) == 1 else 'their'} points may change.\n")
    warnings = ""
    if grade.warnings:
        shown = bounded_warnings(grade.warnings, budget=FEEDBACK_BYTES // 2,
                                 max_lines=FEEDBACK_WARNING_LINES)
        warnings = "\n## Problems reading your submission\n" + "\n".join(
            f"- {md_escape(w)}" for w in shown) + "\n"
    extra = (f" ({_points(grade.base_points)} + {_points(grade.extra_points)} extra credit)"
             if grade.extra_points else "")
    return _template("feedback.md").substitute(
        student=md_escape(grade.student + (f", {grade.lab}" if grade.split else "")),
        total=_points(grade.total),
        max_points=_points(rubric.max_points), extra_note=extra,
        rubric_name=md_escape(rubric.name), date=_today(), review_note=review_note,
        authorship=grade.authorship.sentence() if grade.authorship else "",
        table=md_table(["criterion", "points", "status"], rows),
        details="\n".join(details), warnings=warnings)


def write_feedback(grade: StudentGrade, rubric: Rubric, out: Path) -> Path:
    folder = out / grade.student
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"feedback_{grade.lab}.md" if grade.split else "feedback.md")
    return _write_page(path, feedback_text(grade, rubric))


# --- the class -----------------------------------------------------------------------------

def _csv_safe(value) -> str:
    """Defuse spreadsheet formulas: a cell starting with = + - @ is prefixed with '."""
    return for_csv(value)


def write_gradebook(grades: list[StudentGrade], rubric: Rubric, path: Path) -> Path:
    header = ["student", "lab", *[c.id for c in rubric.criteria], "extra_credit", "total",
              "max", "needs_review", "warnings"]
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for grade in grades:
            writer.writerow([_csv_safe(v) for v in [
                grade.student, grade.lab, *[_points(r.points) for r in grade.results],
                _points(grade.extra_points), _points(grade.total), _points(rubric.max_points),
                " ".join(r.criterion.id for r in grade.needs_review), len(grade.warnings)]])
    return path


MAX_BARS = 60  # the score histogram's bars at most, whatever the rubric's points


def histogram_lines(rubric: Rubric, step: float) -> tuple[float | None, float]:
    """Where the pass mark's line and the extra credit's line stand on a histogram whose bars
    are ``step`` points wide, each centred on its score: on the edge between the last bar
    below and the first bar at or above (with half points, 8.5 fails a pass mark of 9 and its
    bar stays left of the line)."""
    pass_line = None if rubric.pass_mark is None else rubric.pass_mark - step / 2
    return pass_line, rubric.max_points + step / 2


def write_histogram(grades: list[StudentGrade], rubric: Rubric, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    top = rubric.max_points + rubric.extra_points
    fig, ax = plt.subplots(figsize=(7, 3.6))
    totals = [g.total for g in grades]
    step = 0.5 if any(t % 1 for t in totals) else 1.0  # half points get their own bars
    step = max(step, top / MAX_BARS)  # a rubric of 4,000 points still draws 60 bars
    edges = [i * step - step / 2 for i in range(int(top / step) + 2)]
    ax.hist(totals, bins=edges, color="tab:blue", edgecolor="white")
    pass_line, extra_line = histogram_lines(rubric, step)
    if pass_line is not None:
        ax.axvline(pass_line, color="crimson", linestyle="--",
                   label=f"pass mark {rubric.pass_mark:g}")
        ax.legend()
    ax.axvline(extra_line, color="gray", linestyle=":")
    ax.set_xlabel(f"score (max {rubric.max_points:g}, extra credit to the right of the "
                  f"dotted line)")
    ax.set_ylabel("students")
    ax.set_title(f"Scores of {len(grades)} submissions")
    if top <= 30:  # a tick per point; a larger rubric gets about 10
        ax.set_xticks(range(int(top) + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def class_tables(grades: list[StudentGrade], rubric: Rubric) -> dict[str, tuple[list, list]]:
    """The summary's tables as ``name -> (header, rows)``, for both Markdown and HTML."""
    count = max(1, len(grades))
    criteria_rows = []
    for index, criterion in enumerate(rubric.criteria):
        statuses = Counter(g.results[index].status for g in grades)
        criteria_rows.append([
            criterion.id + (" (extra)" if criterion.extra_credit else ""),
            _points(criterion.points), statuses[MET], statuses[PARTIAL], statuses[MISSING],
            statuses[REVIEW], f"{100 * statuses[MET] / count:.0f}%"])
    missing = Counter((r.criterion.id, item) for g in grades for r in g.results
                      if not r.overridden for item in r.missing_items)
    missing_rows = [[criterion, item, n] for (criterion, item), n in missing.most_common(10)]
    review_rows = [[g.student, r.criterion.id, _points(r.points), r.evidence[0] if r.evidence
                    else ""] for g in grades for r in g.needs_review]
    pass_mark = rubric.pass_mark if rubric.pass_mark is not None else rubric.max_points / 2
    by_lab: dict[str, list[StudentGrade]] = {}
    for grade in grades:
        by_lab.setdefault(grade.lab or "(lab not named)", []).append(grade)
    lab_rows = [[lab, len(found), sum(g.total >= pass_mark for g in found),
                 f"{100 * sum(g.total >= pass_mark for g in found) / len(found):.0f}%",
                 f"{statistics.mean(g.total for g in found):.1f}"]
                for lab, found in sorted(by_lab.items())]
    gradebook_rows = [[g.student, _points(g.base_points), _points(g.extra_points),
                       _points(g.total), len(g.needs_review), len(g.warnings)] for g in grades]
    return {
        "criteria_table": (["criterion", "points", "met", "partial", "missing",
                            "needs review", "pass rate"], criteria_rows),
        "missing_table": (["criterion", "missing item", "students"], missing_rows),
        "review_table": (["student", "criterion", "provisional points", "evidence"],
                         review_rows),
        "gradebook_table": (["student", "points", "extra credit", "total", "needs review",
                             "warnings"], gradebook_rows),
        "lab_table": (["lab", "submissions", "passed", "pass rate", "mean score"], lab_rows),
    }


def write_summary(grades: list[StudentGrade], rubric: Rubric, out: Path, *,
                  submissions: Path, seconds: float, warnings: list[str],
                  flags: list[Flag] = (), roster: RosterMatch | None = None,
                  roster_problems: list[str] = ()) -> tuple[Path, Path]:
    write_histogram(grades, rubric, out / "score_histogram.png")
    totals = [g.total for g in grades] or [0.0]
    pass_mark = rubric.pass_mark if rubric.pass_mark is not None else rubric.max_points / 2
    facts = {
        "rubric_name": rubric.name, "count": len(grades), "date": _today(),
        "submissions": str(submissions), "mean": f"{statistics.mean(totals):.1f}",
        "median": _points(statistics.median(totals)), "max_points": _points(rubric.max_points),
        "passed": sum(t >= pass_mark for t in totals), "pass_mark": _points(pass_mark),
        "seconds": f"{seconds:.1f}", "per_submission": f"{seconds / max(1, len(grades)):.3f}",
    }
    tables = class_tables(grades, rubric)
    shown = bounded_warnings(warnings)
    markdown = _template("summary.md").substitute(
        {key: md_escape(value) for key, value in facts.items()},
        **{name: md_table(*table) for name, table in tables.items()
           if name != "gradebook_table"},
        integrity=class_sections.integrity_markdown(list(flags)),
        roster=class_sections.roster_markdown(roster, list(roster_problems)),
        warnings="\n".join(f"- {md_escape(w)}" for w in shown) or "_none_")
    review_students = {i for i, row in enumerate(tables["gradebook_table"][1]) if row[4]}
    page = _template("summary.html").substitute(
        {key: for_html(value) for key, value in facts.items()},
        criteria_table=html_table(*tables["criteria_table"], numeric=(1, 2, 3, 4, 5, 6)),
        lab_table=html_table(*tables["lab_table"], numeric=(1, 2, 3, 4)),
        missing_table=html_table(*tables["missing_table"], numeric=(2,)),
        review_table=html_table(*tables["review_table"], numeric=(2,)),
        gradebook_table=html_table(*tables["gradebook_table"], numeric=(1, 2, 3, 4, 5),
                                   highlight=review_students),
        integrity=class_sections.integrity_html(list(flags)),
        roster=class_sections.roster_html(roster, list(roster_problems)),
        warnings=("<ul>" + "".join(f"<li>{for_html(w)}</li>" for w in shown) + "</ul>")
        if shown else "<p><em>none</em></p>")
    md_path, html_path = out / "summary.md", out / "summary.html"
    _write_page(md_path, markdown)
    _write_page(html_path, page)
    return md_path, html_path


def write_review(grades: list[StudentGrade], path: Path, flags: list[Flag] = ()) -> Path:
    """``review.toml``: an override entry per "needs review", ready to copy and edit, and a
    ``[[flag]]`` table per class integrity flag (for reading: overrides.toml takes none).

    Written with ``tomli_w``, so any character a student used stays valid TOML.
    """
    import tomli_w

    entries = []
    for grade in grades:
        for result in grade.needs_review:
            evidence = result.evidence[0] if result.evidence else ""
            entries.append({"student": grade.student,
                            **({"lab": grade.lab} if grade.split else {}),
                            "criterion": result.criterion.id,
                            "points": result.points, "max_points": result.criterion.points,
                            "comment": "", "evidence": one_line(evidence)[:300]})
    header = ("# Decisions the grader left to you. Copy an entry into overrides.toml, set the\n"
              "# points (provisional now; max_points is the most), write a comment for the\n"
              "# student, and grade again. The evidence is what the grader found.\n"
              "# Each [[flag]] is a class integrity flag with its evidence: for you to check,\n"
              "# never a penalty (copy only [[override]] entries into overrides.toml).\n\n")
    document = {"override": entries}
    if flags:
        document["flag"] = class_sections.review_entries(list(flags))
    _write_page(path, header + tomli_w.dumps(document))
    return path
