"""Six weeks of calendar life: routines, meetings, focus time, trips, absences, room bookings.

Everything is planned in memory against a `BusyMap` first (so nobody is
double-booked and interviews land in free time), then written through the
calendar provider in one batch per calendar.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlite_utils import Database

from panelist.demo import data
from panelist.demo.company import Company, DemoEmployee, DemoRoom, insert_rows
from panelist.demo.times import BusyMap, Window, at, days, hhmm, work_start, workdays, works
from panelist.providers.events import Attendee, EventDraft, ResponseStatus, Transparency

FACILITIES = f"facilities@{data.EMAIL_DOMAIN}"


def person_key(employee: DemoEmployee) -> str:
    return f"e{employee.id}"


def room_key(room: DemoRoom) -> str:
    return f"r{room.id}"


@dataclass(frozen=True)
class EventWrite:
    calendar_id: str
    draft: EventDraft
    key: str  # the idempotency key the provider is given


@dataclass(frozen=True)
class Absence:
    employee: DemoEmployee
    kind: str
    first: date
    last: date  # inclusive


class CalendarPlan:
    """The events to write, and who is busy when while they are being planned."""

    def __init__(self, company: Company, window: Window, rng: random.Random) -> None:
        self.company = company
        self.window = window
        self.rng = rng
        self.busy = BusyMap()
        self.writes: list[EventWrite] = []
        self._counter = 0

    def add(self, calendar_id: str, draft: EventDraft, key: str | None = None) -> str:
        if key is None:
            self._counter += 1
            key = f"demo-event-{self._counter:05d}"
        self.writes.append(EventWrite(calendar_id, draft, key))
        return key

    def add_for(self, person: DemoEmployee, draft: EventDraft) -> None:
        if person.calendar_id is None:
            raise ValueError(f"{person.name} has no calendar to write to")
        self.add(person.calendar_id, draft)

    def available(self, people: Sequence[DemoEmployee], start: datetime, end: datetime) -> bool:
        """Everyone works then and nobody has something else."""
        return all(works(p.hours, p.zone, start, end) for p in people) and self.busy.free(
            [person_key(p) for p in people], start, end
        )

    def find_time(
        self,
        people: Sequence[DemoEmployee],
        day_choices: Sequence[date],
        minutes: int,
        room: DemoRoom | None = None,
    ) -> datetime | None:
        """A random half-hour-aligned start, in the first person's day, when all can meet."""
        lead = people[0]
        spans = [(d, span) for d in day_choices for span in lead.hours.days[d.weekday()]]
        starts = []
        for day, (begin, finish) in spans:
            cursor = at(day, begin, lead.zone)
            while cursor + timedelta(minutes=minutes) <= at(day, finish, lead.zone):
                starts.append(cursor)
                cursor += timedelta(minutes=30)
        self.rng.shuffle(starts)
        duration = timedelta(minutes=minutes)
        for start in starts:
            if self.available(people, start, start + duration) and (
                room is None or self.busy.free([room_key(room)], start, start + duration)
            ):
                return start
        return None

    def meeting(
        self,
        summary: str,
        start: datetime,
        end: datetime,
        organiser: DemoEmployee,
        attendees: Sequence[DemoEmployee],
        room: DemoRoom | None = None,
    ) -> None:
        """A shared meeting: a copy in every attendee's calendar (and the room's), as providers
        show it; each copy carries everyone's response and blocks time by its owner's answer."""
        people = [organiser, *(a for a in attendees if a.id != organiser.id)]
        responses = {p.id: self._response() for p in people}
        responses[organiser.id] = ResponseStatus.ACCEPTED
        guest_list = tuple(
            Attendee(
                p.email, p.name, responses[p.id] if p.calendar_id else ResponseStatus.NEEDS_ACTION
            )
            for p in people
        )
        base = EventDraft(
            summary=summary,
            start=start,
            end=end,
            timezone=organiser.zone,
            location=room.spec.name if room else "",
            private=False,
            attendees=guest_list,
            organizer=organiser.email,
        )
        for person in people:
            if person.calendar_id:
                answer = responses[person.id]
                self.add(person.calendar_id, _with_transparency(base, answer))
        if room is not None:
            self.add(room.calendar_id, base)
            self.busy.book([room_key(room)], start, end)
        self.busy.book([person_key(p) for p in people], start, end)

    def _response(self) -> ResponseStatus:
        return self.rng.choices(
            (
                ResponseStatus.ACCEPTED,
                ResponseStatus.TENTATIVE,
                ResponseStatus.DECLINED,
                ResponseStatus.NEEDS_ACTION,
            ),
            weights=(65, 12, 8, 15),
        )[0]

    def free_room(
        self, zone_name: str, seats: int, start: datetime, end: datetime
    ) -> DemoRoom | None:
        """The smallest free room in an office that seats everyone."""
        fitting = sorted(
            (
                r
                for r in self.company.rooms
                if r.spec.zone == zone_name and r.spec.capacity >= seats
            ),
            key=lambda r: r.spec.capacity,
        )
        return next((r for r in fitting if self.busy.free([room_key(r)], start, end)), None)


