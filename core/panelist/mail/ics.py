"""The candidate's calendar invitation: an iTIP (RFC 5546) REQUEST or CANCEL as .ics bytes.

The candidate's event is separate from the interviewers' (SPEC §6): the
candidate is its only attendee and everything in it is candidate-facing, passed
in by the caller. Nothing internal (interviewers, notes, the application link)
can reach it because this function is never given any.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import icalendar

from panelist.errors import ValidationError
from panelist.mail.headers import checked_email, one_line
from panelist.mail.vtimezone import vtimezone
from panelist.providers.ical import PRODID
from panelist.timezones import get_zone

IcsMethod = Literal["REQUEST", "CANCEL"]


def interview_ics(
    *,
    method: IcsMethod,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    timezone: str,
    summary: str,
    description: str,
    location: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    attendee_name: str,
    url: str | None = None,
    stamp: datetime,
    sender_email: str | None = None,
) -> bytes:
    """A VCALENDAR with METHOD, the VTIMEZONE of `timezone` and one private VEVENT.

    Send every change of the same interview with the same `uid` and a higher
    `sequence`; a CANCEL carries the sequence of the change that cancels it.
    `url` (the video link) is added as URL and CONFERENCE and, for clients
    that show neither, at the end of the description. `stamp` is DTSTAMP: the
    injected clock's now. `sender_email`, the address the mail comes from, becomes
    the organiser's SENT-BY when it is another address (RFC 5545 §3.2.18), so
    clients show the mail as sent on the organiser's behalf.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValidationError(f"unknown iTIP method {method!r}", field="method")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    zone = get_zone(timezone, "invitation timezone")
    local_start = _aware(start, "start").astimezone(zone)
    organizer = _address(organizer_email, organizer_name, "organizer email", "ORGANIZER")
    if sender_email is not None:
        _add_sent_by(organizer, checked_email(sender_email, "sender email"))
    event = _vevent(
        method=method,
        uid=uid,
        sequence=sequence,
        start=local_start,
        end=_aware(end, "end").astimezone(zone),
        summary=summary,
        description=_with_link(description, url),
        location=location,
        organizer=organizer,
        attendee=_address(attendee_email, attendee_name, "candidate email", "ATTENDEE"),
        url=url,
        stamp=stamp,
    )
    calendar.add_component(event)
    if "TZID" in event["DTSTART"].params:  # UTC is written as "Z" and needs none
        # Only the rules of the interview's year: clients need no more, and RRULEs, not
        # icalendar's RDATE lists, are what Outlook reads (panelist.mail.vtimezone).
        calendar.subcomponents.insert(0, vtimezone(zone, local_start.year))
    ics: bytes = calendar.to_ical()
    return ics


def _vevent(
    *,
    method: IcsMethod,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    description: str,
    location: str,
    organizer: icalendar.vCalAddress,
    attendee: icalendar.vCalAddress,
    url: str | None,
    stamp: datetime,
) -> icalendar.Event:
    if not uid.strip() or sequence < 0:
        raise ValidationError("an invitation needs a uid and a sequence of 0 or more", field="uid")
    if end <= start:
        raise ValidationError("the interview must end after it starts", field="end")
    event = icalendar.Event()
    event.add("uid", one_line(uid))
    event.add("sequence", sequence)
    event.add("dtstamp", _aware(stamp, "stamp").astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", one_line(summary))
    if description.strip():
        event.add("description", description)
    if location.strip():
        event.add("location", one_line(location))
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", organizer)
    # RSVP asks the candidate's client for a reply; a cancellation expects none.
    attendee.params["RSVP"] = "TRUE" if method == "REQUEST" else "FALSE"
    event.add("attendee", attendee)
    if url:
        event.add("url", url)
        event.add("conference", url, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    return event


def _address(email: str, name: str, what: str, role: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{checked_email(email, what)}")
    # A quote cannot be escaped inside a parameter value (RFC 5545 §3.2).
    cn = one_line(name).replace('"', "'")
    if cn:
        address.params["CN"] = cn
    if role == "ATTENDEE":
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
    return address


def _add_sent_by(organizer: icalendar.vCalAddress, sender: str) -> None:
    if f"mailto:{sender}".casefold() != str(organizer).casefold():
        organizer.params["SENT-BY"] = f"mailto:{sender}"


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationError(f"{what}: a time without a timezone", field=what)
    return value


def _with_link(description: str, url: str | None) -> str:
    text = description.strip()
    if not url or url in text:
        return text
    return f"{text}\n\n{url}" if text else url
