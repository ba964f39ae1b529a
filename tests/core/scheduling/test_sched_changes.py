"""Cancel and reschedule (SPEC §5): everything made is removed or moved, never doubled;
the candidate gets METHOD:CANCEL or a new SEQUENCE; repeating either changes nothing."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
import scheduling_helpers as h

from panelist.errors import PermissionDenied
from panelist.models import InterviewStatus, Method
from panelist.providers import EventDraft, HostMeeting, ResponseStatus
from panelist.providers.ical import event_from_dict
from panelist.scheduling import InterviewNotOpen, SchedulingService, SlotTaken, list_notices
from panelist.scheduling.errors import HostHasOverlappingMeeting

pytestmark = pytest.mark.anyio
LATER = h.TUESDAY_10 + timedelta(days=1, hours=3)  # Wednesday 13:00 in Amsterdam


def ics_of(message: EmailMessage) -> tuple[str, icalendar.Component]:
    """The METHOD and the VEVENT of a mail's calendar part."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            (event,) = calendar.walk("VEVENT")
            return str(calendar["METHOD"]), event
    raise AssertionError("no calendar part")


async def full_interview(service: SchedulingService) -> int:
    record = await service.invite(
        h.request("sam", "ana", method=Method.VIDEO, host="sam", room="amstel")
    )
    await service.send_candidate_invitation(record.id)
    return record.id


async def test_cancel_removes_everything_and_tells_everyone(
    service: SchedulingService, maildir: Path
) -> None:
    interview_id = await full_interview(service)
    record = await service.cancel(interview_id)

    assert record.status is InterviewStatus.CANCELLED
    rows = h.local_rows(service.ws.db)
    assert len(rows) == 3 and all(r["deleted"] for r in rows)
    assert (
        service.ws.db.execute(
            "SELECT count(*) FROM interview_external_refs WHERE kind != 'candidate_event'"
        ).fetchone()[0]
        == 0
    )
    mails = h.read_maildir(maildir)
    by_to = {m["To"].addresses[0].addr_spec: m for m in mails}
    assert set(by_to) == {
        "daan@candidate.example",
        "sam@northwind.example",
        "ana@northwind.example",
    }
    cancel = [m for m in mails if m["Subject"].startswith("Your interview for")]
    (cancellation,) = cancel
    method, event = ics_of(cancellation)
    assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1  # the invitation was 0
    assert str(event["UID"]) == f"panelist-interview-{interview_id}-candidate@northwind.example"
    assert (
        by_to["sam@northwind.example"]["Subject"]
        == "Cancelled: interview with Daan de Jong (Senior Backend Engineer)"
    )
    deleted = [
        r for r in h.outbox_rows(service.ws.db, interview_id) if r["kind"] == "delete_meeting"
    ]
    assert [r["state"] for r in deleted] == ["done"]


async def test_cancel_is_safe_to_repeat(service: SchedulingService, maildir: Path) -> None:
    interview_id = await full_interview(service)
    await service.cancel(interview_id)
    before = (len(h.read_maildir(maildir)), len(h.outbox_rows(service.ws.db, interview_id)))
    await service.cancel(interview_id)
    assert (len(h.read_maildir(maildir)), len(h.outbox_rows(service.ws.db, interview_id))) == before


async def test_a_candidate_never_invited_gets_no_cancellation(
    service: SchedulingService, maildir: Path
) -> None:
    record = await service.invite(h.request("sam"))
    await service.cancel(record.id)
    assert [m["To"].addresses[0].addr_spec for m in h.read_maildir(maildir)] == [
        "sam@northwind.example"
    ]


async def test_a_past_or_cancelled_interview_cannot_be_moved(
    service: SchedulingService, clock: object
) -> None:
    record = await service.invite(h.request("sam"))
    await service.cancel(record.id)
    with pytest.raises(InterviewNotOpen, match="is cancelled"):
        await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    with pytest.raises(InterviewNotOpen):
        await service.send_candidate_invitation(record.id)


async def test_reschedule_moves_in_place_and_reinvites_with_a_higher_sequence(
    service: SchedulingService, maildir: Path
) -> None:
    interview_id = await full_interview(service)
    before = {r["key"]: r["uid"] for r in h.local_rows(service.ws.db)}
    link = service.ws.db.execute("SELECT video_link FROM interviews").fetchone()[0]

    record = await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1))

    rows = h.local_rows(service.ws.db)
    assert {r["key"]: r["uid"] for r in rows} == before  # the same events, moved
    assert all(not r["deleted"] and event_from_dict(r["data"]).start == LATER for r in rows)
    assert record.video_link == link  # Jitsi moves the meeting in place
    assert (record.start, record.sequence) == (LATER, 1)
    history = service.ws.db.execute("SELECT start_utc, end_utc FROM interview_history").fetchall()
    assert history == [(h.TUESDAY_10.isoformat(), (h.TUESDAY_10 + timedelta(hours=1)).isoformat())]
    invitations = [ics_of(m) for m in h.read_maildir(maildir)]
    events = sorted((event for _, event in invitations), key=lambda e: int(e["SEQUENCE"]))
    assert [method for method, _ in invitations] == ["REQUEST", "REQUEST"]
    assert [e["SEQUENCE"] for e in events] == [0, 1]
    assert events[0]["UID"] == events[1]["UID"] and events[1].decoded("DTSTART") == LATER


