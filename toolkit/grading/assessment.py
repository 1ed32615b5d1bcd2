"""Grade one submission against a rubric: points, status, evidence and feedback per criterion.

Each requirement of a criterion is looked for in the sources it names (see the header of
``course/rubrics/lab_report.toml``), exact facts first:

1. run records (``record.json``): conditions on measured facts;
2. the static notebook check (a failing notebook blocks the requirement);
3. ``errors.csv`` annotations (or an annotated Markdown table);
4. figures (record figures present in the submission, Markdown images, notebook image
   outputs, image files, captions);
5. the text: the section under the expected headings that matches best, else a paragraph
   under the student's own heading that answers this criterion and no other better;
   keywords (stems and the rubric's synonyms), the student's own words, numbers (also in
   words), samples (table rows, list items, labelled blocks). The rubric's and the course's
   sentences are not the student's words, and a report that hardly uses the rubric's words
   (off-topic) earns nothing from its text.

Run records and figures show that a run happened: in an untouched draft (no words of the
student's own) they, and the facts the draft filled in from them, earn only the criteria the
rubric marks ``run_evidence``; a requirement marked ``full_run`` is never met by a
``--quick`` or random-weight run's records and figures.

:func:`assess_labs` grades a submission covering several labs once per lab
(:mod:`toolkit.grading.lab_split`), so each lab's exemptions come from its own runs.

A requirement is ``met``, ``missing`` or ``needs review`` -- the last when the student wrote
something where the rubric looks but the grader cannot judge it (the keywords or the word
count are not there, or the text sits under no expected heading). A criterion is ``met``
when all its requirements are, ``needs review`` when one needs review (its points are then
provisional: those of the requirements met), ``partial`` when some are met, ``missing``
when none are. Every status carries its evidence: a quoted excerpt with its file and line,
or the record field.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import pairwise, zip_longest
from pathlib import PurePosixPath
from urllib.parse import unquote

from toolkit.grading.course_text import (
    Authorship,
    authorship,
    draft_heading,
    mark_course_text,
    remove_others_notes,
)
from toolkit.grading.epoch_tables import epoch_table
from toolkit.grading.lab_split import (
    heading_lab,
    named_lab,
    split_by_lab,
    title_labs,
    titled_document,
)
from toolkit.grading.meaning import (
    ANSWER_MARK,
    FLOOR,
    Meaning,
    cues_said,
    enough_words,
    label_list,
    marked_label,
    meaning_for,
    paragraph_text,
    run_in_label,
    sentences_with_words,
    starts_answer,
    topic_texts,
)
from toolkit.grading.report_text import (
    NUMBER,
    PROSE_KINDS,
    SENTENCE_END,
    TEXT_KINDS,
    WORD,
    Document,
    Line,
    Section,
    count_numbers,
    count_words,
    find_keywords,
    keywords_in,
    markdown_tables,
    mentions,
    quote,
    shorten,
    with_sentence_end,
    without_emphasis,
)
from toolkit.grading.rubric import Condition, Criterion, Requirement, Rubric, TextCheck
from toolkit.grading.sample_lists import (
    LIST_ITEM,
    annotated_blocks,
    annotated_lines,
    count_samples,
    sample_lines,
)
from toolkit.grading.sentence_encoder import process_encoder
from toolkit.grading.submission_facts import own_words, unfinished, untouched_drafts
from toolkit.grading.submissions import IMAGE_SUFFIXES, Submission
from toolkit.grading.topic_split import by_question_shape, split_by_topic
from toolkit.resources import load_syllabus

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
    lab: str = ""        # the lab graded ("" when the submission names none)
    split: bool = False  # True when the submission covered several labs, each graded apart
    authorship: Authorship | None = None  # whose words the text is (None: not read)

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

# A table annotating its samples: a column for each error's type or cause ("error type",
# "why it failed", "tags") and one for the fix ("fix", "what might fix it"); one column may
# head both ("why it probably failed / what would fix it").
_CAUSE_COLUMN = re.compile(r"error[ _]type|\btype\b|\bwhy\b|\bcause|\breason|\btags?\b|"
                           r"\bcategor", re.I)
_FIX_COLUMN = re.compile(r"\bfix|\bremed|would help", re.I)
# ... and the whole label before an error's type inside a sample's line ("Type: blurry")
_INLINE_CAUSE = re.compile(r"(error )?type|cause|reason|category|why", re.I)


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
            fix = next((i for i, c in enumerate(header) if _FIX_COLUMN.search(c)), None)
            # the error's type or cause: its own column, or the fix column's header names
            # both ("why it failed / what would fix it")
            kind = next((i for i, c in enumerate(header) if _CAUSE_COLUMN.search(c)), None)
            if kind is None or fix is None:
                continue
            rows = [r for r in table.rows if len(r) > max(kind, fix)
                    and r[kind].strip() and r[fix].strip()]
            if len(rows) > best_count:
                best_count = len(rows)
                best_evidence = [f"{table.first.where}: a table with {len(rows)} annotated "
                                 f"rows, e.g. \"{shorten(rows[0][kind], 60)}\" -> "
                                 f"\"{shorten(rows[0][fix], 80)}\""]
        # samples in blocks of labelled lines, each with its own "why: ..." and "fix: ...",
        # or in one line each ("- Test index 1232: ... Type: ambiguous. Fix: a CNN.")
        blocks = max(annotated_blocks(document.lines, _CAUSE_COLUMN, _FIX_COLUMN),
                     annotated_lines(document.lines, _INLINE_CAUSE, _FIX_COLUMN), key=len)
        if len(blocks) > best_count:
            best_count = len(blocks)
            first, kind, fix = blocks[0]
            best_evidence = [f"{first.where}: {len(blocks)} samples annotated, e.g. "
                             f"\"{shorten(kind, 60)}\" -> \"{shorten(fix, 80)}\""]
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
    return next((word for word in words if mentions(label, _normalise(word))), None)


def _present(submission: Submission, folder: str, target: str) -> bool:
    if re.match(r"^(https?:|data:)", target):
        return True
    target = unquote(target)  # "Lab%205%20report/Untitled.png", as Notion's export links it
    path = PurePosixPath(folder, target) if folder else PurePosixPath(target)
    parts: list[str] = []
    for part in path.parts:  # resolve "a/../b" without touching the disk
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    if "/".join(parts) in submission.files:
        return True
    # a bare file name ("![[curves.png]]", "[[File:curves.png]]"): Obsidian and wikis find
    # the file wherever it sits in the vault
    return "/" not in target and any(PurePosixPath(name).name == target
                                     for name in submission.files)


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
    if failed:
        return MISSING, [f"{nb.path} {problem}" for nb in failed
                         for problem in nb.problems if problem.severity == "fail"][:3]
    notes = [f"{nb.path} {problem}" for nb in submission.notebooks for problem in nb.notes]
    return MET, ([nb.summary() for nb in submission.notebooks][:2] + notes)[:3]


# --- text ----------------------------------------------------------------------------------

@dataclass
class TextContext:
    """What the text checks of one submission share.

    ``rivals``: the text checks of the other criteria; a paragraph outside the expected
    headings that matches one of them better (more of its keywords) answers that one, not
    this (a list of hyperparameters is no improvement idea). ``near``: the sections where an
    earlier requirement of the same criterion found its text (a justification sits next to
    the score it justifies); when an earlier one found nothing, a later one is read only under
    its headings (no justification of a score that is not there). ``on_topic``: False when
    the report hardly uses the rubric's words (an off-topic or wrong file): then no text
    counts.
    """

    rivals: tuple[TextCheck, ...] = ()
    rival_ids: tuple[str, ...] = ()  # the criterion of each rival check
    near: list[tuple[Document, Section]] = field(default_factory=list)
    on_topic: bool = True
    earlier_missing: bool = False  # an earlier text requirement of the criterion found nothing
    criterion: str = ""
    found_lines: set[int] = field(default_factory=set)  # id() of lines an earlier one quoted
    # By meaning (None without the encoder): id() of a paragraph's first line -> the criteria
    # it answers (see toolkit.grading.meaning).
    answers: dict[int, set[str]] | None = None
    # id() of the line of an answer's sentences (see answer_in) -> the paragraph they are from
    origins: dict[int, Section] = field(default_factory=dict)
    # The criterion is answered in one place (a reflection's answer, not a report's facts):
    # its keywords too are read in the sentences that answer it.
    answered_once: bool = False
    # The rubric's cues, all criteria's, for a reflection's answers (see _lab_descriptions)
    cues: tuple[str, ...] = ()

    def means(self, paragraph: Section) -> bool:
        """Does the paragraph answer this criterion by meaning?"""
        return bool(paragraph.lines) and self.criterion in self.answers.get(
            id(paragraph.lines[0]), ())

    def answer_in(self, paragraph: Section, check: TextCheck) -> Section:
        """The part of a paragraph that answers this criterion for a word count ("an answer
        of 20 words"): when the paragraph answers several criteria sentence by sentence and
        its whole text does not mean this one, the sentences that answer it (one generic
        sentence is no answer). Keywords are read in the whole paragraph (a comparison's
        source may sit in the next sentence)."""
        key = id(paragraph.lines[0]) if paragraph.lines else 0
        parts = getattr(self.answers, "sentences", {}).get(key)
        if check.says:  # the parts asked for together may sit in sentences read as others'
            return paragraph
        if not parts or self.criterion not in parts or (
                (check.keywords or check.patterns) and not self.answered_once):
            return paragraph
        first = paragraph.lines[0]
        line = Line(" ".join(parts[self.criterion]), first.where, "prose")
        self.origins[id(line)] = paragraph  # what found evidence is next to
        return Section(paragraph.heading, [line])


@dataclass
class _UnitOutcome:
    passed: bool
    judgement_only: bool  # failed only on keywords / word count: a person should look
    student_words: int
    evidence: str
    score: int = 0  # distinct keywords found: the better match wins
    unit: Section | None = None


def _best_line(lines: list[Line], check: TextCheck) -> Line | None:
    """The line holding the most different keywords: the one an instructor would quote."""
    if not check.keywords or not lines:
        return None
    scored = [(len(keywords_in(line.text, check.keywords, check.synonyms)), -i, line)
              for i, line in enumerate(lines)]
    best = max(scored, key=lambda item: item[:2])
    return best[2] if best[0] else None


# A paragraph that opens by describing the lab ("This lab builds convolutional networks on
# MNIST ...", "The lab uses the SST-2 data set ...", "Lab 3 has a strong design") retells what
# the lab does, not what the student learned, found hard, would apply or questions: readers
# give it nothing, under any heading -- unless it says one of the rubric's cues ("This lab
# showed me ...", "... I learned").
_LAB_ACTIONS = (r"(?:builds|uses|compares|trains|loads|shows|has|contains|covers|introduces|"
                r"asks|consists|starts|runs|fine-tunes|takes|computes|draws|plots|prints|"
                r"measures|does|writes|makes|pads|tokeni[sz]es|downloads|saves|"
                # ... and told in the past: "The lab trained the MLP four times ..."
                r"built|used|compared|trained|loaded|showed|had|contained|covered|introduced|"
                r"asked|started|ran|fine-tuned|took|computed|drew|plotted|printed|measured|"
                r"did|wrote|made|padded|tokeni[sz]ed|downloaded|saved)\b")
_DESCRIBES_THE_LAB = re.compile(
    r"^\W{0,4}(?:(?:(?:this|the)\s+(?:lab|notebook|assignment|exercise|script|run|command|"
    r"program|pipeline)|lab\s?\d{1,2})\s+(?:\w+ly\s+)?" + _LAB_ACTIONS +
    r"(?!\s+(?:me|us)\b))",
    re.I)
# "It loads the word vectors, prints the coverage, builds the vocabulary ...": the run told
# step by step, with no word of the student's own part in it.
_IT_DOES = re.compile(r"^\W{0,4}(?:A[:.]\s+)?it\s+(?:\w+ly\s+)?" + _LAB_ACTIONS, re.I)
LAB_STEPS = 3  # the run's actions named in such a paragraph


_FIRST_PERSON = re.compile(r"\b(I|I'\w+|me|my|mine|myself|we|we'\w+|us|our|ours)\b", re.I)


def _retells_the_lab(text: str) -> bool:
    """Does the text open with a sentence about what the lab does, with no word of the
    student's in it ("This lab made the difference ... concrete for me" is the student's)?"""
    return bool(_DESCRIBES_THE_LAB.match(text)) and not _FIRST_PERSON.search(
        SENTENCE_END.split(text, maxsplit=1)[0])


def _describes_the_lab(text: str) -> bool:
    """Does the paragraph open by describing the lab, or describe it in a later sentence
    without a word of the student's own part in it ("Grad-CAM takes the gradient ... The lab
    draws this for every photo ...": no "I", "my" or "we")?"""
    if _retells_the_lab(text):  # also when its short first sentence reads as a label
        return True
    if label := run_in_label(text):  # "**Personal growth:** Lab 3 has a strong design ..."
        text = re.sub(r"^[\s*_:.?]+", "", text[text.find(label) + len(label):])
    if _retells_the_lab(text):
        return True
    if _FIRST_PERSON.search(text):
        return False
    if _IT_DOES.match(text) and len(re.findall(_LAB_ACTIONS, text, re.I)) >= LAB_STEPS:
        return True
    return any(_DESCRIBES_THE_LAB.match(sentence) for sentence in SENTENCE_END.split(text)[1:])


