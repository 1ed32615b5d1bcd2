"""Reading real documents: Word, HTML, plain text headings, samples in lists and blocks,
stems and synonyms, the course's own words, off-topic reports. Hostile inputs are built here."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import CourseError
from toolkit.grading.assessment import MET, MISSING, NOT_THIS_ASSIGNMENT, assess
from toolkit.grading.course_text import course_fingerprint, is_course_text
from toolkit.grading.docx_reader import MAX_UNPACKED_BYTES, DocxError, docx_document
from toolkit.grading.html_reader import html_document
from toolkit.grading.latex_reader import latex_document
from toolkit.grading.report_text import (
    answer_tables,
    count_numbers,
    grid_tables,
    mentions,
    parse_markdown,
    plain_document,
)
from toolkit.grading.rubric import load_rubric
from toolkit.grading.sample_lists import count_samples, sample_lines
from toolkit.grading.submissions import read_submission

RUBRIC = load_rubric()
TRUTH = ("true", "truth", "label", "actual", "gold")


def _docx_bytes() -> bytes:
    import docx
    from docx.shared import Inches
    from PIL import Image

    document = docx.Document()
    document.add_paragraph("My lab report", style="Title")
    document.add_paragraph("Misclassified samples", style="Heading 1")
    table = document.add_table(rows=12, cols=3)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "index", "True label"
    table.rows[0].cells[2].text = "predicted"
    for number, row in enumerate(table.rows[1:], 1):
        row.cells[0].text, row.cells[1].text, row.cells[2].text = str(number), "cat", "dog|x"
    document.add_paragraph("Ideas", style="Heading 2")
    document.add_paragraph("Augment the data", style="List Bullet")
    picture = io.BytesIO()
    Image.new("L", (4, 4)).save(picture, "PNG")
    picture.seek(0)
    document.add_picture(picture, width=Inches(0.5))
    document.add_paragraph("Figure 2: Confusion matrix of the test set.", style="Caption")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _with_footnotes(data: bytes, notes: dict[int, str]) -> bytes:
    """A saved .docx with a footnotes part holding ``notes`` (python-docx writes none), and
    Word's separator note, which is no student's text."""
    word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    footnotes = (f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="{word}">'
                 '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
                 '</w:p></w:footnote>' + "".join(
                     f'<w:footnote w:id="{key}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
                     '</w:footnote>' for key, text in notes.items()) + '</w:footnotes>')
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", (
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>'))
            elif item.filename == "word/_rels/document.xml.rels":
                content = content.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdNotes" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>'
                    b'</Relationships>'))
            target.writestr(item, content)
        target.writestr("word/footnotes.xml", footnotes)
    return out.getvalue()


def test_a_word_footnote_is_read_with_the_paragraph_that_cites_it():
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def cite(paragraph, key: int) -> None:
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:id"), str(key))
        paragraph.add_run()._r.append(reference)

    document = docx.Document()
    cite(document.add_paragraph("Lab 6 - BERT", style="Heading 1"), 1)
    answer = document.add_paragraph("Challenges. GPU memory.")
    cite(answer, 2)
    answer.add_run(" Nothing else.")
    buffer = io.BytesIO()
    document.save(buffer)
    data = _with_footnotes(buffer.getvalue(), {1: "Colab T4.", 2: "bert_base_en_uncased at "
                                               "--max-length 128 ran out of memory at batch 32."})
    texts = [line.text for line in docx_document("r.docx", data).lines if line.text]
    assert texts == ["Lab 6 - BERT", "Note: Colab T4.",
                     "Challenges. GPU memory. Nothing else. (bert_base_en_uncased at "
                     "--max-length 128 ran out of memory at batch 32.)"]


def test_a_word_document_reads_like_markdown():
    document = docx_document("r.docx", _docx_bytes())
    assert [s.title for s in document.sections()] == ["My lab report", "Misclassified samples",
                                                        "Ideas"]
    assert count_samples(document.lines, TRUTH)[0] == 11
    assert any(line.text == "- Augment the data" for line in document.lines)
    assert any("Confusion matrix" in image.label for image in document.images)
    assert document.lines[0].where == "r.docx paragraph 1"


def test_a_word_paragraph_set_all_in_bold_is_a_heading_made_by_hand():
    import docx
    from docx.shared import Pt

    document = docx.Document()
    for text, size in [("4. Growth and next steps", 13), ("Summary", None),
                       ("This bold paragraph is a sentence of more than ten words, not a title.",
                        None)]:
        run = document.add_paragraph().add_run(text)
        run.bold, run.font.size = True, Pt(size) if size else None
    labelled = document.add_paragraph()
    labelled.add_run("Insights:").bold = True
    labelled.add_run(" dropout closed the gap.")
    buffer = io.BytesIO()
    document.save(buffer)
    lines = [line for line in docx_document("r.docx", buffer.getvalue()).lines
             if line.kind != "blank"]
    assert [(line.kind, line.level) for line in lines] == [
        ("heading", 2), ("heading", 7), ("prose", 0), ("prose", 0)]


def test_broken_and_oversized_word_files_are_refused_with_a_reason(tmp_path):
    with pytest.raises(DocxError, match="not a .docx"):
        docx_document("r.docx", b"PK\x03\x04 not really a zip")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (MAX_UNPACKED_BYTES + 1))
    with pytest.raises(DocxError, match="unpacks to"):
        docx_document("r.docx", bomb.getvalue())
    (tmp_path / "alice.docx").write_bytes(b"no zip at all")
    submission = read_submission("alice", tmp_path / "alice.docx")
    assert any("cannot be read as a Word document" in w for w in submission.warnings)


def test_an_html_page_skips_scripts_and_keeps_tables_and_captions():
    page = ("<html><head><title>x</title><script>var a = '<h2>Hypothesis</h2>';</script>"
            "</head><body><h2>Errors</h2><table><tr><th>Sentence</th><th>Gold</th></tr>"
            + "".join(f"<tr><td>s{i} | x</td><td>pos</td></tr>" for i in range(10))
            + "</table><figure><img src='lost.png' alt='errors'><figcaption>Figure 1: "
              "Learning curves per epoch</figcaption></figure><p>We <b>trained</b> it."
              "</p></body></html>")
    document = html_document("r.html", page)
    assert [s.title for s in document.sections()] == ["Errors"]
    assert count_samples(document.lines, TRUTH)[0] == 10
    assert {image.target for image in document.images} == {None, "lost.png"}
    assert document.lines[-1].text == "We **trained** it."
    assert not any("var a" in line.text for line in document.lines)


def test_a_notebook_exported_to_html_names_its_figures_by_heading_and_code():
    # nbconvert: "¶" links after headings, pictures embedded as data with a placeholder alt
    # text, each in the output of the code cell that drew it.
    picture = ('<img alt="No description has been provided for this image" '
               'src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAmgAAAEfCAMAAAD"/>')
    cell = ('<div class="jp-Cell jp-CodeCell jp-Notebook-cell"><div class="jp-InputArea">'
            '<pre>{}</pre></div><div class="jp-OutputArea">{}</div></div>')
    page = ('<h2 id="Learning-curves">Learning curves<a class="anchor-link" '
            'href="#Learning-curves">&#182;</a></h2>'
            + cell.format("plotting.show_history(&quot;runs/ref&quot;)", picture)
            + '<h2 id="Errors">Error analysis<a class="anchor-link" href="#Errors">&#182;</a>'
            '</h2>' + cell.format("plotting.show_confusion(&quot;runs/strong&quot;)", picture))
    page += ('<div class="jp-Cell jp-MarkdownCell"><p>My sketch:</p>'
             '<img alt="" src="data:image/png;base64,iVBORw0KGgo"/></div>')
    document = html_document("r.html", page)
    assert [s.title for s in document.sections()] == ["Learning curves", "Error analysis"]
    assert [image.label for image in document.images] == [
        'Learning curves plotting.show_history("runs/ref")',
        'Error analysis plotting.show_confusion("runs/strong")',
        "Error analysis"]  # a Markdown cell's picture: no code drew it


def test_a_line_break_continues_the_paragraph_and_two_start_the_next():
    # An LMS editor's "<b>Personal growth:</b> Before this lab ...<br>Next I want ...": one
    # paragraph, both halves of one answer; "<br><br>" is how the editor separates two.
    page = ("<p><b>Personal growth:</b> Before this lab I could not build a text classifier."
            "<br>Next I want to try character n-grams.</p><p>First point.<br><br>Second point."
            "</p>")
    lines = [line.text for line in html_document("r.html", page).lines]
    assert lines == ["**Personal growth:** Before this lab I could not build a text classifier.",
                     "Next I want to try character n-grams.", "", "First point.", "",
                     "Second point."]


def test_an_html_table_laying_out_headed_lists_is_read_as_paragraphs():
    # A SWOT grid: each cell a heading over bullets. A data table's cell holds neither.
    cell = "<td><h2>{}</h2><ul><li>{} one.</li><li>{} two.</li></ul></td>"
    page = ("<table><tr>" + cell.format("Strengths", "Learned", "Learned") + cell.format(
        "Weaknesses", "Hard", "Hard") + "</tr></table><table><tr><td><p>epochs</p></td>"
        "<td>12</td></tr></table>")
    document = html_document("r.html", page)
    assert [s.title for s in document.sections()] == ["Strengths", "Weaknesses"]
    assert [line.text for line in document.lines if line.kind == "prose"] == [
        "- Learned one.", "- Learned two.", "- Hard one.", "- Hard two."]
    assert [line.text for line in document.lines if line.kind == "table"][0] == "| epochs | 12 |"


def test_a_google_docs_export_styled_by_class_has_its_title_and_bold_headings():
    page = ('<html><head><style type="text/css">.c1{font-weight:400;font-size:11pt}'
            '.c4{color:#000;font-weight:700;font-size:12pt}.title{font-size:26pt}</style>'
            '</head><body class="c7"><p class="title"><span class="c1">Lab 1 reflection</span>'
            '</p><p class="c3"><span class="c4">What I learned</span></p><p class="c3">'
            '<span class="c1">VGG16 got 7 of my 9 photos right.</span></p></body></html>')
    document = html_document("r.html", page)
    assert [section.title for section in document.sections()] == [
        "Lab 1 reflection", "What I learned"]
    assert document.lines[-1].text == "VGG16 got 7 of my 9 photos right."  # c1: not bold
    # the export is one line: its blocks are named by their order, not all "line 1"
    assert [line.where for line in document.lines if line.text] == [
        "r.html paragraph 1", "r.html paragraph 2", "r.html paragraph 3"]
    assert html_document("p.html", "<p>One.</p>\n<p>Two.</p>\n").lines[-1].where == \
        "p.html line 2"


def test_an_html_span_bold_by_its_own_style_is_a_heading_and_normal_weight_is_not():
    # Google Docs also writes the weight on the span itself: <span style="font-weight:700">
    page = ('<p class="c1"><span style="font-weight:700">What I learned</span></p>'
            '<p class="c1"><span style="font-weight:400">VGG16 got 7 of 9 right.</span></p>'
            '<p><span style="font-weight: bold">Difficulties</span></p><p>Slow download.</p>')
    document = html_document("r.html", page)
    assert [section.title for section in document.sections()] == ["What I learned",
                                                                  "Difficulties"]
    assert [line.text for line in document.lines if line.kind == "prose"] == [
        "VGG16 got 7 of 9 right.", "Slow download."]


def test_an_html_pre_block_keeps_its_rows():
    # a notebook's printed output in an HTML export: a program's output, one line a row, so a
    # printed table of errors counts its samples
    rows = "\n".join(f"{n:4d}  true=positive  pred=negative  a sentence number {n} ."
                     for n in range(10))
    page = (f"<div><pre>index  true  predicted  sentence\n{rows}\n</pre></div>"
            "<p>After the output.</p>")
    lines = [(line.kind, line.text) for line in html_document("r.html", page).lines
             if line.kind not in ("blank", "code")]  # the fences are code
    assert lines[0] == ("output", "index  true  predicted  sentence") and len(lines) == 12
    assert lines[-1] == ("prose", "After the output.")
    assert count_samples(html_document("r.html", page).lines, TRUTH)[0] == 10


def test_an_html_inline_quotation_is_quoted_and_its_samples_count():
    # <q> shows its quotation marks in a browser: samples quoted inline are samples.
    page = "<p>" + " ".join(f"<q>film number {i} was fine</q> is negative but was predicted "
                            f"positive ({i}0%)." for i in range(10)) + "</p>"
    document = html_document("r.html", page)
    assert "\u201cfilm number 0 was fine\u201d" in document.lines[0].text
    assert count_samples(document.lines, TRUTH)[0] == 10


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abhtdrlimgscp1:.|\n-*")), max_size=300))
def test_any_html_or_text_is_read_without_raising(text):
    document = html_document("r.html", text)
    plain = plain_document("r.txt", [text])
    for lines in (document.lines, plain.lines):
        count, first = count_samples(lines, TRUTH)
        assert 0 <= count <= len(lines)  # never more samples than lines
        assert (first is None) == (count == 0) and (first is None or first in lines)
        assert sample_lines(lines) <= {id(line) for line in lines}  # only lines it was given


LATEX_REPORT = r"""% main.tex of an Overleaf project
\documentclass{article}
\usepackage{booktabs}
\title{Lab 3: CNN on MNIST}
\begin{document}
\maketitle
\section{Results}
\paragraph{Setup.} Trained with \texttt{--epochs 12} on a laptop \cite{lecun1998}.
The test accuracy was \textbf{99.1\%}. % a comment: 12.3% is not the student's result
\begin{figure}[h]
\centering
\includegraphics[width=0.5\linewidth]{curves.png}
\caption{Training and validation loss
per epoch.}
\end{figure}
\begin{table}[h]
\caption{Misclassified digits.}
\begin{tabular}{lcc}
\toprule
image & true & predicted \\
\midrule
""" + "".join(f"test {i} & 4 & 9 \\\\\n" for i in range(10)) + r"""\bottomrule
\end{tabular}
\end{table}
\section*{Ideas}
\begin{itemize}
\item More epochs.
\end{itemize}
\begin{thebibliography}{9}
\bibitem{lecun1998} Y.~LeCun et al. Gradient-based learning. 1998.

