"""MediaWiki pages (``report.wiki``, a course wiki's or Wikipedia's markup) as graded documents.

The page is parsed with ``mwparserfromhell`` and written as the Markdown the other readers
give, as the page would render: ``== Results ==`` headings, ``'''bold'''`` and ``''italic''``,
``*`` / ``#`` lists, ``; Term : text`` (a run-in label), ``{| ... |}`` tables (a ``|+`` caption
a "Table 1: ..." line), ``[[File:curves.png|thumb|Learning curves]]`` (a figure, its caption a
"Figure 1: ..." line, so a caption counts even when the image was not handed in),
``[https://url words]`` links, ``<syntaxhighlight>`` and ``<pre>`` code, ``{{cite ...}}``
templates as the citation they print, ``<ref>`` notes listed where ``<references />`` (or
``{{reflist}}``) stands, and an infobox as its "key: value" lines. Comments, categories,
magic words and struck-out text (``<s>``, ``<del>``) are not shown to a reader and are left
out. Places are named ``report.wiki:12``.

Example:
    >>> document = wiki_document("r.wiki", "== Results ==\\nAccuracy '''81.8%'''.\\n")
    >>> [s.title for s in document.sections()], document.lines[-1].text
    (['Results'], 'Accuracy **81.8%**.')
"""

from __future__ import annotations

import re

import mwparserfromhell
from mwparserfromhell.nodes import ExternalLink, Heading, HTMLEntity, Tag, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from toolkit.grading.report_text import Document, converted_document, markdown_row
from toolkit.grading.source_lines import LineIndex

_FILE = re.compile(r"^\s*(?:file|image|datei|fichier|bild|imagen)\s*:\s*(?P<name>.+?)\s*$",
                   re.I)
_IMAGE_OPTION = re.compile(r"^\s*(?:thumb(?:nail)?|frame(?:less)?|border|left|right|center|"
                           r"centre|none|upright(?:=.*)?|baseline|middle|top|bottom|sub|super|"
                           r"\d*x?\d+\s*px|(?:alt|link|page|class|lang)=.*)\s*$", re.I)
_HIDDEN_TAGS = {"s", "del", "strike", "noinclude", "includeonly"}  # not shown, or struck out
_CODE_TAGS = {"syntaxhighlight", "source", "pre"}
_MAGIC_WORD = re.compile(r"__[A-Z]+__")
_RULE = re.compile(r"^\s*-{4,}\s*$")  # "----": a horizontal rule (never a Markdown underline)
_LIST_MARKS = {"li", "dt", "dd"}


