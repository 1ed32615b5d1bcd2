"""reStructuredText reports (.rst, a Sphinx project's page) as graded documents, via docutils.

Students who write their docs with Sphinx hand in reST: over- and underlined titles,
``.. figure::`` with a caption, ``.. list-table::`` and grid tables, ``.. note::``,
``.. code-block::``, ``:math:`` and ``:numref:`` roles, ``[1]_`` footnotes and
``[Name2014]_`` citations. Read as Markdown, its tables' rows look like headings and its
directives like prose; parsed by docutils, each element is written as the Markdown the
grader reads everywhere else, each line with the source line it came from (``report.rst:12``):

- section titles are headings, the document's title its first heading, its fields
  (``:Author:``) bold run-in labels, as are a definition list's terms;
- paragraphs, list items (nested), line blocks and block quotes are the student's words;
- a figure is its image and a "Figure 1: caption" line; a table (grid, simple,
  ``list-table``, ``csv-table``) a Markdown table under its "Table 1: title" line;
- admonitions (``.. note::``) their words after their title as a bold run-in label; code,
  literal and math blocks code; footnotes and citations "[1] text" lines where they stand;
- Sphinx's own roles (``:numref:``, ``:cite:``, ``:ref:``) read as their words, its
  directives that hold prose (``seealso``, ``versionadded``, ``todo``, ``tab``) as their
  content, the rest (``toctree``, ``automodule``) as nothing; comments carry no words.

docutils never reads a file or URL a report names here (``include`` and ``raw`` are off),
and a source it cannot parse is read as Markdown, as before.

Example:
    >>> lines = rst_markdown("Results\\n=======\\n\\nThe CNN reached 99.1%.\\n")
    >>> lines[0]
    ('# Results', 1)
"""

from __future__ import annotations

import io
import re

from toolkit.grading.markdown_dialects import markdown_row, role_words
from toolkit.grading.report_text import Document, converted_document, markdown_document

# A long report is 50 KB. Larger sources, and lines longer than docutils parses (its guard
# against slow inline markup), are read as Markdown.
MAX_RST_CHARS = 256 * 2**10
MAX_LINE_CHARS = 10_000  # docutils' line_length_limit
# Sphinx roles and directives docutils does not know: words the student wrote ...
_PROSE_DIRECTIVES = ("seealso", "versionadded", "versionchanged", "deprecated", "todo",
                     "hlist", "only", "tab", "tab-item", "tab-set", "card", "dropdown",
                     "grid-item-card", "centered", "glossary", "margin", "epigraph")
# ... and what builds the site, not the text (a table of contents, an API's docstrings)
_SITE_DIRECTIVES = ("toctree", "automodule", "autoclass", "autofunction", "automethod",
                    "autosummary", "literalinclude", "bibliography", "plot", "index",
                    "tabularcolumns", "highlight", "currentmodule", "py:function")
_ROLE = re.compile(r":(?P<role>[\w.+-]+(?::[\w.+-]+)*):`(?P<text>[^`]*)`")  # :numref:`F <fig-x>`


def _role_text(raw: str) -> str:
    """The roles docutils could not place in ``raw``, as their words."""
    return _ROLE.sub(lambda match: role_words(match["role"], match["text"]), raw)


_registered = False


def _register_sphinx_names() -> None:
    """Teach docutils Sphinx's names once per process, so they parse instead of erring."""
    global _registered
    if _registered:
        return
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles

    class ProseDirective(Directive):
        has_content, optional_arguments, final_argument_whitespace = True, 1, True
        option_spec = _AnyOptions()  # any option is accepted and dropped

        def run(self):
            box = nodes.container()
            box.line = self.lineno
            if self.arguments:
                box += nodes.paragraph(text=self.arguments[0])
                box[-1].line = self.lineno
            self.state.nested_parse(self.content, self.content_offset, box)
            return [box]

    class SiteDirective(Directive):
        has_content, optional_arguments, final_argument_whitespace = True, 1, True
        option_spec = _AnyOptions()

        def run(self):
            return []

    for name in _PROSE_DIRECTIVES:
        directives.register_directive(name, ProseDirective)
    for name in _SITE_DIRECTIVES:
        directives.register_directive(name, SiteDirective)

    def words_role(name, rawtext, text, lineno, inliner, options=None, content=None):
        return [nodes.inline(rawtext, role_words(name, text))], []

    for name in ("ref", "numref", "cite", "cite:p", "cite:t", "footcite", "eq", "doc",
                 "term", "abbr", "file", "guilabel", "kbd", "command", "program", "class",
                 "func", "meth", "mod", "attr", "obj", "py:func", "py:class", "download"):
        roles.register_local_role(name, words_role)
    _registered = True


