"""toolkit.grading.submissions: which entries are students, which files each one's grade reads.

Every unsafe or unreadable thing (a link, a ../ zip member, a special file, a file over a
limit, bad UTF-8, a broken notebook or PDF) costs that thing only, with one line that names
it; the rest of the submission is read, and nothing in the submissions folder changes.
Everything is built in the test (small files); nothing is graded.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from toolkit.grading import submissions
from toolkit.grading.samples import (
    shared_stream_pdf,
    synthetic_record,
    tiny_png,
    write_run_folder,
)
from toolkit.grading.submissions import (
    NOT_A_SUBMISSION,
    TABLE_ALONE,
    decode_text,
    read_submission,
    student_id,
    survey,
)

REPORT = "# Hypothesis\nShirts and coats look alike at 28 pixels.\n"


def _snapshot(root: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every path under ``root`` with its bytes (or link target) and mtime."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path)] = (os.readlink(path), 0)
        elif path.is_file():
            found[str(path)] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def _zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes | str]]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def _member(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info


def _paths(submission) -> list[str]:
    return [document.path for document in submission.documents]


# --- the class folder ---------------------------------------------------------------------

def test_student_ids_are_safe_names_that_never_take_the_graders_files():
    assert student_id("Jo Smith") == "Jo_Smith"
    assert student_id("  ../Jo Smith!! ") == "Jo_Smith"
    assert student_id("ann-lee.v2") == "ann-lee.v2"
    assert student_id("!!!") == "student"
    assert student_id("x" * 100) == "x" * 80
    assert student_id("gradebook.csv") == "gradebook.csv_"
    assert student_id("Summary.HTML") == "Summary.HTML_"
    assert student_id("summary") == "summary"
    assert student_id("Xavier_X") == "Xavier_X"


def test_survey_accounts_for_every_entry(tmp_path):
    top = tmp_path / "class"
    top.mkdir()
    (top / "Alice").mkdir()
    _zip(top / "alice.zip", [("report.md", REPORT)])
    (top / "bob.PDF").write_bytes(b"%PDF")
    (top / "carol.ipynb").write_text("{}")
    (top / "dan.md").write_text(REPORT)
    (top / "erin.docx").write_bytes(b"PK")
    (top / "notes.exe").write_bytes(b"MZ")
    (top / "roster.csv").write_text("name,id\nAlice,1\n")  # the instructor's, maybe
    (top / ".DS_Store").write_bytes(b"x")
    (top / ".hidden").mkdir()
    os.mkfifo(top / "pipe.md")
    (top / "frank").symlink_to(top / "Alice")
    (top / "summary.md").mkdir()  # a folder taking a name the grader writes
    (top / "a b").mkdir()
    (top / "a_b").mkdir()
    (top / "feedback").mkdir()
    found = survey(top, reserved=frozenset({"feedback"}))
    ids = {path.name: student for student, path in found.entries}
    assert ids == {"Alice": "Alice", "alice.zip": "alice.zip", "bob.PDF": "bob",
                   "carol.ipynb": "carol", "dan.md": "dan", "erin.docx": "erin",
                   "frank": "frank", "summary.md": "summary.md_", "a b": "a_b",
                   "a_b": "a_b-2", "feedback": "feedback-2"}
    assert [path.name for _, path in found.entries] == sorted(ids)
    reasons = dict(found.not_graded)
    assert sorted(reasons) == [".DS_Store", ".hidden", "notes.exe", "pipe.md", "roster.csv"]
    assert reasons["notes.exe"] == NOT_A_SUBMISSION
    assert reasons["roster.csv"] == TABLE_ALONE
    assert "hidden" in reasons[".hidden"] and "hidden" in reasons[".DS_Store"]
    assert "named pipe" in reasons["pipe.md"]
    assert found.renamed == [
        "a_b: the id 'a_b' is taken, so it is graded as 'a_b-2'",
        "alice.zip: the id 'alice' is taken, so it is graded as 'alice.zip'",
        "feedback: the id 'feedback' is taken, so it is graded as 'feedback-2'",
    ]
    assert len({student.casefold() for student, _ in found.entries}) == len(found.entries)


# --- a folder -----------------------------------------------------------------------------

def test_a_folder_is_read_file_by_file_and_links_and_special_files_are_refused(tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text("# Hypothesis\nthe instructor's key\n")
    student = tmp_path / "kim"
    (student / "sub").mkdir(parents=True)
    (student / "report.md").write_text(REPORT)
    (student / "notes.txt").write_text("Plain notes about the lab.\n")
    (student / "sub" / "more.md").write_text("# Results\nAccuracy 91%.\n")
    (student / "model.keras").write_bytes(b"weights" * 10)
    (student / "curves.png").write_bytes(tiny_png())
    for skipped in (".git", "__MACOSX", ".ipynb_checkpoints", "__pycache__"):
        (student / skipped).mkdir()
        (student / skipped / "copy.md").write_text(REPORT)
    (student / "link.md").symlink_to(outside)
    (student / "linked").symlink_to(tmp_path)
    os.mkfifo(student / "pipe.md")
    before = _snapshot(tmp_path)
    submission = read_submission("kim", student)
    assert _snapshot(tmp_path) == before  # nothing written, nothing moved
    assert sorted(_paths(submission)) == ["notes.txt", "report.md", "sub/more.md"]
    assert {d.path: d.format for d in submission.documents}["notes.txt"] == "text"
    assert {d.path: d.format for d in submission.documents}["report.md"] == "markdown"
    assert submission.files == {"curves.png": len(tiny_png()), "model.keras": 70,
                                "notes.txt": 27, "report.md": len(REPORT),
                                "sub/more.md": 24}
    assert submission.ignored == ["model.keras"]
    assert sorted(submission.warnings) == ["link.md is a symlink: not followed",
                                           "linked is a symlink: not followed",
                                           "pipe.md is not a regular file: skipped"]
    assert not any("instructor's key" in line.text for d in submission.documents
                   for line in d.lines)


def test_a_file_at_the_size_limit_is_read_and_one_over_it_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_FILE_BYTES", 100)
    student = tmp_path / "kim"
    student.mkdir()
    (student / "a.md").write_text("# A\n" + "x" * 96)    # 100 bytes
    (student / "b.md").write_text("# B\n" + "x" * 97)    # 101 bytes
    (student / "c.png").write_bytes(b"p" * 500)          # never read: no limit to pass
    submission = read_submission("kim", student)
    assert _paths(submission) == ["a.md"]
    assert submission.files == {"a.md": 100, "b.md": 101, "c.png": 500}
    assert submission.warnings == ["b.md skipped: 101 bytes is over the 100-byte limit "
                                   "per file"]


def test_the_total_limit_stops_reading_at_the_file_that_passes_it(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_SUBMISSION_BYTES", 200)
    student = tmp_path / "kim"
    student.mkdir()
    (student / "a.md").write_text("# A\n" + "x" * 96)  # a and b fill the budget exactly
    (student / "b.md").write_text("# B\n" + "x" * 96)
    (student / "c.md").write_text("y")
    (student / "d.md").write_text("y")
    submission = read_submission("kim", student)
    assert _paths(submission) == ["a.md", "b.md"]
    assert submission.warnings == ["more than 200 bytes in all: c.md and the rest were "
                                   "not read"]
    assert "d.md" not in submission.files  # nothing looked at after the budget is spent


def test_too_many_files_or_folders_too_deep_are_named_once(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_FILES", 3)
    student = tmp_path / "many"
    student.mkdir()
    for n in range(6):
        (student / f"{n}.md").write_text(f"# Part {n}\ntext\n")
    submission = read_submission("many", student)
    assert _paths(submission) == ["0.md", "1.md", "2.md"]
    assert submission.warnings == ["more than 3 files: the rest were not read"]

    monkeypatch.setattr(submissions, "MAX_DEPTH", 2)
    deep = tmp_path / "deep"
    (deep / "a" / "b" / "c").mkdir(parents=True)
    (deep / "a" / "x" / "y").mkdir(parents=True)
    for folder in ("", "a", "a/b", "a/b/c", "a/x/y"):
        (deep / folder / "r.md").write_text("# R\ntext\n")
    submission = read_submission("deep", deep)
    assert _paths(submission) == ["a/b/r.md", "a/r.md", "r.md"]
    assert submission.warnings == ["folders nested more than 2 levels deep were not read "
                                   "(from a/b/...)"]


# --- a zip --------------------------------------------------------------------------------

def test_unsafe_zip_members_are_refused_one_line_each_and_the_rest_is_read(tmp_path):
    path = _zip(tmp_path / "lee.zip", [
        ("../../escape.md", "# Hypothesis\nescaped\n"),
        ("/etc/evil.md", "absolute\n"),
        ("C:/Windows/evil.md", "a drive\n"),
        ("docs\\..\\..\\up.md", "backslashes\n"),
        ("./ok/./fine.md", "# Fine\nkept\n"),
        ("docs/", ""),
        ("__MACOSX/._report.md", "resource fork\n"),
        (_member("link.md", 0o120777), "/etc/passwd"),
        (_member("fifo.md", 0o010644), "a named pipe\n"),
        (_member("unix.md", 0o100644), "# Unix\na regular file\n"),
        ("report.md", REPORT),
        ("data.bin", b"\x00\x01"),
    ])
    before = _snapshot(tmp_path)
    submission = read_submission("lee", path)
    assert _snapshot(tmp_path) == before
    assert sorted(_paths(submission)) == ["ok/fine.md", "report.md", "unix.md"]
    assert sorted(submission.files) == ["data.bin", "ok/fine.md", "report.md", "unix.md"]
    assert submission.ignored == ["data.bin"]
    assert submission.warnings == [
        "zip member '../../escape.md' points outside the archive (absolute or ../ path): "
        "skipped",
        "zip member '/etc/evil.md' points outside the archive (absolute or ../ path): skipped",
        "zip member 'C:/Windows/evil.md' points outside the archive (absolute or ../ path): "
        "skipped",
        "zip member 'docs\\\\..\\\\..\\\\up.md' points outside the archive (absolute or ../ "
        "path): skipped",
        "zip member link.md is a symlink: skipped",
        "zip member fifo.md is not a regular file: skipped",
    ]


def _encrypted(data: bytes, name: bytes) -> bytes:
    """The zip with ``name``'s "encrypted" flag set in its local and central headers."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            if data.find(name, start, start + 60) != -1:
                data[start + offset] |= 0x1
            start = data.find(signature, start + 1)
    return bytes(data)


