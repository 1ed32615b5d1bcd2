"""Lab 6 (BERT fine-tuning): flags, data readers, every strategy, multitask, errors, benchmark.

The steps run on synthetic sentences and a tiny random BertBackbone saved as a preset folder
(see test_bert.py); the command-line tests use the real SST-2 files from ../shared/data and
skip when they are absent. Nothing is downloaded.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from test_bert import make_tiny_preset, tiny_backbone

from labs import lab06_bert_finetune as lab
from labs.lab06_bert_finetune import predict as predict_command
from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.runs import list_runs, read_record
from toolkit.text import bert
from toolkit.text.datasets import TextDataset

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


def synthetic_sst2() -> lab.Task:
    train, validation, test = (synthetic_sentences(count, seed)
                               for count, seed in ((96, 0), (48, 1), (40, 2)))
    return lab.Task("sst2", TextDataset("synthetic", "synthetic sentences", *train, *validation,
                                        *test, lab.CLASS_NAMES, "test", "synthetic"))


def predict(argv: list[str]) -> int:
    """``python -m labs.lab06_bert_finetune predict ...`` in this process."""
    return run_main(predict_command.main, argv)


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
    assert config.task == [("reviews", path, "text", "label", 1.0)]  # parsed once, up front
    task = lab.load_extra_task(config.task[0], config.seed, limit=20)
    assert task.class_names == ["neg", "pos"] and len(task.texts("train")) == 20
    assert task.name == "reviews" and task.loss_weight == 1.0
    with pytest.raises(CourseError, match="review"):
        lab.load_extra_task(lab.parse_task_spec(f"reviews={path}:review:label"), 42, limit=20)


def test_readable_undoes_treebank_brackets():
    assert lab.readable("a -lrb- very -rrb- good film") == "a ( very ) good film"


# --- the steps, every strategy -------------------------------------------------------------------

@pytest.mark.slow
def test_every_strategy_compared_then_errors_analysed(tiny_preset, tmp_path):
    # full is trained by the multitask test; together they cover every strategy and head.
    config = config_for(tiny_preset, tmp_path, "--compare", "frozen,last-n:mlp,layerwise",
                        "--unfreeze-last", "1")
    tasks = {"sst2": synthetic_sst2()}
    preset = lab.resolve_model(config)
    tokenizer = lab.tokenize(tasks, preset, config)
    plan = lab.plan_devices(config)
    run = lab.start_run(config, tasks, preset, plan)
    padding = lab.record_padding(run, tasks, config, plan)
    assert padding["real_tokens"] == sum(tasks["sst2"].tokens["train"].lengths)
    baseline = lab.embedding_baseline(tasks, preset, tokenizer, config, run)
    search = lab.sentence_search(baseline, tasks, tokenizer, config, run)
    assert len(search) == 3 * len(lab.SEARCH_QUERIES)  # three neighbours per query
    assert [hit["rank"] for hit in search[:3]] == [1, 2, 3]
    assert search[0]["similarity"] >= search[1]["similarity"] >= search[2]["similarity"]
    best = lab.train(preset, tasks, plan, config, run, baseline)
    rows = run.record["results"]["comparison"]
    assert [row["strategy"] for row in rows] == ["baseline", "frozen", "last-n", "layerwise"]
    trainable = {row["variant"]: row["trainable_parameters"] for row in rows}
    assert trainable["frozen"] == 2 * 32 + 2  # the linear head only
    pooler = 32 * 32 + 32  # unused by mean pooling, so never trained
    assert trainable["layerwise"] == tiny_backbone().count_params() - pooler + trainable["frozen"]
    assert trainable["frozen"] < trainable["last-n + mlp head"]
    assert {row["learning_rate"] for row in rows[1:]} == {config.head_lr, config.learning_rate}
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


@pytest.mark.slow
def test_multitask_one_backbone_two_heads(tiny_preset, tmp_path):
    texts, _ = synthetic_sentences(60, seed=5)
    path = tmp_path / "topics.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["sentence", "topic"])
        for index, text in enumerate(texts):
            writer.writerow([text, ["acting", "plot", "music"][index % 3]])
    config = config_for(tiny_preset, tmp_path, "--multitask", "--task",
                        f"topic={path}:sentence:topic:0.5", "--no-baseline", "--no-save",
                        "--class-weight", "balanced", "--freeze-task", "topic")
    tasks = {"sst2": synthetic_sst2()}
    tasks["topic"] = lab.load_extra_task(config.task[0], config.seed, limit=50)
    assert tasks["topic"].loss_weight == 0.5 and len(tasks["topic"].class_names) == 3
    preset = lab.resolve_model(config)
    lab.tokenize(tasks, preset, config)
    plan = lab.plan_devices(config)
    run = lab.start_run(config, tasks, preset, plan)
    outcome = lab.train(preset, tasks, plan, config, run, None)
    per_task = run.record["results"]["multitask"]
    assert set(per_task) == {"sst2", "topic"}
    assert per_task["topic"]["samples"] == len(tasks["topic"].texts("validation"))
    assert set(outcome["model"].output) == {"sst2", "topic"}
    assert any("topic_accuracy" in key for key in run.record["history"][0])
    parameters = outcome["parameters"]  # full fine-tuning: all but the unused pooler train
    assert outcome["row"]["strategy"] == "full"
    assert parameters["non_trainable"] == 32 * 32 + 32 + 32 * 3 + 3  # and the frozen topic head
    assert outcome["row"]["validation_accuracy"] == pytest.approx(per_task["sst2"]["accuracy"], abs=1e-4)
    assert not outcome["model"].get_layer("topic").trainable
    assert outcome["model"].get_layer("sst2").trainable


@pytest.mark.slow
def test_benchmark_on_your_own_file_from_the_command_line(tiny_preset, tmp_path):
    """``--data FILE --benchmark``: the task is named after the file, not "sst2" (this once
    raised a KeyError), and the run measures speed only: no baseline, no model trained."""
    labelled, _ = write_mood_files(tmp_path, rows=60)
    out = tmp_path / "runs"
    assert run_main(lab.main, ["--quick", "--preset", str(tiny_preset), "--out", str(out),
                               "--data", str(labelled), "--label-column", "mood",
                               "--batch-size", "16", *ONE_SHAPE, "--benchmark"]) == 0
    [run_dir] = list_runs(lab.LAB_ID, out)
    record = read_record(run_dir)
    assert record["dataset"]["task"] == "moods"
    results = record["results"]["benchmark"]
    assert [(row["batch_size"], row["seq_length"]) for row in results["grid"]] == \
        [(8, 16), (8, 32)]
    assert results["padding"]["dynamic"]["real_tokens_per_s"] > 0
    assert results["padding"]["speedup"] > 0
    assert "baseline" not in record["results"] and not record.get("metrics")
    assert (run_dir / "benchmark.png").is_file() and not (run_dir / "model.keras").exists()


# --- the command line ----------------------------------------------------------------------------

def test_bad_preset_is_one_line_and_exit_code_2(capsys, tmp_path):
    code = run_main(lab.main, ["--quick", "--preset", "./no/such/model", "--out", str(tmp_path)])
    assert code == 2
    assert "no such folder" in capsys.readouterr().err


@pytest.mark.slow
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
    assert record["dataset"]["splits"] == {"train": 256, "validation": 128, "test": 128}
    assert len(record["misclassified"]) >= 25  # a tiny random model gets plenty wrong
    assert all("tags" in row for row in record["misclassified"])
    assert record["results"]["padding"]["distinct_shapes"] == 1  # ONE_SHAPE: one compilation
    distribution = record["hyperparameters"]["distribution"]
    assert (distribution["strategy"], distribution["replicas"]) == ("jax DataParallel", 2)
    assert distribution["global_batch"] == record["hyperparameters"]["batch_size"] == 32
    assert record["hyperparameters"]["learning_rate"] == pytest.approx(2 * lab.QUICK_LEARNING_RATE)
    assert (run_dir / "REFLECTION.md").is_file() and (run_dir / "model.keras").is_file()


# --- your own data: CSV, evaluation on test, predict -------------------------------------------

MOODS = {"happy": POSITIVE, "sad": NEGATIVE, "calm": ["quiet", "still", "gentle", "slow"]}


def write_mood_files(folder: Path, rows: int = 150) -> tuple[Path, Path]:
    """A labelled 3-class CSV (string labels, one row without a label) and an unlabelled one."""
    rng = np.random.default_rng(3)
    labelled, unlabelled = folder / "moods.csv", folder / "to_label.csv"
    with open(labelled, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["review", "mood"])
        for index in range(rows):
            mood = list(MOODS)[index % 3]
            writer.writerow([f"the day felt {rng.choice(MOODS[mood])} , {index}", mood])
        writer.writerow(["a row somebody forgot to label", ""])
    with open(unlabelled, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["key", "review"])
        writer.writerows([[f"k{index}", f"it was {word}"] for index, word in
                          enumerate(["good", "dull", "quiet", "warm", "slow"])])
    return labelled, unlabelled


def test_own_csv_three_classes_then_predict_a_submission(tiny_preset, tmp_path, capsys):
    labelled, unlabelled = write_mood_files(tmp_path)
    out = tmp_path / "runs"
    code = run_main(lab.main, [
        "--quick", "--preset", str(tiny_preset), "--out", str(out), "--data", str(labelled),
        "--text-column", "review", "--label-column", "mood", "--batch-size", "16", *ONE_SHAPE,
        "--monitor", "val_f1", "--class-weight", "balanced", "--no-baseline",
        # the toolbox (tests/test_lab06_toolbox.py tests its pieces)
        "--schedule", "plateau", "--label-smoothing", "0.1", "--head-dropout", "0.3",
        "--clean-social"])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "moods.csv: dropped 1 row: 1 with no label (line 152)" in printed
    assert "2 layers, hidden size 32, 2 attention heads" in printed  # the encoder's facts
    [run_dir] = list_runs(lab.LAB_ID, out)
    record = read_record(run_dir)
    assert record["dataset"]["classes"] == ["calm", "happy", "sad"]
    assert record["dataset"]["test_split"] == "held-out"
    assert "moods.csv" in record["title"] and "SST-2" not in record["title"]
    metrics = record["metrics"]
    assert metrics["split"] == "held-out" and metrics["samples"] == 30  # 20% of 150
    assert {"macro_f1", "weighted_f1", "weighted_precision", "weighted_recall"} <= set(metrics)
    assert record["results"]["validation_metrics"]["split"] == "validation"
    assert "val_f1" in record["history"][0] and record["training"]["monitor"] == "val_f1"
    assert record["hyperparameters"]["class_weight"] == "balanced"
    assert record["model"]["encoder"]["vocabulary"] == tiny_backbone().vocabulary_size
    assert {"precision", "recall", "f1", "val_precision", "val_recall"} <= set(record["history"][0])
    assert "ReduceLROnPlateau" in record["hyperparameters"]["schedule"]
    assert record["hyperparameters"]["label_smoothing"] == 0.1
    assert "learning_rate" in record["figures"] and (run_dir / "learning_rate.png").is_file()
    assert [row["class"] for row in record["results"]["per_class"]] == ["calm", "happy", "sad"]
    explained = {(row["class"], row["score"]): row["value"]
                 for row in record["results"]["metrics_explained"]}
    assert explained["all", "accuracy"] == pytest.approx(record["metrics"]["accuracy"], abs=1e-4)
    never_found = [name for name, scores in record["metrics"]["per_class"].items()
                   if scores["recall"] == 0]
    assert sum(f"class {name!r}: recall 0" in " ".join(record.get("warnings") or [])
               for name in never_found) == len(never_found)
    draft = (run_dir / "REFLECTION.md").read_text(encoding="utf-8")
    assert "Per class" in draft and "TP / (TP + FP)" in draft
    assert keras.saving.load_model(run_dir / "model.keras").get_layer(
        "head_dropout").rate == pytest.approx(0.3)
    assert record["results"]["threshold"]["threshold"] is None  # argmax for 3 classes
    assert "reference" not in record or not record["reference"]  # no published score
    assert all(row["split"] == "held-out" for row in record["misclassified"])
    explained = record["misclassified"][0]["word_effects"]  # occlusion, word by word
    assert [word for word, _ in explained] == record["misclassified"][0]["text"].split()
    assert (run_dir / "word_attribution.png").is_file()
    assert (run_dir / "tokenizer" / "vocabulary.txt").is_file()
    audit = record["label_audit"]  # --no-baseline: the validation predictions, as it says
    assert "validation predictions" in audit["validation_source"]
    assert audit["validation_rows"] == record["dataset"]["splits"]["validation"]
    assert audit["test_errors"] == len(record["misclassified"]) or audit["test_errors"] > 25
    errors = (run_dir / "errors.csv").read_text(encoding="utf-8").splitlines()
    assert "label_issue,label_quality" in errors[0] and (run_dir / "label_issues.csv").is_file()

    submission = tmp_path / "submission.csv"
    assert predict([str(run_dir), "--data", str(unlabelled), "--out", str(submission),
                    "--probabilities", "--id-column", "key"]) == 0
    with open(submission, newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["key", "mood", "p_calm", "p_happy", "p_sad"]
    assert [row[0] for row in rows[1:]] == ["k0", "k1", "k2", "k3", "k4"]
    assert {row[1] for row in rows[1:]} <= set(MOODS)
    assert all(abs(sum(float(p) for p in row[2:]) - 1) < 1e-3 for row in rows[1:])
    scored = tmp_path / "scored.csv"  # --labels: the labelled file scored
    assert predict([str(run_dir), "--data", str(labelled), "--out", str(scored),
                    "--labels", "mood"]) == 0
    assert "scored 150 labelled rows" in capsys.readouterr().out
    scores = json.loads((tmp_path / "scored_scores.json").read_text(encoding="utf-8"))
    with open(scored, newline="", encoding="utf-8") as stream:
        predicted = [row["mood"] for row in csv.DictReader(stream)][:150]
    truth = [list(MOODS)[index % 3] for index in range(150)]
    assert scores["accuracy"] == pytest.approx(np.mean(np.array(predicted) == truth))
    assert (tmp_path / "scored_confusion_matrix.png").is_file()
    # an existing file is kept; another lab's run and a run without a model are refused
    assert predict([str(run_dir), "--data", str(unlabelled), "--out",
                               str(submission)]) == 2
    assert "exists already" in capsys.readouterr().err
    other = tmp_path / "other_lab"
    other.mkdir()
    (other / "record.json").write_text('{"lab": "lab04_bag_of_words"}')
    assert predict([str(other), "--data", str(unlabelled)]) == 2
    assert "is a run of lab04_bag_of_words" in capsys.readouterr().err
    (other / "record.json").write_text(f'{{"lab": "{lab.LAB_ID}"}}')
    assert predict([str(other), "--data", str(unlabelled)]) == 2
    assert "holds no saved model" in capsys.readouterr().err
    (other / "record.json").write_text('{"lab": ')  # cut short
    assert predict([str(other), "--data", str(unlabelled)]) == 2
    assert "record.json" in capsys.readouterr().err


def test_class_weights_and_threshold_flag():
    weights = lab.class_weights(np.array([0, 0, 0, 1]), 2, "balanced")
    assert weights.tolist() == pytest.approx([4 / 6, 4 / 2])
    assert lab.class_weights(np.array([0, 1]), 2, "none") is None
    assert lab.parse_args(["--threshold", "auto"]).threshold == "auto"
    assert lab.parse_args(["--threshold", "0.3"]).threshold == 0.3
    for bad in ("1.5", "high"):
        with pytest.raises(SystemExit):
            lab.parse_args(["--threshold", bad])
    probabilities = np.array([[0.7, 0.3], [0.4, 0.6]])
    assert lab.decide(probabilities, 0.25).tolist() == [1, 1]
    assert lab.decide(probabilities).tolist() == [0, 1]
    assert lab.decide(np.array([[0.2, 0.5, 0.3]])).tolist() == [1]


def test_search_queries_come_from_the_users_own_texts():
    def task(name, validation_texts, validation_labels):
        return lab.Task(name, TextDataset(name, name, [], np.array([]), validation_texts,
                                          np.array(validation_labels), [], np.array([]),
                                          ["a", "b", "c", "d"], "test", "made here"))

    assert lab.search_queries(task("sst2", ["x"], [0])) == lab.SEARCH_QUERIES
    tickets = task("tickets", ["printer jams", "cannot log in", "printer offline", "refund",
                               "vpn down"], [2, 0, 2, 3, 1])
    assert lab.search_queries(tickets) == ["cannot log in", "vpn down", "printer jams"]


@pytest.mark.slow
def test_k_fold_binary_integer_labels_threshold_auto_and_predict(tiny_preset, tmp_path):
    texts, labels = synthetic_sentences(60, seed=7)
    labels[:20] = 0  # imbalanced: about 2 negatives for 1 positive
    labelled = tmp_path / "tweets.tsv"
    with open(labelled, "w", encoding="utf-8") as stream:
        stream.write("text\ttarget\n" + "".join(f"{text}\t{label}\n"
                                               for text, label in zip(texts, labels, strict=True)))
    unlabelled = tmp_path / "test.csv"
    unlabelled.write_text("id,text\n7,a good film\n8,a dull film\n", encoding="utf-8")
    out = tmp_path / "runs"
    assert run_main(lab.main, [
        "--quick", "--preset", str(tiny_preset), "--out", str(out), "--data", str(labelled),
        "--batch-size", "16", *ONE_SHAPE, "--folds", "2", "--threshold", "auto",
        "--no-baseline", "--explain", "0"]) == 0
    [run_dir] = list_runs(lab.LAB_ID, out)
    record = read_record(run_dir)
    folds = record["results"]["folds"]
    assert [row["fold"] for row in folds["per_fold"]] == [1, 2]
    assert folds["accuracy_mean"] == pytest.approx(
        np.mean([row["accuracy"] for row in folds["per_fold"]]), abs=1e-4)
    assert folds["accuracy_std"] >= 0 and 0 <= folds["out_of_fold_accuracy"] <= 1
    pooled = record["dataset"]["splits"]["train"] + record["dataset"]["splits"]["validation"]
    assert np.load(run_dir / "out_of_fold_probabilities.npy").shape == (pooled, 2)
    assert record["results"]["validation_metrics"]["samples"] == pooled  # out of fold
    assert record["metrics"]["samples"] == 12  # the held-out test split, 20% of 60
    assert (run_dir / "folds.png").is_file()
    assert record["label_audit"]["train_rows"] == pooled  # audited out of fold
    assert record["label_audit"]["train_source"].startswith("--folds 2")
    # the threshold is tuned on the out-of-fold predictions, reported on test at 0.5 and at it
    threshold = record["results"]["threshold"]
    assert threshold["chosen_by"] == "max F1 on the validation split"
    assert 0 < threshold["threshold"] < 1 and "test_f1_at_0.5" in threshold
    assert "test_accuracy_at_0.5" in threshold
    assert record["predict"]["models"] == ["model_fold1.keras", "model_fold2.keras"]
    assert record["predict"]["label_values"] == [0, 1]
    assert record["predict"]["threshold"] == threshold["threshold"]
    assert predict([str(run_dir), "--data", str(unlabelled)]) == 0
    rows = (run_dir / "submission.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "id,target" and [row.split(",")[0] for row in rows[1:]] == ["7", "8"]
    assert {row.split(",")[1] for row in rows[1:]} <= {"0", "1"}


def test_head_learning_rate_multiplier(tiny_preset, tmp_path):
    config = config_for(tiny_preset, tmp_path, "--head-lr-multiplier", "10")
    tasks = {"sst2": synthetic_sst2()}
    preset = lab.resolve_model(config)
    model, backbone = lab.build_model(preset, tasks, config, strategy="full", head="linear")
    multipliers = lab.learning_rate_multipliers(model, backbone, config, "full")
    head = {path: value for path, value in multipliers.items() if "logits" in path}
    assert head and set(head.values()) == {10.0}
    assert {value for path, value in multipliers.items() if path not in head} == {1.0}
    layerwise = lab.learning_rate_multipliers(model, backbone, config, "layerwise")
    assert {layerwise[path] for path in head} == {10.0}
    assert min(layerwise.values()) == pytest.approx(config.lr_decay ** 3)  # embeddings, 2 blocks
    config.head_lr_multiplier = 1.0
    assert lab.learning_rate_multipliers(model, backbone, config, "full") is None


@pytest.mark.slow
def test_gradual_unfreezing_trains_the_top_block_first(tiny_preset, tmp_path):
    config = config_for(tiny_preset, tmp_path, "--strategy", "gradual", "--no-baseline")
    tasks = {"sst2": synthetic_sst2()}
    preset = lab.resolve_model(config)
    lab.tokenize(tasks, preset, config)
    plan = lab.plan_devices(config)
    run = lab.start_run(config, tasks, preset, plan)
    keras.utils.set_random_seed(config.seed)
    before = {name: [np.array(keras.ops.convert_to_numpy(w)) for layer in layers
                     for w in layer.weights]
              for name, layers in bert.layer_groups(lab.build_model(
                  preset, tasks, config, strategy="gradual", head="linear")[1])}
    outcome = lab.fine_tune(preset, tasks, plan, config, run)  # one epoch: head + top block only
    after = {name: [keras.ops.convert_to_numpy(w) for layer in layers for w in layer.weights]
             for name, layers in bert.layer_groups(outcome["backbone"])}

    def moved(name):
        return any(not np.allclose(a, b) for a, b in zip(before[name], after[name], strict=True))

    assert moved("block_1") and not moved("block_0") and not moved("embeddings")
    gates = bert.gradual_gates(outcome["model"], outcome["backbone"], epoch=2)
    assert set(gates.values()) == {1.0}  # by epoch 3 everything learns


@pytest.mark.slow
# One byte-pair and one SentencePiece family through the whole lab; ALBERT and ELECTRA train
# with every strategy in tests/test_encoder_families.py (the fast suite).
@pytest.mark.parametrize("family", ["roberta", "deberta_v3"])
def test_other_families_end_to_end_through_the_lab(family, tmp_path):
    """Each family trains, tests and predicts through the lab itself, not only as a model.

    RoBERTa pads with id 1, not 0; DeBERTa-v3 tokenizes with SentencePiece.
    """
    from test_encoder_families import make_family_preset

    preset = make_family_preset(family, tmp_path / f"tiny_{family}")
    labelled, unlabelled = write_mood_files(tmp_path, rows=60)
    out = tmp_path / "runs"
    assert run_main(lab.main, [
        "--quick", "--preset", str(preset), "--out", str(out), "--data", str(labelled),
        "--label-column", "mood", "--batch-size", "16", *ONE_SHAPE, "--no-baseline",
        "--strategy", "gradual", "--explain", "0"]) == 0
    [run_dir] = list_runs(lab.LAB_ID, out)
    record = read_record(run_dir)
    assert record["predict"]["family"] == family
    assert "token_ids" in record["predict"]["input_names"]
    assert predict([str(run_dir), "--data", str(unlabelled)]) == 0
    assert len((run_dir / "submission.csv").read_text().splitlines()) == 6
