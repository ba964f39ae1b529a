"""The sync engine: asks each provider for what changed and keeps the cache up to date.

`SyncService.sync` runs every calendar concurrently, at most `per_provider` calls
at a time to one provider, each call retried on 429/5xx within the policy's budget
(honouring Retry-After). A refused cursor (`CursorExpired`) means a full sync stored
as a reset; a calendar shared only as free/busy (`NotSupported`) is cached as busy
intervals over a rolling window. A failure is recorded on the calendar, whose last
good copy stays. `refresh` syncs only what is older than a bound and not already
being synced by another process (`attempted_at` is that short lease).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlite_utils import Database

from panelist.calendars.cache import (
    FREE_BUSY,
    CalendarCache,
    CalendarKey,
    SyncState,
    problem_summary,
    shape_problem,
)
from panelist.errors import CursorExpired, NotSupported, PanelistError
from panelist.providers.calendar import CalendarProvider
from panelist.providers.events import BusyInterval, SyncResult, Transparency
from panelist.retry import RetryPolicy, with_retries
from panelist.services.directory import positive_setting
from panelist.storage.transaction import immediate
from panelist.workspace import Workspace

log = logging.getLogger(__name__)

T = TypeVar("T")

FRESHNESS_SETTING = "calendar_freshness_seconds"
DEFAULT_FRESHNESS_SECONDS = 60
"""The company setting (default 60 s): calendars on screen older than this are synced."""

SYNC_POLICY = RetryPolicy(budget_seconds=30.0, call_timeout_seconds=120.0)
"""A full listing of a big calendar takes longer than one write, hence the longer call limit."""

LEASE = timedelta(seconds=60)
"""How long a started sync keeps other processes' `refresh` off the calendar."""

FREE_BUSY_PAST = timedelta(days=1)
FREE_BUSY_AHEAD = timedelta(days=90)
"""The rolling window cached for calendars shared only as free/busy."""

INCREMENTAL, FULL = "incremental", "full"


@dataclass(frozen=True)
class MappedCalendar:
    """A calendar some employee or room uses, named after its owner."""

    key: CalendarKey
    owner: str
    """"Emma Visser" or "room Amstel"."""


@dataclass
class SyncReport:
    """What one calendar's sync did."""

    key: CalendarKey
    owner: str
    mode: str
    """"incremental", "full" or "free-busy"."""
    changed: int = 0
    deleted: int = 0
    skipped: list[str] = field(default_factory=list)
    """Items left out, one line each; the calendar stays marked stale while there are any."""
    error: str | None = None
    """Why the sync failed; the cache kept its last good copy."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.skipped


def freshness(db: Database) -> timedelta:
    """How old a calendar's copy may be before readers have it synced (the company setting)."""
    return timedelta(seconds=positive_setting(db, FRESHNESS_SETTING))


def mapped_calendars(db: Database) -> list[MappedCalendar]:
    """Every calendar an active employee or a room is mapped to, by owner's name."""
    rows = db.execute(
        """
        SELECT calendar_provider, calendar_id, name FROM employees
         WHERE calendar_provider IS NOT NULL AND active = 1
        UNION ALL
        SELECT calendar_provider, calendar_id, 'room ' || name FROM rooms
         WHERE calendar_provider IS NOT NULL
        ORDER BY 3
        """
    ).fetchall()
    seen: dict[CalendarKey, MappedCalendar] = {}
    for provider, calendar_id, owner in rows:
        key = CalendarKey(provider, calendar_id)
        seen.setdefault(key, MappedCalendar(key, owner))
    return list(seen.values())


class SyncService:
    """Syncs calendars of one workspace into its cache (see the module's docstring).

    Syncing shows the caller nothing (readers apply privacy), so any employee's
    workspace, or the system actor's, may run it.
    """

    def __init__(
        self, ws: Workspace, *, per_provider: int = 4, policy: RetryPolicy | None = None
    ) -> None:
        self.ws = ws
        self.cache = CalendarCache(ws.db)
        self.per_provider = max(1, per_provider)
        self.policy = policy or SYNC_POLICY

    async def sync(
        self,
        keys: Iterable[CalendarKey] | None = None,
        *,
        full: bool = False,
        on_report: Callable[[SyncReport], None] | None = None,
    ) -> list[SyncReport]:
        """Sync `keys` (None: every mapped calendar); one report per calendar, in order.

        `full` ignores the stored cursors. `on_report` hears of each calendar as it ends.
        """
        owners = {m.key: m.owner for m in mapped_calendars(self.ws.db)}
        wanted = list(dict.fromkeys(owners if keys is None else keys))
        with immediate(self.ws.db):
            self.cache.claim(wanted, self.ws.clock.now())
        return await self._run(wanted, owners, full, on_report)

    async def refresh(self, keys: Iterable[CalendarKey], max_age: timedelta) -> list[SyncReport]:
        """Sync those of `keys` whose last success is older than `max_age` and that no
        other process started syncing within the lease; reports of those only."""
        wanted = list(dict.fromkeys(keys))
        with immediate(self.ws.db):  # the check and the claim in one lock: one claimant wins
            now = self.ws.clock.now()
            states = self.cache.states(wanted)
            due = [k for k in wanted if _due(states.get(k), now, max_age)]
            self.cache.claim(due, now)
        if not due:
            return []
        owners = {m.key: m.owner for m in mapped_calendars(self.ws.db)}
        return await self._run(due, owners, False, None)

    async def _run(
        self,
        keys: list[CalendarKey],
        owners: dict[CalendarKey, str],
        full: bool,
        on_report: Callable[[SyncReport], None] | None,
    ) -> list[SyncReport]:
        bounds = {key.provider: asyncio.Semaphore(self.per_provider) for key in keys}

        async def one(key: CalendarKey) -> SyncReport:
            async with bounds[key.provider]:
                started = time.monotonic()
                report = await self._sync_one(key, owners.get(key, key.calendar_id), full)
                report.seconds = time.monotonic() - started
            if on_report is not None:
                on_report(report)
            return report

        return list(await asyncio.gather(*(one(key) for key in keys)))

    async def _sync_one(self, key: CalendarKey, owner: str, full: bool) -> SyncReport:
        try:
            provider = self.ws.calendar_provider(key.provider)
        except PanelistError as error:  # a plugin that is gone or broken
            return _failed(self.cache, key, owner, FULL, str(error), self.ws.clock.now())
        return await sync_calendar(
            provider, self.cache, key, owner=owner, full=full, policy=self.policy
        )


