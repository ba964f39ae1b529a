"""End to end on Google (issue 14, item 7), as the CalDAV flow runs on Radicale: invite with
a room and Meet, an answer changed by another client, reschedule in place, cancel, and a
Google that fails mid-invite, then resume with no duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from caldav_flow_helpers import TUESDAY_10, Received, email, employee_id, flow_request, open_service
from google_flow_helpers import (
    ROOM,
    GoogleCompany,
    build_google_company,
)

from panelist.clock import FrozenClock
from panelist.models import InterviewStatus
from panelist.plugins import PluginRegistry
from panelist.providers import CalendarEvent, ResponseStatus
from panelist.scheduling import (
    InterviewRequest,
    OutboxIncomplete,
    SchedulingService,
    list_notices,
)
from panelist.scheduling.records import read_interview
from panelist.services.directory import get_employee
from panelist_google.convert import event_id_for
from panelist_google.testing import FakeGoogle

pytestmark = pytest.mark.anyio
LATER = TUESDAY_10 + timedelta(days=1, hours=3)


@pytest.fixture
def company(
    tmp_path: Path, registry: PluginRegistry, smtp: tuple[int, Received]
) -> Iterator[GoogleCompany]:
    with FakeGoogle(domain="northwind.example") as google:
        yield build_google_company(google, tmp_path, registry, smtp[1])


@pytest.fixture
def service(
    company: GoogleCompany, registry: PluginRegistry, clock: FrozenClock, smtp: tuple[int, Received]
) -> Iterator[SchedulingService]:
    service = open_service(company, registry, clock, smtp[0])
    yield service
    service.ws.close()


def request(*people: str) -> InterviewRequest:
    return flow_request(*people, video_provider="google_meet", notes="Ask about Rust.")


def key(interview_id: int, what: str) -> str:
    return f"interview-{interview_id}-{what}"


async def test_invite_reschedule_answer_and_cancel_on_google(
    service: SchedulingService, company: GoogleCompany
) -> None:
    google = company.google
    record = await service.invite(request("sam", "ana", "piet"))
    assert record.status is InterviewStatus.SCHEDULED
    assert record.video_link is not None and record.video_link.startswith(
        "https://meet.google.com/"
    )
    # One panel event in Sam's calendar (he hosts the Meet), which Google puts into Ana's
    # and the room's: one insert made the event, the Meet and the room's booking.
    panel_id = event_id_for(key(record.id, "panel_event"))
    for calendar in ("sam", "ana", "room"):
        (event,) = company.events(calendar)
        assert event["id"] == panel_id
        assert event["hangoutLink"] == record.video_link
        assert event["visibility"] == "private"
    (event,) = company.interview_events("sam")  # Panelist's marks are on the organiser's copy
    assert event["extendedProperties"]["private"]["panelistInterview"] == str(record.id)
    assert event["organizer"]["email"] == email("sam")
    assert sorted(a["email"] for a in event["attendees"]) == sorted(
        [email("sam"), email("ana"), ROOM]
    )
    assert {"email": ROOM, "responseStatus": "accepted"}.items() <= next(
        a for a in event["attendees"] if a["email"] == ROOM
    ).items()
    assert len(google.calls_of("calendar.events.insert")) == 1
    # Piet keeps his calendar elsewhere: his own copy, written after the Meet, carries its link.
    (copy,) = await piets_interviews(service)
    assert f"Video call: {record.video_link}" in copy.description

    # Ana declines in Google Calendar; the organiser hears of it.
    google.respond(email("ana"), panel_id, "declined", organizer_calendar=email("sam"))
    answered = await service.refresh_responses(record.id)
    answers = {p.employee.name: p.response for p in answered.participants}
    assert answers["Ana Silva"] is ResponseStatus.DECLINED
    assert answered.room_response is ResponseStatus.ACCEPTED
    (notice,) = list_notices(service.ws)
    assert notice.message.startswith("Ana Silva declined the interview with Daan de Jong")

    # The room turns the booking down (an admin freed it for another meeting).
    google.respond(ROOM, panel_id, "declined", organizer_calendar=email("sam"))
    answered = await service.refresh_responses(record.id)
    assert answered.room_response is ResponseStatus.DECLINED
    assert list_notices(service.ws)[0].message.startswith(  # newest first
        "Room Amstel declined the interview with Daan de Jong"
    )

    # Rescheduled in place: the same event and the same Meet, at the new time, everywhere.
    moved = await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    assert moved.video_link == record.video_link
    for calendar in ("sam", "ana", "room"):
        (event,) = company.events(calendar)
        assert event["id"] == panel_id
        assert event["start"]["dateTime"].startswith("2026-11-25T")
    assert len(google.calls_of("calendar.events.insert")) == 1

    await service.cancel(record.id)
    for calendar in ("sam", "ana", "room"):
        assert company.events(calendar) == []
    assert await piets_interviews(service) == []


async def piets_interviews(service: SchedulingService) -> list[CalendarEvent]:
    piet = get_employee(service.ws.db, employee_id("piet"))
    assert piet.calendar_provider == "local" and piet.calendar_id is not None
    local = service.ws.calendar_provider("local")
    found = await local.list_events(piet.calendar_id, TUESDAY_10 - timedelta(days=7),
                                    TUESDAY_10 + timedelta(days=7))  # fmt: skip
    return [e for e in found if e.summary.startswith("Interview:")]


async def test_google_failing_mid_invite_is_finished_by_resume_without_duplicates(
    service: SchedulingService, company: GoogleCompany, smtp: tuple[int, Received]
) -> None:
    google = company.google
    google.fail_next(100, status=503, reason="backendError", methods=("calendar.events.insert",))
    with pytest.raises(OutboxIncomplete) as caught:
        await service.invite(request("sam", "ana", "piet"))
    assert caught.value.retryable
    (interview_id,) = [row[0] for row in service.ws.db.execute("SELECT id FROM interviews")]
    # The candidate's mail waits for the event that makes the Meet: no mail without its link.
    with pytest.raises(OutboxIncomplete):
        await service.send_candidate_invitation(interview_id)
    assert smtp[1].messages() == [] and await piets_interviews(service) == []
    with google.lock:
        google._faults.clear()  # Google is back
    report = await service.resume_pending()
    assert report.problems == {}
    for calendar in ("sam", "ana", "room"):
        assert len(company.events(calendar)) == 1
    link = read_interview(service.ws.db, interview_id).video_link
    assert link and company.interview_events("sam")[0]["hangoutLink"] == link
    (mail,) = smtp[1].messages()
    assert link in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (copy,) = await piets_interviews(service)
    assert link in copy.description
    assert (await service.resume_pending()).interviews == 0
