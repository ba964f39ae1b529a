"""The calendar cache: what each provider's calendars hold, kept in the workspace database.

Recurring series stay as they came (a master and its overrides); `events` expands
them when read, through core's one recurrence path (`ical.expand_events`). Each row
carries UTC bounds that surely contain it, so a window read touches only rows that
overlap the window, series masters (no end) and the overrides of what it found.

`apply` stores one sync result in one transaction. Bad items (no uid, not storable,
a uid twice, an override without its master) are skipped and reported, their cached
rows stay, and the calendar stays marked stale with the reason until a clean round:
the cursor does not move past a round that skipped something, so it is asked again.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlite_utils import Database

from panelist.availability.privacy import BUSY_LABEL
from panelist.providers import ical
from panelist.providers.events import (
    BusyInterval,
    CalendarEvent,
    EventTime,
    SyncResult,
    Transparency,
    unreadable_reason,
    unreadable_unknown,
)
from panelist.storage.instants import from_text, to_text
from panelist.storage.transaction import immediate

EVENTS = "events"
FREE_BUSY = "free-busy"

_WALL_CLOCK_SLACK = timedelta(days=1)
"""Floating and all-day times are read in the viewer's zone (UTC-12 .. UTC+14)."""

_MAX_PROBLEMS_SHOWN = 3


class CalendarKey(NamedTuple):
    """One calendar: the provider's id and the calendar's id at that provider."""

    provider: str
    calendar_id: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.calendar_id}"


