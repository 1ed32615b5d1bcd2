"""An outliner's export (``.opml``: Workflowy, Dynalist, OmniOutliner, Logseq) as a graded
document.

Some students write their reflection in an outliner: a node per lab, the questions as child
nodes, the answers as grandchildren or as the node's note (the ``_note`` attribute). Read as
a file of unknown kind, nothing was graded.

:func:`opml_markdown` turns the outline into the Markdown the other readers give: the
outline's title is the document's, a node with children or a note (even an empty one: a
question not answered) is a heading one level deeper than its parent's (a long node text
with children, a sentence, stays an item), its note the paragraph under it, and a leaf node
a list item. Each line keeps the file line of
its ``<outline>`` element, so the evidence quotes the file's own lines. The XML is parsed by
lxml without entities or network access.

Example:
    >>> opml = ('<opml version="2.0"><body><outline text="Lab 1">'
    ...         '<outline text="Challenges" _note="The download timed out twice."/>'
    ...         '</outline></body></opml>')
    >>> [line for line, _ in opml_markdown(opml.encode())]
    ['# Lab 1', '', '## Challenges', '', 'The download timed out twice.', '']
"""

from __future__ import annotations

from toolkit.grading.report_text import Document, converted_document

MAX_NODES = 5000        # a reflection is a few dozen nodes; the rest is left unread
MAX_HEADING_LEVEL = 6   # deeper nodes with children are headings of this level
MAX_TITLE_WORDS = 12    # a node text longer than this is a sentence, not a heading


class OpmlError(ValueError):
    """The file is not an outline the grader can read."""


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def opml_markdown(data: bytes) -> list[tuple[str, int]]:
    """The outline as Markdown lines, each with the file line it came from."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise OpmlError(f"its XML is broken ({error})") from error
    body = root.find("body") if root.tag == "opml" else None
    if body is None:
        raise OpmlError("it has no <opml> outline with a <body>")
    lines: list[tuple[str, int]] = []
    top = 1
    title = root.find("head/title")
    if title is not None and _text(title.text):
        lines += [(f"# {_text(title.text)}", title.sourceline), ("", title.sourceline)]
        top = 2
    nodes = 0

    def walk(node, level: int, indent: str) -> None:
        nonlocal nodes
        for child in node.iterchildren("outline"):
            nodes += 1
            if nodes > MAX_NODES:
                return
            where = child.sourceline
            text, note = _text(child.get("text")), (child.get("_note") or "").strip()
            # a node with a note, even an empty one, is a question with its answer under it
            labelled = child.find("outline") is not None or child.get("_note") is not None
            if labelled and not indent and len(text.split()) <= MAX_TITLE_WORDS:
                if lines and lines[-1][0]:
                    lines.append(("", where))  # a list of leaves above ends here
                if text:
                    lines.extend([(f"{'#' * min(level, MAX_HEADING_LEVEL)} {text}", where),
                                  ("", where)])
                for row in note.splitlines():
                    lines.append((row.strip(), where))
                if note:
                    lines.append(("", where))
                walk(child, level + 1, "")
            else:
                if text:
                    lines.append((f"{indent}- {text}", where))
                for row in note.splitlines():
                    if row.strip():
                        lines.append((f"{indent}  {row.strip()}", where))
                walk(child, level + 1, indent + "  ")

    walk(body, top, "")
    return lines


def opml_document(path: str, data: bytes) -> Document:
    """An outliner's ``.opml`` export as a document (see the module's docstring)."""
    return converted_document(path, opml_markdown(data))
