"""The composer for the candidate's reschedule and cancellation mails (issue 17, item 2):
core drafts each before the change is made (the new time in both zones, the .ics a REQUEST
or a CANCEL), the edited text is what the SMTP server receives and what the outbox keeps,
exactly once even when the call is repeated after a failure, and a template that does not
render, or an edit that could not be sent, is refused before anything changes."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest
import scheduling_helpers as h

from panelist.errors import ValidationError
from panelist.mail.templates import save_template
from panelist.mail.transport import MaildirTransport, MailError, SmtpTransport
from panelist.models import InterviewStatus, Method
from panelist.scheduling import (
    MailEdit,
    OutboxIncomplete,
    RetryPolicy,
    SchedulingService,
    load_interview,
)
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio

LATER = h.TUESDAY_10 + timedelta(days=1, hours=3)  # Wednesday 13:00 in Amsterdam
MOVE_SUBJECT = "Moved: {{ interview.start_candidate }}"
MOVE_TEXT = "Dear Daan,\n\nWe meet on Wednesday instead; {{ previous.start_candidate }} stays.\n"
CANCEL_SUBJECT = "About Tuesday"
CANCEL_TEXT = "Dear Daan,\n\nWe found someone else; sorry for the short notice.\n\nRosa\n"


def smtp(server: h.SmtpServer) -> SmtpTransport:
    return SmtpTransport(server.host, server.port, security="none", timeout=5)


async def invited(service: SchedulingService) -> int:
    record = await service.invite(h.request("sam", "ana", method=Method.VIDEO, host="sam"))
    await service.send_candidate_invitation(record.id)
    return record.id


def candidate_mails(ws: Workspace, interview_id: int) -> list[dict[str, Any]]:
    rows = ws.db.execute(
        "SELECT key, payload, state FROM outbox WHERE interview_id = ?"
        " AND target = 'mail:candidate' ORDER BY id",
        [interview_id],
    ).fetchall()
    return [{"key": k, "state": s, **json.loads(payload)["intent"]} for k, payload, s in rows]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def state(ws: Workspace, interview_id: int) -> tuple[Any, ...]:
    """Everything a refused change must leave as it was."""
    db = ws.db
    return (
        db.execute(
            "SELECT start_utc, end_utc, status, sequence, room_id FROM interviews WHERE id = ?",
            [interview_id],
        ).fetchone(),
        db.execute("SELECT count(*) FROM outbox").fetchone(),
        db.execute("SELECT count(*) FROM interview_history").fetchone(),
        db.execute("SELECT count(*) FROM audit_log").fetchone(),
    )


# --------------------------------------------------------------------------- drafts


async def test_a_move_is_drafted_before_it_is_made(
    ws: Workspace, service: SchedulingService
) -> None:
    interview_id = await invited(service)
    before = state(ws, interview_id)
    draft = service.draft_move_mail(interview_id, LATER, LATER + timedelta(hours=1))

    assert state(ws, interview_id) == before  # a draft changes nothing
    assert draft.purpose == "candidate_reschedule" and draft.will_send
    assert draft.candidate_time == "Wednesday 25 November 2026, 07:00–08:00 (America/New_York)"
    assert draft.organiser_time == "Wednesday 25 November 2026, 13:00–14:00 (Europe/Amsterdam)"
    assert (draft.attachment, draft.ics_method) == ("invite.ics", "REQUEST")
    assert draft.subject.startswith("New time for your technical interview")
    words = " ".join(draft.text.split())
    assert (
        "from Tuesday 24 November 2026, 04:00–05:00 (America/New_York)"
        " to Wednesday 25 November 2026, 07:00–08:00 (America/New_York)"
    ) in words
    assert draft.sent_at is None


async def test_a_move_core_would_refuse_is_not_drafted(service: SchedulingService) -> None:
    interview_id = await invited(service)
    past = h.NOW - timedelta(days=1)
    with pytest.raises(ValidationError, match="future"):
        service.draft_move_mail(interview_id, past, past + timedelta(hours=1))


async def test_a_cancellation_is_drafted_with_a_cancel_attachment(
    ws: Workspace, service: SchedulingService
) -> None:
    interview_id = await invited(service)
    dutch = save_template(
        ws.db, "Afzegging", "candidate_cancellation", "Afgezegd: {{ job.title }}",
        "Beste {{ candidate.name }},\n\nHelaas gaat {{ interview.start_candidate }} niet door.\n",
        "nl",
    )  # fmt: skip
    before = state(ws, interview_id)
    draft = service.draft_candidate_mail(interview_id, "candidate_cancellation")
    assert state(ws, interview_id) == before
    assert draft.will_send and (draft.attachment, draft.ics_method) == ("invite.ics", "CANCEL")
    assert draft.candidate_time == "Tuesday 24 November 2026, 04:00–05:00 (America/New_York)"
    assert draft.candidate_time in draft.text
    in_dutch = service.draft_candidate_mail(interview_id, "candidate_cancellation", language="nl")
    assert in_dutch.template.id == dutch and in_dutch.text.startswith("Beste Daan de Jong,")
    assert "nl" in in_dutch.languages


async def test_a_candidate_never_invited_is_mailed_nothing(
    ws: Workspace, service: SchedulingService, maildir: Path
) -> None:
    record = await service.invite(h.request("sam", method=Method.PHONE))
    move = service.draft_move_mail(record.id, LATER, LATER + timedelta(hours=1))
    assert not move.will_send
    assert not service.draft_candidate_mail(record.id, "candidate_cancellation").will_send
    await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    assert not service.draft_candidate_mail(record.id, "candidate_reschedule").will_send
    await service.cancel(record.id)
    assert [m["To"] for m in h.read_maildir(maildir)] == ["Sam Lee <sam@northwind.example>"]
    assert [m["state"] for m in candidate_mails(ws, record.id)] == ["skipped"]  # the CANCEL


async def test_a_move_to_the_same_time_mails_nobody(service: SchedulingService) -> None:
    interview_id = await invited(service)
    record = load_interview(service.ws, interview_id)
    assert not service.draft_move_mail(interview_id, record.start, record.end).will_send


async def test_the_last_moves_mail_is_shown_as_it_went(
    ws: Workspace, service: SchedulingService
) -> None:
    interview_id = await invited(service)
    with pytest.raises(ValidationError, match="never moved"):
        service.draft_candidate_mail(interview_id, "candidate_reschedule")
    edit = MailEdit("Moved", MOVE_TEXT)
    await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1), mail=edit)
    sent = service.draft_candidate_mail(interview_id, "candidate_reschedule")
    assert (
        sent.will_send
        and sent.sent_at is not None
        and (sent.subject, sent.text) == ("Moved", MOVE_TEXT)
    )


# --------------------------------------------------------------------------- sending


async def test_the_edited_new_time_is_what_the_server_receives_and_the_outbox_keeps(
    ws: Workspace, smtp_server: h.SmtpServer
) -> None:
    service = SchedulingService(ws, smtp(smtp_server), retry=h.FAST_RETRIES)
    interview_id = await invited(service)
    edit = MailEdit(MOVE_SUBJECT, MOVE_TEXT.replace("\n", "\r\n"))
    for _ in range(2):  # a key pressed twice, a retried call: one move, one mail
        await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1), mail=edit)

    _invitation, moved = smtp_server.received.messages()
    assert moved["Subject"] == MOVE_SUBJECT  # never rendered as a template
    assert text_of(moved) == MOVE_TEXT
    calendar = calendar_of(moved)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert (event["SEQUENCE"], event.decoded("DTSTART")) == (1, LATER)
    kept = candidate_mails(ws, interview_id)[-1]
    assert kept["key"] == f"interview-{interview_id}-mail-candidate_reschedule-s1"
    assert kept["state"] == "done"
    assert (kept["subject"], kept["text"]) == (MOVE_SUBJECT, MOVE_TEXT)
    assert ws.db.execute("SELECT count(*) FROM interview_history").fetchone()[0] == 1


async def test_the_edited_cancellation_is_what_the_server_receives_and_the_outbox_keeps(
    ws: Workspace, smtp_server: h.SmtpServer
) -> None:
    service = SchedulingService(ws, smtp(smtp_server), retry=h.FAST_RETRIES)
    interview_id = await invited(service)
    edit = MailEdit(CANCEL_SUBJECT, CANCEL_TEXT)
    for _ in range(2):
        record = await service.cancel(interview_id, mail=edit)
    assert record.status is InterviewStatus.CANCELLED

    to_candidate = [m for m in smtp_server.received.messages() if "daan@" in str(m["To"])]
    _invitation, cancellation = to_candidate
    assert cancellation["Subject"] == CANCEL_SUBJECT
    assert text_of(cancellation) == CANCEL_TEXT
    calendar = calendar_of(cancellation)
    (event,) = calendar.walk("VEVENT")
    assert (str(calendar["METHOD"]), event["SEQUENCE"]) == ("CANCEL", 1)
    kept = candidate_mails(ws, interview_id)[-1]
    assert kept["purpose"] == "candidate_cancellation" and kept["state"] == "done"
    assert (kept["subject"], kept["text"]) == (CANCEL_SUBJECT, CANCEL_TEXT)


async def test_the_chosen_template_is_kept_and_sent(
    ws: Workspace, service: SchedulingService, maildir: Path
) -> None:
    interview_id = await invited(service)
    dutch = save_template(
        ws.db, "Verzet", "candidate_reschedule", "Verzet: {{ job.title }}",
        "Beste {{ candidate.name }},\n\nNiet {{ previous.start_candidate }}.\n", "nl",
    )  # fmt: skip
    draft = service.draft_move_mail(
        interview_id, LATER, LATER + timedelta(hours=1), template_id=dutch
    )
    edit = MailEdit(draft.subject, draft.text, draft.template.id)
    await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1), mail=edit)
    _, moved = h.read_maildir(maildir)
    assert moved["Subject"] == "Verzet: Senior Backend Engineer"
    assert text_of(moved) == draft.text
    assert candidate_mails(ws, interview_id)[-1]["template_id"] == dutch


# --------------------------------------------------------------------------- refusals


async def test_a_template_that_does_not_render_is_refused_before_anything_changes(
    ws: Workspace, service: SchedulingService, maildir: Path
) -> None:
    interview_id = await invited(service)
    broken = {
        purpose: save_template(
            ws.db, f"Broken {purpose}", purpose, "Hi", "Line one\n{{ interview.video_link[999] }}\n"
        )
        for purpose in ("candidate_reschedule", "candidate_cancellation")
    }
    before = state(ws, interview_id)
    with pytest.raises(ValidationError, match="body line 2"):
        service.draft_move_mail(interview_id, LATER, LATER + timedelta(hours=1))
    with pytest.raises(ValidationError, match="body line 2"):
        service.draft_candidate_mail(interview_id, "candidate_cancellation")
    # The company's only template of each purpose is broken: the change waits for a fix.
    with pytest.raises(ValidationError, match="body line 2"):
        await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1))
    with pytest.raises(ValidationError, match="body line 2"):
        await service.cancel(interview_id)
    # Chosen for an edit, its id must still name a template of the purpose.
    wrong = MailEdit("Hi", "Text", broken["candidate_cancellation"])
    with pytest.raises(Exception, match="not a candidate_reschedule template"):
        await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1), mail=wrong)
    assert state(ws, interview_id) == before
    assert len(h.read_maildir(maildir)) == 1  # the invitation only


async def test_an_edit_that_could_not_be_sent_is_refused_before_anything_changes(
    ws: Workspace, service: SchedulingService
) -> None:
    interview_id = await invited(service)
    with pytest.raises(ValidationError, match="subject") as refused:
        MailEdit("Hi\r\nBcc: victim@example.com", "Text")
    assert refused.value.field == "subject"
    with pytest.raises(ValidationError, match="empty"):
        MailEdit("Hi", " \n")
    # A caller that gets round the constructor is refused by the service all the same.
    sneaky = object.__new__(MailEdit)
    for name, value in (
        ("subject", "Hi"),
        ("text", "one\n\x1b]0;x\x07two\n"),
        ("template_id", None),
    ):
        object.__setattr__(sneaky, name, value)
    before = state(ws, interview_id)
    with pytest.raises(ValidationError, match="line 2"):
        await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1), mail=sneaky)
    with pytest.raises(ValidationError, match="line 2"):
        await service.cancel(interview_id, mail=sneaky)
    assert state(ws, interview_id) == before


# --------------------------------------------------------------------------- exactly once


class FlakyMaildir(MaildirTransport):
    """A Maildir that fails (retryably) every send, like a full disk, until `fixed`."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fixed = False

    def send(self, message: EmailMessage) -> None:
        if not self.fixed:
            raise MailError("the disk is full", retryable=True)
        super().send(message)


