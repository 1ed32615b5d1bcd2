"""Lab 4's comparisons of text processing on one classifier: the preprocessing grid with your
own stop words, words vs character n-grams vs word pieces, part-of-speech filters."""

from __future__ import annotations

import numpy as np
import pytest

from labs.lab04_bag_of_words import preprocessing_grid as grid_module
from labs.lab04_bag_of_words.lesson import make_classifier, make_vectorizer
from labs.lab04_bag_of_words.pos_filter import pos_filter
from labs.lab04_bag_of_words.preprocessing_grid import preprocessing_grid
from labs.lab04_bag_of_words.settings import parse_args
from labs.lab04_bag_of_words.token_units import compare_token_units
from toolkit.errors import CourseError
from toolkit.runs import Run
from toolkit.text.datasets import TextDataset
from toolkit.text.pos import keep_tags, named_entity_status, pos_tagger
from toolkit.text.processing import TextPreprocessor, read_stop_words

POSITIVE = ["Wonderful and moving films", "Great acting and a lovely story",
            "The movie was truly excellent", "Funny, warm and beautifully shot",
            "The best comedy of the year", "A delightful, charming surprise",
            "Brilliant performances and a happy ending", "An enjoyable, good film"]
NEGATIVE = ["A boring and terrible film", "Awful acting and a stupid story",
            "The movie was truly bad", "Dull, ugly and badly shot",
            "The worst comedy of the year", "A painful, miserable mess",
            "Horrible performances and a sad ending", "An annoying, bad film"]


def tiny_data() -> TextDataset:
    texts = POSITIVE + NEGATIVE
    labels = np.array([1] * len(POSITIVE) + [0] * len(NEGATIVE))
    train = [i for i in range(len(texts)) if i % 4 != 3]
    test = [i for i in range(len(texts)) if i % 4 == 3]  # words never seen in training
    pick = lambda rows: ([texts[i] for i in rows], labels[rows])  # noqa: E731
    return TextDataset("tiny", "tiny reviews", *pick(train), *pick(test), *pick(test),
                       ["negative", "positive"], "test", "test")


def start(tmp_path, argv):
    config = parse_args(["--min-df", "1", *argv])
    run = Run.start("lab04_bag_of_words", title="t", argv=[], seed=0, out=tmp_path / "runs")
    return config, run