def _lab_descriptions(lines: list[Line], cues: tuple[str, ...]) -> set[int]:
    """``id()`` of the lines of paragraphs that describe the lab (:data:`_DESCRIBES_THE_LAB`)
    and say none of the ``cues``."""
    found: set[int] = set()
    paragraph: list[Line] = []
    for line in [*lines, Line("", "", "blank")]:
        if line.kind in PROSE_KINDS:
            paragraph.append(line)
            continue
        text = " ".join(part.text for part in paragraph)
        if paragraph and _describes_the_lab(text) and not any(
                re.search(cue, text, re.I) for cue in cues):
            found.update(id(part) for part in paragraph)
        paragraph = []
    return found


# A line that only gives a result: a name and its value ("- frozen (head only): 75.9%",
# "Test accuracy: 0.889"), as a list of runs is written
_RESULT_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])?\s*[^:\n]{1,60}:\s*[~≈]?\s*-?\d[\d.,]*"
                          r"\s*(?:%|s|ms|min|points?|pp)?\s*\.?\s*$")


def _values_under(unit: Section) -> bool:
    """Does the unit open with a list of values right under its heading, which then names
    them? "results (test accuracy):" over "- tf-idf + naive bayes 81.6%" and "- count + naive
    bayes 81.1%" (or "dropout 0.2: 98.33%" without a bullet) names the metric of the numbers
    below it; a heading over prose ("My report") names no fact of it."""
    lines = [line for line in unit.lines if line.kind in PROSE_KINDS]
    values = [bool((LIST_ITEM.match(line.text) or _RESULT_LINE.match(line.text))
                   and NUMBER.search(line.text)) for line in lines]
    return unit.heading is not None and unit.heading.kind == "heading" and len(values) >= 2 \
        and values[0] and 2 * sum(values) > len(values)


WRITTEN_CELL_WORDS = 5  # a table cell this long holds a sentence, not a name or a value


def _written_rows(lines: list[Line]) -> list[Line]:
    """The rows of a table with a sentence in a cell ("| Batch 32 ran out of memory on my
    laptop | I used batch 8 |"), not those of names and values ("| full | 88.3% |")."""
    return [line for line in lines if line.kind == "table" and max(
        len(WORD.findall(cell)) for cell in line.text.split("|")) >= WRITTEN_CELL_WORDS]


def _check_unit(unit: Section, check: TextCheck, structured: bool, *,
                on_topic: bool, cues: tuple[str, ...] = ()) -> _UnitOutcome:
    """Test one section (or paragraph) against a text check.

    ``on_topic``: the unit sits under an expected heading. Only then can a failed keyword or
    word count mean "needs review" (the student wrote where the rubric looks); a paragraph
    elsewhere that falls short is simply no evidence.
    """
    prose = [line for line in unit.lines if line.kind in PROSE_KINDS]
    if check.min_words:  # quoted samples ("Text: ... Truth: ...") are data, not reasoning,
        shown = sample_lines(unit.lines)  # and so are lines of results ("- full: 88.5%")
        prose = [line for line in prose if id(line) not in shown
                 and not _RESULT_LINE.match(line.text)]
    if cues and on_topic:  # a reflection's answer written in a table under its heading
        prose += _written_rows(unit.lines)  # ("| Problem | What I did |"): its cells' words
    if cues:  # an answer of the student's own (a reflection's): a retelling of the lab is none
        described = _lab_descriptions(unit.lines, cues)
        prose = [line for line in prose if id(line) not in described]
    # With a word count to reach, only the student's own words may supply the keywords.
    searchable = prose if check.min_words else [line for line in unit.lines
                                                if line.kind in TEXT_KINDS]
    if check.filler and searchable:  # "It can be used in many areas": no keyword of the answer
        searchable = _without_filler(searchable, check.filler)
    # The student's measured numbers ("79.9% against 78.4%") are words of their answer too;
    # a run-in label ("**What I can do now:** ...") says what the answer is, it is none of it.
    words = count_words(prose) + sum(len(NUMBER.findall(line.text)) for line in prose) \
        - sum(len(WORD.findall(label)) for line in prose[:1] if (label := run_in_label(line.text)))
    failures_judged, failures_objective = [], []
    # The answer is what to quote, not the question labelling it ("Q: What broke first?")
    excerpt_line = next((line for line in prose if not _labelled_question(line)), None) \
        or next(iter(prose), None) or next(iter(searchable), None)
    score = 0
    if check.keywords:
        heading = [unit.heading] if not check.min_words and _values_under(unit) else []
        hits = find_keywords(searchable + heading, check.keywords, check.synonym_map)
        if check.published and len(hits) < check.min_keywords:
            value = cites_published(" ".join(line.text for line in searchable), check.published,
                                    side_by_side=all(line.kind == "prose" for line in searchable))
            cited = next((line for line in searchable if value and value in line.text), None)
            if cited is not None:
                hits["a published score"] = cited
        score = len(hits)
        if hits:
            excerpt_line = _best_line(searchable, check) or excerpt_line
        if len(hits) < check.min_keywords:
            failures_judged.append(f"{len(hits)} of {check.min_keywords} expected keywords")
    if check.patterns:
        # A citation is the student's: a program's output ("Downloading data from https://...")
        # cites nothing (``anywhere`` marks the citation check).
        cited_in = [line for line in searchable if line.kind != "output"] \
            if check.anywhere else searchable
        hit = next((line for line in cited_in for pattern in check.patterns
                    if re.search(pattern, line.text, re.I)), None) or _pattern_across_lines(
            cited_in, check.patterns)
        if hit is None:
            failures_judged.append("none of the expected patterns")
        else:
            excerpt_line = hit if not check.keywords else excerpt_line
    if check.says:
        joined = " ".join(line.text for line in searchable)
        found = [bool(re.search(pattern, joined, re.I)) for pattern in check.says]
        if not all(found):  # half an answer is no judgement call: it is not all there
            failures_objective.append(_unsaid(found, check.says_names))
    if check.min_words and words < check.min_words:
        failures_judged.append(f"{words} words written ({check.min_words} expected)")
    if check.numbers and count_numbers(searchable, years=not cues) < check.numbers:
        failures_objective.append(f"fewer than {check.numbers} numbers")
    if check.table_rows:
        samples, first = count_samples(unit.lines, check.table_columns)
        if samples >= check.table_rows:
            excerpt_line = first
            score = max(score, samples)
        else:
            message = (f"{samples} samples with their true label in a table, list or "
                       f"labelled blocks ({check.table_rows} needed)")
            # Nothing countable in a PDF or text file: its table may have lost its layout.
            (failures_objective if structured or samples else failures_judged).append(message)
    # a failed answer is placed at its own line when it has one: the quote and its place agree
    where = excerpt_line or unit.heading
    if excerpt_line is not None:
        excerpt_line = with_sentence_end(unit.lines, excerpt_line)
    evidence = quote(excerpt_line) if excerpt_line is not None else (
        quote(where) if where is not None else "")
    failures = failures_objective + failures_judged
    if failures and where is not None:
        evidence = f"{where.where}: " + "; ".join(failures) + (
            f' -- "{shorten(without_emphasis(excerpt_line.text), 140)}"'
            if excerpt_line is not None else "")
    has_content = words > 0 or (not structured and any(
        line.kind in TEXT_KINDS for line in unit.lines))
    return _UnitOutcome(not failures, bool(failures_judged) and not failures_objective
                        and has_content and on_topic, words, evidence, score, unit)


def _without_filler(lines: list[Line], filler: tuple[str, ...]) -> list[Line]:
    """The lines as one, without the sentences that match a ``filler`` pattern (sentences run
    across wrapped lines, so they are cut from the joined text); unchanged when none does."""
    sentences = SENTENCE_END.split(" ".join(line.text for line in lines))
    kept = [sentence for sentence in sentences
            if not any(re.search(pattern, sentence, re.I) for pattern in filler)]
    if len(kept) == len(sentences):
        return lines
    return [replace(lines[0], text=" ".join(kept))]


def _labelled_question(line: Line) -> bool:
    """A line that only asks, after a label: "Q: What broke first?", "> **Challenges.** What
    went wrong?" (the answer below it is joined to it, see ``_questions_joined``)."""
    return line.text.rstrip().endswith("?") and run_in_label(line.text) is not None


def _unsaid(found: list[bool], names: tuple[str, ...]) -> str:
    """What a ``says`` check missed, in the feedback's words: "says what the student can do
    now, not what they will explore next"."""
    if not all(names):
        return f"says {sum(found)} of the {len(found)} things asked for together"
    said = [name for name, hit in zip(names, found, strict=True) if hit]
    unsaid = [name for name, hit in zip(names, found, strict=True) if not hit]
    return f"says {' and '.join(said)}, not {' and '.join(unsaid)}" if said \
        else f"says neither {' nor '.join(unsaid)}"


# A score in a syllabus reference: a number with a decimal point ("98.40%", "0.9922") or a
# percentage ("~99%"); other whole numbers there are model names, crop sizes and years.
_DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+|\d+(?=\s*%))\s*(%?)")
# Where a score comes from: a link, a year, "et al.", a name's possessive ("LeCun's page",
# "the Keras team's") or a named page ("the Keras Applications table").
_SOURCE = re.compile(r"https?://|www\.|\b[a-z][\w-]*\.(?:io|com|org|net|ai|dev)\b|"
                     r"\b(19|20)\d\d\b|\bet al\b|"
                     r"\b[A-Z][\w.-]*(?:\s+\w+)?['’]s\b|"
                     r"\b[A-Z][\w.-]*\s+(?:[\w.-]+\s+){0,2}(?:example|page|table|"
                     r"documentation|tutorial|repository|README|model card)\b")
# A comparison says which way the scores differ, or where in a published range it falls
# ("0.876-0.925 ..., so we are at the top of that").
_COMPARING = re.compile(r"\b(lower|higher|below|above|behind|ahead|better|worse|than|gap|"
                        r"differ\w*|short of|close to|match\w*|same as|top of|bottom of|within|"
                        r"(?:in|inside|outside) (?:the|that|this|their) range|"
                        r"(?:almost|nearly|about|roughly|basically|practically)(?: the)? same)\b",
                        re.I)


