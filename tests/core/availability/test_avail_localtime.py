"""The time model: local spans and times as UTC minutes, across DST gaps and overlaps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from availability_helpers import hours_of, minutes
from hypothesis import given, settings
from hypothesis import strategies as st

from panelist.availability import resolve_local, working_intervals
from panelist.availability.localtime import day_number, local_minutes, zone_offsets
from panelist.errors import ValidationError
from panelist.models import WorkingHours

# (zone, a day on which its clocks change in 2026: spring first, then autumn)
TRANSITION_DAYS = [
    ("Europe/Amsterdam", date(2026, 3, 29)),
    ("Europe/Amsterdam", date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Australia/Sydney", date(2026, 10, 4)),
    ("Australia/Sydney", date(2026, 4, 5)),
    ("Pacific/Chatham", date(2026, 9, 27)),
    ("Pacific/Chatham", date(2026, 4, 5)),
    ("Asia/Kolkata", date(2026, 3, 29)),  # no DST: an ordinary day
]
EVERY_DAY = WorkingHours(((((time(9), time(17))),),) * 7)


def day_window(zone: str, day: date) -> tuple[int, int]:
    """The UTC minutes of one local day, widened so nothing is cut off."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(), tz) - timedelta(hours=2)
    return minutes(start), minutes(start + timedelta(hours=28))


@pytest.mark.parametrize(("zone", "day"), TRANSITION_DAYS)
def test_a_nine_to_five_day_is_eight_hours_on_transition_days(zone: str, day: date) -> None:
    working = working_intervals(EVERY_DAY, zone, *day_window(zone, day))
    assert hours_of(working) == 8
    assert len(working) == 1


def test_an_office_week_over_the_spring_change_is_forty_hours() -> None:
    start = minutes(datetime(2026, 3, 23, tzinfo=UTC))  # Monday; clocks change on Sunday 29th
    working = working_intervals(WorkingHours.office(), "Europe/Amsterdam", start, start + 7 * 1440)
    assert hours_of(working) == 40
    next_week = working_intervals(
        WorkingHours.office(), "Europe/Amsterdam", start + 7 * 1440, start + 8 * 1440
    )
    # 09:00 is 08:00 UTC before the change and 07:00 UTC after it.
    assert working.starts[0] == minutes(datetime(2026, 3, 23, 8, tzinfo=UTC))
    assert next_week.starts[0] == minutes(datetime(2026, 3, 30, 7, tzinfo=UTC))


def sundays(start: time, end: time) -> WorkingHours:
    return WorkingHours(((),) * 6 + (((start, end),),))


def test_a_span_starting_in_the_gap_starts_when_the_clocks_jump() -> None:
    hours = sundays(time(2, 30), time(4))
    working = working_intervals(
        hours, "Europe/Amsterdam", *day_window("Europe/Amsterdam", date(2026, 3, 29))
    )
    jump = minutes(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))  # 03:00 CEST
    assert list(working) == [(jump, jump + 60)]


def test_a_span_over_the_repeated_hour_covers_it_twice() -> None:
    hours = sundays(time(1), time(3))
    working = working_intervals(
        hours, "Europe/Amsterdam", *day_window("Europe/Amsterdam", date(2026, 10, 25))
    )
    # 01:00 CEST (23:00 UTC) until 03:00 CET (02:00 UTC): the clock shows 01:00–03:00 for 3 hours.
    assert list(working) == [
        (
            minutes(datetime(2026, 10, 24, 23, tzinfo=UTC)),
            minutes(datetime(2026, 10, 25, 2, tzinfo=UTC)),
        )
    ]


