"""End to end on Microsoft 365 (issue 15, item 7), as the CalDAV flow runs on Radicale and
the Google flow on its fake: invite with a room and Teams, the candidate mail, a decline set
on the fake, reschedule in place, cancel, and Graph failing mid-invite, then resume with no
duplicate. The real msgraph-sdk and azure-identity talk to the loopback fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from caldav_flow_helpers import TUESDAY_10, Received, email, employee_id, flow_request, open_service
from microsoft_flow_helpers import (
    RETRIES,
    ROOM,
    SECRET,
    MicrosoftCompany,
    build_microsoft_company,
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
from panelist_microsoft.testing import FakeGraph

pytestmark = pytest.mark.anyio
LATER = TUESDAY_10 + timedelta(days=1, hours=3)
TEAMS_LINK = "https://teams.microsoft.com/l/meetup-join/"


@pytest.fixture
def company(
    tmp_path: Path, registry: PluginRegistry, smtp: tuple[int, Received]
) -> Iterator[MicrosoftCompany]:
    with FakeGraph() as graph:
        yield build_microsoft_company(graph, tmp_path, registry, smtp[1])
        assert graph.internal_errors == []


@pytest.fixture
def service(
    company: MicrosoftCompany,
    registry: PluginRegistry,
    clock: FrozenClock,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SchedulingService]:
    monkeypatch.setenv("PANELIST_MICROSOFT_CLIENT_SECRET", SECRET)  # as a host's service would
    service = open_service(company, registry, clock, smtp[0], retry=RETRIES)
    yield service
    service.ws.close()


def request(*people: str) -> InterviewRequest:
    return flow_request(*people, video_provider="teams", notes="Ask about Rust.")


def the_interview(company: MicrosoftCompany, calendar: str) -> dict[str, object]:
    (event,) = [e for e in company.events(calendar) if str(e.get("subject", "")).startswith(
        "Interview:")]  # fmt: skip
    return event


async def piets_interviews(service: SchedulingService) -> list[CalendarEvent]:
    piet = get_employee(service.ws.db, employee_id("piet"))
    assert piet.calendar_provider == "local" and piet.calendar_id is not None
    local = service.ws.calendar_provider("local")
    found = await local.list_events(piet.calendar_id, TUESDAY_10 - timedelta(days=7),
                                    TUESDAY_10 + timedelta(days=7))  # fmt: skip
    return [e for e in found if e.summary.startswith("Interview:")]


async def test_invite_answer_reschedule_and_cancel_on_microsoft(
    service: SchedulingService, company: MicrosoftCompany, smtp: tuple[int, Received]
) -> None:
    graph = company.graph
    graph.clear_log()
    record = await service.invite(request("sam", "ana", "piet"))
    assert record.status is InterviewStatus.SCHEDULED
    assert record.video_link is not None and record.video_link.startswith(TEAMS_LINK)
    writes = [rt for rt in graph.round_trips if rt.method == "POST" and "/events" in rt.path]
    assert len(writes) == 1  # one panel event: Sam's, with Ana, the room and the Teams meeting
    sams = the_interview(company, "sam")
    assert sams["onlineMeeting"]["joinUrl"] == record.video_link  # type: ignore[index]
    assert sams["sensitivity"] == "private"
    assert sams["location"]["locationEmailAddress"] == ROOM  # type: ignore[index]
    uid = sams["iCalUId"]
    for calendar in ("ana", "room"):
        assert the_interview(company, calendar)["iCalUId"] == uid
    room = next(a for a in sams["attendees"] if a["emailAddress"]["address"] == ROOM)  # type: ignore[union-attr,index]
    assert (room["type"], room["status"]["response"]) == ("resource", "accepted")
    (copy,) = await piets_interviews(service)
    assert record.video_link in copy.description

    await service.send_candidate_invitation(record.id)
    (mail,) = smtp[1].messages()
    assert record.video_link in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # Ana declines in Outlook; the organiser hears of it. Then the room turns it down.
    graph.respond(email("ana"), str(uid), "declined")
    answered = await service.refresh_responses(record.id)
    answers = {p.employee.name: p.response for p in answered.participants}
    assert answers["Ana Silva"] is ResponseStatus.DECLINED
    assert answered.room_response is ResponseStatus.ACCEPTED
    assert list_notices(service.ws)[0].message.startswith("Ana Silva declined the interview")
    graph.respond(ROOM, str(uid), "declined")
    answered = await service.refresh_responses(record.id)
    assert answered.room_response is ResponseStatus.DECLINED
    assert list_notices(service.ws)[0].message.startswith("Room Amstel declined the interview")

    # Rescheduled in place: the same event and the same Teams meeting, everywhere.
    moved = await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    assert moved.video_link == record.video_link
    for calendar in ("sam", "ana", "room"):
        event = the_interview(company, calendar)
        assert event["iCalUId"] == uid
        assert str(event["start"]["dateTime"]).startswith("2026-11-25T")  # type: ignore[index]

    await service.cancel(record.id)
    for calendar in ("sam", "ana", "room"):
        assert [e for e in company.events(calendar)
                if str(e.get("subject", "")).startswith("Interview:")] == []  # fmt: skip
    assert await piets_interviews(service) == []


async def test_graph_failing_mid_invite_is_finished_by_resume_without_duplicates(
    service: SchedulingService, company: MicrosoftCompany, smtp: tuple[int, Received]
) -> None:
    graph = company.graph
    # down until cleared, asking for more time than any budget here: given up at once
    graph.fail_next(1_000_000, status=503, paths=("/events",), retry_after=60)
    with pytest.raises(OutboxIncomplete) as caught:
        await service.invite(request("sam", "ana", "piet"))
    assert caught.value.retryable
    (interview_id,) = [row[0] for row in service.ws.db.execute("SELECT id FROM interviews")]
    with pytest.raises(OutboxIncomplete):  # the candidate's mail waits for the Teams link
        await service.send_candidate_invitation(interview_id)
    assert smtp[1].messages() == []
    with graph.lock:
        graph._faults.clear()  # Graph is back
    report = await service.resume_pending()
    assert report.problems == {}
    for calendar in ("sam", "ana", "room"):
        the_interview(company, calendar)  # exactly one each
    link = read_interview(service.ws.db, interview_id).video_link
    assert link and link.startswith(TEAMS_LINK)
    (mail,) = smtp[1].messages()
    assert link in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (copy,) = await piets_interviews(service)
    assert link in copy.description
    assert (await service.resume_pending()).interviews == 0