def test_encrypted_duplicate_and_lying_members(tmp_path, monkeypatch):
    path = _zip(tmp_path / "sam.zip", [("secret.md", "# Secret\nhidden\n"),
                                       ("report.md", REPORT)])
    path.write_bytes(_encrypted(path.read_bytes(), b"secret.md"))
    submission = read_submission("sam", path)
    assert _paths(submission) == ["report.md"]
    assert submission.warnings == ["zip member secret.md is encrypted: skipped"]

    with pytest.warns(UserWarning, match="Duplicate name"):
        path = _zip(tmp_path / "dup.zip", [("report.md", "# First\nthe first copy\n"),
                                           ("report.md", "# Second\nthe second copy\n")])
    submission = read_submission("dup", path)
    assert [line.text for line in submission.documents[0].lines][:1] == ["First"]
    assert submission.warnings == ["zip member report.md appears twice: the first copy is "
                                   "used"]

    monkeypatch.setattr(submissions, "MAX_FILE_BYTES", 50)
    path = _zip(tmp_path / "big.zip", [("big.md", "# Big\n" + "x" * 60), ("ok.md", "# Ok\n")])
    submission = read_submission("big", path)
    assert _paths(submission) == ["ok.md"]
    assert submission.warnings == ["big.md skipped: 66 bytes is over the 50-byte limit "
                                   "per file"]


