"""A colleague's private event that cannot be expanded (issue 10, item 5), on a real Radicale.

Another calendar app wrote Sam's private series, hourly since 2012, with this
Tuesday's session moved to 10:00–11:00. Only that event is unknown: the view
reports it by href and shows the rest of Sam's day, the moved session counts as
busy, an invite at another time goes ahead, and its title, notes and place reach
no text anyone else sees.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from caldav_flow_helpers import TUESDAY_10, Company, employee_id

from panelist.clock import FrozenClock
from panelist.models import Method, WorkingHours
from panelist.scheduling import InterviewRequest, ParticipantRequest, SchedulingService, SlotTaken
from panelist.services.calendar_view import load_calendar_view
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio
SECRET = "Zorblax"
TUESDAY = (TUESDAY_10 - timedelta(hours=9), TUESDAY_10 + timedelta(hours=15))
INTERVIEWER_ROLE = 4

HOURLY_SINCE_2012 = f"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Other App//EN\r
BEGIN:VEVENT\r
UID:sam-private-series\r
DTSTAMP:20260101T000000Z\r
DTSTART:20120102T090000Z\r
DTEND:20120102T093000Z\r
RRULE:FREQ=HOURLY\r
SUMMARY:{SECRET} divorce lawyer\r
DESCRIPTION:{SECRET} notes\r
LOCATION:{SECRET} street 1\r
CLASS:PRIVATE\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:sam-private-series\r
DTSTAMP:20260101T000000Z\r
RECURRENCE-ID:20261124T090000Z\r
DTSTART:20261124T090000Z\r
DTEND:20261124T100000Z\r
SUMMARY:{SECRET} divorce lawyer\r
LOCATION:{SECRET} street 1\r
CLASS:PRIVATE\r
END:VEVENT\r
END:VCALENDAR\r
"""
TEAM_LUNCH = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Other App//EN\r
BEGIN:VEVENT\r
UID:team-lunch\r
DTSTAMP:20260101T000000Z\r
DTSTART:20261124T120000Z\r
DTEND:20261124T130000Z\r
SUMMARY:Team lunch\r
END:VEVENT\r
END:VCALENDAR\r
"""


def put_sams_events(company: Company) -> str:
    """Sam's two events, PUT as another calendar app would; the series' href."""
    sam = company.calendar_id("sam")
    for name, data in (("series.ics", HOURLY_SINCE_2012), ("lunch.ics", TEAM_LUNCH)):
        assert company.server.put_ics(company.user, sam, name, data) in (201, 204)
    return f"/{sam}series.ics"


def request_at(start_hours: int) -> InterviewRequest:
    start = TUESDAY_10 + timedelta(hours=start_hours)
    return InterviewRequest(
        application_id=1,
        organiser_id=employee_id("rosa"),
        participants=(ParticipantRequest(employee_id("sam"), INTERVIEWER_ROLE),),
        start=start,
        end=start + timedelta(hours=1),
        method=Method.IN_PERSON,
        type_id=1,
    )


def eve_workspace(company: Company, ws: Workspace, clock: FrozenClock) -> Workspace:
    """Eve: an employee with no recruiting rights, looking at Sam's calendar."""
    roles = dict(ws.db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    ws.db.table("employees").insert(
        {
            "email": "eve@northwind.example",
            "name": "Eve Employee",
            "timezone": "Europe/Amsterdam",
            "working_hours": WorkingHours.office().to_json(),
            "company_role_id": roles["Employee"],
        }
    )
    db = open_database(company.db_path, ws.registry.migrations)
    eve = find_employee_by_email(db, "eve@northwind.example")
    assert eve is not None
    return Workspace(db, company.db_path, ws.registry, clock, eve)


async def test_the_view_reports_the_event_by_href_and_shows_the_rest(
    company: Company,
    service: SchedulingService,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    href = put_sams_events(company)
    eve = eve_workspace(company, service.ws, clock)
    try:
        with caplog.at_level(logging.DEBUG):
            view = await load_calendar_view(eve, [employee_id("sam")], [], *TUESDAY)
    finally:
        await eve.calendar_provider("caldav").aclose()
        eve.close()
    (problem,) = view.problems
    assert problem.startswith(f"1 event of Sam Lee could not be read ({href}): repeats too often")
    (sam,) = view.people
    assert (sam.integrated, sam.note) == (True, "")
    assert sorted((e.start, e.title) for e in sam.events) == [
        (TUESDAY_10, "Busy"),  # the moved session: its times are known
        (TUESDAY_10 + timedelta(hours=3), "Team lunch"),
    ]
    assert SECRET not in repr(view)
    assert SECRET not in caplog.text


async def test_an_invite_at_another_time_goes_ahead_and_the_known_time_is_busy(
    company: Company, service: SchedulingService, caplog: pytest.LogCaptureFixture
) -> None:
    put_sams_events(company)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SlotTaken) as caught:
            await service.invite(request_at(0))
        assert str(caught.value) == "not free at this time: Sam Lee is busy 10:00–11:00"
        record = await service.invite(request_at(5))  # 15:00 in Amsterdam
    assert record.status.value == "scheduled"
    notices = service.ws.db.execute("SELECT message FROM scheduling_notices").fetchall()
    assert SECRET not in caplog.text + repr(notices)
