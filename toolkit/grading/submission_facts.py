"""What the class integrity checks need from one submission, taken while it is graded.

Each student is read in a worker of their own (:mod:`toolkit.grading.isolation`); the worker
hands back, beside the grade, a small :class:`SubmissionFacts`: a hash of the documents, the
student's own words and their MinHash signature (``datasketch``), a fingerprint of each run
record's per-epoch history, and the findings about this submission alone (an untouched
reflection draft, a ``--quick`` or random-weight run handed in as the final one, accuracies
in the text that the student's own records contradict). :mod:`toolkit.grading.integrity`
compares the students once all are graded.

The student's own words are the ``prose`` lines of their documents: the draft's TODO prompts,
the facts it filled in from the record and the course's sentences (rubric, templates) are
other kinds of line (see :mod:`toolkit.grading.report_text` and
:mod:`toolkit.grading.course_text`), and shown misclassified samples are left out too (two
honest students may quote the same test sentences).

Example:
    >>> facts = submission_facts(read_submission("alice", "subs/alice"))
    >>> facts.words, facts.untouched
    (412, [])
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from toolkit.grading.claimed_numbers import accuracy_claims, contradiction, measured_accuracies
from toolkit.grading.report_text import WORD, Document, Line, shorten
from toolkit.grading.submissions import DRAFT_MARK, Submission

MIN_OWN_WORDS = 30       # fewer words of the student's own: nothing of theirs to compare
# ... or fewer than this share of a long text (a course notebook with a few stray words: 62 of
# 1,009), as long as they are fewer than MIN_OWN_SHARE_WORDS
UNTOUCHED_SHARE = 0.10
MIN_OWN_SHARE_WORDS = 150
SHINGLE_WORDS = 3        # word n-grams compared between students
NUM_PERM = 128           # MinHash permutations: a Jaccard estimate within about +-0.09
MAX_TEXT_CHARS = 60_000  # the student's text kept for quoting shared passages
# Per-epoch values that depend on the machine, not on the training: left out of the
# history fingerprint, so a copied history is found whoever's clock it ran on.
MACHINE_KEYS = {"epoch", "time_s", "samples_per_s", "seconds", "learning_rate", "lr"}
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass
class RunFacts:
    """One run record: where it is, its lab and a fingerprint of its history."""

    file: str
    lab: str
    history: str | None     # SHA-256 of the per-epoch values; None without a history
    epochs: int
    summary: str            # what the evidence line says about it (seed, start, last epoch)


@dataclass
class SubmissionFacts:
    student: str
    words: int = 0                                   # the student's own words
    content: str | None = None                       # SHA-256 of all documents' text
    text: str = ""                                   # the student's own words, one per line
    minhash: list[int] | None = None                 # its MinHash signature
    minhash_scheme: str = "affine32"                 # how datasketch made it
    runs: list[RunFacts] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)     # evidence lines
    unfinished_runs: list[str] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)


def words_of(text: str) -> list[str]:
    """Lower-case words and numbers: what shingles are made of."""
    return _TOKEN.findall(text.lower())


def shingles(words: list[str], size: int = SHINGLE_WORDS) -> set[str]:
    return {" ".join(words[i:i + size]) for i in range(max(1, len(words) - size + 1))}


def signature(text: str):
    """The MinHash of a text's word shingles (``datasketch.MinHash``)."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM)
    minhash.update_batch([s.encode("utf-8") for s in shingles(words_of(text))])
    return minhash


def _sample_line_ids(lines: list[Line]) -> set[int]:
    """Lines that show a misclassified sample with its label: data, not the student's prose."""
    try:
        from toolkit.grading.sample_lists import sample_lines
    except ImportError:  # the sample reader moved: compare every line
        return set()
    return sample_lines(lines)


def own_lines(document: Document) -> list[Line]:
    """The lines of ``document`` the student wrote (prose, no shown samples)."""
    prose = [line for line in document.lines if line.kind == "prose"]
    shown = _sample_line_ids(document.lines)
    return [line for line in prose if id(line) not in shown]


