"""Text the course wrote, found in a submission, never counts as the student's writing.

Students paste the rubric at the top of a report, keep the reflection draft's prompts, hand
in the generated notebook with its Markdown, or copy a lab's docstring. Everything the course
ships is known, so it is fingerprinted: each passage becomes the set of its word 5-grams
(shingles: five words in a row, case, Markdown marks and punctuation ignored, each hashed to
an integer). The sources:

- the rubric (titles, requirements, feedback sentences; its example answers by 8-grams, as
  they are written the way students write);
- ``course/templates/*.md`` (the reflection draft's prompts and lab questions; the
  placeholders cut the sentences the draft fills in from a run);
- ``course/syllabus.toml`` (lab titles, objectives, references);
- ``course/course_text.txt``: lab and step docstrings (the notebooks' Markdown) and the
  sentences of the notebook generator and the reflection draft, written by
  ``scripts/build_course_text.py`` (the toolkit never imports a lab).

:func:`mark_course_text` turns a line into a ``prompt`` line (not the student's) when most of
its words lie in course shingles, and :func:`authorship` counts what is left: the student's
own words, the course's, and the facts the draft filled in from the run record (``generated``
lines: evidence that the run happened, never of understanding).

Example:
    >>> mark_course_text(submission, rubric)   # before assess() reads the documents
    3
    >>> authorship(submission).share
    0.82
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

from toolkit.grading.report_text import SENTENCE_END, WORD, WRAPPED_WIDTH
from toolkit.grading.rubric import Rubric
from toolkit.grading.submissions import Submission
from toolkit.resources import course_path, load_syllabus

SHINGLE = 5          # words per shingle: long enough that everyday phrases rarely match
# A rubric's example answers are written the way students write: only longer runs of their
# words (a pasted example) are the course's, not a natural phrase a student may share.
EXAMPLE_SHINGLE = 8
COURSE_SHARE = 0.6   # a line is the course's when this share of its words is course text
MIN_WORDS = SHINGLE
_PLACEHOLDER = re.compile(r"\$\{?\w+\}?")
_KINDS = ("prose", "table", "preamble")  # may be the student's; "generated" stay facts
_COUNTED = ("prose", "table", "preamble", "prompt", "generated")
_CITED_SCORE = re.compile(r"\b(19|20)\d\d\b.*\d+\.\d|\d+\.\d.*\b(19|20)\d\d\b")


def normalise(text: str) -> str:
    """Lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _hash(words: list[str]) -> int:
    return zlib.crc32(" ".join(words).encode("utf-8"))


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    """The hashed word n-grams of a text (none when it has fewer than ``size`` words)."""
    words = normalise(text).split()
    return {_hash(words[i:i + size]) for i in range(len(words) - size + 1)}


def _passages(text: str) -> list[str]:
    """A file's passages, cut at placeholders and lines (a passage never spans a ``$fact``)."""
    return [part for line in text.splitlines() for part in _PLACEHOLDER.split(line)]


@lru_cache(maxsize=1)
def shipped_fingerprint() -> frozenset[int]:
    """Shingles of the templates, the syllabus and ``course_text.txt`` (cached)."""
    found: set[int] = set()
    for path in sorted(course_path("templates").iterdir()):
        if path.suffix == ".md" and path.stem not in ("feedback", "summary"):
            for part in _passages(path.read_text(encoding="utf-8")):
                found |= shingles(part)
    for lab in load_syllabus():
        for text in (lab.get("title", ""), lab.get("reference", ""), *lab.get("objectives", [])):
            found |= shingles(str(text))
    shipped = course_path("course_text.txt")
    if shipped.is_file():
        for line in shipped.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                found |= shingles(line)
    return frozenset(found)


def rubric_texts(rubric: Rubric) -> list[str]:
    """Every sentence of a rubric a student could paste (the examples apart): titles,
    requirements, feedback."""
    found = []
    for criterion in rubric.criteria:
        found += [criterion.title, criterion.feedback_met]
        for requirement in criterion.requirements:
            found += [requirement.what, requirement.feedback]
    return [text for text in found if text]


