"""Rescheduling is checked like a new booking (SPEC §5): `check_reschedule` lists every
problem of a move with the form field to mark, and `reschedule` refuses the first of
them before it writes anything or asks any provider."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.errors import ValidationError
from panelist.models import Method
from panelist.scheduling import (
    KEEP,
    HostHasOverlappingMeeting,
    InterviewNotOpen,
    InterviewRecord,
    RoomTaken,
    SchedulingService,
    SlotTaken,
)

pytestmark = pytest.mark.anyio
HOUR = timedelta(hours=1)
LATER = h.TUESDAY_10 + timedelta(days=1, hours=3)  # Wednesday 13:00 in Amsterdam


async def in_person(
    service: SchedulingService, *people: str, room: str | None, start: datetime = h.TUESDAY_10
) -> InterviewRecord:
    return await service.invite(h.request(*people, room=room, start=start))


@pytest.fixture
async def moving(service: SchedulingService) -> InterviewRecord:
    """Fenna (flaky calendar) and Sam in IJ (flaky room) on Tuesday 10:00; Ana holds
    Amstel on Wednesday 13:00 in another interview."""
    await in_person(service, "ana", room="amstel", start=LATER)
    return await in_person(service, "fenna", "sam", room="ij")


def database(service: SchedulingService) -> dict[str, list[Any]]:
    """Every row of every table: what "nothing was written" compares."""
    db = service.ws.db
    return {name: db.execute(f"SELECT * FROM [{name}]").fetchall() for name in db.table_names()}


def flaky_calls(service: SchedulingService) -> list[str]:
    return list(service.ws.calendar_provider("flaky").calls)  # type: ignore[attr-defined]


BAD_MOVES = {
    # name: (start, end, room key or KEEP, field, message)
    "past": (h.NOW - 2 * HOUR, h.NOW - HOUR, KEEP, "start", "must start in the future"),
    "backwards": (LATER + HOUR, LATER, KEEP, "end", "must end after it starts"),
    "small-room": (h.TUESDAY_10, h.TUESDAY_10 + HOUR, "maas", "room", "Maas seats 2"),
    "room-taken": (LATER, LATER + HOUR, "amstel", "room", "Amstel is booked 13:00–14:00 for"),
    "no-such-room": (LATER, LATER + HOUR, 99, "room", "no room 99"),
}


def room_arg(room: object) -> Any:
    return h.room_id(room) if isinstance(room, str) else room


@pytest.mark.parametrize("case", list(BAD_MOVES))
async def test_each_problem_of_a_move_is_named_at_its_field(
    service: SchedulingService, moving: InterviewRecord, case: str
) -> None:
    start, end, room, field, message = BAD_MOVES[case]
    (problem,) = service.check_reschedule(moving.id, start, end, room_arg(room))
    assert problem.field == field
    assert message in str(problem)


@pytest.mark.parametrize("case", list(BAD_MOVES))
async def test_reschedule_refuses_before_writing_or_asking_a_provider(
    service: SchedulingService, moving: InterviewRecord, case: str
) -> None:
    start, end, room, _, message = BAD_MOVES[case]
    before, calls = database(service), flaky_calls(service)
    with pytest.raises(ValidationError, match=message):
        await service.reschedule(moving.id, start, end, room_id=room_arg(room))
    assert database(service) == before
    assert flaky_calls(service) == calls


async def test_a_cancelled_interview_cannot_be_moved(
    service: SchedulingService, moving: InterviewRecord
) -> None:
    await service.cancel(moving.id)
    before, calls = database(service), flaky_calls(service)
    (problem,) = service.check_reschedule(moving.id, LATER, LATER + HOUR)
    assert isinstance(problem, InterviewNotOpen) and "is cancelled" in str(problem)
    assert problem.field is None  # the whole form, not one field
    with pytest.raises(InterviewNotOpen, match="is cancelled"):
        await service.reschedule(moving.id, LATER, LATER + HOUR)
    assert database(service) == before and flaky_calls(service) == calls


async def test_an_interview_that_took_place_cannot_be_moved(
    service: SchedulingService, moving: InterviewRecord, clock: FrozenClock
) -> None:
    clock.set(moving.end)
    (problem,) = service.check_reschedule(moving.id, LATER, LATER + HOUR)
    assert isinstance(problem, InterviewNotOpen) and "is over" in str(problem)
    service.close_finished()
    assert "is closed" in str(service.check_reschedule(moving.id, LATER, LATER + HOUR)[0])


async def test_an_interview_under_way_keeps_its_time_but_cannot_move_to_the_past(
    service: SchedulingService, moving: InterviewRecord, clock: FrozenClock
) -> None:
    """Keeping the time and room is no move (a repeated reschedule only finishes its
    outbox), so it is fine while the interview runs; a new start must still be ahead."""
    clock.set(moving.start + timedelta(minutes=10))
    assert service.check_reschedule(moving.id, moving.start, moving.end) == []
    (problem,) = service.check_reschedule(moving.id, moving.start, moving.end, h.room_id("amstel"))
    assert "must start in the future" in str(problem)


async def test_a_valid_move_has_no_problem_and_is_made(
    service: SchedulingService, moving: InterviewRecord
) -> None:
    assert service.check_reschedule(moving.id, LATER, LATER + HOUR) == []  # room kept: IJ
    # Half an hour later overlaps only the interview itself, which is no conflict.
    half = timedelta(minutes=30)
    assert service.check_reschedule(moving.id, moving.start + half, moving.end + half, KEEP) == []
    moved = await service.reschedule(moving.id, LATER, LATER + HOUR)
    assert (moved.start, moved.sequence) == (LATER, 1)
    assert moved.room is not None and moved.room.name == "IJ"


async def test_every_problem_is_listed_at_once(
    service: SchedulingService, moving: InterviewRecord
) -> None:
    """Maas seats two, not three, and Sam holds it then in another interview."""
    await in_person(service, "sam", room="maas", start=LATER)
    problems = service.check_reschedule(moving.id, LATER, LATER + HOUR, h.room_id("maas"))
    assert [type(p) for p in problems] == [ValidationError, RoomTaken, SlotTaken]
    assert [p.field for p in problems] == ["room", "room", "start"]
    assert "Sam Lee has another interview 13:00–14:00" in str(problems[2])


async def test_the_video_hosts_other_meeting_is_a_conflict(service: SchedulingService) -> None:
    """Rosa (the organiser) hosts both; their participants differ."""
    await service.invite(h.request("ana", method=Method.VIDEO, host="rosa"))
    record = await service.invite(h.request("piet", method=Method.VIDEO, host="rosa", start=LATER))
    start = h.TUESDAY_10 + timedelta(minutes=30)
    (problem,) = service.check_reschedule(record.id, start, start + HOUR)
    assert isinstance(problem, HostHasOverlappingMeeting) and problem.field == "video_host"
    assert "Rosa Jansen already hosts a video interview 10:00–11:00" in str(problem)


async def test_check_lists_every_conflict_of_a_new_interview(service: SchedulingService) -> None:
    await in_person(service, "sam", room="amstel")
    problems = service.check(h.request("sam", room="amstel"))
    assert [type(p) for p in problems] == [RoomTaken, SlotTaken]


async def test_a_date_out_of_range_is_a_problem_not_a_crash(
    service: SchedulingService, moving: InterviewRecord
) -> None:
    """Stored in UTC: the last hour of year 9999 in New York has no UTC date."""
    last = datetime(9999, 12, 31, 23, 0, tzinfo=ZoneInfo("America/New_York"))
    (problem,) = service.check_reschedule(moving.id, last, last + timedelta(minutes=30))
    assert problem.field == "start" and "out of range" in str(problem)
