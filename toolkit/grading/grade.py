"""Grade a folder of lab reports against a rubric: ``python -m toolkit.grade``.

    python -m toolkit.grade SUBMISSIONS/ --rubric lab_report --out grades/
    python -m toolkit.grade SUBMISSIONS/ --rubric reflection --roster roster.csv --export canvas

``--rubric`` takes a rubric the course ships by name (``lab_report``, ``reflection``) or the
path of your own TOML.

``SUBMISSIONS/`` holds one folder or ``.zip`` per student (its name is the student id), or a
single report file (``.pdf``, ``.ipynb``, ``.md``, ``.txt``). A submission may hold Markdown,
text, notebooks, PDF and run folders (``record.json``, figures, ``errors.csv``,
``REFLECTION.md``). Student code is never run and submissions are never changed.

Writes ``grades/<student>/feedback.md``, ``grades/gradebook.csv``, ``grades/summary.md``,
``grades/summary.html`` (+ ``score_histogram.png``) and ``grades/review.toml``. Once every
student is graded, the class integrity checks run (:mod:`toolkit.grading.integrity`:
identical or near-duplicate submissions, copied run records, untouched drafts, quick runs
handed in as final, numbers the student's own record contradicts): flags with their
evidence in the summary and ``review.toml``, never penalties. ``--roster roster.csv`` lists
roster entries without a submission and submissions without an entry; with it, ``--export
canvas|moodle`` writes the gradebook in that LMS's import format
(:mod:`toolkit.grading.gradebook_export`). Instructor
decisions in ``grades/overrides.toml`` (or ``--overrides FILE``) are applied on every run:

    [[override]]
    student = "alice"
    criterion = "hypothesis"
    points = 1
    comment = "The hypothesis is in the notebook's last cell: accepted."

Each student is graded in a worker of their own with a time limit (``--timeout``, default
60 s): a submission that crashes or stalls the reader is listed as "needs review: could not be
graded (why)" and the others are graded. Every entry of ``SUBMISSIONS/`` is accounted for
(graded, or listed with the reason). Nothing is written inside ``SUBMISSIONS/``; a page you
edited in ``grades/`` is kept as a dated copy when you grade again (see
:mod:`toolkit.grading.output_folder`).

Paragraphs are matched to criteria by meaning with the course's sentence encoder
(all-MiniLM-L6-v2, offline, loaded once); without it the first line says so and headings and
keywords decide. ``--lab-map L02=lab01_vgg16_inference,...`` maps another course's lab
markers in multi-lab documents.

Repeated warnings (60,000 zip members that point outside the archive) are counted and shown a
few of each kind (``... and 59,997 more like it``, :mod:`toolkit.repeated_lines`): the
console lists at most 200 lines, and every page keeps to its size budget.

Exit code 0 when the class was graded, even when some submissions had problems (they are
listed as warnings); 2 when the command itself cannot run (no such folder, a bad rubric or
overrides file: one line naming the key, its value and what is expected; nothing is written).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.grading.assessment import MET, MISSING, PARTIAL, StudentGrade
from toolkit.grading.class_sections import flag_counts
from toolkit.grading.grade_report import (
    write_feedback,
    write_gradebook,
    write_review,
    write_summary,
)
from toolkit.grading.gradebook_export import (
    FILE_NAMES,
    FORMATS,
    assignment_name,
    moodle_identifier,
    write_export,
)
from toolkit.grading.integrity import Flag, class_flags
from toolkit.grading.isolation import DEFAULT_TIMEOUT, grade_all
from toolkit.grading.lab_split import parse_lab_map
from toolkit.grading.output_folder import OutputFolder, check_out_folder, reserved_ids
from toolkit.grading.roster import Roster, RosterMatch, match_roster, read_roster
from toolkit.grading.rubric import Rubric, load_rubric
from toolkit.grading.rubric_names import rubric_names, rubric_path
from toolkit.grading.sentence_encoder import encoder_status
from toolkit.grading.submissions import survey
from toolkit.output_paths import check_output_folder, probe_folder, writing_to
from toolkit.repeated_lines import bounded
from toolkit.resources import TOMLDecodeError, load_toml
from toolkit.safe_text import for_terminal, short_repr

OVERRIDES_NAME = "overrides.toml"
CONSOLE_WARNING_LINES = 200  # the console shows at most this many; summary.md groups them all


def load_overrides(path: Path, *, required: bool = False) -> list[dict]:
    """The ``[[override]]`` entries of an overrides file. A file named with ``--overrides``
    (``required``) must exist; the default ``<out>/overrides.toml`` may be absent (no
    decisions), but a folder or a link to nowhere in its place is an error."""
    if not (path.exists() or path.is_symlink()):
        if not required:
            return []
        raise CourseError(f"--overrides {path}: no such file",
                          fix="pass the file that holds your [[override]] decisions, or leave "
                              "--overrides out")
    if not path.is_file():
        raise CourseError(f"overrides {path} is not a file (a folder, or a link to nowhere)",
                          fix="pass the file that holds your [[override]] decisions")
    try:
        raw = load_toml(path)
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as error:
        raise CourseError(f"{path} cannot be read", why=str(error),
                          fix="each decision is an [[override]] table with student, "
                              "criterion, points and comment") from None
    # [[flag]] tables are review.toml's integrity flags: a copied review.toml still loads.
    unknown = sorted(set(raw) - {"override", "flag"})
    if unknown:
        raise CourseError(f"{path}: unknown key(s) {', '.join(map(short_repr, unknown))}; "
                          f"each decision is an [[override]] table")
    entries = raw.get("override", [])
    if not isinstance(entries, list):
        raise CourseError(f"{path}: override = {short_repr(entries)}: expected "
                          f"[[override]] tables")
    check_overrides(entries, path)
    return entries


# The keys of an [[override]] entry and the type each must have: ``lab`` decides one lab of a
# student who handed in several; review.toml adds the last two, for the instructor's information.
OVERRIDE_KEYS = {"student": str, "lab": str, "criterion": str, "points": (int, float),
                 "comment": str, "max_points": (int, float), "evidence": str}


def check_overrides(entries: list, source: Path | str) -> None:
    """Check every entry's keys and types up front: one CourseError line naming the entry,
    the key, its value and what is expected. (A student or criterion that does not exist,
    or points out of range, are warnings when the overrides are applied.)"""
    fix = ("each [[override]] has student = \"id\", criterion = \"id\", points = a number "
           "and an optional comment = \"text\"")
    for number, entry in enumerate(entries, 1):
        where = f"{source} entry {number}"
        if not isinstance(entry, dict):
            raise CourseError(f"{where} = {short_repr(entry)}: expected an [[override]] table",
                              fix=fix)
        for key, value in entry.items():
            expected = OVERRIDE_KEYS.get(key)
            if expected is None:
                raise CourseError(f"{where}: unknown key {short_repr(key)}; allowed: "
                                  f"{', '.join(OVERRIDE_KEYS)}", fix=fix)
            wrong_number = expected is not str and (isinstance(value, bool) or (
                isinstance(value, (int, float)) and not math.isfinite(value)))
            if not isinstance(value, expected) or wrong_number:
                kind = "text in quotes" if expected is str else "a finite number"
                raise CourseError(f"{where}: {key} = {short_repr(value)}: expected {kind}",
                                  fix=fix)
        missing = [key for key in ("student", "criterion", "points") if key not in entry]
        if missing:
            raise CourseError(f"{where}: {', '.join(missing)} missing", fix=fix)
    check_conflicts(entries, source)


def check_conflicts(entries: list[dict], source: Path | str) -> None:
    """Two decisions with different points for one student and criterion (the same lab, or
    one of them for every lab) are a conflict: one CourseError line naming both entries,
    rather than the last one silently winning. The same decision twice is no conflict."""
    seen: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for number, entry in enumerate(entries, 1):
        key = (entry["student"], entry["criterion"])
        for other_number, other in seen.get(key, []):
            same_lab = None in (entry.get("lab"), other.get("lab")) \
                or entry.get("lab") == other.get("lab")
            if same_lab and float(entry["points"]) != float(other["points"]):
                raise CourseError(
                    f"{source}: entries {other_number} and {number} conflict: student "
                    f"{short_repr(key[0])}, criterion {short_repr(key[1])} get "
                    f"{other['points']:g} and {entry['points']:g} points",
                    fix="keep the one decision you mean and delete the other")
        seen.setdefault(key, []).append((number, entry))


def _student_warnings(grades: list[StudentGrade]) -> list[str]:
    """Each grade's warnings, "student: warning"; a document cut into several labs gives each
    lab's grade the same warning, said once (repeats within one grade are all kept: they are
    counted on the pages)."""
    found: list[str] = []
    said: dict[str, set[str]] = {}
    for grade in grades:
        earlier = said.setdefault(grade.student, set())
        found += [f"{grade.student}: {w}" for w in grade.warnings if w not in earlier]
        earlier.update(grade.warnings)
    return found


def apply_overrides(grades: list[StudentGrade], rubric: Rubric, entries: list[dict],
                    source: str) -> list[str]:
    """Replace the grader's points with the instructor's; returns warnings for bad entries."""
    warnings = []
    by_student: dict[str, list[StudentGrade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, []).append(grade)
    for number, entry in enumerate(entries, 1):
        where = f"{source} entry {number}"
        student, criterion_id = entry.get("student"), entry.get("criterion")
        points, comment = entry.get("points"), str(entry.get("comment", "")).strip()
        if student not in by_student:
            warnings.append(f"{where}: no submission from student {student!r}: ignored")
            continue
        if criterion_id not in rubric.by_id:
            warnings.append(f"{where}: the rubric has no criterion {criterion_id!r}: ignored")
            continue
        maximum = rubric.by_id[criterion_id].points
        if isinstance(points, bool) or not isinstance(points, (int, float)) \
                or not 0 <= points <= maximum:
            warnings.append(f"{where}: points must be a number from 0 to {maximum:g}, got "
                            f"{points!r}: ignored")
            continue
        # An entry with `lab = "..."` decides that lab only; without, every lab of the student.
        chosen = [g for g in by_student[student] if entry.get("lab") in (None, g.lab)]
        if not chosen:
            warnings.append(f"{where}: student {student!r} has no lab {entry.get('lab')!r}: "
                            f"ignored")
        for grade in chosen:
            result = grade.result(criterion_id)
            result.points = float(points)
            result.status = MET if points == maximum else (MISSING if points == 0 else PARTIAL)
            result.overridden = True
            result.feedback = comment or "Decided by your instructor."
            result.evidence.insert(0, f"instructor decision ({source})" +
                                   (f": {comment}" if comment else ""))
    return warnings


@dataclass
class ClassReport:
    """What grading a class found beyond the grades: flags, the roster match, the export."""

    flags: list[Flag] = field(default_factory=list)
    roster: RosterMatch | None = None
    roster_problems: list[str] = field(default_factory=list)
    export: Path | None = None
    integrity_seconds: float = 0.0  # the class checks, after the students were graded


def grade_folder(submissions: Path, rubric: Rubric, out: Path,
                 overrides: Path | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 jobs: int | None = None, timings: dict[str, float] | None = None,
                 roster: Roster | None = None, export: str | None = None,
                 assignment: str | None = None, report: ClassReport | None = None,
                 lab_map: dict[str, str] | None = None
                 ) -> tuple[list[StudentGrade], list[str]]:
    """Grade every submission in ``submissions`` and write all outputs into ``out``.

    Each student is graded in a worker with ``timeout`` seconds (see
    :mod:`toolkit.grading.isolation`); ``timings``, when given, receives the seconds each
    student took. Then the class integrity checks run once. ``roster`` is matched with the
    submissions; ``export`` (canvas / moodle, needs the roster) writes the LMS import file,
    its assignment column named ``assignment`` (default: the rubric's name). ``report``,
    when given, receives the flags, the roster match and the export's path. Returns the
    grades and the class's warning lines (``student: problem``), the last of them saying
    which edited pages were kept.
    """
    start = time.perf_counter()
    check_out_folder(out, submissions)
    report = report if report is not None else ClassReport()
    if export is not None and roster is None:
        raise CourseError(f"--export {export} needs --roster roster.csv",
                          why="the LMS matches grades by its own ids, which the roster holds",
                          fix="export the class list from your LMS and pass --roster")
    required = overrides is not None
    overrides = overrides if required else out / OVERRIDES_NAME
    # A bad file stops here, before anything is written.
    decisions = load_overrides(overrides, required=required)
    found = survey(submissions, reserved=reserved_ids(out, submissions))
    if roster is not None:
        report.roster = match_roster(roster, [student for student, _ in found.entries])
        report.roster_problems = list(roster.problems)
        if export == "moodle":
            moodle_identifier(report.roster)  # no usable id: stop before grading
    probe_folder(out, "the grades")  # a folder that may not be written: now, not after grading
    facts: list = []
    grades, seconds = grade_all(found.entries, rubric, timeout=timeout, jobs=jobs,
                                lab_map=lab_map, facts=facts)
    checks_start = time.perf_counter()
    integrity_note = []
    try:
        report.flags = class_flags(facts)
    except Exception as error:  # the flags are extra: the grades are written all the same
        integrity_note.append(f"the class integrity checks stopped ({type(error).__name__}: "
                              f"{str(error)[:120]}): no flags this time")
    report.integrity_seconds = time.perf_counter() - checks_start
    if timings is not None:  # one time per student, however many labs they handed in
        timings.update((student, s) for (student, _), s in zip(found.entries, seconds,
                                                                strict=True))
    warnings = [f"{name}: {why}" for name, why in found.not_graded] + found.renamed
    available, encoder_line = encoder_status()
    warnings += [] if available or not found.entries else [f"grader: {encoder_line}"]
    warnings += _student_warnings(grades)
    warnings += apply_overrides(grades, rubric, decisions, overrides.name) + integrity_note
    with writing_to(out, "the grades"):  # a full disk: one line, the staged pages removed
        _write_outputs(grades, rubric, out, submissions, report, warnings, export=export,
                       assignment=assignment, start=start)
    return grades, warnings


def _write_outputs(grades: list[StudentGrade], rubric: Rubric, out: Path, submissions: Path,
                   report: ClassReport, warnings: list[str], *, export: str | None,
                   assignment: str | None, start: float) -> None:
    """Stage every page, then move them into ``out``; ``warnings`` receives the notes of the
    commit (pages kept because someone edited them)."""
    folder = OutputFolder(out, submissions)
    try:
        for grade in grades:
            write_feedback(grade, rubric, folder.staging)
        write_gradebook(grades, rubric, folder.staging / "gradebook.csv")
        write_review(grades, folder.staging / "review.toml", report.flags)
        if export is not None:
            write_export(export, grades, report.roster, folder.staging / FILE_NAMES[export],
                         assignment or assignment_name(rubric.name), rubric.max_points)
            report.export = out / FILE_NAMES[export]
        write_summary(grades, rubric, folder.staging, submissions=submissions,
                      seconds=time.perf_counter() - start, warnings=warnings,
                      flags=report.flags, roster=report.roster,
                      roster_problems=report.roster_problems)
    except BaseException:
        folder.discard()
        raise
    folder.commit()
    warnings += folder.notes


def print_class_report(report: ClassReport, out: Path) -> None:
    """The flags' count, the roster's mismatches and the export, on the console."""
    print(f"\nClass integrity flags (to check, never penalties): {flag_counts(report.flags)}"
          + (f"; evidence in {out / 'summary.md'} and {out / 'review.toml'}"
             if report.flags else ""))
    for flag in report.flags:
        print(for_terminal(f"  {flag.title}: {', '.join(flag.students)}", keep_newlines=False))
    if report.roster is not None:
        mismatches = report.roster.lines() + report.roster_problems
        print(f"\nRoster: {len(report.roster.matched)} submission(s) matched"
              + (f", {len(mismatches)} line(s) to check:" if mismatches else "."))
        print("\n".join(f"  {for_terminal(line, keep_newlines=False)}" for line in mismatches))
    if report.export is not None:
        print(for_terminal(f"LMS import file: {report.export}"))


def main(argv: list[str] | None = None) -> int:
    """The command line (also the ``toolkit-grade`` console script): bad input exits 2."""
    return run_main(_main, argv)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.grade",
        description="Grade a folder of lab reports (one folder, zip or file per student) "
                    "against a rubric. Student code is never run; submissions are not changed.")
    parser.add_argument("submissions", help="folder with one submission per student")
    parser.add_argument("--rubric", default="lab_report",
                        help=f"a rubric the course ships, by name ({', '.join(rubric_names())}"
                             f"), or the path of a rubric TOML (default lab_report)")
    parser.add_argument("--out", default="grades", help="output folder (default grades/)")
    parser.add_argument("--overrides", default=None,
                        help=f"instructor decisions (default <out>/{OVERRIDES_NAME})")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds one student's submission may take before it is listed "
                             f"as 'could not be graded' (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--roster", default=None,
                        help="class roster CSV (exported from Canvas or Moodle): lists who "
                             "handed nothing in and which submissions are not on it")
    parser.add_argument("--export", choices=FORMATS, default=None,
                        help="also write the gradebook in this LMS's import format "
                             "(needs --roster)")
    parser.add_argument("--assignment", default=None,
                        help="the assignment column's name in the export (default: the "
                             "rubric's name)")
    parser.add_argument("--lab-map", default="",
                        help="another course's lab markers: L02=lab01_vgg16_inference,... "
                             "(a document's 'L02:' part is graded as that lab)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    check_output_folder(args.out)  # '' is refused here; Path('') would be the current folder
    submissions, out = Path(args.submissions), Path(args.out)
    if not submissions.is_dir():
        raise CourseError(f"submissions folder {submissions} not found",
                          fix="pass the folder holding one folder or .zip per student")
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise CourseError(f"--timeout {args.timeout:g}: expected a number of seconds > 0")
    check_out_folder(out, submissions)
    rubric = load_rubric(rubric_path(args.rubric))
    if args.export and not args.roster:
        raise CourseError(f"--export {args.export} needs --roster roster.csv",
                          fix="export the class list from your LMS and pass --roster")
    roster = read_roster(args.roster) if args.roster else None
    lab_map = parse_lab_map(args.lab_map)
    available, how = encoder_status()
    if available:  # without the encoder, the warnings say so in one line
        print(how)
    start = time.perf_counter()
    timings: dict[str, float] = {}
    report = ClassReport()
    if args.overrides is not None and not args.overrides.strip():
        raise CourseError("--overrides '' names no file",
                          fix="pass the file of your [[override]] decisions, or leave it out")
    grades, warnings = grade_folder(submissions, rubric, out,
                                    Path(args.overrides) if args.overrides else None,
                                    timeout=args.timeout, timings=timings, roster=roster,
                                    export=args.export, assignment=args.assignment,
                                    report=report, lab_map=lab_map)
    seconds = time.perf_counter() - start
    if not grades:
        print(f"{submissions} holds no submissions (folders, .zip, .pdf, .ipynb, .md, .txt).")
    # a student graded once per lab (a document on two labs) has a line per lab
    names = [f"{grade.student} ({grade.lab})" if grade.split and grade.lab else grade.student
             for grade in grades]
    width = min(max((len(name) for name in names), default=0), 48)
    for name, grade in zip(names, grades, strict=True):
        flag = f"  needs review: {', '.join(r.criterion.id for r in grade.needs_review)}" \
            if grade.needs_review else ""
        print(for_terminal(f"{name:<{max(width, 24)}} {grade.total:>5g} / "
                           f"{rubric.max_points:g}{flag}"))
    if warnings:  # file names and messages from submissions: no escape code is obeyed
        print(f"\n{len(warnings)} warning(s):")
        shown = bounded(warnings, show=3, max_lines=CONSOLE_WARNING_LINES,
                        rest=f"see {out / 'summary.md'}")
        print("\n".join(f"  {for_terminal(w, keep_newlines=False)}" for w in shown))
    print_class_report(report, out)
    slowest = max(timings.items(), key=lambda item: item[1], default=None)
    slowest_note = f"; slowest {slowest[0]}, {slowest[1]:.2f} s" if slowest else ""
    # A document on two labs is one submission graded twice: count the students' hand-ins
    students = len({grade.student for grade in grades})
    per_lab = len(grades) != students
    graded = (f"{students} submission{'s' if students != 1 else ''}"
              + (f" ({len(grades)} lab parts)" if per_lab else ""))
    feedback = f"{out}/<student>/feedback.md" + (
        " (feedback_<lab>.md for a student graded per lab)" if per_lab else "")
    print(for_terminal(f"\nGraded {graded} in {seconds:.1f} s "
                       f"({seconds / max(1, students):.3f} s per submission, start-up included"
                       f"{slowest_note}). "
                       f"Summary: {out / 'summary.md'} and {out / 'summary.html'}; feedback: "
                       f"{feedback}; gradebook: {out / 'gradebook.csv'}."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
