"""The class roster: who should have handed in, and the ids the LMS knows them by.

``--roster roster.csv`` is a CSV with a header row, as Canvas, Moodle or a spreadsheet
exports it. Columns are recognised by their header (case and spaces ignored):

==============  ===========================================================
field           headers
==============  ===========================================================
``name``        Student, Name, Full name, Student name
``first_name``  First name, Given name (Moodle)
``last_name``   Last name, Surname (Moodle)
``id``          ID (Canvas's user id)
``sis_user_id`` SIS User ID, Student ID, Student number
``login``       SIS Login ID, Login, Username
``email``       Email, Email address
``idnumber``    ID number (Moodle)
``section``     Section
``submission``  Submission, Folder: the submission's name, when it is none of the above
==============  ===========================================================

A submission (``SUBMISSIONS/alice/``, ``alice.zip``) belongs to the roster entry that has
its name as submission, login, email (whole or the part before ``@``), SIS user id, ID
number, id or name, compared as the grader compares student ids (case ignored, other
characters than letters, digits, ``.`` and ``-`` read as ``_``).

The roster is untrusted input: a file that cannot be used at all (missing, not UTF-8, no
header, no identifier column, too large) is one :class:`CourseError`; a bad row (no
identifier, an identifier another row has, a cell too long) is skipped with one line naming
its line number, and the rest is used.

Example:
    >>> roster = read_roster("roster.csv")
    >>> match = match_roster(roster, ["alice", "bob"])
    >>> [entry.label for entry in match.missing], match.unknown
    (['Carol Jones'], ['bob'])
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.grading.submissions import student_id
from toolkit.safe_files import read_regular_file
from toolkit.safe_text import short_repr

MAX_ROSTER_BYTES = 5 * 2**20
MAX_ROWS = 20_000
MAX_CELL = 300
HEADERS = {
    "name": ("student", "name", "full name", "student name", "display name"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "id": ("id", "user id", "canvas user id"),
    "sis_user_id": ("sis user id", "student id", "student number"),
    "login": ("sis login id", "login id", "login", "username", "user name"),
    "email": ("email", "email address", "e-mail", "e-mail address"),
    "idnumber": ("id number", "idnumber"),
    "section": ("section", "sections"),
    "submission": ("submission", "folder", "submission name"),
}
# The fields that can name a submission, most specific first.
IDENTIFIERS = ("submission", "login", "email", "sis_user_id", "idnumber", "id", "name")
FIX = ("export the roster from your LMS (Canvas: Grades > Export; Moodle: Grades > Export > "
       "Plain text file), or write a CSV whose header has Student and a Login, Email or ID "
       "column")


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _match_key(value: str) -> str:
    return student_id(value).casefold()


@dataclass
class RosterEntry:
    """One student of the roster: the row's line number and its recognised fields."""

    line: int
    fields: dict[str, str]

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def label(self) -> str:
        """How the student is named in lists: the name, else the first identifier."""
        name = self.get("name") or " ".join(
            part for part in (self.get("first_name"), self.get("last_name")) if part)
        return name or next((self.get(key) for key in IDENTIFIERS if self.get(key)), "?")

    def keys(self) -> list[str]:
        """The submission names this entry answers to."""
        found = []
        for key in IDENTIFIERS:
            value = self.get(key)
            if not value:
                continue
            found.append(_match_key(value))
            if key == "email" and "@" in value:
                found.append(_match_key(value.split("@", 1)[0]))
        if not self.get("name") and (self.get("first_name") or self.get("last_name")):
            found.append(_match_key(self.label))
        return list(dict.fromkeys(found))


