"""LaTeX reports (an Overleaf project's ``main.tex``) as graded documents.

The source is turned into the Markdown the other readers give: ``\\section`` and its kin become
headings, ``\\paragraph{Task.}`` a run-in label, ``tabular`` a Markdown table, ``itemize`` and
``enumerate`` list items, ``\\caption`` a "Figure 1: ..." or "Table 1: ..." line (a caption
counts even when the image was not handed in), ``\\includegraphics`` a figure (the file must be
in the submission), ``verbatim`` a code block and ``thebibliography`` a "References" section
of ``\\bibitem`` entries. The text in between is read with ``pylatexenc`` (accents, ``\\%``,
``\\textbf``, math); ``\\cite{key}`` stays as ``[key]``. Nothing is compiled or run, no file is
included, and comments are left out. Places are named ``report.tex line 42``.

Example:
    >>> document = latex_document("r.tex", "\\\\section{Results}\\nAccuracy 91\\\\%.\\n")
    >>> [s.title for s in document.sections()], document.lines[-1].text
    (['Results'], 'Accuracy 91%.')
"""

from __future__ import annotations

import re
from functools import lru_cache

from toolkit.grading.report_text import Document, converted_document

_COMMENT = re.compile(r"(?<!\\)%.*$")
_BEGIN = re.compile(r"\\begin\{(?P<name>[A-Za-z]+\*?)\}")
_END = re.compile(r"\\end\{(?P<name>[A-Za-z]+\*?)\}")
_HEADING = re.compile(r"^\\(?P<kind>part|chapter|section|subsection|subsubsection|paragraph|"
                      r"subparagraph)\*?\s*(?:\[[^\]]*\])?\s*\{")
_LEVELS = {"part": 1, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4}
_ITEM = re.compile(r"^\\item\s*(?:\[(?P<label>[^\]]*)\])?\s*")
_ENDS_LABEL = re.compile(r"[.:;?!)\]]$")
# A line that opens in bold, "\textbf{Challenges}" alone or "\textbf{Insights:} I learned
# ...": the bold line or run-in label a Markdown writer would type as "**Challenges**"
_BOLD_OPENING = re.compile(r"^(?:\\noindent\s*)?(?:\\textbf\s*\{|\{\\bf(?:series)?\s+)")


def _bold_opening(line: str) -> str | None:
    """A line opening in bold as Markdown ("**Challenges**", "**Insights:** I learned ..."),
    or None."""
    opening = _BOLD_OPENING.match(line)
    if opening is None:
        return None
    bold, after = _braced(line, opening.end())
    label = inline_text(bold)
    return f"**{label}** {inline_text(line[after:])}".rstrip() if label else None


def _run_in(label: str) -> str:
    """A label set before its text (``\\item[Snags]``, ``\\paragraph{Task}``) as a bold run-in
    label, closed by a colon where the student wrote no stop of their own: "**Snags:**"."""
    closed = label if _ENDS_LABEL.search(label) or not re.search(r"[A-Za-z]", label) \
        else label + ":"
    return f"**{closed}**"


_BIBITEM = re.compile(r"^\\bibitem\s*(?:\[[^\]]*\])?\s*\{(?P<key>[^}]*)\}\s*")
_CAPTION = re.compile(r"\\caption\*?\s*(?:\[[^\]]*\])?\s*\{")
_GRAPHICS = re.compile(r"\\includegraphics\s*(?:\[[^\]]*\])?\s*\{(?P<file>[^}]*)\}")
_ROW_END = re.compile(r"(?<!\\)\\\\(?:\s*\[[^\]]*\])?")
_CELL = re.compile(r"(?<!\\)&")
_RULE = re.compile(r"\\(?:toprule|midrule|bottomrule|hline|cline\{[^}]*\}|cmidrule(?:\([^)]*\))?"
                   r"\{[^}]*\}|endhead|endfirsthead|endfoot|endlastfoot)")
