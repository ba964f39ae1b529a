"""What the interviewers' calendars and the video provider are asked to hold (SPEC §6).

Internal events carry everything internal participants may see: the panel, the
link to the application, the video link and the notes. They are private, so
other colleagues see only "Busy".
"""

from __future__ import annotations

from typing import Any

from panelist.models import Employee, Room
from panelist.providers import (
    Attendee,
    CalendarCapability,
    EventDraft,
    MeetingDraft,
)
from panelist.scheduling.panel import Panel
from panelist.scheduling.records import InterviewRecord

REFERENCE_PREFIX = "Panelist reference: "
"""Ends the description of events at providers that cannot take an idempotency key, so a
retry after an unknown outcome finds the event it may already have made."""


def summary(record: InterviewRecord) -> str:
    return f"Interview: {record.candidate_name} ({record.job_title})"


def application_link(base_url: str, application_id: int) -> str:
    return f"{base_url}{application_id}"


def event_draft(
    record: InterviewRecord,
    owner: Employee | Room,
    capabilities: CalendarCapability,
    base_url: str,
    reference: str | None = None,
) -> EventDraft:
    """The event in one internal calendar: a participant's, or the room's booking.

    Each participant gets a copy in their own calendar (as the demo and every
    availability check expect). Where the provider has attendees, the owner is the
    copy's only attendee, so their answer is read back from their own copy and
    nobody gets a second invitation from someone else's.
    """
    attendees: tuple[Attendee, ...] = ()
    if isinstance(owner, Employee) and CalendarCapability.ATTENDEES in capabilities:
        response = record.participant(owner.id).response
        attendees = (Attendee(owner.email, owner.name, response),)
    return _interview_event(
        record,
        base_url,
        reference,
        attendees=attendees,
        organizer=record.organiser.email if attendees else None,
        conference_url=record.video_link,
    )


def panel_draft(
    record: InterviewRecord, panel: Panel, base_url: str, reference: str | None = None
) -> EventDraft:
    """The panel event (`panelist.scheduling.panel`): in its owner's calendar, with every
    member as an attendee (keeping the answers read back so far) and the room as a
    resource attendee; it makes the video meeting when the calendar makes it."""
    attendees = tuple(
        Attendee(person.email, person.name, record.participant(person.id).response)
        for person in panel.members
    )
    room = panel.room
    if room is not None and room.calendar_id is not None:
        answer = record.room_response
        attendees += (Attendee(room.calendar_id, room.name, answer, resource=True),)
    return _interview_event(
        record,
        base_url,
        reference,
        attendees=attendees,
        organizer=panel.owner.email,
        conference_url=None if panel.conference else record.video_link,
        conference=panel.conference,
    )


def _interview_event(
    record: InterviewRecord, base_url: str, reference: str | None, **who: Any
) -> EventDraft:
    """What every internal event of the interview says; `who` adds attendees and links."""
    return EventDraft(
        summary=summary(record),
        start=record.start,
        end=record.end,
        timezone=record.timezone,
        description=_description(record, base_url, reference),
        location=record.location,
        private=True,
        **who,
    )


def _description(record: InterviewRecord, base_url: str, reference: str | None) -> str:
    names = ", ".join(p.employee.name for p in record.participants)
    lines = [
        f"{record.type_name} with {record.candidate_name} for {record.job_title}.",
        f"Organiser: {record.organiser.name}",
        f"Interviewers: {names}",
        f"Application: {application_link(base_url, record.application_id)}",
    ]
    if record.video_link:
        lines.append(f"Video call: {record.video_link}")
    if record.notes.strip():
        lines += ["", record.notes.strip()]
    if reference:
        lines += ["", f"{REFERENCE_PREFIX}{reference}"]
    return "\n".join(lines)


def meeting_draft(record: InterviewRecord, host_account: str) -> MeetingDraft:
    """The video meeting: its topic shows on the provider's join page to anyone with the
    link, so it names the candidate by first name only."""
    first_name = record.candidate_name.split()[0] if record.candidate_name.split() else ""
    return MeetingDraft(
        topic=f"Interview: {first_name} ({record.job_title})",
        start=record.start,
        end=record.end,
        host_email=host_account,
        timezone=record.timezone,
    )
