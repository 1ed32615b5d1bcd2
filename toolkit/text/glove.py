"""GloVe word vectors: load a GloVe text file once, then from a NumPy cache in a second.

A GloVe file holds one word per line followed by its vector, separated by single spaces::

    the 0.418 0.24968 -0.41242 ...

Parsing the 400,000 x 100 numbers of ``glove.6B.100d.txt`` takes a while, so the parsed
matrix is cached as an ``.npz`` file in the Keras cache (``~/.keras/datasets/glove_cache/``),
never beside the text file (its folder may be shared or read-only). The cache remembers the
size and modification time of the text file and is rebuilt when they change; a damaged cache
(truncated, corrupt) is detected, rebuilt, and the load says so.
:attr:`GloveVectors.load_info` says which path was taken and how long it took.

``--glove 6B.100d`` finds ``glove.6B.100d.txt`` through the data registry (``--data-dir``,
the Keras cache, then the 822 MB ``glove.6B.zip`` download; offline, the error names the
course's 1 MB subset as well); ``--glove-file PATH`` takes any file in GloVe format. A
malformed line (a word without numbers, a value that is not a number, a line wider or
narrower than the first) is a CourseError naming the line.

Example:
    >>> glove = load_glove(resolve_glove(glove_file="glove.6B.50d.top2446.txt"))
    >>> glove.nearest("good", k=3)
    [('better', 0.93), ('really', 0.92), ('always', 0.92)]   # (rounded)
    >>> glove.analogy("man", "king", "woman")   # man is to king as woman is to ...?
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from toolkit.errors import CourseError
from toolkit.formats import is_number
from toolkit.registry import fetch, find_local, keras_home

GLOVE_6B_NAME = re.compile(r"^(?:glove\.)?6B\.(50|100|200|300)d$")
CACHE_VERSION = 1
CHUNK_LINES = 20_000
OOV_STRATEGIES = ("random", "zero", "mean", "neighbors")
# The course's offline GloVe file: the 2,446 most frequent words of 6B.50d (registry glove_6b).
SUBSET_FILE = "glove.6B.50d.top2446.txt"


def resolve_glove(glove: str | None = "6B.100d", glove_file: str | Path | None = None,
                  data_dir: str | Path | None = None) -> Path:
    """The GloVe text file to use: ``glove_file`` if given, else the registry's ``glove``.

    Args:
        glove: a GloVe 6B name, ``"6B.50d"``, ``"6B.100d"`` (default), ``"6B.200d"`` or
            ``"6B.300d"``, fetched through the registry (entry ``glove_6b``).
        glove_file: any file in GloVe text format; wins over ``glove``.
        data_dir: extra folder for the registry to search (``--data-dir``).

    Raises:
        CourseError: the file does not exist; or the 6B file is not local and cannot be
            downloaded (the registry's message: file, size, URL, where to put it).
    """
    if glove_file is not None:
        path = Path(glove_file).expanduser()
        if not path.is_file():
            raise CourseError(f"the GloVe file {path} does not exist",
                              fix="check the path given to --glove-file")
        return path
    match = GLOVE_6B_NAME.match(glove or "")
    if not match:
        raise CourseError(f"unknown GloVe vectors '{glove}'",
                          fix="use --glove 6B.50d, 6B.100d, 6B.200d or 6B.300d, or "
                              "--glove-file PATH")
    try:
        return fetch("glove_6b", f"glove.6B.{match.group(1)}d.txt", data_dir)
    except CourseError as error:  # offline: the course's small subset works without a download
        raise CourseError(error.what, why=error.why,
                          fix=f"to run offline now, {offline_subset_hint(data_dir)}; for the full "
                              f"vectors, {error.fix}") from None


def offline_subset_hint(data_dir: str | Path | None = None) -> str:
    """How to run with the course's 1 MB GloVe subset (2,446 words, registry ``glove_6b``):
    its path when a copy is found (``--data-dir``, ``$KERASCOURSE_DATA``, the Keras cache),
    else where the course data keeps it."""
    found = find_local("glove_6b", SUBSET_FILE, data_dir)
    if found is not None:
        return f"pass --glove-file {found} (the course's 2,446-word subset)"
    return (f"pass --glove-file ../shared/data/glove_6B_50d_subset/{SUBSET_FILE} (the course's "
            f"1 MB subset, 2,446 words; it is in the course data folder, "
            f"--data-dir / $KERASCOURSE_DATA)")


def read_analogies(path: str | Path) -> list[tuple[str, str, str, str, str]]:
    """Read a word-analogy file in the format of word2vec's ``questions-words.txt``.

    ``: section`` lines open a section; every other line holds four words ``a b c d``
    ("a is to b as c is to d"), lower-cased here because GloVe 6B is. Blank lines and
    lines starting with ``#`` are skipped.

    Raises:
        CourseError: the file is missing, a line holds more or fewer than four words, or a
            question comes before any section.
    """
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"the analogy file {path} does not exist",
                          fix="pass a questions-words.txt file, or leave the flag out to use "
                              "the course's small subset")
    questions, section = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        words = line.lower().split()
        if len(words) != 4 or section is None:
            raise CourseError(f"{path} line {number} is not an analogy question",
                              why=f"it reads {line[:60]!r}" + (
                                  "" if section else " before any ': section' line"),
                              fix="each line holds four words 'a b c d' under a ': section' "
                                  "line, as in questions-words.txt")
        questions.append((section, *words))
    if not questions:
        raise CourseError(f"{path} holds no analogy questions", fix="check the file")
    return questions


# --- parsing ----------------------------------------------------------------------------------

def _bad_value_line(rows: list[tuple[int, str, str]], path: Path) -> CourseError:
    """Find the line of a chunk whose numbers do not parse, for the error message."""
    for number, word, values in rows:
        for value in values.split():
            try:
                if not np.isfinite(float(value)):
                    raise ValueError
            except ValueError:
                return CourseError(f"{path} line {number} is malformed",
                                   why=f"the vector of {word!r} holds {value[:20]!r}, "
                                       f"which is not a finite number",
                                   fix="repair or delete that line")
    return CourseError(f"{path} could not be parsed", fix="check that it is a GloVe text file")


def parse_glove_text(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Read a GloVe text file into ``(words, vectors)`` (float32, one row per word).

    The width of line 1 sets the dimension; every other line must have as many numbers.
    Words that hold spaces (a few lines of the 840B file) are accepted: the last
    ``dim`` fields are the vector. Numbers are parsed a chunk of lines at a time by NumPy
    (``np.fromstring``), which is ~10x faster than ``float()`` per value.
    """
    path = Path(path)
    words: list[str] = []
    blocks: list[np.ndarray] = []
    dim = None
    rows: list[tuple[int, str, str]] = []

    def flush():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy warns (not raises) on an unparsable value
            try:
                block = np.fromstring(" ".join(values for _, _, values in rows), sep=" ",
                                      dtype=np.float32)
            except (ValueError, DeprecationWarning):
                block = None
        if block is None or block.size != len(rows) * dim or not np.isfinite(block).all():
            raise _bad_value_line(rows, path)
        blocks.append(block.reshape(len(rows), dim))
        rows.clear()

    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                line = raw.decode("utf-8").rstrip()
            except UnicodeDecodeError as error:
                raise CourseError(f"{path} line {number} is not UTF-8 text",
                                  why=f"byte 0x{raw[error.start]:02x}",
                                  fix="GloVe files are UTF-8: re-encode the file") from None
            if not line:
                continue
            word, _, values = line.partition(" ")
            width = values.count(" ") + 1 if values else 0
            if dim is None:
                if width == 0:
                    raise CourseError(f"{path} line 1 holds no numbers",
                                      why=f"it reads {line[:40]!r}",
                                      fix="pass a GloVe text file: a word and its numbers per line")
                dim = width
            if width != dim:
                fields = line.split(" ")
                if len(fields) > dim + 1 and not is_number(fields[1]):
                    word, values = " ".join(fields[:-dim]), " ".join(fields[-dim:])
                else:
                    raise CourseError(
                        f"{path} line {number} has {width} numbers, line 1 has {dim}",
                        why=f"mixed widths (the word on line {number} is {word[:30]!r})",
                        fix="every line must have the same number of values; repair or delete "
                            "that line (a word2vec header line 'COUNT DIM' must be deleted)")
            words.append(word)
            rows.append((number, word, values))
            if len(rows) == CHUNK_LINES:
                flush()
    if rows:
        flush()
    if not words:
        raise CourseError(f"the GloVe file {path} is empty", fix="check the file")
    return words, np.concatenate(blocks)


# --- the cache --------------------------------------------------------------------------------

def cache_paths(path: str | Path) -> list[Path]:
    """Where the parsed cache of ``path`` lives: in the Keras cache, named after the file and
    a hash of its full path (two files of the same name get two caches)."""
    path = Path(path).resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    return [keras_home() / "datasets" / "glove_cache" / f"{path.name}-{digest}.npz"]


class _DamagedCache(Exception):
    """The cache file exists but cannot be read back (truncated, corrupt, wrong contents)."""


def _source_stamp(path: Path) -> np.ndarray:
    stat = path.stat()
    return np.array([CACHE_VERSION, stat.st_size, stat.st_mtime_ns], dtype=np.int64)


def _read_cache(cache: Path, stamp: np.ndarray) -> tuple[list[str], np.ndarray, float] | None:
    """``(words, vectors, seconds the text took to parse)``, or ``None`` when stale.

    Raises :class:`_DamagedCache` when the file cannot be read back as a whole.
    """
    try:
        with np.load(cache, allow_pickle=False) as saved:
            if not np.array_equal(saved["stamp"], stamp):
                return None  # the text file changed since: parse again
            words = saved["words"].tobytes().decode("utf-8").split("\n")
            vectors = np.asarray(saved["vectors"])  # reads (and CRC-checks) every byte now
            parse_seconds = float(saved["parse_seconds"])
    except Exception as error:  # a damaged zip raises many types (BadZipFile, zlib, EOF...)
        raise _DamagedCache(f"{type(error).__name__}: {str(error)[:80]}") from None
    if vectors.ndim != 2 or len(words) != len(vectors) or not np.isfinite(vectors).all():
        raise _DamagedCache(f"{len(words)} words for a {vectors.shape} matrix")
    return words, vectors, parse_seconds


def _writable(folder: Path) -> bool:
    """Can (and may) we write in ``folder``? A folder without any write permission bit counts
    as read-only even for root, who could write there anyway: shared data stays untouched."""
    while not folder.exists():  # a cache folder not made yet: ask its first existing parent
        folder = folder.parent
    return os.access(folder, os.W_OK) and bool(folder.stat().st_mode & 0o222)


def _write_cache(cache: Path, words: list[str], vectors: np.ndarray, stamp: np.ndarray,
                 parse_seconds: float) -> bool:
    """Write atomically (temp file + rename); ``False`` when the folder is read-only."""
    if not _writable(cache.parent):
        return False
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.name + f".{os.getpid()}.tmp.npz")
        # Words are stored as one UTF-8 byte string: no pickle needed to read them back.
        np.savez(tmp, words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
                 vectors=vectors, stamp=stamp, parse_seconds=np.float64(parse_seconds))
        os.replace(tmp, cache)
        return True
    except OSError:
        return False


