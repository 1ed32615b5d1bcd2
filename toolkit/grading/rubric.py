"""A grading rubric read from TOML: criteria, points, extra credit and the evidence each needs.

The file format is documented at the top of ``course/rubrics/lab_report.toml``; an instructor
writes a new rubric by copying that file. This module only reads and checks the file: every
mistake in it (an unknown key, points that are not a number, a malformed record condition)
becomes one :class:`~toolkit.errors.CourseError` naming the criterion and the fix.

Record conditions are a tiny comparison language, parsed here and never evaluated as code:
``"metrics.accuracy"`` (present and not empty), ``"status == complete"``,
``"misclassified[].true >= 10"`` (how many list items hold a ``true`` value),
``"reference.difference abs<= 0.005"``.

Example:
    >>> rubric = load_rubric("course/rubrics/lab_report.toml")
    >>> rubric.max_points, rubric.extra_points
    (15.0, 2.0)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.resources import TOMLDecodeError, course_path, load_toml
from toolkit.safe_text import for_terminal, short_repr

DEFAULT_RUBRIC = course_path("rubrics", "lab_report.toml")
MAX_POINTS = 1000  # per criterion: a histogram, a table, a sum stay sane
OPERATORS = ("abs<=", "==", "!=", ">=", "<=", ">", "<")
_CONDITION = re.compile(r"^\s*(?P<path>[A-Za-z_][\w\-]*(?:\[\])?(?:\.[A-Za-z_][\w\-]*(?:\[\])?)*)"
                        r"\s*(?:(?P<op>abs<=|==|!=|>=|<=|>|<)\s*(?P<value>.+?))?\s*$")
_MISSING = object()


def is_empty(value) -> bool:
    """``None``, ``""``, ``[]`` and ``{}`` count as not there."""
    return value is None or value is _MISSING or (
        isinstance(value, (str, list, dict)) and len(value) == 0)


@dataclass(frozen=True)
class Condition:
    """One record condition, e.g. ``misclassified[].true >= 10``."""

    text: str
    path: str
    op: str | None = None
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> Condition:
        match = _CONDITION.match(str(text))
        if not match:
            raise ValueError(f"cannot read the record condition {text!r}; write e.g. "
                             f"'metrics.accuracy', 'status == complete' or "
                             f"'misclassified >= 10' (operators: {' '.join(OPERATORS)})")
        value = match["value"]
        if value is not None:
            value = value.strip().strip("\"'")
            if match["op"] not in ("==", "!=") and _number(value) is None:
                raise ValueError(f"{text!r}: {match['op']} needs a number, got {value!r}")
        return cls(str(text), match["path"], match["op"], value)

    def resolve(self, record: dict):
        """The value at :attr:`path`; a ``name[]`` segment collects from every list item."""
        values, collected = [record], False
        for segment in self.path.split("."):
            each = segment.endswith("[]")
            name = segment[:-2] if each else segment
            values = [v[name] for v in values if isinstance(v, dict) and name in v]
            if each:
                values = [item for v in values if isinstance(v, list) for item in v]
                collected = True
        if collected:
            return [v for v in values if not is_empty(v)]
        return values[0] if values else _MISSING

    def check(self, record: dict) -> tuple[bool, str]:
        """``(holds, what was found)``; the second part is the evidence shown to people."""
        actual = self.resolve(record)
        shown = _describe(actual)
        if self.op is None:
            return not is_empty(actual), f"{self.path} = {shown}"
        if actual is _MISSING:
            return False, f"{self.path} is missing"
        if self.op in ("==", "!="):
            expected_number, actual_number = _number(self.value), _number(actual)
            if expected_number is not None and actual_number is not None:
                equal = expected_number == actual_number
            else:
                equal = str(actual) == self.value
            return equal == (self.op == "=="), f"{self.path} = {shown}"
        size = len(actual) if isinstance(actual, (list, dict)) else _number(actual)
        if size is None:
            return False, f"{self.path} = {shown} (not a number)"
        limit = float(self.value)
        holds = {"abs<=": abs(size) <= limit, ">=": size >= limit, "<=": size <= limit,
                 ">": size > limit, "<": size < limit}[self.op]
        return holds, f"{self.path} = {shown}"


def _number(value) -> float | None:
    """``value`` as a finite float, or ``None`` (text, a bool, NaN, a 400-digit integer)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _describe(value) -> str:
    if value is _MISSING:
        return "missing"
    if isinstance(value, list):
        return f"{len(value)} items"
    if isinstance(value, dict):
        return f"{len(value)} entries"
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class TextCheck:
    """What to look for in what the student wrote (see the rubric file's header)."""

    headings: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    min_keywords: int = 0
    min_words: int = 0
    numbers: int = 0
    table_rows: int = 0
    table_columns: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    # Each of these must match the answer: the parts a criterion asks for together (a growth
    # answer says what the student can do now and what they will explore next), and their
    # names for the feedback ("" where the rubric gives none)
    says: tuple[str, ...] = ()
    says_names: tuple[str, ...] = ()
    # Each of these must match somewhere in the student's text, wherever the answer sits: the
    # parts a description names together (the hardware may be in the timing section)
    document_says: tuple[str, ...] = ()
    document_says_names: tuple[str, ...] = ()
    # Outside the expected headings a paragraph must match one of these too (what the answer
    # does: an improvement idea proposes, a hypothesis is about the errors)
    elsewhere: tuple[str, ...] = ()
    # A paragraph anywhere in the student's text matching one of these meets the check, whatever
    # else it answers (a citation inside the comparison: "The paper (Socher 2013) got 81.8%")
    anywhere: tuple[str, ...] = ()
    # Sentences matching one of these are filler ("it can be used in many areas"): they
    # supply none of the keywords
    filler: tuple[str, ...] = ()
    # True: a score the syllabus lists as the lab's published one (its `reference`), named
    # next to a comparison ("99.2% ... 0.6 points lower"), counts as one keyword
    published_scores: bool = False
    # those scores, in percent, filled in for the lab being graded (not from the rubric file)
    published: tuple[float, ...] = ()
    # (keyword, its synonyms) from the rubric's [synonyms] table: a synonym counts as the word
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def synonym_map(self) -> dict[str, tuple[str, ...]]:
        return {word.lower(): others for word, others in self.synonyms}


