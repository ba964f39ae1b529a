"""The grid and the finder read core's calendar cache, not the providers: what changed at
the provider shows once it is synced; a calendar whose sync failed keeps its last copy and
says since when and why; one never synced is synced before it is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from panelist.calendars import CalendarCache, CalendarKey
from panelist.models import Employee
from panelist.providers import EventDraft
from panelist.services.calendar_view import load_calendar_view
from panelist.services.directory import list_employees
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio

WEEK = (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
NEW_SLOT = (datetime(2026, 11, 27, 6, 0, tzinfo=UTC), datetime(2026, 11, 27, 7, 0, tzinfo=UTC))


def ana(ws: Workspace) -> Employee:
    return next(e for e in list_employees(ws.db) if e.name == "Ana Silva")


def key_of(person: Employee) -> CalendarKey:
    assert person.calendar_provider and person.calendar_id
    return CalendarKey(person.calendar_provider, person.calendar_id)


async def add_event(ws: Workspace, person: Employee, title: str) -> None:
    key = key_of(person)
    draft = EventDraft(title, *NEW_SLOT, private=False)
    await ws.calendar_provider(key.provider).create_event(key.calendar_id, draft, title)


def titles(view: object) -> set[str]:
    return {e.title for e in view.events}  # type: ignore[attr-defined]


async def test_a_change_at_the_provider_shows_once_synced(demo_workspace: Workspace) -> None:
    ws, person = demo_workspace, ana(demo_workspace)
    await add_event(ws, person, "Dentist check-up")

    cached = await load_calendar_view(ws, [person.id], [], *WEEK)
    assert "Dentist check-up" not in titles(cached)  # the cache: not asked live
    assert cached.people[0].as_of == ws.clock.now()  # the demo synced at build
    assert cached.outdated(timedelta(0), ws.clock.now() + timedelta(seconds=1)) == [key_of(person)]

    fresh = await load_calendar_view(ws, [person.id], [], *WEEK, max_age=timedelta(0))
    assert "Dentist check-up" in titles(fresh)


async def test_a_failed_sync_keeps_the_copy_and_says_why(demo_workspace: Workspace) -> None:
    ws, person = demo_workspace, ana(demo_workspace)
    before = await load_calendar_view(ws, [person.id], [], *WEEK)
    reason = "Calendar server did not answer (HTTP 503)"
    CalendarCache(ws.db).record_failure(key_of(person), reason, ws.clock.now())

    after = await load_calendar_view(ws, [person.id], [], *WEEK)
    assert titles(after) == titles(before)  # the last good copy
    shown = after.people[0]
    assert shown.integrated and reason in shown.note and "as of" in shown.note
    assert any(reason in p and "Ana Silva" in p for p in after.problems)


async def test_a_calendar_never_synced_is_synced_before_it_is_read(
    demo_workspace: Workspace,
) -> None:
    ws, person = demo_workspace, ana(demo_workspace)
    key = key_of(person)
    await add_event(ws, person, "Team lunch")
    with ws.db.conn:
        ws.db.execute("DELETE FROM calendar_sync WHERE provider = ? AND calendar_id = ?", list(key))
        ws.db.execute(
            "DELETE FROM calendar_objects WHERE provider = ? AND calendar_id = ?", list(key)
        )

    view = await load_calendar_view(ws, [person.id], [], *WEEK)
    assert "Team lunch" in titles(view)
    assert view.people[0].as_of is not None and view.people[0].note == ""
