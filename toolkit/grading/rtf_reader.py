"""Rich Text Format (.rtf, as Word, WordPad and TextEdit save it) as a graded document.

``striprtf`` turns the file's control words into plain text, one paragraph a line (its
``\\uN`` escapes and code-page bytes decoded), paragraphs apart; a table row, which it
writes as cells ending in ``|``, becomes a Markdown table row (the first one its header).
The text is then read as any plain text is: titles guessed from their shape, run-in labels
("Insights: ...") as labels. Places are named ``report.rtf:12`` (the line of the text).

Example:
    >>> document = rtf_document("report.rtf", Path("report.rtf").read_text("latin-1"))
    >>> document.lines[0].text
    'Lab 4 - Bag of words'
"""

from __future__ import annotations

from toolkit.grading.report_text import Document, plain_document


class RtfError(ValueError):
    """The file is not Rich Text Format."""


def rtf_text(source: str) -> str:
    """The plain text of RTF source, its table rows as ``| a | b |``."""
    if not source.lstrip().startswith("{\\rtf"):
        raise RtfError("it does not start with {\\rtf")
    from striprtf.striprtf import rtf_to_text

    lines: list[str] = []
    for line in rtf_to_text(source, errors="replace").splitlines():
        row = line.rstrip().endswith("|") and not line.lstrip().startswith("|")
        if row:
            cells = line.rstrip().removesuffix("|").split("|")
            line = "| " + " | ".join(" ".join(cell.split()) for cell in cells) + " |"
        if lines and not (row and lines[-1].startswith("|")):
            lines.append("")  # each paragraph stands apart, as a title does; a table's rows not
        lines.append(line)
        if row and (len(lines) < 2 or not lines[-2].startswith("|")):
            lines.append("|" + "---|" * (line.count(" | ") + 1))  # under the header row
    return "\n".join(lines)


def rtf_document(path: str, source: str) -> Document:
    """An .rtf file's text as a plain-text document."""
    return plain_document(path, [rtf_text(source)], "text")
