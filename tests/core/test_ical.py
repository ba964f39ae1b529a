"""iCalendar conversion, recurrence expansion and the JSON form of events."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from panelist.errors import ValidationError
from panelist.providers import (
    Attendee,
    CalendarEvent,
    EventDraft,
    ResponseStatus,
    Transparency,
)
from panelist.providers.events import unreadable_reason
from panelist.providers.ical import (
    check_expandable,
    event_from_json,
    event_to_json,
    events_from_ics,
    events_to_ics,
    expand_events,
    from_vevent,
    normalize_draft,
    overlaps,
    to_vevent,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 23)  # Europe moves to summer time on Sunday 29 March
STAMP = datetime(2026, 3, 1, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo | None = AMSTERDAM) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), zone)


def event(
    summary: str = "Interview", start: Any = None, end: Any = None, uid: str = "", **values: Any
) -> CalendarEvent:
    """A stored event, checked like a provider checks a draft."""
    start = at(1, 10) if start is None else start
    end = at(1, 11) if end is None else end
    draft = normalize_draft(EventDraft(summary, start, end, **values))
    base = {f.name: getattr(draft, f.name) for f in fields(EventDraft)}
    return CalendarEvent(**base, uid=uid or f"uid-{summary}", calendar_id="cal")


def ics_round_trip(original: CalendarEvent) -> CalendarEvent:
    [parsed] = events_from_ics(events_to_ics([original], stamp=STAMP), calendar_id="cal")
    return parsed


def vevent_text(original: CalendarEvent) -> str:
    return to_vevent(original, stamp=STAMP).to_ical().decode()


# ------------------------------------------------------------------ conversion


def test_timed_event_keeps_its_tzid_and_every_field() -> None:
    original = replace(
        event(
            description="Portfolio review",
            location="Amstel",
            attendees=(
                Attendee("bob@example.org", "Bob", ResponseStatus.ACCEPTED),
                Attendee("carol@example.org", "Carol", ResponseStatus.TENTATIVE, optional=True),
                Attendee("room-amstel@example.org", "Amstel", resource=True),
            ),
            organizer="ana@example.org",
            conference_url="https://meet.jit.si/Panelist-abcde",
        ),
        sequence=3,
    )
    text = vevent_text(original)
    assert "DTSTART;TZID=Europe/Amsterdam:20260324T100000" in text
    assert "CLASS:PRIVATE" in text and "SEQUENCE:3" in text
    assert ics_round_trip(original) == original


def test_event_given_in_utc_is_written_in_its_zone() -> None:
    draft = normalize_draft(
        EventDraft("x", at(1, 9, zone=UTC), at(1, 10, zone=UTC), timezone="America/New_York")
    )
    assert draft.start == at(1, 5, zone=NEW_YORK)
    assert draft.start.tzinfo == NEW_YORK
    assert "DTSTART;TZID=America/New_York:20260324T050000" in vevent_text(event("x", *_span(draft)))


def _span(draft: EventDraft) -> tuple[Any, Any]:
    return draft.start, draft.end


def test_event_across_the_dst_change_keeps_its_real_length() -> None:
    overnight = event("Overnight", at(5, 22), at(6, 4))
    parsed = ics_round_trip(overnight)
    assert parsed.end.astimezone(UTC) - parsed.start.astimezone(UTC) == timedelta(hours=5)
    assert (parsed.start.utcoffset(), parsed.end.utcoffset()) == (
        timedelta(hours=1),
        timedelta(hours=2),
    )


def test_floating_event_stays_naive() -> None:
    lunch = event("Lunch", at(1, 12, zone=None), at(1, 13, zone=None))
    assert lunch.timezone is None
    text = vevent_text(lunch)
    assert "DTSTART:20260324T120000\r\n" in text
    parsed = ics_round_trip(lunch)
    assert parsed.start == datetime(2026, 3, 24, 12) and parsed.timezone is None


def test_naive_times_with_a_zone_are_wall_clock_times_there() -> None:
    draft = normalize_draft(
        EventDraft("x", at(1, 9, zone=None), at(1, 10, zone=None), timezone="Europe/Amsterdam")
    )
    assert draft.start == at(1, 9)


def test_all_day_event_uses_dates() -> None:
    day_off = event("Day off", MONDAY, MONDAY + timedelta(days=3))
    text = vevent_text(day_off)
    assert "DTSTART;VALUE=DATE:20260323" in text and "DTEND;VALUE=DATE:20260326" in text
    parsed = ics_round_trip(day_off)
    assert (parsed.start, parsed.end, parsed.all_day) == (MONDAY, date(2026, 3, 26), True)


def test_recurrence_properties_round_trip() -> None:
    series = event(
        "Standup",
        at(0, 9),
        at(0, 9, 15),
        rrule="FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260601T000000Z",
        rdates=(at(4, 9),),
        exdates=(at(2, 9),),
    )
    text = vevent_text(series)
    assert "RRULE:FREQ=WEEKLY;UNTIL=20260601T000000Z;BYDAY=MO,WE" in text
    assert "EXDATE;TZID=Europe/Amsterdam:20260325T090000" in text
    assert ics_round_trip(series) == replace(
        series, rrule="FREQ=WEEKLY;UNTIL=20260601T000000Z;BYDAY=MO,WE"
    )
    override = replace(series, rrule=None, rdates=(), exdates=(), recurrence_id=at(7, 9))
    assert "RECURRENCE-ID;TZID=Europe/Amsterdam:20260330T090000" in vevent_text(override)
    assert ics_round_trip(override).recurrence_id == at(7, 9)


@pytest.mark.parametrize(
    ("partstat", "status"),
    [
        ("NEEDS-ACTION", ResponseStatus.NEEDS_ACTION),
        ("ACCEPTED", ResponseStatus.ACCEPTED),
        ("DECLINED", ResponseStatus.DECLINED),
        ("TENTATIVE", ResponseStatus.TENTATIVE),
        ("DELEGATED", ResponseStatus.NEEDS_ACTION),
        ("X-SOMETHING-NEW", ResponseStatus.NEEDS_ACTION),
    ],
)
def test_partstat_maps_to_response_status(partstat: str, status: ResponseStatus) -> None:
    parsed = parse_vevent(f"ATTENDEE;PARTSTAT={partstat};CN=Bob:MAILTO:bob@example.org")
    assert parsed.attendees == (Attendee("bob@example.org", "Bob", status),)


def parse_vevent(*lines: str) -> CalendarEvent:
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:external-1",
            "DTSTAMP:20260301T000000Z",
            "DTSTART:20260324T090000Z",
            "DTEND:20260324T100000Z",
            *lines,
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    [parsed] = events_from_ics(body)
    return parsed


@pytest.mark.parametrize(
    ("lines", "private", "transparency", "cancelled"),
    [
        ((), False, Transparency.BUSY, False),  # RFC 5545 defaults: PUBLIC, OPAQUE
        (("CLASS:PRIVATE",), True, Transparency.BUSY, False),
        (("CLASS:CONFIDENTIAL",), True, Transparency.BUSY, False),
        (("TRANSP:TRANSPARENT",), False, Transparency.FREE, False),
        (("STATUS:TENTATIVE",), False, Transparency.TENTATIVE, False),
        (("X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE",), False, Transparency.TENTATIVE, False),
        (("STATUS:CANCELLED",), False, Transparency.BUSY, True),
    ],
)
def test_class_transp_and_status(
    lines: tuple[str, ...], private: bool, transparency: Transparency, cancelled: bool
) -> None:
    parsed = parse_vevent(*lines)
    assert (parsed.private, parsed.transparency, parsed.cancelled) == (
        private,
        transparency,
        cancelled,
    )


def test_written_transparency_and_cancellation_read_back() -> None:
    for transparency in Transparency:
        assert ics_round_trip(event(transparency=transparency)).transparency is transparency
    cancelled = replace(event(), cancelled=True)
    assert "STATUS:CANCELLED" in vevent_text(cancelled)
    assert ics_round_trip(cancelled).cancelled


def test_organizer_and_roles_from_another_client() -> None:
    parsed = parse_vevent(
        "ORGANIZER;CN=Ana:mailto:ana@example.org",
        "ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:carol@example.org",
        "ATTENDEE;CUTYPE=ROOM:mailto:amstel@example.org",
        "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.example.org/x",
    )
    assert parsed.organizer == "ana@example.org"
    assert [(a.email, a.optional, a.resource) for a in parsed.attendees] == [
        ("carol@example.org", True, False),
        ("amstel@example.org", False, True),
    ]
    assert parsed.conference_url == "https://meet.example.org/x"
    assert (parsed.start, parsed.timezone) == (at(1, 9, zone=UTC), "UTC")


def test_windows_zone_names_become_iana_zones() -> None:
    vevent = icalendar.Event.from_ical(
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=W. Europe Standard Time:20260324T090000\r\n"
        "DTEND;TZID=W. Europe Standard Time:20260324T100000\r\nEND:VEVENT\r\n"
    )
    parsed = from_vevent(vevent)
    assert parsed.start.astimezone(UTC) == at(1, 8, zone=UTC)
    assert parsed.timezone is not None and ZoneInfo(parsed.timezone)


def test_duration_instead_of_dtend() -> None:
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:d\r\n"
        "DTSTART;TZID=Europe/Amsterdam:20260324T090000\r\nDURATION:PT90M\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    [with_duration] = events_from_ics(body)
    assert with_duration.end == at(1, 10, 30)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("start", "end", "values", "message"),
    [
        (at(1, 11), at(1, 10), {}, "ends before it starts"),
        (at(1, 10), at(1, 10), {}, "has no duration"),
        (at(1, 10), at(1, 11), {"timezone": "Nowhere/Special"}, "unknown timezone"),
        (at(1, 10), at(1, 11, zone=None), {}, "both"),
        (MONDAY, at(1, 11), {}, "both"),
        (MONDAY, MONDAY, {}, "has no duration"),
        (at(1, 10), at(1, 11), {"rrule": "FREQ=NEVER"}, "RRULE"),
        (at(1, 10), at(1, 11), {"rrule": "BYDAY=MO"}, "no FREQ"),
        (at(1, 10), at(1, 11), {"rrule": "FREQ=DAILY;INTERVAL=0"}, "INTERVAL of 1 or more"),
        (MONDAY, MONDAY + timedelta(1), {"exdates": (at(1, 9),)}, "dates only"),
        (at(1, 10, zone=None), at(1, 11, zone=None), {"exdates": (at(1, 9),)}, "naive"),
    ],
)
def test_bad_drafts_are_refused_without_quoting_their_title(
    start: Any, end: Any, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        normalize_draft(EventDraft("Interview Ana", start, end, **values))
    assert str(caught.value).startswith("the event: ")  # a title may be private
    with pytest.raises(ValidationError, match=message) as caught:
        normalize_draft(CalendarEvent("Interview Ana", start, end, uid="u-1", **values))
    assert str(caught.value).startswith("event 'u-1': ")
    assert "Interview Ana" not in str(caught.value)


# ------------------------------------------------------------------ expansion


def window(first_day: int, last_day: int) -> tuple[datetime, datetime]:
    return at(first_day, 0), at(last_day, 0)


def test_single_events_are_filtered_by_half_open_overlap() -> None:
    events = [
        event("before", at(1, 9), at(1, 10)),
        event("inside", at(1, 10, 15), at(1, 10, 45)),
        event("after", at(1, 11), at(1, 12)),
        event("across", at(1, 8), at(1, 12)),
    ]
    found = expand_events(events, at(1, 10), at(1, 11))
    assert [e.summary for e in found] == ["across", "inside"]  # sorted by start
    assert all(e.recurrence_id is None for e in found)


def test_floating_and_all_day_events_are_read_in_the_windows_zone() -> None:
    lunch = event("Lunch", at(1, 12, zone=None), at(1, 13, zone=None))
    day_off = event("Off", MONDAY + timedelta(2), MONDAY + timedelta(3))
    assert overlaps(lunch, at(1, 12, zone=NEW_YORK), at(1, 13, zone=NEW_YORK))
    assert not overlaps(lunch, at(1, 6, zone=NEW_YORK), at(1, 7, zone=NEW_YORK))
    assert overlaps(day_off, at(2, 23, zone=NEW_YORK), at(3, 0, zone=NEW_YORK))
    assert not overlaps(day_off, at(1, 23), at(2, 0))
    # A naive window is read as UTC.
    assert overlaps(lunch, datetime(2026, 3, 24, 12, 30), datetime(2026, 3, 24, 12, 45))


def test_daily_series_over_the_dst_change_keeps_wall_clock_time() -> None:
    daily = event(
        "Daily", at(3, 9), at(3, 10), rrule="FREQ=DAILY;COUNT=5", exdates=(at(4, 9),), uid="d"
    )
    found = expand_events([daily], *window(0, 8))
    assert [e.start for e in found] == [at(3, 9), at(5, 9), at(6, 9), at(7, 9)]
    assert [e.start.utcoffset() for e in found] == [timedelta(hours=h) for h in (1, 1, 2, 2)]
    assert {(e.uid, e.rrule, e.exdates) for e in found} == {("d", None, ())}
    assert [e.recurrence_id for e in found] == [e.start for e in found]
    assert all(e.timezone == "Europe/Amsterdam" for e in found)


def test_override_replaces_its_occurrence() -> None:
    daily = event("Standup", at(0, 9), at(0, 9, 15), rrule="FREQ=DAILY", uid="s")
    moved = replace(
        daily,
        summary="Standup (moved)",
        start=at(2, 16),
        end=at(2, 16, 30),
        rrule=None,
        recurrence_id=at(2, 9).astimezone(UTC),  # however the server wrote it
    )
    found = expand_events([moved, daily], at(2, 0), at(3, 0))
    assert [(e.summary, e.start, e.recurrence_id) for e in found] == [
        ("Standup (moved)", at(2, 16), at(2, 9))
    ]


def test_override_moved_out_of_the_window_leaves_a_gap() -> None:
    daily = event("Standup", at(0, 9), at(0, 9, 15), rrule="FREQ=DAILY", uid="s")
    moved = replace(daily, start=at(9, 9), end=at(9, 10), rrule=None, recurrence_id=at(2, 9))
    found = expand_events([daily, moved], *window(2, 3))
    assert found == []


def test_cancelled_occurrences_are_left_out_unless_asked_for() -> None:
    daily = event("Standup", at(0, 9), at(0, 9, 15), rrule="FREQ=DAILY", uid="s")
    cancelled = replace(
        daily, start=at(2, 9), end=at(2, 9, 15), rrule=None, recurrence_id=at(2, 9), cancelled=True
    )
    assert [e.start for e in expand_events([daily, cancelled], *window(1, 4))] == [
        at(1, 9),
        at(3, 9),
    ]
    everything = expand_events([daily, cancelled], *window(1, 4), include_cancelled=True)
    assert [e.cancelled for e in everything] == [False, True, False]


def test_all_day_and_floating_series_expand_in_their_own_terms() -> None:
    weekly_off = event("Off", MONDAY, MONDAY + timedelta(1), rrule="FREQ=WEEKLY", uid="o")
    found = expand_events([weekly_off], *window(0, 21))
    assert [e.start for e in found] == [MONDAY + timedelta(days=7 * n) for n in range(3)]
    assert all(not isinstance(e.start, datetime) for e in found)
    tea = event("Tea", at(0, 16, zone=None), at(0, 16, 30, zone=None), rrule="FREQ=DAILY", uid="t")
    [one] = expand_events([tea], at(2, 16, zone=NEW_YORK), at(2, 17, zone=NEW_YORK))
    assert one.start == at(2, 16, zone=None)


def test_rdates_add_occurrences() -> None:
    series = event("Extra", at(0, 9), at(0, 10), rdates=(at(3, 14),), uid="r")
    assert [e.start for e in expand_events([series], *window(0, 7))] == [at(0, 9), at(3, 14)]


@pytest.mark.parametrize(
    ("rrule", "per_day"),
    [("FREQ=DAILY;COUNT=1000000", 1), ("FREQ=DAILY", 1), ("FREQ=HOURLY", 24)],
)
def test_expansion_is_bounded_by_the_window(rrule: str, per_day: int) -> None:
    series = event("Forever", at(0, 0), at(0, 0, 30), rrule=rrule, uid="f")
    started = perf_counter()
    week = expand_events([series], *window(0, 7))
    two_years_on = expand_events([series], at(700, 0), at(701, 0))
    assert perf_counter() - started < 2.0
    assert len(two_years_on) == per_day
    if per_day == 1:
        assert len(week) == 7
    assert all(e.uid == "f" and e.recurrence_id is not None for e in week + two_years_on)


@pytest.mark.parametrize(
    ("rrule", "since", "repetitions"),
    [
        ("FREQ=SECONDLY", date(2026, 1, 1), "7,599,600"),
        ("FREQ=MINUTELY", date(2025, 1, 1), "652,260"),
        ("FREQ=HOURLY", date(1990, 1, 1), "317,687"),
        (
            "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12;BYMINUTE=0,30",
            date(2015, 1, 1),
            "106,754",
        ),
    ],
)
def test_a_series_too_costly_to_walk_is_a_placeholder_and_the_rest_expands(
    rrule: str, since: date, repetitions: str
) -> None:
    begin = datetime.combine(since, time(), AMSTERDAM)
    ticker = event("Ticker", begin, begin + timedelta(seconds=1), rrule=rrule, uid="t")
    started = perf_counter()
    found = expand_events([ticker, event("Lunch", at(1, 12), at(1, 13))], *window(0, 7))
    assert perf_counter() - started < 1.0  # unguarded, the first of these ran for minutes
    reason = (
        f"repeats too often since {since} (about {repetitions} repetitions"
        " before 2026-03-30; at most 100,000 are expanded)"
    )
    placeholder, lunch = found  # the placeholder at its own start, though outside the window
    assert unreadable_reason(placeholder) == reason
    assert (placeholder.uid, placeholder.start, placeholder.summary) == ("t", begin, "Busy")
    assert placeholder.rrule is None and placeholder.private
    assert lunch.summary == "Lunch"
    with pytest.raises(ValidationError) as caught:
        check_expandable(ticker, window(0, 7)[1])
    assert str(caught.value) == f"event 't': {reason}"
    assert caught.value.field == "rrule"


def test_the_guard_counts_from_the_start_to_the_window_not_the_series() -> None:
    began = at(0, 9)
    ticker = event("Ticker", began, began + timedelta(seconds=30), rrule="FREQ=MINUTELY", uid="t")
    found = expand_events([ticker], at(0, 10), at(0, 11))  # ~120 steps in, 60 in the window
    assert [e.start for e in found] == [at(0, 10) + timedelta(minutes=n) for n in range(60)]


def test_a_rule_that_never_moves_on_is_not_walked() -> None:
    stored = replace(event("Standup", at(0, 9), at(0, 10), uid="s"), rrule="FREQ=DAILY;INTERVAL=0")
    (placeholder,) = expand_events([stored], *window(0, 7))  # unguarded, dateutil never returns
    assert unreadable_reason(placeholder) == (
        "RRULE 'FREQ=DAILY;INTERVAL=0' needs an INTERVAL of 1 or more"
    )
    assert placeholder.start == at(0, 9)


def test_a_series_the_library_refuses_is_a_placeholder_and_its_overrides_stand() -> None:
    """Whatever fails in expansion makes only that series unknown, never the calendar."""
    broken = replace(event("Secret", at(0, 9), at(0, 10), uid="b"), rrule="FREQ=DAILY;BYHOUR=25")
    moved = replace(
        event("Secret", at(2, 15), at(2, 16), uid="b"), recurrence_id=at(2, 9), private=True
    )
    weekly = event("Weekly", at(0, 11), at(0, 12), uid="w", rrule="FREQ=WEEKLY")
    found = expand_events([broken, moved, weekly], *window(0, 7))
    assert [(e.uid, e.start, unreadable_reason(e) is not None) for e in found] == [
        ("b", at(0, 9), True),
        ("w", at(0, 11), False),
        ("b", at(2, 15), False),  # the moved occurrence: its times are known
    ]
    assert unreadable_reason(found[0]) == "its recurrence cannot be expanded (BadRuleStringFormat)"


def test_occurrences_starting_together_come_in_recurrence_id_order() -> None:
    daily = event("Standup", at(0, 9), at(0, 9, 15), rrule="FREQ=DAILY", uid="s")
    onto_the_next = replace(
        daily, summary="Moved", start=at(3, 9), end=at(3, 9, 15), rrule=None, recurrence_id=at(2, 9)
    )
    found = expand_events([daily, onto_the_next], *window(3, 4))
    assert [(e.summary, e.recurrence_id) for e in found] == [
        ("Moved", at(2, 9)),
        ("Standup", at(3, 9)),
    ]


def test_overrides_of_an_event_that_is_no_longer_a_series_are_ignored() -> None:
    single = event("Once", at(2, 9), at(2, 10), uid="s")
    stale = replace(single, summary="Stale", start=at(2, 15), end=at(2, 16), recurrence_id=at(2, 9))
    assert [e.summary for e in expand_events([single, stale], *window(2, 3))] == ["Once"]


def test_orphan_override_stands_alone() -> None:
    orphan = replace(event("Moved", at(1, 15), at(1, 16)), recurrence_id=at(1, 9))
    assert expand_events([orphan], *window(1, 2)) == [orphan]


# ------------------------------------------------------------------ JSON


def test_json_round_trip_of_every_kind_of_event() -> None:
    kinds = [
        replace(
            event(
                "Timed",
                attendees=(Attendee("b@example.org", "B", ResponseStatus.DECLINED, True, True),),
                organizer="a@example.org",
                conference_url="https://x",
                transparency=Transparency.TENTATIVE,
                private=False,
            ),
            etag='"42"',
            sequence=7,
            extra={"html_link": "https://calendar/x"},
        ),
        event("Floating", at(1, 12, zone=None), at(1, 13, zone=None)),
        event("All day", MONDAY, MONDAY + timedelta(1)),
        event("Series", at(0, 9), at(0, 10), rrule="FREQ=DAILY", exdates=(at(2, 9),)),
        replace(event("Override", at(2, 15), at(2, 16)), recurrence_id=at(2, 9), cancelled=True),
    ]
    for original in kinds:
        restored = event_from_json(event_to_json(original))
        assert restored == original
        assert restored.extra == original.extra
        assert type(restored.start) is type(original.start)
        assert getattr(restored.start, "tzinfo", None) == getattr(original.start, "tzinfo", None)


def test_json_keeps_the_side_of_a_dst_fold() -> None:
    # 02:30 on 25 October 2026 happens twice in Amsterdam; fold=1 is the second, in CET.
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM)
    # (Adding a timedelta to `second` would drop the fold: work in UTC.)
    end = (second.astimezone(UTC) + timedelta(minutes=20)).astimezone(AMSTERDAM)
    original = event("Fold", second, end)
    restored = event_from_json(event_to_json(original))
    assert restored.start.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert restored.end.astimezone(UTC) == datetime(2026, 10, 25, 1, 50, tzinfo=UTC)


def test_a_fold_does_not_fool_the_length_check() -> None:
    # 02:50 (first, CEST) is 40 minutes *before* 02:30 (second, CET).
    first_pass = datetime(2026, 10, 25, 2, 50, tzinfo=AMSTERDAM)
    second_pass = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM)
    with pytest.raises(ValidationError, match="ends before it starts"):
        normalize_draft(EventDraft("Fold", second_pass, first_pass))
    assert normalize_draft(EventDraft("Fold", first_pass, second_pass)).end == second_pass


def test_a_wall_clock_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not exist in Europe/Amsterdam"):
        normalize_draft(
            EventDraft(
                "Gap",
                datetime(2026, 3, 29, 2, 30),
                datetime(2026, 3, 29, 3, 30),
                timezone="Europe/Amsterdam",
            )
        )


def test_json_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        event_from_json(json.dumps({"v": 99}))
    with pytest.raises(ValueError, match="not a Panelist event"):
        event_from_json(json.dumps({"v": 1, "uid": "x"}))


@given(
    zone=st.sampled_from(["Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "UTC"]),
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)),
    minutes=st.integers(min_value=1, max_value=60 * 24 * 10),
)
def test_any_timed_event_survives_ics_and_json(zone: str, start: datetime, minutes: int) -> None:
    begin = start.replace(microsecond=0, tzinfo=ZoneInfo(zone))
    original = event("Any", begin, begin + timedelta(minutes=minutes))
    for restored in (ics_round_trip(original), event_from_json(event_to_json(original))):
        assert restored.start.astimezone(UTC) == original.start.astimezone(UTC)
        assert restored.end.astimezone(UTC) == original.end.astimezone(UTC)
        assert restored.timezone == zone
