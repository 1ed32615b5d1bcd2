"""A ``git log`` handed in as a text: the commit messages alone, each subject a heading.

Some students keep their reflection in their lab repository's commit messages and hand in
``git log > reflection.txt``. Read as plain text, the hashes, authors and dates were lines
of the document ("Author: ..." a title), the messages' subjects ran into their bodies, and
a subject naming a lab ("lab4 reflection: critical, growth TODO") was no lab marker.

:func:`commit_messages` keeps each commit's message: its subject as a Markdown heading (a
lab named there opens the lab's part, as a heading does) and its body below it, unindented.
The commit, author and date lines are left out. Every line keeps its number in the file.

Example:
    >>> log = "\\n".join(["commit 88a71cd4c934b871c51526ee9c09022847669000",
    ...                   "Author: Ana <ana@example.org>", "Date:   Sun Nov 15 23:42:30 2026",
    ...                   "", "    lab4: stop words", "", "    Keeping not and never gave 79.8%.",
    ...                   "", "commit 139abcb9ec76ee5188f2a94ac2b23be69fe03b08",
    ...                   "Author: Ana <ana@example.org>", "Date:   Sun Nov 15 22:01:00 2026",
    ...                   "", "    fix typo"])
    >>> read = commit_messages(log)
    >>> read.commits, [line for line in read.lines if line]
    (2, ['## lab4: stop words', 'Keeping not and never gave 79.8%.', '## fix typo'])
    >>> [number for line, number in zip(read.lines, read.numbers) if line]
    [5, 7, 13]
"""

from __future__ import annotations

import re
from typing import NamedTuple

_COMMIT = re.compile(r"^commit [0-9a-f]{7,40}\b")
_HEADER = re.compile(r"^(Author|Date|Merge|Commit|AuthorDate|CommitDate):\s")
MIN_COMMITS = 2  # one "commit ..." line may be quoted in a report


class GitLog(NamedTuple):
    lines: list[str]    # Markdown: "## subject", then the body
    numbers: list[int]  # each line's line in the file (from 1)
    commits: int


def commit_messages(text: str) -> GitLog | None:
    """The commit messages of ``git log``'s output (see the module's docstring), or ``None``
    when the text is not one (it must start with a commit and hold :data:`MIN_COMMITS`)."""
    rows = text.splitlines()
    first = next((n for n, row in enumerate(rows) if row.strip()), None)
    if first is None or not _COMMIT.match(rows[first]) \
            or sum(1 for row in rows if _COMMIT.match(row)) < MIN_COMMITS:
        return None
    lines: list[str] = []
    numbers: list[int] = []
    subject_due = False  # the next message line is a commit's subject
    for number, row in enumerate(rows, 1):
        if _COMMIT.match(row):
            subject_due = True
            continue
        if (subject_due and _HEADER.match(row)) or not row.strip():
            continue
        message = row[4:] if row.startswith("    ") else row.strip()
        if lines and lines[-1] != "" and (subject_due or numbers[-1] < number - 1):
            lines.append("")  # a new commit, or a blank line in the body, ends a paragraph
            numbers.append(number - 1)
        if subject_due:
            lines += ["## " + message.strip(), ""]
            numbers += [number, number]
            subject_due = False
            continue
        lines.append(message)
        numbers.append(number)
    if lines and lines[-1] != "":
        lines.append("")
        numbers.append(numbers[-1])
    return GitLog(lines, numbers, sum(1 for row in rows if _COMMIT.match(row)))
