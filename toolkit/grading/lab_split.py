"""One submission, several labs: split it into one part per lab, graded apart.

A student may hand in one document for several labs and several run folders.
:func:`split_by_lab` cuts the documents at lab markers and sends each run record (its
``lab``), notebook and ``errors.csv`` to the lab its path names. Each part is then graded on
its own, so a lab's exemptions (``waive_if``) come from that lab's runs only: a lab 1 run never
waives lab 3's learning curves.

A lab marker starts a heading or a line: "L02: ...", "## Lab 3", "Lab-06: BERT", "2. Lab 4
results", or an alias: a lab's ``aliases = ["L02"]`` in ``course/syllabus.toml``, or the
instructor's ``--lab-map L02=lab01_vgg16_inference,...`` for another course's numbering. A
plain line counts as a marker when a colon or dash follows it, or when it is short (a title).
The top-level markers are those of the most frequent marker form (the word, separator and
digits, and the heading level); a marker of another form counts as top-level only when it
continues their numbering at the same or a higher level ("Lab-06:" after "L05:"), so
another course's "Lab 01:", "Lab 02:" inside the "L03:" part stay inside it.

Lines before the first lab marker (the student's name, a course title, a greeting) go to every
part as context (:func:`preamble`: they answer no criterion), and files that name no lab go
to every part. A submission naming one lab or none is not split.

Example:
    >>> [(lab, len(part.documents)) for lab, part in split_by_lab(submission)]
    [('lab02_mlp_dropout', 1), ('lab03_cnn_mnist', 1)]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import PurePosixPath

from toolkit.errors import CourseError
from toolkit.grading.meaning import run_in_label
from toolkit.grading.report_text import TIME_STAMP, Document, Line
from toolkit.grading.submissions import Submission

# "Lab 3", "Lab-06", "lab_02", "L02" (a bare L needs two digits: "L2 regularization" is none);
# a plain-text title may be set off by rules of "=" or "~" ("=== Lab 2 (MLP) ===", also after
# a long name in brackets).
# "Lab six", "Lab Two": the number in words (a word only after "Lab" and a space).
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve")
_MARKER = re.compile(r"^[\s#>*_=~]{0,8}(?:\d+[.)]?\s+)?(?P<word>lab|l)(?P<sep>[\s_\-]*)"
                     r"(?P<num>\d{1,2}(?!\d)|(?<=lab )(?:" + "|".join(NUMBER_WORDS) + r")\b)",
                     re.I)
_LAB_IN_PATH = re.compile(r"(?<![A-Za-z0-9])lab[\s_\-]*0?(?P<n>[1-9]\d?)(?!\d)", re.I)
# What follows a marker that opens a line of prose: a colon, dash or full stop, perhaps after
# the lab's name in brackets ("Lab 2 (MLP with dropout). I understood ...").
_NAME_IN_BRACKETS = r"^(?:\s{0,3}\([^()\n]{1,60}\))?[*_]{0,2}\s{0,3}"
# A marker in bold closes its run-in label, as a label's colon would ("**Lab 3 (CNN)** this
# one I liked"); so does an equals sign ("LAB 5 = GloVe word vectors + an LSTM").
_AFTER_MARKER = re.compile(_NAME_IN_BRACKETS + r"(?:[:.)\-\u2013\u2014]|=\s|[=~]{2,}\s*$|$)"
                           r"|^(?:\s{0,3}\([^()\n]{1,60}\))?(?:\*\*|__)\s+\S")
# A paragraph of a letter or an essay that opens by naming its lab: "About lab 2 (MLP). ...",
# "Regarding Lab 5: ...", "As for lab 3 - ..." (the marker then needs the colon, dash or stop).
_LEAD_IN = re.compile(r"^\s*(?:about|regarding|concerning|re|on|for|as for|now|and now|then|next|"
                      r"moving on to|coming to)\s+(?=lab\b|lab[\s_\-]*\d)", re.I)
# A journal entry's date before its lab ("Mon 3 Nov - Lab 1 (VGG16), first session",
# "2025-11-03: Lab 4", "Tuesday, Nov 4 -- lab 2"): a weekday, a date, or both, then a dash,
# colon or comma.
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE_STAMP = re.compile(
    rf"^\s*[\[(]?(?:{_WEEKDAY}(?:,?\s+(?:{_DAY}\s+{_MONTH}|{_MONTH}\s+{_DAY}))?|"
    rf"{_DAY}\s+{_MONTH}|{_MONTH}\s+{_DAY}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}"
    rf"(?:[./]\d{{2,4}})?)(?:,?\s+\d{{4}})?[\])]?\s*(?:[-\u2013\u2014:,|]+\s*|(?<=[\])])\s+)", re.I)


def _unstamped(text: str) -> str:
    """The line without a transcript's time stamp or a journal's date before it."""
    return _DATE_STAMP.sub("", TIME_STAMP.sub("", text), count=1)
# A sentence that only names a lab, at the end of a short line of talk ("Okay. So. Lab four.")
_SPOKEN_MARKER = re.compile(r"(?:^|(?<=[.!?,])\s+)(?P<marker>(?:lab)[\s_\-]*(?:\d{1,2}|"
                            + "|".join(NUMBER_WORDS) + r")\b)\s*[.:!]?\s*$", re.I)
# In a transcript, the talk turns to a lab where a time-stamped line opens with it, perhaps
# after a word of talk or a first short sentence: "[02:47] Okay. Lab six. BERT. Well, ...",
# "[00:09] So lab five, the GloVe one, ..." ("In lab six I ..." names it inside a sentence)
_FILLER = r"(?:(?:so|okay|ok|um+|uh+|and|now|right|alright|then|well)[,.]?\s+){0,3}"
_TALK_TURN = re.compile(r"^(?:[^.!?\n]{0,40}[.!?]\s+)?" + _FILLER + r"(?P<marker>lab[\s_\-]*(?:"
                        r"\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\b)\s*[.,:!\-\u2013\u2014]",
                        re.I)
# Where a sentence turns to the student's next step ("Next I want to run the BiLSTM and then
# see how far a transformer goes in lab 6", "- next: BiLSTM, attention encoder, lab 6"): a lab
# named after it is where the student goes next, not the lab the words are about.
NEXT_STEP = re.compile(r"\b(?:(?:i|we)\s+(?:want|would like|'d like|plan|hope|intend|am going|"
                       r"are going)\s+to\b|next(?:\s+time|\s+steps?)?\s*:\s*(?!labs?\b))", re.I)
MAX_TITLE_WORDS = 8  # a plain line without a colon or dash after the marker: a title
MIN_OPENING_WORDS = 120  # an opening this long before the first lab marker is a lab's part
LabMap = dict[str, str]


@lru_cache(maxsize=1)
def _syllabus() -> tuple[dict, ...]:
    from toolkit.resources import load_syllabus

    return tuple(load_syllabus())


def lab_ids() -> tuple[str, ...]:
    return tuple(str(lab["id"]) for lab in _syllabus())


@lru_cache(maxsize=1)
def _lab_titles() -> dict[str, str]:
    """A lab's syllabus title in lower case ("glove embeddings and an lstm") -> its id."""
    return {" ".join(str(lab.get("title", "")).lower().split()): str(lab["id"])
            for lab in _syllabus() if lab.get("title")}


