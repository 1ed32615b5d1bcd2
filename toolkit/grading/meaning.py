"""Which criterion a paragraph answers, and whether a document is about the lab, by meaning.

Each criterion of a rubric is described by its title, the ``what`` of its requirements and
its ``examples`` (answers in a student's words). The sentence encoder
(:mod:`toolkit.grading.sentence_encoder`) turns those texts and every paragraph of the
student's own words into unit vectors; a paragraph's similarity to a criterion is its best
cosine similarity to the criterion's texts. A paragraph answers the criterion it is closest
to (or one within :data:`MARGIN` of it; each criterion's mean over the document's paragraphs
taken out first, and the paragraph's label -- the heading above it or a run-in label -- added as
a signal), when its similarity reaches :data:`FLOOR`: so an
answer counts under a heading of any wording ("Roadblocks"), after a run-in label
("**Challenges:** ...") or with no heading at all, without any list of names. Headings and
keywords stay signals beside it (see :mod:`toolkit.grading.assessment`).

The topic check compares the document with the lab: the syllabus title and objectives of the
lab (of every lab when none is known) and the rubric's criteria. A document whose closest
paragraphs stay below :data:`TOPIC_FLOOR` is "not this assignment".

Example:
    >>> meaning = Meaning.for_rubric(rubric, encoder)
    >>> meaning.closest("I think the model mixes up 4 and 9 because they look alike.")
    'hypothesis'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from toolkit.grading.report_text import SENTENCE_END, TIME_STAMP, WORD, mentions
from toolkit.grading.rubric import Rubric
from toolkit.resources import load_syllabus

# Calibrated on the tuning corpora (tests/data/reports, tests/data/reflections): a paragraph
# that means a criterion scores about 0.3-0.75 against it, a name or a date below 0.2.
FLOOR = 0.20         # least similarity for a paragraph to answer a criterion
MARGIN = 0.06        # a paragraph may answer each criterion this close to its best one
MAX_MEANT = 2        # ... but gives no more answers than this by its meaning alone
MAX_CUED_CHARS = 4000  # how far a paragraph is searched for a criterion's cues
CENTRE_FULLY = 5     # from this many paragraphs on, a document's mean is taken out in full
LABEL_WEIGHT = 1.0   # how much a paragraph's label (heading, run-in label) adds to its text
OPENING_WEIGHT = 0.5  # ... and the opening sentence of a paragraph without a label
# A label this much closer to one criterion than to the others on average names it outright:
# the criteria's own names ("Insights", "Critical reflection", "Big takeaway") are 0.22-0.38
# closer; a student's wording ("Roadblocks", "Notes", "Thoughts") 0.18 or less.
LABEL_NAMES = 0.20
# ... and clearly closer to it than to the next one: "Summary of the lab" is as close to
# "what the lab taught" as to "beyond the lab" (0.02 apart) and names neither; on the tuning
# corpora the criteria's own names are 0.26 apart or more, a student's "Hurdles", "Hard part
# was time", "1. What did this lab teach me ...?" 0.11 or more.
LABEL_GAP = 0.10
# A document below this (its best paragraphs) is not this assignment. On the tuning corpora an
# essay on coffee houses scores 0.15, every report and reflection 0.49 or more -- and so does
# a machine-learning report of another course (0.48): the floor only catches clear cases.
TOPIC_FLOOR = 0.30
TOPIC_MIN_WORDS = 50  # a shorter text is too short to judge its topic
TOPIC_MAX_PARAGRAPHS = 400  # the first ones say what a (crafted, huge) document is about
TOPIC_PARAGRAPHS = 3  # how many of its closest paragraphs speak for a document
MIN_WORDS = 5        # shorter paragraphs (a name, a date) are not matched
ASSIGN_MARGIN = 0.25  # the one-to-one assignment gives a paragraph a criterion this close
# A document about machine learning but not about this course (another course's project: loan
# default, churn) is close to the rubric's generic criteria but far from every lab's title and
# objectives. On the tuning corpora every report and reflection about a lab scores 0.41 or
# more against the labs (a generic reflection 0.28, but 0.54 against the rubric), another
# course's loan-default report 0.33 (0.38 against the rubric).
COURSE_FLOOR = 0.38
COURSE_RUBRIC_FLOOR = 0.45
COURSE_MIN_WORDS = 150  # another course's report says this much at least
# A report that names no lab (no marker, no lab folder, no run record) is read as the lab
# whose syllabus title and objectives it is closest to, when that lab is clearly ahead. On
# the tuning corpora the right lab leads by 0.10-0.20 in 13 of 26 documents and a wrong one
# never leads by more than 0.09 (the MNIST labs 2 and 3, the SST-2 labs 4-6 are near).
LAB_FLOOR = 0.40
LAB_MARGIN = 0.10


# A paragraph of this many sentences that mean this many different criteria answers each of
# them (one paragraph per lab, no labels).
MULTI_ANSWER_SENTENCES = 3
MULTI_ANSWER_CRITERIA = 3


# A label's words, in each of the forms below ("Insights", "What was hard", "my take-away")
_LABEL_WORDS = r"(?P<label>[A-Za-z][\w '\-/&]{0,40}?)"
# A number before a label: "1. **Insights:** ...", "(2) Difficulties: ..."
_ENUMERATOR = r"(?:\d{1,2}[.)]\s{1,3}\W{0,3})?"
_ENUMERATED = re.compile(r"^\W{0,4}\d{1,2}[.)]\s")
# A run-in label: "**Insights:** ...", "Challenges: ...", "**What was hard.** ", in bold or
# italic: "*Growth:* ..."
_RUN_IN = re.compile(r"^\W{0,4}" + _ENUMERATOR + r"(?:\*\*|__|_)?" + _LABEL_WORDS
                     + r"(?:\*\*|__|\*|_)?\s{0,3}[:.]\s{0,3}(?:\*\*|__|\*|_)?\s")


# A label set in bold and closed before a dash, or with the student's own score in it:
# "**Insights** – I learned ...", "**Insights – 3/5** because ...", "**Growth (4/5)** I can ..."
_BOLD_RUN_IN = re.compile(r"^\W{0,4}?" + _ENUMERATOR + r"(?:\*\*|__)" + _LABEL_WORDS
                          + r"\s*(?P<score>[-–—:]?\s*\(?\d{1,3}(?:[.,]\d)?\s*/\s*\d{1,3}\)?)?"
                          r"\s*(?P<inside>[-–—:.])?\s*(?:\*\*|__)\s*(?P<after>[-–—:.])?\s*(?=\S)")


# A question set in bold before the answer: "**Where could I use this?** At the shop ..."
_BOLD_QUESTION = re.compile(r"^\W{0,4}" + _ENUMERATOR
                            + r"(?:\*\*|__)(?P<label>[A-Za-z][^*_\n]{0,160}?\?)"
                            r"\s{0,3}(?:\*\*|__)\s")


_BARE_LABEL = re.compile(r"[^a-z' -]+|\s{2,}")  # markup, marks and digits around a label's words


def _named(row: np.ndarray) -> int | None:
    """The column a label's centred scores name outright (see :data:`LABEL_NAMES`), or None."""
    best, second = np.sort(row)[::-1][:2] if len(row) > 1 else (row.max(), -np.inf)
    return int(row.argmax()) if best >= LABEL_NAMES and best - second >= LABEL_GAP else None


