"""Calendar data as providers hand it to core: plain, immutable, provider-neutral.

Times follow khal's model: a `datetime` with tzinfo is an instant, a naive
`datetime` is floating (the same wall-clock time in every zone) and a `date` is
all-day. `end` is exclusive; an all-day event on 3 May ends on 4 May.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime

EventTime = datetime | date


class ResponseStatus(enum.StrEnum):
    """An attendee's answer, with the vocabulary of RFC 5545 PARTSTAT."""

    NEEDS_ACTION = "needs_action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"

    @property
    def label(self) -> str:
        return _RESPONSE_LABELS[self]


_RESPONSE_LABELS = {
    ResponseStatus.NEEDS_ACTION: "Awaiting response",
    ResponseStatus.ACCEPTED: "Accepted",
    ResponseStatus.DECLINED: "Declined",
    ResponseStatus.TENTATIVE: "Maybe",
}


class Transparency(enum.StrEnum):
    """How an event blocks time: busy, tentatively (a soft conflict) or not at all."""

    BUSY = "busy"
    TENTATIVE = "tentative"
    FREE = "free"


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    status: ResponseStatus = ResponseStatus.NEEDS_ACTION
    optional: bool = False
    resource: bool = False


@dataclass(frozen=True)
class EventDraft:
    """What Panelist asks a provider to write. Providers map it to their own format."""

    summary: str
    start: EventTime
    end: EventTime
    timezone: str | None = None
    description: str = ""
    location: str = ""
    private: bool = True
    transparency: Transparency = Transparency.BUSY
    attendees: tuple[Attendee, ...] = ()
    organizer: str | None = None
    conference_url: str | None = None
    rrule: str | None = None
    """An RFC 5545 RRULE value ("FREQ=WEEKLY;BYDAY=MO"), for recurring series."""
    rdates: tuple[EventTime, ...] = ()
    exdates: tuple[EventTime, ...] = ()
    conference: str | None = None
    """Make a meeting of this conference provider with the event: only one the calendar
    provider lists in `CalendarProvider.conferences`."""

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


@dataclass(frozen=True)
class CalendarEvent(EventDraft):
    """An event as read from a provider.

    `uid` identifies the event (the series, for a recurring one) at the provider.
    A recurring master carries `rrule`/`rdates`/`exdates` (and, as other apps
    write them, `more_rrules`/`rdate_periods`); an overridden occurrence carries
    the master's uid and its `recurrence_id`.
    """

    uid: str = ""
    calendar_id: str = ""
    cancelled: bool = False
    recurrence_id: EventTime | None = None
    etag: str | None = None
    sequence: int = 0
    more_rrules: tuple[str, ...] = ()
    """RRULEs after `rrule`: RFC 5545 deprecates them, older calendars still write them."""
    rdate_periods: tuple[tuple[EventTime, EventTime], ...] = ()
    """(start, end) of each RDATE written as a PERIOD; its start is in `rdates` too.
    That occurrence lasts the period instead of the series' length."""
    this_and_future: bool = False
    """An override with RECURRENCE-ID;RANGE=THISANDFUTURE: later occurrences move with it."""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def response_of(self, email: str) -> ResponseStatus | None:
        wanted = email.casefold()
        for attendee in self.attendees:
            if attendee.email.casefold() == wanted:
                return attendee.status
        return None


UNREADABLE = "unreadable"
"""The `CalendarEvent.extra` key that marks a placeholder for an event that could not be read."""


def describe(event: EventDraft) -> str:
    """How every message names an event: by its uid, never by its title, which may be private."""
    uid = getattr(event, "uid", "")
    return f"event {uid!r}" if uid else "the event"


def unreadable(source: CalendarEvent, reason: str) -> CalendarEvent:
    """The placeholder for an event that could not be read or expanded (`reason` says why).

    It blocks the span known for the event (its own start and end: for a series,
    the first occurrence) as the event would, and carries nothing else: no
    title, details or rules. Core reports it by reference and counts that span.
    """
    return CalendarEvent(
        summary="Busy",
        start=source.start,
        end=source.end,
        timezone=source.timezone,
        private=True,
        transparency=source.transparency,
        attendees=source.attendees,
        organizer=source.organizer,
        uid=source.uid,
        calendar_id=source.calendar_id,
        cancelled=source.cancelled,
        etag=source.etag,
        sequence=source.sequence,
        extra={**_href(source), UNREADABLE: reason},
    )


def unreadable_unknown(
    reference: str,
    calendar_id: str,
    reason: str,
    start: datetime,
    end: datetime,
    *,
    href: str | None = None,
) -> CalendarEvent:
    """The placeholder for an event whose times are unknown too: reported, free over the window.

    `reference` is its uid, or where the provider keeps it (`href`, for CalDAV).
    """
    return CalendarEvent(
        summary="Busy",
        start=start,
        end=end,
        private=True,
        transparency=Transparency.FREE,
        uid=reference,
        calendar_id=calendar_id,
        extra={UNREADABLE: reason, **({"href": href} if href else {})},
    )


def unreadable_reason(event: CalendarEvent) -> str | None:
    """Why the event is an unreadable placeholder; None for an event that was read."""
    return event.extra.get(UNREADABLE)


def _href(event: CalendarEvent) -> dict[str, str]:
    return {"href": event.extra["href"]} if "href" in event.extra else {}


def kept_responses(old: CalendarEvent, draft: EventDraft) -> tuple[Attendee, ...]:
    """The attendees of an edit: answers survive when the time stays, a new time asks again.

    Only attendees the draft leaves at "needs action" inherit their earlier answer.
    Shared by providers so every calendar treats an edit the same way.
    """
    if (old.start, old.end) != (draft.start, draft.end):
        return draft.attendees
    return tuple(
        replace(a, status=old.response_of(a.email) or a.status)
        if a.status is ResponseStatus.NEEDS_ACTION
        else a
        for a in draft.attendees
    )


@dataclass(frozen=True)
class BusyInterval:
    start: datetime
    end: datetime
    transparency: Transparency = Transparency.BUSY


@dataclass(frozen=True)
class SyncResult:
    """One round of incremental sync.

    `changed` holds new and modified events, `deleted` the uids that are gone.
    When `reset` is true the provider could not continue from the cursor and
    `changed` is the complete calendar: the caller drops what it cached first.
    `cursor` is opaque: store it and hand it back next time.
    """

    changed: list[CalendarEvent]
    deleted: list[str]
    cursor: str
    reset: bool = False
    problems: list[str] = field(default_factory=list)
    """Items the provider skipped because it could not read them, one line each naming the
    item by uid or by the provider's own name for it (never by title). The cache reports
    them and keeps the calendar marked stale until a round comes back without any."""
    deleted_resources: list[str] = field(default_factory=list)
    """Objects that are gone, named by the provider's own name for them (a CalDAV href)
    instead of a uid: core resolves them through `event.extra["resource"]` of what it
    cached. Deletions are applied before `changed`, so naming an object here and sending
    it again in `changed` replaces it whole (overrides that were dropped go too)."""


@dataclass(frozen=True)
class RoomInfo:
    calendar_id: str
    name: str
    capacity: int | None = None
    email: str | None = None
    building: str | None = None
