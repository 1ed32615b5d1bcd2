"""A report or reflection sent by e-mail (.eml): its body is graded, its attachments are the
student's files. The mails are built here with the standard library."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from toolkit.grading.eml_reader import MailError, read_mail
from toolkit.grading.submissions import read_submission, survey

BODY = """Dear Dr. Okafor,

the upload form rejected my file, so here is my lab 3 report by mail.

Results
The strong design reached 99.31% test accuracy after 15 epochs on the free Colab GPU.

Best,
Jonas
"""


def _mail(body: str | None = BODY, *, html: str | None = None,
          attachments: tuple[tuple[str, bytes, str], ...] = ()) -> bytes:
    message = EmailMessage()
    message["From"] = "Jonas <jonas@student.example.edu>"
    message["To"] = "Dr. Okafor <okafor@example.edu>"
    message["Subject"] = "Lab 3 report (upload did not work)"
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for name, data, kind in attachments:
        main, sub = kind.split("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return bytes(message)


def test_a_mailed_report_is_graded_on_its_body_not_its_headers(tmp_path):
    (tmp_path / "jonas.eml").write_bytes(_mail())
    submission = read_submission("jonas", tmp_path / "jonas.eml")
    assert not submission.warnings
    [document] = submission.documents
    text = "\n".join(line.text for line in document.lines)
    assert "99.31% test accuracy" in text
    assert "okafor@example.edu" not in text and "upload did not work" not in text
    assert document.lines[0].where == "jonas.eml:1"


def test_its_attachments_are_the_students_files_named_inside_the_mail(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    mail = _mail(attachments=(("curves.png", png, "image/png"),
                              ("../../notes.md", b"# Notes\n\nMy hypothesis is that thin "
                               b"sevens are read as ones.\n", "text/markdown")))
    (tmp_path / "jonas.eml").write_bytes(mail)
    submission = read_submission("jonas", tmp_path / "jonas.eml")
    assert submission.files["jonas.eml/curves.png"] == len(png)  # a figure handed in
    # a name that climbs out of the mail keeps its file name only
    assert [document.path for document in submission.documents] == ["jonas.eml",
                                                                     "jonas.eml/notes.md"]
    assert not list(tmp_path.glob("**/notes.md"))  # nothing is written anywhere


def test_an_html_only_mail_is_read_as_its_page():
    mail = read_mail(_mail(None, html="<p>Test accuracy <b>88.6%</b> after two epochs.</p>"))
    assert mail.body_kind == "html" and "88.6%" in mail.body


def test_a_plain_part_is_preferred_to_its_html_twin():
    mail = read_mail(_mail(html="<p>the same text, as HTML</p>"))
    assert mail.body_kind == "plain" and "99.31%" in mail.body


def test_a_mail_inside_the_mail_is_not_opened():
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("someone else's report")
    outer = EmailMessage()
    outer.set_content(BODY)
    outer.add_attachment(inner, filename="forwarded.eml")
    assert read_mail(bytes(outer)).attachments == []


@pytest.mark.parametrize("data", [b"", b"\n\n   \n"])
def test_an_empty_mail_is_refused_with_a_reason(data):
    with pytest.raises(MailError, match="neither text nor attached files|no mail"):
        read_mail(data)


def test_a_broken_mail_is_one_warning_and_the_class_goes_on(tmp_path):
    (tmp_path / "ana.eml").write_bytes(b"")
    (tmp_path / "ben.eml").write_bytes(_mail())
    found = survey(tmp_path)
    students = {student: read_submission(student, path) for student, path in found.entries}
    assert students["ana"].documents == []
    assert any("cannot be read as an e-mail" in w for w in students["ana"].warnings)
    assert students["ben"].documents and not students["ben"].warnings