@dataclass
class Roster:
    path: Path
    columns: list[str]                       # the fields found, in IDENTIFIERS order first
    entries: list[RosterEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _decode(path: Path) -> str:
    try:
        data = read_regular_file(path, MAX_ROSTER_BYTES + 1)
    except FileNotFoundError:
        raise CourseError(f"roster {path} not found", fix=FIX) from None
    except OSError as error:
        raise CourseError(f"roster {path} cannot be read", why=str(error), fix=FIX) from None
    if len(data) > MAX_ROSTER_BYTES:
        raise CourseError(f"roster {path} is over {MAX_ROSTER_BYTES // 2**20} MB",
                          why="a class roster is a few kilobytes", fix=FIX)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CourseError(f"roster {path} is not UTF-8 text (byte {error.start})",
                          fix="save it as 'CSV UTF-8' from your spreadsheet") from None


def _columns(header: list[str], path: Path) -> dict[int, str]:
    """``{column index: field}`` for the recognised headers."""
    wanted = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        name = wanted.get(_header_key(title))
        if name and name not in columns.values():
            columns[index] = name
    if not any(name in IDENTIFIERS or name in ("first_name", "last_name")
               for name in columns.values()):
        shown = ", ".join(short_repr(title, 30) for title in header[:8])
        raise CourseError(f"roster {path}: no column names the students (header: {shown})",
                          why="one of Student, Login, Username, Email, SIS User ID, ID number "
                              "or Submission is needed", fix=FIX)
    return columns


def read_roster(path: Path | str) -> Roster:
    """Read a roster CSV (see the module docstring); bad rows become ``problems``."""
    path = Path(path)
    text = _decode(path)
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CourseError(f"roster {path} is empty: a header row is needed", fix=FIX)
        columns = _columns(header, path)
        roster = Roster(path, [name for name in HEADERS if name in columns.values()])
        owner: dict[str, int] = {}
        for row in rows:
            line = rows.line_num
            if len(roster.entries) >= MAX_ROWS:
                roster.problems.append(f"{path.name}: more than {MAX_ROWS:,} rows: the rest "
                                       f"were not read")
                break
            _add_row(roster, row, line, columns, owner)
    except csv.Error as error:
        raise CourseError(f"roster {path} is not a readable CSV", why=str(error),
                          fix=FIX) from None
    return roster


def _add_row(roster: Roster, row: list[str], line: int, columns: dict[int, str],
             owner: dict[str, int]) -> None:
    where = f"{roster.path.name} line {line}"
    if not any(cell.strip() for cell in row):
        return  # an empty line
    if row and row[0].strip().lower() in ("points possible", "muted"):
        return  # the second row of a Canvas export
    too_long = next((cell for cell in row if len(cell) > MAX_CELL), None)
    if too_long is not None:
        roster.problems.append(f"{where}: a cell of {len(too_long):,} characters (at most "
                               f"{MAX_CELL}): row skipped")
        return
    fields = {name: " ".join(row[index].split()) for index, name in columns.items()
              if index < len(row) and row[index].strip()}
    entry = RosterEntry(line, fields)
    keys = entry.keys()
    if not keys:
        roster.problems.append(f"{where}: no name, login, email or id in the row: skipped")
        return
    taken = next((key for key in keys if key in owner), None)
    if taken is not None:
        roster.problems.append(f"{where}: {short_repr(entry.label, 40)} has the same name or "
                               f"id as line {owner[taken]} ({short_repr(taken, 40)}): row "
                               f"skipped")
        return
    for key in keys:
        owner[key] = line
    roster.entries.append(entry)


@dataclass
class RosterMatch:
    """Which submission is whose: ``matched`` (student id -> entry), the roster entries
    without a submission, the submissions without an entry."""

    matched: dict[str, RosterEntry]
    missing: list[RosterEntry]
    unknown: list[str]

    def lines(self) -> list[str]:
        """The mismatches, one line each, for the console and the summary."""
        found = [f"on the roster, no submission: {entry.label} (line {entry.line})"
                 for entry in self.missing]
        found += [f"submission not on the roster: {student}" for student in self.unknown]
        return found


def match_roster(roster: Roster, students: list[str]) -> RosterMatch:
    """Pair each submission (its student id) with its roster entry."""
    by_key = {key: entry for entry in roster.entries for key in entry.keys()}
    matched: dict[str, RosterEntry] = {}
    unknown = []
    for student in dict.fromkeys(students):
        entry = by_key.get(_match_key(student))
        if entry is None or any(found is entry for found in matched.values()):
            unknown.append(student)
        else:
            matched[student] = entry
    claimed = {id(entry) for entry in matched.values()}
    missing = [entry for entry in roster.entries if id(entry) not in claimed]
    return RosterMatch(matched, missing, unknown)
