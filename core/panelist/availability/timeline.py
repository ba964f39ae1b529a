"""Busy timelines: one person's or room's calendar over a window, as blocks and interval sets.

A person is busy (hard) during opaque events they have not declined and during
absences; busy on public holidays unless the recruiter opens the day; softly
busy (a conflict that ranks a slot lower but does not exclude it) during
tentative events and events they answered "maybe"; not busy during
transparent, declined and cancelled events. Events awaiting an answer count as
busy, as Google and Outlook show them. Working hours are kept as the instants
the person works. What a video host already hosts is kept apart: it blocks
only when they host again (one conference at a time), even when they marked
that meeting free or declined it.

Times become UTC minutes in the owner's zone (see `localtime` for the DST
rule): floating events are wall-clock times there (or in the event's own
`timezone`), all-day events cover whole local days. Bad events never stop a
build: each is left out and reported in `Timeline.problems` by its uid, never
its title (`unreadable_problem`); of an event that could not be read or
expanded only the span known for it counts, as busy.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from panelist.availability.intervals import EMPTY, IntervalSet, Pair
from panelist.availability.localtime import (
    ZoneOffsets,
    date_of_day,
    is_zone,
    local_minutes,
    local_minutes_ceil,
    minutes_ceil,
    minutes_floor,
    to_datetime,
    zone_offsets,
)
from panelist.availability.privacy import ABSENT_LABEL, BUSY_LABEL
from panelist.availability.recurrence import RecurrenceCache, cached_or_fresh
from panelist.availability.working_hours import working_intervals
from panelist.errors import ValidationError
from panelist.models import Employee, Room, WorkingHours
from panelist.providers.events import (
    CalendarEvent,
    ResponseStatus,
    Transparency,
    unreadable_reason,
)
from panelist.timezones import get_zone


class BlockKind(enum.StrEnum):
    BUSY = "busy"
    TENTATIVE = "tentative"
    ABSENT = "absent"
    HOLIDAY = "holiday"
    HOSTED = "hosted"


TENTATIVE_LABEL = "Tentative"
HOSTED_LABEL = "Hosts a video meeting"


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch of busy time with the reason a recruiter may read (never an event's title)."""

    start: int
    end: int
    kind: BlockKind
    reason: str
    uid: str = ""

    @property
    def start_at(self) -> datetime:
        return to_datetime(self.start)

    @property
    def end_at(self) -> datetime:
        return to_datetime(self.end)


@dataclass(frozen=True)
class Absence:
    """An employee's absence on whole local days, `last` included; its kind stays out."""

    first: date
    last: date


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str
    busy: IntervalSet


@dataclass(frozen=True)
class Timeline:
    """One calendar's availability over [start, end) in epoch minutes.

    `key` is the employee's lower-cased email or "room:<id>"; `working` is None
    for rooms, which are available whenever they are not booked.
    """

    key: str
    name: str
    zone: str
    start: int
    end: int
    blocks: tuple[Block, ...] = ()
    hard: IntervalSet = EMPTY
    soft: IntervalSet = EMPTY
    absent: IntervalSet = EMPTY
    hosted: IntervalSet = EMPTY
    holidays: tuple[Holiday, ...] = ()
    working: IntervalSet | None = None
    working_hours: WorkingHours | None = None
    interviews: tuple[tuple[date, int], ...] = ()
    capacity: int | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_room(self) -> bool:
        return self.capacity is not None

    @property
    def start_at(self) -> datetime:
        return to_datetime(self.start)

    @property
    def end_at(self) -> datetime:
        return to_datetime(self.end)

    def holiday_busy(self, opened: Collection[date] = ()) -> IntervalSet:
        """The holidays that still block, once the recruiter opened the days in `opened`."""
        return EMPTY.union(*(h.busy for h in self.holidays if h.day not in opened))

    def interviews_on(self, day: date) -> int:
        return dict(self.interviews).get(day, 0)


def person_timeline(
    employee: Employee,
    events: Iterable[CalendarEvent],
    start: datetime,
    end: datetime,
    *,
    absences: Iterable[Absence] = (),
    holidays: Mapping[date, str] | None = None,
    interview_uids: Collection[str] = frozenset(),
    ignore_uids: Collection[str] = frozenset(),
    recurrence: RecurrenceCache | None = None,
) -> Timeline:
    """An employee's timeline from their calendar's events (masters, overrides, singles).

    `holidays` are the company's public holidays (`public_holidays`), applied on
    the employee's local days. `interview_uids` are events that are interviews:
    they count towards the per-day maximum. `ignore_uids` leaves events out,
    e.g. those of the interview being rescheduled.
    """
    get_zone(employee.timezone, f"{employee.name}'s timezone")
    window = _window(start, end)
    collect = _Collector(employee.name, employee.timezone, employee.email, window)
    collect.events(events, start, end, recurrence, interview_uids, ignore_uids)
    collect.absences(absences)
    collect.holidays(holidays or {})
    return collect.timeline(
        key=employee.email.strip().casefold(),
        working_hours=employee.working_hours,
        working=working_intervals(employee.working_hours, employee.timezone, *window),
    )