@dataclass(frozen=True)
class Fingerprint:
    """The course's shingles, and the rubric's short phrases (3-4 words: a criterion title
    such as "Training and inference time"), which are too short for a shingle."""

    shingles: frozenset[int]
    phrases: tuple[tuple[str, ...], ...] = ()
    examples: frozenset[int] = frozenset()  # 8-grams of the rubric's example answers
    # Rubric titles of two to four words: a line that is nothing else ("3. Appropriate
    # references (1 pt)") is the course's
    titles: frozenset[tuple[str, ...]] = frozenset()
    name: tuple[str, ...] = ()  # the rubric's name, "rubric" and "grading" left out


_rubric_prints: dict[int, tuple[Rubric, Fingerprint]] = {}


def course_fingerprint(rubric: Rubric) -> Fingerprint:
    """Everything the course wrote, this rubric included (cached per rubric)."""
    cached = _rubric_prints.get(id(rubric))
    if cached is None or cached[0] is not rubric:
        own: set[int] = set()
        phrases = []
        for text in rubric_texts(rubric):
            own |= shingles(text)
            words = tuple(normalise(text).split())
            if 3 <= len(words) < SHINGLE:
                phrases.append(words)
        examples: set[int] = set()
        for criterion in rubric.criteria:
            for example in criterion.examples:
                examples |= shingles(example, EXAMPLE_SHINGLE)
        titles = {words for words in (
            tuple(w for w in normalise(criterion.title).split() if not _neutral(w))
            for criterion in rubric.criteria) if 2 <= len(words) < SHINGLE}
        # The rubric's own name pasted as a title ("LAB REPORT RUBRIC (15 points + 2 extra
        # credit)"): all its words, numbers too ("Lab 3 report" is no rubric's name)
        name = tuple(w for w in normalise(rubric.name).split() if w not in _RUBRIC_WORDS)
        own |= shingles(rubric.name)
        print_ = Fingerprint(shipped_fingerprint() | own, tuple(dict.fromkeys(phrases)),
                             frozenset(examples), frozenset(titles),
                             name if len(name) >= 2 else ())
        cached = _rubric_prints[id(rubric)] = (rubric, print_)
    return cached[1]


# Words that say nothing about who wrote a line: numbers and a pasted rubric's point counts
# ("9. Hyperparameters listed (1 pt)"); they count neither for the course nor for the student.
_POINT_WORDS = frozenset({"pt", "pts", "point", "points", "mark", "marks"})
_RUBRIC_WORDS = frozenset({"rubric", "grading"})


def _neutral(word: str) -> bool:
    return word.isdigit() or word in _POINT_WORDS


def course_words(text: str, fingerprint: Fingerprint) -> tuple[int, int]:
    """``(words covered by course shingles or rubric phrases, words)`` of one line; numbers
    and point counts are left out of both."""
    return _line_share(normalise(text).split(), _coverage(normalise(text).split(), fingerprint),
                       fingerprint)


def _line_share(words: list[str], covered: list[bool], fingerprint: Fingerprint
                ) -> tuple[int, int]:
    kept = [(word, flag) for word, flag in zip(words, covered, strict=True)
            if not _neutral(word)]
    if tuple(word for word, _ in kept) in fingerprint.titles or (
            fingerprint.name and tuple(w for w in words if w not in _RUBRIC_WORDS)
            == fingerprint.name):
        return len(kept), len(kept)
    return sum(flag for _, flag in kept), len(kept)


