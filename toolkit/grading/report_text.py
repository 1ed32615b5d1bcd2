"""What a report says, line by line: headings, sections, prose, tables, images, code.

The grader reads Markdown, plain text, PDF text and notebooks into :class:`Document` objects
whose lines know their kind and where they came from (``REFLECTION.md:42``,
``report.pdf page 2 line 7``, ``lab.ipynb cell 5 line 1``), so every piece of evidence can be
quoted with its place. Nothing here executes or renders anything.

Line kinds: ``heading``, ``prose`` (what the student wrote), ``table``, ``image``, ``code``,
``output`` (a notebook's saved output), ``prompt`` (a **TODO** line of the reflection draft),
``generated`` (a line the draft filled in from the record), ``preamble`` (prose before the
first lab of a document covering several: context for every part, an answer for none),
``quote`` (plain text quoted from a message the student answers, "> ..."), ``blank``.

Example:
    >>> doc = markdown_document("REFLECTION.md", "# Results\\nAccuracy was 91%.\\n")
    >>> [s.title for s in doc.sections()], doc.lines[1].kind
    (['Results'], 'prose')
"""

from __future__ import annotations

import ast
import csv
import json
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate, islice

from toolkit.grading.markdown_dialects import html_table_rows, markdown_row, plain_rows
from toolkit.grading.page_furniture import page_furniture, without_furniture

PROSE_KINDS = ("prose",)
TEXT_KINDS = ("prose", "table", "generated", "output")  # what keyword and number checks read

# Patterns on student text must stay linear on any line: lines too long to be a heading or a
# table separator are not matched against those patterns, and images are looked for from
# each "![" or "<img" with a bounded pattern (see _images), never across a whole long line.
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
# A question quoted on its own line ("> What went wrong or was hard?"), as a forum reply or
# an e-mail quotes the prompts it answers: it heads the answer below it. (A quoted prompt
# after a bold label, "> **Challenges.** What ...?", is joined to its answer as a labelled
# paragraph instead.)
_QUOTED_QUESTION = re.compile(r"^\s{0,3}>\s?(?P<question>[^>\s*_].{2,200}\?)\s*$")
# (a bold question heads its answer however long: "**Critical reflection - what would you
# do differently, which questions remain open?**" runs past 80 characters)
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<title>[^*_]{1,160}?)\1(?:\s*:)?\s*$")
# A bold sentence stating a measured result ("**Keras network: 78.8% test accuracy.**") is
# the student's emphasis on a finding, not a title: a percentage or a decimal, then a full stop.
_MEASURED_SENTENCE = re.compile(r"(\d\s?%|\d\.\d).*[^.]\.\s*$")
# A list item that is only a bold phrase ("- **Growth**"): a heading when items nested below
# it hold what it labels.
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d{1,3}[.)])\s+\S")
_BOLD_ITEM = re.compile(r"^(?P<indent>\s*)[-*+]\s+(\*\*|__)(?P<title>[^*_]{1,80}?)\2(?:\s*:)?\s*$")
# A short plain item over nested items is their label too ("- what I learned" over "  - ...").
_PLAIN_ITEM = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?P<title>[^*_.!;|]{1,60}?)(?:\s*:)?\s*$")
MAX_LABEL_ITEM_WORDS = 8
MAX_HEADING_CHARS = 500
MAX_IMAGES_PER_LINE = 200
_FENCE = re.compile(r"^\s*(```|~~~)")
# Pandoc's and Quarto's fenced divs ("::: {.callout-tip title=\"What I learned\"}" ... ":::"):
# the fence is layout; a title given in it heads what the div holds.
_DIV_FENCE = re.compile(r"^\s*:{3,}\s*(?:\{(?P<attributes>[^{}\n]{0,300})\}|[\w-]{1,40})?\s*:*\s*$")
_DIV_TITLE = re.compile(r"\btitle\s*=\s*[\"'](?P<title>[^\"']{1,120})[\"']")
# Pandoc's attributes after a heading's words ("## Results {#sec-results .unnumbered}")
_HEADING_ATTRIBUTES = re.compile(r"\s*\{[#.][^{}]{0,200}\}\s*$")
_FRONT_MATTER_TITLE = re.compile(r"^title\s*:\s*[\"']?(?P<title>[^\"'\n]{1,200}?)[\"']?\s*$")
# A title underlined on the next line ("Results" over "-------", "Ideas" over "====="):
# Markdown's setext headings, common in plain-text reports.
_UNDERLINE = re.compile(r"^\s{0,3}(?:={3,}|-{3,})\s*$")
_TABLE_ROW = re.compile(r"\S\s{2,}\S|\t|\|")  # columns apart: a table's header, not a title


def _underlined(lines: list[Line], raw: str, kinds: tuple[str, ...] = ("prose",),
                alone: bool = False) -> bool:
    """Does ``raw`` underline the line before it, a short line of ``kinds``, as its title?
    Then that line becomes a heading (level 1 for "===", 2 for "---") and ``raw`` a blank.
    In Markdown only prose is underlined ("# Title" over "---" is a title and a rule).
    ``alone``: the title is a line of its own (plain text: a rule under a paragraph's last
    line separates it from what follows, it makes no title of that line)."""
    if not lines or not _UNDERLINE.match(raw) or lines[-1].kind not in kinds:
        return False
    if alone and len(lines) > 1 and lines[-2].kind not in ("blank", "heading"):
        return False
    title = lines[-1].text.strip()
    # "3. RESULTS (test accuracy)" over a rule of its own length: a numbered section's title,
    # no list item
    numbered = alone and abs(len(raw.strip()) - len(title)) <= 2
    if not title or len(title) > 70 or _TABLE_ROW.search(title) or (
            _LIST_ITEM.match(title) and not numbered):
        return False
    lines[-1] = Line(title, lines[-1].where, "heading", 1 if "=" in raw else 2)
    return True


_TODO = re.compile(r"\bTODO\b")
_MD_IMAGE = re.compile(r"!\[(?P<alt>[^\]\n]{0,300})\]\((?P<target>[^)\s]{1,2000})"
                       r"(?:\s{1,20}\"[^\"\n]{0,300}\")?\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]{0,1000}?\bsrc\s{0,20}=\s{0,20}[\"'](?P<target>[^\"'<>]{1,2000})"
                         r"[\"'][^>]{0,1000}>", re.I)
_ONLY_IMAGES = re.compile(r"^\s*((!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>)\s*)+$", re.I)
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_NUMBERED_TITLE = re.compile(r"^\s*(\d+(\.\d+)*\.?|[IVX]+\.)\s+[A-Za-z]")
_CAPTION = re.compile(r"^\s*(fig\.?|figure)\s*\d*\s*[:.\-]", re.I)
# A caption in parentheses inside a sentence: "... memorised (Figure 1: loss per epoch)."
_INLINE_CAPTION = re.compile(r"\((?:fig\.?|figure)\s*\d+\s*[:.\-]\s*[^()]{3,200}\)", re.I)


# A figure cited by its file name in a sentence: "The loss curves (curves.png) show ...",
# "top5_grid.png: all 30 photos with their guesses".
_FIGURE_FILE = re.compile(r"(?<![\w/.-])[\w./-]{1,120}\.(?:png|jpe?g|svg|gif|webp)\b", re.I)
# Where a caption's sentence ends (any next word: a caption's sentence is cut, not judged).
_CAPTION_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def figure_mentions(line: str) -> list[str]:
    """The sentences of a line of prose that cite a figure by its file name: each is the
    figure's caption (the file name and the words around it)."""
    found = []
    for sentence in _CAPTION_SENTENCE_END.split(line[:2000]):
        if _FIGURE_FILE.search(sentence):
            found.append(sentence.strip())
    return found


def captions(line: str) -> list[str]:
    """The figure captions a line holds: the whole line when it starts with "Figure N:",
    else the sentence around each "(Figure N: ...)" inside it ("The learning curves (Figure
    1: ...) show ...": the words before the parentheses name the figure too)."""
    if _CAPTION.match(line[:100]):
        return [line]
    return [sentence.strip() for sentence in _CAPTION_SENTENCE_END.split(line[:2000])
            if _INLINE_CAPTION.search(sentence)]


