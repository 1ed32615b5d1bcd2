"""Accuracies a report states, checked against the student's own run records.

A report that says "92.1% test accuracy" next to a ``record.json`` that measured 87.5% was
written for another run, copied, or mistyped: either way the instructor should look. This
module finds such claims and compares them with the record; it never changes a grade.

A claim is a number (``92.1%``, ``0.921``) within a few words of "accuracy" (or "acc") in a
line the student wrote. The split it is about is the nearest of test / validation / training
before it; none means any split. It is compared with every value of that split in the
student's records (test: ``metrics`` and the lab's ``results``; validation and training:
every epoch of ``history``), and it contradicts the records only when it is far from all of
them: more than the rounding of the number as written (half a percentage point at least).

Numbers about something else are left alone: a published or paper score, a baseline, chance,
a difference ("improved by 2%"), a share ("90% of the errors").

Example:
    >>> claims = accuracy_claims("The test accuracy was 92.1%.")
    >>> [(c.split, c.value) for c in claims]
    [('test', 0.921)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACCURACY = re.compile(r"\b(?:accuracy|accuracies|acc)\b", re.I)
NUMBER = re.compile(r"(?<![\w.])(?P<number>\d{1,3}(?:\.\d+)?|0?\.\d+)\s?(?P<percent>%|percent\b)?",
                    re.I)
SPLITS = {
    "test": re.compile(r"\b(?:test|testing|held[- ]out|evaluation|evaluated)\b", re.I),
    "validation": re.compile(r"\b(?:validation|val|dev|development)\b", re.I),
    "training": re.compile(r"\b(?:train|training|trained)\b", re.I),
}
# Words that make a number in the same clause someone else's score: before or after it.
OTHER_SCORE = re.compile(
    r"\b(?:published|paper|papers|reports?|reported|reference|benchmark|state[- ]of[- ]the[- ]art|sota|"
    r"baseline|literature|authors?|original|keras\.io|chance|random|majority|guess(?:ing)?|"
    r"logistic|sklearn|scikit|previous|earlier|target|goal|expected|lab\s?\d|gap|difference|"
    r"drop|gain|increase|decrease|improvement|improved)\b", re.I)
# A class's own accuracy ("the weakest class, Shirt, has 68%"), named anywhere in the sentence.
ONE_CLASS = re.compile(r"\b(?:class|per[- ]class|category)\b", re.I)
# Another metric named between "accuracy" and the number: the number is that metric's.
OTHER_METRIC = re.compile(r"\b(?:f1|f-1|f-score|precision|recall|loss|auc|roc|error|score|"
                          r"mae|mse|perplexity|bleu)\b|\.\s", re.I)
# Words right before or after a number that make it a difference or a share, not a score.
DIFFERENCE_BEFORE = re.compile(r"(?:\b(?:by|plus|minus)\s+(?:about\s+|around\s+|only\s+)?|"
                               r"[+\u00b1\u2212]\s*)$", re.I)
SHARE_AFTER = re.compile(r"^\s*(?:of\b|points?\b|pp\b|percentage\b|lower\b|higher\b|more\b|"
                         r"less\b|fewer\b|better\b|worse\b|below\b|above\b)", re.I)
_CLAUSE_END = re.compile(r"[,;()\[\]]|\.\s")
# "84% on the test set": a split named right after the number is the one it is about.
_SPLIT_AFTER = re.compile(r"\s*(?:on|in|for)\s+(?:the\s+)?(?P<split>\w+)", re.I)
WINDOW = 45          # characters between "accuracy" and its number
CONTEXT = 30         # characters of the clause before a number read for OTHER_SCORE
SPLIT_REACH = 60     # characters before "accuracy ... number" where the split may be named
MIN_TOLERANCE = 0.005  # half a percentage point: students truncate as often as they round


@dataclass(frozen=True)
class Claim:
    """A stated accuracy: its value as a fraction, its split ("" = not said) and the text."""

    value: float
    split: str
    tolerance: float
    text: str


def _value(match: re.Match) -> tuple[float, float] | None:
    """``(fraction, tolerance)`` of a number as written, or None when it is no accuracy."""
    number = match["number"]
    decimals = len(number.split(".")[1]) if "." in number else 0
    value = float(number)
    if match["percent"]:
        fraction, unit = value / 100, 10 ** -decimals / 100
    elif "." in number and value <= 1:
        fraction, unit = value, 10 ** -decimals
    else:
        return None  # "5 epochs", "128": a bare whole number is no accuracy
    if not 0.2 <= fraction <= 1.0:  # differences and error rates are small; no lab scores so
        return None
    return fraction, max(MIN_TOLERANCE, unit)


def _split_of(text: str, keyword: re.Match, start: int, end: int) -> str:
    """The split a number is about: named right after it ("84% on test"), else the one named
    nearest before it (from a little before "accuracy"), else one named soon after."""
    attached = _SPLIT_AFTER.match(text, end)
    if attached:
        split = next((name for name, pattern in SPLITS.items()
                      if pattern.fullmatch(attached["split"])), "")
        if split:
            return split
    best, best_at = "", -1
    reach = max(0, min(keyword.start(), start) - SPLIT_REACH)
    sentence = text.rfind(". ", reach, min(keyword.start(), start))
    for split, pattern in SPLITS.items():
        for match in pattern.finditer(text, sentence + 1 if sentence >= 0 else reach, start):
            if match.start() > best_at:
                best, best_at = split, match.start()
    if best:
        return best
    after = [(match.start(), split) for split, pattern in SPLITS.items()
             for match in pattern.finditer(text, end, max(keyword.end(), end) + 25)]
    return min(after)[1] if after else ""


def _clause_before(text: str, start: int) -> str:
    """Up to :data:`CONTEXT` characters before ``start``, from the last clause break on."""
    before = text[max(0, start - CONTEXT):start]
    pieces = _CLAUSE_END.split(before)
    return pieces[-1] if pieces else before


def _clause_after(text: str, end: int) -> str:
    return _CLAUSE_END.split(text[end:end + CONTEXT])[0]


def accuracy_claims(text: str) -> list[Claim]:
    """The accuracies one line of student text states."""
    if len(text) > 5000 or not ACCURACY.search(text):
        return []
    keywords = list(ACCURACY.finditer(text))
    claims = []
    for match in NUMBER.finditer(text):
        found = _value(match)
        if found is None:
            continue
        start, end = match.start(), match.end()
        near = [m for m in keywords
                if 0 <= start - m.end() <= WINDOW or 0 <= m.start() - end <= 15]
        if not near:
            continue
        before, after = _clause_before(text, start), _clause_after(text, end)
        if OTHER_SCORE.search(before) or OTHER_SCORE.search(after) \
                or DIFFERENCE_BEFORE.search(before) or SHARE_AFTER.match(after):
            continue
        # "accuracy of 84%" more often than "84% accuracy": the keyword before wins.
        before_number = [m for m in near if m.end() <= start]
        keyword = before_number[-1] if before_number else near[0]
        between = text[keyword.end():start] if keyword.end() <= start else text[end:keyword.start()]
        sentence = text[max(0, text.rfind(". ", 0, start) + 1, start - 120):start]
        if OTHER_METRIC.search(between) or ONE_CLASS.search(sentence):
            continue
        split = _split_of(text, keyword, start, end)
        snippet = text[max(0, start - 40):end + 10].strip()
        claims.append(Claim(found[0], split, found[1], snippet))
    return claims


def _numbers(value, path: str = ""):
    """``(path, number)`` for every number inside a record section."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield path, float(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value[:1000]:
            yield from _numbers(item, path)