_TITLE_WORD = re.compile(r"[a-z][a-z0-9-]{3,}")  # a word of a title, four letters or more
_FUNCTION_WORDS = frozenset({"with", "from", "into", "onto", "over", "using", "about", "their",
                             "your", "what", "when", "which", "that", "this", "these", "those"})


@lru_cache(maxsize=1)
def _title_words() -> dict[str, str]:
    """A word of four letters or more that one lab's syllabus title holds and no other's
    ("dropout", "regularization", "embeddings") -> that lab's id."""
    labs: dict[str, set[str]] = {}
    for title, lab in _lab_titles().items():
        for word in set(_TITLE_WORD.findall(title)) - _FUNCTION_WORDS:
            labs.setdefault(word, set()).add(lab)
    return {word: next(iter(found)) for word, found in labs.items() if len(found) == 1}


def titled_in(text: str) -> list[str]:
    """The labs whose titles' own words the text uses ("The dropout one": lab 2), in
    syllabus order: a heading naming its lab by its subject rather than its model."""
    words = _title_words()
    found = {words[word] for word in _TITLE_WORD.findall(text.lower()) if word in words}
    return [lab for lab in lab_ids() if lab in found]


# What may stand before a lab's title in a heading: "Reflection: ", "Report - "
_BEFORE_TITLE = re.compile(r"^[\w ]{1,30}\s*[:\-\u2013\u2014]\s*$")


def titled_lab(text: str) -> str | None:
    """The lab a heading names by its whole syllabus title, alone or after a word and a colon
    ("Reflection: GloVe embeddings and an LSTM", as the course's draft heads it)."""
    heading = " ".join(text[:200].lower().strip(" #*_=.").split())
    for title, lab in _lab_titles().items():
        if heading == title or heading.endswith(title) and _BEFORE_TITLE.match(
                heading[:-len(title)]):
            return lab
    return None