@dataclass(frozen=True)
class SyncState:
    """Where a calendar's copy stands. A calendar never synced has no state."""

    key: CalendarKey
    cursor: str | None
    synced_at: datetime | None
    """The last success."""
    attempted_at: datetime | None
    """A sync started (a short lease) or failed since the last success."""
    error: str | None
    """Why the copy is stale: the last failure, or items skipped; kept until a clean round."""
    stale_since: datetime | None
    mode: str
    """"events" (objects cached) or "free-busy" (busy intervals over a rolling window)."""

    @property
    def stale(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class ApplyReport:
    changed: int = 0
    """Objects written because they were new or differed from the cached copy."""
    deleted: int = 0
    """Events (uids) removed."""
    skipped: list[str] = field(default_factory=list)
    """One line per item left out (the provider's own problems first)."""


class CalendarCache:
    """The cache over the workspace database (`ws.db`); see the module's docstring."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ reading

    def events(self, key: CalendarKey, start: datetime, end: datetime) -> list[CalendarEvent]:
        """Events overlapping [start, end), series expanded, as `list_events` would give them.

        A free/busy-only calendar gives detail-less `BUSY_LABEL` events; unreadable
        placeholders come back (possibly outside the window) so the caller reports them.
        """
        mode = self.db.execute(
            "SELECT mode FROM calendar_sync WHERE provider = ? AND calendar_id = ?", list(key)
        ).fetchone()
        if mode is not None and mode[0] == FREE_BUSY:
            return self._busy_events(key, start, end)
        lo, hi = _text(start), _text(end)
        rows = self.db.execute(
            """
            SELECT uid, data FROM calendar_objects
             WHERE provider = :p AND calendar_id = :c AND uid IN (
                   SELECT uid FROM calendar_objects
                    WHERE provider = :p AND calendar_id = :c AND end_utc >= :lo AND start_utc < :hi
                   UNION
                   SELECT uid FROM calendar_objects
                    WHERE provider = :p AND calendar_id = :c AND end_utc IS NULL
                      AND start_utc < :hi)
            """,
            {"p": key.provider, "c": key.calendar_id, "lo": lo, "hi": hi},
        ).fetchall()
        events = [_decoded(key, uid, data, start, end) for uid, data in rows]
        return ical.expand_events(events, start, end)

    def _busy_events(self, key: CalendarKey, start: datetime, end: datetime) -> list[CalendarEvent]:
        rows = self.db.execute(
            "SELECT start_utc, end_utc, transparency FROM calendar_busy"
            " WHERE provider = ? AND calendar_id = ? AND end_utc > ? AND start_utc < ?"
            " ORDER BY start_utc",
            [key.provider, key.calendar_id, _text(start), _text(end)],
        ).fetchall()
        return [
            CalendarEvent(
                BUSY_LABEL,
                max(_instant(a), start),
                min(_instant(b), end),
                transparency=Transparency(transparency),
                calendar_id=key.calendar_id,
            )
            for a, b, transparency in rows
        ]

    def states(self, keys: Iterable[CalendarKey]) -> dict[CalendarKey, SyncState]:
        """The sync state of each calendar that has one (missing: never synced)."""
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self.db.execute(
            "SELECT provider, calendar_id, cursor, synced_at, attempted_at, error, stale_since,"
            " mode FROM calendar_sync"
        ).fetchall()
        states = {}
        for provider, calendar_id, cursor, synced, attempted, error, stale, mode in rows:
            key = CalendarKey(provider, calendar_id)
            if key in wanted:
                states[key] = SyncState(
                    key, cursor, _when(synced), _when(attempted), error, _when(stale), mode
                )
        return states

    # ------------------------------------------------------------------ writing

    def apply(self, key: CalendarKey, result: SyncResult, now: datetime) -> ApplyReport:
        """Store one sync result in one transaction; `reset` replaces what was cached.

        Deletions (`deleted` uids, `deleted_resources`) go first, then `changed`.
        Skipped items keep their cached rows and the old cursor, and mark the calendar stale.
        """
        if problem := shape_problem(result):
            raise ValueError(problem)
        rows, problems, kept_uids = _rows_of(key, result.changed, now)
        problems[:0] = [_line(p) for p in result.problems]
        with immediate(self.db):
            old = self._sync_row(key)
            if result.reset:  # overrides must come with their masters; nothing cached counts
                rows = self._without_orphans(key, rows, problems, kept_uids, cached=False)
                deleted = self._replace_all(key, rows, kept_uids)
                self._clear_busy(key)
            else:
                deleted = self._delete(key, result.deleted, result.deleted_resources, problems)
                rows = self._without_orphans(key, rows, problems, kept_uids, cached=True)
            changed = self._upsert(key, rows)
            if problems:
                cursor = None if result.reset else (old["cursor"] if old else None)
            else:
                cursor = result.cursor
            self._succeeded(key, now, cursor, problem_summary(problems), old)
        return ApplyReport(changed, deleted, problems)

    def store_busy(
        self,
        key: CalendarKey,
        intervals: list[BusyInterval],
        window: tuple[datetime, datetime],
        now: datetime,
    ) -> None:
        """Cache a free/busy-only calendar as its busy intervals over `window` (replacing)."""
        with immediate(self.db):
            old = self._sync_row(key)
            self._clear_busy(key)
            self.db.execute(
                "DELETE FROM calendar_objects WHERE provider = ? AND calendar_id = ?", list(key)
            )
            self.db.conn.executemany(
                "INSERT INTO calendar_busy (provider, calendar_id, start_utc, end_utc,"
                " transparency) VALUES (?, ?, ?, ?, ?)",
                [
                    (*key, _text(b.start), _text(b.end), Transparency(b.transparency).value)
                    for b in intervals
                ],
            )
            self._succeeded(key, now, None, None, old, mode=FREE_BUSY, window=window)

    def record_failure(self, key: CalendarKey, error: str, now: datetime) -> None:
        """Note a failed sync; the cached copy and cursor stay as they were."""
        with self._writing():
            self.db.execute(
                """
                INSERT INTO calendar_sync (provider, calendar_id, attempted_at, error, stale_since)
                VALUES (:p, :c, :now, :error, :now)
                ON CONFLICT (provider, calendar_id) DO UPDATE SET
                    attempted_at = :now, error = :error,
                    stale_since = coalesce(stale_since, :now)
                """,
                {"p": key.provider, "c": key.calendar_id, "now": to_text(now), "error": error},
            )

    def claim(self, keys: Iterable[CalendarKey], now: datetime) -> None:
        """Mark syncs of `keys` as under way (`attempted_at`), so others leave them alone."""
        self.db.conn.executemany(
            """
            INSERT INTO calendar_sync (provider, calendar_id, attempted_at) VALUES (?, ?, ?)
            ON CONFLICT (provider, calendar_id) DO UPDATE SET attempted_at = excluded.attempted_at
            """,
            [(*key, to_text(now)) for key in keys],
        )

    def put(self, key: CalendarKey, event: CalendarEvent) -> None:
        """Write-through of an event we wrote ourselves, so it shows before the next sync.

        Joins the caller's transaction when one is open (the executor records its
        result in one); a bad event raises `ValueError` and writes nothing.
        """
        rows, skipped, _ = _rows_of(key, [event], datetime.now(UTC))
        if skipped:
            raise ValueError(skipped[0])
        with self._writing():
            self._upsert(key, rows)

    def remove(self, key: CalendarKey, uid: str) -> None:
        """Drop an event (the whole series) we deleted ourselves."""
        with self._writing():
            self.db.execute(
                "DELETE FROM calendar_objects WHERE provider = ? AND calendar_id = ? AND uid = ?",
                [*key, uid],
            )

    # ------------------------------------------------------------------ internals

    def _writing(self) -> Any:
        """The caller's open transaction, or a new one."""
        if self.db.conn.in_transaction:
            return _joined()
        return immediate(self.db)

    def _sync_row(self, key: CalendarKey) -> dict[str, Any] | None:
        cursor = self.db.execute(
            "SELECT cursor, stale_since FROM calendar_sync WHERE provider = ? AND calendar_id = ?",
            list(key),
        )
        row = cursor.fetchone()
        return None if row is None else {"cursor": row[0], "stale_since": row[1]}

    def _clear_busy(self, key: CalendarKey) -> None:
        self.db.execute(
            "DELETE FROM calendar_busy WHERE provider = ? AND calendar_id = ?", list(key)
        )

    def _replace_all(
        self, key: CalendarKey, rows: list[dict[str, Any]], kept_uids: set[str]
    ) -> int:
        """A reset: remove every cached object the result does not hold again, except the
        events of skipped items (`kept_uids`); how many events went altogether."""
        slots = json.dumps(sorted(r["uid"] + "\x1f" + r["recurrence_id"] for r in rows))
        uids = json.dumps(sorted(kept_uids | {r["uid"] for r in rows}))
        (gone,) = self.db.execute(
            "SELECT count(DISTINCT uid) FROM calendar_objects WHERE provider = ?"
            " AND calendar_id = ? AND uid NOT IN (SELECT value FROM json_each(?))",
            [*key, uids],
        ).fetchone()
        self.db.execute(
            "DELETE FROM calendar_objects WHERE provider = ? AND calendar_id = ?"
            " AND uid NOT IN (SELECT value FROM json_each(?))"
            " AND uid || char(31) || recurrence_id NOT IN (SELECT value FROM json_each(?))",
            [*key, json.dumps(sorted(kept_uids)), slots],
        )
        return int(gone)

    def _delete(
        self, key: CalendarKey, uids: list[str], resources: list[str], problems: list[str]
    ) -> int:
        """Delete by uid and by the provider's own name of the object; how many events went."""
        good_uids = _strings(uids, "a deleted uid", problems)
        good_resources = _strings(resources, "a deleted resource", problems)
        where = (
            "provider = ? AND calendar_id = ? AND (uid IN (SELECT value FROM json_each(?))"
            " OR resource IN (SELECT value FROM json_each(?)))"
        )
        params = [*key, json.dumps(good_uids), json.dumps(good_resources)]
        (gone,) = self.db.execute(
            f"SELECT count(DISTINCT uid) FROM calendar_objects WHERE {where}", params
        ).fetchone()
        self.db.execute(f"DELETE FROM calendar_objects WHERE {where}", params)
        return int(gone)

    def _without_orphans(
        self,
        key: CalendarKey,
        rows: list[dict[str, Any]],
        problems: list[str],
        kept_uids: set[str],
        *,
        cached: bool,
    ) -> list[dict[str, Any]]:
        """Leave out overrides whose master is not in this result (nor, if `cached`, cached)."""
        masters = {r["uid"] for r in rows if r["recurrence_id"] == ""}
        wanted = sorted({r["uid"] for r in rows if r["recurrence_id"]} - masters)
        if wanted and cached:
            masters |= {
                uid
                for (uid,) in self.db.execute(
                    "SELECT uid FROM calendar_objects WHERE provider = ? AND calendar_id = ?"
                    " AND recurrence_id = '' AND uid IN (SELECT value FROM json_each(?))",
                    [*key, json.dumps(wanted)],
                )
            }
        kept = []
        for row in rows:
            if row["recurrence_id"] and row["uid"] not in masters:
                problems.append(
                    f"override {row['recurrence_id']} of event {row['uid']!r} without its master"
                )
                kept_uids.add(row["uid"])
            else:
                kept.append(row)
        return kept

    def _upsert(self, key: CalendarKey, rows: list[dict[str, Any]]) -> int:
        """Write the rows that are new or differ from the cached copy; how many were written."""
        if not rows:
            return 0
        cached = {
            (uid, rid): (data, etag, resource)
            for uid, rid, data, etag, resource in self.db.execute(
                "SELECT uid, recurrence_id, data, etag, resource FROM calendar_objects"
                " WHERE provider = ? AND calendar_id = ? AND uid IN"
                " (SELECT value FROM json_each(?))",
                [*key, json.dumps(sorted({r["uid"] for r in rows}))],
            )
        }
        fresh = [
            r
            for r in rows
            if cached.get((r["uid"], r["recurrence_id"])) != (r["data"], r["etag"], r["resource"])
        ]
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO calendar_objects (provider, calendar_id, uid, recurrence_id,"
            " data, etag, resource, start_utc, end_utc, updated_at) VALUES (:provider,"
            " :calendar_id, :uid, :recurrence_id, :data, :etag, :resource, :start_utc,"
            " :end_utc, :updated_at)",
            fresh,
        )
        return len(fresh)

    def _succeeded(
        self,
        key: CalendarKey,
        now: datetime,
        cursor: str | None,
        error: str | None,
        old: dict[str, Any] | None,
        *,
        mode: str = EVENTS,
        window: tuple[datetime, datetime] | None = None,
    ) -> None:
        stale_since = None
        if error is not None:
            stale_since = (old or {}).get("stale_since") or to_text(now)
        self.db.execute(
            "INSERT OR REPLACE INTO calendar_sync (provider, calendar_id, cursor, synced_at,"
            " attempted_at, error, stale_since, mode, window_start, window_end)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            [
                *key,
                cursor,
                to_text(now),
                error,
                stale_since,
                mode,
                to_text(window[0]) if window else None,
                to_text(window[1]) if window else None,
            ],
        )