def _with_transparency(draft: EventDraft, answer: ResponseStatus) -> EventDraft:
    """A declined copy no longer blocks its owner; a "maybe" blocks softly."""
    if answer is ResponseStatus.DECLINED:
        return replace(draft, transparency=Transparency.FREE)
    if answer is ResponseStatus.TENTATIVE:
        return replace(draft, transparency=Transparency.TENTATIVE)
    return draft


def teams(company: Company) -> list[list[DemoEmployee]]:
    """Integrated people by department and office, in cast order; the first one leads."""
    grouped: dict[tuple[str, str], list[DemoEmployee]] = {}
    for employee in company.integrated:
        grouped.setdefault((employee.person.department, employee.zone), []).append(employee)
    return list(grouped.values())


def manager_of(company: Company, employee: DemoEmployee) -> DemoEmployee | None:
    """The department's hiring manager (or lead recruiter); they and the rest report to the CEO."""
    ceo = company.employees[0]
    if employee.id == ceo.id:
        return None
    lead_role = "Recruiter" if employee.person.department == "People" else "Hiring manager"
    leads = [
        e
        for e in company.employees
        if e.person.department == employee.person.department and e.person.role == lead_role
    ]
    if leads and leads[0].id != employee.id:
        return leads[0]
    return ceo


# --- absences and public holidays -------------------------------------------------------


# (days after this Monday, length in days, kind); the first lands on today.
_ABSENCE_PLAN = (
    (None, 1, "sick"),
    (-6, 2, "holiday"),
    (-3, 1, "sick"),
    (2, 3, "holiday"),
    (7, 5, "holiday"),
    (8, 1, "training"),
    (14, 28, "parental_leave"),
    (21, 2, "holiday"),
    (10, 2, "holiday"),
)


def plan_absences(plan: CalendarPlan) -> list[Absence]:
    company, window = plan.company, plan.window
    protected = (data.RECRUITER_ON_OS_ACCOUNT, company.employees[0].name)
    pool = [e for e in company.employees if e.name not in protected]
    people = plan.rng.sample(pool, len(_ABSENCE_PLAN))
    absences = []
    for person, (offset, length, kind) in zip(people, _ABSENCE_PLAN, strict=True):
        first = window.today if offset is None else window.this_monday + timedelta(days=offset)
        absences.append(Absence(person, kind, first, first + timedelta(days=length - 1)))
    rosa = company.employee(data.RECRUITER_ON_OS_ACCOUNT)
    friday_in_three_weeks = window.this_monday + timedelta(days=25)
    absences.append(Absence(rosa, "holiday", friday_in_three_weeks, friday_in_three_weeks))
    for absence in absences:
        plan.busy.block_local_days(
            person_key(absence.employee), absence.first, absence.last, absence.employee.zone
        )
    return absences


def insert_absences(db: Database, absences: Sequence[Absence]) -> None:
    insert_rows(
        db,
        "absences",
        [
            {
                "id": i,
                "employee_id": a.employee.id,
                "kind": a.kind,
                "start_date": a.first.isoformat(),
                "end_date": a.last.isoformat(),
            }
            for i, a in enumerate(absences, start=1)
        ],
    )


def block_public_holidays(plan: CalendarPlan, holidays_nl: Sequence[date]) -> None:
    """Dutch offices do not meet on Dutch public holidays."""
    for employee in plan.company.employees:
        if employee.zone == data.AMSTERDAM:
            for day in holidays_nl:
                plan.busy.block_local_days(person_key(employee), day, day, employee.zone)


# --- recurring routines -----------------------------------------------------------------

_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _until(window: Window) -> str:
    return datetime.combine(window.end, time(0), tzinfo=UTC).strftime("%Y%m%dT%H%M%SZ")


