"""Small builders shared by the availability tests: people, rooms, events, timelines."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from panelist.availability import Timeline, person_timeline, room_timeline
from panelist.models import Employee, Room, WorkingHours
from panelist.providers.events import Attendee, CalendarEvent, EventTime, ResponseStatus

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
SYDNEY = ZoneInfo("Australia/Sydney")
CHATHAM = ZoneInfo("Pacific/Chatham")

# Monday 7 December 2026: a plain week without DST changes or Dutch holidays.
MONDAY = date(2026, 12, 7)
WEEK = (datetime(2026, 12, 6, tzinfo=UTC), datetime(2026, 12, 14, tzinfo=UTC))

_ids = itertools.count(1)


def at(zone: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def employee(
    name: str,
    zone: str = "Europe/Amsterdam",
    hours: WorkingHours | None = None,
) -> Employee:
    return Employee(
        id=next(_ids),
        email=f"{name.lower()}@example.com",
        name=name,
        timezone=zone,
        working_hours=hours or WorkingHours.office(),
    )


def event(
    start: EventTime,
    end: EventTime,
    summary: str = "Meeting",
    *,
    who: Employee | None = None,
    status: ResponseStatus = ResponseStatus.ACCEPTED,
    **fields: Any,
) -> CalendarEvent:
    attendees = (Attendee(who.email, who.name, status),) if who else ()
    fields.setdefault("uid", f"uid-{next(_ids)}")
    fields.setdefault("attendees", attendees)
    return CalendarEvent(summary=summary, start=start, end=end, **fields)


def timeline(
    person: Employee,
    events: Iterable[CalendarEvent] = (),
    window: tuple[datetime, datetime] = WEEK,
    **options: Any,
) -> Timeline:
    return person_timeline(person, list(events), *window, **options)


def room(
    name: str,
    seats: int,
    events: Iterable[CalendarEvent] = (),
    window: tuple[datetime, datetime] = WEEK,
) -> Timeline:
    return room_timeline(
        Room(id=next(_ids), name=name, capacity=seats),
        list(events),
        *window,
        zone="Europe/Amsterdam",
    )


def minutes(value: datetime) -> int:
    return int(value.timestamp() // 60)


def hours_of(pairs: Iterable[tuple[int, int]]) -> float:
    return sum(end - start for start, end in pairs) / 60


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def days(n: int) -> timedelta:
    return timedelta(days=n)