def lab_id(number: int) -> str:
    """The syllabus id of lab ``number`` (``3`` -> ``lab03_cnn_mnist``)."""
    ids = lab_ids()
    return ids[number - 1] if 1 <= number <= len(ids) else f"lab{number:02d}"


def _number(digits_or_word: str) -> int:
    """``"06"`` -> 6, ``"Six"`` -> 6."""
    if digits_or_word.isdigit():
        return int(digits_or_word)
    return NUMBER_WORDS.index(digits_or_word.lower()) + 1


def marker_key(text: str) -> str:
    """A marker as a key: "L02", "l-2" -> ``l2``; "Lab 06" -> ``lab6``; else its letters and
    digits ("Week 3" -> ``week3``)."""
    match = _MARKER.match(text)
    if match and (match["word"].lower() == "lab" or len(match["num"]) == 2):
        return f"{match['word'].lower()}{_number(match['num'])}"
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def parse_lab_map(text: str) -> LabMap:
    """``"L02=lab01_vgg16_inference,L03=lab02_mlp_dropout"`` -> ``{"l2": "lab01...", ...}``."""
    mapping: LabMap = {}
    ids = lab_ids()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        marker, _, lab = item.partition("=")
        if not marker.strip() or lab.strip() not in ids:
            raise CourseError(f"--lab-map {item!r}: expected MARKER=LAB_ID with a lab of the "
                              f"syllabus", fix=f"e.g. --lab-map L02={ids[0]},L03={ids[1]}; "
                                               f"labs: {', '.join(ids)}")
        mapping[marker_key(marker.strip())] = lab.strip()
    return mapping


def _aliases(lab_map: LabMap | None) -> LabMap:
    """Marker key -> lab: the syllabus' ``aliases``, then the instructor's map."""
    found = {marker_key(str(alias)): str(lab["id"]) for lab in _syllabus()
             for alias in lab.get("aliases", [])}
    return {**found, **(lab_map or {})}


@lru_cache(maxsize=32)
def _alias_pattern(keys: tuple[str, ...]) -> re.Pattern | None:
    """A pattern for aliases the generic marker does not match ("Week 3", "A2")."""
    others = [key for key in keys if not _MARKER.match(key)]
    if not others:
        return None
    parts = ["[\\s_\\-]*".join(re.escape(c) for c in key) for key in others]
    return re.compile(r"^[\s#>*_]{0,8}(?P<alias>" + "|".join(parts) + r")(?![a-z0-9])", re.I)


@dataclass(frozen=True)
class Marker:
    index: int   # the line's index in its document
    lab: str
    form: tuple  # (heading level or 0 for a plain line, word, separator, digits)
    number: int  # the lab's place in the syllabus (its order)
    answer: str = ""  # the line after the marker, when an answer's label opens it


def _marker(line: Line, aliases: LabMap) -> tuple[str, tuple, str] | None:
    """``(lab, form, rest of the line)`` when the line starts with a lab marker."""
    if line.kind not in ("heading", "prose"):
        return None
    text = _unstamped(line.text[:200])
    level = line.level if line.kind == "heading" else 0
    if line.kind == "prose" and TIME_STAMP.match(line.text) and not _MARKER.match(text) \
            and (turn := _TALK_TURN.match(text)) and not NEXT_STEP.search(text[:turn.start()]):
        marker = _MARKER.match(text[turn.start("marker"):])
        if marker:  # the rest of the line is what was said about the lab
            number = _number(marker["num"])
            return aliases.get(f"lab{number}", lab_id(number)), \
                (0, "lab", marker["sep"].strip() or marker["sep"][:1],
                 len(marker["num"]) if marker["num"].isdigit() else "word"), ""
    spoken = _SPOKEN_MARKER.search(text) if line.kind == "prose" \
        and len(text.split()) <= MAX_TITLE_WORDS else None
    if spoken and NEXT_STEP.search(text[:spoken.start("marker")]):
        spoken = None  # "- next: BiLSTM, attention encoder, lab 6": a plan, not a new part
    if spoken and not _MARKER.match(text):
        text = text[spoken.start("marker"):]  # the words before it are talk, not the lab's
    lead_in = _LEAD_IN.match(text) if line.kind == "prose" else None
    if lead_in and (marker := _MARKER.match(text[lead_in.end():])) \
            and _AFTER_MARKER.match(text[lead_in.end() + marker.end():]):
        text = text[lead_in.end():]  # "About lab 2 (MLP). I understood ...": the lab's part
    alias = _alias_pattern(tuple(sorted(aliases)))
    match = alias.match(text) if alias else None
    if match:
        key = marker_key(match["alias"])
        return aliases[key], (level, "alias", key), text[match.end():]
    match = _MARKER.match(text)
    if not match:
        if line.kind == "heading" and (lab := titled_lab(text)):
            return lab, (level, "title", ":", "title"), ""
        return None
    word, number = match["word"].lower(), match["num"]
    if word == "l" and (len(number) != 2 or match["sep"]) \
            and lab_id(_number(number)) not in names_in(text[match.end():match.end() + 80]):
        return None  # "L2 regularisation" is a norm; "L1 / VGG16" names its lab after it
    key = f"{word}{_number(number)}"
    lab = aliases.get(key) or lab_id(_number(number))
    # the form counts digits ("Lab 6", "Lab 06"); a number in words is a form of its own
    form = (level, word, match["sep"].strip() or match["sep"][:1],
            len(number) if number.isdigit() else "word")
    return lab, form, text[match.end():]


