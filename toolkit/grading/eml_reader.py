"""E-mails saved as ``.eml`` (a report or reflection sent by mail) as graded submissions,
read with the standard library's :mod:`email` package.

Some students mail their work when an upload fails: the text in the mail's body, figures or a
PDF attached. A saved mail is read like a small folder: its body is one document (the plain
text, or the HTML when the mail has no plain part) and its attachments are the folder's files,
named ``mail.eml/curves.png``. The headers (From, To, Date, Subject) are not read: they are the
mail program's, and a subject such as "Lab 2 and Lab 3" would read as a heading of its own.
Nothing is decoded that is not asked for; a mail inside the mail is not opened.

A reply's history is not the student's: Outlook puts the earlier mail below a rule
("-----Original Message-----", or a line of underscores) and its header block ("From: ...",
"Sent: ..."), its text unquoted, and :func:`own_text` keeps what stands above it. (Lines
quoted with ``>`` stay: a student may answer between them.) A mailbox saved as ``.mbox``
(several mails sent over the term) is read message by message with :func:`read_mailbox`.

Example:
    >>> mail = read_mail(Path("alice.eml").read_bytes())
    >>> mail.body_kind, [name for name, _ in mail.attachments]
    ('plain', ['curves.png'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import PurePosixPath

MAX_ATTACHMENTS = 50  # a report mails a few figures and files
MAX_MESSAGES = 200    # a term's mails to the instructor; the rest is left unread
# Outlook's rule over the earlier mail in a reply, and the header fields below it
_HISTORY_RULE = re.compile(r"^\s*(?:-{2,}\s*Original Message\s*-{2,}|_{8,})\s*$", re.I)
_FROM_FIELD = re.compile(r"^\s*(?:\*\*)?From:(?:\*\*)?\s+\S")
_SENT_FIELD = re.compile(r"^\s*(?:\*\*)?(?:Sent|Date):(?:\*\*)?\s+\S")
# an mbox file's "From " line, which opens each message (the body's own are ">From ")
_MBOX_SEPARATOR = re.compile(rb"^From [^\r\n]*\r?\n", re.M)


class MailError(ValueError):
    """The file is not a mail the grader can read."""


@dataclass
class Mail:
    """What a saved mail holds for the grader: its text and its attached files."""

    body: str                       # "" when the mail has no text part
    body_kind: str                  # "plain" or "html"
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, bytes)


def _attachment_name(part: EmailMessage) -> str | None:
    """The attachment's file name without folders, or ``None`` when it has none usable."""
    name = part.get_filename()
    if not name:
        return None
    name = PurePosixPath(name.replace("\\", "/")).name.strip()
    return name if name not in ("", ".", "..") else None


def read_mail(data: bytes) -> Mail:
    """The body and attachments of one saved mail (RFC 822, as Thunderbird or Outlook save it)."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not isinstance(message, EmailMessage) or not (message.keys() or message.get_payload()):
        raise MailError("no mail headers or body")
    body_part = message.get_body(preferencelist=("plain", "html"))
    body, kind = "", "plain"
    if body_part is not None:
        try:
            body = body_part.get_content()
        except (LookupError, ValueError) as error:  # an unknown charset or encoding
            raise MailError(f"its text cannot be decoded ({error})") from error
        kind = "html" if body_part.get_content_subtype() == "html" else "plain"
    attachments = []
    for part in message.iter_attachments():
        name = _attachment_name(part)
        if name is None or part.get_content_type() == "message/rfc822":
            continue  # a mail forwarded inside the mail is not the student's file
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append((name, payload))
        if len(attachments) >= MAX_ATTACHMENTS:
            break
    if not body.strip() and not attachments:
        raise MailError("it has neither text nor attached files")
    return Mail(body, kind, attachments)


def own_text(body: str) -> str:
    """The body above a reply's history (see the module's docstring); the whole body when
    it has none."""
    rows = body.splitlines()
    for index, row in enumerate(rows):
        ahead = [later for later in rows[index + 1:index + 8] if later.strip()][:3]
        rule = _HISTORY_RULE.match(row) and (
            "original message" in row.lower() or ahead and _FROM_FIELD.match(ahead[0]))
        header = _FROM_FIELD.match(row) and any(_SENT_FIELD.match(later) for later in ahead[:2])
        if (rule or header) and any(above.strip() for above in rows[:index]):
            return "\n".join(rows[:index]).rstrip() + "\n"
    return body


def mailbox_messages(data: bytes) -> list[tuple[int, bytes]]:
    """An mbox file's messages, each with the file line its headers start on (from 1);
    empty when the file is no mailbox (a single saved mail has no "From " line first)."""
    if not data.startswith(b"From "):
        return []
    starts = [match for match in _MBOX_SEPARATOR.finditer(data)
              if match.start() == 0 or data[:match.start()].endswith((b"\n\n", b"\r\n\r\n"))]
    messages = []
    for number, match in enumerate(starts[:MAX_MESSAGES]):
        end = starts[number + 1].start() if number + 1 < len(starts) else len(data)
        messages.append((data[:match.end()].count(b"\n") + 1, data[match.end():end]))
    return messages


def read_mailbox(data: bytes) -> list[tuple[int, Mail]]:
    """Each readable message of an mbox file with the file line its headers start on; a
    message that is no mail is left out (:class:`MailError` when none is one)."""
    mails = []
    for line, message in mailbox_messages(data):
        try:
            mails.append((line, read_mail(message)))
        except MailError:
            continue
    if not mails:
        raise MailError("no message in the mailbox could be read")
    return mails