def wrapped_captions(lines: list[Line]) -> list[ImageRef]:
    """Captions in parentheses that a hard-wrapped paragraph breaks over two lines
    ("... (Figure 1: loss" / "and accuracy per epoch) show ..."): the sentence holding each,
    placed at the paragraph's line where the sentence starts."""
    found: list[ImageRef] = []
    run: list[Line] = []
    for line in lines + [Line("", "", "blank")]:
        if line.kind == "prose":
            run.append(line)
            continue
        if len(run) > 1:
            text = " ".join(x.text.strip() for x in run)[:20_000]
            for sentence in _CAPTION_SENTENCE_END.split(text):
                if any(not any(match in x.text for x in run)  # a line holds it: found already
                       for match in _INLINE_CAPTION.findall(sentence)):
                    start = next((x for x in run if sentence.strip()[:20] in x.text), run[0])
                    found.append(ImageRef(sentence.strip()[:2000], start.where))
        run = []
    return found
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)?\s*%?")
# Numbers written in prose ("about four points below the paper", "a dozen epochs"); not "one",
# which is mostly a pronoun ("the published one").
NUMBER_WORD = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|thousand|million|half|dozen|twice|thrice)\b", re.I)
WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
# Where a sentence ends: ".", "!" or "?" and a space before the next word, also a lowercase one
# (students who write all in lowercase), but not after "e.g.", "i.e.", "et al.", "vs.", "cf.".
SENTENCE_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<! al\.)(?<!\bvs\.)(?<!\bcf\.)"
                          r"(?<=[.!?])\s+(?=[A-Za-z0-9\"'(])")
_TOKEN = re.compile(r"[A-Za-z0-9]+")


@dataclass
class Line:
    text: str
    where: str
    kind: str
    level: int = 0  # headings only: 1-6 for Markdown '#', 7 for a bold line or a text title


@dataclass
class ImageRef:
    """A figure a document shows: a Markdown image, a notebook image output, a caption."""

    label: str            # alt text + file name, or the notebook cell's code, or the caption
    where: str
    target: str | None = None  # Markdown: the referenced path (must exist in the submission)


@dataclass
class Section:
    heading: Line | None
    lines: list[Line]

    @property
    def title(self) -> str:
        return self.heading.text if self.heading else ""


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    first: Line  # the header row
    row_lines: list[Line]  # the line of each row, in order


@dataclass
class Document:
    path: str
    format: str  # markdown / text / pdf / notebook / docx / odt / pptx / html / latex
    lines: list[Line] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)

    def sections(self) -> list[Section]:
        """Each heading with the lines up to the next heading of the same or a higher level."""
        found = []
        for i, line in enumerate(self.lines):
            if line.kind != "heading":
                continue
            body = []
            for later in self.lines[i + 1:]:
                if later.kind == "heading" and later.level <= line.level:
                    break
                body.append(later)
            found.append(Section(line, body))
        return found

    def blocks(self) -> list[Section]:
        """Paragraphs and tables: runs of non-blank lines between blank lines and headings."""
        blocks, current = [], []
        for line in self.lines + [Line("", "", "blank")]:
            if line.kind in ("blank", "heading"):
                if current:
                    blocks.append(Section(None, current))
                current = []
            else:
                current.append(line)
        return blocks


def shorten(text: str, width: int = 160) -> str:
    return textwrap.shorten(" ".join(text.split()), width, placeholder=" ...") or text[:width]


# Bold or italics around words ("**Learned:** the gap ...", "*Growth.*"): the marks the reader
# of a Word, ODT or HTML file writes, never the student's words, so a quote leaves them out
# (underscores stay: "__init__", "lab_3").
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|\*)(?=[^\s*])(.+?)(?<=[^\s*])\1(?![\w*])")


def without_emphasis(text: str) -> str:
    """The text without its bold and italics marks (a page shows the student's words, not
    how they were set)."""
    return _EMPHASIS.sub(r"\2", text)


def quote(line: Line, width: int = 160) -> str:
    """Evidence as people read it: ``REFLECTION.md:42: "the excerpt"``, without the bold and
    italics marks."""
    return f'{line.where}: "{shorten(without_emphasis(line.text), width)}"'


_SENTENCE_DONE = re.compile(r"[.!?:;][\"')\]*_]*\s*$")


def with_sentence_end(lines: Sequence[Line], line: Line, width: int = 160) -> Line:
    """``line`` with the rest of its sentence when a wrapped paragraph or a run of comment
    lines carries it on ("... crashed with" / "OOM on the first batch."), so the evidence
    quotes what the student said rather than a line cut mid-sentence; at most ``width``
    characters are gathered, and a list item or a line of another kind ends it."""
    text = line.text.rstrip()
    if line.kind != "prose" or _SENTENCE_DONE.search(text) or len(text) >= width:
        return line  # most lines: nothing to look for
    index = next((i for i, candidate in enumerate(lines) if candidate is line), None)
    if index is None:
        return line
    for following in lines[index + 1:]:
        if _SENTENCE_DONE.search(text) or len(text) >= width:
            break
        if following.kind != "prose" or _LIST_ITEM.match(following.text) \
                or not following.text.strip():
            break
        text = f"{text} {following.text.strip()}"
    return line if text == line.text.rstrip() else replace(line, text=text)


# A transcript's time stamp before what was said ("[03:30] ", "(1:02:11) ", "00:42 - ").
TIME_STAMP = re.compile(r"^\s*[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?\s*[-\u2013:]?\s+")


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern:
    """A keyword matches words that start with it; spaces also match ``_`` and ``-``."""
    parts = [re.escape(part) for part in keyword.strip().split()]
    return re.compile(r"(?<![A-Za-z0-9])" + r"[\s_\-]+".join(parts), re.I)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=16384)
def stems(text: str) -> tuple[str, ...]:
    """The Snowball stems of a text's words: "reported" and "reports" both give "report"."""
    return tuple(_stem(token.lower()) for token in _TOKEN.findall(text))


@lru_cache(maxsize=16384)
def _stem_set(text: str) -> frozenset[str]:
    return frozenset(stems(text))


MIN_MISSPELT_KEYWORD = 7  # a keyword this long is found misspelt by one letter too


def _one_edit(word: str, keyword: str) -> bool:
    """Are the two at most one letter apart (a letter added, left out, changed or two letters
    swapped)?"""
    if word == keyword:
        return True
    if abs(len(word) - len(keyword)) > 1:
        return False
    start = 0
    while start < min(len(word), len(keyword)) and word[start] == keyword[start]:
        start += 1
    rest_word, rest_keyword = word[start:], keyword[start:]
    return (rest_word[1:] == rest_keyword[1:] or rest_word[1:] == rest_keyword
            or rest_word == rest_keyword[1:]
            or (len(rest_word) > 1 and rest_word[:2] == rest_keyword[1::-1]
                and rest_word[2:] == rest_keyword[2:]))


@lru_cache(maxsize=16384)
def _long_words(text: str) -> dict[str, tuple[str, ...]]:
    """The text's words of six letters or more, by their first letter."""
    words: dict[str, set[str]] = {}
    for token in _TOKEN.findall(text.lower()):
        if len(token) >= MIN_MISSPELT_KEYWORD - 1 and token.isalpha():
            words.setdefault(token[0], set()).add(token)
    return {letter: tuple(found) for letter, found in words.items()}


@lru_cache(maxsize=65536)
def _misspelt(text: str, keyword: str) -> bool:
    """Does ``text`` hold ``keyword`` (one word of seven letters or more) misspelt by one
    letter: "bacause", "hypthesis", "probaly"? A prefix keyword ("hypothes") is compared with
    the word's start; a misspelt word keeps its first letter."""
    keyword = keyword.lower()
    for token in _long_words(text).get(keyword[0], ()):
        if any(_one_edit(token[:length], keyword) and token[length:] in _ENDINGS
               for length in (len(keyword) - 1, len(keyword), len(keyword) + 1)):
            return True
    return False


# What may follow a prefix keyword's misspelt start: "hypthes" + "is" (not "probabil" +
# "ities" for "probably").
_ENDINGS = {"", "s", "es", "is", "ed", "d", "e", "ing", "ion", "ions", "al", "ly", "y"}


def mentions(text: str, keyword: str) -> bool:
    """Does ``text`` hold ``keyword``: a word starting with it, the same stems in a row, or a
    long keyword misspelt by one letter?

    The prefix rule lets a rubric write "confus" for confused/confusion; the stem rule
    matches other forms of a whole word ("reported" finds "reports", "improve" finds
    "improving"); the spelling rule reads a student who writes "bacause" or "hypthesis".
    """
    if keyword_pattern(keyword).search(text):
        return True
    if len(keyword) >= MIN_MISSPELT_KEYWORD and keyword.isalpha() and _misspelt(text, keyword):
        return True
    wanted = stems(keyword)
    if not wanted or len("".join(wanted)) < 3 or not _stem_set(text).issuperset(wanted):
        return False
    if len(wanted) == 1:
        return True
    found = stems(text)
    size = len(wanted)
    return any(found[i:i + size] == wanted for i in range(len(found) - size + 1))


