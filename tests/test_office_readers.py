"""LibreOffice (.odt), PowerPoint (.pptx), Rich Text (.rtf) and Excel (.xlsx) files read like
Markdown.
The files are built here; broken and oversized ones are refused with a reason."""

from __future__ import annotations

import io
import zipfile

import pytest

from toolkit.grading.odt_reader import OdtError, odp_document, odt_document
from toolkit.grading.office_package import MAX_UNPACKED_BYTES, MarkdownBlocks
from toolkit.grading.pptx_reader import PptxError, pptx_document
from toolkit.grading.rtf_reader import RtfError, rtf_document
from toolkit.grading.sample_lists import count_samples
from toolkit.grading.submissions import read_submission
from toolkit.grading.xlsx_reader import XlsxError, xlsx_document

TRUTH = ("true", "truth", "label", "actual", "gold")
_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"')


def _odt_bytes(body: str, styles: str = "") -> bytes:
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NAMESPACES} '
               f'office:version="1.3">\n <office:automatic-styles>{styles}'
               f'</office:automatic-styles>\n <office:body>\n  <office:text>{body}'
               f'</office:text>\n </office:body>\n</office:document-content>')  # indented
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>'))
    return buffer.getvalue()


_BOLD = ('<style:style style:name="T1" style:family="text"><style:text-properties '
         'fo:font-weight="bold"/></style:style><style:style style:name="P1" '
         'style:family="paragraph"><style:text-properties fo:font-weight="bold" '
         'fo:font-size="14pt"/></style:style>')


def test_an_odt_reads_like_markdown_with_its_headings_labels_tables_and_pictures():
    rows = "".join(f"<table:table-row><table:table-cell><text:p>{i}</text:p></table:table-cell>"
                   f"<table:table-cell><text:p>cat</text:p></table:table-cell><table:table-cell>"
                   f"<text:p>dog</text:p></table:table-cell></table:table-row>" for i in range(11))
    body = (
        '<text:h text:outline-level="1">Lab 2: MLP with dropout</text:h>'
        '<text:p><text:span text:style-name="T1">Insights:</text:span> dropout<text:s/>closed '
        'the gap<office:annotation><dc:creator>Tutor</dc:creator><text:p>Which rate?</text:p>'
        '</office:annotation>.</text:p>'
        '<text:p text:style-name="P1">Misclassified samples</text:p>'
        '<table:table><table:table-row><table:table-cell><text:p>index</text:p></table:table-cell>'
        '<table:table-cell><text:p>true label</text:p></table:table-cell><table:table-cell>'
        f'<text:p>predicted</text:p></table:table-cell></table:table-row>{rows}</table:table>'
        '<text:list><text:list-item><text:p>Augment the data</text:p></text:list-item></text:list>'
        '<text:p><draw:frame draw:name="Image1"><draw:image xlink:href="Pictures/c.png"/>'
        '<svg:desc>learning curves</svg:desc></draw:frame></text:p>'
        '<text:p>Figure 1: loss per epoch.</text:p>')
    document = odt_document("r.odt", _odt_bytes(body, _BOLD))
    assert [s.title for s in document.sections()] == ["Lab 2: MLP with dropout",
                                                        "Misclassified samples"]
    texts = [line.text for line in document.lines]
    # the bold run-in label stays a label; the tutor's comment is not the student's text
    assert "**Insights:** dropout closed the gap." in texts
    assert not any("Which rate" in text for text in texts)
    assert count_samples(document.lines, TRUTH)[0] == 11
    assert "- Augment the data" in texts
    assert any("learning curves" in image.label and "loss per epoch" in image.label
               for image in document.images)
    assert document.lines[0].where == "r.odt paragraph 1"