def _book_series(
    plan: CalendarPlan,
    keys: Sequence[str],
    first: datetime,
    minutes: int,
    weekdays: Sequence[int],
    every_weeks: int = 1,
    skip: Sequence[date] = (),
) -> None:
    """Block every occurrence of a weekly series inside the window."""
    zone_name = str(first.tzinfo)
    first_monday = first.date() - timedelta(days=first.weekday())
    for day in days(first.date(), plan.window.end):
        week = (day - first_monday).days // 7
        if day.weekday() in weekdays and week % every_weeks == 0 and day not in skip:
            start = at(day, first.time(), zone_name)
            plan.busy.book(keys, start, start + timedelta(minutes=minutes))


def plan_standups(plan: CalendarPlan, holidays_nl: Sequence[date]) -> None:
    """Each team's daily stand-up: a series with RRULE, minus a cancelled day (EXDATE)."""
    window, rng = plan.window, plan.rng
    for members in teams(plan.company):
        if len(members) < 2:
            continue
        lead = members[0]
        latest = max(work_start(m.hours) for m in members)
        when = (datetime.combine(window.start, latest) + timedelta(minutes=15)).time()
        skipped = [rng.choice(workdays(window.this_monday, window.this_monday + timedelta(14)))]
        if lead.zone == data.AMSTERDAM:
            skipped += [d for d in holidays_nl if window.start <= d < window.end]
        first = at(window.start, when, lead.zone)
        series = EventDraft(
            summary=f"{lead.person.department} stand-up",
            start=first,
            end=first + timedelta(minutes=15),
            timezone=lead.zone,
            private=False,
            attendees=tuple(Attendee(m.email, m.name, ResponseStatus.ACCEPTED) for m in members),
            organizer=lead.email,
            rrule=f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL={_until(window)}",
            exdates=tuple(at(d, when, lead.zone) for d in skipped),
        )
        for member in members:
            plan.add_for(member, series)
        keys = [person_key(m) for m in members]
        _book_series(plan, keys, first, 15, range(5), skip=skipped)
        if len(members) >= 6:
            _offsite(plan, members, skipped[0])


def _offsite(plan: CalendarPlan, members: Sequence[DemoEmployee], day: date) -> None:
    """The day the big team's stand-up is skipped, they are away together (all-day)."""
    draft = EventDraft(
        summary=f"{members[0].person.department} offsite",
        start=day,
        end=day + timedelta(days=1),
        location="De Hallen, Amsterdam",
        private=False,
        organizer=members[0].email,
        attendees=tuple(Attendee(m.email, m.name, ResponseStatus.ACCEPTED) for m in members),
    )
    for member in members:
        plan.add_for(member, draft)
        plan.busy.block_local_days(person_key(member), day, day, member.zone)


_ONE_ON_ONE_TIMES = ("16:00", "15:30", "11:00", "11:30", "10:30", "14:00", "14:30", "13:30")


def plan_one_on_ones(plan: CalendarPlan) -> None:
    """Weekly (some fortnightly) 1:1s with one's manager: open-ended series."""
    company = plan.company
    for index, report in enumerate(company.employees):
        manager = manager_of(company, report)
        if manager is None or not (manager.calendar_id or report.calendar_id):
            continue
        every = 2 if index % 4 == 3 else 1
        first = _weekly_slot(plan, [manager, report], index, every)
        if first is None:
            continue
        weekday = _BYDAY[first.weekday()]
        interval = f"INTERVAL={every};" if every > 1 else ""
        draft = EventDraft(
            summary=f"1:1 {manager.name.split()[0]} / {report.name.split()[0]}",
            start=first,
            end=first + timedelta(minutes=30),
            timezone=manager.zone,
            private=False,
            attendees=(
                Attendee(manager.email, manager.name, ResponseStatus.ACCEPTED),
                Attendee(report.email, report.name, ResponseStatus.ACCEPTED),
            ),
            organizer=manager.email,
            rrule=f"FREQ=WEEKLY;{interval}BYDAY={weekday}",
        )
        for person in (manager, report):
            if person.calendar_id:
                plan.add(person.calendar_id, draft)
        keys = [person_key(manager), person_key(report)]
        _book_series(plan, keys, first, 30, [first.weekday()], every)


def _weekly_slot(
    plan: CalendarPlan, pair: Sequence[DemoEmployee], index: int, every: int
) -> datetime | None:
    """A weekday and time, in the manager's zone, free for both in every week of the window."""
    manager = pair[0]
    for shift in range(5):
        weekday = (index + shift) % 5
        day = plan.window.start + timedelta(days=weekday)
        for text in _ONE_ON_ONE_TIMES:
            first = at(day, hhmm(text), manager.zone)
            if not plan.available(pair, first, first + timedelta(minutes=30)):
                continue
            if _free_every_week(plan, pair, first, every):
                return first
    return None