def find_keywords(lines: Iterable[Line], keywords: Iterable[str],
                  synonyms: dict[str, tuple[str, ...]] | None = None) -> dict[str, Line]:
    """The first line holding each keyword (or one of its ``synonyms``) that occurs."""
    hits: dict[str, Line] = {}
    lines = list(lines)
    synonyms = synonyms or {}
    for keyword in keywords:
        forms = (keyword, *synonyms.get(keyword.lower(), ()))
        for line in lines:
            if any(mentions(line.text, form) for form in forms):
                hits[keyword] = line
                break
    return hits


@lru_cache(maxsize=65536)
def keywords_in(text: str, keywords: tuple[str, ...],
                synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> frozenset[str]:
    """The keywords (or their synonyms) a text holds; cached, as the grader asks often."""
    alternatives = {word.lower(): others for word, others in synonyms}
    return frozenset(keyword for keyword in keywords
                     if any(mentions(text, form)
                            for form in (keyword, *alternatives.get(keyword.lower(), ()))))


def count_words(lines: Iterable[Line]) -> int:
    return sum(len(WORD.findall(line.text)) for line in lines)


# A number that names a lab, a week or a figure ("lab 5", "Week 4", "Figure 2") is no result.
NAMED_BY_NUMBER = re.compile(r"\b(?:labs?|weeks?|parts?|modules?|units?|chapters?|sections?|"
                             r"assignments?|exercises?|figures?|fig\.|tables?|steps?|"
                             r"questions?|tasks?)\s{0,2}#?\s?\d+", re.I)


# A number joined to a name by a hyphen names a dataset, a model or a metric ("SST-2",
# "GPT-2", "top-5"): it is no result.
NAME_WITH_NUMBER = re.compile(r"\b[A-Za-z]+-\d+\b")
# A year is a date, no result: "a model from 2014", "published in 2015", "(Simonyan 2015)",
# "Socher et al. 2013" (but "in 2000 steps" counts the steps).
YEAR = re.compile(r"(?:\b(?:in|from|since|until|of|around)\s+|\(|\bet al\.?,?\s*\(?|"
                  r"[A-Z][a-z]+,?\s+)(?:19|20)\d\d[a-z]?\b(?![.,]?\d|\s*(?:%|[a-z]+s\b|"
                  r"ms\b|MB\b|GB\b)|\s+(?:step|image|sample|word|sentence|epoch|iteration|"
                  r"example|review|token|photo|second|minute|parameter|feature)\b)")
# What a sentence says from here on is a plan or a guess, not a measurement: "What I'll
# report: ... 10+ samples", "My guess before running: 82-84%", "I will train for 20 epochs".
PLANNED = re.compile(r"\b(will|going to|(i|we) plan|plann(ed|ing)|intend\w*|my guess|"
                     r"(i|we) expect|(i|we) hope|if time allows)\b|\w['’]ll\b", re.I)


def _measured(text: str) -> str:
    """``text`` without what each sentence says after a plan or a guess begins."""
    return " ".join(sentence[:match.start()] if (match := PLANNED.search(sentence)) else sentence
                    for sentence in SENTENCE_END.split(text))


def _runs_of_text(lines: Iterable[Line]) -> Iterable[str]:
    """The texts whose numbers count: a paragraph's prose lines joined (a sentence may wrap
    over lines), every other line alone (a table row is no sentence)."""
    prose: list[str] = []
    for line in lines:
        if line.kind == "prose":
            prose.append(line.text)
            continue
        if prose:
            yield " ".join(prose)
            prose = []
        yield line.text
    if prose:
        yield " ".join(prose)


# "the three runs", "all three": a number word after an article names things already
# counted, it reports nothing
_COUNTED_BEFORE = re.compile(r"\b(?:the|all|these|those)\s+$", re.I)


def count_numbers(lines: Iterable[Line], years: bool = True) -> int:
    """Numbers in digits (0.87, 92.5%) and in words ("four points below") that report a
    result: not those that name a lab, a week, a figure or a dataset ("lab 5", "Figure 2",
    "SST-2"), nor those a sentence gives after it turns to a plan or a guess ("I'll report
    10+ samples"). ``years=False``: nor a date ("a model from 2014", "(Kim 2014)"), for a
    reflection's own numbers (a report's citation year stands beside its published score)."""
    total = 0
    for text in _runs_of_text(lines):
        text = _measured(NAME_WITH_NUMBER.sub(" ", NAMED_BY_NUMBER.sub(" ", text)))
        text = text if years else YEAR.sub(" ", text)
        total += len(NUMBER.findall(text)) + sum(
            not _COUNTED_BEFORE.search(text[max(0, word.start() - 12):word.start()])
            for word in NUMBER_WORD.finditer(text))
    return total


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)]


def markdown_tables(lines: Iterable[Line]) -> list[Table]:
    """Markdown pipe tables (a header row, a ``|---|`` row, data rows)."""
    tables, run = [], []
    for line in list(lines) + [Line("", "", "blank")]:
        if line.kind == "table" or (line.kind == "generated" and line.text.lstrip()[:1] == "|"):
            run.append(line)
            continue
        if len(run) >= 2 and len(run[1].text) <= 5000 and _TABLE_SEPARATOR.match(run[1].text):
            body = [row for row in run[2:] if any(_cells(row.text))]  # a grid's rules: none
            tables.append(Table(_cells(run[0].text), [_cells(r.text) for r in body], run[0],
                                body))
        run = []
    return tables


# A two-column table of answers: a short label or question, then the student's answer in
# sentences ("| What did I learn? | That a pretrained network ... |"). Each row is then one
# labelled answer, as "**Challenges:** ..." on its own line would be.
ANSWER_LABEL_WORDS = 8     # a longer first cell is text (a sample), not a label
ANSWER_CELL_WORDS = 12     # the answers' mean length: shorter cells are values, not answers
# A header naming samples or values: the rows are data, whatever their length.
_NOT_ANSWERS = re.compile(r"\b(label|pred\w*|true|truth|gold|actual|value|setting|"
                          r"hyperparameter|parameter|metric|score|accuracy|sentence|"
                          r"review|tweet|image|photo|example|sample|errors?|mistakes?|"
                          r"misclassif\w*)\b", re.I)


def _answer_rows(run: list[Line]) -> list[tuple[Line, str, str]] | None:
    """``[(row, label, answer)]`` when the table lines ``run`` are a table of answers."""
    if len(run) < 3 or any(len(line.text) > 20_000 for line in run):
        return None
    header = _cells(run[0].text) if _TABLE_SEPARATOR.match(run[1].text[:5000]) else None
    body = run[2:] if header is not None else run
    if header is not None and len(header) == 2 and \
            len(header[1].split()) >= ANSWER_CELL_WORDS:
        # A header cell of sentences is the first answer: a Word table has no header row,
        # its first row is written above the separator
        header, body = None, [run[0], *run[2:]]
    rows = [(line, *_cells(line.text)) for line in body]
    if header is not None and (columns := _question_and_answer(header)) is not None:
        # A quiz's or a form's export: "| # | Question | Response | Status | Marks |"
        rows = [(line, cells[columns[0]], cells[columns[1]]) if len(cells) == len(header)
                else (line,) for line, *cells in rows]
    elif header is not None and len(header) > 2:  # "| | Rating (1-5) | Why |": a value
        rows = _beside_values(header, rows)         # beside each answer
    if rows is None or any(len(row) != 3 or not row[1] for row in rows) or (
            header is not None and _NOT_ANSWERS.search(" ".join(header))):
        return None
    # A question left unanswered ("| What can I do now? |  |") is no answer; the rest are
    answered = [row for row in rows if row[2] and not _EMPTY_CELL.match(row[2])]
    if len(answered) < 2 or 2 * len(answered) <= len(rows):
        return None
    labels = [label.strip("*_ :") for _, label, _ in rows]
    if any(not label or label[0] in "\"'\u201c\u2018" or (
            len(label.split()) > ANSWER_LABEL_WORDS and not label.endswith("?"))
           for label in labels) or len(set(labels)) < len(labels):
        return None
    words = sum(len(answer.split()) for _, _, answer in answered) / len(answered)
    kept = {id(line) for line, _, _ in answered}
    return [(line, label, answer) for (line, _, answer), label in zip(rows, labels, strict=True)
            if id(line) in kept] if words >= ANSWER_CELL_WORDS else None


# The header cells of a table's question and answer columns, whatever else is beside them
_QUESTION_HEADER = re.compile(r"^\W*(questions?|prompts?|items?)\W*$", re.I)
_ANSWER_HEADER = re.compile(r"^\W*((your |my )?(answers?|responses?|replies))\W*$", re.I)


def _question_and_answer(header: list[str]) -> tuple[int, int] | None:
    """``(question column, answer column)``, from 0, of a header that names both."""
    question = next((n for n, cell in enumerate(header) if _QUESTION_HEADER.match(cell)), None)
    answer = next((n for n, cell in enumerate(header) if _ANSWER_HEADER.match(cell)), None)
    return (question, answer) if question is not None and answer is not None else None


