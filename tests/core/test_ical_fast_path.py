"""`expand_events`' fast path against recurring_ical_events, on random series.

The fast path computes occurrences with dateutil directly; the library is what
it must equal. Series are drawn the way calendars hold them (not normalised):
timed in one of five zones (a few starting in UTC), floating or all-day;
MINUTELY to YEARLY rules with BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, BYHOUR,
WKST, INTERVAL, COUNT or UNTIL, some starting years before the window; RDATEs; EXDATEs, some written in UTC; overrides that move, shorten or
cancel an occurrence, some naming it in UTC. Windows lie around the series
zone's DST changes, read in any of the zones. The same series with a second
RRULE, RDATE periods and THISANDFUTURE overrides, which go to the library,
are compared with the library reading their iCalendar text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from panelist.providers import ical
from panelist.providers.events import CalendarEvent, EventTime
from panelist.providers.ical import expand_events, instant, overlaps

# 2026 DST changes (UTC) per zone; Kolkata has none, so any of them will do there.
CHANGES = {
    "Europe/Amsterdam": (
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, tzinfo=UTC),
    ),
    "America/New_York": (datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)),
    "Australia/Sydney": (
        datetime(2026, 4, 4, 16, tzinfo=UTC),
        datetime(2026, 10, 3, 16, tzinfo=UTC),
    ),
    "Pacific/Chatham": (
        datetime(2026, 4, 4, 14, tzinfo=UTC),
        datetime(2026, 9, 26, 14, tzinfo=UTC),
    ),
    "Asia/Kolkata": (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)),
}
ZONES = tuple(CHANGES)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UTC_ZONE = ZoneInfo("UTC")
PROPERTY = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@dataclass
class Case:
    master: CalendarEvent
    overrides: list[CalendarEvent]
    start: datetime
    end: datetime


# --------------------------------------------------------------------------- drawing


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    frequency = draw(
        st.sampled_from(("HOURLY", "MINUTELY", "YEARLY") + ("DAILY", "WEEKLY", "MONTHLY") * 3)
    )
    fine = frequency in ("HOURLY", "MINUTELY")
    kind = draw(st.sampled_from(("all-day", "floating", "timed", "timed", "timed")))
    assume(not (fine and kind == "all-day"))
    change = draw(st.sampled_from(CHANGES[zone_name]))
    start, end = _window(draw, change, fine)
    first = _first(draw, kind, zone, change, fine)
    written = zone
    if isinstance(first, datetime) and first.tzinfo and draw(st.integers(0, 5)) == 0:
        written, first = UTC_ZONE, first.astimezone(UTC_ZONE)  # a start in UTC, moved to `zone`
    rule = _rule(draw, frequency, kind, start)
    candidates = _candidates(rule, first, start, end)
    master = CalendarEvent(
        summary="Series",
        start=first,
        end=first + _length(draw, kind),
        timezone=zone_name if kind == "timed" else None,
        rrule=rule,
        rdates=tuple(
            _first_pass(t)
            for t in draw(st.lists(_moment(kind, written, start, candidates), max_size=2))
        ),
        exdates=tuple(_maybe_utc(draw, t) for t in _some(draw, candidates, 3)),
        uid="series",
        cancelled=draw(st.integers(0, 9)) == 0,
    )
    overrides = [_override(draw, master, rid) for rid in _rids(draw, kind, zone, start, candidates)]
    assume(_ids_are_unique(overrides))
    return Case(master, overrides, start, end)


def _window(draw: st.DrawFn, change: datetime, fine: bool) -> tuple[datetime, datetime]:
    reader = ZoneInfo(draw(st.sampled_from((*ZONES, "UTC"))))
    before = timedelta(hours=draw(st.integers(0, 48 if fine else 240)))
    length = timedelta(hours=draw(st.integers(1, 72 if fine else 500)))
    start = (change - before).astimezone(reader)
    return start, start + length


def _first(draw: st.DrawFn, kind: str, zone: ZoneInfo, change: datetime, fine: bool) -> EventTime:
    back = draw(st.integers(0, 3) if fine else st.one_of(st.integers(0, 60), st.integers(0, 1500)))
    day = change.astimezone(zone).date() - timedelta(days=back)
    if kind == "all-day":
        return day
    # Often at the wall-clock time of the change, so occurrences fall into its gap or fold.
    near_change = change.astimezone(zone).replace(tzinfo=None).time()
    clock = draw(st.one_of(st.just(near_change), st.sampled_from((time(9), time(23, 30)))))
    wall = datetime.combine(day, clock) + timedelta(
        minutes=draw(st.sampled_from((-60, -30, 0, 30)))
    )
    return wall if kind == "floating" else wall.replace(tzinfo=zone)


def _length(draw: st.DrawFn, kind: str) -> timedelta:
    if kind == "all-day":
        return timedelta(days=draw(st.integers(1, 3)))
    return timedelta(minutes=draw(st.sampled_from((15, 30, 60, 90, 240, 1500))))


def _rule(draw: st.DrawFn, frequency: str, kind: str, start: datetime) -> str:
    parts = [f"FREQ={frequency}"]
    interval = draw(st.integers(45, 300) if frequency == "MINUTELY" else st.integers(1, 3))
    if interval > 1 or frequency == "MINUTELY":
        parts.append(f"INTERVAL={interval}")
    parts += _by_parts(draw, frequency, kind)
    ending = draw(st.sampled_from(("none", "none", "count", "until")))
    if ending == "count":
        parts.append(f"COUNT={draw(st.one_of(st.integers(1, 80), st.integers(1, 3000)))}")
    elif ending == "until":
        parts.append(f"UNTIL={_until(draw, kind, start)}")
    return ";".join(parts)


def _by_parts(draw: st.DrawFn, frequency: str, kind: str) -> list[str]:
    days = st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)
    choices: dict[str, list[list[str]]] = {
        "DAILY": [[], [f"BYDAY={','.join(draw(days))}"], [f"BYMONTH={draw(st.integers(1, 12))}"]],
        "WEEKLY": [
            [],
            [f"BYDAY={','.join(draw(days))}"],
            [f"BYDAY={','.join(draw(days))}", "WKST=SU"],
        ],
        "MONTHLY": [
            [],
            [f"BYMONTHDAY={draw(st.sampled_from((1, 15, 29, 30, 31, -1, -3)))}"],
            [f"BYDAY={draw(st.sampled_from(('1MO', '2TU', '3WE', '-1FR', '-2SU')))}"],
            ["BYDAY=MO,TU,WE,TH,FR", f"BYSETPOS={draw(st.sampled_from((1, 2, -1)))}"],
        ],
        "YEARLY": [
            [],
            [f"BYMONTH={draw(st.integers(1, 12))}", f"BYMONTHDAY={draw(st.integers(1, 28))}"],
            [f"BYMONTH={draw(st.sampled_from((3, 4, 9, 10, 11)))}", "BYDAY=-1SU"],
        ],
        "HOURLY": [[], ["BYDAY=MO,TU,WE,TH,FR"]],
        "MINUTELY": [[], ["BYHOUR=1,2,3,9"]],
    }
    if kind != "all-day" and frequency == "DAILY":
        choices["DAILY"].append([f"BYHOUR={draw(st.sampled_from(('2', '9,14', '1,2,3')))}"])
    return draw(st.sampled_from(choices[frequency]))


def _until(draw: st.DrawFn, kind: str, start: datetime) -> str:
    moment = start + timedelta(hours=draw(st.integers(-72, 240)))
    if kind == "timed":
        return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    if kind == "floating" and draw(st.booleans()):
        return f"{moment:%Y%m%dT%H%M%S}"
    return f"{moment:%Y%m%d}"


def _candidates(rule: str, first: EventTime, start: datetime, end: datetime) -> list[EventTime]:
    """About the occurrences near the window (dateutil, wall clock): what overrides name."""
    begin = first if isinstance(first, datetime) else datetime.combine(first, time())
    naive = begin.tzinfo is None
    low, high = start - timedelta(days=3), end + timedelta(days=3)
    if naive:
        low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
    found = list(rrulestr(rule, dtstart=begin).between(low, high, inc=True))[:200]
    return [m.date() for m in found] if not isinstance(first, datetime) else list(found)


def _some(draw: st.DrawFn, values: list[EventTime], most: int) -> list[EventTime]:
    if not values:
        return []
    return draw(st.lists(st.sampled_from(values), max_size=most, unique=True))


def _moment(
    kind: str, zone: ZoneInfo, start: datetime, candidates: list[EventTime]
) -> st.SearchStrategy[EventTime]:
    """An occurrence's start (a duplicate RDATE) or any quarter hour near the window."""
    around = st.integers(-3 * 96, 14 * 96).map(lambda n: start + timedelta(minutes=15 * n))
    if kind == "all-day":
        anything: st.SearchStrategy[EventTime] = around.map(lambda t: t.date())
    elif kind == "floating":
        anything = around.map(lambda t: t.replace(tzinfo=None))
    else:
        anything = around.map(lambda t: t.astimezone(zone))
    return st.one_of(st.sampled_from(candidates), anything) if candidates else anything


