"""The grader's readers of plain-text markup: Org mode, AsciiDoc, Quarto / R Markdown, beamer
slides, and a student's own errors.csv (issue 22)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.grading.asciidoc_reader import asciidoc_document
from toolkit.grading.latex_reader import latex_document, latex_markdown
from toolkit.grading.org_reader import org_document
from toolkit.grading.report_text import markdown_document
from toolkit.grading.sample_lists import count_samples
from toolkit.grading.submissions import read_submission

TRUTH = ("true", "predicted")

ORG_REPORT = """#+TITLE: Lab 3: CNN on MNIST
#+AUTHOR: Sam
#+OPTIONS: toc:nil

* DONE [#A] Results [2/3]                                         :lab3:final:
  :PROPERTIES:
  :CUSTOM_ID: results
  :END:
  SCHEDULED: <2026-10-14 Tue>
The CNN reached *99.1%* test accuracy, see /the curves/ and =record.json=.

#+CAPTION: Training and validation loss per epoch.
#+NAME: fig:curves
[[file:figs/curves.png]]

#+CAPTION: Misclassified digits.
| image   | true | predicted |
|---------+------+-----------|
""" + "".join(f"| test {i}  | 4    | 9         |\n" for i in range(10)) + """
#+BEGIN_SRC python :results output
print(model.evaluate(x_test, y_test))
#+END_SRC

#+RESULTS:
: [0.031, 0.991]

** Ideas
- More epochs :: the curves still fall at epoch 12.
- [X] tried a/b/c paths and 2*3*4
#+BEGIN_QUOTE
The Keras example reports 99.2%.
#+END_QUOTE
See [[https://keras.io/examples/vision/mnist_convnet/][the Keras example]].
# a comment the reader never sees: 12.3%
"""


def test_an_org_file_reads_like_markdown():
    document = org_document("report.org", ORG_REPORT)
    text = [line.text for line in document.lines]
    assert [s.title for s in document.sections()] == ["Lab 3: CNN on MNIST", "Results", "Ideas"]
    assert "The CNN reached **99.1%** test accuracy, see *the curves* and `record.json`." in text
    assert "Figure 1: Training and validation loss per epoch." in text
    assert "Table 1: Misclassified digits." in text
    assert count_samples(document.lines, TRUTH)[0] == 10
    assert {image.target for image in document.images} >= {"figs/curves.png"}
    assert ("output", "[0.031, 0.991]") in [(line.kind, line.text) for line in document.lines]
    assert "- **More epochs:** the curves still fall at epoch 12." in text
    assert "- [x] tried a/b/c paths and 2*3*4" in text  # no emphasis inside words
    assert "> The Keras example reports 99.2%." in text
    assert "See [the Keras example](https://keras.io/examples/vision/mnist_convnet/)." in text
    assert not any("CUSTOM_ID" in t or "SCHEDULED" in t or "12.3" in t or "AUTHOR" in t
                   for t in text)
    assert document.lines[-1].where.startswith("report.org:")


def test_an_org_file_may_name_its_own_todo_keywords():
    # "#+TODO: TODO WIP | DONE": WIP is a keyword of this file, not a word of its headline's
    source = ("#+TITLE: Reflections\n#+TODO: TODO WIP(w@) | DONE\n"
              "* DONE Lab 4 -- bag of words\n* WIP Lab 6 -- BERT\n** TODO Growth\n"
              "* WIP\n* DRAFT Lab 5\n")
    titles = [section.title for section in org_document("r.org", source).sections()]
    assert titles == ["Reflections", "Lab 4 -- bag of words", "Lab 6 -- BERT", "Growth", "WIP",
                      "DRAFT Lab 5"]


ADOC_REPORT = """= Lab 4: bag of words
Sam Student <sam@example.org>
:toc:
:imagesdir: figs

// a comment the reader never sees: 12.3%
== Results

The model reached *87.5%* test accuracy (_validation_ 86.9%), see <<curves,the curves>>.
NOTE: I kept the default seed.

.Training and validation accuracy per epoch.
[[curves]]
image::curves.png[Learning curves, width=600]

.Misclassified reviews.
[cols="1,3,1,1", options="header"]
|===
|# |review |true |predicted
""" + "".join(f"|{i}\n|a review I read, number {i}\n|positive\n|negative\n" for i in range(10)) \
    + """|===

[source,python]
----
model.fit(x_train, y_train)
----

....
Epoch 1/5 - loss 0.41
....

____
The paper reports 88.1%.
____

Insights:: I learned that *bigrams* help.
Challenges::
The vocabulary was too big at first.

* first idea
** a nested idea
. an ordered idea
See link:https://keras.io/examples[the Keras example] and https://scikit-learn.org[sklearn].
"""


def test_an_asciidoc_file_reads_like_markdown():
    document = asciidoc_document("report.adoc", ADOC_REPORT)
    text = [line.text for line in document.lines]
    assert [s.title for s in document.sections()][:2] == ["Lab 4: bag of words", "Results"]
    assert "The model reached **87.5%** test accuracy (*validation* 86.9%), see the curves." \
        in text
    assert "**Note:** I kept the default seed." in text
    assert "Figure 1: Training and validation accuracy per epoch." in text
    assert "Table 1: Misclassified reviews." in text
    assert {image.target for image in document.images} >= {"figs/curves.png"}
    # each row's cells on lines of their own, grouped by the [cols] attribute
    assert count_samples(document.lines, TRUTH)[0] == 10
    assert "| 3 | a review I read, number 3 | positive | negative |" in text
    assert ("output", "Epoch 1/5 - loss 0.41") in [(line.kind, line.text)
                                                    for line in document.lines]
    assert "> The paper reports 88.1%." in text
    assert "- **Insights:** I learned that **bigrams** help." in text
    assert "See [the Keras example](https://keras.io/examples) and " \
           "[sklearn](https://scikit-learn.org)." in text
    assert not any("sam@example.org" in t or "12.3" in t or ":toc:" in t for t in text)
    assert document.lines[-1].where.startswith("report.adoc:")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("*/=~+-:|[]#.,_\\ abcTODOEN\n")), max_size=300))
def test_any_org_or_asciidoc_is_read_without_raising(text):
    for document in (org_document("r.org", text), asciidoc_document("r.adoc", text)):
        assert all(isinstance(line.text, str) for line in document.lines)


QUARTO_REFLECTION = """---
title: "Reflection on lab 2"
format: html
---

::: {.callout-tip title="What I learned"}
Dropout 0.2 closed the gap between training and validation loss.
:::

## Challenges {#sec-challenges}

::: callout-note
The first run with rate 0.1 diverged.
:::

```{python}
#| label: fig-curves
model.fit(x, y)
```
"""


def test_a_quarto_document_keeps_its_title_callout_titles_and_headings():
    document = markdown_document("reflection.qmd", QUARTO_REFLECTION)
    assert [s.title for s in document.sections()] == [
        "Reflection on lab 2", "What I learned", "Challenges"]
    prose = [line.text for line in document.lines if line.kind == "prose"]
    assert prose == ["Dropout 0.2 closed the gap between training and validation loss.",
                     "The first run with rate 0.1 diverged."]
    assert not any(":::" in line.text or "format:" in line.text
                   for line in document.lines if line.kind != "code")


def test_markup_files_are_submissions_of_their_own(tmp_path):
    for name, text in (("report.org", ORG_REPORT), ("report.adoc", ADOC_REPORT),
                       ("reflection.qmd", QUARTO_REFLECTION), ("reflection.Rmd",
                                                                QUARTO_REFLECTION)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        submission = read_submission("s01", path)
        assert not submission.warnings and len(submission.documents) == 1, name
        assert submission.documents[0].sections(), name


BEAMER_DECK = r"""\documentclass{beamer}
\title{Lab 6: BERT on SST-2}
\begin{document}
\frame{\titlepage}
\section{Results}
\begin{frame}[fragile]{Test accuracy}
\begin{itemize}
\item Test accuracy 91.2\% \pause
\end{itemize}
\end{frame}
\begin{frame}
\frametitle{Errors}
\begin{columns}
\column{0.5\textwidth}
\begin{block}{Hypothesis}
Negation confuses the model.
\end{block}
\end{columns}
\end{frame}
\end{document}
"""


def test_a_beamer_deck_heads_each_frame_by_its_title():
    document = latex_document("deck.tex", BEAMER_DECK)
    assert [s.title for s in document.sections()] == [
        "Lab 6: BERT on SST-2", "Results", "Test accuracy", "Errors", "Hypothesis"]
    text = [line.text for line in document.lines]
    assert "- Test accuracy 91.2%" in text and "Negation confuses the model." in text
    assert not any("titlepage" in t or "column" in t for t in text)


def test_an_errors_csv_of_the_students_own_is_a_table_and_the_labs_is_annotations(tmp_path):
    folder = tmp_path / "s01"
    folder.mkdir()
    (folder / "report.md").write_text("# Lab 4\n\nMy misclassified reviews are in errors.csv.\n")
    rows = "".join(f'{i},"a review, number {i}",positive,negative\n' for i in range(11))
    (folder / "errors.csv").write_text("id,review,true,predicted\n" + rows)
    # the lab's errors.csv handed in apart from its run: its annotations, and every row a
    # sample the student hands in (in a run's folder only the annotated ones would be)
    annotated = "".join(f"{i},positive,negative,sarcasm,more data\n" for i in range(12))
    (folder / "errors_lab.csv").write_text("index,true,predicted,error_type,fix_idea\n"
                                           + annotated + "12,positive,negative,,\n")
    submission = read_submission("s01", folder)
    tables = [doc for doc in submission.documents if doc.path.endswith(".csv")]
    assert [doc.path for doc in tables] == ["errors.csv", "errors_lab.csv"]
    assert count_samples(tables[0].lines, TRUTH)[0] == 11
    assert count_samples(tables[1].lines, TRUTH)[0] == 13  # the row left blank too
    assert list(submission.annotation_files) == ["errors_lab.csv"]
    assert not submission.warnings


def test_a_heading_inside_a_callout_is_its_title_not_a_section():
    text = ("## Critical reflection\n\n::: {.callout-warning}\n## Something I almost did wrong\n"
            "Dropout 0.1 had the best test accuracy.\n:::\n\nWith one seed I cannot tell.\n")
    document = markdown_document("reflection.qmd", text)
    levels = [(line.text, line.level) for line in document.lines if line.kind == "heading"]
    assert levels == [("Critical reflection", 2), ("Something I almost did wrong", 7)]


def test_a_table_of_every_photo_counts_only_the_wrong_ones_as_misclassified():
    rows = "".join(f"| p{i}.jpg | tabby | tabby (0.{i}1) | yes |\n" for i in range(8)) + \
        "".join(f"| q{i}.jpg | coffee_mug | cup (0.4{i}, _unsure_) | *no* |\n" for i in range(4))
    document = markdown_document("r.md", "| Photo | True class | Top-1 (probability) | ok |\n"
                                 "|---|---|---|---|\n" + rows)
    assert count_samples(document.lines, TRUTH)[0] == 4
    errors = markdown_document("e.md", "| text | true | predicted |\n|---|---|---|\n" + "".join(
        f"| review {i} | positive | negative |\n" for i in range(11)))
    assert count_samples(errors.lines, TRUTH)[0] == 11


PERCENT_SCRIPT = """# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Lab 3 report
# The CNN reached **99.1%** test accuracy on MNIST.

# %%
model.fit(x_train, y_train, epochs=5)
# test accuracy: 0.991

# %% [markdown]
# ## Errors
# - image 247: predicted 2, true 4
"""


def test_a_percent_script_is_read_as_the_notebook_it_stands_for(tmp_path):
    (tmp_path / "report.py").write_text(PERCENT_SCRIPT, encoding="utf-8")
    (tmp_path / "train.py").write_text("# train the model\nimport keras\n", encoding="utf-8")
    submission = read_submission("s01", tmp_path)
    assert [document.path for document in submission.documents] == ["report.py"]
    document = submission.documents[0]
    assert [s.title for s in document.sections()] == ["Lab 3 report", "Errors"]
    prose = [line.text for line in document.lines if line.kind == "prose"]
    assert "The CNN reached **99.1%** test accuracy on MNIST." in prose
    assert "model.fit(x_train, y_train, epochs=5)" in [
        line.text for line in document.lines if line.kind == "code"]
    assert submission.ignored == ["train.py"]  # a script of code alone is no report
    assert count_samples(document.lines, TRUTH)[0] == 1
    # handed in alone, a script of code says so
    alone = read_submission("s02", tmp_path / "train.py")
    assert alone.empty and "train.py is Python code with no prose cells" in alone.warnings[0]


WIKI_REPORT = """{{Infobox experiment
| name = Lab 4
| test accuracy = 81.8%
}}
'''Bag of words''' on SST-2.<ref>Socher et al. (2013), Recursive deep models.</ref>
__TOC__
== Misclassified reviews ==
; Hypothesis : negation flips the sentiment
{| class="wikitable"
|+ Reviews the model got wrong
! Review !! Predicted !! True
|-
| not a good film || positive || negative
|-
| <s>a slip of mine</s> || <s>negative</s> || <s>positive</s>
|}
[[File:curves.png|thumb|300px|Learning curves of the model]]
<!-- remember to add the timing -->
* {{cite journal |last=Pang |first=B. |last2=Lee |year=2005 |title=Seeing stars |journal=ACL}}
== References ==
<references />
[[Category:Lab reports]]
"""


def test_a_mediawiki_page_reads_as_it_renders(tmp_path):
    (tmp_path / "report.wiki").write_text(WIKI_REPORT, encoding="utf-8")
    submission = read_submission("s01", tmp_path)
    assert not submission.warnings and len(submission.documents) == 1
    document = submission.documents[0]
    assert [s.title for s in document.sections()] == ["Misclassified reviews", "References"]
    texts = [line.text for line in document.lines]
    assert "- **test accuracy:** 81.8%" in texts  # the infobox's rows
    assert "**Bag of words** on SST-2.[1]" in texts
    assert "- **Hypothesis:** negation flips the sentiment" in texts
    assert "Table 1: Reviews the model got wrong" in texts
    assert "| not a good film | positive | negative |" in texts
    assert count_samples(document.lines, TRUTH)[0] == 1  # the struck-out row is no sample
    assert "Figure 1: Learning curves of the model" in texts
    assert [image.target for image in document.images if image.target] == ["curves.png"]
    assert "- Pang, B. et al. (2005). Seeing stars. ACL." in texts
    assert "1. Socher et al. (2013), Recursive deep models." in texts  # at <references />
    assert not any("remember" in text or "TOC" in text or "Category" in text or "slip" in text
                   for text in texts)
    where = {line.text: line.where for line in document.lines}
    assert where["| not a good film | positive | negative |"] == "report.wiki:9"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}[]|=!'*#;:<>/-+ abcFile.png\n")), max_size=300))
def test_any_wiki_text_is_read_without_raising(text):
    from toolkit.grading.wiki_reader import wiki_document

    document = wiki_document("r.wiki", text)
    assert all(isinstance(line.text, str) for line in document.lines)


def test_a_latex_description_item_and_paragraph_are_labelled_answers():
    """``\\item[Snags] ...`` and ``\\paragraph{Doubts} ...`` are run-in labels, closed by a
    colon where the student wrote none; a label with its own stop keeps it."""
    from toolkit.grading.meaning import run_in_label

    text = ("\\begin{description}\n\\item[Snags] Coverage was only 13\\% of the vocabulary.\n"
            "\\item[Why?] Because the subset is small.\n\\end{description}\n"
            "\\paragraph{Doubts} One seed only.\n\\paragraph{Task.} Sentiment.\n")
    lines = [line.text for line in latex_document("r.tex", text).lines if line.text.strip()]
    assert lines == ["- **Snags:** Coverage was only 13% of the vocabulary.",
                     "- **Why?** Because the subset is small.", "**Doubts:** One seed only.",
                     "**Task.** Sentiment."]
    assert [run_in_label(line) for line in lines] == ["Snags", "Why?", "Doubts", "Task"]


def test_a_latex_line_opening_in_bold_is_a_bold_label_or_heading():
    """``\\textbf{Challenges}`` alone on its line heads the list under it, as "**Challenges**"
    would in Markdown; ``\\noindent\\textbf{Insights:} ...`` is a run-in label; a bold word
    inside a sentence stays text."""
    text = ("\\textbf{Learning insights}\n\\begin{itemize}\n"
            "  \\item Dynamic padding left 25\\% of the slots empty.\n\\end{itemize}\n\n"
            "\\noindent\\textbf{Insights:} Frozen GloVe reached 65\\%.\n\n"
            "{\\bf Doubts.} One seed only.\n\n"
            "The \\textbf{frozen} run was the worst.\n")
    lines = [line for line, _ in latex_markdown(text) if line.strip()]
    assert lines == ["**Learning insights**", "- Dynamic padding left 25% of the slots empty.",
                     "**Insights:** Frozen GloVe reached 65%.", "**Doubts.** One seed only.",
                     "The frozen run was the worst."]
    assert [(line.text, line.level) for line in latex_document("r.tex", text).lines
            if line.kind == "heading"] == [("Learning insights", 7)]


def test_a_tab_separated_errors_file_is_read_as_a_csv(tmp_path):
    folder = tmp_path / "s01"
    folder.mkdir()
    (folder / "report.md").write_text("# Lab 6\n\nMy errors are in errors.tsv.\n")
    rows = "".join(f"{i}\tticket number {i}, two issues\tbilling\ttechnical\t"
                   f"{'keyword' if i < 6 else ''}\t{'more data' if i < 6 else ''}\n"
                   for i in range(11))
    (folder / "errors.tsv").write_text(
        "id\ttext\ttrue_label\tpredicted\terror_type\tfix_idea\n" + rows)
    submission = read_submission("s01", folder)
    assert list(submission.annotation_files) == ["errors.tsv"]
    assert len(submission.annotation_files["errors.tsv"]) == 6
    table = next(doc for doc in submission.documents if doc.path == "errors.tsv")
    assert count_samples(table.lines, TRUTH)[0] == 11
    assert not any("errors.tsv" in path for path in submission.ignored)


def test_json_lines_in_a_fence_are_a_table_of_samples():
    rows = "\n".join(f'{{"text": "review {i}, not bad", "label": 1, "pred": 0, "p": 0.2}}'
                     for i in range(10))
    document = markdown_document("r.md", f"## Errors\n\n```jsonl\n{rows}\n```\n\nDone.\n")
    tables = [line.text for line in document.lines if line.kind == "table"]
    assert tables[:3] == ["| text | label | pred | p |", "|---|---|---|---|",
                          "| review 0, not bad | 1 | 0 | 0.2 |"]
    assert count_samples(document.lines, ("label",))[0] == 10
    # a record with its keys in another order fills the first record's columns
    moved = markdown_document("r.md", '```jsonl\n{"text": "a", "label": 1}\n'
                                      '{"label": 0, "text": "b"}\n```\n')
    assert [line.text for line in moved.lines if line.kind == "table"][-1] == "| b | 0 |"
    # a pretty-printed object is code, as before
    pretty = markdown_document("r.md", '```json\n{\n  "label": 1\n}\n```\n')
    assert [line.kind for line in pretty.lines] == ["code"] * 5
    # ... and so is one object on one line (a results summary): no records to count
    summary = markdown_document("r.md", '```json\n{"accuracy": 0.81, "epochs": 5}\n```\n')
    assert [line.kind for line in summary.lines] == ["code"] * 3