def test_a_pptx_deck_reads_slide_by_slide_with_bullets_tables_pictures_and_notes():
    from PIL import Image
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = "Lab 3: a CNN on MNIST"
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Setup"
    frame = slide.placeholders[1].text_frame
    frame.text = "MNIST, 60,000 training images"
    nested = frame.add_paragraph()
    nested.text, nested.level = "batch size 128", 1
    slide.notes_slide.notes_text_frame.text = "I ran it on my laptop's CPU."
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Errors"
    table = slide.shapes.add_table(12, 3, Inches(1), Inches(2), Inches(6), Inches(4)).table
    for row, (index, true, predicted) in enumerate([("index", "true", "predicted")] + [
            (str(i), "4", "9") for i in range(11)]):
        for column, text in enumerate((index, true, predicted)):
            table.cell(row, column).text = text
    picture = io.BytesIO()
    Image.new("L", (4, 4)).save(picture, "PNG")
    picture.seek(0)
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Curves"
    slide.shapes.add_picture(picture, Inches(1), Inches(2))
    caption = slide.shapes.add_textbox(Inches(1), Inches(6), Inches(4), Inches(1))
    caption.text_frame.text = "Figure 1: training and validation loss"
    buffer = io.BytesIO()
    deck.save(buffer)
    document = pptx_document("deck.pptx", buffer.getvalue())
    titles = [(s.heading.text, s.heading.level) for s in document.sections() if s.heading]
    assert titles[0] == ("Lab 3: a CNN on MNIST", 1)
    assert ("Setup", 2) in titles and ("Errors", 2) in titles and ("Curves", 2) in titles
    texts = [line.text for line in document.lines]
    assert "  - batch size 128" in texts
    # a text frame's bullets are one list, as they are one block on the slide
    first = texts.index("  - batch size 128") - 1
    assert document.lines[first].where == "deck.pptx slide 2" and texts[first] != ""
    assert "I ran it on my laptop's CPU." in texts
    assert count_samples(document.lines, TRUTH)[0] == 11
    assert any("training and validation loss" in image.label and "(picture)" in image.where
               for image in document.images)
    assert any(line.where == "deck.pptx slide 2 notes" for line in document.lines)


def test_a_pictures_label_holds_the_line_introducing_it_and_the_caption_after_it():
    blocks = MarkdownBlocks("r.docx")
    blocks.add("Grad-CAM for the two wrong photos:", "r.docx paragraph 1")
    blocks.add_picture("")
    blocks.add("The heat map sits on the flower itself.", "r.docx paragraph 3")
    blocks.add("Results", "r.docx paragraph 4")
    blocks.add_picture("chart")
    blocks.add("Accuracy per class, as a bar chart.", "r.docx paragraph 6")
    first, second = blocks.document("docx").images
    assert first.label.startswith("Grad-CAM for the two wrong photos: The heat map")
    # a line that does not end with a colon is a heading or a sentence of its own
    assert second.label == "chart Accuracy per class, as a bar chart."


def test_a_picture_named_by_a_hash_is_named_by_the_heading_above_it_and_its_caption():
    # LibreOffice names a pasted picture "Pictures/B6FE0954EFE748BA800D7305657A02FB.png": that
    # says nothing, so the slide's title names it, even with a caption beside it
    blocks = MarkdownBlocks("r.odp")
    blocks.add("## Training curves", "r.odp slide 4")
    blocks.add_picture("B6FE0954EFE748BA800D7305657A02FB.png")
    blocks.add("epoch 1: train acc 81.2%, val acc 86.9%", "r.odp slide 4")
    blocks.add("## Results", "r.odp slide 5")
    blocks.add_picture("accuracy_per_class.png")
    blocks.add("Accuracy per class.", "r.odp slide 5")
    first, second = blocks.document("odp").images
    assert first.label == ("B6FE0954EFE748BA800D7305657A02FB.png Training curves epoch 1: "
                           "train acc 81.2%, val acc 86.9%")
    assert second.label == "accuracy_per_class.png Accuracy per class."  # its name says it
    # a caption names a picture whose name says nothing: the heading above is not its name
    blocks = MarkdownBlocks("r.docx")
    blocks.add("## First run: what went wrong", "r.docx paragraph 1")
    blocks.add_picture("image1.png")
    blocks.add("Figure 1: run 1, loss and accuracy per epoch", "r.docx paragraph 3")
    [image] = [image for image in blocks.document("docx").images
               if image.where.endswith("(picture)")]
    assert image.label == "image1.png Figure 1: run 1, loss and accuracy per epoch"


