"""Speed: sentence embeddings in bulk, training throughput, dynamic vs fixed padding,
inference latency of a trained classifier."""

from __future__ import annotations

import time
from collections.abc import Sequence

import keras
import numpy as np

from toolkit.metrics import measure_inference
from toolkit.text.bert.model import apply_strategy, build_classifier, sentence_vector
from toolkit.text.bert.presets import input_names, random_backbone
from toolkit.text.bert.tokens import PaddedBatches, padded_length

# --- Sentence embeddings and speed ----------------------------------------------------------

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


def padding_speedup(preset_name: str, token_ids: Sequence[np.ndarray], labels: np.ndarray, *,
                    batch_size: int, max_length: int, pad_to_multiple: int = 16, seed: int = 0,
                    batches_timed: int = 12) -> dict:
    """Real tokens/s of training steps: dynamic padding vs padding every batch to ``max_length``.

    Random weights of ``preset_name``'s architecture in float32; every batch shape is compiled
    before the clock starts. Only real (non-[PAD]) tokens count.
    """
    backbone = random_backbone(preset_name, dtype="float32")
    model = build_classifier(backbone, max(2, int(np.max(labels)) + 1))  # a class per label
    apply_strategy(backbone, "full", pooling="mean")
    model.compile(optimizer=keras.optimizers.AdamW(2e-5),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    result = {}
    for mode, fixed in (("dynamic", False), ("fixed", True)):
        batches = PaddedBatches(token_ids, labels, batch_size=batch_size,
                                input_names=input_names(backbone), shuffle=True, seed=seed,
                                pad_to_multiple=pad_to_multiple, max_length=max_length,
                                fixed_length=fixed)
        timed = [batches[i] for i in range(min(batches_timed, len(batches)))]
        seen = set()
        for inputs, batch_labels, weights in timed:  # compile every shape before timing
            if inputs["token_ids"].shape not in seen:
                seen.add(inputs["token_ids"].shape)
                model.train_on_batch(inputs, batch_labels, sample_weight=weights)
        start = time.perf_counter()
        for inputs, batch_labels, weights in timed:
            model.train_on_batch(inputs, batch_labels, sample_weight=weights)
        elapsed = time.perf_counter() - start
        real_tokens = sum(int(inputs["padding_mask"].sum()) for inputs, _, _ in timed)
        result[mode] = {"batches": len(timed), "real_tokens_per_s": round(real_tokens / elapsed, 1),
                        "samples_per_s": round(len(timed) * batch_size / elapsed, 1)}
        print(f"{mode} padding: {result[mode]['real_tokens_per_s']:,.0f} real tokens/s, "
              f"{result[mode]['samples_per_s']:,.1f} samples/s")
    result["speedup"] = round(result["dynamic"]["real_tokens_per_s"]
                              / result["fixed"]["real_tokens_per_s"], 2)
    return result


def inference_speed(model, token_ids: Sequence[np.ndarray], names: Sequence[str], *,
                    batch_size: int, max_length: int, pad_to_multiple: int = 16,
                    fixed_padding: bool = False, pad_id: int = 0) -> dict:
    """Inference latency and throughput of ``model`` on these texts in their natural order,
    each batch padded as training padded it (see :func:`toolkit.metrics.measure_inference`).

    Every padded length is compiled first, so the timing measures the model, not compilation.
    """
    lengths = np.array([len(ids) for ids in token_ids])

    def make_batch(rows):
        length = max_length if fixed_padding else padded_length(
            int(lengths[rows].max()), pad_to_multiple, max_length)
        ids = np.full((len(rows), length), pad_id, dtype="int32")
        for position, row in enumerate(rows):
            ids[position, :lengths[row]] = token_ids[row]
        inputs = {"token_ids": ids, "padding_mask": (ids != pad_id).astype("int32"),
                  "segment_ids": np.zeros_like(ids)}
        return {name: inputs[name] for name in names}

    def predict(rows):
        outputs = model.predict_on_batch(make_batch(np.asarray(rows)))
        return next(iter(outputs.values())) if isinstance(outputs, dict) else outputs

    rows = np.arange(len(token_ids))
    for start in range(0, len(rows) - batch_size + 1, batch_size):  # compile each shape once
        predict(rows[start:start + batch_size])
    return measure_inference(predict, rows, batch_size=batch_size, repeats=2)
