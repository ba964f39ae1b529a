"""Pictures of the calendar grid on the frozen demo clock (Mon 23 Nov 2026, 10:00 in Amsterdam).

Regenerate with ``pytest tests/tui/test_grid_snapshots.py --snapshot-update`` and look at
the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import pytest
from grid_helpers import GridApp, utc, week_of
from textual.pilot import Pilot

from panelist.services.directory import list_employees, list_rooms
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.find_time import FindTimeScreen
from panelist_tui.widgets.calendar_grid import CalendarGrid

SnapCompare = Callable[..., bool]
INTERVIEWERS = ("Ana Silva", "Daan de Vries")


async def settle(pilot: Pilot[None]) -> None:
    """Workers done, animations over, nothing blinking: a picture that never flickers."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def finding_time(
    ws: Workspace, *keys: str, candidate_zone: str | None = None
) -> Callable[[Pilot[None]], Awaitable[None]]:
    by_name = {e.name: e.id for e in list_employees(ws.db)}
    amstel = next(r.id for r in list_rooms(ws.db) if r.name == "Amstel")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        screen = FindTimeScreen(
            [by_name[n] for n in INTERVIEWERS],
            timedelta(hours=1),
            room_ids=[amstel],
            candidate_zone=candidate_zone,
        )
        pilot.app.push_screen(screen)
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_find_time_day_view_80x24(snap_compare: SnapCompare, workspace: Workspace) -> None:
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=finding_time(workspace, "d"))


def test_find_time_day_view_ascii_16_colours_80x24(
    snap_compare: SnapCompare, workspace: Workspace
) -> None:
    app = PanelistApp(workspace, ascii=True, theme="ansi-dark")
    assert snap_compare(app, terminal_size=(80, 24), run_before=finding_time(workspace, "d"))


def test_find_time_week_view_160x48(snap_compare: SnapCompare, workspace: Workspace) -> None:
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=(160, 48), run_before=finding_time(workspace, "n"))


def test_find_time_day_view_suggestion_80x24(
    snap_compare: SnapCompare, workspace: Workspace
) -> None:
    app = PanelistApp(workspace, ascii=False)
    keys = ("d", "n", "n")
    assert snap_compare(app, terminal_size=(80, 24), run_before=finding_time(workspace, *keys))


def test_find_time_week_view_200x50(snap_compare: SnapCompare, workspace: Workspace) -> None:
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=(200, 50), run_before=finding_time(workspace))


def test_find_time_christmas_opened_candidate_in_kolkata_120x40(
    snap_compare: SnapCompare, workspace: Workspace
) -> None:
    """Christmas (Fri 25 Dec) opened with `o`: named "(opened)", free; the candidate's times."""
    app = PanelistApp(workspace, ascii=False)
    keys = (*["pagedown"] * 4, *["l"] * 4, "o")
    run_before = finding_time(workspace, *keys, candidate_zone="Asia/Kolkata")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_grid_spring_forward_week_80x24(snap_compare: SnapCompare) -> None:
    """Sun 28 Mar 2027: 02:00-03:00 is skipped; an event from 01:00 to 04:00 skips it too."""
    sunday = date(2027, 3, 28)
    event = (utc(sunday, 0), utc(sunday, 2), "Over the jump")
    free = [(utc(sunday, 2), utc(sunday, 6))]  # 04:00-08:00 CEST

    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.query_one(CalendarGrid).show(week_of(sunday, [event]), free)
        await settle(pilot)

    app = GridApp(utc(sunday, 0) - timedelta(hours=1))  # the cursor at midnight
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_room_picker(
    snap_compare: SnapCompare, workspace: Workspace, size: tuple[int, int]
) -> None:
    """r on the first suggestion: the rooms free for its span, with their seats."""
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=size, run_before=finding_time(workspace, "n", "r"))
