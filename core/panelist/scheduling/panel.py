"""The panel event: one event for the whole interview on a scheduling server.

Where the calendar provider is a scheduling server (`CalendarCapability.SHARED_EVENTS`:
Google Calendar, Exchange), core does not write a copy into each interviewer's calendar
and a booking into the room's. It writes one event into its owner's calendar with the
interviewers on that provider as attendees and the room as a resource attendee; the
server puts it into their calendars and collects their answers. When that provider also
makes the interview's video meeting itself (`CalendarProvider.conferences`), the same
write makes the meeting: one request books the whole panel.

The owner is the video host when the provider makes the meeting (the meeting is theirs),
else the organiser, else the first interviewer, among those on a scheduling server.
Everyone else (another provider, or none) keeps a copy of their own, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from panelist.errors import PanelistError
from panelist.models import Employee, Method, Room
from panelist.providers import CalendarCapability, CalendarProvider
from panelist.scheduling.records import InterviewRecord

PANEL_REF = "panel_event"
"""The ref kind (and outbox target) of the panel event."""

ProviderLookup = Callable[[str], CalendarProvider]


@dataclass(frozen=True)
class Panel:
    provider: str
    owner: Employee
    members: tuple[Employee, ...]
    """The interviewers whose calendars get the event through the server (owner included)."""
    room: Room | None
    """The room, when it is booked as a resource attendee of the panel event."""
    conference: str | None
    """The video provider whose meeting the event makes, when the calendar makes it."""

    def has(self, person: Employee) -> bool:
        return any(member.id == person.id for member in self.members)

    def holds_room(self, room: Room | None) -> bool:
        return room is not None and self.room is not None and self.room.id == room.id


def panel_of(record: InterviewRecord, providers: ProviderLookup) -> Panel | None:
    """The interview's panel event, or None when no participant is on a scheduling server."""
    shared = {p for p in _providers_of(record) if _shares(providers, p)}
    candidates = [
        person
        for person in _owner_order(record)
        if person.calendar_provider in shared and person.calendar_id is not None
    ]
    if not candidates:
        return None
    owner = candidates[0]
    provider = str(owner.calendar_provider)
    members = tuple(
        p.employee
        for p in record.participants
        if p.employee.calendar_provider == provider and p.employee.calendar_id is not None
    )
    room = record.room
    in_room = room if room is not None and room.calendar_provider == provider else None
    return Panel(provider, owner, members, in_room, _conference(record, owner, providers))


def _providers_of(record: InterviewRecord) -> set[str]:
    return {
        p.employee.calendar_provider
        for p in record.participants
        if p.employee.calendar_provider is not None
    }


def _shares(providers: ProviderLookup, name: str) -> bool:
    try:
        return CalendarCapability.SHARED_EVENTS in providers(name).capabilities
    except PanelistError:  # not installed: its people keep copies (which will fail clearly)
        return False


def _owner_order(record: InterviewRecord) -> list[Employee]:
    people = [p.employee for p in record.participants]
    first = [record.video_host] if _video(record) and record.video_host else []
    first += [record.organiser]
    ids = {p.id for p in people}
    return [p for p in first if p.id in ids] + people


def _conference(record: InterviewRecord, owner: Employee, providers: ProviderLookup) -> str | None:
    host = record.video_host
    if not _video(record) or host is None or host.id != owner.id:
        return None
    video = str(record.video_provider)
    return video if video in providers(str(owner.calendar_provider)).conferences else None


def _video(record: InterviewRecord) -> bool:
    return record.method is Method.VIDEO and record.video_provider is not None
