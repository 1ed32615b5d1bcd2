"""Small text formats the reports share: Markdown and console tables, and "is this a number?".

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


def console_table(header: Sequence[str], rows: Sequence[Sequence], *,
                  cell: Callable[[object], str] = str) -> str:
    """A fixed-width table for the terminal: columns as wide as their widest cell, numbers
    right-aligned, text left-aligned. ``cell`` renders each value (format numbers before, or
    pass e.g. ``lambda v: f"{v:.4f}"``); values that are already text are shown as they are.

    Example:
        >>> print(console_table(["model", "accuracy"], [["mlp", "0.9812"], ["cnn", "0.9930"]]))
        model  accuracy
        mlp      0.9812
        cnn      0.9930
    """
    texts = [[value if isinstance(value, str) else cell(value) for value in row] for row in rows]
    numeric = [all(is_number(row[i].replace(",", "").rstrip("%sx")) for row in texts if row[i])
               if texts else False for i in range(len(header))]
    widths = [max([len(str(name))] + [len(row[i]) for row in texts])
              for i, name in enumerate(header)]

    def line(values) -> str:
        return "  ".join(value.rjust(width) if right else value.ljust(width)
                         for value, width, right in zip(values, widths, numeric, strict=True)
                         ).rstrip()

    return "\n".join([line([str(name) for name in header])] + [line(row) for row in texts])


def is_number(value) -> bool:
    """True when ``float(value)`` works: ``"3.5"``, ``"1e-3"``, ``"nan"``, ``2``; not ``"abc"``."""
    try:
        float(value)
        return True
    except (TypeError, ValueError, OverflowError):
        return False
