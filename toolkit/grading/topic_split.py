"""A document with one section per lab that names no lab: cut it at its headings by meaning.

:mod:`toolkit.grading.lab_split` cuts a submission at lab markers ("L02:", "## Lab 3"). Some
students head each lab's part by the week ("## Week 4") or by the lab's topic ("## Dropout
lab", "## The BERT one"): no marker, so the whole document was graded as the one lab it is
closest to, and two labs' answers earned one lab's points.

:func:`split_by_topic` reads such a submission by meaning. It looks at the document's
shallowest heading level used at least twice; each section under those headings (of
:data:`~toolkit.grading.meaning.TOPIC_MIN_WORDS` words or more) must be clearly about one
lab (:meth:`~toolkit.grading.meaning.Meaning.closest_lab`: ahead of every other lab by
:data:`~toolkit.grading.meaning.LAB_MARGIN`), and at least two sections about two different
labs. Where the SST-2 labs are too near in meaning for one to be clearly ahead, the lab names
the section's heading and text use decide among them (``names`` in the syllabus: "The BERT
one", TF-IDF). Then the document is cut at those headings; a short section (a heading with a
line) stays with the section before it, unless its heading names its lab: after a slide's,
part's or day's number ("Slide 7: Lab 2 - MLP", "Part 2: Lab six"), or as the one lab it
names ("BERT fine-tuning (lab 6)"). A reflection whose
headings are its answers ("Insights", "Challenges") is never cut: its sections are about the same lab, or too short and generic
for any lab to be clearly ahead.

A document organised by question instead of by lab ("## What I learned" holding "In lab 2
...", "For the CNN lab, ...", "Lab 5: ...", and the same under "## Challenges") is cut by its
paragraphs' openings: each lab's part is every question with that lab's paragraphs
(:func:`criterion_first`).

A reflection organised by theme ("## What was hard" holding "In lab 4 it was the
preprocessing ... In lab 5 it was the vocabulary"), its title listing the labs, is cut by its
sentences: each lab's part is every theme with the sentences naming that lab
(:func:`by_theme`).

A title that lists more labs than the document's "Lab N" markers found ("Lab journal - Lab 3
(CNN) and Lab 4" over one heading a day, one "Lab 4." inside) is cut the same way, each
section going to the listed lab its text is nearest (see ``assess_labs``).

Example:
    >>> cut = split_by_topic(submission, meaning)
    >>> [(lab, len(part.documents)) for lab, part in cut.parts], cut.how
    ([('lab04_bag_of_words', 1), ('lab06_bert_finetune', 1)], 'sections')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import NamedTuple

from toolkit.grading.lab_split import (
    NEXT_STEP,
    cut_document,
    first_line,
    heading_lab,
    lab_ids,
    labs_named_as_labs,
    listed_labs,
    named_lab,
    names_in,
    preamble,
    title_labs,
    titled_document,
    titled_in,
)
from toolkit.grading.meaning import TOPIC_MIN_WORDS, WORD, Meaning, paragraph_text
from toolkit.grading.report_text import SENTENCE_END, Document, Line
from toolkit.grading.submissions import Submission

# A heading numbered by slide, part or day before its lab ("Slide 7: Lab 2 - MLP", "Part 2:
# Lab six"): the lab marker after the number names the section's lab, however short it is.
_NUMBERING = re.compile(r"^\s*(?:slide|part|section|chapter|page|step|day|week|unit)\s*"
                        r"(?:\d{1,3}|[ivx]{1,5})\s*[:.)\-\u2013\u2014]\s*", re.I)
MAX_SECTIONS = 12  # more sections than this under one heading level are no labs of a course
# A paragraph's opening: its first sentence (at most this many characters), where a student
# says which lab it is about ("For the VGG16 lab, ...", "The most recent lab was lab 5, ...").
OPENING_CHARS = 200
# A chat export's message stamp: "[Tue 14:31] Priya S. (TA): ", "[09:12] Daniel Okafor: "
_CHAT_STAMP = re.compile(r"^\[[^\]\n]{1,30}\]\s*[^:\n]{1,40}:\s+")
# A paragraph that opens by making a lab its subject: "For the dropout lab I'll be a bit
# shorter", "As for the GloVe lab: ...", "For lab 3, ..." (a letter's paragraphs, however short),
# ... after a word that moves on ("Now about the convolution lab, which comes right after.")
_SUBJECT = re.compile(r"^\s*(?:(?:now|and|next|then|so|finally|lastly),?\s+)?(?:for|about|"
                      r"regarding|as for|moving on to|coming to|turning to|on to)\s+", re.I)
_NAMED_LAB = re.compile(r"the\s+(?P<name>[\w+\- ]{2,40}?)\s+lab\b", re.I)


def _subject_lab(text: str) -> str | None:
    """The one lab a paragraph's opening makes its subject ("For the CNN lab, ...", "For lab
    3, the convolutional network ..., than the MLP from lab 2"), named by its number, its
    model, data or method (``names`` in the syllabus) or a word of its id ("the dropout lab":
    ``lab02_mlp_dropout``). "For labs 3 and 4" is about both: no one lab."""
    subject = _SUBJECT.match(text)
    if subject is None:
        return None
    rest = text[subject.end():]
    if lab := _marked_opening(rest):
        return lab
    match = _NAMED_LAB.match(rest)
    if match is None:
        return None
    named = set(names_in(match["name"])) or {
        lab for lab in lab_ids() if set(match["name"].lower().split())
        & {word for word in lab.split("_")[1:] if len(word) > 2}}
    return next(iter(named)) if len(named) == 1 else None


# "Compared with lab 2, my CNN ...", "Where the bag-of-words lab taught me that order matters
# by showing me what happens without it, the GloVe lab ...": the lab after the clause is the
# subject
_CONTRAST = re.compile(r"^\W{0,3}(?:compared (?:with|to)|in contrast to|unlike|as opposed to|"
                       r"relative to|where|whereas|while|just as)\s+[^,;:]{1,120}[,;:]\s*", re.I)


# A postscript's mark, whose full stops end no sentence: "P.S.", "PS:", "P.P.S." (or nothing:
# the pattern always matches, at the mark's end or at the start)
_POSTSCRIPT = re.compile(r"^\W{0,3}(?:(?:P\.\s?){1,2}S\.?|P{1,2}S\b)\s*[:\-\u2013\u2014]?\s*|", re.I)
# The words a sentence may open with before its lab's number: "In lab 4 I ...", "For lab 3, ..."
_BEFORE_THE_LAB = re.compile(r"^\W{0,3}(?:(?:in|for|with|during|on|about)\s+)?", re.I)


# Labs listed or ranged at a sentence's start: "Lab 2 and lab 4 both ...", "Labs 3-4", "labs
# 1, 4 and 6" (whatever it names later: "For lab 3, the CNN beat the MLP from lab 2")
_LABS_LISTED = re.compile(r"labs?[\s_-]*0?\d{1,2}(?:\s*(?:,|&|and|-|\u2013|to)\s*"
                          r"(?:labs?[\s_-]*)?0?[1-9]\b(?!\s*%|\.\d))+", re.I)


def _marked_opening(sentence: str) -> str | None:
    """The lab whose number a sentence opens with ("Lab 6: ...", "In lab 4 I ...", "For lab
    3, ..."), unless it lists more than one there ("Lab 2 and lab 4 both ...", "Labs 3-4")."""
    rest = sentence[_BEFORE_THE_LAB.match(sentence).end():]
    lab = heading_lab(rest)
    return lab if lab is not None and not _LABS_LISTED.match(rest) else None


def _opening_lab(text: str, near: list[str]) -> str | None:
    """The one lab a paragraph's first sentence names (by number or by its model, data or
    method), when it is one of the labs the text is ``near`` in meaning: "Compared with lab 2,
    my CNN ..." opens a paragraph about the CNN, not the MLP. A chat message's first words
    greet ("[Tue 14:31] Priya (TA): great. lab 4 now, bag of words."): after a message's
    stamp, the first sentence naming a lab opens it."""
    text = text[_POSTSCRIPT.match(text).end():]  # "P.S. I forgot my lab 1 reflection: ..."
    stamp = _CHAT_STAMP.match(text)
    sentences = SENTENCE_END.split(text[stamp.end():stamp.end() + OPENING_CHARS]) if stamp \
        else SENTENCE_END.split(text[:OPENING_CHARS], maxsplit=1)[:1]
    for opening in sentences:
        opening = opening[:next_step.start()] if (next_step := NEXT_STEP.search(opening)) \
            else opening
        # "Compared with the bag-of-words lab, the LSTM ...": the lab compared with is none
        # of the paragraph's subject when the rest of the sentence names one
        contrast = _CONTRAST.match(opening)
        if contrast and (listed_labs(rest := opening[contrast.end():]) or names_in(rest)):
            opening = rest
        if named := listed_labs(opening) or set(names_in(opening)):
            break
    if len(named) > 1:  # "Lab 6: next I want ... than the baseline from lab 4": lab 6; "The
        # BERT fine-tuning lab ... what the LSTM could not": the BERT lab
        opened = _marked_opening(opening)
        named = {opened} if opened in named else labs_named_as_labs(opening) & named
    lab = next(iter(named)) if len(named) == 1 else None
    return lab if lab in near else None


def _section_starts(document: Document) -> tuple[list[int], int]:
    """The line indexes of the shallowest heading level used twice or more, and that level."""
    levels = Counter(line.level for line in document.lines if line.kind == "heading")
    level = min((level for level, count in levels.items() if count >= 2), default=0)
    starts = [index for index, line in enumerate(document.lines)
              if line.kind == "heading" and line.level == level]
    return (starts, level) if 2 <= len(starts) <= MAX_SECTIONS else ([], 0)


def _section_texts(document: Document, start: int, end: int) -> list[str]:
    """The paragraphs of the section whose heading is line ``start`` (up to line ``end``)."""
    section = Document(document.path, document.format, document.lines[start + 1:end])
    return [text for block in section.blocks() if (text := paragraph_text(block.lines))]


def _section_lab(heading: str, texts: list[str], meaning: Meaning,
                 listed: frozenset[str] = frozenset()) -> str | None:
    """The lab a section is clearly about: by its meaning; or one of the closest when its
    heading names it ("The BERT one", "The convnet one" over a text as near the MLP lab; also
    a short section in halting English, "GloVe and LSTM", whose text is near no lab by much);
    or, among the labs near it in meaning (the three SST-2 labs), the one whose names its
    heading and text use most (TF-IDF). ``listed``: the labs the document's title lists ("Lab
    3 and Lab 4"): the section is about the one of them its text is nearest to."""
    if listed:
        return meaning.nearest_lab(texts, listed)
    closest = meaning.closest_lab(texts)
    if closest is not None:
        return closest[0]
    named = names_in(heading) or titled_in(heading)
    if len(named) == 1 and named[0] in meaning.near_labs(texts, floor=False):
        return named[0]  # the heading names one of the labs its text is closest to
    near = meaning.near_labs(texts)
    named = named_lab([heading, *texts], near)
    return named[0] if named is not None else None


def _heading_names_lab(heading: str, listed: frozenset[str]) -> str | None:
    """The lab a section's heading names outright: a lab marker after a slide's, part's or
    day's number ("Slide 7: Lab 2 - MLP"), or one lab in it anywhere ("BERT fine-tuning (lab
    6)"), one of those the title lists when it lists some."""
    if (numbered := _NUMBERING.match(heading)) and (
            marked := heading_lab(heading[numbered.end():])):
        return marked
    named = listed_labs(heading)
    return next(iter(named)) if len(named) == 1 and (not listed or named <= listed) else None


def lab_sections(document: Document, meaning: Meaning) -> tuple[dict[int, str], int]:
    """``({heading line index: lab}, heading level)`` when the document's sections are about
    two labs or more, else ``({}, 0)``. A title listing two labs or more limits the choice
    to them."""
    listed = frozenset(title_labs(document))
    listed = listed if len(listed) > 1 else frozenset()
    starts, level = _section_starts(document)
    if not starts:
        return _paragraph_labs(document, meaning), 0
    ends = starts[1:] + [len(document.lines)]
    found: dict[int, str] = {}
    for start, end in zip(starts, ends, strict=True):
        heading = document.lines[start].text
        if marked := _heading_names_lab(heading, listed):
            found[start] = marked
            continue
        texts = _section_texts(document, start, end)
        if sum(len(WORD.findall(text)) for text in texts) < TOPIC_MIN_WORDS:
            continue  # too short to say: it stays with the section before it
        lab = _section_lab(document.lines[start].text, texts, meaning, listed)
        if lab is None and texts:  # "## Part 1: words are vectors" over "... was lab 5, ..."
            lab = _opening_lab(texts[0], meaning.near_labs(texts, floor=False))
        if lab is None:  # a long section about no lab in particular: not one lab per
            return _paragraph_labs(document, meaning), 0  # section; perhaps one a paragraph
        found[start] = lab
    # sections about one lab at most ("My reflections" / "Daniel Reyes" over the prose): its
    # paragraphs may still open with their labs
    return (found, level) if len(set(found.values())) >= 2 else \
        (_paragraph_labs(document, meaning), 0)


def _paragraph_labs(document: Document, meaning: Meaning) -> dict[int, str]:
    """``{first line index: lab}`` for a document without sections whose paragraphs open by
    naming their lab ("For the VGG16 lab, ...", "For the bag-of-words lab, ..."): two labs or
    more, each paragraph near the lab it names in meaning, together with the paragraphs after
    it up to the next naming a lab (without any heading), or, whatever its length, making that
    lab its subject ("For the dropout lab I'll be a bit shorter", also under a title or above
    a signature); a paragraph naming none stays with the one before."""
    index_of = {id(line): index for index, line in enumerate(document.lines)}
    blocks = [(block, text) for block in document.blocks()
              if (text := paragraph_text(block.lines))]
    # by the names alone; a table opens no part ("| 1 | 247 | 4 | 9 | ... | CNN |": the fix
    # column of an MLP's errors names the next lab)
    named = [_opening_lab(text, lab_ids()) if block.lines[0].kind == "prose" else None
             for block, text in blocks]
    # Under a title listing the labs ("Reflections on labs 1, 4 and 6"), a paragraph opening
    # with one of them ("The VGG lab was ...", "With BERT ...") opens its part: the title says
    # which to look for. Under another title ("Reflection - Priya"), paragraphs opening with
    # two labs or more are asked their meaning as without a title; else only a paragraph
    # making its lab its subject says so.
    titled = any(line.kind == "heading" for line in document.lines)
    listed = sorted(title_labs(document)) if titled else []
    by_meaning = not titled or len(set(named) - {None}) >= 2
    found: dict[int, str] = {}
    for at, (block, text) in enumerate(blocks):
        lab = _subject_lab(text)  # named as the paragraph's subject: no length, no meaning
        if lab is None and named[at] is not None and (len(listed) > 1 or by_meaning):
            # the paragraph and those after it that name no lab: the part it would open
            after = next((later for later in range(at + 1, len(blocks)) if named[later]),
                         len(blocks))
            part = [text for _, text in blocks[at:after]]
            if len(listed) > 1:
                among = listed if len(WORD.findall(text)) >= TOPIC_MIN_WORDS else []
            elif sum(len(WORD.findall(paragraph)) for paragraph in part) >= TOPIC_MIN_WORDS:
                among = meaning.near_labs(part, floor=False)
                # One naming a lab opened before ("The LSTM from the week before got 81.5%,
                # BERT's errors were ...", in a reflection on BERT) compares the two unless
                # its text is nearest the lab it opens with.
                if set(found.values()) & set(names_in(" ".join(part))):
                    among = among[:1]
            else:
                among = []
            lab = named[at] if named[at] in among else None
        if lab is not None and lab not in found.values():
            found[index_of[id(block.lines[0])]] = lab
    return found if len(found) >= 2 else {}


def _openings(document: Document, near) -> tuple[list[int], list[list], list[set[str]]]:
    """``(heading line indexes, each section's paragraphs, the labs each section's paragraphs
    open with)`` under the document's shallowest heading level used twice or more; a
    paragraph's opening lab counts when it is among ``near(its text)``."""
    starts, _ = _section_starts(document)
    lines = document.lines
    if any(heading_lab(lines[start].text) for start in starts):
        starts = []  # "Lab 4 -- Bag of words" heads its lab's part: sections by lab, whatever
        # lab the answers under it open with ("See lab 5, ...")
    blocks = [Document(document.path, document.format, lines[start + 1:end]).blocks()
              for start, end in zip(starts, starts[1:] + [len(lines)], strict=True)] \
        if starts else []
    opened = [{lab for block in section if (text := paragraph_text(block.lines))
               and (lab := _opening_lab(text, near(text)))} for section in blocks]
    return starts, blocks, opened


def by_question_shape(document: Document) -> bool:
    """Cheaply, by the names alone: do two sections or more each hold paragraphs opening with
    two labs or more (the layout :func:`criterion_first` cuts)? A document whose "Lab 5: ..."
    paragraphs are lab markers is then worth reading by meaning."""
    every = list(lab_ids())
    _, _, opened = _openings(document, lambda text: every)
    return sum(len(labs) >= 2 for labs in opened) >= 2


def criterion_first(document: Document, meaning: Meaning) -> dict[str | None, Document]:
    """``{lab: its part}`` of a document organised by question, not by lab: each heading a
    question ("## What I learned", "## Challenges"), under it a paragraph per lab opening with
    the lab it is about ("In lab 2 ...", "For the CNN lab, ...", "Lab 5: ..."). Each lab's
    part holds every heading with that lab's paragraphs (a paragraph naming no lab goes with
    the one before it; one before the section's first lab, with every lab it names anywhere,
    else with every lab); ``None`` holds the lines before the first heading. Two headings or
    more must each open paragraphs about two labs or more; else ``{}``."""
    # First the layout, from the paragraphs whose text is near the lab they open with (or
    # too short for its meaning to say) ...
    every = list(lab_ids())
    starts, blocks, found = _openings(
        document, lambda text: meaning.near_labs([text], floor=False) or every)
    if sum(len(labs) >= 2 for labs in found) < 2:
        return {}
    # ... then every paragraph opening with one of those labs is that lab's answer (a short
    # one is near no lab in meaning: "In lab 2 the idea of a fair sweep is useful ...").
    lines = document.lines
    labs = sorted(set().union(*found))
    sections: list[tuple[int, dict[str, list]]] = []
    for start, section in zip(starts, blocks, strict=True):
        by_lab: dict[str, list] = {}
        current = None
        for block in section:
            text = paragraph_text(block.lines)
            if text and (lab := _opening_lab(text, labs)):
                current = lab
            if current is not None:
                by_lab.setdefault(current, []).append(block.lines)
            elif text:  # before the section's first lab: "In both labs I ran ..." is about
                # every lab it names ("... I would start with the bag-of-words model"), or all
                for lab in [lab for lab in names_in(text) if lab in labs] or labs:
                    by_lab.setdefault(lab, []).append(block.lines)
        sections.append((start, by_lab))
    parts: dict[str | None, Document] = {None: Document(document.path, document.format,
                                                         lines[:starts[0]])}
    for lab in labs:  # the figures stay with every part: no paragraph says whose they are
        part = parts[lab] = Document(document.path, document.format, [], list(document.images))
        for start, by_lab in sections:
            part.lines.append(replace(lines[start]))  # the question, over this lab's answer
            for block in by_lab.get(lab, []):
                part.lines += [*block, Line("", block[-1].where, "blank")]
    return parts


_SEVERAL_LABS = re.compile(r"\blabs\b", re.I)


def _one_lab_title(document: Document) -> bool:
    """Does the document open with a heading that names one lab ("Lab 2: Overfitting and
    dropout")? Then it is about that lab, whatever labs its sections and paragraphs are
    near or open with."""
    if not titled_document(document) or len(title_labs(document)) != 1:
        return False
    title = first_line(document).text
    return not _SEVERAL_LABS.search(title)  # "Reflection, labs 3-5": a range


def _sentence_labs(sentence: str, labs: frozenset[str]) -> set[str]:
    """The labs among ``labs`` one sentence names, by number ("lab 4's approach") or by their
    models, data or methods ("the LSTM", "TF-IDF")."""
    return (listed_labs(sentence) | set(names_in(sentence))) & labs


def by_theme(document: Document, meaning: Meaning | None = None
             ) -> dict[str | None, Document]:
    """``{lab: its part}`` of a reflection on several labs organised by theme ("## What was
    hard" holding "In lab 4 it was the preprocessing ... In lab 5 it was the vocabulary"): its
    title (or the lines under it) lists the labs, none of its headings names a lab, and half
    of its sections or more name two of them (see :func:`joint_labs`), or one does and most
    headings are the rubric's questions by ``meaning`` ("1. Learning insights", "Growth,
    perhaps"). Each lab's part holds every heading with the sentences about that lab: a
    sentence naming labs goes to each of them, one naming none to the labs of the sentence
    before it in its paragraph (a paragraph's first sentence naming none goes to every lab,
    as context). ``None`` holds the lines before the first heading; ``{}`` for any other
    document."""
    starts, _ = _section_starts(document)
    lines = document.lines
    # the title listing the labs, at the themes' heading level, is no theme ("Reflective
    # commentary: Lab 2 (MLP and dropout) and Lab 5 (GloVe and LSTM)" over "Difficulties")
    starts = [start for start in starts if lines[start] is not first_line(document)]
    if not starts or any(_sentence_labs(lines[start].text, frozenset(lab_ids()))
                         for start in starts):
        return {}  # a heading naming a lab heads that lab's part: sections by lab, not theme
    # the labs are listed by the title, or by the lines under it ("GloVe + LSTM vs. fine-tuned
    # MiniLM" / "... reflection on the two text labs (lab 5 and lab 6)")
    labs = frozenset(title_labs(document)) or frozenset().union(*(
        listed_labs(line.text) for line in lines[:starts[0]][:PREAMBLE_LINES]
        if line.kind in ("prose", "heading")))
    both = _sections_naming(document, starts, labs) if len(labs) >= 2 else 0
    if not both:
        return {}
    if both < JOINT_SHARE * len(starts) and (meaning is None or 2 * sum(
            name is not None for name in meaning.names([lines[start].text for start in starts])
    ) < len(starts)):
        return {}  # few sections name both labs, and the headings are not the questions
    parts: dict[str | None, Document] = {None: Document(document.path, document.format,
                                                         lines[:starts[0]])}
    for lab in sorted(labs):  # the figures stay with every part: no sentence says whose
        parts[lab] = Document(document.path, document.format, [], list(document.images))
    for start, end in zip(starts, starts[1:] + [len(lines)], strict=True):
        for lab in labs:
            parts[lab].lines.append(replace(lines[start]))  # the theme, over its sentences
        for block in Document(document.path, document.format, lines[start + 1:end]).blocks():
            text = paragraph_text(block.lines)
            if not text:
                continue
            said: dict[str, list[str]] = {}
            current = set(labs)
            for sentence in SENTENCE_END.split(text):
                current = _sentence_labs(sentence, labs) or current
                for lab in current:
                    said.setdefault(lab, []).append(sentence)
            where = block.lines[0].where
            for lab, sentences in said.items():
                parts[lab].lines += [Line(" ".join(sentences), where, "prose"),
                                     Line("", where, "blank")]
    return parts


class TopicCut(NamedTuple):
    """A submission cut by topic: ``parts`` ``[(lab id, part)]`` in lab order; ``how``, for
    the warning to the instructor: "question" (a document answers each question per lab,
    :func:`criterion_first`), "themes" (a reflection's themes each speak of several labs,
    :func:`by_theme`), "paragraphs" (one without headings whose paragraphs open with
    their labs), "sections" (at its headings) or "joint" (one report on several labs, each
    graded on all of it: :func:`joint_labs`)."""

    parts: list[tuple[str, Submission]]
    how: str


PREAMBLE_LINES = 6  # the lines under a title that may list the labs a reflection is about
JOINT_SHARE = 0.5  # this share of the sections naming two listed labs: one report on both


def joint_labs(document: Document) -> frozenset[str]:
    """The labs a joint report covers together: its title lists two labs or more ("a joint
    report on labs 4 and 5") and half of its sections or more name two of them (by number or
    by their models: "bag of words" and "LSTM" side by side). Each of those labs is graded on
    all of it, as a reader grades it; empty for any other document."""
    listed = frozenset(title_labs(document))
    starts, _ = _section_starts(document)
    if len(listed) < 2 or not starts:
        return frozenset()
    both = _sections_naming(document, starts, listed)
    return listed if both >= JOINT_SHARE * len(starts) else frozenset()


def _sections_naming(document: Document, starts: list[int], labs: frozenset[str]) -> int:
    """How many of the sections headed at ``starts`` name two of ``labs`` or more, by number
    or by their models, in any of their paragraphs ("For lab 5 I feel ..." after a paragraph
    on lab 4)."""
    ends = starts[1:] + [len(document.lines)]
    both = 0
    for start, end in zip(starts, ends, strict=True):
        texts = [document.lines[start].text, *_section_texts(document, start, end)]
        named = set().union(*(listed_labs(text) | set(names_in(text)) for text in texts))
        both += len(labs & named) >= 2
    return both


def split_by_topic(submission: Submission, meaning: Meaning) -> TopicCut | None:
    """The submission's parts when a document of it holds sections (or paragraphs under each
    question) about two labs or more (see the module docstring), else ``None``."""
    how = "sections"
    shared: list[Document] = []
    documents: dict[str, list[Document]] = {}
    titles: set[str] = set()
    for document in submission.documents:
        if _one_lab_title(document):  # "Lab 2: Overfitting ...": about lab 2, though its
            shared.append(document)  # hypothesis opens with the MLP and the next paragraph
            continue  # with the CNN of lab 3
        # A report on two labs together is one piece of work; a reflection answers per lab
        # (one by question names every lab in each section, and is cut by its paragraphs).
        if not meaning.answered_once and (joint := joint_labs(document)):
            how = "joint"
            for lab in joint:
                documents.setdefault(lab, []).append(document)
            continue
        by_question = criterion_first(document, meaning)
        if by_question:
            how = "question"
        elif meaning.answered_once and (by_question := by_theme(document, meaning)):
            how = "themes"  # a reflection by theme, its sentences about several labs
        if by_question:
            shared.append(preamble(by_question.pop(None)))
            for lab, part in by_question.items():
                documents.setdefault(lab, []).append(part)
            continue
        starts, level = lab_sections(document, meaning)
        if not starts:
            shared.append(document)
            continue
        if not level and how == "sections":  # no headings: cut at paragraphs naming labs
            how = "paragraphs"
        titles.update(document.lines[start].text for start in starts)
        for lab, part in cut_document(document, starts, level).items():
            if lab is None:
                shared.append(preamble(part))  # the title, the lines before the first section
            else:
                documents.setdefault(lab, []).append(part)
    if len(documents) < 2:
        return None
    return TopicCut([(lab, replace(submission, documents=shared + documents[lab],
                                   warnings=list(submission.warnings),
                                   part_titles=frozenset(titles)))
                     for lab in sorted(documents)], how)
