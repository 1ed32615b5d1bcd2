"""OpenDocument text (.odt, LibreOffice Writer) and presentations (.odp, LibreOffice Impress)
as graded documents, read with odfpy.

Headings (``text:h``) become Markdown headings, a paragraph set all in bold a heading made by
hand (as in a Word file: a heading when its font is bigger, else a bold line), bold words
inside a paragraph bold Markdown (a run-in label "**Insights:** ..."), list items list items,
tables Markdown tables and embedded pictures figures (labelled with their description and the
caption after them). A footnote is read in brackets after the paragraph that cites it
(a heading's after the heading, as a note of its own). Comments (``office:annotation``) and the deleted text that tracked
changes keep are a reviewer's words, never the student's, and are left out. Places are named
``report.odt paragraph 12``. A presentation is read slide by slide as a PowerPoint deck is:
each slide's title a heading (the first slide's the document's title), its text boxes and
bullets in order, then its speaker notes. A file that unpacks to too much, or that odfpy
cannot open, is refused with :class:`OdtError`.

Example:
    >>> document = odt_document("report.odt", Path("report.odt").read_bytes())
    >>> [section.title for section in document.sections()][:1]
    ['Lab 2: MLP with dropout']
"""

from __future__ import annotations

import io
import re

from toolkit.grading.office_package import (
    MAX_SLIDES,
    MAX_TITLE_CHARS,
    MarkdownBlocks,
    OfficeFileError,
    check_package,
    hand_made_title,
)
from toolkit.grading.report_text import Document

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
_CAPTION = re.compile(r"^(figure|fig\.|table|abbildung)\s*\d", re.I)
# Parts of the text that are not the student's prose: a reviewer's comments, the deleted text
# of tracked changes, the numbering's bookkeeping, a footnote's citation mark.
_SKIPPED = {(OFFICE, "annotation"), (TEXT, "tracked-changes"), (TEXT, "sequence-decls"),
            (OFFICE, "forms"), (TEXT, "note-citation"), (TEXT, "table-of-content"),
            (TEXT, "soft-page-break"), (OFFICE, "annotation-end")}


class OdtError(OfficeFileError):
    """The file is not an OpenDocument text odfpy can read safely."""


def _attribute(node, namespace: str, name: str) -> str:
    return node.attributes.get((namespace, name), "") if hasattr(node, "attributes") else ""


def _elements(node):
    return [child for child in node.childNodes if child.nodeType == child.ELEMENT_NODE]


class _Styles:
    """Bold and font size of each named style, following each style's parent."""

    def __init__(self, *containers):
        self.own: dict[str, tuple[bool | None, float, str]] = {}
        for container in containers:
            for style in _elements(container) if container is not None else []:
                if style.qname != (STYLE, "style"):
                    continue
                bold, size = None, 0.0
                for properties in _elements(style):
                    if properties.qname == (STYLE, "text-properties"):
                        weight = _attribute(properties, FO, "font-weight")
                        bold = weight == "bold" or weight.isdigit() and int(weight) >= 600 \
                            if weight else None
                        size = _points(_attribute(properties, FO, "font-size"))
                self.own[_attribute(style, STYLE, "name")] = (
                    bold, size, _attribute(style, STYLE, "parent-style-name"))

    def _chain(self, name: str):
        """The style's own properties, then its parent's, and so on (never a loop)."""
        for _ in range(8):
            if name not in self.own:
                return
            yield name, *self.own[name][:2]
            name = self.own[name][2]

    def bold(self, name: str) -> bool:
        return next((bold for _, bold, _ in self._chain(name) if bold is not None), False)

    def size(self, name: str) -> float:
        return next((size for _, _, size in self._chain(name) if size), 0.0)

    def named(self, name: str, *wanted: str) -> bool:
        """Is the style, or one of its parents, one of ``wanted`` ("Title", "Heading_20_1")?"""
        return name in wanted or any(parent in wanted for parent in (
            self.own[own][2] for own, _, _ in self._chain(name)))


def _points(size: str) -> float:
    match = re.fullmatch(r"([\d.]+)pt", size.strip())
    return float(match.group(1)) if match else 0.0


