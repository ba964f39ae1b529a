"""Graph event JSON <-> Panelist events: times in UTC and Windows zones, all-day, privacy,
showAs, responses, recurrence patterns both ways, Teams and rooms in the body."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from panelist.errors import NotSupported
from panelist.providers import Attendee, EventDraft, ResponseStatus, Transparency
from panelist_microsoft.convert import (
    BadEvent,
    from_graph,
    iana_name,
    recurrence_of,
    to_graph,
    transaction_id,
    zone_for,
)

AMS = ZoneInfo("Europe/Amsterdam")


def graph_event(**values: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": "AAMk-1",
        "iCalUId": "040000008200E00074C5B7101A82E008",
        "type": "singleInstance",
        "subject": "Interview",
        "start": {"dateTime": "2026-03-24T08:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-24T09:00:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "W. Europe Standard Time",
        "sensitivity": "private",
        "showAs": "busy",
        "isAllDay": False,
        "organizer": {"emailAddress": {"address": "ana@contoso.com", "name": "Ana"}},
        "attendees": [
            {
                "emailAddress": {"address": "bob@contoso.com", "name": "Bob"},
                "type": "required",
                "status": {"response": "tentativelyAccepted", "time": "0001-01-01T00:00:00Z"},
            },
            {
                "emailAddress": {"address": "room.1@contoso.com", "name": "Amstel"},
                "type": "resource",
                "status": {"response": "accepted"},
            },
            {
                "emailAddress": {"address": "eve@contoso.com"},
                "type": "optional",
                "status": {"response": "none"},
            },
        ],
        "location": {"displayName": "Amstel", "locationEmailAddress": "room.1@contoso.com"},
        "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/abc"},
        "body": {"contentType": "text", "content": "Bring a CV"},
        "@odata.etag": 'W/"abc"',
    }
    item.update(values)
    return item


def test_a_graph_event_reads_as_an_instant_in_its_own_zone() -> None:
    event = from_graph(graph_event(), "ana@contoso.com")
    assert event.start == datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
    assert event.end == datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
    assert event.timezone == "Europe/Berlin"  # CLDR's zone for "W. Europe Standard Time"
    assert event.uid == "040000008200E00074C5B7101A82E008"
    assert event.extra["resource"] == "AAMk-1"
    assert event.private and event.transparency is Transparency.BUSY
    assert event.conference_url == "https://teams.microsoft.com/l/meetup-join/abc"
    assert event.organizer == "ana@contoso.com"
    assert event.description == "Bring a CV"
    statuses = {a.email: (a.status, a.resource, a.optional) for a in event.attendees}
    assert statuses == {
        "bob@contoso.com": (ResponseStatus.TENTATIVE, False, False),
        "room.1@contoso.com": (ResponseStatus.ACCEPTED, True, False),
        "eve@contoso.com": (ResponseStatus.NEEDS_ACTION, False, True),
    }


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ("none", ResponseStatus.NEEDS_ACTION),
        ("notResponded", ResponseStatus.NEEDS_ACTION),
        ("organizer", ResponseStatus.ACCEPTED),
        ("accepted", ResponseStatus.ACCEPTED),
        ("tentativelyAccepted", ResponseStatus.TENTATIVE),
        ("declined", ResponseStatus.DECLINED),
    ],
)
def test_every_graph_response_maps(response: str, status: ResponseStatus) -> None:
    attendee = {"emailAddress": {"address": "x@contoso.com"}, "status": {"response": response}}
    event = from_graph(graph_event(attendees=[attendee]), "ana@contoso.com")
    assert event.attendees[0].status is status


def test_times_in_a_windows_zone_are_read_in_that_zone() -> None:
    item = graph_event(
        start={"dateTime": "2026-03-24T09:00:00.0000000", "timeZone": "W. Europe Standard Time"},
        end={"dateTime": "2026-03-24T10:00:00", "timeZone": "Pacific Standard Time"},
    )
    event = from_graph(item, "ana@contoso.com")
    assert event.start == datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
    assert event.end == datetime(2026, 3, 24, 17, 0, tzinfo=UTC)
    assert iana_name("Pacific Standard Time") == "America/Los_Angeles"
    assert zone_for("Europe/Amsterdam") == AMS
    assert zone_for("Mars Standard Time") is None


def test_an_unknown_zone_or_a_missing_end_is_a_bad_event_naming_the_field() -> None:
    with pytest.raises(BadEvent, match="unknown time zone"):
        from_graph(
            graph_event(start={"dateTime": "2026-03-24T09:00:00", "timeZone": "Mars"}), "a@b.c"
        )
    item = graph_event()
    del item["end"]
    with pytest.raises(BadEvent, match="end is missing"):
        from_graph(item, "a@b.c")


def test_all_day_free_and_tentative_and_normal_sensitivity() -> None:
    item = graph_event(
        isAllDay=True,
        start={"dateTime": "2026-03-24T00:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2026-03-26T00:00:00.0000000", "timeZone": "UTC"},
        showAs="free",
        sensitivity="normal",
    )
    event = from_graph(item, "a@b.c")
    assert (event.start, event.end) == (date(2026, 3, 24), date(2026, 3, 26))
    assert event.transparency is Transparency.FREE and not event.private
    assert (
        from_graph(graph_event(showAs="tentative"), "a@b.c").transparency is Transparency.TENTATIVE
    )
    assert from_graph(graph_event(showAs="oof"), "a@b.c").transparency is Transparency.BUSY


def test_an_occurrence_keeps_its_series_uid_and_original_start() -> None:
    item = graph_event(
        id="AAMk-occ",
        type="exception",
        seriesMasterId="AAMk-master",
        originalStart="2026-03-25T08:00:00Z",
        iCalUId="occurrence-own-uid",
    )
    event = from_graph(item, "a@b.c", uid="series-uid")
    assert event.uid == "series-uid"
    assert event.recurrence_id == datetime(2026, 3, 25, 8, 0, tzinfo=UTC)
    assert event.extra["series_master_id"] == "AAMk-master"


def test_html_bodies_read_as_text() -> None:
    body = {"contentType": "html", "content": "<html><body><p>Line &amp; one</p>two</body></html>"}
    assert from_graph(graph_event(body=body), "a@b.c").description == "Line & one\ntwo"


def draft(**values: object) -> EventDraft:
    base: dict[str, object] = {
        "summary": "Interview",
        "start": datetime(2026, 3, 24, 9, 0, tzinfo=AMS),
        "end": datetime(2026, 3, 24, 10, 0, tzinfo=AMS),
        "timezone": "Europe/Amsterdam",
    }
    base.update(values)
    return EventDraft(**base)  # type: ignore[arg-type]


def test_a_draft_is_written_in_its_zone_private_with_a_transaction_id() -> None:
    body = to_graph(
        draft(attendees=(Attendee("bob@contoso.com", "Bob"),)),
        idempotency_key="interview-12-abc",
        teams=True,
        room="room.1@contoso.com",
    )
    assert body["start"] == {"dateTime": "2026-03-24T09:00:00", "timeZone": "Europe/Amsterdam"}
    assert body["sensitivity"] == "private" and body["showAs"] == "busy"
    assert body["transactionId"] == transaction_id("interview-12-abc")
    assert "interview-12" not in body["transactionId"]
    assert body["isOnlineMeeting"] is True and body["onlineMeetingProvider"] == "teamsForBusiness"
    assert body["location"]["locationEmailAddress"] == "room.1@contoso.com"
    assert body["attendees"] == [
        {"emailAddress": {"address": "bob@contoso.com", "name": "Bob"}, "type": "required"},
        {"emailAddress": {"address": "room.1@contoso.com"}, "type": "resource"},
    ]
    assert "isOnlineMeeting" not in to_graph(draft())


@pytest.mark.parametrize(
    ("rrule", "pattern", "span"),
    [
        (
            "FREQ=DAILY;COUNT=5",
            {"type": "daily", "interval": 1},
            {"type": "numbered", "numberOfOccurrences": 5},
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2",
            {
                "type": "weekly",
                "interval": 2,
                "daysOfWeek": ["monday", "wednesday"],
                "firstDayOfWeek": "monday",
            },
            {"type": "noEnd"},
        ),
        (
            "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261231T235959Z",
            {
                "type": "relativeMonthly",
                "interval": 1,
                "daysOfWeek": ["tuesday"],
                "index": "second",
            },
            {"type": "endDate", "endDate": "2027-01-01"},
        ),
        (
            "FREQ=MONTHLY",
            {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 24},
            {"type": "noEnd"},
        ),
        (
            "FREQ=YEARLY",
            {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 24, "month": 3},
            {"type": "noEnd"},
        ),
    ],
)
def test_rrules_become_graph_patterns_and_back(
    rrule: str, pattern: dict[str, object], span: dict[str, object]
) -> None:
    recurrence = recurrence_of(draft(rrule=rrule))
    assert recurrence is not None
    assert recurrence["pattern"] == pattern
    assert {k: v for k, v in recurrence["range"].items() if k in span} == span
    assert recurrence["range"]["startDate"] == "2026-03-24"
    master = from_graph(graph_event(type="seriesMaster", recurrence=recurrence), "a@b.c")
    assert master.rrule is not None
    for part in ("FREQ=", "COUNT=5" if "COUNT" in rrule else "FREQ="):
        assert part in master.rrule


def test_rules_graph_cannot_say_are_not_supported() -> None:
    with pytest.raises(NotSupported):
        recurrence_of(draft(rrule="FREQ=HOURLY"))
    with pytest.raises(NotSupported):
        recurrence_of(draft(rrule="FREQ=DAILY;BYHOUR=9,10"))
    with pytest.raises(NotSupported):
        recurrence_of(draft(rrule="FREQ=DAILY", rdates=(datetime(2026, 4, 1, 9, tzinfo=AMS),)))