VALUE_CELL_WORDS = 3  # a cell beside the answers this short is a value (a rating, a date)


def _beside_values(header: list[str], rows: list[tuple]) -> list[tuple] | None:
    """``[(row, label, answer)]`` of a table of answers with short values in its other
    columns ("| What I understood | 4 | I learned that ... |"): the answer is the column with
    the most words, every other cell beside it a value; ``None`` for any other table."""
    if any(len(row) != len(header) + 1 for row in rows):
        return None
    words = {column: sum(len(row[column].split()) for row in rows)
             for column in range(2, len(header) + 1)}
    answer = max(words, key=words.get)
    if any(len(row[column].split()) > VALUE_CELL_WORDS for row in rows
           for column in words if column != answer):
        return None
    return [(row[0], row[1], row[answer]) for row in rows]


# A header cell that opens with a lab ("Lab 2 – MLP with dropout", "lab04"): a table with a
# column per lab holds each lab's answers, one question per row.
_LAB_COLUMN = re.compile(r"^\W{0,3}lab[\s_\-]*0?\d{1,2}(?!\d)", re.I)
_EMPTY_CELL = re.compile(r"^[\s\-–—]*$")


# A label this long, or numbered, or more than one question, is no run-in label: a form's
# column "1. Learning insights: what did this lab teach you? Please refer to your own run
# (numbers!)". A table with one such label has its answers each under its label as a heading.
RUN_IN_LABEL_WORDS = 5
_ONE_QUESTION = re.compile(r"^[A-Za-z][^?\n]{0,158}\?$")


def _headed(labels: Iterable[str]) -> bool:
    """Are a table's labels headings over its answers (one of them too long for a run-in
    label), not run-in labels ("**Growth:** ...")?"""
    return any(len(label.split()) > RUN_IN_LABEL_WORDS and not _ONE_QUESTION.match(label)
               for label in (label.replace("*", "").strip() for label in labels))


def _labelled_answer(label: str, answer: str, where: str, headed: bool = False) -> list[Line]:
    """A table cell's answer as a paragraph under its row's label, "**Growth:** ...", as the
    student would have written it without the table; ``headed``: under the label as a
    heading of its own."""
    label, answer = label.replace("*", ""), answer.replace(chr(92) + "|", "|")
    if headed:
        return [Line(label, where, "heading", 6), Line("", where, "blank"),
                Line(answer, where, "prose"), Line("", where, "blank")]
    mark = "" if label.endswith("?") else ":"
    return [Line(f"**{label}{mark}** {answer}", where, "prose"), Line("", where, "blank")]


def _lab_columns(run: list[Line]) -> list[Line] | None:
    """A table with one question per row and one column per lab ("| Question | Lab 2 - MLP |
    Lab 4 - bag of words |") as a section per lab, headed by its column's title, each row's
    cell a labelled answer ("**What I learned:** ..."); ``None`` for any other table (also
    one whose cells are values, short and no sentences: "| optimiser | Adam 1e-3 | - |")."""
    if len(run) < 3 or not _TABLE_SEPARATOR.match(run[1].text[:5000]) \
            or any(len(line.text) > 20_000 for line in run):
        return None
    header = _cells(run[0].text)
    columns = [i for i, cell in enumerate(header) if i and _LAB_COLUMN.match(cell)]
    if len(columns) < 2:
        return None
    rows = [(line, _cells(line.text)) for line in run[2:]]
    answers = [cells[column].strip() for _, cells in rows for column in columns
               if column < len(cells) and not _EMPTY_CELL.match(cells[column])]
    words = [len(answer.split()) for answer in answers]
    sentences = sum(answer.rstrip("*_ ").endswith((".", "!", "?")) for answer in answers)
    if not answers or (sum(words) / len(words) < ANSWER_CELL_WORDS
                       and 2 * sentences < len(answers)):
        return None  # a table of values per lab (hyperparameters, scores), not of answers
    result: list[Line] = []
    headed = _headed(cells[0] for _, cells in rows if cells)
    for column in columns:
        result += [Line(header[column].replace("*", ""), run[0].where, "heading", 2),
                   Line("", run[0].where, "blank")]
        for line, cells in rows:
            label = cells[0].strip("*_ :") if cells else ""
            answer = cells[column] if column < len(cells) else ""
            if label and not _EMPTY_CELL.match(answer):
                result += _labelled_answer(label, answer, line.where, headed)
    return result


# A grid with one row per lab reads as answers when its cells hold words: a few per cell on
# average (a table of scores per lab holds one or two, and its header names them).
LAB_ROW_CELL_WORDS = 5


def _lab_rows(run: list[Line]) -> list[Line] | None:
    """A table with one lab per row and one question per column ("| Lab | What I learned |
    Use in real life |", then "| Lab 1 - VGG16 | ... |") as a section per lab, headed by its
    row's first cell, each filled cell a labelled answer under its column's title (a form's
    export of one answer: one row); ``None`` for any other table (also one of values per lab,
    whose header names them: "| Lab | test accuracy | epochs |")."""
    if len(run) < 3 or not _TABLE_SEPARATOR.match(run[1].text[:5000]) \
            or any(len(line.text) > 20_000 for line in run):
        return None
    header = [cell.replace("*", "").strip() for cell in _cells(run[0].text)]
    rows = [(line, _cells(line.text)) for line in run[2:]]
    lab_column = _lab_column(rows)
    if lab_column is None:
        return None
    # A form's export names the lab in a later column, after the row's time and e-mail: the
    # table is read from the lab's column on
    header = header[lab_column:]
    rows = [(line, cells[lab_column:]) for line, cells in rows]
    if len(header) < 3 or _NOT_ANSWERS.search(" ".join(header[1:])):
        return None
    question, answer_column = _question_columns(header, rows)
    # the answers' length decides (in a table of a row per lab and prompt, only theirs)
    answers = [cell for _, cells in rows for column, cell in enumerate(cells)
               if column and (answer_column is None or column == answer_column)
               and not _EMPTY_CELL.match(cell)]
    if not answers or sum(len(answer.split()) for answer in answers) \
            < LAB_ROW_CELL_WORDS * len(answers):
        return None
    result: list[Line] = []
    lab = None
    headed = _headed([cell for column, cell in enumerate(header) if column != question] + [
        cells[question] for _, cells in rows if question is not None and question < len(cells)])
    for line, cells in rows:
        if not _LAB_COLUMN.match(cells[0]):
            continue  # a row with only its first cell filled: a note, not a lab
        if cells[0] != lab:  # one heading for the rows of a lab in a row
            lab = cells[0]
            result += [Line(lab.replace("*", ""), line.where, "heading", 2),
                       Line("", line.where, "blank")]
        for column, (label, answer) in enumerate(zip(header, cells, strict=False)):
            if column == answer_column and question < len(cells) and cells[question].strip():
                label = cells[question].strip("*_ :")  # the question the row answers
            if column and column != question and label and not _EMPTY_CELL.match(answer):
                result += _labelled_answer(label, answer, line.where, headed)
    return result


def _lab_column(rows: list[tuple[Line, list[str]]]) -> int | None:
    """The first column naming a lab in two rows or more (or in the one row) and in every
    row that holds anything beside it (a row of its first cell only is a note); ``None`` when
    none does."""
    width = max((len(cells) for _, cells in rows), default=0)
    for column in range(width):
        named = [column < len(cells) and bool(_LAB_COLUMN.match(cells[column]))
                 for _, cells in rows]
        alone = [not any(cells[column + 1:]) for _, cells in rows]  # a note in its first cell
        if sum(named) >= min(2, len(rows)) and all(
                lab or empty for lab, empty in zip(named, alone, strict=True)):
            return column
    return None


# A column naming the question each row answers: "| Lab | Prompt | Answer | Words |", a row
# per lab and question, as a spreadsheet keeps a reflection
_QUESTION_HEADER = re.compile(r"^(?:prompt|question|criterion|topic|aspect)s?$", re.I)


def _question_columns(header: list[str], rows: list[tuple[Line, list[str]]]
                      ) -> tuple[int | None, int | None]:
    """``(the question's column, the answer's column)`` of a table with a row per lab and
    question: the answer is the other column with the most words; ``(None, None)`` when no
    header names the question."""
    question = next((column for column, cell in enumerate(header)
                     if column and _QUESTION_HEADER.match(cell)), None)
    if question is None:
        return None, None
    words = {column: sum(len(cells[column].split()) for _, cells in rows if column < len(cells))
             for column in range(1, len(header)) if column != question}
    return (question, max(words, key=words.get)) if words else (None, None)


