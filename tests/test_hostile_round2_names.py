"""Odd names, second round: a lone surrogate or an undecodable byte costs at most one
student, and no control or bidirectional character from a name reaches any output live
(terminal, Markdown, HTML, CSV, TOML). One class holds every hostile student and is graded
once; the variants one at a time, with before/after counts: ``tests/hostile/odd_inputs.py``."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

from builders import REPORT, report_student, run_student, write_record  # noqa: E402
from odd_inputs import (  # noqa: E402
    CONSOLE_WARNING_LINES,
    LIVE,
    SURROGATE,
    expect_not_live,
    grade,
    make_zip,
    notebook,
    odd,
    record_with,
    reflect,
    rubric_named,
)

from toolkit import safe_text  # noqa: E402
from toolkit.cli import run_main  # noqa: E402
from toolkit.grading.samples import synthetic_record  # noqa: E402


def _odd_folder(subs: Path) -> None:
    """A Latin-1 folder name holding a Latin-1 file name, a notebook with a lone surrogate
    and a run record whose title, hyperparameter key, lab and status hold odd characters."""
    folder = report_student(subs / odd(b"Jos\xe9"))
    (folder / odd(b"notes \xff.md")).write_text("# Notes", encoding="utf-8")
    (folder / "r.ipynb").write_text(notebook(REPORT + "\nA face \ud83d here."),
                                    encoding="utf-8", errors="surrogatepass")
    write_record(run_student(folder), record_with(
        title="\ud800 CNN \u202e\x1b[2J", hyperparameters={"\udc80lr": 0.001},
        lab="lab03\udcff", status="\u202eorez\x07"))


# (student id in the gradebook, how the submission is built)
ODD_STUDENTS = {
    "Jos": _odd_folder,
    "caf": lambda subs: make_zip(subs / odd(b"caf\xe9.zip"), {"report.md": REPORT}),
    "zo\u00eb": lambda subs: report_student(subs / "zo\u00eb"),
    "m_allory": lambda subs: report_student(subs / "m\u202eallory"),
}
REFUSED_MEMBERS = 600  # 60,000 at full scale: odd_inputs.py --big
ODD_MEMBERS = 3  # mallory.zip's other members that point outside it


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """Every hostile student in one class, graded once through the command line, with a
    rubric, a roster and overrides whose names hold live characters."""
    tmp = tmp_path_factory.mktemp("round2")
    subs = tmp / "subs"
    report_student(subs / "alice")
    for build in ODD_STUDENTS.values():
        build(subs)
    (subs / "x\x1b[2J\x07.exe").write_bytes(b"x")
    (subs / odd(b"caf\xe9.tar.gz")).write_bytes(b"\x1f\x8b")
    (subs / "bob\u202egpj.exe").write_bytes(b"x")
    make_zip(subs / "mallory.zip", {  # odd member names, and many that are refused
        "report.md": REPORT.replace("# Results", "# Res\u202eults\x07"),
        "../\u202eevil.md": "x", "x\x1b[2Jy/../../up.md": "x", "/\u2067abs\u2069.md": "x",
        **{f"../escape/{i:06d}.md": "x" for i in range(REFUSED_MEMBERS)}})
    roster = tmp / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nalice,1,a1,alice,S\n"
                      "\u202emallory\x1b[2J,2,m2,mallory,S\n", encoding="utf-8")
    (tmp / "out").mkdir()
    (tmp / "out" / "overrides.toml").write_text(
        '[[override]]\nstudent = "alice"\ncriterion = "hypothesis"\npoints = 1\n'
        'comment = "ok \\u202e fine \\u001b[2J"\n', encoding="utf-8")
    rubric = rubric_named(tmp, "Lab \u202ereport\x1b[31m")
    return grade(tmp, "--rubric", str(rubric), "--roster", str(roster), "--export", "canvas")


def test_every_odd_student_is_graded_and_every_page_is_written(hostile_class):
    assert hostile_class.code == 0, hostile_class.console[-800:]
    book = hostile_class.pages["gradebook.csv"]
    for student in ["alice", "mallory", *ODD_STUDENTS]:
        assert f"\n{student}," in book, student
    for name, text in hostile_class.pages.items():
        assert not SURROGATE.search(text), name


def test_an_undecodable_byte_is_shown_as_that_byte(hostile_class):
    summary = hostile_class.pages["summary.md"]
    assert "caf\\\\xe9.tar.gz" in summary or "caf\\xe9.tar.gz" in summary
    assert "caf\\xe9.tar.gz" in hostile_class.console


@pytest.mark.parametrize("suffix", [".md", ".html", ".csv", ".toml"])
def test_no_control_or_bidi_character_is_live_in_any_page(hostile_class, suffix):
    pages = [name for name in hostile_class.pages if name.endswith(suffix)]
    assert pages
    for name in pages:
        expect_not_live(hostile_class.pages[name], name)


def test_no_control_or_bidi_character_reaches_the_terminal(hostile_class):
    expect_not_live(hostile_class.console, "console")
    assert "\\u202e" in hostile_class.console  # shown, as an escape


def test_a_terminal_that_cannot_encode_a_name_shows_an_escape(capsys):
    def main(argv):
        print("zo\u00eb caf\udce9 \ud800")
        return 0

    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    sys.stdout, saved = stream, sys.stdout
    try:
        assert run_main(main, []) == 0
        assert stream.errors == "strict"  # put back as it was
        stream.flush()
        assert stream.buffer.getvalue() == b"zo\\xeb caf\\udce9 \\ud800\n"
    finally:
        sys.stdout = saved


def test_the_reflection_draft_of_an_odd_record_is_written_escaped(tmp_path):
    run = run_student(tmp_path / odd(b"b\xf6b\x1b[2J"))
    record = synthetic_record(1)
    record.update(title="\ud800 CNN \u202e\x1b[2J", warnings=["\x1b]0;pwned\x07"],
                  hyperparameters={"\udc80lr": "0.1\x07", "l\u202er": 1})
    record["misclassified"][0]["true"] = "\udc80shirt"
    write_record(run, record)
    lines = (run / "errors.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rstrip(",") + ",blur\u202e\x1b[2J\udcff,more"
    (run / "errors.csv").write_bytes("\n".join(lines).encode("utf-8", "surrogateescape"))
    code, console, draft = reflect(run)
    assert code == 0, console[-600:]
    assert "CNN" in draft and "shirt" in draft and "\\x1b[2J" in draft
    assert not SURROGATE.search(draft) and not LIVE.search(draft)
    expect_not_live(console, "console")


def test_photo_names_are_shown_escaped(tmp_path, capsys):
    from PIL import Image

    from toolkit.vision.photos import load_photos

    Image.new("RGB", (40, 40), "red").save(tmp_path / "cat\x1b[2J\x07.png")
    Image.new("RGB", (40, 40), "red").save(tmp_path / odd(b"caf\xe9.png"))
    (tmp_path / "note\u202egnp.txt").write_text("not an image")
    photos = load_photos([tmp_path], (32, 32), min_side=8)
    assert sorted(photos.shown_names) == ["caf\\xe9.png", "cat\\x1b[2J\\x07.png"]
    printed = capsys.readouterr().out
    assert "note\\u202egnp.txt" in printed and not LIVE.search(printed)


@pytest.mark.parametrize("escape", [safe_text.for_terminal, safe_text.for_html,
                                    safe_text.for_csv, safe_text.for_markdown,
                                    safe_text.encodable])
def test_every_escaper_leaves_no_surrogate(escape):
    text = escape("caf\udce9 \ud800 \ud83d")
    text.encode("utf-8")  # raises on a lone surrogate
    assert "caf" in text


def test_repeated_warnings_are_shown_a_few_at_a_time(hostile_class):
    """REFUSED_MEMBERS zip members that point outside the archive: counted, a few shown."""
    _, _, listed = hostile_class.console.partition(" warning(s):\n")
    assert 0 < len(listed.splitlines()) <= CONSOLE_WARNING_LINES
    refused = REFUSED_MEMBERS + ODD_MEMBERS
    left_out = f"... and {refused - 5:,} more like it"
    for page in ("summary.md", "summary.html", str(Path("mallory") / "feedback.md")):
        text = hostile_class.pages[page]
        assert text.count("escape/") <= 5 and left_out in text, page
    assert f"... and {refused - 3:,} more like it" in hostile_class.console
    rows = csv.DictReader(io.StringIO(hostile_class.pages["gradebook.csv"]))
    assert int(next(r for r in rows if r["student"] == "mallory")["warnings"]) >= REFUSED_MEMBERS
