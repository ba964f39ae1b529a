"""Exchange Online (Microsoft 365) calendars through Microsoft Graph, as a Panelist calendar.

Configuration: `panelist_microsoft.config`. Calendar ids are mailbox SMTP addresses.

- One uid everywhere: Exchange gives each mailbox's copy of a meeting its own Graph ``id``
  but the same ``iCalUId``, so `CalendarEvent.uid` is the iCalUId (of the series, for an
  occurrence or exception) in every method. Methods that take a uid find the mailbox's
  Graph id with ``$filter=iCalUId eq '…'`` and remember it per mailbox.
- `list_events` reads ``calendarView`` (Graph expands series; each occurrence keeps the
  series' uid and its ``originalStart`` as `recurrence_id`), every page.
- `sync` follows ``calendarView/delta`` over a window around now (`sync_days_back`,
  `sync_days_ahead`, default -31/+365 days: Graph's delta needs one), its deltaLink the
  cursor. It hands core masters and overrides: single events as they are, each series
  touched as its master (RRULE from Graph's pattern, EXDATEs from the occurrences Graph no
  longer has) plus its exceptions. Every item carries its Graph id as ``extra["resource"]``
  and ``@removed`` ids come back in `deleted_resources`. 410/``syncStateNotFound``/
  ``resyncRequired`` -> `CursorExpired`.
- Creates send ``transactionId`` (from the idempotency key): Exchange returns the first
  event to a retry instead of making a second.
- A scheduling server (`SHARED_EVENTS`): core writes one event in its organiser's mailbox,
  with the panel as attendees and the room as a resource attendee (with
  ``location.locationEmailAddress``); Exchange puts it in each calendar and collects the
  answers. A write whose calendar is a room goes to ``booking_mailbox`` with the room invited.
- A draft naming ``teams`` is written with ``isOnlineMeeting`` and ``teamsForBusiness``;
  the event comes back with ``onlineMeeting.joinUrl`` as `conference_url`.
- Concurrent single-event calls go through ``$batch`` (`panelist_microsoft.batching`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from panelist.errors import (
    AuthenticationFailed,
    CursorExpired,
    EventNotFound,
    NotSupported,
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
    RoomInfo,
    SyncResult,
    Transparency,
)
from panelist.providers.base import Check
from panelist.providers.events import describe, unreadable_unknown
from panelist_microsoft.batching import Batcher
from panelist_microsoft.config import (
    OPTIONS,
    PROVIDER,
    TEAMS,
    MicrosoftSettings,
    calendar_id_problem,
)
from panelist_microsoft.convert import (
    EXPAND_CONFERENCE,
    BadEvent,
    from_graph,
    parse_time,
    to_graph,
    utc_text,
    zone_for,
)
from panelist_microsoft.graph import Graph, mailbox_path, outside_policy, status_of

log = logging.getLogger(__name__)

_CURSOR_VERSION = "ms1"
_PAGE = 200
_SCHEDULES = 20
"""Mailboxes per getSchedule request (Graph documents no higher number; Exchange's
availability service takes at most 100)."""
_SCHEDULE_SPAN = timedelta(days=41)
"""getSchedule answers windows shorter than 42 days; longer ones are asked in pieces."""
_ALL_DAY_SLACK = timedelta(hours=14)
_CONCURRENT_SERIES = 20
"""Series read at once in a sync round (their masters go to Graph in one batch)."""
_WINDOW_MOVES = timedelta(days=7)
"""A delta window set this long ago is set again (a full round, ``reset``) around today."""


class MicrosoftCalendarProvider(CalendarProvider):
    """Events in Exchange Online; one instance serves every mailbox of the tenant."""

    id = PROVIDER
    display_name = "Microsoft 365 (Exchange)"
    capabilities = (
        CalendarCapability.WRITE
        | CalendarCapability.FREE_BUSY
        | CalendarCapability.INCREMENTAL_SYNC
        | CalendarCapability.RSVP_READBACK
        | CalendarCapability.IDEMPOTENT_CREATE
        | CalendarCapability.ATTENDEES
        | CalendarCapability.PRIVATE_EVENTS
        | CalendarCapability.RECURRENCE
        | CalendarCapability.ROOMS
        | CalendarCapability.SHARED_EVENTS
    )
    conferences = (TEAMS,)
    options = OPTIONS

    @classmethod
    def check_calendar_id(cls, settings: Mapping[str, str], calendar_id: str) -> str | None:
        return calendar_id_problem(calendar_id)

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.settings = MicrosoftSettings.from_mapping(context.settings)
        self.graph = Graph(self.settings, lambda name: context.secret(PROVIDER, name))
        self.batcher = Batcher(self.graph)
        self._ids: dict[tuple[str, str], str] = {}
        """(mailbox, iCalUId) -> that mailbox's Graph id of the event (or series master)."""
        self._series_uids: dict[tuple[str, str], str] = {}
        """(mailbox, series master's Graph id) -> the series' iCalUId."""
        self._occurrences: dict[tuple[str, str], str] = {}
        """(mailbox, occurrence Graph id) -> its series master's Graph id (for @removed)."""
        self._rooms: set[str] = set(self.settings.rooms)
        self._rooms_read = False

    @property
    def request_count(self) -> int:
        """HTTP requests this instance has made (a batch counts once)."""
        return self.graph.requests

    async def aclose(self) -> None:
        await self.graph.aclose()

    # ------------------------------------------------------------------ helpers

    def _where(self, calendar_id: str) -> str:
        return f"calendar {calendar_id!r}"

    def is_room(self, calendar_id: str) -> bool:
        return calendar_id.casefold() in self._rooms

    def _home(self, calendar_id: str) -> str:
        """Where a calendar's events are written: a room is booked from `booking_mailbox`
        (the room a resource attendee, Exchange writes its copy and its answer); every other
        mailbox holds its own."""
        if self.is_room(calendar_id) and self.settings.booking_mailbox:
            return self.settings.booking_mailbox
        return calendar_id

    @contextlib.asynccontextmanager
    async def _free_busy_only(self, calendar_id: str) -> AsyncIterator[None]:
        """A mailbox an Exchange application access policy keeps the app out of can still be
        read as free/busy (getSchedule, asked in an allowed mailbox's name): `NotSupported`,
        so that core does that."""
        try:
            yield
        except AuthenticationFailed as exc:
            if not outside_policy(exc):
                raise
            raise NotSupported(
                f"Exchange calendar {calendar_id!r} is outside the app's application access "
                "policy: read as free/busy only",
                provider=self.id,
            ) from None

    async def _home_of(self, calendar_id: str) -> str:
        """`_home`, knowing the tenant's rooms: with a booking mailbox set, the room list is
        read once per instance (one request), so a write on a room's calendar is a booking
        even in a process that never listed rooms."""
        if self.settings.booking_mailbox and not self._rooms_read:
            self._rooms_read = True
            try:
                await self.list_rooms()
            except ProviderError as exc:  # no Place.Read.All: rooms named in settings only
                log.warning("Exchange: rooms not read (%s); only setting 'rooms' names them", exc)
        return self._home(calendar_id)

    async def _pages(self, url: str, where: str, query: Mapping[str, str] | None = None) -> Any:
        """Every item of a paged collection, and the last page (for its deltaLink)."""
        items: list[dict[str, Any]] = []
        prefer = {"Prefer": f"odata.maxpagesize={_PAGE}"}
        page = await self.graph.call("GET", url, where, query=query, headers=prefer)
        while True:
            items.extend((page or {}).get("value") or ())
            link = (page or {}).get("@odata.nextLink")
            if not link:
                return items, page or {}
            page = await self.graph.call("GET", link, where, headers=prefer)

    async def _series_uid(self, mailbox: str, master_id: str) -> str | None:
        key = (mailbox.casefold(), master_id)
        if key not in self._series_uids:
            try:
                master = await self.batcher.call(
                    "GET",
                    f"{mailbox_path(mailbox)}/events/{master_id}?$select=id,iCalUId,type",
                    self._where(mailbox),
                )
            except EventNotFound:
                return None
            uid = (master or {}).get("iCalUId")
            if not uid:
                return None
            self._series_uids[key] = str(uid)
            self._ids[(mailbox.casefold(), str(uid))] = master_id
        return self._series_uids[key]

    async def _series_uids_of(self, mailbox: str, items: list[dict[str, Any]]) -> None:
        """Look up, at once (one batch per 20), the uids of the series these items belong to."""
        wanted = {
            str(i["seriesMasterId"])
            for i in items
            if i.get("seriesMasterId")
            and (mailbox.casefold(), str(i["seriesMasterId"])) not in self._series_uids
        }
        await asyncio.gather(*(self._series_uid(mailbox, m) for m in sorted(wanted)))

    async def _graph_id(self, mailbox: str, uid: str) -> str | None:
        """The mailbox's Graph id for the event (or series) whose iCalUId is `uid`."""
        key = (mailbox.casefold(), uid)
        if key in self._ids:
            return self._ids[key]
        quoted = uid.replace("'", "''")
        found = await self.graph.call(
            "GET",
            f"{mailbox_path(mailbox)}/events",
            self._where(mailbox),
            query={"$filter": f"iCalUId eq '{quoted}'", "$select": "id,iCalUId,type,isCancelled"},
        )
        items = sorted(
            (
                i
                for i in (found or {}).get("value") or ()
                if i.get("type") in (None, "singleInstance", "seriesMaster")
            ),
            key=lambda i: bool(i.get("isCancelled")),  # a live copy before a cancelled one
        )
        if not items:
            return None
        self._ids[key] = str(items[0]["id"])
        return self._ids[key]

    def _forget(self, mailbox: str, uid: str) -> None:
        self._ids.pop((mailbox.casefold(), uid), None)

    async def _item(self, calendar_id: str, uid: str) -> tuple[str, dict[str, Any]] | None:
        """(Graph id, the event) in the calendar's home mailbox; None when it is gone."""
        home = await self._home_of(calendar_id)
        graph_id = await self._graph_id(home, uid)
        if graph_id is None:
            return None
        try:
            item = await self.batcher.call(
                "GET", _event_path(home, graph_id, expand=True), self._where(calendar_id)
            )
        except EventNotFound:
            self._forget(home, uid)
            graph_id = await self._graph_id(home, uid)  # a stale id: ask once more
            if graph_id is None:
                return None
            try:
                item = await self.batcher.call(
                    "GET", _event_path(home, graph_id, expand=True), self._where(calendar_id)
                )
            except EventNotFound:
                self._forget(home, uid)
                return None
        if not item or item.get("isCancelled"):
            return None
        return graph_id, item

    def _not_found(self, calendar_id: str, uid: str) -> EventNotFound:
        return EventNotFound(
            f"no event {uid!r} in Exchange calendar {calendar_id!r}", provider=self.id
        )

    def _parsed(
        self, calendar_id: str, item: dict[str, Any], uid: str | None = None
    ) -> CalendarEvent:
        try:
            return from_graph(item, calendar_id, uid)
        except BadEvent as exc:
            raise ProviderError(
                f"event {item.get('iCalUId') or item.get('id')!r} in Exchange calendar "
                f"{calendar_id!r} cannot be read: {exc}",
                provider=self.id,
            ) from None

    # ------------------------------------------------------------------ reading

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        low, high = start - _ALL_DAY_SLACK, end + _ALL_DAY_SLACK
        async with self._free_busy_only(calendar_id):
            items, _ = await self._pages(
                f"{mailbox_path(calendar_id)}/calendarView",
                self._where(calendar_id),
                {
                    "startDateTime": utc_text(low),
                    "endDateTime": utc_text(high),
                    "$expand": EXPAND_CONFERENCE,
                },
            )
        await self._series_uids_of(calendar_id, items)
        events: list[CalendarEvent] = []
        for item in items:
            if item.get("isCancelled"):
                continue
            event = await self._readable(calendar_id, item, start, end)
            if event is not None and _overlaps(event, start, end):
                events.append(event)
        return sorted(events, key=_sort_key)

    async def _readable(
        self, calendar_id: str, item: dict[str, Any], start: datetime, end: datetime
    ) -> CalendarEvent | None:
        uid = None
        if item.get("seriesMasterId"):
            uid = await self._series_uid(calendar_id, str(item["seriesMasterId"]))
        try:
            return from_graph(item, calendar_id, uid)
        except BadEvent as exc:
            reference = str(item.get("iCalUId") or item.get("id") or "(no id)")
            log.warning(
                "Exchange: skipped event %s in calendar %s: %s", reference, calendar_id, exc
            )
            return unreadable_unknown(
                reference, calendar_id, f"calendar {calendar_id!r}: {exc}", start, end
            )

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        found = await self._item(calendar_id, uid)
        if found is None:
            raise self._not_found(calendar_id, uid)
        graph_id, item = found
        event = self._parsed(calendar_id, item)
        if item.get("type") == "seriesMaster":
            event = await self._with_exdates(await self._home_of(calendar_id), graph_id, event)
        return event

    async def _with_exdates(
        self,
        mailbox: str,
        graph_id: str,
        master: CalendarEvent,
        seen: set[datetime] | None = None,
    ) -> CalendarEvent:
        """The master with EXDATEs: the starts its rule gives inside the sync window that
        Graph has no occurrence for (Graph v1.0 names no cancelled occurrences on a master).
        `seen`: the original starts of every occurrence in the window, when the caller has
        them (a full delta round); otherwise they are read from calendarView."""
        if not master.rrule:
            return master
        now = self._now()
        low = now - timedelta(days=self.settings.days_back)
        high = now + timedelta(days=self.settings.days_ahead)
        expected = [t for t in _expand(master, high) if t >= low]
        if not expected:
            return master
        if seen is None:
            seen = set()
            first, last = min(expected), max(expected) + timedelta(days=1)
            for item in await self._instances(mailbox, graph_id, first - _ALL_DAY_SLACK, last):
                if item.get("isCancelled"):
                    continue
                original = item.get("originalStart")
                try:
                    seen.add(_key(_instant(original) if original else _instant_of(item)))
                except (BadEvent, ValueError):
                    continue
        missing = tuple(t for t in expected if _key(t) not in seen)
        if isinstance(master.start, date) and not isinstance(master.start, datetime):
            missing = tuple(t.date() if isinstance(t, datetime) else t for t in missing)
        elif master.timezone and (zone := zone_for(master.timezone)) is not None:
            missing = tuple(t.astimezone(zone) for t in missing)
        return dataclasses.replace(master, exdates=missing)

    async def _instances(
        self, mailbox: str, graph_id: str, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """The occurrences and exceptions of one series in [start, end)."""
        items, _ = await self._pages(
            f"{mailbox_path(mailbox)}/events/{graph_id}/instances",
            self._where(mailbox),
            {"startDateTime": utc_text(start), "endDateTime": utc_text(end)},
        )
        return [i for i in items if str(i.get("seriesMasterId") or graph_id) == graph_id]

    def _now(self) -> datetime:
        clock = getattr(self.context, "clock", None)
        now = clock.now() if clock is not None else datetime.now(UTC)
        return now if now.tzinfo is not None else now.replace(tzinfo=UTC)

    # ------------------------------------------------------------------ free/busy

    async def free_busy(
        self, calendar_ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """getSchedule: at most `_SCHEDULES` mailboxes and under 42 days a request. It needs
        only free/busy rights. A mailbox Graph answers an error for fails the call in one
        line naming it."""
        ids = list(dict.fromkeys(calendar_ids))
        result: dict[str, list[BusyInterval]] = {c: [] for c in ids}
        if not ids:
            return {}
        low, high = _aware(start), _aware(end)
        anchor = self.settings.booking_mailbox or ids[0]
        piece = low
        while piece < high:
            piece_end = min(piece + _SCHEDULE_SPAN, high)
            for index in range(0, len(ids), _SCHEDULES):
                chunk = ids[index : index + _SCHEDULES]
                found = await self._schedule(anchor, chunk, piece, piece_end)
                for calendar_id, intervals in found.items():
                    result[calendar_id].extend(intervals)
            piece = piece_end
        return {c: _merged(result[c], low, high) for c in calendar_ids}

    async def _schedule(
        self, anchor: str, ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        body = {
            "schedules": ids,
            "startTime": {
                "dateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
            "endTime": {
                "dateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
            "availabilityViewInterval": 15,
        }
        where = "free/busy of " + ", ".join(repr(i) for i in ids)
        candidates = list(dict.fromkeys([anchor, *ids]))
        while True:  # asked in one mailbox's name: any that has one will do
            anchor = candidates.pop(0)
            try:
                answer = await self.graph.call(
                    "POST",
                    f"{mailbox_path(anchor)}/calendar/getSchedule",
                    f"{where} (asked as {anchor!r})",
                    body=body,
                )
            except ProviderError as exc:
                if not (status_of(exc) == 404 or outside_policy(exc)) or not candidates:
                    raise
                continue
            break
        by_id = {
            str(v.get("scheduleId", "")).casefold(): v for v in (answer or {}).get("value") or ()
        }
        result: dict[str, list[BusyInterval]] = {}
        for calendar_id in ids:
            found = by_id.get(calendar_id.casefold())
            if found is None:
                raise ProviderError(
                    f"not integrated: Graph sent no free/busy for calendar {calendar_id!r}",
                    provider=self.id,
                )
            if found.get("error"):
                code = (found["error"] or {}).get("responseCode") or "error"
                raise ProviderError(
                    f"not integrated: Exchange has no free/busy for calendar {calendar_id!r} "
                    f"(no such mailbox, or not shared: {code})",
                    provider=self.id,
                )
            intervals = []
            for item in found.get("scheduleItems") or ():
                status = str(item.get("status") or "busy").lower()
                if status in ("free", "workingelsewhere"):
                    continue
                try:
                    s = parse_time(item.get("start"), "start")
                    e = parse_time(item.get("end"), "end")
                except BadEvent:
                    continue
                assert isinstance(s, datetime) and isinstance(e, datetime)
                kind = Transparency.TENTATIVE if status == "tentative" else Transparency.BUSY
                intervals.append(BusyInterval(s, e, kind))
            result[calendar_id] = intervals
        return result

    # ------------------------------------------------------------------ rooms

    async def list_rooms(self) -> list[RoomInfo]:
        """Rooms of the tenant (``/places/microsoft.graph.room``), every page."""
        items, _ = await self._pages("/places/microsoft.graph.room", "the room list")
        rooms = []
        for item in items:
            email = item.get("emailAddress")
            if not email:
                continue
            building = item.get("building") or None
            floor = item.get("floorNumber")
            if floor is not None and str(floor).strip():
                building = f"{building}, floor {floor}" if building else f"floor {floor}"
            capacity = item.get("capacity")
            rooms.append(
                RoomInfo(
                    calendar_id=str(email),
                    name=str(item.get("displayName") or email),
                    capacity=int(capacity) if isinstance(capacity, int) else None,
                    email=str(email),
                    building=building,
                )
            )
            self._rooms.add(str(email).casefold())
        self._rooms_read = True
        return rooms

    # ------------------------------------------------------------------ sync

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        """Changes since `cursor`, or everything in the window (``reset``) without one of
        ours, or once the window it follows has fallen `_WINDOW_MOVES` behind the clock
        (a deltaLink keeps the window it was made for)."""
        now = self._now()
        link, since = _link_of(cursor, calendar_id)
        if link and not self.graph.on_graph(link):
            link = None  # a cursor of another Graph (api_base changed): start over
        if link and (since is None or now.date() - since > _WINDOW_MOVES):
            link = None
        where = self._where(calendar_id)
        if link:
            try:
                items, last = await self._pages(link, where)
            except ProviderError as exc:
                if isinstance(exc, CursorExpired) or status_of(exc) in (400, 410):
                    raise CursorExpired(
                        f"Exchange no longer knows the delta link of calendar {calendar_id!r}",
                        provider=self.id,
                    ) from None
                raise
        else:
            since = now.date()
            window = {
                "startDateTime": utc_text(now - timedelta(days=self.settings.days_back)),
                "endDateTime": utc_text(now + timedelta(days=self.settings.days_ahead)),
            }
            async with self._free_busy_only(calendar_id):
                items, last = await self._pages(
                    f"{mailbox_path(calendar_id)}/calendarView/delta", where, window
                )
        delta_link = last.get("@odata.deltaLink")
        if not delta_link:
            raise ProviderError(
                f"Graph sent no delta link for calendar {calendar_id!r}", provider=self.id
            )
        changed: list[CalendarEvent] = []
        deleted: list[str] = []
        gone: list[str] = []
        problems: list[str] = []
        series: dict[str, None] = {}
        starts: dict[str, set[datetime]] = {}  # a full round: every occurrence in the window
        mailbox = calendar_id.casefold()
        await self._series_uids_of(
            calendar_id, [i for i in items if i.get("type") == "exception" and "@removed" not in i]
        )
        for item in items:
            graph_id = str(item.get("id") or "")
            if "@removed" in item or item.get("isCancelled"):
                master = self._occurrences.pop((mailbox, graph_id), None)
                if master is not None:
                    series[master] = None
                gone.append(graph_id)
                continue
            kind = item.get("type") or "singleInstance"
            if kind in ("occurrence", "exception") and item.get("seriesMasterId"):
                master_id = str(item["seriesMasterId"])
                self._occurrences[(mailbox, graph_id)] = master_id
                series[master_id] = None
                with contextlib.suppress(BadEvent, ValueError):
                    original = item.get("originalStart")
                    when = _instant(original) if original else _instant_of(item)
                    starts.setdefault(master_id, set()).add(_key(when))
                if kind == "occurrence":
                    continue
            elif kind == "seriesMaster":
                series[graph_id] = None
                continue
            uid = None
            if item.get("seriesMasterId"):
                uid = await self._series_uid(calendar_id, str(item["seriesMasterId"]))
            try:
                changed.append(from_graph(item, calendar_id, uid))
            except BadEvent as exc:
                problems.append(
                    f"event {item.get('iCalUId') or graph_id!r} in calendar {calendar_id!r}: {exc}"
                )
        limit = asyncio.Semaphore(_CONCURRENT_SERIES)

        async def master_of(master_id: str) -> CalendarEvent | str | None:
            """The series' master with its EXDATEs; a problem line; None when it is gone."""
            async with limit:
                try:
                    master = await self.batcher.call(
                        "GET", _event_path(calendar_id, master_id, expand=True), where
                    )
                except EventNotFound:
                    master = None
                if not master or master.get("isCancelled"):
                    return None
                try:
                    event = from_graph(master, calendar_id)
                except BadEvent as exc:
                    return (
                        f"series {master.get('iCalUId') or master_id!r} "
                        f"in calendar {calendar_id!r}: {exc}"
                    )
                self._series_uids[(mailbox, master_id)] = event.uid
                seen = None if link else starts.get(master_id, set())
                return await self._with_exdates(calendar_id, master_id, event, seen)

        masters = list(series)
        for master_id, found in zip(
            masters, await asyncio.gather(*(master_of(m) for m in masters)), strict=True
        ):
            if isinstance(found, CalendarEvent):
                changed.append(found)
            elif isinstance(found, str):
                problems.append(found)
            else:
                gone.append(master_id)
                uid = self._series_uids.get((mailbox, master_id))
                if uid:
                    deleted.append(uid)
        cursor_out = (
            f"{_CURSOR_VERSION}|{_calendar_tag(calendar_id)}|{since.isoformat()}|{delta_link}"
        )
        return SyncResult(
            changed,
            deleted,
            cursor_out,
            reset=not link,
            problems=problems,
            deleted_resources=gone,
        )

    # ------------------------------------------------------------------ writing

    def _wants_teams(self, draft: EventDraft) -> bool:
        self.check_conference(draft)
        return draft.conference == TEAMS

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        from panelist.providers.ical import normalize_draft

        draft = normalize_draft(draft)
        if not isinstance(idempotency_key, str) or not idempotency_key.strip():
            raise ValidationError(
                f"{describe(draft)}: an idempotency key is required", field="idempotency_key"
            )
        teams = self._wants_teams(draft)
        home = await self._home_of(calendar_id)
        room = calendar_id if home != calendar_id else None
        body = to_graph(draft, idempotency_key=idempotency_key, teams=teams, room=room)
        item = await self.batcher.call(
            "POST", f"{mailbox_path(home)}/events", self._where(calendar_id), body
        )
        if not item or not item.get("id"):
            raise ProviderError(
                f"Graph sent no event back for a create in calendar {calendar_id!r}",
                provider=self.id,
            )
        graph_id = str(item["id"])
        event = self._parsed(calendar_id, item)
        if not teams and draft.conference_url and not event.conference_url:
            event = dataclasses.replace(event, conference_url=draft.conference_url)
        self._ids[(home.casefold(), event.uid)] = graph_id
        if draft.exdates and item.get("type") == "seriesMaster":
            await self._cancel_occurrences(home, graph_id, draft.exdates)
            event = dataclasses.replace(event, exdates=draft.exdates)
        if teams and not event.conference_url:
            again = await self.graph.call(
                "GET", f"{mailbox_path(home)}/events/{graph_id}", self._where(calendar_id)
            )
            event = self._parsed(calendar_id, again or item)
        if teams and not event.conference_url:
            # Exchange makes the event without its meeting when the organiser has no Teams
            # licence: no event is left without the meeting it was asked for.
            with contextlib.suppress(ProviderError):
                await self.graph.call(
                    "DELETE", f"{mailbox_path(home)}/events/{graph_id}", self._where(calendar_id)
                )
            self._forget(home, event.uid)
            raise ProviderError(
                f"Exchange made no Teams meeting in calendar {home!r}: is its owner licensed "
                "for Teams?",
                provider=self.id,
            )
        return event

    async def _cancel_occurrences(self, mailbox: str, graph_id: str, exdates: Any) -> None:
        """EXDATEs: Graph takes none on a series, so the occurrences are deleted one by one."""
        for moment in exdates:
            instant = (
                moment
                if isinstance(moment, datetime)
                else datetime.combine(moment, datetime.min.time(), UTC)
            )
            instances = await self._instances(
                mailbox,
                graph_id,
                instant - _ALL_DAY_SLACK,
                instant + timedelta(days=1) + _ALL_DAY_SLACK,
            )
            for item in instances:
                original = item.get("originalStart")
                try:
                    when = _instant(original) if original else _instant_of(item)
                except (BadEvent, ValueError):
                    continue
                if _key(when) == _key(instant) or (
                    not isinstance(moment, datetime) and when.date() == moment
                ):
                    with contextlib.suppress(EventNotFound):
                        await self.graph.call(
                            "DELETE",
                            f"{mailbox_path(mailbox)}/events/{item['id']}",
                            self._where(mailbox),
                        )

    async def update_event(self, calendar_id: str, uid: str, draft: EventDraft) -> CalendarEvent:
        from panelist.providers.ical import normalize_draft

        draft = normalize_draft(draft)
        teams = self._wants_teams(draft)
        found = await self._item(calendar_id, uid)
        if found is None:
            raise self._not_found(calendar_id, uid)
        graph_id, existing = found
        home = await self._home_of(calendar_id)
        room = calendar_id if home != calendar_id else None
        body = to_graph(draft, teams=teams, room=room)
        if existing.get("recurrence") and "recurrence" not in body:
            body["recurrence"] = None  # a series may become a single event
        if teams and (existing.get("onlineMeeting") or {}).get("joinUrl"):
            body.pop("onlineMeetingProvider", None)  # the meeting it has stays
        try:
            item = await self.batcher.call(
                "PATCH", f"{mailbox_path(home)}/events/{graph_id}", self._where(calendar_id), body
            )
        except EventNotFound:
            self._forget(home, uid)
            raise self._not_found(calendar_id, uid) from None
        if not item:
            item = await self.graph.call(
                "GET", f"{mailbox_path(home)}/events/{graph_id}", self._where(calendar_id)
            )
        event = self._parsed(calendar_id, item)
        has_teams = bool((item.get("onlineMeeting") or {}).get("joinUrl"))
        if not has_teams and event.conference_url != (draft.conference_url or None):
            event = dataclasses.replace(event, conference_url=draft.conference_url or None)
        before = self._parsed(calendar_id, existing).sequence
        event = dataclasses.replace(event, sequence=max(event.sequence, before + 1))
        if draft.exdates and item.get("type") == "seriesMaster":
            await self._cancel_occurrences(home, graph_id, draft.exdates)
            event = dataclasses.replace(event, exdates=draft.exdates)
        return event

    async def delete_event(self, calendar_id: str, uid: str) -> None:
        home = await self._home_of(calendar_id)
        graph_id = await self._graph_id(home, uid)
        if graph_id is None:
            return
        with contextlib.suppress(EventNotFound):  # gone already: what was asked for
            await self.batcher.call(
                "DELETE", f"{mailbox_path(home)}/events/{graph_id}", self._where(calendar_id)
            )
        self._forget(home, uid)

    # ------------------------------------------------------------------ checks

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """Settings, the sign-in, and each calendar read for a minute of its calendarView."""
        lines: list[Check] = []
        try:
            self.settings.require()
        except Exception as exc:
            return [Check("Microsoft settings", "fail", str(exc))]
        lines.append(Check("Microsoft settings", "ok", f"tenant {self.settings.tenant_id}"))
        now = self._now()
        for calendar_id in calendar_ids:
            problem = calendar_id_problem(calendar_id)
            if problem:
                lines.append(Check("Exchange calendar", "fail", problem, calendar_id=calendar_id))
                continue
            try:
                await self.graph.call(
                    "GET",
                    f"{mailbox_path(calendar_id)}/calendarView",
                    self._where(calendar_id),
                    query={
                        "startDateTime": utc_text(now),
                        "endDateTime": utc_text(now + timedelta(minutes=1)),
                        "$top": "1",
                    },
                )
            except ProviderError as exc:
                if outside_policy(exc):
                    detail = (
                        f"calendar {calendar_id!r} is outside the app's application access "
                        "policy: read as free/busy only, no events written"
                    )
                    lines.append(
                        Check(
                            "Exchange calendar",
                            "warn",
                            detail,
                            calendar_id=calendar_id,
                            writable=False,
                        )
                    )
                    continue
                lines.append(Check("Exchange calendar", "fail", str(exc), calendar_id=calendar_id))
            else:
                lines.append(
                    Check(
                        "Exchange calendar",
                        "ok",
                        f"calendar {calendar_id!r} can be read",
                        calendar_id=calendar_id,
                        writable=True,
                    )
                )
        return lines


# ---------------------------------------------------------------------- helpers


def _event_path(mailbox: str, graph_id: str, *, expand: bool = False) -> str:
    """``/users/{mailbox}/events/{id}``, asking for the conference property with `expand`
    (a path with its query, as a batch part takes it)."""
    path = f"{mailbox_path(mailbox)}/events/{graph_id}"
    if expand:
        path += "?$expand=" + quote(EXPAND_CONFERENCE, safe="$(),'=")
    return path


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _overlaps(event: CalendarEvent, start: datetime, end: datetime) -> bool:
    s, e = event.start, event.end
    if isinstance(s, datetime) and isinstance(e, datetime) and s.tzinfo and e.tzinfo:
        return s < _aware(end) and e > _aware(start)
    if isinstance(s, date) and isinstance(e, date):  # all-day: dates in the window's zone
        zone = start.tzinfo or UTC
        first = datetime.combine(s if not isinstance(s, datetime) else s.date(), time(), zone)
        last = datetime.combine(e if not isinstance(e, datetime) else e.date(), time(), zone)
        return first < _aware(end) and last > _aware(start)
    return True


def _sort_key(event: CalendarEvent) -> tuple[str, str]:
    s = event.start
    text = s.astimezone(UTC).isoformat() if isinstance(s, datetime) and s.tzinfo else str(s)
    return (text, event.uid)


def _merged(intervals: list[BusyInterval], low: datetime, high: datetime) -> list[BusyInterval]:
    clipped = [
        BusyInterval(max(i.start, low), min(i.end, high), i.transparency)
        for i in intervals
        if i.start < high and i.end > low
    ]
    unique = {(i.start, i.end, i.transparency): i for i in clipped}
    return sorted(unique.values(), key=lambda i: (i.start, i.end))


def _instant(text: Any) -> datetime:
    from panelist_microsoft.convert import _parse_instant

    return _parse_instant(text, "originalStart")


def _instant_of(item: dict[str, Any]) -> datetime:
    value = parse_time(item.get("start"), "start")
    if not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time(), UTC)
    return value


def _key(moment: Any) -> Any:
    if isinstance(moment, datetime):
        return _aware(moment).astimezone(UTC).replace(microsecond=0)
    return moment


def _expand(master: CalendarEvent, horizon: datetime) -> list[datetime]:
    """The starts the master's rule gives (as UTC instants), up to `horizon`."""
    from dateutil.rrule import rrulestr

    start = master.start
    if isinstance(start, datetime):
        zone = zone_for(master.timezone) or UTC
        local = start.astimezone(zone).replace(tzinfo=None)
    else:
        zone = UTC
        local = datetime.combine(start, datetime.min.time())
    try:
        rule = rrulestr(master.rrule or "", dtstart=local, ignoretz=True)
    except (ValueError, TypeError):
        return []
    limit = horizon.astimezone(zone).replace(tzinfo=None)
    found = []
    for moment in rule:
        if moment > limit or len(found) > 2000:
            break
        found.append(moment.replace(tzinfo=zone).astimezone(UTC))
    return found


def _calendar_tag(calendar_id: str) -> str:
    return hashlib.sha256(calendar_id.casefold().encode()).hexdigest()[:10]


def _link_of(cursor: str | None, calendar_id: str) -> tuple[str | None, date | None]:
    """Graph's deltaLink inside one of our cursors for this calendar and the day its window
    was set from; (None, None) for anything else."""
    parts = (cursor or "").split("|", 3)
    if len(parts) != 4 or parts[:2] != [_CURSOR_VERSION, _calendar_tag(calendar_id)]:
        return None, None
    try:
        since = date.fromisoformat(parts[2])
    except ValueError:
        return None, None
    return parts[3] or None, since


__all__ = ["MicrosoftCalendarProvider", "NotSupported"]
