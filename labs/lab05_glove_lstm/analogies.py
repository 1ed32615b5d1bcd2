"""The word-analogy benchmark of lab 5 (Mikolov et al. 2013), scored per section: an extra
of the lesson's "what the vectors know" step. The lesson is lesson.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from toolkit.formats import console_table
from toolkit.resources import datasets_path
from toolkit.runs import Run
from toolkit.text import plots as text_plots
from toolkit.text.glove import GloveVectors, read_analogies

# The course's own analogy questions (capitals, family, plurals, tenses...; only words of the
# 2,446-word GloVe subset); word2vec's full questions-words.txt is used when it is found.
ANALOGY_SUBSET = "questions-words-subset.txt"
ANALOGY_FULL = "questions-words.txt"


def analogy_file(config: argparse.Namespace) -> Path:
    """``--analogies``, else ``questions-words.txt`` in ``--data-dir``, else the subset."""
    if config.analogies:
        return Path(config.analogies).expanduser()
    if config.data_dir and (Path(config.data_dir) / ANALOGY_FULL).is_file():
        return Path(config.data_dir) / ANALOGY_FULL
    return datasets_path("analogies", ANALOGY_SUBSET)


def analogy_benchmark(glove: GloveVectors, config: argparse.Namespace, run: Run) -> str | None:
    """The word-analogy benchmark of Mikolov et al. (2013): accuracy per section.

    Each question "a b c d" asks whether ``d`` is the word nearest to ``b - a + c`` (the
    three question words excluded), searched among the 30,000 most frequent words.
    Semantic sections (capitals, family) and syntactic ones (plurals, tenses, comparatives)
    are scored apart. On the full file GloVe 6B 300d gets 77.4% semantic, 67.0% syntactic
    (Pennington et al. 2014, Table 2); the course's subset is small and easier (frequent
    words only), so read its figures as a comparison between settings, not with the paper.

    Returns:
        The path of the per-section figure (``None`` when no question could be answered).
    """
    path = analogy_file(config)
    questions = read_analogies(path)
    scores = glove.analogy_accuracy(questions)
    results = run.record["results"]
    results["analogy_benchmark"] = scores["sections"]
    results["analogy_total"] = {"file": str(path), **scores["total"]}
    total = scores["total"]
    print(f"word analogies ({path.name}): {total['correct']}/{total['answered']} correct "
          f"({total['accuracy']:.1%}) of {total['questions']} questions"
          if total["answered"] else f"word analogies ({path.name}): no question has all its "
                                    "words in this GloVe file")
    answered = [row for row in scores["sections"] if row["answered"]]
    if answered:
        print(console_table(["section", "accuracy", "answered"],
                            [[row["section"], f"{row['accuracy']:.1%}", row["answered"]]
                             for row in answered]))
    run.save()
    if not total["answered"]:
        return None
    figure = text_plots.scores_figure(
        [(f"{row['section']} ({row['answered']})", row["accuracy"])
         for row in scores["sections"] if row["answered"]],
        run.path("analogies.png"),
        title=f"Word analogies per section: GloVe {glove.dim}-d, {len(glove):,} words "
              f"({path.name})", xlabel="accuracy (questions answered)")
    run.add_figure("analogies", figure)
    run.save()
    return str(figure)
