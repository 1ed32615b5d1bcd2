"""Lab 4 (bag of words) and the text-processing toolkit it teaches with."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from lab_runs import only_run, run_lab
from scipy import sparse
from test_text_data import corpus, write_csv

from labs import lab04_bag_of_words as lab
from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.runs import read_record
from toolkit.text.processing import (
    NEGATIONS,
    TextPreprocessor,
    get_lemmatizer,
    get_tokenizer,
    nltk_status,
    stop_words,
)

REPO = Path(__file__).resolve().parent.parent


# --- text processing --------------------------------------------------------------------------

def test_regex_tokenizer_keeps_negation_clitics_and_ptb_brackets():
    tokens = get_tokenizer("regex")("It wasn't bad -lrb- Ms. Smith -rrb- :) re-imagining")
    assert tokens == ["it", "was", "n't", "bad", "-lrb-", "ms", ".", "smith", "-rrb-", ":)",
                      "re-imagining"]


def test_nltk_tokenizers_need_no_data_and_differ_on_contractions():
    sentence = "Don't over-act!"
    assert get_tokenizer("treebank")(sentence) == ["do", "n't", "over-act", "!"]
    assert get_tokenizer("wordpunct")(sentence) == ["don", "'", "t", "over", "-", "act", "!"]
    assert get_tokenizer("sklearn")(sentence) == ["don", "over", "act"]  # n't is lost
    assert get_tokenizer("whitespace", lowercase=False)(sentence) == ["Don't", "over-act!"]


def test_punkt_without_its_data_says_how_to_get_it():
    if nltk_status()["punkt_tab"]:
        pytest.skip("punkt_tab is installed here")
    with pytest.raises(CourseError, match=r"nltk.download\('punkt_tab'\)"):
        get_tokenizer("punkt")


def test_stop_words_name_their_source_and_can_keep_negations():
    words, source = stop_words()
    expected = "NLTK" if nltk_status()["stopwords"] else "scikit-learn ENGLISH_STOP_WORDS"
    assert source.startswith(expected)
    assert "not" in words and "the" in words
    kept, kept_source = stop_words(keep_negations=True)
    assert not kept & NEGATIONS and "the" in kept and kept_source.endswith("negations kept")


def test_lemmatizer_uses_wordnet_when_installed_else_simplemma():
    lemmatize, note = get_lemmatizer()
    assert lemmatize("studies") == "study" and lemmatize("movies") == "movie"
    expected = "NLTK WordNet" if nltk_status()["wordnet"] else "simplemma"
    assert note.startswith(expected)
    wordnet, wordnet_note = get_lemmatizer("wordnet")
    if not nltk_status()["wordnet"]:
        assert wordnet is None and "wordnet" in wordnet_note
    with pytest.raises(CourseError, match="unknown lemmatizer"):
        get_lemmatizer("spacy")


def test_simplemma_lemmatizes_without_any_download():
    pytest.importorskip("simplemma", reason="simplemma is not installed")
    lemmatize, note = get_lemmatizer("simplemma")
    assert [lemmatize(w) for w in ("mice", "running", "was")] == ["mouse", "run", "be"]
    assert "no download" in note


def test_preprocessor_lemmatizes_before_stemming_and_pickles():
    pytest.importorskip("simplemma", reason="simplemma is not installed")
    preprocess = TextPreprocessor("regex", lemmatizer="simplemma")
    assert preprocess("The mice were running") == ["the", "mouse", "be", "run"]
    assert preprocess.describe()["lemmatizer"].startswith("simplemma")
    assert preprocess.as_text("The mice") == "the mouse"
    assert pickle.loads(pickle.dumps(preprocess))("Studies") == ["study"]
    both = TextPreprocessor("regex", lemmatizer="simplemma", stemmer="porter")
    assert both("studies happily") == ["studi", "happili"]


def test_preprocessor_removes_stop_words_stems_and_pickles():
    preprocess = TextPreprocessor("regex", remove_stop_words=True, keep_negations=True,
                                  stemmer="porter")
    tokens = preprocess("The movies weren't running happily")
    assert tokens == ["movi", "n't", "run", "happili"]
    assert pickle.loads(pickle.dumps(preprocess))("The movies") == ["movi"]


# --- the lab's pieces -------------------------------------------------------------------------

def test_sparse_batches_cover_every_row_once_per_epoch_with_dense_batches():
    x = sparse.random(10, 7, density=0.3, format="csr", random_state=0, dtype=np.float32)
    y = np.arange(10)
    batches = lab.SparseBatches(x, y, batch_size=4, seed=0)
    assert len(batches) == 3
    seen = []
    for i in range(len(batches)):
        features, labels = batches[i]
        assert isinstance(features, np.ndarray) and features.shape[1] == 7
        np.testing.assert_array_equal(features, x[labels].toarray())
        seen.extend(labels.tolist())
    assert sorted(seen) == list(range(10))
    order = batches.order.copy()
    batches.on_epoch_end()
    assert not np.array_equal(order, batches.order)
    unshuffled = lab.SparseBatches(x, batch_size=4, shuffle=False)
    np.testing.assert_array_equal(unshuffled[0], x[:4].toarray())


def test_parse_args_defaults_and_quick():
    config = lab.parse_args([])
    assert config.dataset == "sst2_glue" and config.ngrams == [1, 2] and config.min_df == 2
    assert lab.parse_args(["--analyzer", "char_wb"]).ngrams == [2, 5]
    assert lab.parse_args(["--analyzer", "char_wb", "--ngrams", "3", "3"]).ngrams == [3, 3]
    quick = lab.parse_args(["--quick", "--min-df", "0.01"])
    assert quick.epochs == 2 and quick.min_df == 0.01
    with pytest.raises(SystemExit):
        lab.parse_args(["--ngrams", "3", "1"])


@pytest.mark.parametrize("classes, expected", [
    (["negative", "positive"], (0, 1)), (["Pos", "Neg"], (1, 0)), (["0", "1"], None),
    (["negative", "neutral", "positive"], None), (["politics", "sport"], None)])
def test_sentiment_polarity_only_for_named_binary_sentiment(classes, expected):
    assert lab.sentiment_polarity(classes) == expected


def test_char_wb_vectorizer_counts_character_ngrams_of_processed_tokens():
    config = lab.parse_args(["--analyzer", "char_wb", "--ngrams", "3", "3", "--min-df", "1"])
    vectorizer = lab.make_vectorizer(config, lab.make_preprocessor(config))
    vectorizer.fit(["Good film", "Bad"])
    features = set(vectorizer.get_feature_names_out())
    assert {" go", "goo", "ood", "od ", " ba", "bad", "ad "} <= features
    assert not any(" " in feature.strip() for feature in features)  # never across two words
    assert pickle.loads(pickle.dumps(vectorizer)).transform(["good"]).sum() == 4


# --- whole runs -------------------------------------------------------------------------------

@pytest.fixture
def topics_csv(tmp_path):
    return write_csv(tmp_path / "topics.csv", corpus())


def test_quick_run_on_a_three_class_csv_with_string_labels(topics_csv, tmp_path):
    record = run_lab(lab, ["--data", str(topics_csv), "--text-column", "review",
                      "--label-column", "topic", "--quick", "--grid-search", "--no-save",
                      "--out", str(tmp_path / "runs")])
    assert record["status"] == "complete"
    assert record["dataset"]["classes"] == ["politics", "science", "sport"]
    assert record["dataset"]["test_split"] == "held-out"
    rows = record["results"]["comparison"]
    assert len(rows) == 9 and {r["classifier"] for r in rows} == {"logreg", "svm", "nb"}
    assert all(0 < r["sparsity"] < 1 for r in rows)
    assert len(record["results"]["grid_search"]) == 3
    grid = record["results"]["vectorizer_grid_search"]
    assert len(grid) == 16 and grid[0]["cv_accuracy"] == max(r["cv_accuracy"] for r in grid)
    assert record["results"]["vectorizer_grid_best"]["settings_tried"] == 16
    assert "not negative/positive" in record["results"]["lexicon_baseline"]["skipped"]
    assert record["model"]["parameters"]["total"] == \
        (record["results"]["vectorizer"]["vocabulary_size"] + 1) * 3
    assert [row["panel"] for row in record["results"]["top_weighted_tokens"]] == \
        ["'politics'", "'science'", "'sport'"]
    assert record["metrics"]["confusion_matrix"] and record["history"]
    assert record["results"]["reference_note"].startswith("your own data")
    for figure in record["figures"].values():
        assert (record["_dir"] / figure).is_file()
    assert (record["_dir"] / "errors.csv").is_file()
    assert (record["_dir"] / "REFLECTION.md").is_file()
    assert not (record["_dir"] / "model.keras").exists()  # --no-save
    audit = record["label_audit"]  # on by default: the lab's logistic regression, out of fold
    assert audit["train_rows"] == record["dataset"]["splits"]["train"]
    assert "cross_val_predict of TF-IDF + logistic regression" in audit["train_source"]
    assert audit["test_errors"] == record["results"]["errors"]["errors"]
    header = (record["_dir"] / "errors.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "label_issue,label_quality" in header
    assert (record["_dir"] / "label_issues.csv").is_file()


SENTIMENT = {
    "positive": ["a wonderful and moving film", "great acting and a lovely story",
                 "I loved every minute, truly excellent", "funny, warm and beautifully shot",
                 "the best comedy of the year", "a delightful, charming surprise",
                 "brilliant performances and a happy ending", "an enjoyable, good film",
                 "superb writing, I smiled throughout", "a great joy to watch",
                 "wonderful music and a great cast", "excellent, I would watch it again"],
    "negative": ["a boring and terrible film", "awful acting and a stupid story",
                 "I hated every minute, truly bad", "dull, ugly and badly shot",
                 "the worst comedy of the year", "a painful, miserable mess",
                 "horrible performances and a sad waste", "an annoying, bad film",
                 "poor writing, I was bored throughout", "a terrible chore to watch",
                 "awful music and a weak cast", "worst film, I want my money back"],
}


def test_sentiment_run_with_char_ngrams_lemmas_the_lexicon_and_word_clouds(tmp_path):
    pytest.importorskip("vaderSentiment", reason="vaderSentiment is not installed")
    pytest.importorskip("wordcloud", reason="wordcloud is not installed")
    rows = [(text, label) for label, texts in SENTIMENT.items() for text in texts]
    reviews = write_csv(tmp_path / "reviews.csv", rows, header=("review", "label"))
    record = run_lab(lab, ["--data", str(reviews), "--quick", "--no-save",
                           "--analyzer", "char_wb", "--lemmatize", "auto", "--min-df", "1",
                           "--representations", "tfidf", "--classifiers", "nb",
                           "--out", str(tmp_path / "runs")])
    vectorizer = record["results"]["vectorizer"]
    assert vectorizer["analyzer"] == "char_wb" and vectorizer["ngram_range"] == [2, 5]
    assert vectorizer["lemmatizer"] != "none"
    table = record["results"]["comparison"]
    assert [row["classifier"] for row in table] == ["nb", "VADER"]
    assert table[1]["test_accuracy"] >= 0.6  # these reviews are plain: the lexicon knows them
    assert record["results"]["best_by_validation"]["classifier"] == "nb"
    assert record["results"]["lexicon_baseline"]["lexicon_words"] > 7000
    assert (record["_dir"] / record["figures"]["word_clouds"]).is_file()


@pytest.mark.parametrize("argv, message", [
    (["--text-column", "review", "--label-column", "stars"], "no label column 'stars'"),
    (["--text-column", "topic", "--label-column", "review"], "does not look like labels"),
])
def test_bad_input_exits_2_with_one_line(topics_csv, tmp_path, capsys, argv, message):
    code = run_main(lab.main, ["--data", str(topics_csv), *argv, "--quick",
                               "--out", str(tmp_path / "runs")])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert message in error and error.count("\n") == 0


@pytest.mark.slow
def test_real_sst2_quick_run(shared_data, tmp_path):
    record = run_lab(lab, ["--data-dir", str(shared_data), "--quick", "--no-save",
                      "--representations", "tfidf", "--out", str(tmp_path / "runs")])
    assert record["dataset"]["splits"]["dev"] == 872
    assert record["metrics"]["accuracy"] > 0.65  # 4,000 phrases, 2 epochs
    assert len(record["misclassified"]) >= 10
    assert all(m["true"] != m["predicted"] and m["text"] for m in record["misclassified"])
    assert record["reference"]["value"] == 0.831 and record["reference"]["split"] == "test"
    assert "dev" in record["reference"]["note"]
    agreement = record["results"]["keras_vs_sklearn"]
    assert abs(agreement["keras_accuracy"] - agreement["sklearn_logreg_accuracy"]) < 0.1


@pytest.mark.slow
def test_runs_without_tensorflow_on_jax(topics_csv, tmp_path):
    env = dict(os.environ, KERAS_BACKEND="jax",
               PYTHONPATH=os.pathsep.join([str(REPO / "tests/support/no_tensorflow"),
                                           str(REPO)]))
    result = subprocess.run(
        [sys.executable, "-m", "labs.lab04_bag_of_words", "--data", str(topics_csv),
         "--quick", "--no-save", "--representations", "tfidf", "--classifiers", "nb",
         "--out", str(tmp_path / "runs")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    run_dir = only_run(lab.LAB_ID, tmp_path / "runs")
    record = read_record(run_dir)
    assert record["environment"]["backend"] == "jax"
    assert record["status"] == "complete"