# Layout commands that carry no words of the student's.
_LAYOUT = re.compile(r"^\\(?:centering|raggedright|raggedleft|small|footnotesize|scriptsize|"
                     r"large|Large|normalsize|maketitle|tableofcontents|newpage|clearpage|"
                     r"noindent|medskip|bigskip|smallskip|titlepage|pause|column\{[^}]*\}|vspace\*?\{[^}]*\}|hfill|"
                     r"label\{[^}]*\}|bibliographystyle\{[^}]*\}|graphicspath\{.*\}|"
                     r"setlength\{[^}]*\}\{[^}]*\}|appendix)\s*$")
_VERBATIM = {"verbatim", "verbatim*", "lstlisting", "minted", "Verbatim", "comment"}
_TABULAR = {"tabular", "tabular*", "tabularx", "longtable", "tabulary", "array"}
_LISTS = {"itemize", "enumerate", "description"}
_FLOATS = {"figure": "Figure", "figure*": "Figure", "table": "Table", "table*": "Table",
           "wrapfigure": "Figure"}
# Beamer slides (a deck handed in as LaTeX source): a frame's title is a heading, a block's
# title a bold line.
_SLIDE_TITLED = {"frame", "block", "alertblock", "exampleblock"}
_FRAME_TITLE = re.compile(r"^\\(?P<kind>frametitle|framesubtitle)\s*(?:<[^>]*>)?\s*\{")
_OVERLAY = re.compile(r"^\s*(?:<[^>]*>)?\s*(?:\[[^\]]*\])?\s*(?:<[^>]*>)?\s*\{")
MAX_JOINED_LINES = 40  # an argument left open this long is a typo, not a long caption


def _braced(text: str, start: int) -> tuple[str, int]:
    """The text of the brace group opened at ``text[start - 1]`` and the index after it."""
    depth, index = 1, start
    while index < len(text) and depth:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        index += 1
    return text[start:index - 1 if depth == 0 else index], index


def _slide_title(rest: str) -> str:
    """The title after ``\\begin{frame}`` or ``\\begin{block}``: its first brace group after
    the overlay and options (``<2->[fragile]{Results}``), if any."""
    opening = _OVERLAY.match(rest)
    return inline_text(_braced(rest, opening.end())[0]) if opening else ""


def _open_braces(text: str) -> int:
    unescaped = re.sub(r"\\.", "", text)
    return unescaped.count("{") - unescaped.count("}")


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    def arguments(n, l2tobj) -> list[str]:  # the text of each argument the macro was given
        given = n.nodeargd.argnlist if n.nodeargd else []
        return [l2tobj.nodelist_to_text([a]) for a in given if a is not None]

    def last_argument(template: str):
        def replace(n, l2tobj):
            texts = arguments(n, l2tobj)
            return template % (texts[-1] if texts else "")
        return replace

    def link(n, l2tobj):  # \href{url}{text}: the text and where it points (a reference)
        texts = arguments(n, l2tobj)
        return f"{texts[-1]} ({texts[0]})" if len(texts) >= 2 else "".join(texts)

    context = get_default_latex_context_db()
    context.add_context_category("kerascourse", prepend=True, macros=[
        MacroTextSpec("texttt", simplify_repl=last_argument("%s")),
        MacroTextSpec("cite", simplify_repl=last_argument("[%s]")),
        MacroTextSpec("citep", simplify_repl=last_argument("(%s)")),
        MacroTextSpec("citet", simplify_repl=last_argument("[%s]")),
        MacroTextSpec("ref", simplify_repl=last_argument("%s")),
        MacroTextSpec("eqref", simplify_repl=last_argument("(%s)")),
        MacroTextSpec("autoref", simplify_repl=last_argument("%s")),
        MacroTextSpec("label", discard=True),
        MacroTextSpec("href", simplify_repl=link),
        MacroTextSpec("url", simplify_repl=last_argument("%s")),
    ])
    return LatexNodes2Text(latex_context=context, math_mode="text")


