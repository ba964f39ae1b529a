"""The message composer's core (issue 17, item 2): a draft rendered from the template chosen
by purpose and language, with both times and the attachment named; the recruiter's edited
text is what is sent and what the outbox keeps, exactly once; bad edits are refused."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.errors import ValidationError
from panelist.mail.templates import save_template
from panelist.mail.transport import MaildirTransport, MailError
from panelist.models import CandidateStatus, Method
from panelist.scheduling import OutboxIncomplete, RetryPolicy, SchedulingService
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio

EDITED_SUBJECT = "Your interview with us, {{ candidate.name }}"
EDITED_TEXT = (
    "Dear Daan,\n\nSee you soon: {{ interview.start_candidate }} stays as typed.\n\nRosa\n"
)


async def invited(service: SchedulingService) -> int:
    record = await service.invite(h.request("sam", "ana", method=Method.VIDEO, host="sam"))
    return record.id


def outbox_mails(ws: Workspace, interview_id: int) -> list[dict[str, object]]:
    rows = ws.db.execute(
        "SELECT payload, state FROM outbox WHERE interview_id = ? AND kind = 'send_mail'",
        [interview_id],
    ).fetchall()
    return [json.loads(payload) | {"state": state} for payload, state in rows]


async def test_the_draft_names_both_times_the_attachment_and_the_template(
    service: SchedulingService,
) -> None:
    interview_id = await invited(service)
    draft = service.draft_candidate_mail(interview_id)

    assert draft.purpose == "candidate_invitation" and draft.sent_at is None
    assert draft.to == "Daan de Jong <daan@candidate.example>"
    assert draft.candidate_time == "Tuesday 24 November 2026, 04:00–05:00 (America/New_York)"
    assert draft.organiser_time == "Tuesday 24 November 2026, 10:00–11:00 (Europe/Amsterdam)"
    assert draft.attachment == "invite.ics"
    assert draft.candidate_time in draft.text  # rendered in the candidate's zone
    assert draft.template.id in {t.id for t in draft.templates}
    free = service.draft_candidate_mail(interview_id, "candidate_message")
    assert free.attachment is None and free.text.startswith("Dear Daan de Jong,")


async def test_the_template_is_chosen_by_language(
    ws: Workspace, service: SchedulingService
) -> None:
    interview_id = await invited(service)
    dutch = save_template(
        ws.db,
        "Uitnodiging",
        "candidate_invitation",
        "Uitnodiging: {{ job.title }}",
        "Beste {{ candidate.name }},\n\nTot {{ interview.start_candidate }}.\n",
        "nl",
    )
    draft = service.draft_candidate_mail(interview_id, language="nl")
    assert draft.template.id == dutch and draft.template.language == "nl"
    assert draft.text.startswith("Beste Daan de Jong,")
    assert "nl" in draft.languages and "en" in draft.languages
    assert service.draft_candidate_mail(interview_id, language="en").template.id != dutch
    chosen = service.draft_candidate_mail(interview_id, template_id=dutch)
    assert chosen.subject.startswith("Uitnodiging:")


async def test_the_edited_text_is_sent_and_kept_exactly_once(
    ws: Workspace, service: SchedulingService, maildir: Path
) -> None:
    interview_id = await invited(service)
    record = await service.send_candidate_invitation(
        interview_id, subject=EDITED_SUBJECT, text=EDITED_TEXT.replace("\n", "\r\n")
    )
    assert record.candidate_status is CandidateStatus.EMAIL_SENT
    (message,) = h.read_maildir(maildir)
    assert message["Subject"] == EDITED_SUBJECT  # never rendered as a template
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == EDITED_TEXT
    (ics,) = [p for p in message.walk() if p.get_content_type() == "application/ics"]
    assert ics.get_filename() == "invite.ics"
    (kept,) = outbox_mails(ws, interview_id)
    assert kept["state"] == "done"
    assert kept["intent"]["subject"] == EDITED_SUBJECT  # type: ignore[index]
    assert kept["intent"]["text"] == EDITED_TEXT  # type: ignore[index]

    # Asking again (a key pressed twice, another edit) sends nothing more.
    await service.send_candidate_invitation(interview_id, subject="Other", text="Other text")
    assert len(h.read_maildir(maildir)) == 1
    assert len(outbox_mails(ws, interview_id)) == 1
    # The composer then shows what went out.
    draft = service.draft_candidate_mail(interview_id)
    assert draft.sent_at is not None
    assert (draft.subject, draft.text) == (EDITED_SUBJECT, EDITED_TEXT)


async def test_a_free_message_goes_once_without_an_ics(
    ws: Workspace, service: SchedulingService, maildir: Path
) -> None:
    interview_id = await invited(service)
    for _ in range(2):
        await service.send_candidate_message(interview_id, "A question", "Dear Daan,\n\nHi.\n")
    (message,) = h.read_maildir(maildir)
    assert message["Subject"] == "A question"
    assert message["To"] == "Daan de Jong <daan@candidate.example>"
    assert message["From"] == "Rosa Jansen <rosa@northwind.example>"
    assert not [p for p in message.walk() if p.get_content_type() == "application/ics"]
    await service.send_candidate_message(interview_id, "A question", "Another text\n")
    assert len(h.read_maildir(maildir)) == 2
    assert [m["intent"]["text"] for m in outbox_mails(ws, interview_id)] == [  # type: ignore[index]
        "Dear Daan,\n\nHi.\n",
        "Another text\n",
    ]


@pytest.mark.parametrize(
    ("subject", "text", "field", "words"),
    [
        ("Hi\r\nBcc: victim@example.com", "Text", "subject", "subject"),
        ("=?utf-8?q?Bcc=3A_x?=", "Text", "subject", "subject"),
        ("", "Text", "subject", "needs a subject"),
        ("Hi", "  \n", "body", "empty"),
        ("Hi", "line one\nline \x1b]0;title\x07two\n", "body", "line 2"),
        ("Hi", "x" * 100_001, "body", "longer"),
    ],
)
async def test_a_bad_edit_is_refused_and_nothing_is_queued(
    ws: Workspace,
    service: SchedulingService,
    maildir: Path,
    subject: str,
    text: str,
    field: str,
    words: str,
) -> None:
    interview_id = await invited(service)
    with pytest.raises(ValidationError, match=words) as refused:
        await service.send_candidate_invitation(interview_id, subject=subject, text=text)
    assert refused.value.field == field
    with pytest.raises(ValidationError):
        await service.send_candidate_message(interview_id, subject, text)
    assert outbox_mails(ws, interview_id) == []
    assert h.read_maildir(maildir) == []


async def test_a_template_that_does_not_render_is_refused_before_anything_is_queued(
    ws: Workspace, service: SchedulingService, maildir: Path
) -> None:
    interview_id = await invited(service)
    broken = save_template(
        ws.db,
        "Broken",
        "candidate_invitation",
        "Hello",
        "Line one\n{{ interview.video_link[999] }}\n",
    )
    with pytest.raises(ValidationError, match="body line 2"):
        service.draft_candidate_mail(interview_id, template_id=broken)
    with pytest.raises(ValidationError, match="body line 2"):
        await service.send_candidate_invitation(interview_id, broken)
    assert outbox_mails(ws, interview_id) == []


async def test_only_composer_purposes(service: SchedulingService) -> None:
    interview_id = await invited(service)
    with pytest.raises(ValidationError, match="cannot write"):
        service.draft_candidate_mail(interview_id, "decline_notice")


class FlakyMaildir(MaildirTransport):
    """A Maildir that fails (retryably) its first `failures` sends, like a full disk."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def send(self, message: EmailMessage) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise MailError("the disk is full", retryable=True)
        super().send(message)


async def test_an_edited_text_left_in_the_outbox_goes_later_as_edited_once(
    ws: Workspace, maildir: Path
) -> None:
    quick = RetryPolicy(budget_seconds=0.2, first_backoff_seconds=0.05)
    flaky = SchedulingService(ws, FlakyMaildir(maildir, failures=100), retry=quick)
    interview_id = await invited(flaky)
    with pytest.raises(OutboxIncomplete):
        await flaky.send_candidate_invitation(interview_id, subject="Edited", text=EDITED_TEXT)
    assert h.read_maildir(maildir) == []
    (waiting,) = outbox_mails(ws, interview_id)
    assert waiting["state"] == "pending" and waiting["intent"]["text"] == EDITED_TEXT  # type: ignore[index]

    # A later run (cron's resume, another app) sends the kept text, not the template.
    later = SchedulingService(ws, MaildirTransport(maildir))
    await later.resume_pending(interview_id)
    await later.resume_pending(interview_id)
    (message,) = h.read_maildir(maildir)
    assert message["Subject"] == "Edited"
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == EDITED_TEXT
