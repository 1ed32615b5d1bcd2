"""The grader's reader of reStructuredText reports (``report.rst``, a Sphinx page), issue 22."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.grading.rst_reader import rst_document
from toolkit.grading.sample_lists import count_samples
from toolkit.grading.submissions import read_submission

SPHINX_REPORT = """\
=====================================
Lab 5: GloVe embeddings and an LSTM
=====================================

:Author: Sam
:Date: 2026-11-20

.. toctree::
   :maxdepth: 2

   appendix

Results
=======

.. figure:: curves.png
   :width: 80%
   :name: fig-curves

   Training and validation loss per epoch.

.. list-table:: Test results
   :header-rows: 1

   * - Model
     - Test accuracy
   * - LSTM, frozen GloVe
     - 84.1%

As :numref:`Figure <fig-curves>` shows, the model reached :math:`84.1\\%` [Pennington2014]_,
below the 84.9% of Tai et al. [1]_ :cite:`tai2015`.

.. note::

   Training took 3 min 12 s per run on a T4.

.. seealso:: My notes on tokenisation in the appendix.

Misclassified samples
---------------------

#. "not bad at all": predicted negative, true positive
#. "a mess, but a fun one": predicted negative, true positive

.. include:: /etc/passwd

.. [1] Tai et al., Improved Semantic Representations From Tree-Structured LSTMs, ACL 2015.
.. [Pennington2014] GloVe: Global Vectors for Word Representation. EMNLP 2014.
"""


def test_a_sphinx_page_reads_as_its_titles_figure_table_notes_and_references():
    document = rst_document("report.rst", SPHINX_REPORT)
    texts = [line.text for line in document.lines if line.text]
    assert [section.title for section in document.sections()] == [
        "Lab 5: GloVe embeddings and an LSTM", "Results", "Misclassified samples"]
    assert "Author: Sam" in " ".join(texts).replace("*", "")
    assert "Figure 1: Training and validation loss per epoch." in texts
    assert any(image.label.startswith("Training and validation loss") for image in document.images)
    assert "| LSTM, frozen GloVe | 84.1% |" in texts  # a list-table's row, no heading
    assert ("As Figure shows, the model reached 84.1% [Pennington2014], below the 84.9% of "
            "Tai et al. [1] [tai2015].") in texts  # a citation role reads as its key, as in MyST
    assert "**Note:** Training took 3 min 12 s per run on a T4." in texts
    assert "My notes on tokenisation in the appendix." in texts  # Sphinx's seealso: prose
    assert any(text.startswith("[1] Tai et al.") for text in texts)
    assert "appendix" not in texts  # the toctree builds the site; no words of the report
    assert not any("root:" in text for text in texts)  # include never reads a file
    where = {line.text: line.where for line in document.lines}
    assert where["Misclassified samples"] == "report.rst:39"  # the title, not its underline
    assert where["My notes on tokenisation in the appendix."] == "report.rst:37"
    assert count_samples(document.lines, ("true",))[0] == 2


def test_an_rst_report_in_a_class_is_read_by_docutils_and_broken_markup_still_reads(tmp_path):
    (tmp_path / "ana.rst").write_text(SPHINX_REPORT)
    (tmp_path / "ben.rst").write_text("Results\n====\n\n.. figure::\n\n* - a\n  - \n`unclosed\n")
    ana = read_submission("ana", tmp_path / "ana.rst")
    assert ana.warnings == [] and "Results" in [s.title for s in ana.documents[0].sections()]
    ben = read_submission("ben", tmp_path / "ben.rst")
    assert ben.warnings == [] and any("unclosed" in line.text for line in ben.documents[0].lines)
    # one paragraph on a line longer than docutils parses: read as Markdown, not lost
    long_line = "The CNN reached 99.1% test accuracy. " * 400
    assert [line.text.strip() for line in rst_document("c.rst", long_line).lines][0] == long_line.strip()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=" \n=-*#.:`_|[]<>abc12", max_size=400))
def test_any_rst_source_is_read_without_raising(source):
    document = rst_document("r.rst", source)
    assert all(line.where.startswith("r.rst:") for line in document.lines)


def test_sphinx_roles_read_as_the_myst_reader_reads_them():
    source = ("Results\n=======\n\nSee :ref:`<sec-errors>`, :numref:`the curves <fig-curves>`, "
              ":cite:p:`tai2015` and :unknownrole:`raw words`.\n")
    texts = [line.text for line in rst_document("report.rst", source).lines if line.text]
    # a link of a target alone keeps the target, not nothing; a citation its bracketed key
    assert "See sec-errors, the curves, [tai2015] and raw words." in texts