async def test_a_repeated_call_sends_the_kept_edit_once_never_the_template(
    ws: Workspace, maildir: Path
) -> None:
    quick = RetryPolicy(budget_seconds=0.2, first_backoff_seconds=0.05)
    transport = FlakyMaildir(maildir)
    service = SchedulingService(ws, transport, retry=quick)
    record = await service.invite(h.request("sam", method=Method.PHONE))
    transport.fixed = True
    await service.send_candidate_invitation(record.id)
    transport.fixed = False

    first = MailEdit("Moved", MOVE_TEXT)
    with pytest.raises(OutboxIncomplete):
        await service.reschedule(record.id, LATER, LATER + timedelta(hours=1), mail=first)
    # Repeated with no edit, then with another: the move is made, its kept text waits.
    with pytest.raises(OutboxIncomplete):
        await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    transport.fixed = True
    other = MailEdit("Other", "Another text\n")
    await service.reschedule(record.id, LATER, LATER + timedelta(hours=1), mail=other)
    await service.resume_pending(record.id)

    transport.fixed = False
    with pytest.raises(OutboxIncomplete):
        await service.cancel(record.id, mail=MailEdit(CANCEL_SUBJECT, CANCEL_TEXT))
    transport.fixed = True
    await service.cancel(record.id)
    await service.cancel(record.id, mail=other)

    mails = [m for m in h.read_maildir(maildir) if "daan@" in str(m["To"])]
    sent = sorted((str(calendar_of(m)["METHOD"]), m["Subject"], text_of(m)) for m in mails)
    assert len(sent) == 3 and sent[:2] == [
        ("CANCEL", CANCEL_SUBJECT, CANCEL_TEXT),
        ("REQUEST", "Moved", MOVE_TEXT),
    ]
    assert sent[2][1] == "Your technical interview at Northwind"  # the invitation
    assert [m["state"] for m in candidate_mails(ws, record.id)] == ["done"] * 3
