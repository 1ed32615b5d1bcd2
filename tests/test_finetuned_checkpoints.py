"""Checkpoints already fine-tuned for classification (toolkit.text.bert.finetuned and lab 6's
checkpoint.py): a Keras task preset and a Hugging Face BertForSequenceClassification folder
load with their own head, the lab evaluates them as published and trains on with that head.

Both checkpoints are built here: a tiny keras-hub BertTextClassifier saved with
``save_to_preset``, and a tiny Hugging Face folder written with ``safetensors`` from NumPy
arrays (transformers is not needed). Nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
from test_bert import vocabulary_size, write_vocabulary
from test_lab06 import synthetic_sst2

from labs import lab06_bert_finetune as lab
from labs.lab06_bert_finetune import checkpoint
from toolkit.errors import CourseError
from toolkit.runs import read_record
from toolkit.text import bert
from toolkit.text.bert import finetuned

HIDDEN, INTERMEDIATE, LAYERS, POSITIONS = 16, 32, 2, 64


def tiny_inputs(rows: int = 4, length: int = 8) -> dict:
    rng = np.random.default_rng(1)
    ids = rng.integers(5, vocabulary_size(), size=(rows, length)).astype("int32")
    ids[:, 0], ids[:, -1] = 2, 3  # [CLS] ... [SEP]
    mask = np.ones_like(ids, dtype=bool)
    mask[0, 5:] = False
    return {"token_ids": ids, "padding_mask": mask, "segment_ids": np.zeros_like(ids)}


@pytest.fixture(scope="module")
def keras_classifier(tmp_path_factory):
    """A 2-class BertTextClassifier (hidden 16) saved as a Keras task preset, and the model."""
    import keras_hub

    keras.utils.set_random_seed(3)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=vocabulary_size(), num_layers=LAYERS, num_heads=2, hidden_dim=HIDDEN,
        intermediate_dim=INTERMEDIATE, max_sequence_length=POSITIONS)
    classifier = keras_hub.models.BertTextClassifier(backbone, num_classes=2,
                                                     preprocessor=None)
    # A head that is not at its initial values, as after fine-tuning.
    classifier.output_dense.set_weights([np.random.default_rng(0).normal(
        size=(HIDDEN, 2)).astype("float32"), np.array([0.3, -0.3], "float32")])
    folder = tmp_path_factory.mktemp("tiny_sst2") / "bert_tiny_sst2"
    classifier.save_to_preset(str(folder))
    write_vocabulary(folder / "assets" / "tokenizer" / "vocabulary.txt")
    return folder, classifier


def hugging_face_weights(rng, classes: int) -> dict[str, np.ndarray]:
    """A BertForSequenceClassification state dict (PyTorch layout: Linear weights are
    (outputs, inputs)) with random values."""
    def tensor(*shape):
        return rng.normal(scale=0.2, size=shape).astype("float32")

    weights = {"bert.embeddings.word_embeddings.weight": tensor(vocabulary_size(), HIDDEN),
               "bert.embeddings.position_embeddings.weight": tensor(POSITIONS, HIDDEN),
               "bert.embeddings.token_type_embeddings.weight": tensor(2, HIDDEN),
               "bert.embeddings.LayerNorm.weight": 1 + tensor(HIDDEN),
               "bert.embeddings.LayerNorm.bias": tensor(HIDDEN)}
    for i in range(LAYERS):
        layer = f"bert.encoder.layer.{i}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense"):
            weights[f"{layer}{name}.weight"] = tensor(HIDDEN, HIDDEN)
            weights[f"{layer}{name}.bias"] = tensor(HIDDEN)
        weights[f"{layer}intermediate.dense.weight"] = tensor(INTERMEDIATE, HIDDEN)
        weights[f"{layer}intermediate.dense.bias"] = tensor(INTERMEDIATE)
        weights[f"{layer}output.dense.weight"] = tensor(HIDDEN, INTERMEDIATE)
        weights[f"{layer}output.dense.bias"] = tensor(HIDDEN)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{layer}{norm}.weight"] = 1 + tensor(HIDDEN)
            weights[f"{layer}{norm}.bias"] = tensor(HIDDEN)
    weights["bert.pooler.dense.weight"] = tensor(HIDDEN, HIDDEN)
    weights["bert.pooler.dense.bias"] = tensor(HIDDEN)
    weights["classifier.weight"] = tensor(classes, HIDDEN)
    weights["classifier.bias"] = tensor(classes)
    return weights


def write_hugging_face_folder(folder: Path, classes: int = 2,
                              labels: tuple[str, ...] = ("negative", "positive"),
                              architecture: str = "BertForSequenceClassification") -> dict:
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    weights = hugging_face_weights(np.random.default_rng(7), classes)
    save_file(weights, str(folder / "model.safetensors"))
    config = {"architectures": [architecture], "model_type": "bert",
              "vocab_size": vocabulary_size(), "hidden_size": HIDDEN,
              "num_hidden_layers": LAYERS, "num_attention_heads": 2,
              "intermediate_size": INTERMEDIATE, "max_position_embeddings": POSITIONS,
              "type_vocab_size": 2, "hidden_dropout_prob": 0.1, "num_labels": classes,
              "id2label": {str(i): name for i, name in enumerate(labels)}}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    write_vocabulary(folder / "vocab.txt")
    return weights


# --- toolkit: find and load the head -------------------------------------------------------------

def test_keras_task_preset_loads_with_its_own_head(keras_classifier, monkeypatch):
    folder, classifier = keras_classifier
    preset = bert.resolve_preset(str(folder))
    head = finetuned.find_head(preset)
    assert (head.architecture, head.num_classes, head.class_names, head.kind) == \
        ("BertTextClassifier", 2, None, "Keras task preset")
    model, backbone = finetuned.load_classifier(preset, head)
    inputs = tiny_inputs()
    expected = keras.ops.convert_to_numpy(classifier(inputs, training=False))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(inputs)), expected, atol=1e-5)
    assert bert.input_names(backbone) == bert.input_names(classifier.backbone)
    # keras-hub's own bert_tiny_en_uncased_sst2, by name, from the Kaggle cache (a stand-in:
    # nothing is downloaded here).
    import keras_hub

    monkeypatch.setenv("KAGGLEHUB_CACHE", str(folder.parent / "kaggle"))
    handle = keras_hub.models.BertBackbone.presets["bert_tiny_en_uncased_sst2"]["kaggle_handle"]
    shutil.copytree(folder, bert.kaggle_cache_dir() / "models" / handle.removeprefix("kaggle://"))
    named = bert.resolve_preset("bert_tiny_en_uncased_sst2", download=False)
    assert finetuned.find_head(named) == head
    # A bare encoder (no task.json) has no head: the lab puts a new one on as before.
    bare = folder.parent / "bare"
    bare.mkdir()
    assert finetuned.find_head(bert.Preset("bare", "Keras preset folder", str(bare),
                                           preset.vocabulary, True)) is None


def test_hugging_face_classifier_head_is_the_files_transposed(tmp_path):
    weights = write_hugging_face_folder(tmp_path / "hf_sst2")
    preset = bert.resolve_preset(str(tmp_path / "hf_sst2"))
    head = finetuned.find_head(preset)
    assert head.class_names == ("negative", "positive") and head.num_classes == 2
    model, backbone = finetuned.load_classifier(preset, head)
    kernel, bias = model.get_layer("logits").get_weights()
    np.testing.assert_array_equal(kernel, weights["classifier.weight"].T)
    np.testing.assert_array_equal(bias, weights["classifier.bias"])
    pooler_kernel, _ = backbone.get_layer("pooled_dense").get_weights()
    np.testing.assert_array_equal(pooler_kernel, weights["bert.pooler.dense.weight"].T)
    # The predictions are the pooled [CLS] vector through the file's classifier.
    inputs = tiny_inputs()
    pooled = keras.ops.convert_to_numpy(backbone(inputs)["pooled_output"])
    expected = pooled @ weights["classifier.weight"].T + weights["classifier.bias"]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(inputs)), expected, atol=1e-5)


def test_class_count_mismatch_and_unreadable_heads_say_new_head(tmp_path):
    write_hugging_face_folder(tmp_path / "three", classes=3, labels=("a", "b", "c"))
    head = finetuned.find_head(bert.resolve_preset(str(tmp_path / "three")))
    with pytest.raises(CourseError, match="3 classes but the data has 2") as error:
        finetuned.check_classes(head, ["negative", "positive"])
    assert "--new-head" in error.value.fix
    swapped = finetuned.ClassifierHead("BertForSequenceClassification", 2,
                                       ("POSITIVE", "NEGATIVE"), "Hugging Face folder")
    assert "another order" in finetuned.check_classes(swapped, ["negative", "positive"])[0]
    distil = finetuned.ClassifierHead("DistilBertForSequenceClassification", 2, None,
                                      "Hugging Face folder")
    with pytest.raises(CourseError, match="DistilBertForSequenceClassification"):
        finetuned.check_classes(distil, ["negative", "positive"])


# --- lab 6: evaluated as published, then continued with that head -------------------------------

def test_lab_evaluates_the_checkpoint_then_builds_on_its_head(keras_classifier, tmp_path):
    folder, classifier = keras_classifier
    config = lab.parse_args(["--quick", "--preset", str(folder), "--out", str(tmp_path),
                             "--max-length", "64", "--pad-to-multiple", "64"])
    tasks = {"sst2": synthetic_sst2()}
    preset = lab.resolve_model(config)
    lab.tokenize(tasks, preset, config)
    assert checkpoint.check_head(preset, tasks, config).num_classes == 2
    run = lab.start_run(config, tasks, preset, lab.plan_devices(config))
    result = checkpoint.evaluate_as_published(preset, tasks, config, run)
    task = tasks["sst2"]
    ids = task.tokens["test"].token_ids
    padded = np.zeros((len(ids), max(map(len, ids))), dtype="int32")
    for row, piece_ids in enumerate(ids):
        padded[row, :len(piece_ids)] = piece_ids
    expected = keras.ops.convert_to_numpy(classifier(
        {"token_ids": padded, "padding_mask": padded > 0,
         "segment_ids": np.zeros_like(padded)})).argmax(1)
    assert result["test_accuracy"] == pytest.approx(
        float(np.mean(expected == task.labels("test"))), abs=1e-4)
    assert read_record(run.dir)["results"]["checkpoint_as_published"]["summary"].startswith(
        "the checkpoint as published: accuracy")
    model, backbone = lab.build_model(preset, tasks, config, strategy="frozen", head="linear")
    np.testing.assert_array_equal(model.get_layer("logits").get_weights()[0],
                                  classifier.output_dense.get_weights()[0])
    assert [w.path for w in model.trainable_weights] == \
        [w.path for w in model.get_layer("logits").trainable_weights]  # frozen: the head only
    # --new-head: a new head of the data's classes on the same encoder.
    fresh = lab.parse_args(["--quick", "--preset", str(folder), "--new-head",
                            "--out", str(tmp_path)])
    assert checkpoint.check_head(preset, tasks, fresh) is None
    assert checkpoint.own_head_model(preset, tasks, fresh, "full") is None
    with pytest.raises(CourseError, match="--new-head"):
        checkpoint.check_head(preset, tasks, lab.parse_args(
            ["--quick", "--preset", str(folder), "--head", "mlp"]))