def test_a_member_that_unpacks_to_more_than_its_header_says_is_skipped(tmp_path):
    path = _zip(tmp_path / "bomb.zip", [("bomb.md", "# Bomb\n" + "0" * 200),
                                        ("report.md", REPORT)])
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")  # the central header's uncompressed size: 207 -> 20
    data[central + 24:central + 28] = (20).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    submission = read_submission("bomb", path)
    assert _paths(submission) == ["report.md"]
    assert len(submission.warnings) == 1
    assert submission.warnings[0].startswith("zip member bomb.md ")


def test_a_broken_zip_or_a_link_costs_that_student_only(tmp_path):
    broken = tmp_path / "bob.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    submission = read_submission("bob", broken)
    assert submission.empty
    assert submission.warnings[0].startswith("bob.zip is not a readable zip file (")
    assert submission.warnings[1:] == ["nothing gradable found (no report, notebook or run "
                                       "record)"]
    link = tmp_path / "eve.md"
    link.symlink_to(tmp_path / "report.md")
    (tmp_path / "report.md").write_text(REPORT)
    submission = read_submission("eve", link)
    assert submission.files == {} and submission.empty
    assert submission.warnings[0] == "eve.md is a symlink: not followed"


def test_a_single_file_is_the_whole_submission(tmp_path, monkeypatch):
    (tmp_path / "dan.md").write_text(REPORT)
    submission = read_submission("dan", tmp_path / "dan.md")
    assert (submission.student, submission.source) == ("dan", tmp_path / "dan.md")
    assert submission.files == {"dan.md": len(REPORT)} and submission.warnings == []
    assert submission.documents[0].lines[0].text == "Hypothesis"
    (tmp_path / "dan.md").write_text(REPORT.strip())  # no newline at the end
    monkeypatch.setattr(submissions, "MAX_FILE_BYTES", len(REPORT.strip()))  # at the limit
    submission = read_submission("dan", tmp_path / "dan.md")
    assert submission.documents[0].lines[-1].text == REPORT.splitlines()[-1]
    monkeypatch.setattr(submissions, "MAX_FILE_BYTES", len(REPORT.strip()) - 1)
    submission = read_submission("dan", tmp_path / "dan.md")
    assert submission.empty and submission.warnings[0].startswith("dan.md skipped: ")


