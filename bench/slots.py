"""Benchmark of the availability engine; prints one JSON line of figures. Not a test.

A generated organisation of 25 interviewers (Amsterdam, London, New York,
Kolkata) and 6 rooms, an 8-week window, about 40 events per person per week:
recurring series (stand-ups, 1:1s, team meetings, with EXDATEs and moved
occurrences), single meetings (tentative, free, declined, private, all-day,
floating, multi-day trips), interviews, absences and the company's public
holidays. Calendars are handed in as stored: series masters, overrides, singles.

Measured over RUNS runs, each with another panel of 4 interviewers from the
European offices (panels are drawn from one region, as in the demo company):
(a) build: the busy timelines of the panel and the 6 rooms from those events,
    with one `RecurrenceCache` kept across runs as a session keeps it;
(b) search: the top 10 slots for the 4 required interviewers and any room,
    60 minutes on a 15-minute grid.
The same at 10x the events gives `scale_10x_ratio` (total p50 at 10x / at 1x).
`build_cold_ms` is a build with an empty recurrence cache (every series
expanded afresh), for comparison; `build_cold_p50_ms`, `total_cold_p50_ms` and
their p95 measure (a) and (b) over the same panels with a fresh cache each run,
as the first search of a session meets them.

    python bench/slots.py [--runs N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time as timer
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from panelist.availability import (
    Absence,
    RecurrenceCache,
    SlotRequest,
    Timeline,
    find_slots,
    person_timeline,
    public_holidays,
    room_timeline,
)
from panelist.models import Employee, Room, WorkingHours
from panelist.providers.events import Attendee, CalendarEvent, ResponseStatus, Transparency

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday
WINDOW = (NOW, NOW + timedelta(weeks=8))
COMPANY_ZONE = "Europe/Amsterdam"
ZONES = ("Europe/Amsterdam",) * 12 + ("Europe/London",) * 5 + ("America/New_York",) * 5
ZONES += ("Asia/Kolkata",) * 3
HOURS = (
    WorkingHours.office(),
    WorkingHours.office("08:00", "16:30"),
    WorkingHours.office("10:00", "18:30"),
    WorkingHours.office("08:30", "17:30", days=4),
)
ROOM_SEATS = (2, 4, 4, 6, 8, 12)
INTERVIEWERS, PANEL = 25, 4


@dataclass
class Organisation:
    people: list[Employee]
    rooms: list[Room]
    events: dict[str, list[CalendarEvent]] = field(default_factory=dict)
    absences: dict[str, list[Absence]] = field(default_factory=dict)
    interviews: set[str] = field(default_factory=set)


# --------------------------------------------------------------------------- generation


class Generator:
    def __init__(self, seed: int, scale: int) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.counter = 0

    def organisation(self) -> Organisation:
        people = [
            Employee(
                id=i + 1,
                email=f"person{i + 1}@example.com",
                name=f"Person {i + 1}",
                timezone=ZONES[i % len(ZONES)],
                working_hours=HOURS[i % len(HOURS)],
                calendar_provider="local",
                calendar_id=f"cal-{i + 1}",
            )
            for i in range(INTERVIEWERS)
        ]
        rooms = [
            Room(id=i + 1, name=f"Room {i + 1}", capacity=seats, calendar_id=f"room-{i + 1}")
            for i, seats in enumerate(ROOM_SEATS)
        ]
        org = Organisation(people, rooms)
        for person in people:
            org.events[person.email] = self.person_events(person, org)
            org.absences[person.email] = self.absences()
        for room in rooms:
            org.events[f"room:{room.id}"] = self.room_events(room)
        return org

    def uid(self) -> str:
        self.counter += 1
        return f"bench-{self.counter:07d}"

    def person_events(self, person: Employee, org: Organisation) -> list[CalendarEvent]:
        zone = ZoneInfo(person.timezone)
        events: list[CalendarEvent] = []
        for _ in range(self.scale):
            events += self.series(person, zone)
            for week in range(8):
                events += self.week_of_singles(person, zone, week, org)
        return events

    def series(self, person: Employee, zone: ZoneInfo) -> list[CalendarEvent]:
        """Stand-up (5/week), team meeting, three 1:1s, fortnightly planning: ~9.5 a week."""
        rng = self.rng
        since = date(2026, 9, 7) + timedelta(days=rng.randrange(0, 40))
        since -= timedelta(days=since.weekday())
        plans = [
            ("Stand-up", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 0, time(9, 30), 15),
            ("Team meeting", "FREQ=WEEKLY;BYDAY=TU", 1, time(14, 0), 60),
            ("1:1", "FREQ=WEEKLY;BYDAY=WE", 2, time(11, 0), 30),
            ("1:1", "FREQ=WEEKLY;BYDAY=TH", 3, time(15, 30), 30),
            ("1:1", "FREQ=WEEKLY;UNTIL=20270301T000000Z;BYDAY=MO", 0, time(16, 0), 30),
            ("Planning", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", 4, time(10, 0), 90),
        ]
        events: list[CalendarEvent] = []
        for summary, rule, offset, clock, minutes in plans:
            start = datetime.combine(since + timedelta(days=offset), clock, zone)
            uid = self.uid()
            exdate = datetime.combine(
                NOW.date() + timedelta(days=7 * rng.randrange(1, 7) + offset), clock, zone
            )
            master = CalendarEvent(
                summary=summary,
                start=start,
                end=start + timedelta(minutes=minutes),
                timezone=person.timezone,
                private=rng.random() < 0.2,
                attendees=(Attendee(person.email, person.name, ResponseStatus.ACCEPTED),),
                rrule=rule,
                exdates=(exdate,),
                uid=uid,
                calendar_id=person.calendar_id or "",
            )
            events.append(master)
            moved = exdate + timedelta(days=7)
            events.append(
                CalendarEvent(
                    summary=f"{summary} (moved)",
                    start=moved + timedelta(hours=1),
                    end=moved + timedelta(hours=1, minutes=minutes),
                    timezone=person.timezone,
                    uid=uid,
                    recurrence_id=moved,
                    calendar_id=person.calendar_id or "",
                )
            )
        return events

    def week_of_singles(
        self, person: Employee, zone: ZoneInfo, week: int, org: Organisation
    ) -> list[CalendarEvent]:
        """About 30 single events in a week: mostly meetings in working hours, some not."""
        rng = self.rng
        monday = NOW.date() + timedelta(weeks=week)
        events = []
        for _ in range(30):
            day = monday + timedelta(days=rng.choice((0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6)))
            events.append(self.single(person, zone, day, org))
        return events

    def single(
        self, person: Employee, zone: ZoneInfo, day: date, org: Organisation
    ) -> CalendarEvent:
        rng = self.rng
        roll = rng.random()
        minutes = rng.choice((15, 15, 30, 30, 30, 45, 60, 60, 90))
        hour = rng.choice((7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20))
        start = datetime.combine(day, time(hour, rng.choice((0, 15, 30, 45))), zone)
        end: datetime | date = start + timedelta(minutes=minutes)
        begin: datetime | date = start
        transparency = Transparency.BUSY
        status = ResponseStatus.ACCEPTED
        uid = self.uid()
        if roll < 0.10:
            transparency = Transparency.TENTATIVE
        elif roll < 0.15:
            transparency = Transparency.FREE
        elif roll < 0.20:
            status = ResponseStatus.DECLINED
        elif roll < 0.23:  # all-day, usually marked free
            begin, end = day, day + timedelta(days=1)
            transparency = Transparency.FREE if rng.random() < 0.7 else Transparency.BUSY
        elif roll < 0.24:  # a trip of two to three days
            end = start + timedelta(days=rng.choice((2, 3)))
        elif roll < 0.27:  # floating: the same wall-clock time wherever the person is
            begin, end = (
                start.replace(tzinfo=None),
                start.replace(tzinfo=None) + timedelta(minutes=minutes),
            )
        elif roll < 0.31:
            org.interviews.add(uid)
        return CalendarEvent(
            summary=rng.choice(("Sync", "Review", "Workshop", "Lunch", "Customer call")),
            start=begin,
            end=end,
            timezone=person.timezone if isinstance(begin, datetime) else None,
            description="Agenda in the doc",
            location="Room 3",
            private=rng.random() < 0.2,
            transparency=transparency,
            attendees=(
                Attendee(person.email, person.name, status),
                Attendee("someone@example.com", "Someone", ResponseStatus.ACCEPTED),
            ),
            organizer="someone@example.com",
            conference_url="https://meet.example.com/x" if rng.random() < 0.3 else None,
            uid=uid,
            calendar_id=person.calendar_id or "",
        )

    def absences(self) -> list[Absence]:
        if self.rng.random() < 0.3:
            first = NOW.date() + timedelta(days=self.rng.randrange(0, 50))
            return [Absence(first, first + timedelta(days=self.rng.randrange(0, 7)))]
        return []

    def room_events(self, room: Room) -> list[CalendarEvent]:
        rng = self.rng
        zone = ZoneInfo(COMPANY_ZONE)
        events = []
        for _ in range(self.scale):
            start = datetime.combine(date(2026, 10, 5), time(10, 0), zone)
            events.append(
                CalendarEvent(
                    summary="Weekly booking",
                    start=start,
                    end=start + timedelta(hours=1),
                    timezone=COMPANY_ZONE,
                    rrule="FREQ=WEEKLY;BYDAY=MO,TH",
                    uid=self.uid(),
                    calendar_id=room.calendar_id or "",
                )
            )
            for _ in range(8 * 15):
                day = NOW.date() + timedelta(days=rng.randrange(0, 56))
                start = datetime.combine(day, time(rng.randrange(8, 18), rng.choice((0, 30))), zone)
                events.append(
                    CalendarEvent(
                        summary="Booking",
                        start=start,
                        end=start + timedelta(minutes=rng.choice((30, 60, 90))),
                        timezone=COMPANY_ZONE,
                        transparency=Transparency.TENTATIVE
                        if rng.random() < 0.1
                        else Transparency.BUSY,
                        uid=self.uid(),
                        calendar_id=room.calendar_id or "",
                    )
                )
        return events


# --------------------------------------------------------------------------- measuring


def build(
    org: Organisation, panel: list[Employee], cache: RecurrenceCache | None
) -> tuple[list[Timeline], list[Timeline]]:
    start, end = WINDOW[0] - timedelta(hours=1), WINDOW[1] + timedelta(hours=1)
    holidays = public_holidays("NL", None, start.date(), end.date())
    people = [
        person_timeline(
            person,
            org.events[person.email],
            start,
            end,
            absences=org.absences[person.email],
            holidays=holidays,
            interview_uids=org.interviews,
            recurrence=cache,
        )
        for person in panel
    ]
    rooms = [
        room_timeline(
            room, org.events[f"room:{room.id}"], start, end, zone=COMPANY_ZONE, recurrence=cache
        )
        for room in org.rooms
    ]
    return people, rooms


def search(people: list[Timeline], rooms: list[Timeline]) -> int:
    request = SlotRequest(
        required=tuple(people),
        rooms=tuple(rooms),
        duration=timedelta(minutes=60),
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        step=timedelta(minutes=15),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=10),
        min_notice=timedelta(hours=24),
        max_interviews_per_day=3,
        organiser_zone=COMPANY_ZONE,
        candidate_zone="Asia/Kolkata",
        top=10,
    )
    result = find_slots(request, now=NOW)
    assert len(result.ranked) == min(10, len(result.starts))
    assert result.ranked or result.why_nothing_fits
    return len(result.starts)


@dataclass
class Figures:
    build: list[float] = field(default_factory=list)
    search: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    feasible: list[int] = field(default_factory=list)


def measure(org: Organisation, runs: int, seed: int, *, cold: bool = False) -> Figures:
    """Each run builds and searches; `cold` gives every build an empty recurrence cache."""
    rng = random.Random(seed)
    cache = RecurrenceCache()
    build(org, org.people, cache)  # warm-up: imports, zone offsets, holidays, expansion
    figures = Figures()
    for _ in range(runs):
        panel = rng.sample(european(org), PANEL)
        began = timer.perf_counter()
        people, rooms = build(org, panel, RecurrenceCache() if cold else cache)
        built = timer.perf_counter()
        figures.feasible.append(search(people, rooms))
        done = timer.perf_counter()
        figures.build.append((built - began) * 1000)
        figures.search.append((done - built) * 1000)
        figures.total.append((done - began) * 1000)
    return figures


def cold_build_ms(org: Organisation, seed: int, repeats: int = 5) -> float:
    rng = random.Random(seed)
    times = []
    for _ in range(repeats):
        panel = rng.sample(european(org), PANEL)
        began = timer.perf_counter()
        build(org, panel, RecurrenceCache())
        times.append((timer.perf_counter() - began) * 1000)
    return statistics.median(times)


def european(org: Organisation) -> list[Employee]:
    return [person for person in org.people if person.timezone.startswith("Europe/")]


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def events_per_person_week(org: Organisation) -> float:
    start, end = WINDOW
    from panelist.providers.ical import expand_events

    total = sum(len(expand_events(org.events[p.email], start, end)) for p in org.people[:5])
    return total / 5 / 8


def timed(what: str, action: Callable[[], Organisation]) -> Organisation:
    began = timer.perf_counter()
    result = action()
    print(f"# {what}: {timer.perf_counter() - began:.1f} s", file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    org = timed("generate 1x", Generator(args.seed, 1).organisation)
    big = timed("generate 10x", Generator(args.seed, 10).organisation)
    one, ten = measure(org, args.runs, args.seed), measure(big, args.runs, args.seed)
    cold = measure(org, args.runs, args.seed, cold=True)
    figures = {
        "runs": args.runs,
        "events_per_person_week": round(events_per_person_week(org), 1),
        "build_p50_ms": round(p(one.build, 0.5), 2),
        "build_p95_ms": round(p(one.build, 0.95), 2),
        "search_p50_ms": round(p(one.search, 0.5), 2),
        "search_p95_ms": round(p(one.search, 0.95), 2),
        "total_p50_ms": round(p(one.total, 0.5), 2),
        "total_p95_ms": round(p(one.total, 0.95), 2),
        "feasible_slots_p50": int(statistics.median(one.feasible)),
        "build_cold_ms": round(cold_build_ms(org, args.seed), 1),
        "build_cold_p50_ms": round(p(cold.build, 0.5), 2),
        "build_cold_p95_ms": round(p(cold.build, 0.95), 2),
        "total_cold_p50_ms": round(p(cold.total, 0.5), 2),
        "total_cold_p95_ms": round(p(cold.total, 0.95), 2),
        "build_10x_p50_ms": round(p(ten.build, 0.5), 2),
        "search_10x_p50_ms": round(p(ten.search, 0.5), 2),
        "total_10x_p50_ms": round(p(ten.total, 0.5), 2),
        "feasible_slots_10x_p50": int(statistics.median(ten.feasible)),
        "scale_10x_ratio": round(p(ten.total, 0.5) / p(one.total, 0.5), 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
