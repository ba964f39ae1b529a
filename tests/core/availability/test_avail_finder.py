"""The slot finder by example: each rule, the ranking and its reasons, and why nothing fits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from availability_helpers import (
    AMSTERDAM,
    KOLKATA,
    MONDAY,
    NEW_YORK,
    WEEK,
    at,
    employee,
    event,
    room,
    timeline,
)

from panelist.availability import (
    Absence,
    FinderResult,
    HoursRule,
    SlotRequest,
    Timeline,
    find_slots,
)
from panelist.clock import FrozenClock
from panelist.errors import ValidationError
from panelist.models import WorkingHours
from panelist.providers.events import Transparency

TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
MONDAY_WINDOW = (at(AMSTERDAM, MONDAY, 0), at(AMSTERDAM, TUESDAY, 0))


def search(required: tuple[Timeline, ...], clock: FrozenClock, **options: Any) -> FinderResult:
    window = options.pop("window", MONDAY_WINDOW)
    options.setdefault("duration", timedelta(minutes=60))
    options.setdefault("organiser_zone", "Europe/Amsterdam")
    request = SlotRequest(
        required=required, window_start=window[0], window_end=window[1], **options
    )
    return find_slots(request, now=clock.now())


def local(result: FinderResult, zone: Any = AMSTERDAM) -> list[str]:
    return [s.start.astimezone(zone).strftime("%a %H:%M") for s in result.feasible]


def quarter_hours(day: str, first: str, last: str) -> list[str]:
    start, end = datetime.strptime(first, "%H:%M"), datetime.strptime(last, "%H:%M")
    return [
        f"{day} {(start + timedelta(minutes=15 * i)):%H:%M}"
        for i in range(int((end - start).total_seconds() // 900) + 1)
    ]


def meeting(who: Any, day: date, start: int, end: int, **fields: Any) -> Any:
    return event(at(AMSTERDAM, day, start), at(AMSTERDAM, day, end), who=who, **fields)


ANA, SAM = employee("Ana"), employee("Sam")


# --------------------------------------------------------------------------- the rules


def test_every_free_quarter_hour_inside_working_hours(clock: FrozenClock) -> None:
    result = search((timeline(ANA, [meeting(ANA, MONDAY, 10, 11)]),), clock)
    assert local(result) == ["Mon 09:00", *quarter_hours("Mon", "11:00", "16:00")]
    assert all(s.end - s.start == timedelta(minutes=60) for s in result.feasible)
    assert result.ranked[0].reasons[0] == "the earliest free time"


def test_buffers_keep_time_around_other_meetings(clock: FrozenClock) -> None:
    ana = timeline(ANA, [meeting(ANA, MONDAY, 10, 11)])
    result = search(
        (ana,), clock, buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=30)
    )
    # 09:00 would end 10:00 but needs 30 minutes after; after the meeting 15 minutes before.
    assert local(result) == quarter_hours("Mon", "11:15", "16:00")


def test_minimum_notice_counts_from_the_injected_clock() -> None:
    clock = FrozenClock(datetime(2026, 12, 7, 8, 5, tzinfo=UTC))  # 09:05 in Amsterdam
    result = search((timeline(ANA),), clock, min_notice=timedelta(hours=2))
    assert local(result)[0] == "Mon 11:15"


def test_the_maximum_interviews_per_day_closes_a_full_day(clock: FrozenClock) -> None:
    interviews = [meeting(ANA, MONDAY, 9, 10), meeting(ANA, MONDAY, 10, 11)]
    ana = timeline(ANA, interviews, interview_uids={e.uid for e in interviews})
    two_days = (MONDAY_WINDOW[0], at(AMSTERDAM, WEDNESDAY, 0))
    capped = search((ana,), clock, window=two_days, max_interviews_per_day=2)
    assert {day for day, _ in (s.split() for s in local(capped))} == {"Tue"}
    assert "Mon 11:00" in local(search((ana,), clock, window=two_days, max_interviews_per_day=3))
    nothing = search((ana,), clock, max_interviews_per_day=2)
    assert nothing.why_nothing_fits == (
        "Ana already has 2 interviews (the most per day) on Mon 7 Dec",
    )


def test_any_one_room_with_enough_seats_will_do(clock: FrozenClock) -> None:
    small, oak, hall = (
        room("Small", 2),
        room("Oak", 4, [meeting(None, MONDAY, 9, 12)]),
        room("Hall", 10),
    )
    result = search((timeline(ANA), timeline(SAM)), clock, rooms=(small, oak, hall), top=40)
    first = result.ranked[0]
    assert first.start == at(AMSTERDAM, MONDAY, 9)
    assert first.rooms == (hall.key,)  # Small has 2 seats for 3 people, Oak is booked
    assert "room: Hall (10 seats)" in first.reasons
    noon = next(s for s in result.ranked if s.start == at(AMSTERDAM, MONDAY, 12))
    assert noon.rooms == (oak.key, hall.key)  # smallest fitting room first


def test_a_tentative_booking_holds_a_room(clock: FrozenClock) -> None:
    oak = room("Oak", 4, [meeting(None, MONDAY, 9, 10, transparency=Transparency.TENTATIVE)])
    assert local(search((timeline(ANA),), clock, rooms=(oak,)))[0] == "Mon 10:00"


def test_a_slot_ends_inside_the_window(clock: FrozenClock) -> None:
    window = (at(AMSTERDAM, MONDAY, 9, 30), at(AMSTERDAM, MONDAY, 11, 10))
    assert local(search((timeline(ANA),), clock, window=window)) == quarter_hours(
        "Mon", "09:30", "10:00"
    )


def test_the_step_grid_is_the_organisers_clock(clock: FrozenClock) -> None:
    result = search((timeline(ANA),), clock, organiser_zone="Asia/Kolkata", step=timedelta(hours=1))
    assert local(result) == [
        "Mon 09:30",
        "Mon 10:30",
        "Mon 11:30",
        "Mon 12:30",
        "Mon 13:30",
        "Mon 14:30",
        "Mon 15:30",
    ]
    assert {s.start.astimezone(KOLKATA).minute for s in result.feasible} == {0}


def test_public_holidays_block_unless_the_recruiter_opens_them(clock: FrozenClock) -> None:
    ana = timeline(ANA, holidays={MONDAY: "Test Day"})
    closed = search((ana,), clock)
    assert closed.why_nothing_fits == ("Ana has a public holiday on Mon 7 Dec (Test Day)",)
    assert search((ana,), clock, open_holidays=frozenset({MONDAY})).found


def test_a_video_host_hosts_one_meeting_at_a_time(clock: FrozenClock) -> None:
    hosted = meeting(
        ANA,
        MONDAY,
        9,
        10,
        organizer=ANA.email,
        conference_url="https://meet/1",
        transparency=Transparency.FREE,
    )
    ana, sam = timeline(ANA, [hosted]), timeline(SAM)
    assert local(search((ana, sam), clock))[0] == "Mon 09:00"  # marked free, and Ana does not host
    assert local(search((ana, sam), clock, video_host=ana.key))[0] == "Mon 10:00"


def test_working_hours_can_be_preferred_instead_of_required(clock: FrozenClock) -> None:
    window = (at(AMSTERDAM, MONDAY, 6), at(AMSTERDAM, MONDAY, 20))
    ana = timeline(ANA)
    assert local(search((ana,), clock, window=window))[0] == "Mon 09:00"
    preferred = search((ana,), clock, window=window, working_hours=HoursRule.PREFERRED)
    assert local(preferred)[0] == "Mon 06:00"
    assert preferred.ranked[0].start == at(AMSTERDAM, MONDAY, 9)
    assert "inside everyone's working hours" in preferred.ranked[0].reasons
    early = preferred.feasible[0]
    assert early.score > preferred.ranked[0].score


def test_a_dst_day_has_as_many_slots_as_any_other(clock: FrozenClock) -> None:
    every_day = employee("Eve", hours=WorkingHours(((((time(9), time(17))),),) * 7))
    window = (datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC))
    eve = timeline(every_day, window=window)
    result = search((eve,), FrozenClock(datetime(2026, 10, 1, tzinfo=UTC)), window=window)
    per_day: dict[str, int] = {}
    for slot in local(result):
        per_day[slot[:3]] = per_day.get(slot[:3], 0) + 1
    assert per_day == {"Sat": 29, "Sun": 29, "Mon": 29}  # Sunday the 25th has 25 hours


# --------------------------------------------------------------------------- ranking


def test_soft_conflicts_rank_lower_and_say_why(clock: FrozenClock) -> None:
    ana = timeline(ANA, [meeting(ANA, MONDAY, 9, 10, transparency=Transparency.TENTATIVE)])
    result = search((ana,), clock)
    assert local(result)[0] == "Mon 09:00"  # still feasible
    best = result.ranked[0]
    assert best.start == at(AMSTERDAM, MONDAY, 10)
    assert "no soft conflicts" in best.reasons
    nine = next(
        s for s in search((ana,), clock, top=40).ranked if s.start == at(AMSTERDAM, MONDAY, 9)
    )
    assert nine.soft_conflicts == ("Ana has a tentative event",)
    assert "soft conflict: Ana has a tentative event" in nine.reasons


def test_optional_participants_never_exclude_a_slot(clock: FrozenClock) -> None:
    bo = employee("Bo")
    busy_bo = timeline(bo, [meeting(bo, MONDAY, 9, 12)])
    result = search((timeline(ANA),), clock, optional=(busy_bo,))
    assert local(result)[0] == "Mon 09:00"
    assert result.ranked[0].start == at(AMSTERDAM, MONDAY, 12)
    late = search((timeline(ANA),), clock, optional=(busy_bo,), top=40).ranked
    nine = next(s for s in late if s.start == at(AMSTERDAM, MONDAY, 9))
    assert nine.soft_conflicts == ("Bo (optional) is not free",)


def test_the_candidates_daytime_is_preferred(clock: FrozenClock) -> None:
    result = search((timeline(ANA),), clock, candidate_zone="America/New_York")
    best = result.ranked[0]
    assert best.start.astimezone(NEW_YORK).hour == 9  # 15:00 in Amsterdam, not 03:00 in New York
    assert "09:00–10:00 for the candidate (New York time, daytime)" in best.reasons
    first = result.feasible[0]
    assert first.score > best.score


def test_interviews_are_spread_over_days(clock: FrozenClock) -> None:
    interview = meeting(ANA, MONDAY, 16, 17)
    ana = timeline(ANA, [interview], interview_uids={interview.uid})
    window = (at(AMSTERDAM, MONDAY, 0), at(AMSTERDAM, WEDNESDAY, 0))
    result = search((ana,), clock, window=window, top=40)
    assert result.ranked[0].start == at(AMSTERDAM, TUESDAY, 9)
    monday = next(s for s in result.ranked if s.start == at(AMSTERDAM, MONDAY, 9))
    assert "Ana has 1 other interview that day" in monday.reasons


def test_top_n_and_the_full_list(clock: FrozenClock) -> None:
    result = search((timeline(ANA),), clock, top=3)
    assert len(result.ranked) == 3 and len(result.feasible) == 29
    assert [s.start for s in result.feasible] == sorted(s.start for s in result.feasible)
    assert search((timeline(ANA),), clock, top=0).ranked == ()


def test_bad_calendar_data_is_passed_on(clock: FrozenClock) -> None:
    bad = event(at(AMSTERDAM, MONDAY, 11), at(AMSTERDAM, MONDAY, 10), "Backwards", uid="b")
    result = search((timeline(ANA, [bad]),), clock)
    assert result.found
    assert result.problems == ("1 event of Ana could not be read (uid b): ends before it starts",)


# --------------------------------------------------------------------------- why nothing fits


def test_sam_is_absent(clock: FrozenClock) -> None:
    sam = timeline(SAM, absences=[Absence(MONDAY, WEDNESDAY)])
    window = (at(AMSTERDAM, MONDAY, 0), at(AMSTERDAM, WEDNESDAY + timedelta(days=1), 0))
    result = search((timeline(ANA), sam), clock, window=window)
    assert not result.found and not result.ranked
    assert result.why_nothing_fits == ("Sam is absent Mon 7–Wed 9 Dec",)


def test_working_hours_in_two_zones_that_never_meet(clock: FrozenClock) -> None:
    ana = timeline(employee("Ana", "America/New_York", WorkingHours.office("09:00", "13:00")))
    sam = timeline(employee("Sam", "Asia/Kolkata"))
    result = search((ana, sam), clock, window=WEEK)
    assert result.why_nothing_fits == (
        "Ana works 09:00–13:00 New York time and Sam works 09:00–17:00 Kolkata time: their hours never share 1 hour",
    )


def test_working_hours_too_short_for_the_interview(clock: FrozenClock) -> None:
    ana = timeline(employee("Ana", "America/New_York", WorkingHours.office("09:00", "13:00")))
    result = search((ana,), clock, duration=timedelta(hours=5), window=WEEK)
    assert result.why_nothing_fits == (
        "Ana works 09:00–13:00 New York time on Mon 7–Fri 11 Dec: too short for a 5-hour interview",
    )


def test_no_room_is_big_enough(clock: FrozenClock) -> None:
    result = search((timeline(ANA),), clock, rooms=(room("Oak", 4), room("Small", 2)), seats=6)
    assert result.why_nothing_fits == ("no room has 6 seats (the largest, Oak, has 4)",)


def test_no_room_free_on_tuesday(clock: FrozenClock) -> None:
    hall = room("Hall", 8, [meeting(None, TUESDAY, 0, 23)])
    window = (at(AMSTERDAM, TUESDAY, 0), at(AMSTERDAM, WEDNESDAY, 0))
    result = search(
        (timeline(ANA), timeline(SAM)), clock, window=window, rooms=(hall, room("Oak", 4)), seats=6
    )
    assert result.why_nothing_fits == (
        "no room with 6 seats is free on Tue 8 Dec when everyone is",
    )


def test_a_full_calendar(clock: FrozenClock) -> None:
    result = search((timeline(ANA, [meeting(ANA, MONDAY, 8, 18)]),), clock)
    assert result.why_nothing_fits == ("Ana's calendar is full on Mon 7 Dec",)


def test_two_people_who_are_never_free_together(clock: FrozenClock) -> None:
    ana = timeline(ANA, [meeting(ANA, MONDAY, 9, 13)])
    sam = timeline(SAM, [meeting(SAM, MONDAY, 13, 17)])
    assert search((ana, sam), clock).why_nothing_fits == (
        "Ana and Sam are never free at the same time",
    )


def test_free_time_off_the_grid(clock: FrozenClock) -> None:
    ana = timeline(
        ANA,
        [
            event(at(AMSTERDAM, MONDAY, 8), at(AMSTERDAM, MONDAY, 9, 5)),
            event(at(AMSTERDAM, MONDAY, 10, 10), at(AMSTERDAM, MONDAY, 18)),
        ],
    )
    assert search((ana,), clock).why_nothing_fits == (
        "everyone is free only at times off the 15-minute grid, e.g. Mon 7 Dec 09:05–10:10 Amsterdam time",
    )


def test_a_window_too_short_or_too_late(clock: FrozenClock) -> None:
    short = (at(AMSTERDAM, MONDAY, 9), at(AMSTERDAM, MONDAY, 9, 30))
    assert search((timeline(ANA),), clock, window=short).why_nothing_fits == (
        "the search window is shorter than the 60-minute interview",
    )
    late = FrozenClock(datetime(2026, 12, 7, 12, tzinfo=UTC))
    assert search((timeline(ANA),), late, min_notice=timedelta(hours=12)).why_nothing_fits == (
        "the earliest possible start with 12 hours notice is Tue 8 Dec 01:00 Amsterdam time: too late for a 60-minute interview before the window ends at Tue 8 Dec 00:00 Amsterdam time",
    )


# --------------------------------------------------------------------------- bad requests


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"step": timedelta(minutes=7)}, "must divide a day evenly"),
        ({"duration": timedelta(0)}, "duration must be a positive whole number of minutes"),
        (
            {"duration": timedelta(minutes=30, seconds=1)},
            "duration must be a positive whole number",
        ),
        ({"buffer_before": timedelta(minutes=-5)}, "buffer before must be a non-negative"),
        (
            {"organiser_zone": "Mars/Olympus"},
            "the organiser's timezone: unknown timezone 'Mars/Olympus'",
        ),
        ({"candidate_zone": "Nowhere"}, "the candidate's timezone: unknown timezone"),
        ({"video_host": "someone@else"}, "video host must be one of the required participants"),
        ({"window": (datetime(2026, 12, 7), datetime(2026, 12, 8))}, "need a timezone"),
        ({"window": (MONDAY_WINDOW[1], MONDAY_WINDOW[0])}, "must end after it starts"),
        (
            {"window": (at(AMSTERDAM, MONDAY, 0), at(AMSTERDAM, MONDAY + timedelta(days=14), 0))},
            "Ana's calendar was read for",
        ),
        ({"min_notice": timedelta(hours=-1)}, "notice cannot be negative"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(
    clock: FrozenClock, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        search((timeline(ANA),), clock, **options)


def test_people_and_rooms_are_not_interchangeable(clock: FrozenClock) -> None:
    with pytest.raises(ValidationError, match="choose at least one required participant"):
        search((), clock)
    with pytest.raises(ValidationError, match="Oak is a room, not a participant"):
        search((room("Oak", 4),), clock)
    with pytest.raises(ValidationError, match="Ana is a person, not a room"):
        search((timeline(SAM),), clock, rooms=(timeline(ANA),))


def test_no_slot_starts_before_now() -> None:
    clock = FrozenClock(datetime(2026, 12, 7, 8, 59, 30, tzinfo=UTC))  # 09:59:30 in Amsterdam
    result = search((timeline(ANA),), clock, step=timedelta(minutes=1))
    assert local(result)[0] == "Mon 10:00"
