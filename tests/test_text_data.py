"""Text classification loaders: CSV/TSV with column flags, GLUE SST-2, the Kim sentence splits,
stratified held-out splits, and a clear CourseError for every kind of bad file."""

from __future__ import annotations

import argparse
import csv

import numpy as np
import pytest

from toolkit.errors import CourseError
from toolkit.text.datasets import add_text_data_arguments, load_text_dataset, load_text_file
from toolkit.text.readers import (
    encode_labels,
    read_label_sentence_file,
    read_text_table,
    read_unlabelled_table,
)

TOPICS = {
    "sport": ["the team won the final match", "a late goal decided the game",
              "the striker scored twice tonight", "fans cheered the winning team",
              "the coach praised his defence", "a record crowd watched the race",
              "the runner broke the world record", "they lost the match on penalties",
              "the keeper saved a late penalty", "the league title went to the champions",
              "the tennis final went to five sets", "she won gold in the relay",
              "the cyclists climbed the mountain stage", "injury kept the captain out",
              "the derby ended in a draw", "the boxer retained his title",
              "a thrilling finish in the last lap"],
    "politics": ["the minister announced a new budget", "parliament voted on the bill",
                 "the election results were close", "the senator gave a long speech",
                 "voters went to the polls today", "the party chose a new leader",
                 "the president signed the law", "a debate on taxes divided the house",
                 "the government faced a confidence vote", "the mayor promised new housing",
                 "the opposition criticised the plan", "talks on the treaty resumed",
                 "the cabinet met to discuss reform", "a referendum was called for spring",
                 "the governor vetoed the measure", "the campaign focused on healthcare"],
    "science": ["the telescope found a distant galaxy", "researchers sequenced the genome",
                "the experiment confirmed the theory", "a new vaccine entered trials",
                "the probe landed on the comet", "physicists measured the particle mass",
                "the study tracked ocean temperatures", "chemists built a new molecule",
                "the fossil was millions of years old", "the rover drilled into martian rock",
                "a new species of frog was found", "the laboratory grew tissue from cells",
                "astronomers saw light bend around a star", "the model predicted the eclipse",
                "the satellite mapped the ice sheet", "engineers tested a fusion magnet",
                "the brain scan showed new activity"],
}


def corpus() -> list[tuple[str, str]]:
    """The 50-sentence, 3-topic corpus the text tests share (string labels)."""
    rows = [(text, topic) for topic, texts in TOPICS.items() for text in texts]
    assert len(rows) == 50
    return rows


def write_csv(path, rows, header=("review", "topic")):
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def topics_csv(tmp_path):
    return write_csv(tmp_path / "topics.csv", corpus())


def test_csv_with_column_flags_holds_out_a_stratified_test_split(topics_csv):
    data = load_text_file(topics_csv, "review", "topic", seed=3)
    assert data.class_names == ["politics", "science", "sport"]  # strings: alphabetical
    assert data.test_split == "held-out"
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 50
    assert len(data.x_test) == 10  # 20% held out
    assert sorted(np.bincount(data.y_test).tolist()) == [3, 3, 4]  # every class represented
    train_texts = set(data.x_train) | set(data.x_val)
    assert not train_texts & set(data.x_test)
    again = load_text_file(topics_csv, "review", "topic", seed=3)
    assert again.x_test == data.x_test  # seeded: the same split every time
    other = load_text_file(topics_csv, "review", "topic", seed=4)
    assert other.x_test != data.x_test
    described = data.describe()
    assert described["splits"] == {"train": len(data.x_train), "validation": len(data.x_val),
                                   "held-out": 10}
    assert sum(described["class_counts"]["held-out"].values()) == 10


def test_a_separate_test_file_is_used_as_the_test_split(tmp_path):
    rows = corpus()
    train = write_csv(tmp_path / "train.csv", rows[::2] + rows[1::4])
    test = write_csv(tmp_path / "test.csv", rows[3::4])
    data = load_text_dataset(data=train, test_data=test, text_column="review",
                             label_column="topic")
    assert data.test_split == "test"
    assert data.x_test == [text for text, _ in rows[3::4]]


def test_column_names_are_guessed_and_matched_case_insensitively(tmp_path):
    path = write_csv(tmp_path / "t.csv", corpus(), header=("Text", "Label"))
    texts = read_text_table(path)
    assert texts.texts[0] == corpus()[0][0]
    assert read_text_table(path, "text", "label").label_source == "column 'Label'"


