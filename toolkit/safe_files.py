"""Reading and writing files in folders someone else controls.

A submission or a run folder can hold a named pipe called ``report.md`` (opening it blocks
forever), a link called ``REFLECTION.md`` that points anywhere, a folder where a file is
expected. These helpers never block and never follow a link:

- :func:`open_regular_file` / :func:`read_regular_file`: a regular file or ``OSError``;
- :func:`replace_file`: write through a temporary file in the same folder, then
  :func:`os.replace`, after checking that the resolved target stays inside its folder and is
  no link. Readers never see half a file, and nothing is written through a link.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_BINARY", 0)


def open_regular_file(path: Path | str) -> BinaryIO:
    """``path`` opened for reading in binary mode; ``OSError`` unless it is a regular file.

    A link is not followed (``O_NOFOLLOW``) and a named pipe or device is not waited on
    (``O_NONBLOCK``): both are refused.
    """
    if Path(path).is_symlink():
        raise OSError(f"{path} is a symbolic link: not followed")
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{Path(path).name} is not a regular file (a folder, named pipe, "
                          f"device or socket)")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: Path | str, limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``path`` (see :func:`open_regular_file`)."""
    with open_regular_file(path) as stream:
        return stream.read(limit)


def is_regular_file(path: Path | str) -> bool:
    """A regular file that is not a link (``lstat``: nothing is followed or opened)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def inside(path: Path | str, folder: Path | str) -> bool:
    """Does ``path``, links resolved, lie inside ``folder`` (links resolved)?"""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def replace_file(path: Path | str, data: str | bytes, *, folder: Path | str | None = None,
                 encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a temp file beside it and :func:`os.replace`.

    Args:
        path: the file to write; an existing link or non-file there raises ``OSError``
            (the link is left alone: nothing is written through it).
        data: text (encoded with ``encoding``) or bytes.
        folder: the folder the resolved path must stay in (default: ``path``'s parent).
    """
    path = Path(path)
    parent = path.parent.resolve()
    if folder is not None and not inside(parent, folder):
        raise OSError(f"{path} would be written outside {folder}: refused")
    target = parent / path.name
    if target.is_symlink():
        raise OSError(f"{path} is a symbolic link: not written through")
    if target.exists() and not target.is_file():
        raise OSError(f"{path} exists and is not a file: not replaced")
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
        umask = os.umask(0)  # mkstemp makes the file private; give it open()'s permissions
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