class _AnyOptions(dict):
    """An option spec that takes every option as plain text (Sphinx directives have many)."""

    def __contains__(self, key) -> bool:
        return True

    def __getitem__(self, key):
        return lambda value: value


def _doctree(source: str):
    from docutils.core import publish_doctree

    _register_sphinx_names()
    settings = {"report_level": 5, "halt_level": 5, "warning_stream": io.StringIO(),
                "file_insertion_enabled": False, "raw_enabled": False,
                "_disable_config": True, "input_encoding": "unicode", "traceback": True,
                "line_length_limit": MAX_LINE_CHARS}
    return publish_doctree(source, settings_overrides=settings)


def _source_line(node) -> int | None:
    """The source line a node starts on. docutils gives a title its underline's line; a node
    without a line takes its first descendant's."""
    from docutils import nodes

    line = node.line
    if isinstance(line, int) and line > 0:
        if isinstance(node, nodes.title) and isinstance(node.parent, (nodes.section,
                                                                       nodes.document)):
            return max(1, line - 1)
        return line
    for child in node.findall(include_self=False):
        if isinstance(child, nodes.Element) and isinstance(child.line, int) and child.line > 0:
            return _source_line(child)
    return None


class _Writer:
    """The doctree as Markdown lines, each with the source line it came from."""

    def __init__(self):
        self.out: list[tuple[str, int]] = []
        self.line = 1
        self.counters = {"Figure": 0, "Table": 0}

    def emit(self, text: str, node=None) -> None:
        line = _source_line(node) if node is not None else None
        if line:
            self.line = line
        self.out.append((text, self.line))

    def block(self, text: str, node=None) -> None:
        self.emit(text, node)
        self.emit("", node)

    def inline(self, node) -> str:
        from docutils import nodes

        parts = []
        for child in node.children:
            if isinstance(child, nodes.Text):
                parts.append(str(child))
            elif isinstance(child, nodes.strong):
                parts.append(f"**{child.astext()}**")
            elif isinstance(child, nodes.emphasis):
                parts.append(f"*{child.astext()}*")
            elif isinstance(child, nodes.literal):
                parts.append(f"`{child.astext()}`")
            elif isinstance(child, nodes.math):  # :math:`85.3\%` reads 85.3%
                parts.append(child.astext().replace("\\%", "%"))
            elif isinstance(child, (nodes.footnote_reference, nodes.citation_reference)):
                parts.append(f"[{child.astext()}]")
            elif isinstance(child, nodes.problematic):  # a role docutils could not place
                parts.append(_role_text(child.astext()))
            elif isinstance(child, (nodes.system_message, nodes.target)):
                continue
            elif isinstance(child, nodes.image):
                parts.append(f"![{child.get('alt', '')}]({child.get('uri', '')})")
            else:
                parts.append(self.inline(child) if child.children else child.astext())
        return " ".join("".join(parts).split())

    def walk(self, node, depth: int = 1) -> None:
        for child in node.children:
            self.visit(child, depth)

    def visit(self, node, depth: int) -> None:  # noqa: C901 - one branch per element kind
        from docutils import nodes

        if isinstance(node, (nodes.comment, nodes.substitution_definition, nodes.target,
                             nodes.system_message, nodes.pending, nodes.raw, nodes.meta)):
            return
        if isinstance(node, nodes.section):
            self.walk(node, depth + 1)
        elif isinstance(node, nodes.title):
            level = 1 if isinstance(node.parent, nodes.document) else min(depth, 6)
            self.block("#" * level + " " + self.inline(node), node)
        elif isinstance(node, nodes.subtitle):
            self.block("## " + self.inline(node), node)
        elif isinstance(node, (nodes.docinfo, nodes.field_list)):
            for field in node.children:
                name = field.children[0].astext() if isinstance(field, nodes.field) \
                    else field.tagname.capitalize()
                body = field.children[1] if isinstance(field, nodes.field) else field
                self.block(f"**{name}:** {' '.join(body.astext().split())}", field)
        elif isinstance(node, nodes.paragraph):
            self.block(self.inline(node), node)
        elif isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            self.list(node, 0)
            self.emit("", node)
        elif isinstance(node, nodes.definition_list):
            for item in node.children:
                term = next((c for c in item.children if isinstance(c, nodes.term)), None)
                definition = next((c for c in item.children
                                   if isinstance(c, nodes.definition)), None)
                text = " ".join(definition.astext().split()) if definition else ""
                self.block(f"**{self.inline(term) if term else ''}:** {text}", item)
        elif isinstance(node, nodes.line_block):
            for line in node.findall(nodes.line):
                self.emit(self.inline(line), line)
            self.emit("", node)
        elif isinstance(node, (nodes.literal_block, nodes.doctest_block)):
            self.emit("```", node)
            for line in node.astext().splitlines():
                self.emit(line)
            self.emit("```")
            self.emit("")
        elif isinstance(node, nodes.math_block):
            self.block("$$ " + " ".join(node.astext().split()) + " $$", node)
        elif isinstance(node, nodes.figure):
            self.figure(node)
        elif isinstance(node, nodes.image):
            self.block(f"![{node.get('alt', '')}]({node.get('uri', '')})", node)
        elif isinstance(node, nodes.table):
            self.table(node)
        elif isinstance(node, (nodes.footnote, nodes.citation)):
            label = next((c.astext() for c in node.children if isinstance(c, nodes.label)), "")
            text = " ".join(" ".join(c.astext().split()) for c in node.children
                            if not isinstance(c, nodes.label))
            self.block(f"[{label}] {text}", node)
        elif isinstance(node, nodes.Admonition):
            title = next((self.inline(c) for c in node.children if isinstance(c, nodes.title)),
                         node.tagname.capitalize())
            body = [child for child in node.children if not isinstance(child, nodes.title)]
            if body and isinstance(body[0], nodes.paragraph):  # "**Note:** its first words"
                self.block(f"**{title}:** {self.inline(body.pop(0))}", node)
            else:
                self.block(f"**{title}:**", node)
            for child in body:
                self.visit(child, depth)
        elif isinstance(node, nodes.rubric):
            self.block(f"**{self.inline(node)}**", node)
        elif isinstance(node, nodes.transition):
            return
        elif isinstance(node, nodes.Element) and node.children:
            self.walk(node, depth)  # block quotes, containers, topics, sidebars, compounds

    def list(self, node, indent: int) -> None:
        from docutils import nodes

        ordered = isinstance(node, nodes.enumerated_list)
        for number, item in enumerate(node.children, 1):
            mark = f"{number}." if ordered else "-"
            first = True
            for child in item.children:
                if isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
                    self.list(child, indent + 2)
                elif isinstance(child, nodes.paragraph):
                    prefix = " " * indent + (mark + " " if first else "  ")
                    self.emit(prefix + self.inline(child), child)
                    first = False
                else:
                    self.visit(child, 1)

    def figure(self, node) -> None:
        from docutils import nodes

        image = next(iter(node.findall(nodes.image)), None)
        caption = next((self.inline(c) for c in node.children if isinstance(c, nodes.caption)),
                       "")
        self.emit("", node)
        if image is not None:
            self.emit(f"![{caption or image.get('alt', '') or image.get('uri', '')}]"
                      f"({image.get('uri', '')})", node)
        if caption:
            self.counters["Figure"] += 1
            self.emit("")
            self.emit(f"Figure {self.counters['Figure']}: {caption}")
        for child in node.children:
            if isinstance(child, nodes.legend):
                self.walk(child)
        self.emit("")

    def table(self, node) -> None:
        from docutils import nodes

        title = next((self.inline(c) for c in node.children if isinstance(c, nodes.title)), "")
        if title:
            self.counters["Table"] += 1
            self.block(f"Table {self.counters['Table']}: {title}", node)
        rows = [[" ".join(entry.astext().split()).replace("|", "/")
                 for entry in row.children if isinstance(entry, nodes.entry)]
                for row in node.findall(nodes.row)]
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        first = next(iter(node.findall(nodes.row)), None)
        self.emit(markdown_row(rows[0]), first)
        self.emit("|" + "---|" * width)
        for row, row_node in zip(rows[1:], list(node.findall(nodes.row))[1:], strict=False):
            self.emit(markdown_row(row), row_node)
        self.emit("")


def rst_markdown(source: str) -> list[tuple[str, int]]:
    """The source's Markdown lines with their source lines (see the module docstring)."""
    from docutils import nodes

    doctree = _doctree(source)
    for message in list(doctree.findall(nodes.system_message)):  # docutils' own remarks
        message.parent.remove(message)
    writer = _Writer()
    writer.walk(doctree)
    return writer.out


def rst_document(path: str, text: str) -> Document:
    """A reST file as a graded document; one docutils cannot read is read as Markdown."""
    if len(text) > MAX_RST_CHARS or max(map(len, text.splitlines()), default=0) > MAX_LINE_CHARS:
        return markdown_document(path, text)
    try:
        lines = rst_markdown(text)
    except Exception:  # docutils' own errors and a source nested past Python's recursion
        return markdown_document(path, text)
    return converted_document(path, lines)
