"""The grader's reader of Typst sources (``report.typ``) and of the BibTeX file beside a report (``refs.bib``), issue 22."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.grading.sample_lists import count_samples
from toolkit.grading.submissions import read_submission
from toolkit.grading.typst_reader import typst_document

TYPST_REPORT = """#import "@preview/charged-ieee:0.1.0": ieee
#set page(paper: "a4", margin: (x: 2cm, y: 2.5cm))
#set document(title: [Lab 3: a CNN on MNIST], author: "Sam")
#show heading: set text(navy)
#let acc = "99.1%"

// notes to myself, not for the reader
= Task and data <sec-task>
We train a small CNN on *MNIST* on my laptop's CPU (_Intel i5_).
The test accuracy was #acc, see @fig-curves and @tab-results, as in LeCun et al. @lecun1998.

/* an old paragraph
taken out */
== Hyperparameters
/ Batch size: 128
+ Adam, learning rate 0.001

#figure(
  image("curves.png", width: 80%),
  caption: [Training and validation accuracy per epoch.],
) <fig-curves>

#figure(
  table(
    columns: 3,
    table.header([Model], [Test acc.], [Time]),
    [CNN], [99.1%], [4 min],
    [MLP], [97.8%], [1 min],
  ),
  caption: [Results],
) <tab-results>

#align(center)[
    #text(size: 14pt)[*Misclassified digits*]
    - image 247: predicted 2, true 4
    - image 1901: predicted 4, true 9
]

```python
model.fit(x, y)  # @not-a-reference
```

#strong[Hypothesis:] thin strokes look like other digits.
#pagebreak()
#bibliography("refs.bib")
"""


def test_a_typst_file_reads_like_markdown():
    document = typst_document("report.typ", TYPST_REPORT)
    assert [s.title for s in document.sections()][:3] == [
        "Lab 3: a CNN on MNIST", "Task and data", "Hyperparameters"]
    prose = [line.text for line in document.lines if line.kind == "prose"]
    assert "We train a small CNN on **MNIST** on my laptop's CPU (*Intel i5*)." in prose
    # a variable's words, cross-references by the number they print, a citation as its key
    assert ("The test accuracy was 99.1%, see Figure 1 and Table 1, as in LeCun et al. "
            "[lecun1998].") in prose
    assert not any("notes to myself" in line.text or "taken out" in line.text
                   or "#set" in line.text or "navy" in line.text for line in document.lines)
    texts = [line.text for line in document.lines]
    assert "- **Batch size:** 128" in texts and "1. Adam, learning rate 0.001" in texts
    assert "Figure 1: Training and validation accuracy per epoch." in texts
    assert "Table 1: Results" in texts
    assert "| CNN | 99.1% | 4 min |" in texts and "| Model | Test acc. | Time |" in texts
    assert "**Hypothesis:** thin strokes look like other digits." in texts
    assert [image.target for image in document.images if image.target] == ["curves.png"]
    # what a container holds is read at the margin, not as an indented code block
    assert "- image 247: predicted 2, true 4" in texts
    code = [line.text for line in document.lines if line.kind == "code"]
    assert "model.fit(x, y)  # @not-a-reference" in code
    assert document.lines[-1].where.startswith("report.typ:")


def test_a_typst_report_is_a_submission_and_its_samples_count(tmp_path):
    path = tmp_path / "report.typ"
    path.write_text(TYPST_REPORT, encoding="utf-8")
    submission = read_submission("s01", path)
    assert not submission.warnings and len(submission.documents) == 1
    document = submission.documents[0]
    assert count_samples(document.lines, ("true", "predicted"))[0] == 2
    where = {line.text: line.where for line in document.lines}
    assert where["Table 1: Results"] == "report.typ:23"  # the figure's first line


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#[](){}\"`*_=/+-:<>@$\\ abcfigure,\n")),
               max_size=300))
def test_any_typst_text_is_read_without_raising(text):
    document = typst_document("r.typ", text)
    assert all(isinstance(line.text, str) for line in document.lines)


REFS_BIB = r"""@article{lecun1998,
  author  = {LeCun, Yann and Bottou, L{\'e}on},
  title   = {Gradient-based learning applied to document recognition},
  journal = {Proceedings of the IEEE},
  year    = {1998}
}

@misc{chollet_convnet,
  author       = {Chollet, Fran{\c{c}}ois},
  title        = {Simple {MNIST} convnet},
  howpublished = {\url{https://keras.io/examples/vision/mnist_convnet/}},
  year         = {2020}
}
"""


def test_a_bib_file_beside_the_report_is_its_reference_list(tmp_path):
    (tmp_path / "report.typ").write_text(TYPST_REPORT, encoding="utf-8")
    (tmp_path / "refs.bib").write_text(REFS_BIB, encoding="utf-8")
    submission = read_submission("s01", tmp_path)
    references = next(d for d in submission.documents if d.path == "refs.bib")
    assert [s.title for s in references.sections()] == ["References"]
    lines = {line.text: line.where for line in references.lines if line.text.startswith("- ")}
    assert lines == {
        "- [lecun1998] LeCun, Yann and Bottou, Léon (1998). Gradient-based learning applied to "
        "document recognition. Proceedings of the IEEE.": "refs.bib:1",
        "- [chollet_convnet] Chollet, François (2020). Simple MNIST convnet. "
        "https://keras.io/examples/vision/mnist_convnet/.": "refs.bib:7"}
    assert not submission.ignored and not submission.warnings


def test_a_broken_bib_file_is_read_as_far_as_it_goes(tmp_path):
    from toolkit.grading.bib_reader import bib_document

    document = bib_document("refs.bib", "@article{x, title = {Unclosed\n@misc{y, year=2020}")
    assert document.lines[0].text == "References"