# A report naming no lab is read as the lab whose names (``names`` in the syllabus: VGG16,
# GloVe, BERT ...) it mentions this many times at least, and more than twice as often as any
# other lab near it in meaning.
MIN_NAME_MENTIONS = 2


@lru_cache(maxsize=8)
def _name_pattern(lab: str) -> re.Pattern | None:
    entry = next((e for e in _syllabus() if e["id"] == lab), {})
    names = [str(name) for name in entry.get("names", [])]
    if not names:
        return None
    # A plural names the lab too ("convolutional networks", "LSTMs", "transformers").
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")s?(?![\w-])",
                      re.I)


def _name_matches(text: str) -> list[tuple[str, re.Match]]:
    """``(lab, match)`` for each lab name the text uses; a name inside a longer name of
    another lab is that lab's ("the pretrained CNN lab" is lab 1's, not the CNN lab's)."""
    found = sorted(((lab, match) for lab in lab_ids() if (pattern := _name_pattern(lab))
                    for match in pattern.finditer(text)), key=lambda item: item[1].start())
    kept = []
    for index, (lab, match) in enumerate(found):
        # sorted by where they start, a longer name holding this one is among the few
        # matches just before or beside it (each lab's own matches never overlap)
        near = found[max(0, index - len(lab_ids())):index + len(lab_ids()) + 1]
        if not any(other != lab and outer.start() <= match.start() and match.end() <= outer.end()
                   and outer.end() - outer.start() > match.end() - match.start()
                   for other, outer in near):
            kept.append((lab, match))
    return kept


def named_lab(texts: list[str], labs: list[str]) -> tuple[str, int, int] | None:
    """``(lab, its mentions, the next lab's)``: the one of ``labs`` whose model, data and
    method names the texts mention clearly most often, else ``None``."""
    text = "\n".join(texts)[:200_000]
    mentions = Counter(lab for lab, _ in _name_matches(text))
    counts = sorted(((mentions[lab], lab) for lab in labs), reverse=True)
    if not counts:
        return None
    top, lab = counts[0]
    second = counts[1][0] if len(counts) > 1 else 0
    return (lab, top, second) if top >= MIN_NAME_MENTIONS and top > 2 * second else None


def names_in(text: str) -> list[str]:
    """The labs whose model, data or method names the text uses, in syllabus order."""
    named = [lab for lab in lab_ids() if (pattern := _name_pattern(lab)) and pattern.search(text)]
    if len(named) < 2:  # most texts: no name to hold another's
        return named
    found = {lab for lab, _ in _name_matches(text)}
    return [lab for lab in named if lab in found]


# After a lab's name, the word that makes it the lab's name: "The BERT fine-tuning lab",
# "the GloVe week" (not "the LSTM could not").
_AS_A_LAB = re.compile(r"(?:[ \t]+[\w-]+){0,2}?[ \t]+(?:lab|week|exercise|assignment|session|"
                       r"unit)\b", re.I)


def labs_named_as_labs(text: str) -> set[str]:
    """The labs the text names as a lab, by their model, data or method followed by "lab",
    "week" or the like: "The BERT fine-tuning lab felt like the course coming together,
    because the transformer did what the LSTM could not" names lab 6 so, not lab 5."""
    return {lab for lab, match in _name_matches(text) if _AS_A_LAB.match(text, match.end())}


