"""Small text formats the reports share: Markdown tables and the test "is this a number?".

The reflection draft, the grader's feedback and summaries all write Markdown tables; each
chooses how one cell is rendered (rounded numbers, or escaped student text), the layout is here.

Example:
    >>> print(markdown_table(["metric", "value"], [["accuracy", 0.9]]))
    | metric | value |
    |---|---|
    | accuracy | 0.9 |
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence], *,
                   cell: Callable[[object], str] = str, empty: str = "_none recorded_") -> str:
    """A Markdown table; ``cell`` renders each value (default ``str``); ``empty`` when no rows.

    ``cell`` must return one line without ``|`` (escape it) for the table to stay a table.
    """
    if not rows:
        return empty
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def is_number(value) -> bool:
    """True when ``float(value)`` works: ``"3.5"``, ``"1e-3"``, ``"nan"``, ``2``; not ``"abc"``."""
    try:
        float(value)
        return True
    except (TypeError, ValueError, OverflowError):
        return False
