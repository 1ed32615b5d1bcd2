"""Small hostile inputs, built on the spot: no file of the suite is a fixture on disk."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from toolkit.grading.samples import synthetic_record, write_run_folder

REPORT = """# Results
Accuracy was 91.2% on the test split, against 87.6% published.

## Hypothesis
My hypothesis is that shirts and coats are confused because their silhouettes look alike
at 28x28 pixels; I would test it by comparing per-class error rates.
"""


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every regular file under ``folder`` (links and pipes by their kind)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_fifo():
            found[key] = "fifo"
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "dir"
    return found


def files_outside(root: Path, allowed: list[Path]) -> list[Path]:
    """Files under ``root`` that are in none of the ``allowed`` folders."""
    allowed = [a.resolve() for a in allowed]
    return [p for p in root.rglob("*") if p.is_file() and not any(
        p.resolve().is_relative_to(a) for a in allowed)]


def report_student(folder: Path, text: str = REPORT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.md").write_text(text, encoding="utf-8")
    return folder


def run_student(folder: Path, record: dict | None = None) -> Path:
    """A student folder holding one lab-written run folder."""
    return write_run_folder(folder / "lab03_cnn_mnist" / "20261123-101500",
                            record or synthetic_record(1))


def write_record(run_dir: Path, record: dict) -> None:
    (run_dir / "record.json").write_text(json.dumps(record), encoding="utf-8")


def shared_stream_pdf(pages: int = 30, repeat: int = 200, *, compress: bool = False) -> bytes:
    """A PDF whose pages all draw one content stream (a tiny file, much text to extract);
    ``compress``: the stream is deflated, so megabytes of drawing fit in kilobytes."""
    import zlib

    line = b"BT /F1 12 Tf 72 720 Td (Hypothesis: shirts and coats look alike.) Tj ET\n"
    content = line * repeat
    extra = b""
    if compress:
        content, extra = zlib.compress(content, 9), b" /Filter /FlateDecode"
    font = 4 + pages
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
               + b"] /Count %d >>" % pages,
               b"<< /Length %d%s >>\nstream\n" % (len(content), extra) + content
               + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font] * pages
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out
