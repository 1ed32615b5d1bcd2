"""Markdown's dialects read as the Markdown they show: MyST, Obsidian, GitHub's alerts and
HTML inside Markdown (issue 22)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.grading.markdown_dialects import plain_rows
from toolkit.grading.report_text import markdown_document
from toolkit.grading.sample_lists import count_samples
from toolkit.grading.submissions import read_submission

MYST_PAGE = """# Lab 5 report

(sec-curves)=
## Learning curves

```{figure} figures/val curves.png
:name: fig-curves
:width: 80%

Validation accuracy per epoch.
```

See {numref}`fig-curves`, {cite}`pennington2014` and {ref}`the errors <sec-errors>`.

:::{note}
The LSTM overfits after epoch 4.
:::

```{admonition} What I would change
Freeze the embeddings.
```

```{code-cell} python
model.fit(x)
```

```{list-table} Dev accuracy
:header-rows: 1

* - embeddings
  - dev accuracy
* - frozen
  - 75.4 %
```
"""


def test_myst_directives_are_layout_and_roles_their_words():
    document = markdown_document("report.md", MYST_PAGE)
    texts = {line.text: line for line in document.lines}
    assert texts["Figure: Validation accuracy per epoch."].kind == "prose"
    assert "See fig-curves, [pennington2014] and the errors." in texts
    assert texts["The LSTM overfits after epoch 4."].kind == "prose"  # no code block
    assert texts["What I would change"].kind == "heading"
    assert texts["model.fit(x)"].kind == "code"
    assert not any(":name:" in text or "(sec-curves)=" in text or "{note}" in text
                   for text in texts)
    image = next(image for image in document.images if image.target)
    assert image.target == "figures/val%20curves.png" and "Validation accuracy" in image.label
    # places stay the file's own rows
    assert texts["The LSTM overfits after epoch 4."].where == "report.md:16"
    # a list-table is a table
    assert texts["| embeddings | dev accuracy |"].kind == "table"
    assert texts["| frozen | 75.4 % |"].kind == "table" and "Table: Dev accuracy" in texts


OBSIDIAN_NOTE = """---
tags: [lab5]
---
# GloVe + LSTM

> [!tip] Hypothesis
> Negation flips the label, see [[Lab 5 notes|my notes]].

> [!NOTE]
> A GitHub alert without a title.

![[val curves.png|400]] %%to do: a second figure%% as the curves show.

%%
a paragraph kept to myself
%%

<details><summary>Misclassified samples</summary>

<table>
  <tr><th>Sentence</th><th>Predicted</th><th>True</th></tr>
  <tr><td>not good at all</td><td>positive</td><td>negative</td></tr>
  <tr><td>a quiet triumph</td><td>negative</td><td>positive</td></tr>
</table>