\bibitem{simonyan2015}
K.~Simonyan, A.~Zisserman.
\newblock Very deep networks. ICLR 2015.
\end{thebibliography}
\end{document}
"""


def test_a_latex_source_reads_like_markdown():
    document = latex_document("main.tex", LATEX_REPORT)
    text = [line.text for line in document.lines]
    assert [s.title for s in document.sections()] == [
        "Lab 3: CNN on MNIST", "Results", "Ideas", "References"]
    assert "**Setup.** Trained with --epochs 12 on a laptop [lecun1998]." in text
    assert "The test accuracy was 99.1%." in text and not any("12.3" in t for t in text)
    assert "Figure 1: Training and validation loss per epoch." in text
    assert count_samples(document.lines, ("true", "predicted"))[0] == 10
    assert "- More epochs." in text
    assert any(t.startswith("- [lecun1998] Y. LeCun et al.") for t in text)
    assert "- [simonyan2015] K. Simonyan, A. Zisserman. Very deep networks. ICLR 2015." in text
    assert {image.target for image in document.images} >= {"curves.png"}
    assert document.lines[-1].where.startswith("main.tex line ")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\\{}[]$%&~^_#abcdeginmstu \n")), max_size=300))
def test_any_latex_is_read_without_raising(text):
    document = latex_document("r.tex", text)
    assert all(isinstance(line.text, str) for line in document.lines)


def test_a_tex_file_is_a_submission_of_its_own(tmp_path):
    path = tmp_path / "report.tex"
    path.write_text(LATEX_REPORT, encoding="utf-8")
    submission = read_submission("s01", path)
    assert not submission.warnings and submission.documents[0].format == "latex"


def test_an_html_image_named_by_number_is_labelled_by_the_heading_above_it():
    # Google Docs exports name its pictures image1.png, image2.png: a reader takes the one
    # under "Learning curves" for the learning curve. A named picture keeps its own name.
    page = ('<html><body><h2>Learning curves</h2><p>Both curves rise.</p>'
            '<p><span><img alt="" src="image1.png"></span></p>'
            '<h2>Confusion matrix and errors</h2><p><img src="image2.png"></p>'
            '<p><img alt="my digits" src="grid.png"></p></body></html>')
    images = html_document("r.html", page).images
    assert [image.label for image in images] == [
        "image1.png Learning curves", "image2.png Confusion matrix and errors",
        "my digits grid.png"]
    assert images[0].where != images[1].where  # each placed where it sits


def test_a_csv_the_student_made_is_a_table_titled_by_its_name(tmp_path):
    folder = tmp_path / "s01"
    (folder / "run").mkdir(parents=True)
    (folder / "README.md").write_text("# Lab 3\n\nThe errors are in misclassified.csv.\n")
    rows = "".join(f"test_{i},4,9\n" for i in range(12))
    (folder / "misclassified.csv").write_text("image,true_label,predicted\n" + rows)
    (folder / "run" / "record.json").write_text("{}")
    (folder / "run" / "predictions.csv").write_text("image,true_label,predicted\n" + rows)
    submission = read_submission("s01", folder)
    tables = [doc for doc in submission.documents if doc.path.endswith(".csv")]
    assert [doc.path for doc in tables] == ["misclassified.csv"]  # the run's CSV is the lab's
    assert [s.title for s in tables[0].sections()] == ["misclassified"]
    assert count_samples(tables[0].lines, TRUTH)[0] == 12
    assert tables[0].lines[-1].where == "misclassified.csv row 13"


def test_the_labs_errors_csv_handed_in_apart_from_its_run_shows_every_row(tmp_path):
    # Beside the report, the lab's errors.csv with some rows annotated: all twelve rows are
    # samples the student hands in; in a run's folder only the annotated ones are theirs.
    header = "text,true_label,predicted_label,confidence,error_type,fix_idea\n"
    rows = "".join(f"sentence {i},negative,positive,0.7,{'negation' if i < 5 else ''},"
                   f"{'bigrams' if i < 5 else ''}\n" for i in range(12))
    folder = tmp_path / "s02"
    (folder / "run").mkdir(parents=True)
    (folder / "report.md").write_text("# Lab 4\n\nMy errors are in errors.csv.\n")
    (folder / "errors.csv").write_text(header + rows)
    (folder / "run" / "record.json").write_text("{}")
    (folder / "run" / "errors.csv").write_text(header + rows)
    submission = read_submission("s02", folder)
    tables = {doc.path: doc for doc in submission.documents if doc.path.endswith(".csv")}
    assert count_samples(tables["errors.csv"].lines, TRUTH)[0] == 12
    assert count_samples(tables["run/errors.csv"].lines, TRUTH)[0] == 5
    assert len(submission.annotation_files["errors.csv"]) == 5


def test_plain_text_headings_and_what_is_not_one():
    text = ("Task and data:\nWe train.\n1. Introduction\nText.\nWhat I Think Is Going On\n"
            "x\n1. image 247: true 4, predicted 6\nTruth: positive\nIndex\tTrue class\tPred\n"
            "MLP WITH DROPOUT\n- **Epochs:** 5\nThe model is good.\n")
    headings = [line.text for line in plain_document("r.txt", [text]).lines
                if line.kind == "heading"]
    assert headings == ["Task and data:", "1. Introduction", "What I Think Is Going On",
                        "MLP WITH DROPOUT"]


def test_an_emails_header_lines_are_no_titles():
    text = ("From: Ana Lee <ana@example.edu>\nTo: Dr. Smith <smith@example.edu>\n"
            "Date: 3 May 2026\nSubject: Lab 2\n\nHi,\n\nResults:\nall good.\n")
    assert [line.text for line in plain_document("r.txt", [text]).lines
            if line.kind == "heading"] == ["Results:"]


def test_a_pdfs_paragraph_ends_at_a_short_line_closing_a_sentence():
    """A PDF's text has no blank lines: a line that closes a sentence well short of the
    page's width, before a capital, ends its paragraph."""
    full = "This is a line of prose that runs on to the full width of the page and"
    page = "\n".join([full, full, "goes on here.", "Challenges. The next one starts " + "x" * 30,
                      full, "ends in mid line, then a list.", "- not a capital after it.",
                      "a short line, left open", "and more words."])
    lines = plain_document("r.pdf", [page], "pdf").lines
    assert [line.kind for line in lines] == ["prose", "prose", "prose", "blank", "prose",
                                             "prose", "prose", "prose", "prose", "prose"]
    # plain text keeps its own blank lines; a page of two lines says nothing of its width
    assert "blank" not in [line.kind for line in plain_document("r.txt", [page]).lines]
    assert "blank" not in [line.kind for line in plain_document("r.pdf", ["Short.\nA"], "pdf"
                                                                ).lines]