def test_an_rtf_file_reads_as_plain_text_with_its_tables():
    source = (r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}"
              "\n{\\pard\\b Results\\b0\\par}\n{\\pard\\b Insights:\\b0  TF-IDF beat counts by "
              "0.4 points \\u8211? caf\\'e9.\\par}\n"
              "\\trowd\\cellx2000\\cellx4000 model\\cell dev accuracy\\cell\\row\n"
              "\\trowd\\cellx2000\\cellx4000 logistic regression\\cell 81.8%\\cell\\row\n}")
    document = rtf_document("r.rtf", source)
    kinds = [(line.kind, line.text) for line in document.lines if line.kind != "blank"]
    assert kinds == [("heading", "Results"),
                     ("prose", "Insights: TF-IDF beat counts by 0.4 points – café."),
                     ("table", "| model | dev accuracy |"), ("table", "|---|---|"),
                     ("table", "| logistic regression | 81.8% |")]
    # a table of errors is counted like a Markdown one: its first row is the header
    rows = "".join(f"\\trowd\\cellx1\\cellx2 {i}\\cell cat\\cell dog\\cell\\row\n"
                   for i in range(10))
    errors = rtf_document("e.rtf", "{\\rtf1\\ansi\n\\trowd\\cellx1\\cellx2 index\\cell true"
                          f"\\cell predicted\\cell\\row\n{rows}}}")
    assert count_samples(errors.lines, TRUTH)[0] == 10
    with pytest.raises(RtfError, match="rtf"):
        rtf_document("r.rtf", "just text, saved with the wrong name")


@pytest.mark.parametrize(("reader", "error", "kind"), [
    (odt_document, OdtError, ".odt"), (odp_document, OdtError, ".odp"),
    (pptx_document, PptxError, ".pptx"), (xlsx_document, XlsxError, ".xlsx")])
def test_broken_and_oversized_office_files_are_refused_with_a_reason(reader, error, kind):
    with pytest.raises(error, match=f"not a {kind}"):
        reader(f"r{kind}", b"PK\x03\x04 not really a zip")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("content.xml", b"0" * (MAX_UNPACKED_BYTES + 1))
    with pytest.raises(error, match="unpacks to"):
        reader(f"r{kind}", bomb.getvalue())
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "no office parts")
    with pytest.raises(error, match="cannot open it"):
        reader(f"r{kind}", empty.getvalue())


