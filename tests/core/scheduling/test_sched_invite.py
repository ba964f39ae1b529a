"""Invite interviewers (SPEC §2.9): the meeting first, then one private event per internal
participant and the room booking, concurrently; the interview is Scheduled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.mail.transport import MaildirTransport
from panelist.models import InterviewStatus, Method
from panelist.providers.ical import event_from_dict
from panelist.scheduling import SchedulingService, StepEvent
from panelist.services.interviews import interviews_for_application
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


async def test_invite_makes_meeting_events_and_booking(service: SchedulingService) -> None:
    request = h.request(
        "sam",
        "ana",
        "nadia",
        method=Method.VIDEO,
        host="sam",
        room="amstel",
        notes="Ask about Rust.",
    )
    record = await service.invite(request)

    assert record.status is InterviewStatus.SCHEDULED
    assert record.video_link is not None and record.video_link.startswith(
        "https://meet.jit.si/Panelist-"
    )
    rows = h.local_rows(service.ws.db)
    assert [(r["calendar_id"], r["key"]) for r in rows] == [
        ("sam@northwind.example", f"interview-{record.id}-interviewer_event-e3"),
        ("ana@northwind.example", f"interview-{record.id}-interviewer_event-e4"),
        ("room:amstel", f"interview-{record.id}-room_booking-r1"),
    ]  # Nadia's calendar is not integrated: nothing to write there
    for row in rows:
        event = event_from_dict(row["data"])
        assert (
            event.private and event.summary == "Interview: Daan de Jong (Senior Backend Engineer)"
        )
        assert event.start == h.TUESDAY_10 and event.conference_url == record.video_link
        assert "Application: https://ats.northwind.example/applications/1" in event.description
        assert f"Video call: {record.video_link}" in event.description
        assert "Ask about Rust." in event.description
        assert "Interviewers: Sam Lee, Ana Silva, Nadia Haddad" in event.description
    # Each participant is the only attendee of their own copy, so their answer is theirs alone.
    assert [a["email"] for a in rows[0]["data"]["attendees"]] == ["sam@northwind.example"]
    assert rows[2]["data"]["attendees"] == []


async def test_the_external_refs_use_the_demo_key_format(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam", method=Method.VIDEO, host="sam", room="amstel"))
    refs = service.ws.db.execute(
        "SELECT kind, provider, idempotency_key, external_id FROM interview_external_refs ORDER BY kind"
    ).fetchall()
    assert [(kind, provider, key) for kind, provider, key, _ in refs] == [
        ("interviewer_event", "local", f"interview-{record.id}-interviewer_event-e3"),
        ("meeting", "jitsi", f"interview-{record.id}-meeting"),
        ("room_booking", "local", f"interview-{record.id}-room_booking-r1"),
    ]
    assert refs[1][3] == record.video_link.rsplit("/", 1)[1]  # type: ignore[union-attr]


async def test_the_application_link_base_is_configurable(service: SchedulingService) -> None:
    service.ws.db.execute("DELETE FROM settings WHERE key = 'application_base_url'")
    await service.invite(h.request("sam"))
    (row,) = h.local_rows(service.ws.db)
    assert "Application: panelist://application/1" in row["data"]["description"]


async def test_the_meeting_comes_first_then_all_events_at_once(
    ws: Workspace, maildir: Path
) -> None:
    steps: list[StepEvent] = []
    service = SchedulingService(
        ws, MaildirTransport(maildir), on_step=steps.append, retry=h.FAST_RETRIES
    )
    record = await service.invite(
        h.request("sam", "ana", "piet", method=Method.VIDEO, host="sam", room="amstel")
    )
    order = [
        (s.stage, s.key.removeprefix(f"interview-{record.id}-"))
        for s in steps
        if s.stage in ("call", "recorded")
    ]
    assert order[:2] == [("call", "meeting"), ("recorded", "meeting")]
    # every event call starts before any of them is recorded: one round trip for all four
    assert [stage for stage, _ in order[2:]] == ["call"] * 4 + ["recorded"] * 4
    assert steps[0].stage == "reserve" and steps[1].stage == "reserved"


async def test_slow_calendar_calls_overlap(service: SchedulingService) -> None:
    ws = service.ws
    ws.db.table("provider_settings").insert({"provider": "flaky", "key": "delay", "value": "0.05"})
    for key in ("sam", "ana", "piet"):
        ws.db.execute(
            "UPDATE employees SET calendar_provider = 'flaky' WHERE id = ?", [h.employee_id(key)]
        )
    await service.invite(h.request("sam", "ana", "piet", "fenna", room="ij"))
    flaky = ws.calendar_provider("flaky")
    assert flaky.calls.count("create_event") == 5  # type: ignore[attr-defined]
    assert flaky.max_in_flight == 5  # type: ignore[attr-defined]


async def test_inviting_again_with_the_same_request_key_books_once(
    service: SchedulingService,
) -> None:
    request = h.request("sam", room="amstel", request_key="form-7f3a")
    first = await service.invite(request)
    again = await service.invite(request)
    assert again.id == first.id
    assert service.ws.db.execute("SELECT count(*) FROM interviews").fetchone()[0] == 1
    assert len(h.local_rows(service.ws.db)) == 2


async def test_the_interviews_tab_shows_it(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam", "ana", method=Method.VIDEO, host="sam"))
    (shown,) = interviews_for_application(service.ws, 1)
    assert (shown.id, shown.status, shown.video_link) == (
        record.id,
        InterviewStatus.SCHEDULED,
        record.video_link,
    )
    assert shown.timezone == "Europe/Amsterdam" and shown.type_name == "Technical interview"
    assert {p.name for p in shown.participants} == {"Sam Lee", "Ana Silva"}


async def test_an_evaluation_form_plans_reminders(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam", "ana", evaluation_form_id=1))
    rows = service.ws.db.execute(
        "SELECT employee_id, next_due_utc, sent FROM evaluation_reminders ORDER BY employee_id"
    ).fetchall()
    due = (record.end + timedelta(hours=1)).isoformat()
    assert rows == [(3, due, 0), (4, due, 0)]
