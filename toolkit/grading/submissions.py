"""Reading student submissions safely: folders, zips, notebooks, PDF, text, run folders.

A submission folder holds one entry per student: a folder or a ``.zip`` (the student id is
its name), or a single report file (``alice.pdf``, ``bob.ipynb``). Everything in it is
untrusted data:

- nothing is executed or extracted: zips are read member by member in memory; notebooks are
  parsed with nbformat; PDF text comes from pypdf;
- zip members with ``../`` or absolute paths, symlinks (in zips and folders), encrypted
  members, special files, files over :data:`MAX_FILE_BYTES`, more than
  :data:`MAX_SUBMISSION_BYTES` in all or more than :data:`MAX_FILES` files are skipped and
  reported;
- invalid UTF-8 is replaced and reported, broken notebook JSON and unreadable PDFs reported;
- files are opened read-only, so a submission is byte-identical after grading.

Every problem becomes a line in ``Submission.warnings``; reading never raises for a bad
submission, so one student's broken zip never stops the class from being graded.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import stat
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from toolkit.error_analysis import ANNOTATION_COLUMNS, read_annotations_text
from toolkit.grading.chat_export import ChatText, author_only
from toolkit.grading.git_log import commit_messages
from toolkit.grading.notebook_check import NotebookCheck, check_notebook, read_notebook
from toolkit.grading.report_text import (
    Document,
    markdown_document,
    markdown_row,
    notebook_document,
    parse_markdown,
    plain_document,
)
from toolkit.grading.zip_names import open_zip
from toolkit.record import RecordError, parse_record
from toolkit.safe_files import open_regular_file, read_regular_file

MAX_FILE_BYTES = 20 * 2**20        # one file; a run folder's PNGs are well below 1 MB
MAX_SUBMISSION_BYTES = 100 * 2**20  # all files of one student that are read
MAX_FILES = 2000
MAX_PDF_PAGES = 100
MAX_PDF_PAGE_CONTENT = 2 * 2**20   # bytes of one page's drawing commands; a real page: < 200 KB
MAX_PDF_SECONDS = 15.0             # text extraction of one PDF
MAX_DEPTH = 32                     # folder levels read inside a submission
# Quarto and R Markdown documents are Markdown with code chunks and fenced divs.
TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".qmd", ".rmd"}
# Emacs Org mode, AsciiDoc, Typst, MediaWiki and reStructuredText: plain-text markup, turned
# into Markdown; an outliner's export (OPML) too.
WIKI_SUFFIXES = {".wiki", ".mediawiki", ".wikitext"}
RST_SUFFIXES = {".rst", ".rest"}
OUTLINE_SUFFIXES = {".opml"}
MARKUP_SUFFIXES = {".org", ".adoc", ".asciidoc", ".typ"} | WIKI_SUFFIXES | RST_SUFFIXES \
    | OUTLINE_SUFFIXES
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
WORD_SUFFIXES = {".docx"}
# Word processors' and slide decks' other files: LibreOffice's, PowerPoint's, Rich Text, and
# Excel workbooks (a reflection kept as a grid of questions and labs).
OFFICE_SUFFIXES = {".odt", ".odp", ".pptx", ".rtf", ".xlsx"}
HTML_SUFFIXES = {".html", ".htm"}
# A table handed in: comma- or tab-separated ("errors.csv", "errors.tsv")
TABLE_SUFFIXES = {".csv", ".tsv"}
LATEX_SUFFIXES = {".tex"}  # an Overleaf project's source, read as text (never compiled)
# A report's BibTeX file (refs.bib beside main.tex or report.typ): its reference list.
BIB_SUFFIXES = {".bib"}
# A saved e-mail: its body is a document, its attachments the submission's files; a mailbox
# (.mbox): its messages, one after the other.
MAIL_SUFFIXES = {".eml", ".mbox"}
# A video reflection's subtitles: what the student said, cue by cue.
SUBTITLE_SUFFIXES = {".srt", ".vtt"}
READ_SUFFIXES = TEXT_SUFFIXES | MARKUP_SUFFIXES | WORD_SUFFIXES | OFFICE_SUFFIXES | HTML_SUFFIXES \
    | LATEX_SUFFIXES | BIB_SUFFIXES | MAIL_SUFFIXES | SUBTITLE_SUFFIXES | {
    ".ipynb", ".pdf", ".json"} | TABLE_SUFFIXES
SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".git", "__pycache__", ".backup"}
# A notebook saved as a script (Jupytext's percent format) is read when it holds prose cells.
SCRIPT_SUFFIXES = {".py"}
# a .json alone: a channel's chat export, or the student's results
SUBMISSION_SUFFIXES = {".zip", ".pdf", ".ipynb", ".json"} | SCRIPT_SUFFIXES | TEXT_SUFFIXES \
    | MARKUP_SUFFIXES | WORD_SUFFIXES | HTML_SUFFIXES | LATEX_SUFFIXES | OFFICE_SUFFIXES \
    | MAIL_SUFFIXES | SUBTITLE_SUFFIXES
DRAFT_MARK = "Draft written by kerascourse"  # the first line of every reflection draft
DRAFT_NAMES = {"REFLECTION.new.md"}  # a fresh draft beside the student's edited reflection
# ... and the dated one written when REFLECTION.new.md holds edits too (toolkit.reflection)
_DATED_DRAFT = re.compile(r"REFLECTION\.new-\d{8}-\d{6}\.md")
# Names the grader writes into its output folder: no student folder may take them.
RESERVED_IDS = {"gradebook.csv", "summary.md", "summary.html", "score_histogram.png",
                "review.toml", "overrides.toml", "canvas_import.csv", "moodle_import.csv"}


@dataclass
class RunFolder:
    """A run folder inside a submission: its record and what the student added to it."""

    path: str                     # folder inside the submission ("" = its top)
    record: dict
    annotations: list[dict] = field(default_factory=list)

    def file(self, name: str) -> str:
        return str(PurePosixPath(self.path, name)) if self.path else name


@dataclass
class Submission:
    """Everything the grader may look at for one student."""

    student: str
    source: Path
    files: dict[str, int] = field(default_factory=dict)  # path inside -> size in bytes
    documents: list[Document] = field(default_factory=list)
    notebooks: list[NotebookCheck] = field(default_factory=list)
    runs: list[RunFolder] = field(default_factory=list)
    annotation_files: dict[str, list[dict]] = field(default_factory=dict)  # errors.csv files
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The headings a part of a document was cut at by its topic ("## Week 4", "3 March",
    # "VGG16"): they title the lab's part and name no answer.
    part_titles: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.documents or self.notebooks or self.runs or self.annotation_files)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def student_id(name: str) -> str:
    """A file-system-safe student id from a folder or file name."""
    cleaned = (re.sub(r"[^\w.\-]+", "_", name).strip("._") or "student")[:80]
    return cleaned + "_" if cleaned.lower() in RESERVED_IDS else cleaned


NOT_A_SUBMISSION = ("not a folder, a .zip or a document the grader reads (.md, .txt, .pdf, "
                    ".ipynb, .docx, .odt, .pptx, .html, .tex, .eml, .srt and more): not graded")
# A table at the top of the class folder may be the instructor's (a roster): never a student
TABLE_ALONE = ("a table alone is not a submission (it may be a roster): put it in the "
               "student's folder, beside the report, to have it read; not graded")


@dataclass
class ClassFolder:
    """What :func:`survey` found in a submissions folder: every entry is accounted for."""

    entries: list[tuple[str, Path]]       # (unique student id, path), sorted by name
    not_graded: list[tuple[str, str]]     # (entry name, why it is not graded)
    renamed: list[str]                    # how clashing ids were told apart


def survey(folder: Path | str, *, reserved: frozenset[str] = frozenset()) -> ClassFolder:
    """Each entry of ``folder``: a submission with a unique student id, or the reason it is
    not graded (hidden, not a regular file or folder, an unsupported type).

    Ids are unique ignoring case (``alice/`` and ``alice.zip`` become ``alice`` and
    ``alice.zip``); ``reserved`` ids (names the grader writes) are never given out.
    """
    found = ClassFolder([], [], [])
    taken = {name.casefold() for name in reserved | RESERVED_IDS}
    for entry in sorted(Path(folder).iterdir()):
        try:
            mode = entry.lstat().st_mode
        except OSError as error:
            found.not_graded.append((entry.name, f"cannot be read ({error.strerror})"))
            continue
        if entry.name.startswith("."):
            found.not_graded.append((entry.name, "hidden (its name starts with a dot): not "
                                                 "graded; rename it to grade it"))
            continue
        if stat.S_ISLNK(mode):
            base = entry.name  # reported when read: a link is never followed
        elif stat.S_ISDIR(mode):
            base = entry.name
        elif not stat.S_ISREG(mode):
            found.not_graded.append((entry.name, "not a regular file or folder (a named "
                                                 "pipe, device or socket): not opened"))
            continue
        elif entry.suffix.lower() in SUBMISSION_SUFFIXES:
            base = entry.stem
        else:
            found.not_graded.append((entry.name, TABLE_ALONE if entry.suffix.lower()
                                     in TABLE_SUFFIXES else NOT_A_SUBMISSION))
            continue
        student = student_id(base)
        if student.casefold() in taken:
            wanted = student
            student = student_id(entry.name)
            number = 2
            while student.casefold() in taken:
                student = f"{student_id(entry.name)}-{number}"
                number += 1
            found.renamed.append(f"{entry.name}: the id {wanted!r} is taken, so it is "
                                 f"graded as {student!r}")
        taken.add(student.casefold())
        found.entries.append((student, entry))
    return found


def _safe_member_name(name: str) -> str | None:
    """The member's relative POSIX path, or ``None`` when it escapes the archive."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _wanted(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in READ_SUFFIXES | SCRIPT_SUFFIXES


