"""The floor every fine-tuning strategy should beat: frozen sentence embeddings + logistic
regression, and a nearest-neighbour sentence search on the same embeddings."""

from __future__ import annotations

import argparse
import time

import numpy as np

from labs.lab06_bert_finetune.tasks import Task, main_task
from toolkit.runs import Run
from toolkit.text import bert

SEARCH_QUERIES = ["the plot makes no sense and the acting is wooden",
                  "a warm , funny and moving film", "not as bad as i expected"]


def embedding_baseline(tasks: dict[str, Task], preset: bert.Preset,
                       tokenizer: bert.WordPieceTokenizer, config: argparse.Namespace,
                       run: Run) -> dict | None:
    """No fine-tuning at all: mean-pooled sentence embeddings + logistic regression.

    The pretrained transformer turns each sentence into one vector (the average of its token
    vectors); scikit-learn's logistic regression learns the label from those vectors. It
    costs one forward pass per sentence. ``--no-baseline`` (and ``--benchmark``) skip it.
    """
    if config.no_baseline:
        return None
    from sklearn.linear_model import LogisticRegression

    task = main_task(tasks)
    # The precision of the training run: bfloat16 where the lab picks it (1.6x faster on TF).
    backbone = bert.load_backbone(preset, dtype=bert.resolve_precision(config.precision))
    start, cpu_start = time.perf_counter(), time.process_time()
    embeddings = {split: bert.sentence_embeddings(backbone, task.tokens[split].token_ids,
                                                  max_length=config.max_length,
                                                  pad_id=tokenizer.pad_id)
                  for split in ("train", "validation")}
    embed_time = time.perf_counter() - start
    classifier = LogisticRegression(max_iter=2000, C=1.0)
    classifier.fit(embeddings["train"], task.labels("train"))
    total_time = time.perf_counter() - start
    accuracy = float(classifier.score(embeddings["validation"], task.labels("validation")))
    # Its "training time" includes the forward passes that made the embeddings.
    result = {"variant": "embeddings + logistic regression", "strategy": "baseline",
              "validation_accuracy": round(accuracy, 4), "train_time_s": round(total_time, 1),
              "train_cpu_s": round(time.process_time() - cpu_start, 1),
              "embedding_time_s": round(embed_time, 1),
              "trainable_parameters": int(classifier.coef_.size + classifier.intercept_.size)}
    run.record["results"]["baseline"] = result
    run.save()
    print(f"baseline (frozen embeddings + logistic regression): validation accuracy "
          f"{accuracy:.2%} (embedding {embed_time:.0f} s)")
    return {"result": result, "embeddings": embeddings, "backbone": backbone}


def search_queries(task: Task) -> list[str]:
    """Movie-review queries for SST-2; for other data, a validation text of each class (at
    most three): its neighbours show what the embeddings find alike in the user's own texts."""
    if task.name == "sst2":
        return SEARCH_QUERIES
    labels = task.labels("validation")
    first = [int(np.flatnonzero(labels == label)[0]) for label in np.unique(labels)[:3]]
    return [task.texts("validation")[row] for row in first]


def sentence_search(baseline: dict | None, tasks: dict[str, Task],
                    tokenizer: bert.WordPieceTokenizer, config: argparse.Namespace,
                    run: Run, k: int = 3) -> list[dict]:
    """Nearest-neighbour search: the training sentences whose embeddings are closest to a query.

    Cosine similarity of mean-pooled vectors. all-MiniLM-L6-v2 was trained for exactly this
    (Reimers & Gurevych 2019), so its neighbours share meaning; BERT's raw vectors do worse.
    """
    if baseline is None:
        return []
    from sklearn.neighbors import NearestNeighbors

    task = main_task(tasks)
    queries = config.query or search_queries(task)
    index = NearestNeighbors(n_neighbors=k, metric="cosine").fit(baseline["embeddings"]["train"])
    query_tokens = tokenizer.encode(queries, config.max_length).token_ids
    vectors = bert.sentence_embeddings(baseline["backbone"], query_tokens,
                                       max_length=config.max_length, pad_id=tokenizer.pad_id)
    distances, neighbours = index.kneighbors(vectors)
    texts, labels, results = task.texts("train"), task.labels("train"), []
    for query, row_distances, rows in zip(queries, distances, neighbours, strict=True):
        print(f"query: {query!r}")
        for rank, (distance, i) in enumerate(zip(row_distances, rows, strict=True), 1):
            hit = {"query": query, "rank": rank, "similarity": round(1 - float(distance), 3),
                   "label": task.class_names[labels[i]], "text": texts[i]}
            results.append(hit)
            print(f"   {hit['similarity']:.2f} [{hit['label']}] {hit['text']}")
    run.record["results"]["sentence_search"] = results
    run.save()
    return results
