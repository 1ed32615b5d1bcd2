"""The student side: the REFLECTION.md draft a run folder gets, and how it is kept safe."""

from __future__ import annotations

import shutil

import pytest

from toolkit import reflection
from toolkit.cli import run_main
from toolkit.grading.assessment import MET, MISSING, assess
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import annotate_errors, synthetic_record, write_run_folder
from toolkit.grading.submissions import read_submission
from toolkit.reflection import TODO, main, render, write_reflection


@pytest.fixture
def run_dir(tmp_path):
    return write_run_folder(tmp_path / "runs" / "lab03_cnn_mnist" / "20261123-101500",
                            synthetic_record(1))


def test_draft_fills_in_the_measured_facts(run_dir):
    record = synthetic_record(1)
    text = (run_dir / "REFLECTION.md").read_text()
    for fact in ("train 54,000, validation 6,000, test 10,000", "34,826 parameters",
                 "CPU (synthetic), 2 CPU cores, 8.0 GB RAM", "`tensorflow`", "arXiv:1708.07747",
                 "| batch_size | 128 |", "| optimizer | adam |",
                 "![learning curves](learning_curves.png)",
                 "![confusion matrix](confusion_matrix.png)",
                 "![misclassified samples](errors.png)",
                 f"| accuracy | {100 * record['metrics']['accuracy']:.2f}% |",
                 "Published: **87.60%** accuracy on the test split",
                 f"a difference of {100 * record['reference']['difference']:.2f}%",
                 "| training time |", "| inference latency | 0.050 ms per sample (batch 32) |",
                 "15 misclassified test samples recorded"):
        assert fact in text, fact
    table = text.split("## Misclassified test samples")[1].split("## Error types")[0]
    assert sum(line.startswith("| ") for line in table.splitlines()) == 1 + 15


def test_draft_leaves_prompts_for_the_student(run_dir):
    text = (run_dir / "REFLECTION.md").read_text()
    prompts = {line.split(TODO, 1)[1].strip().split()[0] for line in text.splitlines()
               if TODO in line}
    assert len([line for line in text.splitlines() if TODO in line]) == 11
    for heading in ("## Hypothesis", "## Improvements", "## Error types and fixes",
                    "### Learning insights", "### Challenges and how you solved them",
                    "### Application and relevance",
                    "### Personal growth", "### Critical reflection"):
        section = text.split(heading + "\n")[1].split("\n#")[0]
        assert TODO in section, heading
    assert {"Fill", "Justify", "Describe", "Qualitative"} <= prompts
    # An untouched draft earns nothing the student must write: its facts show the run
    # happened (the rubric's run_evidence criteria), never a comparison or a description.
    folder = run_dir.parents[2]
    grade = assess(read_submission("s", folder), load_rubric())
    for criterion in ("hypothesis", "improvements", "annotation", "comparison", "description"):
        assert grade.result(criterion).status == MISSING
    assert grade.result("metrics").status == MET


def test_annotations_from_errors_csv_are_read_back(run_dir):
    annotate_errors(run_dir / "errors.csv", 6)
    path = write_reflection(run_dir, synthetic_record(1))
    assert path.name == "REFLECTION.md"  # not edited by the student: refreshed in place
    section = path.read_text().split("## Error types and fixes\n")[1].split("\n## ")[0]
    assert "6 samples annotated in `errors.csv`" in section
    assert "| similar silhouette | use a CNN that sees local texture |" in section
    assert TODO not in section


def test_an_edited_reflection_is_never_overwritten(run_dir, capsys):
    target = run_dir / "REFLECTION.md"
    edited = target.read_text().replace(f"{TODO} What do the misclassified",
                                        "My own hypothesis. What do the misclassified")
    target.write_text(edited)
    written = write_reflection(run_dir, synthetic_record(1))
    assert written.name == "REFLECTION.new.md"
    assert target.read_text() == edited
    assert "left as it is" in capsys.readouterr().out
    # A reflection copied in from elsewhere (no stamp of ours) counts as edited too.
    copy = run_dir.parent / "copy"
    shutil.copytree(run_dir, copy)
    (copy / ".reflection.sha256").unlink()
    assert write_reflection(copy, synthetic_record(1)).name == "REFLECTION.new.md"


