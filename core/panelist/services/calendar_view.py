"""What the calendar grid shows (SPEC §3), read from the calendar cache, and the slots it suggests.

`load_calendar_view` reads every selected person's and room's events from core's
calendar cache (`panelist.calendars`; a calendar never synced is synced first,
and `max_age` has older copies synced too), plus absences, the company's public
holidays and working hours. Each calendar says how old its copy is and, when its
last sync failed, why. Every event passes through `visible_event` for the viewer
(the workspace's user), absences show only as "Absent", and a person whose
calendar is not integrated (or could not be read) is flagged, never dropped.
`suggest_slots` hands the same timelines to the slot finder, so the grid's
highlighting and the suggestions agree with what scheduling checks later.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from panelist.availability import (
    Absence,
    FinderResult,
    IntervalSet,
    Slot,
    SlotRequest,
    Timeline,
    find_slots,
    person_timeline,
    public_holidays,
    room_timeline,
    visible_event,
)
from panelist.availability.constraints import room_busy
from panelist.availability.intervals import intersect_all
from panelist.availability.localtime import minutes_ceil, minutes_floor, to_datetime
from panelist.availability.privacy import ABSENT_LABEL, BUSY_LABEL
from panelist.calendars import CalendarCache, CalendarKey, SyncService, SyncState
from panelist.errors import NotSupported, ValidationError
from panelist.models import Employee, Room
from panelist.providers.calendar import CalendarProvider
from panelist.providers.events import CalendarEvent, Transparency, unreadable_reason
from panelist.services.directory import get_employee, get_setting, list_rooms
from panelist.workspace import Workspace

EventKind = str
""""event", "tentative" or "absent"."""


@dataclass(frozen=True, slots=True)
class GridEvent:
    """One thing to draw: an event as the viewer may see it, or an absence ("Absent")."""

    owner: str
    """The calendar's key: an employee's lower-cased email or "room:<id>"."""
    start: datetime
    end: datetime
    title: str
    kind: EventKind = "event"
    all_day: bool = False
    """A date-based event, or one lasting 24 hours or more: drawn in the lane on top."""
    private: bool = False
    location: str = ""


@dataclass(frozen=True)
class CalendarPerson:
    employee: Employee
    key: str
    timeline: Timeline
    events: tuple[GridEvent, ...]
    integrated: bool
    """False when the calendar is not integrated or could not be read: shown with a warning."""
    note: str = ""
    calendar: CalendarKey | None = None
    as_of: datetime | None = None
    """When the cached copy was last synced (None: not integrated, or never synced)."""
    stale: str = ""
    """Why the last sync failed, while the copy of `as_of` is shown ("" when it did not)."""

    @property
    def name(self) -> str:
        return self.employee.name


@dataclass(frozen=True)
class CalendarRoom:
    room: Room
    key: str
    timeline: Timeline
    events: tuple[GridEvent, ...]
    integrated: bool
    note: str = ""
    calendar: CalendarKey | None = None
    as_of: datetime | None = None
    stale: str = ""

    @property
    def name(self) -> str:
        return self.room.name


@dataclass(frozen=True)
class CalendarView:
    """The selected calendars over [start, end), shown in the viewer's `zone`."""

    start: datetime
    end: datetime
    zone: str
    company_zone: str
    people: tuple[CalendarPerson, ...]
    rooms: tuple[CalendarRoom, ...]
    holidays: dict[date, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    """Recruiter-readable notes: calendars that could not be read, events left out."""

    @property
    def as_of(self) -> datetime | None:
        """The oldest copy on screen: what the grid's "as of" says."""
        times = [c.as_of for c in self.calendars if c.as_of is not None]
        return min(times, default=None)

    @property
    def calendars(self) -> tuple[CalendarPerson | CalendarRoom, ...]:
        return (*self.people, *self.rooms)

    def outdated(self, max_age: timedelta, now: datetime) -> list[CalendarKey]:
        """The calendars on screen whose copy is older than `max_age` (or never synced)."""
        return [
            c.calendar
            for c in self.calendars
            if c.calendar is not None and (c.as_of is None or now - c.as_of > max_age)
        ]

    @property
    def events(self) -> tuple[GridEvent, ...]:
        people = (e for p in self.people for e in p.events)
        rooms = (e for r in self.rooms for e in r.events)
        return (*people, *rooms)

    def free_rooms(self, start: datetime, end: datetime, seats: int = 0) -> list[CalendarRoom]:
        """Rooms in the view with `seats` seats and nothing booked in [start, end), smallest
        first (a tentative booking holds a room, as in the slot finder)."""
        a, b = minutes_floor(start), minutes_ceil(end)
        fitting = [
            r
            for r in self.rooms
            if r.room.capacity >= seats and not room_busy(r.timeline).overlaps(a, b)
        ]
        return sorted(fitting, key=lambda r: (r.room.capacity, r.room.name))

    def suggested_room(self, slot: Slot) -> CalendarRoom | None:
        """The room a suggestion names (its first fitting room in the view), or None: taking
        the suggestion books it, whether or not a room had been chosen before."""
        by_key = {r.key: r for r in self.rooms}
        return next((by_key[key] for key in slot.rooms if key in by_key), None)

    def free_spans(
        self,
        room_ids: Collection[int] | None = None,
        open_holidays: Collection[date] = frozenset(),
    ) -> list[tuple[datetime, datetime]]:
        """Where every person is free and working (no holiday, except those the recruiter
        opened: `open_holidays`, as in `suggest_slots`) and, when rooms are shown, at
        least one of them (those in `room_ids`, default all) is free."""
        start, end = minutes_ceil(self.start), minutes_floor(self.end)
        sets: list[IntervalSet] = []
        for person in self.people:
            t = person.timeline
            busy = t.hard.union(t.holiday_busy(open_holidays))
            free = IntervalSet.span(start, end).difference(busy)
            if t.working is not None:
                free = free.intersection(t.working)
            sets.append(free)
        rooms = [r for r in self.rooms if room_ids is None or r.room.id in room_ids]
        if rooms:
            any_free = IntervalSet.span(start, end).difference(
                intersect_all(room_busy(r.timeline) for r in rooms) or IntervalSet()
            )
            sets.append(any_free)
        together = intersect_all(sets)
        if together is None:
            return []
        return [(to_datetime(a), to_datetime(b)) for a, b in together]


async def load_calendar_view(
    ws: Workspace,
    employee_ids: Sequence[int],
    room_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    moving: int | None = None,
    max_age: timedelta | None = None,
) -> CalendarView:
    """Read the calendars of `employee_ids` and `room_ids` for [start, end) (aware datetimes).

    `moving`: the interview being rescheduled. Its own events are left out, so the time
    it holds now counts as free for it (as `check_reschedule` sees it).
    `max_age`: calendars whose copy is older are synced before reading (None: only those
    never synced; the TUI draws at once and refreshes the outdated ones in a worker).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("the calendar's window needs times with a timezone", field="start")
    if end <= start:
        raise ValidationError("the calendar's window must end after it starts", field="end")
    db = ws.db
    employees = [get_employee(db, i) for i in dict.fromkeys(employee_ids)]
    by_id = {room.id: room for room in list_rooms(db)}
    missing = [i for i in room_ids if i not in by_id]
    if missing:
        raise ValidationError(f"no room with id {missing[0]}", field="room")
    rooms = [by_id[i] for i in dict.fromkeys(room_ids)]
    company_zone = str(get_setting(db, "company_timezone"))
    show_names = bool(get_setting(db, "show_private_event_names"))
    country = str(get_setting(db, "holiday_country") or "")
    subdivision = get_setting(db, "holiday_subdivision")
    # A day either side: all-day events and holidays are local days in every zone.
    first, last = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
    holidays = public_holidays(country, subdivision, first, last) if country else {}
    mine = _my_interview_uids(ws)

    keys = [_key(e.calendar_provider, e.calendar_id) for e in employees]
    keys += [_key(r.calendar_provider, r.calendar_id) for r in rooms]
    states = await _synced(ws, [k for k in keys if k is not None], max_age)
    cache = CalendarCache(db)
    reads = [_read(cache, states, key, start, end) for key in keys]
    if moving is not None:
        own = _interview_uids(ws, moving)
        reads = [([e for e in events if e.uid not in own], error) for events, error in reads]
    problems: list[str] = []
    people: list[CalendarPerson] = []
    for employee, calendar, (events, error) in zip(
        employees, keys[: len(employees)], reads[: len(employees)], strict=True
    ):
        key = employee.email.strip().casefold()
        note = _note(employee.name, calendar, states, error, problems)
        absences = read_absences(ws, employee.id, first, last)
        timeline = person_timeline(
            employee, events, start, end, absences=absences, holidays=holidays
        )
        problems.extend(timeline.problems)
        zone = ZoneInfo(employee.timezone)
        shown = [
            _grid_event(
                key,
                event,
                zone,
                ws.user.email,
                show_names,
                owner_is_viewer=employee.id == ws.user.id,
                mine=mine,
            )
            for event in events
            if _drawn(event, start, end, zone)
        ]
        shown.extend(_absence_events(key, absences, zone))
        people.append(
            CalendarPerson(
                employee, key, timeline, _sorted(shown), error is None and calendar is not None,
                note, calendar, *_copy(states, calendar),
            )
        )  # fmt: skip
    calendars: list[CalendarRoom] = []
    company = ZoneInfo(company_zone)
    for room, calendar, (events, error) in zip(
        rooms, keys[len(employees) :], reads[len(employees) :], strict=True
    ):
        key = f"room:{room.id}"
        note = _note(room.name, calendar, states, error, problems)
        timeline = room_timeline(room, events, start, end, zone=company_zone)
        problems.extend(timeline.problems)
        shown = [
            _grid_event(
                key, e, company, ws.user.email, show_names, owner_is_viewer=False, mine=mine
            )
            for e in events
            if _drawn(e, start, end, company)
        ]
        calendars.append(
            CalendarRoom(
                room, key, timeline, _sorted(shown), error is None and calendar is not None,
                note, calendar, *_copy(states, calendar),
            )
        )  # fmt: skip
    return CalendarView(
        start=start,
        end=end,
        zone=ws.user.timezone,
        company_zone=company_zone,
        people=tuple(people),
        rooms=tuple(calendars),
        holidays={d: n for d, n in holidays.items() if start.date() <= d < end.date()},
        problems=tuple(problems),
    )


def suggest_slots(
    ws: Workspace,
    view: CalendarView,
    duration: timedelta,
    step: timedelta = timedelta(minutes=15),
    room_ids: Collection[int] | None = None,
    *,
    candidate_zone: str | None = None,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    open_holidays: frozenset[date] = frozenset(),
    top: int = 10,
) -> FinderResult:
    """Rank the times in the view at which every shown person (and a room) is free.

    Every person in the view is required; the rooms are those of `room_ids`
    (default: every room in the view; none when the view has none). The
    organiser's zone is the viewer's; the window defaults to the view's, from now.
    """
    rooms = tuple(r.timeline for r in view.rooms if room_ids is None or r.room.id in set(room_ids))
    request = SlotRequest(
        required=tuple(p.timeline for p in view.people),
        duration=duration,
        window_start=window_start or view.start,
        window_end=window_end or view.end,
        rooms=rooms,
        step=step,
        organiser_zone=ws.user.timezone,
        candidate_zone=candidate_zone,
        open_holidays=open_holidays,
        top=top,
    )
    return find_slots(request, now=ws.clock.now())


# --------------------------------------------------------------------------- helpers


def _key(provider_id: str | None, calendar_id: str | None) -> CalendarKey | None:
    return (
        None
        if provider_id is None or calendar_id is None
        else CalendarKey(provider_id, calendar_id)
    )


async def _synced(
    ws: Workspace, keys: list[CalendarKey], max_age: timedelta | None
) -> dict[CalendarKey, SyncState]:
    """The calendars' sync states, after syncing those never synced (or older than
    `max_age`) that no other process is syncing right now."""
    cache = CalendarCache(ws.db)
    states = cache.states(keys)
    if max_age is None:
        due = [k for k in keys if k not in states]
        max_age = timedelta(0)
    else:
        due = keys
    if due:
        await SyncService(ws).refresh(due, max_age)
        states = cache.states(keys)
    return states


def _read(
    cache: CalendarCache,
    states: dict[CalendarKey, SyncState],
    key: CalendarKey | None,
    start: datetime,
    end: datetime,
) -> tuple[list[CalendarEvent], str | None]:
    """A calendar's cached events, and why there are none to trust (never synced)."""
    if key is None:
        return [], None
    state = states.get(key)
    if state is None or (state.synced_at is None and state.error):
        return [], state.error if state is not None and state.error else "not synced yet"
    return cache.events(key, start, end), None


