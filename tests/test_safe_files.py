"""toolkit.safe_files: links are never followed, pipes never waited on, and a file is
replaced whole, inside its folder, or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from toolkit.safe_files import (
    inside,
    is_regular_file,
    open_regular_file,
    read_regular_file,
    replace_file,
)


def test_a_regular_file_is_read_up_to_the_limit(tmp_path):
    path = tmp_path / "report.md"
    path.write_bytes(b"0123456789")
    assert read_regular_file(path, 4) == b"0123"
    assert read_regular_file(str(path), 100) == b"0123456789"
    with open_regular_file(path) as stream:
        assert stream.read() == b"0123456789" and "b" in stream.mode
    assert is_regular_file(path) and is_regular_file(str(path))


def test_links_pipes_and_folders_are_refused(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("secret")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    with pytest.raises(OSError, match="symbolic link: not followed"):
        read_regular_file(link, 10)
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match="pipe.md is not a regular file"):
        read_regular_file(pipe, 10)  # returns at once: never waits for a writer
    with pytest.raises(OSError, match="not a regular file"):
        open_regular_file(tmp_path)
    with pytest.raises(OSError):
        open_regular_file(tmp_path / "absent.md")
    assert not any(is_regular_file(p) for p in (link, pipe, tmp_path, tmp_path / "absent"))


def test_a_refused_open_leaves_no_descriptor_open(tmp_path):
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        with pytest.raises(OSError):
            open_regular_file(tmp_path)
    assert len(os.listdir("/proc/self/fd")) == before


def test_inside_resolves_links_and_dots(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "escape").symlink_to(tmp_path / "elsewhere")
    assert inside(tmp_path / "out" / "a.csv", tmp_path / "out")
    assert inside(tmp_path / "out", tmp_path / "out")
    assert not inside(tmp_path / "out" / ".." / "a.csv", tmp_path / "out")
    assert not inside(tmp_path / "out" / "escape" / "a.csv", tmp_path / "out")


def test_replace_file_writes_text_or_bytes_whole_with_normal_permissions(tmp_path):
    path = tmp_path / "grades.csv"
    assert replace_file(path, "héllo") == path
    assert path.read_bytes() == "héllo".encode()
    replace_file(path, "héllo", encoding="latin-1")
    assert path.read_bytes() == "héllo".encode("latin-1")
    replace_file(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]  # no temp file left


def test_replace_file_never_writes_through_a_link_or_outside_its_folder(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    victim = elsewhere / "victim.txt"
    victim.write_text("keep")
    (out / "grades.csv").symlink_to(victim)
    with pytest.raises(OSError, match="symbolic link: not written through"):
        replace_file(out / "grades.csv", "x", folder=out)
    (out / "escape").symlink_to(elsewhere)
    with pytest.raises(OSError, match="would be written outside"):
        replace_file(out / "escape" / "victim.txt", "x", folder=out)
    with pytest.raises(OSError, match="would be written outside"):
        replace_file(out / ".." / "elsewhere" / "new.txt", "x", folder=out)
    (out / "folder").mkdir()
    with pytest.raises(OSError, match="exists and is not a file"):
        replace_file(out / "folder", "x", folder=out)
    assert victim.read_text() == "keep" and not (elsewhere / "new.txt").exists()
    assert sorted(p.name for p in out.iterdir()) == ["escape", "folder", "grades.csv"]
    replace_file(out / "new.csv", "fine", folder=out)
    assert (out / "new.csv").read_text() == "fine"


def test_a_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        replace_file(tmp_path / "a.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_hidden_beside_the_target(tmp_path, monkeypatch):
    """Written in the same folder (os.replace is atomic only there), named after the target
    and hidden, so a half-written file is never taken for a real one."""
    moves = []
    real_replace = os.replace

    def replace(source, target):
        moves.append((source, target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    replace_file(tmp_path / "grades.csv", "x")
    ((source, target),) = moves
    source = Path(source)
    assert source.parent == tmp_path and target == tmp_path / "grades.csv"
    assert source.name.startswith(".grades.csv.") and source.name.endswith(".tmp")