def answer_tables(lines: list[Line]) -> list[Line]:
    """``lines`` with each table of answers (see :data:`ANSWER_LABEL_WORDS`) as labelled
    paragraphs of prose, one per row, each in its row's place, and each table with a column
    or a row per lab as a section per lab (:func:`_lab_columns`, :func:`_lab_rows`); other
    tables stay tables."""
    result: list[Line] = []
    run: list[Line] = []
    for line in lines + [Line("", "", "blank")]:
        if line.kind == "table":
            run.append(line)
            continue
        rows = _answer_rows(run)
        if (by_lab := _lab_columns(run) or _lab_rows(run)) is not None:
            result.extend(by_lab)
        elif rows is None:
            result.extend(run)
        else:
            headed = _headed(label for _, label, _ in rows)
            for row, label, answer in rows:
                result += _labelled_answer(label, answer, row.where, headed)
        run = []
        result.append(line)
    return result[:-1]


def _images(raw: str, pattern: re.Pattern, opening: str):
    """Matches of ``pattern`` that start at an ``opening`` ("![" or "<img") of ``raw``.

    Each try is bounded (the pattern has no unbounded part) and at most
    :data:`MAX_IMAGES_PER_LINE` openings are tried, so a 300 KB line of "![" costs
    milliseconds, not minutes.
    """
    haystack = raw.lower() if opening.isalpha() or "<" in opening else raw
    start, tried = haystack.find(opening), 0
    while start != -1 and tried < MAX_IMAGES_PER_LINE:
        tried += 1
        match = pattern.match(raw, start, start + 3400)
        if match:
            yield match
        start = haystack.find(opening, match.end() if match else start + 1)


def _markdown_kind(stripped: str, generated: frozenset[str]) -> str:
    if not stripped:
        return "blank"
    if _TODO.search(stripped):
        return "prompt"
    if len(stripped) <= 20_000 and _ONLY_IMAGES.match(stripped):
        return "image"
    if stripped in generated:  # the draft's facts, its tables too: not the student's words
        return "generated"
    if stripped.startswith("|"):
        return "table"
    if stripped.startswith("<!--"):
        return "generated"  # HTML comments are not shown to a reader
    return "prose"


def _labelled_list(raw: str, below: list[str]) -> re.Match | None:
    """``raw`` as a bold or short list item whose next line (blank lines aside) is an item
    nested under it: "- **Challenges**" or "- what was difficult" over "  - The download
    broke twice ..."."""
    item = _BOLD_ITEM.match(raw) or _PLAIN_ITEM.match(raw)
    if item and len(item["title"].split()) > MAX_LABEL_ITEM_WORDS:
        return None
    following = next((row for row in below[:5] if row.strip()), "")
    indent = len(following) - len(following.lstrip())
    return item if item and indent > len(item["indent"]) and _LIST_ITEM.match(following) \
        else None


def _front_matter_rows(rows: list[str]) -> int:
    """How many rows the YAML front matter at the top takes ("---" / "title: ..." / "---"), as
    static-site blogs write it; 0 when there is none."""
    if not rows or rows[0].strip() != "---":
        return 0
    closing = next((i for i, row in enumerate(rows[1:40], 2) if row.strip() in ("---", "...")),
                   0)
    fields = rows[1:closing - 1] if closing else []
    return closing if fields and all(re.match(r"^\s*([\w-]+\s*:|-\s|#|$)", row)
                                     for row in fields) else 0


def _quoted_question(rows: list[str], number: int) -> str | None:
    """The question row ``number`` (1-based) quotes alone, no line of a longer quote."""
    question = _QUOTED_QUESTION.match(rows[number - 1])
    neighbours = rows[max(number - 2, 0):number - 1] + rows[number:number + 1]
    if question is None or any(row.lstrip().startswith(">") for row in neighbours):
        return None
    return question["question"].strip()


# A picture's name that says nothing of what it shows: Notion's "Untitled 1.png", a pasted
# "image.png", "Screenshot 2026-12-03 at 14.02.11.png", Word's "Picture 2".
_GENERIC_IMAGE_WORDS = {"untitled", "image", "img", "screenshot", "screen", "shot", "picture",
                        "pic", "photo", "figure", "fig", "pasted", "download", "unnamed", "at",
                        "png", "jpg", "jpeg", "gif", "svg", "webp", "clipboard", "grafik",
                        "bild", "capture", "scan", "file", "attachment"}


_HASH_NAME = re.compile(r"\b[0-9a-f]{16,}\b|\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b")


def generic_image_label(label: str) -> bool:
    """Does an image's alt text and file name (its folders aside) say nothing of what it
    shows?"""
    names = " ".join(token.rsplit("/", 1)[-1] for token in label.lower().split())
    names = _HASH_NAME.sub(" ", names)  # an office file's "Pictures/B6FE0954EFE7...png"
    words = re.findall(r"[a-z]+", names)
    return all(word in _GENERIC_IMAGE_WORDS or len(word) == 1 for word in words)


def with_heading(image: ImageRef, lines: list[Line]) -> ImageRef:
    """An image whose own name says nothing, labelled by the heading above it as well: a
    reader takes the picture under "## Learning curves" for a learning curve."""
    if not generic_image_label(image.label):
        return image
    heading = next((line.text for line in reversed(lines) if line.kind == "heading"), "")
    return replace(image, label=f"{image.label} {heading}".strip())


# A fenced block of data, not of code: its rows are a table ("```tsv", "```csv") or what a
# program printed ("```text", "```output", "```console"), read as a notebook's output is.
_DATA_FENCE = re.compile(r"^\s*(?:```|~~~)\s*(?P<language>csv|tsv|text|txt|plaintext|plain|"
                         r"output|console|log|stdout|jsonl|ndjson|json)\s*$", re.I)
_JSON_LINES = ("jsonl", "ndjson", "json")
MAX_JSON_ROW = 5000  # characters of a JSON line read as a row


def _json_row(raw: str) -> dict | None:
    """A line of JSON Lines ('{"text": "...", "label": 1, "pred": 0}') as its object, or None
    (a line of a pretty-printed object, a list, not JSON)."""
    if not raw.startswith("{") or len(raw) > MAX_JSON_ROW:
        return None
    try:
        row = json.loads(raw)
    except ValueError:
        return None
    return row if isinstance(row, dict) and row else None


JSON_LINES_ROWS = 2  # records, at least, for a JSON block to be a table of them


def _json_lines(rows: Iterable[str]) -> bool:
    """Are the rows up to the closing fence JSON Lines: one object each, two or more?"""
    records = 0
    for raw in rows:
        if _FENCE.match(raw):
            break
        if raw.strip():
            if _json_row(raw.strip()) is None:
                return False
            records += 1
    return records >= JSON_LINES_ROWS


def _data_row(raw: str, language: str) -> tuple[str, str]:
    """``(text, kind)`` of a row of a data block: tab- or comma-separated rows as a table."""
    cells = next(csv.reader([raw], delimiter="," if language == "csv" else "\t"), [])
    if language in ("csv", "tsv") or (len(cells) >= 3 and "\t" in raw):
        return markdown_row(cells), "table"
    return raw, "output"


