"""Write ``course/course_text.txt``: the text the course ships in code, for the grader.

    python scripts/build_course_text.py          # rewrite the file
    python scripts/build_course_text.py --check  # exit 1 when the file is out of date

The grader sets aside every passage of a submission that the course wrote (see
``toolkit/grading/course_text.py``). Rubrics, templates and the syllabus it reads itself; the
text inside code it cannot read at grading time, since the toolkit never imports a lab. This
script collects that text once, from the source files (parsed with ``ast``, never imported):

- every docstring of ``labs/**/*.py`` (the lessons, their steps: what the generated notebooks
  show as Markdown);
- the sentences of ``toolkit/notebooks/`` (the notebooks' fixed Markdown cells) and of
  ``toolkit/reflection.py`` (what the reflection draft writes around the run's facts).

Run it after changing a lab's docstrings; a test fails while the file is out of date.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "course" / "course_text.txt"
MIN_WORDS = 5
HEADER = ("# Text the course ships in code (lab docstrings, notebook and reflection-draft\n"
          "# sentences), one passage a line. Written by scripts/build_course_text.py: do not\n"
          "# edit. The grader never counts these passages as a student's words.\n")


def _docstrings(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            text = ast.get_docstring(node)
            if text:
                found.append(text)
    return found


def _strings(tree: ast.AST) -> list[str]:
    """String constants and the fixed parts of f-strings."""
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _passages(text: str) -> list[str]:
    """Paragraphs of a text, each on one line, with at least MIN_WORDS words."""
    found = []
    for paragraph in text.split("\n\n"):
        line = " ".join(paragraph.split())
        if len(line.split()) >= MIN_WORDS:
            found.append(line)
    return found


def collect(root: Path = ROOT) -> list[str]:
    passages: list[str] = []
    for path in sorted((root / "labs").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for text in _docstrings(tree):
            passages += _passages(text)
    toolkit = root / "toolkit"
    for path in [*sorted((toolkit / "notebooks").glob("*.py")), toolkit / "reflection.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for text in _strings(tree):
            passages += _passages(text)
    return list(dict.fromkeys(passages))


def render(root: Path = ROOT) -> str:
    return HEADER + "".join(f"{line}\n" for line in collect(root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.is_file() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run python "
                  f"scripts/build_course_text.py")
            return 1
        print(f"{OUT.relative_to(ROOT)} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10)) - 3} passages, "
          f"{len(text):,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