def _content_hash(documents: list[Document]) -> str | None:
    """SHA-256 over every document's non-blank lines, whitespace folded: the same for two
    byte-different copies of one text (a file renamed, other line ends, another order)."""
    if not documents:
        return None
    hashes = []
    for document in documents:
        digest = hashlib.sha256()
        for line in document.lines:
            text = " ".join(line.text.split())
            if text:
                digest.update(text.encode("utf-8", "replace") + b"\n")
        hashes.append(digest.hexdigest())
    return hashlib.sha256(" ".join(sorted(hashes)).encode()).hexdigest()


def _history_hash(history) -> tuple[str | None, int]:
    """``(fingerprint, epochs)`` of a record's per-epoch history (training values only)."""
    if not isinstance(history, list):
        return None, 0
    epochs = []
    for epoch in history:
        if not isinstance(epoch, dict):
            continue
        values = {key: round(value, 10) for key, value in epoch.items()
                  if key not in MACHINE_KEYS and isinstance(value, float)}
        if values:
            epochs.append(sorted(values.items()))
    if not epochs:
        return None, 0
    text = json.dumps(epochs, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest(), len(epochs)


def _run_summary(record: dict, epochs: int) -> str:
    parts = []
    if "seed" in record:
        parts.append(f"seed {record['seed']}")
    if isinstance(record.get("started_at"), str):
        parts.append(f"started {record['started_at'][:19]}")
    history = record.get("history")
    last = history[-1] if isinstance(history, list) and history else None
    if isinstance(last, dict):
        shown = [f"{key} {value:.4f}" for key, value in last.items()
                 if key.startswith("val_") and isinstance(value, float)][:2]
        if shown:
            parts.append(f"epoch {epochs}: " + ", ".join(shown))
    return "; ".join(parts)


def _run_facts(submission: Submission) -> list[RunFacts]:
    found = []
    for run in submission.runs:
        fingerprint, epochs = _history_hash(run.record.get("history"))
        found.append(RunFacts(run.file("record.json"), str(run.record.get("lab") or ""),
                              fingerprint, epochs, _run_summary(run.record, epochs)))
    return found


# --- findings about one submission ---------------------------------------------------------

def _prompts(document: Document) -> list[Line]:
    """The draft's unanswered prompts (``**TODO** ...``), not a line that mentions them."""
    return [line for line in document.lines if line.kind == "prompt"
            and line.text.lstrip(" -*>").startswith(("TODO", "**TODO**"))]


# Kinds of line that are the student's or neutral; any other kind is text the course wrote
# (TODO prompts, the draft's filled-in facts, the course's sentences however they are marked).
STUDENT_OR_NEUTRAL_KINDS = {"prose", "blank", "heading", "code", "output", "table", "image",
                            "quote"}
MIN_COURSE_LINES = 10  # a document this much the course's, with nothing added, is a draft


def untouched_drafts(submission: Submission, own_words: int) -> list[str]:
    """Evidence when the submission is the course's draft (or notebook) with (almost)
    nothing added: its TODO prompts unanswered or its text the course's, and fewer than
    :data:`MIN_OWN_WORDS` words of the student's own in the whole submission."""
    if own_words >= MIN_OWN_WORDS:
        written = sum(len(WORD.findall(line.text)) for document in submission.documents
                      for line in document.lines
                      if line.kind in ("prose", "table", "prompt"))  # facts apart
        if own_words >= MIN_OWN_SHARE_WORDS or own_words >= UNTOUCHED_SHARE * written:
            return []  # the student wrote something of their own
    found = []
    for document in submission.documents:
        prompts = _prompts(document)
        course = sum(line.kind not in STUDENT_OR_NEUTRAL_KINDS for line in document.lines)
        marked = any(DRAFT_MARK in line.text for line in document.lines[:10])
        if not (prompts and course >= 3) and not (marked and course >= 3) \
                and course < MIN_COURSE_LINES:
            continue
        where = ", ".join(line.where.rsplit(":", 1)[-1] for line in prompts[:4])
        found.append(f"{document.path}: {len(prompts)} TODO prompt(s) unanswered"
                     + (f" (lines {where}{', ...' if len(prompts) > 4 else ''})" if where
                        else "")
                     + f", {course} line(s) of the course's text; {own_words} word(s) of the "
                       f"student's own in the whole submission")
    return found


def _random_weights(record: dict) -> bool:
    hyperparameters = record.get("hyperparameters")
    weights = hyperparameters.get("weights") if isinstance(hyperparameters, dict) else None
    warnings = record.get("warnings")
    return (isinstance(weights, str) and weights.strip().lower() == "none") or any(
        isinstance(w, str) and "random weights" in w.lower()
        for w in (warnings if isinstance(warnings, list) else []))


def own_words(submission: Submission) -> int:
    """How many words of the student's own the submission holds (see :func:`own_lines`)."""
    return sum(len(WORD.findall(line.text)) for document in submission.documents
               for line in own_lines(document))


def unfinished(record: dict) -> list[str]:
    """Why a run record is no result (a ``--quick`` run, random weights), or ``[]``."""
    why = []
    if record.get("quick") is True:
        why.append("a --quick run (quick = true)")
    if _random_weights(record):
        why.append("random weights (--weights none)")
    return why


def unfinished_runs(submission: Submission) -> list[str]:
    """Evidence for each lab whose every run handed in is a ``--quick`` run or used random
    weights (lab 1 ``--weights none``): figures that are no result, handed in as final."""
    by_lab: dict[str, list[tuple[str, list[str]]]] = {}
    for run in submission.runs:
        record = run.record
        why = unfinished(record)
        by_lab.setdefault(str(record.get("lab") or "?"), []).append((run.file("record.json"),
                                                                      why))
    found = []
    for lab, runs in sorted(by_lab.items()):
        if all(why for _, why in runs):
            found += [f"{path}: {' and '.join(why)}; no full run of {lab} handed in"
                      for path, why in runs]
    return found


def contradicting_numbers(submission: Submission) -> list[str]:
    """Evidence for each accuracy in the student's text that none of their own records
    measured (see :mod:`toolkit.grading.claimed_numbers`)."""
    if not submission.runs:
        return []
    measured: dict[str, list[float]] = {"test": [], "validation": [], "training": []}
    for run in submission.runs:
        for split, values in measured_accuracies(run.record).items():
            measured[split] += values
    files = ", ".join(run.file("record.json") for run in submission.runs[:2])
    found, seen = [], set()
    for document in submission.documents:
        for line in document.lines:
            if line.kind not in ("prose", "table"):
                continue
            for claim in accuracy_claims(line.text):
                wrong = contradiction(claim, measured)
                if wrong is None or (claim.split, round(claim.value, 4)) in seen:
                    continue
                seen.add((claim.split, round(claim.value, 4)))
                split, nearest = wrong
                said = f"{claim.split} accuracy" if claim.split else "accuracy"
                found.append(f'{line.where}: "{shorten(claim.text, 90)}" states {said} '
                             f"{100 * claim.value:.2f}%, but {files} measured "
                             f"{100 * nearest:.2f}% ({split}, the nearest)")
    return found[:5]


def submission_facts(submission: Submission) -> SubmissionFacts:
    """Everything :mod:`toolkit.grading.integrity` needs from one submission."""
    own = [line for document in submission.documents for line in own_lines(document)]
    text = "\n".join(line.text.strip() for line in own)
    words = len(WORD.findall(text))
    facts = SubmissionFacts(submission.student, words=words,
                            content=_content_hash(submission.documents),
                            text=text[:MAX_TEXT_CHARS], runs=_run_facts(submission))
    if words >= MIN_OWN_WORDS:
        minhash = signature(text)
        facts.minhash = [int(value) for value in minhash.hashvalues]
        facts.minhash_scheme = minhash.scheme
    facts.untouched = untouched_drafts(submission, words)
    facts.unfinished_runs = unfinished_runs(submission)
    facts.contradictions = contradicting_numbers(submission)
    return facts
