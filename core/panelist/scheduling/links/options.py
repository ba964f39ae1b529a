"""The times a link offers now, from the calendar cache, and their opaque ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from panelist.availability import SlotRequest, find_slots
from panelist.errors import (
    ValidationError,
)
from panelist.models import Method
from panelist.scheduling.links.model import MIN_NOTICE, STEP, OfferedDay, OfferedSlot
from panelist.scheduling.links.stored import StoredLink, application_of
from panelist.scheduling.records import InterviewRecord
from panelist.services.calendar_view import load_calendar_view
from panelist.services.directory import get_employee
from panelist.storage.instants import from_text, to_text
from panelist.timezones import zone_or_none
from panelist.workspace import Workspace

MAX_WINDOW_DAYS = 35

# ---------------------------------------------------------------------- options


@dataclass(frozen=True)
class Option:
    id: str
    start: datetime
    end: datetime
    room_id: int | None
    score: float = field(default=0.0, compare=False)


def option_id(link: StoredLink, start: datetime, room_id: int | None) -> str:
    """Opaque: a slot id says nothing about the time or the room, and differs per link."""
    raw = f"{link.id}:{to_text(start)}:{room_id or 0}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


async def offered_options(
    ws: Workspace, link: StoredLink, now: datetime, *, moving: InterviewRecord | None = None
) -> list[Option]:
    """The options offered now: free for every participant (and a room) in the cache,
    at most `max_options`, the best ranked, never two that overlap, in time order."""
    first, last = link.window()
    start = max(first, now + MIN_NOTICE)
    if start >= last:
        return []
    people = [p.employee_id for p in link.participants]
    room_ids = _room_ids(ws.db, link)
    view = await load_calendar_view(
        ws, people, room_ids, start, last, moving=moving.id if moving else None
    )
    host = None
    if link.method is Method.VIDEO and link.video_host_id in people:
        host = get_employee(ws.db, int(link.video_host_id or 0)).email.strip().casefold()
    rooms = tuple(r.timeline for r in view.rooms)
    seats = _seats(link) if link.room_id is None else None
    request = SlotRequest(
        required=tuple(p.timeline for p in view.people),
        duration=timedelta(minutes=link.minutes),
        window_start=start,
        window_end=last,
        rooms=rooms,
        seats=seats if rooms else None,
        step=STEP,
        organiser_zone=link.zone,
        candidate_zone=application_of(ws.db, link.application_id)[3],
        video_host=host,
        top=max(link.max_options * 8, 40),
    )
    found = find_slots(request, now=now)
    room_of = {r.key: r.room.id for r in view.rooms}
    people_held, rooms_held = _held(ws.db, people, room_ids, start, last, moving)
    chosen: list[Option] = []
    for slot in found.ranked:
        if len(chosen) >= link.max_options:
            break
        if any(slot.start < o.end and o.start < slot.end for o in chosen):
            continue
        if _overlaps(people_held, slot.start, slot.end):
            continue
        room_id = next(
            (
                room_of[k]
                for k in slot.rooms
                if k in room_of
                and not _overlaps(rooms_held.get(room_of[k], []), slot.start, slot.end)
            ),
            None,
        )
        if room_ids and room_id is None:
            continue
        chosen.append(
            Option(option_id(link, slot.start, room_id), slot.start, slot.end, room_id, slot.score)
        )
    return sorted(chosen, key=lambda o: o.start)


Span = tuple[datetime, datetime]


def _held(
    db: Database,
    people: list[int],
    room_ids: list[int],
    start: datetime,
    end: datetime,
    moving: InterviewRecord | None,
) -> tuple[list[Span], dict[int, list[Span]]]:
    """What scheduled interviews in the database hold in [start, end): the participants'
    times, and each room's. One booked a moment ago (another tab, another candidate) holds
    them before its events reach the calendar cache, so the fresh options leave it out."""
    window = {"start": to_text(start), "end": to_text(end), "self": moving.id if moving else -1}
    overlap = (
        "i.status = 'scheduled' AND i.start_utc < :end AND i.end_utc > :start AND i.id != :self"
    )
    marks = ", ".join(f":p{n}" for n in range(len(people))) or "NULL"
    rows = db.execute(
        "SELECT DISTINCT i.start_utc, i.end_utc FROM interviews i JOIN interview_participants p"
        f" ON p.interview_id = i.id WHERE p.employee_id IN ({marks})"
        f" AND p.response != 'declined' AND {overlap}",
        window | {f"p{n}": person for n, person in enumerate(people)},
    ).fetchall()
    people_held = [(from_text(str(a)), from_text(str(b))) for a, b in rows]
    rooms_held: dict[int, list[Span]] = {}
    if room_ids:
        marks = ", ".join(f":r{n}" for n in range(len(room_ids)))
        for room, a, b in db.execute(
            f"SELECT i.room_id, i.start_utc, i.end_utc FROM interviews i"
            f" WHERE i.room_id IN ({marks}) AND {overlap}",
            window | {f"r{n}": room for n, room in enumerate(room_ids)},
        ).fetchall():
            rooms_held.setdefault(int(room), []).append((from_text(str(a)), from_text(str(b))))
    return people_held, rooms_held


def _overlaps(spans: list[Span], start: datetime, end: datetime) -> bool:
    return any(a < end and start < b for a, b in spans)


def _seats(link: StoredLink) -> int | None:
    """The seats a room needs: what the recruiter asked, and at least the participants and
    the candidate (booking refuses a smaller room, so none is offered)."""
    if link.room_seats is None:
        return None
    return max(link.room_seats, len(link.participants) + 1)


def _room_ids(db: Database, link: StoredLink) -> list[int]:
    if link.room_id is not None:
        return [link.room_id]
    if link.room_seats is None:
        return []
    rows = db.execute(
        "SELECT id FROM rooms WHERE capacity >= ? ORDER BY capacity, name", [_seats(link)]
    ).fetchall()
    return [int(r[0]) for r in rows]


def by_day(options: list[Option], tz: ZoneInfo) -> tuple[OfferedDay, ...]:
    days: dict[date, list[OfferedSlot]] = {}
    for option in options:
        start = option.start.astimezone(tz)
        days.setdefault(start.date(), []).append(
            OfferedSlot(option.id, start, option.end.astimezone(tz))
        )
    return tuple(OfferedDay(day, tuple(slots)) for day, slots in sorted(days.items()))


def zone_name(name: str) -> str:
    clean = name.strip() if isinstance(name, str) else ""
    if len(clean) > 64 or zone_or_none(clean) is None or clean != clean.strip():
        raise ValidationError(f"unknown timezone {clean[:64]!r}", field="zone")
    return clean