# "Q: Where would I use this?" over "A: ...": the question labels the answer, the "A:" mark
# is no label of its own.
_QUESTION_MARK = re.compile(r"^\W{0,4}(?:Q|Question)\s?\d{0,2}\s?[:.)]\s+"
                            r"(?P<label>[^\n?]{3,160}\?)(?=\s|$)", re.I)
ANSWER_MARK = re.compile(r"^\W{0,4}(?:A|Answer)\s?\d{0,2}\s?[:.)]\s", re.I)


# A label before an arrow, in hurried notes: "insights -> glove puts similar words close"; a
# chain of arrows ("Embedding -> LSTM -> Dense") is a model, not a label and its answer
_ARROW_RUN_IN = re.compile(r"^\W{0,4}" + _ENUMERATOR + _LABEL_WORDS + r"\s{0,3}(?:-+>|=>|\u2192)\s")
_ARROW = re.compile(r"-+>|=>|\u2192")
# A label before a dash, in a list of answers one per line: "Challenges - OOM at batch 64 on
# my 4 GB GPU; batch 16 fixed it." (a dash after a longer phrase is a sentence's own)
_DASH_RUN_IN = re.compile(r"^\W{0,4}" + _ENUMERATOR + r"(?!(?i:the|a|an|this|that|it|there)\b)"
                          + _LABEL_WORDS + r"\s+[-\u2013\u2014]\s+(?=\w)")
