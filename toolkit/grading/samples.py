"""Synthetic student submissions, for trying the grader and for its tests and benchmark.

A student's part of the loop is simulated here: :func:`complete_reflection` answers the
**TODO** prompts of a reflection draft the way a student would, :func:`annotate_errors`
fills the ``error_type`` / ``fix_idea`` columns of ``errors.csv``. :func:`synthetic_record`
makes a record shaped like a lab's without training anything, and :func:`build_class`
writes a whole class of varied submissions (complete, partial, notebooks, PDF, zips, and a
few hostile ones) into a folder:

    python -m toolkit.grading.samples demo_class/ --count 20
    python -m toolkit.grade demo_class/ --out demo_grades/
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

from toolkit.reflection import TODO, write_reflection

# What a student writes under each heading of the draft (keys: words of the heading).
ANSWERS = {
    "train": "The validation loss follows the training loss closely and levels off after the "
             "second epoch, so the curves show no sign of overfitting yet; a few more epochs "
             "would still lower both curves.",
    "comparison": "My score is lower than the published one because this run trained for "
                  "fewer epochs on a smaller subset of the training data, with a simpler model "
                  "and no augmentation, on a two-core CPU budget.",
    # what the errors have in common, not why: the cause is the hypothesis's
    "misclassified": "Most errors are shirts, T-shirts and coats taken for one another at 28 "
                     "by 28 pixels, and the model was often quite sure of the wrong class, even "
                     "on images a person reads at a glance.",
    "error types": "The annotated rows above come from errors.csv.",
    "hypothesis": "My hypothesis is that the model confuses upper-body garments because their "
                  "silhouettes are similar at low resolution; I would test it by measuring the "
                  "error rate of those classes separately and checking whether a model that sees "
                  "texture does better.",
    "improvements": "Data augmentation with small shifts, a convolutional architecture with "
                    "batch normalization, and training for more epochs with a learning rate "
                    "schedule should all reduce these errors; I would check each one on the "
                    "same validation split.",
    "learning": "I learned how to read learning curves and why a test score means little "
                "without the published reference and its split.",
    "challenges": "At first the run was slow, so I used the quick mode to check the whole "
                  "pipeline before the full run.",
    "application": "I would use the same learning-curve check and error analysis on the "
                   "image classifier of my project, where overfitting is the main risk.",
    "growth": "I can now set up an experiment, measure it and explain its errors in writing.",
    "critical": "Next time I would tune the learning rate first; it remains open how much "
                "augmentation would help.",
}
GENERIC_ANSWER = "I thought about this question and wrote down what I found in my run."
ERROR_TYPES = [("similar silhouette", "use a CNN that sees local texture"),
               ("ambiguous image", "collect more varied training images"),
               ("low contrast", "normalise the images per sample"),
               ("label noise", "review the label and relabel if wrong"),
               ("unusual pose", "augment with shifts and rotations")]
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


@lru_cache(maxsize=1)
def tiny_png() -> bytes:
    """A 1x1 PNG: enough to stand for a figure file whose presence the grader checks."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    return buffer.getvalue()


def _answer(heading: str) -> str:
    heading = heading.lower()
    for key, answer in ANSWERS.items():
        if key in heading:
            return answer
    return GENERIC_ANSWER