async def read_calendar(
    provider: CalendarProvider, calendar_id: str, start: datetime, end: datetime
) -> list[CalendarEvent]:
    """A calendar's events for [start, end), as the grid and the re-check read them.

    Where only free/busy is shared with us, its busy times come back as events
    without details, so they block (or hold softly) as the provider says.
    """
    try:
        return await provider.list_events(calendar_id, start, end)
    except NotSupported:
        answer = await provider.free_busy([calendar_id], start, end)
        return [
            CalendarEvent(BUSY_LABEL, b.start, b.end, transparency=b.transparency)
            for b in answer.get(calendar_id, [])
        ]


def _note(
    name: str,
    calendar: CalendarKey | None,
    states: dict[CalendarKey, SyncState],
    error: str | None,
    problems: list[str],
) -> str:
    if calendar is None:
        return "calendar not integrated"
    if error is not None:
        problems.append(f"{name}'s calendar could not be read: {error}")
        return f"calendar could not be read: {error}"
    state = states[calendar]
    if state.error and state.synced_at is not None:  # a copy, but its last sync failed
        when = f"{state.synced_at:%Y-%m-%d %H:%M} UTC"
        problems.append(f"{name}'s calendar may be out of date (as of {when}): {state.error}")
        return f"as of {when}: {state.error}"
    return ""


