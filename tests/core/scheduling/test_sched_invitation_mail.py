"""What the candidate's mails say and who they come from (issue 11 §3): sent on the
organiser's behalf, a reschedule that says it moved, times in the organiser's zone for a
candidate without one; and a database from before the reschedule template takes it."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
import scheduling_helpers as h
import vobject
from sqlite_utils import Database

from panelist.mail.templates import save_template, templates_for
from panelist.models import Method
from panelist.scheduling import SchedulingService
from panelist.storage.database import connect, open_database
from panelist.storage.migrations import MigrationSet, migrate
from panelist.storage.schema import core_migrations

pytestmark = pytest.mark.anyio
LATER = h.TUESDAY_10 + timedelta(days=1, hours=3)  # Wednesday 13:00 in Amsterdam


def text_of(message: EmailMessage) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def calendar_text(message: EmailMessage) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


async def invited(service: SchedulingService, **extra: object) -> int:
    record = await service.invite(h.request("sam", method=Method.PHONE, **extra))
    await service.send_candidate_invitation(record.id)
    return record.id


async def test_the_candidate_mail_is_the_organisers_sent_by_panelist(
    service: SchedulingService, maildir: Path
) -> None:
    await invited(service)
    (message,) = h.read_maildir(maildir)
    assert message["From"] == "Rosa Jansen <rosa@northwind.example>"
    assert message["Sender"] == "Northwind Recruiting <jobs@northwind.example>"
    ics = calendar_text(message)
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:rosa@northwind.example"
    assert event["ORGANIZER"].params["SENT-BY"] == "mailto:jobs@northwind.example"
    vobject.readOne(ics, validate=True)


async def test_a_reschedule_says_it_moved_from_the_old_time_to_the_new(
    service: SchedulingService, maildir: Path
) -> None:
    interview_id = await invited(service)
    await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1))

    invitation, moved = h.read_maildir(maildir)
    assert moved["Subject"] == "New time for your technical interview for Senior Backend Engineer"
    assert moved["Subject"] != invitation["Subject"]
    text = text_of(moved)
    assert "invite" not in text.lower()
    assert (
        "from Tuesday 24 November 2026, 04:00–05:00 (America/New_York)"
        " to Wednesday 25 November 2026, 07:00–08:00 (America/New_York)"
    ) in " ".join(text.split())
    (event,) = icalendar.Calendar.from_ical(calendar_text(moved)).walk("VEVENT")
    assert (event["SEQUENCE"], event.decoded("DTSTART")) == (1, LATER)
    rows = service.ws.db.execute(
        "SELECT key FROM outbox WHERE target = 'mail:candidate' ORDER BY id"
    ).fetchall()
    assert [key for (key,) in rows] == [
        f"interview-{interview_id}-mail-candidate_invitation-s0",
        f"interview-{interview_id}-mail-candidate_reschedule-s1",
    ]


async def test_a_reschedule_uses_the_companys_own_reschedule_template(
    service: SchedulingService, maildir: Path
) -> None:
    save_template(
        service.ws.db, "Verzet", "candidate_reschedule", "Verzet: {{ job.title }}",
        "Beste {{ candidate.name }},\n\nNiet {{ previous.start_candidate }}"
        " maar {{ interview.start_candidate }}.\n",
    )  # fmt: skip
    interview_id = await invited(service)
    await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1))
    _, moved = h.read_maildir(maildir)
    assert moved["Subject"] == "Verzet: Senior Backend Engineer"
    assert text_of(moved).startswith("Beste Daan de Jong,\n\nNiet Tuesday 24 November 2026")


async def test_a_candidate_without_a_zone_reads_the_organisers_zone_named(
    service: SchedulingService, maildir: Path
) -> None:
    service.ws.db.execute("UPDATE candidates SET timezone = NULL WHERE id = 1")
    await invited(service, timezone="America/Chicago")  # the company's is Europe/Amsterdam
    (message,) = h.read_maildir(maildir)
    assert "Tuesday 24 November 2026, 03:00–04:00 (America/Chicago)" in text_of(message)
    ics = calendar_text(message)
    assert "DTSTART;TZID=America/Chicago:20261124T030000" in ics
    assert "TZID:America/Chicago" in ics


def test_a_database_from_before_the_reschedule_template_takes_one(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    before = MigrationSet("core")
    before.steps = core_migrations.steps[:4]
    old = connect(path)
    migrate(old, [before])
    old.table("message_templates").insert(
        {"name": "Ours", "purpose": "candidate_invitation", "subject": "Hi", "body": "Hello\n"}
    )
    old.close()

    db: Database = open_database(path)
    assert [t.name for t in templates_for(db, "candidate_invitation")] == ["Ours"]
    save_template(
        db, "Moved", "candidate_reschedule", "Moved", "From {{ previous.start_candidate }}\n"
    )
    assert [t.name for t in templates_for(db, "candidate_reschedule")] == ["Moved"]
    db.close()