def _skipped_part(path: str) -> bool:
    return any(part in SKIP_PARTS for part in PurePosixPath(path).parts)


class _Budget:
    """Counts the files listed and the bytes read for one submission against the limits."""

    def __init__(self, submission: Submission):
        self.submission, self.files, self.bytes, self.stopped = submission, 0, 0, False

    def list(self) -> bool:
        """One more file seen; False once there are too many to look at."""
        self.files += 1
        if self.files > MAX_FILES and not self.stopped:
            self.submission.warn(f"more than {MAX_FILES} files: the rest were not read")
            self.stopped = True
        return not self.stopped

    def admit(self, path: str, size: int) -> bool:
        """May this file be read? (its size against the per-file and total limits)"""
        if self.stopped:
            return False
        if size > MAX_FILE_BYTES:
            self.submission.warn(f"{path} skipped: {size:,} bytes is over the "
                                 f"{MAX_FILE_BYTES:,}-byte limit per file")
            return False
        if self.bytes + size > MAX_SUBMISSION_BYTES:
            self.submission.warn(f"more than {MAX_SUBMISSION_BYTES:,} bytes in all: {path} "
                                 f"and the rest were not read")
            self.stopped = True
            return False
        self.bytes += size
        return True


def _read_folder(root: Path, submission: Submission) -> dict[str, bytes]:
    contents: dict[str, bytes] = {}
    budget = _Budget(submission)
    too_deep = False
    for directory, subdirs, names in os.walk(root, followlinks=False):
        base = Path(directory)
        for name in sorted(subdirs):
            if (base / name).is_symlink():
                submission.warn(f"{(base / name).relative_to(root)} is a symlink: not followed")
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_PARTS
                            and not (base / d).is_symlink())
        if subdirs and len(base.relative_to(root).parts) >= MAX_DEPTH:
            if not too_deep:
                submission.warn(f"folders nested more than {MAX_DEPTH} levels deep were not "
                                f"read (from {base.relative_to(root).as_posix()[:120]}/...)")
            too_deep, subdirs[:] = True, []
        for name in sorted(names):
            path = base / name
            relative = path.relative_to(root).as_posix()
            try:
                info = path.lstat()
            except OSError as error:
                submission.warn(f"{relative[:200]} cannot be read ({error.strerror}): skipped")
                continue
            if stat.S_ISLNK(info.st_mode):
                submission.warn(f"{relative} is a symlink: not followed")
                continue
            if not stat.S_ISREG(info.st_mode):
                submission.warn(f"{relative} is not a regular file: skipped")
                continue
            if not budget.list():
                return contents
            submission.files[relative] = info.st_size
            if not _wanted(relative) or not budget.admit(relative, info.st_size):
                continue
            try:  # read-only, a regular file only: grading never changes or waits on it
                data = read_regular_file(path, MAX_FILE_BYTES + 1)
            except OSError as error:
                submission.warn(f"{relative[:200]} cannot be read ({error}): skipped")
                continue
            if len(data) > MAX_FILE_BYTES:
                submission.warn(f"{relative} skipped: it grew beyond the per-file limit")
                continue
            contents[relative] = data
    return contents


