"""Hostile inputs of the second round, classes 1, 2 and 4: odd characters, live control and
bidirectional characters in names, and reports that grow without bound.

Each variant builds its input on the spot and checks one promise; :func:`outcome` runs one
and says OK, traceback, wrong (a promise broken) or hang. The tests run them
(``tests/test_hostile_round2_names.py``, ``tests/test_hostile_round2_bounds.py``); run this
file to count the outcomes by class, and ``--big`` for the sizes at full scale (60,000 zip
members, 150,000 bad entries, 150,000 result rows):

    python tests/hostile/odd_inputs.py            # counts by class and outcome
    python tests/hostile/odd_inputs.py --big      # console lines and page sizes at scale
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # this checkout's toolkit

from builders import (  # noqa: E402
    REPORT,
    encoder_switched_off,
    report_student,
    run_student,
    write_record,
)

from toolkit.grading.samples import synthetic_record  # noqa: E402

# Characters that must never reach an output live: ESC (screen codes), BEL, a carriage
# return inside a name, and the bidirectional overrides and isolates.
LIVE = re.compile("\r(?!\n)|[\x1b\x07\x08\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
SURROGATE = re.compile("[\ud800-\udfff]")
OUTPUT_SUFFIXES = (".md", ".html", ".csv", ".toml")


@dataclass
class Graded:
    """What one grader run left: exit code, console text, output pages (by relative path)."""

    code: int
    console: str
    pages: dict[str, str]

    def page(self, suffix: str) -> str:
        return "\n".join(text for name, text in self.pages.items() if name.endswith(suffix))


def strict_console(encoding: str = "utf-8"):
    """stdout/stderr as a terminal has them: a character that cannot be encoded raises."""
    out, err = io.BytesIO(), io.BytesIO()
    return (out, err, io.TextIOWrapper(out, encoding=encoding, errors="strict",
                                       write_through=True),
            io.TextIOWrapper(err, encoding=encoding, errors="strict", write_through=True))


def run_command(main, argv: list[str], encoding: str = "utf-8") -> tuple[int, str]:
    """Run a command's ``main(argv)`` with a strict console; its exit code and text."""
    out, err, stdout, stderr = strict_console(encoding)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
    stdout.flush(), stderr.flush()
    return code, (out.getvalue() + err.getvalue()).decode("utf-8", errors="replace")


def grade(tmp: Path, *extra: str, encoding: str = "utf-8") -> Graded:
    """``python -m toolkit.grade tmp/subs --out tmp/out`` in this process."""
    from toolkit.grading.grade import main

    out = tmp / "out"
    with encoder_switched_off():  # rules only: fast, and the same paths for names
        code, console = run_command(main, [str(tmp / "subs"), "--out", str(out), *extra],
                                    encoding)
    pages = {}
    if out.is_dir():
        for path in out.rglob("*"):
            if path.suffix in OUTPUT_SUFFIXES and path.is_file():
                pages[str(path.relative_to(out))] = path.read_bytes().decode("utf-8")
    return Graded(code, console, pages)


def reflect(run: Path) -> tuple[int, str, str]:
    """``python -m toolkit.reflection RUN``: exit code, console, the draft's text."""
    from toolkit.cli import run_main
    from toolkit.reflection import main

    code, console = run_command(lambda argv: run_main(main, argv), [str(run)])
    drafts = sorted(run.glob("REFLECTION*.md"))
    return code, console, drafts[-1].read_bytes().decode("utf-8") if drafts else ""


def odd(name: bytes) -> str:
    """A name as the file system gives it to Python: bad bytes as lone surrogates."""
    return os.fsdecode(name)


def expect_graded(result: Graded, *students: str) -> None:
    assert result.code == 0, f"exit code {result.code}: {result.console[-600:]}"
    book = result.pages.get("gradebook.csv", "")
    for student in students:
        assert student in book, f"{student!r} not in the gradebook"
    assert "alice" in book, "alice was not graded"
    for name, text in result.pages.items():
        assert not SURROGATE.search(text), f"{name} holds a lone surrogate"


