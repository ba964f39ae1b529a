"""Recurrence as other calendar apps write it (RFC 5545), read as the RFC says.

Each VCALENDAR here is text as Outlook, Google, Apple or an old server would
serve it; `events_from_ics` reads it and `expand_events` expands it, so the
path is the one the CalDAV and local calendars take.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from time import perf_counter

import pytest

from panelist.errors import ValidationError
from panelist.providers.events import CalendarEvent, Transparency, unreadable_reason
from panelist.providers.ical import (
    event_from_json,
    event_to_json,
    events_from_ics,
    events_to_ics,
    expand_events,
    normalize_draft,
)

SEPTEMBER = (datetime(2024, 8, 26, tzinfo=UTC), datetime(2024, 10, 31, tzinfo=UTC))
STAMP = datetime(2024, 8, 1, tzinfo=UTC)


def calendar(*vevents: str) -> str:
    body = "".join(
        "BEGIN:VEVENT\r\nDTSTAMP:20240801T000000Z\r\n"
        + "\r\n".join(line.strip() for line in vevent.strip().splitlines())
        + "\r\nEND:VEVENT\r\n"
        for vevent in vevents
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other App//EN\r\n{body}END:VCALENDAR\r\n"


def utc(day: int, hour: int, month: int = 9) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


def spans(events: list[CalendarEvent]) -> list[tuple[datetime, datetime]]:
    return [(e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in events]


def expanded(ics: str) -> list[CalendarEvent]:
    return expand_events(events_from_ics(ics, "cal"), *SEPTEMBER)


def also_stored(ics: str) -> list[list[CalendarEvent]]:
    """The events as read, as written back to iCalendar and as the local calendar's JSON."""
    read = events_from_ics(ics, "cal")
    written = events_from_ics(events_to_ics(read, stamp=STAMP), "cal")
    stored = [event_from_json(event_to_json(e)) for e in read]
    return [expand_events(events, *SEPTEMBER) for events in (read, written, stored)]


# ------------------------------------------------------------------ read as the RFC says

DAILY_MOVED_FROM_THE_THIRD = calendar(
    """
    UID:standup
    SUMMARY:Standup
    DTSTART:20240901T120000Z
    DTEND:20240901T140000Z
    RRULE:FREQ=DAILY;COUNT=5
    """,
    """
    UID:standup
    SUMMARY:Standup (earlier)
    RECURRENCE-ID;RANGE=THISANDFUTURE:20240903T120000Z
    DTSTART:20240903T090000Z
    DTEND:20240903T100000Z
    """,
)


def test_an_override_for_this_and_future_occurrences_moves_the_later_ones_too() -> None:
    for found in also_stored(DAILY_MOVED_FROM_THE_THIRD):
        assert spans(found) == [
            (utc(1, 12), utc(1, 14)),
            (utc(2, 12), utc(2, 14)),
            (utc(3, 9), utc(3, 10)),
            (utc(4, 9), utc(4, 10)),
            (utc(5, 9), utc(5, 10)),
        ]
        # Each keeps the occurrence it replaces as its id, and takes the override's details.
        assert [e.recurrence_id for e in found] == [utc(day, 12) for day in range(1, 6)]
        assert [e.summary for e in found[2:]] == ["Standup (earlier)"] * 3


def test_every_rrule_of_an_event_counts() -> None:
    thursdays_and_second_mondays = calendar(
        """
        UID:review
        DTSTART:20240905T120000Z
        DTEND:20240905T130000Z
        RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3
        RRULE:FREQ=MONTHLY;BYDAY=2MO;COUNT=2
        """
    )
    for found in also_stored(thursdays_and_second_mondays):
        starts = [start for start, _ in spans(found)]
        assert starts == [utc(5, 12), utc(9, 12), utc(12, 12), utc(19, 12), utc(14, 12, month=10)]


def test_an_rdate_period_lasts_the_period() -> None:
    hour_with_a_longer_repeat = calendar(
        """
        UID:clinic
        DTSTART:20240906T120000Z
        DTEND:20240906T130000Z
        RDATE;VALUE=PERIOD:20240913T120000Z/PT2H
        """
    )
    for found in also_stored(hour_with_a_longer_repeat):
        assert spans(found) == [(utc(6, 12), utc(6, 13)), (utc(13, 12), utc(13, 14))]


def test_an_rdate_period_in_a_zone_keeps_its_zone_when_written_back() -> None:
    in_amsterdam = calendar(
        """
        UID:clinic
        DTSTART;TZID=Europe/Amsterdam:20240906T140000
        DTEND;TZID=Europe/Amsterdam:20240906T150000
        RDATE;TZID=Europe/Amsterdam;VALUE=PERIOD:20240913T140000/20240913T163000
        """
    )
    for found in also_stored(in_amsterdam):
        assert spans(found)[1] == (utc(13, 12), utc(13, 14) + timedelta(minutes=30))


# ------------------------------------------------------------------ skipped, reported, the rest kept

GOOD = """
    UID:good
    SUMMARY:Good
    DTSTART:20240910T150000Z
    DTEND:20240910T160000Z
    """


def test_a_malformed_rrule_part_skips_that_series_only() -> None:
    found = expanded(
        calendar(
            """
            UID:broken
            SUMMARY:Zorblax clinic
            CLASS:PRIVATE
            DTSTART:20240905T120000Z
            DTEND:20240905T130000Z
            RRULE:FREQ=WEEKLY;UNTL=20191023;BYDAY=TH
            """,
            GOOD,
        )
    )
    assert [(e.uid, unreadable_reason(e)) for e in found] == [
        ("broken", "RRULE 'FREQ=WEEKLY;BYDAY=TH;UNTL=20191023' has an unknown part UNTL"),
        ("good", None),
    ]
    assert "Zorblax" not in repr(found[0])
    assert spans(found[:1]) == [(utc(5, 12), utc(5, 13))]  # its first occurrence stays busy


