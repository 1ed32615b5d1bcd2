"""Markdown's dialects written as the plain Markdown the grader reads, row by row.

Students write Markdown in more than one flavour; each is turned into what it shows a reader:

- MyST (Jupyter Book): a directive fence (```` ```{note} ```` or ``:::{figure} curves.png``)
  is layout: an admonition's words stay prose, its title (``{admonition} What I learned``) a
  bold title line; a figure directive is the image and a "Figure: ..." caption line; a table
  directive's argument is a "Table: ..." caption; options (``:name: fig-curves``) and targets
  (``(sec-results)=``) show nothing; roles show their text (``{cite}`socher2013``` as
  ``[socher2013]``, ``{ref}`the curves <fig-curves>``` as "the curves"). Directives that run
  code (``{code-cell}``, Quarto's and R Markdown's ``{python}`` / ``{r}`` chunks) stay code.
- Obsidian: ``![[curves.png]]`` embeds are images, ``[[note|alias]]`` links their words,
  ``%%comments%%`` are hidden.
- Obsidian's callouts and GitHub's alerts (``> [!tip] What I learned``): the title heads the
  callout's words; a callout without a title shows none.
- HTML inside Markdown: ``<details><summary>Results</summary>`` is a title over what it
  folds; an HTML ``<table>`` is read as the table it shows.
- A Mermaid mind map (```` ```mermaid ```` starting ``mindmap``) is the student's words as an
  outline: each branch off the root a bold item over its nested items, as a list of labelled
  answers reads.

Every row keeps the number of the source row it came from, so places stay the file's own.

Example:
    >>> plain_rows(["> [!tip] What I learned", "> Dropout closed the gap {cite}`srivastava2014`."])
    (['**What I learned**', '> Dropout closed the gap [srivastava2014].'], [1, 2])
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

_CODE_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")
_DIRECTIVE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,}|:{3,})\s*\{(?P<name>[A-Za-z][\w:-]*)\}"
                        r"\s*(?P<argument>.*?)\s*$")
# Directives whose body is words a reader sees (the others run or list code, math, files).
_FIGURES = {"figure", "image", "figure-md"}
_TABLES = {"table", "list-table", "csv-table"}
_CODE_DIRECTIVES = {"code-cell", "code-block", "code", "sourcecode", "literalinclude", "math",
                    "raw", "toctree", "bibliography", "tableofcontents", "contents", "include",
                    "mermaid", "graphviz", "eval-rst", "glue"}
_OPTION = re.compile(r"^\s*:[\w-]+:(?:\s.*)?$")
_TARGET = re.compile(r"^\s*\([\w:.-]+\)=\s*$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]{1,40})\}`(?P<text>[^`\n]{1,500})`")
_ROLE_LINK = re.compile(r"^(?P<words>.*?)\s*<(?P<target>[^<>]+)>\s*$")
_EMBED = re.compile(r"!\[\[(?P<target>[^\]|\n]{1,500})(?:\|(?P<alias>[^\]\n]{0,300}))?\]\]")
_WIKILINK = re.compile(r"(?<!!)\[\[(?P<target>[^\]|\n]{1,500})(?:\|(?P<alias>[^\]\n]{0,300}))?\]\]")
_IMAGE_FILE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp)$", re.I)
_COMMENT = re.compile(r"%%.*?%%")
# A notebook's cell magic at a row's start ("%%time", "%%capture", kept in a notebook's HTML
# export) opens no comment.
_CELL_MAGIC = re.compile(r"^%%[A-Za-z]\w*")
_CALLOUT = re.compile(r"^\s*>\s*\[!(?P<kind>[\w-]{1,30})\][+-]?\s*(?P<title>.*?)\s*$")
_SUMMARY = re.compile(r"<summary>\s*(?P<title>.*?)\s*</summary>", re.I)
_DETAILS = re.compile(r"</?details(?:\s[^>]*)?>", re.I)
_INLINE_TAG = re.compile(r"</?(?:b|strong|i|em|u|code|span|small|mark)(?:\s[^<>]{0,200})?>", re.I)
_TABLE_OPEN = re.compile(r"<table\b", re.I)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.I)
# A mind map's node: an optional id, then its text in a shape ("root((Lab 2))", "[Results]",
# "{{Hard}}"), or the text alone; a ":::class" after it is style.
_MINDMAP_SHAPE = re.compile(r"^(?:[\w-]+)?(?P<open>\(\(|\)\)|\{\{|\(-|\[|\(|\))\s*[\"`]*"
                            r"(?P<text>.*?)[\"`]*\s*(?:\)\)|\(\(|\}\}|-\)|\]|\)|\()\s*$")
_MINDMAP_CLASS = re.compile(r"\s*:::[\w\s-]*$")
MAX_TABLE_ROWS = 2000  # an HTML table left open this long is read as the text it is


def role_words(role: str, text: str) -> str:
    """A MyST or Sphinx role as the words a reader sees, for both readers of them.

    A citation reads as its key in brackets ("[tai2015]"), a link as its words ("Figure" for
    ``Figure <fig-x>``), a link of a target alone as the target.
    """
    text = text.strip()
    if role.lower().startswith("cite"):
        return f"[{text}]"
    link = _ROLE_LINK.match(text)
    return (link["words"] or link["target"]) if link else text


def _role(match: re.Match) -> str:
    return role_words(match["role"], match["text"])


def _embed(match: re.Match) -> str:
    target = match["target"].strip()
    if _IMAGE_FILE.search(target):
        alias = match["alias"] or ""
        words = alias if alias and not alias.strip().isdigit() else target  # "|300": a width
        return f"![{words}]({quote(target)})"
    return match["alias"] or target


def _comment_marks(stripped: str) -> int:
    """How many "%%" comment marks a stripped row holds, a cell magic at its start aside."""
    return _CELL_MAGIC.sub("", stripped).count("%%")


def _summary_title(match: re.Match) -> str:
    """A ``<summary>``'s title in bold, without the tags inside it ("<b>Challenges</b> -
    what went wrong?"): a title over what the ``<details>`` block holds."""
    title = " ".join(_INLINE_TAG.sub("", match["title"]).split())
    return f"**{title}**" if title else ""