def _coverage(words: list[str], fingerprint: Fingerprint) -> list[bool]:
    """Which of ``words`` lie in a course shingle or a rubric phrase."""
    covered = [False] * len(words)
    for i in range(len(words) - SHINGLE + 1):
        if _hash(words[i:i + SHINGLE]) in fingerprint.shingles:
            covered[i:i + SHINGLE] = [True] * SHINGLE
    for i in range(len(words) - EXAMPLE_SHINGLE + 1):
        if _hash(words[i:i + EXAMPLE_SHINGLE]) in fingerprint.examples:
            covered[i:i + EXAMPLE_SHINGLE] = [True] * EXAMPLE_SHINGLE
    for phrase in fingerprint.phrases:
        size = len(phrase)
        for i in range(len(words) - size + 1):
            if tuple(words[i:i + size]) == phrase:
                covered[i:i + size] = [True] * size
    return covered


def is_course_text(text: str, fingerprint: Fingerprint) -> bool:
    """Is most of this line (:data:`COURSE_SHARE` of its words) the course's text?"""
    covered, total = course_words(text, fingerprint)
    return bool(total) and covered >= COURSE_SHARE * total


DRAFT_MARK = "Draft written by kerascourse"  # the first line of every reflection draft


@lru_cache(maxsize=1)
def draft_fact_sections() -> dict[str, bool]:
    """The reflection draft's sections that the run fills in: heading -> whether the
    template asks the student to write there too (a TODO prompt below the facts)."""
    template = course_path("templates", "reflection.md").read_text(encoding="utf-8")
    found: dict[str, bool] = {}
    for part in re.split(r"^## ", template, flags=re.M)[1:]:
        heading, _, body = part.partition("\n")
        if re.search(r"\$\w+", body) and "\n###" not in body:  # not the Reflection prompts
            found[normalise(heading)] = "TODO" in body
    return found


@lru_cache(maxsize=1)
def draft_prompts() -> dict[str, str]:
    """The reflection draft's prompts, each with the heading it sits under there:
    "where could you use what this lab taught which technique on what data or problem" ->
    "Application and relevance" (the prompt normalised). A student who pastes the prompts as
    headings asks the question that heading names, whatever other words it holds ("problem")."""
    template = course_path("templates", "reflection.md").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    heading = ""
    for line in template.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif heading and (prompt := re.match(r"\*\*TODO\*\*\s*(\S.*)$", line)):
            found[normalise(prompt[1])] = heading
    return found


def draft_heading(label: str) -> str:
    """The draft's heading over ``label`` when it is one of the draft's prompts, else it."""
    return draft_prompts().get(normalise(label), label)


def mark_draft_facts(document) -> int:
    """In a reflection draft handed in without its ``record.json`` (nothing marked
    ``generated``), the lines the run filled in under the draft's fact sections are facts,
    not the student's words: every line of a facts-only section, and the lines above a TODO
    that is still there. Returns how many lines."""
    if any(line.kind == "generated" for line in document.lines) or not any(
            DRAFT_MARK in line.text for line in document.lines[:10]):
        return 0
    sections, marked = draft_fact_sections(), 0
    current: list | None = None
    runs: list[tuple[bool, list]] = []
    for line in document.lines:
        if line.kind == "heading" and line.level <= 2:
            key = normalise(line.text.lstrip("#"))
            current = [] if key in sections else None
            if current is not None:
                runs.append((sections[key], current))
        elif current is not None:
            current.append(line)
    for asks, lines in runs:
        todo = next((i for i, line in enumerate(lines) if line.kind == "prompt"), None)
        if asks and todo is None:
            continue  # the student replaced the prompt: what is there may be theirs
        for line in lines[:todo] if asks else lines:
            if line.kind in _KINDS:
                line.kind = "generated"
                marked += 1
    return marked


# A reviewer's note left in the text ("[JK: how many minutes?]", "[Aisha, overall: ...]") and
# text struck out in a tracked change ("[deleted: The model did not overfit.]") are not the
# student's words; a tracked insertion ("[inserted: 98.3%]") is.
_OTHERS_NOTE = re.compile(r"\[(?:deleted|removed|del)\s*:[^\]\n]{0,2000}\]|"
                          r"\[(?P<who>[A-Z][a-z]{1,20}|[A-Z]{2,3})(?:,[^\]:\n]{1,30})?:"
                          r"\s[^\]\n]{1,2000}\]")