def _odp_bytes() -> bytes:
    """A LibreOffice Impress deck: a title slide, a slide of bullets with a speaker note."""
    from odf import draw, presentation, style, text
    from odf.opendocument import OpenDocumentPresentation

    deck = OpenDocumentPresentation()
    layout = style.PageLayout(name="PM1")
    deck.automaticstyles.addElement(layout)
    deck.masterstyles.addElement(style.MasterPage(name="Default", pagelayoutname=layout))

    def frame_of(kind: str):  # odfpy takes the presentation's class only as a namespaced name
        frame = draw.Frame(width="20cm", height="5cm", x="1cm", y="1cm")
        frame.setAttrNS(presentation.PRESENTATIONNS, "class", kind)
        return frame

    def slide(title: str, bullets: list[str], note: str = "") -> None:
        page = draw.Page(masterpagename="Default")
        frame = frame_of("title")
        box = draw.TextBox()
        box.addElement(text.P(text=title))
        frame.addElement(box)
        page.addElement(frame)
        outline = frame_of("outline")
        box = draw.TextBox()
        items = text.List()
        for bullet in bullets:
            item = text.ListItem()
            item.addElement(text.P(text=bullet))
            items.addElement(item)
        box.addElement(items)
        outline.addElement(box)
        page.addElement(outline)
        if note:
            notes = presentation.Notes()
            frame = frame_of("notes")
            box = draw.TextBox()
            box.addElement(text.P(text=note))
            frame.addElement(box)
            notes.addElement(frame)
            page.addElement(notes)
        deck.presentation.addElement(page)

    slide("Reflection: labs 1 and 4", ["Aylin Demir"])
    slide("Lab 4 - Bag of words", ["TF-IDF with bigrams: 82.0% on test",
                                   "Removing stop words hurt: it drops 'not'"],
          note="I would check whether one point of accuracy is more than noise.")
    # a slide made by hand, with no placeholders: its first short line is its title
    page = draw.Page(masterpagename="Default")
    for line in ("Learning curves", "Validation loss levels off after epoch 8."):
        frame, box = draw.Frame(width="20cm", height="2cm", x="1cm", y="1cm"), draw.TextBox()
        box.addElement(text.P(text=line))
        frame.addElement(box)
        page.addElement(frame)
    picture = draw.Frame(width="10cm", height="8cm", x="1cm", y="4cm", name="curves.png")
    picture.addElement(draw.Image(href=deck.addPicture("curves.png", "image/png", b"\x89PNG")))
    page.addElement(picture)
    deck.presentation.addElement(page)
    buffer = io.BytesIO()
    deck.write(buffer)
    return buffer.getvalue()


def test_an_impress_deck_reads_slide_by_slide_with_its_speaker_notes(tmp_path):
    document = odp_document("deck.odp", _odp_bytes())
    assert [section.title for section in document.sections()] == [
        "Reflection: labs 1 and 4", "Lab 4 - Bag of words", "Learning curves"]
    # the picture is the slide's, named by its file and the text beside it
    [picture] = document.images
    assert picture.where == "deck.odp slide 3 (picture)"
    assert picture.label.startswith("curves.png Validation loss levels off")
    where = {line.text: line.where for line in document.lines if line.text}
    assert where["- Removing stop words hurt: it drops 'not'"] == "deck.odp slide 2"
    assert where["I would check whether one point of accuracy is more than noise."] == \
        "deck.odp slide 2"
    (tmp_path / "ana.odp").write_bytes(_odp_bytes())
    (tmp_path / "ben.odp").write_bytes(b"a deck saved with the wrong name")
    ana = read_submission("ana", tmp_path / "ana.odp")
    assert ana.warnings == [] and ana.documents[0].format == "odp"
    ben = read_submission("ben", tmp_path / "ben.odp")
    assert ben.documents == [] and any("cannot be read as an OpenDocument presentation" in w
                                       for w in ben.warnings)
    with pytest.raises(OdtError, match="no presentation"):
        odp_document("r.odp", _odt_bytes("<text:p>a text document</text:p>"))


def test_a_class_of_office_files_is_read_and_a_broken_one_is_one_warning(tmp_path):
    (tmp_path / "ana.odt").write_bytes(_odt_bytes(
        '<text:h text:outline-level="1">Hypothesis</text:h><text:p>My hypothesis is that '
        'the errors are thin digits.</text:p>'))
    (tmp_path / "ben.pptx").write_bytes(b"not a deck")
    (tmp_path / "cleo.rtf").write_bytes(b"{\\rtf1\\ansi {\\pard Caf\xe9 results\\par}}")
    ana = read_submission("ana", tmp_path / "ana.odt")
    assert ana.warnings == [] and ana.documents[0].format == "odt"
    assert [s.title for s in ana.documents[0].sections()] == ["Hypothesis"]
    ben = read_submission("ben", tmp_path / "ben.pptx")
    assert any("cannot be read as a PowerPoint deck" in w for w in ben.warnings)
    cleo = read_submission("cleo", tmp_path / "cleo.rtf")
    assert "Café results" in [line.text for line in cleo.documents[0].lines]