# --- what the files say -------------------------------------------------------------------

def test_text_is_utf8_with_bad_bytes_named_and_binary_refused():
    submission = submissions.Submission("s", Path("s"))
    assert decode_text("a.md", "\ufeff# Title\n".encode(), submission) == "# Title\n"
    # a UTF-8 file with one bad byte: only that byte is replaced
    assert decode_text("b.md", "café \u2013 ".encode() + b"\xff", submission) \
        == "café \u2013 \ufffd"
    assert decode_text("c.md", b"# x\n\x00\x01binary", submission) is None
    assert decode_text("d.md", b"x" * 8192 + b"\x00", submission) == "x" * 8192 + "\x00"
    # Notepad's Windows-1252: curly quotes, dashes and accents are one byte each
    assert decode_text("e.txt", b"\x93caf\xe9\x94 \x96 88 \xb1 1 %\r\n", submission) \
        == "\u201ccaf\xe9\u201d \u2013 88 \xb1 1 %\r\n"
    # a byte Windows-1252 leaves undefined: replaced, as in any text that is no UTF-8
    assert decode_text("f.txt", b"caf\xe9 \x81", submission) == "caf\ufffd \ufffd"
    assert submission.warnings == [
        "b.md is not valid UTF-8 (first bad byte at offset 10): unreadable characters were "
        "replaced",
        "c.md looks like a binary file, not text: skipped",
        "e.txt is not valid UTF-8 (first bad byte at offset 0): read as Windows-1252, the "
        "encoding Notepad and Word save by default; if characters look wrong, save it as UTF-8",
        "f.txt is not valid UTF-8 (first bad byte at offset 3): unreadable characters were "
        "replaced"]


def test_a_pdf_is_read_page_by_page_within_its_limits(tmp_path, monkeypatch):
    pdf = tmp_path / "pat.pdf"
    pdf.write_bytes(shared_stream_pdf(3, 1))
    submission = read_submission("pat", pdf)
    [document] = submission.documents
    assert document.format == "pdf"
    assert any("shirts and coats look alike" in line.text for line in document.lines)
    assert submission.warnings == ["pat.pdf: 2 page(s) repeat the content of an earlier page: "
                                   "read once"]

    monkeypatch.setattr(submissions, "MAX_PDF_PAGES", 1)
    submission = submissions.Submission("s", Path("s"))
    pages = submissions.pdf_pages("p.pdf", shared_stream_pdf(3, 1), submission)
    assert len(pages) == 1 and "Hypothesis" in pages[0]
    assert submission.warnings == ["p.pdf: only the first 1 pages were read"]

    monkeypatch.setattr(submissions, "MAX_PDF_PAGE_CONTENT", 100)
    submission = submissions.Submission("s", Path("s"))
    assert submissions.pdf_pages("p.pdf", shared_stream_pdf(1, 2), submission) == [""]
    assert submission.warnings[0] == ("p.pdf: a page holds 144 bytes of drawing commands "
                                      "(over 100): its text was not read")
    assert submission.warnings[1].startswith("p.pdf holds no extractable text")

    monkeypatch.setattr(submissions, "MAX_PDF_SECONDS", -1.0)
    submission = submissions.Submission("s", Path("s"))
    assert submissions.pdf_pages("p.pdf", shared_stream_pdf(1, 1), submission) == []
    assert submission.warnings[0] == ("p.pdf: reading stopped at page 1 after -1 s: review "
                                      "the rest by hand")


def test_a_broken_or_locked_pdf_is_one_line(tmp_path):
    from pypdf import PdfReader, PdfWriter

    submission = submissions.Submission("s", Path("s"))
    assert submissions.pdf_pages("x.pdf", b"%PDF-1.4 garbage", submission) == []
    assert submission.warnings[0].startswith("x.pdf cannot be read as a PDF (")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(shared_stream_pdf(1, 1))))
    writer.encrypt("secret", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    submission = submissions.Submission("s", Path("s"))
    assert submissions.pdf_pages("y.pdf", locked.getvalue(), submission) == []
    assert submission.warnings == ["y.pdf is password-protected: its text cannot be read"]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(shared_stream_pdf(1, 1))))
    writer.encrypt("", algorithm="RC4-128")  # no password to open: it is read
    opened = io.BytesIO()
    writer.write(opened)
    submission = submissions.Submission("s", Path("s"))
    assert "Hypothesis" in submissions.pdf_pages("z.pdf", opened.getvalue(), submission)[0]
    assert submission.warnings == []


