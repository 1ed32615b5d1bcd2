"""Typst files (``report.typ``) as graded documents.

The source is turned into the Markdown the other readers give, from the Typst syntax
reference (https://typst.app/docs/reference/syntax/): ``= Results`` headings (one level
deeper under a document title), ``*strong*`` and ``_emphasis_``, ``- `` and ``+ `` lists,
``/ Term: text`` term lists (a run-in label), raw blocks (code), ``#quote[...]`` (a quote),
``#figure(image("curves.png"), caption: [...])`` (a figure and a "Figure 1: ..." line, so a
caption counts even when the image was not handed in), ``#table(columns: 3, [a], [b], ...)``
(a Markdown table, a figure of a table captioned "Table 1: ..."), ``#link("url")[words]``,
``#footnote[...]``, and ``@fig-curves`` (the "Figure 1" it points to; a citation ``@key`` or
``#cite(<key>)`` stays as ``[key]``). Set, show, let and import rules, comments, spacing and
page breaks carry no words of the student's and are left out; the content of any other
function (``#align(center)[...]``, ``#block[...]``, a package's ``#note[...]``) is read as
text. Nothing is compiled, no file is included. Places are named ``report.typ:12``.

Example:
    >>> document = typst_document("r.typ", "= Results\\nAccuracy *99.1%*.\\n")
    >>> [s.title for s in document.sections()], document.lines[-1].text
    (['Results'], 'Accuracy **99.1%**.')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from toolkit.grading.report_text import Document, converted_document, markdown_row
from toolkit.grading.source_lines import LineIndex

_CALL = re.compile(r"#(?P<name>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)")
_NAME = re.compile(r"(?P<name>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)")
_KEYWORDS = {"set", "show", "let", "import", "include", "if", "for", "while", "context"}
_HEADING = re.compile(r"^(?P<marks>=+)\s+(?P<title>.*?)\s*$")
_TERM = re.compile(r"^(?P<indent>\s*)/\s+(?P<term>[^:\n]{1,80}):\s*(?P<text>.*)$")
_ENUM = re.compile(r"^(?P<indent>\s*)\+\s+")
_LABEL = re.compile(r"<(?P<name>[\w:.-]+)>")
_REFERENCE = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))@(?P<name>[\w:.-]*\w)")
_STRONG = re.compile(r"(?<![\w*\\])\*(?=\S)(?P<t>[^*\n]*?[^\s\\])\*(?![\w*])")
_EMPH = re.compile(r"(?<![\w_\\])_(?=\S)(?P<t>[^_\n]*?[^\s\\])_(?![\w_])")
_ESCAPE = re.compile(r"\\(?P<char>[^\s*_\\])")
_LINE_BREAK = re.compile(r"\s\\$")
# Functions that only place or style what they hold, or that hold nothing to read.
_SILENT = {"v", "h", "pagebreak", "colbreak", "parbreak", "linebreak", "outline", "bibliography",
           "counter", "state", "metadata", "line", "hide", "place.flush", "todo-outline"}
_INLINE = {"strong", "emph", "text", "underline", "overline", "strike", "highlight",
           "smallcaps", "sub", "super", "upper", "lower", "box", "link", "footnote", "cite",
           "ref", "sym", "emoji", "math", "h", "linebreak", "image"}
_SYMBOLS = {"sym.arrow": "→", "sym.arrow.r": "→", "sym.arrow.l": "←", "sym.times": "×",
            "sym.approx": "≈", "sym.checkmark": "✓", "sym.plus.minus": "±", "sym.dash.em": "—",
            "sym.lt.eq": "≤", "sym.gt.eq": "≥"}
MAX_NESTING = 40  # brackets inside brackets; deeper is no document a student wrote
MAX_JOINED_LINES = 40  # calls spanning lines that may pull their lines into one line of prose


@dataclass
class _Call:
    """``#name(arguments)[content]...`` at ``start``: its parts as offsets into the source."""
    name: str
    start: int
    end: int
    arguments: list[tuple[str | None, int, int]] = field(default_factory=list)  # name, span
    contents: list[tuple[int, int]] = field(default_factory=list)  # inside each [...]


