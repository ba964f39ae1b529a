"""One rule for "busy" (issue 11, item 2): grid, suggestions and re-check always agree.

Lena works in Los Angeles (UTC-8 in November), so her local days are not the
UTC days: an all-day event, a floating time or an absence falls where her zone
says, whatever zone the chosen time is given in (the organiser's, from the
form; UTC, from a moved interview). Each case stores real events in her local
calendar, the room's or a calendar that shares only free/busy (or her absence
in the database) and asks the grid, the finder and the commit-time re-check
about one hour inside her working hours: all three must give the expected answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
import scheduling_helpers as h
from busy_verdicts import Verdicts, verdicts

from panelist.models import Method, WorkingHours
from panelist.providers import Attendee, EventDraft, ResponseStatus, Transparency
from panelist.scheduling import InterviewRequest, ParticipantRequest, SchedulingService, SlotTaken
from panelist.services.directory import set_setting
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio
LA = ZoneInfo("America/Los_Angeles")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # Rosa's, the organiser's; the company's
LENA = "lena@northwind.example"
INTERVIEWER_ROLE = 4


def la(day: int, hour: int) -> datetime:
    """A time in Lena's zone, in the week of the frozen clock (Monday 23 November 2026)."""
    return datetime(2026, 11, day, hour, tzinfo=LA)


WED_10 = la(25, 10)  # 18:00 UTC
WED_16 = la(25, 16)  # 00:00 UTC on Thursday: a UTC day later than Lena's

Setup = Callable[[Workspace], Awaitable[None]]