def load_glove(path: str | Path, *, use_cache: bool = True) -> GloveVectors:
    """Load a GloVe text file, from its ``.npz`` cache when a valid one exists.

    The first load parses the text and writes the cache (in the Keras cache); later loads
    read the cache. ``load_info`` of the result records ``from_cache``, ``seconds`` (this
    load), ``parse_seconds`` (what parsing the text took, now or when the cache was written),
    the cache file, and ``cache_rebuilt`` (why) when a damaged cache was replaced.
    """
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"the GloVe file {path} does not exist",
                          fix="check the path given to --glove-file")
    start = time.perf_counter()
    stamp = _source_stamp(path)
    damaged = None
    if use_cache:
        for cache in cache_paths(path):
            if cache.is_file():
                try:
                    loaded = _read_cache(cache, stamp)
                except _DamagedCache as error:
                    damaged = f"the GloVe cache {cache} is damaged ({error}): rebuilt from " \
                              f"{path.name}"
                    print(f"note: {damaged}")
                    loaded = None
                if loaded is not None:
                    words, vectors, parse_seconds = loaded
                    info = {"from_cache": True, "cache": str(cache),
                            "parse_seconds": round(parse_seconds, 3)}
                    return GloveVectors(words, vectors, source=str(path),
                                        load_info=_timed(info, start))
    words, vectors = parse_glove_text(path)
    parse_seconds = time.perf_counter() - start
    info: dict = {"from_cache": False, "cache": None, "parse_seconds": round(parse_seconds, 3)}
    if damaged:
        info["cache_rebuilt"] = damaged
    if use_cache:
        for cache in cache_paths(path):
            if _write_cache(cache, words, vectors, stamp, parse_seconds):
                info["cache"] = str(cache)
                break
    return GloveVectors(words, vectors, source=str(path), load_info=_timed(info, start))


