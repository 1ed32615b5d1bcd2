"""Tokenize up front (WordPiece, the fast ``tokenizers`` package) and pad each batch to its own
longest sentence: :class:`PaddedBatches`, a ``keras.utils.PyDataset`` of length-bucketed batches
rounded up to a multiple of 16, so only a handful of shapes (compilations) occur.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from toolkit.errors import CourseError

# --- Tokenize up front ----------------------------------------------------------------------

@dataclass
class TokenizedTexts:
    """WordPiece ids of a list of texts, one int32 array per text ([CLS] ... [SEP]).

    Attributes:
        token_ids: ragged list of arrays, truncated to ``max_length``.
        truncated: how many texts were longer than ``max_length``.
        subword_ratio: per text, the share of word pieces that are continuations (``##…``) or
            ``[UNK]``: high for rare words the vocabulary had to cut into pieces.
    """

    token_ids: list[np.ndarray]
    truncated: int
    subword_ratio: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(ids) for ids in self.token_ids])


class WordPieceTokenizer:
    """BERT's WordPiece tokenizer, from a vocabulary file, with no TensorFlow.

    It wraps ``tokenizers.BertWordPieceTokenizer`` (Rust, fast): lower-casing and accent
    stripping for uncased models, punctuation splitting, then greedy longest-match word pieces.

    Args:
        vocabulary: path of the vocabulary file (``vocab.txt``).
        lowercase: ``True`` for uncased models (default).
    """

    def __init__(self, vocabulary: Path | str, lowercase: bool = True):
        try:
            from tokenizers import BertWordPieceTokenizer
        except ImportError:
            raise CourseError("tokenizing for BERT needs the tokenizers package",
                              fix="pip install tokenizers") from None
        self.vocabulary = Path(vocabulary)
        self._tokenizer = BertWordPieceTokenizer(str(self.vocabulary), lowercase=lowercase)
        self.pad_id = self._tokenizer.token_to_id("[PAD]") or 0
        self.unknown_id = self._tokenizer.token_to_id("[UNK]")
        self.start_id = self._tokenizer.token_to_id("[CLS]")
        self.end_id = self._tokenizer.token_to_id("[SEP]")

    @property
    def vocabulary_size(self) -> int:
        return self._tokenizer.get_vocab_size()

    def tokenize(self, text: str) -> list[str]:
        """The word pieces of one text, without [CLS]/[SEP]: what the model actually reads."""
        return self._tokenizer.encode(text, add_special_tokens=False).tokens

    def encode(self, texts: Sequence[str], max_length: int = 128) -> TokenizedTexts:
        """Token ids of every text: ``[CLS] pieces… [SEP]``, at most ``max_length`` ids."""
        if max_length < 3:
            raise ValueError(f"max_length must be >= 3 ([CLS], a piece, [SEP]), got {max_length}")
        encodings = self._tokenizer.encode_batch([str(text) for text in texts])
        token_ids, ratios, truncated = [], [], 0
        for encoding in encodings:
            ids = encoding.ids
            pieces = encoding.tokens[1:-1]
            continued = sum(p.startswith("##") or p == "[UNK]" for p in pieces)
            ratios.append(continued / max(1, len(pieces)))
            if len(ids) > max_length:
                truncated += 1
                ids = ids[:max_length - 1] + ids[-1:]  # keep the closing [SEP]
            token_ids.append(np.asarray(ids, dtype="int32"))
        return TokenizedTexts(token_ids, truncated, np.asarray(ratios))



class SubwordTokenizer:
    """The tokenizers of the other encoder families, with no TensorFlow: byte-pair (RoBERTa,
    through the ``tokenizers`` package) and SentencePiece (DeBERTa-v3, ALBERT, through the
    ``sentencepiece`` package). Same interface as :class:`WordPieceTokenizer`.

    Args:
        kind: ``"byte_pair"`` or ``"sentencepiece"``.
        files: byte-pair: the vocabulary (``.json``) and merges files; SentencePiece: the
            ``.spm`` / ``.model`` file.
        family: ``"roberta"``, ``"deberta_v3"`` or ``"albert"``: which special tokens frame a
            text (``<s> … </s>`` or ``[CLS] … [SEP]``) and which one pads.
        lowercase: lower-case the text first (ALBERT was trained on lower-cased text).
    """

    SPECIAL = {"roberta": ("<s>", "</s>", "<pad>"), "deberta_v3": ("[CLS]", "[SEP]", "[PAD]"),
               "albert": ("[CLS]", "[SEP]", "<pad>")}

    def __init__(self, kind: str, files, family: str, lowercase: bool = False):
        files = [str(file) for file in files]
        self.kind, self.family, self.lowercase = kind, family, lowercase
        start, end, pad = self.SPECIAL[family]
        if kind == "byte_pair":
            from tokenizers import ByteLevelBPETokenizer

            self._bpe = ByteLevelBPETokenizer(files[0], files[1], add_prefix_space=True)
            token_to_id = self._bpe.token_to_id
            self._size = self._bpe.get_vocab_size()
        elif kind == "sentencepiece":
            try:
                import sentencepiece
            except ImportError:
                raise CourseError(f"tokenizing for {family} needs the sentencepiece package",
                                  fix="pip install sentencepiece") from None
            self._spm = sentencepiece.SentencePieceProcessor(model_file=files[0])
            token_to_id = self._spm.piece_to_id
            self._size = self._spm.get_piece_size()
        else:
            raise ValueError(f"kind must be byte_pair or sentencepiece, got {kind!r}")
        self.start_id, self.end_id, self.pad_id = (token_to_id(token)
                                                   for token in (start, end, pad))
        if kind == "sentencepiece":  # an unknown piece maps to <unk> without a word
            missing = [token for token in (start, end, pad)
                       if self._spm.id_to_piece(token_to_id(token)) != token]
            if missing:
                raise CourseError(f"the {family} tokenizer {files[0]} has no {missing[0]} piece",
                                  why=f"{family} models frame sentences with {start} ... {end} "
                                      f"and pad with {pad}",
                                  fix="copy the tokenizer file of the model's own folder")

    @property
    def vocabulary_size(self) -> int:
        return self._size

    def _pieces(self, text: str) -> tuple[list[int], list[str]]:
        text = text.lower() if self.lowercase else text
        if self.kind == "byte_pair":
            encoding = self._bpe.encode(text)
            return encoding.ids, encoding.tokens
        ids = self._spm.encode(text)
        return ids, [self._spm.id_to_piece(i) for i in ids]

    def tokenize(self, text: str) -> list[str]:
        """The pieces of one text, without the start/end tokens."""
        return self._pieces(str(text))[1]

    def encode(self, texts: Sequence[str], max_length: int = 128) -> TokenizedTexts:
        """Token ids of every text, framed by the family's start and end tokens."""
        if max_length < 3:
            raise ValueError(f"max_length must be >= 3, got {max_length}")
        word_start = "\u0120" if self.kind == "byte_pair" else "\u2581"  # Ġ / ▁ begin a word
        token_ids, ratios, truncated = [], [], 0
        for text in texts:
            ids, pieces = self._pieces(str(text))
            continued = sum(not piece.startswith(word_start) for piece in pieces[1:])
            ratios.append(continued / max(1, len(pieces)))
            if len(ids) + 2 > max_length:
                truncated += 1
                ids = ids[:max_length - 2]
            token_ids.append(np.asarray([self.start_id, *ids, self.end_id], dtype="int32"))
        return TokenizedTexts(token_ids, truncated, np.asarray(ratios))


def make_tokenizer(preset) -> WordPieceTokenizer | SubwordTokenizer:
    """The tokenizer of a :class:`~toolkit.text.bert.presets.Preset` (any encoder family)."""
    from toolkit.text.bert.presets import WORDPIECE

    kind = preset.tokenizer_kind
    if kind == WORDPIECE:
        return WordPieceTokenizer(preset.vocabulary, lowercase=preset.lowercase)
    files = preset.tokenizer_files or (preset.vocabulary,)
    return SubwordTokenizer(kind, files, preset.family, lowercase=preset.lowercase)

# --- Dynamic padding: length-bucketed batches -----------------------------------------------

def padded_length(longest: int, multiple: int, max_length: int) -> int:
    """``longest`` rounded up to a multiple of ``multiple``, at most ``max_length``."""
    return min(max_length, multiple * math.ceil(longest / multiple))


class PaddedBatches(keras.utils.PyDataset):
    """Batches of token ids padded to their own longest sentence (dynamic padding).

    Sentences of similar length go into the same batch ("bucketing"): each epoch the data is
    shuffled, cut into pools of ``pool_batches`` batches, each pool is sorted by length and cut
    into batches, and the batch order is shuffled. A batch is padded only to its longest
    sentence, rounded up to ``pad_to_multiple``, so a model compiled per input shape compiles a
    handful of times instead of once per batch. The last batch is filled up to ``batch_size``
    with dummy rows of sample weight 0, so every batch has the same number of rows.

    Args:
        token_ids: ragged list of int arrays (:attr:`TokenizedTexts.token_ids`).
        labels: ``None`` (prediction), an int array, or for multitask a dict ``name -> int
            array`` where ``-1`` means "no label for this task" (its loss weight is 0).
        batch_size: rows per batch (default 32).
        input_names: the backbone's inputs (default BERT's three).
        shuffle: reshuffle every epoch (training); otherwise batches follow length order and
            :meth:`predict` puts the predictions back in the original order.
        seed: shuffling seed (default 0).
        pad_to_multiple: round each batch length up to this (default 16; 1 = exact).
        max_length: the longest allowed length (default 128).
        fixed_length: pad every batch to ``max_length`` and do not bucket: the classic
            fixed padding, kept for comparison (default ``False``).
        pool_batches: batches per sorting pool (default 50): bigger pools waste less padding,
            smaller ones keep batches more random.
        pad_id: the [PAD] id (default 0).
        sample_weights: a weight per text, multiplied into its loss (e.g. class weights for
            an imbalanced data set; default ``None``: 1 each); for multitask labels a dict
            ``name -> weight per text`` (outputs not listed: 1 each).
        **kwargs: ``keras.utils.PyDataset`` options (``workers``...).
    """

    def __init__(self, token_ids: Sequence[np.ndarray], labels=None, *, batch_size: int = 32,
                 input_names: Sequence[str] = ("token_ids", "padding_mask", "segment_ids"),
                 shuffle: bool = False, seed: int = 0, pad_to_multiple: int = 16,
                 max_length: int = 128, fixed_length: bool = False, pool_batches: int = 50,
                 pad_id: int = 0, sample_weights=None, **kwargs):
        super().__init__(**kwargs)
        if batch_size < 1 or pad_to_multiple < 1:
            raise ValueError("batch_size and pad_to_multiple must be >= 1")
        self.token_ids = list(token_ids)
        if not self.token_ids:
            raise ValueError("no texts to batch")
        self.lengths = np.array([len(ids) for ids in self.token_ids])
        if self.lengths.max() > max_length:
            raise ValueError(f"a text has {self.lengths.max()} tokens, more than max_length "
                             f"{max_length}: tokenize with the same max_length")
        self.labels = labels
        if isinstance(labels, dict):
            self.labels = {name: np.asarray(values) for name, values in labels.items()}
        elif labels is not None:
            self.labels = np.asarray(labels)
        if isinstance(sample_weights, dict):  # multitask: a weight per text for each output
            self.sample_weights = {name: np.asarray(values, dtype="float32")
                                   for name, values in sample_weights.items()}
        else:
            self.sample_weights = None if sample_weights is None else \
                np.asarray(sample_weights, dtype="float32")
        weight_arrays = self.sample_weights.values() if isinstance(self.sample_weights, dict) \
            else [] if self.sample_weights is None else [self.sample_weights]
        if any(len(values) != len(self.token_ids) for values in weight_arrays):
            raise ValueError("sample_weights needs one weight per text")
        self.batch_size = batch_size
        self.input_names = tuple(input_names)
        self.shuffle = shuffle
        self.pad_to_multiple = pad_to_multiple
        self.max_length = max_length
        self.fixed_length = fixed_length
        self.pool_batches = pool_batches
        self.pad_id = pad_id
        self._rng = np.random.default_rng(seed)
        self.plan = self._make_plan()

    def _make_plan(self) -> list[np.ndarray]:
        """Row indices of every batch; ``-1`` marks a dummy row that fills the last batch."""
        count = len(self.token_ids)
        order = self._rng.permutation(count) if self.shuffle else np.arange(count)
        if not self.fixed_length:
            pool = self.batch_size * self.pool_batches
            order = np.concatenate([
                chunk[np.argsort(self.lengths[chunk], kind="stable")]
                for chunk in np.array_split(order, range(pool, count, pool))])
        filler = (-count) % self.batch_size
        order = np.concatenate([order, np.full(filler, -1)])
        batches = list(order.reshape(-1, self.batch_size))
        if self.shuffle:
            self._rng.shuffle(batches)
        # TensorFlow's PyDataset adapter reads the input shapes off the first two batches: if
        # both had the same length it would fix that length and fail on the first longer
        # batch. Two different lengths first make the length dimension variable.
        if not self.fixed_length and len(batches) > 2:
            first = self.batch_length(batches[0])
            for index in range(1, len(batches)):
                if self.batch_length(batches[index]) != first:
                    batches[1], batches[index] = batches[index], batches[1]
                    break
        return batches

    def __len__(self) -> int:
        return len(self.plan)

    def on_epoch_end(self):
        if self.shuffle:
            self.plan = self._make_plan()

    def batch_length(self, rows: np.ndarray) -> int:
        """The padded length of the batch made of ``rows``."""
        if self.fixed_length:
            return self.max_length
        longest = max(self.lengths[i] for i in rows if i >= 0)
        return padded_length(longest, self.pad_to_multiple, self.max_length)

    def __getitem__(self, index: int):
        rows = self.plan[index]
        length = self.batch_length(rows)
        token_ids = np.full((len(rows), length), self.pad_id, dtype="int32")
        for position, row in enumerate(rows):
            if row >= 0:
                ids = self.token_ids[row]
                token_ids[position, :len(ids)] = ids
            else:  # a dummy row: a bare [CLS] [SEP] keeps its attention well defined
                token_ids[position, :2] = self.token_ids[0][[0, -1]]
        padding_mask = (token_ids != self.pad_id).astype("int32")
        inputs = {"token_ids": token_ids, "padding_mask": padding_mask,
                  "segment_ids": np.zeros_like(token_ids)}
        inputs = {name: inputs[name] for name in self.input_names}
        if self.labels is None:
            return (inputs,)
        real = (rows >= 0).astype("float32")
        safe_rows = np.where(rows >= 0, rows, 0)
        if isinstance(self.labels, dict):
            targets, weights = {}, {}
            for name, values in self.labels.items():
                picked = values[safe_rows]
                targets[name] = np.maximum(picked, 0)
                weights[name] = real * (picked >= 0)
                if isinstance(self.sample_weights, dict) and name in self.sample_weights:
                    weights[name] = weights[name] * self.sample_weights[name][safe_rows]
            return inputs, targets, weights
        if self.sample_weights is not None:
            real = real * self.sample_weights[safe_rows]
        return inputs, self.labels[safe_rows], real

    def shapes(self) -> list[tuple[int, int]]:
        """The distinct (batch, length) shapes of this epoch's batches: one compilation each."""
        return sorted({(len(rows), self.batch_length(rows)) for rows in self.plan})

    def padding_report(self) -> dict:
        """How many token slots dynamic padding spends, against padding every text to
        ``max_length``: the share of the fixed-padding work it saves."""
        real = int(self.lengths.sum())
        dynamic = sum(len(rows) * self.batch_length(rows) for rows in self.plan)
        fixed = len(self.plan) * self.batch_size * self.max_length
        return {
            "texts": len(self.token_ids), "mean_tokens": round(float(self.lengths.mean()), 2),
            "max_tokens": int(self.lengths.max()), "max_length": self.max_length,
            "pad_to_multiple": self.pad_to_multiple, "real_tokens": real,
            "dynamic_padded_tokens": int(dynamic), "fixed_padded_tokens": int(fixed),
            "padding_share_dynamic": round(1 - real / dynamic, 4),
            "padding_share_fixed": round(1 - real / fixed, 4),
            "token_slots_saved": round(1 - dynamic / fixed, 4),
            "distinct_shapes": len(self.shapes()),
        }

    def predict(self, model, **kwargs):
        """``model.predict`` over these batches, returned in the original text order.

        For a multi-output model it returns a dict ``output name -> array``.
        """
        if self.shuffle:
            raise ValueError("predict on a shuffled PaddedBatches would lose the order; "
                             "make one with shuffle=False")
        outputs = model.predict(self, verbose=kwargs.pop("verbose", 0), **kwargs)
        order = np.concatenate(self.plan)
        real = order >= 0

        def reorder(values):
            values = np.asarray(values)
            result = np.empty((len(self.token_ids), *values.shape[1:]), dtype=values.dtype)
            result[order[real]] = values[real]
            return result

        if isinstance(outputs, dict):
            return {name: reorder(values) for name, values in outputs.items()}
        if isinstance(outputs, (list, tuple)):
            return [reorder(values) for values in outputs]
        return reorder(outputs)
