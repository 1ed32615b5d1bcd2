"""Where a command writes: checked before the work starts, and a failed write said in one line.

An output path given on the command line (the grader's ``--out``, the zip of
``toolkit.submit``, a lab's ``--out runs``) can be unusable in ways the file system only
reports as a bare ``OSError`` deep inside a write: a link to nowhere, a path under a regular
file, ``''`` or ``/``, a name longer than the file system allows, a folder that may not
change, a disk that fills up halfway. Here:

- :func:`check_output_folder` / :func:`check_output_file` refuse such a path up front, naming
  it and what to do (a :class:`~toolkit.errors.CourseError`: one line, exit code 2);
- :func:`probe_folder` creates the folder and a temporary file in it, so a folder that may not
  be written is found before an hour of work, not after;
- :func:`write_error` turns any ``OSError`` met while writing into that one line, and
  :func:`writing_to` does so for a block of writes.

Writers pair these with :func:`toolkit.safe_files.replace_file` (a temporary file beside the
target, removed on failure): an output is whole or absent, never half-written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from toolkit.errors import CourseError

# What to do, by the error the file system gave.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def write_error(path: Path | str, error: OSError, what: str = "the output") -> CourseError:
    """One line for an ``OSError`` met while writing ``what`` at ``path``."""
    reason = error.strerror or str(error) or type(error).__name__
    if error.errno in _FULL:
        fix = ("free some space (or choose a place on another disk) and run again; nothing "
               "half-written was left behind")
    elif error.errno in _DENIED:
        fix = ("choose a folder you may write to, or make this one writable (it may be "
               "read-only or immutable: lsattr / chattr -i)")
    elif error.errno == errno.ENAMETOOLONG:
        fix = "choose a shorter name"
    elif error.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.ELOOP):
        fix = "choose a path whose folders are real folders, or move what is in the way"
    else:
        fix = "check the path and run again"
    where = error.filename if isinstance(error.filename, str) and error.filename else path
    return CourseError(f"{what} cannot be written to {path}", why=f"{reason} ({where})",
                       fix=fix)


@contextlib.contextmanager
def writing_to(path: Path | str, what: str = "the output") -> Iterator[None]:
    """Turn an ``OSError`` raised in the block into :func:`write_error`'s CourseError."""
    try:
        yield
    except OSError as error:
        raise write_error(path, error, what) from None


def _too_long(path: Path) -> str | None:
    try:
        limit = os.pathconf(_existing_ancestor(path) or ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    return next((part for part in path.parts if len(os.fsencode(part)) > limit), None)


def _existing_ancestor(path: Path) -> Path | None:
    for candidate in [path, *path.parents]:
        if os.path.lexists(candidate):
            return candidate
    return None


def _check_path(path: Path, flag: str, kind: str) -> None:
    """The checks a folder and a file share: a name, not the root, no link to nowhere, no
    file in place of a folder above it, no name too long."""
    text = str(path)
    example = "grades/" if kind == "folder" else "alice.zip"
    if not text.strip() or (kind == "file" and text == "."):
        raise CourseError(f"{flag} {text!r} names no {kind}",
                          fix=f"pass a {kind}, e.g. {flag} {example}")
    if path.resolve() == Path(path.resolve().anchor):
        raise CourseError(f"{flag} {text} is the root of the file system",
                          fix=f"pass a {kind} of its own, e.g. {flag} {example}")
    long_part = _too_long(path)
    if long_part is not None:
        raise CourseError(f"{flag} {text[:60]}...: the name {long_part[:30]}... is longer "
                          f"than the file system allows", fix="choose a shorter name")
    for candidate in [path, *path.parents]:
        if candidate.is_symlink() and not candidate.exists():
            raise CourseError(f"{flag} {text}: {candidate} is a link to "
                              f"{os.readlink(candidate)}, which does not exist",
                              fix="remove the link or create what it points to")
        if candidate != path and os.path.lexists(candidate) and not candidate.is_dir():
            raise CourseError(f"{flag} {text}: {candidate} is a file, so nothing can be "
                              f"created under it", fix=f"choose another place for the {kind}")


def check_output_folder(path: Path | str, flag: str = "--out") -> Path:
    """``path`` as a folder that can be created or exists; CourseError otherwise. Pass the
    text as typed: ``''`` is refused, where ``Path('')`` would be the current folder."""
    if isinstance(path, str) and not path.strip():
        raise CourseError(f"{flag} {path!r} names no folder",
                          fix=f"pass a folder, e.g. {flag} grades/")
    path = Path(path)
    _check_path(path, flag, "folder")
    if os.path.lexists(path) and not path.is_dir():
        raise CourseError(f"{flag} {path} is an existing file, not a folder",
                          fix=f"choose a folder, e.g. {flag} grades/")
    return path


def check_output_file(path: Path | str, flag: str = "--out") -> Path:
    """``path`` as a file that can be (re)written: not a folder, not a link; CourseError
    otherwise (``''`` and ``.`` too)."""
    if isinstance(path, str) and not path.strip():
        raise CourseError(f"{flag} {path!r} names no file", fix=f"pass a file, e.g. {flag} "
                                                                f"alice.zip")
    path = Path(path)
    _check_path(path, flag, "file")
    if path.is_symlink():
        raise CourseError(f"{flag} {path} is a link (to {os.readlink(path)}): not written "
                          f"through", fix="remove the link, or pass another name")
    if os.path.lexists(path) and not path.is_file():
        raise CourseError(f"{flag} {path} exists and is not a file (a folder?)",
                          fix="move it away, or pass another name")
    return path


def probe_folder(path: Path | str, what: str = "the output") -> Path:
    """Create ``path`` (and its parents) and a temporary file in it, removed at once: a folder
    that may not be written gives :func:`write_error`'s line before any work is done."""
    path = Path(path)
    with writing_to(path, what):
        path.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=".write-check-", dir=path)
        os.close(descriptor)
        os.unlink(name)
    return path