def _timed(info: dict, start: float) -> dict:
    info["seconds"] = round(time.perf_counter() - start, 3)
    return info


# --- the vectors ------------------------------------------------------------------------------

class GloveVectors:
    """Words and their vectors, with the questions a student asks of them.

    Args:
        words: one word per row of ``vectors``.
        vectors: float32 ``(len(words), dim)``.
        source: where they came from (for the record).
        load_info: how they were loaded (see :func:`load_glove`).
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, *, source: str = "",
                 load_info: dict | None = None):
        self.words = list(words)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.source = source
        self.load_info = dict(load_info or {})
        self.index: dict[str, int] = {}
        for i, word in enumerate(self.words):
            self.index.setdefault(word, i)  # a repeated word keeps its first vector
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        self._unit = self.vectors / np.maximum(norms, 1e-8)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> np.ndarray:
        if word not in self.index:
            raise CourseError(f"'{word}' is not in the GloVe vocabulary ({len(self):,} words)",
                              fix="pick another word, or use a larger GloVe file")
        return self.vectors[self.index[word]]

    def describe(self) -> dict:
        return {"source": self.source, "words": len(self), "dim": self.dim,
                "load": dict(self.load_info)}

    def coverage(self, counts: Counter | Iterable[str], *, top_missing: int = 20) -> dict:
        """How much of a vocabulary GloVe knows: by distinct word (types) and by occurrence.

        Args:
            counts: token frequencies (a Counter) or plain tokens (each counted once).
            top_missing: how many of the most frequent missing words to list.
        """
        counts = counts if isinstance(counts, Counter) else Counter(set(counts))
        hits = {word: n for word, n in counts.items() if word in self.index}
        misses = Counter({word: n for word, n in counts.items() if word not in self.index})
        total = sum(counts.values())
        return {
            "vocabulary": len(counts), "hits": len(hits), "misses": len(misses),
            "type_coverage": round(len(hits) / max(1, len(counts)), 4),
            "token_coverage": round(sum(hits.values()) / max(1, total), 4),
            "top_missing": [[word, n] for word, n in misses.most_common(top_missing)],
        }

    def nearest(self, query: str | np.ndarray, k: int = 8,
                exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words with the highest cosine similarity to a word or a vector."""
        vector = self[query] if isinstance(query, str) else np.asarray(query, np.float32)
        vector = vector / max(float(np.linalg.norm(vector)), 1e-8)
        scores = self._unit @ vector
        skip = {self.index[w] for w in ([query] if isinstance(query, str) else []) + list(exclude)
                if w in self.index}
        order = np.argsort(-scores)
        result = []
        for i in order:
            if int(i) in skip:
                continue
            result.append((self.words[i], round(float(scores[i]), 4)))
            if len(result) == k:
                break
        return result

    def analogy(self, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
        """Answer "``a`` is to ``b`` as ``c`` is to ?" with the words nearest ``b - a + c``.

        ``analogy("man", "king", "woman")`` asks king - man + woman (Mikolov et al. 2013);
        the three question words are left out of the answer, as is customary.
        """
        missing = [word for word in (a, b, c) if word not in self]
        if missing:
            raise CourseError(f"the analogy needs {', '.join(missing)}, which GloVe lacks",
                              fix="pick words that are in the GloVe vocabulary")
        unit = {word: self._unit[self.index[word]] for word in (a, b, c)}
        return self.nearest(unit[b] - unit[a] + unit[c], k, exclude=(a, b, c))

    def embedding_matrix(self, tokens: Sequence[str], *, oov: str = "random",
                         seed: int = 42, special: Sequence[str] = ("<PAD>",),
                         normalize: bool = False,
                         contexts: Iterable[Sequence[str]] | None = None, window: int = 5
                         ) -> tuple[np.ndarray, dict]:
        """Rows of GloVe vectors for a vocabulary, ready for ``keras.layers.Embedding``.

        Args:
            tokens: the vocabulary, row ``i`` for ``tokens[i]``.
            oov: what a word GloVe lacks gets - ``"random"`` (normal noise with GloVe's own
                spread, so it can learn its own meaning when fine-tuned), ``"zero"`` (no
                signal at all), ``"mean"`` (the average GloVe vector: "some word"), or
                ``"neighbors"`` (the mean GloVe vector of the words seen within ``window``
                tokens of it in ``contexts``: a guess from its company; the overall mean
                when none of its neighbours is in GloVe).
            seed: for the random rows.
            special: tokens that always get a zero row (the padding token).
            normalize: scale every row to length 1 (GloVe's frequent words have longer
                vectors; unit rows leave only the direction, as cosine similarity does).
            contexts: tokenized training texts (needed by ``oov="neighbors"``).
            window: how many tokens on each side count as neighbours.

        Returns:
            ``(matrix float32 (len(tokens), dim), coverage)``.
        """
        if oov not in OOV_STRATEGIES:
            raise CourseError(f"unknown OOV strategy '{oov}'",
                              fix="use " + ", ".join(OOV_STRATEGIES))
        if oov == "neighbors" and contexts is None:
            raise CourseError("oov='neighbors' needs the training texts",
                              fix="pass contexts= (the tokenized training texts)")
        rng = np.random.default_rng(seed)
        matrix = np.zeros((len(tokens), self.dim), dtype=np.float32)
        if oov in ("mean", "neighbors"):
            matrix[:] = self.vectors.mean(axis=0)
        elif oov == "random":
            matrix[:] = rng.normal(0.0, self.vectors.std(), size=matrix.shape)
        hits = 0
        missing: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if token in special:
                matrix[i] = 0.0
            elif token in self.index:
                matrix[i] = self.vectors[self.index[token]]
                hits += 1
            else:
                missing[token] = i
        lookups = len(tokens) - sum(token in special for token in tokens)
        coverage = {"oov": oov, "rows": len(tokens), "hits": hits, "misses": lookups - hits,
                    "hit_rate": round(hits / max(1, lookups), 4), "normalized": normalize}
        if oov == "neighbors":
            guessed = self._neighbor_rows(missing, contexts, window)
            for token, vector in guessed.items():
                matrix[missing[token]] = vector
            coverage.update(neighbor_rows=len(guessed),
                            mean_rows=len(missing) - len(guessed), window=window)
        if normalize:
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = np.where(norms > 0, matrix / np.maximum(norms, 1e-8), 0.0).astype(np.float32)
        return matrix, coverage

    def _neighbor_rows(self, missing: dict[str, int], contexts: Iterable[Sequence[str]],
                       window: int) -> dict[str, np.ndarray]:
        """For each word of ``missing``: the mean GloVe vector of its known neighbours."""
        neighbours: dict[str, list[int]] = {}
        for text in contexts:
            for position, token in enumerate(text):
                if token not in missing:
                    continue
                around = [*text[max(0, position - window):position],
                          *text[position + 1:position + 1 + window]]
                known = [self.index[word] for word in around if word in self.index]
                if known:
                    neighbours.setdefault(token, []).extend(known)
        return {token: self.vectors[ids].mean(axis=0) for token, ids in neighbours.items()}

    def analogy_accuracy(self, questions: Sequence[tuple[str, str, str, str, str]], *,
                         restrict: int | None = 30_000, batch: int = 512) -> dict:
        """Score the word-analogy benchmark: is ``d`` the nearest word to ``b - a + c``?

        Args:
            questions: ``(section, a, b, c, d)`` rows, e.g. from :func:`read_analogies`.
            restrict: answers are searched among the first N words only (the files are
                sorted by frequency; Mikolov et al. used 30,000), ``None`` for all.
            batch: questions scored per matrix product.

        Returns:
            ``{"sections": [{"section", "questions", "answered", "correct", "accuracy"}],
            "total": {...}}``: a question with a word outside the searched words is not
            answered (and counts in ``questions`` only), as in the original evaluation.
        """
        size = len(self) if restrict is None else min(restrict, len(self))
        unit = self._unit[:size]
        lookup = {word: i for word, i in self.index.items() if i < size}
        per_section: dict[str, dict] = {}
        answerable = []
        for section, *words in questions:
            counts = per_section.setdefault(section, {"questions": 0, "answered": 0,
                                                      "correct": 0})
            counts["questions"] += 1
            if all(word in lookup for word in words):
                answerable.append((section, [lookup[word] for word in words]))
        for start in range(0, len(answerable), batch):
            chunk = answerable[start:start + batch]
            ids = np.array([words for _, words in chunk])
            queries = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]
            scores = queries @ unit.T
            rows = np.arange(len(chunk))[:, None]
            scores[rows, ids[:, :3]] = -np.inf  # the question words are never the answer
            predicted = scores.argmax(axis=1)
            for (section, _), guess, answer in zip(chunk, predicted, ids[:, 3], strict=True):
                per_section[section]["answered"] += 1
                per_section[section]["correct"] += int(guess == answer)
        sections = [{"section": name, **counts,
                     "accuracy": round(counts["correct"] / counts["answered"], 4)
                     if counts["answered"] else None}
                    for name, counts in per_section.items()]
        answered = sum(row["answered"] for row in sections)
        correct = sum(row["correct"] for row in sections)
        total = {"questions": len(questions), "answered": answered, "correct": correct,
                 "accuracy": round(correct / answered, 4) if answered else None,
                 "searched_words": size}
        return {"sections": sections, "total": total}
