"""Package run folders for submission: ``python -m toolkit.submit``.

    python -m toolkit.submit runs/lab03_cnn_mnist/20261123-101500 --out alice.zip

For each run folder it packs what the grader reads: ``REFLECTION.md`` (your edited
reflection), ``record.json``, the figures the record lists (and any other PNG of the run),
and ``errors.csv`` with your annotations. Models (``model.keras``), backups and TensorBoard
logs stay out. Add a notebook or PDF of your own with ``--include FILE``.

Before packing it tells you what the grader will miss: **TODO** prompts you did not answer,
an ``errors.csv`` without annotations, a figure the record names but the folder lacks, a
run that did not finish. These are warnings: the zip is written anyway.

Inside the zip each run keeps its place, ``<lab>/<run folder>/...``, so several runs (or
labs) fit in one submission.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.grading.submissions import (
    MAX_FILE_BYTES,
    MAX_SUBMISSION_BYTES,
    read_annotations_text,
    student_id,
)
from toolkit.output_paths import check_output_file, writing_to
from toolkit.record import RECORD_NAME, RecordError, read_checked_record
from toolkit.reflection import NEW_DRAFT_NAME, REFLECTION_NAME, TODO
from toolkit.safe_files import is_regular_file, read_regular_file
from toolkit.safe_text import for_terminal

PACKED_SUFFIXES = {".png", ".jpg", ".jpeg", ".svg"}
PACKED_NAMES = {REFLECTION_NAME, RECORD_NAME, "errors.csv"}


def run_files(run_dir: Path) -> tuple[list[Path], list[str]]:
    """The files of one run folder to submit, and warnings about what the grader will miss."""
    if not (run_dir / RECORD_NAME).is_file():
        raise CourseError(f"{run_dir} is not a run folder (no {RECORD_NAME})",
                          fix="pass folders a lab wrote, e.g. runs/lab03_cnn_mnist/<time>")
    try:
        record, warnings = read_checked_record(run_dir)
    except RecordError as error:
        raise CourseError(f"{run_dir / RECORD_NAME} cannot be read", why=str(error),
                          fix="run the lab again to get a fresh run folder") from None
    if record.get("status") != "complete":
        warnings.append(f"{run_dir}: the run did not finish (status "
                        f"{record.get('status')!r}): the grader looks for a complete run")
    wanted = [path for path in run_dir.iterdir() if path.name in PACKED_NAMES
              or path.suffix.lower() in PACKED_SUFFIXES]
    files = sorted(path for path in wanted if is_regular_file(path))
    for path in sorted(set(wanted) - set(files)):
        warnings.append(f"{path} is a link or not a regular file: left out of the zip"
                        + (f" (copy your reflection into a real {REFLECTION_NAME})"
                           if path.name == REFLECTION_NAME else ""))
    names = {path.name for path in files}
    for key, name in (record.get("figures") or {}).items():
        if name not in names:
            warnings.append(f"{run_dir}: figure {key!r} ({name}) is missing from the folder")
    reflection = run_dir / REFLECTION_NAME
    if not (reflection.exists() or reflection.is_symlink()):
        warnings.append(f"{run_dir}: no {REFLECTION_NAME}; write one with "
                        f"python -m toolkit.reflection {run_dir}")
    elif is_regular_file(reflection):
        prompts = read_regular_file(reflection, MAX_FILE_BYTES).decode(
            "utf-8", errors="replace").count(TODO)
        if prompts:
            warnings.append(f"{reflection}: {prompts} {TODO} prompt(s) still unanswered")
    if (run_dir / NEW_DRAFT_NAME).is_file():
        warnings.append(f"{run_dir / NEW_DRAFT_NAME} (a newer draft) is not packed: copy what "
                        f"you need from it into {REFLECTION_NAME}")
    errors_csv = run_dir / "errors.csv"
    if is_regular_file(errors_csv):
        try:
            annotated = read_annotations_text(read_regular_file(errors_csv, MAX_FILE_BYTES)
                                              .decode("utf-8", errors="replace"))
        except csv.Error as error:
            warnings.append(f"{errors_csv} is not a readable CSV ({error}): the grader "
                            f"cannot read your annotations")
        else:
            if not annotated:
                warnings.append(f"{errors_csv}: no error_type / fix_idea filled in "
                                f"(extra credit)")
    return files, warnings


def archive_name(run_dir: Path) -> str:
    """``<lab>/<run folder>``: where a run's files go inside the zip."""
    run_dir = run_dir.resolve()
    return f"{run_dir.parent.name}/{run_dir.name}"