def _read_zip(path: Path, submission: Submission) -> dict[str, bytes]:
    contents: dict[str, bytes] = {}
    budget = _Budget(submission)
    stream = None
    try:
        stream = open_regular_file(path)  # a named pipe called mallory.zip is never waited on
        archive, bad_names = open_zip(stream)  # a member's bad UTF-8 name costs that member
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        if stream is not None:
            stream.close()
        submission.warn(f"{path.name} is not a readable zip file ({error})")
        return contents
    with stream, archive:
        for info in archive.infolist():
            if info.filename in bad_names:
                submission.warn(f"zip member {bad_names[info.filename]} has a name that is "
                                f"not valid UTF-8, though the zip says it is: skipped")
                continue
            name = _safe_member_name(info.filename)
            if name is None:
                submission.warn(f"zip member {info.filename!r} points outside the archive "
                                f"(absolute or ../ path): skipped")
                continue
            if info.is_dir() or _skipped_part(name):
                continue
            # Unix zips keep the file type in the high bits; others leave them 0.
            file_type = stat.S_IFMT(info.external_attr >> 16)
            if file_type == stat.S_IFLNK:
                submission.warn(f"zip member {name} is a symlink: skipped")
                continue
            if file_type and file_type != stat.S_IFREG:
                submission.warn(f"zip member {name} is not a regular file: skipped")
                continue
            if info.flag_bits & 0x1:
                submission.warn(f"zip member {name} is encrypted: skipped")
                continue
            if name in submission.files:
                submission.warn(f"zip member {name} appears twice: the first copy is used")
                continue
            if not budget.list():
                break
            submission.files[name] = info.file_size
            if not _wanted(name) or not budget.admit(name, info.file_size):
                continue
            try:
                with archive.open(info) as stream:
                    # Read at most the limit: the size in the zip header may lie (zip bomb).
                    data = stream.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError,
                    EOFError, OSError, ValueError) as error:
                submission.warn(f"zip member {name} cannot be read ({error})")
                continue
            if len(data) > MAX_FILE_BYTES or len(data) != info.file_size:
                submission.warn(f"zip member {name} skipped: it unpacks to more bytes than "
                                f"its header says (a zip bomb?)")
                continue
            contents[name] = data
    return contents