# "Lab 3 (CNN) and Lab 4", "labs 2 and 5", "Labs 2, 3 & 6": lab numbers a title lists.
_TITLE_LABS = re.compile(r"\blabs?\s*[-_]?\s*0?(?P<first>\d{1,2})(?P<more>(?:\s*(?:,|&|and)\s*"
                         r"(?:labs?\s*[-_]?\s*)?0?\d{1,2}\b)*)", re.I)


def listed_labs(text: str) -> set[str]:
    """The labs a title lists anywhere in it: "Lab journal - Lab 3 (CNN) and Lab 4 (bag of
    words)" -> lab 3 and lab 4; "BERT fine-tuning (lab 6)" -> lab 6."""
    ids = lab_ids()
    numbers = [int(n) for match in _TITLE_LABS.finditer(text[:200])
               for n in [match["first"], *re.findall(r"\d{1,2}", match["more"])]]
    numbers += [ORDINALS.index(match["ordinal"].lower()) + 1
                for match in _ORDINAL_LAB.finditer(text[:200])]
    return {lab_id(n) for n in numbers if 1 <= n <= len(ids)}


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth")
# "the second lab", "the sixth lab's data": a lab by its place in the course
_ORDINAL_LAB = re.compile(r"\bthe\s+(?P<ordinal>" + "|".join(ORDINALS) + r")\s+lab\b", re.I)


def first_line(document: Document) -> Line | None:
    """The document's first line that is not blank (its title, when it has one)."""
    return next((line for line in document.lines if line.kind != "blank"), None)


def titled_document(document: Document) -> bool:
    """Does the document open with a title (a heading), not a paragraph ("Compared with lab
    2, my convolutional network ..." names lab 2 without being about it)?"""
    first = first_line(document)
    return first is not None and first.kind == "heading"


def title_labs(document: Document) -> set[str]:
    """The labs a document's first line (its title) lists (see :func:`listed_labs`)."""
    first = first_line(document)
    return listed_labs(first.text if first is not None else "")


def heading_lab(text: str, lab_map: LabMap | None = None) -> str | None:
    """The lab a heading starts with, if any."""
    found = _marker(Line(text, "", "heading", 1), _aliases(lab_map))
    return found[0] if found else None


def path_lab(path: str) -> str | None:
    """The lab a file path names (``lab03/report.md``, ``runs/lab03_cnn_mnist/...``); a name
    listing two labs (``reflection_lab3_lab6.txt``) names none: its text says which is which."""
    for part in reversed(PurePosixPath(path).parts):
        named = {lab_id(int(match["n"])) for match in _LAB_IN_PATH.finditer(part)}
        if named:
            return named.pop() if len(named) == 1 else None
    return None


def record_lab(record: dict) -> str | None:
    lab = record.get("lab")
    if isinstance(lab, str) and lab.strip():
        known = [i for i in lab_ids() if i == lab.strip()]
        return known[0] if known else path_lab(lab)
    return None


def _title_sentence(text: str) -> bool:
    """Does a document's first line open with a short sentence, a title run into the text
    ("Lab 1 VGG16 inference - Tom Berg. I ran ...")?"""
    sentence = re.split(r"(?<=[.!?])\s", text[:300], maxsplit=1)
    return len(sentence) == 2 and len(sentence[0].split()) <= MAX_TITLE_WORDS


# A line that ends on a word no sentence ends with ("... word embeddings in") goes on in the
# next line: a lab named there ("lab 5.") is inside the sentence, as a PDF or a wrapped
# plain text breaks it, never a marker.
_GOES_ON = re.compile(r"(?:,|\b(?:in|on|of|to|the|a|an|and|or|but|with|for|from|at|by|about|"
                      r"like|than|as|into|before|after|until|during|between|my|our|its|their)"
                      r")\s*$", re.I)