@dataclass(frozen=True)
class Requirement:
    """One piece of evidence a criterion needs; any named source can provide it."""

    what: str
    points: float
    feedback: str = ""
    waive_if: tuple[Condition, ...] = ()
    record: tuple[Condition, ...] = ()
    notebook: bool = False
    figures: tuple[str, ...] = ()
    # A table or training log of training and validation values per epoch stands for the
    # figures (the rubric's "learning curves or equivalent")
    epoch_table: bool = False
    annotations: int = 0
    text: TextCheck | None = None
    # A --quick or random-weight run's record and figures do not meet it (not the intended run)
    full_run: bool = False


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    points: float
    requirements: tuple[Requirement, ...]
    extra_credit: bool = False
    feedback_met: str = ""
    waive_if: tuple[Condition, ...] = ()
    # Example answers in a student's words: the grader matches paragraphs to the criterion by
    # their meaning (see toolkit.grading.meaning); they are course text, never evidence.
    examples: tuple[str, ...] = ()
    # Regular expressions for what a sentence answering it says ("looking back", "next time
    # I would"): a criterion nothing answered is looked for in the sentences of paragraphs
    # that give two answers in turn: a sentence that matches one and is not far from the
    # criterion in meaning answers it.
    cues: tuple[str, ...] = ()
    # The run alone can meet it (code ran, metrics, times, hyperparameters). In a submission
    # with no words of the student's own (an untouched draft), the other criteria earn nothing
    # from the run's record and figures: those show the run happened, never a write-up.
    run_evidence: bool = False


