"""The slot finder: every feasible interview time, the best ones ranked with their reasons.

Feasibility is exact set arithmetic over the rules in `constraints` (checked
against a minute-by-minute oracle in the tests); ranking adds penalty points
(`RankWeights`) for lateness, soft conflicts, time outside working hours, the
interviews participants already have that day and an awkward hour for the
candidate. When nothing fits, `why_nothing_fits` says why in plain words.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from panelist.availability import constraints as rules
from panelist.availability.explain import why_nothing_fits
from panelist.availability.intervals import IntervalSet, intersect_all
from panelist.availability.localtime import (
    MINUTES_PER_DAY,
    ZoneOffsets,
    day_number,
    to_datetime,
    zone_offsets,
)
from panelist.availability.request import HoursRule, SlotRequest
from panelist.availability.timeline import Timeline
from panelist.availability.wording import names_label, zone_label

_DAY_START, _DAY_END = 9 * 60, 18 * 60  # the candidate's comfortable hours
_WAKING_START, _WAKING_END = 7 * 60, 21 * 60


@dataclass(frozen=True)
class Slot:
    """An interview time; `rooms` are keys of fitting free rooms, smallest first."""

    start: datetime
    end: datetime
    score: float = 0.0
    rooms: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    soft_conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class FinderResult:
    """`ranked` holds the best slots (lowest score first) with reasons; `feasible` all of them."""

    ranked: tuple[Slot, ...]
    why_nothing_fits: tuple[str, ...]
    problems: tuple[str, ...]
    """Calendar data that was left out (bad events), naming each event."""
    starts: tuple[int, ...]
    """Every feasible start in epoch minutes, ascending."""
    scores: tuple[float, ...]
    duration: int

    @property
    def found(self) -> bool:
        return bool(self.starts)

    @cached_property
    def feasible(self) -> tuple[Slot, ...]:
        """Every feasible slot in time order, with its score (reasons only in `ranked`)."""
        return tuple(
            Slot(to_datetime(start), to_datetime(start + self.duration), score)
            for start, score in zip(self.starts, self.scores, strict=True)
        )


def find_slots(request: SlotRequest, *, now: datetime) -> FinderResult:
    """Search `request`; `now` comes from the injected clock (minimum notice counts from it)."""
    plan = rules.make_plan(request, now)
    problems = tuple(p for t in request.participants + request.rooms for p in t.problems)
    together = intersect_all(rules.person_starts(t, plan) for t in request.required)
    assert together is not None  # make_plan insists on a required participant
    with_rooms = rules.room_starts(request.rooms, plan)
    feasible = together if with_rooms is None else together.intersection(with_rooms)
    starts = rules.aligned_starts(feasible, plan)
    if not starts:
        reasons = why_nothing_fits(request, plan)
        return FinderResult((), reasons, problems, (), (), plan.duration)
    ranking = _Ranking(request, plan)
    scores = ranking.scores(starts)
    best = heapq.nsmallest(request.top, range(len(starts)), key=lambda i: (scores[i], starts[i]))
    ranked = tuple(ranking.slot(starts[i], scores[i], starts[0]) for i in best)
    return FinderResult(ranked, (), problems, tuple(starts), tuple(scores), plan.duration)


@dataclass(frozen=True)
class _Check:
    """What one participant contributes to a slot's rank."""

    name: str
    conflict: IntervalSet
    conflict_words: str
    inside_hours: IntervalSet | None
    offsets: ZoneOffsets
    interviews: dict[int, int]