def _first_pass(value: EventTime) -> EventTime:
    """An RDATE in a fold's second pass is left to the library (see the test below)."""
    return value.replace(fold=0) if isinstance(value, datetime) else value


def _maybe_utc(draw: st.DrawFn, value: EventTime) -> EventTime:
    """Some servers write EXDATE and RECURRENCE-ID in UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None and draw(st.booleans()):
        return value.astimezone(UTC_ZONE)
    return value


def _rids(
    draw: st.DrawFn, kind: str, zone: ZoneInfo, start: datetime, candidates: list[EventTime]
) -> list[EventTime]:
    named = _some(draw, candidates, 3)
    if draw(st.integers(0, 4)) == 0:  # an override of no occurrence at all
        named.append(draw(_moment(kind, zone, start, [])))
    return [_maybe_utc(draw, rid) for rid in named]


def _override(draw: st.DrawFn, master: CalendarEvent, rid: EventTime) -> CalendarEvent:
    begin: EventTime
    end: EventTime
    if isinstance(rid, datetime):
        shift = timedelta(minutes=15 * draw(st.integers(-200, 200)))
        length = timedelta(minutes=draw(st.sampled_from((15, 45, 120))))
        begin, end = _shifted(rid, shift, master), _shifted(rid, shift + length, master)
        # Across a fold the end can read earlier on the wall clock, which is how Python
        # compares them; the library swaps such times, and the fast path leaves it that.
        assume(not begin > end)
    else:
        begin = rid + timedelta(days=draw(st.integers(-2, 2)))
        end = begin + timedelta(days=draw(st.integers(1, 2)))
    return CalendarEvent(
        summary="Moved",
        start=begin,
        end=end,
        timezone=master.timezone,
        uid=master.uid,
        recurrence_id=rid,
        cancelled=draw(st.integers(0, 3)) == 0,
        sequence=1,
    )


def _shifted(rid: datetime, shift: timedelta, master: CalendarEvent) -> datetime:
    if rid.tzinfo is None:
        return rid + shift
    return (rid.astimezone(UTC) + shift).astimezone(ZoneInfo(master.timezone or "UTC"))


def _ids_are_unique(overrides: list[CalendarEvent]) -> bool:
    """Two overrides naming one occurrence are left to the library (it picks by SEQUENCE)."""
    keys = [key for o in overrides for key in set(_keys(o.recurrence_id))]
    return len(keys) == len(set(keys))


def _keys(value: EventTime | None) -> tuple[datetime | date | None, ...]:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return (value.astimezone(UTC).replace(tzinfo=None), value.replace(tzinfo=None))
    return (value,)


# --------------------------------------------------------------------------- comparing


def seen(events: list[CalendarEvent], case: Case) -> list[tuple[str, CalendarEvent]]:
    """What `expand_events` keeps, in a fixed order, each with its exact times (zone, fold)."""
    kept = [e for e in events if overlaps(e, case.start, case.end)]
    return sorted(((_exactly(e), e) for e in kept), key=lambda pair: pair[0])


def _exactly(event: CalendarEvent) -> str:
    return (
        f"{event.start!r} {event.end!r} {event.recurrence_id!r} {event.summary} {event.cancelled}"
    )


@PROPERTY
@given(cases())
def test_the_fast_path_gives_what_recurring_ical_events_gives(case: Case) -> None:
    fast = ical._fast_occurrences(case.master, case.overrides, case.start, case.end)
    assert fast is not None  # every drawn series is one the fast path takes
    library = ical._library_occurrences([(case.master, case.overrides)], case.start, case.end)
    assert seen(fast, case) == seen(library, case)
    expanded = expand_events(
        [case.master, *case.overrides], case.start, case.end, include_cancelled=True
    )
    assert seen(expanded, case) == seen(library, case)
    zone = case.start.tzinfo or UTC
    assert expanded == sorted(expanded, key=lambda e: instant(e.start, zone))


# --------------------------------------------------------------------------- falling back

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 3, 23, 9, 30, tzinfo=AMSTERDAM)
WEEK = (datetime(2026, 3, 23, tzinfo=AMSTERDAM), datetime(2026, 4, 6, tzinfo=AMSTERDAM))


def series(rule: str | None = "FREQ=DAILY", **fields: Any) -> CalendarEvent:
    daily = CalendarEvent(
        "Stand-up", MONDAY, MONDAY + timedelta(minutes=15), "Europe/Amsterdam", rrule=rule, uid="s"
    )
    return replace(daily, **fields)


def moved(rid: datetime, sequence: int, hour: int) -> CalendarEvent:
    at = rid.replace(hour=hour)
    return series(
        None, start=at, end=at + timedelta(minutes=30), recurrence_id=rid, sequence=sequence
    )


@pytest.mark.parametrize(
    "events",
    [
        [series("FREQ=YEARLY;BYYEARDAY=85,90")],
        [series("FREQ=DAILY;UNTIL=20260401")],  # dateutil refuses it, the library mends it
        [series(exdates=(date(2026, 3, 25),))],
        [series(start=MONDAY.astimezone(UTC), end=MONDAY + timedelta(hours=1))],
        [
            series(),
            moved(MONDAY + timedelta(days=2), 2, 15),
            moved(MONDAY + timedelta(days=2), 1, 16),
        ],
        [series(rdates=(datetime(2026, 3, 28, 12, tzinfo=UTC_ZONE),))],
        [series(rdates=(datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM),))],
    ],
    ids=[
        "a-rule-part-it-does-not-take",
        "a-date-until-on-a-timed-series",
        "an-exdate-of-another-kind",
        "a-zone-that-is-not-zoneinfo",
        "two-overrides-of-one-occurrence",
        "an-rdate-in-another-zone",
        "an-rdate-in-a-fold",
    ],
)
def test_what_the_fast_path_is_unsure_of_goes_to_the_library(events: list[CalendarEvent]) -> None:
    master, *overrides = events
    assert ical._fast_occurrences(master, overrides, *WEEK) is None
    found = expand_events(events, *WEEK)
    library = ical._library_occurrences([(master, overrides)], *WEEK)
    case = Case(master, overrides, *WEEK)
    assert seen(found, case) == seen([e for e in library if not e.cancelled], case)
    assert found


def test_an_old_daily_series_jumps_to_the_window() -> None:
    since_1990 = series(
        start=datetime(1990, 1, 1, 9, 30, tzinfo=AMSTERDAM),
        end=datetime(1990, 1, 1, 9, 45, tzinfo=AMSTERDAM),
    )
    fast = ical._fast_occurrences(since_1990, [], *WEEK)
    assert fast is not None and len(seen(fast, Case(since_1990, [], *WEEK))) == 14
    assert seen(fast, Case(since_1990, [], *WEEK)) == seen(
        ical._library_occurrences([(since_1990, [])], *WEEK), Case(since_1990, [], *WEEK)
    )


# --------------------------------------------------------------------------- beyond the fast path
#
# What other apps write and the fast path leaves to the library: a second RRULE,
# RDATE periods and THISANDFUTURE overrides. Written as iCalendar and read back,
# as a calendar serves them, they must expand as recurring_ical_events expands
# the very same text.


@st.composite
def cases_beyond_the_fast_path(draw: st.DrawFn) -> Case:
    case = draw(cases())
    master = case.master
    kind = ical._kind(master.start)
    frequency = draw(st.sampled_from(("DAILY", "WEEKLY", "MONTHLY", "YEARLY")))
    second_rule = (_rule(draw, frequency, kind, case.start),) if draw(st.booleans()) else ()
    periods = tuple(
        (moment, moment + timedelta(minutes=draw(st.sampled_from((15, 90, 300)))))
        for moment in master.rdates
        if isinstance(moment, datetime) and draw(st.booleans())
    )
    master = replace(master, more_rrules=second_rule, rdate_periods=periods)
    overrides = [replace(o, this_and_future=draw(st.booleans())) for o in case.overrides]
    assume(second_rule or periods or any(o.this_and_future for o in overrides))
    return Case(master, overrides, case.start, case.end)


def _span_key(event: CalendarEvent) -> tuple[str, str, str, bool]:
    def at(value: EventTime) -> str:
        aware = isinstance(value, datetime) and value.tzinfo is not None
        return repr(value.astimezone(UTC) if aware else value)  # type: ignore[union-attr]

    return (at(event.start), at(event.end), event.summary, event.cancelled)


@settings(PROPERTY, max_examples=300)  # each goes through iCalendar text twice
@given(cases_beyond_the_fast_path())
def test_what_other_apps_write_expands_as_recurring_ical_events_does(case: Case) -> None:
    import icalendar
    import recurring_ical_events

    text = ical.events_to_ics(
        [case.master, *case.overrides], stamp=datetime(2026, 1, 1, tzinfo=UTC)
    )
    ours = expand_events(ical.events_from_ics(text), case.start, case.end, include_cancelled=True)
    query = recurring_ical_events.of(icalendar.Calendar.from_ical(text))
    theirs = [ical.from_vevent(c) for c in query.between(*ical._query_span(case.start, case.end))]
    kept = [e for e in theirs if overlaps(e, case.start, case.end)]
    assert sorted(map(_span_key, ours)) == sorted(map(_span_key, kept))
    # Each occurrence keeps its own id, also those a THISANDFUTURE override moved (by wall
    # clock: an hourly rule gives 02:00 and 03:00 on the night 02:00 is skipped).
    ids = [repr(e.recurrence_id) for e in ours]
    assert len(ids) == len(set(ids))