def _copy(
    states: dict[CalendarKey, SyncState], calendar: CalendarKey | None
) -> tuple[datetime | None, str]:
    """When the calendar's cached copy was made, and why the sync after it failed."""
    state = states.get(calendar) if calendar is not None else None
    if state is None or state.synced_at is None:
        return None, ""
    return state.synced_at, state.error or ""


def _my_interview_uids(ws: Workspace) -> frozenset[str]:
    """Events of interviews the viewer organises or takes part in: they see those in full."""
    rows = ws.db.execute(
        """
        SELECT DISTINCT x.external_id
          FROM interview_external_refs x
          JOIN interviews i ON i.id = x.interview_id
         WHERE i.organiser_id = :me
            OR EXISTS (SELECT 1 FROM interview_participants p
                        WHERE p.interview_id = i.id AND p.employee_id = :me)
        """,
        {"me": ws.user.id},
    ).fetchall()
    return frozenset(row[0] for row in rows)


def _interview_uids(ws: Workspace, interview_id: int) -> frozenset[str]:
    """The events one interview put in calendars (participants', the room's)."""
    rows = ws.db.execute(
        "SELECT external_id FROM interview_external_refs WHERE interview_id = ?", [interview_id]
    ).fetchall()
    return frozenset(row[0] for row in rows)


