"""PowerPoint (.pptx) slide decks as graded documents, read with python-pptx.

The deck's first title becomes the document's title and every other slide's title a heading
over that slide, its bullets list items (nested by their level), text boxes paragraphs,
tables Markdown tables, pictures figures (labelled with their alt text, name and the caption
after them) and the speaker notes paragraphs at the slide's end: they are the student's words
too. Places are named ``deck.pptx slide 3``. A file that unpacks to too much, or that
python-pptx cannot open, is refused with :class:`PptxError`.

Example:
    >>> document = pptx_document("deck.pptx", Path("deck.pptx").read_bytes())
    >>> [section.title for section in document.sections()][:2]
    ['Lab 3: a CNN on MNIST', 'Setup']
"""

from __future__ import annotations

import io

from toolkit.grading.office_package import (
    MAX_SLIDES,
    MarkdownBlocks,
    OfficeFileError,
    check_package,
)
from toolkit.grading.report_text import Document


class PptxError(OfficeFileError):
    """The file is not a slide deck python-pptx can read safely."""


def _shapes_in_order(shapes):
    """Shapes top to bottom, left to right (the order a reader's eye takes), groups opened."""
    found = []
    for shape in shapes:
        if shape.shape_type is not None and getattr(shape, "shapes", None) is not None:
            found += _shapes_in_order(shape.shapes)  # a group
        else:
            found.append(shape)
    return sorted(found, key=lambda shape: ((shape.top or 0) // 100_000, shape.left or 0))


def _alt_text(shape) -> str:
    properties = shape._element.xpath("./*/p:cNvPr")
    words = [properties[0].get("descr", ""), properties[0].get("title", "")] \
        if properties else []
    return " ".join(word for word in [*words, shape.name] if word)


_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MAX_BOX_TITLE_WORDS = 8


def _font(paragraph) -> tuple[bool, int]:
    """(bold, size in hundredths of a point) as set on the paragraph or its first run."""
    bold, size = False, 0
    for properties in [*paragraph._p.iter(f"{_DRAWING}defRPr"), *paragraph._p.iter(f"{_DRAWING}rPr")]:
        bold = bold or properties.get("b") in {"1", "true"}
        size = max(size, int(properties.get("sz") or 0))
    return bold, size


def _box_title(paragraphs: list) -> bool:
    """Is a text box's first paragraph its title: short, set in bold or larger than the text
    below it (a poster's "1  Idea" over its sentences)?"""
    texts = [" ".join(paragraph.text.split()) for paragraph in paragraphs]
    if len([text for text in texts if text]) < 2 or not texts[0] \
            or len(texts[0].split()) > MAX_BOX_TITLE_WORDS or texts[0].endswith((".", ",", ";")):
        return False
    (bold, size), (next_bold, next_size) = _font(paragraphs[0]), _font(paragraphs[1])
    return (bold and not next_bold) or size > next_size > 0


def _slide(blocks: MarkdownBlocks, slide, place: str, title_level: int) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    title = slide.shapes.title
    if title is not None and title.has_text_frame and title.text_frame.text.strip():
        blocks.add("#" * title_level + " " + " ".join(title.text_frame.text.split()), place)
    for shape in _shapes_in_order(slide.shapes):
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            blocks.add_table([[cell.text for cell in row.cells] for row in shape.table.rows],
                             f"{place} table")
        elif shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
            blocks.add_picture(_alt_text(shape))
        elif shape.has_text_frame:
            bullets = shape.is_placeholder  # a layout's body: its paragraphs are bullets
            paragraphs = list(shape.text_frame.paragraphs)
            titled = not bullets and _box_title(paragraphs)
            if titled:  # a poster's box: its title over its lines, one block
                box_title = " ".join(paragraphs.pop(0).text.split())
                blocks.add("#" * (title_level + 1) + " " + box_title, place)
            for paragraph in paragraphs:
                text = " ".join(paragraph.text.split())
                if text:  # a frame's bullets are one list, as they are one block on the slide
                    bullet = "  " * paragraph.level + "- " if bullets else ""
                    blocks.add(bullet + text, place, apart=not (bullets or titled))
            blocks.end_block(place)
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        for paragraph in slide.notes_slide.notes_text_frame.paragraphs:
            text = " ".join(paragraph.text.split())
            if text:
                blocks.add(text, f"{place} notes")


def pptx_document(path: str, data: bytes) -> Document:
    """The text of a .pptx, slide by slide: titles, bullets, tables, pictures and notes."""
    check_package(data, ".pptx", PptxError)
    from pptx import Presentation

    try:
        deck = Presentation(io.BytesIO(data))
        slides = list(deck.slides)
    except Exception as error:  # python-pptx raises several types for damaged files
        raise PptxError(f"python-pptx cannot open it ({type(error).__name__}: "
                        f"{str(error)[:80]})") from None
    if len(slides) > MAX_SLIDES:
        raise PptxError(f"it has {len(slides):,} slides (over {MAX_SLIDES})")
    blocks = MarkdownBlocks(path)
    for number, slide in enumerate(slides, 1):
        _slide(blocks, slide, f"{path} slide {number}", 1 if number == 1 else 2)
    return blocks.document("pptx")
