"""The slot finder against a brute-force oracle that checks every minute on its own.

The oracle shares no code with the engine: it reads each minute's local time
with `datetime.fromtimestamp(…, zone)` and applies the rules literally (a
minute is busy when an opaque, accepted event covers it, when its local date is
an absence or an unopened holiday, …), then tests every start minute. Windows
are placed around the 2026 DST transitions of the zones under test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panelist.availability import Absence, HoursRule, SlotRequest, find_slots
from panelist.availability.timeline import Timeline, person_timeline, room_timeline
from panelist.models import Employee, Room, WorkingHours
from panelist.providers.events import Attendee, CalendarEvent, ResponseStatus, Transparency

ZONES = (
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Sydney",
    "America/New_York",
    "Europe/Amsterdam",
)
# 2026 DST changes of those zones (UTC); Kolkata has none, so any window works there.
TRANSITIONS = (
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # New York, spring
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # Amsterdam, spring
    datetime(2026, 4, 4, 14, 0, tzinfo=UTC),  # Chatham, autumn
    datetime(2026, 4, 4, 16, 0, tzinfo=UTC),  # Sydney, autumn
    datetime(2026, 9, 26, 14, 0, tzinfo=UTC),  # Chatham, spring
    datetime(2026, 10, 3, 16, 0, tzinfo=UTC),  # Sydney, spring
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # Amsterdam, autumn
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),  # New York, autumn
)
PROPERTY = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------- scenarios


@dataclass
class Person:
    employee: Employee
    events: list[CalendarEvent]
    absences: list[tuple[date, date]]
    holidays: dict[date, str]


@dataclass
class Scenario:
    window_start: datetime
    window_end: datetime
    now: datetime
    required: list[Person]
    optional: list[Person]
    rooms: list[tuple[Room, list[CalendarEvent]]]
    interviews: set[str]
    duration: int
    step: int
    before: int
    after: int
    notice: int
    cap: int | None
    host: int | None
    opened: frozenset[date]
    rule: HoursRule
    organiser_zone: str
    seats: int | None
    series: dict[str, list[datetime]] = field(default_factory=dict)


_counter = iter(range(10**9))


def _uid() -> str:
    return f"u{next(_counter)}"


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    # Span edges include times inside the DST gaps (02:00–03:45) of the zones under test.
    edge = st.sampled_from((0, 90, 150, 170, 180, 225, 480, 540, 720, 780, 1020, 1439)) | (
        st.integers(0, 1439)
    )
    if draw(st.integers(0, 2)) > 0:  # mostly long days, so that many scenarios have free time
        a, b = draw(st.sampled_from(((0, 1439), (150, 1439), (360, 1320), (480, 1200))))
        return WorkingHours((((time(a // 60, a % 60), time(b // 60, b % 60)),),) * 7)
    days = []
    for _ in range(7):
        spans = []
        for _ in range(draw(st.integers(0, 2))):
            a, b = sorted(draw(st.lists(edge, min_size=2, max_size=2, unique=True)))
            spans.append((time(a // 60, a % 60), time(b // 60, b % 60)))
        days.append(tuple(sorted(spans)))
    return WorkingHours(tuple(days))


@st.composite
def calendar_event(draw: st.DrawFn, owner: Employee, window: datetime, span: int) -> CalendarEvent:
    kind = draw(st.sampled_from(("timed", "timed", "timed", "floating", "all-day")))
    offset = draw(st.integers(-40, span // 15 + 40).map(lambda k: k * 15) | st.integers(-600, span))
    minutes = draw(st.sampled_from((15, 30, 45, 60, 90)) | st.integers(1, 600))
    seconds = draw(st.sampled_from((0, 0, 0, 17)))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    if kind == "timed":
        start = (window + timedelta(minutes=offset, seconds=seconds)).astimezone(zone)
        end = start + timedelta(minutes=minutes, seconds=draw(st.sampled_from((0, 0, 30))))
        event_zone: str | None = zone.key
    elif kind == "floating":
        start = (window + timedelta(minutes=offset)).replace(tzinfo=None)
        end = start + timedelta(minutes=minutes)
        event_zone = draw(st.sampled_from((None, None, *ZONES)))
    else:
        first = window.date() + timedelta(days=draw(st.integers(-1, 3)))
        start, end = first, first + timedelta(days=draw(st.integers(1, 2)))
        event_zone = None
    status = draw(st.sampled_from((*ResponseStatus, None)))
    hosted = draw(st.booleans())
    return CalendarEvent(
        summary="Event",
        start=start,
        end=end,
        timezone=event_zone,
        transparency=draw(st.sampled_from((*Transparency, Transparency.BUSY))),
        attendees=(Attendee(owner.email, owner.name, status),) if status else (),
        organizer=owner.email if hosted else "someone@example.com",
        conference_url="https://meet.example/x" if hosted or draw(st.booleans()) else None,
        cancelled=draw(st.integers(0, 9)) == 0,
        uid=_uid(),
    )


@st.composite
def person(draw: st.DrawFn, index: int, window: datetime, span: int) -> Person:
    employee = Employee(
        id=index,
        email=f"p{index}@example.com",
        name=f"P{index}",
        timezone=draw(st.sampled_from(ZONES)),
        working_hours=draw(working_hours()),
    )
    events = draw(st.lists(calendar_event(employee, window, span), max_size=5))
    absences = []
    if draw(st.integers(0, 3)) == 0:
        first = window.date() + timedelta(days=draw(st.integers(-1, 2)))
        absences.append((first, first + timedelta(days=draw(st.integers(0, 2)))))
    holidays = {}
    if draw(st.integers(0, 3)) == 0:
        holidays[window.date() + timedelta(days=draw(st.integers(-1, 3)))] = "Holiday"
    return Person(employee, events, absences, holidays)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    transition = draw(st.sampled_from(TRANSITIONS))
    window_start = transition + timedelta(
        minutes=draw(st.integers(-160, 40).map(lambda k: k * 15) | st.integers(-2400, 600)),
        seconds=draw(st.sampled_from((0, 0, 0, 29))),
    )
    span = draw(st.integers(360, 3 * 1440) | st.integers(60, 360))
    window_end = window_start + timedelta(minutes=span, seconds=draw(st.sampled_from((0, 0, 41))))
    required = [draw(person(i, window_start, span)) for i in range(draw(st.integers(1, 3)))]
    optional = [draw(person(9, window_start, span))] if draw(st.booleans()) else []
    rooms = []
    for i in range(draw(st.integers(0, 3))):
        holder = Employee(90 + i, f"room{i}@x", f"R{i}", "Europe/Amsterdam", WorkingHours.office())
        bookings = draw(st.lists(calendar_event(holder, window_start, span), max_size=4))
        rooms.append((Room(90 + i, f"R{i}", draw(st.integers(1, 8))), bookings))
    everyone = [e for p in required + optional for e in p.events]
    # Interviews are timed events, as Panelist writes them.
    timed = [e for e in everyone if isinstance(e.start, datetime) and e.start.tzinfo]
    interviews = {e.uid for e in timed if draw(st.integers(0, 2)) == 0}
    holidays = {d for p in required for d in p.holidays}
    return Scenario(
        window_start=window_start,
        window_end=window_end,
        now=window_start - timedelta(minutes=draw(st.integers(0, 1440)), seconds=7),
        required=required,
        optional=optional,
        rooms=rooms,
        interviews=interviews,
        duration=draw(st.sampled_from((15, 30, 45, 60, 90, 120)) | st.integers(1, 240)),
        step=draw(st.sampled_from((5, 10, 15, 15, 20, 30, 60))),
        before=draw(st.sampled_from((0, 5, 10, 15)) | st.integers(0, 30)),
        after=draw(st.sampled_from((0, 5, 10, 15)) | st.integers(0, 30)),
        notice=draw(st.sampled_from((0, 0, 30, 300))),
        cap=draw(st.sampled_from((None, None, 1, 2))),
        host=draw(st.sampled_from((None, *range(len(required))))),
        opened=frozenset(d for d in holidays if draw(st.booleans())),
        rule=draw(st.sampled_from(tuple(HoursRule))),
        organiser_zone=draw(st.sampled_from(ZONES)),
        seats=draw(st.sampled_from((None, 1, 3, 6))),
    )


# --------------------------------------------------------------------------- engine


def timeline_window(sc: Scenario) -> tuple[datetime, datetime]:
    margin = timedelta(minutes=60)
    return (
        sc.window_start - timedelta(minutes=sc.before) - margin,
        sc.window_end + timedelta(minutes=sc.after) + margin,
    )


def engine(sc: Scenario) -> tuple[list[int], SlotRequest]:
    start, end = timeline_window(sc)

    def build(p: Person) -> Timeline:
        return person_timeline(
            p.employee,
            p.events,
            start,
            end,
            absences=[Absence(a, b) for a, b in p.absences],
            holidays=p.holidays,
            interview_uids=sc.interviews,
        )

    required = tuple(build(p) for p in sc.required)
    request = SlotRequest(
        required=required,
        optional=tuple(build(p) for p in sc.optional),
        rooms=tuple(
            room_timeline(r, events, start, end, zone="Europe/Amsterdam") for r, events in sc.rooms
        ),
        seats=sc.seats,
        duration=timedelta(minutes=sc.duration),
        window_start=sc.window_start,
        window_end=sc.window_end,
        step=timedelta(minutes=sc.step),
        buffer_before=timedelta(minutes=sc.before),
        buffer_after=timedelta(minutes=sc.after),
        min_notice=timedelta(minutes=sc.notice),
        max_interviews_per_day=sc.cap,
        organiser_zone=sc.organiser_zone,
        candidate_zone="Asia/Kolkata",
        video_host=required[sc.host].key if sc.host is not None else None,
        open_holidays=sc.opened,
        working_hours=sc.rule,
        top=5,
    )
    result = find_slots(request, now=sc.now)
    assert bool(result.ranked) == bool(result.starts)
    assert bool(result.why_nothing_fits) != bool(result.starts)
    return list(result.starts), request


# --------------------------------------------------------------------------- oracle


def floor_minute(instant: datetime) -> int:
    return math.floor(instant.timestamp() / 60)


def ceil_minute(instant: datetime) -> int:
    return math.ceil(instant.timestamp() / 60)


class Minutes:
    """Minute-by-minute facts about one calendar over [lo, hi)."""

    def __init__(self, zone: str, lo: int, hi: int) -> None:
        self.zone, self.lo, self.hi = zone, lo, hi
        self._local: dict[str, list[datetime]] = {}

    def local(self, zone: str | None = None) -> list[datetime]:
        name = zone or self.zone
        if name not in self._local:
            tz = ZoneInfo(name)
            self._local[name] = [
                datetime.fromtimestamp(m * 60, tz).replace(tzinfo=None)
                for m in range(self.lo, self.hi)
            ]
        return self._local[name]

    def covers(self, event: CalendarEvent) -> list[bool]:
        start, end = event.start, event.end
        if isinstance(start, datetime) and start.tzinfo is not None:
            assert isinstance(end, datetime)
            a, b = floor_minute(start), ceil_minute(end)
            return [a <= m < b for m in range(self.lo, self.hi)]
        if isinstance(start, datetime):
            assert isinstance(end, datetime)
            first = start.replace(second=0, microsecond=0)
            return [first <= t < end for t in self.local(event.timezone)]
        return [start <= t.date() < end for t in self.local()]


def prefix(flags: list[bool]) -> list[int]:
    return [0, *accumulate(int(f) for f in flags)]


class PersonOracle:
    def __init__(self, sc: Scenario, p: Person, lo: int, hi: int, hosting: bool) -> None:
        self.lo = lo
        facts = Minutes(p.employee.timezone, lo, hi)
        local = facts.local()
        email = p.employee.email
        hard = [
            any(a <= t.date() <= b for a, b in p.absences)
            or (t.date() in p.holidays and t.date() not in sc.opened)
            for t in local
        ]
        for event in p.events:
            if event.cancelled:
                continue
            status = event.response_of(email)
            opaque = event.transparency is Transparency.BUSY and status not in (
                ResponseStatus.DECLINED,
                ResponseStatus.TENTATIVE,
            )
            hosted = hosting and event.organizer == email and event.conference_url
            if opaque or hosted:
                hard = [h or c for h, c in zip(hard, facts.covers(event), strict=True)]
        hours = p.employee.working_hours.days
        working = [
            any(a <= t.time().replace(second=0) < b for a, b in hours[t.weekday()]) for t in local
        ]
        self.hard, self.working = prefix(hard), prefix(working)
        self.zone = ZoneInfo(p.employee.timezone)
        self.interviews = self._interviews(sc, p, facts)

    def _interviews(self, sc: Scenario, p: Person, facts: Minutes) -> dict[date, int]:
        start, end = timeline_window(sc)
        lo, hi = floor_minute(start), ceil_minute(end)
        counts: dict[date, int] = {}
        for event in p.events:
            status = event.response_of(p.employee.email)
            if (
                event.uid not in sc.interviews
                or event.cancelled
                or event.transparency is Transparency.FREE
                or status is ResponseStatus.DECLINED
            ):
                continue
            if not any(facts_cover_between(event, facts, lo, hi)):
                continue
            day = _start_date(event, self.zone)
            counts[day] = counts.get(day, 0) + 1
        return counts

    def busy(self, a: int, b: int) -> bool:
        return self.hard[b - self.lo] - self.hard[a - self.lo] > 0

    def works(self, a: int, b: int) -> bool:
        return self.working[b - self.lo] - self.working[a - self.lo] == b - a

    def day_of(self, minute: int) -> date:
        return datetime.fromtimestamp(minute * 60, self.zone).date()


def facts_cover_between(event: CalendarEvent, facts: Minutes, lo: int, hi: int) -> list[bool]:
    flags = facts.covers(event)
    return [f for m, f in zip(range(facts.lo, facts.hi), flags, strict=True) if lo <= m < hi]


def _start_date(event: CalendarEvent, zone: ZoneInfo) -> date:
    start = event.start
    if isinstance(start, datetime) and start.tzinfo is not None:
        return datetime.fromtimestamp(floor_minute(start) * 60, zone).date()
    if isinstance(start, datetime):
        return start.date()
    return start


def oracle(sc: Scenario) -> list[int]:
    first = max(ceil_minute(sc.window_start), ceil_minute(sc.now + timedelta(minutes=sc.notice)))
    last = floor_minute(sc.window_end) - sc.duration  # the latest start
    start, end = timeline_window(sc)
    lo, hi = floor_minute(start), ceil_minute(end)
    people = [PersonOracle(sc, p, lo, hi, hosting=sc.host == i) for i, p in enumerate(sc.required)]
    seats = sc.seats or len(sc.required) + len(sc.optional) + 1
    rooms = []
    for room, bookings in sc.rooms:
        if room.capacity < seats:
            continue
        facts = Minutes("Europe/Amsterdam", lo, hi)
        busy = [False] * (hi - lo)
        for event in bookings:
            if not event.cancelled and event.transparency is not Transparency.FREE:
                busy = [x or c for x, c in zip(busy, facts.covers(event), strict=True)]
        rooms.append(prefix(busy))
    organiser = ZoneInfo(sc.organiser_zone)
    found = []
    for t in range(first, last + 1):
        local = datetime.fromtimestamp(t * 60, organiser)
        if (local.hour * 60 + local.minute) % sc.step:
            continue
        if not all(_person_fits(sc, p, t) for p in people):
            continue
        if sc.rooms and not any(r[t + sc.duration - lo] == r[t - lo] for r in rooms):
            continue
        found.append(t)
    return found


def _person_fits(sc: Scenario, p: PersonOracle, t: int) -> bool:
    if p.busy(t - sc.before, t + sc.duration + sc.after):
        return False
    if sc.rule is HoursRule.REQUIRED and not p.works(t, t + sc.duration):
        return False
    return sc.cap is None or p.interviews.get(p.day_of(t), 0) < sc.cap


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(scenarios())
def test_finder_matches_the_minute_by_minute_oracle(sc: Scenario) -> None:
    found, _ = engine(sc)
    assert found == oracle(sc)


@settings(PROPERTY, max_examples=60)
@given(scenarios())
def test_ranked_slots_are_feasible_and_in_score_order(sc: Scenario) -> None:
    _, request = engine(sc)
    result = find_slots(request, now=sc.now)
    starts = set(result.starts)
    assert len(result.ranked) == min(request.top, len(starts))
    assert all(int(s.start.timestamp() // 60) in starts for s in result.ranked)
    keys = [(s.score, s.start) for s in result.ranked]
    assert keys == sorted(keys)
    assert all(s.reasons for s in result.ranked)
    assert [int(s.start.timestamp() // 60) for s in result.feasible] == list(result.starts)


# --------------------------------------------------------------------------- with recurrence

WEEKDAYS_RULES = (
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=2",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=DAILY;COUNT=1000000",
    "FREQ=HOURLY;INTERVAL=5",
)


@st.composite
def series_scenarios(draw: st.DrawFn) -> Scenario:
    sc = draw(scenarios())
    sc.optional, sc.rooms, sc.cap = [], [], None
    for p in sc.required:
        zone = ZoneInfo(p.employee.timezone)
        for _ in range(draw(st.integers(1, 2))):
            since = sc.window_start.date() - timedelta(days=draw(st.integers(1, 60)))
            start = datetime.combine(since, time(draw(st.integers(6, 21)), 0), zone)
            rule = draw(st.sampled_from(WEEKDAYS_RULES))
            end = start + timedelta(minutes=draw(st.integers(15, 120)))
            occurrences = list(
                rrulestr(rule, dtstart=start).between(
                    sc.window_start - timedelta(days=2), sc.window_end + timedelta(days=2), inc=True
                )
            )
            exdates = tuple(occurrences[:1]) if occurrences and draw(st.booleans()) else ()
            master = CalendarEvent(
                summary="Series",
                start=start,
                end=end,
                timezone=zone.key,
                rrule=rule,
                exdates=exdates,
                uid=_uid(),
            )
            p.events.append(master)
            sc.series[master.uid] = [o for o in occurrences if o not in exdates]
    return sc


def expanded_by_dateutil(sc: Scenario) -> Scenario:
    """The scenario with every series replaced by its occurrences, as dateutil computes them."""
    for p in sc.required:
        singles = [e for e in p.events if not e.rrule]
        for e in p.events:
            if e.rrule:
                assert isinstance(e.start, datetime) and isinstance(e.end, datetime)
                length = e.end - e.start
                for o in sc.series[e.uid]:
                    singles.append(
                        CalendarEvent(summary="Series", start=o, end=o + length, uid=e.uid)
                    )
        p.events = singles
    return sc


@settings(PROPERTY, max_examples=50)
@given(series_scenarios())
def test_finder_with_recurring_series_matches_the_oracle(sc: Scenario) -> None:
    found, _ = engine(sc)
    assert found == oracle(expanded_by_dateutil(sc))
