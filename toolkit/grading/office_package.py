"""What the readers of office files share: the zip-bomb check and the Markdown they build.

A Word (.docx), OpenDocument (.odt) or PowerPoint (.pptx) file is a zip of XML parts. Each
reader walks its file's paragraphs, tables and pictures and hands them to
:class:`MarkdownBlocks`, which turns them into the Markdown the grader reads everywhere else,
every line named by its place in the file ("report.odt paragraph 12", "deck.pptx slide 3").

Example:
    >>> blocks = MarkdownBlocks("deck.pptx")
    >>> blocks.add("## Results", "deck.pptx slide 2")
    >>> blocks.add_table([["model", "dev"], ["BoW", "81.8%"]], "deck.pptx slide 2")
    >>> [line.text for line in blocks.document("pptx").lines][:2]
    ['Results', '| model | dev |']
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

from toolkit.grading.html_reader import TITLE_POINTS
from toolkit.grading.report_text import Document, ImageRef, parse_markdown, with_heading

MAX_UNPACKED_BYTES = 100 * 2**20  # a real report with its pictures: a few MB
MAX_TITLE_CHARS = 120  # a bold paragraph longer than this is an emphasised sentence
MAX_SLIDES = 300  # a lab's deck: a dozen slides (PowerPoint's or Impress's)
INTRO_CHARS = 200  # a line introducing a picture ("Grad-CAM for the two wrong photos:")


class OfficeFileError(ValueError):
    """The file is not an office document that can be read safely."""


def check_package(data: bytes, kind: str, error: type[OfficeFileError] = OfficeFileError) -> None:
    """Refuse what is no zip, or unpacks to more than :data:`MAX_UNPACKED_BYTES` (a zip
    bomb), before any XML of it is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as problem:
        raise error(f"not a {kind} file ({problem})") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise error(f"unpacks to {unpacked:,} bytes (over {MAX_UNPACKED_BYTES:,})")


def hand_made_title(text: str, size: float) -> str:
    """A paragraph set all in bold, a title made by hand ("4. Growth and next steps" at
    13 pt): a heading when its font is bigger (``size`` in points), else a bold line of
    Markdown."""
    level = next((n for n, least in TITLE_POINTS.items() if size >= least), 0)
    return "#" * level + " " + text if level else f"**{text}**"


def cell_text(text: str) -> str:
    """A table cell's text on one line, its pipes escaped for a Markdown table."""
    return " ".join(text.split()).replace("|", "\\|")


# A caption under a picture: "Figure 1: ...", "Fig. 2 - ...", "Chart 3."
_CAPTION = re.compile(r"^\W{0,3}(?:fig(?:ure)?|chart|plot|graph|image|table)\.?\s*\d{0,3}"
                      r"\s*[:.\-\u2013]", re.I)


class MarkdownBlocks:
    """Markdown lines with their places, and the pictures among them, in reading order."""

    def __init__(self, path: str):
        self.path = path
        self.markdown: list[str] = []
        self.places: list[str] = []
        self.pictures: list[tuple[int, str]] = []  # (index into markdown, alt text)

    def add(self, text: str, place: str, *, apart: bool = True) -> None:
        """One block (a heading, paragraph or list item) and, when ``apart``, the blank line
        after it (without, the next block continues it: a slide's bullets are one list)."""
        self.markdown += [text, ""] if apart else [text]
        self.places += [place, place] if apart else [place]

    def add_cited(self, text: str, notes: list[str], place: str, prefix: str = "") -> None:
        """A paragraph (``prefix``: its list mark) and the footnotes it cites, read in brackets
        after it ("**Insights.** Convolution is cheaper in parameters. (The reference CNN has
        34,826 ...)"), as a reader follows them: a student who keeps the body short puts the
        answer in the note. A heading's notes, or those of a paragraph with no text, stay
        notes of their own after it."""
        if text and notes and not text.startswith("#"):
            text, notes = " ".join([text, *(f"({note})" for note in notes)]), []
        if text:
            self.add(prefix + text, place)
        for note in notes:
            self.add("Note: " + note, place)

    def end_block(self, place: str) -> None:
        """A blank line after blocks added without one."""
        if self.markdown and self.markdown[-1]:
            self.markdown.append("")
            self.places.append(place)

    def add_table(self, rows: list[list[str]], place: str,
                  row_places: list[str] | None = None) -> None:
        """A table as Markdown, its first row the header; places name each row (``row_places``
        where the file names its rows itself, as a sheet's cells do)."""
        for index, row in enumerate(rows):
            self.markdown.append("| " + " | ".join(cell_text(cell) for cell in row) + " |")
            self.places.append(row_places[index] if row_places else f"{place}, row {index + 1}")
            if index == 0:
                self.markdown.append("|" + "---|" * len(row))
                self.places.append(self.places[-1])
        self.markdown.append("")
        self.places.append(place)

    def add_picture(self, alt: str) -> None:
        """A picture at this point; its label is its alt text and the caption after it."""
        self.pictures.append((len(self.markdown), alt))

    def document(self, format: str) -> Document:
        lines, images = parse_markdown("\n".join(self.markdown),
                                       lambda n: self.places[n - 1])
        document = Document(self.path, format, lines, images)
        for index, alt in self.pictures:
            caption = next((text for text in self.markdown[index:index + 3]
                            if text.strip() and not text.startswith("|")), "")  # no table row
            # a line introducing it ("Grad-CAM for the two wrong photos:") names it too
            before = next((text for text in reversed(self.markdown[max(0, index - 2):index])
                           if text.strip()), "")
            if before.rstrip("*_ ").endswith(":") and len(before) <= INTRO_CHARS:
                caption = f"{before} {caption}"
            where = self.places[index] if index < len(self.places) else f"{self.path} (end)"
            earlier = set(self.places[:index])
            above = [line for line in lines if line.where in earlier]
            # a picture whose own name says nothing is named by its caption ("Figure 1: ..."),
            # else by the heading above it as well as the line beside it ("epoch 1: ..." next
            # to a plot on a slide "Training curves")
            image = ImageRef(alt, f"{where} (picture)")
            if not _CAPTION.match(caption):
                image = with_heading(image, above)
            document.images.append(replace(image, label=f"{image.label} {caption}".strip()))
        return document