_INSERTED = re.compile(r"\[(?:inserted|added|ins)\s*:\s*(?P<text>[^\]\n]{0,2000})\]", re.I)
# ... but "[Note: ...]", "[Edit: ...]", "[PS: ...]" are the student's own asides
_OWN_ASIDES = {"note", "edit", "edited", "update", "source", "sources", "see", "figure", "fig",
               "table", "code", "output", "aside", "correction", "link", "todo", "image",
               "ref", "example", "answer", "question", "lab", "step", "hint", "tip",
               "warning", "info", "ps", "nb", "pps", "ok", "cpu", "gpu", "tl", "also"}


def _without_notes(text: str) -> str:
    """``text`` without others' notes and struck-out text, tracked insertions kept."""
    def drop(match: re.Match) -> str:
        who = match["who"]
        return match[0] if who and who.lower() in _OWN_ASIDES else ""
    return _INSERTED.sub(lambda match: match["text"], _OTHERS_NOTE.sub(drop, text))


# A paragraph a peer reviewer wrote into the student's document, under their role:
# "Reviewer (Sam): For instance ...", "Peer reviewer Lea: ...", "Comment from Sam: ..."
_REVIEWERS_PARAGRAPH = re.compile(
    r"^\W{0,4}(?:(?:peer[- ]?)?reviewer|review comment|(?:comment|feedback|suggestion) from)"
    r"(?:\s*\([^)\n]{1,40}\)|\s+[A-Z][\w.'-]{0,20}(?:\s+[A-Z][\w.'-]{0,20})?)?\s*:\s", re.I)


def remove_others_notes(submission: Submission) -> int:
    """Take a reviewer's notes and struck-out text out of the student's lines; a line that
    held nothing else becomes a ``prompt`` line (not the student's), and so does a paragraph
    a reviewer signed with their role ("Reviewer (Sam): ..."). Returns how many lines
    changed."""
    changed = 0
    for document in submission.documents:
        reviewers = False  # inside a paragraph that opened with a reviewer's label
        for line in document.lines:
            if line.kind in ("blank", "heading"):
                reviewers = False
            if line.kind in _KINDS and (reviewers or _REVIEWERS_PARAGRAPH.match(line.text)):
                reviewers, line.kind = True, "prompt"
                changed += 1
                continue
            if line.kind not in _KINDS or "[" not in line.text:
                continue
            kept = _without_notes(line.text)
            if kept != line.text:
                changed += 1
                line.text = kept
                if not WORD.search(kept):
                    line.kind = "prompt"
    return changed


def mark_course_text(submission: Submission, rubric: Rubric) -> int:
    """Mark the lines that are mostly course text as ``prompt`` (and a record-less draft's
    facts as ``generated``); returns how many lines."""
    fingerprint = course_fingerprint(rubric)
    marked = 0
    for document in submission.documents:
        marked += mark_draft_facts(document)
        lines, cited = _course_lines(document.lines, fingerprint)
        known = {id(line) for line in lines}
        lines += [line for line in _course_summaries(document.lines) if id(line) not in known]
        for line in lines:
            # A published score cited in a results table ("| Tai et al. (2015) | 84.9% |"),
            # or in the sentence before the student's own claim, is a fact, as the draft's
            # are (the comparison's source, never understanding); anything else the course
            # wrote is a prompt.
            line.kind = "generated" if id(line) in cited or (
                line.kind == "table" and _CITED_SCORE.search(line.text)) else "prompt"
            marked += 1
    return marked