class _Reader:
    def __init__(self, path: str, styles: _Styles):
        self.path, self.styles = path, styles
        self.blocks = MarkdownBlocks(path)
        self.number = 0
        self.slide = 0  # a presentation's slide being read (places name slides, not paragraphs)

    def place(self) -> str:
        if self.slide:
            return f"{self.path} slide {self.slide}"
        return f"{self.path} paragraph {self.number}"

    def inline(self, node, bold: bool, pictures: list[str]) -> list[tuple[str, bool]]:
        """The runs of text under ``node``: (text, set in bold)."""
        runs: list[tuple[str, bool]] = []
        for child in node.childNodes:
            if child.nodeType == child.TEXT_NODE:
                runs.append((str(child.data), bold))
                continue
            if child.nodeType != child.ELEMENT_NODE or child.qname in _SKIPPED:
                continue
            if child.qname == (TEXT, "s"):
                runs.append((" " * int(_attribute(child, TEXT, "c") or 1), bold))
            elif child.qname in {(TEXT, "tab"), (TEXT, "line-break")}:
                runs.append((" ", bold))
            elif child.qname == (DRAW, "frame"):
                pictures.append(self.frame_label(child))
            elif child.qname == (TEXT, "note"):
                continue  # a footnote's body is read with its paragraph (see add_cited)
            else:
                style = _attribute(child, TEXT, "style-name")
                runs += self.inline(child, bold or (bool(style) and self.styles.bold(style)),
                                    pictures)
        return runs

    @staticmethod
    def frame_label(frame) -> str:
        """A picture's description, title and name ("Image1"), and the file it shows."""
        words = []
        for node in [frame, *_elements(frame)]:
            if node.qname in {(SVG, "desc"), (SVG, "title")}:
                words.append(" ".join(str(text.data) for text in node.childNodes
                                      if text.nodeType == text.TEXT_NODE))
            if node.qname == (DRAW, "image"):
                words.append(_attribute(node, "http://www.w3.org/1999/xlink", "href")
                             .rsplit("/", 1)[-1])
        return " ".join(word for word in words if word)

    def paragraph(self, node, prefix: str = "") -> None:
        self.number += 1
        style = _attribute(node, TEXT, "style-name")
        pictures: list[str] = []
        runs = self.inline(node, self.styles.bold(style), pictures)
        for label in pictures:
            self.blocks.add_picture(label)
        text = " ".join("".join(text for text, _ in runs).split())
        self.blocks.add_cited(self.markdown(node, style, runs, text) if text else "",
                              self.footnotes(node), self.place(), prefix)

    def markdown(self, node, style: str, runs, text: str) -> str:
        if node.qname == (TEXT, "h"):
            level = int(_attribute(node, TEXT, "outline-level") or 1)
            return "#" * min(6, level) + " " + text
        if self.styles.named(style, "Title"):
            return "# " + text
        heading = re.search(r"Heading_20_(\d)", style)
        if heading or self.styles.named(style, *(f"Heading_20_{n}" for n in range(1, 7))):
            return "## " + text  # a heading's style on a plain paragraph
        visible = [(piece, bold) for piece, bold in runs if piece.strip()]
        if visible and all(bold for _, bold in visible) and len(text) <= MAX_TITLE_CHARS \
                and not _CAPTION.match(text):
            return hand_made_title(text, self.styles.size(style))
        return " ".join(_with_bold(runs).split())

    def footnotes(self, node) -> list[str]:
        found = []
        for child in _elements(node):
            if child.qname == (TEXT, "note"):
                for body in _elements(child):
                    if body.qname == (TEXT, "note-body"):
                        words = " ".join("".join(text for text, _ in self.inline(
                            paragraph, False, [])) for paragraph in _elements(body)).split()
                        if words:
                            found.append(" ".join(words))
            elif child.qname not in _SKIPPED:
                found += self.footnotes(child)
        return found

    def block(self, node, depth: int = 0) -> None:
        """A block element and everything in it, in reading order."""
        if node.qname in _SKIPPED:
            return
        if node.qname in {(TEXT, "p"), (TEXT, "h")}:
            self.paragraph(node)
        elif node.qname == (TEXT, "list"):
            for item in _elements(node):
                for child in _elements(item):
                    if child.qname == (TEXT, "p"):
                        self.paragraph(child, "  " * depth + "- ")
                    elif child.qname == (TEXT, "list"):
                        self.block(child, depth + 1)
                    else:
                        self.block(child, depth)
        elif node.qname == (TABLE, "table"):
            self.number += 1
            rows = [[" ".join("".join(text for text, _ in self.inline(paragraph, False, []))
                              for paragraph in _elements(cell)) for cell in _elements(row)
                     if cell.qname == (TABLE, "table-cell")]
                    for row in _table_rows(node)]
            rows = [row for row in rows if any(cell.strip() for cell in row)]
            if rows:
                self.blocks.add_table(rows, f"{self.path} table at paragraph {self.number}")
        else:  # a section, a frame of text, a list header: read what is inside
            for child in _elements(node):
                self.block(child, depth)


def _table_rows(table):
    for child in _elements(table):
        if child.qname == (TABLE, "table-row"):
            yield child
        elif child.qname in {(TABLE, "table-header-rows"), (TABLE, "table-rows")}:
            yield from _table_rows(child)


