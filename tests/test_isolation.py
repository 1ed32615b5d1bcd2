"""toolkit.grading.isolation: each student in a worker of their own. The reading and the
assessing are replaced here by stand-ins, so each test takes a second or two: a result comes
back in order, an exception or a dead worker becomes "could not be graded", and a stalled
worker is killed at the time limit (its process is gone)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from toolkit.grading import isolation
from toolkit.grading.assessment import REVIEW, StudentGrade
from toolkit.grading.rubric import load_rubric

RUBRIC = load_rubric()


def _read(student: str, path) -> str:
    """A stand-in reader: a submission is its student id, read from that student's folder."""
    return student if Path(path) == Path("subs", student) else f"{student} (read from {path})"


@pytest.fixture
def stand_ins(monkeypatch):
    """Workers that read nothing: a submission is its student id; the encoder never loads."""
    monkeypatch.setattr(isolation, "_preload", lambda: None)
    monkeypatch.setattr(isolation, "warm_caches", lambda *args: None)  # no real grading here
    monkeypatch.setattr(isolation, "read_submission", _read)
    monkeypatch.setattr(isolation, "submission_facts", lambda submission: f"facts {submission}")

    def assess(student, rubric, lab_map=None):
        if rubric is not RUBRIC:
            raise ValueError("graded with another rubric")
        if student == "boom":
            raise ValueError("a crafted table")
        if student == "dies":
            os._exit(3)  # as if killed for memory
        if student == "pickle":
            return [StudentGrade(student, [], [lambda: None])]  # cannot be sent back
        if student.startswith("slow"):
            Path(os.environ["STALLED_PID"]).write_text(str(os.getpid()))
            time.sleep(300)  # a parser stuck on a crafted file
        return [StudentGrade(student, [], [f"lab map {lab_map}"] if lab_map else [], lab=lab)
                for lab in ("lab02", "lab03")][:2 if student == "two" else 1]

    monkeypatch.setattr(isolation, "assess_labs", assess)


def test_default_jobs_is_between_one_and_four(monkeypatch):
    for cores, jobs in ((None, 1), (1, 1), (2, 2), (4, 4), (64, 4)):
        monkeypatch.setattr(isolation.os, "cpu_count", lambda cores=cores: cores)
        assert isolation.default_jobs() == jobs


def test_grades_come_back_in_order_with_their_facts(stand_ins):
    entries = [(name, Path(f"subs/{name}")) for name in ("ann", "two", "bob", "cy")]
    facts: list = []
    grades, seconds = isolation.grade_all(entries, RUBRIC, jobs=2, facts=facts)
    assert [g.student for g in grades] == ["ann", "two", "two", "bob", "cy"]
    assert [g.lab for g in grades if g.student == "two"] == ["lab02", "lab03"]
    assert sorted(facts) == ["facts ann", "facts bob", "facts cy", "facts two"]
    assert len(seconds) == 4 and all(0 < s < 60 for s in seconds)
    with pytest.MonkeyPatch.context() as patch:  # no student: nothing loaded
        patch.setattr(isolation, "_preload", lambda: pytest.fail("loaded for no student"))
        assert isolation.grade_all([], RUBRIC) == ([], [])


def test_an_exception_a_dead_worker_or_an_unsendable_result_is_graded_by_hand(stand_ins):
    entries = [(name, Path(f"subs/{name}")) for name in ("boom", "dies", "pickle", "ann")]
    facts: list = []
    grades, _ = isolation.grade_all(entries, RUBRIC, jobs=2, facts=facts)
    by_name = {g.student: g for g in grades}
    assert facts == ["facts ann"]  # an ungraded submission gives no facts
    for name, why in (("boom", "ValueError: a crafted table"), ("dies", "exit code 3"),
                      ("pickle", "could not be passed back")):
        grade = by_name[name]
        assert grade.source == f"subs/{name}"
        assert len(grade.results) == len(RUBRIC.criteria)
        assert all(r.status == REVIEW and r.points == 0 for r in grade.results)
        assert all(isolation.UNGRADED in r.evidence[0] and why in r.evidence[0]
                   for r in grade.results), grade.results[0].evidence
        assert grade.warnings == [f"{grade.results[0].evidence[0]}: grade it by hand"]
        assert "the grader could not read" in grade.results[0].feedback
    assert by_name["ann"].results == []