def test_a_line_carrying_on_a_wrapped_sentence_is_no_title():
    # A PDF wraps "... classified as" / "negative (with its probability):": the second line
    # ends with a colon like a title, but it goes on with the sentence above it.
    text = ("Ten positive test sentences that the random-embedding model classified as\n"
            "negative (with its probability of negative):\n 1. a tedious film . (0.71)\n\n"
            "Some notes\nresults:\nall good.\n")
    lines = plain_document("r.pdf", [text], "pdf").lines
    assert [line.text for line in lines if line.kind == "heading"] == ["Some notes", "results:"]
    # Notes typed one statement a line, in plain text, keep their titles.
    notes = ("hardest digit = 9 (98.8% recall), mostly 9 read as 4 and 4 as 9, some 7s as 2s\n"
             "wrong ones i looked at:\n#1247 9 -> 5\n")
    assert [line.text for line in plain_document("r.txt", [notes]).lines
            if line.kind == "heading"] == ["wrong ones i looked at:"]


def test_a_line_closing_the_parenthesis_or_list_left_open_above_is_no_title():
    # "... got wrong (1 = positive," / "0 = negative):": the samples below belong to the
    # misclassified section, not to a section titled "0 = negative):"
    text = ("6. Misclassified sentences\n\nSentences the model got wrong (1 = positive,\n"
            "0 = negative):\n\nSentence: a dull film .\nPredicted Label: 1\n"
            "Actual Label: 0\n\nThe errors came in three groups,\nnegation and irony:\n\n"
            "Results:\nall good.\n")
    for name, form in (("r.txt", "text"), ("r.pdf", "pdf")):
        lines = plain_document(name, [text], form).lines
        assert [line.text for line in lines if line.kind == "heading"] == [
            "6. Misclassified sentences", "Results:"]


