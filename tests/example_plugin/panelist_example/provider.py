"""An in-memory calendar, written the way a third party would: against `panelist` only.

It keeps events in a dict per provider instance, so it is only good for tests
and demos, but it shows the whole contract, including what a provider without
recurrence, rooms or incremental sync does (see `panelist.testing.conformance`).
"""

from __future__ import annotations

import uuid
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from panelist.errors import EventNotFound, NotSupported, ProviderConflict
from panelist.providers import (
    CalendarCapability,
    CalendarEvent,
    CalendarProvider,
    Check,
    EventDraft,
    ProviderContext,
    ResponseStatus,
    SyncResult,
)


class ExampleCalendarProvider(CalendarProvider):
    id = "example"
    display_name = "Example Calendar"
    capabilities = (
        CalendarCapability.WRITE
        | CalendarCapability.IDEMPOTENT_CREATE
        | CalendarCapability.ATTENDEES
        | CalendarCapability.PRIVATE_EVENTS
        | CalendarCapability.RSVP_READBACK
    )

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self._events: dict[tuple[str, str], CalendarEvent] = {}
        self._uid_by_key: dict[str, tuple[str, str]] = {}

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        from panelist.providers import ical  # lazy: icalendar is heavy to import at start-up

        return [
            event
            for (owner, _), event in self._events.items()
            if owner == calendar_id and ical.overlaps(event, start, end)
        ]

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        try:
            return self._events[(calendar_id, uid)]
        except KeyError:
            raise EventNotFound(f"no event {uid!r} in {calendar_id!r}", provider=self.id) from None

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """Doctor's lines: what a third party adds through the contract."""
        lines = [Check("store", "warn", "events are kept in memory: they are gone at exit")]
        for calendar_id in calendar_ids:
            count = sum(owner == calendar_id for owner, _ in self._events)
            lines.append(Check("calendar", "ok", f"{count} events in memory", calendar_id, True))
        return lines

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        # No change log here: every round is the whole calendar, as the contract allows.
        everything = [event for (owner, _), event in self._events.items() if owner == calendar_id]
        return SyncResult(everything, [], cursor="full", reset=True)

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        draft = self._checked(draft)
        if idempotency_key in self._uid_by_key:
            owner, uid = self._uid_by_key[idempotency_key]
            if owner != calendar_id or (owner, uid) not in self._events:
                raise ProviderConflict(f"key {idempotency_key!r} was used before", provider=self.id)
            return self._events[(owner, uid)]
        uid = str(uuid.uuid4())
        event = _event(draft, uid=uid, calendar_id=calendar_id)
        self._events[(calendar_id, uid)] = event
        self._uid_by_key[idempotency_key] = (calendar_id, uid)
        return event

    async def update_event(self, calendar_id: str, uid: str, draft: EventDraft) -> CalendarEvent:
        old = await self.get_event(calendar_id, uid)
        event = _event(
            self._checked(draft), uid=uid, calendar_id=calendar_id, sequence=old.sequence + 1
        )
        self._events[(calendar_id, uid)] = event
        return event

    async def delete_event(self, calendar_id: str, uid: str) -> None:
        self._events.pop((calendar_id, uid), None)

    def respond(self, calendar_id: str, uid: str, email: str, status: ResponseStatus) -> None:
        """What the attendee's answer does: store it on the event."""
        key = (calendar_id, uid)
        event = self._events[key]
        attendees = tuple(
            replace(a, status=status) if a.email.casefold() == email.casefold() else a
            for a in event.attendees
        )
        self._events[key] = replace(event, attendees=attendees)

    def _checked(self, draft: EventDraft) -> EventDraft:
        if draft.rrule or draft.rdates:
            raise NotSupported(f"{self.display_name} has no recurring events", provider=self.id)
        self.check_conference(draft)
        from panelist.providers import ical

        return ical.normalize_draft(draft)


def _event(draft: EventDraft, **values: Any) -> CalendarEvent:
    return CalendarEvent(**{f.name: getattr(draft, f.name) for f in fields(EventDraft)}, **values)