def test_facts_that_fail_never_cost_the_grade(stand_ins, monkeypatch):
    def broken(submission):
        raise RuntimeError("no facts today")

    monkeypatch.setattr(isolation, "submission_facts", broken)
    labs, facts = isolation.grade_with_facts("ann", Path("subs/ann"), RUBRIC)
    assert [g.student for g in labs] == ["ann"] and facts is None
    assert [g.student for g in isolation.grade_one("ann", Path("subs/ann"), RUBRIC)] == ["ann"]


def test_a_stalled_worker_is_killed_at_the_time_limit(stand_ins, tmp_path, monkeypatch):
    pid_file = tmp_path / "stalled.pid"
    monkeypatch.setenv("STALLED_PID", str(pid_file))
    limit = 1.5
    started = time.monotonic()
    grades, seconds = isolation.grade_all([("slow", Path("subs/slow")),
                                           ("ann", Path("subs/ann"))], RUBRIC,
                                          timeout=limit, jobs=2)
    elapsed = time.monotonic() - started
    # A generous bound, measured against the limit this test set: the property is "killed".
    assert elapsed < limit + 10, f"graded in {elapsed:.0f} s with a {limit:g} s limit"
    assert seconds[0] >= limit  # never killed before its time
    slow, ann = grades
    assert ann.student == "ann" and ann.results == [] and slow.student == "slow"
    assert f"stopped after the {limit:g} s time limit" in slow.results[0].evidence[0]
    assert slow.source == "subs/slow" and len(slow.results) == len(RUBRIC.criteria)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # the stalled worker no longer exists


