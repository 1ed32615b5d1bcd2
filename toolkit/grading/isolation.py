"""Grade each student on their own: one submission never stops, stalls or crashes the class.

Every submission is read and assessed in a worker process of its own, with a time budget
(:data:`DEFAULT_TIMEOUT` seconds, ``--timeout``). Whatever happens inside -- an exception, a
parser stuck on a crafted file, a worker killed for memory -- that student gets a grade whose
criteria all say "needs review: could not be graded (why)", and the other students are
graded as usual. Up to :func:`default_jobs` workers run at once.

On Linux a worker is a ``fork`` of the grader (a few milliseconds, nothing to import again);
where ``fork`` does not exist (Windows, macOS' default) workers are spawned.

The sentence encoder (:mod:`toolkit.grading.sentence_encoder`) loads once, in the grader's
own process, before any worker starts; a worker never loads it: it sends its paragraphs
through its pipe and the grader answers with their vectors. So the encoder loads once per
class, never once per student, and a worker stays a light process that can be killed.

Example:
    >>> grades, seconds = grade_all([("alice", Path("subs/alice"))], load_rubric())
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path

from toolkit.grading.assessment import REVIEW, CriterionResult, StudentGrade, assess_labs
from toolkit.grading.lab_split import LabMap
from toolkit.grading.rubric import Rubric
from toolkit.grading.sentence_encoder import (
    RemoteEncoder,
    process_encoder,
    serve_request,
    use_encoder,
)
from toolkit.grading.submission_facts import SubmissionFacts, submission_facts
from toolkit.grading.submissions import read_submission
from toolkit.grading.warm_caches import warm_caches

DEFAULT_TIMEOUT = 60.0  # seconds per student; a normal report takes well under one
UNGRADED = "could not be graded"


def default_jobs() -> int:
    """Workers at once: the CPU cores, at most 4 (grading is light; keep the machine free)."""
    return max(1, min(4, os.cpu_count() or 1))


def ungraded(student: str, source: Path | str, rubric: Rubric, why: str) -> StudentGrade:
    """A grade that says "needs review: could not be graded (why)" on every criterion."""
    note = f"{UNGRADED} ({why})"
    results = [CriterionResult(criterion, REVIEW, 0.0, [note],
                               "Your instructor will grade this by hand: the grader could not "
                               "read your submission.") for criterion in rubric.criteria]
    return StudentGrade(student, results, [f"{note}: grade it by hand"], str(source))


def grade_one(student: str, path: Path | str, rubric: Rubric,
              lab_map: LabMap | None = None) -> list[StudentGrade]:
    """Read and assess one submission, one grade per lab it covers; an exception becomes an
    :func:`ungraded` grade."""
    return grade_with_facts(student, path, rubric, lab_map)[0]


def grade_with_facts(student: str, path: Path | str, rubric: Rubric,
                     lab_map: LabMap | None = None
                     ) -> tuple[list[StudentGrade], SubmissionFacts | None]:
    """:func:`grade_one` and the submission's facts for the class checks (None when the
    submission could not be graded or its facts not taken)."""
    try:
        submission = read_submission(student, path)
        labs = assess_labs(submission, rubric, lab_map=lab_map)
    except Exception as error:
        return [ungraded(student, path, rubric,
                         f"{type(error).__name__}: {str(error)[:160]}")], None
    try:  # after grading: the course's text is marked by then, so only the student's counts
        facts = submission_facts(submission)
    except Exception:  # the flags are extra: they never cost a student their grade
        facts = None
    return labs, facts


def _worker(connection, student: str, path: Path, rubric: Rubric, remote: bool,
            lab_map: LabMap | None = None) -> None:
    # The grader's process holds the encoder: ask it, never load one here.
    use_encoder(RemoteEncoder(connection) if remote else None)
    labs, facts = grade_with_facts(student, path, rubric, lab_map)
    try:
        connection.send(("done", (labs, facts)))
    except Exception as error:  # e.g. a result that cannot be pickled
        connection.send(("done", ([ungraded(student, path, rubric, f"its result could not be "
                                                                   f"passed back "
                                                                   f"({type(error).__name__})")],
                                  None)))
    finally:
        connection.close()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _preload():
    """Import what the readers import lazily, once, before the workers are forked; load the
    sentence encoder (``None`` when it is not installed). Returns the encoder."""
    import datasketch  # noqa: F401
    import nbformat  # noqa: F401
    import pypdf  # noqa: F401

    import toolkit.error_analysis  # noqa: F401
    import toolkit.reflection  # noqa: F401

    return process_encoder()


def grade_all(entries: list[tuple[str, Path]], rubric: Rubric, *,
              timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None,
              lab_map: LabMap | None = None,
              facts: list | None = None) -> tuple[list[StudentGrade], list[float]]:
    """Grade ``(student id, path)`` entries, each in a worker with ``timeout`` seconds.

    Returns the grades in the order of ``entries`` (one per lab a submission covers) and the
    seconds each entry took. ``lab_map``: another course's lab markers (``--lab-map``).
    ``facts``, when given, receives each graded submission's :class:`SubmissionFacts`.
    """
    encoder = _preload() if entries else None
    if entries:  # what every grade computes, once here: the workers inherit it with the fork
        warm_caches(rubric, lab_map, encoder)
    context = _context()
    jobs = jobs or default_jobs()
    grades: list[list[StudentGrade]] = [[] for _ in entries]
    found: list[SubmissionFacts | None] = [None] * len(entries)
    seconds = [0.0] * len(entries)
    pending = deque(enumerate(entries))
    running: dict = {}  # receiving end -> (index, process, started)

    def finish(index: int, labs: list[StudentGrade], started: float) -> None:
        grades[index], seconds[index] = labs, time.monotonic() - started

    while pending or running:
        while pending and len(running) < jobs:
            index, (student, path) = pending.popleft()
            receiver, sender = context.Pipe()
            process = context.Process(target=_worker, daemon=True,
                                      args=(sender, student, path, rubric,
                                            encoder is not None, lab_map))
            process.start()
            sender.close()  # the worker's end: once it has ended, reading gives EOF
            running[receiver] = (index, process, time.monotonic())
        oldest = min(started for _, _, started in running.values())
        ready = wait(list(running), timeout=max(0.0, oldest + timeout - time.monotonic()))
        for receiver in ready:
            index, process, started = running[receiver]
            student, path = entries[index]
            try:
                kind, payload = receiver.recv()
                if kind != "done":  # the worker asks for vectors: answer, keep waiting
                    receiver.send(serve_request(encoder, (kind, payload)))
                    continue
                labs, found[index] = payload
            except (EOFError, OSError, ValueError, TypeError):
                process.join(5)
                labs = [ungraded(student, path, rubric, f"the worker reading it ended "
                                                        f"unexpectedly, exit code "
                                                        f"{process.exitcode}")]
            del running[receiver]
            receiver.close()
            process.join(5)
            finish(index, labs, started)
        for receiver, (index, process, started) in list(running.items()):
            if time.monotonic() - started > timeout:
                process.kill()
                process.join(5)
                receiver.close()
                del running[receiver]
                student, path = entries[index]
                finish(index, [ungraded(student, path, rubric,
                                        f"stopped after the {timeout:g} s time limit; "
                                        f"--timeout sets it")], started)
    if facts is not None:
        facts.extend(fact for fact in found if fact is not None)
    return [grade for labs in grades for grade in labs], seconds
