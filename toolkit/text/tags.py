"""Automatic tags for sentences, to see *which kinds* of sentences a classifier gets wrong.

Each sentence gets the linguistic tags that apply to it: negation ("not", "n't", "never"),
contrast ("but", "although", "though"), an intensifier ("very", "so", "utterly"), a very
short phrase, a long sentence, many word pieces (rare words the vocabulary had to cut up),
and low model confidence. Comparing the error rate of each tag with the overall error rate
turns a pile of mistakes into hypotheses a student can test ("negated sentences fail twice as
often"). The tags are simple word lists, so they are transparent and sometimes wrong ("so" is
not always an intensifier): read the sentences, not only the rates.

Example:
    >>> tags = tag_texts(["it is not funny , but the cast tries hard", "a very good film"])
    >>> tags
    [['negation', 'contrast'], ['intensifier', 'short']]
    >>> error_rate_by_tag(tags, correct=[False, True])[0]
    {'tag': 'all', 'sentences': 2, 'errors': 1, 'error_rate': 0.5}
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

NEGATIONS = frozenset({"not", "n't", "no", "never", "nothing", "nobody", "none", "neither",
                       "nor", "nowhere", "without", "cannot", "hardly", "barely", "lacks",
                       "lack", "lacking"})
CONTRASTS = frozenset({"but", "although", "though", "however", "yet", "despite",
                       "nevertheless", "whereas"})
INTENSIFIERS = frozenset({"very", "really", "so", "too", "extremely", "incredibly", "utterly",
                          "totally", "absolutely", "completely", "highly", "truly", "quite",
                          "remarkably", "most", "deeply", "thoroughly", "genuinely", "just"})

# Defaults, in words / shares; every one can be overridden in tag_texts.
SHORT_WORDS = 6
LONG_WORDS = 30
MANY_SUBWORDS = 0.15
LOW_CONFIDENCE = 0.7

TAG_DESCRIPTIONS = {
    "negation": "a negation word (not, n't, never, no, without...)",
    "contrast": "a contrast word (but, although, though, however, yet...)",
    "intensifier": "an intensifier (very, so, too, utterly, really...)",
    "short": f"a very short phrase (<= {SHORT_WORDS} words)",
    "long": f"a long sentence (>= {LONG_WORDS} words)",
    "many_subwords": f"many word pieces (>= {MANY_SUBWORDS:.0%} of pieces are ## or [UNK])",
    "low_confidence": f"the model was unsure (confidence < {LOW_CONFIDENCE:.0%})",
}
TAGS = tuple(TAG_DESCRIPTIONS)

_WORD = re.compile(r"n't|[a-z0-9]+(?:'[a-z]+)?", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``; "don't" and the PTB form "do n't" both yield "n't"."""
    text = text.lower().replace("n't", " n't")
    return _WORD.findall(text)


def tag_text(text: str, *, subword_ratio: float | None = None, confidence: float | None = None,
             short_words: int = SHORT_WORDS, long_words: int = LONG_WORDS,
             many_subwords: float = MANY_SUBWORDS,
             low_confidence: float = LOW_CONFIDENCE) -> list[str]:
    """The tags of one sentence, in the order of :data:`TAGS`."""
    tokens = words(text)
    vocabulary = set(tokens)
    tags = []
    if vocabulary & NEGATIONS:
        tags.append("negation")
    if vocabulary & CONTRASTS:
        tags.append("contrast")
    if vocabulary & INTENSIFIERS:
        tags.append("intensifier")
    if len(tokens) <= short_words:
        tags.append("short")
    if len(tokens) >= long_words:
        tags.append("long")
    if subword_ratio is not None and subword_ratio >= many_subwords:
        tags.append("many_subwords")
    if confidence is not None and confidence < low_confidence:
        tags.append("low_confidence")
    return tags


def tag_texts(texts: Sequence[str], *, subword_ratios: Sequence[float] | None = None,
              confidences: Sequence[float] | None = None, **thresholds) -> list[list[str]]:
    """Tags of every text; ``subword_ratios`` and ``confidences`` are optional, per text.

    ``thresholds`` override the defaults: ``short_words``, ``long_words``, ``many_subwords``,
    ``low_confidence``.
    """
    count = len(texts)
    for name, values in (("subword_ratios", subword_ratios), ("confidences", confidences)):
        if values is not None and len(values) != count:
            raise ValueError(f"{count} texts but {len(values)} {name}")
    return [tag_text(text,
                     subword_ratio=None if subword_ratios is None else float(subword_ratios[i]),
                     confidence=None if confidences is None else float(confidences[i]),
                     **thresholds)
            for i, text in enumerate(texts)]


def error_rate_by_tag(tags: Sequence[Sequence[str]], correct: Sequence[bool]) -> list[dict]:
    """Per tag: how many sentences carry it, how many of them are wrong, the error rate.

    The first row, ``all``, is the overall error rate to compare against. Tags no sentence
    carries are left out.
    """
    correct = np.asarray(correct, dtype=bool)
    if len(tags) != len(correct):
        raise ValueError(f"{len(tags)} tag lists but {len(correct)} predictions")
    rows = [_rate_row("all", ~correct)]
    for tag in TAGS:
        mask = np.array([tag in sentence_tags for sentence_tags in tags], dtype=bool)
        if mask.any():
            rows.append(_rate_row(tag, ~correct[mask]))
    return rows


def _rate_row(name: str, wrong: np.ndarray) -> dict:
    return {"tag": name, "sentences": int(len(wrong)), "errors": int(wrong.sum()),
            "error_rate": round(float(wrong.mean()), 4) if len(wrong) else None}


def error_rate_by_length(lengths: Sequence[int], correct: Sequence[bool],
                         edges: Sequence[int] = (0, 10, 20, 30, 40)) -> list[dict]:
    """Error rate per length bucket (lengths in words): ``[0, 10)``, ``[10, 20)``, …, ``40+``."""
    lengths = np.asarray(lengths)
    correct = np.asarray(correct, dtype=bool)
    rows = []
    bounds = list(edges) + [None]
    for low, high in zip(bounds[:-1], bounds[1:], strict=True):
        mask = lengths >= low if high is None else (lengths >= low) & (lengths < high)
        label = f"{low}+" if high is None else f"{low}-{high - 1}"
        if mask.any():
            rows.append({"bucket": label, **{k: v for k, v in _rate_row(label, ~correct[mask])
                                              .items() if k != "tag"}})
    return rows


def tag_counts(tags: Sequence[Sequence[str]]) -> dict[str, int]:
    """How many sentences carry each tag."""
    return {tag: sum(tag in sentence_tags for sentence_tags in tags) for tag in TAGS}