def _percent(value: str, sign: str) -> float:
    number = float(value)
    return number * 100 if not sign and number <= 1 else number


@functools.lru_cache(maxsize=None)
def published_scores(lab: str) -> tuple[float, ...]:
    """The scores the syllabus lists as ``lab``'s published results (its ``reference``), in
    percent: what an instructor knows the student should compare with."""
    for entry in load_syllabus():
        if entry.get("id") == lab:
            return tuple(_percent(value, sign) for value, sign
                         in _DECIMAL.findall(str(entry.get("reference", ""))))
    return ()


def cites_published(text: str, published: tuple[float, ...], side_by_side: bool = True
                    ) -> str | None:
    """The first of the ``published`` scores (to 0.05 points) that a sentence of ``text``
    names with where it comes from (a link, a year, "et al.", "LeCun's"), when ``text``
    compares ("lower", "gap", "than", ...); else ``None``. The student's own score that
    happens to equal a published one ("dropout 0.2 gave 98.4%, higher than ...") names no
    source and does not count. ``side_by_side`` (prose): a sentence that sets another score
    beside the published one compares without a word for it ("the Fashion-MNIST page says
    88.33% and I got 88.6"); a program's printed numbers do not."""
    comparing = bool(_COMPARING.search(text))
    for sentence in SENTENCE_END.split(" ".join(text.replace("`", "").split())):
        if _SOURCE.search(sentence) and (
                value := _published_compared(sentence, published, comparing, side_by_side)):
            return value
    return None


# The student's own score in a sentence ("and I got 98.4", "my run reached 98.4%"), which may
# equal the published one it stands beside.
_OWN_SCORE = re.compile(r"\b(?:I|we)\s+(?:\w+\s+)?(?:got|get|reached|obtained|achieved|"
                        r"scored|measured|hit|ended up with)\b|"
                        r"\b(?:my|our|mine)\s+(?:\w+\s+)?(?:score|accuracy|run|model|result)",
                        re.I)


def _published_compared(sentence: str, published: tuple[float, ...], comparing: bool,
                        side_by_side: bool) -> str | None:
    """The published score a sentence names, when it compares (a word of ``comparing``, or
    ``side_by_side`` another score of the student's in the sentence, even an equal one the
    sentence calls the student's, not a table's row)."""
    found = [(value, _percent(value, sign)) for value, sign in _DECIMAL.findall(sentence)]
    beside = side_by_side and "|" not in sentence and (
        any(not _is_published(score, published) for _, score in found)
        or (len(found) > 1 and bool(_OWN_SCORE.search(sentence))))
    return next((value for value, score in found if _is_published(score, published)
                 and (comparing or beside)), None)


def _is_published(score: float, published: tuple[float, ...], within: float = 0.05) -> bool:
    """Is ``score`` (in percent) one of the ``published`` scores, to ``within`` points?"""
    return any(abs(score - value) <= within for value in published)


def _pattern_across_lines(lines: list[Line], patterns: tuple[str, ...]) -> Line | None:
    """The line where a pattern's match starts in the lines read as one text: a sentence
    wrapped over two lines ("... the whole training\ntook 41 seconds") still matches."""
    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line.text) + 1
    joined = " ".join(line.text for line in lines)
    for pattern in patterns:
        match = re.search(pattern, joined, re.I)
        if match:
            return lines[max(i for i, start in enumerate(starts) if start <= match.start())]
    return None


# The field's and the course's names are no heading's verb: "Kyle, deep learning course"
# titles a document, not what Kyle learned.
_FIELD_NAMES = re.compile(r"\b(?:deep|machine|statistical|reinforcement) learning\b", re.I)


def _titled(title: str, words: tuple[str, ...]) -> bool:
    title = _FIELD_NAMES.sub(" ", title or "")
    return bool(title.strip()) and any(mentions(title, word) for word in words)


def _named_otherwise(document: Document, section: Section, context: TextContext) -> bool:
    """Does the heading hold one of the criterion's words but, by its meaning, name another
    criterion outright for every paragraph under it? "Where could you use what you learned?"
    ("learn") heads an application, not an insight."""
    if not isinstance(context.answers, Answers) or not context.criterion:
        return False
    names = [context.answers.label_of.get(id(paragraph.lines[0]))
             for paragraph in _paragraphs(document, section) if paragraph.lines]
    return bool(names) and all(name and name != context.criterion for name in names)


def _to_anothers_label(section: Section, check: TextCheck, context: TextContext) -> Section:
    """A heading's section up to the first paragraph the student labels as another
    criterion's answer ("Insights:" over an answer, then "**Challenges:** ...", "**Personal
    growth:** ..."): the paragraphs from there on answer those, not this heading's question.
    A section under any other heading (the lab's title) is left whole, and so is a report's
    (its bold labels are points of one discussion: "**Split and noise.** ...")."""
    lines = section.lines
    if not context.answered_once or not _titled(section.title, check.headings):
        return section
    for index, line in enumerate(lines):
        if index and line.kind == "prose" and lines[index - 1].kind == "blank" \
                and (label := run_in_label(line.text)) and not _titled(label, check.headings) \
                and any(_titled(label, rival.headings) for rival in context.rivals) \
                and any(kept.kind != "blank" for kept in lines[:index]):
            return Section(section.heading, lines[:index])
    return section


def _sections(documents: list[Document], headings: tuple[str, ...]) -> list[tuple[Document,
                                                                                 Section]]:
    found = []
    for document in documents:
        for section in document.sections():
            if _titled(section.title, headings):
                found.append((document, section))
    return found


def _paragraphs(document: Document, section: Section | None = None) -> list[Section]:
    """Paragraphs and tables, each knowing the heading above it."""
    lines = section.lines if section is not None else document.lines
    heading = section.heading if section is not None else None
    found, current = [], []
    for line in lines + [Line("", "", "blank")]:
        if line.kind in ("blank", "heading"):
            if current:
                found.append(Section(heading, current))
            current = []
            heading = line if line.kind == "heading" else heading
        else:
            if current and line.kind == "prose" and starts_answer(line.text):
                found.append(Section(heading, current))  # "Roadblocks: ..." on the next line
                current = []
            current.append(line)
    notes = document.format == "text"
    return [part for paragraph in _values_joined(_questions_joined(found))
            for labelled in _label_list_split(paragraph)
            for part in (_notes_split(labelled) if notes else [labelled])]


def _questions_joined(paragraphs: list[Section]) -> list[Section]:
    """A question on its own ("Q: What broke first?", "> **Challenges.** What went wrong?")
    and the answer below it ("A: The shape. ...", or a paragraph with no label or question
    of its own), a blank line apart, are one labelled answer."""
    joined: list[Section] = []
    for paragraph in paragraphs:
        before = joined[-1] if joined else None
        if before is not None and before.heading is paragraph.heading and \
                len(before.lines) == 1 and _labelled_question(before.lines[0]) and \
                paragraph.lines and (
                    ANSWER_MARK.match(paragraph.lines[0].text[:20])
                    or not (run_in_label(paragraph.lines[0].text)
                            or paragraph.lines[-1].text.rstrip().endswith("?"))):
            joined[-1] = Section(before.heading, before.lines + paragraph.lines)
        else:
            joined.append(paragraph)
    return joined


def _values_joined(paragraphs: list[Section]) -> list[Section]:
    """A line that introduces the values below it ("Test accuracy of the nine combinations
    (I copied it from the terminal):") and those rows of values ("  tfidf + NB   82.0 %"), a
    blank line apart, are one paragraph: the line names what the numbers are."""
    joined: list[Section] = []
    for paragraph in paragraphs:
        before = joined[-1] if joined else None
        rows = [line for line in paragraph.lines if line.kind == "prose"]
        if before is not None and before.heading is paragraph.heading \
                and len(before.lines) == 1 and before.lines[0].kind == "prose" \
                and before.lines[0].text.rstrip().endswith(":") \
                and not NUMBER.search(before.lines[0].text) \
                and len(rows) >= 2 and len(rows) == len(paragraph.lines) \
                and all(NUMBER.search(line.text) and len(line.text) <= VALUE_ROW_CHARS
                        for line in rows):
            joined[-1] = Section(before.heading, before.lines + paragraph.lines)
        else:
            joined.append(paragraph)
    return joined


VALUE_ROW_CHARS = 80  # a row of values is short: a name or two and a number
NOTES_LINES = 5  # lines of a paragraph of notes, one statement a line
# A line of a plain-text table of settings: a name, two spaces or more, its value ("  batch
# size     32")
_ALIGNED_PAIR = re.compile(r"^\s*\S[^\t]{0,40}?\S(?:\s{2,}|\t)\S")
_ENDS_SENTENCE = re.compile(r"[.!?][\"')\]]?$")
_ENDS_STATEMENT = re.compile(r"[.!][\"')\]]?$")  # a question belongs with its answer below
WRAP_WIDTH_MAX = 100  # no editor wraps lines longer than this: such a line ends by hand


def _notes_split(paragraph: Section) -> list[Section]:
    """Notes typed one statement a line with no blank line between them (a phone's report:
    "test acc 99.46%" / "keras.io says 0.9922 so basically same" / "next time: ...") are one
    paragraph per line. Hard-wrapped prose is not: its lines, but the last, nearly fill the
    width of the longest; here a third or more of them stop short of 60% of it. A shorter
    one is a paragraph per line when its writer ended every line by hand: each line ends a
    sentence, and each but the last ends a statement (a question stays with its answer)
    though the next line's first word would have fit on it (or is longer than any editor
    wraps)."""
    lines = paragraph.lines
    if len(lines) < 2 or any(line.kind != "prose" or LIST_ITEM.match(line.text)
                             for line in lines):
        return [paragraph]
    if sum(bool(_ALIGNED_PAIR.match(line.text)) for line in lines) * 4 >= len(lines) * 3:
        return [paragraph]  # a table of names and values, typed in columns: one unit
    texts = [line.text.rstrip() for line in lines]
    width = max(len(text) for text in texts)
    if len(lines) < NOTES_LINES:
        by_hand = bool(_ENDS_SENTENCE.search(texts[-1])) and all(
            _ENDS_STATEMENT.search(text) and (
                len(text) > WRAP_WIDTH_MAX or len(text) + 1 + len(after.split()[0]) <= width)
            for text, after in pairwise(texts))
        return [Section(paragraph.heading, [line]) for line in lines] if by_hand \
            else [paragraph]
    short = sum(len(text) < 0.6 * width for text in texts[:-1])
    if short * 3 < len(lines) - 1:
        return [paragraph]
    return [Section(paragraph.heading, [line]) for line in lines]


def _label_list_split(paragraph: Section) -> list[Section]:
    """A list of labelled answers, one per line ("insights: ..." / "challenges: ..."), is
    one answer per line; any other paragraph stays whole."""
    lines = paragraph.lines
    if not all(line.kind == "prose" for line in lines[1:]):
        return [paragraph]
    if lines[0].kind == "prose" and label_list([line.text for line in lines]):
        return [Section(paragraph.heading, [line]) for line in lines]
    # ... also under a title line of its own ("lab 4 (bag of words)" / "- hard: ..." / ...),
    # the student's or the course's words
    if len(lines) > 1 and lines[0].kind in ("prose", "prompt") and _title_line(lines[0].text) \
            and label_list([line.text for line in lines[1:]]):
        return [Section(paragraph.heading, [line]) for line in lines]
    return [paragraph]


TITLE_LINE_WORDS = 8  # a title over a list of answers is short and ends no sentence


def _title_line(text: str) -> bool:
    return len(text.split()) <= TITLE_LINE_WORDS and not text.rstrip().endswith((".", ",", ";")) \
        and run_in_label(text, any_case=True) is None


def _structured(document: Document) -> bool:
    return document.format in ("markdown", "notebook", "docx", "odt", "odp", "pptx", "html",
                               "latex")


