"""Mail invitation to the candidate (SPEC §2.10): a template, text and HTML, and an .ics in
which the candidate is the only attendee and nothing internal appears. Sent into a Maildir
and through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

import icalendar
import pytest
import scheduling_helpers as h

from panelist.errors import ValidationError
from panelist.mail.headers import one_line
from panelist.mail.templates import save_template
from panelist.mail.transport import MaildirTransport, SmtpTransport
from panelist.models import CandidateStatus, Method
from panelist.scheduling import OutboxIncomplete, SchedulingService
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio
NOTES = "Candidate is expensive; probe the salary gap."


def parts(message: EmailMessage) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for part in message.walk():
        if not part.is_multipart():
            assert isinstance(part, EmailMessage)
            found.setdefault(part.get_content_type(), []).append(part)
    return found


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    (part,) = parts(message)["text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


async def invited(service: SchedulingService) -> int:
    request = h.request("sam", "ana", method=Method.VIDEO, host="sam", notes=NOTES)
    record = await service.invite(request)
    return record.id


async def test_the_invitation_carries_text_html_and_a_request_ics(
    service: SchedulingService, maildir: Path
) -> None:
    interview_id = await invited(service)
    record = await service.send_candidate_invitation(interview_id)

    assert record.candidate_status is CandidateStatus.EMAIL_SENT
    (message,) = h.read_maildir(maildir)
    assert message["From"] == "Rosa Jansen <rosa@northwind.example>"
    assert message["Sender"] == "Northwind Recruiting <jobs@northwind.example>"
    assert message["To"] == "Daan de Jong <daan@candidate.example>"
    assert message["Reply-To"] == "Rosa Jansen <rosa@northwind.example>"
    assert message["Subject"] == "Your technical interview at Northwind"
    assert message["Message-ID"].endswith("@northwind.example>")
    found = parts(message)
    text = found["text/plain"][0].get_content()
    # the candidate's time (New York) and the organiser's (Amsterdam)
    assert "Tuesday 24 November 2026, 04:00–05:00 (America/New_York)" in text
    assert "(Tuesday 24 November 2026, 10:00–11:00 (Europe/Amsterdam) for us)" in text
    assert f"Video call: {record.video_link}" in text
    assert f'<a href="{record.video_link}">' in found["text/html"][0].get_content()
    assert found["application/ics"][0].get_filename() == "invite.ics"

    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    attendees = event.get("ATTENDEE")
    assert not isinstance(attendees, list), "the candidate is the only attendee"
    assert str(attendees) == "mailto:daan@candidate.example"
    assert str(event["ORGANIZER"]) == "mailto:rosa@northwind.example"
    assert event["SEQUENCE"] == 0 and str(event["CLASS"]) == "PRIVATE"
    assert event.decoded("DTSTART") == record.start and str(event["URL"]) == record.video_link
    assert str(event["UID"]) == f"panelist-interview-{interview_id}-candidate@northwind.example"


async def test_nothing_internal_reaches_the_candidate(
    service: SchedulingService, maildir: Path
) -> None:
    await service.send_candidate_invitation(await invited(service))
    (message,) = h.read_maildir(maildir)
    raw = message.as_string() + calendar_of(message).to_ical().decode()
    for internal in (
        "Sam Lee",
        "Ana Silva",
        "salary",
        "ats.northwind.example",
        "sam@northwind.example",
    ):
        assert internal not in raw


async def test_sending_again_sends_nothing_new(service: SchedulingService, maildir: Path) -> None:
    interview_id = await invited(service)
    await service.send_candidate_invitation(interview_id)
    await service.send_candidate_invitation(interview_id)
    assert len(h.read_maildir(maildir)) == 1


async def test_names_cannot_inject_headers(service: SchedulingService, maildir: Path) -> None:
    service.ws.db.execute(
        "UPDATE candidates SET name = ? WHERE id = 1",
        ["Daan\r\nBcc: spy@evil.example\r\nX-Evil: 1"],
    )
    save_template(
        service.ws.db, "Injecting subject", "candidate_invitation",
        "Interview {{ candidate.name }}", "Dear {{ candidate.name }},\nSee you.\n",
    )  # fmt: skip
    template_id = service.ws.db.execute(
        "SELECT id FROM message_templates WHERE name = 'Injecting subject'"
    ).fetchone()[0]
    await service.send_candidate_invitation(await invited(service), template_id)
    (message,) = h.read_maildir(maildir)
    headers = next((maildir / "new").iterdir()).read_bytes().split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in headers and b"\nX-Evil:" not in headers
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Interview Daan Bcc: spy@evil.example X-Evil: 1"
    assert message["To"].addresses[0].addr_spec == "daan@candidate.example"


async def test_a_template_is_checked_when_saved(ws: Workspace) -> None:
    with pytest.raises(
        ValidationError, match=r"body line 3: unknown placeholder 'candidate\.phone'"
    ):
        save_template(
            ws.db,
            "Bad",
            "candidate_invitation",
            "Hi",
            "Dear {{ candidate.name }},\n\n{{ candidate.phone }}\n",
        )
    with pytest.raises(ValidationError, match="body line 2: syntax error"):
        save_template(
            ws.db, "Bad", "candidate_invitation", "Hi", "Dear,\n{% if interview.video_link %}\n"
        )
    assert (
        ws.db.execute("SELECT count(*) FROM message_templates WHERE name = 'Bad'").fetchone()[0]
        == 0
    )


async def test_a_broken_stored_template_is_refused_before_queueing(
    service: SchedulingService,
) -> None:
    interview_id = await invited(service)
    template_id = (
        service.ws.db.table("message_templates")
        .insert(
            {
                "name": "Imported",
                "purpose": "candidate_invitation",
                "subject": "Hi",
                "body": "{{ nobody.name }}",
            }
        )
        .last_pk
    )
    with pytest.raises(ValidationError, match="nobody"):
        await service.send_candidate_invitation(interview_id, template_id)
    assert not [r for r in h.outbox_rows(service.ws.db, interview_id) if r["kind"] == "send_mail"]


async def test_sent_through_a_real_smtp_server(ws: Workspace, smtp_server: h.SmtpServer) -> None:
    transport = SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=5)
    service = SchedulingService(ws, transport, retry=h.FAST_RETRIES)
    record = await service.send_candidate_invitation(await invited(service))
    (message,) = smtp_server.received.messages()
    assert smtp_server.received.envelopes[0].rcpt_tos == ["daan@candidate.example"]
    assert message["Subject"] == "Your technical interview at Northwind"
    assert str(calendar_of(message)["METHOD"]) == "REQUEST"
    assert record.candidate_status is CandidateStatus.EMAIL_SENT


async def test_a_mail_server_that_is_down_leaves_the_mail_in_the_outbox(
    ws: Workspace, smtp_server: h.SmtpServer, maildir: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = SchedulingService(
        ws, SmtpTransport("127.0.0.1", closed, security="none", timeout=1), retry=h.FAST_RETRIES
    )
    interview_id = await invited(down)
    with pytest.raises(OutboxIncomplete) as caught:
        await down.send_candidate_invitation(interview_id)
    assert str(caught.value) == (
        f"the candidate invitation to Daan de Jong is not sent yet: the mail server 127.0.0.1:{closed}"
        " refused the connection"
    )
    assert caught.value.retryable
    (row,) = [r for r in h.outbox_rows(ws.db, interview_id) if r["kind"] == "send_mail"]
    assert row["state"] == "pending" and row["attempts"] >= 2

    up = SchedulingService(
        ws, SmtpTransport(smtp_server.host, smtp_server.port, security="none", timeout=5)
    )
    report = await up.resume_pending()
    assert report.problems == {}
    assert len(smtp_server.received.messages()) == 1
    assert [r["state"] for r in h.outbox_rows(ws.db, interview_id)][-1] == "done"
    assert not h.read_maildir(maildir)


async def test_the_maildir_transport_is_the_default(ws: Workspace, maildir: Path) -> None:
    from panelist.mail.transport import transport_from_settings
    from panelist.services.directory import set_setting

    set_setting(ws.db, "maildir_path", str(maildir))
    service = SchedulingService(ws, transport_from_settings(ws.db))
    await service.send_candidate_invitation(await invited(service))
    assert isinstance(service.executor.transport, MaildirTransport)
    assert len(h.read_maildir(maildir)) == 1


HOSTILE_VALUES = [
    "=?utf-8?q?Ana=0D=0ABcc:_x@evil.example?=",
    "=?utf-8?b?QW5hDQpCY2M6IHhAZXZpbC5leGFtcGxl?=",  # the same, base64
    "Ana =?utf-8?q?=0ABcc:_x@evil.example?= Silva",
    "Ana\r\nBcc: x@evil.example",
    "Ana\nBcc: x@evil.example",
    "Ana\rBcc: x@evil.example",
    "Ana\u2028Bcc: x@evil.example",
    "Ana\u2029Bcc: x@evil.example",
    "Ana\x85Bcc: x@evil.example",
    "Ana\x1b]0;pwned\x07\x00Bcc: x@evil.example",
]
# Every mail a cancelled interview leaves: a multipart message with just these headers.
MAIL_HEADERS = sorted(
    ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]
)
# The candidate's mails come from the organiser, sent by the mail_from address.
CANDIDATE_MAIL_HEADERS = sorted([*MAIL_HEADERS, "Sender"])


@pytest.mark.parametrize("hostile", HOSTILE_VALUES)
async def test_no_stored_value_adds_a_mail_header(
    service: SchedulingService, maildir: Path, hostile: str
) -> None:
    """The invitation and both cancellations, with the hostile value as the candidate's, the
    organiser's and an interviewer's name and the job title, as an older database holds it."""
    db = service.ws.db
    db.execute("UPDATE candidates SET name = ? WHERE id = 1", [hostile])
    db.execute("UPDATE jobs SET title = ? WHERE id = 1", [hostile])
    db.execute(
        "UPDATE employees SET name = ? WHERE email IN (?, ?)",
        [hostile, h.email("rosa"), h.email("ana")],
    )
    db.execute(
        "UPDATE message_templates SET subject = ? WHERE purpose = 'candidate_invitation'",
        ["Interview for {{ candidate.name }}: {{ job.title }}"],
    )
    interview_id = await invited(service)
    await service.send_candidate_invitation(interview_id)
    await service.cancel(interview_id)

    files = sorted((maildir / "new").iterdir())
    subjects = []
    for file in files:
        headers = BytesHeaderParser(policy=compat32).parsebytes(file.read_bytes())
        to_candidate = "daan@candidate.example" in headers["To"]
        expected = CANDIDATE_MAIL_HEADERS if to_candidate else MAIL_HEADERS
        assert sorted(headers.keys()) == expected, file.read_bytes().split(b"\n\n")[0]
        subjects.append(str(make_header(decode_header(headers["Subject"]))))
    # the invitation, the candidate's cancellation, one to each interviewer (sam and ana)
    assert len(files) == 4
    # each names the candidate or the job, on one line, as written (no "=?" left to decode)
    assert all(one_line(hostile) in subject.replace("\u200b", "") for subject in subjects)
