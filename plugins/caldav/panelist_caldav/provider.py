"""Any CalDAV server (Radicale, Nextcloud, Fastmail, iCloud …) as a Panelist calendar.

Configuration: see `panelist_caldav.config` (settings, the password secret and
the calendar id format).

Writes are idempotent through deterministic UIDs: the idempotency key names
the UID (uuid5) and the resource (``<calendar>/<uid>.ics``), and a create is a
PUT with ``If-None-Match: *``. A retried create therefore finds its first
event (412) instead of making a second one, and a UID held at another href
(409 no-uid-conflict) is looked up by UID. Updates PUT with ``If-Match``; when
the event changed meanwhile (412) it is read again and the update reapplied.
An update rewrites the whole resource from the draft, so overridden occurrences
of a series are replaced by it (the contract: "replace the event's content").

caldav is synchronous and costs ~0.3 s to import: it is imported on first use
and every call runs in a worker thread, one `DavSession` per provider instance.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import anyio

from panelist.errors import (
    CursorExpired,
    EventNotFound,
    NotSupported,
    ProviderConflict,
    ProviderError,
    ValidationError,
)
from panelist.providers import (
    BusyInterval,
    CalendarCapability,
    CalendarEvent,
    CalendarProvider,
    EventDraft,
    ProviderContext,
    SyncResult,
    Transparency,
)
from panelist.providers.base import Check
from panelist.providers.events import describe, kept_responses, unreadable_unknown
from panelist_caldav.config import OPTIONS, CalDAVSettings, calendar_id_problem, object_url
from panelist_caldav.dav import (
    AccessDenied,
    CalendarInfo,
    CalendarMissing,
    DavSession,
    Resource,
    TokenRefused,
)
from panelist_caldav.objects import BadObject, parse_object, resource_name, to_ics

log = logging.getLogger(__name__)
T = TypeVar("T")

# Fixed, so the uid made from an idempotency key is the same on every machine.
_UID_NAMESPACE = uuid.UUID("0c9d5c1e-7a43-4f0e-9a3e-2f8d6b1c4e77")
_CURSOR_VERSION = "caldav1"
# Floating and all-day times are wall-clock times somewhere between UTC-12 and
# UTC+14; the server reads them in its own zone, so its search is widened.
_WALL_CLOCK_SLACK = timedelta(hours=14)
_WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class FetchedObject:
    """One resource read for a sync: its events, or why it could not be read."""

    href: str
    etag: str | None
    events: list[CalendarEvent]
    problem: str | None = None
    gone: bool = False


class CalDAVCalendarProvider(CalendarProvider):
    """Events on a CalDAV server; one instance talks to one server as one user."""

    id = "caldav"
    display_name = "CalDAV"
    capabilities = (
        CalendarCapability.WRITE
        | CalendarCapability.FREE_BUSY
        | CalendarCapability.INCREMENTAL_SYNC
        | CalendarCapability.RSVP_READBACK
        | CalendarCapability.IDEMPOTENT_CREATE
        | CalendarCapability.ATTENDEES
        | CalendarCapability.PRIVATE_EVENTS
        | CalendarCapability.RECURRENCE
    )
    options = OPTIONS

    @classmethod
    def check_calendar_id(cls, settings: Mapping[str, str], calendar_id: str) -> str | None:
        return calendar_id_problem(settings, calendar_id)

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.settings = CalDAVSettings.from_mapping(context.settings)
        self._session: DavSession | None = None
        self._session_lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing

    def _dav(self) -> DavSession:
        with self._session_lock:
            if self._session is None:
                password = self.context.secret(self.id, "password")
                self._session = DavSession(self.settings, password)
            return self._session

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn` in a worker thread; the first call also creates the session (imports caldav)."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    async def _on_server(self, request: Callable[[DavSession], T]) -> T:
        return await self._run(lambda: request(self._dav()))

    @property
    def request_count(self) -> int:
        """HTTP requests this instance has made (0 before the first)."""
        return self._session.requests if self._session is not None else 0

    @property
    def http_seconds(self) -> float:
        """Seconds this instance has waited for HTTP answers (for benchmarks)."""
        return self._session.http_seconds if self._session is not None else 0.0

    def calendar_url(self, calendar_id: str) -> str:
        return self.settings.calendar_url(calendar_id)

    async def aclose(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _stamp(self) -> datetime:
        return self.context.clock.now().astimezone(UTC)

    # ------------------------------------------------------------------ reading

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        from panelist.providers.ical import expand_events

        url = self.calendar_url(calendar_id)
        low, high = start - _WALL_CLOCK_SLACK, end + _WALL_CLOCK_SLACK

        def read(dav: DavSession) -> list[CalendarEvent]:
            resources = dav.query(url, start=low, end=high)
            events = [
                event for r in resources for event in self._readable(calendar_id, r, start, end)
            ]
            found: list[CalendarEvent] = expand_events(events, start, end)
            return found

        return await self._on_server(read)

    def _readable(
        self, calendar_id: str, resource: Resource, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        """The events of a resource; an unreadable one is logged and reported by href."""
        try:
            return parse_object(resource.data or "", calendar_id, resource.href, resource.etag)
        except BadObject as exc:
            log.warning("CalDAV: skipped %s in calendar %s: %s", resource.href, calendar_id, exc)
            href = resource.href
            return [unreadable_unknown(href, calendar_id, str(exc), start, end, href=href)]

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        found = await self._run(self._find, self.calendar_url(calendar_id), calendar_id, uid)
        if found is None:
            raise self._not_found(calendar_id, uid)
        return _master(found[1])

    def _find(
        self, calendar_url: str, calendar_id: str, uid: str
    ) -> tuple[Resource, list[CalendarEvent]] | None:
        """The resource holding `uid`: where Panelist puts it, else by a UID search."""
        dav = self._dav()
        resource = dav.get(object_url(calendar_url, uid))
        if resource is not None and (found := self._holding(resource, calendar_id, uid)):
            return found
        for candidate in dav.query(calendar_url, uid=uid):
            if found := self._holding(candidate, calendar_id, uid):
                return found
        return None

    def _holding(
        self, resource: Resource, calendar_id: str, uid: str
    ) -> tuple[Resource, list[CalendarEvent]] | None:
        try:
            events = parse_object(resource.data or "", calendar_id, resource.href, resource.etag)
        except BadObject as exc:
            raise ProviderError(
                f"event {uid!r} in calendar {calendar_id!r} cannot be read "
                f"({resource.href}: {exc})",
                provider=self.id,
            ) from None
        return (resource, events) if events and events[0].uid == uid else None

    async def free_busy(
        self, calendar_ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """One free-busy-query REPORT per calendar, concurrently; it needs only free/busy rights."""
        result: dict[str, list[BusyInterval]] = {}
        for calendar_id in calendar_ids:  # a bad id is refused as itself, not in a group
            self.calendar_url(calendar_id)

        async def one(calendar_id: str) -> None:
            result[calendar_id] = await self.busy_times(calendar_id, start, end)

        async with anyio.create_task_group() as group:
            for calendar_id in dict.fromkeys(calendar_ids):
                group.start_soon(one, calendar_id)
        return {calendar_id: result[calendar_id] for calendar_id in calendar_ids}

    async def busy_times(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[BusyInterval]:
        """Busy intervals of one calendar in [start, end), from the server's free/busy."""
        url = self.calendar_url(calendar_id)
        try:
            text = await self._on_server(lambda dav: dav.freebusy(url, start, end))
        except NotSupported:  # a server without free-busy-query: read the events
            fallback = await super().free_busy([calendar_id], start, end)
            return fallback[calendar_id]
        return parse_free_busy(text, _aware(start), _aware(end))

    # ------------------------------------------------------------------ checks

    async def server_classes(self) -> set[str]:
        """The DAV compliance classes the server announces ("calendar-access" for CalDAV)."""
        return await self._on_server(lambda dav: dav.dav_classes(self.settings.url))

    async def check_login(self) -> None:
        """Raise `AuthenticationFailed` when the server refuses the credentials."""
        try:
            await self._on_server(lambda dav: dav.calendar_info(self.settings.url))
        except AccessDenied:  # logged in, just not allowed to look at the root
            return
        except CalendarMissing:
            raise ProviderError(
                f"nothing at {self.settings.url} (HTTP 404): check the setting 'url'",
                provider=self.id,
            ) from None

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        from panelist_caldav.checks import run_checks

        return await run_checks(self, calendar_ids)

    async def calendar_info(self, calendar_id: str) -> CalendarInfo:
        """Whether the calendar exists, is a calendar, and what this user may do with it."""
        url = self.calendar_url(calendar_id)
        return await self._on_server(lambda dav: dav.calendar_info(url))

    # ------------------------------------------------------------------ sync

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        """What changed since `cursor`, or the whole calendar (``reset``) without a usable one.

        Deletions arrive as hrefs: they are reported in `deleted_resources` and every event
        carries its href in ``extra["resource"]``. A token the server refuses raises
        `CursorExpired`; a calendar shared as free/busy only (403) raises `NotSupported`.
        """
        url = self.calendar_url(calendar_id)
        token = self._token_of(cursor, url)
        try:
            if token:
                return await self._on_server(lambda dav: self._delta(dav, calendar_id, token))
            return await self._on_server(lambda dav: self._everything(dav, calendar_id))
        except TokenRefused:
            raise CursorExpired(
                f"the server no longer knows the sync token of calendar {calendar_id!r}",
                provider=self.id,
            ) from None
        except AccessDenied as exc:
            raise NotSupported(
                f"calendar {calendar_id!r} cannot be read as events ({exc}): free/busy only?",
                provider=self.id,
            ) from None

    def _delta(self, dav: DavSession, calendar_id: str, token: str) -> SyncResult:
        """The changes since `token`, with their data where the server sends it along."""
        url = self.calendar_url(calendar_id)
        delta = dav.sync_collection(url, token, with_data=True)
        carried = [Resource(h, delta.changed[h], delta.data[h]) for h in delta.data]
        missing = [h for h in delta.changed if h not in delta.data]
        resources = [*carried, *(dav.multiget(url, missing) if missing else ())]
        fetched = [self._parsed(calendar_id, resource) for resource in resources]
        return self._result(calendar_id, fetched, delta.deleted, delta.token, reset=False)

    def _everything(self, dav: DavSession, calendar_id: str) -> SyncResult:
        """The whole calendar: one calendar-query with the data, and a sync token.

        The token comes from a data-less sync-collection sent while the query's answer
        is parsed (the server works while we parse). It may be a little younger than the
        data, so the two are reconciled by etag: what changed in between (or what the query
        did not hold, such as to-dos) is read with a multiget, what was deleted in between
        is left out. The result is the calendar as of the token.
        """
        url = self.calendar_url(calendar_id)
        snapshot = {_path_key(r.href): r for r in dav.query_all(url)}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="caldav-token") as pool:
            listing = pool.submit(dav.sync_collection, url, "")
            parsed = {key: self._parsed(calendar_id, r) for key, r in snapshot.items()}
            delta = listing.result()
        fetched, stale = [], []
        for href, etag in delta.changed.items():
            seen = snapshot.get(_path_key(href))
            if seen is None or etag is None or seen.etag != etag:  # no etag: cannot tell
                stale.append(href)
            else:
                fetched.append(parsed[_path_key(href)])
        if stale:
            fetched += [self._parsed(calendar_id, r) for r in dav.multiget(url, stale)]
        return self._result(calendar_id, fetched, [], delta.token, reset=True)

    def _result(
        self,
        calendar_id: str,
        fetched: list[FetchedObject],
        deleted: list[str],
        token: str,
        *,
        reset: bool,
    ) -> SyncResult:
        changed: list[CalendarEvent] = []
        gone, problems = list(deleted), []
        for item in fetched:
            if item.problem is not None:
                log.warning("CalDAV: skipped %s in %s: %s", item.href, calendar_id, item.problem)
                problems.append(f"{item.href}: {item.problem}")
            elif item.gone:
                gone.append(item.href)
            else:
                changed.extend(item.events)
        cursor = self._cursor(self.calendar_url(calendar_id), token)
        gone_resources = [resource_name(href) for href in gone]
        return SyncResult(
            changed, [], cursor, reset, problems=problems, deleted_resources=gone_resources
        )

    def _parsed(self, calendar_id: str, resource: Resource) -> FetchedObject:
        if resource.status in (404, 410):
            return FetchedObject(resource.href, None, [], gone=True)
        if resource.data is None:
            reason = f"HTTP {resource.status}" if resource.status else "missing from the answer"
            problem = f"the server sent no calendar data ({reason})"
            return FetchedObject(resource.href, resource.etag, [], problem=problem)
        try:
            events = parse_object(resource.data, calendar_id, resource.href, resource.etag)
        except BadObject as exc:
            return FetchedObject(resource.href, resource.etag, [], problem=str(exc))
        return FetchedObject(resource.href, resource.etag, events)

    def _cursor(self, calendar_url: str, token: str) -> str:
        return f"{_CURSOR_VERSION}|{_calendar_tag(calendar_url)}|{token}"

    def _token_of(self, cursor: str | None, calendar_url: str) -> str | None:
        """The server's sync token inside one of our cursors for this calendar, else None."""
        parts = (cursor or "").split("|", 2)
        if len(parts) != 3 or parts[:2] != [_CURSOR_VERSION, _calendar_tag(calendar_url)]:
            return None
        return parts[2] or None

    # ------------------------------------------------------------------ writing

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        from panelist.providers.ical import normalize_draft

        self.check_conference(draft)
        draft = normalize_draft(draft)
        if not isinstance(idempotency_key, str) or not idempotency_key.strip():
            raise ValidationError(
                f"{describe(draft)}: an idempotency key is required", field="idempotency_key"
            )
        event = _as_event(draft, uid=uid_for(idempotency_key), calendar_id=calendar_id)
        return await self._run(self._create, self.calendar_url(calendar_id), event)

    def _create(self, calendar_url: str, event: CalendarEvent) -> CalendarEvent:
        dav = self._dav()
        url = object_url(calendar_url, event.uid)
        for _ in range(_WRITE_ATTEMPTS):
            status, etag = dav.put(url, to_ics([event], self._stamp()), create=True)
            if status < 300:
                return _stored(event, urlsplit(url).path, etag)
            # 412: an earlier attempt already made it; 409: the UID lives at another href.
            found = self._find(calendar_url, event.calendar_id, event.uid)
            if found is not None:
                return _master(found[1])
        raise ProviderConflict(
            f"could not create {describe(event)} in calendar {event.calendar_id!r}: "
            "the server keeps refusing it as a conflict",
            provider=self.id,
        )

    async def update_event(self, calendar_id: str, uid: str, draft: EventDraft) -> CalendarEvent:
        from panelist.providers.ical import normalize_draft

        self.check_conference(draft)
        draft = normalize_draft(draft)
        return await self._run(
            self._update, self.calendar_url(calendar_id), calendar_id, uid, draft
        )

    def _update(
        self, calendar_url: str, calendar_id: str, uid: str, draft: EventDraft
    ) -> CalendarEvent:
        for _ in range(_WRITE_ATTEMPTS):
            found = self._find(calendar_url, calendar_id, uid)
            if found is None:
                raise self._not_found(calendar_id, uid)
            resource, events = found
            old = _master(events)
            new = _as_event(
                draft,
                uid=uid,
                calendar_id=calendar_id,
                sequence=old.sequence + 1,
                attendees=kept_responses(old, draft),
            )
            url = self._dav().absolute(calendar_url, resource.href)
            status, etag = self._dav().put(url, to_ics([new], self._stamp()), etag=resource.etag)
            if status < 300:
                return _stored(new, resource.href, etag)
            # 412: someone (an attendee's reply) changed it meanwhile; read again, reapply.
        raise ProviderConflict(
            f"event {uid!r} in calendar {calendar_id!r} kept changing while being updated",
            provider=self.id,
        )

    async def delete_event(self, calendar_id: str, uid: str) -> None:
        await self._run(self._delete, self.calendar_url(calendar_id), uid)

    def _delete(self, calendar_url: str, uid: str) -> None:
        dav = self._dav()
        if dav.delete(object_url(calendar_url, uid)):
            return
        for resource in dav.query(calendar_url, uid=uid):
            try:
                events = parse_object(resource.data or "", "", resource.href, resource.etag)
            except BadObject:
                continue
            if events and events[0].uid == uid:
                dav.delete(dav.absolute(calendar_url, resource.href))

    def _not_found(self, calendar_id: str, uid: str) -> EventNotFound:
        return EventNotFound(
            f"no event {uid!r} in CalDAV calendar {calendar_id!r}", provider=self.id
        )


