"""Word (.docx) reports as graded documents, read with python-docx.

Heading styles become headings (and a paragraph set all in bold, a heading made by hand: a
heading when its font is bigger, else a bold line read as Markdown reads one), list paragraphs
list items, tables Markdown tables and
embedded pictures figures (labelled with their alt text and the caption under them), and
footnotes in brackets after the paragraph that cites them (as in an OpenDocument file), so the
grader reads a Word report exactly as it reads Markdown. Places are named
``report.docx paragraph 12``. Nothing is executed; a .docx that unpacks to more than
:data:`MAX_UNPACKED_BYTES` is refused (a zip bomb), as is one python-docx cannot open.

Example:
    >>> document = docx_document("report.docx", Path("report.docx").read_bytes())
    >>> [section.title for section in document.sections()][:2]
    ['Task and setup', 'Hyperparameters']
"""

from __future__ import annotations

import io
import re

from toolkit.grading.office_package import (
    MAX_TITLE_CHARS,
    MAX_UNPACKED_BYTES,
    MarkdownBlocks,
    OfficeFileError,
    check_package,
    hand_made_title,
)
from toolkit.grading.report_text import Document

__all__ = ["MAX_UNPACKED_BYTES", "DocxError", "docx_document"]
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
_CAPTION = re.compile(r"^(figure|fig\.|table)\s*\d", re.I)  # a caption in bold is no title


class DocxError(OfficeFileError):
    """The file is not a Word document python-docx can read safely."""


def _paragraph_markdown(paragraph) -> str:
    text = " ".join(paragraph.text.split())
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = _HEADING_STYLE.match(style)
    if not text:
        return ""
    if heading:
        return "#" * min(6, int(heading.group(1))) + " " + text
    if style.lower() == "title":
        return "# " + text
    if "list" in style.lower():
        return "- " + text
    if _all_bold(paragraph) and len(text) <= MAX_TITLE_CHARS and "**" not in text \
            and "caption" not in style.lower() and not _CAPTION.match(text):
        return hand_made_title(text, max((run.font.size.pt for run in paragraph.runs
                                          if run.font.size), default=0))
    return text


def _all_bold(paragraph) -> bool:
    """Is every run with text set in bold (by the run or the paragraph's style)?"""
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(run.bold or (run.bold is None and style_bold) for run in runs)


def _pictures(paragraph) -> list[str]:
    """Alt texts of the pictures in a paragraph ('' for a picture without one)."""
    found = []
    for element in paragraph._element.iter():
        if element.tag.endswith("}docPr"):
            found.append(" ".join(filter(None, (element.get("descr"), element.get("title")))))
    return found


_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _footnotes(word) -> dict[str, str]:
    """{a footnote's id: its text} from the package's footnotes part (python-docx reads no
    footnotes); the separators Word keeps there (notes with a ``w:type``) are left out."""
    from lxml import etree

    part = next((part for part in word.part.package.iter_parts()
                 if str(part.partname) == "/word/footnotes.xml"), None)
    if part is None:
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(part.blob, parser)
    except etree.XMLSyntaxError:
        return {}  # a damaged notes part: the body still reads
    return {note.get(f"{_WORD}id"): text for note in root.iter(f"{_WORD}footnote")
            if note.get(f"{_WORD}type") is None
            and (text := " ".join("".join(node.text or "" for node in note.iter(f"{_WORD}t"))
                                  .split()))}


def _cited(paragraph, notes: dict[str, str]) -> list[str]:
    """The footnotes a paragraph cites, in order."""
    return [notes[key] for element in paragraph._element.iter(f"{_WORD}footnoteReference")
            if (key := element.get(f"{_WORD}id")) in notes]


def docx_document(path: str, data: bytes) -> Document:
    """The text of a .docx in reading order: paragraphs and tables, with their places."""
    check_package(data, ".docx", DocxError)
    import docx
    from docx.table import Table

    try:
        word = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several types for damaged files
        raise DocxError(f"python-docx cannot open it ({type(error).__name__}: "
                        f"{str(error)[:80]})") from None
    blocks = MarkdownBlocks(path)
    notes = _footnotes(word)
    for number, block in enumerate(word.iter_inner_content(), 1):
        place = f"{path} paragraph {number}"
        if isinstance(block, Table):
            blocks.add_table([[cell.text for cell in row.cells] for row in block.rows],
                             f"{path} table at paragraph {number}")
            continue
        for alt in _pictures(block):
            blocks.add_picture(alt)
        blocks.add_cited(_paragraph_markdown(block), _cited(block, notes) if notes else [],
                         place)
    return blocks.document("docx")