def parse_markdown(text: str, where: Callable[[int], str], *,
                   generated: frozenset[str] = frozenset()) -> tuple[list[Line], list[ImageRef]]:
    """Lines and images of Markdown text; ``where(n)`` names line ``n`` (1-based)."""
    lines, images, in_code = [], [], False
    data, data_rows = "", 0  # the language of the data block we are in, its rows so far
    keys: list[str] = []  # the columns of a block of JSON Lines: its first record's keys
    divs = 0  # the fenced divs (":::") we are inside
    rows = text.splitlines()
    front_matter = _front_matter_rows(rows)
    # MyST, Obsidian, GitHub's alerts and HTML tables as plain Markdown; each row keeps the
    # number of the source row it came from
    rows[front_matter:], sources = plain_rows(rows[front_matter:])
    sources = list(range(1, front_matter + 1)) + [front_matter + n for n in sources]
    for number, raw in enumerate(rows, 1):
        place = where(sources[number - 1])
        if number <= front_matter:  # a blog's or Quarto's metadata: only its title is read
            title = _FRONT_MATTER_TITLE.match(raw)
            lines.append(Line(title["title"], place, "heading", 1) if title
                         else Line(raw, place, "code"))
            continue
        if _FENCE.match(raw):
            fence = _DATA_FENCE.match(raw) if not in_code else None
            in_code = not in_code
            data, data_rows = (fence["language"].lower(), 0) if fence else ("", 0)
            if data in _JSON_LINES and not _json_lines(islice(rows, number, None)):
                data = ""  # one object (a results summary), or pretty-printed JSON: code
            lines.append(Line(raw, place, "code"))
            continue
        if in_code and data in _JSON_LINES and (record := _json_row(raw.strip())) is not None:
            # JSON Lines, one object a row ({"text": ..., "label": 1, "pred": 0}): a table
            # under the first row's keys
            if data_rows == 0:
                keys = list(record)
                lines += [Line(markdown_row(keys), place, "table"),
                          Line("|" + "---|" * len(keys), place, "table")]
            data_rows += 1
            values = [record.get(key, "") for key in keys]
            lines.append(Line(markdown_row([v if isinstance(v, str) else json.dumps(v)
                                            for v in values]), place, "table"))
            continue
        if in_code and data and data not in _JSON_LINES and raw.strip():
            row, kind = _data_row(raw.strip(), data)
            data_rows += 1
            lines.append(Line(row, place, kind))
            if kind == "table" and data_rows == 1:  # under its header, as Markdown has it
                lines.append(Line("|" + "---|" * row.count(" | ") + "---|", place, "table"))
            continue
        if in_code:
            lines.append(Line(raw, place, "code"))
            continue
        if _underlined(lines, raw):
            lines.append(Line("", place, "blank"))
            continue
        short = len(raw) <= MAX_HEADING_CHARS
        if short and (div := _DIV_FENCE.match(raw)):
            title = _DIV_TITLE.search(div["attributes"] or "")
            opens = bool(div["attributes"] or raw.strip().strip(":").strip())
            divs = divs + 1 if opens else max(divs - 1, 0)
            lines.append(Line(title["title"], place, "heading", 7) if title
                         else Line("", place, "blank"))
            continue
        heading = _HEADING.match(raw) if short else None
        bold = (_BOLD_LINE.match(raw) or _labelled_list(raw, rows[number:])) if short else None
        if heading:
            title = heading.group(2).rstrip().rstrip("#").rstrip()  # "## Results ##"
            title = _HEADING_ATTRIBUTES.sub("", title) or title
            # inside a callout its heading is the callout's title, no section of the document
            lines.append(Line(title, place, "heading", 7 if divs else len(heading.group(1))))
        # A bold line of ten words at most is a title; a question set in bold on its own line
        # ("**2. What was hard, and what did I do about it?**") heads its answer, however long.
        elif bold and (len(bold["title"].split()) <= 10 or bold["title"].rstrip().endswith("?")) \
                and not _TODO.search(raw) and not _MEASURED_SENTENCE.search(bold["title"]):
            lines.append(Line(bold["title"].strip(), place, "heading", 7))
        elif short and (quoted := _quoted_question(rows, number)):
            lines.append(Line(quoted, place, "heading", 7))
        else:
            lines.append(Line(raw, place, _markdown_kind(raw.strip(), generated)))
        for caption in captions(raw.strip("*_ ")):  # an image lost in the export, or cited
            images.append(ImageRef(caption, place))
        if lines[-1].kind == "prose" and "![" not in raw and "<img" not in raw.lower():
            images.extend(ImageRef(mention, place) for mention in figure_mentions(raw))
        for match in _images(raw, _MD_IMAGE, "!["):
            images.append(with_heading(ImageRef(f"{match['alt']} {match['target']}", place,
                                                match["target"]), lines))
        for match in _images(raw, _HTML_IMAGE, "<img"):
            images.append(with_heading(ImageRef(match["target"], place, match["target"]), lines))
    return answer_tables(lines), images + wrapped_captions(lines)


def converted_document(path: str, lines: list[tuple[str, int]], format: str = "markdown",
                       separator: str = ":") -> Document:
    """A document of Markdown lines turned out of another format (Org, AsciiDoc, LaTeX), each
    with the source line it came from: places are named ``report.org:12`` (or, with
    ``separator=" line "``, ``main.tex line 12``)."""
    markdown, places = [line for line, _ in lines], [place for _, place in lines]
    parsed, images = parse_markdown("\n".join(markdown), lambda n: (
        f"{path}{separator}{places[n - 1] if n <= len(places) else '?'}"))
    return Document(path, format, parsed, images)


def markdown_document(path: str, text: str, *, generated: frozenset[str] = frozenset(),
                      line_numbers: Sequence[int] = ()) -> Document:
    """A Markdown file. ``generated``: stripped lines the reflection draft wrote itself;
    ``line_numbers``: each row's line in the file, where the text was rebuilt from it."""
    lines, images = parse_markdown(text, lambda n: f"{path}:{_line_number(n, line_numbers)}",
                                   generated=generated)
    return Document(path, "markdown", lines, images)


def _line_number(row: int, line_numbers: Sequence[int]) -> int:
    """The file's line of a text's row (counted from 1) rebuilt with ``line_numbers``."""
    return line_numbers[row - 1] if 0 < row <= len(line_numbers) else row


_LABEL_LINE = re.compile(r"^[^:]{1,40}:\s+\S")  # "Truth: positive", "Model said: negative"
# A labelled value of a shown sample, whatever its value's case: "Predicted: T-shirt/top",
# "Actual: Shirt", "True label: Positive" (a block of such lines is one sample)
_SAMPLE_LABEL_LINE = re.compile(r"^(?:true|truth|actual|gold|expected|correct|predicted|"
                                r"prediction|(?:true |actual |predicted |correct )?(?:label|class))"
                                r"\s*:\s+\S", re.I)
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or",
                "the", "to", "vs", "with", "it", "is", "its"}


def _title_case(words: list[str]) -> bool:
    """Most words capitalised, as in "What I Think Is Going On"."""
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(significant) and all(w[:1].isupper() or not w[:1].isalpha()
                                     for w in significant)


WRAPPED_WIDTH = 50  # a line of prose this long that ends mid-sentence was wrapped


def _wrapped_on(lines: list[Line], stripped: str) -> bool:
    """Does this line of a PDF carry on the sentence wrapped above it ("... the model
    classified" / "negative (with its probability of negative):")? Then it is no title. (Notes
    typed one statement a line end without a full stop too: plain text is not asked.)"""
    above = lines[-1] if lines else None
    return stripped[:1].islower() and above is not None and above.kind == "prose" \
        and len(above.text.strip()) >= WRAPPED_WIDTH and above.text.rstrip()[-1:].islower()


def _continues_above(lines: list[Line], stripped: str) -> bool:
    """Does this line close what the prose line above left open ("... got wrong (1 = positive,"
    / "0 = negative):")? Then it is the end of that sentence, no title, in any plain text."""
    above = lines[-1] if lines else None
    if above is None or above.kind != "prose":
        return False
    text = above.text.rstrip()
    unclosed = text.count("(") > text.count(")") and stripped.count(")") > stripped.count("(")
    # "Full fine-tuning +" / "MLP head": a table's cell; "python -m labs.x \" / "--quick"
    return unclosed or text.endswith(("+", "&", "/", "\\")) or (
        text.endswith(",") and not stripped[:1].isupper())


# The header lines of an e-mail pasted as text ("From: ...", "To: ...", "Subject: ...")
_MAIL_HEADER = re.compile(r"^(?:from|to|cc|bcc|sent|date|subject|reply-to)\s*:\s*\S.*"
                          r"(?:@|<[^>]*>|\d)", re.I)


# Two or more spaces between words: a column's gap ("1  Introduction" has one, after its number)
_COLUMN_GAP = re.compile(r"\S\s{2,}(?=\S)")


SHOUTED_QUESTION_WORDS = 4  # a question in capitals this short is a title


def _looks_like_title(stripped: str) -> bool:
    """A heading of plain text or PDF: "Results:", "Why The Model Fails", "1. Introduction",
    "EVALUATION". List items ("1. image 247: true 4") and labelled lines ("Truth: positive")
    are not headings."""
    words = stripped.rstrip(":").split()
    if stripped.endswith("?") and stripped.isupper() and len(words) <= SHOUTED_QUESTION_WORDS:
        return stripped[0].isalpha()  # a poster's "WHY?", "WHAT NEXT?": a section's title
    if not words or len(stripped) > 70 or stripped[-1] in ".,;!?)\"'+&/(\\" \
            or not stripped[0].isalnum() or "\t" in stripped:  # a tab: a table row
        return False
    if len(_COLUMN_GAP.findall(stripped)) >= 2:  # "12      Sneaker      Sandal": three columns
        return False
    numbered = _NUMBERED_TITLE.match(stripped)
    if numbered:
        rest = stripped[numbered.end() - 1:]
        rest_words = rest.rstrip(":").split()
        return (len(rest_words) <= 8 and rest[0].isupper() and ":" not in rest.rstrip(":")
                and not NUMBER.search(NAME_WITH_NUMBER.sub("", rest))  # "on SST-2"
                and not re.search(r"[\"“]", rest))
    if _LABEL_LINE.match(stripped) and not stripped.split(":", 1)[1].strip()[:1].isupper() \
            or _SAMPLE_LABEL_LINE.match(stripped):
        return False  # "Truth: positive", "Actual: Shirt": a labelled value, not a title
    if _MAIL_HEADER.match(stripped):
        return False  # "From: Aisha Rahman <a.rahman@...>": an e-mail's header, no section
    if stripped.endswith(":") and len(words) <= 6:
        return True
    if stripped.isupper() and len(words) <= 8 and sum(map(str.isalpha, stripped)) >= 3:
        return True  # "EVALUATION", not a row of numbers with a unit ("91.5 - - 22.7 M")
    if len(words) <= 8 and _title_case(words) and not NUMBER.search(stripped):
        return True
    # "Task and data", "Results": short, capitalised, no sentence punctuation.
    return len(words) <= 5 and stripped[0].isupper() and not NUMBER.search(stripped)


