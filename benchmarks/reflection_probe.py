"""Does each paragraph of a five-answer reflection earn its criterion, under any label?

    python benchmarks/reflection_probe.py [tests/data/reflection_probe/set_a.json ...] [-v]

Each probe document (``tests/data/reflection_probe/``) is one reflection of five paragraphs,
each written for one criterion of ``course/rubrics/reflection.toml`` and specific to its lab
(the lab's concepts, the student's numbers), under the student's own heading, run-in label
or none. Every paragraph should earn its 2 points, quoted from that paragraph. The script
writes each document as Markdown, grades it like ``python -m toolkit.grade``, and prints per
criterion how many paragraphs earned 2 points from the right paragraph and the mean points.
``-v`` lists the misses. Figures are printed, never asserted.

The documents were written by helper sessions that saw neither the grader nor its corpora
(2026-12-03). Set A was used to tune the reflection rubric's cues and words (``unsure``,
``sweep``), set B was looked at once before that change: both are tuning data now. Sets C and
D (twelve documents each, in a later stop) are harder: most paragraphs carry no label or a
vague one ("Part 1", "Notes", "Final thoughts"), in mixed order and without stock phrases
("I learned", "Next time"); they were first used to judge a criterion classifier that was
then taken out (``benchmarks/grader_agreement_results.md``, round 8).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: grade with this checkout's toolkit
    sys.path.insert(0, str(ROOT))

from toolkit.grading.assessment import assess_labs  # noqa: E402
from toolkit.grading.rubric import load_rubric  # noqa: E402
from toolkit.grading.submissions import read_submission  # noqa: E402

PROBES = sorted((ROOT / "tests" / "data" / "reflection_probe").glob("*.json"))
CRITERIA = ("insights", "challenges", "application", "growth", "critical")


def as_markdown(document: dict, prose: bool = False) -> str:
    """The document as a student would write it: a title, then each answer under its
    heading, after its bold run-in label, or alone; ``prose``: the five answers run together
    in one paragraph without labels (one paragraph per lab)."""
    lines = [f"# Lab {int(document['lab'][3:5])} reflection", ""]
    if prose:
        return "\n".join(lines + [" ".join(" ".join(p["text"].split())
                                            for p in document["paragraphs"]), ""])
    for paragraph in document["paragraphs"]:
        label, text = paragraph["label"].strip(), paragraph["text"].strip()
        if label and paragraph["form"] == "heading":
            lines += [f"## {label}", "", text, ""]
        elif label and paragraph["form"] == "runin":
            colon = "" if label.endswith(("?", ":", ".")) else ":"
            lines += [f"**{label}{colon}** {text}", ""]
        else:
            lines += [text, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probes", nargs="*", type=Path, default=PROBES)
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    parser.add_argument("--prose", action="store_true",
                        help="write each document as one paragraph: its five answers run "
                             "together without labels")
    args = parser.parse_args(argv)
    rubric = load_rubric(ROOT / "course" / "rubrics" / "reflection.toml")
    for path in args.probes:
        documents = json.loads(path.read_text(encoding="utf-8"))
        right, points, count = Counter(), Counter(), Counter()
        with tempfile.TemporaryDirectory(prefix="probe-") as folder:
            for number, document in enumerate(documents):
                report = Path(folder) / f"d{number}.md"
                report.write_text(as_markdown(document, args.prose), encoding="utf-8")
                [grade] = assess_labs(read_submission(f"d{number}", report), rubric)
                for paragraph in document["paragraphs"]:
                    criterion = paragraph["criterion"]
                    result = grade.result(criterion)
                    evidence = " ".join(e for r in result.requirements for e in r.evidence)
                    quoted = paragraph["text"].strip()[:40] in evidence
                    count[criterion] += 1
                    points[criterion] += result.points
                    right[criterion] += quoted and result.points == 2
                    if args.verbose and not (quoted and result.points == 2):
                        print(f"  d{number} {document['lab']} {criterion}: {result.points} "
                              f"[{paragraph['form']} '{paragraph['label']}'] "
                              f"{evidence[:100]!r}")
        print(f"{path.name}: {len(documents)} documents")
        print("  criterion    2 points, right paragraph    mean points")
        for criterion in CRITERIA:
            print(f"  {criterion:12s} {right[criterion]:3d} / {count[criterion]:<3d}"
                  f"                   {points[criterion] / max(count[criterion], 1):.2f}")
        print(f"  all          {sum(right.values()):3d} / {sum(count.values()):<3d}"
              f"                   {sum(points.values()) / max(len(documents), 1):.2f} per "
              f"document (10 if every answer earns its points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
