"""One rule for "busy" (issue 11, item 2) on a real Radicale: events as other apps write them.

Sam works in Los Angeles here (UTC-8 in November). Each case PUTs one calendar
object into his calendar, as Outlook, Google or Apple would write it, and asks
the grid, the finder and the commit-time re-check about one hour inside his
working hours, given in the organiser's zone as the form gives it: all three
must agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from busy_verdicts import Verdicts, verdicts
from caldav_flow_helpers import Company, email, employee_id

from panelist.models import Method
from panelist.scheduling import InterviewRequest, ParticipantRequest, SchedulingService

pytestmark = pytest.mark.anyio
LA = ZoneInfo("America/Los_Angeles")
INTERVIEWER_ROLE = 4
WED_10 = datetime(2026, 11, 25, 10, tzinfo=LA)  # 18:00 UTC
WED_16 = datetime(2026, 11, 25, 16, tzinfo=LA)  # 00:00 UTC on Thursday


def vevent(*lines: str, uid: str = "other-app-1") -> str:
    body = "".join(f"{line}\r\n" for line in lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other App//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Planning\r\n"
        f"{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


SAM = f"ATTENDEE;CN=Sam Lee;PARTSTAT={{}}:mailto:{email('sam')}"
AT_WED_10 = ("DTSTART:20261125T180000Z", "DTEND:20261125T190000Z")
DAILY_WITH_WEDNESDAY_CANCELLED = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\n"
    "BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Stand-up\r\n"
    "DTSTART:20261123T180000Z\r\nDTEND:20261123T190000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Stand-up\r\n"
    "RECURRENCE-ID:20261125T180000Z\r\nDTSTART:20261125T180000Z\r\nDTEND:20261125T190000Z\r\n"
    "STATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)

CASES = [
    pytest.param(vevent(*AT_WED_10, SAM.format("ACCEPTED")), WED_10, True, id="accepted"),
    pytest.param(vevent(*AT_WED_10, SAM.format("DECLINED")), WED_10, False, id="declined"),
    pytest.param(vevent(*AT_WED_10, SAM.format("TENTATIVE")), WED_10, False, id="maybe"),
    pytest.param(vevent(*AT_WED_10, "TRANSP:TRANSPARENT"), WED_10, False, id="transparent"),
    pytest.param(vevent(*AT_WED_10, "STATUS:CANCELLED"), WED_10, False, id="cancelled"),
    pytest.param(DAILY_WITH_WEDNESDAY_CANCELLED, WED_10, False, id="cancelled-occurrence"),
    pytest.param(
        vevent("DTSTART;VALUE=DATE:20261125", "DTEND;VALUE=DATE:20261126"),
        WED_16,
        True,
        id="all-day",
    ),
    pytest.param(
        vevent("DTSTART;VALUE=DATE:20261126", "DTEND;VALUE=DATE:20261127"),
        WED_16,
        False,
        id="all-day-next-day",
    ),
    pytest.param(
        vevent("DTSTART:20261125T100000", "DTEND:20261125T110000"), WED_10, True, id="floating"
    ),
]


@pytest.mark.parametrize(("ics", "start", "busy"), CASES)
async def test_grid_finder_and_recheck_agree(
    company: Company, service: SchedulingService, ics: str, start: datetime, busy: bool
) -> None:
    sam = employee_id("sam")
    service.ws.db.execute(
        "UPDATE employees SET timezone = 'America/Los_Angeles' WHERE id = ?", [sam]
    )
    status = company.server.put_ics(company.user, company.calendar_id("sam"), "event.ics", ics)
    assert status in (201, 204)
    start = start.astimezone(ZoneInfo("Europe/Amsterdam"))  # the organiser's, as in the form
    request = InterviewRequest(
        application_id=1,
        organiser_id=employee_id("rosa"),
        participants=(ParticipantRequest(sam, INTERVIEWER_ROLE),),
        start=start,
        end=start + timedelta(hours=1),
        method=Method.IN_PERSON,
        type_id=1,
    )
    assert await verdicts(service, request) == Verdicts.all(busy)
