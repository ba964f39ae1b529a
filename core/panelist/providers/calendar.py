"""The contract a calendar provider fulfils: local database, CalDAV, Google, Graph …"""

from __future__ import annotations

import enum
from abc import abstractmethod
from collections.abc import Mapping
from datetime import datetime

from panelist.errors import NotSupported
from panelist.providers.base import Provider
from panelist.providers.events import (
    BusyInterval,
    CalendarEvent,
    EventDraft,
    ResponseStatus,
    RoomInfo,
    SyncResult,
    Transparency,
)


class CalendarCapability(enum.Flag):
    """What a calendar provider can do; core and the TUI adapt to it."""

    NONE = 0
    WRITE = enum.auto()
    """Events can be created, updated and deleted."""
    FREE_BUSY = enum.auto()
    """Busy times can be read for calendars whose details are hidden (`free_busy`)."""
    ROOMS = enum.auto()
    """Room resources can be listed (`list_rooms`)."""
    INCREMENTAL_SYNC = enum.auto()
    """`sync` returns only what changed since a cursor (otherwise a full listing each time)."""
    RSVP_READBACK = enum.auto()
    """Attendee responses can be read back (`attendee_responses`)."""
    IDEMPOTENT_CREATE = enum.auto()
    """A create repeated with the same idempotency key returns the first event."""
    ATTENDEES = enum.auto()
    """One event can carry attendees who each see it in their own calendar."""
    PRIVATE_EVENTS = enum.auto()
    """Events can be marked private."""
    RECURRENCE = enum.auto()
    """Recurring series are read with their RRULE/EXDATE/overrides."""
    SHARED_EVENTS = enum.auto()
    """A scheduling server (Google Calendar, Exchange): one event written to its
    organiser's calendar, with attendees on the same server, is the event in each
    attendee's calendar (same uid), and each answer comes back to it; a resource
    attendee (a room) answers for its own calendar. Core then writes one event for
    the panel and the room instead of a copy each (`panelist.scheduling.panel`)."""


class CalendarProvider(Provider):
    """A source and sink of calendar events.

    All methods are coroutines so that core can call independent providers
    concurrently. Errors are raised as `panelist.errors.ProviderError` subclasses
    with a message fit for a recruiter. Implementations must be safe to call
    again after a failure: writes take an idempotency key for that reason.
    """

    capabilities: CalendarCapability = CalendarCapability.NONE
    conferences: tuple[str, ...] = ()
    """Conference providers (by id) whose meetings this calendar makes itself, as part
    of an event (Google Calendar makes a Meet, Exchange a Teams meeting): a draft that
    names one in `EventDraft.conference` comes back with the meeting's link in
    `conference_url`; the meeting moves with the event and goes when it is deleted."""

    @classmethod
    def check_calendar_id(cls, settings: Mapping[str, str], calendar_id: str) -> str | None:
        """What is wrong with `calendar_id` under these settings, in one line; None if nothing.

        Asked before an id is stored (import), so a bad id is refused with its row
        instead of failing later. Providers that join ids onto a base URL refuse
        ids that leave its server (`panelist.providers.urls.join_on_origin`).
        """
        return None

    def check_conference(self, draft: EventDraft) -> None:
        """Refuse (`NotSupported`) a draft asking for a meeting this calendar does not make;
        call it before writing, so that such a draft is never written without its meeting."""
        if draft.conference is not None and draft.conference not in self.conferences:
            raise NotSupported(
                f"{self.display_name} cannot make a {draft.conference} meeting with an event",
                provider=self.id,
            )

    @abstractmethod
    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        """Events overlapping [start, end), recurring series expanded into occurrences.

        Each occurrence keeps the series `uid` and has `recurrence_id` set. Cancelled
        events are left out. An event that cannot be read or expanded is not dropped
        silently, nor does it fail the call: it comes back as a placeholder
        (`panelist.providers.events.unreadable`, or `unreadable_unknown` when even its
        times are unknown), possibly outside the window, so that core reports it.
        """

    async def free_busy(
        self, calendar_ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """Busy intervals per calendar in [start, end), clipped to the window.

        The default derives them from `list_events`; providers with a native
        free/busy query (needed where only free/busy is shared) override it.
        """
        result: dict[str, list[BusyInterval]] = {}
        for calendar_id in calendar_ids:
            events = await self.list_events(calendar_id, start, end)
            result[calendar_id] = [
                BusyInterval(max(ev.start, start), min(ev.end, end), ev.transparency)
                for ev in events
                if ev.transparency is not Transparency.FREE
                and isinstance(ev.start, datetime)
                and isinstance(ev.end, datetime)
                and ev.start.tzinfo is not None
                and ev.end.tzinfo is not None
                and ev.start < end
                and ev.end > start  # a placeholder may lie outside the window
            ]
        return result

    async def list_rooms(self) -> list[RoomInfo]:
        """Room resources this provider knows. Requires `CalendarCapability.ROOMS`."""
        raise NotSupported(f"{self.display_name} does not list rooms", provider=self.id)

    @abstractmethod
    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        """Changes since `cursor` (None: everything). Masters and overrides, not expanded.

        A provider without `INCREMENTAL_SYNC` returns the whole calendar with `reset=True`.
        Core's sync engine (`panelist.calendars.SyncService`) stores the result in its
        cache and hands the returned `cursor` back next time. The contract around it:

        - raise `panelist.errors.CursorExpired` when `cursor` can no longer be followed
          (Google 410, Graph delta expiry, a CalDAV sync token refused): the engine then
          calls `sync(calendar_id, None)` and replaces what it cached;
        - raise `panelist.errors.NotSupported` for a calendar that can only be read as
          free/busy: the engine caches `free_busy` over a rolling window instead;
        - put items that cannot be read in `SyncResult.problems` (one line each) rather
          than failing the whole round; unreadable placeholders may also go in `changed`;
        - name deleted objects by uid in `deleted`, or by the provider's own name for them
          in `deleted_resources` when that is what the server reports (CalDAV hrefs; every
          event then carries that name in `extra["resource"]`);
        - `ProviderUnavailable` with `retry_after` for 429/5xx: the engine retries within
          a budget.
        """

    @abstractmethod
    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        """One event by uid; raises `EventNotFound` when it is gone."""

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        """Create an event. Calling again with the same key must not make a second one.

        Providers with `IDEMPOTENT_CREATE` guarantee that themselves (client ids,
        deterministic UIDs, transactionId); for the others core reconciles through
        its outbox. With `draft.conference` (one of `conferences`), the event returned
        carries the meeting's link; a repeated create returns the first meeting.
        """
        raise NotSupported(f"{self.display_name} is read-only", provider=self.id)

    async def update_event(self, calendar_id: str, uid: str, draft: EventDraft) -> CalendarEvent:
        """Replace the event's content in place, keeping its uid (and a meeting it made
        with `conference`); raises `EventNotFound`."""
        raise NotSupported(f"{self.display_name} is read-only", provider=self.id)

    async def delete_event(self, calendar_id: str, uid: str) -> None:
        """Delete (cancel) the event. Deleting an event that is already gone is not an error."""
        raise NotSupported(f"{self.display_name} is read-only", provider=self.id)

    async def attendee_responses(self, calendar_id: str, uid: str) -> dict[str, ResponseStatus]:
        """Each attendee's response, keyed by lower-cased email."""
        event = await self.get_event(calendar_id, uid)
        return {a.email.casefold(): a.status for a in event.attendees}