def _markers(document: Document, aliases: LabMap) -> list[Marker]:
    """Every line that starts with a lab marker (a plain line: one that reads as a title)."""
    order = {lab: i for i, lab in enumerate(lab_ids())}
    found, labelled = [], []
    first = next((i for i, line in enumerate(document.lines) if line.kind != "blank"), -1)
    for index, line in enumerate(document.lines):
        marker = _marker(line, aliases)
        if marker is None:
            continue
        lab, form, rest = marker
        if line.kind == "prose" and index and document.lines[index - 1].kind == "prose" \
                and _GOES_ON.search(document.lines[index - 1].text[-60:]):
            continue
        found_here = Marker(index, lab, form, order.get(lab, len(order)))
        if line.kind == "prose" and _answer_label(rest):  # the line without its marker
            labelled.append(replace(found_here, answer=line.text[
                len(line.text[:200]) - len(rest):].lstrip(" ,\u2013\u2014-")))
        if line.kind == "prose" and not (_AFTER_MARKER.match(rest) or
                                         len(_unstamped(line.text).split()) <= MAX_TITLE_WORDS or
                                         (index == first and _title_sentence(line.text))):
            continue  # "Lab 3 was harder than lab 2 because ...": a sentence, not a marker
        found.append(found_here)
    # "Lab 6 learned: ...", "Lab 6 hard part: ...": a lab's answers, one per message of a
    # chat or post of a thread, each after the lab's marker (however short: "Lab 4
    # challenges: it was fine."); said once ("Lab 2 MLP: 98.4%" in a report on lab 3), it is
    # a line of the text
    twice = Counter(marker.lab for marker in labelled)
    answers = {marker.index: marker for marker in labelled if twice[marker.lab] > 1}
    found = [answers.pop(marker.index, marker) for marker in found] + list(answers.values())
    return sorted(found, key=lambda marker: marker.index)


def _answer_label(rest: str) -> bool:
    """Does the rest of a marker's line open with an answer's label ("learned: ...", ", what
    I learned: ...") that names no lab?"""
    label = run_in_label(rest.lstrip(" ,\u2013\u2014-"), any_case=True)
    return label is not None and not _LAB_IN_PATH.search(label)


def top_level_markers(markers: list[Marker]) -> list[Marker]:
    """The markers of the most frequent form, and those of other forms that continue their
    numbering at the same or a higher level (see the module docstring)."""
    if not markers:
        return []
    counts = Counter(marker.form for marker in markers)
    top_form = max(counts, key=lambda form: (counts[form], -next(
        m.index for m in markers if m.form == form)))
    level = top_form[0] or 99  # a plain line is the highest level a document has
    chosen: list[Marker] = []
    for marker in markers:
        marker_level = marker.form[0] or 99
        if marker.form == top_form:
            chosen.append(marker)
        elif (marker_level <= level or marker.form[0] == 0) and (
                not chosen or marker.number > chosen[-1].number):
            chosen.append(marker)
    return chosen


def _opening_lab(document: Document, tops: list[Marker]) -> str | None:
    """The lab a long opening without sections, before the first marker, is about: the one
    lab the title lists that has no marker of its own ("Lab 6 BERT + a bit of Lab 4", then
    five minutes of lab 6 and "Lab four." before the rest), else the lab it names clearly
    most often."""
    opening = document.lines[:tops[0].index]
    words = sum(len(line.text.split()) for line in opening if line.kind == "prose")
    if words < MIN_OPENING_WORDS:
        return None  # a greeting, a name, a course title: context for every part
    if sum(line.kind == "heading" for line in opening) > 1:
        return None  # sections (a journal's days): each goes to its lab by meaning (assess_labs)
    marked = {marker.lab for marker in tops}
    unmarked = title_labs(document) - marked
    if len(unmarked) == 1:
        return unmarked.pop()
    named = named_lab([line.text for line in opening if line.kind == "prose"],
                      [lab for lab in lab_ids() if lab not in marked])
    return named[0] if named else None


# The lab's title sentence at the start of a paragraph: "About lab 2 (MLP with dropout). "
_TITLE_END = re.compile(_NAME_IN_BRACKETS + r"\.\s+(?=\S)")
MIN_WORDS_AFTER_TITLE = 5


def _titles_apart(document: Document, aliases: LabMap) -> Document:
    """The document with each paragraph that opens with its lab's title sentence ("About lab
    2 (MLP with dropout). I understood ...") cut after it: the title marks the lab's part,
    the rest is the answer (read without the title, as under a heading)."""
    lines: list[Line] = []
    for line in document.lines:
        marker = _marker(line, aliases) if line.kind == "prose" else None
        end = _TITLE_END.match(marker[2]) if marker else None
        # the marker's rest is the end of the line's first 200 characters (see _marker)
        cut = len(line.text[:200]) - len(marker[2]) + end.end() if end else 0
        if not end or len(line.text[cut:].split()) < MIN_WORDS_AFTER_TITLE:
            lines.append(line)
            continue
        lines += [replace(line, text=line.text[:cut].rstrip()), Line("", line.where, "blank"),
                  replace(line, text=line.text[cut:])]
    return document if len(lines) == len(document.lines) else replace(document, lines=lines)


