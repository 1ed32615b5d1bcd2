"""Outputs that cannot be written (issue 23, class 3): the grader's ``--out``, the zip
``toolkit.submit`` writes, a reflection draft, a lab's run folder.

Each variant is one clear ``error:`` line naming the path and what to do, exit code 2, no
``*.part`` / ``*.tmp`` / staging folder left behind, nothing written through a link, never a
traceback. Full disks are simulated (:mod:`faults`); an immutable folder is a real
``chattr +i`` where the file system allows it.
"""

from __future__ import annotations

import errno
import hashlib
import zipfile
from pathlib import Path

import pytest
from builders import encoder_switched_off, report_student, run_student
from faults import OK, full_disk, immutable, one_error_line, outcome, parts_left

from toolkit.cli import run_main
from toolkit.grading.grade import main as grade_main
from toolkit.grading.submit import main as submit_main
from toolkit.reflection import main as reflection_main
from toolkit.runs import new_run_dir

RUBRIC = ('[[criterion]]\nid = "a"\npoints = 1\n[[criterion.require]]\nwhat = "w"\n'
          'record = ["status"]\n')


@pytest.fixture(autouse=True)
def _rules_only(monkeypatch, tmp_path):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # `--out ''` is never the checkout
    with encoder_switched_off():
        yield


@pytest.fixture
def grading(tmp_path):
    """(submissions, rubric) for a one-student class."""
    report_student(tmp_path / "subs" / "alice")
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC)
    return tmp_path / "subs", rubric


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _grade(grading, out, *extra):
    subs, rubric = grading
    return lambda: grade_main([str(subs), "--rubric", str(rubric), "--out", str(out), *extra])


def _refused(*words, clean: Path | None = None, victim: Path | None = None,
             victim_digest: str | None = None):
    """A check: one error line with ``words``, no part files under ``clean``, the victim's
    bytes unchanged (or the victim still absent)."""
    def check(rc, out, err):
        problem = one_error_line(rc, err, *words)
        if problem:
            return problem
        if clean is not None and parts_left(clean):
            return f"left behind: {parts_left(clean)}"
        if victim is not None:
            if victim_digest is None and (victim.exists() or victim.is_symlink()):
                return f"{victim} was created through a link"
            if victim_digest is not None and _digest(victim) != victim_digest:
                return f"{victim} was written through a link"
        return None
    return check


def _assert(kind_detail):
    kind, detail = kind_detail
    assert kind == OK, f"{kind}: {detail}"


# --- the grader's --out -------------------------------------------------------------------

def _out_dangling_link(tmp):
    out = tmp / "grades"
    out.symlink_to(tmp / "nowhere" / "grades")
    return out, _refused(str(out), victim=tmp / "nowhere")


def _out_link_to_missing_folder(tmp):
    (tmp / "gone").mkdir()
    out = tmp / "grades"
    out.symlink_to(tmp / "gone" / "grades")
    return out, _refused(str(out), victim=tmp / "gone" / "grades")


def _out_under_a_file(tmp):
    (tmp / "notes.txt").write_text("x")
    out = tmp / "notes.txt" / "grades"
    return out, _refused("notes.txt")


def _out_deep_under_a_file(tmp):
    (tmp / "notes.txt").write_text("x")
    return tmp / "notes.txt" / "a" / "b" / "grades", _refused("notes.txt")


def _out_empty(tmp):
    return "", _refused("--out")


def _out_root(tmp):
    return "/", _refused("--out")


def _out_name_too_long(tmp):
    return tmp / ("g" * 300), _refused("g" * 20)


def _out_parent_dangling(tmp):
    (tmp / "link").symlink_to(tmp / "missing")
    return tmp / "link" / "grades", _refused("link")


def _out_dev_null(tmp):
    return "/dev/null", _refused("/dev/null")


def _out_fifo(tmp):
    import os
    os.mkfifo(tmp / "pipe")
    return tmp / "pipe", _refused("pipe")


def _manifest_folder(tmp):
    out = tmp / "grades"
    (out / ".grader-files.json").mkdir(parents=True)
    return out, _refused(".grader-files.json", clean=out)


def _manifest_link(tmp):
    out = tmp / "grades"
    out.mkdir()
    victim = tmp / "precious.json"
    victim.write_text('{"keep": "me"}')
    (out / ".grader-files.json").symlink_to(victim)
    return out, _refused(".grader-files.json", clean=out, victim=victim,
                         victim_digest=_digest(victim))


def _manifest_dangling_link(tmp):
    out = tmp / "grades"
    out.mkdir()
    (out / ".grader-files.json").symlink_to(tmp / "made.json")
    return out, _refused(".grader-files.json", clean=out, victim=tmp / "made.json")


