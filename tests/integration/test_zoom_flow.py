"""End to end with Zoom (issue 16): the Northwind company of the CalDAV flow on local
calendars, Sam hosting on Zoom (the loopback fake, through the real zoomus): invite with the
meeting, its link in every event and the candidate mail, reschedule in place, cancel; and
the answer to the create lost (Zoom made the meeting, the connection dropped before the
client heard of it), then resume: exactly one meeting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from caldav_flow_helpers import PEOPLE, TUESDAY_10, NoServer, _fill, email, employee_id
from caldav_flow_helpers import open_service as open_caldav_service
from smtp_helpers import Received

from panelist.clock import FrozenClock
from panelist.models import InterviewStatus, Method
from panelist.plugins import PluginRegistry
from panelist.providers import CalendarEvent
from panelist.scheduling import (
    InterviewRequest,
    OutboxIncomplete,
    ParticipantRequest,
    RetryPolicy,
    SchedulingService,
)
from panelist.scheduling.records import read_interview
from panelist.storage.database import open_database

_TESTS_ZOOM = Path(__file__).parents[1] / "plugins" / "zoom"
if str(_TESTS_ZOOM) not in sys.path:
    sys.path.insert(0, str(_TESTS_ZOOM))

from panelist_zoom.testing import CLIENT_SECRET, FakeZoom  # noqa: E402

pytestmark = pytest.mark.anyio
LATER = TUESDAY_10 + timedelta(days=1, hours=3)
INTERVIEWER_ROLE = 4
RETRIES = RetryPolicy(
    budget_seconds=3.0, call_timeout_seconds=8.0, first_backoff_seconds=0.05,
    max_backoff_seconds=0.2,
)  # fmt: skip


class ZoomCompany:
    def __init__(self, db_path: Path, zoom: FakeZoom) -> None:
        self.db_path = db_path
        self.zoom = zoom


@pytest.fixture
def company(tmp_path: Path, registry: PluginRegistry) -> Iterator[ZoomCompany]:
    with FakeZoom() as zoom:
        zoom.add_user(email("sam"), "Sam", "Lee")
        company = ZoomCompany(tmp_path / "northwind.db", zoom)
        db = open_database(company.db_path, registry.migrations)
        try:
            with db.atomic():
                _fill(db, NoServer())  # the CalDAV flow's company, on local calendars
                for key in PEOPLE:
                    db.execute(
                        "UPDATE employees SET calendar_provider = 'local', calendar_id = ?"
                        " WHERE id = ?",
                        [email(key), employee_id(key)],
                    )
                db.execute("UPDATE rooms SET calendar_provider = NULL, calendar_id = NULL")
                db.execute("DELETE FROM provider_settings")
                for name, value in zoom.settings().items():
                    db.table("provider_settings").insert(
                        {"provider": "zoom", "key": name, "value": value}
                    )
                db.table("video_accounts").insert(
                    {"employee_id": employee_id("sam"), "provider": "zoom",
                     "account": email("sam"), "verified_at": "2026-10-01T00:00:00+00:00"}
                )  # fmt: skip
        finally:
            db.close()
        yield company
        assert zoom.internal_errors == []


@pytest.fixture
def service(
    company: ZoomCompany,
    registry: PluginRegistry,
    clock: FrozenClock,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SchedulingService]:
    monkeypatch.setenv("PANELIST_ZOOM_CLIENT_SECRET", CLIENT_SECRET)
    service = open_caldav_service(company, registry, clock, smtp[0], retry=RETRIES)
    yield service
    service.ws.close()


def request() -> InterviewRequest:
    return InterviewRequest(
        application_id=1,
        organiser_id=employee_id("rosa"),
        participants=tuple(
            ParticipantRequest(employee_id(p), INTERVIEWER_ROLE) for p in ("sam", "ana")
        ),
        start=TUESDAY_10,
        end=TUESDAY_10 + timedelta(hours=1),
        method=Method.VIDEO,
        type_id=1,
        video_provider="zoom",
        video_host_id=employee_id("sam"),
        notes="Ask about Rust.",
    )


async def interviews_of(service: SchedulingService, key: str) -> list[CalendarEvent]:
    local = service.ws.calendar_provider("local")
    found = await local.list_events(
        email(key), TUESDAY_10 - timedelta(days=7), TUESDAY_10 + timedelta(days=7)
    )
    return [e for e in found if e.summary.startswith("Interview:")]


async def test_a_lost_create_answer_is_found_by_the_next_try_of_the_same_invite(
    service: SchedulingService, company: ZoomCompany
) -> None:
    zoom = company.zoom
    zoom.drop_next_create()
    record = await service.invite(request())  # core tries again; the meeting is found
    (meeting,) = zoom.meetings_of(email("sam"))
    assert record.video_link == meeting["join_url"]
    assert len([s for s in zoom.seen if s.method == "POST"]) == 1


async def test_invite_reschedule_and_cancel_with_a_zoom_meeting(
    service: SchedulingService, company: ZoomCompany, smtp: tuple[int, Received]
) -> None:
    zoom = company.zoom
    record = await service.invite(request())
    assert record.status is InterviewStatus.SCHEDULED
    (meeting,) = zoom.meetings_of(email("sam"))
    assert record.video_link == meeting["join_url"]
    assert meeting["settings"]["waiting_room"] is True
    assert meeting["start_time"] == "2026-11-24T09:00:00Z"
    for key in ("sam", "ana"):
        (copy,) = await interviews_of(service, key)
        assert record.video_link in copy.description

    await service.send_candidate_invitation(record.id)
    (mail,) = smtp[1].messages()
    assert record.video_link in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    moved = await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    assert moved.video_link == record.video_link  # moved in place
    (meeting,) = zoom.meetings_of(email("sam"))
    assert meeting["start_time"] == "2026-11-25T12:00:00Z"

    await service.cancel(record.id)
    assert zoom.meetings_of(email("sam")) == []
    assert await interviews_of(service, "sam") == []


async def test_a_lost_create_answer_is_finished_by_resume_with_one_meeting(
    service: SchedulingService, company: ZoomCompany, smtp: tuple[int, Received]
) -> None:
    zoom = company.zoom
    zoom.drop_next_create(then_down=True)  # made at Zoom, the answer lost, Zoom down
    with pytest.raises(OutboxIncomplete):
        await service.invite(request())
    assert len(zoom.meetings_of(email("sam"))) == 1
    (interview_id,) = [row[0] for row in service.ws.db.execute("SELECT id FROM interviews")]
    zoom.come_back()

    report = await service.resume_pending()
    assert report.problems == {}
    (meeting,) = zoom.meetings_of(email("sam"))  # exactly one
    link = read_interview(service.ws.db, interview_id).video_link
    assert link == meeting["join_url"]
    (copy,) = await interviews_of(service, "ana")
    assert link in copy.description
    assert (await service.resume_pending()).interviews == 0
