"""The busy model: which events, absences and holidays block a person or a room, and how."""

from __future__ import annotations

import time as clock
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from availability_helpers import (
    AMSTERDAM,
    MONDAY,
    NEW_YORK,
    WEEK,
    at,
    employee,
    event,
    hours_of,
    minutes,
    room,
    timeline,
    utc,
)

from panelist.availability import (
    Absence,
    BlockKind,
    RecurrenceCache,
    person_timeline,
    room_timeline,
)
from panelist.errors import ValidationError
from panelist.models import Room, WorkingHours
from panelist.providers.events import Attendee, CalendarEvent, ResponseStatus, Transparency

ANA = employee("Ana")
TUESDAY = MONDAY + timedelta(days=1)


def span(start: datetime, end: datetime) -> list[tuple[int, int]]:
    return [(minutes(start), minutes(end))]


# --------------------------------------------------------------------------- events


def test_an_opaque_event_is_busy_without_telling_its_title() -> None:
    secret = event(
        at(AMSTERDAM, MONDAY, 10), at(AMSTERDAM, MONDAY, 11), "Salary talk", who=ANA, private=True
    )
    t = timeline(ANA, [secret])
    assert list(t.hard) == span(utc(MONDAY, 9), utc(MONDAY, 10))
    (block,) = t.blocks
    assert (block.kind, block.reason, block.uid) == (BlockKind.BUSY, "Busy", secret.uid)
    assert block.start_at == utc(MONDAY, 9)
    assert "Salary" not in repr(t.blocks)


def test_a_tentative_event_is_a_soft_conflict() -> None:
    t = timeline(
        ANA,
        [
            event(
                at(AMSTERDAM, MONDAY, 10),
                at(AMSTERDAM, MONDAY, 11),
                who=ANA,
                transparency=Transparency.TENTATIVE,
            )
        ],
    )
    assert not t.hard
    assert list(t.soft) == span(utc(MONDAY, 9), utc(MONDAY, 10))
    assert t.blocks[0].reason == "Tentative"


def test_answering_maybe_is_a_soft_conflict() -> None:
    t = timeline(
        ANA,
        [
            event(
                at(AMSTERDAM, MONDAY, 10),
                at(AMSTERDAM, MONDAY, 11),
                who=ANA,
                status=ResponseStatus.TENTATIVE,
            )
        ],
    )
    assert not t.hard and t.soft


def test_transparent_declined_and_cancelled_events_are_not_busy() -> None:
    ten, eleven = at(AMSTERDAM, MONDAY, 10), at(AMSTERDAM, MONDAY, 11)
    t = timeline(
        ANA,
        [
            event(ten, eleven, who=ANA, transparency=Transparency.FREE),
            event(ten, eleven, who=ANA, status=ResponseStatus.DECLINED),
            event(ten, eleven, who=ANA, cancelled=True),
        ],
    )
    assert not t.hard and not t.soft and not t.blocks


def test_declined_by_someone_else_and_awaiting_an_answer_are_busy() -> None:
    other = employee("Bo")
    ten, eleven = at(AMSTERDAM, MONDAY, 10), at(AMSTERDAM, MONDAY, 11)
    t = timeline(
        ANA,
        [
            event(ten, eleven, who=other, status=ResponseStatus.DECLINED),
            event(
                ten + timedelta(hours=2),
                eleven + timedelta(hours=2),
                who=ANA,
                status=ResponseStatus.NEEDS_ACTION,
            ),
        ],
    )
    assert hours_of(t.hard) == 2


def test_the_persons_email_is_matched_without_case() -> None:
    shouting = employee("Cy")
    declined = event(
        at(AMSTERDAM, MONDAY, 10),
        at(AMSTERDAM, MONDAY, 11),
        attendees=(Attendee(shouting.email.upper(), status=ResponseStatus.DECLINED),),
    )
    assert not timeline(shouting, [declined]).hard


def test_an_all_day_event_covers_the_owners_local_day() -> None:
    bob = employee("Bob", "America/New_York")
    t = timeline(bob, [event(MONDAY, TUESDAY, "Offsite", who=bob)])
    # Midnight to midnight in New York is 05:00 to 05:00 UTC in December.
    assert list(t.hard) == span(utc(MONDAY, 5), utc(TUESDAY, 5))


def test_an_all_day_event_marked_free_blocks_nothing() -> None:
    assert not timeline(
        ANA, [event(MONDAY, TUESDAY, "Birthday", transparency=Transparency.FREE)]
    ).blocks


