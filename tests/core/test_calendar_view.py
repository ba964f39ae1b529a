"""The calendar grid's data (SPEC §3) read from the demo company's real calendars."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from panelist.errors import ValidationError
from panelist.models import Employee
from panelist.services.calendar_view import GridEvent, load_calendar_view, suggest_slots
from panelist.services.directory import (
    list_employees,
    list_rooms,
    set_setting,
)
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def ws(demo_workspace: Workspace) -> Workspace:
    return demo_workspace


def person(ws: Workspace, name: str) -> Employee:
    return next(e for e in list_employees(ws.db) if e.name == name)


async def test_a_private_event_shows_as_busy_and_never_its_details(ws: Workspace) -> None:
    ana = person(ws, "Ana Silva")
    assert ana.calendar_provider and ana.calendar_id
    raw = await ws.calendar_provider(ana.calendar_provider).list_events(ana.calendar_id, *WEEK)
    private = [e for e in raw if e.private and ws.user.email not in str(e.attendees)]
    assert private, "the demo gives Ana a private appointment this week"
    secret = private[0]

    view = await load_calendar_view(ws, [ana.id], [], *WEEK)
    shown = [e for e in view.events if e.start == secret.start and e.private]
    assert [e.title for e in shown] == ["Busy"]
    assert shown[0].location == ""

    set_setting(ws.db, "show_private_event_names", True)
    view = await load_calendar_view(ws, [ana.id], [], *WEEK)
    shown = [e for e in view.events if e.start == secret.start and e.private]
    assert [e.title for e in shown] == [secret.summary]
    assert shown[0].location == ""
    every_text = repr(view.events)
    for hidden in (secret.description, secret.location, *(a.email for a in secret.attendees)):
        if hidden:
            assert hidden not in every_text


async def test_public_events_show_their_titles(ws: Workspace) -> None:
    view = await load_calendar_view(ws, [person(ws, "Ana Silva").id], [], *WEEK)
    titles = {e.title for e in view.events if not e.private}
    assert titles - {"Busy", "Absent"}


async def test_absences_show_only_as_absent(ws: Workspace) -> None:
    anouk = person(ws, "Anouk Meijer")  # on holiday Wednesday to Friday in the demo
    view = await load_calendar_view(ws, [anouk.id], [], *WEEK)
    absent = [e for e in view.events if e.kind == "absent"]
    assert [e.title for e in absent] == ["Absent"]
    assert absent[0].all_day
    assert absent[0].start.date() == date(2026, 11, 25)
    assert absent[0].end.date() == date(2026, 11, 28)
    assert "holiday" not in repr(view.events).lower()
    assert view.people[0].timeline.absent


async def test_public_holidays_are_in_the_view(ws: Workspace) -> None:
    christmas = (datetime(2026, 12, 21, tzinfo=UTC), datetime(2026, 12, 28, tzinfo=UTC))
    view = await load_calendar_view(ws, [person(ws, "Ana Silva").id], [], *christmas)
    assert date(2026, 12, 25) in view.holidays
    assert date(2026, 12, 26) in view.holidays
    assert view.people[0].timeline.holidays
    week = await load_calendar_view(ws, [person(ws, "Ana Silva").id], [], *WEEK)
    assert week.holidays == {}


async def test_an_opened_holiday_is_free_in_the_grid_and_the_suggestions(ws: Workspace) -> None:
    christmas = date(2026, 12, 25)
    people = [person(ws, "Ana Silva").id, person(ws, "Daan de Vries").id]
    window = (datetime(2026, 12, 21, tzinfo=UTC), datetime(2026, 12, 28, tzinfo=UTC))
    view = await load_calendar_view(ws, people, [], *window)

    def on_christmas(spans: Iterable[tuple[datetime, datetime]]) -> list[datetime]:
        return [a for a, _ in spans if a.astimezone(AMSTERDAM).date() == christmas]

    closed = suggest_slots(ws, view, timedelta(hours=1))
    assert not on_christmas(view.free_spans())
    assert not on_christmas((s.start, s.end) for s in closed.feasible)
    opened = suggest_slots(ws, view, timedelta(hours=1), open_holidays=frozenset({christmas}))
    assert on_christmas(view.free_spans(open_holidays={christmas}))
    assert on_christmas((s.start, s.end) for s in opened.feasible)


async def test_suggestions_give_the_candidates_local_time(ws: Workspace) -> None:
    view = await load_calendar_view(ws, [person(ws, "Ana Silva").id], [], *WEEK)
    result = suggest_slots(ws, view, timedelta(hours=1), candidate_zone="Asia/Kolkata")
    best = result.ranked[0]
    kolkata = best.start.astimezone(ZoneInfo("Asia/Kolkata"))
    assert any(f"{kolkata:%H:%M}" in r and "Kolkata" in r for r in best.reasons)


async def test_a_calendar_that_is_not_integrated_is_flagged(ws: Workspace) -> None:
    chidi, ana = person(ws, "Chidi Okafor"), person(ws, "Ana Silva")
    view = await load_calendar_view(ws, [chidi.id, ana.id], [], *WEEK)
    flags = {p.employee.name: (p.integrated, p.note) for p in view.people}
    assert flags["Chidi Okafor"] == (False, "calendar not integrated")
    assert flags["Ana Silva"] == (True, "")


async def test_an_unreadable_calendar_is_flagged_and_the_others_still_show(ws: Workspace) -> None:
    ana, daan = person(ws, "Ana Silva"), person(ws, "Daan de Vries")
    ws.db.execute("UPDATE employees SET calendar_provider = 'gone' WHERE id = ?", [daan.id])
    view = await load_calendar_view(ws, [ana.id, daan.id], [], *WEEK)
    flags = {p.employee.name: p for p in view.people}
    assert not flags["Daan de Vries"].integrated
    assert flags["Daan de Vries"].note.startswith("calendar could not be read")
    assert any("Daan de Vries's calendar could not be read" in p for p in view.problems)
    assert flags["Ana Silva"].integrated and flags["Ana Silva"].events


async def test_free_rooms_fit_the_panel_and_are_unbooked(ws: Workspace) -> None:
    rooms = list_rooms(ws.db)
    view = await load_calendar_view(ws, [], [r.id for r in rooms], *WEEK)
    start = datetime(2026, 11, 24, 13, tzinfo=UTC)
    free = view.free_rooms(start, start + timedelta(hours=1), seats=3)
    assert free
    assert all(r.room.capacity >= 3 for r in free)
    assert [r.room.capacity for r in free] == sorted(r.room.capacity for r in free)
    for room in free:
        assert not any(e.start < start + timedelta(hours=1) and e.end > start for e in room.events)


async def test_rooms_have_their_bookings(ws: Workspace) -> None:
    rooms = list_rooms(ws.db)
    view = await load_calendar_view(ws, [], [r.id for r in rooms], *WEEK)
    assert len(view.rooms) == len(rooms)
    assert any(room.events for room in view.rooms)
    assert all(room.integrated for room in view.rooms)


async def test_suggestions_for_two_interviewers_with_reasons(ws: Workspace) -> None:
    ana, daan = person(ws, "Ana Silva"), person(ws, "Daan de Vries")
    amstel = next(r for r in list_rooms(ws.db) if r.name == "Amstel")
    view = await load_calendar_view(ws, [ana.id, daan.id], [amstel.id], *WEEK)
    result = suggest_slots(ws, view, timedelta(hours=1), timedelta(minutes=30), [amstel.id])
    assert result.ranked, result.why_nothing_fits
    best = result.ranked[0]
    assert best.start >= NOW
    assert best.reasons and best.rooms == (f"room:{amstel.id}",)
    assert any("Amstel" in reason for reason in best.reasons)
    # The suggested slot lies in a span where both are free and the room too.
    assert any(a <= best.start and best.end <= b for a, b in view.free_spans([amstel.id]))


async def test_why_nothing_fits_when_the_room_is_too_small(ws: Workspace) -> None:
    people = [
        person(ws, n).id for n in ("Ana Silva", "Daan de Vries", "Emma Visser", "Pieter van Dijk")
    ]
    booth = next(r for r in list_rooms(ws.db) if r.name == "Phone booth")
    view = await load_calendar_view(ws, people, [booth.id], *WEEK)
    result = suggest_slots(ws, view, timedelta(hours=1), room_ids=[booth.id])
    assert not result.ranked
    assert any("seats" in reason for reason in result.why_nothing_fits)


async def test_a_window_without_timezone_is_refused(ws: Workspace) -> None:
    with pytest.raises(ValidationError):
        await load_calendar_view(ws, [], [], datetime(2026, 11, 23), datetime(2026, 11, 30))


async def test_an_interview_being_moved_does_not_block_its_own_time(ws: Workspace) -> None:
    """Rescheduling: the interview's own events (participants', room's) count as free."""
    row = ws.db.execute(
        "SELECT id, start_utc, end_utc, room_id FROM interviews WHERE status = 'scheduled'"
        " AND start_utc >= ? AND end_utc <= ? AND room_id IS NOT NULL ORDER BY start_utc",
        [WEEK[0].isoformat(), WEEK[1].isoformat()],
    ).fetchone()
    assert row is not None, "the demo has an interview with a room this week"
    interview_id, start, end, room_id = row
    span = (datetime.fromisoformat(start), datetime.fromisoformat(end))
    people = [
        pid
        for (pid,) in ws.db.execute(
            "SELECT employee_id FROM interview_participants WHERE interview_id = ?",
            [interview_id],
        )
    ]

    def at_its_time(events: Iterable[GridEvent]) -> int:
        return sum((e.start, e.end) == span for e in events)

    held = await load_calendar_view(ws, people, [room_id], *WEEK)
    assert at_its_time(held.events) >= 2, "its participants' and room's events are shown"
    assert not any(s <= span[0] and span[1] <= e for s, e in held.free_spans([room_id]))

    moving = await load_calendar_view(ws, people, [room_id], *WEEK, moving=interview_id)
    assert at_its_time(moving.events) == 0
    # Other interviews' events stay: only this one's are left out.
    assert len(held.events) - len(moving.events) == at_its_time(held.events)