def _inline(row: str) -> str:
    if "`" in row:
        row = _ROLE.sub(_role, row)
    if "[[" in row:
        row = _WIKILINK.sub(lambda m: (m["alias"] or m["target"]).strip(),
                            _EMBED.sub(_embed, row))
    if "%%" in row:
        row = _COMMENT.sub("", row)
    if "<" in row:
        row = _SUMMARY.sub(_summary_title, row)
        row = _DETAILS.sub("", row)
    return row


def markdown_row(cells: list[str]) -> str:
    """A row of data cells (a CSV's, a data block's, an HTML table's) as a Markdown table
    row: each cell on one line, its pipes made slashes."""
    return "| " + " | ".join(" ".join(cell.split()).replace("|", "/") for cell in cells) + " |"


class _TableRows(HTMLParser):
    """The rows of an HTML table: each row's cells (their text) and the line it starts on."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[list[str], int]] = []
        self.cell: list[str] | None = None
        self.caption: tuple[list[str], int] | None = None
        self.struck = 0  # inside <s> / <del>: struck out, not the student's words

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append(([], self.getpos()[0]))
        elif tag in {"td", "th"}:
            if not self.rows:
                self.rows.append(([], self.getpos()[0]))
            self.cell = []
        elif tag == "caption":
            self.caption = ([], self.getpos()[0])
        elif tag in {"s", "del", "strike"}:
            self.struck += 1
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self.cell is not None and self.rows:
            self.rows[-1][0].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag in {"s", "del", "strike"}:
            self.struck = max(self.struck - 1, 0)

    def handle_data(self, data):
        if self.struck:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.caption is not None and not self.rows:
            self.caption[0].append(data)


def html_table_rows(html: str) -> list[list[str]]:
    """The rows of the tables in an HTML fragment (a notebook's DataFrame saved only as
    ``text/html``), each as its cells' text; empty rows left out."""
    parser = _TableRows()
    parser.feed(html)
    parser.close()
    return [cells for cells, _ in parser.rows if any(cells)]


def _html_table(rows: list[str], start: int) -> tuple[list[tuple[str, int]], int] | None:
    """The HTML table opening at ``rows[start]`` as Markdown rows, and the row after it."""
    for end in range(start, min(len(rows), start + MAX_TABLE_ROWS)):
        if _TABLE_CLOSE.search(rows[end]):
            break
    else:
        return None
    parser = _TableRows()
    parser.feed("\n".join(rows[start:end + 1]))
    parser.close()
    shown: list[tuple[str, int]] = [("", start + 1)]
    if parser.caption is not None and "".join(parser.caption[0]).strip():
        shown += [("Table: " + " ".join("".join(parser.caption[0]).split()),
                   start + parser.caption[1]), ("", start + parser.caption[1])]
    table = [(cells, line) for cells, line in parser.rows if any(cells)]
    width = max((len(cells) for cells, _ in table), default=0)
    for position, (cells, line) in enumerate(table):
        shown.append((markdown_row(cells + [""] * (width - len(cells))), start + line))
        if position == 0:
            shown.append(("|" + "---|" * width, start + line))
    shown.append(("", end + 1))
    return shown, end + 1


_LIST_TABLE_ROW = re.compile(r"^\s*\*\s+-\s?(?P<cell>.*)$")   # "* - frozen": a new row
_LIST_TABLE_CELL = re.compile(r"^\s+-\s?(?P<cell>.*)$")      # "  - 75.4 %": its next cell