def test_a_pdf_tables_cells_wrapped_over_lines_are_no_titles():
    # A matplotlib PDF's table: each cell's second line carries on its first ("Full
    # fine-tuning" / "(reported model)"), a cell ends with "+", a row is numbers and a unit.
    page = ("4  Results\nOur score is below the published ones.\nVariant Validation acc.\n"
            "Full fine-tuning\n(reported model)\n88.4% 89.1% 241 s 22.7 M\n"
            "Full fine-tuning +\nMLP head\n88.5% 88.9% 226 s 22.8 M\n"
            "MiniLM-L6-H384, published\n(Wang et al. 2020, GLUE dev)\n91.5 - - 22.7 M\n"
            "5  Error analysis\nThe errors are mostly negations.\n")
    lines = plain_document("r.pdf", [page], "pdf").lines
    assert [line.text for line in lines if line.kind == "heading"] == [
        "4  Results", "5  Error analysis"]
    # in plain text, a title keeps its place; a command wrapped with "\\" carries on
    text = "Results\nall good.\n\npython -m labs.lab06 \\\n  --quick\n"
    assert [line.text for line in plain_document("r.txt", [text]).lines
            if line.kind == "heading"] == ["Results"]


def test_an_underlined_title_is_a_heading_and_a_tables_rule_is_not():
    text = ("misclassified sentences\n-----------------------\nnot bad ==> model: neg\n\n"
            "ideas\n=====\nkeep negations out of the stop words.\n\n"
            "model     acc\n--------------\nlr        80.1\n\n- item\n---\n")
    for lines in (plain_document("r.txt", [text]).lines,
                  parse_markdown(text, lambda n: f"r.md:{n}")[0]):
        headings = [line.text for line in lines if line.kind == "heading"]
        assert headings == ["misclassified sentences", "ideas"]
        assert not any(set(line.text.strip()) <= {"-", "="} and line.kind == "prose"
                       for line in lines[:7])  # the underlines are no text of the student's
    # In Markdown a rule under a "#" title leaves the title as it is.
    title = parse_markdown("# Lab 3\n---\ntext\n", lambda n: f"r.md:{n}")[0][0]
    assert (title.text, title.level) == ("Lab 3", 1)
    # In plain text a rule under a paragraph's last line separates: that line is no title.
    export = ("Exported by Dan, handed in as my reflection\n(I removed a GIF.)\n" + "-" * 40
              + "\n\nThanks\n-----\n")
    lines = plain_document("r.txt", [export]).lines
    assert [line.text for line in lines if line.kind == "heading"] == ["Thanks"]