GRADE_OUTS = {name[1:]: f for name, f in dict(globals()).items()
              if name.startswith(("_out_", "_manifest_"))}


@pytest.mark.parametrize("variant", sorted(GRADE_OUTS))
def test_grade_out_that_cannot_hold_the_grades(grading, tmp_path, capsys, variant):
    out, check = GRADE_OUTS[variant](tmp_path)
    _assert(outcome(_grade(grading, out), capsys, check=check))


@pytest.mark.parametrize("existing", [False, True])
def test_grade_into_an_immutable_folder(grading, tmp_path, capsys, existing):
    parent = tmp_path / "locked"
    parent.mkdir()
    out = parent / "grades"
    if existing:
        out.mkdir()
    with immutable(out if existing else parent) as locked:
        if not locked:
            pytest.skip("chattr +i is not possible here")
        _assert(outcome(_grade(grading, out), capsys, check=_refused(str(out), clean=out)))


@pytest.mark.parametrize("code, budget", [(errno.ENOSPC, 0), (errno.ENOSPC, 3000),
                                          (errno.EFBIG, 0), (errno.EFBIG, 20000),
                                          (errno.EDQUOT, 500)])
def test_grade_on_a_full_disk(grading, tmp_path, capsys, monkeypatch, code, budget):
    out = tmp_path / "grades"
    out.mkdir()
    with full_disk(monkeypatch, out, budget=budget, code=code):
        result = outcome(_grade(grading, out), capsys, check=_refused(str(out), clean=out))
    _assert(result)


