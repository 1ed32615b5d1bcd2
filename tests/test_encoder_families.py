"""Every encoder family keras-hub offers for classification trains under every strategy.

Tiny random backbones (vocabulary 100, 2 blocks, width 16): nothing is downloaded. The lab's
head, pooling, freezing, layer-wise and gradual learning rates only rely on what all of them
share (``transformer_layers``, the input names, a sequence output).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from toolkit.errors import CourseError
from toolkit.text import bert

TINY = dict(vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32)


def tiny_backbone(family: str):
    import keras_hub

    models = keras_hub.models
    if family == "albert":
        return models.AlbertBackbone(**TINY, embedding_dim=8, num_groups=2,
                                     num_inner_repetitions=1, max_sequence_length=32)
    if family == "electra":
        return models.ElectraBackbone(vocab_size=100, num_layers=2, num_heads=2, hidden_dim=16,
                                      embedding_dim=16, intermediate_dim=32,
                                      max_sequence_length=32)
    if family == "deberta_v3":
        return models.DebertaV3Backbone(**TINY, bucket_size=8)
    backbone_class = {"bert": models.BertBackbone, "distil_bert": models.DistilBertBackbone,
                      "roberta": models.RobertaBackbone}[family]
    return backbone_class(**TINY, max_sequence_length=32)


FAMILIES = ["bert", "distil_bert", "roberta", "deberta_v3", "albert", "electra"]


@pytest.mark.parametrize("family", FAMILIES)
def test_family_trains_with_every_strategy_pieces(family):
    keras.utils.set_random_seed(0)
    backbone = tiny_backbone(family)
    model = bert.build_classifier(backbone, 3)
    groups = [name for name, _ in bert.layer_groups(backbone)]
    assert groups[:3] == ["embeddings", "block_0", "block_1"]
    bert.apply_strategy(backbone, "last-n", unfreeze_last=1)
    bottom = {id(w) for layer in dict(bert.layer_groups(backbone))["block_0"]
              for w in layer.weights}
    assert not bottom & {id(w) for w in model.trainable_weights}  # the bottom block is frozen
    bert.apply_strategy(backbone, "gradual")
    gates = bert.gradual_gates(model, backbone, epoch=0)
    assert 0.0 in gates.values() and 1.0 in gates.values()
    multipliers = bert.layerwise_multipliers(model, backbone, 0.5)
    optimizer = bert.make_optimizer(learning_rate=1e-3, total_steps=4, lr_multipliers=multipliers,
                                    gated=True)
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = np.random.default_rng(0).integers(3, 100, (8, 12)).astype("int32")
    inputs = {"token_ids": ids, "padding_mask": np.ones_like(ids),
              "segment_ids": np.zeros_like(ids)}
    inputs = {name: inputs[name] for name in bert.input_names(backbone)}
    optimizer.build(model.trainable_variables)
    optimizer.set_gates(gates)
    history = model.fit(inputs, np.arange(8) % 3, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# --- presets and tokenizers of the other families, made here (no download) -------------------

CORPUS = [f"the film was {word} and the {thing} was {other}" for word, thing, other in zip(
    ["good", "bad", "dull", "great", "warm", "boring"] * 10,
    ["plot", "acting", "music", "story", "cast"] * 12,
    ["fine", "poor", "moving", "weak", "funny", "flat"] * 10, strict=False)]


def byte_pair_files(folder):
    from tokenizers import ByteLevelBPETokenizer

    tokenizer = ByteLevelBPETokenizer(add_prefix_space=True)
    tokenizer.train_from_iterator(CORPUS, vocab_size=300, min_frequency=1,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_model(str(folder))  # vocab.json, merges.txt
    (folder / "vocab.json").rename(folder / "vocabulary.json")
    return tokenizer.get_vocab_size()


def sentencepiece_file(path, family="deberta_v3"):
    """A tiny SentencePiece model with the special pieces of DeBERTa-v3 or of ALBERT."""
    import io

    sentencepiece = pytest.importorskip("sentencepiece")
    model = io.BytesIO()
    specials = dict(pad_id=0, unk_id=3, pad_piece="[PAD]") if family == "deberta_v3" else \
        dict(pad_id=0, unk_id=1, pad_piece="<pad>")  # ALBERT: <pad> <unk> [CLS] [SEP]
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS), model_writer=model, vocab_size=40, model_type="unigram",
        bos_id=-1, eos_id=-1, control_symbols=["[CLS]", "[SEP]"], **specials)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.getvalue())
    return 40


def make_family_preset(family: str, folder):
    """A Keras preset folder of a tiny random backbone of ``family``, with its tokenizer."""
    import keras_hub

    models = keras_hub.models
    assets = folder / "assets" / "tokenizer"
    if family == "roberta":
        size = byte_pair_files(assets)
        backbone = models.RobertaBackbone(**{**TINY, "vocabulary_size": size},
                                          max_sequence_length=64)
    elif family == "electra":
        size = wordpiece_file(assets / "vocabulary.txt")
        backbone = models.ElectraBackbone(
            vocab_size=size, num_layers=2, num_heads=2, hidden_dim=16, embedding_dim=16,
            intermediate_dim=32, max_sequence_length=64)
    elif family == "albert":
        size = sentencepiece_file(assets / "vocabulary.spm", family="albert")
        backbone = models.AlbertBackbone(**{**TINY, "vocabulary_size": size}, embedding_dim=8,
                                         num_groups=2, num_inner_repetitions=1,
                                         max_sequence_length=64)
    else:
        size = sentencepiece_file(assets / "vocabulary.spm")
        backbone = models.DebertaV3Backbone(**{**TINY, "vocabulary_size": size}, bucket_size=8)
    backbone.save_to_preset(str(folder))
    return folder


def wordpiece_file(path):
    words = sorted({word for line in CORPUS for word in line.split()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    return 5 + len(words)


@pytest.mark.parametrize("family", ["roberta", "deberta_v3", "albert", "electra"])
def test_family_preset_folder_resolves_and_tokenizes(family, tmp_path):
    preset = bert.resolve_preset(str(make_family_preset(family, tmp_path / family)))
    assert preset.family == family and preset.source == "Keras preset folder"
    tokenizer = bert.make_tokenizer(preset)
    tokens = tokenizer.encode(["the film was good", "the music was " + "weak " * 40], 16)
    first, second = tokens.token_ids
    assert first[0] == tokenizer.start_id and first[-1] == tokenizer.end_id
    assert len(second) == 16 and second[-1] == tokenizer.end_id and tokens.truncated == 1
    assert tokenizer.pad_id == (1 if family == "roberta" else 0)
    assert tokenizer.tokenize("the film")  # pieces without the frame


def test_sentencepiece_file_without_the_family_pieces_is_one_line(tmp_path):
    sentencepiece_file(tmp_path / "deberta.spm")  # pads with [PAD], not ALBERT's <pad>
    with pytest.raises(CourseError, match="has no <pad> piece"):
        bert.SubwordTokenizer("sentencepiece", [tmp_path / "deberta.spm"], "albert")


def test_hugging_face_folder_of_an_unconverted_family_is_one_line(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "deberta-v2"}')
    with pytest.raises(CourseError, match="keras-hub converts"):
        bert.resolve_preset(str(tmp_path))
