"""GloVe files: parsing, the .npz cache (next to the file or in the Keras cache), coverage,
neighbours, analogies, embedding matrices, and a CourseError naming the line of a bad file."""

from __future__ import annotations

import os
import time
from collections import Counter

import numpy as np
import pytest

from toolkit.errors import CourseError
from toolkit.resources import datasets_path
from toolkit.text.glove import (
    GloveVectors,
    cache_paths,
    load_glove,
    parse_glove_text,
    read_analogies,
    resolve_glove,
)

# A 20-word, 4-d file built so that king - man + woman = queen exactly, and the
# sentiment words form two tight clusters.
WORDS = {
    "man": [1, 0, 0, 0], "woman": [1, 1, 0, 0], "king": [1, 0, 1, 0], "queen": [1, 1, 1, 0],
    "good": [0, 0, 0, 1], "great": [0.1, 0, 0, 1], "fine": [0, 0.1, 0, 1],
    "bad": [0, 0, 0, -1], "awful": [0.1, 0, 0, -1], "poor": [0, 0.1, 0, -1],
    "the": [0.3, 0.3, 0.3, 0.1], "a": [0.3, 0.2, 0.3, 0.1], "film": [0.5, 0.1, 0.2, 0.0],
    "movie": [0.5, 0.1, 0.25, 0.0], "plot": [0.4, 0.2, 0.1, 0.0], "one": [0.2, 0.5, 0.1, 0.0],
    "two": [0.2, 0.5, 0.15, 0.0], "three": [0.2, 0.55, 0.1, 0.0], ",": [0.1, 0.1, 0.1, 0.1],
    ".": [0.1, 0.12, 0.1, 0.1],
}


def write_glove(path, words=WORDS):
    lines = [f"{word} " + " ".join(f"{value:.5f}" for value in vector)
             for word, vector in words.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def glove_file(tmp_path):
    return write_glove(tmp_path / "tiny.4d.txt")


def test_parse_gives_words_and_a_float32_matrix(glove_file):
    words, vectors = parse_glove_text(glove_file)
    assert words == list(WORDS)
    assert vectors.shape == (20, 4) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[words.index("queen")], [1, 1, 1, 0])


def test_first_load_parses_and_caches_in_the_keras_cache_then_loads_the_cache(glove_file,
                                                                                keras_home):
    first = load_glove(glove_file)
    assert first.load_info["from_cache"] is False
    assert first.load_info["cache"] == str(cache_paths(glove_file)[0])
    assert first.load_info["cache"].startswith(str(keras_home))
    assert sorted(p.name for p in glove_file.parent.iterdir()) == [glove_file.name]
    second = load_glove(glove_file)
    assert second.load_info["from_cache"] is True
    assert second.load_info["parse_seconds"] == first.load_info["parse_seconds"]
    assert second.words == first.words
    np.testing.assert_array_equal(second.vectors, first.vectors)


def test_the_cache_is_rebuilt_when_the_text_file_changes(glove_file):
    load_glove(glove_file)
    changed = dict(WORDS, king=[9, 9, 9, 9])
    time.sleep(0.01)
    write_glove(glove_file, changed)
    reloaded = load_glove(glove_file)
    assert reloaded.load_info["from_cache"] is False
    np.testing.assert_allclose(reloaded["king"], [9, 9, 9, 9])


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_damaged_cache_is_detected_rebuilt_and_reported(glove_file, damage, capsys):
    load_glove(glove_file)
    cache = cache_paths(glove_file)[0]
    data = cache.read_bytes()
    cache.write_bytes(b"not a zip file" if damage == "corrupt" else data[:len(data) // 2])
    rebuilt = load_glove(glove_file)
    assert rebuilt.load_info["from_cache"] is False
    assert "damaged" in rebuilt.load_info["cache_rebuilt"]
    assert "is damaged" in capsys.readouterr().out
    assert load_glove(glove_file).load_info["from_cache"] is True  # the new cache is whole


def test_a_read_only_folder_caches_in_the_keras_cache(tmp_path, keras_home):
    folder = tmp_path / "readonly"
    folder.mkdir()
    path = write_glove(folder / "tiny.txt")
    folder.chmod(0o555)
    try:
        glove = load_glove(path)
        assert not (folder / "tiny.txt.npz").exists()
        assert glove.load_info["cache"].startswith(str(keras_home))
        assert load_glove(path).load_info["from_cache"] is True
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("lines, match", [
    (["the 0.1 0.2 0.3", "cat 0.1 0.2", "dog 0.1 0.2 0.3"], "line 2 has 2 numbers, line 1 has 3"),
    (["the 0.1 0.2 0.3", "cat 0.1 0.2 0.3 0.4 0.5"], "line 2 has 5 numbers"),
    (["the 0.1 0.2 0.3", "cat 0.1 abc 0.3"], "line 2 is malformed.*'cat'.*'abc'"),
    (["the 0.1 0.2 0.3", "cat 0.1 nan 0.3"], "line 2 is malformed"),
    (["lonelyword"], "line 1 holds no numbers"),
    (["400000 3", "the 0.1 0.2 0.3"], "line 2 has 3 numbers, line 1 has 1.*word2vec"),
])
def test_malformed_files_name_the_line(tmp_path, lines, match):
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CourseError, match=match):
        load_glove(path)


def test_empty_and_non_utf8_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CourseError, match="empty"):
        load_glove(empty)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"the 0.1 0.2\ncaf\xe9 0.3 0.4\n")
    with pytest.raises(CourseError, match="line 2 is not UTF-8"):
        load_glove(latin)


