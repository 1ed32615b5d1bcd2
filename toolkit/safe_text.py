"""Text that came from someone else, made safe for the medium it is shown in.

File names, zip member names, record fields and report lines are written by students. Before
such text reaches a terminal, a Markdown page, an HTML page or a spreadsheet it is escaped for
that medium:

- :func:`for_terminal`: control characters (``ESC [2J`` clears the screen, a carriage return
  hides what came before, bidirectional overrides reorder a line) are shown as ``\\x1b``-style
  escapes instead of being obeyed;
- :func:`for_markdown`: one line in which no Markdown or HTML is live: ``![x](http://...)``
  stays text, so a page never loads a student's image or script;
- :func:`for_csv`: a cell that would start a spreadsheet formula gets a leading ``'``, and
  control and bidirectional characters are shown as escapes;
- :func:`for_html`: :func:`html.escape`, with control and bidirectional characters shown as
  escapes (``html.escape`` leaves a U+202E that reverses the rest of a line live);
  TOML: write it with ``tomli_w``;
- :func:`encodable`: any text made writable as UTF-8, the one step before a page is written:
  a lone surrogate (a file name's undecodable byte, ``"\\ud800"`` from a JSON file) is shown
  as an escape instead of stopping the write with ``UnicodeEncodeError``. A byte a file name
  could not decode (``b"caf\\xe9"`` read as ``"caf\\udce9"``) is shown as that byte, ``caf\\xe9``.

Example:
    >>> for_terminal("alice\\x1b[2J.zip")
    'alice\\\\x1b[2J.zip'
    >>> for_markdown("![x](http://e.vil/p.png)")
    '\\\\!\\\\[x\\\\](http://e.vil/p.png)'
"""

from __future__ import annotations

import html
import re
import unicodedata

from toolkit.formats import is_number

# C0 and C1 controls and DEL, except newline and tab, which a terminal shows harmlessly.
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Markdown's ASCII punctuation that can start markup; a backslash makes each one plain text.
# "_" only at a word's edge ("no_reference" stays readable: inside a word it is no emphasis).
# "(" and ")" stay as they are: with "[" and "]" escaped they can start no link or image.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*\[\]#!|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte the file system's surrogate escapes kept
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text) -> str:
    """``text`` with every lone surrogate shown as an escape, so UTF-8 can always write it."""
    text = str(text)
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda match: _escape_char(match.group()), text)


def _invisible(char: str) -> bool:
    """Format characters (bidirectional overrides, zero-width joiners) and surrogates."""
    return unicodedata.category(char) in ("Cf", "Cs", "Co")


def for_terminal(text, *, keep_newlines: bool = True) -> str:
    """``text`` with every control and format character shown as an escape, not obeyed."""
    text = str(text)
    if not keep_newlines:
        text = text.replace("\n", "\\n").replace("\t", "\\t")
    text = _TERMINAL_CONTROL.sub(lambda match: _escape_char(match.group()), text)
    if text.isascii():
        return text
    return "".join(_escape_char(char) if _invisible(char) else char for char in text)


def one_line(text) -> str:
    """Whitespace (newlines included) folded to single spaces, controls removed; a lone
    surrogate (a byte a file name could not decode) shown as its escape."""
    text = _TERMINAL_CONTROL.sub(" ", str(text))
    if not text.isascii():
        text = "".join(_escape_char(char) if "\ud800" <= char <= "\udfff" else
                       " " if _invisible(char) else char for char in text)
    return " ".join(text.split())


def for_markdown(text) -> str:
    """Student text as one line of plain Markdown text: no links, images, HTML or tables."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line(text))
    return html.escape(escaped, quote=False)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def for_html(text) -> str:
    """Text for an HTML page: escaped, and no control or bidirectional character live."""
    return html.escape(for_terminal(text))


def for_csv(value) -> str:
    """A spreadsheet cell that never runs as a formula (OWASP's advice: prefix a ``'``) and
    whose controls and bidirectional overrides are shown, not obeyed."""
    text = _TERMINAL_CONTROL.sub(" ", str(value))
    if not text.isascii():
        text = "".join(_escape_char(char) if _invisible(char) else char for char in text)
    if text.lstrip(" ")[:1] in _FORMULA_START and not is_number(text):
        return "'" + text
    return text


def short_repr(value, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters, safe to print (for error messages)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to show (Python's int-to-str digit limit)
        text = f"<a whole number of about {int(value.bit_length() * 0.30103)} digits>"
    text = for_terminal(text, keep_newlines=False)
    return text if len(text) <= width else text[:width - 3] + "..."