def test_a_floating_event_is_wall_clock_time_of_the_owner() -> None:
    bob = employee("Bob", "America/New_York")
    lunch = event(datetime(2026, 12, 7, 12, 0), datetime(2026, 12, 7, 13, 0), "Lunch")
    assert list(timeline(bob, [lunch]).hard) == span(utc(MONDAY, 17), utc(MONDAY, 18))
    assert list(timeline(ANA, [lunch]).hard) == span(utc(MONDAY, 11), utc(MONDAY, 12))


def test_a_floating_event_with_its_own_zone_uses_that_zone() -> None:
    call = event(datetime(2026, 12, 7, 9, 0), datetime(2026, 12, 7, 10, 0), timezone="Asia/Kolkata")
    assert list(timeline(ANA, [call]).hard) == span(utc(MONDAY, 3, 30), utc(MONDAY, 4, 30))


def test_an_event_longer_than_a_day_blocks_every_day_it_spans() -> None:
    trip = event(
        at(AMSTERDAM, MONDAY, 8), at(AMSTERDAM, MONDAY, 8) + timedelta(days=3), "Trip", who=ANA
    )
    t = timeline(ANA, [trip])
    assert hours_of(t.hard) == 72
    assert len(t.blocks) == 1


def test_events_are_clipped_to_the_window() -> None:
    early = event(utc(MONDAY, 0) - timedelta(days=3), utc(MONDAY, 1), who=ANA)
    t = timeline(ANA, [early], window=(utc(MONDAY, 0), utc(MONDAY, 12)))
    assert list(t.hard) == span(utc(MONDAY, 0), utc(MONDAY, 1))
    assert t.start_at == utc(MONDAY, 0) and t.end_at == utc(MONDAY, 12)


def test_seconds_round_outwards_to_whole_minutes() -> None:
    odd = event(
        utc(MONDAY, 9, 0) + timedelta(seconds=30),
        utc(MONDAY, 9, 10) + timedelta(seconds=1),
        who=ANA,
    )
    assert list(timeline(ANA, [odd]).hard) == span(utc(MONDAY, 9, 0), utc(MONDAY, 9, 11))


def test_ignored_events_are_left_out() -> None:
    moving = event(at(AMSTERDAM, MONDAY, 10), at(AMSTERDAM, MONDAY, 11), who=ANA)
    assert not timeline(ANA, [moving], ignore_uids={moving.uid}).hard


# --------------------------------------------------------------------------- recurrence


def weekly(start: datetime, minutes_long: int = 30, **fields: object) -> CalendarEvent:
    return event(
        start,
        start + timedelta(minutes=minutes_long),
        "Weekly",
        who=ANA,
        rrule="FREQ=WEEKLY",
        timezone="Europe/Amsterdam",
        **fields,
    )  # type: ignore[arg-type]


def test_a_weekly_series_keeps_its_wall_clock_time_across_dst() -> None:
    series = weekly(at(AMSTERDAM, date(2026, 10, 12), 9))
    t = timeline(
        ANA,
        [series],
        window=(datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)),
    )
    assert [b.start_at for b in t.blocks] == [
        datetime(2026, 10, 19, 7, tzinfo=UTC),  # 09:00 CEST
        datetime(2026, 10, 26, 8, tzinfo=UTC),  # 09:00 CET
        datetime(2026, 11, 2, 8, tzinfo=UTC),
    ]


def test_exdate_rdate_and_a_moved_occurrence() -> None:
    first = at(AMSTERDAM, date(2026, 11, 2), 9)
    series = weekly(
        first,
        exdates=(at(AMSTERDAM, date(2026, 11, 30), 9),),
        rdates=(at(AMSTERDAM, date(2026, 12, 10), 15),),
    )
    moved = event(
        at(AMSTERDAM, MONDAY, 14),
        at(AMSTERDAM, MONDAY, 15),
        "Weekly (moved)",
        who=ANA,
        uid=series.uid,
        recurrence_id=at(AMSTERDAM, MONDAY, 9),
        timezone="Europe/Amsterdam",
    )
    window = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 15, tzinfo=UTC))
    t = timeline(ANA, [series, moved], window=window)
    assert [b.start_at.astimezone(AMSTERDAM).strftime("%a %d %H:%M") for b in t.blocks] == [
        "Mon 07 14:00",  # the moved occurrence, not 09:00
        "Thu 10 15:00",  # the RDATE
        "Mon 14 09:00",
    ]  # and nothing on Mon 30 Nov: the EXDATE
    assert hours_of(t.hard) == 2