# A paragraph that retells the course in the student's words says so at its start: "The lab
# explains that ...", "According to the lesson, ...", "The course draft asks ...".
_RETOLD = re.compile(r"^\W{0,3}(?:according to the|as the)\s+(?:lab|lesson|course|lecture|"
                     r"docstring|slides?|draft|tutorial)\b|^\W{0,3}the\s+(?:course(?:'s)?\s+)?"
                     r"(?:lab|lesson|course|lecture|docstring|slides?|draft|tutorial)\s+"
                     r"(?:itself\s+)?(?:says|explains|points out|mentions|states|notes|asks|"
                     r"describes|tells us|warns|recommends|starts from)\b", re.I)


def _course_summaries(lines: list) -> list:
    """The prose lines of each paragraph that opens by retelling the course ("The lab explains
    that the comparison is only fair if ...") and never speaks of the student (the course
    never writes "I" or "my"): the course's content, not the student's answer."""
    found, run = [], []
    for line in [*lines, None]:
        if line is not None and line.kind == "prose" and line.text.strip():
            run.append(line)
            continue
        text = " ".join(piece.text for piece in run)
        if run and _RETOLD.match(text) and not _FIRST_PERSON.search(text):
            found += run
        run = []
    return found


def _course_lines(lines: list, fingerprint: Fingerprint) -> tuple[list, set[int]]:
    """The lines (prose or table) that are mostly course text, and the ids of those among
    them that cite a published score right before the student's first-person claim
    ("Socher et al. (2013) report ... 81.8 %." / "My best model gets 81.8 %"). Consecutive
    prose lines are read as one passage, so a rubric sentence wrapped over several lines
    ("... shown: test" / "metrics and figures.") is found in each of its pieces."""
    found, run, cited = [], [], set()
    for line in [*lines, None]:
        if line is not None and line.kind == "prose":
            run.append(line)
            continue
        if run:
            pieces = [normalise(piece.text).split() for piece in run]
            covered = _coverage([word for piece in pieces for word in piece], fingerprint)
            sentences = _own_sentences([piece.text for piece in run])
            own = _own_claims(sentences, len(covered), fingerprint)
            before_claims = _cited_before_claims(sentences, own)
            start = 0
            for piece, words in zip(run, pieces, strict=True):
                span = slice(start, start + len(words))
                done, total = _line_share(words, covered[span], fingerprint)
                start += len(words)
                if total and done >= COURSE_SHARE * total:
                    # the student's claim about the course's words keeps the student's; a
                    # published score cited there ("Tai et al. (2015) report 84.9% ... My
                    # best LSTM is 7.5 points below") is the comparison the student makes
                    kept = "" if not any(own[span]) else piece.text if _CITED_SCORE.search(
                        piece.text) else _student_words(piece.text, covered[span])
                    if kept:
                        piece.text = kept
                    else:
                        found.append(piece)
                        if any(before_claims[span]):
                            cited.add(id(piece))
            run = []
        if line is not None and line.kind == "table" and is_course_text(line.text,
                                                                         fingerprint):
            found.append(line)
    return found, cited


# The course never writes in the first person, so a sentence that does is the student's
# claim about themselves ("I can now tokenize, stem and lemmatize text ...", "in my run the
# nearest neighbours of good were ..."), however much of it restates a lab's docstring. A
# rubric's example answer is written in the first person too: its 8-grams still mark it.
_FIRST_PERSON = re.compile(r"(?<![\w.])(?:i|i['’](?:m|ve|d|ll)|my|me|myself)(?![\w.'’])",
                           re.I)
_CLOSED = re.compile(r"[.!?][\"'”)\]*]*\s*$")


