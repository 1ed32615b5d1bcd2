"""Faults a test can switch on: a disk that fills up, a file that may not grow, a folder that
may not change, and a run of a command sorted into OK / traceback / wrong / hang.

- :func:`full_disk`: every write under a folder fails with ``ENOSPC`` (or ``EFBIG``) once
  ``budget`` bytes went through, by wrapping :func:`open` (``io.open``, which
  :mod:`pathlib`, :func:`os.fdopen` and :mod:`zipfile` call) and :func:`os.write`;
- :func:`immutable`: ``chattr +i`` on a folder (a real ``EPERM``, even for root), undone
  afterwards; ``None`` where the file system has no such attribute;
- :func:`outcome`: run a command's ``main`` in this process with a time limit and say what
  happened, for the battery's before/after counts.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import signal
import subprocess
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

OK, TRACEBACK, WRONG, HANG = "OK", "TRACEBACK", "WRONG", "HANG"


def _under(target, folder: Path) -> bool:
    if isinstance(target, int):
        try:
            target = os.readlink(f"/proc/self/fd/{target}")
        except OSError:
            return False
    try:
        return Path(os.path.abspath(os.fsdecode(target))).is_relative_to(folder)
    except (TypeError, ValueError):
        return False


class _Filling:
    """A file object whose writes fail once the shared budget is spent."""

    def __init__(self, stream, state: dict, code: int, name):
        self._stream, self._state, self._code, self._name = stream, state, code, name

    def write(self, data):
        size = len(data)
        if self._state["left"] < size:
            self._state["left"] = 0
            raise OSError(self._code, os.strerror(self._code), str(self._name))
        self._state["left"] -= size
        return self._stream.write(data)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __iter__(self):
        return iter(self._stream)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stream.close()
        return False


@contextlib.contextmanager
def full_disk(monkeypatch, folder: Path, *, budget: int = 0,
              code: int = errno.ENOSPC) -> Iterator[dict]:
    """Writes under ``folder`` fail with ``code`` once ``budget`` bytes are written."""
    folder = Path(os.path.abspath(folder))
    state = {"left": budget}
    real_open, real_write = io.open, os.write

    def opening(file, mode="r", *args, **kwargs):
        stream = real_open(file, mode, *args, **kwargs)
        if any(flag in mode for flag in "wax+") and _under(file, folder):
            return _Filling(stream, state, code, file)
        return stream

    def writing(fd, data):
        if _under(fd, folder):
            if state["left"] < len(data):
                state["left"] = 0
                raise OSError(code, os.strerror(code))
            state["left"] -= len(data)
        return real_write(fd, data)

    monkeypatch.setattr(io, "open", opening)
    monkeypatch.setattr(builtins, "open", opening)
    monkeypatch.setattr(os, "write", writing)
    try:
        yield state
    finally:
        monkeypatch.undo()


@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[bool]:
    """``chattr +i folder`` for the block; yields False where that is not possible."""
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    try:
        yield done
    finally:
        if done:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)


class _Stalled(BaseException):  # not an Exception: no handler of the code under test eats it
    pass


def outcome(call: Callable[[], int], capsys, *, limit: int = 20,
            check: Callable[[int, str, str], str | None] = lambda rc, out, err: None
            ) -> tuple[str, str]:
    """Run ``call()`` (a command's main, returning its exit code) with ``limit`` seconds.

    Returns ``(kind, detail)``: HANG past the limit, TRACEBACK when an exception escaped or a
    traceback was printed, WRONG when ``check(rc, stdout, stderr)`` names a problem, else OK.
    """
    def stalled(*_):
        raise _Stalled

    previous = signal.signal(signal.SIGALRM, stalled)
    signal.alarm(limit)
    try:
        rc = call()
    except _Stalled:
        return HANG, f"still running after {limit} s"
    except SystemExit as error:
        rc = error.code if isinstance(error.code, int) else 1
    except BaseException as error:  # noqa: BLE001 - the battery counts it
        return TRACEBACK, "".join(traceback.format_exception_only(error)).strip()[-300:]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    if "Traceback (most recent call last)" in err:
        return TRACEBACK, err.strip().splitlines()[-1][-300:]
    problem = check(rc, out, err)
    if problem:
        return WRONG, f"{problem} (exit {rc}; stderr {err.strip()[-300:]!r})"
    return OK, ""


def one_error_line(rc: int, err: str, *words: str) -> str | None:
    """None when the command exited 2 with one ``error:`` line holding every word in
    ``words``; otherwise what differs."""
    lines = [line for line in err.splitlines() if line.strip()]
    if rc != 2:
        return f"exit code {rc}, not 2"
    if len(lines) != 1 or not lines[0].startswith("error:"):
        return f"{len(lines)} stderr line(s), not one error line"
    missing = [word for word in words if word not in lines[0]]
    return f"the error line lacks {missing}" if missing else None


def parts_left(folder: Path) -> list[Path]:
    """Half-written files: ``*.part``, ``*.tmp`` and staging folders under ``folder``."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    return [p for p in folder.rglob("*") if p.name.endswith((".part", ".tmp"))
            or p.name.startswith(".grading-")]
