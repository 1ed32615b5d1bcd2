"""A class with planted integrity problems, to measure the flags of :mod:`integrity`.

:func:`build_integrity_class` copies honest reports (e.g. the twenty of
``tests/data/reports``) into a class folder and adds one student per problem the grader
should flag, each named after it:

==========================  ====================================  =========================
student                     what it is                            flag expected
==========================  ====================================  =========================
``copy_identical``          a byte copy of an honest report       identical (with its source)
``copy_paraphrased``        an honest report, lightly reworded    near_duplicate
``run_owner``, ``run_copy`` one run folder in two submissions,    copied_run
                            each with its own words
``draft_untouched``         a run folder, its draft as written    untouched_draft
``quick_run``               a ``--quick`` lab 4 run, own words    unfinished_run
``random_weights``          lab 1 with ``--weights none``         unfinished_run
``numbers_contradict``      says 92.1%, its record measured less  contradicting_numbers
==========================  ====================================  =========================

    python -m toolkit.grading.integrity_samples CLASS/ --honest tests/data/reports
    python -m toolkit.grade CLASS/ --out CLASS_grades
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

from toolkit.grading.samples import synthetic_record, tiny_png, write_run_folder

# Planted student -> the flag kind it must raise (see toolkit.grading.integrity.TITLES).
EXPECTED = {
    "copy_identical": "identical", "copy_paraphrased": "near_duplicate",
    "run_owner": "copied_run", "run_copy": "copied_run", "draft_untouched": "untouched_draft",
    "quick_run": "unfinished_run", "random_weights": "unfinished_run",
    "numbers_contradict": "contradicting_numbers",
}
IDENTICAL_SOURCE = "r04_markdown_strong"
PARAPHRASE_SOURCE = "r20_strong_bert"

# Own words of the planted students, each written apart so that they share nothing but
# their problem.
OWN_WORDS = {
    "run_owner": """# Lab 3 report
## Results
My convolutional network reached the accuracy in the table of the draft after a handful of
epochs on my laptop. The curves flatten early, and the validation loss never turns upward,
so I see no overfitting in this run.
## Hypothesis
Coats and pullovers are mixed up because at this resolution both are a grey blob with two
sleeves; I would check it with a confusion matrix restricted to upper-body garments.
""",
    "run_copy": """# Report for the CNN lab
Setting it up took me an evening: the data loader complained about the cache folder until
I passed --data-dir. Once running, every epoch took a few seconds.
The errors I looked at are mostly sandals predicted as sneakers, which share straps and
soles. Adding rotations and a second convolution block are the two fixes I would try, each
compared on the same validation split.
""",
    "quick_run": """# Bag of words
I ran the lab and wrote down what I saw. TF-IDF and counts give almost the same numbers on
these short sentences, because most words appear once per sentence. The model misses
sentences with negations such as "not good", which a unigram model cannot see; bigrams
would be my first fix, then keeping negations out of the stop-word list.
""",
    "random_weights": """# VGG16 on my photos
The network predicted strange classes for every one of my four photos: a dog became a
"window screen" and the mug a "jellyfish", all with confidences near one in a thousand.
The Grad-CAM maps look like noise spread over the whole image. I learned how the
preprocessing and the 224 by 224 resize prepare an image for the network.
""",
    "numbers_contradict": """# Lab 3: a CNN on Fashion-MNIST
