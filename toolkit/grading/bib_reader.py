"""BibTeX files (``refs.bib``) handed in beside a LaTeX or Typst report, as its reference list.

A report compiled from ``\\bibliography{refs}`` or ``#bibliography("refs.bib")`` shows its
references at the end; the grader never compiles, so the ``.bib`` itself is read, with
``bibtexparser``: one "References" section, an entry per line as the compiled list prints it
(authors, year, title, venue, address), LaTeX accents and braces turned into text with
``pylatexenc``. Places are named ``refs.bib:12`` (the line the entry starts on).

Example:
    >>> document = bib_document("refs.bib", "@article{lecun1998, author={LeCun, Yann},"
    ...                         " title={Gradient-based learning}, year={1998}}")
    >>> document.lines[-1].text
    '- [lecun1998] LeCun, Yann (1998). Gradient-based learning.'
"""

from __future__ import annotations

import re

from toolkit.grading.report_text import Document, converted_document

_ENTRY_START = re.compile(r"^\s*@(?P<type>\w+)\s*[{(]\s*(?P<key>[^,\s]+)\s*,", re.M)
_URL = re.compile(r"\\url\{(?P<url>[^}]*)\}")
_VENUES = ("journal", "booktitle", "publisher", "howpublished", "school", "institution")
MAX_ENTRIES = 500  # a reference manager's whole library is no report's list


def _text(value: str) -> str:
    """A field's LaTeX as plain text: accents, braces and \\url{...} resolved."""
    from pylatexenc.latex2text import LatexNodes2Text

    value = _URL.sub(lambda match: match["url"], value)
    try:
        return " ".join(LatexNodes2Text().latex_to_text(value).split())
    except Exception:  # a malformed field: its characters, braces left out
        return " ".join(value.replace("{", "").replace("}", "").split())


def bib_markdown(source: str) -> list[tuple[str, int]]:
    """The entries as a Markdown "References" list, each with the line its entry starts on."""
    import bibtexparser
    from bibtexparser.bparser import BibTexParser

    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    entries = bibtexparser.loads(source, parser=parser).entries[:MAX_ENTRIES]
    starts = {match["key"]: source.count("\n", 0, match.start()) + 1
              for match in _ENTRY_START.finditer(source)}
    out = [("# References", 1), ("", 1)]
    for entry in entries:
        authors = _text(entry.get("author") or entry.get("editor") or "")
        year = _text(entry.get("year", ""))
        head = f"{authors} ({year})" if authors and year else authors or year
        venue = next((_text(entry[field]) for field in _VENUES if entry.get(field)), "")
        parts = [head, _text(entry.get("title", "")), venue, _text(entry.get("url", "")),
                 f"doi:{entry['doi']}" if entry.get("doi") else "",
                 f"arXiv:{entry['eprint']}" if entry.get("eprint") else ""]
        words = " ".join(part.rstrip(".") + "." for part in parts if part)
        key = entry.get("ID", "")
        out.append((f"- [{key}] {words}".rstrip(), starts.get(key, 1)))
    return out


def bib_document(path: str, text: str) -> Document:
    """A BibTeX file as a document: a "References" section of its entries."""
    return converted_document(path, bib_markdown(text), format="bibtex")
