"""E-mails saved as ``.eml`` (a report or reflection sent by mail) as graded submissions,
read with the standard library's :mod:`email` package.

Some students mail their work when an upload fails: the text in the mail's body, figures or a
PDF attached. A saved mail is read like a small folder: its body is one document (the plain
text, or the HTML when the mail has no plain part) and its attachments are the folder's files,
named ``mail.eml/curves.png``. The headers (From, To, Date, Subject) are not read: they are the
mail program's, and a subject such as "Lab 2 and Lab 3" would read as a heading of its own.
Nothing is decoded that is not asked for; a mail inside the mail is not opened.

Example:
    >>> mail = read_mail(Path("alice.eml").read_bytes())
    >>> mail.body_kind, [name for name, _ in mail.attachments]
    ('plain', ['curves.png'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import PurePosixPath

MAX_ATTACHMENTS = 50  # a report mails a few figures and files


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