def test_glue_tsv_format_reads_quotes_literally(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_text('sentence\tlabel\nit \'s a "charming" film \t1\nnot "good \t0\n'
                    "a third , quite dull one \t0\n", encoding="utf-8")
    raw = read_text_table(path)
    assert raw.texts[1] == 'not "good '  # an unbalanced quote is just a character in TSV
    y, names = encode_labels(raw.labels, label_names={0: "negative", 1: "positive"})
    assert names == ["negative", "positive"] and y.tolist() == [1, 0, 0]


def test_sentence_split_format(tmp_path):
    path = tmp_path / "stsa.binary.train"
    path.write_text("1 a stirring , funny film\n0 apparently reassembled from the floor .\n",
                    encoding="utf-8")
    raw = read_label_sentence_file(path)
    assert raw.labels == ["1", "0"]
    assert raw.texts == ["a stirring , funny film", "apparently reassembled from the floor ."]


def test_integer_labels_keep_numeric_order_and_spreadsheet_floats_are_integers():
    y, names = encode_labels(["10", "2", "2.0", "10"])
    assert names == ["2", "10"] and y.tolist() == [1, 0, 0, 1]


def test_a_test_label_unknown_to_training_names_its_line():
    with pytest.raises(CourseError, match="line 3.*'maybe'"):
        encode_labels(["yes", "no", "maybe"], class_names=["no", "yes"], lines=[1, 2, 3])


@pytest.mark.parametrize("content, match", [
    ("", "is empty"),
    ("review,topic\n", "header but no rows"),
    ("words,stuff\nhello,world\n", r"no text column.*'words', 'stuff'"),
    ("review,topic\nthe match,sport\nthe vote,sport\n", "one class only"),
    ("review,topic\ngreat,0.73\nbad,0.12\n", "line 2.*0.73"),
    ("review,topic\n   ,pos\n ,neg\n", "line 2.*blank.*every other row"),
    ("review,topic\ngood film,\nbad film,NaN\n", "line 2.*empty.*every other row"),
    ("review,topic\ngood film,pos,extra\n", "line 2 has 3 fields"),
])
def test_bad_csv_files_raise_a_course_error_naming_the_problem(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CourseError, match=match):
        load_text_file(path, "review", "topic")


def test_rows_without_text_or_label_are_dropped_and_counted(tmp_path, capsys):
    rows = corpus() + [("   ", "sport"), ("a text with no label", ""),
                       ("another one", "NaN"), ("and a third", "null")]
    path = write_csv(tmp_path / "gaps.csv", rows)
    data = load_text_file(path, "review", "topic")
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 50
    note = "gaps.csv: dropped 4 rows: 1 with an empty text (line 52); 3 with no label " \
           "(lines 53, 54, 55)"
    assert note in capsys.readouterr().out and note in data.notes


def test_label_values_keep_integers_and_strings(tmp_path, topics_csv):
    assert load_text_file(topics_csv, "review", "topic").label_values == \
        ["politics", "science", "sport"]
    rows = [(text, {"sport": 3, "politics": 7, "science": 11}[topic])
            for text, topic in corpus()]
    data = load_text_file(write_csv(tmp_path / "ints.csv", rows), "review", "topic")
    assert data.label_values == [3, 7, 11] and data.class_names == ["3", "7", "11"]
    assert data.describe()["columns"] == {"text": "review", "label": "topic"}


def test_unlabelled_table_for_prediction(tmp_path):
    path = tmp_path / "test.csv"
    path.write_text("ID,review\na7,good film\nb9,\"dull, long\"\n", encoding="utf-8")
    assert read_unlabelled_table(path) == (["a7", "b9"], ["good film", "dull, long"], "ID")
    plain = tmp_path / "plain.tsv"
    plain.write_text("text\nfirst\nsecond\n", encoding="utf-8")
    assert read_unlabelled_table(plain) == ([0, 1], ["first", "second"], "id")
    path.write_text("id,review\n1,good\n2,  \n", encoding="utf-8")
    with pytest.raises(CourseError, match="line 3.*blank"):
        read_unlabelled_table(path)
    with pytest.raises(CourseError, match="no id column 'key'"):
        read_unlabelled_table(plain, id_column="key")
    # predict's guess: the training file's text column comes before the usual names
    both = tmp_path / "both.csv"
    both.write_text('text,"tweet body"\nheader note,the tweet\n', encoding="utf-8")
    assert read_unlabelled_table(both)[1] == ["header note"]
    assert read_unlabelled_table(both, text_column_guess="tweet body")[1] == ["the tweet"]
    assert read_unlabelled_table(both, text_column_guess="absent")[1] == ["header note"]


@pytest.mark.slow
def test_tfds_sets_load_from_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=40):
        data = load_text_dataset("tfds:imdb_reviews", seed=1)
        assert data.class_names == ["neg", "pos"] and data.label_values == [0, 1]
        assert data.test_split == "test" and len(data.x_test) == 40
        # mock data lists no splits, so every standard split name reads 40 random examples
        assert len(data.x_train) == len(data.x_val) == 40
        assert isinstance(data.x_train[0], str)
        assert (data.text_column, data.label_column) == ("text", "label")
        topics = load_text_dataset("tfds:ag_news_subset", seed=1)
        assert len(topics.class_names) == 4 and topics.text_column == "description"
        glue = load_text_dataset("tfds:glue/sst2", seed=1, text_column="sentence")
        assert glue.text_column == "sentence" and glue.test_split in ("test", "validation")
        with pytest.raises(CourseError, match="no feature 'review'.*text"):
            load_text_dataset("tfds:imdb_reviews", text_column="review")