def test_samples_as_lists_and_labelled_blocks_count_like_table_rows():
    numbered = "\n".join(f'{i}. "sentence {i}" - true label: pos, predicted: neg'
                         for i in range(1, 11))
    blocks = "\n\n".join(f'Review: "s{i}"\nModel said: neg\nGold label: pos' for i in range(9))
    for text, expected in ((numbered, 10), (blocks, 9)):
        lines = plain_document("r.txt", [text]).lines
        assert count_samples(lines, TRUTH)[0] == expected
        assert len(sample_lines(lines)) == (10 if expected == 10 else 27)


def test_numbered_samples_given_inline_as_arrows_count_and_class_pairs_do_not():
    shown = ("Figure 4. Misclassified test images, true \u2192 predicted: " + ", ".join(
        f"#{4000 + i} Shirt \u2192 T-shirt/top (0.9)" for i in range(12)) + ".")
    pairs = "The confusions (true -> predicted): " + ", ".join(
        f"{i} -> {9 - i} ({i + 3} times)" for i in range(10)) + "."
    assert count_samples(plain_document("r.txt", [shown]).lines, TRUTH)[0] == 12
    assert count_samples(plain_document("r.txt", [pairs]).lines, TRUTH)[0] == 0


def test_a_bracket_pointing_to_another_lab_is_no_label_of_a_sample():
    ideas = "- Use a better model like BERT (lab 6).\n- Keep the negations in the list.\n"
    lines = plain_document("r.txt", [ideas]).lines
    assert not sample_lines(lines)  # the student's ideas, not a shown sample
    shown = "- the model said (negative) for a positive review\n"
    assert sample_lines(plain_document("r.txt", [shown]).lines)


def test_a_numbered_answer_naming_a_prediction_is_no_sample_shown():
    # One long numbered answer that speaks of a false negative ("a bad review predicted
    # positive") is the student's reasoning; a short one showing a sample is a sample.
    answer = ("3. I would use the same fine-tuning on my restaurant reviews, because the "
              "negation problem is much smaller here. For a restaurant a false negative (a bad "
              "review predicted positive) costs more than a false positive, because the owner "
              "does not see the complaint, so I would move the threshold for more recall.\n")
    assert not sample_lines(plain_document("r.txt", [answer]).lines)
    shown = "3. the acting is not bad (predicted negative, true positive)\n"
    assert sample_lines(plain_document("r.txt", [shown]).lines)


def test_labelled_sample_blocks_with_capitalised_values_in_plain_text_count():
    # "Predicted: T-shirt/top" and "Actual: Shirt" are a sample's values, not titles: each
    # block of three lines is one misclassified sample.
    blocks = "\n".join(f"Image: {4000 + i}\nPredicted: T-shirt/top\nActual: Shirt\n"
                       for i in range(10))
    lines = plain_document("r.txt", ["Some misclassified images:\n\n" + blocks]).lines
    assert [line.text for line in lines if line.kind == "heading"] == ["Some misclassified images:"]
    assert count_samples(lines, TRUTH)[0] == 10
    assert plain_document("r.txt", ["Results:\n"]).lines[0].kind == "heading"


def test_numbers_in_words_stems_and_synonyms():
    assert count_numbers(plain_document("r", ["about four points below, 0.87 and 12%"]).lines) \
        == 3
    assert mentions("The example reports 99%", "reported")
    assert mentions("Possible improvements", "improve")
    assert mentions("two dense layers", "layer") and not mentions("a player", "layer")
    hypothesis = RUBRIC.by_id["misclassified"].requirements[0].text
    assert "incorrect" in hypothesis.headings  # from the rubric's [synonyms] table


