"""Turning text into tokens: tokenizers, stop words, stemming, lemmatization, vocabularies.

NLTK ships its code with ``pip install nltk`` but its *data* separately. What works without
any download: the rule-based tokenizers (Treebank, WordPunct, Tweet, Toktok) and the
stemmers (Porter, Snowball). What needs ``nltk.download(...)``: ``word_tokenize``
(``punkt_tab``), the stop-word list (``stopwords``) and the WordNet lemmatizer
(``wordnet``). Every function here uses the NLTK data when it is present, falls back when
it is not (scikit-learn's English stop-word list; the ``simplemma`` package's lemma table,
which ships inside its wheel, instead of WordNet), and says which it used,
so a run record always names the resources behind its numbers.

Example:
    >>> from toolkit.text.processing import get_tokenizer, stop_words
    >>> get_tokenizer("regex")("It wasn't bad -- really!")
    ['it', 'was', "n't", 'bad', '--', 'really', '!']
    >>> words, source = stop_words()
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from toolkit.errors import CourseError

# The NLTK data each feature needs, and the command that installs it.
NLTK_RESOURCES = {
    "stopwords": "corpora/stopwords",
    "punkt_tab": "tokenizers/punkt_tab",
    "wordnet": "corpora/wordnet",
}

# Words that flip or soften sentiment. Every common English stop-word list removes most of
# them, which is why stop-word removal can *hurt* a sentiment classifier.
NEGATIONS = frozenset({"not", "no", "nor", "never", "n't", "cannot", "without", "nothing",
                       "none", "nobody", "neither", "but", "however", "although", "though"})

# Our regular-expression tokenizer, in order of preference:
#   -lrb- / -rrb-     the Penn Treebank's escaped brackets, as SST writes them
#   \w+(?=n't\b)      "do" of "don't", "wo" of "won't" (split as the Treebank does)
#   n't | '\w+        the clitics "n't", "'s", "'re", "'ll" as tokens of their own
#   \w+(?:-\w+)*      words, numbers, hyphenated words ("re-imagining")
#   [^\w\s]+          runs of punctuation ("--", "...", ":)")
REGEX_TOKEN = re.compile(r"-[lr][rsc]b-|\w+(?=n't\b)|n't\b|'\w+|\w+(?:-\w+)*|[^\w\s]+")


def nltk_resource_available(name: str) -> bool:
    """``True`` when the NLTK data ``name`` (``"stopwords"``, ``"punkt_tab"``, ``"wordnet"``)
    is installed."""
    import nltk

    try:
        nltk.data.find(NLTK_RESOURCES[name])
        return True
    except LookupError:
        return False


def nltk_status() -> dict[str, bool]:
    """Which NLTK resources are installed, e.g. ``{"stopwords": False, ...}``."""
    return {name: nltk_resource_available(name) for name in NLTK_RESOURCES}


def download_hint(name: str) -> str:
    return f'python -c "import nltk; nltk.download(\'{name}\')"'


# --- tokenizers -------------------------------------------------------------------------------

TOKENIZER_NOTES = {
    "regex": "our regular expression (keeps n't and 's as tokens, like the Treebank)",
    "whitespace": "str.split(): right for text that is already tokenized, like SST",
    "treebank": "nltk TreebankWordTokenizer: Penn Treebank rules, no data needed",
    "wordpunct": "nltk WordPunctTokenizer: splits at every punctuation mark",
    "tweet": "nltk TweetTokenizer: keeps emoticons and contractions whole",
    "toktok": "nltk ToktokTokenizer: fast, rule-based, no data needed",
    "punkt": "nltk word_tokenize: needs the punkt_tab data",
    "sklearn": "scikit-learn's default token_pattern \\b\\w\\w+\\b: drops 1-letter tokens "
               "and the n't of \"don't\"",
}
TOKENIZERS = tuple(TOKENIZER_NOTES)


def get_tokenizer(name: str = "regex", *, lowercase: bool = True) -> Callable[[str], list[str]]:
    """A function ``text -> tokens`` for one of :data:`TOKENIZERS`.

    Args:
        name: which tokenizer (default ``"regex"``, ours).
        lowercase: lower-case the text first (default ``True``; GloVe 6B is lower-case).

    Raises:
        CourseError: unknown name, or ``"punkt"`` without the ``punkt_tab`` data.
    """
    if name == "regex":
        base = REGEX_TOKEN.findall
    elif name == "whitespace":
        base = str.split
    elif name == "sklearn":
        base = re.compile(r"(?u)\b\w\w+\b").findall
    elif name in ("treebank", "wordpunct", "tweet", "toktok"):
        from nltk.tokenize import (
            ToktokTokenizer,
            TreebankWordTokenizer,
            TweetTokenizer,
            WordPunctTokenizer,
        )

        base = {"treebank": TreebankWordTokenizer, "wordpunct": WordPunctTokenizer,
                "tweet": TweetTokenizer, "toktok": ToktokTokenizer}[name]().tokenize
    elif name == "punkt":
        if not nltk_resource_available("punkt_tab"):
            raise CourseError("the punkt tokenizer needs NLTK's punkt_tab data, which is not "
                              "installed", fix=f"run {download_hint('punkt_tab')} or use "
                              "--tokenizer treebank (same rules, no data)")
        from nltk.tokenize import word_tokenize

        base = word_tokenize
    else:
        raise CourseError(f"unknown tokenizer '{name}'", fix="use one of " + ", ".join(TOKENIZERS))
    if lowercase:
        return lambda text: base(text.lower())
    return base


# --- stop words, stemming, lemmatization ------------------------------------------------------

def stop_words(*, keep_negations: bool = False) -> tuple[frozenset[str], str]:
    """The English stop-word list and where it came from.

    NLTK's list (179 words) when its ``stopwords`` data is installed, else scikit-learn's
    ``ENGLISH_STOP_WORDS`` (318 words). Both contain "not", "no" and "nor"; with
    ``keep_negations`` the words of :data:`NEGATIONS` are taken out of the list.

    Returns:
        ``(words, source)``, e.g. ``(frozenset({...}), "scikit-learn ENGLISH_STOP_WORDS (318
        words; NLTK stopwords data not installed)")``.
    """
    if nltk_resource_available("stopwords"):
        from nltk.corpus import stopwords

        words = frozenset(stopwords.words("english"))
        source = f"NLTK stopwords ({len(words)} words)"
    else:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words = frozenset(ENGLISH_STOP_WORDS)
        source = (f"scikit-learn ENGLISH_STOP_WORDS ({len(words)} words; NLTK stopwords data "
                  f"not installed: {download_hint('stopwords')})")
    if keep_negations:
        words = words - NEGATIONS
        source += ", negations kept"
    return words, source


def get_stemmer(name: str = "porter") -> Callable[[str], str]:
    """``word -> stem`` with NLTK's ``"porter"``, ``"snowball"`` or ``"lancaster"`` stemmer."""
    from nltk.stem import LancasterStemmer, PorterStemmer, SnowballStemmer

    stemmers = {"porter": PorterStemmer, "lancaster": LancasterStemmer,
                "snowball": lambda: SnowballStemmer("english")}
    if name not in stemmers:
        raise CourseError(f"unknown stemmer '{name}'", fix="use porter, snowball or lancaster")
    return stemmers[name]().stem


