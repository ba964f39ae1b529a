"""Providers that fail on purpose, registered as a real plugin (``build_registry(extra_plugins=...)``).

They keep their events in the local calendar (a real `LocalCalendarProvider` on the
same database) and put a network in front of it that misbehaves as the provider's
settings (the `provider_settings` table) say:

- ``failures``: how many write calls (create/update/delete) fail before they work;
- ``mode``: how they fail: "429" (ProviderUnavailable with ``retry_after``), "503", "auth"
  (AuthenticationFailed: not worth retrying),
  "timeout" (the call hangs longer than any timeout), "drop" (ConnectionResetError
  before the write), "drop_after_write" (the write happens, the answer is lost);
- ``retry_after``: seconds a 429 asks to wait;
- ``read_failures``: how many reads (list_events, free_busy) fail with 503;
- ``delay``: seconds every call takes (``max_in_flight`` then shows how many overlapped).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from panelist import hookimpl
from panelist.errors import (
    AuthenticationFailed,
    EventNotFound,
    NotSupported,
    ProviderUnavailable,
    ValidationError,
)
from panelist.providers import (
    BusyInterval,
    CalendarCapability,
    CalendarEvent,
    CalendarProvider,
    ConferenceCapability,
    ConferenceProvider,
    EventDraft,
    HostMeeting,
    Meeting,
    MeetingDraft,
    ProviderContext,
    ResponseStatus,
    SyncResult,
)
from panelist_local.provider import LocalCalendarProvider


class FlakyCalendar(CalendarProvider):
    """A calendar whose network fails as configured; idempotent creates (like Google's ids)."""

    id = "flaky"
    display_name = "Flaky Calendar"
    capabilities = LocalCalendarProvider.capabilities
    every_call: ClassVar[list[str]] = []
    """Every instance's calls, across workspaces and threads (a host's calls, counted)."""

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.inner = LocalCalendarProvider(context)
        self.writes = 0
        self.reads = 0
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def _setting(self, name: str, default: str) -> str:
        return self.context.settings.get(name, default)

    async def _network(self, what: str, *, write: bool) -> None:
        self.calls.append(what)
        FlakyCalendar.every_call.append(what)
        delay = float(self._setting("delay", "0"))
        if delay:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await asyncio.sleep(delay)
            finally:
                self.in_flight -= 1
        if write:
            self.writes += 1
            failing = self.writes <= int(self._setting("failures", "0"))
        else:
            self.reads += 1
            failing = self.reads <= int(self._setting("read_failures", "0"))
        if not failing:
            return
        mode = self._setting("mode", "503") if write else "503"
        if mode == "429":
            retry_after = float(self._setting("retry_after", "0.05"))
            raise ProviderUnavailable(
                "429 Too Many Requests", provider=self.id, retry_after=retry_after
            )
        if mode == "timeout":
            await asyncio.sleep(3600)
        if mode == "drop":
            raise ConnectionResetError("connection reset by peer")
        if mode == "503":
            raise ProviderUnavailable("503 Service Unavailable", provider=self.id)
        if mode == "auth":
            raise AuthenticationFailed("401 the service account lost access", provider=self.id)

    def _lost_answer(self) -> bool:
        limit = int(self._setting("failures", "0"))
        return self._setting("mode", "") == "drop_after_write" and self.writes <= limit

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        await self._network("list_events", write=False)
        return await self.inner.list_events(calendar_id, start, end)

    async def free_busy(
        self, calendar_ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        await self._network("free_busy", write=False)
        return await self.inner.free_busy(calendar_ids, start, end)

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        await self._network("sync", write=False)
        return await self.inner.sync(calendar_id, cursor)

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        return await self.inner.get_event(calendar_id, uid)

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        await self._network("create_event", write=True)
        event = await self.inner.create_event(calendar_id, draft, idempotency_key)
        if self._lost_answer():
            raise ConnectionResetError("connection reset after the write")
        return event

    async def update_event(self, calendar_id: str, uid: str, draft: EventDraft) -> CalendarEvent:
        await self._network("update_event", write=True)
        event = await self.inner.update_event(calendar_id, uid, draft)
        if self._lost_answer():
            raise ConnectionResetError("connection reset after the write")
        return event

    async def delete_event(self, calendar_id: str, uid: str) -> None:
        await self._network("delete_event", write=True)
        await self.inner.delete_event(calendar_id, uid)

    async def attendee_responses(self, calendar_id: str, uid: str) -> dict[str, ResponseStatus]:
        await self._network("attendee_responses", write=False)
        return await self.inner.attendee_responses(calendar_id, uid)


class SloppyCalendar(FlakyCalendar):
    """Like a CalDAV server that makes up its own ids: a repeated create makes a second event."""

    id = "sloppy"
    display_name = "Sloppy Calendar"
    capabilities = FlakyCalendar.capabilities & ~CalendarCapability.IDEMPOTENT_CREATE

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        await self._network("create_event", write=True)
        event = await self.inner.create_event(calendar_id, draft, f"sloppy-{uuid.uuid4()}")
        if self._lost_answer():
            raise ConnectionResetError("connection reset after the write")
        return event


class BusyOnlyCalendar(FlakyCalendar):
    """A calendar that shares only its free/busy times with Panelist, not its events."""

    id = "busyonly"
    display_name = "Busy-Only Calendar"

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        raise NotSupported(f"{self.display_name} shares only free/busy times", provider=self.id)


class StrictMeetings(ConferenceProvider):
    """A video provider that verifies hosts (like Zoom): only listed accounts may host.

    Meetings live in memory on the instance; ``hosts`` in the settings lists the verified
    accounts (comma-separated), ``move_makes_new`` makes an update a new meeting.
    """

    id = "strict"
    display_name = "Strict Meetings"
    capabilities = (
        ConferenceCapability.VERIFIES_HOSTS
        | ConferenceCapability.IDEMPOTENT_CREATE
        | ConferenceCapability.LISTS_HOST_MEETINGS
    )

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.meetings: dict[str, Meeting] = {}
        self.deleted: list[str] = []
        self.creates = 0
        self.elsewhere: list[tuple[str, HostMeeting]] = []
        """(host, meeting) made outside Panelist, as a host does in the provider's own app."""

    async def host_meetings(
        self, host_email: str, start: datetime, end: datetime
    ) -> list[HostMeeting]:
        mine = [(m.host_email, HostMeeting(m.meeting_id, m.start, m.end))
                for m in self.meetings.values()]  # fmt: skip
        return [
            meeting
            for host, meeting in [*mine, *self.elsewhere]
            if host.casefold() == host_email.casefold()
            and meeting.start < end
            and meeting.end > start
        ]

    async def is_verified_host(self, email: str) -> bool:
        hosts = {h.strip().casefold() for h in self.context.settings.get("hosts", "").split(",")}
        return email.casefold() in hosts

    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        self.creates += 1
        meeting_id = "m-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]
        meeting = self.meetings.get(meeting_id) or self._meeting(meeting_id, draft)
        self.meetings[meeting_id] = meeting
        return meeting

    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        if meeting_id not in self.meetings:
            raise EventNotFound(f"no meeting {meeting_id}", provider=self.id)
        self.meetings[meeting_id] = self._meeting(meeting_id, draft)
        return self.meetings[meeting_id]

    async def delete_meeting(self, meeting_id: str) -> None:
        self.deleted.append(meeting_id)
        self.meetings.pop(meeting_id, None)

    def _meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        if draft.end <= draft.start:
            raise ValidationError("a meeting must end after it starts")
        return Meeting(
            meeting_id,
            f"https://strict.example/j/{meeting_id}",
            draft.host_email,
            draft.start,
            draft.end,
        )


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(FlakyCalendar)
    register(SloppyCalendar)
    register(BusyOnlyCalendar)


@hookimpl
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    register(StrictMeetings)


def plugin() -> Any:
    """This module, as `build_registry(extra_plugins=[("scheduling-test", plugin())])` takes it."""
    import sys

    return sys.modules[__name__]
