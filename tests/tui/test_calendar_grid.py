"""Find a time in the calendar grid, by keys, on the demo company at the frozen clock."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Static

from panelist.services.applications import list_applications
from panelist.services.directory import list_employees, list_rooms
from panelist.services.interview_form import candidate_timezone, form_choices
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.messages import ChosenTime
from panelist_tui.screens.find_time import FindTimeScreen, RoomPicker
from panelist_tui.screens.interview_form import InterviewFormScreen
from panelist_tui.widgets.calendar_grid import CalendarGrid, RowTime

pytestmark = pytest.mark.anyio

AMS = ZoneInfo("Europe/Amsterdam")
SIZE = (80, 24)
HOUR = timedelta(hours=1)


def ids(ws: Workspace, *names: str) -> list[int]:
    by_name = {e.name: e.id for e in list_employees(ws.db)}
    return [by_name[name] for name in names]


def room_id(ws: Workspace, name: str) -> int:
    return next(r.id for r in list_rooms(ws.db) if r.name == name)


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_screen(
    pilot: Pilot[None], screen: FindTimeScreen, results: list[ChosenTime | None]
) -> CalendarGrid:
    pilot.app.push_screen(screen, results.append)
    await settle(pilot)
    return screen.query_one(CalendarGrid)


def grid_text(grid: CalendarGrid) -> str:
    return "\n".join(grid.render_line(y).text for y in range(grid.size.height))


def suggestions_text(screen: FindTimeScreen) -> str:
    """The suggestions panel's lines as drawn at its width (all of them, not only those shown)."""
    panel = screen.query_one("#ft-suggestions", Static)
    drawn = io.StringIO()
    Console(width=panel.content_size.width, file=drawn).print(panel.content)
    return drawn.getvalue()