def decode_text(path: str, data: bytes, submission: Submission) -> str | None:
    """UTF-8 text, else Windows-1252 text (reported); binary files refused."""
    if b"\x00" in data[:8192]:
        submission.warn(f"{path} looks like a binary file, not text: skipped")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = _windows_text(data)
        if text is not None:
            submission.warn(f"{path} is not valid UTF-8 (first bad byte at offset "
                            f"{error.start}): read as Windows-1252, the encoding Notepad and "
                            f"Word save by default; if characters look wrong, save it as UTF-8")
        else:
            submission.warn(f"{path} is not valid UTF-8 (first bad byte at offset "
                            f"{error.start}): unreadable characters were replaced")
            text = data.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff")


def _windows_text(data: bytes) -> str | None:
    """The text of a file saved in Windows-1252 (curly quotes, dashes and accents one byte
    each), or ``None`` when the bytes say otherwise: a UTF-8 file with one bad byte also
    holds valid multi-byte characters, and then only the bad bytes are replaced."""
    if any(ord(char) > 0x7F and char != "\ufffd"
           for char in data.decode("utf-8", errors="replace")):
        return None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined (0x81, 0x8D, ...)
        return None


def pdf_pages(path: str, data: bytes, submission: Submission) -> list[str]:
    """The text of each page (pypdf); an unreadable PDF gives a warning and no pages."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed PDFs log a lot
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            submission.warn(f"{path} is password-protected: its text cannot be read")
            return []
        pages = []
        budget = _PdfBudget(path, submission)
        for number, page in enumerate(reader.pages, 1):
            if number > MAX_PDF_PAGES:
                submission.warn(f"{path}: only the first {MAX_PDF_PAGES} pages were read")
                break
            if not budget.admit(number, page):
                break
            pages.append(budget.text(page))
        budget.report()
    except Exception as error:  # pypdf raises many types for damaged files
        submission.warn(f"{path} cannot be read as a PDF ({type(error).__name__}: "
                        f"{str(error)[:100]})")
        return []
    if not any(page.strip() for page in pages):
        submission.warn(f"{path} holds no extractable text (a scanned PDF?): review it by hand")
    return pages


class _PdfBudget:
    """The work one PDF may cost: each content stream is read once (a 25 KB file can show
    one 6 MB stream on 100 pages), a page's content has a size limit, the file a time limit.
    """

    def __init__(self, path: str, submission: Submission):
        self.path, self.submission = path, submission
        self.start, self.seen, self.repeated = time.monotonic(), set(), 0

    @staticmethod
    def _contents_key(page):
        from pypdf.generic import IndirectObject

        raw = dict.get(page, "/Contents")  # unresolved: the references, not the streams
        refs = raw if isinstance(raw, list) else [raw]
        if not refs or not all(isinstance(ref, IndirectObject) for ref in refs):
            return None
        return tuple((ref.idnum, ref.generation) for ref in refs)

    def admit(self, number: int, page) -> bool:
        """May page ``number`` be read? False stops reading this PDF."""
        if time.monotonic() - self.start > MAX_PDF_SECONDS:
            self.submission.warn(f"{self.path}: reading stopped at page {number} after "
                                 f"{MAX_PDF_SECONDS:g} s: review the rest by hand")
            return False
        return True

    def text(self, page) -> str:
        key = self._contents_key(page)
        if key is not None and key in self.seen:
            self.repeated += 1
            return ""  # the same drawing as an earlier page: its text was read there
        if key is not None:
            self.seen.add(key)
        contents = page.get_contents()
        size = len(contents.get_data()) if contents is not None else 0
        if size > MAX_PDF_PAGE_CONTENT:
            self.submission.warn(f"{self.path}: a page holds {size:,} bytes of drawing "
                                 f"commands (over {MAX_PDF_PAGE_CONTENT:,}): its text was not "
                                 f"read")
            return ""
        return page.extract_text() or ""

    def report(self) -> None:
        if self.repeated:
            self.submission.warn(f"{self.path}: {self.repeated} page(s) repeat the content of "
                                 f"an earlier page: read once")


def _draft_lines(record: dict, annotations: list[dict]) -> frozenset[str]:
    """The lines the reflection draft wrote from this record: they are not the student's."""
    from toolkit.reflection import render

    try:
        draft = render(record, annotations=annotations)
    except Exception:  # a hand-edited record may not render; then every line counts as written
        return frozenset()
    return frozenset(line.strip() for line in draft.splitlines() if line.strip())


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _load_runs(contents: dict[str, bytes], submission: Submission) -> None:
    for path, data in contents.items():
        if PurePosixPath(path).name != "record.json":
            continue
        folder = _folder(path)
        try:
            record, problems = parse_record(data, path)
        except RecordError as error:
            submission.warn(f"{error}: its facts were not used")
            continue
        submission.warnings += problems
        submission.runs.append(RunFolder(folder, record))