STOP_WORD_FILE_LIMIT = 1_000_000  # bytes: a stop-word list is a few kilobytes


def read_stop_words(path) -> frozenset[str]:
    """Your own stop-word list: words separated by new lines, spaces or commas; ``#`` starts a
    comment. Words are lower-cased (the tokenizers lower-case the text).

    Raises:
        CourseError: the file is missing, too large, not UTF-8 text, or holds no word.
    """
    from pathlib import Path

    path = Path(path)
    fix = "pass a UTF-8 text file with one stop word a line"
    try:
        size = path.stat().st_size
        if size > STOP_WORD_FILE_LIMIT:
            raise CourseError(f"stop-word file {path} is {size:,} bytes",
                              why=f"a stop-word list holds a few hundred words (limit "
                                  f"{STOP_WORD_FILE_LIMIT:,} bytes)", fix=fix)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError(f"cannot read the stop-word file {path}", why=str(error),
                          fix=fix) from None
    words = frozenset(word.lower() for line in text.splitlines()
                      for word in re.split(r"[\s,]+", line.split("#", 1)[0]) if word)
    if not words:
        raise CourseError(f"the stop-word file {path} holds no word", fix=fix)
    return words


LEMMATIZERS = ("auto", "wordnet", "simplemma")


def get_lemmatizer(name: str = "auto") -> tuple[Callable[[str], str] | None, str]:
    """``(word -> lemma, note)``, or ``(None, why)`` when the lemmatizer asked for is missing.

    Args:
        name: ``"wordnet"`` (NLTK's WordNetLemmatizer, needs the ``wordnet`` data),
            ``"simplemma"`` (a PyPI package whose English lemma table ships inside the wheel:
            works offline, no download), or ``"auto"`` (default): WordNet when its data is
            installed, else simplemma.

    The two differ: WordNet without a part of speech treats every word as a noun
    ("running" stays "running"), simplemma looks the form up in one table ("running" ->
    "run", "better" -> "good").
    """
    if name not in LEMMATIZERS:
        raise CourseError(f"unknown lemmatizer '{name}'", fix="use " + ", ".join(LEMMATIZERS))
    if name in ("auto", "wordnet") and nltk_resource_available("wordnet"):
        from nltk.stem import WordNetLemmatizer

        return WordNetLemmatizer().lemmatize, "NLTK WordNetLemmatizer (nouns)"
    if name == "wordnet":
        return None, f"WordNet lemmatization skipped: wordnet data not installed " \
                     f"({download_hint('wordnet')}; or use simplemma, which needs no data)"
    try:
        import simplemma  # noqa: F401  (only checks that it is installed)
    except ImportError:
        return None, ("lemmatization skipped: neither NLTK's wordnet data nor the simplemma "
                      f"package is installed ({download_hint('wordnet')} or pip install "
                      "simplemma)")
    note = "simplemma (English lemma table shipped with the package, no download)"
    if name == "auto":
        note += "; NLTK wordnet data not installed"
    return _SimplemmaEnglish(), note