class _Writer:
    """The page's Markdown as pieces, each with the source offset it came from."""

    def __init__(self, source: str):
        self.source = source
        self.line_of = LineIndex(source).line_of
        self.pieces: list[tuple[str, int, bool]] = []  # text, offset, copied from the source
        self.counters = {"Figure": 0, "Table": 0}
        self.notes: list[str] = []  # <ref> texts, listed at <references />

    def add(self, text: str, offset: int, literal: bool = False) -> None:
        """``literal``: the text is the source's own, so its lines keep their own numbers."""
        if text:
            self.pieces.append((text, offset, literal))

    def block(self, text: str, offset: int) -> None:
        """Lines of their own (a figure, a table, a code block) between blank lines."""
        self.add("\n\n" + text + "\n\n", offset)

    def lines(self) -> list[tuple[str, int]]:
        """The Markdown, line by line, each line with the source line it starts on."""
        out: list[tuple[str, int]] = []
        current, number = "", None
        for text, offset, literal in self.pieces:
            for index, part in enumerate(text.split("\n")):
                if index:
                    out.append((current, number or self.line_of(offset)))
                    current, number = "", None
                if part and number is None:
                    number = self.line_of(offset)
                current += part
                if literal:
                    offset += len(part) + 1
        out.append((current, number or (out[-1][1] if out else 1)))
        return [("" if _RULE.match(line) else _MAGIC_WORD.sub("", line).rstrip(), place)
                for line, place in out]

    def inline(self, wikicode) -> str:
        """A piece of the page rendered on one line (a cell, a caption, a term, a value)."""
        if wikicode is None:
            return ""
        inner = _Writer(self.source)
        inner.counters, inner.notes = self.counters, self.notes
        inner.render(wikicode.nodes, 0)
        return " ".join(" ".join(line.split()) for line, _ in inner.lines() if line.strip())

    # -- nodes ---------------------------------------------------------------------------
    def render(self, nodes, offset: int) -> None:
        """Render ``nodes`` (the first at source ``offset``)."""
        index = 0
        while index < len(nodes):
            node = nodes[index]
            if _list_mark(node):
                index, offset = self.list_item(nodes, index, offset)
                continue
            if isinstance(node, Text):
                self.add(str(node), offset, literal=True)
            elif isinstance(node, HTMLEntity):
                self.add(node.normalize(), offset)
            elif isinstance(node, Heading):
                self.add("#" * min(node.level, 6) + " " + self.inline(node.title), offset)
            elif isinstance(node, Wikilink):
                self.link(node, offset)
            elif isinstance(node, ExternalLink):
                words = self.inline(node.title) if node.title else ""
                self.add(f"[{words}]({node.url})" if words else str(node.url), offset)
            elif isinstance(node, Template):
                self.template(node, offset)
            elif isinstance(node, Tag):
                self.tag(node, offset)
            # a Comment or an Argument shows nothing
            offset += len(str(node))
            index += 1

    def list_item(self, nodes, index: int, offset: int) -> tuple[int, int]:
        """``*``, ``#``, ``:`` and ``; term : text`` at a line's start."""
        start, marks = offset, ""
        while index < len(nodes) and _list_mark(nodes[index]):
            marks += nodes[index].wiki_markup
            offset += len(str(nodes[index]))
            index += 1
        indent = "  " * (len(marks) - 1)
        if marks[-1] != ";":
            self.add({"*": indent + "-", "#": indent + "1."}.get(marks[-1], indent), start)
            return index, offset
        term: list = []  # "; Term : text": the term runs to the ":" or to the line's end
        while index < len(nodes) and not (isinstance(nodes[index], Tag)
                                          and str(nodes[index].tag) == "dd"):
            node = nodes[index]
            if isinstance(node, Text) and "\n" in str(node):
                before, _, _ = str(node).partition("\n")
                term.append(Text(before))
                self.add(f"{indent}- **{self.inline(Wikicode(term))}**", start)
                self.add(str(node)[len(before):], offset + len(before), literal=True)
                return index + 1, offset + len(str(node))
            term.append(node)
            offset += len(str(node))
            index += 1
        self.add(f"{indent}- **{self.inline(Wikicode(term))}:**", start)
        if index < len(nodes):  # the ":" itself
            offset += len(str(nodes[index]))
            index += 1
        return index, offset

    def link(self, node: Wikilink, offset: int) -> None:
        title = str(node.title).strip()
        image = _FILE.match(title)
        if image:
            options = str(node.text).split("|") if node.text is not None else []
            words = [part for part in options if not _IMAGE_OPTION.match(part)]
            caption = self.inline(mwparserfromhell.parse(words[-1])) if words else ""
            name = image["name"]
            shown = [f"![{caption or name}]({name})"]
            if caption and any(part.strip().lower() in {"thumb", "thumbnail", "frame"}
                               for part in options):
                self.counters["Figure"] += 1
                shown.append(f"Figure {self.counters['Figure']}: {caption}")
            self.block("\n\n".join(shown), offset)
        elif not title.lower().startswith(("category:", ":category:")):
            self.add(self.inline(node.text) if node.text is not None else title, offset)

    def template(self, node: Template, offset: int) -> None:
        name = str(node.name).strip().lower()
        if name.startswith(("cite", "citation")):
            self.add(_citation(node, self.inline), offset)
        elif name in {"reflist", "references"}:
            self.references(offset)
        elif name.startswith("infobox"):
            rows = [f"- **{str(param.name).strip()}:** {self.inline(param.value)}"
                    for param in node.params if param.showkey and self.inline(param.value)
                    and not _FILE.match(self.inline(param.value))]
            self.block("\n".join(rows), offset)
        else:  # {{nowrap|...}}, {{small|...}}: what it holds
            values = [self.inline(param.value) for param in node.params if not param.showkey]
            self.add(" ".join(value for value in values if value), offset)

    def references(self, offset: int) -> None:
        if self.notes:
            self.block("\n".join(f"{n}. {note}" for n, note in enumerate(self.notes, 1)),
                       offset)
            self.notes.clear()

    def tag(self, node: Tag, offset: int) -> None:
        name = str(node.tag).strip().lower()
        inner = _inner_offset(node, offset)
        if name in _HIDDEN_TAGS:
            return
        if name in {"b", "strong"}:
            words = self.inline(node.contents)
            self.add(f"**{words}**" if words else "", offset)
        elif name in {"i", "em"}:
            words = self.inline(node.contents)
            self.add(f"*{words}*" if words else "", offset)
        elif name == "ref":
            if node.contents is not None and str(node.contents).strip():
                self.notes.append(self.inline(node.contents))
                self.add(f"[{len(self.notes)}]", offset)
        elif name == "references":
            self.references(offset)
        elif name in _CODE_TAGS:
            language = str(node.get("lang").value) if node.has("lang") else ""
            self.add(f"\n```{language}\n", offset)
            self.add(str(node.contents or "").strip("\n"), inner, literal=True)
            self.add("\n```\n", offset)
        elif name in {"nowiki", "math", "code", "tt"}:
            text = str(node.contents or "")
            self.add(f"`{text}`" if name in {"code", "tt"} else text, inner, literal=True)
        elif name == "br":
            self.add(" ", offset)
        elif name == "gallery":
            for row in str(node.contents or "").splitlines():
                picture, _, caption = row.strip().partition("|")
                if picture:
                    target = _FILE.match(picture)
                    self.block(f"![{caption}]({target['name'] if target else picture})", offset)
        elif name == "table":
            self.table(node, offset)
        elif name == "blockquote":
            self.block("> " + self.inline(node.contents), offset)
        elif node.contents is not None:  # div, span, center, small, u, sup, poem: the words
            self.render(node.contents.nodes, inner)

    def table(self, node: Tag, offset: int) -> None:
        """``{| ... |}``: rows of cells, the header first, a ``|+`` caption above."""
        rows: list[list[str]] = []
        loose: list[str] = []  # cells before the first "|-" row
        caption = ""
        for child in (node.contents.nodes if node.contents is not None else []):
            if not isinstance(child, Tag):
                continue
            if str(child.tag) == "tr":
                rows.append([self.inline(cell.contents) for cell in child.contents.nodes
                             if isinstance(cell, Tag) and str(cell.tag) in {"td", "th"}])
            elif str(child.tag) in {"td", "th"}:
                text = self.inline(child.contents)
                if child.wiki_markup == "|" and str(child.contents).startswith("+"):
                    caption = text[1:].strip()
                else:
                    loose.append(text)
            elif str(child.tag) == "caption":
                caption = self.inline(child.contents)
        # a row struck out cell by cell (<s>...</s>) shows nothing the student stands by
        rows = [row for row in ([loose] + rows) if any(cell.strip() for cell in row)]
        if not rows and not caption:
            return
        shown = []
        if caption:
            self.counters["Table"] += 1
            shown += [f"Table {self.counters['Table']}: {caption}", ""]
        width = max((len(row) for row in rows), default=0)
        for number, row in enumerate(rows):
            shown.append(markdown_row(row + [""] * (width - len(row))))
            if number == 0:
                shown.append("|" + "---|" * width)
        self.block("\n".join(shown), offset)