def read_absences(ws: Workspace, employee_id: int, first: date, last: date) -> list[Absence]:
    """The employee's absences touching the days `first` to `last` (the grid's and re-check's)."""
    rows = ws.db.execute(
        "SELECT start_date, end_date FROM absences"
        " WHERE employee_id = ? AND start_date <= ? AND end_date >= ? ORDER BY start_date",
        [employee_id, last.isoformat(), first.isoformat()],
    ).fetchall()
    return [Absence(date.fromisoformat(a), date.fromisoformat(b)) for a, b in rows]


def _absence_events(key: str, absences: Sequence[Absence], zone: tzinfo) -> list[GridEvent]:
    return [
        GridEvent(
            key,
            datetime.combine(a.first, datetime.min.time(), zone),
            datetime.combine(a.last + timedelta(days=1), datetime.min.time(), zone),
            ABSENT_LABEL,
            kind="absent",
            all_day=True,
        )
        for a in absences
    ]


def _drawn(event: CalendarEvent, start: datetime, end: datetime, zone: tzinfo) -> bool:
    """Events are drawn unless cancelled; of an unreadable one only a known busy span in view.

    (Its report is among the timeline's problems.)
    """
    if event.cancelled:
        return False
    if unreadable_reason(event) is None:
        return True
    busy = event.transparency is not Transparency.FREE
    return busy and _instant(event.start, zone) < end and _instant(event.end, zone) > start


def _grid_event(
    key: str,
    event: CalendarEvent,
    zone: tzinfo,
    viewer: str,
    show_names: bool,
    *,
    owner_is_viewer: bool,
    mine: frozenset[str],
) -> GridEvent:
    seen = visible_event(
        event,
        viewer,
        show_private_names=show_names,
        viewer_is_participant=owner_is_viewer or event.uid in mine,
    )
    start, end = _instant(seen.start, zone), _instant(seen.end, zone)
    tentative = seen.transparency is Transparency.TENTATIVE
    return GridEvent(
        key,
        start,
        end,
        seen.title or "(no title)",
        kind="tentative" if tentative else "event",
        all_day=seen.all_day or end - start >= timedelta(hours=24),
        private=seen.private and not seen.details_visible,
        location=seen.location,
    )


def _instant(value: date | datetime, zone: tzinfo) -> datetime:
    """Dates are local midnights and floating times wall-clock times in the owner's zone."""
    if not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time(), zone)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _sorted(events: list[GridEvent]) -> tuple[GridEvent, ...]:
    return tuple(sorted(events, key=lambda e: (e.start, e.end, e.title)))