def notifications(app: PanelistApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_keys_move_by_the_step_and_shift_stretches(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    results: list[ChosenTime | None] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva", "Daan de Vries"), HOUR)
        grid = await open_screen(pilot, screen, results)
        start = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)  # now, 09:00 UTC, in Rosa's zone
        assert grid.mode == "week"
        assert grid.selection == (start, start + HOUR)
        await pilot.press("down")
        assert grid.selection[0] == start + timedelta(minutes=30)
        await pilot.press("k", "l")
        assert grid.selection[0] == start + timedelta(days=1)
        await pilot.press("shift+down")
        assert grid.selection == (start + timedelta(days=1), start + timedelta(days=1, hours=1.5))
        await pilot.press("shift+up", "shift+up")
        assert grid.selection[1] - grid.selection[0] == timedelta(minutes=30)
        await pilot.press("h", "j")
        assert grid.selection[0] == start + timedelta(minutes=30)


async def test_day_and_week_views_switch(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva", "Daan de Vries"), HOUR)
        grid = await open_screen(pilot, screen, [])
        before = grid.selection[0]
        await pilot.press("d")
        assert grid.mode == "day"
        assert "Ana Silva" in grid_text(grid) and "Daan de Vries" in grid_text(grid)
        await pilot.press("down")
        assert grid.selection[0] == before + timedelta(minutes=15)
        await pilot.press("w")
        assert grid.mode == "week"
        assert "Tue 24" in grid_text(grid)
        await pilot.press("v")
        assert grid.mode == "day"
        await pilot.press("right_square_bracket")
        assert grid.selection[0].date() == before.date() + timedelta(days=1)
        await pilot.press("t")
        assert grid.selection[0].date() == before.date()


async def test_next_week_loads_and_today_returns(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva"), HOUR)
        grid = await open_screen(pilot, screen, [])
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        assert grid.view is not None
        assert grid.view.start.date() == datetime(2026, 12, 7).date()
        await pilot.press("t")
        await settle(pilot)
        assert grid.view.start.date() == datetime(2026, 11, 23).date()


async def test_n_jumps_to_a_suggestion_and_enter_chooses_it(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    results: list[ChosenTime | None] = []
    amstel = room_id(workspace, "Amstel")
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(
            ids(workspace, "Ana Silva", "Daan de Vries"), HOUR, room_ids=[amstel]
        )
        grid = await open_screen(pilot, screen, results)
        assert screen.result is not None and screen.result.ranked
        await pilot.press("n", "n")
        second = screen.result.ranked[1]
        assert grid.selection == (second.start, second.end)
        await pilot.press("p")
        first = screen.result.ranked[0]
        assert grid.selection == (first.start, first.end)
        await pilot.press("enter")
        await settle(pilot)
    assert results == [ChosenTime(first.start, first.end, amstel)]
    assert first.reasons


async def test_escape_returns_nothing(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    results: list[ChosenTime | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, FindTimeScreen(ids(workspace, "Ana Silva"), HOUR), results)
        await pilot.press("escape")
        await settle(pilot)
    assert results == [None]


async def test_r_lists_free_rooms_and_picks_one(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    results: list[ChosenTime | None] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva", "Daan de Vries"), HOUR)
        await open_screen(pilot, screen, results)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RoomPicker)
        offered = [r.room.name for r in app.screen.rooms]
        assert offered and "Phone booth" not in offered  # 2 seats for three people
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.room_id == app.screen.query_one(CalendarGrid).view.rooms[0].room.id  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
    assert results and results[0] is not None and results[0].room_id is not None


async def test_a_private_event_shows_busy(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva"), HOUR)
        grid = await open_screen(pilot, screen, [])
        await pilot.press("d")
        # Ana's private appointment on Thursday 26 November, 09:30 in Amsterdam.
        thursday = datetime(2026, 11, 26, 9, 30, tzinfo=AMS)
        grid.move_to(thursday)
        await settle(pilot)
        assert "Busy" in grid_text(grid)
        assert grid.view is not None
        private = [e for e in grid.view.events if e.private]
        assert private and {e.title for e in private} == {"Busy"}


async def test_not_integrated_calendar_is_flagged_in_the_grid(workspace: Workspace) -> None:
    app = PanelistApp(workspace, ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Chidi Okafor", "Ana Silva"), HOUR)
        grid = await open_screen(pilot, screen, [])
        await pilot.press("d")
        assert "! Chidi Okafor" in grid_text(grid)


async def test_an_unreadable_calendar_is_a_notification(workspace: Workspace) -> None:
    ana, daan = ids(workspace, "Ana Silva", "Daan de Vries")
    workspace.db.execute("UPDATE employees SET calendar_provider = 'gone' WHERE id = ?", [daan])
    app = PanelistApp(workspace, ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        grid = await open_screen(pilot, FindTimeScreen([ana, daan], HOUR), [])
        messages = [n.message for n in app._notifications]
        assert any("Daan de Vries's calendar could not be read" in m for m in messages)
        await pilot.press("d")
        assert "! Daan de Vries" in grid_text(grid)


async def test_click_and_drag_set_the_span(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        grid = await open_screen(pilot, FindTimeScreen(ids(workspace, "Ana Silva"), HOUR), [])
        await pilot.press("d")
        top_row = grid.top
        y = grid._header_lines + 2  # two 15-minute rows below the first shown
        start = datetime.combine(grid.cursor_day, datetime.min.time(), AMS) + timedelta(
            minutes=(top_row + 2) * 15
        )
        await pilot.mouse_down(grid, offset=(10, y))
        await pilot.hover(grid, offset=(10, y + 3))
        await pilot.mouse_up(grid, offset=(10, y + 3))
        assert grid.selection == (start, start + timedelta(hours=1))
        await pilot.click(grid, offset=(10, y + 1))
        assert grid.selection[0] == start + timedelta(minutes=15)


async def test_suggestions_show_the_candidates_local_time(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    people = ids(workspace, "Ana Silva", "Daan de Vries")
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(people, HOUR, candidate_zone="Asia/Kolkata")
        await open_screen(pilot, screen, [])
        assert screen.result is not None and screen.result.ranked
        first = screen.result.ranked[0]
        kolkata = first.start.astimezone(ZoneInfo("Asia/Kolkata"))
        assert any("for the candidate (Kolkata time" in r for r in first.reasons)
        assert f"candidate {kolkata:%H:%M}" in suggestions_text(screen)
        # A candidate whose clock shows the recruiter's time gets no second time.
        same = FindTimeScreen(people, HOUR, candidate_zone="Europe/Berlin")
        await open_screen(pilot, same, [])
        assert "candidate" not in suggestions_text(same)


async def test_a_candidates_other_weekday_is_named(workspace: Workspace) -> None:
    kiritimati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: from 11:00 in Amsterdam, the next day
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva"), HOUR, candidate_zone=kiritimati.key)
        await open_screen(pilot, screen, [])
        assert screen.result is not None
        slot = next(
            s
            for s in screen.result.ranked
            if s.start.astimezone(kiritimati).date() != s.start.astimezone(AMS).date()
        )
        assert f"candidate {slot.start.astimezone(kiritimati):%a %H:%M}" in suggestions_text(screen)


async def test_the_form_passes_the_candidates_zone(workspace: Workspace) -> None:
    application = next(
        a
        for a in list_applications(workspace)
        if candidate_timezone(workspace, a.id) == "America/New_York"
    )
    app = PanelistApp(workspace)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        app.push_screen(InterviewFormScreen(application.id))
        await settle(pilot)
        app.screen.query_one("#participant-search", Input).focus()
        await pilot.press(*"Ana Sil", "enter")
        await pilot.press("ctrl+f")
        await settle(pilot)
        finder = app.screen
        assert isinstance(finder, FindTimeScreen), finder
        assert finder.candidate_zone == ZoneInfo("America/New_York")


async def test_o_opens_a_public_holiday_and_closes_it_again(workspace: Workspace) -> None:
    christmas = date(2026, 12, 25)  # a Friday, a Dutch public holiday
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva", "Daan de Vries"), HOUR)
        grid = await open_screen(pilot, screen, [])
        await pilot.press("o")  # Monday 23 November: no holiday
        assert notifications(app)[-1] == "Mon 23 Nov is not a public holiday"
        assert not screen.opened
        await pilot.press(*["pagedown"] * 4, *["l"] * 4, "d")
        await settle(pilot)
        assert grid.cursor_day == christmas

        def on_christmas() -> list[datetime]:
            assert screen.result is not None
            return [
                s.start
                for s in screen.result.feasible
                if s.start.astimezone(AMS).date() == christmas
            ]

        assert "Public holiday: Christmas Day" in grid_text(grid)
        assert RowTime.FREE not in grid._row_times[christmas]
        assert not on_christmas()

        await pilot.press("o")
        assert screen.opened == {christmas}
        assert "Public holiday: Christmas Day (opened)" in grid_text(grid)
        assert RowTime.FREE in grid._row_times[christmas]
        assert on_christmas()
        assert notifications(app)[-1] == "Christmas Day (Fri 25 Dec) is open for interviews"

        await pilot.press("o")
        assert not screen.opened
        assert "(opened)" not in grid_text(grid)
        assert RowTime.FREE not in grid._row_times[christmas]
        assert not on_christmas()


async def test_an_opened_holiday_stays_open_in_the_next_load(workspace: Workspace) -> None:
    christmas = date(2026, 12, 25)
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(
            ids(workspace, "Ana Silva"), HOUR, initial=datetime(2026, 12, 25, 10, tzinfo=AMS)
        )
        grid = await open_screen(pilot, screen, [])
        await pilot.press("o", "pagedown")
        await settle(pilot)
        await pilot.press("pageup")
        await settle(pilot)
        assert screen.opened == {christmas}
        assert RowTime.FREE in grid._row_times[christmas]


async def test_the_grid_and_the_form_name_their_zones_when_the_organisers_differs(
    workspace: Workspace,
) -> None:
    """Rosa in Amsterdam books for a job organised from New York: the grid shows Amsterdam
    time and says so, the form New York time and says whose, with Amsterdam's beside it."""
    new_york = ZoneInfo("America/New_York")
    application = next(
        a
        for a in list_applications(workspace)
        if (c := form_choices(workspace, a.id)).default_organiser_id is not None
        and next(o for o in c.organisers if o.id == c.default_organiser_id).timezone == new_york.key
    )
    app = PanelistApp(workspace)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        app.push_screen(InterviewFormScreen(application.id))
        await settle(pilot)
        form = app.screen
        assert isinstance(form, InterviewFormScreen)
        assert form.zone_name == new_york.key
        form.query_one("#participant-search", Input).focus()
        await pilot.press(*"Ana Sil", "enter")
        await pilot.press("ctrl+f")
        await settle(pilot)
        finder = app.screen
        assert isinstance(finder, FindTimeScreen), finder
        grid = finder.query_one(CalendarGrid)
        assert grid.render_line(1).text.startswith(" CET ")  # above the time column
        assert "(Europe/Amsterdam)" in grid.render_line(0).text
        await pilot.press("n")
        await settle(pilot)
        start, end = grid.selection
        zones = str(finder.query_one("#ft-zones", Static).render())
        assert "your zone, Europe/Amsterdam" in zones
        there = f"{start.astimezone(new_york):%H:%M}–{end.astimezone(new_york):%H:%M}"
        assert f"organiser's: {start.astimezone(new_york):%a %d %b} {there}" in zones
        assert "(America/New_York)" in zones
        await pilot.press("enter")
        await settle(pilot)

        assert app.screen is form
        assert form.query_one("#start", Input).value == f"{start.astimezone(new_york):%H:%M}"
        assert str(form.query_one("#zone").render()) == "(America/New_York, organiser)"
        hint = form.query_one("#zone-hint", Static)
        here = f"{start.astimezone(AMS):%H:%M}–{end.astimezone(AMS):%H:%M}"
        assert hint.display and here in str(hint.render())
        assert str(hint.render()).endswith("(Europe/Amsterdam), your zone")


async def test_one_zone_for_both_needs_no_second_name(workspace: Workspace) -> None:
    """The organiser in the viewer's zone: the form and the grid stay as they were."""
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen(ids(workspace, "Ana Silva"), HOUR, organiser_zone=AMS.key)
        await open_screen(pilot, screen, [])
        assert not screen.query_one("#ft-zones", Static).display