_LABELLED_LINE = re.compile(r"^\W{0,4}[A-Za-z][^:.!?\n]{0,40}:\s")


def _title_lines_apart(document: Document, tops: list[Marker]) -> Document:
    """The document with each lab's title line that runs into its first paragraph ("Thu 6 Nov
    - Lab 4 (bag of words), started" over the entry's text, no blank line between) read as
    a heading: the title says whose part it is; the answer is the text below it. Lines that
    open with their own labels ("Takeaway: ...") are answers apart already."""
    lines = list(document.lines)
    for marker in tops:
        line = lines[marker.index]
        after = lines[marker.index + 1] if marker.index + 1 < len(lines) else None
        if line.kind == "prose" and after is not None and after.kind == "prose" and \
                len(_unstamped(line.text).split()) <= MAX_TITLE_WORDS and \
                not _LABELLED_LINE.match(after.text):
            lines[marker.index] = replace(line, kind="heading", level=7)
    return document if lines == document.lines else replace(document, lines=lines)


def _split_document(document: Document, aliases: LabMap) -> dict[str | None, Document]:
    """``{lab: the document's part}``; ``None`` holds the lines before the first lab."""
    document = _titles_apart(document, aliases)
    tops = top_level_markers(_markers(document, aliases))
    document = _title_lines_apart(document, tops)
    document = _answers_apart(document, tops)
    levels = [m.form[0] for m in tops if m.form[0]]
    level = min(levels) if levels and len(levels) == len(tops) else 0
    starts = {marker.index: marker.lab for marker in tops}
    if tops and tops[0].index > 0 and (lab := _opening_lab(document, tops)):
        starts[0] = lab
    return _share_joint_sections(document, cut_document(
        document, starts, level, entries=_entry_level(document, tops)), tops)


def _answers_apart(document: Document, tops: list[Marker]) -> Document:
    """The document with each answer that followed its lab's marker without it ("Lab 6
    learned: ..." reads "learned: ...", labelled as an answer)."""
    if not any(marker.answer for marker in tops):
        return document
    lines = list(document.lines)
    for marker in tops:
        if marker.answer:
            lines[marker.index] = replace(lines[marker.index], text=marker.answer)
    return replace(document, lines=lines)


def _labelled_answers_apart(submission: Submission, aliases: LabMap) -> Submission:
    """A one-lab submission whose answers each follow the lab's marker ("1/5 lab 3 learned:
    ...", "2/5 lab 3 hard part: ..."): the answers without the markers."""
    documents = [_answers_apart(document, top_level_markers(_markers(document, aliases)))
                 for document in submission.documents]
    if all(new is old for new, old in zip(documents, submission.documents, strict=True)):
        return submission
    return replace(submission, documents=documents, warnings=list(submission.warnings))


def _entry_level(document: Document, tops: list[Marker]) -> int:
    """The level of a journal's entry headings ("### 2026-09-30 (Wed)" over "Lab 1 (VGG16).
    I ran ..."), when every lab marker opens an entry, two or more; else 0. An entry that
    opens with no marker ("No lab today. Group meeting ...") is about no lab."""
    if len(tops) < 2 or any(marker.form[0] for marker in tops):
        return 0
    levels = set()
    for marker in tops:
        above = next((line for line in reversed(document.lines[:marker.index])
                      if line.kind != "blank"), None)
        if above is None or above.kind != "heading":
            return 0
        levels.add(above.level)
    return levels.pop() if len(levels) == 1 else 0


def _joint_sections(document: Document, tops: list[Marker]) -> list[tuple[int, int, set[str]]]:
    """``[(first line, end, labs)]``: the sections under a heading that lists two labs or
    more ("## Labs 4 and 5", not the document's title), up to the next lab marker or the
    next heading as high: answers the student wrote once for those labs."""
    lines = document.lines
    first = next((i for i, line in enumerate(lines) if line.kind != "blank"), -1)
    marked = {marker.index for marker in tops}
    found = []
    for index, line in enumerate(lines):
        if line.kind != "heading" or index in (first, *marked):
            continue
        labs = listed_labs(line.text)
        if len(labs) < 2:
            continue
        end = next((later for later in range(index + 1, len(lines)) if later in marked or (
            lines[later].kind == "heading" and lines[later].level <= line.level)), len(lines))
        found.append((index, end, labs))
    return found