def _open_mails(contents: dict[str, bytes], submission: Submission) -> dict[str, bytes]:
    """The submission's files with each saved mail's attachments beside them, named
    ``mail.eml/curves.png``, as a zip's members are (a figure or ``record.json`` mailed)."""
    from toolkit.grading.eml_reader import read_mail, read_mailbox

    opened = dict(contents)
    budget = _Budget(submission)
    for path, data in contents.items():
        suffix = PurePosixPath(path).suffix.lower()
        if suffix not in MAIL_SUFFIXES:
            continue
        try:
            attachments = ([name_data for _, mail in read_mailbox(data)
                            for name_data in mail.attachments] if suffix == ".mbox"
                           else read_mail(data).attachments)
        except Exception:  # said once, when its body is read; it never stops the rest
            continue
        for name, attached in attachments:
            inside = f"{path}/{name}"
            if inside in submission.files or not budget.list():
                continue
            submission.files[inside] = len(attached)
            if _wanted(inside) and PurePosixPath(name).suffix.lower() not in MAIL_SUFFIXES \
                    and budget.admit(inside, len(attached)):
                opened[inside] = attached
    return opened


def _read_mail(path: str, data: bytes, submission: Submission) -> None:
    """A saved mail's text as one more document (its attachments were opened beside it)."""
    from toolkit.grading.eml_reader import MailError, own_text, read_mail
    from toolkit.grading.html_reader import html_document

    if PurePosixPath(path).suffix.lower() == ".mbox":
        _read_mailbox(path, data, submission)
        return
    try:
        mail = read_mail(data)
    except MailError as error:
        submission.warn(f"{path} cannot be read as an e-mail ({error}); save the mail's text "
                        f"as a PDF or text file and hand it in again")
        return
    if not mail.body.strip():
        return  # a mail that only carries files: they are read as the student's files
    if mail.body_kind == "html":
        submission.documents.append(html_document(path, mail.body))
    else:
        submission.documents.append(plain_document(path, [own_text(mail.body)], "text"))


def _read_mailbox(path: str, data: bytes, submission: Submission) -> None:
    """A mailbox's plain-text messages as one document, in the order they were sent, each
    row at its line in the file where it is found there; a message with only an HTML body
    is a document of its own."""
    from toolkit.grading.eml_reader import MailError, own_text, read_mailbox
    from toolkit.grading.html_reader import html_document

    try:
        mails = read_mailbox(data)
    except MailError as error:
        submission.warn(f"{path} cannot be read as a mailbox ({error}); save the mails' text "
                        f"as a PDF or text file and hand it in again")
        return
    file_rows = [row.strip() for row in data.decode("utf-8", errors="replace").splitlines()]
    rows: list[str] = []
    numbers: list[int] = []
    for first_line, mail in mails:
        if mail.body_kind == "html" and mail.body.strip():
            submission.documents.append(html_document(path, mail.body))
            continue
        at = first_line  # the file's line of the row read last (from 1)
        for row in own_text(mail.body).splitlines():
            # a row as the file has it, a little further on (a quoted-printable body's
            # rows are not: they keep the line of the row above)
            ahead = file_rows[at:at + 60]
            if row.strip() and row.strip() in ahead:
                at += ahead.index(row.strip()) + 1
            rows.append(row)
            numbers.append(at)
        rows.append("")  # one message ends before the next begins
        numbers.append(at)
    if any(row.strip() for row in rows):
        submission.documents.append(plain_document(path, ["\n".join(rows)], "text", numbers))