def _free_every_week(
    plan: CalendarPlan, pair: Sequence[DemoEmployee], first: datetime, every: int
) -> bool:
    keys = [person_key(p) for p in pair]
    zone_name = str(first.tzinfo)
    for week in range(0, plan.window.weeks, every):
        start = at(first.date() + timedelta(weeks=week), first.time(), zone_name)
        if not plan.busy.free(keys, start, start + timedelta(minutes=30)):
            return False
    return True


def plan_lunches(plan: CalendarPlan) -> None:
    """About half the people block lunch: a series shown as free (transparent)."""
    window, rng = plan.window, plan.rng
    for person in plan.company.integrated:
        workdays_ = [i for i, spans in enumerate(person.hours.days) if _covers_noon(spans)]
        if not workdays_ or rng.random() < 0.5:
            continue
        when = hhmm(rng.choice(("12:00", "12:30")))
        first_day = window.start + timedelta(days=workdays_[0])
        first = at(first_day, when, person.zone)
        byday = ",".join(_BYDAY[i] for i in workdays_)
        plan.add_for(
            person,
            EventDraft(
                summary="Lunch",
                start=first,
                end=first + timedelta(minutes=30),
                timezone=person.zone,
                private=False,
                transparency=Transparency.FREE,
                rrule=f"FREQ=WEEKLY;BYDAY={byday};UNTIL={_until(window)}",
            ),
        )
        _book_series(plan, [person_key(person)], first, 30, workdays_)


def _covers_noon(spans: Sequence[tuple[time, time]]) -> bool:
    return any(s <= time(12) and time(13) <= e for s, e in spans)


# --- special events: conference, trips, on-call, working from home ----------------------


def plan_specials(plan: CalendarPlan) -> None:
    company, window, rng = plan.company, plan.window, plan.rng
    _conference(plan)
    ceo = company.employees[0]
    tuesday = window.this_monday + timedelta(days=1)
    trip_start = at(tuesday, hhmm("07:30"), ceo.zone)
    trip_end = at(tuesday + timedelta(days=2), hhmm("20:00"), ceo.zone)
    trip = "Trip to the London office"
    _single(plan, ceo, trip, trip_start, trip_end, busy=True, location="London, Shoreditch")
    on_call = next(
        e
        for e in company.integrated
        if (e.zone, e.person.department) == (data.LONDON, "Engineering")
    )
    friday = window.this_monday + timedelta(days=4)
    weekend = (
        at(friday, hhmm("18:00"), on_call.zone),
        at(friday + timedelta(days=3), hhmm("09:00"), on_call.zone),
    )
    _single(plan, on_call, "On call (weekend)", *weekend, busy=False)
    for person in rng.sample(company.integrated, 4):
        day = rng.choice(workdays(window.this_monday, window.end))
        _single(plan, person, "Working from home", day, day + timedelta(days=1), busy=False)


def _conference(plan: CalendarPlan) -> None:
    """Three people at a conference for three days: a multi-day all-day event."""
    window, rng = plan.window, plan.rng
    pool = [
        e
        for e in plan.company.integrated
        if e.zone == data.AMSTERDAM
        and e.person.department in ("Engineering", "Design", "Data")
        and e.person.role == "Interviewer"
    ]
    first = window.this_monday + timedelta(days=8)  # Tuesday next week
    name = rng.choice(data.CONFERENCES)
    for person in rng.sample(pool, 3):
        draft = EventDraft(
            summary=f"Conference: {name}",
            start=first,
            end=first + timedelta(days=3),
            location="RAI Amsterdam",
            private=False,
        )
        plan.add_for(person, draft)
        last = first + timedelta(days=2)
        plan.busy.block_local_days(person_key(person), first, last, person.zone)


def _single(
    plan: CalendarPlan,
    person: DemoEmployee,
    summary: str,
    start: datetime | date,
    end: datetime | date,
    busy: bool,
    location: str = "",
    private: bool = False,
) -> None:
    plan.add_for(
        person,
        EventDraft(
            summary=summary,
            start=start,
            end=end,
            timezone=person.zone if isinstance(start, datetime) else None,
            location=location,
            private=private,
            transparency=Transparency.BUSY if busy else Transparency.FREE,
        ),
    )
    if busy and isinstance(start, datetime) and isinstance(end, datetime):
        plan.busy.book([person_key(person)], start, end)