def complete_reflection(text: str, *, leave: tuple[str, ...] = ()) -> str:
    """Replace every **TODO** prompt with an answer, as a student would.

    Args:
        text: the reflection draft.
        leave: words of headings whose prompts stay unanswered (e.g. ``("hypothesis",)``).
    """
    lines, heading = [], ""
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if TODO in line:
            if any(word in heading.lower() for word in leave):
                lines.append(line)
            else:
                lines.append(_answer(heading))
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def annotate_errors(path: Path | str, count: int = 10) -> int:
    """Fill ``error_type`` and ``fix_idea`` for the first ``count`` rows of ``errors.csv``."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        fieldnames, rows = reader.fieldnames, list(reader)
    for i, row in enumerate(rows[:count]):
        row["error_type"], row["fix_idea"] = ERROR_TYPES[i % len(ERROR_TYPES)]
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return min(count, len(rows))


def synthetic_record(seed: int = 0, *, misclassified: int = 15) -> dict:
    """A complete run record shaped like lab 3's, with plausible random figures."""
    rng = random.Random(seed)
    accuracy = round(rng.uniform(0.80, 0.92), 4)
    epochs = rng.randint(2, 6)
    history = []
    for epoch in range(1, epochs + 1):
        loss = 0.9 / epoch + rng.uniform(0, 0.05)
        history.append({"epoch": epoch, "loss": loss, "accuracy": 1 - loss / 2,
                        "val_loss": loss * 1.1, "val_accuracy": 1 - loss / 1.8,
                        "time_s": 3.1, "samples_per_s": 17000.0})
    errors = []
    for i in range(misclassified):
        true, predicted = rng.sample(range(10), 2)
        errors.append({"index": rng.randint(0, 9999), "id": i, "true": CLASS_NAMES[true],
                       "predicted": CLASS_NAMES[predicted],
                       "confidence": round(rng.uniform(0.4, 0.99), 4), "loss": 1.5})
    reference = 0.876
    return {
        "schema_version": 1, "lab": "lab03_cnn_mnist", "title": "Convolutional networks",
        "status": "complete", "started_at": "2026-11-23T10:00:00+00:00",
        "finished_at": "2026-11-23T10:05:00+00:00",
        "command": ["python", "-m", "labs.lab03_cnn_mnist", "--dataset", "fashion_mnist"],
        "seed": seed, "quick": False,
        "environment": {"backend": "tensorflow", "python": "3.11.7",
                        "versions": {"keras": "3.15.1"},
                        "hardware": {"device": "CPU (synthetic)", "cpu_cores": 2,
                                     "ram_gb": 8.0}},
        "hyperparameters": {"epochs": epochs, "batch_size": 128, "optimizer": "adam",
                            "learning_rate": 0.001},
        "dataset": {"name": "fashion_mnist", "title": "Fashion-MNIST",
                    "citation": "Xiao, Rasul, Vollgraf. Fashion-MNIST. arXiv:1708.07747, 2017.",
                    "splits": {"train": 54000, "validation": 6000, "test": 10000},
                    "classes": CLASS_NAMES},
        "model": {"name": "keras.io mnist_convnet",
                  "parameters": {"total": 34826, "trainable": 34826, "non_trainable": 0}},
        "history": history,
        "training": {"time_s": round(3.1 * epochs, 1), "epochs_run": epochs,
                     "samples_per_s": 17000.0, "best_epoch": epochs, "monitor": "val_loss",
                     "stopped_early": False},
        "inference": {"batch_size": 32, "latency_ms_per_sample": 0.05,
                      "throughput_samples_per_s": 20000.0},
        "metrics": {"accuracy": accuracy, "macro_precision": accuracy,
                    "macro_recall": accuracy, "macro_f1": accuracy, "samples": 10000},
        "reference": {"value": reference, "metric": "accuracy", "split": "test",
                      "citation": "Fashion-MNIST README benchmark, 2-conv CNN",
                      "measured": accuracy, "difference": round(accuracy - reference, 4)},
        "misclassified": errors,
        "figures": {"learning_curves": "learning_curves.png",
                    "confusion_matrix": "confusion_matrix.png", "errors": "errors.png"},
        "results": {},
    }


def write_run_folder(folder: Path | str, record: dict, *, figures: bool = True) -> Path:
    """A run folder as a lab writes it: record.json, figure files, errors.csv, the draft."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "record.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    if figures:
        for name in record.get("figures", {}).values():
            (folder / name).write_bytes(tiny_png())
    with open(folder / "errors.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=["index", "id", "true", "predicted",
                                                    "confidence", "loss", "error_type",
                                                    "fix_idea"])
        writer.writeheader()
        for row in record.get("misclassified", []):
            writer.writerow({**row, "error_type": "", "fix_idea": ""})
    write_reflection(folder, record)
    return folder


def finish_as_student(run_dir: Path | str, *, leave: tuple[str, ...] = (),
                      annotate: int = 10) -> Path:
    """Annotate errors.csv, refresh the draft, then answer its prompts: a finished report."""
    from toolkit.runs import read_record

    run_dir = Path(run_dir)
    if annotate:
        annotate_errors(run_dir / "errors.csv", annotate)
        write_reflection(run_dir, read_record(run_dir))
    reflection = run_dir / "REFLECTION.md"
    reflection.write_text(complete_reflection(reflection.read_text(encoding="utf-8"),
                                              leave=leave), encoding="utf-8")
    return reflection


def report_notebook(*, error: bool = False, cleared: bool = False) -> str:
    """A notebook report (nbformat JSON): Markdown answers, executed code cells with outputs."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    cells = [new_markdown_cell("# Lab 3 report\n## Task, data and model\nWe train a CNN "
                               "model on the Fashion-MNIST dataset (60,000 train / 10,000 "
                               "test images) with 34,826 parameters on a CPU.")]
    code = ["import keras", "model.fit(x_train, y_train, epochs=5, batch_size=128)",
            "print('test accuracy', model.evaluate(x_test, y_test)[1])"]
    outputs = [[], [new_output("stream", name="stdout", text="Epoch 5/5 - loss 0.31\n")],
               [new_output("stream", name="stdout", text="test accuracy 0.9012\n")]]
    if error:
        outputs[2] = [new_output("error", ename="ValueError",
                                 evalue="Input 0 is incompatible with the layer",
                                 traceback=["\x1b[0;31mValueError\x1b[0m: Input 0 ..."])]
    for count, (source, output) in enumerate(zip(code, outputs, strict=True), 1):
        cell = new_code_cell(source, execution_count=None if cleared else count,
                             outputs=[] if cleared else output)
        cells.append(cell)
    cells.append(new_markdown_cell("## Evaluation\nThe test accuracy is 90.1% and the macro "
                                   "F1 is 0.90."))
    return nbformat.writes(new_notebook(cells=cells))