def test_tfds_offline_and_unknown_names_fail_in_one_line(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(CourseError, match=f"not in the TFDS data folder {tmp_path}"):
        load_text_dataset("tfds:imdb_reviews", data_dir=tmp_path)
    with pytest.raises(CourseError, match="not a TensorFlow Datasets name"):
        load_text_dataset("tfds:no_such_set_anywhere", data_dir=tmp_path)


def test_a_missing_column_names_the_columns_found(topics_csv):
    with pytest.raises(CourseError, match=r"no label column 'sentiment'.*'review', 'topic'"):
        load_text_file(topics_csv, "review", "sentiment")


def test_swapped_columns_are_not_labels(topics_csv):
    with pytest.raises(CourseError, match="does not look like labels.*swapped"):
        load_text_file(topics_csv, "topic", "review")


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("review,topic\ngood,pos\ncaf\u00e9 food,neg\n".encode("latin-1"))
    with pytest.raises(CourseError, match="line 3 is not UTF-8.*0xe9"):
        load_text_file(path, "review", "topic")


def test_a_class_with_one_text_cannot_be_split(tmp_path):
    rows = corpus() + [("a lonely sentence about cooking", "cooking")]
    path = write_csv(tmp_path / "rare.csv", rows)
    with pytest.raises(CourseError, match="'cooking' has only one text"):
        load_text_file(path, "review", "topic")


def test_unknown_dataset_and_test_data_without_data():
    with pytest.raises(CourseError, match="unknown text dataset"):
        load_text_dataset("imdb_reviews")
    with pytest.raises(CourseError, match="--test-data needs --data"):
        load_text_dataset(test_data="x.csv")


def test_subsample_keeps_every_class(topics_csv):
    data = load_text_file(topics_csv, "review", "topic")
    small = data.subsample(train=9, validation=100, test=6, seed=0)
    assert len(small.x_train) == 9 and len(small.x_test) == 6
    assert set(small.y_train.tolist()) == {0, 1, 2}
    assert small.x_val == data.x_val and "--quick" in small.notes[-1]


def test_data_flags():
    parser = argparse.ArgumentParser()
    add_text_data_arguments(parser)
    args = parser.parse_args(["--data", "x.csv", "--text-column", "review",
                              "--label-column", "topic"])
    assert (args.dataset, args.data, args.text_column, args.label_column) == \
        ("sst2_glue", "x.csv", "review", "topic")
    assert parser.parse_args(["--dataset", "tfds:glue/sst2"]).dataset == "tfds:glue/sst2"
    for bad in ("imdb", "tfds:"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--dataset", bad])
    lab_parser = argparse.ArgumentParser()
    add_text_data_arguments(lab_parser, default="sst2_sentences")
    assert lab_parser.parse_args([]).dataset == "sst2_sentences"


# --- real data (../shared/data) -------------------------------------------------------------

@pytest.mark.slow
def test_real_glue_sst2(shared_data):
    data = load_text_dataset("sst2_glue", data_dir=shared_data, seed=42)
    assert len(data.x_train) + len(data.x_val) == 67349
    assert len(data.x_test) == 872 and data.test_split == "dev"
    assert data.class_names == ["negative", "positive"]
    assert np.bincount(data.y_test).tolist() == [428, 444]
    assert not data.x_test[0].endswith(" ")  # GLUE's trailing space is stripped
    assert "test labels are not public" in data.notes[0]


@pytest.mark.slow
def test_real_kim_sentence_splits(shared_data):
    data = load_text_dataset("sst2_sentences", data_dir=shared_data)
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (6920, 872, 1821)
    assert np.bincount(data.y_train).tolist() == [3310, 3610]
    assert np.bincount(data.y_test).tolist() == [912, 909]
    assert data.test_split == "test"

