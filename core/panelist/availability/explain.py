"""Why no slot fits, in words a recruiter understands.

The rules are applied as a funnel: the window itself, room sizes, each person
on their own (explained day by day in their own zone: absent, holiday, full
calendar, too many interviews, working hours), the people together, rooms when
everyone is free, and last the step grid. The first stage that leaves nothing
is the one explained.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations

from panelist.availability import constraints as rules
from panelist.availability.intervals import IntervalSet, Pair, intersect_all
from panelist.availability.localtime import (
    date_of_day,
    to_datetime,
    weekday_of_day,
    zone_offsets,
)
from panelist.availability.request import HoursRule, SlotRequest
from panelist.availability.timeline import Timeline
from panelist.availability.wording import (
    day_label,
    day_range_label,
    duration_adjective,
    duration_label,
    group_days,
    names_label,
    spans_label,
    week_label,
    zone_label,
)

MAX_REASONS = 8
# Never returned by the funnel as far as the tests know; said rather than saying nothing.
_FALLBACK = "no time in this window meets every rule"

# Day verdicts that explain nothing about a person: they simply do not work then.
_QUIET = frozenset({"off", "outside"})


def why_nothing_fits(request: SlotRequest, plan: rules.Plan) -> tuple[str, ...]:
    window = _window_reason(request, plan)
    if window:
        return (window,)
    seats = _seats_reason(request, plan)
    people = {t.key: rules.person_starts(t, plan) for t in request.required}
    alone = [t for t in request.required if not people[t.key]]
    if alone:
        reasons = [r for t in alone for r in _person_reasons(t, plan)]
        return _limit([*reasons, *([seats] if seats else [])])
    if seats:
        return (seats,)
    together = intersect_all(people.values())
    assert together is not None
    if not together:
        return _limit(_joint_reasons(request, plan, people))
    rooms = rules.room_starts(request.rooms, plan)
    if rooms is not None and not together.intersection(rooms):
        return (_rooms_reason(plan, together, rooms),)
    feasible = together if rooms is None else together.intersection(rooms)
    return (_grid_reason(plan, feasible),)


def _limit(reasons: Sequence[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(reasons))
    return tuple(unique[:MAX_REASONS]) or (_FALLBACK,)


# --------------------------------------------------------------------------- window and rooms


def _window_reason(request: SlotRequest, plan: rules.Plan) -> str | None:
    if plan.starts:
        return None
    interview = f"{duration_adjective(plan.duration)} interview"
    if plan.window_end - plan.window_start < plan.duration:
        return f"the search window is shorter than the {interview}"
    notice = ""
    if request.min_notice:
        notice = f" with {duration_label(request.min_notice // timedelta(minutes=1))} notice"
    return (
        f"the earliest possible start{notice} is {_at(plan.first, plan)}: "
        f"too late for a {interview} before the window ends at {_at(plan.window_end, plan)}"
    )


def _seats_reason(request: SlotRequest, plan: rules.Plan) -> str | None:
    if not request.rooms or rules.eligible_rooms(request.rooms, plan.seats):
        return None
    largest = max(request.rooms, key=lambda room: room.capacity or 0)
    return f"no room has {plan.seats} seats (the largest, {largest.name}, has {largest.capacity})"


def _rooms_reason(plan: rules.Plan, together: IntervalSet, rooms: IntervalSet) -> str:
    """The organiser's days on which everyone is free but no fitting room is."""
    organiser = plan.organiser
    blocked, idle = [], []
    for day in rules.local_days(organiser, plan):
        everyone = together.intersection(IntervalSet.of(organiser.day_span(day)))
        if not everyone:
            idle.append(day)
        elif not everyone.intersection(rooms):
            blocked.append(day)
    ranges = _ranges(blocked, idle)
    return f"no room with {plan.seats} seats is free on {ranges} when everyone is"


def _grid_reason(plan: rules.Plan, feasible: IntervalSet) -> str:
    first, last = next(iter(feasible))
    start = to_datetime(first, plan.organiser.zone)
    end = to_datetime(last - 1 + plan.duration, plan.organiser.zone)
    zone = zone_label(plan.organiser_zone)
    return (
        f"everyone is free only at times off the {plan.step}-minute grid, e.g. "
        f"{day_label(start.date())} {start:%H:%M}–{end:%H:%M} {zone} time"
    )


# --------------------------------------------------------------------------- one person


def _person_reasons(timeline: Timeline, plan: rules.Plan) -> list[str]:
    """Why a person has no time, day by day in their own zone, consecutive days grouped."""
    offsets = zone_offsets(timeline.zone)
    sets = _PersonSets.of(timeline, plan)
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    quiet: list[int] = []
    every_day = rules.local_days(offsets, plan)
    for day in every_day:
        verdict = _day_verdict(timeline, plan, sets, day, offsets.day_span(day))
        if verdict[0] in _QUIET:
            quiet.append(day)
        else:
            days[verdict].append(day)
    days.pop(("free", ""), None)
    if not days:
        if len(quiet) < len(every_day) or timeline.working_hours is None:
            return []  # free on some day: nothing to say about this person alone
        if not any(timeline.working_hours.days):
            return [f"{timeline.name} has no working hours"]
        return [
            f"{timeline.name} works {week_label(timeline.working_hours)} "
            f"{zone_label(timeline.zone)} time, never within this window"
        ]
    ordered = sorted(days.items(), key=lambda item: item[1][0])
    return [_person_phrase(timeline, plan, verdict, _ranges(d, quiet)) for verdict, d in ordered]


