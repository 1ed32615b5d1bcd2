"""A chat export or a posted thread handed in as a text: only the author's words, unstamped.

Some students hand in a reflection they wrote in a group chat (Discord, Slack, WhatsApp) as
the chat's export, one message per line, or a thread they posted ("1/14 ok reflection
thread ...", "2/14 lab 2, what I learned: ..."). Read as it is, every other speaker's message
(a classmate's numbers, the TA's reminder of the questions) counted as the student's, and the
stamp and name before each message hid the lab markers that open the author's messages
("[15/10/2026 18:02] tomasz_w: LAB 3 (CNN on MNIST) now").

:func:`author_only` keeps the lines before the first message (the student's note on what
this is) and the author's messages without their stamps and names, each a paragraph of its
own; every other speaker's message is left out. A thread's post counters are taken off. The
author is the speaker the note names, else the one who wrote the most. Every line keeps its
number in the file, so the evidence quotes the file's own lines. A channel exported as JSON
(Slack's list of messages, Discord's and Teams' ``messages``) is read the same way:
:func:`json_chat` writes it as such a chat, each line at the file line of its message.

Example:
    >>> text = "\\n".join(["[14/10 20:41] Priya (TA): reflections due Friday",
    ...                    "[14/10 20:47] tom: Lab 2, insights: dropout 0.1 won",
    ...                    "[14/10 20:49] tom: Lab 2 challenges: the sweep took 11 min",
    ...                    "[14/10 20:50] Priya (TA): nice", "[14/10 20:51] tom: done"])
    >>> read = author_only(text)
    >>> read.author, read.lines[:2], read.numbers[:2], read.left_out
    ('tom', ['Lab 2, insights: dropout 0.1 won', ''], [2, 3], 2)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timezone
from typing import NamedTuple

# A message's stamp, then its speaker: "[14/10/2026 20:41] Priya (TA): ...", "14/10/2026, 20:41
# - Priya: ..." (WhatsApp), "[20:41] <priya> ..." (IRC), "[Tue 14:31] Daniel Okafor: ..."
_STAMP = r"\[?[^\]\n]{0,24}?\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?\]?"
_MESSAGE = re.compile(r"^\s*" + _STAMP + r"\s*(?:[-\u2013\u2014]\s*)?"
                      r"(?:<(?P<nick>[^>\n]{1,40})>|(?P<name>[^:\n]{1,40}?):)\s+(?P<text>\S.*)$")
MAX_NAME_WORDS = 4  # "Priya S. (TA)"; a longer "name" is a sentence with a colon in it
MIN_MESSAGES = 4
# A thread's post counter: "1/14 ", "12/14 " (the same total on every post)
_COUNTER = re.compile(r"^\s*(?P<n>\d{1,3})\s?/\s?(?P<of>\d{1,3})\s+(?=\S)")
MIN_POSTS = 3


class ChatText(NamedTuple):
    lines: list[str]    # the author's text: the note, then each message a paragraph
    numbers: list[int]  # each line's line in the file (from 1)
    author: str         # the speaker whose messages were kept ("" for a thread)
    kept: int           # the author's messages (or the thread's posts)
    left_out: int       # the other speakers' messages, left out


def _speaker(match: re.Match) -> str:
    return (match["nick"] or match["name"]).strip()


def _messages(rows: list[str]) -> list[tuple[int, str, str]] | None:
    """``[(row, speaker, text)]`` when the rows after the first message are a chat export:
    most of them messages, by speakers who post more than once."""
    found = [(row, _speaker(match), match["text"]) for row, raw in enumerate(rows)
             if (match := _MESSAGE.match(raw))
             and len(_speaker(match).split()) <= MAX_NAME_WORDS]
    if len(found) < MIN_MESSAGES:
        return None
    after = [raw for raw in rows[found[0][0]:] if raw.strip()]
    posts = Counter(speaker for _, speaker, _ in found)
    regulars = sum(count for count in posts.values() if count > 1)
    # a transcript's "[00:01:10] So the first thing: ..." has a "speaker" per line, never twice
    if len(posts) < 2 or len(found) * 2 < len(after) or regulars * 3 < len(found) * 2:
        return None
    # A speaker who mostly asks ("What was hard?") interviews the student: the questions
    # label the answers, and the grader reads the talk as an interview.
    asked = Counter(speaker for _, speaker, text in found if text.rstrip().endswith("?"))
    if any(count >= 2 and count * 2 > posts[speaker] for speaker, count in asked.items()):
        return None
    return found


def _author(rows: list[str], found: list[tuple[int, str, str]]) -> str:
    """The speaker the lines before the chat name ("handed in by ... (Discord: tomasz_w)"),
    else the one who wrote the most words."""
    note = " ".join(rows[:found[0][0]]).lower()
    named = {speaker for _, speaker, _ in found
             if re.search(r"(?<!\w)" + re.escape(speaker.lower()) + r"(?!\w)", note)}
    if len(named) == 1:
        return named.pop()
    words = Counter()
    ends = [row for row, _, _ in found[1:]] + [len(rows)]
    for (row, speaker, text), end in zip(found, ends, strict=True):
        # a message's own lines below its first count too (a pasted reflection)
        words[speaker] += len(text.split()) + sum(len(more.split()) for more in rows[row + 1:end])
    return words.most_common(1)[0][0]


def _thread(rows: list[str]) -> ChatText | None:
    """A thread's posts without their counters, when three posts or more count up, one by
    one, to one total."""
    counted = [(row, match) for row, raw in enumerate(rows) if (match := _COUNTER.match(raw))]
    totals = Counter(match["of"] for _, match in counted)
    if not totals:
        return None
    total, posts = totals.most_common(1)[0]
    numbers = [int(match["n"]) for _, match in counted if match["of"] == total]
    # posts count up to their total; a progress bar's "250/250 - 31s - loss: ..." does not
    if posts < MIN_POSTS or int(total) < posts or numbers != sorted(set(numbers)):
        return None
    lines = list(rows)
    for row, match in counted:
        if match["of"] == total and int(match["n"]) <= int(total):
            lines[row] = rows[row][match.end():]
    return ChatText(lines, list(range(1, len(rows) + 1)), "", posts, 0)


def author_only(text: str) -> ChatText | None:
    """The text as its author's words alone (see the module docstring), or ``None`` when it
    is neither a chat export nor a numbered thread."""
    rows = text.splitlines()
    found = _messages(rows)
    if found is None:
        return _thread(rows)
    author = _author(rows, found)
    starts = {row: (speaker, message) for row, speaker, message in found}
    first = found[0][0]
    lines, numbers, speaker = rows[:first], list(range(1, first + 1)), ""
    for row in range(first, len(rows)):
        if row in starts:
            speaker, message = starts[row]
            if speaker == author and lines and lines[-1].strip():
                lines.append("")  # each message a paragraph of its own
                numbers.append(row + 1)
            text_here = message
        else:
            text_here = rows[row]  # a message's second line, or a blank between messages
        if speaker == author:
            lines.append(text_here)
            numbers.append(row + 1)
    kept = sum(1 for _, speaker, _ in found if speaker == author)
    return ChatText(lines, numbers, author, kept, len(found) - kept)


# A JSON chat export's message fields: Slack ("text", "user_profile"."real_name"),
# Discord ("content", "author"."name"), Teams ("body"."content", "from"."user"."displayName")
_TEXT_KEYS = ("text", "content", "body", "message")
_SPEAKER_PATHS = (("user_profile", "real_name"), ("user_profile", "display_name"),
                  ("author", "nickname"), ("author", "name"), ("from", "user", "displayName"),
                  ("user_name",), ("username",), ("author",), ("from",), ("user",))
_TIME_KEYS = ("ts", "timestamp", "createdDateTime", "date")
_HTML_TAG = re.compile(r"<[^>]{0,200}>")
_SLACK_BOLD = re.compile(r"(?<![\w*])\*(?P<words>[^\s*](?:[^*\n]{0,200}[^\s*])?)\*(?![\w*])")


def _field(message: dict, path: tuple[str, ...]):
    value = message
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _stamp(message: dict) -> str:
    """"[2026-11-18 14:03]" from a message's epoch seconds or ISO time ("[00:00]" when it
    has none: the chat reader needs a stamp before the speaker)."""
    for key in _TIME_KEYS:
        value = message.get(key)
        try:
            if isinstance(value, (int, float)) or (isinstance(value, str)
                                                    and re.fullmatch(r"\d+(\.\d+)?", value)):
                when = datetime.fromtimestamp(float(value), timezone.utc)
            elif isinstance(value, str):
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            else:
                continue
        except (ValueError, OverflowError, OSError):
            continue
        return when.strftime("[%Y-%m-%d %H:%M]")
    return "[00:00]"


def _text_of(message: dict) -> str | None:
    for key in _TEXT_KEYS:
        value = message.get(key)
        if isinstance(value, dict):  # Teams: "body": {"contentType": "html", "content": ...}
            value = value.get("content")
        if isinstance(value, str):
            return value
    return None


def _message(message) -> tuple[str, str, str, str] | None:
    """``(stamp, speaker, text, the text as exported)`` of one exported message, or
    ``None``."""
    if not isinstance(message, dict):
        return None
    text = _text_of(message)
    speaker = next((" ".join(value.split()) for path in _SPEAKER_PATHS
                    if isinstance(value := _field(message, path), str) and value.strip()), None)
    if text is None or speaker is None:
        return None
    exported = text
    if "<" in text and ">" in text:  # Teams keeps a message as HTML
        text = _HTML_TAG.sub(" ", text)
    if "ts" in message:  # Slack's *bold* is Markdown's **bold** ("*Lab 3 (CNN)* ...")
        text = _SLACK_BOLD.sub(r"**\g<words>**", text)
    return _stamp(message), speaker.replace(":", " "), text, exported


def json_chat(text: str) -> ChatText | None:
    """A channel's JSON export read as its author's messages (see the module docstring), or
    ``None`` when the JSON is no list of messages."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    items = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return None
    messages = [found for item in items if (found := _message(item)) is not None]
    if len(messages) < MIN_MESSAGES or len(messages) * 2 < len(items):
        return None
    file_rows = text.splitlines()
    rows: list[str] = []
    places: list[int] = []  # each chat row's line in the JSON file
    at = 0
    for stamp, speaker, words, exported in messages:
        # the message's line in the file: its text's first words, as the file writes them
        needles = {json.dumps(exported, ensure_ascii=ascii)[1:40] for ascii in (True, False)}
        found = next((row for row in range(at, len(file_rows))
                      if any(needle in file_rows[row] for needle in needles)), None)
        if found is not None:
            at = found
        message_rows = words.splitlines() or [""]
        rows.append(f"{stamp} {speaker}: {message_rows[0]}")
        rows += message_rows[1:]
        places += [at + 1] * len(message_rows)
    chat = author_only("\n".join(rows))
    if chat is None or not chat.author:
        return None
    return chat._replace(numbers=[places[number - 1] if 0 < number <= len(places) else 0
                                  for number in chat.numbers])