def test_a_series_without_end_is_bounded_by_the_window() -> None:
    daily = event(
        at(AMSTERDAM, date(2020, 1, 1), 9),
        at(AMSTERDAM, date(2020, 1, 1), 9, 15),
        "Stand-up",
        who=ANA,
        rrule="FREQ=DAILY",
        timezone="Europe/Amsterdam",
    )
    began = clock.perf_counter()
    t = timeline(ANA, [daily])
    assert clock.perf_counter() - began < 3
    assert len(t.blocks) == 8  # Sun 6 – Sun 13 Dec
    assert not t.problems


def test_count_of_a_million_is_bounded_by_the_window() -> None:
    daily = event(
        at(AMSTERDAM, date(2025, 1, 1), 9),
        at(AMSTERDAM, date(2025, 1, 1), 10),
        "Forever",
        who=ANA,
        rrule="FREQ=DAILY;COUNT=1000000",
        timezone="Europe/Amsterdam",
    )
    began = clock.perf_counter()
    t = timeline(ANA, [daily])
    assert clock.perf_counter() - began < 3
    assert len(t.blocks) == 8


def test_a_rule_too_fine_to_walk_is_left_out_and_reported() -> None:
    nasty = event(
        datetime(1990, 1, 1, tzinfo=UTC),
        datetime(1990, 1, 1, 0, 0, 1, tzinfo=UTC),
        "Ticker",
        rrule="FREQ=SECONDLY",
    )
    fine = event(at(AMSTERDAM, MONDAY, 10), at(AMSTERDAM, MONDAY, 11), who=ANA)
    began = clock.perf_counter()
    t = timeline(ANA, [nasty, fine])
    assert clock.perf_counter() - began < 3
    assert hours_of(t.hard) == 1  # the rest of the calendar still counts
    (problem,) = t.problems
    assert problem.startswith(f"1 event of Ana could not be read (uid {nasty.uid}): repeats too")
    assert "Ticker" not in problem  # a title may be private


def test_an_invalid_rule_is_reported_by_reference() -> None:
    broken = event(
        at(AMSTERDAM, MONDAY, 10),
        at(AMSTERDAM, MONDAY, 11),
        "Broken",
        rrule="BYDAY=MO",
        timezone="Europe/Amsterdam",
    )
    t = timeline(ANA, [broken])
    assert [b.reason for b in t.blocks] == ["Busy"]  # its own time is known: busy, untitled
    assert t.problems == (
        f"1 event of Ana could not be read (uid {broken.uid}): RRULE 'BYDAY=MO' has no FREQ",
    )


def test_the_recurrence_cache_reuses_expansions_for_windows_inside_them() -> None:
    series = weekly(at(AMSTERDAM, date(2026, 10, 5), 9))
    cache = RecurrenceCache()
    wide = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    first = timeline(ANA, [series], window=wide, recurrence=cache)
    again = timeline(ANA, [series], window=wide, recurrence=cache)
    inside = timeline(ANA, [series], recurrence=cache)  # the default week lies inside `wide`
    assert (cache.misses, cache.hits) == (1, 2)
    assert first.blocks == again.blocks
    assert inside.blocks == timeline(ANA, [series]).blocks
    timeline(ANA, [replace(series, sequence=1)], recurrence=cache)  # a changed series is new
    assert cache.misses == 2


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (utc(MONDAY, 11), utc(MONDAY, 10), "ends before it starts"),
        (utc(MONDAY, 10), utc(MONDAY, 10), "has no duration (end equals start)"),
        (MONDAY, utc(MONDAY, 10), "start and end must both be dates or both be times"),
        (
            datetime(2026, 12, 7, 9),
            utc(MONDAY, 10),
            "start and end must both have a timezone or both be floating",
        ),
    ],
)
def test_bad_events_are_reported_by_reference_and_left_out(
    start: object, end: object, message: str
) -> None:
    bad = CalendarEvent(summary="Oops", start=start, end=end, uid="bad")  # type: ignore[arg-type]
    good = event(at(AMSTERDAM, TUESDAY, 10), at(AMSTERDAM, TUESDAY, 11), who=ANA)
    t = timeline(ANA, [bad, good])
    assert t.problems == (f"1 event of Ana could not be read (uid bad): {message}",)
    assert hours_of(t.hard) == 1


def test_a_floating_event_in_an_unknown_zone_is_reported() -> None:
    bad = event(
        datetime(2026, 12, 7, 9), datetime(2026, 12, 7, 10), "Moon call", timezone="Mars/Olympus"
    )
    assert timeline(ANA, [bad]).problems == (
        f"1 event of Ana could not be read (uid {bad.uid}): unknown timezone 'Mars/Olympus'",
    )