def test_lab_specific_prompts_come_from_the_course_templates(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(reflection.TEMPLATES_DIR / "reflection.md", templates)
    monkeypatch.setattr(reflection, "TEMPLATES_DIR", templates)
    record = synthetic_record(2)
    assert "Lab-specific questions" not in render(record)
    (templates / "lab03_cnn_mnist.md").write_text("- Why does pooling help?\n- What do the "
                                                  "filters of the first layer detect?\n")
    text = render(record)
    assert text.rstrip().endswith("- What do the filters of the first layer detect?")
    assert "### Lab-specific questions" in text
    (templates / "lab03_cnn_mnist.md").unlink()
    (templates / "lab03_cnn_fashion.md").write_text("- One question.\n")  # labNN_*.md
    assert "- One question." in render(record)


def test_lab_results_tables_and_other_figures(tmp_path):
    record = synthetic_record(4)
    record["results"] = {
        "dropout_sweep": [{"dropout": 0.0, "test_accuracy": 0.9712, "history": [{"loss": 1}]},
                          {"dropout": 0.5, "test_accuracy": 0.9803, "history": []}],
        "best": {"dropout": 0.5, "test_accuracy": 0.9803},
    }
    record["figures"]["overfitting_gap"] = "overfitting_gap.png"
    text = render(record)
    results = text.split("## Lab results\n")[1].split("\n## ")[0]
    assert "### Dropout sweep\n| dropout | test_accuracy |" in results
    assert "| 0.5 | 0.9803 |" in results and "history" not in results
    assert "### Best\n| measure | value |" in results
    assert "![overfitting gap](overfitting_gap.png)" in text.split("## Other figures")[1]


def test_quick_runs_untrained_labs_and_text_samples(tmp_path):
    record = synthetic_record(5)
    record.update(quick=True, history=[], training={},
                  warnings=["random weights: the predictions mean nothing",
                            "WARNING: --weights none: the lab printed its own label"],
                  hyperparameters={"distribution": {"strategy": "none", "replicas": 1,
                                                    "devices": [], "note": ""},
                                   "ngram_range": [1, 2], "tasks": {"a": {"train": 5}}})
    del record["figures"]["learning_curves"]
    record["misclassified"] = [{"index": 1, "text": "not | bad at all", "true": "positive",
                                "predicted": "negative", "confidence": 0.91}]
    text = render(record)
    assert "This was a `--quick` run" in text
    assert "> **Warning:** random weights: the predictions mean nothing" in text
    assert "> **Warning:** --weights none: the lab printed its own label" in text  # said once
    assert "| distribution | strategy: none, replicas: 1 |" in text  # empty entries left out
    assert "| ngram_range | 1 / 2 |" in text and '| tasks | {"a":{"train":5}} |' in text
    assert "trains no model: there are no learning curves" in text
    assert "| not \\| bad at all | positive | negative | 0.91 |" in text


def test_command_line_rewrites_the_draft(run_dir, tmp_path, capsys):
    assert main([str(run_dir)]) == 0
    assert str(run_dir / "REFLECTION.md") in capsys.readouterr().out
    assert run_main(main, [str(tmp_path)]) == 2
    assert "holds no readable record.json" in capsys.readouterr().err


def test_references_name_each_work_once_in_its_fullest_wording():
    # Lab 4: the data set's line cites GLUE and the SST paper, the published scores cite the
    # SST paper with its table: the draft lists two works, not three.
    glue = "A. Wang et al. GLUE: A Benchmark. ICLR 2019"
    sst = "R. Socher et al. Recursive Deep Models for a Sentiment Treebank. EMNLP 2013"
    record = {"dataset": {"citation": f"{glue}; {sst}."},
              "reference": {"citation": f"{sst}, Table 1"},
              "references": ["K. Simonyan, A. Zisserman. Very Deep Networks. ICLR 2015"]}
    lines = reflection._references(record).splitlines()
    assert lines == [f"- {glue}", f"- {sst}, Table 1",
                     "- K. Simonyan, A. Zisserman. Very Deep Networks. ICLR 2015"]
