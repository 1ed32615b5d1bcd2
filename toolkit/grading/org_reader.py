"""Emacs Org mode files (``report.org``) as graded documents.

The outline is turned into the Markdown the other readers give, line by line from the Org
syntax (https://orgmode.org/worg/org-syntax.html): ``* Results`` headlines become headings
(one level deeper under a ``#+TITLE:``), their TODO keyword (also one the file sets with
``#+TODO:``), priority, progress cookie and tags left out; ``:PROPERTIES:`` drawers and
SCHEDULED/DEADLINE lines are dropped; ``#+BEGIN_SRC`` blocks are code, ``#+BEGIN_EXAMPLE``
blocks, ``#+RESULTS:`` and ``: ...`` lines are output; ``#+BEGIN_QUOTE`` is a quote; a
``#+CAPTION:`` is a "Figure 1: ..." or "Table 1: ..." line (as Org's export prints it, so a
caption counts even when the image was not handed in); ``[[file:curves.png]]`` is a figure,
``[[url][words]]`` a link; tables keep their rows, ``|---+---|`` rules becoming Markdown's;
``- term :: text`` is a run-in label; ``*bold*``, ``/italic/``, ``=verbatim=`` and ``~code~``
become Markdown's. Places are named ``report.org:12``.

Example:
    >>> document = org_document("r.org", "* TODO Results :lab3:\\nAccuracy *99.1%*.\\n")
    >>> [s.title for s in document.sections()], document.lines[-1].text
    (['Results'], 'Accuracy **99.1%**.')
"""

from __future__ import annotations

import re

from toolkit.grading.report_text import Document, converted_document

_HEADLINE = re.compile(r"^(?P<stars>\*+)\s+(?P<title>.*?)\s*$")
_KEYWORD = re.compile(r"^(?:TODO|DONE|NEXT|WAITING|HOLD|CANCELL?ED|STARTED|IN-PROGRESS)\s+")
_PRIORITY = re.compile(r"^\[#[A-Z0-9]\]\s*")
_TAGS = re.compile(r"\s+:(?:[\w@#%]+:)+\s*$")
_COOKIE = re.compile(r"\s*\[\d*(?:/\d*|%)\]")
_SETTING = re.compile(r"^\s*#\+(?P<key>[A-Za-z_]+)(?:\[[^\]]*\])?:\s?(?P<value>.*)$")
_BEGIN = re.compile(r"^\s*#\+begin_(?P<name>\w+)\s*(?P<args>.*)$", re.I)
_END = re.compile(r"^\s*#\+end_(?P<name>\w+)\s*$", re.I)
_DRAWER = re.compile(r"^\s*:(?P<name>[\w-]+):\s*$")
_PLANNING = re.compile(r"^\s*(?:SCHEDULED|DEADLINE|CLOSED):")
_FIXED_WIDTH = re.compile(r"^\s*:(?:\s(?P<text>.*))?$")
_COMMENT = re.compile(r"^\s*#(?:\s.*)?$")
_RULE = re.compile(r"^\s*\|[-+:|\s]*-[-+:|\s]*\|?\s*$")
_DESCRIPTION = re.compile(r"^(?P<indent>\s*)(?P<bullet>[-+]|\d+[.)])\s+(?:\[[ Xx-]\]\s+)?"
                          r"(?P<term>[^\n]{1,80}?)\s+::(?:\s+(?P<text>.*))?$")
_LIST = re.compile(r"^(?P<indent>\s+)\*\s+")  # an indented "* item" (at the margin: a headline)
_CHECKBOX = re.compile(r"^(\s*(?:[-+*]|\d+[.)])\s+)\[([ Xx-])\]")
_LINK = re.compile(r"\[\[(?P<target>[^\]\n]{1,2000})\](?:\[(?P<words>[^\]\n]{0,500})\])?\]")
_IMAGE_TARGET = re.compile(r"\.(?:png|jpe?g|gif|svg|webp)$", re.I)
# Org's emphasis markers: a marker after a space or an opening mark, before a space or a
# closing mark (so "a/b/c" and "2*3*4" stay as they are).
_PRE, _POST = r"(?:(?<=^)|(?<=[\s('\"{]))", r"(?=$|[\s.,;:!?')\"}\]-])"
_EMPHASIS = [(re.compile(_PRE + r"\*(?=\S)(?P<t>[^*\n]*?\S)\*" + _POST), r"**\g<t>**"),
             (re.compile(_PRE + r"/(?=\S)(?P<t>[^/\n]*?\S)/" + _POST), r"*\g<t>*"),
             (re.compile(_PRE + r"[=~](?=\S)(?P<t>[^=~\n]*?\S)[=~]" + _POST), r"`\g<t>`")]
_NEXT_ELEMENT_LINES = 4  # a caption's figure or table follows it within a few lines


def _inline(text: str) -> str:
    """Org links and emphasis as Markdown's."""
    def link(match: re.Match) -> str:
        target = match["target"].removeprefix("file:").removeprefix("./")
        words = match["words"]
        if _IMAGE_TARGET.search(target):
            return f"![{words or target}]({target})"
        return f"[{words}]({target})" if words else target

    text = _LINK.sub(link, text)
    for pattern, replacement in _EMPHASIS:
        text = pattern.sub(replacement, text)
    return text