</details>
"""


def test_obsidian_callouts_embeds_and_html_tables(tmp_path):
    folder = tmp_path / "vault"
    (folder / "attachments").mkdir(parents=True)
    (folder / "Lab 5 report.md").write_text(OBSIDIAN_NOTE, encoding="utf-8")
    (folder / "attachments" / "val curves.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    submission = read_submission("s01", folder)
    document = submission.documents[0]
    lines = {line.text: line for line in document.lines}
    assert lines["Hypothesis"].kind == "heading"
    assert "> Negation flips the label, see my notes." in lines
    assert not any("[!NOTE]" in text or "to do" in text or "kept to myself" in text
                   or "<table" in text for text in lines)
    assert lines["Misclassified samples"].kind == "heading"
    assert lines["| not good at all | positive | negative |"].kind == "table"
    assert lines["| not good at all | positive | negative |"].where == "Lab 5 report.md:22"
    assert count_samples(document.lines, ("true", "predicted"))[0] == 2
    # the embed names the file wherever it sits in the vault
    from toolkit.grading.assessment import _present

    embed = next(image for image in document.images if image.target)
    assert embed.target == "val%20curves.png" and _present(submission, "", embed.target)
    assert not _present(submission, "", "missing.png")


def test_a_notebooks_cell_magic_opens_no_obsidian_comment():
    # "%%time" over a cell, kept in a notebook's HTML export: the rows after it are read
    rows = ["%%time !python -m labs.lab05_glove_lstm --epochs 12", "", "Test accuracy 82.2%.",
            "%%", "a note kept hidden", "%%", "Kept."]
    shown, _ = plain_rows(rows)
    assert shown[:3] == rows[:3] and shown[-1] == "Kept."
    assert not any("hidden" in row or "note" in row for row in shown)  # a comment still hides


def test_a_footnote_is_read_where_it_is_referenced_and_stays_at_the_end(tmp_path):
    rows = ["## Results", "The test accuracy was 88.9%, under the 92.5% target.[^1] Five epochs",
            "were too few.[^1] See the curves[^2].", "", "## References", "- keras.io",
            "", "[^1]: The README lists 87.6% - 92.5% for a CNN with two conv",
            "layers (github.com/zalandoresearch/fashion-mnist).", "", "[^9]: never cited"]
    shown, numbers = plain_rows(rows)
    assert shown[1] == ("The test accuracy was 88.9%, under the 92.5% target. (The README "
                        "lists 87.6% - 92.5% for a CNN with two conv layers "
                        "(github.com/zalandoresearch/fashion-mnist).) Five epochs")
    assert shown[2] == "were too few. See the curves[^2]."  # read once; an undefined one stays
    assert shown[7:] == rows[7:] and numbers == list(range(1, len(rows) + 1))
    # so the comparison and its reason are one paragraph, under the heading they were written in
    (tmp_path / "report.md").write_text("\n".join(rows), encoding="utf-8")
    document = read_submission("s", tmp_path / "report.md").documents[0]
    results = next(block for block in document.blocks() if "88.9%" in block.lines[0].text)
    assert "87.6% - 92.5%" in " ".join(line.text for line in results.lines)


def test_plain_markdown_rows_pass_unchanged():
    rows = ["# Results", "", "| a | b |", "|---|---|", "```python", "{cite}`x` in code",
            "```", "Accuracy 81.8% (see [the docs](https://keras.io))."]
    assert plain_rows(rows) == (rows, list(range(1, len(rows) + 1)))


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("`~:{}[]!|%<>/()=-*# abfigurentbl\n")),
               max_size=300))
def test_any_markdown_keeps_a_source_row_for_every_row(text):
    rows = text.splitlines()
    shown, numbers = plain_rows(rows)
    assert len(shown) == len(numbers)
    assert all(1 <= number <= max(len(rows), 1) for number in numbers)
    assert numbers == sorted(numbers)


MIND_MAP = """## Lab 5

```mermaid
mindmap
  root((Lab 5 GloVe LSTM))
    Learned
      word vectors
        similar words are close
      padding and UNK
    [Hard]
      glove download too big
        used the small file
      ::icon(fa fa-book)
```

```mermaid
graph TD
  A[Data] --> B[Model]
```
"""


def test_a_mermaid_mind_map_is_an_outline_of_labelled_answers():
    document = markdown_document("r.md", MIND_MAP)
    lines = [(line.kind, line.text) for line in document.lines if line.kind != "blank"]
    assert lines[:6] == [
        ("heading", "Lab 5"), ("heading", "Learned"),
        ("prose", "  - word vectors: similar words are close"),
        ("prose", "  - padding and UNK"), ("heading", "Hard"),
        ("prose", "  - glove download too big: used the small file")]
    assert not any("root" in text or "icon" in text for _, text in lines)
    # any other diagram stays code
    assert ("code", "  A[Data] --> B[Model]") in lines


def test_a_summary_with_tags_inside_is_a_title_without_them():
    text = ("## Reflection\n\n<details>\n<summary><b>Critical reflection</b> \u2013 what would "
            "you do differently, which questions remain open?</summary>\n\nOne seed each, so "
            "the +0.52 points of augmentation are not proven.\n</details>\n")
    lines = markdown_document("n.md", text).lines
    title = next(line for line in lines if "Critical" in line.text)
    assert title.kind == "heading" and "<b>" not in title.text and "**" not in title.text
    assert title.text.startswith("Critical reflection \u2013 what would you do differently")