# Emacs Org mode, as students keep notes in it: "* Lab 3", "** What stuck" (an outline whose
# stars are its levels; a state such as TODO may follow them), "#+TITLE: ..." settings.
_ORG_HEADING = re.compile(r"^(?P<stars>\*{1,6})\s+(?:(?:TODO|DONE)\b\s*)?(?P<title>\S.{0,80})$")
_ORG_SETTING = re.compile(r"^#\+[A-Za-z_]+:")
_ORG_SUBHEADING = re.compile(r"^\*{2,6}\s+\S")  # no list starts at the margin with "** "


# psql's and pandas' text tables: "  idx | true | predicted" over "-----+------+----------",
# rows with as many bars, then "(14 rows)"
_PSQL_RULE = re.compile(r"^\s*-{2,}(?:\+-{2,})+\s*$")


def _pipe_row(row: str) -> str:
    return "| " + " | ".join(cell.strip() for cell in row.split("|")) + " |"


def psql_tables(rows: list[str]) -> list[str]:
    """``rows`` with each psql-style table as a Markdown pipe table, row for row (so every
    line keeps its number): its header, a ``|---|`` row, its data rows."""
    found = list(rows)
    for index, row in enumerate(rows):
        bars = row.count("+")
        if not index or not _PSQL_RULE.match(row) or rows[index - 1].count("|") != bars:
            continue
        found[index - 1] = _pipe_row(rows[index - 1])
        found[index] = "|" + "---|" * (bars + 1)
        for later in range(index + 1, len(rows)):
            if rows[later].count("|") != bars or not rows[later].strip():
                break
            found[later] = _pipe_row(rows[later])
    return found


# A grid table's rule, as tabulate's "grid", prettytable and MySQL draw it: "+----+------+".
_GRID_RULE = re.compile(r"^\s*\+(?:[-=:]{2,}\+){2,}\s*$")
_GRID_ROW = re.compile(r"^\s*\|.*\|\s*$")


def _grid_cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip()[1:-1].split("|")]


def grid_tables(rows: list[str]) -> list[str]:
    """``rows`` with each grid table ("+---+---+" rules around "| a | b |" rows) as a Markdown
    pipe table, line for line (so every line keeps its number): the rules around the header
    become a blank line and the ``|---|`` row; a row wrapped over several lines (its first
    cell empty on the later ones) is joined on its first line, the lines it leaves and the
    rules between rows become empty rows, which no table reader counts."""
    found = list(rows)
    index = 0
    while index < len(rows):
        if not _GRID_RULE.match(rows[index]):
            index += 1
            continue
        end = index
        while end + 1 < len(rows) and (_GRID_RULE.match(rows[end + 1]) or
                                       _GRID_ROW.match(rows[end + 1])):
            end += 1
        rules = [i for i in range(index, end + 1) if _GRID_RULE.match(rows[i])]
        columns = rows[index].strip().count("+") - 1
        if len(rules) < 2 or any(_GRID_ROW.match(rows[i]) and len(_grid_cells(rows[i]))
                                 != columns for i in range(index, end + 1)):
            index = end + 1
            continue
        empty = "|" + " |" * columns
        # the rows between the first two rules are the header (none: one block, or no row)
        header_end = rules[1] if end > rules[1] and rules[1] > index + 1 else index
        logical: list[tuple[int, list[str]]] = []  # (its first line, its cells)
        for i in range(index, end + 1):
            if _GRID_RULE.match(rows[i]):
                found[i] = empty
                continue
            cells = _grid_cells(rows[i])
            # a line carries on the row above it: the header's next line, or a body row's
            # with its first cell empty ("|    | superb .  |")
            carries_on = bool(logical) and (logical[-1][0] < header_end if i < header_end
                                            else not cells[0] and i - 1 not in rules)
            if carries_on:
                first, joined = logical[-1]
                logical[-1] = (first, [f"{a} {b}".strip()
                                       for a, b in zip(joined, cells, strict=True)])
                found[i] = empty
            else:
                logical.append((i, cells))
        for first, cells in logical:
            found[first] = "| " + " | ".join(cells) + " |"
        if header_end > index:  # the header, joined, sits right above its "|---|" row
            header = next(first for first, _ in logical if first < header_end)
            found[header_end - 1], found[header] = found[header], found[header_end - 1]
            found[index], found[header_end] = "", "|" + "---|" * columns
        index = end + 1
    return found


def _org_mode(pages: list[str]) -> bool:
    """Is this plain text an Org outline (a "** " heading or a "#+TITLE:" setting at the
    margin)? Then "* Lab 4" is a heading, not a list item."""
    return any(_ORG_SUBHEADING.match(row) or _ORG_SETTING.match(row)
               for page in pages for row in page.splitlines())


# A line of plain text quoted from a message the student answers, as e-mail replies quote
# ("> 3. Where could you use it?", ">> Lab 4 (bag of words):"): the sender's words.
_QUOTED = re.compile(r"^\s{0,3}(?:>\s?)+")


def _quoted_kind(inner: str, next_row: str) -> str:
    """A quoted line's kind: the question a reply answers below it (the last line of its
    quote, text not quoted after it) and a label over questions ("Lab 1 (VGG16):") are
    headings of what the student wrote under them; any other quoted line is a quote."""
    if not inner:
        return "blank"
    if inner.endswith("?") and not _QUOTED.match(next_row) and len(inner) <= 200:
        return "heading"
    if inner.endswith(":") and _looks_like_title(inner):
        return "heading"
    return "quote"


def plain_document(path: str, pages: list[str], format: str = "text",
                   line_numbers: Sequence[int] = ()) -> Document:
    """Plain text or PDF text (one string per page): titles are guessed from their shape.
    ``line_numbers``: each row's line in the file, where the text was rebuilt from it."""
    doc = Document(path, format)
    org = format == "text" and _org_mode(pages)
    paged = [grid_tables(psql_tables(page.splitlines())) for page in pages]
    # A printed page's header and footer are not the student's words (see page_furniture);
    # a PDF's paragraphs are found from its rows' ends, a text's are joined over the break
    every_row = [row for rows in paged for row in rows]
    if org or not every_row:
        kept = set(range(len(every_row)))
    elif format == "pdf":
        kept = set(range(len(every_row))) - page_furniture(every_row)
    else:
        kept = set(without_furniture(every_row))
    first_rows = [0, *accumulate(len(rows) for rows in paged)]  # each page's, in every_row
    for page_number, rows in enumerate(paged, 1):
        for number, raw in enumerate(rows, 1):
            if first_rows[page_number - 1] + number - 1 not in kept:
                continue
            place = (f"{path} page {page_number} line {number}" if format == "pdf"
                     else f"{path}:{_line_number(number, line_numbers)}")
            stripped = raw.strip()
            if (quoted := _QUOTED.match(raw)) and not org:
                inner = raw[quoted.end():].strip()
                kind = _quoted_kind(inner, rows[number] if number < len(rows) else "")
                doc.lines.append(Line(inner if kind == "heading" else raw, place, kind,
                                      7 if kind == "heading" else 0))
                continue
            if org and (heading := _ORG_HEADING.match(raw.rstrip())):
                doc.lines.append(Line(heading["title"].strip(), place, "heading",
                                      len(heading["stars"])))
                continue
            if org and _ORG_SETTING.match(raw):
                doc.lines.append(Line(raw, place, "code"))  # the outline's settings
                continue
            # the line above is its title (also one that already looks like a title)
            if _underlined(doc.lines, raw, kinds=("prose", "heading"), alone=True):
                doc.lines[-1] = replace(doc.lines[-1], level=7)  # plain text titles are flat
                doc.lines.append(Line("", place, "blank"))
                continue
            if not stripped:
                kind = "blank"
            elif _TODO.search(stripped):
                kind = "prompt"
            elif _looks_like_title(stripped) and not _continues_above(doc.lines, stripped) \
                    and not (format == "pdf" and _wrapped_on(doc.lines, stripped)):
                kind = "heading"
            elif stripped.startswith("|"):
                kind = "table"
            else:
                kind = "prose"
            doc.lines.append(Line(stripped if kind == "heading" else raw, place, kind,
                                  7 if kind == "heading" else 0))
            for caption in captions(stripped):
                doc.images.append(ImageRef(caption, place))
            if kind == "prose":
                doc.images.extend(ImageRef(mention, place) for mention in figure_mentions(raw))
    if format == "pdf":
        doc.lines = pdf_paragraph_ends(_cells_carried_on(doc.lines))
    doc.lines = answer_tables(_outline_levels(doc.lines))
    doc.images.extend(wrapped_captions(doc.lines))
    return doc