def expect_not_live(text: str, where: str) -> None:
    found = LIVE.search(text)
    assert found is None, f"{where}: {found.group()!r} is live"


def expect_all_escaped(result: Graded) -> None:
    assert result.code == 0, f"exit code {result.code}: {result.console[-600:]}"
    expect_not_live(result.console, "console")
    for name, text in result.pages.items():
        expect_not_live(text, name)


def make_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def notebook(text: str) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": text, "id": "a1"}]})


def record_with(**fields) -> dict:
    return {**synthetic_record(1), **fields}


def rubric_named(tmp: Path, name: str) -> Path:
    from toolkit.grading.rubric_names import rubric_path

    text = Path(rubric_path("lab_report")).read_text(encoding="utf-8")
    text = re.sub(r'^name = ".*"$', lambda _: f"name = {json.dumps(name)}", text, count=1,
                  flags=re.M)
    path = tmp / "rubric.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- class 1: one odd character stops everything ------------------------------------------

def c1_latin1_folder(tmp):
    report_student(tmp / "subs" / "alice")
    report_student(tmp / "subs" / odd(b"Jos\xe9"))
    expect_graded(grade(tmp), "Jos")


def c1_latin1_zip(tmp):
    report_student(tmp / "subs" / "alice")
    make_zip(tmp / "subs" / odd(b"caf\xe9.zip"), {"report.md": REPORT})
    expect_graded(grade(tmp), "caf")


def c1_latin1_tar(tmp):
    report_student(tmp / "subs" / "alice")
    (tmp / "subs" / odd(b"caf\xe9.tar.gz")).write_bytes(b"\x1f\x8b not really")
    result = grade(tmp)
    expect_graded(result)
    assert "caf" in result.page("summary.md"), "the refused entry is not listed"


def c1_latin1_file_in_folder(tmp):
    report_student(tmp / "subs" / "alice")
    folder = report_student(tmp / "subs" / "bob")
    (folder / odd(b"notes \xff.md")).write_text("# Notes\nMore text here.", encoding="utf-8")
    expect_graded(grade(tmp), "bob")


def c1_latin1_hidden(tmp):
    report_student(tmp / "subs" / "alice")
    (tmp / "subs" / odd(b".hidden\xe9")).mkdir(parents=True)
    expect_graded(grade(tmp))


def c1_latin1_symlink_in_folder(tmp):
    report_student(tmp / "subs" / "alice")
    folder = report_student(tmp / "subs" / "bob")
    (folder / odd(b"link\xe9.md")).symlink_to("/etc/hostname")
    expect_graded(grade(tmp), "bob")


def c1_latin1_fifo(tmp):
    report_student(tmp / "subs" / "alice")
    os.mkfifo(tmp / "subs" / odd(b"pipe\xe9.zip"))
    expect_graded(grade(tmp))


def c1_notebook_surrogate(tmp):
    report_student(tmp / "subs" / "alice")
    bob = tmp / "subs" / "bob"
    bob.mkdir(parents=True)
    (bob / "report.ipynb").write_text(notebook(REPORT + "\nA face \ud83d here."),
                                      encoding="utf-8", errors="surrogatepass")
    expect_graded(grade(tmp), "bob")


def c1_notebook_escaped_surrogate(tmp):
    report_student(tmp / "subs" / "alice")
    bob = tmp / "subs" / "bob"
    bob.mkdir(parents=True)
    text = notebook(REPORT + "\nA face \ud83d here.")  # json.dumps writes it as "\ud83d"
    (bob / "report.ipynb").write_text(text, encoding="utf-8")
    expect_graded(grade(tmp), "bob")


def c1_record_title(tmp):
    report_student(tmp / "subs" / "alice")
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(title="\ud800 CNN"))
    expect_graded(grade(tmp), "bob")


def c1_record_hyperparameter_key(tmp):
    report_student(tmp / "subs" / "alice")
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(hyperparameters={"\udc80lr": 0.001, "epochs": 3}))
    expect_graded(grade(tmp), "bob")


def c1_record_lab_surrogate(tmp):
    report_student(tmp / "subs" / "alice")
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(lab="lab03\udcff"))
    expect_graded(grade(tmp), "bob")


