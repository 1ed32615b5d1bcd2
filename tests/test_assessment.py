"""toolkit.grading.assessment: where the grader cannot count or read, it says "needs review"
(the instructor looks), never "missing" (the student loses the points)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.grading.assessment import (
    MET,
    MISSING,
    REVIEW,
    TextContext,
    assess_requirement,
)
from toolkit.grading.report_text import Document, Line, markdown_document, plain_document
from toolkit.grading.rubric import Requirement, TextCheck
from toolkit.grading.submissions import Submission

SAMPLES = Requirement("ten misclassified samples with their true label", 2.0,
                      text=TextCheck(headings=("misclassif",), table_rows=10,
                                     table_columns=("true", "truth", "label")))
SETTINGS = Requirement("the hyperparameters", 1.0,
                       text=TextCheck(keywords=("learning rate", "batch size", "epochs"),
                                      min_keywords=2))

# Ten samples whose table lost its layout (a PDF export): no header, no separators.
FLATTENED = ["the film was dull it was positive",
             "not bad at all said negative",
             "a guilty pleasure went wrong too"] * 4


def _submission(*documents: Document) -> Submission:
    return Submission("s", Path("s"), documents=list(documents))


def _status(requirement: Requirement, *documents: Document) -> tuple[str, list[str]]:
    result = assess_requirement(requirement, _submission(*documents), TextContext())
    return result.status, result.evidence


@pytest.mark.parametrize("format", ["text", "pdf"])
def test_an_uncountable_table_in_a_pdf_or_text_file_needs_review(format):
    page = "Misclassified samples\n\n" + "\n".join(FLATTENED) + "\n"
    status, evidence = _status(SAMPLES, plain_document(f"r.{format}", [page], format))
    assert status == REVIEW
    assert "0 samples with their true label" in evidence[0] and "(10 needed)" in evidence[0]


def test_the_same_in_markdown_is_missing_and_a_counted_short_table_is_missing():
    text = "# Misclassified samples\n\n" + "\n".join(FLATTENED) + "\n"
    assert _status(SAMPLES, markdown_document("r.md", text))[0] == MISSING
    short = "Misclassified samples\n\n" + "\n".join(
        f"{n}\ttrue label: positive\tnegative" for n in range(4)) + "\n"
    status, evidence = _status(SAMPLES, plain_document("r.txt", [short]))
    assert status == MISSING and "samples with their true label" in evidence[0]


def test_ten_counted_samples_are_met():
    rows = "| sentence | true | predicted |\n|---|---|---|\n" + "\n".join(
        f"| s{n} | pos | neg |" for n in range(10))
    status, evidence = _status(SAMPLES, markdown_document("r.md", f"# Misclassified\n\n{rows}\n"))
    assert status == MET and "sentence" in evidence[0]


def test_keywords_only_in_notebook_code_need_review():
    code = Line("model.fit(x, y, epochs=5, batch_size=32)  # learning rate 0.01, batch size 32",
                "lab.ipynb cell 3", "code")
    prose = Line("We trained the network on the images.", "lab.ipynb cell 2", "prose")
    notebook = Document("lab.ipynb", "notebook", [prose, code])
    status, evidence = _status(SETTINGS, notebook)
    assert status == REVIEW and evidence[0].startswith("found only in code")


def test_keywords_in_the_text_and_the_code_are_met_and_none_at_all_are_missing():
    code = Line("# batch size 32", "lab.ipynb cell 3", "code")
    prose = Line("The learning rate was 0.01.", "lab.ipynb cell 2", "prose")
    status, evidence = _status(SETTINGS, Document("lab.ipynb", "notebook", [prose, code]))
    assert status == MET and evidence[0].startswith("in the text and the code")
    nothing = Document("lab.ipynb", "notebook",
                       [Line("We trained it.", "c2", "prose"), Line("x = 1", "c3", "code")])
    assert _status(SETTINGS, nothing)[0] == MISSING
    # One keyword in code is not enough when two are needed.
    one = Document("lab.ipynb", "notebook", [Line("# batch size 32", "c3", "code")])
    assert _status(SETTINGS, one)[0] == MISSING
