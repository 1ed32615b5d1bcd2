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
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from toolkit.grading.class_sections import flag_counts
from toolkit.grading.grade import ClassReport, grade_folder
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import (
    HOSTILE_KINDS,
    build_class,
    remove_deep_folders,
    write_hostile_submission,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="submissions (default 200)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the class and the grades here instead of a temp folder")
    parser.add_argument("--hostile", type=int, default=0,
                        help="hostile submissions to add (default 0)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as temporary:
        root = args.keep or Path(temporary)
        submissions, out = root / "submissions", root / "grades"
        start = time.perf_counter()
        built = build_class(submissions, args.count)
        for number in range(args.hostile):
            kind = HOSTILE_KINDS[number % len(HOSTILE_KINDS)]
            write_hostile_submission(submissions, f"hostile{number + 1:02d}", kind)
            built.append((f"hostile{number + 1:02d}", f"hostile {kind}"))
        build_s = time.perf_counter() - start
        rubric = load_rubric()
        load_before = os.getloadavg()
        start = time.perf_counter()
        timings: dict[str, float] = {}
        report = ClassReport()
        grades, warnings = grade_folder(submissions, rubric, out, timings=timings,
                                        report=report)
        grade_s = time.perf_counter() - start
        load_after = os.getloadavg()
        for student, variant in built:
            if variant == "hostile deep_folders" and not args.keep:
                remove_deep_folders(submissions / student)  # too deep for rmtree
    variants = Counter(variant for _, variant in built)
    print(f"built {len(built)} submissions in {build_s:.1f} s: "
          + ", ".join(f"{n} {v}" for v, n in sorted(variants.items())))
    print(f"graded {len(grades)} submissions in {grade_s:.2f} s "
          f"(including the summary, histogram and {len(grades)} feedback files)")
    print(f"seconds per submission: {grade_s / max(1, len(grades)):.4f}")
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
