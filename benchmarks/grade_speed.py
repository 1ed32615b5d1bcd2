"""How long does grading take per submission? Builds a synthetic class and grades it.

    python benchmarks/grade_speed.py [--count 200] [--keep DIR]

The class cycles through the variants of ``toolkit.grading.samples`` (complete run
folders, partial ones, zips, notebooks, a PDF, empty and hostile submissions). Building
it is timed apart from grading. The figure is printed, never asserted: on a shared machine
it varies with the load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from toolkit.grading.grade import grade_folder
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import build_class


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="submissions (default 200)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the class and the grades here instead of a temp folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as temporary:
        root = args.keep or Path(temporary)
        submissions, out = root / "submissions", root / "grades"
        start = time.perf_counter()
        built = build_class(submissions, args.count)
        build_s = time.perf_counter() - start
        rubric = load_rubric()
        start = time.perf_counter()
        grades, warnings = grade_folder(submissions, rubric, out)
        grade_s = time.perf_counter() - start
    variants = Counter(variant for _, variant in built)
    print(f"built {len(built)} submissions in {build_s:.1f} s: "
          + ", ".join(f"{n} {v}" for v, n in sorted(variants.items())))
    print(f"graded {len(grades)} submissions in {grade_s:.2f} s "
          f"(including the summary, histogram and {len(grades)} feedback files)")
    print(f"seconds per submission: {grade_s / max(1, len(grades)):.4f}")
    print(f"warnings: {len(warnings)}; needing review: "
          f"{sum(bool(g.needs_review) for g in grades)} students")
    return 0


if __name__ == "__main__":
    sys.exit(main())