def _names_published(lines: list[Line], check: TextCheck) -> bool:
    """Does a sentence of prose compare with one of the lab's published scores, naming it
    beside one of the check's words ("The paper says 71.3% top-1, so top-1 is worse")? A
    table's row of confidences does not, nor a score no one compares ("in the paper VGG16
    gets 71.3% top-1. i cant really compare")."""
    if any(line.kind != "prose" for line in lines):
        return False
    text = " ".join(line.text for line in lines)
    return any(keywords_in(sentence, check.keywords, check.synonyms) and _published_compared(
        sentence, check.published, bool(_COMPARING.search(sentence)), True)
        for sentence in SENTENCE_END.split(text))


def _answers_another(paragraph: Section, check: TextCheck, context: TextContext) -> bool:
    """Does the paragraph answer another criterion rather than this check?

    When the paragraph holds all the keywords another criterion needs, and every sentence
    holding this check's keywords holds more of that criterion's (a list of hyperparameters
    is no improvement idea); or when the paragraph sits under the heading of a citation check
    (a reference list). A paragraph that names the lab's published score with one of the
    check's words ("the paper says 71.3%") answers a check of published scores whatever other
    words it holds.
    """
    lines = [line for line in paragraph.lines if line.kind in TEXT_KINDS]
    text = " ".join(line.text for line in lines)
    if not check.keywords and check.patterns:  # citations: two different patterns outside
        return sum(bool(re.search(p, text, re.I)) for p in check.patterns) < 2
    if not check.keywords:
        return False
    if check.published and _names_published(lines, check):
        return False  # "the paper says 71.3%": the lab's published score, whatever else
    for rival in context.rivals:
        if rival.patterns and not rival.keywords and _titled(paragraph.title, rival.headings) \
                and not _titled(paragraph.title, check.headings):
            return True
    rivals = [rival for rival in context.rivals if rival.keywords and len(
        keywords_in(text, rival.keywords, rival.synonyms)) >= rival.min_keywords]
    if not rivals:
        return False
    mine = [(sentence, len(keywords_in(sentence, check.keywords, check.synonyms)))
            for sentence in SENTENCE_END.split(text)]
    return any(hits for _, hits in mine) and all(
        any(len(keywords_in(sentence, rival.keywords, rival.synonyms)) > hits
            for rival in rivals)
        for sentence, hits in mine if hits)


# What a student writes under a heading to say there is no answer: "N/A", "none", "-".
_DECLINED = re.compile(r"^\W*(n/?a|none|nothing|not applicable|no answer|no idea|tbd|todo|"
                       r"skipped|-+|\u2013|\u2014|\?+|ditto|"
                       # an answer promised for later: "(write tomorrow)", "will finish later"
                       r"(?:(?:i\W?ll|i will|will|to)\s+)?(?:write|finish|add|fill(?:\s+in)?|do|"
                       r"complete)(?:\s+(?:this|it|in))?\s+(?:later|tomorrow|soon|next week)|"
                       r"later|tomorrow|tbc|coming soon|to be (?:written|added|done|completed)|"
                       # an answer that only points at another: "Same as lab 4.", "see above"
                       r"(?:see|same as|as|as in)\s+(?:above|below|before|earlier|lab\s*\d{1,2}|"
                       r"(?:the\s+)?(?:previous|last|first|other)\s+(?:one|lab|answer|question)))"
                       r"\W*$", re.I)


def _unit_text(unit: Section) -> str:
    return " ".join(line.text for line in unit.lines if line.kind in TEXT_KINDS)


def _left_empty(document: Document, unit: Section) -> bool:
    """Is there nothing at all under the heading (no line, not even a TODO or a figure), and
    is it a question's heading, not the document's title (level 1, or its first line: a part
    cut from a document covering several labs leaves the title with nothing under it)?"""
    first = next((line for line in document.lines if line.kind != "blank"), None)
    return unit.heading is not None and unit.heading.level != 1 and unit.heading is not first \
        and all(line.kind == "blank" for line in unit.lines)


def _declined(unit: Section) -> bool:
    """Does a section under the criterion's heading say only "N/A", "none" or "-"? (An empty
    one may head subsections that hold the answer; a **TODO** left in it is the draft's.)"""
    text = _unit_text(unit)
    return len(text) <= 40 and bool(_DECLINED.match(text)) and not any(
        line.kind in ("prompt", "code", "image") for line in unit.lines)


# A numbered answer's number: "3) -" declines the third question.
_ANSWER_NUMBER = re.compile(r"^\s*\d{1,2}\s*[.):]\s*")


def _declined_in_turn(documents: list[Document], context: TextContext) -> Section | None:
    """The paragraph labelled as this criterion's answer ("3) -" among answers numbered in
    turn) that says only "-", "N/A" or "none": the student wrote no answer."""
    if not isinstance(context.answers, Answers) or not context.criterion:
        return None
    return next((paragraph for doc in documents for paragraph in _paragraphs(doc)
                 if paragraph.lines and context.answers.label_of.get(
                     id(paragraph.lines[0])) == context.criterion
                 and not _THEMATIC_BREAK.match(_unit_text(paragraph))
                 and len(text := _answer_after_label(paragraph)) <= 40
                 and _DECLINED.match(text)), None)


# A line of three or more "-", "*" or "_" alone: Markdown's thematic break between two parts,
# not an answer declined ("3) -" and "Critical: ---" are)
_THEMATIC_BREAK = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")


def _answer_after_label(paragraph: Section) -> str:
    """The paragraph's text past its number and run-in label: "Critical: (write tomorrow)"
    answers "(write tomorrow)"."""
    text = _ANSWER_NUMBER.sub("", _unit_text(paragraph))
    label = _label_of(text)
    if label and (at := text.find(label)) >= 0:
        text = text[at + len(label):].lstrip("*_:.-\u2013\u2014 ")
    return text


def _stray_paragraphs(check: TextCheck, documents: list[Document], context: TextContext
                      ) -> list[tuple[Document, Section]]:
    """Where to look outside the expected headings: next to the criterion's other evidence,
    else every paragraph that does not answer another criterion better (by meaning when the
    encoder is there, else by keywords)."""
    if context.answers is not None and check.headings and context.near:
        # Next to the criterion's other evidence: the paragraphs that mean it too, alone and
        # in runs (a first answer found, the rest of it may sit in the next labelled one).
        return [(doc, unit) for doc, section in context.near
                for unit in _with_runs(_paragraphs(doc, _to_anothers_label(
                    section, check, context)), lambda p: (
                    context.means(p) or _titled(p.title, check.headings)
                    or any(id(line) in context.found_lines for line in p.lines)),
                    lambda p: context.answer_in(p, check))]
    found = _stray_by_rules(check, documents, context)
    if context.answers is not None and check.headings and not check.table_rows \
            and not (context.near or context.earlier_missing):
        seen = {id(p.lines[0]) for _, p in found if p.lines}
        found += [(doc, context.answer_in(p, check)) for doc in documents for p in _paragraphs(doc)
                  if context.means(p) and id(p.lines[0]) not in seen
                  and not _under_anothers_heading(p, check, context)
                  and not (isinstance(context.answers, Answers)
                           and context.answers.labelled_otherwise(p, context.criterion))]
        if check.min_words and not context.answered_once:  # a report's short list items
            # ("- augment", "- more epochs") answer together: their words count as one answer
            found += [(doc, run) for doc in documents
                      for run in _lists(_paragraphs(doc)) if _some_item_means(run, context)
                      and not _under_anothers_heading(run, check, context)]
        elif check.min_words and isinstance(context.answers, Answers):
            # A reflection's items answer together only under a label of their own
            found += [(doc, run) for doc in documents
                      for run in _labelled_lists(_paragraphs(doc), context)]
    return found


def _labelled_lists(paragraphs: list[Section], context: TextContext) -> list[Section]:
    """The items of a list right below a label left empty that names the criterion, as one
    unit: "Where I'd use this:" over three bullets of uses is one answer."""
    found: list[Section] = []
    for index, paragraph in enumerate(paragraphs):
        text = paragraph_text(paragraph.lines)
        label = _label_of(text) if paragraph.lines else None
        under_heading = _heads_list(paragraphs, index, context)
        if under_heading:  # "**Struggles:**" alone on its line, read as a heading
            index, paragraph = index - 1, Section(paragraph.heading, [])
        elif not label or len(WORD.findall(text)) > len(WORD.findall(label)) \
                or context.answers.label_of.get(id(paragraph.lines[0])) != context.criterion:
            continue
        items: list[Section] = []
        for later in paragraphs[index + 1:]:
            if not (later.lines and LIST_ITEM.match(later.lines[0].text)
                    and later.heading is paragraph.heading):
                break
            if under_heading and context.answers.label_of.get(id(later.lines[0])) \
                    != context.criterion:  # "1) ..." then "2) ...": answers numbered in turn
                break
            items.append(later)
        if len(items) >= 2:
            found.append(Section(paragraph.heading, [line for p in items for line in p.lines]))
    return found


def _under_label_line(paragraph: Section) -> bool:
    """Is the paragraph's heading a label set alone on its line ("**Struggles:**"), which the
    readers take for a heading?"""
    return paragraph.title.rstrip().endswith(":")


def _heads_list(paragraphs: list[Section], index: int, context: TextContext) -> bool:
    """Is ``paragraphs[index]`` the first item of a list right under a label set alone on
    its line that names the criterion ("**Struggles:**" read as a heading, its bullets below
    labelled by it)?"""
    paragraph = paragraphs[index]
    return bool(paragraph.lines and _under_label_line(paragraph)
                and LIST_ITEM.match(paragraph.lines[0].text)
                and (index == 0 or paragraphs[index - 1].heading is not paragraph.heading)
                and context.answers.label_of.get(id(paragraph.lines[0])) == context.criterion)


def _some_item_means(run: Section, context: TextContext) -> bool:
    return any(context.criterion in context.answers.get(id(line), ()) for line in run.lines)


def _with_runs(paragraphs: list[Section], chosen, unit) -> list[Section]:
    """``unit(p)`` of each chosen paragraph, and of runs of two or more in a row read as one:
    an answer given under two labels ("Leveled up: ..." then "Next: ...") is one answer."""
    found: list[Section] = []
    run: list[Section] = []
    for paragraph in paragraphs + [Section(None, [])]:
        if paragraph.lines and chosen(paragraph):
            run.append(unit(paragraph))
            found.append(run[-1])
            continue
        if len(run) > 1:
            found.append(Section(run[0].heading, [line for part in run for line in part.lines]))
        run = []
    return found


def _under_anothers_heading(paragraph: Section, check: TextCheck, context: TextContext) -> bool:
    """The heading above says the paragraph answers another criterion (a qualitative analysis
    under "Misclassified samples" is no hypothesis), and its meaning does not say otherwise:
    a paragraph that means this criterion and none of the ones its heading names answers this
    one (doubts about one's own experiment under "Problems with my experiment")."""
    if not paragraph.title or _titled(paragraph.title, check.headings):
        return False
    named = {criterion for rival, criterion in zip_longest(context.rivals, context.rival_ids,
                                                           fillvalue="")
             if _titled(paragraph.title, rival.headings)}
    if not named or "" in named:  # no heading of another, or another of unknown criterion
        return bool(named)
    key = id(paragraph.lines[0]) if paragraph.lines else 0
    if context.criterion in getattr(context.answers, "sentences", {}).get(key, {}):
        return False  # "Next + what I would change": a sentence of it answers this one
    meant = context.answers.get(key, set())
    return not (context.criterion in meant and not named & meant)


