"""``--pos-filter``: keep only some parts of speech (nouns, adjectives, verbs) before counting,
and see what the classifier loses (lab 4's extra; the lesson is lesson.py).

The tagger works offline (toolkit.text.pos: NLTK's perceptron when its data is installed,
else TextBlob's PatternTagger). Named entities would need a trained model; the lab says in
one line whether one exists. Expect about a minute on full GLUE SST-2 (2-core CPU): tagging
67,349 phrases is most of it.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from labs.lab04_bag_of_words.variants import print_variants, score_variant
from toolkit.runs import Run
from toolkit.text import plots as text_plots
from toolkit.text.datasets import TextDataset
from toolkit.text.pos import TAG_GROUPS, keep_tags, named_entity_status, pos_tagger

# The filters compared: a name and the tag groups it keeps (None: every token).
FILTERS = {"all words": None,
           "nouns, adjectives, verbs": ("nouns", "adjectives", "verbs"),
           "nouns, adjectives, verbs, adverbs": ("nouns", "adjectives", "verbs", "adverbs"),
           "adjectives only": ("adjectives",)}


def _tokens_as_they_are(tokens: list[str]) -> list[str]:
    return tokens


def pos_filter(data: TextDataset, config: argparse.Namespace, run: Run,
               make_classifier: Callable) -> list[dict] | None:
    """With ``--pos-filter``: tag every text once, then score each filter of :data:`FILTERS`
    with TF-IDF + logistic regression on the words it keeps (unigrams, ``--min-df``).

    Sentiment lives mostly in adjectives ("dull", "moving"), but also in adverbs ("not",
    "never", "n't" are tagged RB): the table shows what each part of speech is worth.
    Without the flag nothing runs (``None``).
    """
    if not config.pos_filter:
        return None
    tag, source = pos_tagger(config.tokenizer)
    start = time.perf_counter()
    tagged = {split: [tag(text) for text in texts] for split, texts in
              (("train", data.x_train), ("val", data.x_val), ("test", data.x_test))}
    tag_s = time.perf_counter() - start
    rows = []
    for name, groups in FILTERS.items():
        texts = {split: [[w for w, _ in tags] if groups is None else keep_tags(tags, groups)
                         for tags in tagged_texts] for split, tagged_texts in tagged.items()}
        vectorizer = CountVectorizer(analyzer=_tokens_as_they_are, min_df=config.min_df,
                                     dtype=np.float32)
        row = score_variant(name, vectorizer, data, config, make_classifier, texts=texts)
        kept = sum(map(len, texts["train"])) / max(1, sum(map(len, tagged["train"])))
        rows.append({**row, "training_tokens_kept": round(kept, 4)})
    print(f"  tagger: {source} ({tag_s:.0f} s for {sum(map(len, tagged.values())):,} texts)")
    print_variants(rows, data.test_split, "part-of-speech filters (TF-IDF + logistic "
                                          "regression on unigrams):")
    counts = Counter(t for tags in tagged["train"] for _, t in tags)
    total = max(1, sum(counts.values()))
    has_ner, ner_note = named_entity_status()
    results = run.record["results"]
    results["pos_filter"] = rows
    results["pos_tagging"] = {
        "tagger": source, "tag_s": round(tag_s, 2),
        **{f"share_{group}": round(sum(n for t, n in counts.items() if t.startswith(prefix))
                                   / total, 4) for group, prefix in TAG_GROUPS.items()},
        "named_entities": ("an offline model exists (" + ner_note + "), but the lab does not "
                           "count entities yet") if has_ner else f"not counted: {ner_note}"}
    print(f"  named-entity counts: {results['pos_tagging']['named_entities']}")
    path = text_plots.scores_figure(
        [(f"{row['variant']} ({row['training_tokens_kept']:.0%} of tokens)",
          row["test_accuracy"]) for row in rows],
        run.path("pos_filter.png"), zoom=True, xlabel=f"{data.test_split} accuracy",
        title=f"Part-of-speech filters ({data.test_split} accuracy; tagger: "
              f"{source.split(' (')[0].split(';')[0]})")
    run.add_figure("pos_filter", path)
    run.save()
    return rows
