"""Class integrity: what an instructor should look at, found across the whole class.

Run once, after every student is graded, on the :class:`SubmissionFacts` the workers handed
back (:mod:`toolkit.grading.submission_facts`). Each :class:`Flag` names the students and
carries its evidence; it is a flag for the instructor, never a penalty: no point changes.

- **identical submissions**: the same documents, line for line (whitespace ignored);
- **near-duplicate text**: the student's own words share at least :data:`NEAR_DUPLICATE` of
  their 3-word shingles (Jaccard); candidates come from MinHash LSH (``datasketch``), so a
  500-student class is not compared pair by pair; each flag quotes the shared passages;
- **identical run records**: the same per-epoch history (losses and accuracies to 10
  digits) in the records of different students: a copied run folder;
- **untouched draft**, **quick or random-weight run handed in as final**, **numbers the
  record contradicts**: found in each submission alone (see ``submission_facts``).

Example:
    >>> flags = class_flags(facts)
    >>> [(flag.title, flag.students) for flag in flags]
    [('identical submissions', ('alice', 'bob'))]
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from toolkit.grading.submission_facts import (
    MIN_OWN_WORDS,
    NUM_PERM,
    SubmissionFacts,
    shingles,
    words_of,
)

# Honest reports of one lab share under 0.06 of their 3-word shingles (the 20 reports of
# tests/data/reports); a copy with every fifth word changed still shares about a third.
NEAR_DUPLICATE = 0.25
LSH_THRESHOLD = 0.2     # candidates a little below the bar: MinHash estimates vary
MIN_PASSAGE_WORDS = 6
PASSAGE_SIMILARITY = 0.5
MAX_PASSAGES = 3
MAX_PAIRS_SHOWN = 6
MAX_SENTENCES = 400     # of each text compared for shared passages: bounded work per pair

TITLES = {
    "identical": "identical submissions",
    "near_duplicate": "near-duplicate text",
    "copied_run": "identical run records",
    "untouched_draft": "untouched draft",
    "unfinished_run": "--quick or random-weight run handed in as final",
    "contradicting_numbers": "numbers the student's own record contradicts",
}


@dataclass
class Flag:
    """One finding: its kind (a key of :data:`TITLES`), the students and the evidence."""

    kind: str
    students: tuple[str, ...]
    evidence: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES[self.kind]


def _groups(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Connected students (union-find): a copy passed round a group is one flag."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for a, b in pairs:
        parent[root(a)] = root(b)
    members = defaultdict(list)
    for name in parent:
        members[root(name)].append(name)
    return sorted(sorted(group) for group in members.values())


def _opening(text: str, words: int = 14) -> str:
    found = text.split()
    return " ".join(found[:words]) + (" ..." if len(found) > words else "")


def identical_submissions(facts: list[SubmissionFacts]) -> list[Flag]:
    by_content = defaultdict(list)
    for fact in facts:
        if fact.content and fact.words >= MIN_OWN_WORDS:
            by_content[fact.content].append(fact)
    flags = []
    for content, same in sorted(by_content.items(), key=lambda item: item[1][0].student):
        if len(same) > 1:
            flags.append(Flag("identical", tuple(sorted(f.student for f in same)), [
                f"every document is the same, line for line (SHA-256 {content[:12]}), "
                f"{same[0].words} words of their own, beginning \"{_opening(same[0].text)}\""]))
    return flags


# --- near-duplicate text -------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _sentences(text: str) -> list[tuple[str, frozenset[str]]]:
    found = []
    for sentence in _SENTENCE.split(text):
        words = words_of(sentence)
        if len(words) >= MIN_PASSAGE_WORDS:
            found.append((" ".join(sentence.split()), frozenset(words)))
            if len(found) >= MAX_SENTENCES:
                break
    return found


def _short(text: str, width: int = 150) -> str:
    return text if len(text) <= width else text[:width - 4].rstrip() + " ..."


def shared_passages(a: str, b: str, limit: int = MAX_PASSAGES) -> list[str]:
    """The sentences of ``a`` most alike a sentence of ``b`` (word overlap), quoted."""
    others = _sentences(b)
    found = []
    for sentence, words in _sentences(a):
        best, similarity = None, 0.0
        for other, other_words in others:
            overlap = len(words & other_words) / len(words | other_words)
            if overlap > similarity:
                best, similarity = other, overlap
        if best is not None and similarity >= PASSAGE_SIMILARITY:
            found.append((similarity * len(words), similarity, sentence, best))
    found.sort(key=lambda item: -item[0])
    lines = []
    for _, similarity, sentence, other in found[:limit]:
        if sentence == other:
            lines.append(f'both: "{_short(sentence)}"')
        else:
            lines.append(f'"{_short(sentence)}" ~ "{_short(other)}" '
                         f"({100 * similarity:.0f}% of the words shared)")
    return lines


def _minhash(fact: SubmissionFacts):
    import numpy as np
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=np.array(fact.minhash, dtype=np.uint64),
                   scheme=fact.minhash_scheme)


def _text_key(text: str) -> str:
    return hashlib.sha256(" ".join(words_of(text)).encode()).hexdigest()


def similar_pairs(facts: list[SubmissionFacts], threshold: float = NEAR_DUPLICATE
                  ) -> list[tuple[float, float, str, str]]:
    """``(jaccard, containment, a, b)`` for pairs of students whose own words share at least
    ``threshold`` of their shingles; identical submissions are left to their flag.

    Students with the very same words of their own are one group (100% alike) and only its
    first member is compared further, so a text handed round half the class costs one
    comparison per other text, not one per pair of students.
    """
    from datasketch import MinHashLSH

    by_text: dict[str, list[SubmissionFacts]] = defaultdict(list)
    for fact in facts:
        if fact.minhash is not None:
            by_text[_text_key(fact.text)].append(fact)
    found = []
    representatives = {}
    for same in by_text.values():
        contents: dict[str | None, SubmissionFacts] = {}
        for fact in same:  # one per distinct submission: the identical ones have their flag
            contents.setdefault(fact.content, fact)
        contents = list(contents.values())
        found += [(1.0, 1.0, contents[0].student, other.student) for other in contents[1:]]
        representatives[same[0].student] = same[0]
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    signatures = {student: _minhash(fact) for student, fact in representatives.items()}
    for student, minhash in signatures.items():
        lsh.insert(student, minhash)
    candidates = {tuple(sorted((student, other))) for student in representatives
                  for other in lsh.query(signatures[student]) if other != student}
    shingle_sets = {student: shingles(words_of(representatives[student].text))
                    for student in {name for pair in candidates for name in pair}}
    for a, b in sorted(candidates):
        first, second = shingle_sets[a], shingle_sets[b]
        shared = len(first & second)
        jaccard = shared / max(1, len(first) + len(second) - shared)
        if jaccard >= threshold:
            found.append((jaccard, shared / max(1, min(len(first), len(second))), a, b))
    return found


def near_duplicates(facts: list[SubmissionFacts], threshold: float = NEAR_DUPLICATE
                    ) -> list[Flag]:
    pairs = similar_pairs(facts, threshold)
    by_student = {f.student: f for f in facts}
    flags = []
    by_group: dict[str, list] = defaultdict(list)
    groups = _groups([(a, b) for _, _, a, b in pairs])
    first_of = {student: group[0] for group in groups for student in group}
    for pair in pairs:
        by_group[first_of[pair[2]]].append(pair)
    for group in groups:
        inside = sorted(by_group[group[0]], key=lambda p: -p[0])
        evidence = [f"{a} ~ {b}: {100 * jaccard:.0f}% of their 3-word phrases shared "
                    f"({100 * containment:.0f}% of the shorter text's)"
                    for jaccard, containment, a, b in inside[:MAX_PAIRS_SHOWN]]
        if len(inside) > MAX_PAIRS_SHOWN:
            evidence.append(f"... and {len(inside) - MAX_PAIRS_SHOWN} more pairs in this group")
        _, _, a, b = inside[0]
        evidence += [f"shared passage ({a} / {b}): {passage}" for passage
                     in shared_passages(by_student[a].text, by_student[b].text)]
        flags.append(Flag("near_duplicate", tuple(group), evidence))
    return flags


# --- run records ---------------------------------------------------------------------------

def copied_runs(facts: list[SubmissionFacts]) -> list[Flag]:
    by_history = defaultdict(list)
    for fact in facts:
        for run in fact.runs:
            if run.history is not None:
                by_history[run.history].append((fact.student, run))
    flags = []
    for _, runs in sorted(by_history.items(), key=lambda item: item[1][0][0]):
        students = sorted({student for student, _ in runs})
        if len(students) < 2:
            continue
        epochs = runs[0][1].epochs
        evidence = [f"the same {epochs}-epoch history (every loss and accuracy to 10 digits) "
                    f"in {len(runs)} records (a rerun repeats it only with the same seed, data "
                    f"and kind of machine)"]
        evidence += [f"{student}: {run.file}" + (f" ({run.summary})" if run.summary else "")
                     for student, run in runs[:MAX_PAIRS_SHOWN]]
        flags.append(Flag("copied_run", tuple(students), evidence))
    return flags


def own_findings(facts: list[SubmissionFacts]) -> list[Flag]:
    """The findings about each submission alone, as flags."""
    flags = []
    for kind, attribute in (("untouched_draft", "untouched"),
                            ("unfinished_run", "unfinished_runs"),
                            ("contradicting_numbers", "contradictions")):
        for fact in facts:
            evidence = getattr(fact, attribute)
            if evidence:
                flags.append(Flag(kind, (fact.student,), list(evidence)))
    return flags


def class_flags(facts: list[SubmissionFacts], *, threshold: float = NEAR_DUPLICATE
                ) -> list[Flag]:
    """Every flag of the class, grouped by kind in the order of :data:`TITLES`."""
    facts = [fact for fact in facts if fact is not None]
    return (identical_submissions(facts) + near_duplicates(facts, threshold)
            + copied_runs(facts) + own_findings(facts))
