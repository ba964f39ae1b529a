"""Google Calendar (Workspace or personal accounts) as a Panelist calendar.

Configuration: `panelist_google.config`. Calendar ids are Google's: a person's email for
their primary calendar, ``…@resource.calendar.google.com`` for a room.

- Reads ask for masters and overrides (``singleEvents=false``) and expand them with core's
  one recurrence path (`panelist.providers.ical.expand_events`), as CalDAV does, so the
  grid, the cache and the availability finder see one expansion whichever provider it is.
- `sync` follows Google's ``syncToken`` (410 -> `CursorExpired`); cancelled items are
  deletions, or cancelled overrides when they name their series.
- Creates send a client event id derived from the idempotency key (base32hex): a retry
  meets 409 and reads the event the first attempt made.
- A scheduling server (`SHARED_EVENTS`): one event on its organiser's calendar, with the
  panel as attendees and the room as a resource attendee, is the event in each attendee's
  calendar (same id), and each answer, the room's too, comes back to it. A draft on a
  person's calendar is written with its attendees as they are; only a write whose calendar
  is a room goes through the booking account (`_home`).
- A draft naming ``google_meet`` (`EventDraft.conference`) makes its Meet with the event:
  ``conferenceData.createRequest`` whose requestId is the event id, read again while
  ``pending`` (`panelist_google.conference`); the Meet keeps with updates (patch without
  conferenceData) and goes when the event is deleted.
- Every write sends ``sendUpdates=none``: Panelist mails the candidate and the panel
  itself, so a Google notice would only duplicate Panelist's own mails (and show a private
  interview's details in Google's template).

Every googleapiclient call runs in a worker thread (`anyio.to_thread`), so the TUI never
waits on it; the libraries are imported there, on first use.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

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
    RoomInfo,
    SyncResult,
    Transparency,
)
from panelist.providers.base import Check
from panelist.providers.events import describe, kept_responses, unreadable_unknown
from panelist_google.auth import Grants
from panelist_google.batching import Coalescer
from panelist_google.conference import create_request, join_url, settled
from panelist_google.conference import status as meet_status
from panelist_google.config import (
    MEET_PROVIDER,
    OPTIONS,
    PROVIDER,
    GoogleSettings,
    calendar_id_problem,
)
from panelist_google.convert import (
    BadEvent,
    as_event,
    event_id_for,
    from_google,
    parse_time,
    rfc3339,
    to_google,
)
from panelist_google.google_api import GoogleError, Wire

log = logging.getLogger(__name__)
T = TypeVar("T")

_CURSOR_VERSION = "google1"
_PAGE = 2500  # Google's largest page
_FREE_BUSY_BATCH = 50  # calendarExpansionMax
# All-day events are dates in the calendar's own zone (UTC-12..UTC+14): the query is
# widened, and core's expansion then decides exactly.
_WALL_CLOCK_SLACK = timedelta(hours=14)
SEND_UPDATES = "none"


class GoogleCalendarProvider(CalendarProvider):
    """Events in Google Calendar; one instance serves every calendar of the company."""

    id = PROVIDER
    display_name = "Google Calendar"
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
    conferences = (MEET_PROVIDER,)
    options = OPTIONS

    @classmethod
    def check_calendar_id(cls, settings: Mapping[str, str], calendar_id: str) -> str | None:
        return calendar_id_problem(calendar_id)

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.settings = GoogleSettings.from_mapping(context.settings)
        self.grants = Grants(self.settings, lambda name: context.secret(PROVIDER, name))
        self.wire = Wire(self.settings, self.grants)
        self.coalescer = Coalescer(self.wire)

    @property
    def request_count(self) -> int:
        """HTTP requests this instance has made (a batch counts once)."""
        return self.wire.requests

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args))

    def _events(self) -> Any:
        return self.wire.service("calendar").events()

    def _where(self, calendar_id: str, subject: str) -> str:
        if subject and subject != calendar_id.casefold():
            return f"calendar {calendar_id!r} (as {subject})"
        return f"calendar {calendar_id!r}"

    def _call(self, calendar_id: str, make: Callable[[Any], Any]) -> Any:
        """One events request on `calendar_id`, as the account that reaches it."""
        subject = self.grants.subject_for(calendar_id)
        return self.wire.execute(make(self._events()), subject, self._where(calendar_id, subject))

    def _pages(self, calendar_id: str, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
        """Every page of events.list; the items and the last page's nextSyncToken.

        A calendar shared only as free/busy answers with times alone (``accessRole``
        freeBusyReader): `NotSupported`, so that core reads it as free/busy instead.
        """
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            page_params = {**params, **({"pageToken": page_token} if page_token else {})}
            page = self._call(
                calendar_id,
                lambda events, p=page_params: events.list(
                    calendarId=calendar_id, maxResults=_PAGE, **p
                ),
            )
            if page.get("accessRole") == "freeBusyReader":
                raise NotSupported(
                    f"Google calendar {calendar_id!r} is shared with Panelist as free/busy only",
                    provider=self.id,
                )
            items.extend(page.get("items") or ())
            page_token = page.get("nextPageToken")
            if not page_token:
                return items, page.get("nextSyncToken")

    # ------------------------------------------------------------------ reading

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        from panelist.providers.ical import expand_events

        low, high = start - _WALL_CLOCK_SLACK, end + _WALL_CLOCK_SLACK

        def read() -> list[CalendarEvent]:
            items, _ = self._pages(
                calendar_id, singleEvents=False, timeMin=rfc3339(low), timeMax=rfc3339(high)
            )  # NotSupported for a free/busy-only calendar: callers then ask `free_busy`
            events = [self._readable(calendar_id, item, start, end) for item in items]
            found: list[CalendarEvent] = expand_events(events, start, end)
            return found

        return await self._run(read)

    def _readable(
        self, calendar_id: str, item: dict[str, Any], start: datetime, end: datetime
    ) -> CalendarEvent:
        try:
            return from_google(item, calendar_id)
        except BadEvent as exc:
            reference = str(item.get("id") or "(no id)")
            log.warning("Google: skipped event %s in calendar %s: %s", reference, calendar_id, exc)
            return unreadable_unknown(reference, calendar_id, str(exc), start, end)

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        item = await self._get(calendar_id, uid)
        if item is None or item.get("status") == "cancelled":
            raise self._not_found(calendar_id, uid)
        return self._parsed(calendar_id, item)

    async def _one(self, calendar_id: str, make: Callable[[Any, str], Any]) -> Any:
        """One request on a single event of `calendar_id`, as the account that reaches it,
        in the calendar that holds it (`_home`); sent in a batch with the calls made at the
        same moment (`panelist_google.batching`)."""
        home = self._home(calendar_id)
        subject = self.grants.subject_for(home)
        where = self._where(calendar_id, subject)
        return await self.coalescer.call(subject, lambda: make(self._events(), home), where)

    def _home(self, calendar_id: str) -> str:
        """Where a calendar's bookings are written: a room is booked by inviting it (a
        resource attendee) from the booking account's calendar, as Google wants; Google
        writes the room's own copy and its answer. Every other calendar holds its own."""
        if self.settings.is_room(calendar_id):
            return self.grants.booking_account()
        return calendar_id

    async def _get(self, calendar_id: str, uid: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = await self._one(
                calendar_id, lambda events, home: events.get(calendarId=home, eventId=uid)
            )
        except GoogleError as exc:
            if exc.status in (404, 410):
                return None
            raise
        return found

    def _parsed(self, calendar_id: str, item: dict[str, Any]) -> CalendarEvent:
        try:
            return from_google(item, calendar_id)
        except BadEvent as exc:
            raise ProviderError(
                f"event {item.get('id')!r} in calendar {calendar_id!r} cannot be read: {exc}",
                provider=self.id,
            ) from None

    async def free_busy(
        self, calendar_ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """Google's freeBusy query, at most 50 calendars a request, grouped by the account
        that reaches them; it needs only free/busy rights. A calendar Google reports an
        error for (``notFound``: not shared, or no such calendar) fails the call in one line."""
        groups: dict[str, list[str]] = {}
        for calendar_id in dict.fromkeys(calendar_ids):
            groups.setdefault(self.grants.subject_for(calendar_id), []).append(calendar_id)
        result: dict[str, list[BusyInterval]] = {}
        for subject, ids in groups.items():
            for index in range(0, len(ids), _FREE_BUSY_BATCH):
                chunk = ids[index : index + _FREE_BUSY_BATCH]
                answer = await self._run(self._free_busy, subject, chunk, start, end)
                result.update(answer)
        return {calendar_id: result[calendar_id] for calendar_id in calendar_ids}

    def _free_busy(
        self, subject: str, ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        body = {
            "timeMin": rfc3339(start),
            "timeMax": rfc3339(end),
            "items": [{"id": i} for i in ids],
        }
        where = f"free/busy of {', '.join(repr(i) for i in ids)}"
        request = self.wire.service("calendar").freebusy().query(body=body)
        answer = self.wire.execute(request, subject, where)
        calendars = answer.get("calendars") or {}
        low, high = _aware(start), _aware(end)
        result: dict[str, list[BusyInterval]] = {}
        for calendar_id in ids:
            found = calendars.get(calendar_id) or _case_insensitive(calendars, calendar_id)
            if found is None:
                raise ProviderError(
                    f"not integrated: Google sent no free/busy for calendar {calendar_id!r}",
                    provider=self.id,
                )
            if found.get("errors"):
                reasons = ", ".join(str(e.get("reason")) for e in found["errors"])
                raise ProviderError(
                    f"not integrated: Google calendar {calendar_id!r} is not shared with "
                    f"{subject or 'Panelist'} or does not exist ({reasons})",
                    provider=self.id,
                )
            result[calendar_id] = _busy(found.get("busy") or (), low, high)
        return result

    # ------------------------------------------------------------------ rooms

    async def list_rooms(self) -> list[RoomInfo]:
        """Workspace room resources (Admin SDK Directory resources.calendars), every page."""
        return await self._run(self._rooms)

    def _rooms(self) -> list[RoomInfo]:
        subject = self.grants.directory_subject()
        calendars = self.wire.service("directory").resources().calendars()
        rooms: list[RoomInfo] = []
        page_token: str | None = None
        while True:
            extra = {"pageToken": page_token} if page_token else {}
            answer = self.wire.execute(
                calendars.list(customer=self.settings.customer, maxResults=500, **extra),
                subject,
                "the Workspace room list",
            )
            for item in answer.get("items") or ():
                email = item.get("resourceEmail")
                if not email:
                    continue
                rooms.append(
                    RoomInfo(
                        calendar_id=str(email),
                        name=str(item.get("resourceName") or email),
                        capacity=_capacity(item.get("capacity")),
                        email=str(email),
                        building=item.get("buildingId") or None,
                    )
                )
            page_token = answer.get("nextPageToken")
            if not page_token:
                return rooms

    # ------------------------------------------------------------------ sync

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        """Masters and overrides changed since `cursor` (Google's syncToken), or everything
        (``reset``) without a cursor of ours for this calendar."""
        token = _token_of(cursor, calendar_id)
        params: dict[str, Any] = {"syncToken": token} if token else {"singleEvents": False}
        try:
            items, next_token = await self._run(lambda: self._pages(calendar_id, **params))
        except GoogleError as exc:
            if exc.status == 410 and token:
                raise CursorExpired(
                    f"Google no longer knows the sync token of calendar {calendar_id!r}",
                    provider=self.id,
                ) from None
            if exc.status in (403, 404) and not exc.retryable:
                raise NotSupported(
                    f"calendar {calendar_id!r} cannot be read as events ({exc}): free/busy only?",
                    provider=self.id,
                ) from None
            raise
        if not next_token:
            raise ProviderError(
                f"Google sent no sync token for calendar {calendar_id!r}", provider=self.id
            )
        changed, deleted, problems = [], [], []
        for item in items:
            if item.get("status") == "cancelled" and not item.get("recurringEventId"):
                deleted.append(str(item.get("id")))  # a cancelled occurrence is an override
                continue
            try:
                changed.append(from_google(item, calendar_id))
            except BadEvent as exc:
                problems.append(f"event {item.get('id')!r}: {exc}")
        cursor_out = f"{_CURSOR_VERSION}|{_calendar_tag(calendar_id)}|{next_token}"
        return SyncResult(changed, deleted, cursor_out, reset=not token, problems=problems)

    # ------------------------------------------------------------------ writing

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        from panelist.providers.ical import normalize_draft

        draft = normalize_draft(draft)
        if not isinstance(idempotency_key, str) or not idempotency_key.strip():
            raise ValidationError(
                f"{describe(draft)}: an idempotency key is required", field="idempotency_key"
            )
        meet = self._wants_meet(draft)
        body = to_google(draft, idempotency_key=idempotency_key)
        body["id"] = event_id_for(idempotency_key)
        if self.settings.is_room(calendar_id):
            body["attendees"] = [*body["attendees"], _room_attendee(calendar_id, None)]
        extra: dict[str, Any] = {}
        if meet:  # the Meet's request id is the event's: a retry makes no second Meet
            body["conferenceData"] = create_request(body["id"])
            extra["conferenceDataVersion"] = 1
        try:
            item = await self._one(
                calendar_id,
                lambda events, home: events.insert(
                    calendarId=home, body=body, sendUpdates=SEND_UPDATES, **extra
                ),
            )
        except GoogleError as exc:
            if exc.status != 409:
                raise
            item = await self._made_before(calendar_id, body["id"])
        if meet:
            item = await self._with_meet(calendar_id, item)
        return self._parsed(calendar_id, item)

    def _wants_meet(self, draft: EventDraft) -> bool:
        """Whether the draft asks for a Meet with the event; another conference is refused."""
        self.check_conference(draft)
        return draft.conference is not None

    async def _with_meet(self, calendar_id: str, item: dict[str, Any]) -> dict[str, Any]:
        """The event once Google made its Meet: read again while it is ``pending``."""

        async def read(event_id: str) -> dict[str, Any]:
            found = await self._get(calendar_id, event_id)
            if found is None or found.get("status") == "cancelled":
                raise self._not_found(calendar_id, event_id)
            return found

        host = self._home(calendar_id)
        return await settled(item, read, host, self.id)

    async def _made_before(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        """409: an earlier attempt with this key made the event; that event is the answer."""
        existing = await self._get(calendar_id, event_id)
        if existing is None or existing.get("status") == "cancelled":
            raise ProviderConflict(
                f"event {event_id!r} in calendar {calendar_id!r} was created and deleted "
                "already; it is not made again",
                provider=self.id,
            )
        return existing

    async def update_event(self, calendar_id: str, uid: str, draft: EventDraft) -> CalendarEvent:
        from panelist.providers.ical import normalize_draft

        draft = normalize_draft(draft)
        meet = self._wants_meet(draft)
        existing = await self._get(calendar_id, uid)
        if existing is None or existing.get("status") == "cancelled":
            raise self._not_found(calendar_id, uid)
        body = self._patch_body(self._parsed(calendar_id, existing), existing, draft)
        if self.settings.is_room(calendar_id):  # still invited; a new time asks it again
            status = None if _moved(existing, body) else existing
            body["attendees"] = [*body["attendees"], _room_attendee(calendar_id, status)]
        # Patch: fields Panelist does not manage (conferenceData, reminders) stay as they are,
        # so the event keeps its Meet; one is asked for only when the event has none yet.
        extra: dict[str, Any] = {}
        if meet and not existing.get("conferenceData") and not join_url(existing):
            body["conferenceData"] = create_request(uid)
            extra["conferenceDataVersion"] = 1
        try:
            item = await self._one(
                calendar_id,
                lambda events, home: events.patch(
                    calendarId=home, eventId=uid, body=body, sendUpdates=SEND_UPDATES, **extra
                ),
            )
        except GoogleError as exc:
            if exc.status in (404, 410):
                raise self._not_found(calendar_id, uid) from None
            raise
        if meet and (extra or meet_status(item) == "pending"):
            item = await self._with_meet(calendar_id, item)
        return self._parsed(calendar_id, item)

    def _patch_body(
        self, old: CalendarEvent, existing: dict[str, Any], draft: EventDraft
    ) -> dict[str, Any]:
        body = to_google(replace(draft, attendees=kept_responses(old, draft)))
        kept = (existing.get("extendedProperties") or {}).get("private") or {}
        body["extendedProperties"]["private"] = {
            **{k: v for k, v in kept.items() if k not in _DRAFT_PROPERTIES},
            **body["extendedProperties"]["private"],
        }
        body["recurrence"] = body.get("recurrence", [])  # a series may become a single event
        body["sequence"] = old.sequence + 1
        return body

    async def delete_event(self, calendar_id: str, uid: str) -> None:
        try:
            await self._one(
                calendar_id,
                lambda events, home: events.delete(
                    calendarId=home, eventId=uid, sendUpdates=SEND_UPDATES
                ),
            )
        except GoogleError as exc:
            if exc.status not in (404, 410):  # gone already: what was asked for
                raise

    def _not_found(self, calendar_id: str, uid: str) -> EventNotFound:
        return EventNotFound(
            f"no event {uid!r} in Google calendar {calendar_id!r}", provider=self.id
        )

    # ------------------------------------------------------------------ checks

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        from panelist_google.checks import run_checks

        return await run_checks(self, calendar_ids)


_DRAFT_PROPERTIES = frozenset(
    {"panelistTransparency", "panelistConferenceUrl"}
)  # rewritten from each draft; the key and interview stay


def _busy(spans: Any, low: datetime, high: datetime) -> list[BusyInterval]:
    intervals = []
    for span in spans:
        try:
            start = parse_time({"dateTime": span.get("start")}, "busy start")
            end = parse_time({"dateTime": span.get("end")}, "busy end")
        except (BadEvent, AttributeError):
            continue
        assert isinstance(start, datetime) and isinstance(end, datetime)
        start, end = max(start, low), min(end, high)
        if start < end:
            intervals.append(BusyInterval(start, end, Transparency.BUSY))
    return sorted(intervals, key=lambda i: (i.start, i.end))


def _room_attendee(room: str, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The room as a resource attendee, keeping its answer from `existing` when given."""
    found = next(
        (a for a in (existing or {}).get("attendees") or () if _same(a.get("email"), room)), {}
    )
    return {
        "email": room,
        "resource": True,
        "responseStatus": found.get("responseStatus", "needsAction"),
    }


def _same(email: Any, other: str) -> bool:
    return isinstance(email, str) and email.casefold() == other.casefold()


def _moved(existing: dict[str, Any], body: dict[str, Any]) -> bool:
    try:
        return (
            parse_time(existing.get("start"), "start"),
            parse_time(existing.get("end"), "end"),
        ) != (
            parse_time(body.get("start"), "start"),
            parse_time(body.get("end"), "end"),
        )
    except BadEvent:
        return True


def _capacity(value: Any) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _case_insensitive(calendars: dict[str, Any], calendar_id: str) -> Any:
    wanted = calendar_id.casefold()
    return next((v for k, v in calendars.items() if k.casefold() == wanted), None)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _calendar_tag(calendar_id: str) -> str:
    return hashlib.sha256(calendar_id.casefold().encode()).hexdigest()[:10]


def _token_of(cursor: str | None, calendar_id: str) -> str | None:
    """Google's sync token inside one of our cursors for this calendar, else None."""
    parts = (cursor or "").split("|", 2)
    if len(parts) != 3 or parts[:2] != [_CURSOR_VERSION, _calendar_tag(calendar_id)]:
        return None
    return parts[2] or None


__all__ = ["GoogleCalendarProvider", "as_event"]