class _joined:
    """A context that adds nothing: the caller's transaction commits or rolls back."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# ---------------------------------------------------------------------- rows


def shape_problem(result: object) -> str | None:
    """What makes `result` no sync result at all, in one line; None if it is one."""
    if not isinstance(result, SyncResult):
        return f"gave no sync result but {type(result).__name__}"
    for name in ("changed", "deleted", "problems", "deleted_resources"):
        if not isinstance(getattr(result, name), list | tuple):
            return f"gave a sync result whose {name} is not a list"
    if not isinstance(result.cursor, str):
        return "gave a sync result without a cursor"
    return None


def _rows_of(
    key: CalendarKey, items: Iterable[object], now: datetime
) -> tuple[list[dict[str, Any]], list[str], set[str]]:
    """Rows to store, one line per item left out, and the uids whose cached rows must stay."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    problems: list[str] = []
    doubled: set[tuple[str, str]] = set()
    kept_uids: set[str] = set()
    for index, item in enumerate(items, start=1):
        try:
            row = _row(key, item, now)
        except Exception as exc:  # provider data of any shape: one item never fails the round
            problems.append(_item_problem(index, item, exc))
            uid = getattr(item, "uid", None)
            if isinstance(uid, str) and uid:
                kept_uids.add(uid)
            continue
        slot = (row["uid"], row["recurrence_id"])
        if slot in rows or slot in doubled:
            doubled.add(slot)
            rows.pop(slot, None)
            kept_uids.add(row["uid"])
            continue
        rows[slot] = row
    for uid, rid in sorted(doubled):
        where = f" at {rid}" if rid else ""
        problems.append(f"event {uid!r}{where} came more than once")
    return list(rows.values()), problems, kept_uids