def c1_record_misclassified(tmp):
    report_student(tmp / "subs" / "alice")
    run = run_student(tmp / "subs" / "bob")
    record = synthetic_record(1)
    record["misclassified"][0]["true"] = "\udc80shirt"
    write_record(run, record)
    expect_graded(grade(tmp), "bob")


def c1_pdf_surrogate(tmp):
    """A PDF whose text maps a glyph to U+D800 (a bad ToUnicode entry)."""
    from builders import shared_stream_pdf

    report_student(tmp / "subs" / "alice")
    bob = tmp / "subs" / "bob"
    bob.mkdir(parents=True)
    (bob / "report.pdf").write_bytes(shared_stream_pdf(2))
    from toolkit.grading import submissions

    real = submissions.pdf_pages

    def pages(path, data, submission):
        return [page + " \ud800 CNN" for page in real(path, data, submission)] or ["\ud800"]

    submissions.pdf_pages = pages
    try:
        expect_graded(grade(tmp), "bob")
    finally:
        submissions.pdf_pages = real


def c1_reflection_title(tmp):
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(title="\ud800 CNN"))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert "CNN" in draft and not SURROGATE.search(draft)


def c1_reflection_hyperparameter(tmp):
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(hyperparameters={"\udc80lr": 0.001}))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert "lr" in draft and not SURROGATE.search(draft)


def c1_reflection_errors_csv(tmp):
    run = run_student(tmp / "subs" / "bob")
    text = (run / "errors.csv").read_text(encoding="utf-8").splitlines()
    text[1] = text[1] + "\udcff"  # a stray byte, as a Latin-1 editor leaves it
    (run / "errors.csv").write_bytes("\n".join(text).encode("utf-8", "surrogateescape"))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert not SURROGATE.search(draft)


def c1_reflection_odd_folder(tmp):
    run = run_student(tmp / "subs" / odd(b"b\xf6b"))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert "REFLECTION" in console


def c1_console_ascii(tmp):
    """A terminal that cannot show "é" (LANG=C on an old system): still graded."""
    report_student(tmp / "subs" / "alice")
    run_student(tmp / "subs" / "bob")
    write_record(next((tmp / "subs" / "bob").rglob("record.json")).parent,
                 record_with(status="fini\u00e9"))
    result = grade(tmp, encoding="ascii")
    assert result.code == 0, result.console[-400:]


def c1_console_ascii_name(tmp):
    """A terminal that cannot show "ë" (LANG=C on an old system): zoë is graded all the same."""
    report_student(tmp / "subs" / "alice")
    report_student(tmp / "subs" / "zo\u00eb")
    result = grade(tmp, encoding="ascii")
    assert result.code == 0, result.console[-400:]
    assert (tmp / "out" / "summary.md").is_file()


def c1_lab1_photo_latin1(tmp):
    """Lab 1 prints the names of the photos it loaded and of the files it skipped."""
    from PIL import Image

    from labs.lab01_vgg16_inference import lesson

    folder = tmp / "photos"
    folder.mkdir()
    Image.new("RGB", (40, 40), "red").save(folder / odd(b"caf\xe9.png"))
    (folder / odd(b"note\xff.txt")).write_text("not an image")
    config = type("Config", (), {"images": [str(folder)], "quick": False, "fit": "crop"})()
    code, console = run_command(lambda argv: lesson.load_student_photos(config) and 0, [])
    assert code == 0, console[-400:]
    assert "caf" in console


def c1_reflection_misclassified(tmp):
    run = run_student(tmp / "subs" / "bob")
    record = synthetic_record(1)
    record["misclassified"][0]["true"] = "\udc80shirt"
    record["warnings"] = ["\ud800 random weights"]
    record["dataset"]["title"] = "Fashion\udcff"
    write_record(run, record)
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert "shirt" in draft and not SURROGATE.search(draft)


