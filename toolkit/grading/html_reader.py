"""HTML reports as graded documents, read with the standard library's ``html.parser``.

``<h1>``-``<h6>`` become headings, paragraphs and list items lines of prose, ``<table>`` a
Markdown table, ``<img>`` a figure (alt text and file name; the file must be in the
submission) and ``<figcaption>`` a caption that counts even when the image was lost.
A paragraph set all in bold is a title, also where a ``<style>`` block's class rules or the
element's own style set it so (Google Docs' and Word's exports), and a paragraph in the Title
style the document's title.
``<script>``, ``<style>`` and ``<head>`` are not read as text; nothing is executed or fetched.
Places are named ``report.html line 42`` (the line of the element in the file), or
``report.html paragraph 7`` in an export written on a few lines.

Example:
    >>> document = html_document("r.html", "<h2>Results</h2><p>Accuracy 91%.</p>")
    >>> [s.title for s in document.sections()], document.lines[-1].text
    (['Results'], 'Accuracy 91%.')
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from toolkit.grading.report_text import Document, ImageRef, parse_markdown, with_heading

_SKIP = {"script", "style", "head", "template", "noscript", "svg"}
# A paragraph set all in bold in a larger font is a title: Word's HTML export of a line the
# student made bigger by hand ("<p><b><span style='font-size:14.0pt'>Part 2 ...</span></b>").
_FONT_SIZE = re.compile(r"font-size\s*:\s*(\d{1,3}(?:\.\d+)?)\s*(pt|px)", re.I)
TITLE_POINTS = {1: 16.0, 2: 13.0}  # the least size of a heading of level 1 and 2, in points
# Google Docs' and Word's HTML exports style by class: ".c4{font-weight:700;font-size:12pt}"
# in the <style> block, <span class="c4">What I learned</span> in the text.
_CSS_RULE = re.compile(r"([^{}]{1,2000})\{([^{}]{0,5000})\}")
_CLASS_SELECTOR = re.compile(r"^\s*[a-z0-9]*\.(?P<name>[\w-]{1,60})\s*$", re.I)
_BOLD = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)\b", re.I)
# The class of a paragraph in a document's Title style (Google Docs' "title", Word's
# "MsoTitle"): the document's title.
_TITLE_CLASSES = {"title", "msotitle"}
# What a data table's cell never holds: a cell with one of these is a page's layout.
_LAYOUT_CELL = {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"}
_BLOCKS = {"p", "div", "li", "figcaption", "blockquote", "pre", "dt", "dd", "section",
           "article", "header", "footer", "main", "figure", "ul", "ol", "caption"}


# A notebook's code cell as nbconvert exports it (JupyterLab's and the classic template's)
_CODE_CELL_CLASSES = {"jp-codecell", "code_cell"}
_TEXT_CELL_CLASSES = {"jp-markdowncell", "text_cell"}
_NO_DESCRIPTION = re.compile(r"^\s*no description has been provided for this image", re.I)


class _Reader(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.lines: list[tuple[str, int]] = []   # (markdown line, source line)
        self.images: list[ImageRef] = []
        self.image_at: list[int] = []  # each image: how many lines were written before it
        self.text: list[str] = []
        self.prefix = ""
        self.start_line = 1
        self.skipping = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.layout_cell = False  # the current cell holds headings or lists: read as blocks
        self.table_rows = 0
        self.size = 0.0  # the largest font size (points) set in the current paragraph
        self.term = False  # the current block is a <dt>: the label of the <dd> after it
        self.label = ""    # a <dt>'s text, waiting for its <dd>
        self.css: list[str] = []  # the <style> blocks' text
        self.bold_classes: set[str] = set()
        self.class_points: dict[str, float] = {}
        self.bold_open: list[str] = []  # tags whose class set their text in bold
        self.preformatted = 0  # the <pre> blocks we are inside
        # A notebook exported to HTML: the code of the cell whose output an image is ("plotting.
        # show_confusion(...)"), read from the first <pre> after the cell starts
        self.cell_code = ""
        self.code_from: int | None = None  # the input <pre> of the cell just started
        self.image_code: list[str] = []
        self.anchor_link = False  # inside nbconvert's "¶" link after a heading

    def flush(self, line_break: bool = False) -> None:
        if self.preformatted and not self.prefix:
            self._flush_rows()
            return
        text = " ".join("".join(self.text).split())
        if text and not self.prefix and self.size and _all_bold(text):
            level = next((n for n, least in TITLE_POINTS.items() if self.size >= least), 0)
            self.prefix = "#" * level + " " if level else ""
            text = text.strip("* ") if level else text
        self.size = 0.0
        if text and self.label and (self.term or self.prefix):
            # a term without its definition after it: a line of its own
            self.lines += [(f"**{self.label}**", self.start_line), ("", self.start_line)]
            self.label = ""
        if text and self.term:  # a term labels its definition: one paragraph, "**Next:** ..."
            self.label, self.term, self.text, self.prefix = text.strip("* :"), False, [], ""
            return
        if text and self.label:
            text, self.label = f"**{self.label}:** {text}", ""
        if text:
            self.lines.append((self.prefix + text, self.start_line))
            if not line_break:  # a <br> breaks the line, not the paragraph
                self.lines.append(("", self.start_line))
        elif line_break and self.lines and self.lines[-1][0]:  # "<br><br>": a new paragraph
            self.lines.append(("", self.start_line))
        self.text, self.prefix = [], ""

    def _flush_rows(self) -> None:
        """A <pre> block keeps its rows (a printed table of errors, a training log), read as
        a program's output, as a notebook's is: a text block, no words of the student's."""
        rows = [row.strip() for row in "".join(self.text).expandtabs(4).splitlines()]
        rows = [(row, self.start_line + number) for number, row in enumerate(rows)
                if row and not row.startswith(("```", "~~~"))]
        if rows:
            self.lines += [("```text", rows[0][1]), *rows, ("```", rows[-1][1]),
                           ("", rows[-1][1])]
        self.text = []

    def read_css(self) -> None:
        """The classes a <style> block sets in bold or in a font size."""
        for selectors, body in _CSS_RULE.findall("".join(self.css)[:200_000]):
            size = _FONT_SIZE.search(body)
            for selector in selectors.split(","):
                if match := _CLASS_SELECTOR.match(selector):
                    name = match["name"].lower()
                    if _BOLD.search(body):
                        self.bold_classes.add(name)
                    if size:
                        self.class_points[name] = _points(size)
        self.css = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skipping += 1
            return
        if self.skipping:
            return
        line = self.getpos()[0]
        classes = (dict(attrs).get("class") or "").lower().split()
        if self.cell is not None and tag in _LAYOUT_CELL:
            # A cell holding headings or lists lays out a page ("Strengths" over its bullets):
            # its content is read as paragraphs, not as one table cell
            self.text, self.cell, self.layout_cell = self.cell, None, True
        if tag == "a" and "anchor-link" in classes:
            self.anchor_link = True
        if tag == "div" and _CODE_CELL_CLASSES & set(classes):
            self.cell_code, self.code_from = "", -1
        elif tag == "div" and _TEXT_CELL_CLASSES & set(classes):
            self.cell_code, self.code_from = "", None  # a picture in a Markdown cell: no code
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.flush()
            self.prefix, self.start_line = "#" * int(tag[1]) + " ", line
        elif tag in _BLOCKS or tag == "br":
            self.flush(line_break=tag == "br" and not self.prefix)
            self.preformatted += tag == "pre"
            if tag == "pre" and self.code_from == -1:
                self.code_from = len(self.lines)
            self.prefix = "- " if tag == "li" else ""
            if tag == "p" and _TITLE_CLASSES & set(classes):
                self.prefix = "# "
            self.start_line, self.term = line, tag == "dt"
        elif tag == "table":
            self.flush()
            self.table_rows = 0
        elif tag == "tr":
            self.row, self.start_line = [], line
        elif tag in ("td", "th"):
            self.cell = []
        elif tag in ("b", "strong"):
            self._write("**")
        elif tag == "q":  # an inline quotation: a browser shows its quotation marks
            self._write("\u201c")
        elif tag == "img":
            values = dict(attrs)
            source, alt = values.get("src") or "", values.get("alt") or ""
            if source:
                # an embedded picture's data and nbconvert's "No description has been
                # provided for this image" say nothing of what it shows
                name = "" if source.startswith("data:") else source
                alt = "" if _NO_DESCRIPTION.match(alt) else alt
                self.images.append(ImageRef(f"{alt} {name}".strip(),
                                            f"{self.path} line {line}", source))
                self.image_at.append(len(self.lines))
                self.image_code.append(self.cell_code)
        style = dict(attrs).get("style") or ""
        # after a new block has flushed the one before: the size is this paragraph's
        if size := _FONT_SIZE.search(style):
            self.size = max(self.size, _points(size))
        for name in classes:
            self.size = max(self.size, self.class_points.get(name, 0.0))
        # bold by a class rule, or by the tag's own style (<span style="font-weight:700">)
        if tag not in ("b", "strong") and (self.bold_classes & set(classes)
                                           or _BOLD.search(style)):
            self._write("**")
            self.bold_open.append(tag)

    def handle_endtag(self, tag):
        if tag == "a":
            self.anchor_link = False
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
            if tag == "style":
                self.read_css()
            return
        if self.skipping:
            return
        if self.bold_open and self.bold_open[-1] == tag:
            self.bold_open.pop()
            self._write("**")
        if tag in ("b", "strong"):
            self._write("**")
        elif tag == "q":
            self._write("\u201d")
        elif tag in ("td", "th") and self.layout_cell:
            self.flush()
            self.layout_cell = False
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()).replace("|", "\\|"))
            self.cell = None
        elif tag == "tr" and self.row is not None and not self.row:  # a row of layout cells
            self.row = None
        elif tag == "tr" and self.row is not None:
            self.lines.append(("| " + " | ".join(self.row) + " |", self.start_line))
            if self.table_rows == 0:
                self.lines.append(("|" + "---|" * len(self.row), self.start_line))
            self.table_rows += 1
            self.row = None
        elif tag == "table":
            self.lines.append(("", self.getpos()[0]))
        elif tag in _BLOCKS or tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.flush()
            if tag == "pre":
                self.preformatted = max(0, self.preformatted - 1)
                if self.code_from is not None and self.code_from >= 0:
                    self.cell_code = " ".join(text for text, _ in self.lines[self.code_from:]
                                              if not text.startswith("```"))[:300]
                    self.code_from = None

    def _write(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        else:
            self.text.append(text)

    def handle_data(self, data):
        if self.anchor_link:
            return
        if not self.skipping:
            self._write(data)
        elif self.lasttag == "style" and sum(map(len, self.css)) < 200_000:
            self.css.append(data)


def _points(size: re.Match) -> float:
    return float(size[1]) * (0.75 if size[2].lower() == "px" else 1.0)


def _all_bold(text: str) -> bool:
    """Is the whole paragraph set in bold (one "**...**" run, as the reader writes it)?"""
    return len(text) <= 200 and text.startswith("**") and text.endswith("**") \
        and text.count("**") == 2


def _with_code(image: ImageRef, code: str) -> ImageRef:
    return replace(image, label=f"{image.label} {code}".strip()) if code else image


def html_document(path: str, text: str) -> Document:
    """The readable text of an HTML page, in order, with headings, tables and figures."""
    reader = _Reader(path)
    reader.feed(text)
    reader.close()
    reader.flush()
    markdown = [line for line, _ in reader.lines]
    places = [f"{path} line {number}" for _, number in reader.lines]
    filled = [number for line, number in reader.lines if line]
    if len(filled) > 2 * len(set(filled)):
        # an export on one line (Google Docs' "web page", a minified page) would name every
        # block "line 1": its blocks (and a table's rows) are named by their order instead
        count = 0
        for index, line in enumerate(markdown):
            count += bool(line) and not line.startswith("|---")
            places[index] = f"{path} paragraph {max(count, 1)}"
    lines, images = parse_markdown("\n".join(markdown), lambda n: places[n - 1])
    # An <img> named "image1.png" (a Google Docs export) is labelled by the heading above it
    # (and placed where it sits: an export on one line has only its paragraphs' numbers)
    # and a notebook's figure by the code that drew it, as in the notebook itself
    figures = [_with_code(with_heading(replace(image, where=places[at]) if at < len(places)
                                       else image,
                                       [line for line in lines if line.where in before]), code)
               for image, at, code in zip(reader.images, reader.image_at, reader.image_code,
                                          strict=True)
               for before in [set(places[:at])]]
    return Document(path, "html", lines, images + figures)