def test_a_malformed_rrule_part_is_refused_when_written() -> None:
    draft = CalendarEvent(
        "Zorblax", utc(5, 12), utc(5, 13), rrule="FREQ=WEEKLY;UNTL=20191023;BYDAY=TH", uid="x"
    )
    with pytest.raises(ValidationError, match="unknown part UNTL") as refused:
        normalize_draft(draft)
    assert "Zorblax" not in str(refused.value)


@pytest.mark.parametrize(
    "times",
    [
        ("DTSTART;VALUE=DATE:20240905", "DTEND:20240905T130000Z"),
        ("DTSTART:20240905T120000Z", "DTEND;VALUE=DATE:20240906"),
    ],
    ids=["date-start-time-end", "time-start-date-end"],
)
def test_an_event_mixing_dates_and_times_is_skipped_and_reported(times: tuple[str, str]) -> None:
    mixed = "\n".join(["UID:mixed", "SUMMARY:Zorblax clinic", *times])
    read = events_from_ics(calendar(mixed, GOOD), "cal")
    skipped, good = read
    assert (skipped.uid, good.uid, unreadable_reason(good)) == ("mixed", "good", None)
    assert unreadable_reason(skipped) == (
        "DTSTART and DTEND must be of the same type, either date or datetime."
    )
    assert skipped.transparency is Transparency.FREE  # its span is unknown: it blocks nothing
    assert "Zorblax" not in repr(skipped)
    found = expand_events(read, *SEPTEMBER)
    assert [(e.uid, unreadable_reason(e) is None) for e in found] == [
        ("mixed", False),
        ("good", True),
    ]


def test_events_without_uid_stay_apart() -> None:
    first = "DTSTART:20240905T120000Z\nDTEND:20240905T130000Z\nSUMMARY:One"
    second = "DTSTART:20240906T120000Z\nDTEND:20240906T130000Z\nRRULE:FREQ=DAILY;COUNT=2"
    ics = calendar(first, second)
    found = expanded(ics)
    assert spans(found) == [
        (utc(5, 12), utc(5, 13)),
        (utc(6, 12), utc(6, 13)),
        (utc(7, 12), utc(7, 13)),
    ]
    assert len({e.uid for e in found}) == 2 and all(e.uid for e in found)
    assert [e.uid for e in events_from_ics(ics)] == [e.uid for e in events_from_ics(ics)]  # stable


# ------------------------------------------------------------------ bounded


def weeks(count: int) -> list[tuple[datetime, datetime]]:
    """The windows of a calendar paged a week at a time."""
    monday = datetime(2024, 9, 2, tzinfo=UTC)
    return [(monday + timedelta(weeks=n), monday + timedelta(weeks=n + 1)) for n in range(count)]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
    ],
)
@pytest.mark.parametrize("zone", ["Z", ";TZID=Europe/Amsterdam"])
def test_a_rule_that_never_matches_is_not_walked_to_the_year_9999(rule: str, zone: str) -> None:
    day = 2 + len(rule) % 5  # a start of its own, so nothing is cached from another case
    start, end = (f"202409{day:02d}T{hour}0000" for hour in (12, 13))
    if zone == "Z":
        times = [f"DTSTART:{start}Z", f"DTEND:{end}Z"]
    else:
        times = [f"DTSTART{zone}:{start}", f"DTEND{zone}:{end}"]
    read = events_from_ics(calendar("\n".join(["UID:never", *times, f"RRULE:{rule}"])))
    began = perf_counter()
    found = [expand_events(read, *week) for week in weeks(12)]
    assert perf_counter() - began < 0.5  # dateutil alone walks for 0.2 to 7 s each time
    # DTSTART is an occurrence whatever the rule says (as recurring-ical-events has it).
    assert [[e.start.day for e in events] for events in found] == [[day]] + [[]] * 11


def test_an_all_day_series_with_a_rule_that_never_matches() -> None:
    ics = calendar(
        "UID:never\nDTSTART;VALUE=DATE:20240902\nRRULE:FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=6"
    )
    read = events_from_ics(ics)
    began = perf_counter()
    found = [expand_events(read, *week) for week in weeks(12)]
    assert perf_counter() - began < 0.5
    assert [[e.start for e in events] for events in found] == [[date(2024, 9, 2)]] + [[]] * 11


@pytest.mark.parametrize("zone", ["Z", ";TZID=Europe/Amsterdam"])
def test_a_rule_that_matches_rarely_is_kept(zone: str) -> None:
    """29 February on a Monday: 2044, then 2072. The guard must not take it for a barren rule."""
    times = ["DTSTART:20240101T120000Z", "DTEND:20240101T130000Z"]
    if zone != "Z":
        times = [f"DTSTART{zone}:20240101T120000", f"DTEND{zone}:20240101T130000"]
    rule = "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"
    read = events_from_ics(calendar("\n".join(["UID:rare", *times, rule])))
    february_2044 = (datetime(2044, 2, 1, tzinfo=UTC), datetime(2044, 3, 1, tzinfo=UTC))
    assert [e.start.date() for e in expand_events(read, *february_2044)] == [date(2044, 2, 29)]