def test_grade_on_a_disk_that_fills_at_the_second_run_keeps_the_first(
        grading, tmp_path, capsys, monkeypatch):
    out = tmp_path / "grades"
    assert _grade(grading, out)() == 0
    before = {p: _digest(p) for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    with full_disk(monkeypatch, out, budget=4000):
        result = outcome(_grade(grading, out), capsys, check=_refused(str(out), clean=out))
    _assert(result)
    assert {p: _digest(p) for p in out.rglob("*") if p.is_file()} == before


# --- toolkit.submit --out -----------------------------------------------------------------

@pytest.fixture
def run_dir(tmp_path):
    return run_student(tmp_path / "work")


def _submit(run_dir, out):
    return lambda: run_main(submit_main, [str(run_dir), "--out", str(out)])


def _zip_or_refused(out: Path, victim: Path | None = None, victim_digest: str | None = None):
    """Either a good zip at ``out`` (exit 0) or one error line; never through a link."""
    def check(rc, stdout, err):
        if victim is not None and victim_digest is not None and _digest(victim) != victim_digest:
            return f"{victim} was written through a link"
        if rc == 0:
            if not zipfile.is_zipfile(out) or out.is_symlink():
                return f"exit 0 but {out} is no zip of its own"
            return f"left behind: {parts_left(out.parent)}" if parts_left(out.parent) else None
        return one_error_line(rc, err, out.name) or (
            f"left behind: {parts_left(out.parent)}" if parts_left(out.parent) else None)
    return check


def _zip_dangling_link(tmp):
    out = tmp / "alice.zip"
    out.symlink_to(tmp / "nowhere" / "alice.zip")
    return out, _refused("alice.zip", victim=tmp / "nowhere")


def _zip_existing_folder(tmp):
    out = tmp / "alice.zip"
    out.mkdir()
    return out, _refused("alice.zip", clean=tmp)


def _zip_existing_folder_no_suffix(tmp):
    (tmp / "alice.zip").mkdir()
    return tmp / "alice", _refused("alice.zip", clean=tmp)


def _zip_part_link(tmp):
    victim = tmp / "victim.txt"
    victim.write_text("precious")
    (tmp / "alice.zip.part").symlink_to(victim)
    return tmp / "alice.zip", _zip_or_refused(tmp / "alice.zip", victim, _digest(victim))


def _zip_part_dangling_link(tmp):
    (tmp / "alice.zip.part").symlink_to(tmp / "made.txt")
    out = tmp / "alice.zip"

    def check(rc, stdout, err):
        if (tmp / "made.txt").exists():
            return "made.txt was created through the link at alice.zip.part"
        return _zip_or_refused(out)(rc, stdout, err)
    return out, check


def _zip_part_stale_file(tmp):
    (tmp / "alice.zip.part").write_bytes(b"half a zip")
    out = tmp / "alice.zip"
    return out, _zip_or_refused(out)


def _zip_part_folder(tmp):
    (tmp / "alice.zip.part").mkdir()
    out = tmp / "alice.zip"

    def check(rc, stdout, err):
        if rc == 0 and not zipfile.is_zipfile(out):
            return "exit 0 without a zip"
        return None if rc == 0 else one_error_line(rc, err, "alice.zip")
    return out, check


def _zip_link_to_victim(tmp):
    victim = tmp / "other.zip"
    with zipfile.ZipFile(victim, "w") as archive:
        archive.writestr("x.txt", "mine")
    out = tmp / "alice.zip"
    out.symlink_to(victim)
    return out, _refused("alice.zip", victim=victim, victim_digest=_digest(victim))


def _zip_under_a_file(tmp):
    (tmp / "notes.txt").write_text("x")
    return tmp / "notes.txt" / "alice.zip", _refused("notes.txt")


def _zip_empty(tmp):
    return "", _refused("--out")


def _zip_root(tmp):
    return "/", _refused("--out")


def _zip_dot(tmp):
    return ".", _refused("--out")


def _zip_name_too_long(tmp):
    return tmp / ("a" * 300 + ".zip"), _refused("a" * 20)


def _zip_parent_dangling(tmp):
    (tmp / "link").symlink_to(tmp / "missing")
    return tmp / "link" / "alice.zip", _refused("link", victim=tmp / "missing")


SUBMIT_OUTS = {name[1:]: f for name, f in dict(globals()).items() if name.startswith("_zip_")
               and name != "_zip_or_refused"}


@pytest.mark.parametrize("variant", sorted(SUBMIT_OUTS))
def test_submit_out_that_cannot_hold_the_zip(run_dir, tmp_path, capsys, variant):
    place = tmp_path / "place"
    place.mkdir()
    out, check = SUBMIT_OUTS[variant](place)
    _assert(outcome(_submit(run_dir, out), capsys, check=check))


def test_submit_into_an_immutable_folder(run_dir, tmp_path, capsys):
    place = tmp_path / "place"
    place.mkdir()
    with immutable(place) as locked:
        if not locked:
            pytest.skip("chattr +i is not possible here")
        _assert(outcome(_submit(run_dir, place / "alice.zip"), capsys,
                        check=_refused("alice.zip")))


@pytest.mark.parametrize("code, budget", [(errno.ENOSPC, 0), (errno.ENOSPC, 700),
                                          (errno.EFBIG, 0), (errno.EFBIG, 2000)])
def test_submit_on_a_full_disk(run_dir, tmp_path, capsys, monkeypatch, code, budget):
    place = tmp_path / "place"
    place.mkdir()
    old = place / "alice.zip"
    with zipfile.ZipFile(old, "w") as archive:
        archive.writestr("x.txt", "the last good zip")
    before = _digest(old)
    with full_disk(monkeypatch, place, budget=budget, code=code):
        result = outcome(_submit(run_dir, old), capsys,
                         check=_refused("alice.zip", clean=place))
    _assert(result)
    assert _digest(old) == before  # the last good zip is kept


# --- a reflection draft, a lab's run folder ------------------------------------------------

@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG])
def test_reflection_on_a_full_disk(run_dir, capsys, monkeypatch, code):
    with full_disk(monkeypatch, run_dir, budget=0, code=code):
        result = outcome(lambda: run_main(reflection_main, [str(run_dir)]), capsys,
                         check=_refused(run_dir.name, clean=run_dir))
    _assert(result)


def test_reflection_in_an_immutable_run_folder(run_dir, capsys):
    (run_dir / "REFLECTION.md").unlink()
    with immutable(run_dir) as locked:
        if not locked:
            pytest.skip("chattr +i is not possible here")
        _assert(outcome(lambda: run_main(reflection_main, [str(run_dir)]), capsys,
                        check=_refused(run_dir.name)))


def _runs_dangling_link(tmp):
    (tmp / "runs").symlink_to(tmp / "nowhere")
    return tmp / "runs", "runs"


def _runs_under_a_file(tmp):
    (tmp / "runs").write_text("x")
    return tmp / "runs", "runs"


def _runs_name_too_long(tmp):
    return tmp / ("r" * 300), "r" * 20


RUN_OUTS = {name[1:]: f for name, f in dict(globals()).items() if name.startswith("_runs_")}


@pytest.mark.parametrize("variant", sorted(RUN_OUTS))
def test_a_labs_out_that_cannot_hold_run_folders(tmp_path, capsys, variant):
    out, word = RUN_OUTS[variant](tmp_path)
    _assert(outcome(lambda: run_main(lambda argv: bool(new_run_dir("lab03_cnn_mnist", out))
                                     and 0, []),
                    capsys, limit=5, check=_refused(word)))