def _stray_by_rules(check: TextCheck, documents: list[Document], context: TextContext
                    ) -> list[tuple[Document, Section]]:
    if check.headings and context.near:
        return [(doc, p) for doc, section in context.near for p in _paragraphs(doc, section)]
    if check.headings and context.earlier_missing:
        return []
    if check.headings and not (check.keywords or check.patterns or check.says
                               or check.table_rows):
        return []  # only a word count: nothing but the heading says what the text is about
    if check.table_rows:  # samples may fill a section of blocks: count the whole document
        return [(document, Section(None, document.lines)) for document in documents]
    found = []
    for document in documents:
        paragraphs = _paragraphs(document)
        for paragraph in paragraphs + (_lists(paragraphs) if check.min_keywords > 1 else []):
            if check.headings and _answers_another(paragraph, check, context):
                continue
            found.append((document, paragraph))
    return found


def _lists(paragraphs: list[Section]) -> list[Section]:
    """Runs of consecutive paragraphs that are items of one list under one heading, as one
    unit: notes such as "- Model: VGG16 ...", "- Data: 30 photos ...", "- Machine: laptop
    CPU" describe the setup together, not one bullet alone."""
    runs: list[list[Section]] = []
    for paragraph in paragraphs:
        if paragraph.lines and LIST_ITEM.match(paragraph.lines[0].text):
            if runs and runs[-1] and runs[-1][-1].heading is paragraph.heading:
                runs[-1].append(paragraph)
                continue
            runs.append([paragraph])
        else:
            runs.append([])
    return [Section(run[0].heading, [line for p in run for line in p.lines])
            for run in runs if len(run) > 1]


