"""Build the class-level cases of issue #22 as a class folder, and optionally grade it.

    python tests/data/heldout/build_class.py OUT [--data-dir /work/shared/data] [--grade]

Writes ``OUT/class/``, one submission per student, each a case an instructor must see
(the issue's table, "goal" column):

==========================  ==================================================  ======================================
student                     what it is                                          goal
==========================  ==================================================  ======================================
c01_untouched_notebook      the course's lab 2 notebook, never run, nothing      <= 2 points, flagged
                            written (``python -m labs notebook 2``)
c02_quick_run.zip           an untouched ``--quick`` lab 4 run (11 TODOs, no     <= 5 points, flagged "untouched draft"
                            word of the student), packed by ``toolkit.submit``   and "quick run"
c03_churn                   a report from another course (churn prediction)      <= 3 points, flagged "not this assignment"
c04_identical_a, c05_...b   two identical submissions                           both flagged, with the shared passages
c06_paraphrased             a lightly paraphrased copy of c04                    flagged with c04, with the shared passages
c07_rubric_on_top           the rubric pasted above a short report               the rubric's lines never counted: the
                                                                                 held-out instructor total (7.5) or less
c08-c10 honest_*            three honest, distinct held-out reports              no flag; the held-out instructor totals
==========================  ==================================================  ======================================

The lab 4 run needs the SST-2 files (``--data-dir``, default ``$KERASCOURSE_DATA`` or
``../shared/data``) and takes about 20 s on 2 CPU cores; the notebook about 20 s. With
``--grade`` it then runs ``python -m toolkit.grade OUT/class --out OUT/grades`` and prints each
student's total and warnings next to the goal. Nothing is written outside ``OUT``.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
REPORTS = HERE / "reports"
if str(REPO) not in sys.path:  # run as a script: this checkout's toolkit
    sys.path.insert(0, str(REPO))

from toolkit.formats import console_table  # noqa: E402

# The honest report copied twice, and the light paraphrase a student would make of it:
# synonyms, a reordered clause, a changed name; the samples and numbers stay.
COPIED = REPORTS / "hr22_other_block_words.md"
PARAPHRASE = [
    ("Fatima Al-Sayed", "Youssef Haddad"),
    ("I built binary sentiment classifiers", "I trained two-class sentiment models"),
    ("on my own laptop (Dell XPS 13,\ni7-1165G7 CPU)", "on my laptop (a Dell XPS 13 with an\ni7-1165G7)"),
    ("The best pipeline is", "My best pipeline was"),
    ("I also\ntrained the same model", "I also\nbuilt the same model"),
    ("The Keras model's validation loss falls", "For the Keras model, the validation loss drops"),
    ("and then flattens while", "and then levels off, while"),
    ("mild overfitting, which early stopping caught at epoch 5. I did\nnot save the figure.",
     "a little overfitting that early stopping stopped at epoch 5. The figure\nwas not saved."),
    ("My TF-IDF model (82.6%) is between them.", "With 82.6% my TF-IDF model lies between the two."),
    ("Three groups:", "I see three groups:"),
    ("A linear model over n-grams gives each word a fixed weight",
     "Because a linear model over n-grams gives every word one fixed weight"),
    ("push towards negative no matter what surrounds them.",
     "pull towards negative whatever the context."),
    ("I expect\nthe errors to drop most", "My expectation is that\nthe errors would fall most"),
    ("### Ideas", "### Possible fixes"),
    ("which read the\nsentence in order.", "since they read the\nsentence word by word."),
]

HONEST = ["hr01_sample_blocks", "hr13_strong_cnn", "hr20_results_table"]

GOALS = {
    "c01_untouched_notebook": "<= 2, flagged",
    "c02_quick_run": "<= 5, flagged untouched draft + quick run",
    "c03_churn": "<= 3, flagged not this assignment",
    "c04_identical_a": "flagged identical (c05), shared passages",
    "c05_identical_b": "flagged identical (c04), shared passages",
    "c06_paraphrased": "flagged near-duplicate (c04/c05), shared passages",
    "c07_rubric_on_top": "rubric never counted (instructor 7.5)",
    "c08_honest_blocks": "no flag (instructor 15.5)",
    "c09_honest_cnn": "no flag (instructor 17)",
    "c10_honest_bert": "no flag (instructor 16)",
}


def paraphrase(text: str) -> str:
    for old, new in PARAPHRASE:
        if old not in text:
            raise SystemExit(f"build_class.py: the paraphrase no longer matches {COPIED.name}: "
                             f"{old[:40]!r}")
        text = text.replace(old, new)
    return text


def run(command: list[str], cwd: Path = REPO) -> None:
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def build(out: Path, data_dir: Path) -> Path:
    """``out/class/`` with the ten submissions; ``out/work/`` holds what made them."""
    school, work = out / "class", out / "work"
    if school.exists():
        shutil.rmtree(school)
    school.mkdir(parents=True)
    work.mkdir(parents=True, exist_ok=True)
    python = sys.executable

    run([python, "-m", "labs", "notebook", "2", "--out", str(work / "notebooks")])
    shutil.copy(work / "notebooks" / "lab02_mlp_dropout.ipynb",
                school / "c01_untouched_notebook.ipynb")

    runs = work / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    run([python, "-m", "labs.lab04_bag_of_words", "--quick", "--data-dir", str(data_dir),
         "--out", str(runs)])
    run_dir = next(path for path in sorted((runs / "lab04_bag_of_words").iterdir())
                   if (path / "record.json").is_file())  # not the lab's .backup folder
    run([python, "-m", "toolkit.submit", str(run_dir), "--out", str(school / "c02_quick_run.zip")])

    shutil.copy(REPORTS / "hr08_churn_other_course.md", school / "c03_churn.md")
    shutil.copy(COPIED, school / "c04_identical_a.md")
    shutil.copy(COPIED, school / "c05_identical_b.md")
    (school / "c06_paraphrased.md").write_text(paraphrase(COPIED.read_text(encoding="utf-8")),
                                               encoding="utf-8")
    shutil.copy(REPORTS / "hr09_rubric_on_top.txt", school / "c07_rubric_on_top.txt")
    for number, (name, student) in enumerate(zip(HONEST, ["blocks", "cnn", "bert"], strict=True), start=8):
        shutil.copytree(REPORTS / name, school / f"c{number:02d}_honest_{student}")
    return school


def grade(school: Path, out: Path) -> None:
    grades = out / "grades"
    run([sys.executable, "-m", "toolkit.grade", str(school), "--out", str(grades)])
    with open(grades / "gradebook.csv", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    print(console_table(["student", "total", "warnings", "goal"],
                        [[row["student"], row["total"], row["warnings"],
                          GOALS.get(row["student"], "")] for row in rows]))
    print(f"rubric lines quoted as c07's evidence: {rubric_quotes(school, grades)}")
    print(f"flags and warnings: {grades / 'summary.md'} and {grades / 'review.toml'}")


def rubric_quotes(school: Path, grades: Path) -> int:
    """How many evidence lines of c07's feedback point into the rubric pasted above its ----."""
    lines = (school / "c07_rubric_on_top.txt").read_text(encoding="utf-8").splitlines()
    end = next(number for number, line in enumerate(lines, start=1) if line.startswith("----"))
    feedback = (grades / "c07_rubric_on_top" / "feedback.md").read_text(encoding="utf-8")
    found = re.findall(r"c07_rubric_on_top\.txt:(\d+):", feedback)
    return sum(int(number) < end for number in found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write class/ (and grades/) into")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("KERASCOURSE_DATA", REPO.parent / "shared"
                                                    / "data")),
                        help="where the SST-2 files are (default $KERASCOURSE_DATA or "
                             "../shared/data)")
    parser.add_argument("--grade", action="store_true",
                        help="grade the class with python -m toolkit.grade and print the totals")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    school = build(out, args.data_dir.resolve())
    print(f"wrote {school} ({len(list(school.iterdir()))} submissions)")
    if args.grade:
        grade(school, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