def c1_roster_latin1(tmp):
    """The instructor's roster saved as Latin-1: one clear line with the fix, exit 2, nothing
    written (the roster's contract: a file that cannot be used at all stops the command)."""
    report_student(tmp / "subs" / "alice")
    roster = tmp / "roster.csv"
    roster.write_bytes(b"Student,ID,SIS User ID,SIS Login ID,Section\n"
                       b"alice,1,a1,alice,S\nJos\xe9,2,j2,jose,S\n")
    result = grade(tmp, "--roster", str(roster), "--export", "canvas")
    assert result.code == 2 and "not UTF-8" in result.console, result.console[-400:]
    assert "Traceback" not in result.console and not result.pages


def c1_error_message(tmp):
    from toolkit.grading.grade import main

    code, console = run_command(main, [str(tmp / odd(b"missing\xe9")), "--out",
                                       str(tmp / "out")])
    assert code == 2, console[-400:]
    assert "missing" in console


# --- class 2: bidi and control characters in names ----------------------------------------

def c2_folder_bidi(tmp):
    report_student(tmp / "subs" / "alice")
    (tmp / "subs" / "bob\u202egpj.exe").write_bytes(b"x")
    expect_all_escaped(grade(tmp))


def c2_folder_escape(tmp):
    report_student(tmp / "subs" / "alice")
    (tmp / "subs" / "x\x1b[2J\x07.exe").write_bytes(b"x")
    expect_all_escaped(grade(tmp))


def c2_student_folder_bidi(tmp):
    report_student(tmp / "subs" / "alice")
    report_student(tmp / "subs" / "m\u202eallory")
    expect_all_escaped(grade(tmp))


def c2_file_in_folder_bidi(tmp):
    report_student(tmp / "subs" / "alice")
    folder = report_student(tmp / "subs" / "bob")
    (folder / "evil\u202etxt.md").symlink_to("/etc/hostname")
    expect_all_escaped(grade(tmp))


def c2_zip_member_bidi(tmp):
    report_student(tmp / "subs" / "alice")
    make_zip(tmp / "subs" / "bob.zip", {"report.md": REPORT, "../\u202eevil.md": "x",
                                        "x\x1b[2Jy/../../up.md": "x"})
    expect_all_escaped(grade(tmp))


def c2_zip_member_isolate(tmp):
    report_student(tmp / "subs" / "alice")
    make_zip(tmp / "subs" / "bob.zip", {"report.md": REPORT, "/\u2067abs\u2069.md": "x"})
    expect_all_escaped(grade(tmp))


def c2_rubric_name(tmp):
    report_student(tmp / "subs" / "alice")
    rubric = rubric_named(tmp, "Lab \u202ereport\x1b[31m")
    expect_all_escaped(grade(tmp, "--rubric", str(rubric)))


def c2_record_title_bidi(tmp):
    report_student(tmp / "subs" / "alice")
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(title="CNN \u202e\x1b[2J"))
    expect_all_escaped(grade(tmp))


def c2_report_heading_bidi(tmp):
    report_student(tmp / "subs" / "alice")
    report_student(tmp / "subs" / "bob", REPORT.replace("# Results", "# Res\u202eults\x07"))
    expect_all_escaped(grade(tmp))


def c2_roster_bidi(tmp):
    report_student(tmp / "subs" / "alice")
    roster = tmp / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      "alice,1,a1,alice,S\n\u202emallory\x1b[2J,2,m2,mallory,S\n",
                      encoding="utf-8")
    expect_all_escaped(grade(tmp, "--roster", str(roster), "--export", "canvas"))


def c2_overrides_comment(tmp):
    report_student(tmp / "subs" / "alice")
    (tmp / "out").mkdir()
    (tmp / "out" / "overrides.toml").write_text(
        '[[override]]\nstudent = "alice"\ncriterion = "hypothesis"\npoints = 1\n'
        'comment = "ok \\u202e fine \\u001b[2J"\n'
        '[[override]]\nstudent = "\\u202emallory"\ncriterion = "x"\npoints = 1\n',
        encoding="utf-8")
    expect_all_escaped(grade(tmp))


def c2_review_toml_evidence(tmp):
    report_student(tmp / "subs" / "alice")
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(status="\u202eorez\x07", lab="lab03\u202e"))
    expect_all_escaped(grade(tmp))


