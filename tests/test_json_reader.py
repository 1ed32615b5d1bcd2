"""A student's own JSON results file read as a document; the lab's JSON files are not, issue 22."""

from __future__ import annotations

import json

from toolkit.grading.json_reader import json_document
from toolkit.grading.sample_lists import count_samples
from toolkit.grading.samples import synthetic_record, write_run_folder
from toolkit.grading.submissions import read_submission

RESULTS = {
    "machine": {"cpu": "Apple M1 Pro", "gpu": None},
    "test_accuracy": 0.803,
    "classes": ["negative", "positive"],
    "misclassified": [{"id": n, "text": f"sentence {n} is not bad at all", "true": "positive",
                       "pred": "negative"} for n in range(12)],
}


def test_a_results_file_reads_as_labelled_values_headings_and_a_table_of_samples():
    document = json_document("results.json", json.dumps(RESULTS))
    texts = [line.text for line in document.lines if line.text]
    assert texts[:4] == ["results", "machine", "**cpu:** Apple M1 Pro", "**gpu:** none"]
    assert "**test accuracy:** 0.803" in texts and "**classes:** negative, positive" in texts
    assert "| id | text | true | pred |" in texts
    assert count_samples(document.lines, ("true",))[0] == 12
    where = {line.text: line.where for line in document.lines}
    assert where["| 3 | sentence 3 is not bad at all | positive | negative |"] == \
        "results.json misclassified[3]"


def test_only_the_students_json_is_read_and_a_broken_one_is_one_warning(tmp_path):
    student = tmp_path / "ana"
    student.mkdir()
    (student / "results.json").write_text(json.dumps(RESULTS))
    (student / "notes.json").write_text("{'not': json")
    run = write_run_folder(student / "run1", synthetic_record(3))
    (run / "label_audit.json").write_text(json.dumps({"flagged": 214}))  # the lab's output
    ana = read_submission("ana", student)
    assert [d.path for d in ana.documents if d.path.endswith(".json")] == ["results.json"]
    assert len(ana.runs) == 1  # record.json is the run record, as before
    broken = [warning for warning in ana.warnings if "notes.json" in warning]
    assert len(broken) == 1 and "notes.json is not valid JSON" in broken[0]
