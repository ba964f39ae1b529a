"""Google event resources <-> Panelist events, and the ids Panelist gives its own events."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from panelist.providers import Attendee, EventDraft, ResponseStatus, Transparency
from panelist.providers.ical import expand_events, normalize_draft
from panelist_google.convert import (
    BadEvent,
    event_id_for,
    from_google,
    is_valid_event_id,
    to_google,
)

AMS = ZoneInfo("Europe/Amsterdam")


def test_event_id_is_base32hex_stable_and_distinct_per_key() -> None:
    first = event_id_for("interview-12-event-e3")
    assert re.fullmatch(r"[a-v0-9]{5,1024}", first) and is_valid_event_id(first)
    assert event_id_for("interview-12-event-e3") == first
    assert event_id_for("interview-12-event-e4") != first
    long_key = "x" * 5000 + "\N{SNOWMAN}"
    assert is_valid_event_id(event_id_for(long_key))
    assert "interview" not in first


def test_draft_goes_out_private_with_key_and_interview_and_comes_back() -> None:
    draft = normalize_draft(
        EventDraft(
            "Interview: Ada",
            datetime(2026, 3, 26, 9, tzinfo=AMS),
            datetime(2026, 3, 26, 10, tzinfo=AMS),
            timezone="Europe/Amsterdam",
            transparency=Transparency.TENTATIVE,
            attendees=(Attendee("ana@example.com", "Ana", ResponseStatus.ACCEPTED),),
            conference_url="https://meet.jit.si/abc",
            rrule="FREQ=DAILY;COUNT=5",
            exdates=(datetime(2026, 3, 27, 9, tzinfo=AMS),),
        )
    )
    body = to_google(draft, idempotency_key="interview-12-event-e3")
    assert body["visibility"] == "private"
    assert body["extendedProperties"]["private"]["panelistKey"] == "interview-12-event-e3"
    assert body["extendedProperties"]["private"]["panelistInterview"] == "12"
    assert body["start"] == {
        "dateTime": "2026-03-26T09:00:00+01:00",
        "timeZone": "Europe/Amsterdam",
    }
    assert body["recurrence"] == [
        "RRULE:FREQ=DAILY;COUNT=5",
        "EXDATE;TZID=Europe/Amsterdam:20260327T090000",
    ]
    back = from_google({**body, "id": event_id_for("k"), "etag": '"1"'}, "ana@example.com")
    assert (back.uid, back.private, back.transparency) == (
        event_id_for("k"),
        True,
        Transparency.TENTATIVE,
    )
    assert back.rrule == "FREQ=DAILY;COUNT=5"
    assert back.exdates == (datetime(2026, 3, 27, 9, tzinfo=AMS),)
    assert back.attendees[0].status is ResponseStatus.ACCEPTED
    assert back.conference_url == "https://meet.jit.si/abc"
    assert back.extra["interview"] == "12"
    starts = [
        e.start
        for e in expand_events(
            [back], datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 4, 6, tzinfo=UTC)
        )
    ]
    assert [s.day for s in starts] == [26, 28, 29, 30]  # 27 excluded; 29 is after the DST change
    assert all(s.hour == 9 for s in starts)


def test_override_and_cancelled_occurrence_name_their_series() -> None:
    master = {
        "id": "series1",
        "summary": "Weekly",
        "start": {"dateTime": "2026-03-23T09:00:00+01:00", "timeZone": "Europe/Amsterdam"},
        "end": {"dateTime": "2026-03-23T10:00:00+01:00", "timeZone": "Europe/Amsterdam"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
    }
    moved = {
        "id": "series1_20260324T080000Z",
        "recurringEventId": "series1",
        "originalStartTime": {
            "dateTime": "2026-03-24T09:00:00+01:00",
            "timeZone": "Europe/Amsterdam",
        },
        "summary": "Weekly, moved",
        "start": {"dateTime": "2026-03-24T14:00:00+01:00"},
        "end": {"dateTime": "2026-03-24T15:00:00+01:00"},
    }
    cancelled = {
        "id": "series1_20260325T080000Z",
        "status": "cancelled",
        "recurringEventId": "series1",
        "originalStartTime": {
            "dateTime": "2026-03-25T09:00:00+01:00",
            "timeZone": "Europe/Amsterdam",
        },
    }
    events = [from_google(item, "ana@example.com") for item in (master, moved, cancelled)]
    assert events[1].uid == events[2].uid == "series1"
    assert events[2].cancelled and events[2].recurrence_id == datetime(2026, 3, 25, 9, tzinfo=AMS)
    found = expand_events(
        events, datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    )
    assert [(e.summary, e.start.astimezone(UTC).hour) for e in found] == [
        ("Weekly", 8),
        ("Weekly, moved", 13),
    ]


def test_all_day_and_utc_times() -> None:
    item = {"id": "d1", "start": {"date": "2026-03-25"}, "end": {"date": "2026-03-26"}}
    event = from_google(item, "c")
    assert (event.start, event.end, event.all_day) == (date(2026, 3, 25), date(2026, 3, 26), True)
    timed = from_google(
        {
            "id": "t1",
            "start": {"dateTime": "2026-03-25T08:00:00Z"},
            "end": {"dateTime": "2026-03-25T09:00:00Z"},
        },
        "c",
    )
    assert timed.start == datetime(2026, 3, 25, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("item", "named"),
    [
        ({"id": "e1", "summary": "Secret title", "end": {"date": "2026-03-26"}}, "start"),
        (
            {
                "id": "e1",
                "summary": "Secret title",
                "start": {"dateTime": "soon"},
                "end": {"date": "2026-03-26"},
            },
            "start",
        ),
        (
            {
                "summary": "Secret title",
                "start": {"date": "2026-03-25"},
                "end": {"date": "2026-03-26"},
            },
            "id",
        ),
        (
            {
                "id": "e1",
                "summary": "Secret title",
                "start": {"dateTime": "2026-03-25T08:00:00"},
                "end": {"date": "2026-03-26"},
            },
            "offset",
        ),
    ],
)
def test_an_event_with_fields_missing_is_refused_by_field_never_by_title(
    item: dict, named: str
) -> None:
    with pytest.raises(BadEvent) as caught:
        from_google(item, "c")
    assert named in str(caught.value) and "Secret" not in str(caught.value)