DASH_LABEL_WORDS = 3


def run_in_label(text: str, any_case: bool = False, dash: bool = False) -> str | None:
    """The label a paragraph starts with, if any (at most five words, or a question in bold).
    A label starts with a capital letter or is set in bold: a line of wrapped prose that
    starts "pictures: many are ..." continues the sentence above it. ``any_case``: the line
    starts a paragraph or a list of labelled lines, so "insights: vgg16 is big" is a label
    too (before a colon: "ok. so i ran it" opens a sentence). A transcript's time stamp
    before the label is read past: "[00:02:58] What I learned. Um, ...". ``dash``: a label
    before a dash counts too ("Growth - can trace shapes now"), for a line of a list of
    answers or a paragraph of one line."""
    text = TIME_STAMP.sub("", text, count=1)
    if question := _BOLD_QUESTION.match(text[:200]) or _QUESTION_MARK.match(text[:200]):
        return question["label"].strip()
    if ANSWER_MARK.match(text[:20]):
        return None
    match = _RUN_IN.match(text[:80])
    if match and len(match["label"].split()) <= 5 and (
            match["label"][0].isupper() or "*" in match[0] or "_" in match[0][:4]
            or (any_case and ":" in match[0])):
        return match["label"].strip()
    match = _BOLD_RUN_IN.match(text[:100])
    if match and len(match["label"].split()) <= 5 and (match["score"] or any(
            mark and mark in "-–—" for mark in (match["inside"], match["after"]))):
        return match["label"].strip()
    match = _ARROW_RUN_IN.match(text[:80])
    if match and len(match["label"].split()) <= 3 and (match["label"][0].isupper() or any_case) \
            and not _ARROW.search(text[match.end():]):
        return match["label"].strip()
    match = _DASH_RUN_IN.match(text[:60]) if dash else None
    if match and len(match["label"].split()) <= DASH_LABEL_WORDS:
        return match["label"].strip()
    return None


LABEL_LIST_LINES = 3  # consecutive lines, each after its own label, are a list of answers


def label_list(texts: list[str]) -> bool:
    """Are these consecutive lines a list of labelled answers, one per line, whatever their
    case and length ("insights: vgg16 is really big" / "challenges: the download took
    forever" / ...)? Every line opens with a label of an answer (not "Accuracy: 98%")."""
    labels = [run_in_label(text, any_case=True, dash=True) for text in texts]
    return len(texts) >= LABEL_LIST_LINES and all(
        label is not None and not _DATA_LABEL.search(label) for label in labels)


# Labels of a shown sample or a fact ("Text:", "Predicted label:", "Epochs:"), not of an answer.
_DATA_LABEL = re.compile(r"\b(text|sentence|review|input|image|photo|example|sample|true|truth|"
                         r"gold|actual|label|pred\w*|model|confidence|correct|answer|output|"
                         r"file|id|guess\w*|score|accuracy|loss|epochs?|batch|(?<!next )time|"
                         r"note|source)\b",
                         re.I)
ANSWER_MIN_WORDS = 8  # words after the label for a labelled line to start an answer
MARKED_ANSWER_WORDS = 3  # ... after a label in bold on a list item ("- **Train:** 99%" is none)
_BULLET = re.compile(r"^\s{0,6}[-*+\u2022]\s")


# A label set in bold or italics at a line's start: "**Insights:** ...", "2. _Growth._ ..."
_MARKED_LABEL = re.compile(r"^\W{0,4}" + _ENUMERATOR + r"[*_]")


def marked_label(text: str) -> bool:
    """Does the line open with a label set in bold or italics ("**What was hard.** ...")?"""
    return bool(_MARKED_LABEL.match(text))