# ---------------------------------------------------------------------- helpers


def uid_for(idempotency_key: str) -> str:
    """The UID (and so the resource name) an idempotency key always yields."""
    return str(uuid.uuid5(_UID_NAMESPACE, idempotency_key))


def parse_free_busy(text: str, start: datetime, end: datetime) -> list[BusyInterval]:
    """The busy periods of a VFREEBUSY answer, clipped to [start, end), sorted."""
    import icalendar

    intervals: list[BusyInterval] = []
    for line in _unfolded(text):
        name, _, value = line.partition(":")
        prop, *params = name.split(";")
        if prop.upper() != "FREEBUSY":
            continue
        kind = _fbtype(params)
        if kind is None:
            continue
        for period in value.split(","):
            parse_period: Any = icalendar.vPeriod.from_ical
            begin, finish = parse_period(period.strip())
            if isinstance(finish, timedelta):
                finish = begin + finish
            low, high = max(begin, start), min(finish, end)
            if low < high:
                intervals.append(BusyInterval(low.astimezone(UTC), high.astimezone(UTC), kind))
    return sorted(intervals, key=lambda interval: (interval.start, interval.end))


def _unfolded(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "").split("\n")


def _fbtype(params: list[str]) -> Transparency | None:
    for param in params:
        key, _, value = param.partition("=")
        if key.upper() == "FBTYPE":
            return {
                "FREE": None,
                "BUSY-TENTATIVE": Transparency.TENTATIVE,
            }.get(value.strip('"').upper(), Transparency.BUSY)
    return Transparency.BUSY


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _master(events: list[CalendarEvent]) -> CalendarEvent:
    for event in events:
        if event.recurrence_id is None:
            return event
    return events[0]


def _as_event(draft: EventDraft, **values: Any) -> CalendarEvent:
    draft_values = {f.name: getattr(draft, f.name) for f in fields(EventDraft)}
    return CalendarEvent(**(draft_values | values))


def _stored(event: CalendarEvent, href: str, etag: str | None) -> CalendarEvent:
    extra = {**event.extra, "href": href, "resource": resource_name(href)}
    return replace(event, etag=etag, extra=extra)


def _calendar_tag(calendar_url: str) -> str:
    return hashlib.sha256(calendar_url.encode()).hexdigest()[:10]


def _path_key(href: str) -> str:
    """hrefs compare by unquoted path: servers differ in what they percent-encode."""
    return unquote(urlsplit(href).path).rstrip("/")
