"""Lab 6's toolbox: schedules, label smoothing, head dropout, per-epoch and per-class
precision/recall/F1, the metrics explained, --clean-social, encoder facts, predict --labels.

Unit tests of the toolkit pieces; the lab runs them end to end in test_lab06.py (a CSV of your
own, trained with the toolbox flags, then scored by ``predict --labels``).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from labs import lab06_bert_finetune as lab
from labs.lab06_bert_finetune.scoring import labelled_rows
from toolkit.classification import class_warnings, per_class_rows
from toolkit.cli import run_main
from toolkit.errors import CourseError
from toolkit.learning_rate import learning_rate_curve
from toolkit.losses import SmoothedSparseCrossentropy, classification_loss
from toolkit.metric_lessons import explain_metrics
from toolkit.metrics import classification_metrics
from toolkit.out_of_memory import is_out_of_memory
from toolkit.text import bert
from toolkit.text.social import clean_social


def test_cosine_restarts_and_plateau_schedules():
    schedule = bert.make_schedule("cosine-restarts", peak=1.0, total_steps=110,
                                  warmup_fraction=10 / 110, cycles=2)
    rates = keras.ops.convert_to_numpy(schedule(np.arange(110)))
    assert rates[0] == 0 and rates[5] == pytest.approx(0.5)  # warming up
    assert rates[10] == pytest.approx(1.0) and rates[60] == pytest.approx(1.0)  # restarts
    assert rates[35] == pytest.approx(0.5, abs=1e-6)  # half-way down the first cosine
    assert rates[59] < 0.01 and rates[109] < 0.01
    assert bert.make_schedule("plateau", peak=3e-5, total_steps=10) == 3e-5
    linear = bert.make_schedule("linear", peak=1.0, total_steps=10, warmup_fraction=0.0)
    assert float(linear(5)) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        bert.make_schedule("exponential", peak=1.0, total_steps=10)
    optimizer = bert.make_optimizer(learning_rate=1.0, total_steps=110, warmup_fraction=10 / 110,
                                    schedule="cosine-restarts", cycles=2)
    steps, curve = learning_rate_curve(optimizer, [{"epoch": 1}, {"epoch": 2}], 55)
    assert len(steps) == 110 and np.allclose(curve, rates)
    plateau = bert.make_optimizer(learning_rate=1e-3, total_steps=10, schedule="plateau")
    _, stairs = learning_rate_curve(plateau, [{"lr": 1e-3}, {"lr": 5e-4}], 3)
    assert list(stairs) == [1e-3] * 3 + [5e-4] * 3


def test_label_smoothing_moves_the_target_off_zero_and_one():
    logits = keras.ops.convert_to_tensor(np.array([[2.0, -1.0], [0.5, 0.3]], "float32"))
    labels = np.array([0, 1])
    plain = float(classification_loss(0.0)(labels, logits))
    log_p = np.log(keras.ops.convert_to_numpy(keras.ops.softmax(logits)))
    assert plain == pytest.approx(-log_p[[0, 1], labels].mean(), rel=1e-5)
    smoothed = SmoothedSparseCrossentropy(0.2)
    target = np.array([[0.9, 0.1], [0.1, 0.9]])
    assert float(smoothed(labels, logits)) == pytest.approx(-(target * log_p).sum(1).mean(),
                                                            rel=1e-5)
    assert float(SmoothedSparseCrossentropy(0.0)(labels, logits)) == pytest.approx(plain,
                                                                                rel=1e-5)


def test_clean_social_normalises_urls_mentions_hashtags():
    assert clean_social("@ana LOVED it #BestMovieEver https://t.co/x9AbC1dEf2 &amp; more") == \
        "@user LOVED it best movie ever http & more"
    assert clean_social("mail a@b.com, see www.x.org/a?b=1 #fml") == "mail a@b.com, see http fml"


def test_metrics_explained_with_the_confusion_matrix_and_zero_recall_warned():
    truth, predicted = [0, 0, 0, 1, 1, 2, 2, 2], [0, 0, 1, 1, 0, 0, 1, 0]
    metrics = classification_metrics(truth, predicted, ["a", "b", "c"])
    rows = {(row["class"], row["score"]): row for row in explain_metrics(
        metrics["confusion_matrix"], ["a", "b", "c"])}
    assert rows["all", "accuracy"]["this run"] == "3 / 8"
    assert rows["a", "precision"]["this run"] == "2 / (2 + 3)"
    assert rows["a", "precision"]["value"] == pytest.approx(metrics["per_class"]["a"]["precision"])
    assert rows["b", "recall"]["value"] == pytest.approx(metrics["per_class"]["b"]["recall"])
    assert rows["a", "F1"]["value"] == round(metrics["per_class"]["a"]["f1"], 4)
    assert rows["c", "precision"]["value"] is None  # never predicted: no precision to speak of
    [warning] = class_warnings(metrics, "test")
    assert "'c'" in warning and "recall 0" in warning
    assert [row["class"] for row in per_class_rows(metrics)] == ["a", "b", "c"]
    assert per_class_rows(metrics)[2]["support"] == 3


def test_flag_ranges():
    for flags in (["--label-smoothing", "1"], ["--head-dropout", "-0.1"], ["--cycles", "3"]):
        with pytest.raises(CourseError):
            lab.parse_args(["--quick", *flags])
    config = lab.parse_args(["--quick", "--schedule", "cosine-restarts"])
    assert config.cycles == 2 and config.head_dropout == 0.1 and not config.clean_social


def test_labelled_rows_line_up_with_the_texts_predict_read(tmp_path):
    data = tmp_path / "scored.csv"
    data.write_text("text,mood,other\nfine film,up,x\nsome film,,y\ndull film,down,z\n"
                    "odd film,up,w\n", encoding="utf-8")
    settings = {"label_values": ["down", "up"], "class_names": ["down", "up"]}
    rows, labels, note = labelled_rows(data, "text", "mood", settings)
    assert list(rows) == [0, 2, 3] and list(labels) == [1, 0, 1] and "dropped 1 row" in note
    with pytest.raises(CourseError, match="labels the model does not know"):
        labelled_rows(data, "text", "other", settings)


def test_out_of_memory_is_explained_not_a_traceback(capsys):
    class ResourceExhaustedError(RuntimeError):  # as TensorFlow names it
        pass

    def main(argv):
        try:
            raise ResourceExhaustedError("OOM when allocating tensor with shape[32,12,128,128]")
        except ResourceExhaustedError as error:
            raise ValueError("the step failed") from error

    assert run_main(main, ["--quick"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory") and "Traceback" not in err
    assert all(flag in err for flag in ("--batch-size", "--accumulate", "--max-length",
                                        "--precision mixed_bfloat16"))

    def fails(argv):
        raise ValueError("an ordinary bug")

    assert run_main(fails, []) == 1
    assert "Traceback" in capsys.readouterr().err and not is_out_of_memory(ValueError("x"))
    assert is_out_of_memory(MemoryError())


def test_sweep_varies_one_setting_at_a_time_and_keeps_the_best(tmp_path):
    from labs.lab06_bert_finetune.sweep import sweep_settings
    from toolkit.distribute import DistributionPlan
    from toolkit.runs import Run

    config = lab.parse_args(["--quick", "--out", str(tmp_path), "--learning-rates", "1e-5",
                             "3e-4", "--batch-sizes", "8", "--epochs-grid", "2"])
    run = Run.start(lab.LAB_ID, title="sweep", argv=config.argv, seed=1, out=tmp_path)
    seen = []

    def fine_tune(preset, tasks, plan, variant, run, *, key):
        seen.append((variant.learning_rate, plan.global_batch, variant.epochs))
        score = 0.5 + variant.learning_rate * 1000 + 0.01 * variant.epochs  # 3e-4 wins
        run.record["results"][key] = {"history": [{"epoch": 1, "loss": 1.0}],
                                      "training": {"epochs_run": 1}}
        return {"key": key, "batch_size": plan.global_batch, "row": {
            "variant": "full", "head": "linear", "learning_rate": variant.learning_rate,
            "validation_accuracy": score, "validation_macro_f1": score, "train_time_s": 1.0,
            "train_cpu_s": 2.0}}

    plan = DistributionPlan.create(enabled=False, per_replica_batch=32, learning_rate=1e-4)
    best = sweep_settings(fine_tune, None, {}, plan, config, run)
    assert seen == [(1e-5, 32, 1), (3e-4, 32, 1), (1e-4, 8, 1), (1e-4, 32, 2)]
    assert best["key"] == "learning_rate_0.0003"
    assert run.record["results"]["best_variant"] == "learning_rate 0.0003"
    assert [row["setting"] for row in run.record["results"]["sweep"]] == [
        "learning_rate", "learning_rate", "batch_size", "epochs"]
    assert run.path("sweep.png").is_file() and run.record["figures"]["sweep"]
    with pytest.raises(CourseError, match="cannot be combined"):
        lab.parse_args(["--quick", "--learning-rates", "1e-4", "--compare"])


def test_multitask_batches_weigh_each_tasks_classes():
    ids = [np.array([2, 5 + index, 3]) for index in range(4)]
    labels = {"a": np.array([0, 1, -1, -1]), "b": np.array([-1, -1, 2, 0])}
    batches = bert.PaddedBatches(ids, labels, batch_size=4, pad_to_multiple=1,
                                 sample_weights={"a": [1.0, 3.0, 1.0, 1.0],
                                                 "b": [1.0, 1.0, 0.5, 2.0]})
    _, targets, weights = batches[0]
    order = batches.plan[0]
    assert list(weights["a"]) == [[1.0, 3.0, 0.0, 0.0][row] for row in order]
    assert list(weights["b"]) == [[0.0, 0.0, 0.5, 2.0][row] for row in order]
    assert list(targets["b"]) == [[0, 0, 2, 0][row] for row in order]
    with pytest.raises(ValueError, match="one weight per text"):
        bert.PaddedBatches(ids, labels, sample_weights={"a": [1.0]})
    with pytest.raises(CourseError, match="--multitask"):
        lab.parse_args(["--quick", "--freeze-task", "topic"])


def test_compare_models_tokenizes_for_each_and_evaluates_the_preset_model(tmp_path, capsys,
                                                                           monkeypatch):
    from types import SimpleNamespace

    from labs.lab06_bert_finetune import model_comparison
    from toolkit.distribute import DistributionPlan
    from toolkit.runs import Run

    def resolve(name):
        if name == "missing":
            raise CourseError("--preset missing: no such folder")
        return SimpleNamespace(name=name)

    tokenized = []
    monkeypatch.setattr(model_comparison.bert, "resolve_preset", resolve)
    monkeypatch.setattr(model_comparison, "tokenize",
                        lambda tasks, preset, config: tokenized.append(preset.name))
    config = lab.parse_args(["--quick", "--preset", "main", "--out", str(tmp_path),
                             "--compare-models", "other", "missing", "main"])
    run = Run.start(lab.LAB_ID, title="models", argv=config.argv, seed=1, out=tmp_path)
    trained = []

    def fine_tune(preset, tasks, plan, variant, run, *, key):
        trained.append(preset.name)
        run.record["results"][key] = {"history": [{"epoch": 1}], "training": {}}
        backbone = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        backbone.num_layers, backbone.hidden_dim = 2, 32  # as a keras-hub backbone says
        return {"key": key, "backbone": backbone, "row": {
            "train_time_s": 1.0, "train_cpu_s": 2.0 + len(trained), "samples_per_s": 10.0,
            "validation_accuracy": 0.5 + 0.1 * len(trained), "validation_macro_f1": 0.5}}

    plan = DistributionPlan.create(enabled=False, per_replica_batch=32, learning_rate=1e-4)
    outcome = model_comparison.compare_models(fine_tune, SimpleNamespace(name="main"), {},
                                              plan, config, run)
    assert trained == ["other", "main"]  # the --preset model last, once
    assert tokenized == ["other", "main"]  # each in its own word pieces, --preset's at the end
    assert outcome["key"] == "model_3" and "missing left out" in capsys.readouterr().out
    models = run.record["results"]["models"]
    assert [row["parameters"] for row in models] == [8, 8] and run.path("models.png").is_file()
    with pytest.raises(CourseError, match="cannot be combined"):
        lab.parse_args(["--quick", "--compare-models", "x", "--compare"])