def _share_joint_sections(document: Document, parts: dict[str | None, Document],
                          tops: list[Marker]) -> dict[str | None, Document]:
    """The parts, each lab that has one also holding the sections written once for it and
    other labs (:func:`_joint_sections`), in the document's order: "## Labs 4 and 5 ...
    **What I learned:** ..." answers for both labs, as a reader grades it."""
    shared: dict[int, list[str]] = {}
    for start, end, labs in _joint_sections(document, tops):
        both = sorted(lab for lab in labs if lab in parts)
        if len(both) >= 2:
            shared.update({index: both for index in range(start, end)})
    if not shared:
        return parts
    owner = {id(line): lab for lab, part in parts.items() for line in part.lines}
    result = {lab: Document(document.path, document.format, [], list(part.images))
              for lab, part in parts.items()}
    for index, line in enumerate(document.lines):
        for lab in shared.get(index, [owner[id(line)]]):
            result[lab].lines.append(replace(line) if index in shared else line)
    return {lab: part for lab, part in result.items() if part.lines or part.images}


def cut_document(document: Document, starts: dict[int, str], level: int = 0,
                 entries: int = 0) -> dict[str | None, Document]:
    """``{lab: the document's part}``: each line of ``starts`` (its index -> lab) opens that
    lab's part; ``None`` holds the lines before the first. ``level``: the starts' heading
    level, when they are all headings (a higher heading after them ends the lab's part);
    ``entries``: the level of the headings the starts open entries under (a journal's days),
    where the next entry's heading ends the lab's part."""
    parts: dict[str | None, Document] = {}
    current: str | None = None
    for index, line in enumerate(document.lines):
        if index in starts:
            current = starts[index]
        elif level and line.kind == "heading" and current is not None and line.level < level:
            current = None  # a higher heading without a lab ends the lab's part
        elif entries and line.kind == "heading" and line.level <= entries:
            current = None  # the next entry, about its own lab or about none
        part = parts.setdefault(current, Document(document.path, document.format))
        part.lines.append(line)
    places = {id(line): lab for lab, part in parts.items() for line in part.lines}
    wheres = {line.where: places[id(line)] for line in document.lines}
    for image in document.images:
        lab = wheres.get(image.where)
        parts.setdefault(lab, Document(document.path, document.format)).images.append(image)
    return parts


def preamble(document: Document) -> Document:
    """The lines before a multi-lab document's first lab, as context for every part: its
    prose (a greeting, "I also stuck my lab 1 reflection at the bottom") is about no lab, so
    it is kind ``preamble``, read by no criterion; its headings stay (the title)."""
    lines = [replace(line, kind="preamble") if line.kind == "prose" else line
             for line in document.lines]
    return Document(document.path, document.format, lines, list(document.images))


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def split_by_lab(submission: Submission, lab_map: LabMap | None = None
                 ) -> list[tuple[str, Submission]]:
    """``[(lab id or "", part)]``: one part per lab the submission covers, in lab order.
    ``lab_map``: marker key -> lab (:func:`parse_lab_map`), for another course's numbering."""
    aliases = _aliases(lab_map)
    shared: list[Document] = []
    documents: dict[str, list[Document]] = {}
    for document in submission.documents:
        parts = _split_document(document, aliases)
        labs = [lab for lab in parts if lab is not None]
        if not labs:
            lab = path_lab(document.path)
            (documents.setdefault(lab, []) if lab else shared).append(document)
            continue
        for lab in labs:
            documents.setdefault(lab, []).append(parts[lab])
        if None in parts and any(line.kind != "blank" for line in parts[None].lines):
            shared.append(preamble(parts[None]))
    runs: dict[str | None, list] = {}
    for run in submission.runs:
        runs.setdefault(record_lab(run.record) or path_lab(run.path), []).append(run)
    notebooks: dict[str | None, list] = {}
    for notebook in submission.notebooks:
        notebooks.setdefault(path_lab(notebook.path), []).append(notebook)
    labs = sorted({*documents, *(lab for lab in runs if lab), *(lab for lab in notebooks if lab)})
    if len(labs) <= 1:
        return [(labs[0] if labs else "", _labelled_answers_apart(submission, aliases))]
    run_folders = {run.path: lab for lab, found in runs.items() for run in found}
    result = []
    for lab in labs:
        part_runs = runs.get(lab, []) + runs.get(None, [])
        annotations = {path: rows for path, rows in submission.annotation_files.items()
                       if run_folders.get(_folder(path), path_lab(path)) in (lab, None)}
        result.append((lab, replace(
            submission, documents=shared + documents.get(lab, []), runs=part_runs,
            notebooks=notebooks.get(lab, []) + notebooks.get(None, []),
            annotation_files=annotations, warnings=list(submission.warnings))))
    return result