def report_pdf(path: Path | str, sections: dict[str, str]) -> Path:
    """A one-page PDF report with a title line per section (drawn with matplotlib)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.27, 11.69))
    y = 0.95
    for title, body in sections.items():
        fig.text(0.08, y, title, fontsize=13, weight="bold")
        y -= 0.03
        for line in textwrap.wrap(body, 90):
            fig.text(0.08, y, line, fontsize=9)
            y -= 0.02
        y -= 0.015
    fig.savefig(path, format="pdf")
    plt.close(fig)
    return Path(path)


def hostile_zip(path: Path | str) -> Path:
    """A zip a grader must survive: ../ and absolute paths, a symlink, a bomb, bad UTF-8."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../escape.md", "# Hypothesis\nI escaped the folder.\n")
        archive.writestr("/etc/evil.md", "absolute path\n")
        link = zipfile.ZipInfo("link.md")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
        archive.writestr("bomb.txt", b"0" * (25 * 2**20))  # compresses to ~25 kB
        archive.writestr("report.md", "# Hypothesis\n<script>alert('x')</script> my idea\n"
                         .encode() + b"\xff\xfe broken bytes\n")
        archive.writestr("broken.ipynb", "{ this is not json")
    Path(path).write_bytes(buffer.getvalue())
    return Path(path)


def shared_stream_pdf(pages: int = 30, repeat: int = 200, *, compress: bool = False) -> bytes:
    """A PDF whose pages all draw one content stream: a small file with much to extract.

    ``compress`` deflates the stream, so megabytes of drawing commands fit in kilobytes
    (100 pages x 6 MB in a 36 KB file). Written by hand: no PDF library makes such a file.
    """
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


# Submissions that once crashed or stalled the whole class (issue #15): a named pipe, lines
# that made the report patterns take minutes, a PDF of one 6 MB stream shown on 100 pages, a
# 400-digit integer in a record, folders 1,500 levels deep.
HOSTILE_KINDS = ("named_pipe", "long_lines", "shared_stream_pdf", "huge_integer",
                 "deep_folders")


