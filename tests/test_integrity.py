"""Class integrity flags: each planted problem is found, honest work raises none.

The class test grades the twenty honest reports of ``tests/data/reports`` (with their run
folders) together with one student per planted problem
(:mod:`toolkit.grading.integrity_samples`). The unit tests build each case on the spot,
with a positive and a negative example per flag.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from toolkit.grading import isolation
from toolkit.grading.claimed_numbers import accuracy_claims, contradiction, measured_accuracies
from toolkit.grading.grade import ClassReport, grade_folder
from toolkit.grading.integrity import class_flags, shared_passages
from toolkit.grading.integrity_samples import (
    EXPECTED,
    IDENTICAL_SOURCE,
    OWN_WORDS,
    PARAPHRASE_SOURCE,
    build_integrity_class,
    reword,
)
from toolkit.grading.rubric import load_rubric
from toolkit.grading.samples import finish_as_student, synthetic_record, write_run_folder
from toolkit.grading.submission_facts import submission_facts
from toolkit.grading.submissions import read_submission
from toolkit.resources import load_toml

RUBRIC = load_rubric()
REPORTS = Path(__file__).parent / "data" / "reports"


def facts_of(folder: Path):
    """The facts of every submission in ``folder``, taken as the grader's workers take them."""
    found = []
    for path in sorted(folder.iterdir()):
        found.append(isolation.grade_with_facts(path.stem, path, RUBRIC)[1])
    return found


def kinds(flags) -> dict[str, set[tuple[str, ...]]]:
    found: dict[str, set[tuple[str, ...]]] = {}
    for flag in flags:
        found.setdefault(flag.kind, set()).add(flag.students)
    return found


# --- the whole class ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def planted_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("integrity")
    expected = build_integrity_class(root / "subs", REPORTS)
    report = ClassReport()
    grades, _ = grade_folder(root / "subs", RUBRIC, root / "out", report=report)
    return expected, report, grades, root / "out"


def test_every_planted_problem_is_flagged(planted_class):
    expected, report, _, _ = planted_class
    assert set(expected) == set(EXPECTED)
    for student, kind in expected.items():
        assert any(f.kind == kind and student in f.students for f in report.flags), \
            (student, kind, [(f.kind, f.students) for f in report.flags])


def test_no_flag_on_the_twenty_honest_reports(planted_class):
    _, report, grades, _ = planted_class
    # A corpus report handed in as a problem names its flags (`flags = [...]` in its TOML).
    corpus_flags = {toml.stem: load_toml(toml).get("flags", [])
                    for toml in REPORTS.glob("*.toml")}
    for student, wanted in corpus_flags.items():
        if wanted:
            raised = {f.kind for f in report.flags if student in f.students}
            assert raised == set(wanted), (student, raised)
    planted = set(EXPECTED) | {IDENTICAL_SOURCE, PARAPHRASE_SOURCE} | {
        student for student, wanted in corpus_flags.items() if wanted}
    honest = {g.student for g in grades} - planted
    # the corpus's reports (another course's project among them: a warning, no flag), less
    # the two sources of the planted copies
    assert len(honest) >= 18
    raised = [(f.kind, f.students) for f in report.flags if set(f.students) & honest]
    assert raised == []


def test_flags_are_in_the_summary_and_review_with_their_evidence(planted_class):
    _, report, grades, out = planted_class
    summary = (out / "summary.md").read_text(encoding="utf-8")
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "## Class integrity" in summary and "never penalties" in summary
    assert "copy\\_identical, r04\\_markdown\\_strong" in summary or \
        "copy_identical, r04_markdown_strong" in summary
    assert "shared passage" in summary and "<h2>Class integrity</h2>" in page
    review = load_toml(out / "review.toml")
    flagged = {(entry["kind"], tuple(entry["students"])) for entry in review["flag"]}
    assert flagged == {(f.kind, f.students) for f in report.flags}
    assert all(entry["evidence"] for entry in review["flag"])
    # flags never change points: the copy scores what its source scores
    by_student = {g.student: g.total for g in grades}
    assert by_student["copy_identical"] == by_student[IDENTICAL_SOURCE]


# --- each flag, positive and negative ------------------------------------------------------

def test_identical_submissions_but_not_two_empty_ones(tmp_path):
    text = OWN_WORDS["numbers_contradict"]
    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.md").write_text(text, encoding="utf-8")
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "notes.md").write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    for name in ("dave", "erin"):  # nothing of their own to copy
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.md").write_text("# Lab 3\n", encoding="utf-8")
    flags = kinds(class_flags(facts_of(tmp_path)))
    assert flags["identical"] == {("alice", "bob", "carol")}
    assert "near_duplicate" not in flags