def _list_table(rows: list[str], start: int, fence: str
                ) -> tuple[list[tuple[str, int]], int]:
    """A MyST ``{list-table}``'s body (from ``rows[start]`` to its closing fence) as Markdown
    table rows, each with its source row's number, and the index of the closing fence (left
    to the caller)."""
    table: list[tuple[list[str], int]] = []
    blank: list[int] = []
    end = len(rows)
    for position in range(start, len(rows)):
        row = rows[position]
        if row.strip() and set(row.strip()) <= {fence[0]} and len(row.strip()) >= len(fence):
            end = position
            break
        if new_row := _LIST_TABLE_ROW.match(row):
            table.append(([new_row["cell"].strip()], position + 1))
        elif (cell := _LIST_TABLE_CELL.match(row)) and table:
            table[-1][0].append(cell["cell"].strip())
        elif row.strip() and table and table[-1][0]:  # a cell's text wrapped onto a row
            table[-1][0][-1] += " " + row.strip()
        else:
            blank.append(position + 1)
    shown = [(number, "") for number in blank]
    width = max((len(cells) for cells, _ in table), default=0)
    for position, (cells, number) in enumerate(table):
        shown.append((number, markdown_row(cells + [""] * (width - len(cells)))))
        if position == 0:
            shown.append((number, "|" + "---|" * width))
    return [(line, number) for number, line in sorted(shown, key=lambda item: item[0])], end


def _mindmap(rows: list[str], start: int, fence: str
             ) -> tuple[list[tuple[str, int]], int] | None:
    """A Mermaid mind map's fenced block as an outline, and the row after it; None for any
    other code block."""
    if rows[start].strip()[len(fence):].strip().lower() != "mermaid":
        return None
    body = next((i for i in range(start + 1, len(rows)) if rows[i].strip()), None)
    if body is None or rows[body].strip().lower() != "mindmap":
        return None
    shown: list[tuple[str, int]] = [("", start + 1)]
    indents: list[int] = []  # the indentation of each level open above the current node
    end = len(rows)
    for position in range(body + 1, len(rows)):
        row = rows[position]
        if row.strip().startswith(fence[:3]) and set(row.strip()) <= {fence[0]}:
            end = position
            break
        if not row.strip() or row.strip().startswith(("::icon", "%%")):
            shown.append(("", position + 1))
            continue
        indent = len(row) - len(row.lstrip())
        while indents and indents[-1] >= indent:
            indents.pop()
        depth = len(indents)  # 0: the root, the map's subject (the section names it)
        indents.append(indent)
        node = _MINDMAP_CLASS.sub("", row.strip())
        shape = _MINDMAP_SHAPE.match(node)
        text = (shape["text"] if shape else node).strip()
        if depth == 1:
            shown.append(("", position + 1))
            shown.append((f"- **{text}**", position + 1))
        elif depth == 2:
            shown.append((f"  - {text}", position + 1))
        elif depth > 2 and shown and shown[-1][0].startswith("  - "):
            # a twig read with its branch: "word vectors: similar words are close; ..."
            line, line_number = shown[-1]
            joiner = "; " if line.rstrip().endswith(tuple("abcdefghijklmnopqrstuvwxyz0123456789%)")) \
                and ": " in line else ": "
            shown[-1] = (line + joiner + text, line_number)
    shown.append(("", min(end, len(rows) - 1) + 1))
    return shown, end + 1