def _fraction(value: float) -> float:
    return value / 100 if 1 < value <= 100 else value


def measured_accuracies(record: dict) -> dict[str, list[float]]:
    """The accuracies a record measured, per split (as fractions)."""
    found: dict[str, list[float]] = {"test": [], "validation": [], "training": []}
    for section in ("metrics", "results"):
        for path, value in _numbers(record.get(section)):
            if "acc" in path.lower():
                found["test"].append(_fraction(value))
    reference = record.get("reference")
    if isinstance(reference, dict) and isinstance(reference.get("measured"), (int, float)):
        found["test"].append(float(reference["measured"]))
    history = record.get("history")
    for epoch in history if isinstance(history, list) else []:
        if not isinstance(epoch, dict):
            continue
        for key, value in epoch.items():
            if "acc" in key.lower() and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                split = "validation" if key.lower().startswith("val") else "training"
                found[split].append(_fraction(float(value)))
    return found


def contradiction(claim: Claim, measured: dict[str, list[float]]) -> tuple[str, float] | None:
    """``(split, nearest measured value)`` when the claim is far from every value the records
    measured for its split; None when it agrees or there is nothing to compare it with."""
    if claim.split:
        splits = [claim.split]
        if claim.split == "test" and not measured["test"]:
            return None
    else:
        splits = ["test", "validation", "training"]
    values = [v for split in splits for v in measured.get(split, [])]
    if not values:
        return None
    nearest = min(values, key=lambda v: abs(v - claim.value))
    if abs(nearest - claim.value) <= claim.tolerance + 1e-9:
        return None
    closest_split = next(split for split in splits if nearest in measured.get(split, []))
    return closest_split, nearest