def inline_text(latex: str) -> str:
    """A line of LaTeX as the words a reader sees ("88.9\\%" -> "88.9%")."""
    # A command line's "--epochs" stays as typed, not an en dash
    latex = latex.replace("---", "\u2014").replace("--", "\ue000")
    try:
        text = _converter().latex_to_text(latex).replace("\ue000", "--")
    except Exception:  # pylatexenc is strict on some broken input: read it roughly instead
        text = re.sub(r"\\[A-Za-z]+\*?|[{}$]", " ",
                      latex.replace("\\%", "%")).replace("\ue000", "--")
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def _table_rows(latex: str) -> list[str]:
    """A tabular's body as Markdown rows, a separator after the first."""
    body = _RULE.sub("", latex)
    rows = []
    for row in _ROW_END.split(body):
        if not row.strip():
            continue
        cells = [inline_text(cell).replace("|", "/") for cell in _CELL.split(row)]
        rows.append("| " + " | ".join(cells) + " |")
        if len(rows) == 1:
            rows.append("|" + "---|" * len(cells))
    return rows


class _Writer:
    """Markdown lines, each with the source line it came from."""

    def __init__(self):
        self.lines: list[tuple[str, int]] = []

    def add(self, text: str, line: int) -> None:
        self.lines.append((text, line))

    def blank(self, line: int) -> None:
        if self.lines and self.lines[-1][0]:
            self.lines.append(("", line))


def _logical_lines(source: str) -> list[tuple[str, int]]:
    """``(text, first source line)``: comments left out, a line whose braces are still open
    joined with the next ones (a ``\\caption{`` over three lines)."""
    lines = [_COMMENT.sub("", raw) for raw in source.splitlines()]
    joined: list[tuple[str, int]] = []
    index = 0
    while index < len(lines):
        text, start = lines[index], index + 1
        extra = 0
        while _open_braces(text) > 0 and extra < MAX_JOINED_LINES and index + 1 < len(lines):
            index += 1
            extra += 1
            text += " " + lines[index].strip()
        joined.append((text, start))
        index += 1
    return joined