def _own_keywords(rows: list[str]) -> frozenset[str]:
    """The TODO keywords a file sets for itself: ``#+TODO: TODO WIP | DONE`` (also
    ``#+SEQ_TODO:``, ``#+TYP_TODO:``; "WAIT(w@)" is WAIT with its shortcut key)."""
    words = set()
    for row in rows:
        if (setting := _SETTING.match(row)) and \
                setting["key"].upper() in {"TODO", "SEQ_TODO", "TYP_TODO"}:
            words.update(re.sub(r"\(.*?\)$", "", word) for word in setting["value"].split()
                         if word != "|")
    return frozenset(word for word in words if word)


def _headline_title(title: str, keywords: frozenset[str] = frozenset()) -> str:
    title = _KEYWORD.sub("", title)
    first, _, rest = title.partition(" ")
    title = rest if first in keywords and rest.strip() else title
    title = _PRIORITY.sub("", title)
    title = _TAGS.sub("", title)
    return _COOKIE.sub("", title).strip()


def _captioned(rows: list[str], index: int) -> str:
    """"Figure" or "Table": what the caption at ``rows[index]`` names (the next element)."""
    for row in rows[index + 1:index + 1 + _NEXT_ELEMENT_LINES]:
        stripped = row.strip()
        if stripped.startswith("|"):
            return "Table"
        if stripped and not _SETTING.match(stripped):
            return "Figure"
    return "Figure"


def org_markdown(source: str) -> list[tuple[str, int]]:
    """The file's Markdown lines with their source lines (see the module docstring)."""
    rows = source.splitlines()
    keywords = _own_keywords(rows)
    titled = any((setting := _SETTING.match(row)) and setting["key"].upper() == "TITLE"
                 for row in rows)
    out: list[tuple[str, int]] = []
    block: str | None = None   # the #+BEGIN_ block we are inside
    drawer = False
    output = False             # inside fixed-width ": ..." lines, written as a text block
    counters = {"Figure": 0, "Table": 0}
    for index, raw in enumerate(rows):
        number = index + 1
        fixed = _FIXED_WIDTH.match(raw) if block is None and not drawer else None
        if output and not fixed:
            out.append(("```", number))
            output = False
        if block is not None:
            end = _END.match(raw)
            if end and end["name"].lower() == block:
                out.append(("```" if block in {"src", "example"} else "", number))
                block = None
            elif block == "quote":
                out.append(("> " + _inline(raw.strip()) if raw.strip() else ">", number))
            elif block in {"src", "example"}:
                out.append((raw, number))
            else:
                out.append((_inline(raw), number))
            continue
        if drawer:
            drawer = not (_DRAWER.match(raw) and raw.strip().upper() == ":END:")
            continue
        if _DRAWER.match(raw) and raw.strip().upper() != ":END:":
            drawer = True
            continue
        if fixed:
            if not output:
                out.append(("```text", number))
                output = True
            out.append((fixed["text"] or "", number))
            continue
        if headline := _HEADLINE.match(raw):
            level = min(len(headline["stars"]) + titled, 6)
            out.append(("", number))
            title = _headline_title(headline["title"], keywords)
            out.append(("#" * level + " " + _inline(title), number))
            out.append(("", number))
            continue
        if begin := _BEGIN.match(raw):
            block = begin["name"].lower()
            if block == "src":
                language = begin["args"].split()[0] if begin["args"].split() else ""
                out.append(("```" + language, number))
            elif block == "example":
                out.append(("```text", number))
            else:  # quote, center, verse, a special block ("#+BEGIN_NOTE"): its words stay
                out.append(("", number))
            continue
        if setting := _SETTING.match(raw):
            key, value = setting["key"].upper(), setting["value"].strip()
            if key == "TITLE" and value:
                out.append(("# " + _inline(value), number))
            elif key == "CAPTION" and value:
                kind = _captioned(rows, index)
                counters[kind] += 1
                out += [("", number), (f"{kind} {counters[kind]}: {_inline(value)}", number),
                        ("", number)]
            elif key == "RESULTS":  # the output of the source block above follows
                out.append(("", number))
            continue  # other settings (#+AUTHOR, #+OPTIONS, #+NAME, #+ATTR_...) carry no words
        if _PLANNING.match(raw) or _COMMENT.match(raw):
            continue
        if _RULE.match(raw):
            cells = raw.strip().strip("|").split("+") if "+" in raw else raw.strip().strip("|").split("|")
            out.append(("|" + "---|" * len(cells), number))
            continue
        text = _CHECKBOX.sub(lambda m: f"{m[1]}[{'x' if m[2] in 'Xx' else ' '}]", raw)
        if description := _DESCRIPTION.match(text):
            words = _inline(description["text"] or "")
            out.append((f"{description['indent']}- **{_inline(description['term'])}:** {words}"
                        .rstrip(), number))
            continue
        text = _LIST.sub(lambda m: m["indent"] + "- ", text)
        out.append((_inline(text), number))
    if output:
        out.append(("```", len(rows)))
    return out


def org_document(path: str, text: str) -> Document:
    """An Org file as a document: headings, prose, lists, tables, captions and figures."""
    return converted_document(path, org_markdown(text))
