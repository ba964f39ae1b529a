"""Find a time in the calendar grid, by keys, on the demo company at the frozen clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot

from panelist.services.directory import list_employees, list_rooms
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.messages import ChosenTime
from panelist_tui.screens.find_time import FindTimeScreen, RoomPicker
from panelist_tui.widgets.calendar_grid import CalendarGrid

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
