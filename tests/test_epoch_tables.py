"""Learning curves as numbers: a per-epoch table or a training log stands for the figure
(the report rubric's "learning curves or equivalent", issue 22)."""

from __future__ import annotations

from pathlib import Path

from toolkit.grading.assessment import assess
from toolkit.grading.epoch_tables import epoch_table
from toolkit.grading.report_text import (
    Document,
    markdown_document,
    notebook_document,
    plain_document,
)
from toolkit.grading.rubric import load_rubric
from toolkit.grading.submissions import Submission

MARKDOWN_TABLE = """\
# Lab 3: CNN on MNIST

## Training

| epoch | train loss | train acc. | val loss | val acc. |
|---|---|---|---|---|
| 1 | 0.2710 | 0.9170 | 0.0771 | 0.9768 |
| 2 | 0.0901 | 0.9731 | 0.0520 | 0.9841 |
| 3 | 0.0662 | 0.9801 | 0.0466 | 0.9862 |

The validation loss follows the training loss down and is lowest at epoch 3: the network
neither overfits nor underfits in these three epochs, and validation accuracy keeps rising.
"""

ALIGNED_OUTPUT = """\
   epoch  accuracy    loss  val_accuracy  val_loss
0      1    0.8710  0.3120        0.8750    0.3011
1      2    0.9142  0.2230        0.8842    0.2954
"""

KERAS_LOG = """\
Epoch 1/3
422/422 - 9s - loss: 0.2710 - accuracy: 0.9170 - val_loss: 0.0771 - val_accuracy: 0.9768
Epoch 2/3
422/422 - 8s - loss: 0.0901 - accuracy: 0.9731 - val_loss: 0.0520 - val_accuracy: 0.9841
"""

# A hurried plain-text log: "ep" for epoch, Keras' metric names as columns.
ABBREVIATED_LOG = """\
ep   train_acc  val_acc  train_loss  val_loss
1    0.9238     0.9652   0.2521      0.1147
2    0.9712     0.9771   0.0951      0.0871
3    0.9808     0.9796   0.0611      0.0889
"""

# Not a curve: one summary row per run, and an epoch count in a table of settings.
SUMMARY_ONLY = """\
| run | best epoch | val loss | gap train-val |
|---|---|---|---|
| dropout 0.0 | 2 | 0.089 | 1.9 |
| dropout 0.2 | 7 | 0.071 | 0.4 |
| dropout 0.5 | 5 | 0.075 | 0.1 |

| setting | value |
|---|---|
| epochs | 15 |
| validation split | 0.1 |
"""


def _submission(*documents: Document) -> Submission:
    return Submission("s", Path("s"), documents=list(documents))


def test_a_per_epoch_table_an_output_and_a_keras_log_each_stand_for_the_curves():
    found, evidence = epoch_table(_submission(markdown_document("r.md", MARKDOWN_TABLE)))
    assert found and evidence == ["r.md:5: | epoch | train loss | train acc. | val loss | "
                                  "val acc. | (3 epochs)"]
    assert epoch_table(_submission(plain_document("out.txt", [ALIGNED_OUTPUT])))[0]
    found, evidence = epoch_table(_submission(plain_document("log.txt", [KERAS_LOG])))
    assert found and "2 epochs of a training log" in evidence[0]
    found, evidence = epoch_table(_submission(plain_document("r.txt", [ABBREVIATED_LOG])))
    assert found and evidence[0].endswith("(3 epochs)")


def test_a_summary_row_a_settings_table_or_one_epoch_is_no_curve():
    assert epoch_table(_submission(markdown_document("r.md", SUMMARY_ONLY))) == (
        False, ["no table of training and validation values per epoch"])
    one_epoch = "\n".join(MARKDOWN_TABLE.splitlines()[:7])  # the header and one row
    assert not epoch_table(_submission(markdown_document("r.md", one_epoch)))[0]
    # the same table in a notebook's code is the program, not a table the student shows
    code_cell = {"cell_type": "code", "source": ALIGNED_OUTPUT, "outputs": []}
    assert not epoch_table(_submission(notebook_document("r.ipynb", {"cells": [code_cell]})))[0]


def test_a_table_pasted_in_a_code_block_of_a_report_is_the_runs_output():
    # "Copied from the output:" over a fenced block: the values per epoch the run printed
    fenced = "Copied from the output:\n\n```\n" + ABBREVIATED_LOG + "```\n"
    found, evidence = epoch_table(_submission(markdown_document("r.md", fenced)))
    assert found and evidence[0].endswith("(3 epochs)")


def test_the_report_rubric_takes_the_table_for_the_learning_curve_figure():
    rubric = load_rubric()
    requirement = next(r for c in rubric.criteria if c.id == "training_check"
                       for r in c.requirements if r.figures)
    assert requirement.epoch_table
    grade = assess(_submission(markdown_document("r.md", MARKDOWN_TABLE)), rubric,
                   lab="lab03_cnn_mnist")
    figure, discussion = grade.result("training_check").requirements
    assert figure.status == "met" and "(3 epochs)" in figure.evidence[0]
    assert discussion.status == "met"
    without = assess(_submission(markdown_document("r.md", MARKDOWN_TABLE.replace(
        "val loss", "loss B").replace("val acc.", "acc B"))), rubric, lab="lab03_cnn_mnist")
    assert without.result("training_check").requirements[0].status == "missing"