def test_a_word_holding_spaces_keeps_the_last_fields_as_its_vector(tmp_path):
    path = tmp_path / "840b_style.txt"
    path.write_text("the 0.1 0.2\nat name@domain.com 0.3 0.4\n", encoding="utf-8")
    words, vectors = parse_glove_text(path)
    assert words == ["the", "at name@domain.com"]
    np.testing.assert_allclose(vectors[1], [0.3, 0.4])


def test_nearest_neighbours_and_analogy(glove_file):
    glove = load_glove(glove_file)
    nearest = [word for word, _ in glove.nearest("good", k=2)]
    assert sorted(nearest) == ["fine", "great"]
    assert glove.analogy("man", "king", "woman", k=1)[0][0] == "queen"
    with pytest.raises(CourseError, match="lacks"):
        glove.analogy("man", "emperor", "woman")


def test_coverage_by_type_and_by_token(glove_file):
    glove = load_glove(glove_file)
    counts = Counter({"the": 10, "film": 5, "superb": 3, "meh": 2})
    coverage = glove.coverage(counts)
    assert (coverage["hits"], coverage["misses"]) == (2, 2)
    assert coverage["type_coverage"] == 0.5
    assert coverage["token_coverage"] == 0.75
    assert coverage["top_missing"] == [["superb", 3], ["meh", 2]]


@pytest.mark.parametrize("oov", ["random", "zero", "mean"])
def test_embedding_matrix_oov_strategies(glove_file, oov):
    glove = load_glove(glove_file)
    tokens = ["<PAD>", "<UNK>", "good", "superb"]
    matrix, info = glove.embedding_matrix(tokens, oov=oov, seed=1)
    assert matrix.shape == (4, 4)
    np.testing.assert_array_equal(matrix[0], 0)  # padding is always zero
    np.testing.assert_allclose(matrix[2], WORDS["good"], atol=1e-6)
    assert (info["hits"], info["misses"]) == (1, 2)
    expected = {"zero": np.zeros(4), "mean": glove.vectors.mean(axis=0)}.get(oov)
    if expected is None:
        assert np.abs(matrix[3]).sum() > 0 and not np.allclose(matrix[1], matrix[3])
    else:
        np.testing.assert_allclose(matrix[3], expected, atol=1e-6)
    with pytest.raises(CourseError, match="OOV"):
        glove.embedding_matrix(tokens, oov="copy")


def test_resolve_glove(tmp_path, glove_file):
    assert resolve_glove(glove_file=glove_file) == glove_file
    with pytest.raises(CourseError, match="does not exist"):
        resolve_glove(glove_file=tmp_path / "nope.txt")
    with pytest.raises(CourseError, match="unknown GloVe"):
        resolve_glove("6B.75d")


def test_the_registry_glove_fails_fast_offline_with_what_to_download(tmp_path):
    assert os.environ.get("KERASCOURSE_OFFLINE") == "1"  # set by conftest: no network tries
    with pytest.raises(CourseError) as error:
        resolve_glove("6B.100d", data_dir=tmp_path)
    message = error.value.message
    assert "glove.6B.100d.txt" in message and "glove.6B.zip" in message
    assert "https://nlp.stanford.edu/data/glove.6B.zip" in message
    # ... and how to run offline right now: the course's 1 MB subset, not only the 822 MB zip
    assert "--glove-file" in error.value.fix and "glove.6B.50d.top2446.txt" in error.value.fix


def test_offline_the_fix_names_the_subset_found_in_the_data_dir(shared_data):
    with pytest.raises(CourseError) as error:
        resolve_glove("6B.100d", data_dir=shared_data)
    subset = shared_data / "glove_6B_50d_subset" / "glove.6B.50d.top2446.txt"
    assert f"--glove-file {subset}" in error.value.fix