def test_a_person_in_an_unknown_zone_is_a_clear_error() -> None:
    lost = employee("Lou", "Mars/Olympus")
    with pytest.raises(ValidationError, match="Lou's timezone: unknown timezone 'Mars/Olympus'"):
        timeline(lost)


def test_a_window_without_zone_is_an_error() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        person_timeline(ANA, [], datetime(2026, 12, 7), datetime(2026, 12, 8))


# --------------------------------------------------------------------------- absences, holidays, hours


def test_an_absence_blocks_whole_local_days_and_shows_only_absent() -> None:
    bob = employee("Bob", "America/New_York")
    t = timeline(bob, absences=[Absence(TUESDAY, TUESDAY + timedelta(days=1))])
    assert list(t.absent) == span(utc(TUESDAY, 5), utc(TUESDAY, 5) + timedelta(days=2))
    assert t.hard == t.absent
    assert {b.reason for b in t.blocks} == {"Absent"}


def test_an_absence_ending_before_it_starts_is_reported() -> None:
    t = timeline(ANA, absences=[Absence(TUESDAY, MONDAY)])
    assert not t.absent
    assert t.problems == ("Ana: an absence ends (2026-12-07) before it starts (2026-12-08)",)


def test_public_holidays_block_the_persons_local_day_unless_opened() -> None:
    bob = employee("Bob", "America/New_York")
    t = timeline(bob, holidays={TUESDAY: "Founders' Day", date(2027, 1, 1): "Outside the window"})
    (holiday,) = t.holidays
    assert holiday.day == TUESDAY and holiday.name == "Founders' Day"
    assert list(t.holiday_busy()) == span(utc(TUESDAY, 5), utc(TUESDAY, 5) + timedelta(days=1))
    assert not t.holiday_busy({TUESDAY})
    assert not t.hard  # kept apart so the recruiter can open the day
    assert t.blocks[0].reason == "Public holiday: Founders' Day"


def test_working_hours_are_kept_for_people_and_rooms_have_none() -> None:
    t = timeline(ANA)
    assert t.working is not None and hours_of(t.working) == 40
    r = room("Oak", 6)
    assert r.working is None and r.is_room and r.capacity == 6 and r.key.startswith("room:")


def test_a_hosted_meeting_is_kept_even_when_marked_free() -> None:
    hosted = event(
        at(AMSTERDAM, MONDAY, 15),
        at(AMSTERDAM, MONDAY, 16),
        who=ANA,
        organizer=ANA.email,
        conference_url="https://meet/x",
        transparency=Transparency.FREE,
    )
    guest = event(
        at(AMSTERDAM, MONDAY, 10),
        at(AMSTERDAM, MONDAY, 11),
        who=ANA,
        organizer="x@example.com",
        conference_url="https://meet/y",
    )
    t = timeline(ANA, [hosted, guest])
    assert list(t.hosted) == span(utc(MONDAY, 14), utc(MONDAY, 15))
    assert list(t.hard) == span(utc(MONDAY, 9), utc(MONDAY, 10))
    assert any(b.reason == "Hosts a video meeting" for b in t.blocks)


def test_interviews_are_counted_on_the_local_day_they_start() -> None:
    bob = employee("Bob", "America/New_York", WorkingHours.office())
    late = event(utc(TUESDAY, 1), utc(TUESDAY, 2), who=bob)  # Monday 20:00 in New York
    declined = event(utc(TUESDAY, 15), utc(TUESDAY, 16), who=bob, status=ResponseStatus.DECLINED)
    normal = event(at(NEW_YORK, TUESDAY, 10), at(NEW_YORK, TUESDAY, 11), who=bob)
    other = event(at(NEW_YORK, TUESDAY, 12), at(NEW_YORK, TUESDAY, 13), who=bob)
    t = timeline(
        bob, [late, declined, normal, other], interview_uids={late.uid, declined.uid, normal.uid}
    )
    assert t.interviews == ((MONDAY, 1), (TUESDAY, 1))
    assert t.interviews_on(TUESDAY) == 1 and t.interviews_on(MONDAY + timedelta(days=3)) == 0


def test_a_room_booking_declined_by_the_room_is_not_busy() -> None:
    booking = event(
        at(AMSTERDAM, MONDAY, 10),
        at(AMSTERDAM, MONDAY, 11),
        attendees=(Attendee("oak@rooms", status=ResponseStatus.DECLINED, resource=True),),
    )
    t = room_timeline(
        Room(1, "Oak", 6), [booking], *WEEK, zone="Europe/Amsterdam", email="oak@rooms"
    )
    assert not t.hard
    assert room("Oak", 6, [booking]).hard  # without the room's address the booking stands
