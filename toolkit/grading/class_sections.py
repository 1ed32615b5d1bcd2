"""The summary's class sections: integrity flags and the roster, as Markdown and HTML.

Kept apart from :mod:`toolkit.grading.grade_report` (which lays out the whole page) so each
section is written once for both media. Everything shown came from students or from a roster
CSV: Markdown through :func:`toolkit.safe_text.for_markdown`, HTML through
:func:`toolkit.safe_text.for_html` (no control or bidirectional character live), TOML
through ``tomli_w``.
"""

from __future__ import annotations

from collections import Counter

from toolkit.grading.integrity import TITLES, Flag
from toolkit.grading.roster import RosterMatch
from toolkit.safe_text import for_html, for_markdown, one_line

INTRO = ("Flags for you to check, never penalties: no points were changed for them. Each "
         "names the students and what the grader saw.")
MAX_EVIDENCE_CHARS = 400


def flag_counts(flags: list[Flag]) -> str:
    """``identical submissions: 2; untouched draft: 1`` (or ``none``)."""
    counts = Counter(flag.kind for flag in flags)
    return "; ".join(f"{title}: {counts[kind]}" for kind, title in TITLES.items()
                     if counts[kind]) or "none"


def _evidence(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= MAX_EVIDENCE_CHARS else text[:MAX_EVIDENCE_CHARS - 4] + " ..."


def integrity_markdown(flags: list[Flag]) -> str:
    if not flags:
        return f"{INTRO}\n\n_none_"
    parts = [INTRO, "", f"Found: {flag_counts(flags)}."]
    for kind, title in TITLES.items():
        found = [flag for flag in flags if flag.kind == kind]
        if not found:
            continue
        parts += ["", f"### {for_markdown(title[:1].upper() + title[1:])} ({len(found)})"]
        for flag in found:
            parts.append(f"- **{for_markdown(', '.join(flag.students))}**")
            parts += [f"  - {for_markdown(_evidence(line))}" for line in flag.evidence]
    return "\n".join(parts)


def integrity_html(flags: list[Flag]) -> str:
    if not flags:
        return f"<p>{for_html(INTRO)}</p><p><em>none</em></p>"
    parts = [f"<p>{for_html(INTRO)}</p><p>Found: {for_html(flag_counts(flags))}.</p>"]
    for kind, title in TITLES.items():
        found = [flag for flag in flags if flag.kind == kind]
        if not found:
            continue
        parts.append(f"<h3>{for_html(title[:1].upper() + title[1:])} ({len(found)})</h3><ul>")
        for flag in found:
            evidence = "".join(f"<li>{for_html(_evidence(line))}</li>" for line in flag.evidence)
            parts.append(f'<li class="review"><strong>{for_html(", ".join(flag.students))}'
                         f"</strong><ul>{evidence}</ul></li>")
        parts.append("</ul>")
    return "\n".join(parts)


def review_entries(flags: list[Flag]) -> list[dict]:
    """``[[flag]]`` tables for ``review.toml``: kind, title, students, evidence."""
    return [{"kind": flag.kind, "title": flag.title, "students": list(flag.students),
             "evidence": [_evidence(line) for line in flag.evidence]} for flag in flags]


def roster_lines(match: RosterMatch | None, problems: list[str]) -> list[str]:
    if match is None:
        return []
    return [f"{len(match.matched)} submission(s) matched to the roster"] + match.lines() \
        + problems


def roster_markdown(match: RosterMatch | None, problems: list[str]) -> str:
    lines = roster_lines(match, problems)
    if not lines:
        return "_no roster given (--roster roster.csv)_"
    return "\n".join(f"- {for_markdown(line)}" for line in lines)


def roster_html(match: RosterMatch | None, problems: list[str]) -> str:
    lines = roster_lines(match, problems)
    if not lines:
        return "<p><em>no roster given (--roster roster.csv)</em></p>"
    return "<ul>" + "".join(f"<li>{for_html(line)}</li>" for line in lines) + "</ul>"