def add_lena(ws: Workspace, provider: str = "local") -> int:
    roles = dict(ws.db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    return int(
        ws.db.table("employees")
        .insert(
            {
                "email": LENA,
                "name": "Lena Park",
                "timezone": "America/Los_Angeles",
                "working_hours": WorkingHours.office().to_json(),
                "calendar_provider": provider,
                "calendar_id": LENA,
                "company_role_id": roles["Interviewer"],
            }
        )
        .last_pk
    )


def event(start: datetime | date, end: datetime | date, **values: object) -> Setup:
    async def put(ws: Workspace) -> None:
        draft = EventDraft("Planning", start, end, **values)  # type: ignore[arg-type]
        await ws.calendar_provider("local").create_event(LENA, draft, f"event-{start}")

    return put


def answered(status: ResponseStatus, start: datetime = WED_10) -> Setup:
    return event(start, start + timedelta(hours=1), attendees=(Attendee(LENA, status=status),))


def deleted(start: datetime) -> Setup:
    async def put(ws: Workspace) -> None:
        local = ws.calendar_provider("local")
        made = await local.create_event(
            LENA, EventDraft("Planning", start, start + timedelta(hours=1)), "gone"
        )
        await local.delete_event(LENA, made.uid)

    return put


def absent(first: date, last: date) -> Setup:
    async def put(ws: Workspace) -> None:
        ws.db.table("absences").insert(
            {
                "employee_id": _lena_id(ws),
                "kind": "sick",
                "start_date": first.isoformat(),
                "end_date": last.isoformat(),
            }
        )

    return put


def unreadable_row() -> Setup:
    """A row of the local calendar that is not an event (edited by hand): its times are unknown."""

    async def put(ws: Workspace) -> None:
        await event(WED_10, WED_10 + timedelta(hours=1))(ws)
        ws.db.execute(
            "UPDATE local_events SET data = ? WHERE calendar_id = ?", ["{half an event", LENA]
        )

    return put


def _lena_id(ws: Workspace) -> int:
    return int(ws.db.execute("SELECT id FROM employees WHERE email = ?", [LENA]).fetchone()[0])


DAILY_FROM_MONDAY = {"rrule": "FREQ=DAILY;COUNT=5"}
# Too costly to expand: a placeholder that blocks the span of its first occurrence.
EVERY_SECOND = {"rrule": "FREQ=SECONDLY"}

CASES = [
    pytest.param(answered(ResponseStatus.NEEDS_ACTION), WED_10, True, id="awaiting-answer"),
    pytest.param(answered(ResponseStatus.ACCEPTED), WED_10, True, id="accepted"),
    pytest.param(answered(ResponseStatus.DECLINED), WED_10, False, id="declined-by-her"),
    pytest.param(answered(ResponseStatus.TENTATIVE), WED_10, False, id="answered-maybe"),
    pytest.param(
        event(WED_10, la(25, 11), transparency=Transparency.TENTATIVE),
        WED_10,
        False,
        id="tentative",
    ),
    pytest.param(
        event(WED_10, la(25, 11), transparency=Transparency.FREE),
        WED_10,
        False,
        id="transparent",
    ),
    pytest.param(deleted(WED_10), WED_10, False, id="cancelled"),
    pytest.param(event(la(23, 10), la(23, 11), **DAILY_FROM_MONDAY), WED_10, True, id="occurrence"),
    pytest.param(
        event(la(23, 10), la(23, 11), exdates=(WED_10,), **DAILY_FROM_MONDAY),
        WED_10,
        False,
        id="cancelled-occurrence",
    ),
    pytest.param(event(date(2026, 11, 25), date(2026, 11, 26)), WED_16, True, id="all-day"),
    pytest.param(
        event(date(2026, 11, 26), date(2026, 11, 27)), WED_16, False, id="all-day-next-day"
    ),
    pytest.param(
        event(date(2026, 11, 23), date(2026, 11, 26)), WED_16, True, id="multi-day-all-day"
    ),
    pytest.param(event(la(24, 12), la(26, 12)), WED_10, True, id="multi-day"),
    pytest.param(
        event(datetime(2026, 11, 25, 10), datetime(2026, 11, 25, 11)),
        WED_10,
        True,
        id="floating-her-10",
    ),
    pytest.param(
        event(datetime(2026, 11, 25, 18), datetime(2026, 11, 25, 19)),
        WED_10,
        False,
        id="floating-her-18",
    ),
    pytest.param(absent(date(2026, 11, 25), date(2026, 11, 25)), WED_16, True, id="absent"),
    pytest.param(
        absent(date(2026, 11, 26), date(2026, 11, 27)), WED_16, False, id="absent-next-day"
    ),
    pytest.param(
        event(la(23, 10), WED_10 + timedelta(hours=1), **EVERY_SECOND),
        WED_10,
        True,
        id="unreadable-known-span",
    ),
    pytest.param(
        event(la(23, 10), la(23, 11), **EVERY_SECOND),
        WED_10,
        False,
        id="unreadable-elsewhere",
    ),
    pytest.param(unreadable_row(), WED_10, False, id="unreadable-times-unknown"),
]


def interview(lena: int, start: datetime, room: str | None = None) -> InterviewRequest:
    return InterviewRequest(
        application_id=1,
        organiser_id=h.employee_id("rosa"),
        participants=(ParticipantRequest(lena, INTERVIEWER_ROLE),),
        start=start,
        end=start + timedelta(hours=1),
        method=Method.IN_PERSON,
        type_id=1,
        room_id=h.room_id(room) if room else None,
    )


# The form gives times in the organiser's zone; a moved interview's come from storage in UTC.
GIVEN_IN = [pytest.param(AMSTERDAM, id="amsterdam"), pytest.param(UTC, id="utc")]


@pytest.mark.parametrize("zone", GIVEN_IN)
@pytest.mark.parametrize(("setup", "start", "busy"), CASES)
async def test_grid_finder_and_recheck_agree(
    service: SchedulingService, setup: Setup, start: datetime, busy: bool, zone: tzinfo
) -> None:
    lena = add_lena(service.ws)
    await setup(service.ws)
    request = interview(lena, start.astimezone(zone))
    assert await verdicts(service, request) == Verdicts.all(busy)


def booking(start: datetime | date, end: datetime | date, **values: object) -> Setup:
    async def put(ws: Workspace) -> None:
        draft = EventDraft("Board", start, end, **values)  # type: ignore[arg-type]
        await ws.calendar_provider("local").create_event("room:amstel", draft, f"room-{start}")

    return put


WED_15 = la(25, 15)  # 23:00 UTC: Thursday already in Amsterdam, the company's zone

ROOM_CASES = [
    pytest.param(booking(WED_10, la(25, 11)), WED_10, True, id="booked"),
    pytest.param(
        booking(WED_10, la(25, 11), transparency=Transparency.TENTATIVE),
        WED_10,
        True,
        id="tentative-booking-holds-it",
    ),
    pytest.param(
        booking(WED_10, la(25, 11), transparency=Transparency.FREE),
        WED_10,
        False,
        id="transparent-booking",
    ),
    pytest.param(
        booking(date(2026, 11, 26), date(2026, 11, 27)), WED_15, True, id="all-day-company-day"
    ),
    pytest.param(
        booking(date(2026, 11, 25), date(2026, 11, 26)), WED_15, False, id="all-day-day-before"
    ),
]


@pytest.mark.parametrize("zone", GIVEN_IN)
@pytest.mark.parametrize(("setup", "start", "taken"), ROOM_CASES)
async def test_grid_finder_and_recheck_agree_on_the_room(
    service: SchedulingService, setup: Setup, start: datetime, taken: bool, zone: tzinfo
) -> None:
    """A room's all-day booking covers the company's local day (rooms have no zone of their own)."""
    lena = add_lena(service.ws)
    await setup(service.ws)
    request = interview(lena, start.astimezone(zone), room="amstel")
    assert await verdicts(service, request) == Verdicts.all(taken)


BUSY_ONLY_CASES = [
    pytest.param(event(WED_10, la(25, 11)), True, id="busy"),
    pytest.param(
        event(WED_10, la(25, 11), transparency=Transparency.TENTATIVE), False, id="tentative"
    ),
    pytest.param(
        event(WED_10, la(25, 11), transparency=Transparency.FREE), False, id="transparent"
    ),
]


@pytest.mark.parametrize(("setup", "busy"), BUSY_ONLY_CASES)
async def test_a_calendar_that_shares_only_free_busy(
    service: SchedulingService, setup: Setup, busy: bool
) -> None:
    """Its busy times are read as events without details, by the grid as by the re-check."""
    lena = add_lena(service.ws, provider="busyonly")
    await setup(service.ws)  # kept where the busy-only calendar keeps its events
    assert await verdicts(service, interview(lena, WED_10)) == Verdicts.all(busy)


async def test_the_refusal_says_when_in_the_interviews_zone(service: SchedulingService) -> None:
    """Each blocking event once, by its time in the organiser's zone (never its title)."""
    lena = add_lena(service.ws)
    for setup in (
        event(date(2026, 11, 25), date(2026, 11, 26)),  # all day on her Wednesday
        event(la(24, 12), la(26, 12)),  # until Thursday 21:00 in Amsterdam
        event(la(25, 15), la(25, 17)),  # 00:00–02:00 on Thursday in Amsterdam
        absent(date(2026, 11, 25), date(2026, 11, 25)),
    ):
        await setup(service.ws)
    with pytest.raises(SlotTaken) as caught:
        await service.invite(interview(lena, WED_16.astimezone(AMSTERDAM)))  # Thu 01:00
    assert caught.value.busy == (
        "Lena Park is busy until 21:00, all day, 00:00–02:00",
        "Lena Park is absent",
    )
    assert "Planning" not in str(caught.value)


async def test_a_public_holiday_is_the_recruiters_to_open(service: SchedulingService) -> None:
    """The grid and the finder keep a holiday closed until the recruiter opens it (SPEC §3);
    the re-check books a time chosen on it, as that choice is the override."""
    set_setting(service.ws.db, "holiday_country", "US")
    lena = add_lena(service.ws)
    thanksgiving = frozenset({date(2026, 11, 26)})
    closed = await verdicts(service, interview(lena, la(26, 10)))
    assert closed == Verdicts(grid=True, finder=True, recheck=False)
    opened = await verdicts(service, interview(lena, la(26, 13)), open_holidays=thanksgiving)
    assert opened == Verdicts.all(False)


async def test_working_hours_are_the_recruiters_to_leave(service: SchedulingService) -> None:
    """The grid highlights and the finder suggests only working time; a time the recruiter
    chose before her day starts is booked (working hours are no hard rule at commit)."""
    lena = add_lena(service.ws)
    early = await verdicts(service, interview(lena, la(25, 7)))
    assert early == Verdicts(grid=True, finder=True, recheck=False)
