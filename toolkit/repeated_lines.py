"""Long lists of warnings, shown a few at a time: every page and the console stay readable.

A zip with 60,000 members that point outside it gives 60,000 warnings that differ only in
the member's name. :func:`condense` groups lines of the same shape (the words that stay once
names, numbers and quoted values are set aside), keeps the first few of each group and says
how many more there were ("... and 59,997 more like it"). :func:`bounded` also caps the
number of lines and their size in bytes, with a last line saying how many were left out and
where the rest is. Counts elsewhere (the gradebook's ``warnings`` column) stay exact: only
what is shown is cut.

Example:
    >>> lines = [f"zip member ../{i}.md points outside the archive" for i in range(60_000)]
    >>> condense(lines, show=2)[-1]
    '... and 59,998 more like it'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A word that names something (a path, a number, a quoted value, an id with digits): set
# aside when two lines are compared, so lines that differ only there have the same shape.
_VARIABLE_WORD = re.compile(r"[\d/\\.'\"_=<>()\[\]{}]")


def shape(line: str) -> str:
    """The line with its variable words replaced by ``·``; the first word (whose line it is,
    e.g. ``alice:``) is kept, so each student's lines are grouped on their own."""
    words = line.split()
    if not words:
        return ""
    return " ".join([words[0]] + ["·" if _VARIABLE_WORD.search(word) else word
                                  for word in words[1:]])


def more_like_it(count: int) -> str:
    return f"... and {count:,} more like it"


def condense(lines: Iterable[str], show: int = 3) -> list[str]:
    """``lines`` with each group of the same shape cut to its first ``show`` lines, followed
    by a ``... and N more like it`` line where lines were left out. The order of first
    appearance is kept."""
    groups: dict[str, list] = {}
    for line in lines:
        group = groups.setdefault(shape(line), [[], 0])
        if len(group[0]) < show:
            group[0].append(line)
        else:
            group[1] += 1
    shown = []
    for kept, left_out in groups.values():
        shown += kept
        if left_out:
            shown.append(more_like_it(left_out))
    return shown


def bounded(lines: Iterable[str], *, show: int = 3, max_lines: int = 200,
            budget: int | None = None, rest: str = "") -> list[str]:
    """:func:`condense`, then at most ``max_lines`` lines and ``budget`` bytes (UTF-8) in all,
    each line cut to a fair share of the budget; a last line says how many lines were left
    out (``rest`` says where they are, e.g. ``"see summary.md"``)."""
    condensed = condense(lines, show)
    longest = max(200, budget // max(1, max_lines)) if budget else None
    kept, used = [], 0
    for index, line in enumerate(condensed):
        if longest is not None and len(line) > longest:
            line = line[:longest] + f"... ({len(line) - longest:,} more characters)"
        size = len(line.encode("utf-8", "backslashreplace")) + 1
        if len(kept) >= max_lines or (budget is not None and used + size > budget - 200):
            left = len(condensed) - index
            kept.append(f"... and {left:,} more line{'s' if left != 1 else ''}"
                        + (f": {rest}" if rest else ""))
            break
        kept.append(line)
        used += size
    return kept
