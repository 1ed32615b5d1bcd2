"""Errors a student can act on: what failed, why, and how to fix it.

Every loader and lab raises :class:`CourseError` for bad input (a missing file, a
wrong column, a corrupt archive). The command-line entry points catch it, print one
clear line and exit with code 2; ``--debug`` shows the full traceback instead.
"""

from __future__ import annotations


class CourseError(Exception):
    """A problem the user can fix, described in one line.

    Args:
        what: what failed, e.g. ``"dev.tsv has no column 'text'"``.
        why: why it matters or what was found instead (optional).
        fix: what to do about it (optional but strongly encouraged).

    Example:
        >>> raise CourseError("file glove.txt not found", fix="pass --glove-file PATH")
    """

    def __init__(self, what: str, why: str = "", fix: str = ""):
        self.what, self.why, self.fix = what, why, fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [self.what.rstrip(".")]
        if self.why:
            parts.append(self.why.rstrip("."))
        text = ": ".join(parts) + "."
        if self.fix:
            text += " Fix: " + self.fix.rstrip(".") + "."
        return text