def plain_rows(rows: list[str]) -> tuple[list[str], list[int]]:
    """The rows as plain Markdown and, for each, the 1-based number of its source row."""
    out: list[str] = []
    numbers: list[int] = []
    code: str | None = None  # the fence of the code block we are in
    directives: list[dict] = []  # the directives we are inside: fence, name, captioned
    hidden = False           # inside a %% comment spanning rows
    index = 0

    def emit(row: str, number: int) -> None:
        out.append(row)
        numbers.append(number)

    while index < len(rows):
        raw, number = rows[index], index + 1
        index += 1
        stripped = raw.strip()
        if code is not None:
            emit(raw, number)
            fence = _CODE_FENCE.match(raw)
            if fence and fence["fence"][0] == code[0] and len(fence["fence"]) >= len(code) \
                    and not stripped[len(fence["fence"]):].strip():
                code = None
            continue
        if hidden:
            hidden = stripped.count("%%") % 2 == 0
            emit("", number)
            continue
        if _comment_marks(stripped) % 2 == 1:  # a comment opens here and runs over rows
            hidden = True
            emit(_inline(raw[:raw.rfind("%%")]), number)
            continue
        directive = _DIRECTIVE.match(raw)
        if directive and _prose_directive(directive["name"]):
            caption = next((row.strip() for row in rows[index:index + 20] if row.strip()
                            and not _OPTION.match(row)), "")  # a figure's caption, its alt
            emit(_directive_row(directive, caption), number)
            directives.append({"fence": directive["fence"], "name": directive["name"].lower(),
                               "captioned": False})
            while index < len(rows) and _OPTION.match(rows[index]):  # its options
                emit("", index + 1)
                index += 1
            if directive["name"].lower() == "list-table":
                shown, index = _list_table(rows, index, directive["fence"])
                for line, line_number in shown:
                    emit(line, line_number)
            continue
        if directives and stripped and set(stripped) <= {"`", "~", ":"} \
                and stripped[0] == directives[-1]["fence"][0] \
                and len(stripped) >= len(directives[-1]["fence"]):
            directives.pop()
            emit("", number)
            continue
        if directive:  # a directive that runs or lists code: a code block of its own
            code = directive["fence"] if directive["fence"][0] != ":" else None
            emit(raw if code else "", number)
            continue
        if fence := _CODE_FENCE.match(raw):
            if (mindmap := _mindmap(rows, index - 1, fence["fence"])) is not None:
                shown, index = mindmap
                for line, line_number in shown:
                    emit(line, line_number)
                continue
            code = fence["fence"]
            emit(raw, number)
            continue
        if _TARGET.match(raw):
            emit("", number)
            continue
        if directives and directives[-1]["name"] in _FIGURES and stripped \
                and not directives[-1]["captioned"]:
            directives[-1]["captioned"] = True  # a figure directive's body is its caption
            raw = "Figure: " + stripped
        if callout := _CALLOUT.match(raw):
            title = _inline(callout["title"]).strip("*_ ")
            emit(f"**{title}**" if title else "", number)
            continue
        if _TABLE_OPEN.search(raw) and (table := _html_table(rows, index - 1)):
            shown, index = table
            for line, line_number in shown:
                emit(line, line_number)
            continue
        emit(_inline(raw), number)
    return _footnotes_inline(out), numbers


# A footnote's definition ("[^1]: The paper reports 98.4% ...") and a reference to it ("[^1]")
_FOOTNOTE = re.compile(r"^ {0,3}\[\^(?P<id>[^\]\s]{1,30})\]:\s*(?P<text>.*)$")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^(?P<id>[^\]\s]{1,30})\](?!:)")


def _footnotes_inline(rows: list[str]) -> list[str]:
    """``rows`` with each footnote read also where it is first referenced, in brackets after
    the reference ("... 92.5%.[^1] I only ..." -> "... 92.5%. (The README lists 92.5% ...) I
    only ..."), as a reader follows it: a student's comparison and its reason often sit in one,
    which at the end of the file would be read as part of the last section only. The note stays
    at the end too, where it is a citation. A definition runs on over the rows after it up to a
    blank row."""
    if not any("[^" in row for row in rows):
        return rows
    notes: dict[str, tuple[str, range]] = {}  # id -> (its words, its rows)
    index = 0
    while index < len(rows):
        definition = _FOOTNOTE.match(rows[index])
        if definition is None:
            index += 1
            continue
        start, parts = index, [definition["text"].strip()]
        index += 1
        while index < len(rows) and rows[index].strip() and not _FOOTNOTE.match(rows[index]):
            parts.append(rows[index].strip())
            index += 1
        notes.setdefault(definition["id"], (" ".join(parts), range(start, index)))
    in_notes = {row for _, rows_of_note in notes.values() for row in rows_of_note}
    shown: set[str] = set()

    def read_there(reference: re.Match) -> str:
        """The note's words at its first reference; nothing at a later one; an undefined
        reference as it is."""
        note = reference["id"]
        if note not in notes or note in shown:
            return "" if note in notes else reference[0]
        shown.add(note)
        return f" ({notes[note][0]})"

    return [row if number in in_notes or "[^" not in row
            else _FOOTNOTE_REFERENCE.sub(read_there, row) for number, row in enumerate(rows)]


def _prose_directive(name: str) -> bool:
    """Is the directive's body words? Quarto's and R Markdown's code chunks (```` ```{python}
    ````) and MyST's code directives are code."""
    return name.lower() not in _CODE_DIRECTIVES | {"python", "r", "julia", "bash", "sh", "sql", "ojs", "dot",
                                "js", "ipython", "ipython3", "octave", "stan", "rcpp"}


def _directive_row(directive: re.Match, caption: str) -> str:
    name, argument = directive["name"].lower(), _inline(directive["argument"])
    if name in _FIGURES:
        fence = directive["fence"][0]
        words = "" if set(caption) <= {fence} else _inline(caption).replace("]", ")")
        return f"![{words}]({quote(argument.strip())})" if argument.strip() else ""
    if name in _TABLES:
        return f"Table: {argument}" if argument else ""
    return f"**{argument.strip('*_ ')}**" if argument.strip("*_ ") else ""
