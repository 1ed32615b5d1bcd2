"""Lab 6 (BERT fine-tuning): flags, data readers, every strategy, multitask, errors, benchmark.

The steps run on synthetic sentences and a tiny random BertBackbone saved as a preset folder
(see test_bert.py); the command-line tests use the real SST-2 files from ../shared/data and
skip when they are absent. Nothing is downloaded.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from test_bert import make_tiny_preset, tiny_backbone

from labs import lab06_bert_finetune as lab
from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.runs import list_runs, read_record
from toolkit.text import bert

REPO = Path(__file__).resolve().parent.parent
# One padded shape (every synthetic / quick sentence fits in 64 word pieces): one compilation.
ONE_SHAPE = ["--max-length", "64", "--pad-to-multiple", "64"]
POSITIVE = ["good", "great", "funny", "fun", "warm", "moving", "gorgeous"]
NEGATIVE = ["bad", "dull", "boring", "wooden", "mess"]


@pytest.fixture(scope="module")
def tiny_preset(tmp_path_factory) -> Path:
    return make_tiny_preset(tmp_path_factory.mktemp("tiny_bert_lab06"))


def synthetic_sentences(count: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(count):
        label = int(rng.integers(0, 2))
        subject = rng.choice(["the film", "the movie", "the plot", "the acting", "this story"])
        praise, blame = rng.choice(POSITIVE), rng.choice(NEGATIVE)
        if rng.random() < 0.3:  # some negations and contrasts, so the tags find something
            texts.append(f"{subject} is not {blame} , but very {praise}" if label
                         else f"{subject} was never {praise}")
        else:
            texts.append(f"{subject} is really {praise if label else blame} .")
        labels.append(label)
    return texts, np.asarray(labels, dtype="int32")


def synthetic_sst2() -> lab.TextTask:
    texts, labels = {}, {}
    for split, count, seed in (("train", 96, 0), ("dev", 48, 1), ("test", 40, 2)):
        texts[split], labels[split] = synthetic_sentences(count, seed)
    return lab.TextTask("sst2", lab.CLASS_NAMES, texts, labels, source="synthetic",
                        title="synthetic sentences")


def config_for(tiny_preset: Path, tmp_path: Path, *extra: str):
    return lab.parse_args(["--quick", "--preset", str(tiny_preset), "--out", str(tmp_path),
                           "--epochs", "1", "--batch-size", "16", *ONE_SHAPE, *extra])


# --- flags and readers ---------------------------------------------------------------------------

def test_flags_defaults_and_checks(monkeypatch):
    config = lab.parse_args([])
    assert (config.preset, config.epochs, config.batch_size, config.strategy) == \
        (lab.DEFAULT_PRESET, 3, 32, "full")
    assert lab.learning_rate_for(config, "full") == 2e-5
    assert lab.learning_rate_for(config, "frozen") == lab.FROZEN_LEARNING_RATE
    monkeypatch.setattr(bert, "offline_package_dir", lambda: None)  # the name the lab calls
    quick = lab.parse_args(["--quick"])
    assert quick.epochs == 1 and quick.preset == lab.QUICK_PRESET_FALLBACK
    assert lab.parse_comparison("frozen, full:mlp") == [("frozen", "linear"), ("full", "mlp")]
    assert lab.parse_args(["--compare"]).comparison[0] == ("frozen", "linear")
    for bad in (["--compare", "fullest"], ["--task", "x=a.csv:t:l"], ["--errors", "5"],
                ["--compare", "--multitask"]):
        with pytest.raises(CourseError):
            lab.parse_args(bad)


def test_task_spec_and_extra_task_file(tmp_path):
    assert lab.parse_task_spec("topic=C:/data/x.csv:text:label:0.5") == \
        ("topic", Path("C:/data/x.csv"), "text", "label", 0.5)
    assert lab.parse_task_spec("t=data.tsv:sentence:label")[4] == 1.0
    with pytest.raises(CourseError, match="PATH:TEXT_COL:LABEL_COL"):
        lab.parse_task_spec("t=data.tsv:sentence")
    path = tmp_path / "reviews.csv"
    path.write_text("text,label\n" + "".join(f"film number {i},{'pos' if i % 2 else 'neg'}\n"
                                             for i in range(40)), encoding="utf-8")
    config = lab.parse_args(["--multitask", "--task", f"reviews={path}:text:label"])
    task = lab.load_extra_task(config.task[0], config, limit=20)
    assert task.class_names == ["neg", "pos"] and len(task.texts["train"]) == 20
    assert set(task.texts) == {"train", "dev"}  # extra tasks have no test split
    with pytest.raises(CourseError, match="review"):
        lab.load_extra_task(f"reviews={path}:review:label", config, limit=20)


def test_readable_undoes_treebank_brackets():
    assert lab.readable("a -lrb- very -rrb- good film") == "a ( very ) good film"


# --- the steps, every strategy -------------------------------------------------------------------

def test_every_strategy_compared_then_errors_analysed(tiny_preset, tmp_path):
    # full is trained by the multitask test; together they cover every strategy and head.
    config = config_for(tiny_preset, tmp_path, "--compare", "frozen,last-n:mlp,layerwise",
                        "--unfreeze-last", "1")
    tasks = {"sst2": synthetic_sst2()}
    preset = lab.resolve_model(config)
    tokenizer = lab.tokenize(tasks, preset, config)
    run = lab.start_run(config, tasks, preset)
    padding = lab.record_padding(run, tasks, config)
    assert padding["real_tokens"] == sum(tasks["sst2"].tokens["train"].lengths)
    baseline = lab.embedding_baseline(tasks, preset, tokenizer, config, run)
    search = lab.sentence_search(baseline, tasks, tokenizer, config, run)
    assert len(search) == 3 * len(lab.SEARCH_QUERIES)  # three neighbours per query
    assert [hit["rank"] for hit in search[:3]] == [1, 2, 3]
    assert search[0]["similarity"] >= search[1]["similarity"] >= search[2]["similarity"]
    best = lab.train(preset, tasks, config, run, baseline)
    rows = run.record["results"]["comparison"]
    assert [row["strategy"] for row in rows] == ["baseline", "frozen", "last-n", "layerwise"]
    trainable = {row["variant"]: row["trainable_parameters"] for row in rows}
    assert trainable["frozen"] == 2 * 32 + 2  # the linear head only
    pooler = 32 * 32 + 32  # unused by mean pooling, so never trained
    assert trainable["layerwise"] == tiny_backbone().count_params() - pooler + trainable["frozen"]
    assert trainable["frozen"] < trainable["last-n + mlp head"]
    assert {row["learning_rate"] for row in rows[1:]} == {config.head_lr, config.lr}
    assert run.record["results"]["best_variant"] == best["row"]["variant"]
    assert (run.dir / "comparison.png").is_file()
    metrics = lab.evaluate(best, tasks, preset, config, run)
    assert 0 <= metrics["accuracy"] <= 1 and run.record["inference"]["throughput_samples_per_s"]
    assert "test_accuracy" in run.record["results"]
    errors = lab.analyse_errors(best, tasks, config, run)
    assert errors["by_tag"][0]["tag"] == "all"
    for figure in ("error_rate_by_tag", "error_rate_by_length", "confidence_histogram",
                   "confusion_matrix", "learning_curves"):
        assert (run.dir / run.record["figures"][figure]).is_file(), figure
    with open(run.dir / "errors.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows and {"tags", "error_type", "fix_idea", "text"} <= set(rows[0])
    assert rows[0]["error_type"] == ""
    path = lab.save_model(best, config, run)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert reloaded.count_params() == best["model"].count_params()
    lab.finish(run)
    record = read_record(run.dir)
    assert record["status"] == "complete" and (run.dir / "REFLECTION.md").is_file()
    assert record["training"]["epochs_run"] == 1


def test_multitask_one_backbone_two_heads(tiny_preset, tmp_path):
    texts, _ = synthetic_sentences(60, seed=5)
    path = tmp_path / "topics.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["sentence", "topic"])
        for index, text in enumerate(texts):
            writer.writerow([text, ["acting", "plot", "music"][index % 3]])
    config = config_for(tiny_preset, tmp_path, "--multitask", "--task",
                        f"topic={path}:sentence:topic:0.5", "--no-baseline", "--no-save")
    tasks = {"sst2": synthetic_sst2()}
    tasks["topic"] = lab.load_extra_task(config.task[0], config, limit=50)
    assert tasks["topic"].loss_weight == 0.5 and len(tasks["topic"].class_names) == 3
    preset = lab.resolve_model(config)
    lab.tokenize(tasks, preset, config)
    run = lab.start_run(config, tasks, preset)
    outcome = lab.train(preset, tasks, config, run, None)
    per_task = run.record["results"]["multitask"]
    assert set(per_task) == {"sst2", "topic"}
    assert per_task["topic"]["samples"] == len(tasks["topic"].texts["dev"])
    assert set(outcome["model"].output) == {"sst2", "topic"}
    assert any("topic_accuracy" in key for key in run.record["history"][0])
    parameters = outcome["parameters"]  # full fine-tuning: all but the unused pooler train
    assert outcome["row"]["strategy"] == "full"
    assert parameters["non_trainable"] == 32 * 32 + 32
    assert outcome["row"]["dev_accuracy"] == pytest.approx(per_task["sst2"]["accuracy"], abs=1e-4)


def test_benchmark_random_weights(tiny_preset, tmp_path):
    config = config_for(tiny_preset, tmp_path, "--benchmark")
    tasks = {"sst2": synthetic_sst2()}
    lab.tokenize(tasks, lab.resolve_model(config), config)
    run = lab.start_run(config, tasks, lab.resolve_model(config))
    lab.benchmark(config.preset, tasks, config, run)
    results = run.record["results"]["benchmark"]
    assert [(row["batch_size"], row["seq_length"]) for row in results["grid"]] == \
        [(8, 16), (8, 32)]
    assert results["padding"]["dynamic"]["real_tokens_per_s"] > 0
    assert results["padding"]["speedup"] > 0


# --- the command line ----------------------------------------------------------------------------

def test_bad_preset_is_one_line_and_exit_code_2(capsys, tmp_path):
    code = run_main(lab.main, ["--quick", "--preset", "./no/such/model", "--out", str(tmp_path)])
    assert code == 2
    assert "no such folder" in capsys.readouterr().err


def test_quick_run_on_real_sst2_without_tensorflow(tiny_preset, shared_data, tmp_path):
    """The whole lab from the command line, on JAX with TensorFlow blocked (the lab contract),
    data parallel over two virtual CPU devices (``--distribute``)."""
    environment = {**os.environ, "KERAS_BACKEND": "jax",
                   "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
                   "PYTHONPATH": os.pathsep.join([str(REPO / "tests" / "support" /
                                                      "no_tensorflow"), str(REPO)])}
    command = [sys.executable, "-m", "labs.lab06_bert_finetune", "--quick", "--preset",
               str(tiny_preset), "--data-dir", str(shared_data), "--out", str(tmp_path),
               "--batch-size", "16", "--distribute", *ONE_SHAPE]
    result = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    [run_dir] = list_runs(lab.LAB_ID, tmp_path)
    record = read_record(run_dir)
    assert record["environment"]["backend"] == "jax"
    assert record["dataset"]["splits"] == {"train": 256, "dev": 128, "test": 128}
    assert len(record["misclassified"]) >= 25  # a tiny random model gets plenty wrong
    assert all("tags" in row for row in record["misclassified"])
    assert record["results"]["padding"]["distinct_shapes"] == 1  # ONE_SHAPE: one compilation
    distribution = record["hyperparameters"]["distribution"]
    assert (distribution["strategy"], distribution["replicas"]) == ("jax DataParallel", 2)
    assert distribution["global_batch"] == record["hyperparameters"]["batch_size"] == 32
    assert record["hyperparameters"]["learning_rate"] == pytest.approx(2 * lab.QUICK_LEARNING_RATE)
    assert (run_dir / "REFLECTION.md").is_file() and (run_dir / "model.keras").is_file()