def test_a_long_keyword_is_found_misspelt_by_one_letter():
    # a student with dyslexia: "bacause", "hypthesis", "valdation", "overfiting"
    assert mentions("bacause it looks at every pixle", "because")
    assert mentions("it is becuase of the stop words", "because")  # two letters swapped
    assert mentions("My hypthesis is that", "hypothes")  # a prefix keyword, misspelt
    assert mentions("the valdation loss goes up", "validation")
    # short keywords, other words and other endings are not misspellings
    assert not mentions("an expert", "expect") and not mentions("a cause", "because")
    assert not mentions("hypothetical numbers", "hypotheses")
    assert not mentions("the learning rate", "training")


def test_a_plan_a_guess_and_a_dataset_name_report_no_numbers():
    def numbers(*text):
        return count_numbers(plain_document("r.md", ["\n".join(text)]).lines)

    assert numbers("What I'll report for each run: test accuracy and 10+ misclassified",
                   "sentences. My guess before running: maybe 82-84% for the best one.") == 0
    assert numbers("Test accuracy on SST-2 was 81.2%; next I will train for 20 epochs.") == 1
    assert numbers("Top-5 accuracy on the GPT-2 features: 71%.") == 1
    # The same sentence with a result before the plan still reports its result.
    assert numbers("I reached 91.2% and next I will try a dropout of 0.5.") == 1
    # A year is a date, no result of a reflection's (a report's citation year stands beside
    # its published score); a count of steps or images stays one.
    def own(text):
        return count_numbers(plain_document("r.md", [text]).lines, years=False)

    assert own("Pretty cool that a model from 2014 still recognises my photos.") == 0
    assert numbers("Pretty cool that a model from 2014 still recognises my photos.") == 1
    assert own("The paper (Tai et al., 2015) got 84.9 and Kim (2014) 88.1.") == 2
    assert own("I trained in 2000 steps on 2012 photos.") == 2
    # "the worst of the three" names runs already counted; "three points below" reports
    assert numbers("The frozen run was the worst of the three, all three took long.") == 0
    assert numbers("The frozen run was three points below the others.") == 1


def test_a_bold_list_item_over_nested_items_is_their_heading():
    text = ("- **Insights**\n  - I did not know how much VGG16 depends on preprocessing.\n"
            "- **Growth**\n\n  - I can load a pretrained model now.\n"
            "- **Adam**\n- **SGD**: slower\n")
    lines, _ = parse_markdown(text, str)
    assert [(line.text, line.kind) for line in lines if line.kind == "heading"] == [
        ("Insights", "heading"), ("Growth", "heading")]
    # A bold item with no items nested under it is an item of the list, not a heading.
    assert [line.text for line in lines][-2:] == ["- **Adam**", "- **SGD**: slower"]


def test_a_long_question_set_in_bold_on_its_own_line_is_a_heading():
    text = ("**2. What was hard, and what did I do about it?**\n\nThe lemmatizer crashed.\n\n"
            "**This line in bold is a sentence of more than ten words, not a title.**\n")
    lines, _ = parse_markdown(text, str)
    assert [line.text for line in lines if line.kind == "heading"] == [
        "2. What was hard, and what did I do about it?"]


def test_a_bold_sentence_stating_a_result_is_prose_not_a_title():
    text = "**Keras network: 78.8% test accuracy.**\n\n**Lab 3.**\n\n**Results: 98.9%**\n"
    lines, _ = parse_markdown(text, str)
    assert [(line.kind, line.text) for line in lines if line.kind != "blank"] == [
        ("prose", "**Keras network: 78.8% test accuracy.**"), ("heading", "Lab 3."),
        ("heading", "Results: 98.9%")]


def test_rubric_synonyms_are_checked(tmp_path):
    text = (RUBRIC.path.read_text(encoding="utf-8")
            .replace('misclassif = ["incorrect"', 'misclassif = [3, "incorrect"'))
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CourseError, match="synonyms"):
        load_rubric(tmp_path / "bad.toml")


def test_the_rubric_and_the_course_prompts_are_not_the_students_words(tmp_path):
    sentences = course_fingerprint(RUBRIC)
    title = RUBRIC.by_id["hypothesis"].title
    assert is_course_text(f"- {title} (1 point)", sentences)
    assert is_course_text("- **Errors and classes.** Which classes have the lowest accuracy in "
                          "the per-class figure, and which pairs dominate the confusion matrix? "
                          "Look at the misclassified grid: are these mistakes a human would "
                          "make too?", sentences)
    assert not is_course_text("My hypothesis is that shirts look like coats.", sentences)
    pasted = "\n".join(f"- {c.title}: " + "; ".join(r.what for r in c.requirements)
                       for c in RUBRIC.criteria)
    (tmp_path / "bob.md").write_text("# Report\n" + pasted + "\n", encoding="utf-8")
    grade = assess(read_submission("bob", tmp_path / "bob.md"), RUBRIC)
    assert grade.total == 0


def test_an_off_topic_report_earns_nothing_from_its_text(tmp_path):
    essay = ("Introduction:\nCoffee reached Europe in 1650 because traders brought it; it was "
             "probably popular since the business model was simple and people could test "
             "the market.\n\nSources:\nEllis, M. (2004). The Coffee House. London.\n")
    (tmp_path / "eve.txt").write_text(essay * 3, encoding="utf-8")
    grade = assess(read_submission("eve", tmp_path / "eve.txt"), RUBRIC)
    assert grade.total == 0
    assert grade.result("references").status == MISSING
    # Flagged whichever way the topic was judged (by meaning, or by the rubric's words).
    assert any(NOT_THIS_ASSIGNMENT in warning for warning in grade.warnings)