def _by_meaning(check: TextCheck) -> TextCheck:
    """The check for a paragraph whose meaning answers the criterion: half its keywords (a
    setup described as "an LSTM on GloVe vectors, trained on SST-2, on a laptop GPU" names
    few of the rubric's words)."""
    if check.min_keywords < 3:
        return check
    return replace(check, min_keywords=(check.min_keywords + 1) // 2)


def _in_sentences(check: TextCheck) -> TextCheck:
    """The check for an answer given in a sentence or two of a longer paragraph: one keyword
    fewer ("a small CNN like this could read handwritten house numbers" names one concept)."""
    return replace(check, min_keywords=max(1, check.min_keywords - 1)) if check.min_keywords \
        else check


def _stray_check(unit: Section, check: TextCheck, context: TextContext) -> TextCheck:
    """The check for a paragraph outside the expected headings: lighter for one whose meaning
    answers the criterion, or for an answer in a few sentences of a longer paragraph."""
    if context.answers is not None and context.means(unit):
        return _by_meaning(check)
    if unit.lines and id(unit.lines[0]) in context.origins:
        return _in_sentences(check)
    return check


def _does_elsewhere(unit: Section, check: TextCheck) -> bool:
    """Does a paragraph outside the expected headings match one of ``check.elsewhere``? Its
    heading or run-in label is read with it; a run-in label holding one of the expected
    headings' words ("**Why.** ...") is that heading."""
    if not check.elsewhere:
        return True
    text = _unit_text(unit)[:20_000]
    label = run_in_label(text) or ""
    if label and _titled(label, check.headings):
        return True
    text = f"{unit.title}. {text}"  # "What goes wrong": the heading says what it is about
    return any(re.search(pattern, text, re.I) for pattern in check.elsewhere)


def _labelled_as(unit: Section, check: TextCheck, context: TextContext) -> bool:
    """Does the student's own run-in label name this criterion, by meaning or by one of its
    headings' words ("**Learned:** ...")? Then the paragraph is where the rubric looks, as
    under a heading: a short answer there is for a person to judge, and the criterion's next
    requirement reads it."""
    answers = context.answers
    if not (isinstance(answers, Answers) and unit.lines and context.criterion):
        return False
    label = run_in_label(unit.lines[0].text)
    return answers.label_of.get(id(unit.lines[0])) == context.criterion or bool(
        label and _titled(label, check.headings))


def _best(outcomes: list[_UnitOutcome]) -> _UnitOutcome:
    return max(outcomes, key=lambda o: (o.score, o.student_words))


def _text_evidence(check: TextCheck, submission: Submission,
                   context: TextContext | None = None
                   ) -> tuple[str, list[str], Section | None]:
    """``(status, evidence, the section or paragraph it came from)``."""
    status, evidence, unit = _text_found(check, submission, context or TextContext())
    if status != MISSING and check.document_says:
        # A description without the hardware is no description, however many of its words
        # the section has: the parts asked for together are looked for in all the student wrote,
        # also a tool's output pasted into a report ("$ lscpu" ... "Model name: AMD Ryzen 5"),
        # not a notebook's outputs (the program's words) nor its code
        written = " ".join(line.text for doc in submission.documents for line in doc.lines
                           if (line.kind in TEXT_KINDS and line.kind != "output")
                           or (line.kind == "code" and doc.format != "notebook"))
        found = [bool(re.search(pattern, written, re.I)) for pattern in check.document_says]
        if not all(found):
            return MISSING, ["the report " + _unsaid(found, check.document_says_names)
                             + (f" -- {evidence[0]}" if evidence else "")], None
    return status, evidence, unit


def _text_found(check: TextCheck, submission: Submission, context: TextContext
                ) -> tuple[str, list[str], Section | None]:
    """:func:`_text_evidence` before the parts asked for in the whole text are checked."""
    documents = submission.documents
    if not context.on_topic:
        return MISSING, ["the report hardly uses the rubric's words: is it the right "
                         "file? (check it by hand)"], None
    units = [(doc, _to_anothers_label(unit, check, context))
             for doc, unit in (_sections(documents, check.headings) if check.headings else [])
             if not _named_otherwise(doc, unit, context)]
    outcomes = [_check_unit(unit, check, _structured(doc), on_topic=True, cues=context.cues)
                for doc, unit in units]
    passed = [o for o in outcomes if o.passed]
    if passed:
        best = _best(passed)
        return MET, [best.evidence], best.unit
    if context.cues and units and all(_left_empty(doc, unit) for doc, unit in units):
        # A reflection's question with nothing under it ("> 4. What's next for you?" right
        # above the next question): the student left it open; what another answer says is
        # not read as this one
        heading = units[0][1].heading
        return MISSING, [f"{heading.where}: nothing written under "
                         f"\"{shorten(heading.text, 60)}\""], None
    if units and all(_declined(unit) for _, unit in units):
        # "### Application" / "N/A": the student says there is no answer; none is looked for
        # in other paragraphs (what they learned is no application)
        heading = units[0][1].heading
        return MISSING, [f"{heading.where}: the student wrote no answer under "
                         f"\"{shorten(heading.text, 60)}\" ("
                         f"{shorten(_unit_text(units[0][1]), 20)})"], None
    if check.headings and context.answers is not None and (
            declined := _declined_in_turn(documents, context)):
        # "Critical: (write tomorrow)": the student's own label says the answer is not there;
        # another paragraph is not read as it
        return MISSING, [f"{declined.lines[0].where}: the student wrote no answer: "
                         f"\"{shorten(_unit_text(declined), 20)}\""], None
    # The answer may sit under a heading of the student's own wording, or under none; there
    # it must also do what the answer does (``elsewhere``: propose, explain the errors).
    stray = [_check_unit(unit, _stray_check(unit, check, context), _structured(doc),
                         on_topic=_labelled_as(unit, check, context), cues=context.cues)
             for doc, unit in _stray_paragraphs(check, documents, context)
             if _does_elsewhere(unit, check)]
    passed = [o for o in stray if o.passed]
    if passed:
        best = _best(passed)
        return MET, [best.evidence], best.unit
    if check.anywhere:  # "The paper (Socher 2013) got 81.8%": a citation wherever it sits
        cites = TextCheck(patterns=check.anywhere)
        cited = [outcome for doc in documents for paragraph in _paragraphs(doc)
                 if (outcome := _check_unit(paragraph, cites, _structured(doc),
                                            on_topic=False)).passed]
        if cited:
            return MET, [cited[0].evidence], cited[0].unit
    review = [o for o in outcomes + stray if o.judgement_only]
    if review:
        best = max(review, key=lambda o: o.student_words)
        return REVIEW, [best.evidence], best.unit
    if check.keywords and not check.min_words:
        # Some words may be only in code (e.g. hyperparameters set in a notebook cell).
        prose = [line for doc in documents for line in doc.lines if line.kind in TEXT_KINDS]
        code = [line for doc in documents for line in doc.lines if line.kind == "code"]
        in_prose = find_keywords(prose, check.keywords, check.synonym_map)
        in_code = find_keywords(code, check.keywords, check.synonym_map)
        if in_code and len(set(in_prose) | set(in_code)) >= check.min_keywords:
            example = quote(next(iter(in_code.values())))
            if in_prose:
                return MET, ["in the text and the code: " + example], None
            return REVIEW, ["found only in code: " + example], None
    if check.headings and outcomes:  # the section is there, but falls short
        best = max(outcomes, key=lambda o: o.student_words)
        return MISSING, [best.evidence] if best.evidence else [], None
    if check.headings:
        headings = ", ".join(check.headings[:4])
        if context.answers is not None:  # by meaning, an answer needs no heading
            if stray and not (check.keywords or check.patterns or check.says):
                # Only a word count, and a paragraph means the answer: it is too short
                # ("17 words written (18 expected)"), not absent
                best = max(stray, key=lambda o: o.student_words)
                return MISSING, [best.evidence], None
            return MISSING, [f"no answer found: no paragraph means it, and none is under a "
                             f"heading like {headings}"], None
        return MISSING, [f"no heading like {headings}"], None
    wanted = ", ".join(check.keywords[:5]) or "the expected text"
    return MISSING, [f"no paragraph or table with: {wanted}"], None


# A pattern's alternative that is plain words ("training time" in "training time|...").
_PLAIN_WORDS = re.compile(r"[a-z][a-z /-]*[a-z]")


def rubric_words(rubric: Rubric) -> tuple[str, ...]:
    """Every keyword and heading word of the rubric's text checks, and the plain-word
    alternatives of their patterns ("training time|time to train|..."), with their
    synonyms."""
    words: list[str] = []
    for criterion in rubric.criteria:
        for requirement in criterion.requirements:
            if requirement.text is not None:
                words += [*requirement.text.keywords, *requirement.text.headings]
                words += [part for pattern in requirement.text.patterns
                          for part in pattern.split("|") if _PLAIN_WORDS.fullmatch(part)]
    words += [other for others in rubric.synonyms.values() for other in others]
    return tuple(dict.fromkeys(word.lower().strip() for word in words))


# A report is about the lab when it uses this many different words of the rubric, or one
# for every ten words it holds (a short report); an essay on something else uses a few.
MIN_TOPIC_WORDS = 12


def topic_words(submission: Submission, rubric: Rubric, enough: int | None = None
                ) -> tuple[int, int]:
    """``(different rubric words used, words written)`` in the student's text; counting
    stops at ``enough`` words used."""
    lines = [line for doc in submission.documents for line in doc.lines
             if line.kind in TEXT_KINDS or line.kind == "heading"]
    text, used = "\n".join(line.text for line in lines), 0
    written = count_words(lines)
    for word in rubric_words(rubric):
        used += mentions(text, word)
        if enough is not None and used >= enough:
            break
    return used, written


def on_topic(used: int, words: int) -> bool:
    return used >= MIN_TOPIC_WORDS or used * 10 >= words


# --- putting it together -------------------------------------------------------------------

def _waived(conditions: tuple[Condition, ...], submission: Submission,
            lab: str = "") -> str | None:
    """An exemption from the submission's run records, or, without any, from the lab the
    report names (``lab == lab01_vgg16_inference`` holds for a report titled "Lab 1")."""
    if not conditions:
        return None
    holds, evidence = _record_evidence(conditions, submission)
    if holds:
        return f"not required: {evidence[0]}"
    if lab and not submission.runs and all(c.path == "lab" for c in conditions):
        if all(c.check({"lab": lab})[0] for c in conditions):
            return f"not required: the report is about {lab}"
    if lab and not submission.runs and all(c.path == "reference.difference"
                                           for c in conditions):
        stated = _stated_gap(submission, published_scores(lab))
        if stated is not None and all(c.check({"reference": {"difference": stated[0] / 100}})[0]
                                      for c in conditions):
            return (f"not required: {abs(stated[0]):.2f} points from the published score -- "
                    f"\"{shorten(stated[1], 120)}\"")
    return None


def _stated_gap(submission: Submission, published: tuple[float, ...]
               ) -> tuple[float, str] | None:
    """``(the student's score minus the published one, in points; the sentence)`` from the
    first sentence that compares a published score of the lab with a score of the student's
    ("The keras example mnist_mlp gets 98.40% test accuracy, we got 98.34%"): without a run
    record, what the report says stands for ``reference.difference``."""
    for document in submission.documents:
        for line in document.lines:
            if line.kind not in TEXT_KINDS:
                continue
            for sentence in SENTENCE_END.split(line.text):
                if not _COMPARING.search(sentence):
                    continue
                scores = [_percent(value, sign) for value, sign in _DECIMAL.findall(sentence)]
                # the published score as printed; the student's own may lie within rounding
                # of it ("Socher et al. report 81.8 %, I got 81.77 %")
                cited = [s for s in scores if _is_published(s, published, 1e-6)] or [
                    s for s in scores if _is_published(s, published)]
                own = [s for s in scores if s not in cited and 0 < s <= 100]
                if cited and own:
                    return own[0] - cited[0], sentence
    return None


def _run_sources_count(requirement: Requirement, submission: Submission,
                       untouched: str) -> str | None:
    """Why the run's records and figures cannot meet ``requirement`` (``None``: they can).
    ``untouched``: why the submission is an untouched draft ("" when it is not), for a
    criterion the run alone cannot show."""
    if untouched:
        return untouched
    if requirement.full_run and submission.runs and all(
            unfinished(run.record) for run in submission.runs):
        why = " and ".join(dict.fromkeys(w for run in submission.runs
                                         for w in unfinished(run.record)))
        return f"{why}: its outputs are not the intended ones (run the lab in full)"
    return None


def assess_requirement(requirement: Requirement, submission: Submission,
                       context: TextContext | None = None, lab: str = "",
                       untouched: str = "") -> RequirementResult:
    """Look for one requirement in every source it names; see the module docstring.
    ``untouched``: the submission holds no words of the student's own and the criterion is
    not one the run alone can show: the run's records and figures do not count."""
    waived = _waived(requirement.waive_if, submission, lab)
    if waived:
        return RequirementResult(requirement, MET, [waived])
    no_run = _run_sources_count(requirement, submission, untouched)
    if requirement.notebook:
        status, evidence = _notebook_evidence(submission)
        if status in (MISSING, REVIEW):  # a broken notebook outweighs other evidence
            return RequirementResult(requirement, status, evidence)
        if status == MET:
            return RequirementResult(requirement, MET, evidence)
    notes: list[str] = []
    review: list[str] = []
    sources = []
    if requirement.record and not no_run:
        sources.append(lambda: _record_evidence(requirement.record, submission))
    if requirement.annotations:
        sources.append(lambda: _annotation_evidence(requirement.annotations, submission))
    if requirement.figures and not no_run:
        sources.append(lambda: _figure_evidence(requirement.figures, submission))
    if requirement.epoch_table and not no_run:
        sources.append(lambda: epoch_table(submission))
    if no_run and (requirement.record or requirement.figures):
        notes.append(f"the run's record and figures do not count here: {no_run}")
    for source in sources:
        found, evidence = source()
        if found:
            return RequirementResult(requirement, MET, evidence)
        notes += evidence
    # Whether code ran is for run records and notebooks to say; a report's text stands in
    # only when it was handed in without either (or with a record the student wrote
    # themselves: neither the course's schema version nor a status says how the run ended).
    says_ran = any("status" in run.record or "schema_version" in run.record
                   for run in submission.runs)
    text_counts = not (requirement.notebook and (says_ran or submission.notebooks))
    if requirement.text is not None and text_counts:
        status, evidence, unit = _text_evidence(requirement.text, submission, context)
        # The criterion's next requirement reads the same answer ("1.5 more when it is
        # specific"), also one under review: a two-word answer is not made specific by a
        # paragraph elsewhere.
        if status in (MET, REVIEW) and context is not None and unit is not None:
            unit = context.origins.get(id(unit.lines[0]), unit) if unit.lines else unit
            context.found_lines.update(id(line) for line in unit.lines)
            if _labelled_as(unit, requirement.text, context):  # "**Learned:** ...": its paragraph
                context.near.extend((doc, unit) for doc in submission.documents
                                    if any(line is unit.lines[0] for line in doc.lines))
            else:
                context.near.extend((doc, section) for doc in submission.documents
                                    for section in _containing(doc, unit))
        if status == MET:
            return RequirementResult(requirement, MET, evidence)
        (review if status == REVIEW else notes).extend(evidence)
        if context is not None and status == MISSING:
            context.earlier_missing = True
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


def _containing(document: Document, unit: Section) -> list[Section]:
    """The section of ``document`` that holds ``unit`` (a section or paragraph)."""
    first = unit.lines[0] if unit.lines else unit.heading
    if first is None:
        return []
    for section in document.sections():
        if section.heading is unit.heading and unit.heading is not None:
            return [section]
    for section in document.sections():
        if any(line is first for line in section.lines):
            return [section]
    if any(line is first for line in document.lines):
        return [Section(None, document.lines)]
    return []


def _rivals(criterion: Criterion, rubric: Rubric | None
            ) -> tuple[tuple[TextCheck, ...], tuple[str, ...]]:
    """The text checks of the other criteria, and the criterion of each (see
    :class:`TextContext`). An extra credit is no rival of a required criterion: the
    qualitative analysis it asks for ("shirts and coats look very similar at 28x28") is
    often the hypothesis itself, and the paragraph answers both."""
    if rubric is None:
        return (), ()
    pairs = [(r.text, c.id) for c in rubric.criteria if c.id != criterion.id
             and (criterion.extra_credit or not c.extra_credit)
             for r in c.requirements if r.text is not None]
    return tuple(check for check, _ in pairs), tuple(cid for _, cid in pairs)


def assess_criterion(criterion: Criterion, submission: Submission, rubric: Rubric | None = None,
                     *, on_topic: bool = True, lab: str = "",
                     near_labs: tuple[str, ...] = (),
                     answers: dict[int, set[str]] | None = None,
                     untouched: str = "") -> CriterionResult:
    """``untouched``: why the submission is an untouched draft ("" when it is not).
    ``near_labs``: the labs a report that names none may be about (their published scores
    count as sources; their waivers do not apply)."""
    waived = _waived(criterion.waive_if, submission, lab)
    if waived:
        return CriterionResult(criterion, MET, criterion.points, [waived],
                               "Not required for this lab.")
    rivals, rival_ids = _rivals(criterion, rubric)
    context = TextContext(rivals, rival_ids, on_topic=on_topic,
                          criterion=criterion.id, answers=answers,
                          answered_once=bool(criterion.cues),
                          cues=tuple(cue for c in (rubric.criteria if rubric else (criterion,))
                                     for cue in c.cues) if criterion.cues else ())
    if (lab or near_labs) and any(r.text is not None and r.text.published_scores
                                  for r in criterion.requirements):
        scores = tuple(score for name in ([lab] if lab else near_labs)
                       for score in published_scores(name))
        criterion = replace(criterion, requirements=tuple(
            replace(r, text=replace(r.text, published=scores))
            if r.text is not None and r.text.published_scores else r
            for r in criterion.requirements))
    untouched = "" if criterion.run_evidence else untouched
    results = [assess_requirement(r, submission, context, lab, untouched)
               for r in criterion.requirements]
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


MAX_LABELLED = 3  # paragraphs under one heading for it to be their label
MAX_MEANING_PARAGRAPHS = 400  # more (a crafted file): the rules judge its text


class Answers(dict):
    """id() of a paragraph's first line -> the criteria it answers by meaning; ``sentences``:
    for a paragraph that answers several criteria sentence by sentence, criterion -> the
    sentences that answer it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sentences: dict[int, dict[str, list[str]]] = {}
        # id() of a labelled paragraph's first line -> the criterion its label names ("" for
        # none: "Per class:", "Results:"); ``labelled``: the criteria some label names.
        self.label_of: dict[int, str] = {}
        self.labelled: set[str] = set()

    def labelled_otherwise(self, paragraph: Section, criterion: str) -> bool:
        """The student labelled an answer as ``criterion`` ("Critical reflection: -", also
        left empty), and this paragraph's label says it is something else ("- Per class:
        worst was 9 ..."): then it is no answer to ``criterion``, whatever it resembles."""
        key = id(paragraph.lines[0]) if paragraph.lines else 0
        return criterion in self.labelled and self.label_of.get(key, criterion) != criterion


SPEAKER_TURNS = 3  # a run-in label opening this many paragraphs is a speaker's name


def _speakers(paragraphs: list[Section]) -> set[str]:
    """Run-in labels that open several paragraphs of one lab's part: the speakers of a
    dialogue ("**Kai:** ...", "**Priya:** ..."), not the names of answers, which are given
    once."""
    labels = Counter(run_in_label(paragraph_text(p.lines), any_case=True) for p in paragraphs)
    return {label for label, count in labels.items() if label and count >= SPEAKER_TURNS}


# An interview written up: the asker's turns ("**Q (TA):** What went wrong along the way?"),
# each the question the student's next paragraphs answer, as a heading would be.
_ASKER_TURN = re.compile(r"^\W{0,4}(?:\*\*|__)?(?P<speaker>[A-Za-z][\w .'()/-]{0,30}?)"
                         r"(?:\*\*|__)?\s{0,3}:\s{0,3}(?:\*\*|__)?\s(?P<words>.+)$", re.S)
ASKER_QUESTIONS = 2  # an interview: this many turns of one speaker are questions
TRANSITION_WORDS = 12  # a part's opening sentence this short, without numbers, only moves on


def _transition(paragraph: Section, part_titles: frozenset[str]) -> bool:
    """Is the paragraph the one sentence that opened this lab's part and says nothing else
    ("Now about the convolution lab, which comes right after.")? Like a heading, it answers
    no question."""
    if len(paragraph.lines) != 1 or paragraph.lines[0].text not in part_titles:
        return False
    text = re.sub(r"\blabs?[\s_-]*\d+", " ", paragraph.lines[0].text, flags=re.I)
    return len(WORD.findall(text)) <= TRANSITION_WORDS and not re.search(r"\d", text) \
        and len(SENTENCE_END.split(text.strip())) == 1


def _interview_questions(paragraphs: list[Section]) -> dict[int, str]:
    """id() of each paragraph an interviewer speaks -> the last question in it ("" when it
    asks none: "That sounds more like what you'd do differently. I meant an application.").
    The interviewer is the speaker most of whose turns are questions, at least
    :data:`ASKER_QUESTIONS` of them; empty when there is none (two students talking)."""
    turns = {id(p): match for p in paragraphs
             if (match := _ASKER_TURN.match(paragraph_text(p.lines)[:400]))}
    asked = Counter(match["speaker"] for match in turns.values()
                    if match["words"].rstrip().endswith("?"))
    spoken = Counter(match["speaker"] for match in turns.values())
    # most of the interviewer's turns are questions; partners talking ask now and then
    asker = next((speaker for speaker, count in asked.most_common(1)
                  if count >= ASKER_QUESTIONS and count * 2 > spoken[speaker]), None)
    if asker is None:
        return {}
    found = {}
    for key, match in turns.items():
        if match["speaker"] == asker:
            questions = re.findall(r"[^.!?]*\?", match["words"])
            found[key] = questions[-1].strip() if questions else ""
    return found


# "Q4) ..." in a reflection: the course asks its questions in the rubric's order, so the
# question's number names the criterion it answers (a student who skips Q3 answers Q4 as Q4).
_QUESTION_NUMBER = re.compile(r"^\W{0,4}(?:Q|Question)\s?(?P<number>\d)\s?[:.)\]]\s", re.I)
QUESTION_NUMBERS = 3  # this many numbered answers, in order, are the course's questions


def _numbered_answers(paragraphs: list[Section], meaning: Meaning, title: Line | None = None
                      ) -> dict[int, str]:
    """id() of each paragraph answering a question by its number ("Q2) Installing NLTK ...")
    -> that question's criterion, when the rubric's criteria are all answers (a reflection)
    and each number comes once, in any order (a student may answer the question they care
    about first: "2) Hard part was NLTK ..." / "1) Most interesting ..."). Bare numbers
    ("1. I understand now ...") under the document's ``title`` (the student's name) answer
    the questions when they number every question in turn."""
    if not meaning.answered_once or set(meaning.criteria) != meaning.answered_once:
        return {}
    numbers: dict[int, int] = {}  # id() of a paragraph -> its question's number
    ordered: list[int] = []  # the numbers in turn, once per question
    titled = None  # the last heading that numbered a question
    for paragraph in paragraphs:
        if match := _QUESTION_NUMBER.match(paragraph_text(paragraph.lines)):
            numbers[id(paragraph)] = int(match["number"])
            ordered.append(numbers[id(paragraph)])
        elif paragraph.heading is not None and (
                match := _QUESTION_NUMBER.match(paragraph.heading.text + " ")):
            # ... or under a numbered question set as a heading ("**Q1. What stuck?**" alone)
            numbers[id(paragraph)] = int(match["number"])
            if paragraph.heading is not titled:
                ordered.append(numbers[id(paragraph)])
            titled = paragraph.heading
    if not ordered:  # "1) dropout helps ..." / "2) did --quick first ...": bare numbers
        numbers = {id(paragraph): number for paragraph in paragraphs if paragraph.lines
                   and (number := _bare_numbers([paragraph.lines[0]]).get(0))}
        ordered = list(numbers.values())
        every = ordered == list(range(1, len(meaning.criteria) + 1))
        if not all(_a_labs_heading(paragraph.heading) or (every and paragraph.heading is title)
                   for paragraph in paragraphs if id(paragraph) in numbers):
            return {}
    if not _each_once(ordered, len(meaning.criteria)):
        return {}
    return {key: meaning.criteria[number - 1] for key, number in numbers.items()}


def _each_once(numbers: list[int], questions: int) -> bool:
    """Are these the course's questions, answered in any order: three or more numbers, each
    once, from 1 to ``questions``? Steps of a procedure rise too, and a list out of order is
    no procedure."""
    return len(numbers) >= QUESTION_NUMBERS and len(set(numbers)) == len(numbers) \
        and all(1 <= number <= questions for number in numbers)


def _in_turn(numbers: list[int], questions: int) -> bool:
    """Are these the course's questions answered in turn: three or more numbers, rising, each
    once, from 1 to ``questions``?"""
    return _each_once(numbers, questions) and numbers == sorted(numbers)


# A bare number opening a line ("3) bag of words could sort emails ..."): in a lab's part
# with no question above it, the course's question of that number (see _numbered_answers)
_BARE_NUMBER = re.compile(r"^\s{0,3}(?P<number>[1-9])[.)]\s")


def _bare_numbers(lines: list[Line]) -> dict[int, int]:
    """{index of a prose line opening with a bare number: that number}."""
    return {index: int(match["number"]) for index, line in enumerate(lines)
            if line.kind == "prose" and (match := _BARE_NUMBER.match(line.text))}


def _title_of(document: Document) -> Line | None:
    """The document's first line, when it is a heading (its title, or the student's name)."""
    first = next((line for line in document.lines if line.kind != "blank"), None)
    return first if first is not None and first.kind == "heading" else None


def _a_labs_heading(heading: Line | None) -> bool:
    """Is a numbered answer under no heading but its lab's ("L04:", "Lab 01:" of another
    course's numbering)? Under a question's heading ("## What I learned") the numbers count
    the student's points, not the course's questions."""
    return heading is None or heading_lab(heading.text) is not None


def numbered_answers_apart(submission: Submission, questions: int) -> None:
    """A reflection's answers numbered on consecutive lines ("1) dropout helps ..." / "2) did
    --quick first ..." / "3) -"), each beside no question's heading, become one paragraph each
    (a blank line before each), so that each is read as the answer its number names: the
    numbers must rise, three or more, none above the course's ``questions``."""
    for document in submission.documents:
        lines = document.lines
        numbered = _bare_numbers(lines)
        if not _in_turn(list(numbered.values()), questions):
            continue
        heading, under_a_question = None, False
        title = _title_of(document)
        every = list(numbered.values()) == list(range(1, questions + 1))
        for index, line in enumerate(lines):
            heading = line if line.kind == "heading" else heading
            under_a_question |= index in numbered and not _a_labs_heading(heading) \
                and not (every and heading is title)
        if not under_a_question:
            document.lines = [new for index, line in enumerate(lines) for new in (
                [Line("", line.where, "blank"), line] if index in numbered and index
                and lines[index - 1].kind not in ("blank", "heading") else [line])]


def _cued(text: str, criteria: set[str], cues: dict[str, tuple[str, ...]]) -> set[str]:
    """Of the criteria an unlabelled paragraph is near in meaning, those whose cues it says
    ("not sure", "next time" for a doubt), with those that have no cues; all of them when it
    says none."""
    said = cues_said(text, criteria, cues)
    return said | {criterion for criterion in criteria if criterion not in cues} if said \
        else criteria


def _label_of(text: str) -> str | None:
    """The run-in label a paragraph or line opens with, also one left empty ("Growth:")."""
    return run_in_label(text + " ")


def _labelled_by_heading(paragraphs: list[Section]) -> tuple[Counter, set[int]]:
    """How many paragraphs each heading labels, and id() of those it does not: a heading
    labels the paragraphs below it up to the first one with a label of its own in bold. A
    label set alone on its line ("**Struggles:**", read as a heading) over three bullets
    heads those bullets, not the "**Real-world use:** ..." answers after them."""
    under: Counter = Counter()
    past_label: set[int] = set()
    labelled: set[int] = set()  # id() of headings whose paragraphs met a label of their own
    for paragraph in paragraphs:
        if paragraph.heading is None:
            continue
        key = id(paragraph.heading)
        if key not in labelled and _under_label_line(paragraph) \
                and marked_label(paragraph_text(paragraph.lines)):
            labelled.add(key)
        if key in labelled:
            past_label.add(id(paragraph))
        else:
            under[key] += 1
    return under, past_label


def answers_by_meaning(submission: Submission, meaning: Meaning, lab: str | None = None,
                       cues: dict[str, tuple[str, ...]] | None = None) -> Answers | None:
    """id() of each paragraph's first line -> the criteria it answers by meaning; its label
    is a run-in label ("**Insights:** ...") or else the heading above it, unless that heading
    names ``lab`` (the part's title). ``None`` (the rules decide) for a document of more than
    :data:`MAX_MEANING_PARAGRAPHS` paragraphs."""
    found = Answers()
    texts = [paragraph_text(p.lines) for doc in submission.documents for p in _paragraphs(doc)]
    every = [text for text in texts if enough_words(text)]
    if len(every) > MAX_MEANING_PARAGRAPHS:  # a crafted file: its text is judged by the rules
        return None
    # Every label the student wrote, on any line: one left empty ("- Critical reflection: -",
    # joined to the answer above) still says where that answer is.
    line_labels = [label for doc in submission.documents for line in doc.lines
                   if line.kind == "prose" and (label := _label_of(line.text))]
    labels = (line_labels + [line.text[:200] for doc in submission.documents
                             for line in doc.lines if line.kind == "heading"]
              )[:MAX_MEANING_PARAGRAPHS]
    meaning.prepare(every, labels)  # one request for the whole submission
    own_labels: dict[int, str] = {}  # id() of a labelled paragraph's first line -> its label
    for document in submission.documents:
        paragraphs = [p for p in _paragraphs(document) if p.lines]
        speakers = _speakers(paragraphs)
        numbered = _numbered_answers(paragraphs, meaning, _title_of(document))
        under, past_label = _labelled_by_heading(paragraphs)
        asked = _interview_questions(paragraphs)
        question = ""  # the interviewer's last question: it labels the answer below it
        units = []
        for paragraph in paragraphs:
            text = paragraph_text(paragraph.lines)
            if id(paragraph) in asked:  # the interviewer's words: no answer of the student's
                question = asked[id(paragraph)] or question
                units.append(("", None))
                continue
            if _transition(paragraph, submission.part_titles):
                units.append(("", None))
                continue
            # A heading labels its paragraphs when it is a section's, not the document's title
            # (a heading over every paragraph, "Lab 3 reflection", tells them apart in nothing)
            count = under[id(paragraph.heading)]
            heading = paragraph.title if count <= MAX_LABELLED and (
                count < len(paragraphs) or count == 1) and id(paragraph) not in past_label else ""
            # The heading of this lab ("## Lab 3", "Lab 6 - BERT", or the "3 March" the part
            # was cut at by its topic) names no criterion: its one paragraph is unlabelled
            # prose, read sentence by sentence when it answers several (another lab's marker
            # inside the part, "Lab 01: filters", stays a label).
            label = run_in_label(text, any_case=True, dash=len(paragraph.lines) == 1)
            if label and count == 1 and heading.rstrip().endswith("?") \
                    and not marked_label(text):
                # the one answer under its question: "Same thesis data: the reviews are
                # short ..." opens the answer, the question labels it
                label = None
            label = numbered.get(id(paragraph)) or (
                None if label in speakers else label) or question or heading or None
            titles_part = label in submission.part_titles or (
                lab and label and heading_lab(label) == lab)
            units.append((text, None if titles_part else label))
        meant = meaning.assign(units)
        if cues:  # an unlabelled paragraph near several answers: those its words say
            meant = [_cued(text, criteria, cues) if label is None and len(criteria) > 1
                     else criteria for (text, label), criteria in zip(units, meant, strict=True)]
        # A criterion a paragraph answers as a whole is answered there, not by a sentence of
        # another paragraph (an insight's numbers read as a doubt).
        answered = meaning.answered_once & set().union(*meant)
        for paragraph, criteria, (text, label) in zip(paragraphs, meant, units, strict=True):
            if own := label or ((run_in := _label_of(text)) not in speakers and run_in):
                own_labels[id(paragraph.lines[0])] = own
            # An unlabelled paragraph may answer several criteria, a sentence or two each:
            # an answer its whole text does not mean is then its sentences (answer_in).
            parts = {criterion: sentences for criterion, sentences in (
                meaning.by_sentence(text) if label is None else {}).items()
                if criterion in criteria or criterion not in answered}
            found[id(paragraph.lines[0])] = criteria | set(parts)
            if only := {c: s for c, s in parts.items() if c not in criteria}:
                found.sentences[id(paragraph.lines[0])] = only
    names = meaning.names([draft_heading(label) for label in list(own_labels.values())
                           + line_labels[:MAX_MEANING_PARAGRAPHS]])
    # names: the paragraphs' labels first, then every line's
    found.label_of = {key: name or "" for key, name in zip(own_labels, names, strict=False)}
    found.labelled = {name for name in names if name}
    return found


MAX_SENTENCE_CHARS = 2000  # a longer "sentence" (a crafted file) is read this far


def answers_in_sentences(submission: Submission, meaning: Meaning, answers: Answers,
                         cues: dict[str, tuple[str, ...]]) -> Answers | None:
    """``answers`` with criteria nothing answered found in single sentences of paragraphs
    that give two answers in turn ("**Looking forward and back:** Now I can build ...
    Looking back, I only trained for 5 epochs ..."). A sentence answers such a criterion when
    it says what the criterion's ``cues`` say and is not far from it in meaning (at least
    :data:`FLOOR`): the cue decides, because the encoder is unsure of one sentence (on the
    tuning corpus a doubt full of numbers reads as an insight). ``cues``: the wanted criteria
    and their patterns. ``None`` when no sentence answers one of them."""
    index = {criterion: i for i, criterion in enumerate(meaning.criteria)}
    cued: list[tuple[int, str, str]] = []  # (paragraph, criterion, sentence), cue matched
    for document in submission.documents:
        for paragraph in _paragraphs(document):
            sentences = [part[:MAX_SENTENCE_CHARS]
                         for part in sentences_with_words(paragraph_text(paragraph.lines))]
            if len(sentences) < 2:
                continue
            key = id(paragraph.lines[0])
            cued += [(key, criterion, sentence) for sentence in sentences
                     for criterion, patterns in cues.items()
                     if criterion in index and criterion not in answers.get(key, ())
                     and any(re.search(pattern, sentence, re.I) for pattern in patterns)]
    meaning.prepare([sentence for _, _, sentence in cued])  # one request for them all
    added = Answers(answers)
    added.sentences = dict(answers.sentences)
    # the student's labels still say which answer was left for later ("Critical: (write
    # tomorrow)"); a label no longer rules a paragraph out: its second answer is looked for
    added.label_of = dict(answers.label_of)
    for key, criterion, sentence in cued:
        if meaning.scores(sentence)[index[criterion]] >= FLOOR:
            added[key] = set(added.get(key, ())) | {criterion}
            parts = added.sentences[key] = dict(added.sentences.get(key, {}))
            parts[criterion] = parts.get(criterion, []) + [sentence]
    return added if added.sentences != answers.sentences else None


def _texts(submission: Submission) -> list[str]:
    return [paragraph_text(p.lines) for doc in submission.documents for p in _paragraphs(doc)]


def _off_topic_by_meaning(texts: list[str], meaning: Meaning, lab: str) -> float | None:
    """The document's topic score (``texts``: its paragraphs) when it is below the floor
    (not this assignment)."""
    from toolkit.grading.meaning import TOPIC_FLOOR

    score = meaning.topic_score(texts, lab)
    return score if score < TOPIC_FLOOR else None


NOT_THIS_ASSIGNMENT = "not this assignment"


def _without_facts(submission: Submission) -> Submission:
    """The submission without the lines a draft filled in from its run (the same objects)."""
    documents = [Document(doc.path, doc.format, [line for line in doc.lines
                                                 if line.kind != "generated"], list(doc.images))
                 for doc in submission.documents]
    return replace(submission, documents=documents, warnings=list(submission.warnings))


def _untouched(submission: Submission) -> str:
    """Why the submission is an untouched draft (the course's text, no words of the student's
    own; :func:`toolkit.grading.submission_facts.untouched_drafts`), or ""."""
    if not submission.runs:
        return ""  # without a run record, nothing but text can earn points anyway
    words = own_words(submission)
    if untouched_drafts(submission, words):
        return (f"an untouched draft ({words} word(s) of the student's own): the run's facts "
                f"show that it happened, not this criterion")
    return ""


def assess(submission: Submission, rubric: Rubric, *, lab: str = "",
           of_this_course: bool = False) -> StudentGrade:
    """Grade one submission: one :class:`CriterionResult` per rubric criterion.

    The course's text in the submission is set aside first (it is not the student's words;
    :mod:`toolkit.grading.course_text`), paragraphs are matched to criteria by meaning when
    the sentence encoder is installed, and a report far from the lab's topic (by meaning, or
    hardly using the rubric's words) is flagged "not this assignment" and earns nothing from
    its text. ``lab``: the lab the submission is about, when known. ``of_this_course``: the
    submission is one lab's part of a document about the course's labs (it is not another
    course's work, however short or casual this part is).
    """
    remove_others_notes(submission)  # a reviewer's notes left in the text
    mark_course_text(submission, rubric)
    if all(criterion.cues for criterion in rubric.criteria):  # a reflection: answers only
        numbered_answers_apart(submission, len(rubric.criteria))
    warnings = list(submission.warnings)
    near: tuple[str, ...] = ()  # the labs a report naming none may be about
    meaning = meaning_for(rubric, process_encoder()) if submission.documents else None
    about_the_lab = True
    if meaning is None:  # the rules: a report about the lab uses the rubric's words
        used, written = topic_words(submission, rubric, enough=MIN_TOPIC_WORDS)
        about_the_lab = on_topic(used, written) or not submission.documents
        if not about_the_lab:
            warnings.append(f"{NOT_THIS_ASSIGNMENT}? the report uses only {used} of the "
                            f"rubric's words: is it about this lab? Its text earned no points; "
                            f"check it by hand")
    else:  # by meaning: a short answer in the student's own words is still about the lab
        texts = _texts(submission)  # read once: the lab, the topic and the course checks
        if not lab and (found := meaning.closest_lab(texts)) is None:
            near = tuple(meaning.near_labs(texts))
            # Too short for its meaning to say (a page of notes): its names may, among all labs;
            # near no lab by much (a short e-mail of results), among the nearest.
            candidates = list(near) or (meaning.near_labs(texts, floor=False)
                                        if topic_texts(texts) else
                                        [str(entry["id"]) for entry in load_syllabus()])
            if (named := named_lab(texts, candidates)) is not None:
                lab, near = named[0], ()
                warnings.append(f"the report names no lab: graded as {lab}, the lab its text "
                                f"is close to and whose names it uses ({named[1]} mentions; "
                                f"the next lab {named[2]}). If that is wrong, a 'Lab N' title "
                                f"line or a labNN folder names the lab")
        elif not lab:
            lab = found[0]
            warnings.append(f"the report names no lab: graded as {lab}, the lab its text is "
                            f"closest to ({found[1]:.2f}; the next lab {found[2]:.2f}). If that "
                            f"is wrong, a 'Lab N' title line or a labNN folder names the lab")
        score = _off_topic_by_meaning(texts, meaning, lab)
        if score is not None:
            about_the_lab = False
            warnings.append(f"{NOT_THIS_ASSIGNMENT}? its text is far from the lab's topic "
                            f"(similarity {score:.2f} to the lab's objectives and the rubric): "
                            f"its text earned no points; check it by hand")
        elif not of_this_course and (other := meaning.other_course(texts)) is not None:
            about_the_lab = False
            warnings.append(f"{NOT_THIS_ASSIGNMENT}? its text is about machine learning but "
                            f"none of the course's labs (similarity {other[0]:.2f} to the "
                            f"labs' objectives): another course's work? Its text earned no "
                            f"points; check it by hand")
    answers = answers_by_meaning(submission, meaning, lab, {
        criterion.id: criterion.cues for criterion in rubric.criteria if criterion.cues}) \
        if meaning is not None else None
    untouched = _untouched(submission)
    # In an untouched draft, the facts it filled in from the run (``generated`` lines) show
    # that the run happened: only the criteria the run alone can show read them.
    facts_apart = _without_facts(submission) if untouched else submission

    def grade(criterion: Criterion, answers: Answers | None) -> CriterionResult:
        return assess_criterion(criterion, submission if criterion.run_evidence else facts_apart,
                                rubric, on_topic=about_the_lab, lab=lab, near_labs=near,
                                answers=answers, untouched=untouched)

    results = [grade(criterion, answers) for criterion in rubric.criteria]
    # A criterion nothing answered may be the second answer of a paragraph that gives two.
    cues = {result.criterion.id: result.criterion.cues for result in results
            if result.status == MISSING and result.criterion.cues}
    if answers is not None and about_the_lab and cues and (
            more := answers_in_sentences(submission, meaning, answers, cues)) is not None:
        results = [grade(result.criterion, more) if result.criterion.id in cues else result
                   for result in results]
    return StudentGrade(submission.student, results, warnings, str(submission.source), lab,
                        authorship=authorship(submission))


def _other_course(part: Submission, rubric: Rubric) -> bool:
    """Is this lab's part of a document, read alone, about none of the course's labs?"""
    meaning = meaning_for(rubric, process_encoder()) if part.documents else None
    if meaning is None:
        return False
    mark_course_text(part, rubric)  # as assess() reads it (marking twice changes nothing)
    return meaning.other_course(_texts(part)) is not None


def assess_labs(submission: Submission, rubric: Rubric, *, lab_map: dict[str, str] | None = None
                ) -> list[StudentGrade]:
    """One grade per lab the submission covers (see :mod:`toolkit.grading.lab_split`);
    ``lab_map``: another course's lab markers (``--lab-map``)."""
    parts = split_by_lab(submission, lab_map)
    # One part, but no lab named, or a title listing more labs than its markers ("Lab journal
    # - Lab 3 and Lab 4" over days, one "Lab 4." inside); or a paragraph per lab under each
    # question, whatever the markers cut ("**Lab 5.** ..." is a marker, "In lab 2 ..." is not;
    # cut at its markers, a question's heading would go with the lab before it): cut by
    # topic, if it can be.
    listed = max((len(title_labs(doc)) for doc in submission.documents), default=0)
    by_question = any(by_question_shape(doc) for doc in submission.documents)
    unsure = by_question or len(parts) == 1 and (not parts[0][0] or listed > 1)
    meaning = meaning_for(rubric, process_encoder()) \
        if unsure and submission.documents else None
    by_topic = split_by_topic(submission, meaning) if meaning is not None else None
    if by_topic is not None:  # sections headed by the week or the topic, each another lab's
        labs = f"{len(by_topic.parts)} labs ({', '.join(lab for lab, _ in by_topic.parts)})"
        if by_topic.how == "joint":
            why = (f"the document is one report on {labs} together (its title lists them and "
                   f"its sections are about both): each lab is graded on all of it")
        elif by_topic.how == "question":
            why = (f"the document answers each question for {labs}: each paragraph is graded "
                   f"as the lab it opens with ('In lab 2 ...', 'Lab 5: ...') and the ones after "
                   f"it. If that is wrong, give each lab its own 'Lab N' heading")
        elif by_topic.how == "themes":
            why = (f"the reflection is organised by theme, each theme about {labs}: each "
                   f"sentence is graded as the lab it names ('In lab 4 ...', 'the LSTM') and "
                   f"the ones after it in its paragraph. If that is wrong, give each lab its "
                   f"own 'Lab N' heading")
        else:
            # "no heading", not "names no lab": a letter's subject line may list its labs
            why = ("the document has no 'Lab N' heading" if not parts[0][0] else
                   "the document's title lists more labs than it has 'Lab N' headings")
            pieces = "sections" if by_topic.how == "sections" else "paragraphs"
            why = (f"{why}, but its {pieces} are about {labs}: each is graded as the lab its "
                   f"text names or is closest to. If that is wrong, a 'Lab N' heading over "
                   f"each lab's part names its lab")
        parts = by_topic.parts
        for _, part in parts:
            part.warnings.append(why)
    titled = {lab for doc in submission.documents if titled_document(doc)
              for lab in title_labs(doc)}
    if len(parts) == 1 and not parts[0][0] and len(titled) == 1:
        # "Reflection: Lab 2 - MLP with dropout": a title naming one lab after other words
        parts = [(titled.pop(), parts[0][1])]
    of_this_course = len(parts) > 1 and not all(_other_course(part, rubric)
                                                for _, part in parts)
    grades = [assess(part, rubric, lab=lab, of_this_course=of_this_course)
              for lab, part in parts]
    for grade in grades:
        grade.split = len(grades) > 1
    return grades