@dataclass
class Rubric:
    name: str
    criteria: list[Criterion]
    pass_mark: float | None = None
    path: Path | None = None
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_id: dict[str, Criterion] = field(init=False, repr=False)

    def __post_init__(self):
        self.by_id = {criterion.id: criterion for criterion in self.criteria}

    @property
    def max_points(self) -> float:
        """The maximum without extra credit (15 for the course rubric)."""
        return float(sum(c.points for c in self.criteria if not c.extra_credit))

    @property
    def extra_points(self) -> float:
        return float(sum(c.points for c in self.criteria if c.extra_credit))


_RUBRIC_KEYS = {"name", "pass_mark"}
_CRITERION_KEYS = {"id", "title", "points", "extra_credit", "feedback_met", "waive_if", "require",
                   "examples", "run_evidence", "cues"}
MAX_EXAMPLES, MAX_EXAMPLE_CHARS = 20, 1000
_REQUIREMENT_KEYS = {"what", "points", "feedback", "waive_if", "record", "notebook", "figures",
                     "epoch_table", "annotations", "text", "full_run"}
_TEXT_KEYS = {"headings", "keywords", "min_keywords", "min_words", "numbers", "table_rows",
              "table_columns", "patterns", "published_scores", "elsewhere", "says", "anywhere",
              "filler", "document_says"}