_SECTION_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?\s")


def _outline_levels(lines: list[Line]) -> list[Line]:
    """Plain text numbered as an outline ("1. VGG16", "1.1 What I took from it", "2. Bag of
    words"): each numbered title at the depth of its number, so the top level is the
    sections and "1.1" a sub-section inside one. Titles stay flat in any other text."""
    depths = {id(line): len(number[1].split(".")) for line in lines
              if line.kind == "heading" and (number := _SECTION_NUMBER.match(line.text))}
    counts = Counter(depths.values())
    if counts.get(1, 0) < 2 or not counts.get(2):
        return lines
    return [replace(line, level=depths[id(line)]) if id(line) in depths else line
            for line in lines]


# A PDF's text has no blank lines: a paragraph ends where a line closes a sentence well short
# of the page's full line width, and the next line starts a new sentence.
_SENTENCE_CLOSED = re.compile(r"[.!?][\"'\u201d)\]]*$")
PARAGRAPH_END_SHARE = 0.8   # a closing line shorter than this share of the full width ends it
MIN_FULL_LINES = 3          # a page's full width is the third longest line's (one odd long
                            # line is no measure; a page of fewer lines has none)


_CARRIED_ON = set("(abcdefghijklmnopqrstuvwxyz")  # how a line carrying on the one above starts


def _cells_carried_on(lines: list[Line]) -> list[Line]:
    """A PDF's lines with each title-shaped line that the next line carries on ("Full
    fine-tuning" / "(reported model)", "Frozen encoder, linear head" / "(lr 1e-3)": a table's
    cell wrapped over two lines) read as prose: a title is followed by a sentence."""
    for line, after in zip(lines, lines[1:], strict=False):
        if line.kind == "heading" and not line.text.endswith(":") \
                and after.kind == "prose" and after.text.lstrip()[:1] in _CARRIED_ON:
            line.kind, line.level = "prose", 0
    return lines


def pdf_paragraph_ends(lines: list[Line]) -> list[Line]:
    """A PDF's lines with a blank line after each one that ends a paragraph (see
    :data:`PARAGRAPH_END_SHARE`); each page's full width is its own."""
    pages: dict[str, list[Line]] = {}
    for line in lines:  # places read "r.pdf page 2 line 7"
        pages.setdefault(line.where.rpartition(" line ")[0], []).append(line)
    cut: list[Line] = []
    for page in pages.values():
        widths = sorted(len(line.text.rstrip()) for line in page if line.kind == "prose")
        full = widths[-MIN_FULL_LINES] if len(widths) >= MIN_FULL_LINES else 0
        for line, after in zip(page, [*page[1:], None], strict=True):
            cut.append(line)
            text = line.text.rstrip()
            if (full and line.kind == "prose" and after is not None and after.kind == "prose"
                    and _SENTENCE_CLOSED.search(text) and len(text) < PARAGRAPH_END_SHARE * full
                    and after.text.lstrip()[:1].isupper()):
                cut.append(Line("", line.where, "blank"))
    return cut


def _joined(value) -> str:
    """A notebook's text field: a string, or a list of lines to join (nbformat allows both)."""
    return "".join(value) if isinstance(value, list) else str(value or "")


def _source(cell) -> str:
    return _joined(cell.get("source", ""))


def _html_output_text(html) -> str:
    """A DataFrame saved only as HTML, as pandas prints it: a row a line, its cells two
    spaces apart (the index first), so its samples are read as from the printed frame."""
    rows = html_table_rows(_joined(html)[:1_000_000])
    return "\n".join("  ".join(cells) for cells in rows)


# A comment line in a code cell ("# hard part: the first run crashed ..."); not a shell's
# "#!" line, a cell marker ("# %%") or a rule of hashes
_COMMENT = re.compile(r"^\s*#(?![!%#])\s?(?P<text>.*)$")
COMMENT_PROSE_WORDS = 8  # comment lines holding this many words together are written prose
# A line printing a sentence the student typed: print("Challenges: my first run used JAX")
_PRINTED = re.compile(r"^\s*print\(\s*(?P<literal>[rRuU]?(?P<quote>[\"']).*(?P=quote))\s*\)\s*$")
PRINTED_PROSE_WORDS = 16  # a cell printing this many words typed as text prints prose


def _printed(raw: str) -> str | None:
    """The plain string a line prints (no f-string: its values are the program's)."""
    if match := _PRINTED.match(raw):
        try:
            value = ast.literal_eval(match["literal"])
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None  # not one plain string ("'a' + x"): the program's
        return value.strip() if isinstance(value, str) and value.strip() else None
    return None


def _written_text(raw: str, prints: bool) -> str | None:
    """The words of a comment line, or (``prints``) of a line printing a plain string, else
    ``None``."""
    if match := _COMMENT.match(raw):
        return match["text"].strip() or None
    return _printed(raw) if prints else None


def _code_lines(source: str, where: str) -> list[Line]:
    """A code cell's lines as ``code``, except its comments written as prose: a run of
    comment lines of :data:`COMMENT_PROSE_WORDS` words or more is a paragraph of the
    student's ("# challenge: my first try was --l2 1e-2 ..."), as a Markdown cell would be.
    Lines that print sentences the student typed (``print("Challenges: my first run ...")``)
    are their prose too: an answer written in a code cell."""
    lines: list[Line] = []
    raws = source.splitlines()
    # a few printed results ("misclassified: 64 of 10000") are output; sentences are prose
    prints = len(WORD.findall(" ".join(filter(None, map(_printed, raws))))) \
        >= PRINTED_PROSE_WORDS
    run: list[tuple[int, str]] = []  # (index, words) of the comment lines in a row
    for n, raw in enumerate([*raws, None]):
        if raw is not None and (text := _written_text(raw, prints)):
            run.append((n, text))
            continue
        if run:
            prose = len(WORD.findall(" ".join(text for _, text in run))) >= COMMENT_PROSE_WORDS
            if prose:
                lines.append(Line("", f"{where} line {run[0][0] + 1}", "blank"))
            lines += [Line(text if prose else raws[i], f"{where} line {i + 1}",
                           "prose" if prose else "code") for i, text in run]
            if prose:
                lines.append(Line("", f"{where} line {run[-1][0] + 1}", "blank"))
            run = []
        if raw is not None:
            lines.append(Line(raw, f"{where} line {n + 1}", "code"))
    return lines


def notebook_document(path: str, notebook) -> Document:
    """Markdown cells as Markdown; code as ``code``; saved text outputs as ``output``."""
    doc = Document(path, "notebook")
    last_heading = ""
    for index, cell in enumerate(notebook.get("cells", []), 1):
        if not isinstance(cell, dict):
            continue  # a hand-edited notebook; the notebook check reports its cells
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            lines, images = parse_markdown(source, lambda n, i=index: f"{path} cell {i} line {n}")
            doc.lines += lines + [Line("", f"{path} cell {index}", "blank")]
            doc.images += images
            last_heading = next((line.text for line in reversed(lines)
                                 if line.kind == "heading"), last_heading)
            continue
        if cell.get("cell_type") != "code":
            continue
        doc.lines += _code_lines(source, f"{path} cell {index}")
        for output in cell.get("outputs") or []:
            if not isinstance(output, dict):
                continue
            data = output.get("data") or {}
            data = data if isinstance(data, dict) else {}
            text = output.get("text") if output.get("output_type") == "stream" \
                else data.get("text/plain")
            text = _html_output_text(data["text/html"]) \
                if text is None and data.get("text/html") else _joined(text)
            for n, out_line in enumerate(text.splitlines()[:200], 1):
                doc.lines.append(Line(out_line, f"{path} cell {index} output line {n}",
                                      "output"))
            if any(kind.startswith("image/") for kind in data):
                doc.images.append(ImageRef(f"{last_heading} {source}",
                                           f"{path} cell {index} (image output)"))
        doc.lines.append(Line("", f"{path} cell {index}", "blank"))
    return doc