def _list_mark(node) -> bool:
    return isinstance(node, Tag) and str(node.tag) in _LIST_MARKS and bool(node.wiki_markup)


def _inner_offset(node: Tag, offset: int) -> int:
    """Where a tag's contents start in the source."""
    whole, inner = str(node), str(node.contents or "")
    found = whole.find(inner) if inner else -1
    return offset + max(found, 0)


def _citation(template: Template, inline) -> str:
    """A ``{{cite journal |last=... |year=... |title=...}}`` as the reference it prints."""
    values = {str(param.name).strip().lower(): inline(param.value) for param in template.params}
    authors = values.get("author") or values.get("authors") or ", ".join(
        value for value in (values.get("last") or values.get("last1"),
                            values.get("first") or values.get("first1")) if value)
    if values.get("last2") or values.get("author2"):
        authors += " et al."
    year = values.get("year") or values.get("date", "")
    head = f"{authors} ({year})" if authors and year else authors or year
    venue = values.get("journal") or values.get("work") or values.get("website") \
        or values.get("publisher") or values.get("conference", "")
    parts = [head, values.get("title", ""), venue, values.get("url", ""),
             f"arXiv:{values['arxiv']}" if values.get("arxiv") else "",
             f"doi:{values['doi']}" if values.get("doi") else ""]
    return " ".join(part.strip().rstrip(".") + "." for part in parts if part and part.strip())


def wiki_markdown(source: str) -> list[tuple[str, int]]:
    """The page's Markdown lines with their source lines (see the module docstring)."""
    source = source.replace("\r\n", "\n")
    writer = _Writer(source)
    writer.render(mwparserfromhell.parse(source).nodes, 0)
    writer.references(len(source))  # notes with no <references /> still show at the end
    return writer.lines()


def wiki_document(path: str, text: str) -> Document:
    """A MediaWiki page as a document: headings, prose, lists, tables, captions and figures."""
    return converted_document(path, wiki_markdown(text))
