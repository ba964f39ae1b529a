"""A fresh demo opens with its calendar cache filled, and the cache reads as the provider does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from panelist.calendars import CalendarCache, SyncService, mapped_calendars
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


async def test_the_demo_cache_is_filled_and_reads_as_the_provider_does(
    demo_workspace: Workspace,
) -> None:
    ws = demo_workspace
    cache = CalendarCache(ws.db)
    mapped = mapped_calendars(ws.db)
    states = cache.states(m.key for m in mapped)
    assert len(mapped) == 51 and set(states) == {m.key for m in mapped}
    assert all(s.synced_at == ws.clock.now() and s.error is None for s in states.values())
    start = ws.clock.now() - timedelta(days=3)
    end = start + timedelta(days=14)
    for calendar in mapped:
        provider = ws.calendar_provider(calendar.key.provider)
        live = await provider.list_events(calendar.key.calendar_id, start, end)
        assert cache.events(calendar.key, start, end) == live, calendar.owner


async def test_a_second_sync_of_the_demo_changes_nothing(demo_workspace: Workspace) -> None:
    reports = await SyncService(demo_workspace).sync()
    assert {(r.mode, r.changed, r.deleted, r.error) for r in reports} == {
        ("incremental", 0, 0, None)
    }