def _row(key: CalendarKey, event: object, now: datetime) -> dict[str, Any]:
    if not isinstance(event, CalendarEvent):
        raise TypeError(f"not an event but {type(event).__name__}")
    if not isinstance(event.uid, str) or not event.uid:
        raise ValueError("no uid")
    start, end = _bounds(event)
    return {
        "provider": key.provider,
        "calendar_id": key.calendar_id,
        "uid": event.uid,
        "recurrence_id": recurrence_key(event.recurrence_id),
        "data": ical.event_to_json(event),
        "etag": event.etag if isinstance(event.etag, str) else None,
        "resource": _resource(event),
        "start_utc": start,
        "end_utc": end,
        "updated_at": to_text(now),
    }


def _item_problem(index: int, item: object, exc: Exception) -> str:
    uid = getattr(item, "uid", None)
    what = f"event {uid!r}" if isinstance(uid, str) and uid else f"item {index}"
    return f"{what}: {_line(exc) or type(exc).__name__}"


def _resource(event: CalendarEvent) -> str | None:
    resource = event.extra.get("resource") if isinstance(event.extra, dict) else None
    return resource if isinstance(resource, str) else None


def _bounds(event: CalendarEvent) -> tuple[str, str | None]:
    """UTC text bounds that surely contain the event or series; no end for a series without
    UNTIL or a placeholder (read in every window: it is reported wherever the grid looks)."""
    aware = isinstance(event.start, datetime) and event.start.tzinfo is not None
    slack = timedelta(0) if aware else _WALL_CLOCK_SLACK
    low = min(ical.instant(value) for value in (event.start, *event.rdates)) - slack
    if unreadable_reason(event) is not None or event.this_and_future:
        return _text(low), None  # a THISANDFUTURE override moves occurrences past its own end
    length = max(ical.instant(event.end) - ical.instant(event.start), timedelta(0))
    if ical.is_series(event):
        last = _last_start(event)
        if last is None:
            return _text(low), None
        return _text(low), _text(max(last + length, low))
    return _text(low), _text(max(ical.instant(event.end) + slack, low))


