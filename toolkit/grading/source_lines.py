"""Source line numbers of character offsets, for readers that convert markup to Markdown.

A reader that walks a source by character offsets (Typst, MediaWiki) keeps each line it writes
tied to the source line it came from, so the grader's evidence can quote ``report.typ:12``.
"""
import bisect


class LineIndex:
    """The 1-based line of any character offset in one source text."""

    def __init__(self, source: str):
        self.newlines = [i for i, char in enumerate(source) if char == "\n"]

    def line_of(self, offset: int) -> int:
        # the number of newlines before the offset, plus one
        return bisect.bisect_left(self.newlines, offset) + 1
