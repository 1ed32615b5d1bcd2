"""The grader's output folder: written only inside itself, and never over an instructor's edits.

The pages are first written into a hidden staging folder inside ``--out``, then moved into
place one by one. ``.grader-files.json`` keeps the SHA-256 of every file the grader wrote;
on the next run a file whose content differs (an instructor edited ``feedback.md`` or
``review.toml``) is kept as ``<name>.edited-<YYYYmmdd-HHMMSS><suffix>`` before the new one is
written, and the grader says so. Feedback of a student who is no longer in the submissions
is removed when the grader wrote it as it is, kept (and named) when someone edited it.
No path is written inside the submissions folder (links resolved).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.output_paths import check_output_folder
from toolkit.safe_files import inside, is_regular_file, replace_file

MANIFEST_NAME = ".grader-files.json"


def _digest(path: Path) -> str | None:
    if not is_regular_file(path):
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


# Errors that stop the whole commit: the next file would fail the same way.
_STOP_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO)


def check_out_folder(out: Path, submissions: Path) -> None:
    """Refuse an ``--out`` that cannot hold the grades (a file, a link to nowhere, a path under
    a file, ``''`` or ``/``: :func:`toolkit.output_paths.check_output_folder`), that lies inside
    the submissions folder, or whose ``.grader-files.json`` is a link or a folder."""
    check_output_folder(out)
    manifest = out / MANIFEST_NAME
    if os.path.lexists(manifest) and not is_regular_file(manifest):
        raise CourseError(f"{manifest} is a link or a folder, not the list of files the "
                          f"grader wrote", why="the grader keeps that list there and never "
                                               "writes through a link",
                          fix="move it away (or choose another --out) and grade again")
    if inside(out, submissions):
        raise CourseError(f"the output folder {out} is inside {submissions}",
                          why="it would be graded as a student next time",
                          fix="choose --out outside the submissions folder")


def reserved_ids(out: Path, submissions: Path) -> frozenset[str]:
    """Ids no student may get: the name under which the submissions sit inside ``out``."""
    try:
        relative = submissions.resolve().relative_to(out.resolve())
    except ValueError:
        return frozenset()
    return frozenset(relative.parts[:1])


class OutputFolder:
    """Stage the pages, then :meth:`commit` them into ``out``; ``notes`` says what was kept."""

    def __init__(self, out: Path, submissions: Path):
        check_out_folder(out, submissions)
        self.out, self.submissions = out, submissions
        out.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=".grading-", dir=out))
        self.notes: list[str] = []
        self.previous = self._read_manifest()

    def _read_manifest(self) -> dict[str, str]:
        path = self.out / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8")) if is_regular_file(path) else {}
        except (OSError, ValueError):
            raw = {}
        if not isinstance(raw, dict):
            return {}
        return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}

    def _target(self, relative: str) -> Path:
        target = self.out / relative
        if not inside(target.parent, self.out) or inside(target, self.submissions) \
                or inside(target.parent, self.submissions):
            raise CourseError(f"refused to write {target}: it lies outside {self.out} or "
                              f"inside the submissions {self.submissions}")
        return target

    def _keep_edited(self, relative: str, target: Path, stamp: str) -> None:
        kept = target.with_name(f"{target.stem}.edited-{stamp}{target.suffix}")
        os.replace(target, kept)
        self.notes.append(f"{relative} was changed since the grader wrote it: your version "
                          f"is kept as {kept.relative_to(self.out)}")

    def commit(self) -> dict[str, str]:
        """Move every staged file into ``out``; returns ``relative path -> sha256``."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        written: dict[str, str] = {}
        try:
            for staged in sorted(p for p in self.staging.rglob("*") if p.is_file()):
                relative = staged.relative_to(self.staging).as_posix()
                target = self._target(relative)
                if target.is_symlink() or (target.exists() and not target.is_file()):
                    self.notes.append(f"{relative}: not written, a link or a folder is in "
                                      f"its place (move it away and grade again)")
                    continue
                try:
                    current = _digest(target)
                    if current is not None and current != self.previous.get(relative):
                        self._keep_edited(relative, target, stamp)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    data = staged.read_bytes()
                    replace_file(target, data, folder=self.out)
                except OSError as error:  # e.g. a file where the student's folder goes
                    if error.errno in _STOP_ERRNOS:  # a full disk: every next file fails too
                        raise
                    self.notes.append(f"{relative}: not written ({error})")
                    continue
                written[relative] = hashlib.sha256(data).hexdigest()
            self._forget_removed(written)
            replace_file(self.out / MANIFEST_NAME, json.dumps(written, indent=1),
                         folder=self.out)
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        return written

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def _forget_removed(self, written: dict[str, str]) -> None:
        """Files of the last run that this run did not write (a student who left)."""
        for relative, digest in sorted(self.previous.items()):
            if relative in written:
                continue
            try:
                target = self._target(relative)
            except CourseError:
                continue
            current = _digest(target)
            if current is None:
                continue
            if current == digest:
                target.unlink()
                if target.parent != self.out and not any(target.parent.iterdir()):
                    target.parent.rmdir()
                self.notes.append(f"{relative}: removed (no such submission any more)")
            else:
                self.notes.append(f"{relative}: kept, though there is no such submission any "
                                  f"more (it was edited since the grader wrote it)")