class _SimplemmaEnglish:
    """``simplemma.lemmatize(word, lang="en")`` as a picklable callable (a lambda is not).

    simplemma restores the case its table knows ("tv" -> "TV"); a lower-case word keeps a
    lower-case lemma, so lemmatizing never splits one token into two spellings."""

    def __call__(self, word: str) -> str:
        import simplemma

        lemma = simplemma.lemmatize(word, lang="en")
        return lemma.lower() if word.islower() else lemma


@dataclass
class TextPreprocessor:
    """A picklable ``text -> tokens`` pipeline: tokenize, drop stop words, stem.

    Pass it to a scikit-learn vectorizer as ``tokenizer=`` (with ``lowercase=False`` and
    ``token_pattern=None``: the preprocessor does both).

    Args:
        tokenizer: a name from :data:`TOKENIZERS` (default ``"regex"``).
        remove_stop_words: drop the words of :func:`stop_words` (default ``False``).
        keep_negations: keep "not", "no", "n't"... even when removing stop words.
        stemmer: ``None`` (default) or ``"porter"`` / ``"snowball"`` / ``"lancaster"``.
        lemmatizer: ``None`` (default) or a name of :data:`LEMMATIZERS`; lemmatizes each
            token (before stemming, if both are asked for). A lemmatizer that is not
            installed is a CourseError saying what to install.
        lowercase: lower-case the text before tokenizing (default ``True``).
        custom_stop_words: your own list (:func:`read_stop_words`), removed instead of the
            standard one (default ``None``: none).
    """

    tokenizer: str = "regex"
    remove_stop_words: bool = False
    keep_negations: bool = True
    stemmer: str | None = None
    lemmatizer: str | None = None
    lowercase: bool = True
    custom_stop_words: frozenset[str] | None = None
    stop_word_source: str = field(default="", init=False)
    lemmatizer_note: str = field(default="", init=False)

    def __post_init__(self):
        self._tokenize = get_tokenizer(self.tokenizer, lowercase=self.lowercase)
        self._stop: frozenset[str] = frozenset()
        if self.custom_stop_words:
            self._stop = frozenset(self.custom_stop_words)
            self.stop_word_source = f"your list ({len(self._stop)} words)"
        elif self.remove_stop_words:
            self._stop, self.stop_word_source = stop_words(keep_negations=self.keep_negations)
        self._stem = get_stemmer(self.stemmer) if self.stemmer else None
        self._lemmatize = None
        if self.lemmatizer:
            self._lemmatize, self.lemmatizer_note = get_lemmatizer(self.lemmatizer)
            if self._lemmatize is None:
                raise CourseError(f"the {self.lemmatizer} lemmatizer is not available",
                                  why=self.lemmatizer_note,
                                  fix="pip install simplemma, or install the wordnet data")
        # The same word is lemmatized thousands of times in a corpus: remember each answer.
        self._lemma_cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        tokens = [t for t in self._tokenize(text) if t not in self._stop]
        if self._lemmatize:
            tokens = [self._lemma(t) for t in tokens]
        return [self._stem(t) for t in tokens] if self._stem else tokens

    @property
    def stop_list(self) -> frozenset[str]:
        """The words this pipeline removes (empty when it keeps them all)."""
        return self._stop

    def as_text(self, text: str) -> str:
        """The processed tokens joined by spaces (for a character n-gram vectorizer)."""
        return " ".join(self(text))

    def _lemma(self, token: str) -> str:
        lemma = self._lemma_cache.get(token)
        if lemma is None:
            lemma = self._lemma_cache[token] = self._lemmatize(token)
        return lemma

    def __getstate__(self):  # lambdas and NLTK objects are rebuilt on unpickling
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__post_init__()

    def describe(self) -> dict:
        return {"tokenizer": self.tokenizer, "tokenizer_note": TOKENIZER_NOTES[self.tokenizer],
                "lowercase": self.lowercase,
                "remove_stop_words": self.remove_stop_words or bool(self.custom_stop_words),
                "stop_words": self.stop_word_source or "kept",
                "stemmer": self.stemmer or "none",
                "lemmatizer": self.lemmatizer_note or "none"}