def test_a_reworded_copy_is_a_near_duplicate_with_its_shared_passages(tmp_path):
    original = (REPORTS / "r20_strong_bert" / "report.md").read_text(encoding="utf-8")
    for name, text in (("alice", original), ("bob", reword(original)),
                       ("carol", (REPORTS / "r04_markdown_strong" / "report.md").read_text(
                           encoding="utf-8"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.md").write_text(text, encoding="utf-8")
    flags = class_flags(facts_of(tmp_path))
    assert [(f.kind, f.students) for f in flags] == [("near_duplicate", ("alice", "bob"))]
    assert any(line.startswith("shared passage") for line in flags[0].evidence)


def test_shared_passages_quote_the_alike_sentences():
    a = "The model confuses shirts and coats at low resolution. I used five epochs."
    b = "The network confuses shirts and coats at low resolution. Something else entirely."
    passages = shared_passages(a, b)
    assert len(passages) == 1 and "shirts and coats" in passages[0] and "~" in passages[0]
    assert shared_passages(a, "Nothing alike here at all, not a single shared word.") == []


def _run_with_report(folder: Path, record: dict, text: str) -> None:
    run = folder / "run"
    run.mkdir(parents=True)
    (run / "record.json").write_text(json.dumps(record), encoding="utf-8")
    (folder / "report.md").write_text(text, encoding="utf-8")


def test_a_copied_run_history_is_flagged_a_different_seed_is_not(tmp_path):
    shared = synthetic_record(5)
    _run_with_report(tmp_path / "alice", shared, OWN_WORDS["run_owner"])
    _run_with_report(tmp_path / "bob", shared, OWN_WORDS["run_copy"])
    _run_with_report(tmp_path / "carol", synthetic_record(6), OWN_WORDS["quick_run"])
    # one student handing in the same run twice copies nothing
    _run_with_report(tmp_path / "dave", synthetic_record(7), OWN_WORDS["random_weights"])
    shutil.copytree(tmp_path / "dave" / "run", tmp_path / "dave" / "again")
    flags = class_flags(facts_of(tmp_path))
    assert [(f.kind, f.students) for f in flags] == [("copied_run", ("alice", "bob"))]
    assert "seed 5" in flags[0].evidence[1]


def test_an_untouched_draft_is_flagged_a_completed_one_is_not(tmp_path):
    write_run_folder(tmp_path / "alice" / "run", synthetic_record(1))
    done = write_run_folder(tmp_path / "bob" / "run", synthetic_record(2))
    finish_as_student(done)
    half = write_run_folder(tmp_path / "carol" / "run", synthetic_record(3))
    finish_as_student(half, leave=("hypothesis", "improvements", "reflection", "learning"))
    flags = kinds(class_flags(facts_of(tmp_path)))
    assert flags["untouched_draft"] == {("alice",)}


def test_the_r14_draft_with_two_answers_is_not_untouched():
    facts = submission_facts(read_submission("r14", REPORTS / "r14_draft_with_prompts"))
    assert facts.untouched == [] and facts.words > 30


def test_quick_and_random_weight_runs_only_without_a_full_run(tmp_path):
    _run_with_report(tmp_path / "alice", dict(synthetic_record(1), quick=True),
                     OWN_WORDS["run_owner"])
    both = tmp_path / "bob"
    _run_with_report(both, dict(synthetic_record(2), quick=True), OWN_WORDS["run_copy"])
    full = both / "full"
    full.mkdir()
    (full / "record.json").write_text(json.dumps(synthetic_record(3)), encoding="utf-8")
    lab1 = dict(synthetic_record(4), lab="lab01_vgg16_inference", history=[])
    _run_with_report(tmp_path / "carol", {**lab1, "hyperparameters": {"weights": "none"}},
                     OWN_WORDS["random_weights"])
    _run_with_report(tmp_path / "dave", {**lab1, "hyperparameters": {"weights": "imagenet"}},
                     OWN_WORDS["quick_run"])
    flags = class_flags(facts_of(tmp_path))
    assert {(f.kind, f.students) for f in flags} == {("unfinished_run", ("alice",)),
                                                     ("unfinished_run", ("carol",))}
    evidence = " ".join(line for f in flags for line in f.evidence)
    assert "quick = true" in evidence and "--weights none" in evidence


def test_numbers_that_contradict_the_record(tmp_path):
    def record(seed):
        found = dict(synthetic_record(seed), metrics={"accuracy": 0.875})
        found["reference"] = dict(found["reference"], measured=0.875)
        return found

    wrong = "# Results\nThe test accuracy was 92.1% after six epochs of training on my laptop."
    right = ("# Results\nThe test accuracy was 87.5% after six epochs, against 92.1% "
             "published for a bigger network.")
    _run_with_report(tmp_path / "alice", record(1), wrong)
    _run_with_report(tmp_path / "bob", record(2), right)
    (tmp_path / "carol").mkdir()  # no record: nothing to contradict
    (tmp_path / "carol" / "report.md").write_text(wrong, encoding="utf-8")
    flags = class_flags(facts_of(tmp_path))
    assert [(f.kind, f.students) for f in flags] == [("contradicting_numbers", ("alice",))]
    assert "92.10%" in flags[0].evidence[0] and "87.50%" in flags[0].evidence[0]
    assert "report.md:2" in flags[0].evidence[0]


@pytest.mark.parametrize("text, claims", [
    ("The test accuracy was 92.1%.", [("test", 0.921)]),
    ("Test accuracy: 92.1% (published: 87.6%)", [("test", 0.921)]),
    ("Compared with the published 87.6%, our accuracy of 84.2% is lower.", [("", 0.842)]),
    ("88% accuracy on the training set but 84% on test", [("training", 0.88), ("test", 0.84)]),
    ("The validation accuracy rose from 0.72 to 0.89.", [("validation", 0.72),
                                                        ("validation", 0.89)]),
    ("Accuracy 90.4%, macro F1 0.904, precision 0.90.", [("", 0.904)]),
    ("The weakest class is Shirt with an accuracy of 68%.", []),
    ("accuracy improved by 25% over the baseline", []),
    ("90% of the errors have a low accuracy", []),
    ("We trained for 5 epochs with batch size 128 (accuracy not measured).", []),
])
def test_accuracy_claims(text, claims):
    assert [(c.split, round(c.value, 4)) for c in accuracy_claims(text)] == claims


def test_a_claim_within_its_rounding_agrees():
    measured = measured_accuracies({"metrics": {"accuracy": 0.8752},
                                    "history": [{"val_accuracy": 0.861, "accuracy": 0.9}]})
    agree = accuracy_claims("test accuracy 88%")[0]
    assert contradiction(agree, measured) is None  # 88% as written: 87.5-88.5 and more
    assert contradiction(accuracy_claims("test accuracy 87.5%")[0], measured) is None
    assert contradiction(accuracy_claims("validation accuracy 86.1%")[0], measured) is None
    assert contradiction(accuracy_claims("validation accuracy 89.5%")[0], measured) == (
        "validation", 0.861)


def _break(monkeypatch, module, name: str, error: Exception) -> None:
    def broken(*args):
        raise error

    monkeypatch.setattr(module, name, broken)


def test_facts_or_class_checks_that_fail_never_cost_a_grade(tmp_path, monkeypatch):
    from toolkit.grading import grade as grade_module

    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "report.md").write_text(OWN_WORDS["run_owner"],
                                                          encoding="utf-8")
    _break(monkeypatch, isolation, "submission_facts", RuntimeError("no facts today"))
    report = ClassReport()
    grades, _ = grade_folder(tmp_path / "subs", RUBRIC, tmp_path / "out", report=report)
    assert [g.student for g in grades] == ["alice"] and grades[0].total > 0
    assert report.flags == []
    _break(monkeypatch, grade_module, "class_flags", MemoryError("too many students"))
    grades, warnings = grade_folder(tmp_path / "subs", RUBRIC, tmp_path / "out2")
    assert grades[0].total > 0 and (tmp_path / "out2" / "summary.md").is_file()
    assert any("integrity checks stopped (MemoryError" in w for w in warnings)


def test_one_text_handed_round_is_one_group_and_its_copies_one_flag():
    from toolkit.grading.submission_facts import SubmissionFacts, signature

    text = OWN_WORDS["run_copy"]
    minhash = signature(text)

    def fact(student, content):
        return SubmissionFacts(student, words=60, content=content, text=text,
                               minhash=[int(v) for v in minhash.hashvalues],
                               minhash_scheme=minhash.scheme)

    facts = [fact("ann", "c1"), fact("ben", "c2"), fact("cem", "c3"), fact("dan", "c1")]
    flags = {(f.kind, f.students) for f in class_flags(facts)}
    assert flags == {("identical", ("ann", "dan")), ("near_duplicate", ("ann", "ben", "cem"))}


def test_review_toml_copied_whole_into_overrides_still_loads(planted_class):
    from toolkit.grading.grade import load_overrides

    _, _, _, out = planted_class
    entries = load_overrides(out / "review.toml")
    assert entries and all("criterion" in entry for entry in entries)


def test_a_report_that_is_only_the_course_text_is_an_untouched_draft(tmp_path):
    pasted = [requirement.what for criterion in RUBRIC.criteria
              for requirement in criterion.requirements if len(requirement.what.split()) >= 5]
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "report.md").write_text("# Lab 3\n" + "\n".join(pasted) + "\n",
                                                  encoding="utf-8")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "report.md").write_text(
        "# Lab 3\n" + "\n".join(pasted) + "\n\n" + OWN_WORDS["run_copy"], encoding="utf-8")
    flags = class_flags(facts_of(tmp_path))
    assert [(f.kind, f.students) for f in flags] == [("untouched_draft", ("alice",))]
    assert "line(s) of the course's text" in flags[0].evidence[0]
