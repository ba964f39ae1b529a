"""Find a time draws from the calendar cache at once, syncs the calendars on screen that
are older than the company's freshness bound in a worker, and redraws; the legend says how
old the copy is and marks a calendar whose last sync failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_calendar_grid import HOUR, SIZE, open_screen, suggestions_text
from textual.widgets import Static

from panelist.calendars import CalendarCache, CalendarKey
from panelist.models import Employee
from panelist.providers import EventDraft
from panelist.services.directory import list_employees
from panelist.storage.instants import to_text
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.find_time import FindTimeScreen

pytestmark = pytest.mark.anyio

SLOT = (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), datetime(2026, 11, 24, 13, 0, tzinfo=UTC))


def ana(ws: Workspace) -> Employee:
    return next(e for e in list_employees(ws.db) if e.name == "Ana Silva")


def key_of(person: Employee) -> CalendarKey:
    assert person.calendar_provider and person.calendar_id
    return CalendarKey(person.calendar_provider, person.calendar_id)


def legend_text(screen: FindTimeScreen) -> str:
    return str(screen.query_one("#ft-legend", Static).render())


async def test_an_outdated_calendar_is_synced_in_a_worker_and_redrawn(
    workspace: Workspace,
) -> None:
    person = ana(workspace)
    key = key_of(person)
    draft = EventDraft("Board meeting", *SLOT, private=False)
    await workspace.calendar_provider(key.provider).create_event(key.calendar_id, draft, "b1")
    two_minutes_ago = to_text(workspace.clock.now() - timedelta(minutes=2))
    with workspace.db.conn:  # the copy is older than the freshness bound (60 s)
        workspace.db.execute(
            "UPDATE calendar_sync SET synced_at = ? WHERE provider = ? AND calendar_id = ?",
            [two_minutes_ago, *key],
        )

    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen([person.id], HOUR)
        await open_screen(pilot, screen, [])
        assert screen.full is not None
        assert "Board meeting" in {e.title for e in screen.full.events}
        assert screen.full.people[0].as_of == workspace.clock.now()
        assert "as of 10:00" in legend_text(screen)  # 09:00 UTC in Rosa's Amsterdam


async def test_a_calendar_whose_sync_failed_is_marked_with_the_reason(
    workspace: Workspace,
) -> None:
    person = ana(workspace)
    reason = "Calendar server did not answer (HTTP 503)"
    CalendarCache(workspace.db).record_failure(key_of(person), reason, workspace.clock.now())
    app = PanelistApp(workspace, ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = FindTimeScreen([person.id], HOUR)
        await open_screen(pilot, screen, [])
        assert f"Ana Silva {app.glyphs.warning}" in legend_text(screen)
        shown = " ".join(suggestions_text(screen).split())  # the line wraps in the panel
        assert f"Ana Silva as of Mon 10:00: {reason}" in shown
        assert any(reason in n.message for n in app._notifications)