def _own_sentences(texts: list[str]) -> list[tuple[int, int, str]]:
    """The sentences of consecutive prose lines as ``(first word, end word, text)`` over
    their normalised words; a sentence wrapped over lines is one."""
    sentences: list[tuple[int, int, str]] = []
    start, open_sentence, wrapped = 0, False, False
    for text in texts:
        for k, fragment in enumerate(SENTENCE_END.split(text)):
            size = len(normalise(fragment).split())
            if k == 0 and open_sentence and sentences and (
                    fragment.lstrip()[:1].islower() or wrapped):
                first, _, joined = sentences[-1]
                sentences[-1] = (first, start + size, f"{joined} {fragment}")
            else:
                sentences.append((start, start + size, fragment))
            start += size
        # a sentence wrapped over lines goes on in lower case ("... stem" / "and lemmatize"),
        # or after a long line broken off in lower case ("... 83.1% on the" / "SST-2 test
        # split."); a line after a title ("LAB REPORT" / "My hypothesis ...") starts its own
        open_sentence = bool(text.strip()) and not _CLOSED.search(text)
        wrapped = len(text.strip()) >= WRAPPED_WIDTH and text.rstrip()[-1:].islower()
    return sentences


def _own_claims(sentences: list[tuple[int, int, str]], words: int, fingerprint: Fingerprint
                ) -> list[bool]:
    """Which of the ``words`` of consecutive prose lines (their :func:`_own_sentences`) lie
    in the student's first-person sentences."""
    own = [False] * words
    for first, end, text in sentences:
        if _FIRST_PERSON.search(text) and not (shingles(text, EXAMPLE_SHINGLE)
                                               & fingerprint.examples):
            own[first:end] = [True] * (end - first)
    return own


def _cited_before_claims(sentences: list[tuple[int, int, str]], own: list[bool]) -> list[bool]:
    """Which words of consecutive prose lines (their :func:`_own_sentences`) lie in a sentence
    citing a published score ("Socher et al. (2013) report 81.8 %") that the student's own
    claim follows ("My best model gets 81.8 %"): the source of the student's comparison."""
    marked = [False] * len(own)
    for (first, end, text), (after, _, _) in zip(sentences, sentences[1:], strict=False):
        if _CITED_SCORE.search(text) and after < len(own) and own[after]:
            marked[first:end] = [True] * (end - first)
    return marked


def _student_words(text: str, covered: list[bool]) -> str:
    """A line without the course's words: what the student wrote around them, the gaps
    marked "…" ("I can now … Next I will learn about word embeddings in Lab 5.")."""
    tokens = list(re.finditer(r"[A-Za-z0-9]+", text))
    if len(tokens) != len(covered):
        return text
    kept, run_start, previous = [], None, None
    for token, course in zip([*tokens, None], [*covered, True], strict=True):
        if not course and run_start is None:
            run_start = token.start()
        if course and run_start is not None:
            end = previous.end()
            end += len(re.match(r"[^\sA-Za-z0-9]*", text[end:]).group())  # its "." or ","
            kept.append(text[run_start:end].strip())
            run_start = None
        previous = token
    return " … ".join(kept)


@dataclass(frozen=True)
class Authorship:
    """Whose words a submission's text is: the student's, the course's, the run record's."""

    student: int
    course: int
    generated: int

    @property
    def total(self) -> int:
        return self.student + self.course + self.generated

    @property
    def share(self) -> float:
        return self.student / self.total if self.total else 0.0

    def sentence(self) -> str:
        if not self.total:
            return "No text was found in your submission."
        return (f"Your own words: {self.student:,} of {self.total:,} words "
                f"({self.share:.0%}); the rest is text the course wrote (rubric, prompts, lab "
                f"text: {self.course:,}) or facts filled in from your run record "
                f"({self.generated:,}), which show the run happened but earn no points for "
                f"understanding.")


def authorship(submission: Submission) -> Authorship:
    """Count the words of every document (after :func:`mark_course_text`)."""
    counts = {"student": 0, "course": 0, "generated": 0}
    for document in submission.documents:
        for line in document.lines:
            if line.kind not in _COUNTED:
                continue
            words = len(WORD.findall(line.text))
            owner = {"prompt": "course", "generated": "generated"}.get(line.kind, "student")
            counts[owner] += words
    return Authorship(**counts)
