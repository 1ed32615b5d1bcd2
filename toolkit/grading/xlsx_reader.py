"""Excel workbooks (.xlsx) as graded documents, read with openpyxl.

Some students keep a reflection or a results log in a spreadsheet: one row per question and
one column per lab, or a table of runs. Each sheet becomes a section headed by its name
(unless Excel named it, "Sheet1"), a row with one filled cell a paragraph (the sheet's first
such row, when short, its title), and a run of rows with several filled cells a Markdown table
whose first row is its header, as the grader reads tables everywhere else. Cells are read as
Excel last showed them (the cached values of formulas, never the formulas). Places are named
``log.xlsx Labs!B3``. A file that unpacks to too much, holds too many cells, or that openpyxl
cannot open, is refused with :class:`XlsxError`.

Example:
    >>> document = xlsx_document("reflection.xlsx", Path("reflection.xlsx").read_bytes())
    >>> [section.title for section in document.sections()][:1]
    ['Reflection, labs 2 and 3']
"""

from __future__ import annotations

import io
import re

from toolkit.grading.office_package import MarkdownBlocks, OfficeFileError, check_package
from toolkit.grading.report_text import Document

MAX_CELLS = 200_000  # a reflection grid is a few dozen cells; a results log a few thousand
MAX_TITLE_WORDS = 12
# The names a spreadsheet program gives a new sheet: no words of the student.
_DEFAULT_SHEET = re.compile(r"(sheet|tabelle|feuil|hoja|foglio|blad|arkusz)\s*\d*", re.IGNORECASE)


class XlsxError(OfficeFileError):
    """The file is not a workbook openpyxl can read safely."""


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _filled_rows(sheet) -> list[tuple[int, list[tuple[str, str]]]]:
    """(row number, [(cell name, text)]) of every row with a filled cell, empty columns at
    the left of the whole sheet dropped so a table starting in column B reads the same."""
    from openpyxl.utils import get_column_letter

    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), 1):
        cells = [(f"{get_column_letter(column)}{number}", _cell_text(value))
                 for column, value in enumerate(values, 1)]
        if any(text for _, text in cells):
            rows.append((number, cells))
    if not rows:
        return []
    first = min(next(i for i, (_, text) in enumerate(cells) if text) for _, cells in rows)
    return [(number, cells[first:]) for number, cells in rows]


def _sheet(blocks: MarkdownBlocks, path: str, sheet, titled: bool) -> bool:
    """One sheet's blocks; ``titled``: the document has its title already. Returns whether
    it has one now."""
    if not _DEFAULT_SHEET.fullmatch(sheet.title.strip()):
        blocks.add(("## " if titled else "# ") + sheet.title.strip(), f"{path} {sheet.title}")
        titled = True
    table: list[list[str]] = []
    table_places: list[str] = []

    def close_table() -> None:
        if len(table) == 1:  # one row of several cells ("Name: ... | Matrikel ..."): a line
            blocks.add(" ".join(text for text in table[0] if text), table_places[0])
        elif table:
            width = max(len(row) for row in table)
            # columns empty in every row (at the right) carry nothing
            while width > 1 and all(len(row) < width or not row[width - 1] for row in table):
                width -= 1
            blocks.add_table([row[:width] + [""] * (width - len(row)) for row in table],
                             table_places[0], table_places)
        table.clear()
        table_places.clear()

    rows = _filled_rows(sheet)
    for index, (number, cells) in enumerate(rows):
        if index and number > rows[index - 1][0] + 1:
            close_table()  # an empty row ends a table: the next is another one
        texts = [text for _, text in cells]
        filled = [(name, text) for name, text in cells if text]
        place = f"{path} {sheet.title}!{filled[0][0]}"
        # a question left unanswered inside a grid stays a row of it
        inside = bool(table) and index + 1 < len(rows) \
            and sum(1 for _, text in rows[index + 1][1] if text) > 1
        if len(filled) > 1 or inside:
            table.append(texts)
            table_places.append(f"{path} {sheet.title}!{cells[0][0]}")
            continue
        close_table()
        text = filled[0][1]
        if not titled and len(text.split()) <= MAX_TITLE_WORDS and not text.endswith("."):
            blocks.add("# " + text, place)  # the sheet's first short line: its title
            titled = True
        else:
            blocks.add(text, place)
    close_table()
    return titled


def xlsx_document(path: str, data: bytes) -> Document:
    """The text of a .xlsx, sheet by sheet: titles, paragraphs and tables."""
    check_package(data, ".xlsx", XlsxError)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = [sheet for sheet in workbook.worksheets if hasattr(sheet, "iter_rows")]
        cells = sum((sheet.max_row or 0) * (sheet.max_column or 0) for sheet in sheets)
    except Exception as error:  # openpyxl raises several types for damaged files
        raise XlsxError(f"openpyxl cannot open it ({type(error).__name__}: "
                        f"{str(error)[:80]})") from None
    if cells > MAX_CELLS:
        raise XlsxError(f"its sheets span {cells:,} cells (over {MAX_CELLS:,})")
    blocks = MarkdownBlocks(path)
    titled = False
    try:
        for sheet in sheets:
            titled = _sheet(blocks, path, sheet, titled)
    except Exception as error:  # a damaged sheet part
        raise XlsxError(f"openpyxl cannot read it ({type(error).__name__}: "
                        f"{str(error)[:80]})") from None
    finally:
        workbook.close()
    return blocks.document("xlsx")