def _with_bold(runs: list[tuple[str, bool]]) -> str:
    """The runs as Markdown, bold ones between ``**`` (a run-in label stays a label)."""
    pieces: list[str] = []
    for text, bold in runs:
        if bold and text.strip():
            lead, core, tail = re.match(r"(\s*)(.*?)(\s*)$", text, re.S).groups()
            if pieces and pieces[-1].endswith("**") and not lead:
                pieces[-1] = pieces[-1][:-2] + core + "**" + tail  # one bold run, two spans
            else:
                pieces.append(f"{lead}**{core}**{tail}")
        else:
            pieces.append(text)
    return "".join(pieces)


def _load(path: str, data: bytes, kind: str, body_name: str):
    """The file's styles and its body (``office:text``, ``office:presentation``)."""
    check_package(data, kind, OdtError)
    from odf.opendocument import load

    try:
        office = load(io.BytesIO(data))
        # the body's element of that name (odfpy's own ``office.text`` is the body's first
        # child, a run of white space when the file is indented)
        body = next((child for child in _elements(office.body)
                     if child.qname == (OFFICE, body_name)), None)
    except Exception as error:  # odfpy raises several types for damaged files
        raise OdtError(f"odfpy cannot open it ({type(error).__name__}: "
                       f"{str(error)[:80]})") from None
    return _Styles(office.styles, office.automaticstyles), body


def odt_document(path: str, data: bytes) -> Document:
    """The text of an .odt in reading order: headings, paragraphs, lists and tables."""
    styles, body = _load(path, data, ".odt", "text")
    if body is None:
        raise OdtError("it holds no text document (a spreadsheet or a drawing?)")
    reader = _Reader(path, styles)
    for child in _elements(body):
        reader.block(child)
    return reader.blocks.document("odt")


def _slide_text(reader: _Reader, frame) -> str:
    """A title frame's text on one line, its white space collapsed."""
    paragraphs = ["".join(text for text, _ in reader.inline(paragraph, False, []))
                  for box in _elements(frame) if box.qname == (DRAW, "text-box")
                  for paragraph in _elements(box) if paragraph.qname == (TEXT, "p")]
    return " ".join(" ".join(paragraphs).split())


def _slide_title(reader: _Reader, slide) -> tuple[object | None, str]:
    """The slide's title frame and its text: the frame of class "title", else (a deck made by
    hand, with no placeholders) its first text frame when that is one short line."""
    frames = [child for child in _elements(slide) if child.qname == (DRAW, "frame")]
    titled = [frame for frame in frames if _attribute(frame, PRESENTATION, "class") == "title"]
    if titled:
        return titled[0], _slide_text(reader, titled[0])
    first = next((frame for frame in frames if any(
        box.qname == (DRAW, "text-box") for box in _elements(frame))), None)
    if first is None:
        return None, ""
    boxes = [box for box in _elements(first) if box.qname == (DRAW, "text-box")]
    paragraphs = [paragraph for box in boxes for paragraph in _elements(box)]
    text = _slide_text(reader, first)
    if len(paragraphs) == 1 and paragraphs[0].qname == (TEXT, "p") \
            and 0 < len(text) <= MAX_TITLE_CHARS and not text.endswith("."):
        return first, text
    return None, ""


def odp_document(path: str, data: bytes) -> Document:
    """The text of an .odp, slide by slide: its title, text boxes, bullets and pictures, then
    its speaker notes."""
    styles, body = _load(path, data, ".odp", "presentation")
    if body is None:
        raise OdtError("it holds no presentation (a text document or a spreadsheet?)")
    slides = [page for page in _elements(body) if page.qname == (DRAW, "page")]
    if len(slides) > MAX_SLIDES:
        raise OdtError(f"it has {len(slides)} slides (over {MAX_SLIDES})")
    reader = _Reader(path, styles)
    titled = False
    for number, slide in enumerate(slides, 1):
        reader.slide = number
        title, text = _slide_title(reader, slide)
        if text:
            reader.blocks.add(("## " if titled else "# ") + text, reader.place())
            titled = True
        children = [child for child in _elements(slide) if child is not title]
        # the slide's pictures under its title: the title and the text beside them name them
        pictures = [child for child in children if child.qname == (DRAW, "frame") and any(
            inner.qname == (DRAW, "image") for inner in _elements(child))]
        for picture in pictures:
            reader.blocks.add_picture(reader.frame_label(picture))
        for child in children:
            if child.qname == (PRESENTATION, "notes"):
                for frame in _elements(child):  # the slide's thumbnail, then the notes' box
                    if _attribute(frame, PRESENTATION, "class") == "notes":
                        reader.block(frame)
            elif not any(child is picture for picture in pictures):
                reader.block(child)
    return reader.blocks.document("odp")
