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
    assert sorted(reasons) == [".DS_Store", ".hidden", "notes.exe", "pipe.md"]
    assert reasons["notes.exe"] == NOT_A_SUBMISSION
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
    assert submission.files == {"dan.md": len(REPORT)} and submission.warnings == []
    assert submission.documents[0].lines[0].text == "Hypothesis"
    monkeypatch.setattr(submissions, "MAX_FILE_BYTES", len(REPORT) - 1)
    submission = read_submission("dan", tmp_path / "dan.md")
    assert submission.empty and submission.warnings[0].startswith("dan.md skipped: ")


# --- what the files say -------------------------------------------------------------------

def test_text_is_utf8_with_bad_bytes_named_and_binary_refused():
    submission = submissions.Submission("s", Path("s"))
    assert decode_text("a.md", "\ufeff# Title\n".encode(), submission) == "# Title\n"
    assert decode_text("b.md", b"caf\xe9 au lait", submission) == "caf\ufffd au lait"
    assert decode_text("c.md", b"# x\n\x00\x01binary", submission) is None
    assert decode_text("d.md", b"x" * 8192 + b"\x00", submission) == "x" * 8192 + "\x00"
    assert submission.warnings == [
        "b.md is not valid UTF-8 (first bad byte at offset 3): unreadable characters were "
        "replaced",
        "c.md looks like a binary file, not text: skipped"]


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
    assert sorted(_paths(submission)) == ["page.html", "run1/REFLECTION.md"]
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

    def broken(path, pages, format="text"):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(submissions, "plain_document", broken)
    submission = read_submission("kim", student)
    assert _paths(submission) == ["a.md"]
    assert submission.warnings == ["b.txt could not be read (ZeroDivisionError: boom); the "
                                   "rest of the submission was graded"]
