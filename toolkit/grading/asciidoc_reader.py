"""AsciiDoc files (``report.adoc``) as graded documents.

The source is turned into the Markdown the other readers give, line by line from the
AsciiDoc syntax (https://docs.asciidoctor.org/asciidoc/latest/syntax-quick-reference/):
``= Title`` and ``== Section`` become headings; the header's ``:attribute:`` lines, block
attribute lines (``[source,python]``, ``[NOTE]``, ``[[anchor]]``), comments and
``include::`` directives are dropped; ``----`` listing blocks are code, ``....`` literal
blocks output; ``____`` quote blocks are quotes; a block title (``.Learning curves``) over
an image or a table is a "Figure 1: ..." or "Table 1: ..." line (as the HTML export prints
it, so a caption counts even when the image was not handed in); ``image::curves.png[...]``
is a figure; ``|===`` tables become Markdown tables (the first row the header, a row's cells
on one line or several); ``NOTE: text`` keeps its text; ``Term:: text`` is a run-in label;
``* item`` / ``. item`` lists, ``*bold*``, ``_italic_``, ``link:url[words]`` and
``https://url[words]`` become Markdown's. Places are named ``report.adoc:12``.

Example:
    >>> document = asciidoc_document("r.adoc", "== Results\\nAccuracy *99.1%*.\\n")
    >>> [s.title for s in document.sections()], document.lines[-1].text
    (['Results'], 'Accuracy **99.1%**.')
"""

from __future__ import annotations

import re

from toolkit.grading.report_text import Document, converted_document

_TITLE = re.compile(r"^(?P<marks>={1,6}|#{1,6})\s+(?P<title>\S.*?)\s*$")
_ATTRIBUTE = re.compile(r"^:!?[\w-]+!?:(?:\s.*)?$")
_BLOCK_ATTRIBUTES = re.compile(r"^\[\[?[^\]]*\]\]?\s*$")
_DIRECTIVE = re.compile(r"^(?:include|ifdef|ifndef|ifeval|endif|toc)::")
_BLOCK_TITLE = re.compile(r"^\.(?P<title>[^.\s].*)$")
_IMAGE_BLOCK = re.compile(r"^image::(?P<target>[^\[\s]+)\[(?P<alt>[^\]]*)\]\s*$")
_IMAGES_FOLDER = re.compile(r"^:imagesdir:\s*(?P<folder>\S.*)$")
_INLINE_IMAGE = re.compile(r"image:(?P<target>[^\[\s:]+)\[(?P<alt>[^\]]*)\]")
_ADMONITION = re.compile(r"^(?P<kind>NOTE|TIP|IMPORTANT|WARNING|CAUTION):\s+(?P<text>.*)$")
_LABELLED = re.compile(r"^(?P<term>[^\s:].{0,79}?)(?::{2,4}|;;)(?:\s+(?P<text>.*))?$")
_UNORDERED = re.compile(r"^(?P<marks>\*+|-)\s+(?P<text>.*)$")
_ORDERED = re.compile(r"^(?P<marks>\.+)\s+(?P<text>.*)$")
_CELL = re.compile(r"(?:^|(?<=\s))(?:\d*[*+]?\.?\d*[<^>]?[.]?[<^>]?[adehlmsv]?)\|")
_COLUMNS = re.compile(r"cols\s*=\s*\"?(?P<spec>[^\"\]]+)\"?")
_DELIMITERS = {"----": "listing", "....": "literal", "____": "quote", "====": "example",
               "****": "sidebar", "--": "open", "++++": "passthrough", "////": "comment"}