@pytest.mark.slow
def test_real_glove_subset(shared_data):
    path = shared_data / "glove_6B_50d_subset" / "glove.6B.50d.top2446.txt"
    glove = load_glove(path)
    assert (len(glove), glove.dim) == (2446, 50)
    assert not (path.parent / (path.name + ".npz")).exists()  # shared data is left untouched
    assert glove.words[:3] == ["the", ",", "."]
    np.testing.assert_allclose(glove["king"][:3], [0.50451, 0.68607, -0.59517], rtol=1e-5)
    assert glove.analogy("man", "king", "woman", k=1)[0][0] == "queen"


# --- unit-length rows, neighbour guesses for unknown words, the analogy benchmark ----------

def test_normalize_makes_every_row_unit_length_except_padding():
    glove = GloveVectors(["good", "bad"], np.array([[3.0, 4.0], [0.0, 2.0]], np.float32))
    matrix, coverage = glove.embedding_matrix(["<PAD>", "good", "bad", "zzz"], oov="mean",
                                              normalize=True)
    np.testing.assert_allclose(matrix[0], 0.0)
    np.testing.assert_allclose(np.linalg.norm(matrix[1:], axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(matrix[1], [0.6, 0.8], rtol=1e-6)
    assert coverage["normalized"] is True


def test_oov_neighbors_is_the_mean_of_the_known_words_around_it():
    glove = GloveVectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.0, 1.0], [9.0, 9.0]],
                                                   np.float32))
    contexts = [["a", "zzz", "b"], ["zzz", "a"], ["c", "x", "y", "z", "w", "v", "lonely"]]
    matrix, coverage = glove.embedding_matrix(["<PAD>", "zzz", "lonely"], oov="neighbors",
                                              contexts=contexts, window=2)
    # zzz is next to a, b (first text) and a (second): (a + b + a) / 3
    np.testing.assert_allclose(matrix[1], [2 / 3, 1 / 3], rtol=1e-6)
    # lonely has no known word within 2 tokens: the mean GloVe vector
    np.testing.assert_allclose(matrix[2], glove.vectors.mean(axis=0), rtol=1e-6)
    assert coverage["neighbor_rows"] == 1 and coverage["mean_rows"] == 1
    with pytest.raises(CourseError, match="needs the training texts"):
        glove.embedding_matrix(["zzz"], oov="neighbors")


def test_analogy_accuracy_per_section_skips_questions_with_unknown_words():
    # b - a + c lands exactly on d for the first question; the second has an unknown word.
    words = ["man", "king", "woman", "queen", "apple"]
    vectors = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0]], np.float32)
    glove = GloveVectors(words, vectors)
    questions = [("family", "man", "king", "woman", "queen"),
                 ("family", "man", "king", "woman", "zzz"),
                 ("fruit", "king", "man", "queen", "apple")]
    scores = glove.analogy_accuracy(questions)
    family, fruit = scores["sections"]
    assert (family["questions"], family["answered"], family["correct"]) == (2, 1, 1)
    assert family["accuracy"] == 1.0
    assert fruit["answered"] == 1 and fruit["correct"] == 0  # man - king + queen is 'woman'
    assert scores["total"] == {"questions": 3, "answered": 2, "correct": 1, "accuracy": 0.5,
                               "searched_words": 5}


def test_read_analogies_reads_sections_and_rejects_bad_lines(tmp_path):
    good = tmp_path / "q.txt"
    good.write_text(": capital\nParis France Tokyo Japan\n\n: family\nman king woman queen\n",
                    encoding="utf-8")
    assert read_analogies(good) == [("capital", "paris", "france", "tokyo", "japan"),
                                    ("family", "man", "king", "woman", "queen")]
    for text, message in [("paris france tokyo japan\n", "before any"),
                          (": s\nparis france tokyo\n", "line 2"), ("", "no analogy")]:
        bad = tmp_path / "bad.txt"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(CourseError, match=message):
            read_analogies(bad)


@pytest.mark.slow
def test_the_shipped_analogy_subset_uses_only_words_of_the_glove_subset(shared_data):
    questions = read_analogies(datasets_path("analogies", "questions-words-subset.txt"))
    assert len({section for section, *_ in questions}) == 10 and len(questions) > 1000
    glove = load_glove(shared_data / "glove_6B_50d_subset" / "glove.6B.50d.top2446.txt",
                       use_cache=False)
    scores = glove.analogy_accuracy(questions)
    assert scores["total"]["answered"] == len(questions)
    family = next(row for row in scores["sections"] if row["section"] == "family")
    assert family["accuracy"] > 0.5  # man : king = woman : queen and its kin