def write_hostile_submission(folder: Path | str, student: str, kind: str) -> Path:
    """One submission of a :data:`HOSTILE_KINDS` kind; the grader must grade the others.
    (POSIX only: named pipes and ``dir_fd``.)"""
    folder = Path(folder)
    target = folder / student
    if kind == "named_pipe":
        os.mkfifo(folder / f"{student}.md")
        return folder / f"{student}.md"
    if kind == "shared_stream_pdf":
        path = folder / f"{student}.pdf"
        path.write_bytes(shared_stream_pdf(100, 6_000_000 // 73, compress=True))
        return path
    if kind == "huge_integer":
        record = dict(synthetic_record(7), status=10 ** 400)
        write_run_folder(target / "run", synthetic_record(7))
        (target / "run" / "record.json").write_text(json.dumps(record), encoding="utf-8")
        return target
    target.mkdir(parents=True)
    (target / "report.md").write_text(
        f"# Hypothesis\n{ANSWERS['hypothesis']}\n", encoding="utf-8")
    if kind == "long_lines":
        with open(target / "report.md", "a", encoding="utf-8") as stream:
            stream.write("![" * 160_000 + "\n" + "<img " * 32_000 + "\n")
    elif kind == "deep_folders":
        _deep_folders(target, 1500)
    else:
        raise ValueError(f"unknown hostile kind {kind!r}; choose from {HOSTILE_KINDS}")
    return target


def remove_deep_folders(top: Path | str) -> None:
    """Remove what the ``deep_folders`` kind made under ``top`` (``shutil.rmtree`` recurses
    once per level and stops at Python's recursion limit)."""
    levels = [os.open(top, os.O_RDONLY)]
    try:
        while True:
            try:
                levels.append(os.open("d", os.O_RDONLY, dir_fd=levels[-1]))
            except (FileNotFoundError, NotADirectoryError):
                break
        for name in os.listdir(levels[-1]):
            os.unlink(name, dir_fd=levels[-1])
        while len(levels) > 1:
            os.close(levels.pop())
            os.rmdir("d", dir_fd=levels[-1])
    finally:
        for level in levels:
            os.close(level)


def _deep_folders(top: Path, depth: int) -> None:
    """``top/d/d/.../d/notes.md``, made one level at a time relative to the last folder
    (``dir_fd``): the full path may be longer than the system allows in one call."""
    folder = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=folder)
            child = os.open("d", os.O_RDONLY, dir_fd=folder)
            os.close(folder)
            folder = child
        note = os.open("notes.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folder)
        os.write(note, b"deep")
        os.close(note)
    finally:
        os.close(folder)


VARIANTS = ("complete", "complete", "complete", "no_hypothesis", "no_annotations",
            "no_curves", "vague", "notebook", "notebook_error", "pdf", "zip", "empty",
            "hostile")
# An answer under the right heading that names none of the rubric's keywords: a person decides.
VAGUE_HYPOTHESIS = ("I am not completely sure what to write here yet, the results look fine "
                    "to me overall and I will think about it more before the deadline.")


def write_submission(folder: Path | str, student: str, variant: str, seed: int = 0) -> Path:
    """One synthetic submission of the given ``variant`` (see :data:`VARIANTS`)."""
    folder = Path(folder)
    target = folder / student
    if variant in ("complete", "no_hypothesis", "no_annotations", "no_curves", "vague", "zip"):
        record = synthetic_record(seed)
        if variant == "no_curves":
            record["figures"].pop("learning_curves")
            record["history"] = []
        run_dir = write_run_folder(target / "run", record)
        finish_as_student(run_dir, leave=("hypothesis",) if variant == "no_hypothesis"
                          else ("train",) if variant == "no_curves" else (),
                          annotate=0 if variant == "no_annotations" else 10)
        if variant == "vague":
            reflection = run_dir / "REFLECTION.md"
            reflection.write_text(reflection.read_text(encoding="utf-8").replace(
                ANSWERS["hypothesis"], VAGUE_HYPOTHESIS), encoding="utf-8")
        if variant == "zip":
            archive = folder / f"{student}.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
                for path in sorted(run_dir.iterdir()):
                    bundle.write(path, f"run/{path.name}")
            for path in sorted(run_dir.iterdir()):
                path.unlink()
            run_dir.rmdir()
            target.rmdir()
            return archive
    elif variant in ("notebook", "notebook_error"):
        target.mkdir(parents=True)
        (target / "report.ipynb").write_text(report_notebook(error=variant == "notebook_error"),
                                             encoding="utf-8")
    elif variant == "pdf":
        target.mkdir(parents=True)
        report_pdf(target / "report.pdf", {
            "Task and data": "We train a CNN model on the Fashion-MNIST dataset with 60,000 "
                             "train and 10,000 test images on a CPU; the model has 34,826 "
                             "parameters.",
            "Evaluation": "Test accuracy 90.1%, macro F1 0.90.",
            "Hypothesis": ANSWERS["hypothesis"],
            "Improvements": ANSWERS["improvements"],
            "References": "Xiao et al. 2017, Fashion-MNIST, arXiv:1708.07747."})
    elif variant == "empty":
        target.mkdir(parents=True)
    elif variant == "hostile":
        return hostile_zip(folder / f"{student}.zip")
    else:
        raise ValueError(f"unknown variant {variant!r}; choose from {sorted(set(VARIANTS))}")
    return target


def build_class(folder: Path | str, count: int = 20, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` submissions cycling through :data:`VARIANTS`; returns ``(student, variant)``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    built = []
    for number in range(count):
        variant = VARIANTS[number % len(VARIANTS)]
        student = f"student{number + 1:03d}"
        write_submission(folder, student, variant, seed=seed + number)
        built.append((student, variant))
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.grading.samples",
        description="Write a folder of synthetic student submissions to try the grader on.")
    parser.add_argument("folder", help="where to write them (must not exist yet)")
    parser.add_argument("--count", type=int, default=24, help="how many (default 24)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    if folder.exists():
        from toolkit.errors import CourseError

        raise CourseError(f"{folder} exists already", fix="name a new folder")
    for student, variant in build_class(folder, args.count, args.seed):
        print(f"{student}: {variant}")
    print(f"\nGrade them: python -m toolkit.grade {folder} --out {folder}_grades")
    return 0


if __name__ == "__main__":
    from toolkit.cli import run_main

    sys.exit(run_main(main))