def _parse(contents: dict[str, bytes], submission: Submission) -> None:
    contents = _open_mails(contents, submission)
    _load_runs(contents, submission)
    runs_by_folder = {run.path: run for run in submission.runs}
    # the lab's errors.csv files, read for their annotations: path -> text (None: unreadable)
    lab_tables: dict[str, str | None] = {}
    for path, data in sorted(contents.items()):
        pure = PurePosixPath(path)
        suffix = pure.suffix.lower()
        folder = _folder(path)
        if pure.name in DRAFT_NAMES or _DATED_DRAFT.fullmatch(pure.name):
            submission.ignored.append(f"{path} (a draft the student did not edit)")
        elif suffix in TABLE_SUFFIXES and pure.name.startswith("errors") \
                and _lab_errors_table(_comma_separated(
                    path, data[:2000].decode("utf-8", errors="replace"))):
            text = lab_tables[path] = _comma_separated(path, decode_text(path, data, submission))
            if text is not None:
                try:
                    annotations = read_annotations_text(text)
                except csv.Error as error:
                    submission.warn(f"{path} is not a readable CSV ({error})")
                    lab_tables[path] = None
                    continue
                submission.annotation_files[path] = annotations
                if folder in runs_by_folder:
                    runs_by_folder[folder].annotations = annotations

    for path, data in sorted(contents.items()):
        name = PurePosixPath(path).name
        if lab_tables.get(path) and _folder(path) not in runs_by_folder:
            # handed in apart from its run: every row is a sample the student shows
            submission.documents.append(csv_document(path, lab_tables[path]))
        elif path in lab_tables and (annotated := submission.annotation_files.get(path)):
            # in the run's folder, the lab wrote it: the rows the student annotated are the
            # samples they chose to show, with their words
            submission.documents.append(csv_document(path, _csv_text(annotated)))
        if name in DRAFT_NAMES or _DATED_DRAFT.fullmatch(name) or path in lab_tables:
            continue
        try:  # one malformed file never discards what the other files gave
            _parse_file(path, data, submission, runs_by_folder)
        except Exception as error:
            submission.warn(f"{path} could not be read ({type(error).__name__}: "
                            f"{str(error)[:100]}); the rest of the submission was graded")
    read = {document.path for document in submission.documents}
    submission.ignored += [path for path in submission.files if path not in read
                           and PurePosixPath(path).suffix.lower() not in READ_SUFFIXES
                           | IMAGE_SUFFIXES]


def _author_text(path: str, text: str, submission: Submission) -> tuple[str, list[int]]:
    """``(text, each line's line in the file)``: a chat export's author's messages alone, a
    thread's posts without their counters (see :mod:`toolkit.grading.chat_export`); any
    other text as it is (no line numbers needed)."""
    chat = author_only(text)
    if chat is None:
        return text, []
    if chat.author:
        _say_chat(path, chat, submission)
    return "\n".join(chat.lines), chat.numbers


def _say_chat(path: str, chat: ChatText, submission: Submission) -> None:
    """One line on whose messages of a chat export are graded."""
    submission.warn(f"{path} reads as a chat export: only the {chat.kept} messages of "
                    f"{chat.author} are graded as the student's words ({chat.left_out} by "
                    f"others left out). If another speaker is the student, hand in their "
                    f"messages alone")