def _last_start(series: CalendarEvent) -> datetime | None:
    """A time no occurrence of the series starts after: every rule has an UNTIL (read
    as its whole day, plus a day for any zone), RDATEs and their periods counted too."""
    rules = [series.rrule, *series.more_rrules] if series.rrule else list(series.more_rrules)
    ends = []
    for rule in rules:
        until = _until(rule)
        if until is None:
            return None
        ends.append(until)
    ends += [ical.instant(value) + _WALL_CLOCK_SLACK for value in series.rdates]
    ends += [ical.instant(end) + _WALL_CLOCK_SLACK for _, end in series.rdate_periods]
    return max(ends) if ends else None


def _until(rule: str) -> datetime | None:
    for part in rule.upper().split(";"):
        name, _, value = part.partition("=")
        if name.strip() == "UNTIL" and len(value) >= 8 and value[:8].isdigit():
            try:
                day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
            except ValueError:
                return None
            return datetime.combine(day, time(), UTC) + 2 * _WALL_CLOCK_SLACK
    return None


def recurrence_key(value: EventTime | None) -> str:
    """`calendar_objects.recurrence_id`: '' for a master, else one text per occurrence,
    whichever zone its RECURRENCE-ID was given in."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return _text(value)
    return value.isoformat()


def _decoded(
    key: CalendarKey, uid: str, data: str, start: datetime, end: datetime
) -> CalendarEvent:
    """The row's event; a row that is not event JSON (a newer format …) is a placeholder."""
    try:
        return _event_of(data)
    except ValueError as exc:
        return unreadable_unknown(uid, key.calendar_id, str(exc), start, end)


def forget_decoded_events() -> None:
    """Empty this process's memo of decoded rows (benchmarks of a cold read)."""
    _event_of.cache_clear()


@functools.lru_cache(maxsize=2048)
def _event_of(data: str) -> CalendarEvent:
    """Decoding is most of a window read; a grid redrawn or a week paged reads the same rows
    again. Keyed by the row's JSON itself, so a changed row is decoded afresh; the events
    are frozen, so sharing them is safe. 2,048 (~4 MB at most) hold a fortnight of ~25 calendars."""
    return ical.event_from_json(data)


def _text(moment: datetime) -> str:
    """Sortable UTC text; a naive time is read as UTC, as `ical.overlaps` does."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


def _when(text: str | None) -> datetime | None:
    return None if text is None else from_text(text)


def _strings(values: object, what: str, problems: list[str]) -> list[str]:
    good = []
    for value in values if isinstance(values, list | tuple) else [values]:
        if isinstance(value, str) and value:
            good.append(value)
        else:
            problems.append(f"{what} that is not a name: {type(value).__name__}")
    return good


def _line(problem: object) -> str:
    """One line of a problem, whatever the provider put there."""
    return " ".join(str(problem).split())[:300]


def problem_summary(problems: list[str]) -> str | None:
    """The stale reason for items skipped in one round: how many, and the first few."""
    if not problems:
        return None
    shown = "; ".join(problems[:_MAX_PROBLEMS_SHOWN])
    more = len(problems) - _MAX_PROBLEMS_SHOWN
    count = f"{len(problems)} item{'s' if len(problems) > 1 else ''} skipped"
    return f"{count}: {shown}" + (f" and {more} more" if more > 0 else "")
