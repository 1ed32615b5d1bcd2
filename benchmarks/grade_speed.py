"""How long does grading take per submission? Builds a synthetic class and grades it.

    python benchmarks/grade_speed.py [--count 200] [--hostile N] [--keep DIR]

The class cycles through the variants of ``toolkit.grading.samples`` (complete run
folders, partial ones, zips, notebooks, a PDF, empty and hostile submissions). Building
it is timed apart from grading. The figure is printed, never asserted: on a shared machine
it varies with the load, so the load average is printed beside it. The class integrity
checks run as in every grading (their own time is printed apart). ``--hostile N`` adds N submissions that once stopped or stalled the
class (``toolkit.grading.samples.HOSTILE_KINDS``: a named pipe, crafted long lines, a PDF of
one 6 MB stream on 100 pages, a 400-digit integer, folders 1,500 deep); the slowest
submissions are printed. Example (issue #15's figure: 30 students, five hostile):

    python benchmarks/grade_speed.py --count 25 --hostile 5

Issue 22's figures (the sentence encoder included: it loads once, in the grader's process):

    python benchmarks/grade_speed.py --count 30 --jobs 2 --distinct
    python benchmarks/grade_speed.py --count 500 --jobs 2 --distinct

``--distinct`` builds the class from the agreement corpora's text reports and reflections
(tests/data/reports, tests/data/reflections) instead, each student's copy made different
(a student number in every line), so no paragraph is encoded twice, as in a real class.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: grade with this checkout's toolkit
    sys.path.insert(0, str(ROOT))

from toolkit.grading.class_sections import flag_counts  # noqa: E402
from toolkit.grading.grade import ClassReport, grade_folder  # noqa: E402
from toolkit.grading.rubric import load_rubric  # noqa: E402
from toolkit.grading.samples import (  # noqa: E402
    HOSTILE_KINDS,
    build_class,
    remove_deep_folders,
    write_hostile_submission,
)
from toolkit.grading.sentence_encoder import encoder_status  # noqa: E402


def distinct_class(folder: Path, count: int) -> list[tuple[str, str]]:
    """``count`` students, each handing in one text report or reflection of the agreement
    corpora with their number added to every line (no two students share a paragraph)."""
    sources = sorted(path for corpus in ("reports", "reflections")
                     for path in (ROOT / "tests" / "data" / corpus).iterdir()
                     if path.suffix in (".md", ".txt") and path.name != "README.md")
    folder.mkdir(parents=True)
    built = []
    for number in range(count):
        source = sources[number % len(sources)]
        lines = source.read_text(encoding="utf-8").splitlines()
        text = "\n".join(f"{line} (s{number})" if len(line.split()) > 3 else line
                         for line in lines)
        student = f"student{number + 1:03d}"
        (folder / f"{student}{source.suffix}").write_text(text + "\n", encoding="utf-8")
        built.append((student, source.stem))
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="submissions (default 200)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the class and the grades here instead of a temp folder")
    parser.add_argument("--hostile", type=int, default=0,
                        help="hostile submissions to add (default 0)")
    parser.add_argument("--distinct", action="store_true",
                        help="every student's text different (the agreement corpora's text)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="workers at once (default: the grader's, up to 4)")
    args = parser.parse_args(argv)
    print(f"{encoder_status()[1]}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} before grading")
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as temporary:
        root = args.keep or Path(temporary)
        submissions, out = root / "submissions", root / "grades"
        start = time.perf_counter()
        built = distinct_class(submissions, args.count) if args.distinct \
            else build_class(submissions, args.count)
        for number in range(args.hostile):
            kind = HOSTILE_KINDS[number % len(HOSTILE_KINDS)]
            write_hostile_submission(submissions, f"hostile{number + 1:02d}", kind)
            built.append((f"hostile{number + 1:02d}", f"hostile {kind}"))
        build_s = time.perf_counter() - start
        rubric = load_rubric()
        load_before = os.getloadavg()
        cpu_before = os.times()
        start = time.perf_counter()
        timings: dict[str, float] = {}
        report = ClassReport()
        grades, warnings = grade_folder(submissions, rubric, out, timings=timings,
                                        report=report, jobs=args.jobs)
        grade_s = time.perf_counter() - start
        cpu_after = os.times()
        cpu_s = sum(after - before for after, before in zip(cpu_after[:4], cpu_before[:4],
                                                             strict=True))
        load_after = os.getloadavg()
        for student, variant in built:
            if variant == "hostile deep_folders" and not args.keep:
                remove_deep_folders(submissions / student)  # too deep for rmtree
    variants = Counter(variant for _, variant in built)
    print(f"built {len(built)} submissions in {build_s:.1f} s: "
          + ", ".join(f"{n} {v}" for v, n in sorted(variants.items())))
    print(f"graded {len(grades)} submissions in {grade_s:.2f} s "
          f"(including the summary, histogram and {len(grades)} feedback files)")
    print(f"CPU seconds (grader and its workers): {cpu_s:.2f}, "
          f"{cpu_s / max(1, len(grades)):.4f} per submission")
    print(f"seconds per submission: {grade_s / max(1, len(grades)):.4f}; load average "
          f"{os.getloadavg()[0]:.1f} after grading")
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:3]
    print("slowest submissions: " + ", ".join(f"{name} {seconds:.2f} s"
                                              for name, seconds in slowest))
    print(f"warnings: {len(warnings)}; needing review: "
          f"{sum(bool(g.needs_review) for g in grades)} students")
    print(f"class integrity checks: {report.integrity_seconds:.2f} s; flags: "
          f"{flag_counts(report.flags)}")
    print(f"load average (1 min) before / after grading: {load_before[0]:.2f} / "
          f"{load_after[0]:.2f} on {os.cpu_count()} CPU cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
