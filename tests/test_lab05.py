"""Lab 5 (GloVe + LSTM): vocabulary and padding, the three embedding modes, whole runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from lab_runs import only_run, run_lab
from test_glove import write_glove
from test_text_data import corpus, write_csv

from labs import lab05_glove_lstm as lab
from labs.lab05_glove_lstm import attention
from toolkit.callbacks import merge_phases
from toolkit.cli import run_main
from toolkit.runs import read_record
from toolkit.text.glove import GloveVectors
from toolkit.text.processing import Vocabulary, length_summary

REPO = Path(__file__).resolve().parent.parent


def topic_glove_words(dim: int = 6) -> dict:
    """A 20-word GloVe-format vocabulary covering part of the topic corpus."""
    rng = np.random.default_rng(0)
    words = ["the", "a", "team", "match", "goal", "won", "minister", "vote", "election",
             "parliament", "law", "telescope", "galaxy", "study", "new", "theory", "of",
             "on", "to", "was"]
    return {word: rng.normal(size=dim).round(4).tolist() for word in words}


@pytest.fixture
def topics_csv(tmp_path):
    return write_csv(tmp_path / "topics.csv", corpus())


@pytest.fixture
def tiny_glove(tmp_path):
    return write_glove(tmp_path / "tiny.6d.txt", topic_glove_words())


# --- vocabulary and sequences -----------------------------------------------------------------

def test_vocabulary_reserves_pad_and_unk_and_keeps_the_most_frequent():
    counts = Counter({"good": 5, "film": 3, "plot": 1})
    vocabulary = Vocabulary(counts, max_size=4)
    assert vocabulary.tokens == ["<PAD>", "<UNK>", "good", "film"]
    assert vocabulary.dropped == 1
    assert vocabulary.encode(["good", "plot", "film"]) == [2, 1, 3]
    padded = vocabulary.encode_padded([["good"], ["film", "good", "film", "good"]], length=3)
    assert padded.dtype == np.int32
    np.testing.assert_array_equal(padded, [[2, 0, 0], [3, 2, 3]])  # padded / cut at the end
    assert vocabulary.unknown_rate([["good", "plot"], ["zzz", "film"]]) == 0.5


def test_length_summary_chooses_the_percentile_length():
    summary = length_summary(list(range(1, 101)), percentile=95)
    assert summary["chosen_length"] == 96 and summary["max"] == 100
    assert summary["truncated_share"] == 0.04


def sequences_for(glove: GloveVectors, length: int = 5) -> dict:
    vocabulary = Vocabulary(Counter({"the": 3, "team": 2, "galaxy": 1, "zzz": 1}))
    matrix, _ = glove.embedding_matrix(vocabulary.tokens, oov="zero")
    x = vocabulary.encode_padded([["the", "team"], ["galaxy", "zzz", "the"]], length)
    return {"x_train": x, "x_val": x, "x_test": x, "vocabulary": vocabulary, "length": length,
            "matrix": matrix}


@pytest.mark.parametrize("mode, trainable", [("frozen", False), ("fine-tuned", False),
                                             ("random", True)])
def test_build_model_embedding_modes(mode, trainable):
    words = topic_glove_words()
    glove = GloveVectors(list(words), np.array(list(words.values()), dtype=np.float32))
    sequences = sequences_for(glove)
    config = lab.parse_args(["--bidirectional", "--units", "8"])
    model = lab.build_model(sequences, 3, config, mode=mode)
    embedding = model.get_layer("embedding")
    assert embedding.trainable is trainable
    weights = np.asarray(embedding.get_weights()[0])
    if mode == "random":
        assert not np.allclose(weights, sequences["matrix"])
    else:
        np.testing.assert_allclose(weights, sequences["matrix"])
    assert model.get_layer("bilstm") is not None
    assert model.predict(sequences["x_test"], verbose=0).shape == (2, 3)


@pytest.mark.parametrize("encoder, layer", [("lstm", "lstm"), ("gru", "gru"),
                                            ("cnn1d", "conv1d"), ("bilstm", "bilstm")])
def test_build_model_encoders_with_layer_norm(encoder, layer):
    words = topic_glove_words()
    glove = GloveVectors(list(words), np.array(list(words.values()), dtype=np.float32))
    sequences = sequences_for(glove)
    config = lab.parse_args(["--encoder", encoder, "--units", "4", "--layer-norm"])
    model = lab.build_model(sequences, 3, config, mode="fine-tuned")
    assert model.get_layer(layer) is not None and model.get_layer("layer_norm") is not None
    assert model.name == f"{encoder}_fine_tuned"
    assert model.predict(sequences["x_test"], verbose=0).shape == (2, 3)
    # The recurrent encoders skip <PAD> positions; the CNN takes no mask.
    assert model.get_layer("embedding").mask_zero is (encoder != "cnn1d")


def test_attention_encoder_weights_are_distributions_over_the_real_words():
    words = topic_glove_words()
    glove = GloveVectors(list(words), np.array(list(words.values()), dtype=np.float32))
    sequences = sequences_for(glove)
    config = lab.parse_args(["--encoder", "attention", "--units", "8"])
    model = lab.build_model(sequences, 3, config, mode="fine-tuned")
    assert model.get_layer("position_embedding") is not None
    assert "TransformerEncoder" in lab.describe_layers("m", sequences, 3, config, "attention")
    assert model.predict(sequences["x_test"], verbose=0).shape == (2, 3)
    weights = attention.attention_weights(model, sequences["x_test"])
    assert weights.shape == (2, attention.ATTENTION_HEADS, 5, 5)
    for sentence, words in enumerate((2, 3)):  # "the team" and "galaxy zzz the", padded to 5
        np.testing.assert_allclose(weights[sentence, :, :words].sum(axis=-1), 1.0, atol=1e-5)
        assert np.allclose(weights[sentence, :, :, words:], 0)  # <PAD> gets no attention
    texts = ["a b c d but e", "a b", "a b c d e", "x " * 30]
    ids = np.array([[2] * 6 + [0] * 30, [2] * 2 + [0] * 34, [2] * 5 + [0] * 31, [2] * 36])
    assert attention.pick_sentences(texts, ids) == [0, 2]  # the contrast first, then short


def test_parse_args_encoders():
    assert lab.parse_args([]).encoders == ["lstm"]
    assert lab.parse_args(["--bidirectional"]).encoders == ["bilstm"]
    assert lab.parse_args(["--encoder", "gru", "cnn1d", "gru"]).encoders == ["gru", "cnn1d"]
    with pytest.raises(SystemExit):
        lab.parse_args(["--bidirectional", "--encoder", "gru"])


def test_merge_phases_joins_histories_and_times():
    results = {
        "fine-tuned": {"history": [{"epoch": 1, "val_loss": 0.6}, {"epoch": 2, "val_loss": 0.5}],
                       "training": {"time_s": 2.0, "epoch_time_s": [1.0, 1.0],
                                    "samples_per_s": 10.0, "stopped_early": False}},
        "fine-tuned (unfrozen)": {"history": [{"epoch": 3, "val_loss": 0.4},
                                              {"epoch": 4, "val_loss": 0.45}],
                                  "training": {"time_s": 3.0, "epoch_time_s": [1.5, 1.5],
                                               "samples_per_s": 8.0, "stopped_early": True}},
    }
    merge_phases(results, "fine-tuned", "fine-tuned (unfrozen)")
    assert list(results) == ["fine-tuned"]
    merged = results["fine-tuned"]
    assert [row["epoch"] for row in merged["history"]] == [1, 2, 3, 4]
    assert merged["training"]["time_s"] == 5.0 and merged["training"]["best_epoch"] == 3
    assert merged["training"]["unfrozen_at_epoch"] == 3
    assert merged["training"]["stopped_early"] is True


def test_parse_args_checks_freeze_epochs():
    assert lab.parse_args(["--quick"]).freeze_epochs == 1
    with pytest.raises(SystemExit):
        lab.parse_args(["--epochs", "3", "--freeze-epochs", "3"])


# --- whole runs -------------------------------------------------------------------------------

def test_quick_run_on_a_csv_with_a_tiny_glove_file(topics_csv, tiny_glove, tmp_path):
    record = run_lab(lab, ["--data", str(topics_csv), "--text-column", "review",
                      "--label-column", "topic", "--glove-file", str(tiny_glove), "--quick",
                      "--units", "8", "--label-audit", "--out", str(tmp_path / "runs")])
    assert record["status"] == "complete"
    results = record["results"]
    audit = record["label_audit"]
    assert "mean word vectors + logistic regression" in audit["train_source"]
    assert audit["train_rows"] == record["dataset"]["splits"]["train"]
    assert (record["_dir"] / "label_issues.csv").is_file()
    glove = results["glove"]
    assert (glove["words"], glove["dim"]) == (20, 6)
    # the vectors used are the file's: the unused registry default is not listed beside it
    assert "glove" not in record["hyperparameters"]
    assert record["hyperparameters"]["glove_file"] == str(tiny_glove)
    assert glove["parse_s"] is not None and glove["cached_load_s"] is not None
    coverage = results["coverage"]
    assert 0 < coverage["in_glove"] <= 20 and coverage["not_in_glove"] > 0
    assert coverage["oov_strategy"] == "random"
    assert results["missing_words"][0]["count"] >= results["missing_words"][-1]["count"]
    rows = results["embedding_comparison"]
    assert [row["embeddings"] for row in rows] == ["frozen", "fine-tuned", "random"]
    frozen, fine_tuned, random_init = rows
    assert frozen["trainable_parameters"] < fine_tuned["trainable_parameters"] == \
        random_init["trainable_parameters"]
    assert results["fine-tuned"]["training"]["unfrozen_at_epoch"] == 2
    assert record["history"] and record["metrics"]["accuracy"] is not None
    assert record["inference"]["throughput_samples_per_s"] > 0
    for figure in record["figures"].values():
        assert (record["_dir"] / figure).is_file()
    best = results["best_embeddings"]["mode"]
    assert (record["_dir"] / f"best_{best}.keras").is_file()  # the checkpoint
    assert (record["_dir"] / "model.keras").is_file()


def test_the_registry_glove_offline_exits_2_naming_the_download(topics_csv, tmp_path, capsys):
    code = run_main(lab.main, ["--data", str(topics_csv), "--label-column", "topic",
                               "--glove", "6B.100d", "--quick",
                               "--data-dir", str(tmp_path), "--out", str(tmp_path / "runs")])
    assert code == 2
    error = capsys.readouterr().err
    assert "glove.6B.100d.txt" in error and "https://nlp.stanford.edu/data/glove.6B.zip" in error
    assert error.count("\n") == 1


def test_a_glove_file_with_mixed_widths_exits_2_naming_the_line(topics_csv, tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("the 0.1 0.2 0.3\nteam 0.1 0.2\n", encoding="utf-8")
    code = run_main(lab.main, ["--data", str(topics_csv), "--label-column", "topic",
                               "--glove-file", str(bad), "--quick",
                               "--out", str(tmp_path / "runs")])
    assert code == 2
    assert "line 2 has 2 numbers, line 1 has 3" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()  # bad input stops the lab before the run folder


@pytest.mark.slow
def test_real_sst2_quick_run_with_the_glove_subset(shared_data, tmp_path):
    glove = shared_data / "glove_6B_50d_subset" / "glove.6B.50d.top2446.txt"
    record = run_lab(lab, ["--data-dir", str(shared_data), "--glove-file", str(glove), "--quick",
                      "--embeddings", "random", "--no-save", "--out", str(tmp_path / "runs")])
    assert record["dataset"]["splits"]["dev"] == 872
    assert record["results"]["glove"]["words"] == 2446
    assert record["results"]["analogies"][0]["answers (cosine)"].startswith("queen")
    assert record["metrics"]["accuracy"] > 0.6  # 2,000 phrases, 2 epochs
    assert len(record["misclassified"]) >= 10
    assert "unknown_word_share" in record["misclassified"][0]
    assert record["reference"]["value"] == 0.849 and record["reference"]["split"] == "test"


@pytest.mark.slow
def test_two_encoders_neighbour_oov_unit_vectors_and_learned_embeddings(topics_csv, tmp_path):
    words = topic_glove_words()
    for word in ("good", "bad", "great", "worst", "movie", "film", "one", "two", "france"):
        words[word] = np.random.default_rng(len(word)).normal(size=6).round(4).tolist()
    glove = write_glove(tmp_path / "more.6d.txt", words)
    record = run_lab(lab, ["--data", str(topics_csv), "--label-column", "topic",
                           "--glove-file", str(glove), "--quick", "--no-save", "--units", "4",
                           "--embeddings", "fine-tuned", "random", "--encoder", "gru",
                           "attention",
                           "--oov", "neighbors", "--normalize", "--layer-norm",
                           "--out", str(tmp_path / "runs")])
    results = record["results"]
    rows = results["embedding_comparison"]
    assert [row["model"] for row in rows] == ["gru fine-tuned", "gru random",
                                              "attention fine-tuned", "attention random"]
    assert all(row["epoch_s"] > 0 and row["parameters"] >= row["trainable_parameters"]
               for row in rows)
    assert results["best_embeddings"]["key"] in {row["model"] for row in rows}
    assert "LayerNorm" in record["model"]["layers"]
    assert record["hyperparameters"]["encoders"] == ["gru", "attention"]
    assert "attention" in record["figures"] and len(results["attention"]) == 2
    assert results["coverage"]["oov_strategy"] == "neighbors"
    # The topic corpus shares no question word with this GloVe file: nothing is answered.
    assert results["analogy_total"]["answered"] == 0
    assert "analogies" not in record["figures"]
    assert 0 < results["learned_embeddings"]["mean_cosine_glove_vs_fine_tuned"] <= 1
    for figure in record["figures"].values():
        assert (record["_dir"] / figure).is_file()


@pytest.mark.slow
def test_runs_without_tensorflow_on_jax(topics_csv, tiny_glove, tmp_path):
    env = dict(os.environ, KERAS_BACKEND="jax",
               PYTHONPATH=os.pathsep.join([str(REPO / "tests/support/no_tensorflow"),
                                           str(REPO)]))
    result = subprocess.run(
        [sys.executable, "-m", "labs.lab05_glove_lstm", "--data", str(topics_csv),
         "--label-column", "topic",
         "--glove-file", str(tiny_glove), "--quick", "--no-save", "--units", "8",
         "--embeddings", "fine-tuned", "--out", str(tmp_path / "runs")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    run_dir = only_run(lab.LAB_ID, tmp_path / "runs")
    record = read_record(run_dir)
    assert record["environment"]["backend"] == "jax" and record["status"] == "complete"
