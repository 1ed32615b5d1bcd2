"""Social-media text normalised before tokenizing (``--clean-social``).

A word-piece tokenizer cuts ``https://t.co/x9AbC1dEf2`` into about 15 meaningless pieces and
every ``@someone`` into pieces of a name the model cannot use. As in TweetEval (Barbieri et
al. 2020), a URL becomes ``http`` and a mention ``@user``; a hashtag keeps its words
(``#NeverAgain`` -> ``never again``), and HTML entities (``&amp;``) become characters.

Example:
    >>> clean_social("@ana LOVED it #BestMovieEver https://t.co/x9AbC1dEf2 &amp; more")
    '@user LOVED it best movie ever http & more'
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@\w{1,30}")
HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def split_hashtag(tag: str) -> str:
    """``BestMovieEver`` -> ``best movie ever``; ``fml`` stays ``fml``."""
    words = CAMEL.findall(tag)
    return " ".join(words).lower() if words else tag.lower()


def clean_social(text: str) -> str:
    """URLs -> ``http``, @mentions -> ``@user``, #hashtags -> their words, entities decoded,
    runs of spaces closed."""
    text = URL.sub("http", html.unescape(text))
    text = MENTION.sub("@user", text)
    text = HASHTAG.sub(lambda match: split_hashtag(match.group(1)), text)
    return " ".join(text.split())


def clean_all(texts: Sequence[str]) -> list[str]:
    """:func:`clean_social` of every text."""
    return [clean_social(text) for text in texts]
