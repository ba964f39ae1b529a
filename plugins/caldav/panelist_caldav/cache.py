"""Syncing CalDAV calendars into core's provider cache (``cache_events``, ``cache_sync_state``).

One round for one calendar:

1. RFC 6578 sync-collection from the stored token: the hrefs (with etags) that
   changed and those deleted. A refused token starts a full listing, compared
   by etag with what the cache holds, so only what differs is downloaded.
2. The changed resources' data: sent along with a delta where the server
   does so (Radicale does), else read with calendar-multiget, in batches.
3. Each resource is parsed on its own. One that cannot be read is skipped and
   remembered by href with the reason (``caldav_cache_objects.problem``); the
   events it had before stay in the cache.
4. One transaction writes the events (masters and overrides, one row each),
   removes the deleted, and stores the new token.

When the server fails (5xx, timeout, refused connection, credentials) nothing
is written but ``cache_sync_state.error``: the calendar is stale and its cached
events stay. The error also stays set while any resource cannot be read.

A calendar that grants only free/busy (sync-collection answers 403) is cached
as anonymous busy blocks over a window, from the free-busy-query REPORT.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from panelist.errors import ConfigurationError, ProviderError
from panelist.providers import BusyInterval, CalendarEvent, EventTime, Transparency
from panelist_caldav.dav import AccessDenied
from panelist_caldav.provider import CalDAVCalendarProvider, FetchedObject

if TYPE_CHECKING:
    from sqlite_utils import Database

log = logging.getLogger(__name__)
PROVIDER = "caldav"
FREE_BUSY_PAST = timedelta(days=1)
FREE_BUSY_FUTURE = timedelta(days=90)
_FREE_BUSY_CURSOR = "free-busy"
_PROBLEMS_SHOWN = 5
_BATCH = 500  # below SQLite's limit of bound parameters per statement

Mode = Literal["incremental", "full", "free-busy"]


@dataclass
class CacheSyncReport:
    """What one sync round did; `error` set means the calendar is stale."""

    calendar_id: str
    mode: Mode = "incremental"
    fetched: int = 0
    """Resources downloaded."""
    written: int = 0
    """Event rows (masters, overrides, busy blocks) written to the cache."""
    deleted: int = 0
    """Resources removed from the cache."""
    skipped: dict[str, str] = field(default_factory=dict)
    """href -> reason, for resources that could not be read in this round."""
    error: str | None = None
    requests: int = 0

    @property
    def stale(self) -> bool:
        return self.error is not None


class CalDAVCache:
    """Keeps the cache of the calendars of one CalDAV provider instance up to date."""

    def __init__(self, db: Database, provider: CalDAVCalendarProvider) -> None:
        self.db = db
        self.provider = provider

    async def sync_all(self, calendar_ids: Iterable[str]) -> list[CacheSyncReport]:
        return [await self.sync(calendar_id) for calendar_id in dict.fromkeys(calendar_ids)]

    async def sync(self, calendar_id: str) -> CacheSyncReport:
        """One round for one calendar; a provider or setup failure is recorded, not raised."""
        report = CacheSyncReport(calendar_id)
        before = self.provider.request_count
        try:
            await self._sync(calendar_id, report)
        except (ProviderError, ConfigurationError) as exc:
            report.error = str(exc)
            self._mark_stale(calendar_id, report.error)
            log.warning("CalDAV: calendar %s is stale: %s", calendar_id, exc)
        report.requests = self.provider.request_count - before
        return report

    async def _sync(self, calendar_id: str, report: CacheSyncReport) -> None:
        cursor = self._state(calendar_id).get("cursor")
        token = self.provider.token_of(calendar_id, cursor)
        try:
            delta, refused = await self.provider.fetch_delta(calendar_id, token)
        except AccessDenied as exc:
            await self._sync_free_busy(calendar_id, report, exc)
            return
        full = token is None or refused
        report.mode = "full" if full else "incremental"
        # A full listing is compared with everything cached; a delta only with what it names.
        known = self._objects(calendar_id, None if full else [*delta.changed, *delta.deleted])
        wanted = [
            href
            for href, etag in delta.changed.items()
            if etag is None or known.get(href, {}).get("etag") != etag
        ]
        fetched = await self.provider.fetch_objects(calendar_id, wanted, delta)
        gone = set(delta.deleted) | {item.href for item in fetched if item.gone}
        if full:
            gone |= set(known) - set(delta.changed)
        with self.db.atomic():
            self._forget(calendar_id, gone, known, report)
            self._store(calendar_id, [item for item in fetched if not item.gone], known, report)
            if full:
                self._drop_orphans(calendar_id)
            error = self._problem_summary(calendar_id)
            self._save_state(calendar_id, self.provider.cursor_for(calendar_id, delta.token), error)
        report.error = error

    # ------------------------------------------------------------------ writing rows

    def _store(
        self,
        calendar_id: str,
        fetched: list[FetchedObject],
        known: dict[str, dict[str, Any]],
        report: CacheSyncReport,
    ) -> None:
        report.fetched += len(fetched)
        for item in fetched:
            old_uid = known.get(item.href, {}).get("uid")
            if item.problem is not None:
                # The events of its last readable version stay: nothing in the cache is lost.
                report.skipped[item.href] = item.problem
                self._upsert_object(calendar_id, item.href, old_uid, item.etag, item.problem)
                continue
            uid = item.events[0].uid if item.events else None
            if old_uid is not None and old_uid != uid:
                self._drop_events(calendar_id, old_uid, unless_held_by_other_than=item.href)
            if uid is not None:
                self._drop_events(calendar_id, uid)
                self._insert_events(item.events)
                report.written += len(item.events)
            self._upsert_object(calendar_id, item.href, uid, item.etag, None)

    def _forget(
        self,
        calendar_id: str,
        hrefs: set[str],
        known: dict[str, dict[str, Any]],
        report: CacheSyncReport,
    ) -> None:
        for href in hrefs:
            row = known.get(href)
            if row is None:
                continue
            self.db.execute(
                "DELETE FROM caldav_cache_objects WHERE calendar_id = ? AND href = ?",
                [calendar_id, href],
            )
            if row["uid"] is not None:
                self._drop_events(calendar_id, row["uid"], unless_held_by_other_than=href)
            report.deleted += 1

    def _drop_events(
        self, calendar_id: str, uid: str, unless_held_by_other_than: str | None = None
    ) -> None:
        if unless_held_by_other_than is not None:
            (others,) = self.db.execute(
                "SELECT count(*) FROM caldav_cache_objects WHERE calendar_id = ? AND uid = ?"
                " AND href != ? AND problem IS NULL",
                [calendar_id, uid, unless_held_by_other_than],
            ).fetchone()
            if others:
                return
        self.db.execute(
            "DELETE FROM cache_events WHERE provider = ? AND calendar_id = ? AND uid = ?",
            [PROVIDER, calendar_id, uid],
        )

    def _drop_orphans(self, calendar_id: str) -> None:
        """After a full listing: events whose resource is gone (or busy blocks of before)."""
        self.db.execute(
            "DELETE FROM cache_events WHERE provider = ? AND calendar_id = ? AND uid NOT IN"
            " (SELECT uid FROM caldav_cache_objects WHERE calendar_id = ? AND uid IS NOT NULL)",
            [PROVIDER, calendar_id, calendar_id],
        )

    def _insert_events(self, events: list[CalendarEvent]) -> None:
        from panelist.providers.ical import event_to_json

        self.db.conn.executemany(
            "INSERT OR REPLACE INTO cache_events"
            " (provider, calendar_id, uid, recurrence_id, data, etag)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    PROVIDER,
                    event.calendar_id,
                    event.uid,
                    recurrence_key(event.recurrence_id),
                    event_to_json(event),
                    event.etag,
                )
                for event in events
            ],
        )

    def _upsert_object(
        self, calendar_id: str, href: str, uid: str | None, etag: str | None, problem: str | None
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO caldav_cache_objects (calendar_id, href, uid, etag, problem)"
            " VALUES (?, ?, ?, ?, ?)",
            [calendar_id, href, uid, etag, problem],
        )

    # ------------------------------------------------------------------ free/busy only

    async def _sync_free_busy(
        self, calendar_id: str, report: CacheSyncReport, refusal: AccessDenied
    ) -> None:
        """Busy blocks in a window, for a calendar whose events this user may not read."""
        report.mode = "free-busy"
        now = self.provider.context.clock.now().astimezone(UTC)
        try:
            busy = await self.provider.busy_times(
                calendar_id, now - FREE_BUSY_PAST, now + FREE_BUSY_FUTURE
            )
        except AccessDenied:
            raise refusal from None  # not even free/busy: the first refusal explains it
        events = [_busy_event(calendar_id, interval) for interval in busy]
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM cache_events WHERE provider = ? AND calendar_id = ?",
                [PROVIDER, calendar_id],
            )
            self.db.execute("DELETE FROM caldav_cache_objects WHERE calendar_id = ?", [calendar_id])
            self._insert_events(events)
            self._save_state(calendar_id, _FREE_BUSY_CURSOR, None)
        report.written = len(events)

    # ------------------------------------------------------------------ state

    def _state(self, calendar_id: str) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT cursor, synced_at, error FROM cache_sync_state"
            " WHERE provider = ? AND calendar_id = ?",
            [PROVIDER, calendar_id],
        ).fetchone()
        if row is None:
            return {}
        return {"cursor": row[0], "synced_at": row[1], "error": row[2]}

    def _objects(
        self, calendar_id: str, hrefs: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """The cached resources of a calendar: all of them, or those among `hrefs`."""
        sql = "SELECT href, uid, etag, problem FROM caldav_cache_objects WHERE calendar_id = ?"
        if hrefs is None:
            rows = self.db.execute(sql, [calendar_id]).fetchall()
        else:
            rows = []
            for first in range(0, len(hrefs), _BATCH):
                batch = hrefs[first : first + _BATCH]
                marks = ", ".join("?" * len(batch))
                query = f"{sql} AND href IN ({marks})"
                rows.extend(self.db.execute(query, [calendar_id, *batch]).fetchall())
        return {
            href: {"uid": uid, "etag": etag, "problem": problem}
            for href, uid, etag, problem in rows
        }

    def _problem_summary(self, calendar_id: str) -> str | None:
        rows = self.db.execute(
            "SELECT href, problem FROM caldav_cache_objects"
            " WHERE calendar_id = ? AND problem IS NOT NULL ORDER BY href",
            [calendar_id],
        ).fetchall()
        if not rows:
            return None
        shown = "; ".join(f"{href} ({problem})" for href, problem in rows[:_PROBLEMS_SHOWN])
        more = f"; and {len(rows) - _PROBLEMS_SHOWN} more" if len(rows) > _PROBLEMS_SHOWN else ""
        noun = "item" if len(rows) == 1 else "items"
        return f"{len(rows)} {noun} could not be read: {shown}{more}"

    def _save_state(self, calendar_id: str, cursor: str, error: str | None) -> None:
        self.db.execute(
            "INSERT INTO cache_sync_state (provider, calendar_id, cursor, synced_at, error)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider, calendar_id) DO UPDATE SET"
            " cursor = excluded.cursor, synced_at = excluded.synced_at, error = excluded.error",
            [PROVIDER, calendar_id, cursor, self._now_text(), error],
        )

    def _mark_stale(self, calendar_id: str, error: str) -> None:
        """Only the error changes: the cursor and the cached events stay as they were."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO cache_sync_state (provider, calendar_id, error) VALUES (?, ?, ?)"
                " ON CONFLICT (provider, calendar_id) DO UPDATE SET error = excluded.error",
                [PROVIDER, calendar_id, error],
            )

    def _now_text(self) -> str:
        now = self.provider.context.clock.now().astimezone(UTC)
        return now.isoformat(timespec="seconds")


def recurrence_key(value: EventTime | None) -> str:
    """``cache_events.recurrence_id``: '' for a master, else the occurrence in UTC ISO form."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def _busy_event(calendar_id: str, interval: BusyInterval) -> CalendarEvent:
    span = f"{interval.start.isoformat()}/{interval.end.isoformat()}/{interval.transparency}"
    return CalendarEvent(
        summary="Busy",
        start=interval.start,
        end=interval.end,
        timezone="UTC",
        private=True,
        transparency=interval.transparency
        if interval.transparency is Transparency.TENTATIVE
        else Transparency.BUSY,
        uid="free-busy-" + hashlib.sha256(span.encode()).hexdigest()[:16],
        calendar_id=calendar_id,
        extra={"free_busy": "true"},
    )