def _parse_file(path: str, data: bytes, submission: Submission,
                runs_by_folder: dict[str, RunFolder]) -> None:
    """Read one report file (text, Markdown, PDF, notebook) into the submission."""
    pure = PurePosixPath(path)
    suffix = pure.suffix.lower()
    folder = _folder(path)
    if suffix in TEXT_SUFFIXES:
        text = decode_text(path, data, submission)
        if text is None:
            return
        if (log := commit_messages(text)) is not None:  # git log > reflection.txt
            submission.documents.append(markdown_document(path, "\n".join(log.lines),
                                                          line_numbers=log.numbers))
            return
        text, line_numbers = _author_text(path, text, submission)
        run = runs_by_folder.get(folder)
        generated = (_draft_lines(run.record, run.annotations)
                     if run is not None and pure.name == "REFLECTION.md" else frozenset())
        if run is None and DRAFT_MARK in text:
            submission.warn(f"{path} is a reflection draft whose record.json is not beside "
                            f"it: the facts the draft filled in count as the student's "
                            f"words, so check its text criteria by hand")
        if suffix == ".txt":
            submission.documents.append(plain_document(path, [text], "text", line_numbers))
        else:
            submission.documents.append(markdown_document(path, text, generated=generated,
                                                          line_numbers=line_numbers))
    elif suffix in WORD_SUFFIXES | HTML_SUFFIXES:
        _read_word_or_html(path, data, submission)
    elif suffix in OFFICE_SUFFIXES:
        _read_office(path, data, submission)
    elif suffix in MAIL_SUFFIXES:
        _read_mail(path, data, submission)
    elif suffix in SUBTITLE_SUFFIXES:
        from toolkit.grading.subtitle_reader import SubtitleError, subtitle_text

        text = decode_text(path, data, submission)
        try:
            talk = subtitle_text(text, suffix) if text is not None else None
        except SubtitleError as error:
            submission.warn(f"{path} is {error}: hand in the subtitles as the video site "
                            f"exports them, or the reflection as a text")
            talk = None
        if talk is not None:
            submission.documents.append(plain_document(path, ["\n".join(talk.lines)], "text",
                                                       talk.numbers))
    elif suffix in TABLE_SUFFIXES and folder not in runs_by_folder:
        # A table the student made and handed in ("misclassified.csv" beside the README): a
        # document titled by its file name. A run folder's CSVs are the lab's, not theirs, and
        # an errors.csv with the lab's annotation columns was read for its annotations.
        text = _comma_separated(path, decode_text(path, data, submission))
        if text is not None:
            submission.documents.append(csv_document(path, text))
    elif suffix == ".json" and pure.name != "record.json" and folder not in runs_by_folder:
        # The student's own results ("results.json" beside the README); a run folder's JSON
        # files are the lab's outputs, and record.json is read as the run record.
        from toolkit.grading.chat_export import json_chat
        from toolkit.grading.json_reader import JsonFileError, json_document

        text = decode_text(path, data, submission)
        # a channel's export (Slack, Discord, Teams): the student's messages alone, in the
        # Markdown the chat writes them in (a bold line over a message is its title)
        if text is not None and (chat := json_chat(text)) is not None:
            _say_chat(path, chat, submission)
            submission.documents.append(markdown_document(path, "\n".join(chat.lines),
                                                          line_numbers=chat.numbers))
            return
        try:
            if text is not None:
                submission.documents.append(json_document(path, text))
        except JsonFileError as error:
            submission.warn(f"{path} is {error}: fix or remove it and hand it in again")
    elif suffix in OUTLINE_SUFFIXES:
        from toolkit.grading.opml_reader import OpmlError, opml_document

        try:
            submission.documents.append(opml_document(path, data))
        except OpmlError as error:
            submission.warn(f"{path} cannot be read as an outline: {error}; export it from "
                            f"the outliner again, or hand in the reflection as a text")
    elif suffix in MARKUP_SUFFIXES:
        text = decode_text(path, data, submission)
        if text is not None:
            submission.documents.append(_markup_reader(suffix)(path, text))
    elif suffix in BIB_SUFFIXES:
        from toolkit.grading.bib_reader import bib_document

        text = decode_text(path, data, submission)
        if text is not None:
            submission.documents.append(bib_document(path, text))
    elif suffix in LATEX_SUFFIXES:
        from toolkit.grading.latex_reader import latex_document

        text = decode_text(path, data, submission)
        if text is not None:
            submission.documents.append(latex_document(path, text))
    elif suffix in SCRIPT_SUFFIXES:
        from toolkit.grading.script_reader import is_notebook_script, percent_notebook, script_prose

        # a script of code alone is code, not a report: it is not decoded, nor warned about
        source = data.decode("utf-8", errors="replace")
        if is_notebook_script(source):
            text = decode_text(path, data, submission)
            notebook = percent_notebook(text) if text is not None else None
            if notebook is not None:
                submission.documents.append(notebook_document(path, notebook))
        elif (prose := script_prose(source)) is not None:  # a report in its docstrings
            submission.documents.append(plain_document(path, [prose], "text"))
    elif suffix == ".pdf":
        pages = pdf_pages(path, data, submission)
        if pages:
            submission.documents.append(plain_document(path, pages, "pdf"))
    elif suffix == ".ipynb":
        try:
            notebook = read_notebook(data)
        except ValueError as error:
            submission.warn(f"{path} is a broken notebook ({error})")
            submission.notebooks.append(check_notebook(data, path=path))
            return
        submission.documents.append(notebook_document(path, notebook))
        submission.notebooks.append(check_notebook(notebook, path=path))


def _markup_reader(suffix: str):
    """The reader of one plain-text markup: Org, AsciiDoc, Typst, MediaWiki or reST."""
    # imported here: each pulls in its own parser, and most classes hand in none of them
    from toolkit.grading.asciidoc_reader import asciidoc_document
    from toolkit.grading.org_reader import org_document
    from toolkit.grading.rst_reader import rst_document
    from toolkit.grading.typst_reader import typst_document
    from toolkit.grading.wiki_reader import wiki_document

    readers = {".org": org_document, ".adoc": asciidoc_document, ".asciidoc": asciidoc_document,
               ".typ": typst_document} | dict.fromkeys(WIKI_SUFFIXES, wiki_document) \
        | dict.fromkeys(RST_SUFFIXES, rst_document)
    return readers[suffix]


