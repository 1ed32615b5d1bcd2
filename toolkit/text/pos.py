"""Part-of-speech tags without any download, and whether named entities can be found offline.

NLTK's averaged-perceptron tagger needs its data (``nltk.download(
'averaged_perceptron_tagger_eng')``); TextBlob's ``PatternTagger`` (the Pattern library's
lexicon and rules, shipped inside the ``textblob`` wheel) needs none. :func:`pos_tagger` uses
NLTK's when its data is installed, else TextBlob's, and says which. Both write Penn Treebank
tags: ``NN*`` nouns, ``JJ*`` adjectives, ``VB*`` verbs, ``RB*`` adverbs ("not", "n't").

Named entities need a trained model: NLTK's ``ne_chunk`` needs its ``maxent_ne_chunker_tab``
and ``words`` data, spaCy a pipeline package; :func:`named_entity_status` says which exists.

Example:
    >>> tag, source = pos_tagger()
    >>> tag("It wasn't good")
    [('it', 'PRP'), ('was', 'VBD'), ("n't", 'RB'), ('good', 'JJ')]
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from toolkit.errors import CourseError
from toolkit.text.processing import download_hint, get_tokenizer

# Tag groups by Penn Treebank prefix.
TAG_GROUPS = {"nouns": "NN", "adjectives": "JJ", "verbs": "VB", "adverbs": "RB"}
PERCEPTRON = "taggers/averaged_perceptron_tagger_eng"
NER_DATA = ("chunkers/maxent_ne_chunker_tab", "corpora/words")


def _nltk_has(resource: str) -> bool:
    import nltk

    try:
        nltk.data.find(resource)
        return True
    except LookupError:
        return False


def pos_tagger(tokenizer: str = "regex") -> tuple[Callable[[str], list[tuple[str, str]]], str]:
    """``(text -> [(lower-case word, tag)], source)``: NLTK's perceptron or TextBlob's tagger.

    The text is cut by our ``tokenizer`` (case kept: capitals help the tagger) and each
    token is tagged; the words come back lower-cased.

    Raises:
        CourseError: neither NLTK's tagger data nor the textblob package is installed.
    """
    tokenize = get_tokenizer(tokenizer, lowercase=False)
    if _nltk_has(PERCEPTRON):
        from nltk import pos_tag

        def tag(text: str) -> list[tuple[str, str]]:
            return [(word.lower(), t) for word, t in pos_tag(tokenize(text))]

        return tag, "NLTK averaged perceptron tagger"
    try:
        from textblob.en.taggers import PatternTagger
    except ImportError:
        raise CourseError("part-of-speech tagging needs a tagger",
                          why="NLTK's averaged_perceptron_tagger_eng data and the textblob "
                              "package are both missing",
                          fix="pip install textblob (no download needed), or run "
                              f"{download_hint('averaged_perceptron_tagger_eng')}") from None
    tagger = PatternTagger()

    def tag(text: str) -> list[tuple[str, str]]:
        tokens = tokenize(text)
        if not tokens:
            return []
        return [(word.lower(), t) for word, t in tagger.tag(" ".join(tokens), tokenize=False)]

    return tag, ("TextBlob PatternTagger (lexicon and rules in the wheel, no download); NLTK "
                 "averaged_perceptron_tagger_eng data not installed")


def keep_tags(tagged: list[tuple[str, str]], groups: tuple[str, ...]) -> list[str]:
    """The words whose tag belongs to one of ``groups`` (names of :data:`TAG_GROUPS`)."""
    prefixes = tuple(TAG_GROUPS[group] for group in groups)
    return [word for word, tag in tagged if tag.startswith(prefixes)]


def named_entity_status() -> tuple[bool, str]:
    """``(available, note)``: can named entities be found offline on this machine?"""
    missing = [resource.split("/")[1] for resource in (PERCEPTRON, *NER_DATA)
               if not _nltk_has(resource)]
    if not missing:
        return True, "NLTK ne_chunk (maxent_ne_chunker_tab, words, perceptron tagger data)"
    spacy = importlib.util.find_spec("spacy") is not None
    return False, ("no offline named-entity model: NLTK's ne_chunk needs its "
                   f"{', '.join(missing)} data (nltk.download) and spaCy "
                   f"{'has no English pipeline here' if spacy else 'is not installed'}")