async def sync_calendar(
    provider: CalendarProvider,
    cache: CalendarCache,
    key: CalendarKey,
    *,
    owner: str = "",
    full: bool = False,
    policy: RetryPolicy = SYNC_POLICY,
) -> SyncReport:
    """One round for one calendar, as `SyncService` runs it (the conformance kit too).

    Never raises for what the provider does: failures end up in the report and in
    the calendar's sync state. Times come from the provider's clock.
    """
    clock = provider.context.clock
    state = cache.states([key]).get(key)
    cursor = None if full or state is None or state.mode == FREE_BUSY else state.cursor
    mode = FULL if cursor is None else INCREMENTAL

    async def call(make: Callable[[], Awaitable[T]]) -> T:
        return await with_retries(make, policy, provider=provider.id)

    try:
        try:
            result = await call(lambda: provider.sync(key.calendar_id, cursor))
        except CursorExpired:
            mode = FULL
            result = await call(lambda: provider.sync(key.calendar_id, None))
        except NotSupported:
            now = clock.now()
            window = (now - FREE_BUSY_PAST, now + FREE_BUSY_AHEAD)
            answer = await call(lambda: provider.free_busy([key.calendar_id], *window))
            return _store_busy(cache, key, owner, answer, window, now)
    except CursorExpired as error:
        message = f"refused a fresh start: {error}"
        return _failed(cache, key, owner, mode, message, clock.now())
    except PanelistError as error:
        return _failed(cache, key, owner, mode, str(error), clock.now())
    except Exception as error:  # a plugin's bug must not stop the other calendars
        log.warning("sync of %s failed: %s", key, type(error).__name__)
        message = f"failed unexpectedly ({type(error).__name__})"
        return _failed(cache, key, owner, mode, message, clock.now())
    return _store(cache, key, owner, mode, result, clock.now())


def _store(
    cache: CalendarCache, key: CalendarKey, owner: str, mode: str, result: object, now: datetime
) -> SyncReport:
    if problem := shape_problem(result):
        return _failed(cache, key, owner, mode, problem, now)
    assert isinstance(result, SyncResult)
    if mode == FULL and not result.reset:
        result = _as_reset(result)
    elif result.reset:  # the provider started over (or never does otherwise)
        mode = FULL
    try:
        applied = cache.apply(key, result, now)
    except PanelistError as error:  # the database is busy or read-only
        return _failed(cache, key, owner, mode, str(error), now)
    return SyncReport(key, owner, mode, applied.changed, applied.deleted, applied.skipped)


def _store_busy(
    cache: CalendarCache,
    key: CalendarKey,
    owner: str,
    answer: object,
    window: tuple[datetime, datetime],
    now: datetime,
) -> SyncReport:
    found = answer.get(key.calendar_id, []) if isinstance(answer, dict) else None
    if not isinstance(found, list):
        return _failed(cache, key, owner, FREE_BUSY, "gave no busy times", now)
    intervals = [b for b in found if _good_interval(b)]
    skipped = [
        f"busy interval {i} is not a span of time"
        for i, b in enumerate(found, 1)
        if not _good_interval(b)
    ]
    cache.store_busy(key, intervals, window, now)
    if reason := problem_summary(skipped):  # stored, but stale for what was left out
        cache.record_failure(key, reason, now)
    return SyncReport(key, owner, FREE_BUSY, changed=len(intervals), skipped=skipped)


def _failed(
    cache: CalendarCache, key: CalendarKey, owner: str, mode: str, error: str, now: datetime
) -> SyncReport:
    message = " ".join(error.split()) or "failed"
    try:
        cache.record_failure(key, message, now)
    except PanelistError as storing:  # the database is busy or read-only: still report
        log.warning("could not record the failed sync of %s: %s", key, storing)
    return SyncReport(key, owner, mode, error=message)


def _due(state: SyncState | None, now: datetime, max_age: timedelta) -> bool:
    if state is None:
        return True
    if state.attempted_at is not None and now - state.attempted_at < LEASE:
        return False  # another process is on it, or it failed just now
    return state.synced_at is None or now - state.synced_at >= max_age


def _as_reset(result: SyncResult) -> SyncResult:
    """A listing from no cursor is the whole calendar, whatever `reset` says."""
    return SyncResult(
        result.changed,
        result.deleted,
        result.cursor,
        reset=True,
        problems=result.problems,
        deleted_resources=result.deleted_resources,
    )


def _good_interval(value: object) -> bool:
    return (
        isinstance(value, BusyInterval)
        and isinstance(value.start, datetime)
        and isinstance(value.end, datetime)
        and value.start.tzinfo is not None
        and value.end.tzinfo is not None
        and value.start < value.end
        and value.transparency in _TRANSPARENCIES
    )


_TRANSPARENCIES = frozenset(t.value for t in Transparency)