def test_read_stop_words_takes_lines_spaces_commas_and_comments(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("The, a\n# a comment line\nfilm movie  # trailing comment\n\n",
                    encoding="utf-8")
    assert read_stop_words(path) == {"the", "a", "film", "movie"}


@pytest.mark.parametrize("content, message", [
    (b"", "holds no word"), (b"# only a comment\n", "holds no word"),
    (b"\xff\xfe\x00bad", "cannot read"), (None, "cannot read")])
def test_a_bad_stop_word_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "stop.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CourseError, match=message):
        read_stop_words(path)


def test_preprocessor_keeps_case_and_removes_your_stop_words():
    raw = TextPreprocessor(lowercase=False)
    assert raw("The Film") == ["The", "Film"]
    custom = TextPreprocessor(custom_stop_words=frozenset({"the", "film"}))
    assert custom("The film was not bad") == ["was", "not", "bad"]
    assert custom.stop_list == {"the", "film"} and custom.describe()["remove_stop_words"]


def test_stop_words_file_needs_the_grid():
    with pytest.raises(SystemExit):
        parse_args(["--stop-words-file", "stop.txt"])


def test_preprocessing_grid_scores_every_variant_and_clouds_the_stop_words(tmp_path,
                                                                         monkeypatch):
    clouds = {}  # the word cloud itself is drawn in test_lab04's sentiment run

    def word_cloud_figure(panels, path, title):
        clouds.update(panels)
        return None

    monkeypatch.setattr(grid_module.text_plots, "word_cloud_figure", word_cloud_figure)
    stop = tmp_path / "stop.txt"
    stop.write_text("the\nfilm\na\n", encoding="utf-8")
    config, run = start(tmp_path, ["--preprocessing-grid", "--stop-words-file", str(stop),
                                   "--ngrams", "1", "1"])
    data = tiny_data()
    rows = preprocessing_grid(data, config, run, make_vectorizer, make_classifier)
    names = [row["variant"] for row in rows]
    assert names[:2] == ["raw (case kept)", "lower-cased"] and names[-1] == "your stop words (3)"
    by_name = {row["variant"]: row for row in rows}
    # Capitals split "The"/"the" into two columns; lower-casing joins them.
    assert by_name["raw (case kept)"]["vocabulary"] > by_name["lower-cased"]["vocabulary"]
    assert by_name["stop words removed"]["vocabulary"] < by_name["lower-cased"]["vocabulary"]
    assert by_name["stemmed (Snowball)"]["vocabulary"] < by_name["lower-cased"]["vocabulary"]
    assert all(0 <= row["test_accuracy"] <= 1 and 0 <= row["test_oov_rate"] <= 1
               for row in rows)
    removed = run.record["results"]["stop_words_removed"]
    assert removed["list"] == "your list (3 words)" and removed["distinct_removed"] == 3
    removed_panel, left_panel = clouds.values()
    assert set(removed_panel) == {"the", "film", "a"}
    assert not {"the", "film", "a"} & set(left_panel) and "," not in left_panel
    assert "preprocessing_grid" in run.record["figures"]
    assert "preprocessing_grid_note" not in run.record["results"]  # the texts have capitals


def test_token_units_count_words_characters_and_word_pieces(tmp_path):
    config, run = start(tmp_path, ["--compare-tokens"])
    rows = compare_token_units(tiny_data(), config, run, make_classifier)
    by_name = {row["variant"].split(" (")[0]: row for row in rows}
    assert by_name["character 2-5-grams"]["vocabulary"] > by_name["words"]["vocabulary"]
    # Character n-grams of unseen words are mostly known: fewer unknown units than words.
    assert by_name["character 2-5-grams"]["test_oov_rate"] < by_name["words"]["test_oov_rate"]
    if "word pieces" in by_name:  # the offline MiniLM vocabulary is installed
        assert "30,522" in run.record["results"]["token_units_wordpiece"]
    else:
        assert "skipped" in run.record["results"]["token_units_wordpiece"]
    assert "token_units" in run.record["figures"]


def test_pos_tagger_works_offline_and_filters_parts_of_speech():
    pytest.importorskip("textblob", reason="textblob is not installed")
    tag, source = pos_tagger()
    tagged = tag("The movie wasn't good")
    assert [word for word, _ in tagged] == ["the", "movie", "was", "n't", "good"]
    assert keep_tags(tagged, ("nouns", "adjectives")) == ["movie", "good"]
    assert "n't" in keep_tags(tagged, ("adverbs",))
    assert source
    assert tag("") == []


def test_pos_filter_scores_each_filter_and_says_whether_entities_are_counted(tmp_path):
    pytest.importorskip("textblob", reason="textblob is not installed")
    config, run = start(tmp_path, ["--pos-filter"])
    rows = pos_filter(tiny_data(), config, run, make_classifier)
    kept = {row["variant"]: row["training_tokens_kept"] for row in rows}
    assert kept["all words"] == 1.0
    assert kept["adjectives only"] < kept["nouns, adjectives, verbs"] < 1.0
    tagging = run.record["results"]["pos_tagging"]
    assert 0 < tagging["share_adjectives"] < 1
    available, note = named_entity_status()
    assert (note in tagging["named_entities"]) and (available or "not counted" in
                                                    tagging["named_entities"])
    assert "pos_filter" in run.record["figures"]


def test_without_the_flags_nothing_runs(tmp_path):
    config, run = start(tmp_path, [])
    data = tiny_data()
    assert preprocessing_grid(data, config, run, make_vectorizer, make_classifier) is None
    assert compare_token_units(data, config, run, make_classifier) is None
    assert pos_filter(data, config, run, make_classifier) is None
    assert not run.record["figures"]
