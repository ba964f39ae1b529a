"""Each scheduling rule as the set of start minutes it allows, shared by finder and explainer.

A slot is identified by its start minute t and occupies [t, t + D). A busy
block [a, b) rules out the starts in [a - D - after + 1, b + before), a working
span [w, v) allows the starts in [w, v - D + 1): the finder intersects such
sets instead of testing slots one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from panelist.availability.intervals import EMPTY, IntervalSet, Pair, intersect_all
from panelist.availability.localtime import (
    MINUTES_PER_DAY,
    ZoneOffsets,
    day_number,
    minutes_ceil,
    minutes_floor,
    zone_offsets,
)
from panelist.availability.request import HoursRule, SlotRequest
from panelist.availability.timeline import Timeline
from panelist.errors import ValidationError
from panelist.timezones import get_zone


@dataclass(frozen=True)
class Plan:
    """A validated request in whole minutes."""

    duration: int
    before: int
    after: int
    step: int
    window_start: int
    window_end: int
    first: int
    """The earliest allowed start (window start or now + notice)."""
    stop: int
    """One past the latest allowed start."""
    seats: int
    cap: int | None
    host: str | None
    opened: frozenset[date]
    rule: HoursRule
    organiser_zone: str
    organiser: ZoneOffsets
    candidate_zone: str | None
    candidate: ZoneOffsets | None

    @property
    def starts(self) -> IntervalSet:
        return IntervalSet.span(self.first, self.stop)


def make_plan(request: SlotRequest, now: datetime) -> Plan:
    """Check the request; `ValidationError` with a recruiter-readable message when it is wrong."""
    _check_times(request, now)
    duration = _whole_minutes(request.duration, "the interview's duration", positive=True)
    step = _whole_minutes(request.step, "the time step", positive=True)
    if MINUTES_PER_DAY % step:
        raise ValidationError(
            f"the time step ({step} minutes) must divide a day evenly (5, 10, 15, 20, 30, 60 …)",
            field="step",
        )
    window_start, window_end = minutes_ceil(request.window_start), minutes_floor(request.window_end)
    first = max(window_start, minutes_ceil(now + request.min_notice))
    _check_people(request)
    plan = Plan(
        duration=duration,
        before=_whole_minutes(request.buffer_before, "the buffer before"),
        after=_whole_minutes(request.buffer_after, "the buffer after"),
        step=step,
        window_start=window_start,
        window_end=window_end,
        first=first,
        stop=max(first, window_end - duration + 1),
        seats=request.attendees,
        cap=request.max_interviews_per_day,
        host=request.video_host.strip().casefold() if request.video_host else None,
        opened=request.open_holidays,
        rule=request.working_hours,
        organiser_zone=request.organiser_zone,
        organiser=_offsets(request.organiser_zone, "the organiser's timezone"),
        candidate_zone=request.candidate_zone,
        candidate=(
            _offsets(request.candidate_zone, "the candidate's timezone")
            if request.candidate_zone
            else None
        ),
    )
    _check_coverage(request, plan)
    return plan


def _check_times(request: SlotRequest, now: datetime) -> None:
    for value in (request.window_start, request.window_end, now):
        if value.tzinfo is None:
            raise ValidationError("search times need a timezone", field="start")
    if request.window_end <= request.window_start:
        raise ValidationError("the search window must end after it starts", field="end")
    if request.min_notice < timedelta(0):
        raise ValidationError("the minimum notice cannot be negative", field="min_notice")
    if request.top < 0:
        raise ValidationError("the number of suggestions cannot be negative", field="top")
    if request.max_interviews_per_day is not None and request.max_interviews_per_day < 0:
        raise ValidationError("the interviews per day cannot be negative", field="max")


def _check_people(request: SlotRequest) -> None:
    if not request.required:
        raise ValidationError("choose at least one required participant", field="participants")
    for timeline in request.participants:
        if timeline.is_room:
            raise ValidationError(f"{timeline.name} is a room, not a participant")
    for timeline in request.rooms:
        if not timeline.is_room:
            raise ValidationError(f"{timeline.name} is a person, not a room")
    keys = {timeline.key for timeline in request.required}
    if request.video_host and request.video_host.strip().casefold() not in keys:
        raise ValidationError(
            "the video host must be one of the required participants", field="host"
        )


def _check_coverage(request: SlotRequest, plan: Plan) -> None:
    needed_start, needed_end = plan.window_start - plan.before, plan.window_end + plan.after
    for timeline in request.participants + request.rooms:
        if timeline.start > needed_start or timeline.end < needed_end:
            raise ValidationError(
                f"{timeline.name}'s calendar was read for {timeline.start_at:%Y-%m-%d %H:%M} – "
                f"{timeline.end_at:%Y-%m-%d %H:%M} UTC only; the search needs "
                "the window widened by the buffers"
            )


def _whole_minutes(value: timedelta, what: str, *, positive: bool = False) -> int:
    minutes, rest = divmod(value, timedelta(minutes=1))
    if rest or minutes < 0 or (positive and minutes == 0):
        kind = "a positive" if positive else "a non-negative"
        raise ValidationError(f"{what} must be {kind} whole number of minutes")
    return int(minutes)


def _offsets(name: str, what: str) -> ZoneOffsets:
    get_zone(name, what)
    return zone_offsets(name)


# --------------------------------------------------------------------------- rule by rule


def busy_for(timeline: Timeline, plan: Plan) -> IntervalSet:
    """What blocks this participant: events, absences, unopened holidays, hosted meetings."""
    busy = timeline.hard.union(timeline.holiday_busy(plan.opened))
    return busy.union(timeline.hosted) if timeline.key == plan.host else busy


def blocked_starts(busy: IntervalSet, plan: Plan) -> IntervalSet:
    """Starts whose slot, buffers included, would touch `busy`."""
    return busy.widen(plan.duration + plan.after - 1, plan.before)


def starts_inside(spans: IntervalSet, plan: Plan) -> IntervalSet:
    """Starts whose whole slot [t, t + D) lies inside one of `spans`."""
    return spans.widen(0, 1 - plan.duration)


def capped_starts(timeline: Timeline, plan: Plan) -> IntervalSet:
    """Starts on local days on which this participant already has the most interviews allowed."""
    if plan.cap is None:
        return EMPTY
    offsets = zone_offsets(timeline.zone)
    pairs: list[Pair] = []
    for day, count in timeline.interviews:
        if count >= plan.cap:
            pairs.extend(offsets.day_span(day_number(day)))
    return IntervalSet.of(pairs) if plan.cap > 0 else plan.starts


def person_starts(timeline: Timeline, plan: Plan) -> IntervalSet:
    """The starts one required participant allows on their own."""
    allowed = plan.starts
    if plan.rule is HoursRule.REQUIRED and timeline.working is not None:
        allowed = allowed.intersection(starts_inside(timeline.working, plan))
    allowed = allowed.difference(blocked_starts(busy_for(timeline, plan), plan))
    return allowed.difference(capped_starts(timeline, plan))


def eligible_rooms(rooms: Sequence[Timeline], seats: int) -> list[Timeline]:
    """Rooms with enough seats, smallest first so a big room is not used for a small panel."""
    fitting = [room for room in rooms if (room.capacity or 0) >= seats]
    return sorted(fitting, key=lambda room: (room.capacity or 0, room.name))


def room_busy(room: Timeline) -> IntervalSet:
    return room.hard.union(room.soft)


def room_starts(rooms: Sequence[Timeline], plan: Plan) -> IntervalSet | None:
    """Starts at which at least one fitting room is free; None when no room is asked for."""
    if not rooms:
        return None
    eligible = eligible_rooms(rooms, plan.seats)
    blocked = intersect_all(room_busy(room).widen(plan.duration - 1, 0) for room in eligible)
    if blocked is None:
        return EMPTY
    return plan.starts.difference(blocked)


def aligned_starts(feasible: IntervalSet, plan: Plan) -> list[int]:
    """Starts in `feasible` on the step grid of the organiser's local clock (00:00, 00:15 …)."""
    found: list[int] = []
    step = plan.step
    for start, end in feasible:
        for lo, hi, offset in plan.organiser.segments(start, end):
            found.extend(range(lo + (-(lo + offset)) % step, hi, step))
    return found


def local_days(offsets: ZoneOffsets, plan: Plan) -> range:
    """The local day numbers on which an allowed start can fall."""
    last = max(plan.first, plan.stop - 1)
    return range(offsets.local_day(plan.first), offsets.local_day(last) + 1)