def _csv_text(rows: list[dict]) -> str:
    """Rows read with ``csv.DictReader`` as CSV text again, under their header."""
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=list(rows[0]), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def _comma_separated(path: str, text: str | None) -> str | None:
    """A table's text as CSV: a .tsv file's tab-separated rows are rewritten with commas."""
    if text is None or PurePosixPath(path).suffix.lower() != ".tsv":
        return text
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(
        csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    return stream.getvalue()


def _lab_errors_table(text: str) -> bool:
    """Is this CSV the lab's ``errors.csv`` (its header names the annotation columns)?"""
    try:
        header = next(csv.reader(io.StringIO(text[:2000])), [])
    except csv.Error:  # not a table at all: no file of the lab's
        return False
    return any(cell.strip().lower() in ANNOTATION_COLUMNS for cell in header)


MAX_CSV_ROWS = 200  # rows of a student's CSV read as a table (a sample list is far shorter)


def csv_document(path: str, text: str) -> Document:
    """A CSV as a Markdown table under a heading made of its file name ("misclassified");
    places are named ``misclassified.csv row 3``."""
    title = PurePosixPath(path).stem.replace("_", " ").replace("-", " ")
    lines, places = [f"# {title}", ""], [f"{path} row 1", f"{path} row 1"]
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if number > MAX_CSV_ROWS:
            break
        if any(cell.strip() for cell in row):
            lines.append(markdown_row(row))
            places.append(f"{path} row {number}")
            if len(lines) == 3:  # under the header row
                lines.append("|" + "---|" * len(row))
                places.append(places[-1])
    parsed, images = parse_markdown("\n".join(lines), lambda n: places[min(n, len(places)) - 1])
    return Document(path, "markdown", parsed, images)


def _read_word_or_html(path: str, data: bytes, submission: Submission) -> None:
    """A .docx (python-docx) or an HTML page (html.parser) as one more document."""
    from toolkit.grading.docx_reader import DocxError, docx_document
    from toolkit.grading.html_reader import html_document

    if PurePosixPath(path).suffix.lower() in WORD_SUFFIXES:
        try:
            submission.documents.append(docx_document(path, data))
        except DocxError as error:
            submission.warn(f"{path} cannot be read as a Word document ({error})")
        return
    text = decode_text(path, data, submission)
    if text is not None:
        submission.documents.append(html_document(path, text))


def _read_office(path: str, data: bytes, submission: Submission) -> None:
    """An OpenDocument text or presentation, a PowerPoint deck, an RTF file or a workbook as
    one more document."""
    from toolkit.grading.odt_reader import odp_document, odt_document
    from toolkit.grading.office_package import OfficeFileError
    from toolkit.grading.pptx_reader import pptx_document
    from toolkit.grading.rtf_reader import RtfError, rtf_document
    from toolkit.grading.xlsx_reader import xlsx_document

    suffix = PurePosixPath(path).suffix.lower()
    kinds = {".odt": "an OpenDocument text", ".odp": "an OpenDocument presentation",
             ".pptx": "a PowerPoint deck",
             ".rtf": "a Rich Text file", ".xlsx": "an Excel workbook"}
    try:
        if suffix == ".rtf":  # 7-bit text; bytes above 127 are the file's code page
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
            submission.documents.append(rtf_document(path, text))
        elif suffix == ".odt":
            submission.documents.append(odt_document(path, data))
        elif suffix == ".odp":
            submission.documents.append(odp_document(path, data))
        elif suffix == ".xlsx":
            submission.documents.append(xlsx_document(path, data))
        else:
            submission.documents.append(pptx_document(path, data))
    except (OfficeFileError, RtfError) as error:
        submission.warn(f"{path} cannot be read as {kinds[suffix]} ({error}); save it as "
                        f"PDF or Word and hand it in again")


def read_submission(student: str, path: Path | str) -> Submission:
    """Read one student's folder, zip or single file; problems become warnings."""
    path = Path(path)
    submission = Submission(student, path)
    try:
        if path.is_symlink():
            submission.warn(f"{path.name} is a symlink: not followed")
            return submission
        if path.is_dir():
            contents = _read_folder(path, submission)
        elif path.suffix.lower() == ".zip":
            contents = _read_zip(path, submission)
        else:
            contents = {}
            with open_regular_file(path) as stream:  # never a named pipe or device
                size = os.fstat(stream.fileno()).st_size
                submission.files[path.name] = size
                if _Budget(submission).admit(path.name, size):
                    contents[path.name] = stream.read(MAX_FILE_BYTES + 1)
        _parse(contents, submission)
    except Exception as error:  # one broken submission must never stop the class
        submission.warn(f"could not be read completely ({type(error).__name__}: "
                        f"{str(error)[:120]})")
    if submission.empty and path.suffix.lower() in SCRIPT_SUFFIXES and path.is_file():
        submission.warn(f"{path.name} is Python code with no prose cells ('# %% [markdown]'): "
                        f"not a report; the student should hand in the report or the notebook "
                        f"(.ipynb)")
    if submission.empty:
        submission.warn("nothing gradable found (no report, notebook or run record)")
    return submission