def test_a_poster_box_is_headed_by_its_bold_or_larger_first_line():
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank: a poster of text boxes
    box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(3)).text_frame
    box.text = "4  Where it went wrong"
    box.paragraphs[0].font.bold, box.paragraphs[0].font.size = True, Pt(30)
    for line in ("desk lamp -> 'spotlight': ImageNet has no desk lamp",
                 "Most mistakes are ImageNet's classes, not the network's."):
        paragraph = box.add_paragraph()
        paragraph.text, paragraph.font.size = line, Pt(20)
    plain = slide.shapes.add_textbox(Inches(5), Inches(1), Inches(4), Inches(3)).text_frame
    plain.text = "Short line"
    plain.add_paragraph().text = "A plain box of the same font: no title."
    buffer = io.BytesIO()
    deck.save(buffer)
    document = pptx_document("poster.pptx", buffer.getvalue())
    headings = [line.text for line in document.lines if line.kind == "heading"]
    assert headings == ["4 Where it went wrong"]
    prose = [line.text for line in document.lines if line.kind == "prose"]
    assert "Short line" in prose and "A plain box of the same font: no title." in prose


def _workbook_bytes(fill) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    fill(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_reflection_kept_as_a_grid_in_a_workbook_reads_lab_by_lab_with_its_cells_named():
    def fill(workbook):
        sheet = workbook.active  # Excel's own name for it ("Sheet") is no heading
        sheet["B2"] = "Reflection, labs 2 and 4"
        sheet.append([])
        sheet.append([None, "Question", "Lab 2: MLP", "Lab 4: bag of words"])
        sheet.append([None, "Insights", "Dropout 0.5 kept the validation loss flat at 0.07.",
                      "Bigrams lifted TF-IDF to 81.2% on the dev set."])
        sheet.append([None, "Application"])  # left unanswered: still a row of the grid
        sheet.append([None, "Growth", "I can read a learning curve now.",
                      "Next: embeddings, so word order counts."])
        log = workbook.create_sheet("Timings")
        log.append(["run", "seconds"])
        log.append(["lab 2", 41.0])

    document = xlsx_document("ana.xlsx", _workbook_bytes(fill))
    assert [section.title for section in document.sections()] == [
        "Reflection, labs 2 and 4", "Lab 2: MLP", "Lab 4: bag of words", "Timings"]
    where = {line.text: line.where for line in document.lines}
    assert where["**Insights:** Bigrams lifted TF-IDF to 81.2% on the dev set."] == "ana.xlsx Sheet!B5"
    assert where["**Growth:** I can read a learning curve now."] == "ana.xlsx Sheet!B7"
    assert "| lab 2 | 41 |" in where  # 41.0 as the sheet shows it


def test_a_grid_with_a_row_per_lab_under_a_name_row_reads_lab_by_lab():
    def fill(workbook):
        sheet = workbook.active
        sheet.title = "Reflection"
        sheet.append(["Name: Ana Lima", None, "Student 1187453"])
        sheet.append([])  # an empty row: the name row is no header of the grid below
        sheet.append(["Lab", "What I learned", "Use in real life", "Next time"])
        sheet.append(["Lab 1 - VGG16", "a pretrained model knows 1000 classes, my cat got 0.81",
                      "an app that names the birds in my garden", None])
        sheet.append(["Lab 6 - BERT", "fine-tuning reached 88% on validation in two epochs",
                      "sorting support tickets by mood", "more epochs and a bigger batch"])
        sheet.append([])
        sheet.append(["Lab", "test accuracy", "minutes"])  # values per lab: a table still
        sheet.append(["Lab 1 - VGG16", "n/a", 2])
        sheet.append(["Lab 6 - BERT", "88%", 41])

    document = xlsx_document("ana.xlsx", _workbook_bytes(fill))
    assert [section.title for section in document.sections()] == [
        "Reflection", "Lab 1 - VGG16", "Lab 6 - BERT"]
    where = {line.text: line.where for line in document.lines}
    assert where["Name: Ana Lima Student 1187453"] == "ana.xlsx Reflection!A1"
    assert where["**Use in real life:** sorting support tickets by mood"] == \
        "ana.xlsx Reflection!A5"
    # lab 1 left "Next time" empty: only lab 6's answer is one
    assert [text for text in where if text.startswith("**Next time:**")] == [
        "**Next time:** more epochs and a bigger batch"]
    assert "| Lab 6 - BERT | 88% | 41 |" in where


def test_a_sheet_of_a_row_per_lab_and_prompt_labels_each_answer_by_its_prompt():
    # "| Lab | Prompt | Answer | Words |": each answer under its lab, labelled by its prompt
    # (not "**Prompt:** Challenges" over "**Answer:** ..."), one heading per lab
    def fill(workbook):
        sheet = workbook.active
        sheet.title = "Reflection"
        sheet.append(["Lab", "Prompt", "Answer", "Words"])
        sheet.append(["Lab 5 - GloVe", "Learning insights",
                      "Frozen GloVe knew only 13% of my words, so it reached 65.4%.", 11])
        sheet.append(["Lab 5 - GloVe", "Challenges", None, None])
        sheet.append(["Lab 6 - BERT", "Challenges",
                      "Batch 32 ran out of memory, so I trained with 16.", 10])

    document = xlsx_document("ana.xlsx", _workbook_bytes(fill))
    assert [section.title for section in document.sections()] == [
        "Reflection", "Lab 5 - GloVe", "Lab 6 - BERT"]
    texts = [line.text for line in document.lines if line.kind == "prose"]
    assert texts == ["**Learning insights:** Frozen GloVe knew only 13% of my words, so it "
                     "reached 65.4%.", "**Words:** 11",
                     "**Challenges:** Batch 32 ran out of memory, so I trained with 16.",
                     "**Words:** 10"]


def test_a_workbook_handed_in_is_graded_and_a_broken_one_is_one_warning(tmp_path):
    (tmp_path / "ana.xlsx").write_bytes(_workbook_bytes(
        lambda workbook: workbook.active.append(["My hypothesis: thin digits are the errors."])))
    (tmp_path / "ben.xlsx").write_bytes(b"PK\x03\x04 saved with the wrong name")
    ana = read_submission("ana", tmp_path / "ana.xlsx")
    assert ana.warnings == [] and ana.documents[0].format == "xlsx"
    assert ana.documents[0].lines[0].text == "My hypothesis: thin digits are the errors."
    ben = read_submission("ben", tmp_path / "ben.xlsx")
    assert ben.documents == [] and any("cannot be read as an Excel workbook" in warning
                                       for warning in ben.warnings)


def test_an_odt_footnote_is_read_with_the_paragraph_that_cites_it():
    # The body is short and the answer is in the note: the note's words are the label's
    # answer. A heading's note stays a paragraph of its own after the heading.
    def note(number: int, words: str) -> str:
        return (f'<text:note text:id="ftn{number}" text:note-class="footnote"><text:note-citation>'
                f'{number}</text:note-citation><text:note-body><text:p>{words}</text:p>'
                f'</text:note-body></text:note>')

    body = ('<text:h text:outline-level="1">Lab 3 - CNN' + note(1, "Run on a laptop CPU.")
            + '</text:h><text:p><text:span text:style-name="T1">Insights.</text:span> '
            'Convolution is cheaper in parameters.' + note(2, "The reference CNN has 34,826 "
                                                         "parameters, the MLP 669,706.")
            + ' That surprised me.</text:p>')
    texts = [line.text for line in odt_document("r.odt", _odt_bytes(body, _BOLD)).lines
             if line.text]
    assert texts == ["Lab 3 - CNN", "Note: Run on a laptop CPU.",
                     "**Insights.** Convolution is cheaper in parameters. That surprised me. "
                     "(The reference CNN has 34,826 parameters, the MLP 669,706.)"]
