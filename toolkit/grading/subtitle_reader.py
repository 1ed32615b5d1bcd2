"""A video reflection's subtitles (.srt, .vtt) read as what the student said.

Some students record their reflection and hand in the video's subtitle file. Its cues are
short timed pieces that break sentences anywhere ("reflection for lab three," / "the
convolutional network one, on MNIST."), with numbers and time stamps between them. Read as
plain text, nothing was graded: the suffix was not one the grader reads.

:func:`subtitle_text` joins the cues into the talk again and wraps it as plain text is
written, each row keeping the line of the file its first word is on, so the evidence quotes
the file's own lines. A pause of :data:`PAUSE_SECONDS` or more between two cues ends a
paragraph, as a speaker's pause does. A recorded conversation's WebVTT names each cue's
speaker, two or more of them (``<v TA Maria>What was hard?``): each turn is then a paragraph
that opens with the speaker's name, as an interview written up is, so the asker's questions
label the student's answers and are never the student's. The cues are parsed by
``webvtt-py`` (SubRip and WebVTT).

Example:
    >>> srt = ("1\\n00:00:01,000 --> 00:00:03,000\\nSo first, what I\\n\\n"
    ...        "2\\n00:00:03,100 --> 00:00:05,000\\nlearned. The shapes clicked.\\n")
    >>> read = subtitle_text(srt, ".srt")
    >>> read.lines, read.numbers
    (['So first, what I learned. The shapes clicked.'], [3])
"""

from __future__ import annotations

import io
import re
import textwrap
from bisect import bisect_right
from typing import NamedTuple

SUBTITLE_FORMATS = {".srt": "srt", ".vtt": "vtt"}
PAUSE_SECONDS = 2.0  # silence between two cues that ends a paragraph
WRAP_WIDTH = 80      # the talk's rows, as plain text is written
_TIMING = re.compile(r"-->")


class SubtitleError(ValueError):
    """The file is not a subtitle file the reader can parse."""


class SubtitleText(NamedTuple):
    lines: list[str]    # the talk, wrapped; a blank row where the speaker paused
    numbers: list[int]  # each row's line in the file (from 1; 0 where unknown)
    cues: int           # the cues read


def _seconds(stamp: str) -> float:
    """"00:01:02.500" (or "01:02.500") -> 62.5."""
    parts = [float(part) for part in stamp.replace(",", ".").split(":")]
    return sum(part * 60 ** power for power, part in enumerate(reversed(parts)))


def subtitle_text(text: str, suffix: str) -> SubtitleText:
    """The talk in a subtitle file, wrapped as plain text (see the module's docstring)."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = list(webvtt.from_buffer(io.BytesIO(text.encode("utf-8")),
                                           format=SUBTITLE_FORMATS[suffix]))
    except (MalformedFileError, MalformedCaptionError, ValueError) as error:
        raise SubtitleError(f"not a {suffix} subtitle file ({error or 'no cue found'})") \
            from error
    if not captions:
        raise SubtitleError(f"a {suffix} subtitle file without a cue")
    rows = text.splitlines()
    # each cue's text starts on the line after its timing line ("00:00:01,000 --> ...")
    first_lines = [row + 2 for row, raw in enumerate(rows) if _TIMING.search(raw)]
    numbered = len(first_lines) == len(captions)
    talk, origins = "", []  # a paragraph's talk; (its offset, the line in the file) per piece
    lines: list[str] = []
    numbers: list[int] = []
    previous_end = None

    def flush() -> None:
        nonlocal talk, origins
        starts = [offset for offset, _ in origins]
        position = 0
        for row in textwrap.wrap(talk, WRAP_WIDTH, break_long_words=False,
                                 break_on_hyphens=False):
            position = talk.find(row, position)
            lines.append(row)
            numbers.append(origins[bisect_right(starts, position) - 1][1])
            position += len(row)
        talk, origins = "", []

    voices = [" ".join((getattr(caption, "voice", None) or "").split()) for caption in captions]
    if len(set(voices) - {""}) < 2:
        voices = [""] * len(captions)  # one speaker talking: a monologue, no turns
    previous_voice = None
    for index, caption in enumerate(captions):
        voice = voices[index]
        turn = bool(voice) and voice != previous_voice
        paused = previous_end is not None \
            and _seconds(caption.start) - previous_end >= PAUSE_SECONDS
        if (turn or paused) and talk:
            flush()
            lines.append("")
            numbers.append(numbers[-1] if numbers else 0)
        if turn or (voice and not talk):  # a new turn, or the same speaker after a pause
            # a speaker's turn opens with their name, as an interview written up does
            # ("TA Maria: What did lab three teach you?"): the grader then knows the asker
            origins.append((len(talk), first_lines[index] if numbered else 0))
            talk += f"{voice}: "
        previous_end = _seconds(caption.end)
        previous_voice = voice or previous_voice
        for offset, part in enumerate(caption.text.splitlines()):
            if part.strip():
                origins.append((len(talk), first_lines[index] + offset if numbered else 0))
                talk += " ".join(part.split()) + " "
    flush()
    return SubtitleText(lines, numbers, len(captions))
