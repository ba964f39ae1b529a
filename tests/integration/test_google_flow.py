"""End to end on Google (issue 14, item 7), as the CalDAV flow runs on Radicale: invite with
a room and Meet, an answer changed by another client, reschedule in place, cancel, and a
Google that fails mid-invite, then resume with no duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from caldav_flow_helpers import TUESDAY_10, Received, email, employee_id
from google_flow_helpers import (
    ADMIN,
    ROOM,
    GoogleCompany,
    build_google_company,
    open_google_service,
)

from panelist.clock import FrozenClock
from panelist.models import InterviewStatus, Method
from panelist.plugins import PluginRegistry
from panelist.providers import ResponseStatus
from panelist.scheduling import (
    InterviewRequest,
    OutboxIncomplete,
    ParticipantRequest,
    SchedulingService,
    list_notices,
)
from panelist_google.convert import event_id_for
from panelist_google.testing import FakeGoogle

pytestmark = pytest.mark.anyio
LATER = TUESDAY_10 + timedelta(days=1, hours=3)
INTERVIEWER_ROLE = 4


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
    service = open_google_service(company, registry, clock, smtp[0])
    yield service
    service.ws.close()


def request(*people: str) -> InterviewRequest:
    return InterviewRequest(
        application_id=1,
        organiser_id=employee_id("rosa"),
        participants=tuple(ParticipantRequest(employee_id(p), INTERVIEWER_ROLE) for p in people),
        start=TUESDAY_10,
        end=TUESDAY_10 + timedelta(hours=1),
        method=Method.VIDEO,
        type_id=1,
        room_id=1,
        video_provider="google_meet",
        video_host_id=employee_id("sam"),
        notes="Ask about Rust.",
    )


def key(interview_id: int, what: str) -> str:
    return f"interview-{interview_id}-{what}"


async def test_invite_reschedule_answer_and_cancel_on_google(
    service: SchedulingService, company: GoogleCompany
) -> None:
    google = company.google
    record = await service.invite(request("sam", "ana"))
    assert record.status is InterviewStatus.SCHEDULED
    assert record.video_link is not None and record.video_link.startswith(
        "https://meet.google.com/"
    )
    for person in ("sam", "ana"):
        (event,) = company.interview_events(person)
        assert event["id"] == event_id_for(
            key(record.id, f"interviewer_event-e{employee_id(person)}")
        )
        assert event["extendedProperties"]["private"]["panelistInterview"] == str(record.id)
        assert f"Video call: {record.video_link}" in event["description"]
        assert [a["email"] for a in event["attendees"]] == [email(person)]
    (booking,) = company.events("room")
    assert booking["organizer"]["email"] == ADMIN
    assert {"email": ROOM, "responseStatus": "accepted"}.items() <= next(
        a for a in booking["attendees"] if a["email"] == ROOM
    ).items()
    writes = [c for c in google.calls_of("calendar.events.insert") if c.in_batch]
    assert len(writes) == 3  # Sam's, Ana's and the room's in one batch

    # Sam declines in Google Calendar; the organiser hears of it.
    sams = event_id_for(key(record.id, f"interviewer_event-e{employee_id('sam')}"))
    google.respond(email("sam"), sams, "declined", organizer_calendar=email("sam"))
    answered = await service.refresh_responses(record.id)
    answers = {p.employee.name: p.response for p in answered.participants}
    assert answers["Sam Lee"] is ResponseStatus.DECLINED
    (notice,) = list_notices(service.ws)
    assert notice.message.startswith("Sam Lee declined the interview with Daan de Jong")

    # Rescheduled in place: the same events and the same Meet, at the new time.
    moved = await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    assert moved.video_link == record.video_link
    (event,) = company.interview_events("ana")
    assert event["id"] == event_id_for(key(record.id, f"interviewer_event-e{employee_id('ana')}"))
    assert event["start"]["dateTime"].startswith("2026-11-25T")
    assert len(company.events("room")) == 1

    await service.cancel(record.id)
    assert company.interview_events("sam") == []
    assert company.events("room") == []


async def test_google_failing_mid_invite_is_finished_by_resume_without_duplicates(
    service: SchedulingService, company: GoogleCompany
) -> None:
    google = company.google
    google.fail_next(100, status=503, reason="backendError", methods=("calendar.events.insert",))
    with pytest.raises(OutboxIncomplete) as caught:
        await service.invite(request("sam", "ana"))
    assert caught.value.retryable
    with google.lock:
        google._faults.clear()  # Google is back
    report = await service.resume_pending()
    assert report.problems == {}
    for person in ("sam", "ana"):
        assert len(company.interview_events(person)) == 1
    assert len(company.events("room")) == 1
    assert (await service.resume_pending()).interviews == 0
