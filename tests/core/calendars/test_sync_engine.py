"""The sync engine against a scripted provider: cursors, resets, free/busy, failures,
bad input, retries with Retry-After, the bound per provider and the refresh lease."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from calendars_helpers import NOW, open_workspace
from calendars_scripted import ScriptedCalendar

from panelist.availability.privacy import BUSY_LABEL
from panelist.calendars import (
    CalendarCache,
    CalendarKey,
    SyncService,
    freshness,
    mapped_calendars,
)
from panelist.clock import FrozenClock
from panelist.errors import (
    AuthenticationFailed,
    ConfigurationError,
    CursorExpired,
    NotSupported,
    ProviderUnavailable,
)
from panelist.plugins import PluginRegistry
from panelist.providers.events import BusyInterval, CalendarEvent, SyncResult, Transparency
from panelist.retry import RetryPolicy
from panelist.services.calendar_health import stale_calendars
from panelist.services.directory import set_setting
from panelist.workspace import SystemActor, Workspace

pytestmark = pytest.mark.anyio

SAM = CalendarKey("scripted", "sam")
AMSTEL = CalendarKey("scripted", "amstel")
FAST = RetryPolicy(budget_seconds=2.0, call_timeout_seconds=2.0, first_backoff_seconds=0.01)
DAY = (NOW, NOW + timedelta(days=1))


def event(uid: str, hours: float = 0, **more: Any) -> CalendarEvent:
    start = NOW + timedelta(hours=hours)
    return CalendarEvent(f"about {uid}", start, start + timedelta(hours=1), uid=uid, **more)


def script(calendar_id: str, *answers: Any) -> None:
    ScriptedCalendar.scripts[calendar_id] = list(answers)


def cursors() -> list[str | None]:
    return [cursor for _, _, cursor in ScriptedCalendar.calls]


def cached(ws: Workspace, key: CalendarKey = SAM) -> list[str]:
    return sorted(e.uid for e in CalendarCache(ws.db).events(key, *DAY))


async def test_every_mapped_calendar_syncs_then_follows_its_cursor(ws: Workspace) -> None:
    assert [(m.key, m.owner) for m in mapped_calendars(ws.db)] == [
        (SAM, "Sam Lee"),
        (AMSTEL, "room Amstel"),
    ]
    script("sam", SyncResult([event("a")], [], "s1"), SyncResult([event("b")], ["a"], "s2"))
    script("amstel", SyncResult([], [], "r1"))
    heard: list[str] = []
    reports = await SyncService(ws).sync(on_report=lambda r: heard.append(r.owner))
    assert [(r.owner, r.mode, r.changed, r.error) for r in reports] == [
        ("Sam Lee", "full", 1, None),
        ("room Amstel", "full", 0, None),
    ]
    assert sorted(heard) == ["Sam Lee", "room Amstel"]
    (report,) = await SyncService(ws).sync([SAM])
    assert (report.mode, report.changed, report.deleted) == ("incremental", 1, 1)
    assert cursors() == [None, None, "s1"]
    assert cached(ws) == ["b"]


async def test_a_listing_from_no_cursor_replaces_the_cache_even_without_reset(
    ws: Workspace,
) -> None:
    script(
        "sam", SyncResult([event("a"), event("b")], [], "s1"), SyncResult([event("b")], [], "s2")
    )
    await SyncService(ws).sync([SAM])
    (report,) = await SyncService(ws).sync([SAM], full=True)
    assert (report.mode, report.deleted) == ("full", 1)
    assert cursors() == [None, None]
    assert cached(ws) == ["b"]


async def test_a_reset_from_a_cursor_is_reported_as_a_full_sync(ws: Workspace) -> None:
    script(
        "sam", SyncResult([event("a")], [], "s1"), SyncResult([event("b")], [], "s2", reset=True)
    )
    await SyncService(ws).sync([SAM])
    (report,) = await SyncService(ws).sync([SAM])
    assert (report.mode, report.changed, report.deleted) == ("full", 1, 1)
    assert cursors() == [None, "s1"]


async def test_an_expired_cursor_means_a_full_sync_stored_as_a_reset(ws: Workspace) -> None:
    def answer(cursor: str | None) -> Any:
        if cursor == "s1":
            return CursorExpired("410 Gone: sync token expired", provider="scripted")
        return SyncResult([event("b")], [], "s2")

    script("sam", SyncResult([event("a")], [], "s1"), answer)
    await SyncService(ws).sync([SAM])
    (report,) = await SyncService(ws).sync([SAM])
    assert (report.mode, report.deleted, report.error) == ("full", 1, None)
    assert cursors() == [None, "s1", None]
    assert cached(ws) == ["b"]
    assert CalendarCache(ws.db).states([SAM])[SAM].cursor == "s2"


async def test_a_provider_refusing_even_a_fresh_start_fails_the_calendar_only(
    ws: Workspace,
) -> None:
    script("sam", SyncResult([event("a")], [], "s1"), CursorExpired("token refused"))
    script("amstel", SyncResult([event("r")], [], "r1"))
    await SyncService(ws).sync()
    sam, amstel = await SyncService(ws).sync()
    assert sam.error == "refused a fresh start: token refused"
    assert amstel.error is None
    assert cached(ws) == ["a"]  # the last good copy
    assert CalendarCache(ws.db).states([SAM])[SAM].cursor == "s1"


async def test_a_free_busy_only_calendar_is_cached_as_busy_intervals(ws: Workspace) -> None:
    script("amstel", NotSupported("only free/busy is shared"))
    busy = [
        BusyInterval(NOW + timedelta(hours=1), NOW + timedelta(hours=2)),
        BusyInterval(NOW + timedelta(hours=3), NOW + timedelta(hours=4), Transparency.TENTATIVE),
    ]
    ScriptedCalendar.busy["amstel"] = busy
    (report,) = await SyncService(ws).sync([AMSTEL])
    assert (report.mode, report.changed, report.error) == ("free-busy", 2, None)
    assert ScriptedCalendar.free_busy_calls == [
        ("amstel", NOW - timedelta(days=1), NOW + timedelta(days=90))
    ]
    window = (NOW + timedelta(hours=1, minutes=30), NOW + timedelta(hours=5))
    found = CalendarCache(ws.db).events(AMSTEL, *window)
    assert [(e.summary, e.start, e.end, e.transparency) for e in found] == [
        (BUSY_LABEL, window[0], NOW + timedelta(hours=2), Transparency.BUSY),
        (BUSY_LABEL, NOW + timedelta(hours=3), NOW + timedelta(hours=4), Transparency.TENTATIVE),
    ]
    assert CalendarCache(ws.db).states([AMSTEL])[AMSTEL].mode == "free-busy"
    # Shared in full later: the next sync starts from scratch and drops the busy times.
    script("amstel", SyncResult([event("r")], [], "r1"))
    (report,) = await SyncService(ws).sync([AMSTEL])
    assert (report.mode, cursors()[-1]) == ("full", None)
    assert cached(ws, AMSTEL) == ["r"]
    assert ws.db.execute("SELECT count(*) FROM calendar_busy").fetchone() == (0,)


async def test_busy_times_that_are_no_span_of_time_are_skipped(ws: Workspace) -> None:
    script("amstel", NotSupported("only free/busy is shared"))
    good = BusyInterval(NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    backwards = BusyInterval(NOW + timedelta(hours=2), NOW + timedelta(hours=1))
    ScriptedCalendar.busy["amstel"] = [good, backwards, "09:00-10:00"]
    (report,) = await SyncService(ws).sync([AMSTEL])
    assert report.changed == 1
    assert report.skipped == [
        "busy interval 2 is not a span of time",
        "busy interval 3 is not a span of time",
    ]
    assert [e.start for e in CalendarCache(ws.db).events(AMSTEL, *DAY)] == [good.start]
    assert CalendarCache(ws.db).states([AMSTEL])[AMSTEL].error == (
        "2 items skipped: busy interval 2 is not a span of time;"
        " busy interval 3 is not a span of time"
    )


async def test_a_failure_is_recorded_and_the_last_good_copy_stays(ws: Workspace) -> None:
    script(
        "sam",
        SyncResult([event("a")], [], "s1"),
        AuthenticationFailed("401 the service account lost access"),
        SyncResult([event("b")], [], "s2"),
    )
    clock = ws.clock
    assert isinstance(clock, FrozenClock)
    await SyncService(ws).sync([SAM])
    clock.advance(timedelta(minutes=5))
    (report,) = await SyncService(ws).sync([SAM])
    assert report.error == "401 the service account lost access"
    state = CalendarCache(ws.db).states([SAM])[SAM]
    assert (state.cursor, state.synced_at, state.stale_since) == ("s1", NOW, clock.now())
    assert cached(ws) == ["a"]
    assert [s.describe() for s in stale_calendars(ws.db)] == [
        "Sam Lee's calendar may be out of date (last synced 2026-11-23T09:00:00+00:00):"
        " 401 the service account lost access"
    ]
    await SyncService(ws).sync([SAM])
    assert stale_calendars(ws.db) == []
    assert cached(ws) == ["a", "b"]


# ---------------------------------------------------------------------- bad input


async def _bad_round(ws: Workspace, answer: Any) -> Any:
    """A good first round, then `answer`; the report of the second."""
    first = SyncResult([event("a"), event("s", rrule="FREQ=DAILY")], [], "s1")
    script("sam", first, answer)
    await SyncService(ws).sync([SAM])
    (report,) = await SyncService(ws).sync([SAM])
    return report


def _stale_reason(ws: Workspace) -> str | None:
    return CalendarCache(ws.db).states([SAM])[SAM].error


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (event(""), "item 1: no uid"),
        ("BEGIN:VEVENT", "item 1: not an event but str"),
        (CalendarEvent("x", "tomorrow", "later", uid="odd"), "event 'odd': "),  # type: ignore[arg-type]
    ],
)
async def test_a_malformed_item_is_skipped_and_the_rest_syncs(
    ws: Workspace, item: Any, problem: str
) -> None:
    report = await _bad_round(ws, SyncResult([item, event("b", 1)], ["a"], "s2"))
    assert report.error is None
    assert len(report.skipped) == 1 and report.skipped[0].startswith(problem)
    assert (report.changed, report.deleted) == (1, 1)
    assert cached(ws) == ["b", "s"]
    assert _stale_reason(ws) == f"1 item skipped: {report.skipped[0]}"
    # The round is asked again from the old cursor until it comes back clean.
    assert CalendarCache(ws.db).states([SAM])[SAM].cursor == "s1"


async def test_a_malformed_event_keeps_its_cached_copy(ws: Workspace) -> None:
    broken = CalendarEvent("x", NOW, "later", uid="a")  # type: ignore[arg-type]
    report = await _bad_round(ws, SyncResult([broken], [], "s2", reset=True))
    assert report.skipped[0].startswith("event 'a': ")
    assert cached(ws) == ["a"]  # "s" went with the reset, "a" kept its last good copy


async def test_a_uid_sent_twice_is_skipped(ws: Workspace) -> None:
    report = await _bad_round(ws, SyncResult([event("b"), event("c"), event("b", 2)], [], "s2"))
    assert report.skipped == ["event 'b' came more than once"]
    assert cached(ws) == ["a", "c", "s"]
    assert "came more than once" in (_stale_reason(ws) or "")


async def test_an_override_without_its_master_is_skipped(ws: Workspace) -> None:
    orphan = event("lonely", 3, recurrence_id=NOW)
    of_cached = event("s", 5, recurrence_id=NOW + timedelta(days=1))
    report = await _bad_round(ws, SyncResult([orphan, of_cached], [], "s2"))
    assert report.skipped == [
        "override 2026-11-23T09:00:00.000000 of event 'lonely' without its master"
    ]
    assert report.changed == 1  # the override of the cached series "s" is fine


async def test_the_providers_own_problems_are_reported(ws: Workspace) -> None:
    result = SyncResult([event("b")], [], "s2", problems=["/cal/x.ics: no VEVENT\nat all"])
    report = await _bad_round(ws, result)
    assert report.skipped == ["/cal/x.ics: no VEVENT at all"]
    assert cached(ws) == ["a", "b", "s"]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (None, "gave no sync result but NoneType"),
        ([event("b")], "gave no sync result but list"),
        (SyncResult([event("b")], [], None), "gave a sync result without a cursor"),  # type: ignore[arg-type]
        (SyncResult(None, [], "s2"), "gave a sync result whose changed is not a list"),  # type: ignore[arg-type]
    ],
)
async def test_an_answer_that_is_no_sync_result_fails_the_calendar(
    ws: Workspace, answer: Any, error: str
) -> None:
    report = await _bad_round(ws, answer)
    assert report.error == error
    assert cached(ws) == ["a", "s"]
    assert _stale_reason(ws) == error
    assert CalendarCache(ws.db).states([SAM])[SAM].cursor == "s1"


async def test_a_providers_bug_fails_its_calendar_only(ws: Workspace) -> None:
    report = await _bad_round(ws, KeyError("private title"))
    assert report.error == "failed unexpectedly (KeyError)"  # no provider text leaks
    assert cached(ws) == ["a", "s"]


# ---------------------------------------------------------------------- retries and bounds


async def test_429_and_503_are_retried_honouring_retry_after(ws: Workspace) -> None:
    script(
        "sam",
        ProviderUnavailable("429 Too Many Requests", retry_after=0.2),
        ProviderUnavailable("503 Service Unavailable"),
        SyncResult([event("a")], [], "s1"),
    )
    started = time.monotonic()
    (report,) = await SyncService(ws, policy=FAST).sync([SAM])
    assert report.error is None
    assert len(ScriptedCalendar.calls) == 3
    assert time.monotonic() - started >= 0.2
    assert cached(ws) == ["a"]


async def test_a_retry_after_beyond_the_budget_fails_at_once(ws: Workspace) -> None:
    script("sam", ProviderUnavailable("429 Too Many Requests", retry_after=60))
    started = time.monotonic()
    (report,) = await SyncService(ws, policy=FAST).sync([SAM])
    assert report.error == "429 Too Many Requests"
    assert len(ScriptedCalendar.calls) == 1
    assert time.monotonic() - started < 1.0


async def test_calls_to_one_provider_are_bounded(
    company_path: Path, scripted_registry: PluginRegistry, clock: FrozenClock
) -> None:
    ws = open_workspace(company_path, scripted_registry, clock)
    keys = [CalendarKey(p, f"c{n}") for p in ("scripted", "scripted-b") for n in range(6)]
    for key in keys:
        script(key.calendar_id, SyncResult([], [], "x"))
    ScriptedCalendar.delay = 0.05
    try:
        reports = await SyncService(ws, per_provider=2).sync(keys)
    finally:
        ws.close()
    assert [r.error for r in reports] == [None] * 12
    assert dict(ScriptedCalendar.max_in_flight) == {"scripted": 2, "scripted-b": 2}


# ---------------------------------------------------------------------- refresh


async def test_refresh_syncs_only_what_is_older_than_the_bound(ws: Workspace) -> None:
    script("sam", SyncResult([], [], "s1"))
    script("amstel", SyncResult([], [], "r1"))
    await SyncService(ws).sync([SAM])
    assert isinstance(ws.clock, FrozenClock)
    ws.clock.advance(timedelta(seconds=30))
    reports = await SyncService(ws).refresh([SAM, AMSTEL], timedelta(seconds=60))
    assert [r.key for r in reports] == [AMSTEL]
    ws.clock.advance(timedelta(seconds=31))
    reports = await SyncService(ws).refresh([SAM, AMSTEL], timedelta(seconds=60))
    assert [r.key for r in reports] == [SAM]


async def test_a_calendar_another_process_is_syncing_is_left_to_it(
    company_path: Path, scripted_registry: PluginRegistry, clock: FrozenClock
) -> None:
    first = open_workspace(company_path, scripted_registry, clock)
    second = open_workspace(company_path, scripted_registry, clock)
    script("sam", SyncResult([event("a")], [], "s1"))
    ScriptedCalendar.gate = asyncio.Event()
    try:
        running = asyncio.create_task(SyncService(first).refresh([SAM], timedelta(0)))
        while not ScriptedCalendar.calls:
            await asyncio.sleep(0.01)
        assert await SyncService(second).refresh([SAM], timedelta(0)) == []
        ScriptedCalendar.gate.set()
        (report,) = await running
        assert report.error is None
        assert len(ScriptedCalendar.calls) == 1
        # Done: the lease is over, so a refresh that wants a newer copy syncs again.
        (again,) = await SyncService(second).refresh([SAM], timedelta(0))
        assert again.error is None
        assert cached(second) == ["a"]
    finally:
        first.close()
        second.close()


async def test_a_failed_calendar_is_not_retried_by_every_refresh(ws: Workspace) -> None:
    script("sam", ProviderUnavailable("503"), SyncResult([], [], "s1"))
    (report,) = await SyncService(ws, policy=RetryPolicy(budget_seconds=0.01)).refresh(
        [SAM], timedelta(seconds=60)
    )
    assert report.error == "503"
    assert await SyncService(ws).refresh([SAM], timedelta(seconds=60)) == []
    assert isinstance(ws.clock, FrozenClock)
    ws.clock.advance(timedelta(seconds=61))
    (report,) = await SyncService(ws).refresh([SAM], timedelta(seconds=60))
    assert report.error is None


def test_the_sync_times_are_whole_seconds_in_utc(ws: Workspace) -> None:
    """Sync state instants use the storage format, so SQL can compare them as text."""
    cache = CalendarCache(ws.db)
    cache.record_failure(SAM, "down", NOW + timedelta(microseconds=5))
    (attempted,) = ws.db.execute("SELECT attempted_at FROM calendar_sync").fetchone()
    assert attempted == "2026-11-23T09:00:00+00:00"
    assert isinstance(cache.states([SAM])[SAM].attempted_at, datetime)


async def test_the_host_syncs_as_the_system_actor(ws: Workspace) -> None:
    """Syncing shows nobody anything, so the host's worker runs it without a person."""
    script("sam", SyncResult([event("a")], [], "s1"))
    script("amstel", SyncResult([], [], "r1"))
    host = replace(ws, actor=SystemActor("sync"))
    reports = await SyncService(host).sync()
    assert [r.error for r in reports] == [None, None]


async def test_a_calendar_of_a_provider_that_is_not_installed_fails_alone(ws: Workspace) -> None:
    ws.db["rooms"].insert(
        {"name": "Maas", "capacity": 2, "calendar_provider": "gone", "calendar_id": "maas"}
    )
    ws.db.conn.commit()
    script("sam", SyncResult([event("a")], [], "s1"))
    script("amstel", SyncResult([], [], "r1"))
    reports = await SyncService(ws).sync()
    assert [(r.owner, r.error is None) for r in reports] == [
        ("Sam Lee", True),
        ("room Amstel", True),
        ("room Maas", False),
    ]
    assert [s.owner for s in stale_calendars(ws.db)] == ["room Maas"]


def test_the_freshness_bound_is_a_company_setting(ws: Workspace) -> None:
    assert freshness(ws.db) == timedelta(seconds=60)
    set_setting(ws.db, "calendar_freshness_seconds", 15)
    assert freshness(ws.db) == timedelta(seconds=15)
    set_setting(ws.db, "calendar_freshness_seconds", "soon")
    with pytest.raises(ConfigurationError, match="calendar_freshness_seconds"):
        freshness(ws.db)