# --- the week's one-off events ----------------------------------------------------------


def plan_weeks(plan: CalendarPlan) -> None:
    for week in range(plan.window.weeks):
        monday = plan.window.week(week)
        week_days = workdays(monday, monday + timedelta(days=7))
        _team_meetings(plan, week, week_days)
        for person in plan.company.integrated:
            _small_meetings(plan, person, week_days)
            _focus_blocks(plan, person, week_days)
            _private_appointment(plan, person, week_days)
        for room in plan.company.rooms:
            _room_bookings(plan, room, week_days)


def _team_meetings(plan: CalendarPlan, week: int, week_days: Sequence[date]) -> None:
    """One team meeting a week, at a time most of the team can make."""
    for members in teams(plan.company):
        if len(members) < 3:
            continue
        lead, quorum = members[0], max(2, (len(members) * 2 + 2) // 3)
        for _attempt in range(6):
            start = plan.find_time([lead], week_days, 60)
            if start is None:
                break
            end = start + timedelta(hours=1)
            present = [m for m in members if plan.available([m], start, end)]
            if len(present) >= quorum:
                room = plan.free_room(lead.zone, len(present), start, end)
                title = data.TEAM_MEETINGS[week % len(data.TEAM_MEETINGS)]
                plan.meeting(title, start, end, lead, present, room)
                break


def _colleagues(plan: CalendarPlan, person: DemoEmployee) -> list[DemoEmployee]:
    """Colleagues in reach: the same region, own department first."""
    nearby = [e for e in plan.company.employees if e.region == person.region and e.id != person.id]
    own = [e for e in nearby if e.person.department == person.person.department]
    return own if own and plan.rng.random() < 0.6 else nearby


def _small_meetings(plan: CalendarPlan, person: DemoEmployee, week_days: Sequence[date]) -> None:
    rng = plan.rng
    for _ in range(rng.randint(2, 3)):
        pool = _colleagues(plan, person)
        others = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2, 3))))
        minutes = rng.choice((30, 30, 45, 60))
        day = [rng.choice(week_days)]
        for count in range(len(others), 0, -1):
            group = [person, *others[:count]]
            start = plan.find_time(group, day, minutes)
            if start is not None:
                end = start + timedelta(minutes=minutes)
                room = plan.free_room(person.zone, len(group), start, end)
                room = room if rng.random() < 0.3 else None
                title = rng.choice(data.MEETING_TITLES)
                if count == 1 and title in ("Sync", "Coffee chat"):
                    title = f"{title} with {others[0].name.split()[0]}"
                plan.meeting(title, start, end, person, group, room)
                break


def _focus_blocks(plan: CalendarPlan, person: DemoEmployee, week_days: Sequence[date]) -> None:
    for _ in range(plan.rng.randint(1, 2)):
        start = plan.find_time([person], [plan.rng.choice(week_days)], 120)
        if start is not None:
            _single(plan, person, "Focus time", start, start + timedelta(hours=2), busy=True)


def _private_appointment(
    plan: CalendarPlan, person: DemoEmployee, week_days: Sequence[date]
) -> None:
    rng = plan.rng
    if rng.random() > 0.35:
        return
    minutes = rng.choice((30, 60, 90))
    start = plan.find_time([person], [rng.choice(week_days)], minutes)
    if start is not None:
        title = rng.choice(data.PRIVATE_TITLES)
        end = start + timedelta(minutes=minutes)
        _single(plan, person, title, start, end, busy=True, private=True)


def _room_bookings(plan: CalendarPlan, room: DemoRoom, week_days: Sequence[date]) -> None:
    """Bookings made outside Panelist: a client visit, a workshop."""
    rng = plan.rng
    for _ in range(rng.randint(2, 4)):
        minutes = rng.choice((60, 90, 120))
        day = rng.choice(week_days)
        starts = [at(day, time(hour), room.spec.zone) for hour in range(9, 17 - minutes // 60)]
        rng.shuffle(starts)
        for start in starts:
            end = start + timedelta(minutes=minutes)
            if plan.busy.free([room_key(room)], start, end):
                plan.add(
                    room.calendar_id,
                    EventDraft(
                        summary=rng.choice(data.ROOM_BOOKINGS),
                        start=start,
                        end=end,
                        timezone=room.spec.zone,
                        location=room.spec.name,
                        private=False,
                        organizer=FACILITIES,
                    ),
                )
                plan.busy.book([room_key(room)], start, end)
                break