def build_zip(run_dirs: list[Path], out: Path, include: list[Path] | None = None
              ) -> tuple[Path, list[str]]:
    """Write the submission zip; returns its path and the warnings to show the student."""
    entries: list[tuple[Path, str]] = []
    warnings: list[str] = []
    for run_dir in run_dirs:
        files, found = run_files(run_dir)
        warnings += found
        entries += [(path, f"{archive_name(run_dir)}/{path.name}") for path in files]
    for path in include or []:
        if not path.is_file():
            raise CourseError(f"{path} (from --include) is not a file")
        entries.append((path, path.name))
    names = [name for _, name in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CourseError(f"two files would have the same place in the zip: "
                          f"{', '.join(duplicates)}", fix="rename one of them")
    total = 0
    for path, _ in entries:
        size = path.stat().st_size
        total += size
        if size > MAX_FILE_BYTES:
            warnings.append(f"{path} is {size:,} bytes: the grader skips files over "
                            f"{MAX_FILE_BYTES:,} bytes")
    if total > MAX_SUBMISSION_BYTES:
        warnings.append(f"{total:,} bytes in all: the grader reads at most "
                        f"{MAX_SUBMISSION_BYTES:,} bytes per student")
    with writing_to(out, "the zip"):
        _write_zip(entries, out)
    return out, warnings


def _write_zip(entries: list[tuple[Path, str]], out: Path) -> None:
    """Write the zip into a temporary file of its own beside ``out`` (created with
    ``O_EXCL``, so never through a link someone placed there), then rename it to ``out``;
    on any error the temporary file is removed and ``out`` is left as it was."""
    check_output_file(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stale = out.with_name(out.name + ".part")  # what an older version left after a crash
    if stale.is_symlink() or is_regular_file(stale):
        stale.unlink()  # a link is removed, never followed
    descriptor, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part",
                                             dir=out.parent)
    try:
        with os.fdopen(descriptor, "w+b") as stream, \
                zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, name in entries:
                archive.write(path, name)
        umask = os.umask(0)  # mkstemp makes the file private; give it open()'s permissions
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        check_output_file(out)  # still no link or folder in its place
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.submit",
        description="Package run folders (reflection, record, figures, errors.csv) into one "
                    "zip to hand in. The zip's name is your student id.")
    parser.add_argument("run_dirs", nargs="+", type=Path, help="run folders to submit")
    parser.add_argument("--out", required=True,
                        help="the zip to write, named after you, e.g. alice.zip")
    parser.add_argument("--include", nargs="*", type=Path, default=[],
                        help="extra files to add (a notebook or PDF report)")
    args = parser.parse_args(argv)
    given = check_output_file(args.out)  # '', '.', '/', a link to nowhere: one line
    out = check_output_file(given if given.suffix.lower() == ".zip"
                            else given.with_suffix(".zip"))
    if student_id(out.stem) != out.stem:
        print(f"note: the grader will use the student id {student_id(out.stem)!r} for "
              f"{out.name}")
    path, warnings = build_zip(args.run_dirs, out, args.include)
    for warning in warnings:
        print(for_terminal(f"warning: {warning}", keep_newlines=False))
    with zipfile.ZipFile(path) as archive:
        count = len(archive.namelist())
    print(f"wrote {path} ({count} files, {path.stat().st_size:,} bytes)"
          + (f"; {len(warnings)} warning(s) above" if warnings else ""))
    return 0


if __name__ == "__main__":
    from toolkit.cli import run_main

    sys.exit(run_main(main))