async def test_reschedule_to_another_room_frees_the_old_one(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam", room="amstel"))
    await service.reschedule(record.id, LATER, LATER + timedelta(hours=1), room_id=h.room_id("ij"))
    rooms = {
        r["calendar_id"]: r["deleted"]
        for r in h.local_rows(service.ws.db)
        if r["calendar_id"].startswith("room:")
    }
    assert rooms == {"room:amstel": True, "room:ij": False}
    # Amstel is free again at the old time
    other = await service.invite(h.request("ana", room="amstel"))
    assert other.room is not None and other.room.name == "Amstel"


async def test_a_provider_that_cannot_move_meetings_gets_a_new_one_and_loses_the_old(
    service: SchedulingService,
) -> None:
    service.ws.db.table("provider_settings").insert(
        {"provider": "strict", "key": "hosts", "value": h.email("sam")}
    )
    record = await service.invite(h.request("sam", method=Method.VIDEO, host="sam", video="strict"))
    moved = await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    strict = service.ws.conference_provider("strict")
    assert moved.video_link != record.video_link
    assert list(strict.meetings) == [moved.video_link.rsplit("/", 1)[1]]  # type: ignore[attr-defined, union-attr]
    assert strict.deleted == [record.video_link.rsplit("/", 1)[1]]  # type: ignore[attr-defined, union-attr]
    (event,) = [event_from_dict(r["data"]) for r in h.local_rows(service.ws.db)]
    assert event.conference_url == moved.video_link


async def test_reschedule_asks_everyone_again(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam"))
    uid = service.ws.db.execute("SELECT external_id FROM interview_external_refs").fetchone()[0]
    service.ws.calendar_provider("local").set_response(
        h.calendar_id("sam"), uid, h.email("sam"), "accepted"
    )  # type: ignore[attr-defined]
    await service.refresh_responses(record.id)
    moved = await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    assert moved.participants[0].response is ResponseStatus.NEEDS_ACTION
    await service.refresh_responses(record.id)
    assert (
        service.ws.db.execute("SELECT response FROM interview_participants").fetchone()[0]
        == "needs_action"
    )


async def test_a_new_room_at_the_same_time_keeps_the_answers(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam", room="amstel"))
    uid = service.ws.db.execute(
        "SELECT external_id FROM interview_external_refs WHERE kind = 'interviewer_event'"
    ).fetchone()[0]
    service.ws.calendar_provider("local").set_response(
        h.calendar_id("sam"), uid, h.email("sam"), "declined"
    )  # type: ignore[attr-defined]
    await service.refresh_responses(record.id)
    moved = await service.reschedule(record.id, record.start, record.end, room_id=h.room_id("maas"))
    assert moved.sequence == 1 and moved.room is not None and moved.room.name == "Maas"
    # The time is the same, so the calendars keep Sam's answer: so does the interview, and
    # reading it back again is no news (the organiser heard of the decline once).
    assert moved.participants[0].response is ResponseStatus.DECLINED
    await service.refresh_responses(record.id)
    assert len(list_notices(service.ws, unread_only=False)) == 1


async def test_reschedule_to_a_busy_time_changes_nothing(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam", "ana"))
    draft = EventDraft("Dentist", LATER, LATER + timedelta(minutes=30))
    await service.ws.calendar_provider("local").create_event(h.calendar_id("ana"), draft, "dentist")
    with pytest.raises(SlotTaken, match="Ana Silva is busy 13:00–13:30"):
        await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    assert service.ws.db.execute("SELECT start_utc, sequence FROM interviews").fetchone() == (
        h.TUESDAY_10.isoformat(),
        0,
    )
    # moving by half an hour overlaps the interview's own events, which do not count
    moved = await service.reschedule(
        record.id, h.TUESDAY_10 + timedelta(minutes=30), h.TUESDAY_10 + timedelta(minutes=90)
    )
    assert moved.sequence == 1


async def test_reschedule_to_the_same_time_is_a_no_op(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam"))
    again = await service.reschedule(record.id, record.start, record.end)
    assert again.sequence == 0 and len(h.outbox_rows(service.ws.db, record.id)) == 1


async def test_only_a_scheduler_may_cancel(service: SchedulingService, clock: object) -> None:
    record = await service.invite(h.request("sam"))
    eve = h.workspace(service.ws.db_path, service.ws.registry, service.ws.clock, as_key="eve")  # type: ignore[arg-type]
    try:
        with pytest.raises(PermissionDenied):
            await SchedulingService(eve).cancel(record.id)
    finally:
        eve.close()


async def test_a_meeting_the_host_made_elsewhere_is_a_conflict_but_not_the_interviews_own(
    service: SchedulingService,
) -> None:
    """Zoom and GoTo let a host's meetings overlap; core asks the provider (SPEC §2.6)."""
    service.ws.db.table("provider_settings").insert(
        {"provider": "strict", "key": "hosts", "value": h.email("sam")}
    )
    strict = service.ws.conference_provider("strict")
    start = h.request("sam").start
    strict.elsewhere.append(  # type: ignore[attr-defined]
        (
            h.email("sam"),
            HostMeeting("zoom-123", start + timedelta(minutes=30), start + timedelta(hours=2)),
        )
    )
    video = h.request("sam", method=Method.VIDEO, host="sam", video="strict")
    with pytest.raises(
        HostHasOverlappingMeeting,
        match=r"^Sam Lee already hosts a Strict Meetings meeting 10:30–12:00$",
    ):
        await service.invite(video)
    assert service.ws.db.execute("SELECT count(*) FROM interviews").fetchone()[0] == 0

    strict.elsewhere.clear()  # type: ignore[attr-defined]
    record = await service.invite(video)
    # Moving it by half an hour overlaps only its own meeting: no conflict.
    moved = await service.reschedule(
        record.id, record.start + timedelta(minutes=30), record.end + timedelta(minutes=30)
    )
    assert moved.start == record.start + timedelta(minutes=30)