class _Ranking:
    def __init__(self, request: SlotRequest, plan: rules.Plan) -> None:
        self.plan = plan
        self.weights = request.weights
        self.rooms = [
            (r, rules.room_busy(r)) for r in rules.eligible_rooms(request.rooms, plan.seats)
        ]
        self.checks = [self._check(t, required=True) for t in request.required]
        self.checks += [self._check(t, required=False) for t in request.optional]

    def _check(self, timeline: Timeline, *, required: bool) -> _Check:
        plan = self.plan
        if required:
            conflict = rules.blocked_starts(timeline.soft, plan)
            words = f"{timeline.name} has a tentative event"
            hours_matter = plan.rule is HoursRule.PREFERRED
        else:
            busy = rules.busy_for(timeline, plan).union(timeline.soft)
            conflict = rules.blocked_starts(busy, plan)
            words = f"{timeline.name} (optional) is not free"
            hours_matter = True
        inside = None
        if hours_matter and timeline.working is not None:
            inside = rules.starts_inside(timeline.working, plan)
        interviews = {day_number(day): count for day, count in timeline.interviews}
        offsets = zone_offsets(timeline.zone)
        return _Check(timeline.name, conflict, words, inside, offsets, interviews)

    # -- scores of all feasible starts

    def scores(self, starts: Sequence[int]) -> list[float]:
        weights, first = self.weights, self.plan.first
        scores = [weights.per_day_later * (t - first) / MINUTES_PER_DAY for t in starts]
        for check in self.checks:
            for i, hit in enumerate(_members(starts, check.conflict)):
                if hit:
                    scores[i] += weights.soft_conflict
            if check.inside_hours is not None:
                for i, inside in enumerate(_members(starts, check.inside_hours)):
                    if not inside:
                        scores[i] += weights.outside_hours
            if check.interviews:
                for i, t in enumerate(starts):
                    other = check.interviews.get(check.offsets.local_day(t), 0)
                    scores[i] += weights.other_interview * other
        if self.plan.candidate is not None:
            for i, t in enumerate(starts):
                scores[i] += self._candidate_penalty(t, self.plan.candidate)
        return scores

    def _candidate_penalty(self, start: int, offsets: ZoneOffsets) -> float:
        tier = _candidate_tier(start, self.plan.duration, offsets)
        if tier == "night":
            return self.weights.candidate_night
        return self.weights.candidate_evening if tier == "edge" else 0.0

    # -- one ranked slot, with its reasons

    def slot(self, start: int, score: float, earliest: int) -> Slot:
        end = start + self.plan.duration
        rooms = tuple(room for room, busy in self.rooms if not busy.overlaps(start, end))
        conflicts = tuple(c.conflict_words for c in self.checks if c.conflict.contains(start))
        reasons = [self._when(start, earliest), _conflicts_reason(conflicts)]
        reasons.append(self._hours_reason(start))
        reasons.append(self._load_reason(start))
        reasons.extend(self._candidate_reason(start))
        if rooms:
            reasons.append(f"room: {rooms[0].name} ({rooms[0].capacity} seats)")
        return Slot(
            to_datetime(start),
            to_datetime(end),
            round(score, 3),
            tuple(r.key for r in rooms),
            tuple(reasons),
            conflicts,
        )

    def _when(self, start: int, earliest: int) -> str:
        if start == earliest:
            return "the earliest free time"
        organiser = self.plan.organiser
        days = organiser.local_day(start) - organiser.local_day(earliest)
        if days == 0:
            return "later on the day of the earliest free time"
        return f"{days} day{'s' if days != 1 else ''} after the earliest free time"

    def _hours_reason(self, start: int) -> str:
        outside = [
            c.name
            for c in self.checks
            if c.inside_hours is not None and not c.inside_hours.contains(start)
        ]
        if not outside:
            return "inside everyone's working hours"
        return f"outside the working hours of {names_label(outside)}"

    def _load_reason(self, start: int) -> str:
        loads = []
        for check in self.checks:
            count = check.interviews.get(check.offsets.local_day(start), 0)
            if count:
                loads.append(f"{check.name} has {count} other interview{'s' if count > 1 else ''}")
        if not loads:
            return "no other interviews that day for the participants"
        return f"{names_label(loads)} that day"

    def _candidate_reason(self, start: int) -> list[str]:
        plan = self.plan
        if plan.candidate is None or plan.candidate_zone is None:
            return []
        local_start = to_datetime(start, plan.candidate.zone)
        local_end = to_datetime(start + plan.duration, plan.candidate.zone)
        tier = _candidate_tier(start, plan.duration, plan.candidate)
        verdict = {"day": "daytime", "edge": "early or late", "night": "at night"}[tier]
        return [
            f"{local_start:%H:%M}–{local_end:%H:%M} for the candidate "
            f"({zone_label(plan.candidate_zone)} time, {verdict})"
        ]


def _conflicts_reason(conflicts: Sequence[str]) -> str:
    if not conflicts:
        return "no soft conflicts"
    return f"soft conflict{'s' if len(conflicts) > 1 else ''}: {'; '.join(conflicts)}"


def _candidate_tier(start: int, duration: int, offsets: ZoneOffsets) -> str:
    """ "day" inside 09:00–18:00 local, "edge" inside 07:00–21:00, else "night"."""
    begin = (start + offsets.offset_at(start)) % MINUTES_PER_DAY
    finish = begin + duration
    if begin >= _DAY_START and finish <= _DAY_END:
        return "day"
    if begin >= _WAKING_START and finish <= _WAKING_END:
        return "edge"
    return "night"


def _members(points: Sequence[int], spans: IntervalSet) -> Iterable[bool]:
    """For ascending `points`, whether each lies in `spans`: one merge, no bisecting."""
    starts, ends = spans.starts, spans.ends
    count, j = len(starts), 0
    for point in points:
        while j < count and ends[j] <= point:
            j += 1
        yield j < count and starts[j] <= point