def latex_markdown(source: str) -> list[tuple[str, int]]:
    """The document's Markdown lines with their source lines (see the module docstring)."""
    out = _Writer()
    title = re.search(r"\\title\s*(?:\[[^\]]*\])?\s*\{", source)
    body_start = source.find("\\begin{document}")
    if title and (body_start < 0 or title.start() < body_start):
        text, _ = _braced(source, title.end())
        out.add("# " + inline_text(re.sub(r"\\\\", " - ", text)), source.count("\n", 0, title.start()) + 1)
        out.blank(0)
    skipped = source.count("\n", 0, body_start) if body_start >= 0 else 0
    body = source[body_start:] if body_start >= 0 else source
    floats: list[str] = []   # the figure or table environments we are inside
    counters = {"Figure": 0, "Table": 0}
    verbatim: str | None = None
    table: list[str] | None = None
    for text, number in _logical_lines(body):
        number += skipped
        stripped = text.strip()
        if verbatim is not None:
            if f"\\end{{{verbatim}}}" in stripped:
                out.add("```", number)
                verbatim = None
            else:
                out.add(text, number)
            continue
        if table is not None:
            end = _END.search(stripped)
            if end and end["name"] in _TABULAR:
                table.append(stripped[:end.start()])
                for row in _table_rows(" ".join(table)):
                    out.add(row, number)
                out.blank(number)
                table = None
            else:
                table.append(stripped)
            continue
        if not stripped:
            out.blank(number)
            continue
        begin = _BEGIN.match(stripped)
        if begin:
            name = begin["name"]
            if name == "document":
                continue
            if name in _VERBATIM:
                out.blank(number)
                out.add("```", number)
                verbatim = name
                continue
            if name in _TABULAR:
                out.blank(number)
                rest = stripped[begin.end():]
                rest = re.sub(r"^\s*(\[[^\]]*\])?(\{[^{}]*\})?\s*\{(?:[^{}]|\{[^{}]*\})*\}", "",
                              rest)  # the width and the column spec
                table = [rest]
                continue
            if name in _FLOATS:
                floats.append(_FLOATS[name])
                continue
            if name == "abstract":
                out.blank(number)
                out.add("## Abstract", number)
                out.blank(number)
                continue
            if name == "thebibliography":
                out.blank(number)
                out.add("## References", number)
                out.blank(number)
                continue
            if name in _SLIDE_TITLED:  # a beamer frame or block: its title heads its words
                title = _slide_title(stripped[begin.end():])
                out.blank(number)
                if title:
                    out.add(("### " if name == "frame" else "**") + title
                            + ("" if name == "frame" else "**"), number)
                    out.blank(number)
                continue
            if name in _LISTS or name in {"center", "flushleft", "flushright", "minipage",
                                          "quote", "quotation", "columns", "column"}:
                out.blank(number)
                continue
        end = _END.match(stripped)
        if end:
            if end["name"] in _FLOATS and floats:
                floats.pop()
            out.blank(number)
            continue
        frame_title = _FRAME_TITLE.match(stripped)
        if frame_title:
            words, _ = _braced(stripped, frame_title.end())
            out.blank(number)
            out.add(("### " if frame_title["kind"] == "frametitle" else "**")
                    + inline_text(words) + ("" if frame_title["kind"] == "frametitle" else "**"),
                    number)
            out.blank(number)
            continue
        heading = _HEADING.match(stripped)
        if heading:
            words, after = _braced(stripped, heading.end())
            rest = inline_text(stripped[after:])
            out.blank(number)
            if heading["kind"] in _LEVELS:
                out.add("#" * _LEVELS[heading["kind"]] + " " + inline_text(words), number)
                out.blank(number)
                if rest:
                    out.add(rest, number)
            else:  # \paragraph{Task.} Sentence-level ...: a run-in label
                out.add(f"{_run_in(inline_text(words))} {rest}".rstrip(), number)
            continue
        for graphic in _GRAPHICS.finditer(stripped):
            out.add(f"![{graphic['file']}]({graphic['file']})", number)
        stripped = _GRAPHICS.sub("", stripped).strip()
        caption = _CAPTION.search(stripped)
        if caption:
            words, _ = _braced(stripped, caption.end())
            kind = floats[-1] if floats else "Figure"
            counters[kind] += 1
            out.blank(number)
            out.add(f"{kind} {counters[kind]}: {inline_text(words)}", number)
            out.blank(number)
            continue
        if not stripped or _LAYOUT.match(stripped) or _RULE.fullmatch(stripped):
            continue
        item = _ITEM.match(stripped)
        bibitem = _BIBITEM.match(stripped)
        if item:
            label = f"{_run_in(inline_text(item['label']))} " if item["label"] else ""
            out.add(f"- {label}{inline_text(stripped[item.end():])}".rstrip(), number)
        elif bibitem:
            out.blank(number)
            out.add(f"- [{bibitem['key']}] {inline_text(stripped[bibitem.end():])}".rstrip(),
                    number)
        elif bold := _bold_opening(stripped):
            out.add(bold, number)
        else:
            words = inline_text(stripped)
            if words and out.lines and out.lines[-1][0].startswith("- ["):
                # an entry's authors, title and venue on the lines after its \bibitem{key}
                text, place = out.lines[-1]
                out.lines[-1] = (f"{text} {words}", place)
            elif words:
                out.add(words, number)
    return out.lines


def latex_document(path: str, text: str) -> Document:
    """A LaTeX source file as a document: headings, prose, tables, captions and figures."""
    return converted_document(path, latex_markdown(text), "latex", " line ")