def starts_answer(text: str) -> bool:
    """Does this line start an answer of its own ("Roadblocks: the first run crashed ...")?
    Answers written on consecutive lines, each after its run-in label, are separate units."""
    label = run_in_label(text)
    if label is None or _DATA_LABEL.search(label):
        return False
    # A plain word and a full stop at a line's start ends the sentence wrapped above it
    # ("... on" / "SST-2. You will get ..."); a label with a full stop is set in bold or italics.
    match = _RUN_IN.match(text[:80])
    if match and ":" not in match[0] and not marked_label(text):
        return False
    # A numbered label ("(4) Myself: I improved my Python.") opens an item however short, and
    # so does a list item's label set in bold ("- **Application:** could be used for customer
    # reviews."): the student marked where each answer starts
    if marked_label(text) and _BULLET.match(text) \
            and len(WORD.findall(text)) - len(label.split()) >= MARKED_ANSWER_WORDS:
        return True
    return bool(_ENUMERATED.match(text)) or \
        len(text.split()) - len(label.split()) >= ANSWER_MIN_WORDS


def opening_sentence(text: str) -> str | None:
    """The first sentence of a paragraph of two sentences or more (its topic sentence)."""
    sentences = SENTENCE_END.split(text, maxsplit=1)
    return sentences[0] if len(sentences) == 2 and enough_words(sentences[0]) else None


CHUNK_WORDS = 60  # the encoder reads 128 word pieces: a longer paragraph is read in pieces


def chunks(texts: list[str]) -> list[str]:
    """``texts`` with every paragraph longer than :data:`CHUNK_WORDS` words cut into runs of
    whole sentences of about that length, so its end counts as much as its beginning (one
    paragraph per lab: its lab's words may come late)."""
    found = []
    for text in texts:
        if len(text.split()) <= CHUNK_WORDS:
            found.append(text)
            continue
        current: list[str] = []
        for sentence in SENTENCE_END.split(text):
            if current and len(" ".join(current + [sentence]).split()) > CHUNK_WORDS:
                found.append(" ".join(current))
                current = []
            current.append(sentence)
        if current:
            found.append(" ".join(current))
    return found


def topic_texts(paragraphs: list[str]) -> list[str]:
    """The pieces of a document its topic is judged by (the first
    :data:`TOPIC_MAX_PARAGRAPHS`), or none when they hold fewer than
    :data:`TOPIC_MIN_WORDS` words (too little to say what it is about)."""
    texts = [text for text in chunks(paragraphs) if enough_words(text)][:TOPIC_MAX_PARAGRAPHS]
    return texts if sum(len(WORD.findall(text)) for text in texts) >= TOPIC_MIN_WORDS else []


def paragraph_text(lines) -> str:
    """The words of a paragraph a student wrote (prose and tables)."""
    return " ".join(line.text for line in lines if line.kind in ("prose", "table")).strip()


def enough_words(text: str) -> bool:
    return len(WORD.findall(text)) >= MIN_WORDS


def cues_said(text: str, criteria, cues: dict[str, tuple[str, ...]]) -> set:
    """Those of ``criteria`` whose cues ``text`` says ("not sure", "next time" for a doubt)."""
    return {criterion for criterion in criteria if any(
        re.search(pattern, text, re.I) for pattern in cues.get(criterion, ()))}


# A "sentence" of more words than this is a run-on ("..., and the hardest part was ..., and I
# think ..."): its clauses are read as its sentences, each of this many words at least.
RUN_ON_WORDS = 60
CLAUSE_MIN_WORDS = 10
_CLAUSE_BREAK = re.compile(r",\s+(?=(?:and|so|but)\s)|;\s+", re.I)


def clauses(sentence: str) -> list[str]:
    """A run-on sentence (more than :data:`RUN_ON_WORDS` words) cut where a clause starts after
    a comma and "and", "so" or "but", or after a semicolon; a clause shorter than
    :data:`CLAUSE_MIN_WORDS` words stays with the one before. Other sentences whole."""
    if len(sentence.split()) <= RUN_ON_WORDS:
        return [sentence]
    found: list[str] = []
    for piece in _CLAUSE_BREAK.split(sentence):
        if found and len(WORD.findall(piece)) < CLAUSE_MIN_WORDS:
            found[-1] = f"{found[-1]}, {piece}"
        else:
            found.append(piece)
    return found


def sentences_with_words(text: str) -> list[str]:
    """The sentences of a paragraph long enough to be matched (:data:`MIN_WORDS` words); a
    paragraph of fewer than :data:`MULTI_ANSWER_SENTENCES` sentences, one of them a run-on,
    by its clauses (:func:`clauses`): it has no other sentences to read its answers by."""
    sentences = [part for part in SENTENCE_END.split(text) if enough_words(part)]
    if len(sentences) >= MULTI_ANSWER_SENTENCES:
        return sentences
    return [part for sentence in sentences for part in clauses(sentence) if enough_words(part)]