def room_timeline(
    room: Room,
    events: Iterable[CalendarEvent],
    start: datetime,
    end: datetime,
    *,
    zone: str,
    email: str | None = None,
    ignore_uids: Collection[str] = frozenset(),
    recurrence: RecurrenceCache | None = None,
) -> Timeline:
    """A room's timeline; `zone` (the company's) places its all-day and floating bookings."""
    get_zone(zone, f"room {room.name}")
    window = _window(start, end)
    collect = _Collector(room.name, zone, email, window)
    collect.events(events, start, end, recurrence, frozenset(), ignore_uids)
    return collect.timeline(key=f"room:{room.id}", capacity=room.capacity)


def _window(start: datetime, end: datetime) -> tuple[int, int]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("a timeline's window needs times with a timezone", field="start")
    if end <= start:
        raise ValidationError("a timeline's window must end after it starts", field="end")
    return minutes_floor(start), minutes_ceil(end)


class _BadEvent(Exception):
    pass


class _Collector:
    """Accumulates one calendar's blocks while events are read."""

    def __init__(self, name: str, zone: str, email: str | None, window: tuple[int, int]) -> None:
        self.name = name
        self.zone = zone
        self.offsets = zone_offsets(zone)
        self.email = email.strip().casefold() if email else None
        self.window = window
        self.blocks: list[Block] = []
        self.by_kind: dict[BlockKind, list[Pair]] = defaultdict(list)
        self.holiday_list: list[Holiday] = []
        self.interview_days: Counter[int] = Counter()
        self.problems: list[str] = []

    # -- events

    def events(
        self,
        events: Iterable[CalendarEvent],
        start: datetime,
        end: datetime,
        recurrence: RecurrenceCache | None,
        interview_uids: Collection[str],
        ignore_uids: Collection[str],
    ) -> None:
        for event in self._occurrences(events, start, end, recurrence):
            if event.cancelled or (ignore_uids and event.uid in ignore_uids):
                continue
            reason = unreadable_reason(event)
            if reason is not None:
                self.problems.append(unreadable_problem(self.name, event, reason))
            try:
                raw = self._raw_pairs(event)
            except _BadEvent as exc:
                if reason is None:
                    self.problems.append(unreadable_problem(self.name, event, str(exc)))
                continue
            pairs = self._clip(raw)
            if not pairs:
                continue
            interview = event.uid in interview_uids
            self._event(event, pairs, self.offsets.local_day(raw[0][0]) if interview else None)

    def _occurrences(
        self,
        events: Iterable[CalendarEvent],
        start: datetime,
        end: datetime,
        recurrence: RecurrenceCache | None,
    ) -> list[CalendarEvent]:
        """Singles as they are, series expanded; overrides follow ical's rules."""
        plain: list[CalendarEvent] = []
        masters: dict[str, CalendarEvent] = {}
        overrides: dict[str, list[CalendarEvent]] = defaultdict(list)
        for event in events:
            if event.recurrence_id is not None:
                overrides[event.uid].append(event)
            elif event.rrule or event.rdates:
                masters[event.uid] = event
            else:
                plain.append(event)
        # A placeholder stands for its series' master but leaves the overrides standing.
        plain_uids = {event.uid for event in plain if unreadable_reason(event) is None}
        for uid, group in overrides.items():
            if uid not in masters and uid not in plain_uids:  # orphans stand alone
                plain.extend(group)
        for uid, master in masters.items():
            its_overrides = sorted(overrides.get(uid, ()), key=lambda e: str(e.recurrence_id))
            plain.extend(cached_or_fresh(recurrence, [master, *its_overrides], start, end))
        return plain

    def _raw_pairs(self, event: CalendarEvent) -> list[Pair]:
        start, end = event.start, event.end
        start_timed, end_timed = isinstance(start, datetime), isinstance(end, datetime)
        if start_timed != end_timed:
            raise _BadEvent("start and end must both be dates or both be times")
        if isinstance(start, datetime) and isinstance(end, datetime):
            if (start.tzinfo is None) != (end.tzinfo is None):
                raise _BadEvent("start and end must both have a timezone or both be floating")
            _check_order(start, end)
            if start.tzinfo is not None:
                return [(minutes_floor(start), minutes_ceil(end))]
            return self._floating_zone(event).local_span(
                local_minutes(start), local_minutes_ceil(end)
            )
        _check_order(start, end)
        return self.offsets.local_span(local_minutes(start), local_minutes(end))

    def _floating_zone(self, event: CalendarEvent) -> ZoneOffsets:
        if event.timezone is None:
            return self.offsets
        if not is_zone(event.timezone):
            raise _BadEvent(f"unknown timezone {event.timezone!r}")
        return zone_offsets(event.timezone)

    def _event(self, event: CalendarEvent, pairs: list[Pair], interview_day: int | None) -> None:
        """Block the event's (clipped) minutes as its transparency and the owner's answer say."""
        response = event.response_of(self.email) if self.email else None
        if self.email and event.conference_url and _same(event.organizer, self.email):
            self._add(pairs, BlockKind.HOSTED, HOSTED_LABEL, event.uid)
        if response is ResponseStatus.DECLINED or event.transparency is Transparency.FREE:
            return
        if interview_day is not None:  # counted on the local day it starts
            self.interview_days[interview_day] += 1
        if event.transparency is Transparency.TENTATIVE or response is ResponseStatus.TENTATIVE:
            self._add(pairs, BlockKind.TENTATIVE, TENTATIVE_LABEL, event.uid)
        else:
            self._add(pairs, BlockKind.BUSY, BUSY_LABEL, event.uid)

    def _add(self, pairs: list[Pair], kind: BlockKind, reason: str, uid: str = "") -> None:
        for start, end in pairs:
            self.blocks.append(Block(start, end, kind, reason, uid))
            self.by_kind[kind].append((start, end))

    # -- absences and holidays

    def absences(self, absences: Iterable[Absence]) -> None:
        for absence in absences:
            if absence.last < absence.first:
                self.problems.append(
                    f"{self.name}: an absence ends ({absence.last}) before it starts "
                    f"({absence.first})"
                )
                continue
            pairs = self._clip(
                self.offsets.local_span(
                    local_minutes(absence.first), local_minutes(absence.last) + 1440
                )
            )
            self._add(pairs, BlockKind.ABSENT, ABSENT_LABEL)

    def holidays(self, holidays: Mapping[date, str]) -> None:
        first, last = self.window
        days = range(self.offsets.local_day(first), self.offsets.local_day(last - 1) + 1)
        for number in days:
            name = holidays.get(date_of_day(number))
            if name is None:
                continue
            pairs = self._clip(self.offsets.day_span(number))
            self._add(pairs, BlockKind.HOLIDAY, f"Public holiday: {name}")
            self.holiday_list.append(Holiday(date_of_day(number), name, IntervalSet.of(pairs)))

    def _clip(self, pairs: list[Pair]) -> list[Pair]:
        first, last = self.window
        return [(max(a, first), min(b, last)) for a, b in pairs if a < last and b > first]

    # -- result

    def timeline(
        self,
        *,
        key: str,
        working_hours: WorkingHours | None = None,
        working: IntervalSet | None = None,
        capacity: int | None = None,
    ) -> Timeline:
        kinds = self.by_kind
        absent = IntervalSet.of(kinds[BlockKind.ABSENT])
        return Timeline(
            key=key,
            name=self.name,
            zone=self.zone,
            start=self.window[0],
            end=self.window[1],
            blocks=tuple(sorted(self.blocks, key=lambda b: (b.start, b.end))),
            hard=IntervalSet.of(kinds[BlockKind.BUSY]).union(absent),
            soft=IntervalSet.of(kinds[BlockKind.TENTATIVE]),
            absent=absent,
            hosted=IntervalSet.of(kinds[BlockKind.HOSTED]),
            holidays=tuple(self.holiday_list),
            working=working,
            working_hours=working_hours,
            interviews=tuple(
                (date_of_day(day), count) for day, count in sorted(self.interview_days.items())
            ),
            capacity=capacity,
            problems=tuple(self.problems),
        )


def unreadable_problem(owner: str, event: CalendarEvent, reason: str) -> str:
    """The one line that reports an event of `owner` that could not be read, by reference.

    Seen by anyone who looks at `owner`'s calendar, so it never quotes the
    event's title or details: only its uid (or href) and what was wrong.
    """
    where = event.extra.get("href") or (f"uid {event.uid}" if event.uid else "no uid")
    return f"1 event of {owner} could not be read ({where}): {reason}"


def _check_order(start: datetime | date, end: datetime | date) -> None:
    # Both sides have one kind here, so the comparison is meaningful.
    if end < start:
        raise _BadEvent("ends before it starts")
    if end == start:
        raise _BadEvent("has no duration (end equals start)")


def _same(email: str | None, wanted: str) -> bool:
    return email is not None and email.strip().casefold() == wanted
