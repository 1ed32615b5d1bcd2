"""The published SST-2 scores lab 6 compares with, and how a run's figure is set beside them."""

from __future__ import annotations

from labs.lab06_bert_finetune.tasks import SST2_DATASETS, Task
from toolkit.runs import Run
from toolkit.text import bert

# Published accuracies on GLUE SST-2 dev: the same 872 sentences as the validation split of
# sst2_sentences (Kim 2014), and the test split of sst2_glue.
REFERENCES = {
    "bert_base_en_uncased": (0.927, "V. Sanh, L. Debut, J. Chaumond, T. Wolf. DistilBERT, a "
                             "distilled version of BERT. 2019, Table 1 (BERT-base, dev); "
                             "93.5 test in J. Devlin et al. BERT. NAACL 2019."),
    "distil_bert_base_en_uncased": (0.913, "V. Sanh et al. DistilBERT. 2019, Table 1 (dev)."),
    bert.OFFLINE_PRESET: (0.915, "W. Wang et al. MiniLM: Deep Self-Attention Distillation for "
                          "Task-Agnostic Compression of Pre-Trained Transformers. NeurIPS 2020 "
                          "(MiniLM-L6-H384, SST-2 dev)."),
}
LOCAL_REFERENCES = [
    {"what": "keras-hub BertTextClassifier, all-MiniLM-L6-v2, JAX, fixed padding to 64, "
             "batch 32, lr 5e-5 (this course's reference machine, 2 CPU cores)",
     "validation_accuracy": 0.881, "note": "86.9% after epoch 1, 88.1% after epoch 2",
     "samples_per_s": 24},
    {"what": "frozen mean-pooled all-MiniLM-L6-v2 embeddings + logistic regression "
             "(same machine)", "validation_accuracy": 0.804},
]
GLUE_TRAINING_SET = "GLUE SST-2 train (67,349 phrases)"


def citation(preset: bert.Preset) -> str | None:
    """The paper behind this model's published SST-2 score, if there is one."""
    return REFERENCES.get(preset.name, (None, ""))[1] or None


def comparison_references(preset: bert.Preset) -> dict[str, float]:
    """Lines for the ``--compare`` chart: the published score and, for MiniLM, this machine's."""
    if preset.name not in REFERENCES:
        return {}
    minilm = preset.name == bert.OFFLINE_PRESET
    published = "MiniLM-L6-H384, GLUE train" if minilm else f"{preset.name}, GLUE train"
    references = {f"published score ({published})": REFERENCES[preset.name][0]}
    if minilm:
        references["keras-hub BertTextClassifier, 2 epochs (this machine)"] = \
            LOCAL_REFERENCES[0]["validation_accuracy"]
    return references


def record_reference(run: Run, task: Task, preset: bert.Preset,
                     validation_accuracy: float | None, test_accuracy: float) -> None:
    """The published SST-2 score of this model, when the data are SST-2.

    The published scores were trained on the GLUE training set and measured on the 872 GLUE
    dev sentences. ``sst2_sentences``: our validation split is those 872 sentences, but
    training had 6,920 sentences; ``sst2_glue``: our test split is GLUE dev and training the
    same phrases. ``validation_accuracy`` is ``None`` after ``--folds`` (pooled into folds).
    """
    value, source = REFERENCES.get(preset.name, (None, None))
    if value is None or task.data.name not in SST2_DATASETS:
        return
    glue = task.data.name == "sst2_glue"
    train_count = len(task.texts("train"))
    trained_on = (f"{train_count:,} GLUE training phrases (GLUE train less a validation share)"
                  if glue else f"{train_count:,} SST-2 training sentences (Kim 2014 split)")
    note = (f"The published score was trained on {GLUE_TRAINING_SET}; this run trained on "
            f"{trained_on}" + (", nearly the same training set; measured here: this run's "
                               "test split, GLUE dev itself." if glue else
                               ": a different, ten times smaller training set."))
    if preset.name == bert.OFFLINE_PRESET:
        note = ("There is no published SST-2 score for all-MiniLM-L6-v2 (a sentence-"
                "embedding fine-tune of MiniLM); this is the score of its base model "
                "MiniLM-L6-H384. " + note)
    if validation_accuracy is None and not glue:
        note += (" With --folds the validation sentences were pooled into the folds: the "
                 "measured figure is the test accuracy (1,821 test sentences).")
    elif not glue:
        note += " Measured here: this run's validation split, the same 872 sentences."
    on_test = glue or validation_accuracy is None
    run.set_reference(value=value, metric="accuracy", citation=source, note=note,
                      measured=test_accuracy if on_test else validation_accuracy,
                      split="GLUE SST-2 dev (872 sentences)")
    run.record["reference"]["training_set"] = GLUE_TRAINING_SET
    run.record["reference"]["this_run_training_set"] = trained_on
    run.record["results"]["local_references"] = LOCAL_REFERENCES