def _check_keys(table, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ValueError(f"{where} = {short_repr(table)}: expected a table ({{ key = value }})")
    unknown = sorted(set(table) - allowed)
    if unknown:
        shown = ", ".join(for_terminal(key, keep_newlines=False) for key in unknown)
        raise ValueError(f"{where}: unknown key(s) {shown}; allowed: "
                         f"{', '.join(sorted(allowed))}")


def _words(value, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: {key} = {short_repr(value)}: expected a list of words, "
                         f"e.g. {key} = [\"loss\"]")
    return tuple(v.strip() for v in value)


def _examples(value, where: str) -> tuple[str, ...]:
    """``examples = ["an answer in a student's words", ...]``: at most 20, each a sentence or
    a paragraph."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value) \
            or len(value) > MAX_EXAMPLES \
            or any(len(v) > MAX_EXAMPLE_CHARS for v in value):
        raise ValueError(f"{where}: examples = {short_repr(value)}: expected a list of at most "
                         f"{MAX_EXAMPLES} answers in quotes (each up to {MAX_EXAMPLE_CHARS} "
                         f"characters), e.g. examples = [\"The model confuses 4 and 9 because "
                         f"they look alike.\"]")
    return tuple(" ".join(v.split()) for v in value)


def _patterns(value, where: str, key: str) -> tuple[str, ...]:
    """A list of regular expressions, each checked."""
    patterns = _words(value, where, key)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"{where}: pattern {pattern!r} is not a regular expression "
                             f"({error})") from None
    return patterns


def _named_patterns(value, where: str, key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``says``: a list of regular expressions, or a table naming each ("what the student can
    do now" = '...'), the names said in the feedback -> ``(names, patterns)``."""
    if isinstance(value, dict):
        names = _words(list(value), where, key)
        return names, _patterns(list(value.values()), where, key)
    patterns = _patterns(value, where, key)
    return ("",) * len(patterns), patterns


def _count(value, where: str, key: str) -> int:
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < 2**31:
        raise ValueError(f"{where}: {key} = {short_repr(value)}: expected a whole number >= 0")
    return value


def _conditions(value, where: str) -> tuple[Condition, ...]:
    return tuple(Condition.parse(text) for text in _words(value, where, "record conditions"))


def _points(value, where: str, key: str = "points", *, positive: bool = False,
            maximum: float | None = MAX_POINTS) -> float:
    """A finite number of points (>= 0, or > 0 when ``positive``), at most ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or _number(value) is None or value < 0 or (positive and value == 0):
        raise ValueError(f"{where}: {key} = {short_repr(value)}: expected a number "
                         f"{'> 0' if positive else '>= 0'}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{where}: {key} = {short_repr(value)}: expected at most "
                         f"{maximum:g} points (a criterion is worth 0 to {maximum:g})")
    return float(value)


def _string(table: dict, key: str, where: str, default: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key} = {short_repr(value)}: expected text in quotes")
    return value.strip()


def _flag(table: dict, key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} = {short_repr(value)}: expected true or false")
    return value


def _text_check(table: dict, where: str) -> TextCheck:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: text = {short_repr(table)}: expected a table, e.g. "
                         f"text = {{ keywords = [\"loss\"] }}")
    _check_keys(table, _TEXT_KEYS, f"{where} text")
    lists = {key: (_patterns if key in ("patterns", "elsewhere", "anywhere", "filler")
                   else _words)(table[key], where, key)
             for key in ("headings", "keywords", "table_columns", "patterns", "elsewhere",
                         "anywhere", "filler") if key in table}
    for key in ("says", "document_says"):
        if key in table:
            lists[f"{key}_names"], lists[key] = _named_patterns(table[key], where, key)
    counts = {key: _count(table[key], where, key)
              for key in ("min_keywords", "min_words", "numbers", "table_rows") if key in table}
    if lists.get("keywords") and "min_keywords" not in counts:
        counts["min_keywords"] = 1
    check = TextCheck(**lists, **counts,
                      published_scores=_flag(table, "published_scores", f"{where} text"))
    if not (check.keywords or check.min_words or check.numbers or check.table_rows
            or check.patterns or check.says):
        raise ValueError(f"{where}: text needs something to look for (keywords, min_words, "
                         f"numbers, table_rows, patterns or says)")
    return check


def _requirement(table: dict, default_points: float, where: str) -> Requirement:
    _check_keys(table, _REQUIREMENT_KEYS, where)
    if not _string(table, "what", where):
        raise ValueError(f"{where}: every requirement needs `what` (what is needed, in words)")
    points = _points(table.get("points", default_points), where)
    requirement = Requirement(
        what=_string(table, "what", where), points=points,
        feedback=_string(table, "feedback", where),
        waive_if=_conditions(table.get("waive_if", []), where),
        record=_conditions(table.get("record", []), where),
        notebook=_flag(table, "notebook", where),
        figures=_words(table.get("figures", []), where, "figures"),
        epoch_table=_flag(table, "epoch_table", where),
        annotations=_count(table.get("annotations", 0), where, "annotations"),
        text=_text_check(table["text"], where) if "text" in table else None,
        full_run=_flag(table, "full_run", where))
    if not (requirement.record or requirement.notebook or requirement.figures
            or requirement.epoch_table or requirement.annotations or requirement.text):
        raise ValueError(f"{where}: name at least one evidence source (record, notebook, "
                         f"figures, epoch_table, annotations or text)")
    return requirement


def _criterion(table: dict, number: int) -> Criterion:
    where = f"criterion {number}"
    _check_keys(table, _CRITERION_KEYS, where)
    if not isinstance(table.get("id"), str) or not re.fullmatch(r"[A-Za-z][\w-]{0,63}",
                                                                 table["id"]):
        raise ValueError(f"{where}: id = {short_repr(table.get('id'))}: expected a short name "
                         f"of letters, digits, _ or -")
    where = f"criterion {table['id']}"
    points = _points(table.get("points"), where, positive=True)
    raw = table.get("require", [])
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: require = {short_repr(raw)}: add at least one "
                         f"[[criterion.require]] table")
    requirements = [_requirement(r, points / len(raw), f"{where}, requirement {i}")
                    for i, r in enumerate(raw, 1)]
    total = sum(r.points for r in requirements)
    if abs(total - points) > 1e-6:
        raise ValueError(f"{where}: its requirements add up to {total:g} points, not {points:g}")
    return Criterion(id=table["id"], title=_string(table, "title", where, table["id"]),
                     points=points, requirements=tuple(requirements),
                     extra_credit=_flag(table, "extra_credit", where),
                     feedback_met=_string(table, "feedback_met", where),
                     waive_if=_conditions(table.get("waive_if", []), where),
                     examples=_examples(table.get("examples", []), where),
                     cues=_patterns(table["cues"], where, "cues") if "cues" in table else (),
                     run_evidence=_flag(table, "run_evidence", where))


def load_rubric(path: Path | str = DEFAULT_RUBRIC) -> Rubric:
    """Read and check a rubric file; any mistake becomes one CourseError."""
    path = Path(path)
    fix = "compare with course/rubrics/lab_report.toml, whose header documents the format"
    try:
        raw = load_toml(path)
    except FileNotFoundError:
        raise CourseError(f"rubric {path} not found",
                          fix="pass --rubric course/rubrics/lab_report.toml") from None
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as error:
        raise CourseError(f"rubric {path} cannot be read", why=str(error), fix=fix) from None
    try:
        _check_keys(raw, {"rubric", "criterion", "synonyms"}, "top level")
        head = raw.get("rubric", {})
        _check_keys(head, _RUBRIC_KEYS, "rubric")
        name = _string(head, "name", "[rubric]", path.stem)
        tables = raw.get("criterion", [])
        if not isinstance(tables, list):
            raise ValueError(f"criterion = {short_repr(tables)}: expected [[criterion]] tables")
        criteria = [_criterion(table, i) for i, table in enumerate(tables, 1)]
        if not criteria:
            raise ValueError("no [[criterion]] tables")
        ids = [c.id for c in criteria]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"criterion id(s) used twice: {', '.join(duplicates)}")
        pass_mark = head.get("pass_mark")
        if pass_mark is not None:
            pass_mark = _points(pass_mark, "[rubric]", "pass_mark", maximum=None)
            top = sum(c.points for c in criteria)
            if pass_mark > top:
                raise ValueError(f"[rubric]: pass_mark = {pass_mark:g}: expected at most the "
                                 f"{top:g} points the criteria give")
        synonyms = _synonyms(raw.get("synonyms", {}))
    except ValueError as error:
        raise CourseError(f"rubric {path} is not valid", why=str(error), fix=fix) from None
    return Rubric(name=name, criteria=[with_synonyms(c, synonyms) for c in criteria],
                  pass_mark=None if pass_mark is None else float(pass_mark), path=path,
                  synonyms=synonyms)


def _synonyms(table) -> dict[str, tuple[str, ...]]:
    """``[synonyms]``: ``word = ["other", "words"]`` (keys matched without case)."""
    if not isinstance(table, dict):
        raise ValueError('[synonyms] must be a table, e.g. misclassif = ["wrong", "incorrect"]')
    return {str(word).strip().lower(): _words(others, "[synonyms]", str(word))
            for word, others in table.items()}


def _expand(words: tuple[str, ...], synonyms: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """``words`` and the synonyms of each; a word that starts with a synonym's key grows by
    its synonyms too, as a keyword matches the words it starts ("misclassified" figures:
    "wrong" ones as well, for ``misclassif = ["wrong", ...]``)."""
    expanded = list(words)
    for word in words:
        for key, others in synonyms.items():
            if word.lower() == key or word.lower().startswith(key):
                expanded += [other for other in others if other not in expanded]
    return tuple(expanded)


def with_synonyms(criterion: Criterion, synonyms: dict[str, tuple[str, ...]]) -> Criterion:
    """Headings, figures and table columns grow by their synonyms; keywords keep them aside
    (a synonym counts as the keyword it stands for, not as one more keyword)."""
    if not synonyms:
        return criterion
    requirements = []
    for requirement in criterion.requirements:
        text = requirement.text
        if text is not None:
            used = {w.lower() for w in text.keywords} & set(synonyms)
            text = replace(text, headings=_expand(text.headings, synonyms),
                           table_columns=_expand(text.table_columns, synonyms),
                           synonyms=tuple((w, synonyms[w]) for w in sorted(used)))
        requirements.append(replace(requirement, text=text,
                                    figures=_expand(requirement.figures, synonyms)))
    return replace(criterion, requirements=tuple(requirements))
