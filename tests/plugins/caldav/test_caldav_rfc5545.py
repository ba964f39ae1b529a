"""Recurrence as other apps write it, served by a real Radicale and read by the CalDAV calendar.

(Radicale refuses RDATE;VALUE=PERIOD on PUT, so periods are checked in
tests/core/test_ical_rfc5545.py, on the parsing path the CalDAV calendar uses.)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from caldav_helpers import Calendar, ics

from panelist.providers.events import unreadable_reason
from panelist_caldav.provider import CalDAVCalendarProvider

pytestmark = pytest.mark.anyio
SEPTEMBER = (datetime(2024, 9, 1, tzinfo=UTC), datetime(2024, 10, 31, tzinfo=UTC))


def utc(day: int, hour: int, month: int = 9) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


async def test_this_and_future_overrides_and_every_rrule(
    calendar: Calendar, provider: CalDAVCalendarProvider
) -> None:
    moved_from_the_third = (
        "BEGIN:VEVENT\r\nDTSTAMP:20240801T000000Z\r\nUID:standup\r\nSUMMARY:Standup (earlier)\r\n"
        "RECURRENCE-ID;RANGE=THISANDFUTURE:20240903T120000Z\r\n"
        "DTSTART:20240903T090000Z\r\nDTEND:20240903T100000Z\r\nEND:VEVENT\r\n"
    )
    daily = ["DTSTART:20240901T120000Z", "DTEND:20240901T140000Z", "RRULE:FREQ=DAILY;COUNT=5"]
    standup = ics("standup", "SUMMARY:Standup", *daily, extra_components=moved_from_the_third)
    two_rules = ["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3", "RRULE:FREQ=MONTHLY;BYDAY=2MO;COUNT=2"]
    review = ics("review", "DTSTART:20240905T150000Z", "DTEND:20240905T160000Z", *two_rules)
    assert (calendar.put("standup.ics", standup), calendar.put("review.ics", review)) == (201, 201)

    listed = await provider.list_events(calendar.calendar_id, *SEPTEMBER)
    assert all(unreadable_reason(e) is None for e in listed)
    standups = [(e.start, e.end) for e in listed if e.uid == "standup"]
    assert standups == [
        (utc(1, 12), utc(1, 14)),
        (utc(2, 12), utc(2, 14)),
        (utc(3, 9), utc(3, 10)),
        (utc(4, 9), utc(4, 10)),
        (utc(5, 9), utc(5, 10)),
    ]
    reviews = [e.start for e in listed if e.uid == "review"]
    assert reviews == [utc(5, 15), utc(9, 15), utc(12, 15), utc(19, 15), utc(14, 15, month=10)]
