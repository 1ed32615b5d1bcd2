"""Grade one submission against a rubric: points, status, evidence and feedback per criterion.

Each requirement of a criterion is looked for in the sources it names (see the header of
``course/rubrics/lab_report.toml``), exact facts first:

1. run records (``record.json``): conditions on measured facts;
2. the static notebook check (a failing notebook blocks the requirement);
3. ``errors.csv`` annotations (or an annotated Markdown table);
4. figures (record figures present in the submission, Markdown images, notebook image
   outputs, image files, captions);
5. the text: sections under the expected headings (or paragraphs), keywords, the student's
   own words, numbers, tables.

A requirement is ``met``, ``missing`` or ``needs review`` -- the last when the student wrote
something where the rubric looks but the grader cannot judge it (the keywords or the word
count are not there, or the text sits under no expected heading). A criterion is ``met``
when all its requirements are, ``needs review`` when one needs review (its points are then
provisional: those of the requirements met), ``partial`` when some are met, ``missing``
when none are. Every status carries its evidence: a quoted excerpt with its file and line,
or the record field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from toolkit.grading.report_text import (
    PROSE_KINDS,
    TEXT_KINDS,
    Document,
    Section,
    count_numbers,
    count_words,
    find_keywords,
    keyword_pattern,
    markdown_tables,
    quote,
    shorten,
)
from toolkit.grading.rubric import Condition, Criterion, Requirement, Rubric, TextCheck
from toolkit.grading.submissions import IMAGE_SUFFIXES, Submission

MET, PARTIAL, MISSING, REVIEW = "met", "partial", "missing", "needs review"
STATUSES = (MET, PARTIAL, MISSING, REVIEW)


@dataclass
class RequirementResult:
    requirement: Requirement
    status: str  # met / missing / needs review
    evidence: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return self.requirement.points if self.status == MET else 0.0


@dataclass
class CriterionResult:
    criterion: Criterion
    status: str
    points: float
    evidence: list[str]
    feedback: str
    requirements: list[RequirementResult] = field(default_factory=list)
    overridden: bool = False

    @property
    def missing_items(self) -> list[str]:
        return [r.requirement.what for r in self.requirements if r.status == MISSING]


@dataclass
class StudentGrade:
    student: str
    results: list[CriterionResult]
    warnings: list[str]
    source: str = ""

    @property
    def total(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def base_points(self) -> float:
        return sum(r.points for r in self.results if not r.criterion.extra_credit)

    @property
    def extra_points(self) -> float:
        return sum(r.points for r in self.results if r.criterion.extra_credit)

    @property
    def needs_review(self) -> list[CriterionResult]:
        return [r for r in self.results if r.status == REVIEW]

    def result(self, criterion_id: str) -> CriterionResult:
        return next(r for r in self.results if r.criterion.id == criterion_id)


# --- record conditions -------------------------------------------------------------------

def _record_evidence(conditions: tuple[Condition, ...], submission: Submission
                     ) -> tuple[bool, list[str]]:
    """Met when one run record satisfies every condition; evidence names the fields."""
    best: list[str] = []
    for run in submission.runs:
        checks = [condition.check(run.record) for condition in conditions]
        if all(holds for holds, _ in checks):
            return True, [f"{run.file('record.json')}: " + "; ".join(t for _, t in checks)]
        failed = "; ".join(text for holds, text in checks if not holds)
        best = best or [f"{run.file('record.json')}: {failed}"]
    return False, best


# --- annotations ---------------------------------------------------------------------------

def _annotated(rows: list[dict]) -> list[dict]:
    return [row for row in rows if (row.get("error_type") or "").strip()
            and (row.get("fix_idea") or "").strip()]


def _annotation_evidence(needed: int, submission: Submission) -> tuple[bool, list[str]]:
    best_count, best_evidence = 0, []
    for path, rows in submission.annotation_files.items():
        done = _annotated(rows)
        if len(done) > best_count:
            example = done[0]
            best_count = len(done)
            best_evidence = [f'{path}: {len(done)} rows annotated, e.g. '
                             f'"{shorten(example["error_type"], 60)}" -> '
                             f'"{shorten(example["fix_idea"], 80)}"']
    for document in submission.documents:
        for table in markdown_tables(document.lines):
            header = [cell.lower() for cell in table.header]
            kind = next((i for i, c in enumerate(header) if "error type" in c
                         or "error_type" in c), None)
            fix = next((i for i, c in enumerate(header) if "fix" in c), None)
            if kind is None or fix is None:
                continue
            rows = [r for r in table.rows if len(r) > max(kind, fix)
                    and r[kind].strip() and r[fix].strip()]
            if len(rows) > best_count:
                best_count = len(rows)
                best_evidence = [f"{table.first.where}: a table with {len(rows)} annotated "
                                 f"rows, e.g. \"{shorten(rows[0][kind], 60)}\" -> "
                                 f"\"{shorten(rows[0][fix], 80)}\""]
    if best_count >= needed:
        return True, best_evidence
    note = (f"only {best_count} samples annotated with both an error type and a fix idea "
            f"({needed} needed)" if best_count else "no annotated error types found")
    return False, [note]


# --- figures -------------------------------------------------------------------------------

def _normalise(text: str) -> str:
    return re.sub(r"[_\-./]+", " ", text.lower())


def _matches(label: str, words: tuple[str, ...]) -> str | None:
    label = _normalise(label)
    return next((word for word in words if keyword_pattern(_normalise(word)).search(label)),
                None)


def _present(submission: Submission, folder: str, target: str) -> bool:
    if re.match(r"^(https?:|data:)", target):
        return True
    path = PurePosixPath(folder, target) if folder else PurePosixPath(target)
    parts: list[str] = []
    for part in path.parts:  # resolve "a/../b" without touching the disk
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts) in submission.files


def _figure_evidence(words: tuple[str, ...], submission: Submission) -> tuple[bool, list[str]]:
    notes = []
    for run in submission.runs:
        figures = run.record.get("figures")
        for key, name in (figures.items() if isinstance(figures, dict) else []):
            word = _matches(f"{key} {name}", words)
            if word and isinstance(name, str):
                if run.file(name) in submission.files:
                    return True, [f"{run.file(name)} (figure '{key}' of the run record)"]
                notes.append(f"{run.file('record.json')} lists figure {name}, but the file is "
                             f"not in the submission")
    for document in submission.documents:
        folder = str(PurePosixPath(document.path).parent)
        folder = "" if folder == "." else folder
        for image in document.images:
            word = _matches(image.label, words)
            if not word:
                continue
            if image.target is None or _present(submission, folder, image.target):
                return True, [f"{image.where}: {shorten(image.label, 100)}"]
            notes.append(f"{image.where}: image {image.target} is not in the submission")
    for path in submission.files:
        if PurePosixPath(path).suffix.lower() in IMAGE_SUFFIXES and _matches(path, words):
            return True, [f"{path} (image file)"]
    return False, notes[:2] or [f"no figure named like: {', '.join(words[:4])}"]


# --- notebooks -----------------------------------------------------------------------------

def _notebook_evidence(submission: Submission) -> tuple[str | None, list[str]]:
    """``(status, evidence)``; ``None`` when the submission holds no notebook."""
    if not submission.notebooks:
        return None, []
    failed = [nb for nb in submission.notebooks if nb.failed]
    review = [nb for nb in submission.notebooks if nb.needs_review]
    if failed:
        return MISSING, [f"{nb.path} {problem}" for nb in failed
                         for problem in nb.problems if problem.severity == "fail"][:3]
    if review:
        return REVIEW, [f"{nb.path} {problem}" for nb in review for problem in nb.problems][:3]
    return MET, [nb.summary() for nb in submission.notebooks][:2]


# --- text ----------------------------------------------------------------------------------

@dataclass
class _UnitOutcome:
    passed: bool
    judgement_only: bool  # failed only on keywords / word count: a person should look
    student_words: int
    evidence: str


def _check_unit(unit: Section, check: TextCheck, structured: bool, *,
                on_topic: bool) -> _UnitOutcome:
    """Test one section (or paragraph) against a text check.

    ``on_topic``: the unit sits under an expected heading. Only then can a failed keyword or
    word count mean "needs review" (the student wrote where the rubric looks); a paragraph
    elsewhere that falls short is simply no evidence.
    """
    prose = [line for line in unit.lines if line.kind in PROSE_KINDS]
    # With a word count to reach, only the student's own words may supply the keywords.
    searchable = prose if check.min_words else [line for line in unit.lines
                                                if line.kind in TEXT_KINDS]
    words = count_words(prose)
    failures_judged, failures_objective = [], []
    excerpt_line = next(iter(prose), None) or next(iter(searchable), None)
    if check.keywords:
        hits = find_keywords(searchable, check.keywords)
        if hits:
            excerpt_line = next(iter(hits.values()))
        if len(hits) < check.min_keywords:
            failures_judged.append(f"{len(hits)} of {check.min_keywords} expected keywords")
    if check.patterns:
        hit = next((line for line in searchable for pattern in check.patterns
                    if re.search(pattern, line.text, re.I)), None)
        if hit is None:
            failures_judged.append("none of the expected patterns")
        else:
            excerpt_line = hit
    if check.min_words and words < check.min_words:
        failures_judged.append(f"{words} words written ({check.min_words} expected)")
    if check.numbers and count_numbers(searchable) < check.numbers:
        failures_objective.append(f"fewer than {check.numbers} numbers")
    if check.table_rows:
        tables = [t for t in markdown_tables(unit.lines) if len(t.rows) >= check.table_rows
                  and (not check.table_columns or any(
                      _matches(cell, check.table_columns) for cell in t.header))]
        if tables:
            excerpt_line = tables[0].first
        else:
            biggest = max((len(t.rows) for t in markdown_tables(unit.lines)), default=0)
            message = f"no table with {check.table_rows} rows (largest: {biggest})"
            # A PDF or text file has no Markdown tables to count: a person must look.
            (failures_objective if structured else failures_judged).append(message)
    where = unit.heading or excerpt_line
    evidence = quote(excerpt_line) if excerpt_line is not None else (
        quote(where) if where is not None else "")
    failures = failures_objective + failures_judged
    if failures and where is not None:
        evidence = f"{where.where}: " + "; ".join(failures) + (
            f' -- "{shorten(excerpt_line.text, 140)}"' if excerpt_line is not None else "")
    has_content = words > 0 or (not structured and any(
        line.kind in TEXT_KINDS for line in unit.lines))
    return _UnitOutcome(not failures, bool(failures_judged) and not failures_objective
                        and has_content and on_topic, words, evidence)


def _sections(documents: list[Document], headings: tuple[str, ...]) -> list[tuple[Document,
                                                                                 Section]]:
    found = []
    for document in documents:
        for section in document.sections():
            if any(keyword_pattern(word).search(section.title) for word in headings):
                found.append((document, section))
    return found


def _text_evidence(check: TextCheck, submission: Submission) -> tuple[str, list[str]]:
    documents = submission.documents
    if check.headings:
        units = _sections(documents, check.headings)
        heading_found = bool(units)
    else:
        units = [(doc, block) for doc in documents for block in doc.blocks()]
        heading_found = False
    outcomes = [_check_unit(unit, check, doc.format in ("markdown", "notebook"),
                            on_topic=bool(check.headings)) for doc, unit in units]
    passed = [o for o in outcomes if o.passed]
    if passed:
        return MET, [passed[0].evidence]
    review = [o for o in outcomes if o.judgement_only]
    if review:
        best = max(review, key=lambda o: o.student_words)
        return REVIEW, [best.evidence]
    if check.headings and not heading_found:
        # A report without any headings (plain text, some PDFs): a paragraph that meets the
        # check may be the answer, but a person should confirm it.
        for document in documents:
            if any(line.kind == "heading" for line in document.lines):
                continue
            for block in document.blocks():
                outcome = _check_unit(block, check, document.format in ("markdown",
                                                                        "notebook"),
                                      on_topic=False)
                if outcome.passed:
                    return REVIEW, [f"in a report without headings: {outcome.evidence}"]
    if check.keywords and not check.min_words:
        # The words may be only in code (e.g. hyperparameters set in a notebook cell).
        code = [line for doc in documents for line in doc.lines if line.kind == "code"]
        hits = find_keywords(code, check.keywords)
        if len(hits) >= check.min_keywords:
            return REVIEW, ["found only in code: " + quote(next(iter(hits.values())))]
    if check.headings and outcomes:  # the section is there, but falls short
        best = max(outcomes, key=lambda o: o.student_words)
        return MISSING, [best.evidence] if best.evidence else []
    if check.headings:
        return MISSING, [f"no heading like {', '.join(check.headings[:4])}"]
    wanted = ", ".join(check.keywords[:5]) or "the expected text"
    return MISSING, [f"no paragraph or table with: {wanted}"]


# --- putting it together -------------------------------------------------------------------

def _waived(conditions: tuple[Condition, ...], submission: Submission) -> str | None:
    if not conditions:
        return None
    holds, evidence = _record_evidence(conditions, submission)
    return f"not required: {evidence[0]}" if holds else None


def assess_requirement(requirement: Requirement, submission: Submission) -> RequirementResult:
    """Look for one requirement in every source it names; see the module docstring."""
    waived = _waived(requirement.waive_if, submission)
    if waived:
        return RequirementResult(requirement, MET, [waived])
    if requirement.notebook:
        status, evidence = _notebook_evidence(submission)
        if status in (MISSING, REVIEW):  # a broken notebook outweighs other evidence
            return RequirementResult(requirement, status, evidence)
        if status == MET:
            return RequirementResult(requirement, MET, evidence)
    notes: list[str] = []
    review: list[str] = []
    sources = []
    if requirement.record:
        sources.append(lambda: _record_evidence(requirement.record, submission))
    if requirement.annotations:
        sources.append(lambda: _annotation_evidence(requirement.annotations, submission))
    if requirement.figures:
        sources.append(lambda: _figure_evidence(requirement.figures, submission))
    for source in sources:
        found, evidence = source()
        if found:
            return RequirementResult(requirement, MET, evidence)
        notes += evidence
    if requirement.text is not None:
        status, evidence = _text_evidence(requirement.text, submission)
        if status == MET:
            return RequirementResult(requirement, MET, evidence)
        (review if status == REVIEW else notes).extend(evidence)
    if review:
        return RequirementResult(requirement, REVIEW, review + notes[:1])
    if requirement.notebook and not submission.notebooks and not notes:
        notes.append("no notebook and no run record")
    return RequirementResult(requirement, MISSING, notes[:3])


def _feedback(criterion: Criterion, status: str, results: list[RequirementResult]) -> str:
    if status == MET:
        return criterion.feedback_met or f"Met: {criterion.title}."
    if status == REVIEW:
        item = next(r for r in results if r.status == REVIEW).requirement
        return (f"Your instructor will check {item.what}: the grader found text for it but "
                f"cannot judge it alone.")
    item = next(r for r in results if r.status == MISSING).requirement
    return item.feedback or f"Missing: {item.what}."


def assess_criterion(criterion: Criterion, submission: Submission) -> CriterionResult:
    waived = _waived(criterion.waive_if, submission)
    if waived:
        return CriterionResult(criterion, MET, criterion.points, [waived],
                               "Not required for this lab.")
    results = [assess_requirement(r, submission) for r in criterion.requirements]
    statuses = {r.status for r in results}
    if statuses == {MET}:
        status = MET
    elif REVIEW in statuses:
        status = REVIEW
    elif MET in statuses:
        status = PARTIAL
    else:
        status = MISSING
    points = criterion.points if status == MET else sum(r.points for r in results)
    evidence = [e for r in results for e in r.evidence]
    return CriterionResult(criterion, status, round(points, 2), evidence,
                           _feedback(criterion, status, results), results)


def assess(submission: Submission, rubric: Rubric) -> StudentGrade:
    """Grade one submission: one :class:`CriterionResult` per rubric criterion."""
    results = [assess_criterion(criterion, submission) for criterion in rubric.criteria]
    return StudentGrade(submission.student, results, list(submission.warnings),
                        str(submission.source))