def _skip_string(text: str, index: int) -> int:
    """The index after the string literal opened at ``text[index]``."""
    index += 1
    while index < len(text) and text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return min(index + 1, len(text))


def _skip_raw(text: str, index: int) -> int:
    """The index after the raw text (one or more backticks) opened at ``text[index]``."""
    ticks = len(text[index:]) - len(text[index:].lstrip("`"))
    if ticks == 2:  # `` is an empty raw text
        return index + 2
    close = text.find("`" * ticks, index + ticks)
    return len(text) if close < 0 else close + ticks


@lru_cache(maxsize=65536)  # an unclosed bracket is looked for once, not once per line after it
def _closing(text: str, index: int, limit: int, depth: int = 0) -> int | None:
    """The index after the bracket that closes the one at ``text[index]``, or None.

    Inside ``[...]`` (markup) only brackets nest and a string is words; inside ``(...)`` and
    ``{...}`` (code) strings are skipped and every kind of bracket nests."""
    if depth > MAX_NESTING:
        return None
    closer = {"(": ")", "[": "]", "{": "}"}[text[index]]
    markup = closer == "]"
    index += 1
    while index < limit:
        char = text[index]
        if char == "\\":
            index += 2
        elif char == '"' and not markup:
            index = _skip_string(text, index)
        elif char == "`" and markup:
            index = _skip_raw(text, index)
        elif text.startswith("//", index) and (not markup or index == 0
                                                or text[index - 1] in " \t\n"):
            newline = text.find("\n", index)
            index = limit if newline < 0 else newline
        elif char == closer:
            return index + 1
        elif char == "[" or (not markup and char in "({"):
            after = _closing(text, index, limit, depth + 1)
            if after is None:
                return None
            index = after
        elif markup and char == "#" and (call := _CALL.match(text, index)):
            index = _call(text, call, limit, depth + 1).end
        elif not markup and char in ")]}":
            return None
        else:
            index += 1
    return None


def _arguments(text: str, start: int, end: int) -> list[tuple[str | None, int, int]]:
    """The top-level arguments between ``start`` and ``end``: (name or None, value span)."""
    arguments, index, begin = [], start, start
    while index <= end:
        char = text[index] if index < end else ","
        if char == '"':
            index = _skip_string(text, index)
            continue
        if char in "([{":
            index = _closing(text, index, end) or end
            continue
        if char == ",":
            piece = text[begin:index]
            named = re.match(r"\s*(?P<name>[A-Za-z_][\w-]*)\s*:(?!:)", piece)
            value_start = begin + (named.end() if named else 0)
            if piece.strip():
                arguments.append((named["name"] if named else None, value_start, index))
            begin = index + 1
        index += 1
    return arguments


def _call(text: str, match: re.Match, limit: int, depth: int = 0) -> _Call:
    """The call at ``match`` (``#name``) with its argument list and content blocks."""
    call = _Call(match["name"], match.start(), match.end())
    index = match.end()
    while index < limit and text[index] in "([":
        after = _closing(text, index, limit, depth)
        if after is None:
            break
        if text[index] == "(":
            call.arguments += _arguments(text, index + 1, after - 1)
        else:
            call.contents.append((index + 1, after - 1))
        index = after
    call.end = index
    return call


def _statement_end(text: str, index: int, limit: int) -> int:
    """The end of a ``#set``/``#show``/``#let``/``#import`` line, brackets spanning lines."""
    while index < limit and text[index] != "\n":
        if text[index] == '"':
            index = _skip_string(text, index)
        elif text[index] in "([{":
            index = _closing(text, index, limit) or limit
        else:
            index += 1
    return index