def c2_reflection_record_fields(tmp):
    run = run_student(tmp / "subs" / "bob")
    write_record(run, record_with(title="CNN \u202e\x1b[2J", hyperparameters={
        "l\u202er": "0.1\x07"}, warnings=["\x1b]0;pwned\x07"]))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    expect_not_live(draft, "REFLECTION.md")
    expect_not_live(console, "console")


def c2_reflection_errors_csv(tmp):
    run = run_student(tmp / "subs" / "bob")
    lines = (run / "errors.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rstrip(",") + ",blur\u202e\x1b[2J,more data"
    (run / "errors.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    expect_not_live(draft, "REFLECTION.md")


def c2_reflection_folder_name(tmp):
    run = run_student(tmp / "subs" / "b\x1b[2Job\u202e")
    code, console, _ = reflect(run)
    assert code == 0, console[-400:]
    expect_not_live(console, "console")


def c2_lab1_photo_names(tmp):
    """Lab 1 prints the photo names it loaded, and the files it skipped."""
    from PIL import Image

    from labs.lab01_vgg16_inference import lesson

    folder = tmp / "photos"
    folder.mkdir()
    Image.new("RGB", (40, 40), "red").save(folder / "cat\x1b[2J\x07.png")
    (folder / "note\u202egnp.txt").write_text("not an image")
    config = type("Config", (), {"images": [str(folder)], "quick": False, "fit": "crop"})()
    code, console = run_command(lambda argv: lesson.load_student_photos(config) and 0, [])
    assert code == 0, console[-400:]
    expect_not_live(console, "console")


def c2_safe_text_isolates(tmp):
    """Every escaper, for every direction mark and isolate Unicode has."""
    from toolkit import safe_text

    text = "a\u061cb\u200ec\u200fd\u202ae\u202bf\u202cg\u202dh\u202ei\u2066j\u2067k\u2068l\u2069"
    for escape in (safe_text.for_terminal, safe_text.for_html, safe_text.for_csv,
                   safe_text.for_markdown):
        expect_not_live(escape(text), escape.__name__)


# --- class 4: bounded reports --------------------------------------------------------------

CONSOLE_WARNING_LINES = 200
SUMMARY_BYTES = 2**20
FEEDBACK_BYTES = 256 * 2**10
REFLECTION_BYTES = 100 * 2**10


def many_refused_members(tmp: Path, count: int) -> Path:
    members = {"report.md": REPORT}
    members.update({f"../escape/{i:06d}.md": "x" for i in range(count)})
    return make_zip(tmp / "subs" / "mallory.zip", members)


def bad_entries_record(count: int) -> dict:
    """A record whose lists hold ``count`` entries of the wrong type each: one problem each."""
    return record_with(history=[f"epoch {i}" for i in range(count)],
                       misclassified=[{"index": i, "confidence": "high"} for i in range(count)])


def many_result_rows(count: int) -> dict:
    return record_with(results={"per_class": {f"class {i}": i / count for i in range(count)},
                                "rows": [{"class": f"c{i}", f"col{i}": i} for i in
                                         range(count)]},
                       hyperparameters={f"h{i}": i for i in range(count)},
                       figures={f"figure_{i}": f"f{i}.png" for i in range(count)})


def _warning_lines(console: str) -> list[str]:
    head, _, rest = console.partition(" warning(s):\n")
    return [line for line in rest.splitlines() if line.startswith("  ")] if rest else []


def _count_said(text: str, count: int) -> bool:
    return f"{count:,} more" in text or f"{count} more" in text


def c4_refused_members_console(tmp, count=3000):
    report_student(tmp / "subs" / "alice")
    many_refused_members(tmp, count)
    result = grade(tmp)
    assert result.code == 0, result.console[-400:]
    lines = _warning_lines(result.console)
    assert len(lines) <= CONSOLE_WARNING_LINES, f"{len(lines)} warning lines on the console"
    assert "more like it" in result.console


def c4_refused_members_summary(tmp, count=3000):
    report_student(tmp / "subs" / "alice")
    many_refused_members(tmp, count)
    result = grade(tmp)
    for page in ("summary.md", "summary.html"):
        text = result.pages[page]
        assert text.count("points outside") <= 50, f"{page}: every warning listed"
        assert "more like it" in text


def c4_refused_members_feedback(tmp, count=3000):
    report_student(tmp / "subs" / "alice")
    many_refused_members(tmp, count)
    text = grade(tmp).pages[str(Path("mallory") / "feedback.md")]
    assert text.count("points outside") <= 50, "every warning listed"
    assert "more like it" in text


def c4_refused_members_count_exact(tmp, count=3000):
    report_student(tmp / "subs" / "alice")
    many_refused_members(tmp, count)
    result = grade(tmp)
    shown = result.pages["summary.md"].count("points outside")
    assert _count_said(result.pages["summary.md"], count - shown), "the count left out is wrong"


def c4_refused_members_csv(tmp, count=3000):
    report_student(tmp / "subs" / "alice")
    many_refused_members(tmp, count)
    result = grade(tmp)
    assert str(count) in result.pages["gradebook.csv"], "the gradebook's count is not all"


def c4_bad_entries_console(tmp, count=5000):
    report_student(tmp / "subs" / "alice")
    write_record(run_student(tmp / "subs" / "mallory"), bad_entries_record(count))
    result = grade(tmp)
    assert result.code == 0, result.console[-400:]
    assert len(_warning_lines(result.console)) <= CONSOLE_WARNING_LINES


def c4_bad_entries_summary(tmp, count=5000):
    report_student(tmp / "subs" / "alice")
    write_record(run_student(tmp / "subs" / "mallory"), bad_entries_record(count))
    result = grade(tmp)
    for page in ("summary.md", "summary.html", str(Path("mallory") / "feedback.md")):
        lines = [line for line in result.pages[page].splitlines()
                 if "history" in line or "confidence" in line]
        assert len(lines) <= 60, f"{page}: {len(lines)} lines about the bad entries"


def c4_bad_entries_reflection(tmp, count=5000):
    run = run_student(tmp / "subs" / "mallory")
    write_record(run, bad_entries_record(count))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert len(console.splitlines()) <= CONSOLE_WARNING_LINES, "a note per bad entry"


def c4_result_rows_reflection(tmp, count=5000):
    run = run_student(tmp / "subs" / "mallory")
    write_record(run, many_result_rows(count))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert draft.count("\n|") <= 400, f"{draft.count(chr(10) + '|')} table rows"
    assert "more" in draft and "record.json" in draft


def c4_result_columns_reflection(tmp, count=5000):
    run = run_student(tmp / "subs" / "mallory")
    write_record(run, record_with(results={"wide": [{f"col{i}": i for i in range(count)}]}))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    widest = max(len(line) for line in draft.splitlines())
    assert widest <= 4000, f"a line of {widest} characters"


def c4_long_cell_reflection(tmp):
    run = run_student(tmp / "subs" / "mallory")
    write_record(run, record_with(hyperparameters={"notes": "word " * 100_000}))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert len(draft.encode()) <= REFLECTION_BYTES, f"{len(draft.encode()):,} bytes"


def c4_figures_reflection(tmp, count=5000):
    run = run_student(tmp / "subs" / "mallory")
    write_record(run, record_with(figures={f"figure_{i}": f"f{i}.png" for i in range(count)}))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert draft.count("![") <= 60, f"{draft.count('![')} figures on the page"


def c4_warnings_list_reflection(tmp, count=5000):
    run = run_student(tmp / "subs" / "mallory")
    write_record(run, record_with(warnings=[f"warning {i}" for i in range(count)]))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert draft.count("**Warning:**") <= 60


def c4_references_reflection(tmp, count=5000):
    run = run_student(tmp / "subs" / "mallory")
    write_record(run, record_with(references=[f"Paper {i} (2020)" for i in range(count)]))
    code, console, draft = reflect(run)
    assert code == 0, console[-400:]
    assert draft.count("Paper ") <= 60


def c4_many_students_console(tmp, count=40):
    """Many students, each with a different warning: the console shows a bounded list."""
    report_student(tmp / "subs" / "alice")
    for i in range(count):
        make_zip(tmp / "subs" / f"s{i:03d}.zip", {"report.md": REPORT, **{
            f"../e{i}_{j}.md": "x" for j in range(10)}})
    result = grade(tmp, "--timeout", "60")
    lines = _warning_lines(result.console)
    assert len(lines) <= CONSOLE_WARNING_LINES, f"{len(lines)} warning lines"


def c4_summary_budget(tmp):
    """One warning line of 300 KB (a student's text quoted at length) stays within the budget."""
    from toolkit.grading.grade_report import bounded_warnings  # noqa: F401  (the budget)

    lines = [f"s{i}: " + "y" * 300_000 for i in range(8)]
    text = "\n".join(bounded_warnings(lines, budget=SUMMARY_BYTES))
    assert len(text.encode()) <= SUMMARY_BYTES


def c4_repeated_lines_unit(tmp):
    from toolkit.repeated_lines import condense

    lines = [f"mallory: zip member ../{i}.md points outside the archive" for i in range(60_000)]
    shown = condense(lines, show=3)
    assert len(shown) == 4 and "59,997 more like it" in shown[-1]


VARIANTS = {name: function for name, function in dict(globals()).items()
            if re.match(r"c[124]_", name) and callable(function)}
CLASSES = {"1": "one odd character", "2": "bidi and control characters in names",
           "4": "bounded reports"}


def outcome(function, limit: float = 120.0) -> tuple[str, str]:
    """Run one variant in a fresh folder: ``(OK | traceback | wrong | hang, detail)``."""
    def stop(*_):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(limit))
    try:
        with tempfile.TemporaryDirectory() as folder:
            function(Path(folder))
        return "OK", ""
    except TimeoutError:
        return "hang", f"over {limit:.0f} s"
    except AssertionError as error:
        if "Traceback (most recent call last)" in str(error) or "Error:" in str(error):
            return "traceback", str(error).strip().splitlines()[-1][:200]
        return "wrong", str(error)[:300]
    except Exception as error:  # noqa: BLE001  (a variant's traceback is what is counted)
        return "traceback", f"{type(error).__name__}: {str(error)[:200]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def count_outcomes() -> None:
    totals: dict[str, Counter] = {key: Counter() for key in CLASSES}
    for name, function in VARIANTS.items():
        result, detail = outcome(function)
        totals[name[1]][result] += 1
        print(f"{name:<36} {result:<9} {detail}"[:240].encode("ascii", "backslashreplace")
              .decode())
    for key, counts in totals.items():
        print(f"class {key} ({CLASSES[key]}): {sum(counts.values())} variants: "
              + ", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items())))


def measure_big() -> None:
    """The sizes at full scale: console warning lines and page bytes."""
    cases = [("60,000 refused zip members", lambda tmp: many_refused_members(tmp, 60_000)),
             ("150,000 bad entries in one record", lambda tmp: write_record(
                 run_student(tmp / "subs" / "mallory"), bad_entries_record(150_000)))]
    for title, build in cases:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            report_student(tmp / "subs" / "alice")
            build(tmp)
            start = time.perf_counter()
            result = grade(tmp)
            seconds = time.perf_counter() - start
            feedback = max((len(t.encode()) for n, t in result.pages.items()
                            if n.endswith("feedback.md")), default=0)
            print(f"{title}: exit {result.code}, {len(result.console.splitlines()):,} console "
                  f"lines, summary.md {len(result.pages['summary.md'].encode()):,} B, "
                  f"summary.html {len(result.pages['summary.html'].encode()):,} B, largest "
                  f"feedback.md {feedback:,} B, {seconds:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        run = run_student(Path(folder) / "subs" / "mallory")
        write_record(run, many_result_rows(150_000))
        start = time.perf_counter()
        code, console, draft = reflect(run)
        print(f"150,000 result rows: exit {code}, REFLECTION draft {len(draft.encode()):,} B, "
              f"{len(console.splitlines())} console lines, "
              f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    measure_big() if "--big" in sys.argv else count_outcomes()
