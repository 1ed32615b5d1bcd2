"""The held-out grading set is complete and well-formed (``tests/data/heldout/``).

The set measures the grader on documents it was never tuned on, so no test here asserts the
grader's agreement with it (``benchmarks/grader_agreement.py --set heldout`` prints that).
These tests check what the set itself promises: every document has an instructor's grades
file and every grades file its document; each grade gives every criterion of the rubric
points within 0..max with a reason; reflections name labs of the syllabus; the forms the
README lists are there; files stay small.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from benchmark_modules import load_benchmark

from toolkit.grading.rubric import load_rubric
from toolkit.resources import load_syllabus, load_toml

REPO = Path(__file__).resolve().parent.parent
HELDOUT = REPO / "tests" / "data" / "heldout"
REPORTS = HELDOUT / "reports"
REFLECTIONS = HELDOUT / "reflections"


def documents(folder: Path) -> set[str]:
    """The names of the documents in ``folder``: files other than TOML, and folders."""
    return {path.stem if path.is_file() else path.name for path in folder.iterdir()
            if path.suffix != ".toml"}


def check_grade(name: str, criteria: dict, rubric) -> None:
    assert set(criteria) == set(rubric.by_id), f"{name}: criteria differ from the rubric's"
    for criterion_id, entry in criteria.items():
        points = entry["points"]
        assert isinstance(points, int | float), f"{name}: {criterion_id} points {points!r}"
        assert 0 <= points <= rubric.by_id[criterion_id].points, f"{name}: {criterion_id}"
        assert entry["reason"].strip(), f"{name}: {criterion_id} has no reason"


def test_every_report_has_its_grades_and_every_grade_is_well_formed():
    rubric = load_rubric()
    labs = {str(lab["id"]) for lab in load_syllabus()} | {"none"}
    tomls = sorted(REPORTS.glob("*.toml"))
    assert len(tomls) >= 20
    assert {toml.stem for toml in tomls} == documents(REPORTS)
    forms = set()
    for toml in tomls:
        expected = load_toml(toml)
        assert expected["lab"] in labs, toml.name
        check_grade(toml.name, expected["criterion"], rubric)
        report = REPORTS / expected.get("report", "")
        if "report" not in expected:
            report = next(p for p in REPORTS.glob(toml.stem + ".*") if p.suffix != ".toml")
        assert report.exists(), toml.name
        forms.add(report.suffix or "folder")
    assert {".txt", ".md", ".docx", ".pdf", ".ipynb", ".html", "folder"} <= forms


def test_every_reflection_has_a_grade_per_lab_section():
    rubric = load_rubric(REPO / "course" / "rubrics" / "reflection.toml")
    labs = {str(lab["id"]) for lab in load_syllabus()}
    tomls = sorted(REFLECTIONS.glob("*.toml"))
    assert len(tomls) >= 12
    assert {toml.stem for toml in tomls} == documents(REFLECTIONS)
    sections = 0
    for toml in tomls:
        expected = load_toml(toml)
        assert expected["lab"], f"{toml.name}: no [lab.<id>] block"
        for lab, block in expected["lab"].items():
            assert lab in labs, f"{toml.name}: {lab} is not a lab of the syllabus"
            check_grade(f"{toml.name} {lab}", block["criterion"], rubric)
            sections += 1
    assert sections > len(tomls)  # some documents cover several labs


def test_the_set_stays_small():
    for path in HELDOUT.rglob("*"):
        assert not path.is_file() or path.stat().st_size < 50_000, path.name


def test_sections_pair_by_lab_then_in_order():
    bench = load_benchmark("grader_agreement")
    grade = {lab: SimpleNamespace(lab=lab) for lab in ("", "lab02", "lab03", "lab09")}
    pairs, spare = bench.pair_sections(["lab02", "lab03"], [grade["lab03"], grade["lab02"]])
    assert pairs == [("lab02", grade["lab02"]), ("lab03", grade["lab03"])] and spare == []
    pairs, spare = bench.pair_sections(["lab02", "lab03"], [grade[""]])
    assert pairs == [("lab02", grade[""]), ("lab03", None)] and spare == []
    pairs, spare = bench.pair_sections(["lab02"], [grade["lab02"], grade["lab09"]])
    assert pairs == [("lab02", grade["lab02"])] and spare == [grade["lab09"]]


@pytest.fixture(scope="module")
def class_builder():
    spec = importlib.util.spec_from_file_location("build_class", HELDOUT / "build_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_paraphrased_copy_still_matches_its_source(class_builder):
    source = class_builder.COPIED.read_text(encoding="utf-8")
    copy = class_builder.paraphrase(source)
    assert copy != source
    assert "Review text: \"the script is a dud\"" in copy  # the samples stay
    with pytest.raises(SystemExit, match="no longer matches"):
        class_builder.paraphrase(source.replace("Three groups:", "Groups:"))