class _Converter:
    """Typst markup to Markdown lines, each with the source line it came from."""

    def __init__(self, source: str):
        self.text = source
        self.line_of = LineIndex(source).line_of
        self.out: list[tuple[str, int]] = []
        self.labels: dict[str, str] = {}     # <fig-curves> -> "Figure 1"
        self.counters = {"Figure": 0, "Table": 0}
        self.variables: dict[str, str] = {}  # #let name = "words" / [words]
        self.titled = False

    def emit(self, line: str, offset: int) -> None:
        self.out.append((line, self.line_of(offset)))

    # -- inline text ---------------------------------------------------------------------
    def inline(self, start: int, end: int) -> str:
        """The markup between ``start`` and ``end`` as one line of Markdown."""
        text, pieces, index, plain = self.text, [], start, start
        while index < end:
            char = text[index]
            if char == "\\" and index + 1 < end:
                index += 2
            elif char == "`":
                index = min(_skip_raw(text, index), end)
            elif char == "$":
                close = text.find("$", index + 1, end)
                index = end if close < 0 else close + 1
            elif text.startswith("/*", index):
                pieces.append(text[plain:index])
                close = text.find("*/", index + 2, end)
                index = plain = end if close < 0 else close + 2
            elif text.startswith("//", index) and (index == start or text[index - 1] in " \t\n"):
                pieces.append(text[plain:index])
                newline = text.find("\n", index, end)
                index = plain = end if newline < 0 else newline
            elif char == "#" and (match := _CALL.match(text, index, end)):
                pieces.append(text[plain:index])
                call = _call(text, match, end)
                pieces.append(self.inline_call(call))
                index = plain = call.end
            else:
                index += 1
        pieces.append(text[plain:end])
        return self.markup_words(" ".join("".join(pieces).split("\n")))

    def markup_words(self, line: str) -> str:
        """Typst's emphasis, labels and escapes written as Markdown's."""
        line = _LINE_BREAK.sub("", line.rstrip())
        line = _LABEL.sub("", line)
        line = _STRONG.sub(r"**\g<t>**", line)
        line = _EMPH.sub(r"*\g<t>*", line)
        line = line.replace("~", " ")
        return _ESCAPE.sub(r"\g<char>", line)

    def content(self, call: _Call) -> str:
        return " ".join(self.inline(a, b).strip() for a, b in call.contents)

    def value(self, start: int, end: int) -> str:
        """An argument's words: a string, a content block, or a call holding them."""
        piece = self.text[start:end]
        offset = start + len(piece) - len(piece.lstrip())
        stripped = piece.strip()
        if stripped.startswith('"') and stripped.endswith('"') and len(stripped) > 1:
            return stripped[1:-1].replace('\\"', '"')
        if stripped.startswith("["):
            close = _closing(self.text, offset, end) or end
            return self.inline(offset + 1, close - 1).strip()
        if (match := _NAME.match(self.text, offset, end)) and self.text[match.end():
                                                                         match.end() + 1] in "([":
            return self.inline_call(_call(self.text, match, end))
        return ""

    def inline_call(self, call: _Call) -> str:
        name = call.name
        if name in self.variables and not call.arguments and not call.contents:
            return self.variables[name]
        if name.startswith("sym.") or name.startswith("emoji."):
            return _SYMBOLS.get(name, "")
        if name in {"h", "v", "linebreak", "parbreak"}:
            return " "
        if name in _SILENT or name in _KEYWORDS:
            return ""
        words = self.content(call)
        positional = [self.value(a, b) for key, a, b in call.arguments if key is None]
        if name == "strong":
            return f"**{words}**" if words else ""
        if name == "emph":
            return f"*{words}*" if words else ""
        if name == "link":
            url = positional[0] if positional else ""
            return f"[{words}]({url})" if words else url
        if name == "footnote":
            return f" ({words})" if words else ""
        if name in {"cite", "ref"}:
            keys = [m["name"] for m in _LABEL.finditer(self.text[call.start:call.end])]
            return " ".join(f"@{key}" for key in keys)
        if name == "image":
            return f"![]({positional[0]})" if positional else ""
        return words or " ".join(p for p in positional if p)

    # -- blocks ----------------------------------------------------------------------------
    def markup(self, start: int, end: int) -> None:
        """Emit the markup between ``start`` and ``end`` line by line."""
        text, index = self.text, start
        rows = [row for row in text[start:end].split("\n") if row.strip()]
        base = min((len(row) - len(row.lstrip()) for row in rows), default=0)  # a block's indent
        while index < end:
            line_end = text.find("\n", index, end)
            line_end = end if line_end < 0 else line_end
            line = text[index:line_end]
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if stripped.startswith("```"):
                index = self.raw_block(index + indent, end)
            elif stripped.startswith("/*"):
                close = text.find("*/", index, end)
                index = end if close < 0 else close + 2
            elif not stripped or stripped.startswith("//"):
                if not stripped:
                    self.emit("", index)
                index = line_end + 1
            elif stripped.startswith("#") and (match := _CALL.match(text, index + indent, end)) \
                    and self.block_call(match, end):
                index = self.after_block
            else:
                index = self.paragraph_line(index + min(base, indent), line_end, end)

    def raw_block(self, start: int, end: int) -> int:
        text = self.text
        ticks = len(text[start:]) - len(text[start:].lstrip("`"))
        line_end = text.find("\n", start, end)
        line_end = end if line_end < 0 else line_end
        self.emit("```" + text[start + ticks:line_end].strip(), start)
        close = text.find("`" * ticks, line_end, end)
        body_end = end if close < 0 else close
        body_end -= text[line_end:body_end].endswith("\n")  # the closing fence's own line
        for offset, row in self._rows(line_end + 1, body_end):
            self.emit(row, offset)
        self.emit("```", body_end)
        after = text.find("\n", close, end)
        return end if after < 0 or close < 0 else after + 1

    def _rows(self, start: int, end: int):
        offset = start
        for row in self.text[start:end].split("\n"):
            yield offset, row
            offset += len(row) + 1

    def paragraph_line(self, start: int, line_end: int, end: int) -> int:
        """One line of prose, a heading or a list item; a bracket it leaves open pulls in the
        lines up to its close."""
        text = self.text
        stretch = line_end
        index, joined = start, 0
        while index < stretch:
            char = text[index]
            if char == "\\":
                index += 2
            elif char == "`":
                index = _skip_raw(text, index)
            elif char == "#" and (match := _CALL.match(text, index, end)):
                call = _call(text, match, end)
                index = call.end
                if index > stretch and joined < MAX_JOINED_LINES:
                    stretch = text.find("\n", index, end)
                    stretch = end if stretch < 0 else stretch
                    joined += 1
            else:
                index += 1
        line = text[start:stretch]
        body = line.lstrip()
        offset = start + len(line) - len(body)
        if heading := _HEADING.match(body):
            level = min(len(heading["marks"]) + self.titled, 6)
            title = self.inline(offset + heading.start("title"), offset + heading.end("title"))
            self.label_heading(body, title)
            self.emit("", start)
            self.emit("#" * level + " " + title.strip(), start)
            self.emit("", start)
        elif term := _TERM.match(line):
            words = self.inline(start + term.start("text"), start + term.end("text")).strip()
            label = self.inline(start + term.start("term"), start + term.end("term")).strip()
            self.emit(f"{term['indent']}- **{label}:** {words}".rstrip(), start)
        elif enum := _ENUM.match(line):
            self.emit(enum["indent"] + "1. " + self.inline(start + enum.end(), stretch).strip(),
                      start)
        else:
            indent = line[:len(line) - len(body)]
            self.emit(indent + self.inline(offset, stretch).strip(), start)
        return stretch + 1

    def label_heading(self, source: str, title: str) -> None:
        for label in _LABEL.finditer(source):
            self.labels[label["name"]] = f'the section "{title.strip()}"'

    def trailing_label(self, index: int, end: int) -> tuple[str | None, int]:
        """A ``<label>`` right after an element (on its line or the next): name, end."""
        match = re.compile(r"[ \t]*\n?[ \t]*<(?P<name>[\w:.-]+)>").match(self.text, index, end)
        return (match["name"], match.end()) if match else (None, index)

    def block_call(self, match: re.Match, end: int) -> bool:
        """Emit a call that stands on its own line; False to read the line as prose."""
        text, name = self.text, match["name"]
        if name in _KEYWORDS:
            stop = _statement_end(text, match.end(), end)
            self.statement(name, match.start(), stop)
            self.after_block = stop + 1
            return True
        call = _call(text, match, end)
        label, label_end = self.trailing_label(call.end, end)
        after = label_end if label else call.end
        line_end = text.find("\n", after, end)
        line_end = end if line_end < 0 else line_end
        if text[after:line_end].strip():
            return False  # "#strong[Insights:] I learned ..." is a line of prose
        if name in _INLINE and name != "image" and "\n" not in text[call.start:call.end]:
            return False
        self.after_block = line_end + 1
        self.element(call, label)
        return True

    def statement(self, keyword: str, start: int, stop: int) -> None:
        """``#let name = ...`` keeps a value of words; a title set by a rule heads the text."""
        source = self.text[start:stop]
        if keyword == "let":
            simple = re.match(r"#let\s+(?P<name>[A-Za-z_][\w-]*)\s*=\s*", source)
            if simple:
                value_start = start + simple.end()
                self.variables[simple["name"]] = self.value(value_start, stop)
            return
        opening = re.search(r"(?:document|\.with)\s*\(", source) if keyword in {"set", "show"} \
            else None
        if opening:
            open_index = start + opening.end() - 1
            close = _closing(self.text, open_index, stop)
            title = next((self.value(a, b) for key, a, b in
                          _arguments(self.text, open_index + 1, close - 1) if key == "title"),
                         "") if close else ""
            if title:
                self.emit("# " + title, start)
                self.titled = True

    def element(self, call: _Call, label: str | None) -> None:
        name = call.name
        if name in _SILENT or name.startswith("sym."):
            return
        if name == "figure":
            self.figure(call, label)
        elif name == "image":
            self.emit(self.inline_call(call), call.start)
        elif name in {"table", "grid"}:
            self.table(call, name == "grid")
        elif name == "heading":
            level = next((self.text[a:b].strip() for key, a, b in call.arguments
                          if key == "level"), "1")
            words = self.content(call) or " ".join(self.value(a, b) for key, a, b in
                                                   call.arguments if key is None)
            depth = int(level) if level.isdigit() else 1
            self.emit("", call.start)
            self.emit("#" * min(depth + self.titled, 6) + " " + words, call.start)
            self.emit("", call.start)
        elif name == "quote":
            for start, stop in call.contents:
                mark = len(self.out)
                self.markup(start, stop)
                self.out[mark:] = [("> " + line if line else ">", number)
                                   for line, number in self.out[mark:]]
        elif name in {"list", "enum", "terms"}:
            bullet = "1. " if name == "enum" else "- "
            for key, start, stop in call.arguments:
                if key is None:
                    self.emit(bullet + self.value(start, stop), start)
            for start, stop in call.contents:
                self.emit(bullet + self.inline(start, stop).strip(), start)
        elif name == "raw":
            positional = [self.value(a, b) for key, a, b in call.arguments if key is None]
            self.emit("```", call.start)
            for row in (positional[0] if positional else "").split("\\n"):
                self.emit(row, call.start)
            self.emit("```", call.start)
        else:  # align, block, pad, columns, a package's callout: what it holds is text
            title = next((self.value(a, b) for key, a, b in call.arguments if key == "title"),
                         "")
            if title:
                self.emit("", call.start)
                self.emit(f"**{title}**", call.start)
            for key, start, stop in call.arguments:
                if key is None and self.text[start:stop].strip().startswith(("[", "image(",
                                                                              "figure(")):
                    self.nested(start, stop)
            for start, stop in call.contents:
                self.markup(start, stop)
                self.emit("", stop)

    def nested(self, start: int, stop: int) -> None:
        """A positional argument that is content or an element (a grid's cell)."""
        piece = self.text[start:stop]
        offset = start + len(piece) - len(piece.lstrip())
        if piece.strip().startswith("["):
            close = _closing(self.text, offset, stop)
            self.markup(offset + 1, (close or stop) - 1)
            self.emit("", stop)
        elif match := re.compile(r"(?P<name>[A-Za-z_][\w.-]*)").match(self.text, offset):
            self.element(_call(self.text, match, stop), None)

    def figure(self, call: _Call, label: str | None) -> None:
        caption = next((self.value(a, b) for key, a, b in call.arguments if key == "caption"),
                       "")
        bodies = [(a, b) for key, a, b in call.arguments if key is None]
        kind_argument = next((self.text[a:b].strip() for key, a, b in call.arguments
                              if key == "kind"), "")
        body = self.text[bodies[0][0]:bodies[0][1]].strip() if bodies else ""
        kind = "Table" if body.startswith("table(") or kind_argument == "table" else "Figure"
        self.counters[kind] += 1
        number = f"{kind} {self.counters[kind]}"
        if label:
            self.labels[label] = number
        self.emit("", call.start)
        for start, stop in bodies + list(call.contents):
            piece = self.text[start:stop].strip()
            if piece.startswith("image("):
                target = re.match(r'image\(\s*"(?P<path>[^"]*)"', piece)
                if target:
                    self.emit(f"![{caption or target['path']}]({target['path']})", start)
            else:
                self.nested(start, stop)
        if caption:
            self.emit("", call.start)
            self.emit(f"{number}: {caption}", call.start)
        self.emit("", call.start)

    def table(self, call: _Call, grid: bool) -> None:
        columns_value = next((self.text[a:b].strip() for key, a, b in call.arguments
                              if key == "columns"), "1")
        if columns_value.isdigit():
            columns = int(columns_value)
        elif columns_value.startswith("("):
            columns = max(1, len([p for p in columns_value[1:-1].split(",") if p.strip()]))
        else:
            columns = 1
        cells: list[str] = []
        header: list[str] = []
        for key, start, stop in call.arguments:
            if key is not None:
                continue
            piece = self.text[start:stop].strip()
            offset = start + len(self.text[start:stop]) - len(self.text[start:stop].lstrip())
            if piece.startswith(("table.header", "grid.header")):
                inner = _call(self.text, re.compile(r"(?P<name>[\w.]+)").match(
                    self.text, offset), stop)
                header = [self.value(a, b) for k, a, b in inner.arguments if k is None]
            elif piece.startswith(("table.hline", "table.vline", "grid.hline", "grid.vline")):
                continue
            elif grid and piece.startswith(("image(", "figure(")):
                self.nested(start, stop)
            else:
                cells.append(self.value(start, stop).replace("|", "/"))
        rows = [cells[i:i + columns] for i in range(0, len(cells), columns)]
        if header:
            rows.insert(0, header)
        if not rows or (grid and columns == 1):
            for row in rows:
                self.emit(" ".join(row), call.start)
            return
        self.emit("", call.start)
        self.emit(markdown_row(rows[0]), call.start)
        self.emit("|" + "---|" * len(rows[0]), call.start)
        for row in rows[1:]:
            self.emit(markdown_row(row), call.start)
        self.emit("", call.end)

    def references(self) -> None:
        """``@fig-curves`` as the "Figure 1" it points to; a citation key as ``[key]``."""
        def name(match: re.Match) -> str:
            return self.labels.get(match["name"], f"[{match['name']}]")

        code = False
        for position, (line, number) in enumerate(self.out):
            if line.startswith("```"):
                code = not code
            elif not code:
                self.out[position] = (_REFERENCE.sub(name, line), number)


def typst_markdown(source: str) -> list[tuple[str, int]]:
    """The file's Markdown lines with their source lines (see the module docstring)."""
    converter = _Converter(source.replace("\r\n", "\n"))
    converter.markup(0, len(converter.text))
    converter.references()
    return converter.out


def typst_document(path: str, text: str) -> Document:
    """A Typst file as a document: headings, prose, lists, tables, captions and figures."""
    return converted_document(path, typst_markdown(text))