def test_runs_annotations_drafts_and_notebooks_are_found_per_folder(tmp_path):
    student = tmp_path / "kim"
    run = write_run_folder(student / "run1", synthetic_record(3))
    rows = (run / "errors.csv").read_text().splitlines()
    header, first = rows[0], rows[1]
    (run / "errors.csv").write_text(f"{header}\n{first[:-1]}similar silhouette,use a CNN\n")
    (student / "errors_top.csv").write_text(f"{header}\n{first[:-1]}low contrast,normalise\n")
    (run / "REFLECTION.new.md").write_text("# Draft\nfresh draft\n")
    (run / "REFLECTION.new-20261201-101010.md").write_text("# Draft\nan older draft\n")
    (student / "broken").mkdir()
    (student / "broken" / "record.json").write_text("{not json")
    (student / "lab.ipynb").write_text("{ this is not json")
    (student / "page.html").write_text("<h1>Results</h1><p>Accuracy was 91%.</p>")
    (student / "word.docx").write_bytes(b"not a word file")
    submission = read_submission("kim", student)
    assert [r.path for r in submission.runs] == ["run1"]
    assert submission.runs[0].record["seed"] == 3
    assert submission.runs[0].file("record.json") == "run1/record.json"
    assert [row["error_type"] for row in submission.runs[0].annotations] == [
        "similar silhouette"]
    assert sorted(submission.annotation_files) == ["errors_top.csv", "run1/errors.csv"]
    assert submission.annotation_files["errors_top.csv"][0]["fix_idea"] == "normalise"
    # the annotated rows are samples the student shows, as a table of their own
    assert sorted(_paths(submission)) == ["errors_top.csv", "page.html", "run1/REFLECTION.md",
                                          "run1/errors.csv"]
    assert sorted(submission.ignored) == [
        "run1/.reflection.sha256",
        "run1/REFLECTION.new-20261201-101010.md (a draft the student did not edit)",
        "run1/REFLECTION.new.md (a draft the student did not edit)"]
    assert [nb.path for nb in submission.notebooks] == ["lab.ipynb"]
    assert submission.notebooks[0].failed
    warnings = "\n".join(submission.warnings)
    assert "broken/record.json" in warnings and "its facts were not used" in warnings
    assert "lab.ipynb is a broken notebook (" in warnings
    assert "word.docx cannot be read as a Word document (" in warnings
    assert len(submission.warnings) == 3
    # The lines the draft filled in from the record are the run's, not the student's.
    reflection = next(d for d in submission.documents if d.path == "run1/REFLECTION.md")
    kinds = {line.kind for line in reflection.lines}
    assert "generated" in kinds and "prompt" in kinds


def test_the_drafts_facts_are_the_runs_only_beside_their_own_record(tmp_path):
    student = tmp_path / "kim"
    run = write_run_folder(student / "run1", synthetic_record(3))
    draft = (run / "REFLECTION.md").read_text()
    (student / "REFLECTION.md").write_text(draft)  # a copy away from its record
    (run / "notes.md").write_text(draft)           # beside it, but not the reflection
    submission = read_submission("kim", student)
    generated = {d.path: sum(line.kind == "generated" for line in d.lines)
                 for d in submission.documents}
    assert generated["run1/REFLECTION.md"] > 5
    assert generated["REFLECTION.md"] == generated["run1/notes.md"] == 0
    assert submission.warnings == [
        "REFLECTION.md is a reflection draft whose record.json is not beside it: the facts "
        "the draft filled in count as the student's words, so check its text criteria by hand"]


def test_a_records_bad_field_is_named_and_a_draft_that_does_not_render_is_the_students(
        tmp_path, monkeypatch):
    student = tmp_path / "kim"
    run = write_run_folder(student / "run1", synthetic_record(3))
    record = json.loads((run / "record.json").read_text())
    record["metrics"] = "not a table"
    (run / "record.json").write_text(json.dumps(record))
    submission = read_submission("kim", student)
    assert submission.runs[0].record["seed"] == 3 and "metrics" not in submission.runs[0].record
    assert submission.warnings == ["run1/record.json: metrics = 'not a table': expected a "
                                   "table ({...}): left out"]

    def unreadable(record, annotations=None):
        raise KeyError("a hand-edited record")

    monkeypatch.setattr("toolkit.reflection.render", unreadable)
    submission = read_submission("kim", student)
    assert submission.runs and submission.documents
    assert not any(line.kind == "generated" for line in submission.documents[0].lines)


def test_one_file_that_breaks_its_reader_costs_that_file_only(tmp_path, monkeypatch):
    student = tmp_path / "kim"
    student.mkdir()
    (student / "a.md").write_text(REPORT)
    (student / "b.txt").write_text("plain notes\n")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom" * 40)

    monkeypatch.setattr(submissions, "plain_document", broken)
    submission = read_submission("kim", student)
    assert _paths(submission) == ["a.md"]
    assert submission.warnings == [f"b.txt could not be read (ZeroDivisionError: "
                                   f"{('boom' * 40)[:100]}); the rest of the submission was "
                                   f"graded"]

    def crash(contents, submission):
        raise ValueError("x" * 200)

    monkeypatch.setattr(submissions, "_parse", crash)
    submission = read_submission("kim", student)
    assert submission.warnings == [f"could not be read completely (ValueError: {'x' * 120})",
                                   "nothing gradable found (no report, notebook or run "
                                   "record)"]


