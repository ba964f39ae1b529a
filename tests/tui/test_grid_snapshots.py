"""Pictures of the calendar grid on the frozen demo clock (Mon 23 Nov 2026, 10:00 in Amsterdam).

Regenerate with ``pytest tests/tui/test_grid_snapshots.py --snapshot-update`` and look at
the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from textual.pilot import Pilot

from panelist.services.directory import list_employees, list_rooms
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.find_time import FindTimeScreen

SnapCompare = Callable[..., bool]
INTERVIEWERS = ("Ana Silva", "Daan de Vries")


async def settle(pilot: Pilot[None]) -> None:
    """Workers done, animations over, nothing blinking: a picture that never flickers."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def finding_time(ws: Workspace, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    by_name = {e.name: e.id for e in list_employees(ws.db)}
    amstel = next(r.id for r in list_rooms(ws.db) if r.name == "Amstel")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        screen = FindTimeScreen(
            [by_name[n] for n in INTERVIEWERS], timedelta(hours=1), room_ids=[amstel]
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