_LINK = re.compile(r"(?:link:)?(?P<url>(?:https?://|mailto:)?[^\s\[\]]+)\[(?P<words>[^\]]*)\]")
_XREF = re.compile(r"<<(?P<target>[^,>]+)(?:,\s*(?P<words>[^>]+))?>>")
_FOOTNOTE = re.compile(r"footnote:\[(?P<text>[^\]]*)\]")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)(?P<t>[^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)(?P<t>[^_\n]*?\S)_(?![\w_])")
_NEXT_ELEMENT_LINES = 4  # a block title's image or table follows it within a few lines


def _alt(attributes: str, target: str) -> str:
    """An image macro's alt text: its first positional attribute ("Curves, width=600")."""
    first = attributes.split(",")[0].strip()
    return first if first and "=" not in first else target


def _image(match: re.Match, folder: str) -> str:
    target = match["target"] if "/" in match["target"] or not folder \
        else f"{folder.rstrip('/')}/{match['target']}"
    return f"![{_alt(match['alt'], match['target'])}]({target})"


def _inline(text: str, folder: str = "") -> str:
    """AsciiDoc's inline macros and emphasis as Markdown's."""
    text = _INLINE_IMAGE.sub(lambda m: _image(m, folder), text)
    text = _FOOTNOTE.sub(lambda m: f" ({m['text']})", text)
    text = _XREF.sub(lambda m: m["words"] or m["target"], text)
    text = _LINK.sub(lambda m: (f"[{m['words']}]({m['url']})" if "." in m["url"]
                                or ":" in m["url"] else m[0]), text)
    text = text.removesuffix(" +")  # a hard line break
    text = _BOLD.sub(r"**\g<t>**", text)
    return _ITALIC.sub(r"*\g<t>*", text)


def _titled(rows: list[str], index: int) -> str:
    """"Figure" or "Table": what the block title at ``rows[index]`` names, else ""."""
    for row in rows[index + 1:index + 1 + _NEXT_ELEMENT_LINES]:
        stripped = row.strip()
        if stripped.startswith("|==="):
            return "Table"
        if _IMAGE_BLOCK.match(stripped):
            return "Figure"
        if stripped and not _BLOCK_ATTRIBUTES.match(stripped):
            return ""
    return ""


def _table_cells(line: str) -> list[str]:
    """The cells a table line starts (each after a ``|``, with its optional format spec)."""
    parts = _CELL.split(line)
    return [part.strip() for part in parts[1:]] if len(parts) > 1 else []


def _table(rows: list[tuple[str, int]], columns: int) -> list[tuple[str, int]]:
    """A ``|===`` table's lines as Markdown rows, each at the line of its first cell."""
    cells: list[tuple[str, int]] = []
    first_line_cells = 0
    for text, number in rows:
        found = _table_cells(text)
        if found:
            first_line_cells = first_line_cells or len(found)
            cells += [(cell, number) for cell in found]
        elif text.strip() and cells:  # a cell's text going on over the next line
            cells[-1] = (f"{cells[-1][0]} {text.strip()}", cells[-1][1])
    columns = columns or first_line_cells or 1
    out: list[tuple[str, int]] = []
    for start in range(0, len(cells), columns):
        row = cells[start:start + columns]
        out.append(("| " + " | ".join(_inline(cell).replace("|", "/") for cell, _ in row)
                    + " |", row[0][1]))
        if start == 0:
            out.append(("|" + "---|" * columns, row[0][1]))
    return out


def _header_rows(rows: list[str]) -> set[int]:
    """The author and revision lines: those right under a ``= Title`` at the top."""
    first = next((i for i, row in enumerate(rows) if row.strip()
                  and not row.strip().startswith("//")), None)
    if first is None or not re.match(r"^=\s+\S", rows[first]):
        return set()
    header = set()
    for index in range(first + 1, min(first + 3, len(rows))):
        stripped = rows[index].strip()
        if not stripped or _ATTRIBUTE.match(stripped) or stripped.startswith("//"):
            break
        header.add(index)
    return header


def asciidoc_markdown(source: str) -> list[tuple[str, int]]:
    """The file's Markdown lines with their source lines (see the module docstring)."""
    rows = source.splitlines()
    out: list[tuple[str, int]] = []
    block: str | None = None        # the delimited block we are inside, by its delimiter
    table: list[tuple[str, int]] | None = None
    columns = 0                      # from the table's [cols="1,2,1"] attribute
    counters = {"Figure": 0, "Table": 0}
    folder = ""                      # the :imagesdir: images are named relative to
    header = _header_rows(rows)
    for index, raw in enumerate(rows):
        number, stripped = index + 1, raw.strip()
        if index in header:  # the author and revision lines under the document's title
            continue
        if found := _IMAGES_FOLDER.match(stripped):
            folder = found["folder"].strip()
        if table is not None:
            if stripped.startswith("|==="):
                out += [("", number), *_table(table, columns), ("", number)]
                table, columns = None, 0
            else:
                table.append((raw, number))
            continue
        if block is not None:
            if stripped == block:
                kind = _DELIMITERS[block]
                out.append(("```" if kind in {"listing", "literal"} else "", number))
                block = None
            elif _DELIMITERS[block] in {"listing", "literal"}:
                out.append((raw, number))
            elif _DELIMITERS[block] == "quote":
                out.append(("> " + _inline(stripped) if stripped else ">", number))
            elif _DELIMITERS[block] not in {"comment", "passthrough"}:
                out += _line(rows, index, counters, folder)
            continue
        if stripped.startswith("|==="):
            table = []
            continue
        if stripped in _DELIMITERS:
            block = stripped
            kind = _DELIMITERS[block]
            out.append(("```" if kind == "listing" else "```text" if kind == "literal"
                        else "", number))
            continue
        if _BLOCK_ATTRIBUTES.match(stripped):
            if found := _COLUMNS.search(stripped):
                spec = found["spec"]
                columns = (int(spec.split("*")[0]) if re.fullmatch(r"\d+\*.*", spec)
                           else len(spec.split(",")))
            continue
        out += _line(rows, index, counters, folder)
    if table is not None:  # a table left open: its rows all the same
        out += _table(table, columns)
    return out


def _line(rows: list[str], index: int, counters: dict[str, int],
          folder: str) -> list[tuple[str, int]]:
    """One line outside tables and code blocks, as Markdown."""
    raw, number = rows[index], index + 1
    stripped = raw.strip()
    if not stripped:
        return [("", number)]
    if stripped.startswith("//") or _ATTRIBUTE.match(stripped) or _DIRECTIVE.match(stripped):
        return []
    if heading := _TITLE.match(stripped):
        return [("", number), ("#" * len(heading["marks"]) + " " + _inline(heading["title"]),
                               number), ("", number)]
    if image := _IMAGE_BLOCK.match(stripped):
        return [(_image(image, folder), number)]
    if title := _BLOCK_TITLE.match(stripped):
        kind = _titled(rows, index)
        if kind:
            counters[kind] += 1
            return [("", number), (f"{kind} {counters[kind]}: {_inline(title['title'])}",
                                   number), ("", number)]
        return [("", number), (f"**{_inline(title['title'])}**", number), ("", number)]
    if admonition := _ADMONITION.match(stripped):
        return [(f"**{admonition['kind'].title()}:** {_inline(admonition['text'])}", number)]
    if item := _UNORDERED.match(stripped):
        depth = len(item["marks"]) - 1 if item["marks"] != "-" else 0
        return [("  " * depth + "- " + _inline(item["text"]), number)]
    if item := _ORDERED.match(stripped):
        return [("  " * (len(item["marks"]) - 1) + "1. " + _inline(item["text"]), number)]
    if (labelled := _LABELLED.match(stripped)) and "://" not in labelled["term"]:
        return [(f"- **{_inline(labelled['term'])}:** {_inline(labelled['text'] or '')}"
                 .rstrip(), number)]
    return [(_inline(raw), number)]


def asciidoc_document(path: str, text: str) -> Document:
    """An AsciiDoc file as a document: headings, prose, lists, tables, captions, figures."""
    return converted_document(path, asciidoc_markdown(text))
