"""A printed page's running header and footer, in a scanned report's text or a PDF's.

A report printed and scanned back (OCR text), or a PDF's extracted text, carries each page's
furniture among the student's lines: "Page 2 of 3", "Lab report - page 2", the student's name
and matriculation number over every page, a rule above the footer. Read as the student's
words, the footer lengthened the answer it interrupts ("Dropout is useful for every model
that overfits, e.g. in industry." and then "Page 2 of 3 / Priya Natarajan DLK3 -
Reflections Matr. 7730415" reached the word count) and cut a sentence running over the page
break into two paragraphs.

:func:`page_furniture` finds those rows: a page number alone ("Page 2 of 3", "- 3 -"); a
row holding a page number that recurs on other pages with only its numbers changed ("H. Vogel
| Deep Learning WS 2026/27   1/4"); and, next to either, a rule or a row that recurs on
other pages (the name line). :func:`without_furniture` drops them, and joins a sentence the
page break had cut.

Example:
    >>> rows = ["I can read precision from my", "", "____________", "Page 1 of 2", "",
    ...         "Ana Lee   DLK3   Matr. 7730415", "", "own confusion matrix.", "",
    ...         "Ana Lee   DLK3   Matr. 7730415", "", "Next I want more data.", "Page 2 of 2"]
    >>> sorted(page_furniture(rows))
    [2, 3, 5, 9, 12]
    >>> [rows[n] for n in without_furniture(rows)]
    ['I can read precision from my', 'own confusion matrix.', '', 'Next I want more data.']
"""

from __future__ import annotations

import re
from collections import Counter

# A page's number alone on its row: "Page 2 of 3", "page 2", "- 3 -" (a bare "3/8" alone is
# a thread's post counter)
_PAGE_ALONE = re.compile(r"^\W*(?:page\s+\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|-\s*\d{1,3}\s*-)\W*$",
                         re.I)
# ... at a row's end: "Lab report - page 2", or after a gap or a bar "Deep Learning   1/4"
# (never "Epoch 1/3", a training log's)
_PAGE_AT_END = re.compile(r"(?:\s[-\u2013\u2014|]?\s*page\s+\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?"
                          r"|(?:\s{2,}|\s[-\u2013\u2014|]\s)(?:\d{1,3}\s*(?:of|/)\s*\d{1,3}|"
                          r"-\s*\d{1,3}\s*-))\s*$", re.I)
_RULE = re.compile(r"^\s*[_\-=~.\u2014\u2013]{10,}\s*$")
MAX_FURNITURE_CHARS = 120
NEAR_ROWS = 3  # a header's other rows sit this close to its page number


def _shape(row: str) -> str:
    """A row with its numbers and spacing evened out: the same on every page."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", row.strip())).lower()


def page_furniture(rows: list[str]) -> set[int]:
    """The indices of ``rows`` that are a page's header, footer or page number."""
    shapes = Counter(_shape(row) for row in rows if row.strip())
    numbered = {n for n, row in enumerate(rows) if len(row.strip()) <= MAX_FURNITURE_CHARS and (
        _PAGE_ALONE.match(row) or _PAGE_AT_END.search(row) and shapes[_shape(row)] >= 2)}
    if not numbered:
        return set()
    near = set()
    for n in numbered:
        for m in range(max(0, n - NEAR_ROWS), min(len(rows), n + NEAR_ROWS + 1)):
            row = rows[m]
            if m not in numbered and row.strip() and len(row.strip()) <= MAX_FURNITURE_CHARS \
                    and (_RULE.match(row) or shapes[_shape(row)] >= 2):
                near.add(m)
    return numbered | near


def without_furniture(rows: list[str]) -> list[int]:
    """The indices of the rows to keep: all but the page furniture, and but the blank rows
    around it where a sentence runs on over the page break (the row before it ends without
    a full stop, the row after it starts in lower case)."""
    furniture = page_furniture(rows)
    if not furniture:
        return list(range(len(rows)))
    kept: list[int] = []
    index = 0
    while index < len(rows):
        if index not in furniture:
            kept.append(index)
            index += 1
            continue
        # a run of furniture and blank rows: drop the furniture; a blank row ends the
        # paragraph there, unless the sentence goes on after the run
        blanks = []
        while kept and not rows[kept[-1]].strip():
            blanks.append(kept.pop())
        end = index
        while end < len(rows) and (end in furniture or not rows[end].strip()):
            if not rows[end].strip():
                blanks.append(end)
            end += 1
        before = rows[kept[-1]].rstrip() if kept else ""
        after = rows[end].lstrip() if end < len(rows) else ""
        runs_on = before and before[-1] not in ".!?:" and after[:1].islower()
        if blanks and kept and end < len(rows) and not runs_on:
            kept.append(min(blanks))
        index = end
    return kept
