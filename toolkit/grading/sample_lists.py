"""Count misclassified samples shown with their ground truth, in the layouts students use.

A rubric line such as "at least ten misclassified test samples with their true labels" is met
by a Markdown table, but students also hand in:

- tables exported as text: cells separated by tabs or runs of spaces, with a header row;
- numbered or bulleted lists: ``1. "never boring" - true label: positive, predicted: negative``;
- repeated labelled blocks: a ``Text:`` line, a ``Model said:`` line and a ``Truth:`` line
  (in any wording: ``Gold label:``, ``Actual Label:``, ``True class:``; a ``Predicted Label:``
  line is the prediction, so each block counts once);
- list items with the labels in brackets: ``3. "flat and dull" [pred: positive | true:
  negative]``, ``- "not bad at all" (predicted negative, actually positive)``;
- quoted inline in prose: ``the model called "not bad at all" negative although it is
  positive`` (a quoted text in a sentence that names the prediction and the truth);
- DataFrames printed in a notebook's output (columns split by runs of spaces), and tables a
  PDF export flattened (a header naming the truth and the prediction, then short rows).

A sample counts when its row, item or block names the ground truth: a table whose header
holds one of the truth words, a list item that mentions one (or the prediction and a label in
brackets), a labelled line whose label is one. Whatever the wording, a set of shown errors
also gives itself away by its labels: each sample names two labels of the task (what the
model said, what is right), and across the samples the same two labels come in both orders
("[negative; should be positive]", "[positive; should be negative]"). List items, labelled
blocks ("**Model thought:** negative / **Right answer:** positive") and quoted sentences that
name such a pair count too (:func:`exchanged_labels`). Nothing here judges whether the samples are really misclassified; the section they sit
in (found by the rubric's headings) says that.

Example:
    >>> lines = [Line("Truth: positive", "r.txt:3", "prose")] * 10
    >>> count_samples(lines, ("truth",))[0]
    10
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from toolkit.grading.report_text import (
    NAMED_BY_NUMBER,
    Line,
    count_words,
    markdown_tables,
    mentions,
)

# A numbered or bulleted list item ("1. ...", "- ...", "• ...").
LIST_ITEM = re.compile(r"^\s*(\d{1,3}[.)]|[-*•+])\s+\S")
_LABEL = re.compile(r"^\s*(?:>\s*)?[-*•]?\s*(\*\*|__|[*_`])?(?P<label>[A-Za-z][\w /'-]{0,30}?)"
                    r"\s*(\*\*|__|[*_`])?\s*:")
_SPLIT = re.compile(r"\t+|\s{2,}|\s*\|\s*")  # tabs, spaces or pipes between columns
READ_KINDS = ("prose", "table", "generated", "output")
# Words that mark a line as a shown sample with its ground truth, whatever the rubric says.
TRUTH_WORDS = ("true", "truth", "gold", "actual", "label", "expected", "correct")
# A label naming the model's answer ("Predicted Label:", "Model said:") is not the truth.
_PREDICTION = re.compile(r"\b(pred|model\b|guess|output|classified|says?\b|said)", re.I)
# ... and the model's answer in a sentence: "the model" alone is any sentence about it ("they
# tuned the model ... (early stopping at 7)" is a reason, not a sample with its label)
_PREDICTED = re.compile(r"\b(pred|guess|output|classified|says?\b|said)", re.I)
# Code in backticks ("`x[..., None]`"): its brackets hold no label.
_CODE_SPAN = re.compile(r"`[^`\n]{0,200}`")
# A label in brackets ("[negative; should be positive]", "(positive)"), not a measurement
# ("(528 MB)", "(~90%)").
_BRACKETED = re.compile(r"[\[(](?![\s~\u2248<>]*\d[\d.,]*\s*(?:%|[A-Za-z]{1,3}\b))[^\])]{2,80}[\])]")
# Where a sentence or clause of prose holding a quoted sample ends.
_CLAUSE_END = re.compile(r"(?<=[.!?;])\s+")
# Inline: a quoted text (closed by its own mark: "it 's not a masterpiece" holds
# apostrophes), then what the model said and what is right, in one sentence.
_QUOTED = re.compile(r"\"(?P<straight>[^\"\n]{3,200}?)\"|\u201c(?P<curly>[^\u201d]{3,200}?)\u201d"
                     r"|'(?P<single>[^'\n]{3,200}?)'")
# A quote between curly marks (no clause ends inside it, see _clauses).
_CURLY_QUOTE = re.compile("\u201c[^\u201d]{0,200}\u201d")
_INLINE_PREDICTION = re.compile(r"\b(predict\w*|label(?:l)?ed|classif\w*|called|tagged|"
                                r"marked|read as|took|the model|got)\b", re.I)
_INLINE_TRUTH = re.compile(r"\b(although|though|but|while|instead of|actually|true|truth|"
                           r"really|in fact|should be|gold|misclassif\w*|wrong\w*|mistak\w*|"
                           r"incorrect\w*)\b", re.I)
# One sample on one line: "test #18 -- [true 3] predicted 8", "Review: ... | Model: positive |
# Answer: negative": the truth and the prediction named, and a mark of a shown sample (a
# number or list marker in front, a quote, cells split by "|", brackets).
_LINE_TRUTH = re.compile(r"\b(true|truth|gold|actual\w*|correct\w*|answer|should be|"
                         r"really|expected|true label)\b", re.I)
_LINE_PREDICTION = re.compile(r"\b(pred\w*|model\w*|guess\w*|classified|called|read as|"
                              r"output|said|says)\b", re.I)
_LINE_MARK = re.compile(r"^\s*(?:>\s*)?(?:\d{1,3}[.)]|[-*•+]|#\s?\d|\w+\s#?\d{1,5}\b)|[\"\u201c|\[]")
# "true -> predicted" list items: "1. a 4 -> 9", "- cat -> dog (0.61)"; or a program's lines
# that open with the pair in brackets: "[pos->neg] 0.97 the film is strictly routine ...".
_ARROW_ITEM = re.compile(r"^\s*(?:(?:\d{1,3}[.)]|[-*•+])\s+.{0,60}?\S\s*(?:->|→|=>)\s*\S|"
                         r"\[\s*[\w/ -]{1,20}?\s*(?:->|→|=>)\s*[\w/ -]{1,20}\]\s*\S)")


def _quoted(text: str) -> list[str]:
    """The texts quoted in ``text``, each between its own pair of marks."""
    return [match["straight"] or match["curly"] or match["single"]
            for match in _QUOTED.finditer(text)]


def _clauses(text: str) -> list[str]:
    """The sentences and clauses of ``text``, not cut inside a double quote ("the first half
    is a delight ; the second half is a chore" is one sample)."""
    quoted = bytearray(len(text))  # 1 inside a quote: straight marks paired in turn
    marks = [at for at, char in enumerate(text) if char == '"']
    spans = [(start, stop) for start, stop in zip(marks[::2], marks[1::2], strict=False)]
    spans += [match.span() for match in _CURLY_QUOTE.finditer(text)]
    for start, stop in spans:
        quoted[start:stop] = b"\x01" * (stop - start)
    cuts = [end.end() for end in _CLAUSE_END.finditer(text) if not quoted[end.start()]]
    return [text[start:stop] for start, stop in zip([0, *cuts], [*cuts, len(text)],
                                                    strict=True)]


def _names_truth(text: str, truth_words: Sequence[str]) -> bool:
    """Without truth words, any table or list counts."""
    return not truth_words or any(mentions(text, word) for word in truth_words)


# Inside a label of several words an adverb says how, not which label: "Where I'd actually
# use this:" labels an answer; "Actually:" alone still names the truth.
_ADVERB = re.compile(r"\b[a-z]+ly\b", re.I)


def _label_names_truth(label: str, truth_words: Sequence[str]) -> bool:
    """Does a line's run-in label name the sample's truth ("Actual label", "Truth")?"""
    return _names_truth(_ADVERB.sub(" ", label) if len(label.split()) > 1 else label,
                        truth_words)


_TOP_1 = re.compile(r"\btop[- ]?1\b", re.I)
_MARKUP = re.compile(r"[*_`]|\([^()]*\)")


# A probability after the class, without brackets: "tabby 0.58", "cup: 44%"
_TRAILING_SCORE = re.compile(r"\s*[:=,]?\s*\d*[.,]?\d+\s*%?\s*$")


def _class_name(cell: str) -> str:
    """The class a cell names, without markup or a probability after it (a digit class "7"
    stays: it is the whole cell)."""
    cell = _MARKUP.sub(" ", cell)
    name = _TRAILING_SCORE.sub("", cell)
    return name if name.strip() else cell


def _same_label(truth: str, predicted: str) -> bool:
    """Do two cells name the same class ("espresso_maker" and "espresso_maker (0.81)",
    "tabby" and "tabby 0.58")?"""
    truth, predicted = (" ".join(_class_name(cell).lower().split()) for cell in (truth, predicted))
    return bool(truth) and truth == predicted


def _wrong(header: Sequence[str], rows: Sequence[Sequence[str]], truth_words: Sequence[str]
           ) -> list[int]:
    """The indexes of the rows whose prediction is not their true label. A table of every
    photo with its true class and top-1 ("| tabby | tabby (0.46) |") shows the right ones
    too, and those are no errors; a table without both columns is all errors."""
    truth = next((i for i, cell in enumerate(header) if _names_truth(cell, truth_words)
                  and not _PREDICTION.search(cell)), None)
    predicted = next((i for i, cell in enumerate(header) if i != truth
                      and (_PREDICTION.search(cell) or _TOP_1.search(cell))), None)
    return [index for index, row in enumerate(rows)
            if not truth_words or truth is None or predicted is None
            or len(row) <= max(truth, predicted) or not _same_label(row[truth], row[predicted])]


def _wrong_rows(table, truth_words: Sequence[str]) -> tuple[int, Line | None]:
    """``(rows, the first one's line)``: the rows of a table of samples that are errors."""
    wrong = [table.row_lines[index] for index in _wrong(table.header, table.rows, truth_words)]
    return len(wrong), (wrong[0] if wrong else None)


# A printed DataFrame whose index has a name puts that name on a line of its own, between the
# header and the rows ("test_index").
_INDEX_NAME = re.compile(r"^\s*[A-Za-z_]\w{0,30}\s*$")
# A rule typed under a plain-text table's header ("  ------------" or "==== | ====")
_HEADER_RULE = re.compile(r"^\s*[-=_~+|: ]*[-=_~]{3}[-=_~+|: ]*$")


def _text_table_rows(lines: list[Line], truth_words: Sequence[str]) -> tuple[int, Line | None]:
    """Rows under a header naming the truth, in runs of lines split by tabs, spaces or pipes."""
    best, first = 0, None
    run: list[Line] = []
    gap = False  # a blank line was passed between the header and its first row
    for line in lines + [Line("", "", "blank")]:
        # (a Markdown table's rows are read as its table, see _wrong_rows)
        if len(run) == 1 and _HEADER_RULE.match(line.text):
            continue  # a rule typed under the header
        cells = [c for c in _SPLIT.split(line.text.strip()) if c] \
            if line.kind not in ("blank", "heading", "table") else []
        if len(cells) >= 3 and (not run or abs(len(cells) - _width(run[0])) <= 1):
            run.append(line)
            continue
        if len(run) == 1 and _INDEX_NAME.match(line.text):
            continue  # a printed DataFrame's index name, on its own line under the header
        if len(run) == 1 and line.kind == "blank" and not gap and \
                _names_truth(run[0].text, truth_words):
            gap = True  # a header naming the truth, a blank line, then its rows
            continue
        if len(run) >= 3 and _names_truth(run[0].text, truth_words):
            # a printed table of every sample: its errors only (the rows' cells line up)
            wrong = [run[1 + index] for index in _wrong(
                _cells(run[0]), [_cells(row) for row in run[1:]], truth_words)]
            if len(wrong) > best:
                best, first = len(wrong), wrong[0]  # the first sample, under the header
        run, gap = ([line] if len(cells) >= 3 else []), False
    return best, first


SHORT_HEADER_WORDS = 8  # a flattened table's header of more words: rows opening with numbers
MAX_HEADER_WORDS = 12
_OPENS_WITH_NUMBER = re.compile(r"^\s*\d{1,6}\b")


def _flattened_table_rows(lines: list[Line], truth_words: Sequence[str]
                          ) -> tuple[int, Line | None]:
    """A table whose columns a PDF export flattened into single spaces: a short header line
    naming the truth and the prediction ("Sentence True Predicted Confidence"), then rows of
    a few words each, up to a blank line, a heading or a sentence of prose."""
    best, first = 0, None
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        words = line.text.split()
        if not (2 <= len(words) <= MAX_HEADER_WORDS
                and _names_truth(line.text, truth_words or TRUTH_WORDS)
                and _PREDICTION.search(line.text)):
            continue
        # A header of many words ("test index true label predicted confidence error type fix
        # idea") may be a sentence of prose: its rows must then open with a number.
        numbered_only = len(words) > SHORT_HEADER_WORDS
        if words[0].lower().rstrip(".") in _INDEX_COLUMNS:
            rows, row_one, after = _numbered_rows(lines, index)
            if rows >= 2:  # rows numbered 1, 2, ...; else rows of another index: by lines
                if rows > best:
                    best, first = rows, row_one
                index = after
                continue
        rows = 0
        while index < len(lines):  # the rows; the next header is looked for after them
            size = len(lines[index].text.split())
            if lines[index].kind in ("blank", "heading") or size < 3 or size > 30 or (
                    size > 12 and lines[index].text.rstrip().endswith(".")) or (
                    numbered_only and not _OPENS_WITH_NUMBER.match(lines[index].text)):
                break
            rows += 1
            index += 1
        if rows > best:
            best, first = rows, lines[index - rows]  # the first row under the header
    return best, first


# A flattened table's first column numbering its rows ("# Sentence True Pred. Conf. Tags")
_INDEX_COLUMNS = frozenset({"#", "no", "nr", "n", "index", "idx", "id"})
_ROW_NUMBER = re.compile(r"^\s*(\d{1,3})\b")
MAX_WRAPPED_LINES = 6  # a row wrapped over more lines than this: the table has ended


def _numbered_rows(lines: list[Line], index: int) -> tuple[int, Line | None, int]:
    """``(rows, the first row's line, the index after the table)`` of a flattened table whose
    rows are numbered 1, 2, 3 ... from line ``index``: a PDF wraps a long sentence's row over
    several lines ("2 watching haneke 's film is , aptly enough , a challenge and a" /
    "punishment ." / "0 1 0.86"), so the rows are counted by their numbers, not by lines."""
    rows, first, since = 0, None, 0
    while index < len(lines) and lines[index].kind not in ("blank", "heading") \
            and since <= MAX_WRAPPED_LINES:
        number = _ROW_NUMBER.match(lines[index].text)
        if number and int(number[1]) == rows + 1:
            rows, since = rows + 1, 0
            first = first or lines[index]
        else:
            since += 1
        index += 1
    return rows, first, index


def _cells(line: Line) -> list[str]:
    return [c for c in _SPLIT.split(line.text.strip()) if c]


def _width(line: Line) -> int:
    return len(_cells(line))


def _list_items(lines: list[Line]) -> list[list[Line]]:
    """List items with their continuation lines (a wrapped PDF line belongs to its item)."""
    items: list[list[Line]] = []
    for line in lines:
        if line.kind in ("blank", "heading"):
            if items and items[-1]:
                items.append([])
            continue
        if LIST_ITEM.match(line.text):
            items.append([line])
        elif items and items[-1]:
            items[-1].append(line)
    return [item for item in items if item]


def count_samples(lines: Sequence[Line], truth_words: Sequence[str]
                  ) -> tuple[int, Line | None]:
    """``(samples, first line)`` of the largest table, list or set of labelled blocks."""
    # Headings stay: like a blank line, a heading ends a table, a list or a run of arrows (a
    # table flattened by a PDF export would otherwise run on into the next section's lines).
    lines = [line for line in lines if line.kind in READ_KINDS or line.kind in ("blank", "heading")]
    candidates: list[tuple[int, Line | None]] = [(0, None)]
    for table in markdown_tables(lines):
        if any(_names_truth(cell, truth_words) for cell in table.header):
            candidates.append(_wrong_rows(table, truth_words))
    candidates.append(_text_table_rows(lines, truth_words))
    # before a flattened table's: the first of such lines is no header over the rest
    candidates.append(_label_pair_lines(lines))
    candidates.append(_flattened_table_rows(lines, truth_words))
    every_item = _list_items(lines)
    items = [item for item in every_item if _shows_sample(item, truth_words)]
    candidates.append((len(items), items[0][0] if items else None))
    labelled = _wrong_labelled_lines(lines, truth_words)
    candidates.append((len(labelled), labelled[0] if labelled else None))
    candidates.append(_inline_samples(lines))
    candidates.append(_sample_lines(lines))
    candidates.append(_arrow_items(lines))
    candidates.append(_read_as_items(lines))
    candidates.append(_inline_arrows(lines))
    candidates.append(_units_with_labels([(item[0], " ".join(line.text for line in item))
                                          for item in every_item]))
    candidates.append(_units_with_labels(_labelled_blocks(lines)))
    candidates.append(_quoted_sentences_with_labels(lines))
    candidates.append(_items_under_lead_in(lines))
    candidates.append(_legend_pairs(lines))
    return max(candidates, key=lambda pair: pair[0])


# A legend that says which of each pair is the truth, then the pairs: "Misclassified test
# digits (true/pred): 7/2, 4/9, 9/4", "errors [actual -> predicted]: cat->dog, ..."
_PAIR_LEGEND = re.compile(r"\b(?:true|truth|actual|gold|correct|expected|label)\w*\s*"
                          r"(?:/|->|\u2192|vs\.?|,)\s*(?:pred\w*|model|output|guess\w*)\b"
                          r"[)\]]?\s*:?", re.I)
_PAIR = re.compile(r"(?<![\w./-])(?P<truth>[A-Za-z0-9][\w-]{0,15})\s?(?:/|->|\u2192)\s?"
                   r"(?P<predicted>[A-Za-z0-9][\w-]{0,15})(?![\w/-])")
# A pair followed by how often it happened ("4 -> 9 (12 times)", "7/2 x5"): classes confused,
# not samples shown
_PAIR_COUNT = re.compile(r"^\s*(?:\(\s*)?(?:\d+\s*(?:times|x)\b|[x\u00d7]\s?\d+)", re.I)
LEGEND_PAIRS = 3  # pairs after the legend, at least


def _legend_pairs(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """Pairs of labels listed after a legend naming the truth and the prediction, each pair
    a sample ("7/2" a 7 read as a 2); a pair of the same label twice is no error."""
    for line in lines:
        if line.kind not in READ_KINDS:
            continue
        legend = _PAIR_LEGEND.search(line.text[:5000])
        if legend is None:
            continue
        text = line.text[legend.end():legend.end() + 5000]
        pairs = [pair for pair in _PAIR.finditer(text)
                 if pair["truth"].lower() != pair["predicted"].lower()]
        if any(_PAIR_COUNT.match(text[pair.end():pair.end() + 20]) for pair in pairs):
            return 0, None
        if len(pairs) >= LEGEND_PAIRS:
            return len(pairs), line
    return 0, None


# A list's lead-in that names both labels for all its items: "Ten positive test sentences that
# the model classified as negative:", "digits 4 read as 9"
_LEAD_IN = re.compile(r"\b(?P<truth>[A-Za-z][\w-]*)\s+(?:(?:test|dev|validation)\s+)?(?:sentences"
                      r"|images|photos|pictures|reviews|digits|samples|examples|texts)\b[^.:;]{0,80}?"
                      r"\b(?:classified|predicted|labell?ed|mistaken|taken|read)\s+(?:as|for)\s+"
                      r"(?:an?\s+)?(?P<predicted>[A-Za-z][\w-]*)", re.I)
_NO_LABEL = re.compile(r"misclassif\w*|wrong\w*|incorrect\w*|errors?|mistak\w*|falsely|"
                       r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|"
                       r"twenty|some|few|several|many|most|all|other", re.I)


def _items_under_lead_in(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """A list whose lead-in gives every item's labels at once ("Ten positive test sentences
    that the model classified as negative:" over ten numbered sentences)."""
    best, first, run, intro, after_blank = 0, None, [], [], False
    for line in [*lines, Line("", "", "heading")]:
        if line.kind == "blank":
            after_blank = True
            continue
        if line.kind != "heading" and LIST_ITEM.match(line.text):
            run.append(line)
            after_blank = False
            continue
        if run and line.kind != "heading" and not after_blank:
            continue  # a wrapped item goes on
        if run:
            lead = _LEAD_IN.search(" ".join(intro))
            if lead and len(run) > best and lead["truth"].lower() != lead["predicted"].lower() \
                    and not any(_NO_LABEL.fullmatch(lead[name]) or lead[name].lower()
                                in ENGLISH_STOP_WORDS for name in ("truth", "predicted")):
                best, first = len(run), run[0]
            run, intro = [], []
        intro = [] if line.kind == "heading" else [*([] if after_blank else intro[-2:]),
                                                   line.text]
        after_blank = False
    return best, first


# --- labels exchanged across samples ---------------------------------------------------------

_LABEL_WORD = re.compile(r"[a-z][a-z\-]{1,30}")
MIN_EXCHANGED = 3  # units naming a pair of labels, in each order together, for it to count


def _outside_quotes(text: str) -> str:
    """The words a student wrote around the samples' own text (quoted texts taken out)."""
    return _QUOTED.sub(" ", text)


def _label_words(text: str) -> list[str]:
    words = _LABEL_WORD.findall(_outside_quotes(text).lower())
    return [word for word in words if word not in ENGLISH_STOP_WORDS]


def exchanged_labels(units: Sequence[str]) -> set[frozenset[str]]:
    """Pairs of words that the units (list items, blocks, sentences) name in both orders:
    the labels of a task's errors ("negative" before "positive" in some samples, after it in
    others). Each pair must come together in :data:`MIN_EXCHANGED` units or more."""
    orders: dict[tuple[str, str], int] = {}
    for unit in units:
        words = list(dict.fromkeys(_label_words(unit)))[:40]
        for i, first in enumerate(words):
            for second in words[i + 1:]:
                orders[first, second] = orders.get((first, second), 0) + 1
    together = {frozenset(pair): count + orders[pair[1], pair[0]]
                for pair, count in orders.items() if (pair[1], pair[0]) in orders}
    # The errors' labels are the pairs most units name: words that only happen to come in
    # both orders in a few other items ("Word vectors: ... GloVe", "GloVe: Global Vectors")
    # are no labels.
    most = max(together.values(), default=0)
    return {pair for pair, count in together.items()
            if count >= MIN_EXCHANGED and count * 2 >= most}


def _names_a_pair(text: str, pairs: set[frozenset[str]]) -> bool:
    words = set(_label_words(text))
    return any(pair <= words for pair in pairs)


def _units_with_labels(units: list[tuple[Line, str]]) -> tuple[int, Line | None]:
    """``(how many units name a pair of exchanged labels, the first one's line)``."""
    if len(units) < MIN_EXCHANGED:
        return 0, None
    pairs = exchanged_labels([text for _, text in units])
    found = [line for line, text in units if pairs and _names_a_pair(text, pairs)]
    return len(found), found[0] if found else None


def _blocks(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of lines between blank lines or headings."""
    blocks: list[list[Line]] = [[]]
    for line in lines:
        if line.kind in ("blank", "heading"):
            if blocks[-1]:
                blocks.append([])
        else:
            blocks[-1].append(line)
    return [block for block in blocks if block]


def _label_value(line: Line, truth_words: Sequence[str]) -> tuple[str, str] | None:
    """``("truth" or "predicted", the value)`` of a labelled line ("Actual Label: 1")."""
    if LIST_ITEM.match(line.text) or not (match := _LABEL.match(line.text)):
        return None
    value = line.text[match.end():].strip()
    if _PREDICTION.search(match["label"]):
        return "predicted", value
    return ("truth", value) if _label_names_truth(match["label"], truth_words) else None


NEAR_LINES = 3  # a sample's truth and prediction lines lie this close in its block


def _wrong_labelled_lines(lines: Sequence[Line], truth_words: Sequence[str]) -> list[Line]:
    """The lines giving a sample's truth ("Actual Label: 1") in blocks of labelled lines,
    but for a sample whose prediction, in the nearest labelled line, is the same: a block
    showing a right answer ("Predicted Label: 1" / "Actual Label: 1") is no error."""
    found = []
    for block in _blocks(lines):
        values = [(i, _label_value(line, truth_words)) for i, line in enumerate(block)]
        predictions = [(i, value[1]) for i, value in values if value and value[0] == "predicted"]
        for i, value in values:
            if not value or value[0] != "truth":
                continue
            near = [(abs(i - j), predicted) for j, predicted in predictions
                    if abs(i - j) <= NEAR_LINES]
            if near and _same_label(value[1], min(near)[1]):
                continue
            found.append(block[i])
    return found


def annotated_blocks(lines: Sequence[Line], cause: re.Pattern, fix: re.Pattern
                     ) -> list[tuple[Line, str, str]]:
    """Blocks of labelled lines that give a sample's error type or cause and a fix idea
    ("why: sarcasm ..." / "fix: a transformer ..."), as ``(first line, cause, fix)``:
    ``cause`` and ``fix`` match the labels."""
    found = []
    for block in _blocks(lines):
        labelled = [(match["label"], line.text[match.end():].strip()) for line in block
                    if line.kind in READ_KINDS and (match := _LABEL.match(line.text))]
        kind = next((value for label, value in labelled
                     if value and cause.search(label) and not fix.search(label)), None)
        remedy = next((value for label, value in labelled if value and fix.search(label)), None)
        if kind and remedy:
            found.append((block[0], kind, remedy))
    return found


# Inside one sample's line: "... (p = 0.93). The loop is open. Type: ambiguous. Fix: a CNN."
_INLINE_LABEL = re.compile(r"(?:^|(?<=[\s.;,(]))(?P<label>[A-Za-z][A-Za-z ]{0,20}?)\s*:\s*"
                           r"(?P<value>[^.;:]*\w[^.;:]*)")


def annotated_lines(lines: Sequence[Line], cause: re.Pattern, fix: re.Pattern
                    ) -> list[tuple[Line, str, str]]:
    """Samples annotated inside their own line ("- Test index 1232: true label 9, predicted
    4 ... Type: ambiguous writing. Fix: shift augmentation"), as ``(line, cause, fix)``: a
    line holding a label that ``cause`` matches and a later one that ``fix`` matches."""
    found = []
    for line in lines:
        if line.kind not in READ_KINDS:
            continue
        labelled = [(match["label"].strip().lower(), match["value"].strip(), match.start())
                    for match in _INLINE_LABEL.finditer(line.text[:2000])]
        kind, kind_at = next(((value, at) for label, value, at in labelled
                              if cause.fullmatch(label) and not fix.search(label)), ("", -1))
        remedy = next((value for label, value, at in labelled
                       if fix.match(label) and at > kind_at), "") if kind else ""
        if kind and remedy:
            found.append((line, kind, remedy))
    return found


def _labelled_blocks(lines: Sequence[Line]) -> list[tuple[Line, str]]:
    """Blocks of two labelled lines or more ("Review: ...", "Model thought: ...") between
    blank lines or headings, as ``(first line, text)``."""
    return [(block[0], " ".join(b.text for b in block)) for block in _blocks(lines)
            if sum(bool(_LABEL.match(b.text)) for b in block) >= 2]


def _prose_paragraphs(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of prose lines that are no list items (a hard-wrapped paragraph)."""
    paragraphs: list[list[Line]] = [[]]
    for line in lines:
        if line.kind == "prose" and not LIST_ITEM.match(line.text):
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [paragraph for paragraph in paragraphs if paragraph]


def _quoted_sentences_with_labels(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """Quoted texts in sentences of prose that name a pair of exchanged labels ("called
    "..." negative when it is positive", "read "..." as positive though it is negative")."""
    sentences = []
    for paragraph in _prose_paragraphs(lines):  # a quote may be wrapped over two lines
        text = " ".join(line.text.strip() for line in paragraph)[:20_000]
        for sentence in _clauses(text):
            quoted = [q for q in _quoted(sentence) if len(q.split()) >= 2]
            if quoted:
                sentences.append((paragraph[0], sentence, quoted))
    if len(sentences) < MIN_EXCHANGED:
        return 0, None
    pairs = exchanged_labels([sentence for _, sentence, _ in sentences])
    seen: set[str] = set()
    first = None
    for line, sentence, quoted in sentences:
        if pairs and _names_a_pair(sentence, pairs):
            for text in quoted:
                if text.lower() not in seen:
                    seen.add(text.lower())
                    first = first or line
    return len(seen), first


# Where a figure's caption starts: a PDF's grid of pictures puts several captions on a line
# ("Figure 3: pred 9 / true 4 / p=0.71 Figure 4: pred 4 / true 9 / p=0.58 ...")
_CAPTION_START = re.compile(r"(?=(?<![\w-])(?:fig\.?|figure)\s*\d{1,3}\s*[:.\-]\s)", re.I)


def _captions(text: str) -> list[str]:
    """A line of several figures' captions as its captions; any other line whole."""
    if len(_CAPTION_START.findall(text)) < 2:
        return [text]
    return [caption for caption in _CAPTION_START.split(text) if caption.strip()]


def _sample_lines(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """Lines (or captions on one line, see :func:`_captions`) that each show one sample with
    its truth and its prediction (at most 40 words: a wrapped sentence of prose is no
    sample)."""
    found = [line for line in lines if line.kind not in ("blank", "heading")
             for text in _captions(line.text)
             if len(text.split()) <= 40 and _LINE_MARK.search(text)
             and _LINE_TRUTH.search(text) and _LINE_PREDICTION.search(text)]
    return len(found), found[0] if found else None


# A list item that names the truth as its subject and the prediction after it: "a 7 that the
# net read as 1 (index 1260): ...", "- an 8 the model took for a 3"
_READ_AS_ITEM = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*\u2022+])\s+(?:an?|one)\s+(?P<truth>[\w'-]{1,20})"
                           r"\s+(?:that|which|the|my|our)\b[^.;:\n]{0,30}?\b(?:read|took|taken|"
                           r"classified|predicted|labell?ed|called|mistook|mistaken|saw)\s+"
                           r"(?:it\s+)?(?:as|for)\s+(?:an?\s+)?(?P<predicted>[\w'-]{1,20})", re.I)


def _read_as_items(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """List items that each name a sample's truth and what the model read it as."""
    found = [line for line in lines if (item := _READ_AS_ITEM.match(line.text))
             and item["truth"].lower() != item["predicted"].lower()]
    return len(found), found[0] if found else None


def _arrow_items(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """A list of "true -> predicted" items, announced as such by the line before it (it names
    the truth, the prediction or the errors)."""
    best, first, run, intro = 0, None, [], ""
    for line in list(lines) + [Line("", "", "blank")]:
        if _ARROW_ITEM.match(line.text):
            run.append(line)
            continue
        if len(run) > best and re.search(r"true|truth|actual|predict|misclassif|wrong|error",
                                         intro, re.I):
            best, first = len(run), run[0]
        if run or line.kind != "blank":
            run, intro = [], line.text if line.kind != "blank" else intro
    return best, first


# "#4021 Shirt → T-shirt/top", "image 17: 4 -> 9": an arrow after a sample's number, inline
_INLINE_ARROW = re.compile(r"(?:#|\b(?:image|img|idx|index|sample|id|no\.?)\s?#?)\s?(\d{1,6})\b"
                           r"[^\n#]{0,40}?(?:->|\u2192|=>)")


def _inline_arrows(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """Numbered samples given inline as "true -> predicted" ("#4021 Shirt → T-shirt/top
    (0.99), #7188 ..."), in a paragraph that says what its arrows mean; class pairs without
    a sample's number ("4 -> 9 (12 times)") are a confusion count, not samples."""
    best, first = 0, None
    for paragraph in _prose_paragraphs(lines):
        text = " ".join(line.text for line in paragraph)[:20_000]
        if not re.search(r"true|truth|actual|predict|misclassif|wrong|error", text, re.I):
            continue
        numbers = set(_INLINE_ARROW.findall(text))
        if len(numbers) > best:
            best, first = len(numbers), paragraph[0]
    return best, first


# A bracket that only points elsewhere ("(lab 6)", "(see Figure 2)") holds no label
_POINTER = re.compile(r"[\[(]\s*(?:see\s+)?" + NAMED_BY_NUMBER.pattern + r"\s*[\])]", re.I)


def _shows_sample(item: list[Line], truth_words: Sequence[str]) -> bool:
    """A list item naming the truth, or the prediction with a label in brackets ("- Use a
    better model like BERT (lab 6)" names no label: its bracket points to another lab)."""
    text = _POINTER.sub(" ", " ".join(line.text for line in item))
    return _names_truth(text, truth_words) or bool(
        _PREDICTED.search(text) and _BRACKETED.search(_CODE_SPAN.sub(" ", text)))


# One sample per line as a program prints it: "12 pred: 6 true: 0", "true=pos pred=neg".
_PAIR_PREDICTED = re.compile(r"\b(?:pred|predicted|prediction|guess)\s*[:=]\s*(?P<value>[\w.+-]+)",
                            re.I)
_PAIR_TRUE = re.compile(r"\b(?:true|truth|actual|gold|label|correct|target)\s*[:=]\s*"
                        r"(?P<value>[\w.+-]+)", re.I)


def _label_pair_lines(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """Lines that each give a prediction and a different truth as labelled values, not in
    code: a notebook's printout of its errors ("12 pred: 6 true: 0" on ten lines)."""
    found = [line for line in lines if line.kind != "code"
             and (predicted := _PAIR_PREDICTED.search(line.text))
             and (truth := _PAIR_TRUE.search(line.text))
             and predicted["value"].lower() != truth["value"].lower()]
    return len(found), found[0] if found else None


def _inline_samples(lines: Sequence[Line]) -> tuple[int, Line | None]:
    """Quoted texts in prose sentences that say what the model predicted and what is true."""
    seen: set[str] = set()
    first = None
    for line in lines:
        if line.kind != "prose" or LIST_ITEM.match(line.text) or _LABEL.match(line.text):
            continue
        for sentence in _clauses(line.text[:5000]):
            if not (_INLINE_PREDICTION.search(sentence) and _INLINE_TRUTH.search(sentence)):
                continue
            for quoted in _quoted(sentence):
                if len(quoted.split()) >= 2 and quoted.lower() not in seen:
                    seen.add(quoted.lower())
                    first = first or line
    return len(seen), first


def _marks_sample(item: list[Line]) -> bool:
    """Does a list item on its own show a sample: a quoted text, a label in brackets or the
    model's answer next to the truth word ("- "not bad" predicted negative, true positive")?"""
    text = _CODE_SPAN.sub(" ", " ".join(line.text for line in item))
    return bool(_QUOTED.search(text) or _BRACKETED.search(text) or _LINE_PREDICTION.search(text)
                or _PREDICTION.search(text))


# A list item this long is the student's reasoning, even when it says "the record says" or
# "correct for": a shown sample with its note is a quote and a sentence or two.
SAMPLE_ITEM_WORDS = 60
# So is an item of this many sentences outside its quotes ("I tested 8 photos ... The panda
# was "giant panda" 0.97. But the dumplings were "bagel", because ...").
REASONING_SENTENCES = 3
# A sample shown alone, not in a list of them, is quoted or short: '- "not bad" (true
# positive, predicted negative)'
LONE_SAMPLE_WORDS = 30


# An item opening with the student's bold label of an answer ("- **Outside the lab:** ... with
# so little labelled data (for/against a bill) ..."): a reflection's answer, not a sample,
# unless the label names one ("- **Error 3:**", "- **Text:**", "- **True: pos**").
_ANSWER_LABEL = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])\s+(?:\*\*|__)"
                           r"(?![^*_\n]{0,40}(?:\d|\b(?:text|sentence|review|image|photo|digit|"
                           r"tweet|ticket|error|mistake|wrong|misclass\w*|sample|example|case|"
                           r"true|truth|gold|actual|label|pred\w*|model|output|guess|score|"
                           r"confidence)\b))"
                           r"[A-Za-z][^*_\n]{0,40}?[:.]?(?:\*\*|__)\s*[:.]?\s", re.I)


def _reasoning(item: list[Line]) -> bool:
    """Is a list item the student's own sentences, however many quotes it holds?"""
    text = _QUOTED.sub(" ", " ".join(line.text for line in item))
    return sum(len(part.split()) >= 3 for part in _CLAUSE_END.split(text)) >= REASONING_SENTENCES


def sample_lines(lines: Sequence[Line], truth_words: Sequence[str] = TRUTH_WORDS) -> set[int]:
    """``id()`` of the lines that show samples (rows, items, labelled blocks naming the truth,
    and the other lines of those blocks): data the student quotes, not their own reasoning."""
    lines = list(lines)
    found: set[int] = set()
    for table in markdown_tables(lines):
        if any(_names_truth(cell, truth_words) for cell in table.header):
            start = next(i for i, line in enumerate(lines) if line is table.first)
            found.update(id(line) for line in lines[start:start + len(table.rows) + 2])
    items = [item for item in _list_items(lines)
             if _shows_sample(item, truth_words) and count_words(item) <= SAMPLE_ITEM_WORDS
             and not _reasoning(item) and not _ANSWER_LABEL.match(item[0].text)]
    if len(items) == 1 and not (_marks_sample(items[0]) and (
            _QUOTED.search(" ".join(line.text for line in items[0]))
            or count_words(items[0]) <= LONE_SAMPLE_WORDS)):
        # "- I think some labels in SST-2 are wrong": a truth word in a sentence; "3. I would
        # use it on restaurant reviews ... a false negative (a bad review predicted positive)
        # costs more ...": a numbered answer whose words name a prediction, no sample shown
        items = []
    for item in items:
        found.update(id(line) for line in item)
    for block in _blocks(lines):
        if any((match := _LABEL.match(b.text)) and _label_names_truth(match["label"], truth_words)
               for b in block) and all(_LABEL.match(b.text) for b in block):
            found.update(id(b) for b in block)
    return found
