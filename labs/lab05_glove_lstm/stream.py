"""``--stream``: train from the GLUE file one batch at a time, and measure the memory it saves
against loading everything first (lab 5's extra; the lesson is lesson.py).

The lesson tokenizes and pads the whole training split up front: simple and fast, but the
memory grows with the corpus. Here the same 67,349 phrases are read from ``train.tsv`` by a
``keras.utils.PyDataset`` (toolkit.text.streaming): one pass counts the tokens, then each
batch is read, tokenized and padded when Keras asks for it. ``tracemalloc`` measures the peak
memory of both ways of preparing the data; then the best model's architecture trains one
epoch from the stream. GLUE SST-2 only (its training file holds no dev sentence); expect a
few minutes on a 2-core CPU (``tracemalloc`` slows the measured passes down).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable

from sklearn.metrics import accuracy_score

from toolkit.registry import fetch
from toolkit.runs import Run
from toolkit.text.datasets import TextDataset
from toolkit.text.glove import GloveVectors
from toolkit.text.processing import Vocabulary, get_tokenizer
from toolkit.text.readers import read_text_table
from toolkit.text.streaming import TextFileBatches, stream_token_counts


def _peak(work: Callable):
    """``(result, peak MB, seconds)`` of ``work()`` under tracemalloc."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, round(peak / 2**20, 1), round(time.perf_counter() - start, 1)


def stream_corpus(sequences: dict, glove: GloveVectors, data: TextDataset,
                  config: argparse.Namespace, run: Run, build_model: Callable) -> dict | None:
    """With ``--stream``: the memory of the in-memory and the streamed data preparation, and
    one epoch of the best model trained from the stream, evaluated on the test split.

    Args:
        sequences: the lesson's sequences (the chosen length).
        build_model: the lesson's ``build_model(sequences, n_classes, config, mode=, encoder=)``.

    Without the flag nothing runs (``None``); on another data set one line says why not.
    """
    if not config.stream:
        return None
    results = run.record["results"]
    if data.name != "sst2_glue":
        results["stream"] = {"skipped": "--stream reads GLUE SST-2's train.tsv (--dataset "
                                        "sst2_glue); this data set is already in memory"}
        print(f"stream skipped: {results['stream']['skipped']}")
        return None
    path = fetch("sst2_glue", "train.tsv", config.data_dir)
    tokenize = get_tokenizer(config.tokenizer)
    length = sequences["length"]
    max_rows = len(data.x_train) if config.quick else None

    def in_memory():  # what the lesson does: every text, token and id in memory at once
        table = read_text_table(path, "sentence", "label")
        texts = [text.strip() for text in table.texts[:max_rows]]
        tokens = [tokenize(text) for text in texts]
        vocabulary = Vocabulary(Counter(t for text in tokens for t in text),
                                max_size=config.max_vocab)
        return len(vocabulary.encode_padded(tokens, length))

    def streamed():  # one pass to count, then every batch read, tokenized and padded once
        counts, _ = stream_token_counts(path, tokenize, max_rows=max_rows)
        vocabulary = Vocabulary(counts, max_size=config.max_vocab)
        batches = TextFileBatches(path, tokenize, vocabulary, length=length,
                                  label_index={str(v): i for i, v in enumerate(data.label_values)},
                                  batch_size=config.batch_size, max_rows=max_rows,
                                  seed=config.seed)
        for index in range(len(batches)):
            batches[index]
        return batches

    rows, memory_mb, memory_s = _peak(in_memory)
    batches, stream_mb, stream_s = _peak(streamed)
    best = results["best_embeddings"]
    matrix, _ = glove.embedding_matrix(batches.vocabulary.tokens,
                                       oov="mean" if config.oov == "neighbors" else config.oov,
                                       seed=config.seed, normalize=config.normalize)
    model = build_model({"matrix": matrix, "length": length}, len(data.class_names), config,
                        mode=best["mode"], encoder=best["encoder"])
    start = time.perf_counter()
    model.fit(batches, epochs=1, verbose=2)
    epoch_s = time.perf_counter() - start
    x_test = batches.vocabulary.encode_padded([tokenize(text) for text in data.x_test], length)
    predicted = model.predict(x_test, batch_size=512, verbose=0).argmax(axis=1)
    summary = {"file": str(path), "rows": batches.rows, "batches": len(batches),
               "in_memory_peak_mb": memory_mb, "stream_peak_mb": stream_mb,
               "in_memory_s": memory_s, "stream_pass_s": stream_s,
               "model": f"{best['encoder']} {best['mode']}", "epoch_s": round(epoch_s, 1),
               f"{data.test_split}_accuracy_after_1_epoch": round(
                   accuracy_score(data.y_test, predicted), 4)}
    results["stream"] = summary
    run.save()
    print(f"stream: {batches.rows:,} phrases in {len(batches):,} batches; peak memory "
          f"{stream_mb} MB streamed vs {memory_mb} MB in memory (tracemalloc); one epoch of "
          f"{summary['model']} from the stream in {epoch_s:.0f} s: {data.test_split} accuracy "
          f"{summary[f'{data.test_split}_accuracy_after_1_epoch']:.4f}")
    return summary