@dataclass
class Meaning:
    """The rubric's criteria as vectors, and the encoder that made them."""

    encoder: object
    criteria: list[str]                    # ids of the criteria that read text
    vectors: list[np.ndarray]              # per criterion: (texts, 384)
    topics: dict[str, np.ndarray] = field(default_factory=dict)  # lab ("" = any) -> vectors
    rubric_topic: np.ndarray | None = None
    _scores: dict[str, np.ndarray] = field(default_factory=dict)

    labels: list[np.ndarray] = field(default_factory=list)  # per criterion: its names
    # per criterion: its headings' words in the rubric ("next time", "hard"), lower case
    heading_names: list[frozenset[str]] = field(default_factory=list)
    # The criteria a student answers in one place (those with ``cues``: a reflection's answers),
    # unlike a report's facts (task, data, hardware), which may be spread over paragraphs.
    answered_once: frozenset[str] = frozenset()
    cues: dict[str, tuple[str, ...]] = field(default_factory=dict)  # criterion -> its cues
    # criterion -> what its answer says (growth: what the student can do now, what they will
    # explore next): a paragraph without a label that says none of it is no such answer
    says: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def for_rubric(cls, rubric: Rubric, encoder) -> Meaning:
        criteria, vectors, labels, heading_names = [], [], [], []
        for criterion in rubric.criteria:
            checks = [r.text for r in criterion.requirements if r.text is not None]
            if not checks:
                continue
            texts = [criterion.title, *criterion.examples,
                     *(r.what for r in criterion.requirements if r.text is not None)]
            criteria.append(criterion.id)
            vectors.append(encoder.encode(texts))
            names = ", ".join(dict.fromkeys(h for check in checks for h in check.headings))
            labels.append(encoder.encode([criterion.title] + ([names] if names else [])))
            heading_names.append(frozenset(h.lower() for check in checks for h in check.headings))
        rubric_topic = encoder.encode([c.title for c in rubric.criteria]
                                      + [e for c in rubric.criteria for e in c.examples])
        return cls(encoder, criteria, vectors, rubric_topic=rubric_topic, labels=labels,
                   heading_names=heading_names,
                   answered_once=frozenset(c.id for c in rubric.criteria if c.cues),
                   cues={c.id: tuple(c.cues) for c in rubric.criteria if c.cues},
                   says={c.id: says for c in rubric.criteria if c.cues and (says := tuple(
                       p for r in c.requirements if r.text is not None for p in r.text.says))})

    def assign(self, paragraphs: list[tuple[str, str | None]], *, one_to_one: bool = True
               ) -> list[set[str]]:
        """The criteria each paragraph ``(text, label or None)`` of one document answers.

        A paragraph's score for a criterion is its text's similarity, minus the mean over the
        document's paragraphs (so a criterion every paragraph resembles, "what I learned",
        does not take them all), plus :data:`LABEL_WEIGHT` times how much its label (the
        heading above it or a run-in label) means that criterion more than the others.
        """
        found: list[set[str]] = [set() for _ in paragraphs]
        usable = [i for i, (text, _) in enumerate(paragraphs) if enough_words(text)]
        if not usable or not self.criteria:
            return found
        texts = [paragraphs[i][0] for i in usable]
        self.prepare(texts)
        raw = np.stack([self._scores[text] for text in texts])          # (paragraphs, criteria)
        # A few paragraphs say little about what the document's paragraphs share: centre less.
        shrink = min(1.0, (len(texts) - 1) / (CENTRE_FULLY - 1))
        scores = raw - shrink * raw.mean(axis=0, keepdims=True)
        # A label says what a paragraph answers; without one, its opening sentence does,
        # less surely ("What I understood best is why bigrams matter ...").
        named = [(row, paragraphs[i][1], LABEL_WEIGHT) if paragraphs[i][1] else
                 (row, opening, OPENING_WEIGHT) for row, i in enumerate(usable)
                 if paragraphs[i][1] or (opening := opening_sentence(paragraphs[i][0]))]
        says: dict[int, int] = {}  # row -> the criterion its label names outright
        if named:
            label_scores, columns = self._label_names([label for _, label, _ in named],
                                                      as_headings=True)
            for (row, _, weight), extra, column in zip(named, label_scores, columns,
                                                       strict=True):
                scores[row] += weight * extra
                if weight == LABEL_WEIGHT and column is not None:
                    says[row] = column
        opened = {row for row, _, weight in named if weight == OPENING_WEIGHT}
        for row, i in enumerate(usable):
            best = scores[row].max()
            # A paragraph whose opening sentence says what it answers answers that alone.
            margin = 0.0 if row in opened else MARGIN
            # A label naming the criterion ("Insights:") needs no floor: the student says what
            # the text answers, however little it resembles the rubric's examples.
            close = [column for column, (score, similarity)
                     in enumerate(zip(scores[row], raw[row], strict=True))
                     if score >= best - margin and (similarity >= FLOOR
                                                    or says.get(row) == column)]
            found[i] = {self.criteria[column]
                        for column in self._most_meant(close, scores[row], paragraphs[i][0])
                        # a paragraph's, not a sentence's: the next step may be the sentence
                        # after the one that names its concepts
                        if paragraphs[i][1] or not one_to_one
                        or not self.says_nothing(column, paragraphs[i][0])}
        if not one_to_one:
            return found
        # One to one: each criterion also takes the paragraph that answers it best when every
        # paragraph stands for one answer (a reflection's "Roadblocks" next to "Looking back":
        # the closest criterion of one paragraph is often another's second best).
        rows, columns = linear_sum_assignment(-scores)
        for row, column in zip(rows, columns, strict=True):
            text, label = paragraphs[usable[row]]
            if raw[row, column] >= FLOOR and scores[row, column] >= scores[row].max() - \
                    ASSIGN_MARGIN and (label or not self.says_nothing(column, text)):
                found[usable[row]].add(self.criteria[column])
        return found

    def says_nothing(self, column: int, text: str) -> bool:
        """Does ``text`` say none of what an answer to the criterion in ``column`` says? A
        results paragraph ("Test: 98.22 / 98.38 / 98.31%, all within 0.2 points") resembles
        growth's examples in its numbers, but says neither what the student can do now nor
        what they will explore next."""
        criterion = self.criteria[column]
        return criterion in self.says and not cues_said(text[:MAX_CUED_CHARS], {criterion},
                                                        self.says)

    def _most_meant(self, columns: list[int], scores: np.ndarray, text: str) -> list[int]:
        """Of the criteria a paragraph is close to, the answers it means most: a paragraph
        near every answer at once (a slide of five short bullets: "- Learned to use a
        pretrained network - VGG16 has 138M weights!! - ...") says none of them in
        particular, so it gives the :data:`MAX_MEANT` whose cues it says ("confusing": a
        challenge), else that it means most. A report's paragraph may hold several of its
        facts (the task, the data and the hardware) and keeps them."""
        answers = [column for column in columns if self.criteria[column] in self.answered_once]
        if len(answers) <= MAX_MEANT:  # most paragraphs: nothing to choose, no cue to look for
            return columns
        said = cues_said(text[:MAX_CUED_CHARS], {self.criteria[column] for column in answers},
                         self.cues)
        kept = sorted(answers, key=lambda column: (self.criteria[column] not in said,
                                                   -scores[column]))
        return [column for column in columns if column in kept[:MAX_MEANT]
                or self.criteria[column] not in self.answered_once]

    def names(self, labels: list[str]) -> list[str | None]:
        """The criterion each label names outright (:data:`LABEL_NAMES` closer to it than to
        the mean of the criteria: "Critical reflection", "Insights"), or None ("Per class",
        "Results")."""
        if not labels or not self.criteria:
            return [None] * len(labels)
        _, columns = self._label_names(labels)
        return [None if column is None else self.criteria[column] for column in columns]

    def _label_names(self, labels: list[str], as_headings: bool = False
                     ) -> tuple[np.ndarray, list[int | None]]:
        """Each label's closeness to each criterion's names, less its mean over them, and
        the column it names outright (:func:`_named`); ``as_headings``: also a label that is
        word for word one criterion's heading in the rubric, or one word that is a form of
        one ("Learned" for "learn"), for the paragraph it labels (not to rule out other
        paragraphs: see :meth:`names`)."""
        vectors = self.encoder.encode(labels)
        scores = np.stack([(v @ vectors.T).max(axis=0) for v in self.labels], axis=1)
        scores -= scores.mean(axis=1, keepdims=True)
        columns = [_named(row) for row in scores]
        for row, label in enumerate(labels if as_headings else []):
            # A label that is word for word one criterion's heading in the rubric ("Next
            # time:") names it, though its words are near another's too ("next": growth)
            words = _BARE_LABEL.sub(" ", label.lower()).strip()
            named = [column for column, names in enumerate(self.heading_names)
                     if words in names]
            if not named and " " not in words:  # one word, a heading's form: "Learned:"
                named = [column for column, names in enumerate(self.heading_names)
                         if any(mentions(words, name) for name in names)]
            if len(named) == 1 and columns[row] is None:
                columns[row] = named[0]
                scores[row, named[0]] = max(scores[row, named[0]],
                                            scores[row].max() + LABEL_GAP)
        return scores, columns

    def by_sentence(self, text: str) -> dict[str, list[str]]:
        """The criteria a paragraph answers sentence by sentence, when it answers several,
        each with its sentences: one paragraph per lab ("This lab showed me ... The hardest
        part was ... At work I would ..."). Each sentence of :data:`MIN_WORDS` words or more
        means the criteria it is closest to, measured against the paragraph's other
        sentences; empty when fewer than :data:`MULTI_ANSWER_SENTENCES` sentences or fewer
        than :data:`MULTI_ANSWER_CRITERIA` criteria come out (a paragraph on one point)."""
        sentences = sentences_with_words(text)
        if len(sentences) < MULTI_ANSWER_SENTENCES:
            return {}
        found: dict[str, list[str]] = {}
        for sentence, criteria in zip(sentences, self.assign(
                [(sentence, None) for sentence in sentences], one_to_one=False), strict=True):
            for criterion in criteria:
                found.setdefault(criterion, []).append(sentence)
        return found if len(found) >= MULTI_ANSWER_CRITERIA else {}

    def scores(self, text: str) -> np.ndarray:
        """Similarity of ``text`` to each criterion in :attr:`criteria` (cached by text)."""
        if text not in self._scores:
            vector = self.encoder.encode([text])[0]
            self._scores[text] = np.array([float(np.max(v @ vector)) for v in self.vectors])
        return self._scores[text]

    def prepare(self, texts: list[str], labels: list[str] = ()) -> None:
        """Encode many paragraphs (and the ``labels`` :meth:`assign` will read) in one
        request: one round trip from a worker, one batch."""
        new = list(dict.fromkeys(t for t in texts if t not in self._scores))
        if new or labels:
            matrix = self.encoder.encode(new + [label for label in labels if label])
            for text, vector in zip(new, matrix, strict=False):
                self._scores[text] = np.array([float(np.max(v @ vector))
                                               for v in self.vectors])

    def closest(self, text: str) -> str | None:
        """The criterion ``text`` means most, or None (too short, or near none)."""
        if not enough_words(text) or not self.criteria:
            return None
        scores = self.scores(text)
        best = int(np.argmax(scores))
        return self.criteria[best] if scores[best] >= FLOOR else None

    def _lab_vectors(self, lab: str) -> np.ndarray:
        """The syllabus title and objectives of ``lab`` (of every lab when "" or unknown)."""
        if lab not in self.topics:
            labs = [entry for entry in load_syllabus() if not lab or entry.get("id") == lab] \
                or load_syllabus()
            texts = [str(t) for entry in labs
                     for t in (entry.get("title", ""), *entry.get("objectives", [])) if t]
            self.topics[lab] = self.encoder.encode(texts)
        return self.topics[lab]

    def _topic(self, lab: str) -> np.ndarray:
        vectors = self._lab_vectors(lab)
        if self.rubric_topic is not None:
            vectors = np.concatenate([vectors, self.rubric_topic])
        return vectors

    def course_scores(self, paragraphs: list[str]) -> tuple[float, float] | None:
        """``(closeness to the course's labs, closeness to the rubric)`` of a document, each
        the mean of its closest paragraphs' best similarity; ``None`` when it holds fewer than
        :data:`TOPIC_MIN_WORDS` words."""
        texts = topic_texts(paragraphs)
        if not texts:
            return None
        vectors = self.encoder.encode(texts)

        def closeness(topic: np.ndarray) -> float:
            best = np.sort((vectors @ topic.T).max(axis=1))[::-1]
            return float(best[:TOPIC_PARAGRAPHS].mean())

        rubric = closeness(self.rubric_topic) if self.rubric_topic is not None else 1.0
        return closeness(self._lab_vectors("")), rubric

    def other_course(self, paragraphs: list[str]) -> tuple[float, float] | None:
        """The :meth:`course_scores` of a document that is about none of the course's labs
        (another course's project), else ``None``."""
        texts = [text for text in paragraphs if enough_words(text)]
        if sum(len(WORD.findall(text)) for text in texts) < COURSE_MIN_WORDS:
            return None  # a few stray words (an untouched notebook) say nothing of a course
        scores = self.course_scores(texts)
        if scores is not None and scores[0] < COURSE_FLOOR and scores[1] < COURSE_RUBRIC_FLOOR:
            return scores
        return None

    def _lab_scores(self, paragraphs: list[str]) -> list[tuple[float, str]]:
        """``[(closeness, lab)]`` of every lab of the syllabus, closest first (empty for a
        document of fewer than :data:`TOPIC_MIN_WORDS` words)."""
        texts = topic_texts(paragraphs)
        if not texts:
            return []
        vectors = self.encoder.encode(texts)
        scored = []
        for entry in load_syllabus():
            best = np.sort((vectors @ self._lab_vectors(entry["id"]).T).max(axis=1))[::-1]
            scored.append((float(best[:TOPIC_PARAGRAPHS].mean()), entry["id"]))
        return sorted(scored, reverse=True)

    def closest_lab(self, paragraphs: list[str]) -> tuple[str, float, float] | None:
        """``(lab, its closeness, the next lab's)`` for a document clearly about one lab of
        the syllabus (ahead of every other by :data:`LAB_MARGIN`), else ``None``."""
        scored = self._lab_scores(paragraphs)
        if len(scored) < 2:
            return None
        (top, lab), (second, _) = scored[0], scored[1]
        return (lab, top, second) if top >= LAB_FLOOR and top - second >= LAB_MARGIN else None

    def nearest_lab(self, paragraphs: list[str], among: frozenset[str] = frozenset()
                    ) -> str | None:
        """The lab the paragraphs are closest to in meaning, however little ahead; ``among``:
        only these labs (the ones a document's title lists)."""
        scored = [(score, lab) for score, lab in self._lab_scores(paragraphs)
                  if not among or lab in among]
        return scored[0][1] if scored else None

    def near_labs(self, paragraphs: list[str], floor: bool = True) -> list[str]:
        """The labs a document may be about when none is clearly ahead: those within
        :data:`LAB_MARGIN` of the closest (the MLP and CNN labs for a report on MNIST).
        ``floor``: none when even the closest is far (:data:`LAB_FLOOR`); without it, a text
        that names its lab only needs that lab among the nearest."""
        scored = self._lab_scores(paragraphs)
        if not scored or (floor and scored[0][0] < LAB_FLOOR):
            return []
        return [lab for score, lab in scored if score >= scored[0][0] - LAB_MARGIN]

    def topic_score(self, paragraphs: list[str], lab: str = "") -> float:
        """How close the document is to the lab: the mean of its closest paragraphs' best
        similarity to the lab's objectives and the rubric (1.0 when it holds fewer than
        :data:`TOPIC_MIN_WORDS` words)."""
        texts = topic_texts(paragraphs)
        if not texts:
            return 1.0  # too little text to say what it is about
        topic = self._topic(lab)
        best = np.sort((self.encoder.encode(texts) @ topic.T).max(axis=1))[::-1]
        return float(best[:TOPIC_PARAGRAPHS].mean())


_prepared: dict[int, tuple[Rubric, object, Meaning]] = {}


def meaning_for(rubric: Rubric, encoder) -> Meaning | None:
    """The :class:`Meaning` of a rubric with this encoder (built once per process and rubric;
    ``None`` without an encoder)."""
    if encoder is None:
        return None
    cached = _prepared.get(id(rubric))
    if cached is None or cached[0] is not rubric or cached[1] is not encoder:
        cached = _prepared[id(rubric)] = (rubric, encoder, Meaning.for_rubric(rubric, encoder))
    return cached[2]