# n-grams, stop words and word order fix a bag of words' errors, as augmentation fixes a
# CNN's: the rubric's list of ideas names the text labs' too; "a newer model like
# EfficientNet or ConvNeXt" names the modelling change it proposes, as "a deeper network"
# does; "a newer and better model" names none.
IDEAS = [
    ("lab04_bag_of_words", "Lab 4 bag of words\n\nideas\n-----\nkeep negations out of the "
     "stop word list, and maybe trigrams; a model that reads the words in order should do "
     "better.\n", True),
    ("lab01_vgg16_inference", "# Lab 1 VGG16\n\n## Improvements\n\nMaybe a newer model like "
     "EfficientNet or ConvNeXt would do better, and more photos would give a better "
     "estimate.\n", True),
    ("lab01_vgg16_inference", "# Lab 1 VGG16\n\n## Improvements\n\nMaybe a newer and better "
     "model would do better, and more photos would give a better estimate of it.\n", False),
    # ideas are listed tersely: six words of the student's carry one, three do not
    ("lab02_mlp_dropout", "# Lab 2 MLP\n\n## Improvements\n\nUse a CNN instead (lab 3).\n",
     True),
    ("lab02_mlp_dropout", "# Lab 2 MLP\n\n## Improvements\n\nUse a CNN.\n", False),
]


@pytest.mark.parametrize("lab, text, idea", IDEAS)
def test_ideas_in_the_students_own_words_are_improvements(tmp_path, lab, text, idea):
    (tmp_path / "kim.txt").write_text(text, encoding="utf-8")
    grade = assess(read_submission("kim", tmp_path / "kim.txt"), RUBRIC, lab=lab)
    improvements = grade.result("improvements")
    assert (improvements.status == MET) == idea, improvements.evidence


def test_a_short_report_on_the_lab_is_still_graded(tmp_path):
    (tmp_path / "sam.md").write_text("# Lab 3\nI trained a CNN.\n## Results\nThe accuracy was "
                                     "0.90 on the test set.\n", encoding="utf-8")
    grade = assess(read_submission("sam", tmp_path / "sam.md"), RUBRIC)
    assert grade.result("metrics").status == MET


def test_a_failed_run_is_not_rescued_by_the_reports_text(tmp_path):
    from toolkit.grading.samples import synthetic_record, write_run_folder

    record = synthetic_record(4)
    record["status"] = "failed"
    run = write_run_folder(tmp_path / "sub" / "run", record)
    (run.parent / "notes.md").write_text("# Results\nTest accuracy 0.91.\n", encoding="utf-8")
    runs = assess(read_submission("fay", run.parent), RUBRIC).result("runs")
    assert runs.requirements[0].status == MISSING and runs.points <= 1
    (tmp_path / "gus.md").write_text("# Results\nTest accuracy 0.91.\n", encoding="utf-8")
    assert assess(read_submission("gus", tmp_path / "gus.md"), RUBRIC) \
        .result("runs").requirements[0].status == MET


def test_an_html_definition_list_labels_each_answer_with_its_term():
    page = ("<h2>Growth</h2><dl><dt>Before / after</dt><dd>I can now fine-tune BERT.</dd>"
            "<dt>Next</dt><dd>Distillation.</dd><dt>Left empty</dt></dl><h2>Doubts</h2>")
    lines = [(line.kind, line.text) for line in html_document("r.html", page).lines
             if line.kind != "blank"]
    assert lines == [("heading", "Growth"), ("prose", "**Before / after:** I can now fine-tune "
                                                     "BERT."),
                     ("prose", "**Next:** Distillation."), ("heading", "Left empty"),
                     ("heading", "Doubts")]


ORG_NOTES = """#+TITLE: reflections
#+AUTHOR: A Student

* Lab 3 -- convnets on MNIST
** What stuck
Conv layers share their filters over the image.
- a list item stays a list item
** TODO Where I'd use it

* Lab 5 -- GloVe + LSTM
** Doubts
one seed only.
"""


def test_an_org_mode_outline_is_read_by_its_stars():
    document = plain_document("notes.txt", [ORG_NOTES])
    headings = [(line.text, line.level) for line in document.lines if line.kind == "heading"]
    assert headings == [("Lab 3 -- convnets on MNIST", 1), ("What stuck", 2),
                        ("Where I'd use it", 2), ("Lab 5 -- GloVe + LSTM", 1), ("Doubts", 2)]
    assert [line.kind for line in document.lines[:2]] == ["code", "code"]  # its settings
    # without an Org sign ("** " or "#+TITLE:") a "* " line is a list item, as before
    plain = plain_document("notes.txt", ["* Lab 3 notes\nConv layers share filters.\n"])
    assert not any(line.kind == "heading" and line.level == 1 for line in plain.lines)


def test_a_table_of_values_per_lab_is_a_table_not_a_section_per_lab():
    values = ("| | lab 4 (best: TF-IDF + NB) | lab 5 LSTM |\n|---|---|---|\n"
              "| optimiser | - | Adam 1e-3, batch 64 |\n| seed | 42 | 42 |\n")
    lines, _ = parse_markdown(values, lambda n: f"r.md:{n}")
    assert [line.kind for line in lines if line.text] == ["table"] * 4
    answers = ("| | Lab 2 | Lab 3 |\n|---|---|---|\n"
               "| Insights | Dropout closed the gap between my training and validation curves "
               "at 0.2 | Weight sharing lets the small CNN beat my MLP with far fewer weights |\n")
    lines, _ = parse_markdown(answers, lambda n: f"r.md:{n}")
    assert [line.text for line in lines if line.kind == "heading"] == ["Lab 2", "Lab 3"]


def test_a_psql_style_table_in_plain_text_is_a_table_of_samples():
    rows = "\n".join(f"  {4000 + i} | Shirt       | T-shirt/top | 0.9{i}" for i in range(10))
    text = ("Misclassified test images\n\n  idx  |    true     |  predicted  | conf\n"
            "-------+-------------+-------------+------\n" + rows + "\n(10 rows)\n")
    document = plain_document("report.txt", [text])
    assert count_samples(document.lines, ("true", "predicted"))[0] == 10
    assert document.lines[3].where == "report.txt:4"  # each line keeps its number
    assert "(10 rows)" in [line.text for line in document.lines]