def test_a_span_ending_inside_the_repeated_hour_ends_at_both_passes() -> None:
    hours = sundays(time(1), time(2, 30))
    working = working_intervals(
        hours, "Europe/Amsterdam", *day_window("Europe/Amsterdam", date(2026, 10, 25))
    )
    assert list(working) == [
        (
            minutes(datetime(2026, 10, 24, 23, tzinfo=UTC)),
            minutes(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ),
        (
            minutes(datetime(2026, 10, 25, 1, tzinfo=UTC)),
            minutes(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        ),
    ]


def test_a_time_in_the_gap_is_rejected_when_strict() -> None:
    with pytest.raises(ValidationError) as raised:
        resolve_local(datetime(2026, 3, 29, 2, 30), "Europe/Amsterdam", strict=True)
    message = str(raised.value)
    assert "02:30 on Sun 29 Mar 2026 does not exist in Europe/Amsterdam" in message
    assert "from 02:00 straight to 03:00" in message


def test_a_time_in_the_gap_otherwise_moves_to_the_jump() -> None:
    resolved = resolve_local(datetime(2026, 3, 29, 2, 30), "Europe/Amsterdam")
    assert resolved == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert resolved.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%H:%M") == "03:00"


def test_chatham_gap_is_at_a_quarter_to_three() -> None:
    with pytest.raises(ValidationError, match="from 02:45 straight to 03:45"):
        resolve_local(datetime(2026, 9, 27, 3, 0), "Pacific/Chatham", strict=True)
    resolved = resolve_local(datetime(2026, 9, 27, 3, 0), "Pacific/Chatham")
    assert resolved.astimezone(ZoneInfo("Pacific/Chatham")).strftime("%H:%M %z") == "03:45 +1345"


def test_an_ambiguous_time_is_its_first_occurrence() -> None:
    resolved = resolve_local(datetime(2026, 10, 25, 2, 30), "Europe/Amsterdam", strict=True)
    assert resolved == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not CET


def test_fold_picks_the_second_pass_through_the_repeated_hour() -> None:
    second = datetime(2026, 10, 25, 2, 30, fold=1)
    assert resolve_local(second, "Europe/Amsterdam") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    # A time in a gap has no second pass: fold changes nothing there.
    gap = datetime(2026, 3, 29, 2, 30, fold=1)
    assert resolve_local(gap, "Europe/Amsterdam") == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_an_ordinary_time_resolves_plainly() -> None:
    assert resolve_local(datetime(2026, 12, 7, 9, 0), "Asia/Kolkata") == datetime(
        2026, 12, 7, 3, 30, tzinfo=UTC
    )


def test_an_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="unknown timezone 'Mars/Olympus'"):
        resolve_local(datetime(2026, 12, 7, 9), "Mars/Olympus")
    with pytest.raises(ValidationError, match="unknown timezone"):
        working_intervals(WorkingHours.office(), "Mars/Olympus", 0, 1440)


def test_offsets_change_exactly_at_the_transition() -> None:
    offsets = zone_offsets("America/New_York")
    change = minutes(datetime(2026, 11, 1, 6, tzinfo=UTC))
    assert offsets.offset_at(change - 1) == -240
    assert offsets.offset_at(change) == -300
    pieces = offsets.segments(change - 60, change + 60)
    assert pieces == [(change - 60, change, -240), (change, change + 60, -300)]


def test_wall_spans_show_the_repeated_hour_twice_and_skip_the_gap() -> None:
    offsets = zone_offsets("Europe/Amsterdam")
    autumn = local_minutes(date(2026, 10, 25))
    # 01:30 CEST until 02:30 CET: the clock runs 01:30-03:00, then 02:00-02:30 again.
    start, end = (
        minutes(datetime(2026, 10, 24, 23, 30, tzinfo=UTC)),
        minutes(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    )
    assert offsets.wall_spans(start, end) == [
        (autumn + 90, autumn + 180),
        (autumn + 120, autumn + 150),
    ]
    spring = local_minutes(date(2026, 3, 29))
    # 01:30 CET until 03:30 CEST is one hour: the clock never shows 02:00-03:00.
    start = minutes(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    assert offsets.wall_spans(start, start + 60) == [
        (spring + 90, spring + 120),
        (spring + 180, spring + 210),
    ]


def test_a_local_day_with_a_repeated_hour_lasts_25_hours() -> None:
    offsets = zone_offsets("Europe/Amsterdam")
    assert hours_of(offsets.day_span(day_number(date(2026, 10, 25)))) == 25
    assert hours_of(offsets.day_span(day_number(date(2026, 3, 29)))) == 23


# --------------------------------------------------------------------------- against the clock

ZONES = (
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Sydney",
    "America/New_York",
    "Europe/Amsterdam",
)
TRANSITIONS = [datetime.combine(day, time(), ZoneInfo(zone)) for zone, day in TRANSITION_DAYS]
EDGES = st.sampled_from((0, 60, 120, 150, 165, 170, 180, 210, 225, 240, 540, 1439)) | st.integers(
    0, 1439
)
CLOCK = settings(max_examples=120, deadline=None, derandomize=True, database=None)


@st.composite
def hours(draw: st.DrawFn) -> WorkingHours:
    days = []
    for _ in range(7):
        spans = []
        for _ in range(draw(st.integers(0, 2))):
            a, b = sorted(draw(st.lists(EDGES, min_size=2, max_size=2, unique=True)))
            spans.append((time(a // 60, a % 60), time(b // 60, b % 60)))
        days.append(tuple(spans))
    return WorkingHours(tuple(days))


def local_readings(zone: str, lo: int, hi: int) -> list[datetime]:
    tz = ZoneInfo(zone)
    return [datetime.fromtimestamp(m * 60, tz).replace(tzinfo=None) for m in range(lo, hi)]


def as_minutes(pairs: Iterable[tuple[int, int]]) -> set[int]:
    return {m for a, b in pairs for m in range(a, b)}


@CLOCK
@given(
    st.sampled_from(ZONES),
    hours(),
    st.sampled_from(TRANSITIONS),
    st.integers(-1800, 600),
    st.integers(60, 3000),
)
def test_working_hours_are_what_the_local_clock_shows(
    zone: str, week: WorkingHours, transition: datetime, offset: int, span: int
) -> None:
    lo = minutes(transition) + offset
    hi = lo + span
    expected = {
        m
        for m, local in zip(range(lo, hi), local_readings(zone, lo, hi), strict=True)
        if any(a <= local.time() < b for a, b in week.days[local.weekday()])
    }
    assert as_minutes(working_intervals(week, zone, lo, hi)) == expected


@CLOCK
@given(
    st.sampled_from(ZONES),
    st.sampled_from(TRANSITIONS),
    st.integers(-600, 600),
    st.integers(1, 400),
)
def test_a_local_span_is_every_minute_the_clock_shows_it(
    zone: str, transition: datetime, offset: int, length: int
) -> None:
    local_start = local_minutes(transition.replace(tzinfo=None)) + offset
    pairs = zone_offsets(zone).local_span(local_start, local_start + length)
    lo, hi = minutes(transition) - 2000, minutes(transition) + 2000
    shown = {
        m
        for m, local in zip(range(lo, hi), local_readings(zone, lo, hi), strict=True)
        if local_start <= local_minutes(local) < local_start + length
    }
    assert as_minutes(pairs) == shown


@CLOCK
@given(st.sampled_from(ZONES), st.sampled_from(TRANSITIONS), st.integers(-600, 600))
def test_a_wall_time_read_from_an_instant_resolves_back_to_it(
    zone: str, transition: datetime, offset: int
) -> None:
    instant = minutes(transition) + offset
    wall = datetime.fromtimestamp(instant * 60, ZoneInfo(zone)).replace(tzinfo=None)
    assert minutes(resolve_local(wall, zone)) == instant


@CLOCK
@given(
    st.sampled_from(ZONES),
    st.sampled_from(TRANSITIONS),
    st.integers(-600, 600),
    st.integers(1, 400),
)
def test_wall_spans_are_every_reading_of_the_clock(
    zone: str, transition: datetime, offset: int, length: int
) -> None:
    lo = minutes(transition) + offset
    readings = {local_minutes(local) for local in local_readings(zone, lo, lo + length)}
    assert as_minutes(zone_offsets(zone).wall_spans(lo, lo + length)) == readings