def test_workers_are_forked_where_fork_exists(monkeypatch):
    assert isolation._context().get_start_method() == "fork"  # Linux: nothing re-imported
    monkeypatch.setattr(isolation.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert isolation._context().get_start_method() == "spawn"  # Windows


def test_the_encoder_loads_once_in_the_graders_process(monkeypatch):
    monkeypatch.setattr(isolation, "process_encoder", lambda: "the encoder")
    assert isolation._preload() == "the encoder"


def test_grading_in_this_process_turns_an_exception_into_a_grade_by_hand(stand_ins,
                                                                        monkeypatch):
    labs, facts = isolation.grade_with_facts("ann", Path("subs/ann"), RUBRIC)
    assert [g.student for g in labs] == ["ann"] and facts == "facts ann"
    assert [g.lab for g in isolation.grade_one("two", Path("subs/two"), RUBRIC)] == \
        ["lab02", "lab03"]
    labs, facts = isolation.grade_with_facts("boom", Path("subs/boom"), RUBRIC)
    (grade,) = labs
    assert facts is None and grade.student == "boom" and grade.source == "subs/boom"
    assert grade.results[0].evidence == [f"{isolation.UNGRADED} (ValueError: a crafted table)"]
    assert grade.results[0].feedback == ("Your instructor will grade this by hand: the grader "
                                         "could not read your submission.")
    assert [r.criterion for r in grade.results] == list(RUBRIC.criteria)

    def long_error(student, path):
        raise OSError("x" * 500)

    monkeypatch.setattr(isolation, "read_submission", long_error)
    (grade,), _ = isolation.grade_with_facts("cy", Path("subs/cy"), RUBRIC)
    assert grade.results[0].evidence == [f"{isolation.UNGRADED} (OSError: {'x' * 160})"]


def test_another_courses_lab_map_reaches_the_assessment(stand_ins, monkeypatch):
    seen = []

    def assess(submission, rubric, lab_map=None):
        seen.append((submission, rubric, lab_map))
        return [StudentGrade(submission, [], [])]

    monkeypatch.setattr(isolation, "assess_labs", assess)
    lab_map = {"Week 2": "lab02"}
    isolation.grade_one("ann", Path("subs/ann"), RUBRIC, lab_map)
    grades, _ = isolation.grade_all([("bob", Path("subs/bob"))], RUBRIC, lab_map=lab_map)
    assert seen == [("ann", RUBRIC, lab_map)] and grades[0].student == "bob"


def test_the_worker_sends_its_grades_and_uses_the_graders_encoder(stand_ins, monkeypatch):
    """The worker's own function, run in this process: what it sends down its pipe."""
    import multiprocessing

    used = []
    monkeypatch.setattr(isolation, "use_encoder", used.append)
    receiver, sender = multiprocessing.Pipe()
    isolation._worker(sender, "two", Path("subs/two"), RUBRIC, True, {"Week 2": "lab02"})
    kind, (labs, facts) = receiver.recv()
    assert kind == "done" and [g.lab for g in labs] == ["lab02", "lab03"]
    assert labs[0].warnings == ["lab map {'Week 2': 'lab02'}"]  # the lab map reached it
    assert facts == "facts two" and sender.closed
    assert isinstance(used[0], isolation.RemoteEncoder) and used[0].connection is sender
    receiver, sender = multiprocessing.Pipe()
    isolation._worker(sender, "pickle", Path("subs/pickle"), RUBRIC, False)
    kind, (labs, facts) = receiver.recv()
    assert kind == "done" and facts is None and used[1] is None
    assert (labs[0].student, labs[0].source) == ("pickle", "subs/pickle")
    assert labs[0].results[0].evidence == [
        f"{isolation.UNGRADED} (its result could not be passed back (AttributeError))"]  # a local function


def test_each_worker_grades_its_own_path_with_the_rubric_the_lab_map_and_the_encoder(
        stand_ins, monkeypatch):
    """What reaches the worker: its student's path, the rubric, the lab map; its paragraphs
    are encoded by the grader's encoder (loaded once, warmed once with the rubric)."""
    import multiprocessing

    import numpy as np

    from toolkit.grading import sentence_encoder

    class Encoder:  # the grader's own; a vector per text, its length in every component
        def encode(self, texts):
            return np.array([[float(len(t))] * 3 for t in texts], "float32")

    encoder = Encoder()
    warmed = []
    monkeypatch.setattr(isolation, "_preload", lambda: encoder)
    monkeypatch.setattr(isolation, "warm_caches", lambda *args: warmed.append(args))
    monkeypatch.setattr(isolation, "read_submission", lambda student, path: (student, str(path)))

    def assess(submission, rubric, lab_map=None):
        student, path = submission
        vectors = sentence_encoder.process_encoder().encode(["four", "sixsix"])
        worker = multiprocessing.current_process()  # a daemon: it never outlives the grader
        return [StudentGrade(student, [], [f"{len(rubric.criteria)} criteria",
                                           f"vectors {vectors.tolist()}", f"map {lab_map}",
                                           f"daemon {worker.daemon}"], path)]

    monkeypatch.setattr(isolation, "assess_labs", assess)
    lab_map = {"Week 2": "lab02"}
    facts: list = []
    grades, seconds = isolation.grade_all([("ann", Path("subs/ann")), ("bob", Path("subs/b"))],
                                          RUBRIC, lab_map=lab_map, facts=facts, jobs=2)
    assert [(g.student, g.source) for g in grades] == [("ann", "subs/ann"), ("bob", "subs/b")]
    assert grades[0].warnings == [f"{len(RUBRIC.criteria)} criteria",
                                  f"vectors {[[4.0] * 3, [6.0] * 3]}", f"map {lab_map}",
                                  "daemon True"]
    assert warmed == [(RUBRIC, lab_map, encoder)]
    assert sorted(facts) == ["facts ('ann', 'subs/ann')", "facts ('bob', 'subs/b')"]
    assert all(0 < s < 60 for s in seconds)


def test_no_more_workers_than_jobs_run_at_once(stand_ins, tmp_path, monkeypatch):
    log = tmp_path / "log"

    def assess(student, rubric, lab_map=None):
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"start {student}\n")
        time.sleep(0.3)  # long enough for a second worker, were one started, to begin
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"end {student}\n")
        return [StudentGrade(student, [], [])]

    monkeypatch.setattr(isolation, "assess_labs", assess)
    entries = [(name, Path(f"subs/{name}")) for name in ("ann", "bob", "cy")]
    grades, _ = isolation.grade_all(entries, RUBRIC, jobs=1)
    assert [g.student for g in grades] == ["ann", "bob", "cy"]
    assert log.read_text(encoding="utf-8").split() == [
        word for name in ("ann", "bob", "cy") for word in ("start", name, "end", name)]
