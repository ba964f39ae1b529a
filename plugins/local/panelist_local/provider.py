"""The built-in calendar: events kept in the Panelist database itself.

Calendar ids are free strings (an employee's email, "room:Amstel"). Each event
is one row of ``local_events`` holding the event as JSON; overridden occurrences
of a series are rows of their own. Deleted events stay as tombstones so that
incremental sync can report them. Every write bumps one change counter first,
which is also what the sync cursor counts.

icalendar and recurring_ical_events are imported on first use, not at plugin
registration (`panelist.providers.ical` pulls them in).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any

from panelist.errors import ConfigurationError, EventNotFound, ProviderConflict, ValidationError
from panelist.providers import (
    CalendarCapability,
    CalendarEvent,
    CalendarProvider,
    EventDraft,
    EventTime,
    ResponseStatus,
    RoomInfo,
    SyncResult,
)
from panelist.providers.base import ProviderContext
from panelist.providers.events import (
    describe,
    kept_responses,
    unreadable_reason,
    unreadable_unknown,
)
from panelist.timezones import get_zone

if TYPE_CHECKING:
    from sqlite_utils import Database

# Fixed, so the uid made from an idempotency key is the same on every machine.
_UID_NAMESPACE = uuid.UUID("5b0f7d2e-3c1a-4e58-9a57-6b1f0c2d9e41")
_OPEN_END = "9999-12-31T23:59:59.999999"
# Floating and all-day times are wall-clock times somewhere between UTC-12 and UTC+14.
_WALL_CLOCK_SLACK = timedelta(hours=14)
_KEY_BATCH = 500  # below SQLite's limit of bound parameters per statement


def _ical() -> ModuleType:
    from panelist.providers import ical

    return ical


class LocalCalendarProvider(CalendarProvider):
    """Events in the Panelist SQLite database: the default calendar and the demo's."""

    id = "local"
    display_name = "Local calendar"
    capabilities = (
        CalendarCapability.WRITE
        | CalendarCapability.FREE_BUSY
        | CalendarCapability.ROOMS
        | CalendarCapability.INCREMENTAL_SYNC
        | CalendarCapability.RSVP_READBACK
        | CalendarCapability.IDEMPOTENT_CREATE
        | CalendarCapability.ATTENDEES
        | CalendarCapability.PRIVATE_EVENTS
        | CalendarCapability.RECURRENCE
    )

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        if context.database is None:
            raise ConfigurationError("the local calendar needs the Panelist database")
        self.db: Database = context.database

    # ------------------------------------------------------------------ reading

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        # Every row of any uid touching the window: a series needs all its overrides.
        rows = self.db.execute(
            """
            SELECT uid, data FROM local_events
            WHERE calendar_id = :calendar AND deleted = 0 AND uid IN (
                SELECT uid FROM local_events
                WHERE calendar_id = :calendar AND deleted = 0
                  AND bound_start < :end AND bound_end >= :start)
            """,
            {"calendar": calendar_id, "start": _utc_text(start), "end": _utc_text(end)},
        ).fetchall()
        events = [self._readable(calendar_id, uid, data, start, end) for uid, data in rows]
        found: list[CalendarEvent] = _ical().expand_events(events, start, end)
        return found

    def _readable(
        self, calendar_id: str, uid: str, data: str, start: datetime, end: datetime
    ) -> CalendarEvent:
        """The row's event; a row that is not event JSON (edited by hand …) is a placeholder."""
        try:
            return self._read(data)
        except ValueError as exc:
            return unreadable_unknown(uid, calendar_id, str(exc), start, end)

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        return self._read(self._master_row(calendar_id, uid)["data"])

    async def list_rooms(self) -> list[RoomInfo]:
        rows = self.db.execute(
            "SELECT calendar_id, name, capacity, location FROM rooms"
            " WHERE calendar_provider = ? ORDER BY name",
            [self.id],
        ).fetchall()
        return [
            RoomInfo(calendar_id, name, capacity, building=location or None)
            for calendar_id, name, capacity, location in rows
        ]

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        # The counter first: rows written after this read are left for the next round.
        current = self._current_seq()
        since = self._parse_cursor(cursor, calendar_id, current)
        next_cursor = self._cursor(calendar_id, current)
        if since is None:
            rows = self.db.execute(
                "SELECT data FROM local_events WHERE calendar_id = ? AND deleted = 0"
                " AND change_seq <= ? ORDER BY id",
                [calendar_id, current],
            ).fetchall()
            changed = [self._read(data) for (data,) in rows]
            return SyncResult(changed, [], next_cursor, reset=cursor is not None)
        rows = self.db.execute(
            "SELECT data, deleted, uid, recurrence_id FROM local_events"
            " WHERE calendar_id = ? AND change_seq > ? AND change_seq <= ? ORDER BY change_seq",
            [calendar_id, since, current],
        ).fetchall()
        changed = [self._read(data) for data, deleted, _, _ in rows if not deleted]
        gone = sorted({uid for _, deleted, uid, rid in rows if deleted and rid == ""})
        return SyncResult(changed, gone, next_cursor)

    # ------------------------------------------------------------------ writing

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        return self.bulk_create(calendar_id, [(draft, idempotency_key)])[0]

    def bulk_create(
        self, calendar_id: str, drafts_with_keys: Iterable[tuple[EventDraft, str]]
    ) -> list[CalendarEvent]:
        """Create many events in one transaction; one event per draft, in order.

        Local-only and synchronous (for the demo generator and tests). Idempotent
        like `create_event`: a key seen before (or twice in the batch) yields the
        event it first made. Every draft is checked before anything is written,
        so a `ValidationError` leaves the calendar untouched.
        """
        ical = _ical()
        pairs = [(ical.normalize_draft(draft), key) for draft, key in drafts_with_keys]
        for draft, _ in pairs:
            self.check_conference(draft)
        for draft, key in pairs:
            if not isinstance(key, str) or not key.strip():
                raise ValidationError(
                    f"{describe(draft)}: an idempotency key is required",
                    field="idempotency_key",
                )
        now = self._now_text()
        with self.db.atomic():
            seq = self._bump_seq(len(pairs)) - len(pairs)
            known = self._events_by_key(calendar_id, [key for _, key in pairs])
            created: list[CalendarEvent] = []
            rows: list[dict[str, Any]] = []
            for draft, key in pairs:
                if key not in known:
                    seq += 1
                    event = _as_event(draft, uid=_uid_for(key), calendar_id=calendar_id)
                    known[key] = event
                    rows.append(_row(event, seq, now) | {"idempotency_key": key})
                created.append(known[key])
            self._insert(rows)
        return created

    async def update_event(self, calendar_id: str, uid: str, draft: EventDraft) -> CalendarEvent:
        self.check_conference(draft)
        draft = _ical().normalize_draft(draft)
        with self.db.atomic():
            seq = self._bump_seq()
            row = self._master_row(calendar_id, uid)
            old = self._read(row["data"])
            event = _as_event(
                draft,
                uid=uid,
                calendar_id=calendar_id,
                sequence=old.sequence + 1,
                attendees=kept_responses(old, draft),
            )
            self._rewrite(row["id"], event, seq)
        return event

    async def delete_event(self, calendar_id: str, uid: str) -> None:
        with self.db.atomic():
            seq = self._bump_seq()
            for row in self._rows_of(calendar_id, uid):
                event = replace(self._read(row["data"]), cancelled=True)
                self._rewrite(row["id"], event, seq, deleted=True)

    def set_response(
        self, calendar_id: str, uid: str, email: str, status: ResponseStatus | str
    ) -> CalendarEvent:
        """Record an attendee's answer, as their RSVP would; returns the updated event.

        Local-only and synchronous. Applies to the series and each override the
        attendee is on. SEQUENCE is unchanged: a reply is not a new version.
        """
        status = ResponseStatus(status)
        wanted = email.strip().casefold()
        with self.db.atomic():
            seq = self._bump_seq()
            rows = self._rows_of(calendar_id, uid)
            if not rows:
                raise self._not_found(calendar_id, uid)
            answered = False
            for row in rows:
                event = self._read(row["data"])
                if event.response_of(wanted) is None:
                    continue
                attendees = tuple(
                    replace(a, status=status) if a.email.casefold() == wanted else a
                    for a in event.attendees
                )
                self._rewrite(row["id"], replace(event, attendees=attendees), seq)
                answered = True
            if not answered:
                summary = describe(self._read(rows[0]["data"]))
                raise ValidationError(f"{email} is not an attendee of {summary}", field="email")
        return self._read(self._master_row(calendar_id, uid)["data"])

    def override_occurrence(
        self, calendar_id: str, uid: str, recurrence_id: EventTime, draft: EventDraft
    ) -> CalendarEvent:
        """Replace one occurrence of a series (move it, rename it …); returns the override.

        Local-only and synchronous. `recurrence_id` is the occurrence's original
        start; overriding it again replaces the previous override.
        """
        ical = _ical()
        draft = ical.normalize_draft(draft)
        with self.db.atomic():
            seq = self._bump_seq()
            master = self._read(self._master_row(calendar_id, uid)["data"])
            occurrence = self._occurrence_at(master, recurrence_id)
            key = _recurrence_key(occurrence.recurrence_id)
            previous = self.db.execute(
                "SELECT id, data FROM local_events WHERE calendar_id = ? AND uid = ?"
                " AND recurrence_id = ?",
                [calendar_id, uid, key],
            ).fetchone()
            sequence = self._read(previous[1]).sequence + 1 if previous else master.sequence
            override = _as_event(
                replace(draft, rrule=None, rdates=(), exdates=()),
                uid=uid,
                calendar_id=calendar_id,
                recurrence_id=occurrence.recurrence_id,
                sequence=sequence,
            )
            if previous:
                self._rewrite(previous[0], override, seq)
            else:
                self._insert([_row(override, seq, self._now_text())])
        return override

    # ------------------------------------------------------------------ helpers

    def _occurrence_at(self, master: CalendarEvent, recurrence_id: EventTime) -> CalendarEvent:
        ical = _ical()
        what = describe(master)
        if not ical.is_series(master):
            raise ValidationError(f"{what} is not a recurring series", field="recurrence_id")
        wanted = _in_zone_of(recurrence_id, master)
        moment = ical.instant(wanted)
        for occurrence in ical.expand_events([master], moment, moment + timedelta(seconds=1)):
            if (reason := unreadable_reason(occurrence)) is not None:
                raise ValidationError(f"{what}: {reason}", field="recurrence_id")
            if _recurrence_key(occurrence.recurrence_id) == _recurrence_key(wanted):
                found: CalendarEvent = occurrence
                return found
        raise ValidationError(
            f"{what} has no occurrence starting {recurrence_id}", field="recurrence_id"
        )

    def _master_row(self, calendar_id: str, uid: str) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT id, data FROM local_events WHERE calendar_id = ? AND uid = ?"
            " AND recurrence_id = '' AND deleted = 0",
            [calendar_id, uid],
        ).fetchone()
        if row is None:
            raise self._not_found(calendar_id, uid)
        return {"id": row[0], "data": row[1]}

    def _rows_of(self, calendar_id: str, uid: str) -> list[dict[str, Any]]:
        """The live master and overrides of one event, master first."""
        rows = self.db.execute(
            "SELECT id, data FROM local_events WHERE calendar_id = ? AND uid = ? AND deleted = 0"
            " ORDER BY recurrence_id",
            [calendar_id, uid],
        ).fetchall()
        return [{"id": row_id, "data": data} for row_id, data in rows]

    def _events_by_key(self, calendar_id: str, keys: Sequence[str]) -> dict[str, CalendarEvent]:
        """Events already made with any of these keys; a key spent elsewhere is a conflict."""
        unique = list(dict.fromkeys(keys))
        found: dict[str, CalendarEvent] = {}
        for first in range(0, len(unique), _KEY_BATCH):
            batch = unique[first : first + _KEY_BATCH]
            rows = self.db.execute(
                "SELECT idempotency_key, calendar_id, deleted, data FROM local_events"
                f" WHERE idempotency_key IN ({', '.join('?' * len(batch))})",
                batch,
            ).fetchall()
            for key, owner, deleted, data in rows:
                if owner != calendar_id:
                    raise ProviderConflict(
                        f"idempotency key {key!r} was already used in calendar {owner!r}",
                        provider=self.id,
                    )
                if deleted:
                    raise ProviderConflict(
                        f"the event created with idempotency key {key!r} has been deleted",
                        provider=self.id,
                    )
                found[key] = self._read(data)
        return found

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        self.db.conn.executemany(
            f"INSERT INTO local_events ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + c for c in columns)})",
            rows,
        )

    def _rewrite(self, row_id: int, event: CalendarEvent, seq: int, deleted: bool = False) -> None:
        row = _row(event, seq, self._now_text()) | {"deleted": int(deleted)}
        assignments = ", ".join(f"{column} = :{column}" for column in row)
        sql = f"UPDATE local_events SET {assignments} WHERE id = :id"
        self.db.execute(sql, row | {"id": row_id})

    def _bump_seq(self, by: int = 1) -> int:
        """Take `by` change numbers and return the last. Writes first: see the module doc."""
        (value,) = self.db.execute(
            "UPDATE local_meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'change_seq'"
            " RETURNING value",
            [by],
        ).fetchone()
        return int(value)

    def _current_seq(self) -> int:
        return int(self._meta("change_seq"))

    def _meta(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM local_meta WHERE key = ?", [key]).fetchone()
        if row is None:
            raise ConfigurationError("the local calendar's tables are missing: run the migrations")
        return str(row[0])

    def _cursor(self, calendar_id: str, seq: int) -> str:
        return f"{self._meta('epoch')}.{_calendar_tag(calendar_id)}.{seq}"

    def _parse_cursor(self, cursor: str | None, calendar_id: str, current: int) -> int | None:
        """The change number a cursor stands for; None when it is not one of ours."""
        if cursor is None:
            return None
        parts = cursor.split(".")
        if len(parts) != 3 or parts[:2] != [self._meta("epoch"), _calendar_tag(calendar_id)]:
            return None
        if not parts[2].isdigit() or int(parts[2]) > current:
            return None
        return int(parts[2])

    def _now_text(self) -> str:
        return self.context.clock.now().astimezone(UTC).isoformat(timespec="seconds")

    def _not_found(self, calendar_id: str, uid: str) -> EventNotFound:
        return EventNotFound(
            f"no event {uid!r} in local calendar {calendar_id!r}", provider=self.id
        )

    @staticmethod
    def _read(data: str) -> CalendarEvent:
        event: CalendarEvent = _ical().event_from_json(data)
        return event


# ---------------------------------------------------------------------- rows


def _as_event(draft: EventDraft, **values: Any) -> CalendarEvent:
    draft_values = {f.name: getattr(draft, f.name) for f in fields(EventDraft)}
    return CalendarEvent(**(draft_values | values))


def _uid_for(idempotency_key: str) -> str:
    return str(uuid.uuid5(_UID_NAMESPACE, idempotency_key))


def _row(event: CalendarEvent, seq: int, now: str) -> dict[str, Any]:
    bound_start, bound_end = _bounds(event)
    return {
        "calendar_id": event.calendar_id,
        "uid": event.uid,
        "recurrence_id": _recurrence_key(event.recurrence_id),
        "data": _ical().event_to_json(event),
        "bound_start": bound_start,
        "bound_end": bound_end,
        "change_seq": seq,
        "updated_at": now,
    }


def _bounds(event: CalendarEvent) -> tuple[str, str]:
    """UTC text bounds that surely contain the event (or the whole series)."""
    ical = _ical()
    starts = [event.start, *event.rdates]
    if isinstance(event.start, datetime) and event.start.tzinfo is not None:
        slack = timedelta(0)
    else:
        slack = _WALL_CLOCK_SLACK
    low = min(ical.instant(value) for value in starts) - slack
    if ical.is_series(event):
        return _utc_text(low), _OPEN_END
    return _utc_text(low), _utc_text(ical.instant(event.end) + slack)


def _utc_text(moment: datetime) -> str:
    """Sortable UTC text; a naive window is read as UTC, like `ical.overlaps` does."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _recurrence_key(value: EventTime | None) -> str:
    """One text per occurrence, whichever zone its RECURRENCE-ID was given in."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return _utc_text(value)
    return value.isoformat()


def _in_zone_of(value: EventTime, master: CalendarEvent) -> EventTime:
    if isinstance(value, datetime) and value.tzinfo is None and master.timezone:
        return value.replace(tzinfo=get_zone(master.timezone))
    return value


def _calendar_tag(calendar_id: str) -> str:
    return hashlib.sha256(calendar_id.encode()).hexdigest()[:10]
