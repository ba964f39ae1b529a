"""What a viewer may see of an event: the one place that decides it (SPEC §3, §6).

The grid, exports, logs and mails show events only through `visible_event`.
A public event shows its details. A private event shows its details only to
its organiser and attendees (and whoever the caller vouches for, such as the
calendar's owner); everybody else sees "Busy", or just the title when the
company setting "show names of private events" is on, and never the
description, attendees, location or video link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from panelist.providers.events import Attendee, CalendarEvent, EventTime, Transparency

BUSY_LABEL = "Busy"
ABSENT_LABEL = "Absent"


@dataclass(frozen=True)
class VisibleEvent:
    """An event as one viewer may see it; fields the viewer may not see are empty."""

    uid: str
    calendar_id: str
    start: EventTime
    end: EventTime
    title: str
    transparency: Transparency
    private: bool
    details_visible: bool
    description: str = ""
    location: str = ""
    organizer: str | None = None
    attendees: tuple[Attendee, ...] = ()
    conference_url: str | None = None
    recurrence_id: EventTime | None = None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


def takes_part(event: CalendarEvent, viewer: str | None) -> bool:
    """Whether `viewer` (an email) organises or attends the event."""
    if not viewer:
        return False
    wanted = viewer.strip().casefold()
    if event.organizer and event.organizer.strip().casefold() == wanted:
        return True
    return any(attendee.email.strip().casefold() == wanted for attendee in event.attendees)


def visible_event(
    event: CalendarEvent,
    viewer: str | None,
    *,
    show_private_names: bool,
    viewer_is_participant: bool = False,
) -> VisibleEvent:
    """The event as `viewer` (an email, None for nobody in particular) may see it.

    `viewer_is_participant` vouches for a viewer the event itself does not list,
    e.g. the owner of the calendar it sits in or an interview's participant.
    `show_private_names` is the company setting of that name.
    """
    details = not event.private or viewer_is_participant or takes_part(event, viewer)
    if details:
        return _with_details(event)
    return VisibleEvent(
        uid=event.uid,
        calendar_id=event.calendar_id,
        start=event.start,
        end=event.end,
        title=event.summary if show_private_names and event.summary.strip() else BUSY_LABEL,
        transparency=event.transparency,
        private=True,
        details_visible=False,
        recurrence_id=event.recurrence_id,
    )


def _with_details(event: CalendarEvent) -> VisibleEvent:
    return VisibleEvent(
        uid=event.uid,
        calendar_id=event.calendar_id,
        start=event.start,
        end=event.end,
        title=event.summary,
        transparency=event.transparency,
        private=event.private,
        details_visible=True,
        description=event.description,
        location=event.location,
        organizer=event.organizer,
        attendees=event.attendees,
        conference_url=event.conference_url,
        recurrence_id=event.recurrence_id,
    )