@dataclass(frozen=True)
class _PersonSets:
    """One person's rule sets over the whole window, computed once for all their days."""

    inside_hours: IntervalSet | None
    blocked_by_absence: IntervalSet
    blocked_by_busy: IntervalSet

    @classmethod
    def of(cls, timeline: Timeline, plan: rules.Plan) -> _PersonSets:
        working = timeline.working if plan.rule is HoursRule.REQUIRED else None
        return cls(
            inside_hours=rules.starts_inside(working, plan) if working is not None else None,
            blocked_by_absence=rules.blocked_starts(timeline.absent, plan),
            blocked_by_busy=rules.blocked_starts(rules.busy_for(timeline, plan), plan),
        )


def _day_verdict(
    timeline: Timeline, plan: rules.Plan, sets: _PersonSets, day: int, span: list[Pair]
) -> tuple[str, str]:
    starts = plan.starts.intersection(IntervalSet.of(span))
    if not starts:
        return ("off", "")
    if sets.inside_hours is not None and timeline.working is not None:
        starts = starts.intersection(sets.inside_hours)
        if not starts:
            work_today = timeline.working.intersection(IntervalSet.of(span))
            return _hours_verdict(timeline, plan, day, work_today)
    holiday = next((h for h in timeline.holidays if h.day == date_of_day(day)), None)
    if holiday is not None and holiday.day not in plan.opened:
        return ("holiday", holiday.name)
    if not starts.difference(sets.blocked_by_absence):
        return ("absent", "")
    if plan.cap is not None and timeline.interviews_on(date_of_day(day)) >= plan.cap:
        return ("cap", "")
    if starts.difference(sets.blocked_by_busy):
        return ("free", "")  # this person alone has time this day
    return ("busy", "")


def _hours_verdict(
    timeline: Timeline, plan: rules.Plan, day: int, work_today: IntervalSet
) -> tuple[str, str]:
    if not work_today:
        return ("off", "")
    longest = max(end - start for start, end in work_today)
    if longest < plan.duration and timeline.working_hours is not None:
        spans = timeline.working_hours.days[weekday_of_day(day)]
        return ("short", spans_label(spans))
    return ("outside", "")


def _person_phrase(
    timeline: Timeline, plan: rules.Plan, verdict: tuple[str, str], days: str
) -> str:
    name = timeline.name
    kind, detail = verdict
    if kind == "absent":
        return f"{name} is absent {days}"
    if kind == "holiday":
        return f"{name} has a public holiday on {days} ({detail})"
    if kind == "cap":
        many = f"{plan.cap} interview{'s' if plan.cap != 1 else ''}"
        return f"{name} already has {many} (the most per day) on {days}"
    if kind == "short":
        return (
            f"{name} works {detail} {zone_label(timeline.zone)} time on {days}: "
            f"too short for a {duration_adjective(plan.duration)} interview"
        )
    return f"{name}'s calendar is full on {days}"


# --------------------------------------------------------------------------- people together


def _joint_reasons(
    request: SlotRequest, plan: rules.Plan, people: dict[str, IntervalSet]
) -> list[str]:
    hours = _hours_clash(request, plan)
    if hours:
        return hours
    clashes = [
        f"{a.name} and {b.name} are never free at the same time"
        for a, b in combinations(request.required, 2)
        if not people[a.key].intersection(people[b.key])
    ]
    if not clashes:
        names = names_label(t.name for t in request.required)
        clashes = [f"{names} are never all free at the same time"]
    details = [r for t in request.required for r in _person_reasons(t, plan)]
    return clashes + details


def _hours_clash(request: SlotRequest, plan: rules.Plan) -> list[str]:
    """Working hours that never overlap long enough, pair by pair or all together."""
    if plan.rule is not HoursRule.REQUIRED:
        return []
    workers = [t for t in request.required if t.working is not None]
    hours = {
        t.key: plan.starts.intersection(rules.starts_inside(t.working, plan))
        for t in workers
        if t.working is not None
    }
    duration = duration_label(plan.duration)
    clashes = [
        f"{_works(a)} and {_works(b)}: their hours never share {duration}"
        for a, b in combinations(workers, 2)
        if not hours[a.key].intersection(hours[b.key])
    ]
    if not clashes and len(workers) > 2 and not intersect_all(hours.values()):
        together = names_label(_works(t) for t in workers)
        clashes = [f"{together}: their hours never share {duration}"]
    return clashes


def _works(timeline: Timeline) -> str:
    assert timeline.working_hours is not None
    hours = week_label(timeline.working_hours)
    return f"{timeline.name} works {hours} {zone_label(timeline.zone)} time"


# --------------------------------------------------------------------------- wording


def _ranges(days: Sequence[int], bridges: Sequence[int]) -> str:
    runs = group_days(days, bridges)
    return names_label(day_range_label(date_of_day(a), date_of_day(b)) for a, b in runs)


def _at(minute: int, plan: rules.Plan) -> str:
    local = to_datetime(minute, plan.organiser.zone)
    return f"{day_label(local.date())} {local:%H:%M} {zone_label(plan.organiser_zone)} time"