def token_counts(texts: Iterable[str], tokenize: Callable[[str], list[str]]) -> Counter:
    """How often every token occurs in ``texts``."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(tokenize(text))
    return counts


# --- vocabularies and padded sequences (for embedding models) ---------------------------------

PAD, UNK = "<PAD>", "<UNK>"


class Vocabulary:
    """Token <-> integer id, built from training texts, with ``<PAD>`` = 0 and ``<UNK>`` = 1.

    Args:
        counts: token frequencies of the *training* split (never the test split: the model
            must meet unseen words at test time, as it will in use).
        max_size: keep at most this many tokens, most frequent first (default ``None``: all).
        min_count: drop tokens seen fewer times (default 1).

    Example:
        >>> vocab = Vocabulary(token_counts(train_texts, tokenize), max_size=20000)
        >>> x = vocab.encode_padded([tokenize(t) for t in texts], length=40)
    """

    def __init__(self, counts: Counter, *, max_size: int | None = None, min_count: int = 1):
        kept = [(token, n) for token, n in counts.most_common() if n >= min_count]
        if max_size is not None:
            kept = kept[:max(0, max_size - 2)]
        self.tokens = [PAD, UNK] + [token for token, _ in kept]
        self.counts = {token: n for token, n in kept}
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.dropped = len(counts) - len(kept)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        unknown = self.index[UNK]
        return [self.index.get(token, unknown) for token in tokens]

    def encode_padded(self, token_lists: Sequence[Sequence[str]], length: int) -> np.ndarray:
        """Ids padded with 0 (``<PAD>``) or cut at the end to ``length``: int32 ``(N, length)``."""
        from keras.utils import pad_sequences

        return pad_sequences([self.encode(tokens) for tokens in token_lists], maxlen=length,
                             padding="post", truncating="post", value=0).astype("int32")

    def unknown_rate(self, token_lists: Sequence[Sequence[str]]) -> float:
        """Share of tokens in ``token_lists`` that map to ``<UNK>``."""
        total = sum(len(tokens) for tokens in token_lists)
        unknown = sum(token not in self.index for tokens in token_lists for token in tokens)
        return unknown / max(1, total)


def length_summary(lengths: Sequence[int], percentile: float = 95) -> dict:
    """Token-length statistics and the sequence length that covers ``percentile`` % of texts."""
    lengths = np.asarray(lengths)
    chosen = int(np.ceil(np.percentile(lengths, percentile)))
    return {"mean": round(float(lengths.mean()), 2), "median": float(np.median(lengths)),
            "p95": float(np.percentile(lengths, 95)), "p99": float(np.percentile(lengths, 99)),
            "max": int(lengths.max()), "percentile": percentile, "chosen_length": max(1, chosen),
            "truncated_share": round(float((lengths > chosen).mean()), 4)}