def test_a_grid_table_in_plain_text_is_a_table_of_samples_with_its_wrapped_rows_joined():
    rule = "+----+--------------------------------+------+------+"
    rows = [f"| {i:<2} | {'a thin , forgettable film .':<30} | neg  | pos  |" for i in range(9)]
    wrapped = ["| 9  | the plot is nothing special , but | pos  | neg  |",
               "|    | the acting is superb .            |      |      |"]
    text = "\n".join(["5. MISCLASSIFIED TEST SENTENCES (naive Bayes)",
                      "---------------------------------------------", "", rule,
                      "| #  | sentence                       | true | pred |", rule, *rows,
                      *wrapped, rule, "", "Most of them turn on a negation."])
    document = plain_document("report.txt", [text])
    assert count_samples(document.lines, ("true", "pred"))[0] == 10
    joined = [line.text for line in document.lines if "acting is superb" in line.text]
    assert joined == ["| 9 | the plot is nothing special , but the acting is superb . | pos | neg |"]
    assert document.lines[5].where == "report.txt:6"  # each line keeps its number
    # the numbered title over a rule of its own length is a section's title, no list item
    assert document.lines[0].kind == "heading"
    assert document.lines[0].text.startswith("5. MISCLASSIFIED")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["+----+-----+", "+====+=====+", "| a  | b   |", "|    | c   |",
                                 "| x | y | z |", "+--+", "text", "", "| lone |"]), max_size=20))
def test_grid_tables_keep_every_line_and_never_fail(rows):
    found = grid_tables(rows)
    assert len(found) == len(rows)  # every line keeps its number
    assert all(new == old for new, old in zip(found, rows, strict=True)
               if not old.startswith(("+", "|")))  # only a grid's lines change


def test_a_tab_or_comma_separated_block_in_a_code_fence_is_a_table_of_samples():
    rows = "\n".join(f"{i}\tit 's not a great movie .\tnegative\tpositive\t0.9" for i in range(12))
    tsv = f"## Errors\n\n```tsv\nid\ttext\tgold\tpred\tprob\n{rows}\n```\n"
    lines, _ = parse_markdown(tsv, lambda n: f"r.md:{n}")
    assert count_samples(lines, TRUTH)[0] == 12
    csv_rows = "\n".join(f'{i},"flat, and dull",negative,positive' for i in range(11))
    lines, _ = parse_markdown(f"```csv\nidx,text,true label,predicted\n{csv_rows}\n```\n",
                              lambda n: f"r.md:{n}")
    assert count_samples(lines, TRUTH)[0] == 11
    # what a program printed is read as output; code stays code
    lines, _ = parse_markdown("```text\ntest accuracy 0.9187\n```\n```python\nx = 1\n```\n",
                              lambda n: f"r.md:{n}")
    assert [line.kind for line in lines] == ["code", "output", "code", "code", "code", "code"]


def test_an_e_mail_reply_answers_under_the_quoted_questions_which_are_not_its_words():
    reply = ("Hi Hannah,\n\nanswers inline.\n\n> On Tue, 8 Dec 2026, Hannah wrote:\n>\n"
             "> Lab 1 (VGG16):\n> 1. What did you learn?\n\nThat preprocessing matters.\n\n"
             "> 2. What was hard?\n\n> And please answer the lab 4 questions, I don't have them"
             " yet.\n> Best,\n> Hannah\n")
    document = plain_document("mail.txt", [reply])
    headings = [line.text for line in document.lines if line.kind == "heading"]
    assert headings == ["Lab 1 (VGG16):", "1. What did you learn?", "2. What was hard?"]
    quoted = [line.text for line in document.lines if line.kind == "quote"]
    assert quoted[0] == "> On Tue, 8 Dec 2026, Hannah wrote:" and "> Hannah" in quoted
    assert all(line.kind != "prose" for line in document.lines if line.text.startswith(">"))


def test_a_forms_export_reads_a_part_per_lab_row_under_its_questions(tmp_path):
    # A survey's CSV: the time and the e-mail first, the lab in a later column, then one long
    # question per column. Each row is a lab's part; each answer sits under its question as a
    # heading (a question this long, numbered, is no run-in label; one such column makes
    # every column's title a heading, so no answer runs on under another's).
    header = ('Timestamp,Email address,Which lab is this about?,"1. Learning insights: what '
              'did this lab teach you? Please refer to your run (numbers!)",Challenges\n')
    rows = ('2026/12/05 11:42 PM,a@b.edu,Lab 2 - MLP with dropout,"Without dropout the '
            'validation loss rose after epoch 2.",The sweep took 9 minutes.\n'
            '2026/12/11 09:15 PM,a@b.edu,Lab 3 - CNN,Filters are shared over the image.,\n')
    (tmp_path / "form.csv").write_text(header + rows, encoding="utf-8")
    document = read_submission("s", tmp_path / "form.csv").documents[0]
    lines = [(line.kind, line.text) for line in answer_tables(list(document.lines))
             if line.kind != "blank"][1:]
    assert lines == [
        ("heading", "Lab 2 - MLP with dropout"),
        ("heading", "1. Learning insights: what did this lab teach you? Please refer to your "
                    "run (numbers!)"),
        ("prose", "Without dropout the validation loss rose after epoch 2."),
        ("heading", "Challenges"), ("prose", "The sweep took 9 minutes."),
        ("heading", "Lab 3 - CNN"),
        ("heading", "1. Learning insights: what did this lab teach you? Please refer to your "
                    "run (numbers!)"),
        ("prose", "Filters are shared over the image.")]
    # a form of one answer: its one row is its lab's part
    (tmp_path / "one.csv").write_text(header + rows.splitlines()[0] + "\n", encoding="utf-8")
    document = read_submission("s", tmp_path / "one.csv").documents[0]
    texts = [line.text for line in answer_tables(list(document.lines)) if line.text]
    assert texts[1:3] == ["Lab 2 - MLP with dropout", "1. Learning insights: what did this lab "
                          "teach you? Please refer to your run (numbers!)"]