# --- the edges the first tests left open --------------------------------------------------

def test_member_names_are_normalised_and_a_lowercase_drive_is_refused(tmp_path):
    path = _zip(tmp_path / "lee.zip", [("notes//deep.md", "# Deep\nkept\n"),
                                       ("c:/evil.md", "a drive\n"),
                                       ("report.md", REPORT)])
    submission = read_submission("lee", path)
    assert sorted(_paths(submission)) == ["notes/deep.md", "report.md"]
    assert submission.files == {"notes/deep.md": 12, "report.md": len(REPORT)}
    assert submission.warnings == ["zip member 'c:/evil.md' points outside the archive "
                                   "(absolute or ../ path): skipped"]


def test_zip_members_at_the_limit_and_past_the_file_count(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_FILE_BYTES", 100)
    path = _zip(tmp_path / "at.zip", [("at.md", "# At\n" + "x" * 95)])
    submission = read_submission("at", path)
    assert submission.warnings == [] and submission.documents[0].lines[-1].text == "x" * 95
    monkeypatch.setattr(submissions, "MAX_FILES", 2)
    path = _zip(tmp_path / "many.zip", [(f"{n}.md", f"# Part {n}\ntext\n") for n in range(4)])
    submission = read_submission("many", path)
    assert _paths(submission) == ["0.md", "1.md"]
    assert submission.warnings == ["more than 2 files: the rest were not read"]


def test_a_member_shorter_than_its_header_says_is_skipped_and_the_rest_read(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("short.md", "# Short\n" + "0" * 100)
        archive.writestr("report.md", REPORT)
    data = bytearray(buffer.getvalue())
    central = data.find(b"PK\x01\x02")  # its central header's uncompressed size: 108 -> 500
    data[central + 24:central + 28] = (500).to_bytes(4, "little")
    (tmp_path / "bomb.zip").write_bytes(bytes(data))
    submission = read_submission("bomb", tmp_path / "bomb.zip")
    assert _paths(submission) == ["report.md"]
    assert submission.warnings == ["zip member short.md skipped: it unpacks to more bytes "
                                   "than its header says (a zip bomb?)"]


def test_a_bad_utf8_member_name_or_a_duplicate_costs_that_member_only(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bad_é.md", "# Bad\nx\n")
        archive.writestr("report.md", REPORT)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("report.md", "# Second\ncopy\n")
        archive.writestr("after.md", "# After\nread too\n")
    (tmp_path / "carol.zip").write_bytes(buffer.getvalue().replace("é".encode(), b"\xff\xfe"))
    submission = read_submission("carol", tmp_path / "carol.zip")
    assert sorted(_paths(submission)) == ["after.md", "report.md"]
    assert len(submission.warnings) == 2
    assert submission.warnings[0].startswith("zip member ")
    assert submission.warnings[0].endswith(" has a name that is not valid UTF-8, though the "
                                           "zip says it is: skipped")
    assert submission.warnings[1] == ("zip member report.md appears twice: the first copy "
                                      "is used")


def test_a_named_pipe_called_zip_is_never_opened(tmp_path):
    os.mkfifo(tmp_path / "mallory.zip")
    submission = read_submission("mallory", tmp_path / "mallory.zip")
    assert submission.warnings[0].startswith("mallory.zip is not a readable zip file (")
    assert len(submission.warnings) == 2 and submission.empty


def test_files_that_fail_to_open_or_grow_while_read_cost_those_files_only(tmp_path,
                                                                         monkeypatch):
    student = tmp_path / "kim"
    deep = student / ("a" * 110) / ("b" * 110)
    deep.mkdir(parents=True)
    for name in ("gone.md", "locked.md", "grows.md", "z.md"):
        (deep / name).write_text(f"# {name}\ntext\n")
    real_lstat, real_read = Path.lstat, submissions.read_regular_file

    def lstat(self):
        if self.name == "gone.md":
            raise FileNotFoundError(2, "No such file or directory")
        return real_lstat(self)

    def read(path, limit):
        if path.name == "locked.md":
            raise PermissionError(13, "Permission denied")
        return b"x" * limit if path.name == "grows.md" else real_read(path, limit)

    monkeypatch.setattr(Path, "lstat", lstat)
    monkeypatch.setattr(submissions, "read_regular_file", read)
    submission = read_submission("kim", student)
    prefix = f"{'a' * 110}/{'b' * 110}/"
    assert _paths(submission) == [prefix + "z.md"]
    assert submission.warnings == [
        f"{prefix[:200]} cannot be read (No such file or directory): skipped",
        f"{prefix}grows.md skipped: it grew beyond the per-file limit",
        f"{prefix[:200]} cannot be read ([Errno 13] Permission denied): skipped"]


def test_a_deep_folders_path_is_cut_in_its_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_DEPTH", 2)
    deep = tmp_path / "deep" / ("a" * 70) / ("b" * 70) / "c"
    deep.mkdir(parents=True)
    (deep / "r.md").write_text("# R\ntext\n")
    submission = read_submission("deep", tmp_path / "deep")
    shown = f"{'a' * 70}/{'b' * 70}"[:120]
    assert submission.warnings == [f"folders nested more than 2 levels deep were not read "
                                   f"(from {shown}/...)", "nothing gradable found (no report, "
                                   "notebook or run record)"]


def test_every_kind_of_report_is_read_under_its_own_name(tmp_path):
    import docx
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    student = tmp_path / "kim"
    student.mkdir()
    word = docx.Document()
    word.add_paragraph("Results", style="Heading 1")
    word.add_paragraph("The accuracy was 91%.")
    word.save(student / "w.docx")
    notebook = new_notebook(cells=[new_markdown_cell("# Results\nAccuracy 91%."),
                                   new_code_cell("x = 1", execution_count=1)])
    (student / "lab.ipynb").write_text(nbformat.writes(notebook))
    (student / "bad.md").write_bytes(b"# Bad\ncaf\xe9\n")
    (student / "bad.html").write_bytes(b"<h1>Results</h1><p>caf\xe9</p>")
    (student / "notes.txt").write_text("Plain notes\n")
    (student / "XRay.md").write_text("XX marks the spot\n")
    (student / "pat.pdf").write_bytes(shared_stream_pdf(1, 1))
    submission = read_submission("kim", student)
    documents = {d.path: d for d in submission.documents}
    assert {path: d.format for path, d in documents.items()} == {
        "XRay.md": "markdown", "bad.html": "html", "bad.md": "markdown",
        "lab.ipynb": "notebook", "notes.txt": "text", "pat.pdf": "pdf", "w.docx": "docx"}
    assert [line.text for line in documents["w.docx"].lines if line.text][:2] == [
        "Results", "The accuracy was 91%."]
    assert documents["lab.ipynb"].lines[0].text == "Results"
    assert [nb.path for nb in submission.notebooks] == ["lab.ipynb"]
    assert documents["notes.txt"].lines[0].text == "Plain notes"
    assert documents["XRay.md"].lines[0].text == "XX marks the spot"
    assert "caf\xe9" in documents["bad.html"].lines[-1].text  # saved in Windows-1252
    assert [warning.split(":")[0] for warning in submission.warnings] == [
        "bad.html is not valid UTF-8 (first bad byte at offset 22)",
        "bad.md is not valid UTF-8 (first bad byte at offset 9)"]


def test_the_annotated_drafts_lines_are_the_runs_too(tmp_path):
    from toolkit.grading.samples import annotate_errors
    from toolkit.reflection import write_reflection

    student = tmp_path / "kim"
    record = synthetic_record(3)
    run = write_run_folder(student, record)
    annotate_errors(run / "errors.csv", 10)
    write_reflection(run, record)
    submission = read_submission("kim", student)
    assert submission.runs[0].path == "" and submission.runs[0].file("x.png") == "x.png"
    [reflection] = [d for d in submission.documents if d.path == "REFLECTION.md"]
    annotated = [line for line in reflection.lines if "annotated in `errors.csv`" in line.text]
    assert annotated and all(line.kind == "generated" for line in annotated)


def test_pages_without_drawing_or_at_the_content_limit_and_the_clock(tmp_path, monkeypatch):
    import logging
    from types import SimpleNamespace

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(shared_stream_pdf(1, 1))))
    writer.add_blank_page()
    pages = io.BytesIO()
    writer.write(pages)
    root, pypdf_logger = logging.getLogger(), logging.getLogger("pypdf")
    levels = root.level, pypdf_logger.level
    root.setLevel(logging.WARNING)
    pypdf_logger.setLevel(logging.NOTSET)
    try:
        submission = submissions.Submission("s", Path("s"))
        text, blank = submissions.pdf_pages("p.pdf", pages.getvalue(), submission)
        assert "Hypothesis" in text and blank == "" and submission.warnings == []
        assert root.level == logging.WARNING  # only pypdf's own logger is quietened
        assert pypdf_logger.level == logging.ERROR
    finally:
        root.setLevel(levels[0])
        pypdf_logger.setLevel(levels[1])
    monkeypatch.setattr(submissions, "MAX_PDF_PAGE_CONTENT", 0)
    submission = submissions.Submission("s", Path("s"))
    assert submissions.pdf_pages("p.pdf", pages.getvalue(), submission) == ["", ""]
    assert len(submission.warnings) == 2  # the drawn page, and then no text at all
    monkeypatch.setattr(submissions, "MAX_PDF_PAGE_CONTENT", 72)  # exactly the page's
    submission = submissions.Submission("s", Path("s"))
    assert "Hypothesis" in submissions.pdf_pages("p.pdf", shared_stream_pdf(1, 1),
                                                 submission)[0]
    monkeypatch.setattr(submissions, "MAX_PDF_SECONDS", 0.0)
    monkeypatch.setattr(submissions, "time", SimpleNamespace(monotonic=lambda: 7.0))
    submission = submissions.Submission("s", Path("s"))
    assert len(submissions.pdf_pages("p.pdf", shared_stream_pdf(3, 1), submission)) == 3
    assert submissions.pdf_pages("p.pdf", shared_stream_pdf(3, 1), submission)[1:] == ["", ""]


def test_a_pdf_reader_error_is_named_and_cut(monkeypatch):
    import pypdf

    class Broken:
        def __init__(self, stream):
            raise ValueError("y" * 150)

    monkeypatch.setattr(pypdf, "PdfReader", Broken)
    submission = submissions.Submission("s", Path("s"))
    assert submissions.pdf_pages("x.pdf", b"%PDF", submission) == []
    assert submission.warnings == [f"x.pdf cannot be read as a PDF (ValueError: {'y' * 100})"]


def test_only_errors_csv_files_are_annotations_and_a_broken_one_is_named(tmp_path):
    student = tmp_path / "kim"
    student.mkdir()
    header = "index,true,predicted,error_type,fix_idea\n"
    (student / "errors_analysis.md").write_text("# Errors\nMy error analysis.\n")
    (student / "results.csv").write_text(header + "1,cat,dog,blur,sharpen\n")
    (student / "errors.csv").write_text(header + "1,cat,dog," + "z" * 140_000 + ",fix\n")
    (student / "errors_b.csv").write_bytes(header.encode() + b"2,cat,dog,caf\xe9,fix\n")
    submission = read_submission("kim", student)
    assert list(submission.annotation_files) == ["errors_b.csv"]
    assert submission.annotation_files["errors_b.csv"][0]["error_type"] == "caf\xe9"
    # results.csv is no annotation file: a table the student handed in, read as a document;
    # errors_b.csv's annotated row is a sample the student shows
    assert _paths(submission) == ["errors_analysis.md", "errors_b.csv", "results.csv"]
    assert submission.warnings[0].startswith("errors.csv is not a readable CSV (")
    assert submission.warnings[1:] == [
        "errors_b.csv is not valid UTF-8 (first bad byte at offset 54): read as Windows-1252, "
        "the encoding Notepad and Word save by default; if characters look wrong, save it as "
        "UTF-8"]


def test_an_entry_that_cannot_be_looked_at_and_many_ids_alike(tmp_path, monkeypatch):
    top = tmp_path / "class"
    top.mkdir()
    for name in ("a b", "a+b", "a_b", "gone", "zoe"):
        (top / name).mkdir()
    (top / ".x").mkdir()
    real_lstat = Path.lstat

    def lstat(self):
        if self.name == "gone":
            raise PermissionError(13, "Permission denied")
        return real_lstat(self)

    monkeypatch.setattr(Path, "lstat", lstat)
    found = survey(top)
    assert [(student, path.name) for student, path in found.entries] == [
        ("a_b", "a b"), ("a_b-2", "a+b"), ("a_b-3", "a_b"), ("zoe", "zoe")]
    assert found.not_graded == [
        (".x", "hidden (its name starts with a dot): not graded; rename it to grade it"),
        ("gone", "cannot be read (Permission denied)")]


def test_pages_drawn_by_other_streams_are_read_and_shared_ones_once_as_arrays_too():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for repeat in (1, 2):
        writer.append(PdfReader(io.BytesIO(shared_stream_pdf(1, repeat))))
    two = io.BytesIO()
    writer.write(two)
    submission = submissions.Submission("s", Path("s"))
    pages = submissions.pdf_pages("two.pdf", two.getvalue(), submission)
    assert len(pages) == 2 and all("Hypothesis" in page for page in pages)
    assert submission.warnings == []
    arrays = shared_stream_pdf(3, 1).replace(b"/Contents 3 0 R", b"/Contents [3 0 R]")
    submission = submissions.Submission("s", Path("s"))
    assert submissions.pdf_pages("a.pdf", arrays, submission)[1:] == ["", ""]
    assert submission.warnings == ["a.pdf: 2 page(s) repeat the content of an earlier page: "
                                   "read once"]