## Results
The test accuracy was 92.1% after six epochs, a clear gain over the dense network of lab 2.
Training ran on two CPU cores and the loss went down smoothly in every epoch.
## Errors
Shirts and T-shirts are the pair the network confuses most; their outlines are nearly the
same at 28 by 28 pixels. A deeper network with batch normalization should separate them.
""",
}

# A light rewording: a few words swapped for synonyms, as a student hiding a copy does.
REWORDING = {"peaks": "tops out", "starts": "begins", "rising": "climbing", "early": "first",
             "sign": "hint", "right": "correct", "published": "reported", "expected": "normal",
             "smaller": "reduced", "short": "brief", "often": "frequently", "very": "highly",
             "suspect": "think", "lost": "gave up", "compositional": "structural",
             "ability": "skill", "settings": "configuration", "larger": "bigger",
             "errors": "mistakes", "cluster": "group", "around": "about", "tune": "adjust"}


def reword(text: str) -> str:
    """``text`` with the words of :data:`REWORDING` replaced (case kept for the first)."""
    def swap(match: re.Match) -> str:
        word = match.group()
        other = REWORDING.get(word.lower())
        if other is None:
            return word
        return other[:1].upper() + other[1:] if word[:1].isupper() else other

    return re.sub(r"[A-Za-z]+", swap, text)


def _copy_honest(source: Path, folder: Path) -> list[str]:
    copied = []
    for path in sorted(source.iterdir()):
        if path.suffix in (".toml", ".py") or path.name.lower() == "readme.md":
            continue
        target = folder / path.name
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            shutil.copy2(path, target)
        copied.append(path.stem if path.is_file() else path.name)
    return copied


def _report_student(folder: Path, student: str, text: str, record: dict | None = None
                    ) -> Path:
    target = folder / student
    target.mkdir(parents=True)
    (target / "report.md").write_text(text, encoding="utf-8")
    if record is not None:
        run = target / "run"
        run.mkdir()
        (run / "record.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        for name in record.get("figures", {}).values():
            (run / name).write_bytes(tiny_png())
    return target


def build_integrity_class(folder: Path | str, honest: Path | str | None = None
                          ) -> dict[str, str]:
    """Write the class; returns ``{planted student: expected flag kind}``. ``honest``: a
    folder of honest reports copied in first (the identical and paraphrased copies are of
    two of them; without it those two are left out)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expected = dict(EXPECTED)
    names = _copy_honest(Path(honest), folder) if honest is not None else []
    if IDENTICAL_SOURCE in names:
        shutil.copytree(folder / IDENTICAL_SOURCE, folder / "copy_identical")
    else:
        expected.pop("copy_identical")
    if PARAPHRASE_SOURCE in names:
        shutil.copytree(folder / PARAPHRASE_SOURCE, folder / "copy_paraphrased")
        report = folder / "copy_paraphrased" / "report.md"
        report.write_text(reword(report.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        expected.pop("copy_paraphrased")
    shared = synthetic_record(31)
    _report_student(folder, "run_owner", OWN_WORDS["run_owner"], shared)
    _report_student(folder, "run_copy", OWN_WORDS["run_copy"], shared)
    write_run_folder(folder / "draft_untouched" / "run", synthetic_record(32))
    quick = dict(synthetic_record(33), quick=True, lab="lab04_bag_of_words")
    _report_student(folder, "quick_run", OWN_WORDS["quick_run"], quick)
    random_weights = dict(synthetic_record(34), lab="lab01_vgg16_inference", history=[],
                          hyperparameters={"model": "vgg16", "weights": "none"})
    _report_student(folder, "random_weights", OWN_WORDS["random_weights"], random_weights)
    measured = synthetic_record(35)
    measured["metrics"] = dict(measured["metrics"], accuracy=0.8750)
    measured["reference"] = dict(measured["reference"], measured=0.8750)
    for epoch in measured["history"]:
        epoch.update(accuracy=min(epoch["accuracy"], 0.89), val_accuracy=min(
            epoch["val_accuracy"], 0.88))
    _report_student(folder, "numbers_contradict", OWN_WORDS["numbers_contradict"], measured)
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.grading.integrity_samples",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where to write the class (must not exist yet)")
    parser.add_argument("--honest", default=None,
                        help="a folder of honest reports to copy in (tests/data/reports)")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    if folder.exists():
        from toolkit.errors import CourseError

        raise CourseError(f"{folder} exists already", fix="name a new folder")
    for student, kind in build_integrity_class(folder, args.honest).items():
        print(f"{student}: expect {kind}")
    print(f"\nGrade them: python -m toolkit.grade {folder} --out {folder}_grades")
    return 0


if __name__ == "__main__":
    from toolkit.cli import run_main

    sys.exit(run_main(main))
