"""Google Calendar event resources <-> Panelist's `CalendarEvent`, and the event ids Panelist
gives its own events. Pure functions: no network, no google library.

Recurrence lines (RRULE, EXDATE, RDATE) are read and written through icalendar, the same
code core's iCalendar path uses, so a series reads the same from Google as from CalDAV.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from panelist.errors import ValidationError
from panelist.providers import (
    Attendee,
    CalendarEvent,
    EventDraft,
    ResponseStatus,
    Transparency,
)
from panelist.providers.events import EventTime
from panelist.timezones import zone_or_none
from panelist_google.conference import join_url

KEY_PROPERTY = "panelistKey"
"""extendedProperties.private: the idempotency key the event was created with."""
INTERVIEW_PROPERTY = "panelistInterview"
"""extendedProperties.private: the interview's id, read from the key ("interview-12-…")."""
TENTATIVE_PROPERTY = "panelistTransparency"
"""Google knows busy and free only; a tentative hold is kept here and read back."""
CONFERENCE_PROPERTY = "panelistConferenceUrl"
"""A video link made elsewhere (Jitsi, Zoom) that Google has no field for."""

_RESPONSES = {
    "needsAction": ResponseStatus.NEEDS_ACTION,
    "accepted": ResponseStatus.ACCEPTED,
    "declined": ResponseStatus.DECLINED,
    "tentative": ResponseStatus.TENTATIVE,
}
_GOOGLE_RESPONSE = {value: key for key, value in _RESPONSES.items()}
_INTERVIEW_KEY = re.compile(r"interview-(\d+)-")


class BadEvent(ValueError):
    """An item Google sent that cannot be read; the message names the field, never data."""


# ---------------------------------------------------------------------- ids


def event_id_for(idempotency_key: str) -> str:
    """The client-supplied event id an idempotency key always yields: base32hex (a-v, 0-9),
    as Google asks, from a hash, so any key fits and none is readable in the id."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).digest()
    return "pnl" + base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


def is_valid_event_id(event_id: str) -> bool:
    return bool(re.fullmatch(r"[a-v0-9]{5,1024}", event_id))


# ---------------------------------------------------------------------- Google -> Panelist


def from_google(item: dict[str, Any], calendar_id: str) -> CalendarEvent:
    """A master, single event or overridden occurrence; raises `BadEvent`."""
    event_id = item.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise BadEvent("it has no id")
    master_id = item.get("recurringEventId")
    cancelled = item.get("status") == "cancelled"
    recurrence_id = None
    if isinstance(master_id, str) and master_id:
        recurrence_id = parse_time(item.get("originalStartTime"), "originalStartTime")
    if cancelled and "start" not in item:  # Google sends only what names the occurrence
        if recurrence_id is None:
            raise BadEvent("a cancelled event without its times")
        start, end = recurrence_id, recurrence_id
    else:
        start = parse_time(item.get("start"), "start")
        end = parse_time(item.get("end"), "end")
    private = _properties(item)
    timezone = (item.get("start") or {}).get("timeZone")
    if timezone is not None and zone_or_none(timezone) is None:
        timezone = None
    if timezone is None and isinstance(start, datetime):
        timezone = getattr(start.tzinfo, "key", None)
    base = CalendarEvent(
        summary=str(item.get("summary", "")),
        start=start,
        end=end,
        timezone=timezone,
        description=str(item.get("description", "")),
        location=str(item.get("location", "")),
        private=item.get("visibility") in ("private", "confidential"),
        transparency=_transparency(item, private),
        attendees=tuple(_attendee(a) for a in item.get("attendees") or () if a.get("email")),
        organizer=(item.get("organizer") or {}).get("email"),
        conference_url=_conference_url(item, private),
        uid=master_id or event_id,
        calendar_id=calendar_id,
        cancelled=cancelled,
        recurrence_id=recurrence_id,
        etag=item.get("etag"),
        sequence=int(item.get("sequence") or 0),
        extra=_extra(item, private),
    )
    lines = item.get("recurrence") or ()
    return _with_recurrence(base, lines) if lines and recurrence_id is None else base


def parse_time(value: Any, what: str) -> EventTime:
    """``{"dateTime", "timeZone"}`` (an instant shown in its zone) or ``{"date"}``."""
    if not isinstance(value, dict):
        raise BadEvent(f"its {what} is missing")
    try:
        if value.get("dateTime"):
            moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        elif value.get("date"):
            return date.fromisoformat(str(value["date"]))
        else:
            raise BadEvent(f"its {what} has neither dateTime nor date")
    except (ValueError, TypeError) as exc:
        if isinstance(exc, BadEvent):
            raise
        raise BadEvent(f"its {what} is not a time") from None
    if moment.tzinfo is None:
        raise BadEvent(f"its {what} has no UTC offset")
    zone = zone_or_none(str(value.get("timeZone") or ""))
    return moment.astimezone(zone) if zone is not None else moment.astimezone(UTC)


def _properties(item: dict[str, Any]) -> dict[str, str]:
    found = (item.get("extendedProperties") or {}).get("private") or {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _transparency(item: dict[str, Any], private: dict[str, str]) -> Transparency:
    if item.get("transparency") == "transparent":
        return Transparency.FREE
    if private.get(TENTATIVE_PROPERTY) == "tentative":
        return Transparency.TENTATIVE
    return Transparency.BUSY


def _attendee(value: dict[str, Any]) -> Attendee:
    return Attendee(
        email=str(value["email"]),
        name=str(value.get("displayName", "")),
        status=_RESPONSES.get(str(value.get("responseStatus")), ResponseStatus.NEEDS_ACTION),
        optional=bool(value.get("optional", False)),
        resource=bool(value.get("resource", False)),
    )


def _conference_url(item: dict[str, Any], private: dict[str, str]) -> str | None:
    return join_url(item) or private.get(CONFERENCE_PROPERTY)


def _extra(item: dict[str, Any], private: dict[str, str]) -> dict[str, str]:
    extra = {"google_id": str(item["id"])}
    if item.get("iCalUID"):
        extra["ical_uid"] = str(item["iCalUID"])
    if KEY_PROPERTY in private:
        extra["idempotency_key"] = private[KEY_PROPERTY]
    if INTERVIEW_PROPERTY in private:
        extra["interview"] = private[INTERVIEW_PROPERTY]
    return extra


def _with_recurrence(event: CalendarEvent, lines: list[str]) -> CalendarEvent:
    """The master with the RRULEs, RDATEs and EXDATEs of Google's ``recurrence`` lines."""
    import dataclasses

    import icalendar

    from panelist.providers.ical import from_vevent, to_vevent

    vevent = to_vevent(
        dataclasses.replace(event, rrule=None), stamp=datetime(1970, 1, 1, tzinfo=UTC)
    )
    text = vevent.to_ical().decode().replace("END:VEVENT", "\r\n".join(lines) + "\r\nEND:VEVENT")
    try:
        parsed = from_vevent(icalendar.Event.from_ical(text))
    except Exception as exc:  # other apps' rules: named by kind, never quoted
        raise BadEvent(f"its recurrence cannot be read ({type(exc).__name__})") from None
    return dataclasses.replace(
        event,
        rrule=parsed.rrule,
        more_rrules=parsed.more_rrules,
        rdates=parsed.rdates,
        rdate_periods=parsed.rdate_periods,
        exdates=parsed.exdates,
    )


# ---------------------------------------------------------------------- Panelist -> Google


def to_google(draft: EventDraft, *, idempotency_key: str | None = None) -> dict[str, Any]:
    """The body of events.insert/update for a normalized draft (`normalize_draft`)."""
    private: dict[str, str] = {}
    if idempotency_key:
        private[KEY_PROPERTY] = idempotency_key
        if found := _INTERVIEW_KEY.match(idempotency_key):
            private[INTERVIEW_PROPERTY] = found.group(1)
    if draft.transparency is Transparency.TENTATIVE:
        private[TENTATIVE_PROPERTY] = "tentative"
    if draft.conference_url:
        private[CONFERENCE_PROPERTY] = draft.conference_url
    body: dict[str, Any] = {
        "summary": draft.summary,
        "description": draft.description,
        "location": draft.location,
        "start": google_time(draft.start, draft.timezone),
        "end": google_time(draft.end, draft.timezone),
        # Interviews are private: colleagues who see the calendar see "busy", not the candidate.
        "visibility": "private" if draft.private else "default",
        "transparency": "transparent" if draft.transparency is Transparency.FREE else "opaque",
        "attendees": [_google_attendee(a) for a in draft.attendees],
        "extendedProperties": {"private": private},
        "status": "confirmed",
    }
    if draft.organizer:
        body["organizer"] = {"email": draft.organizer}
    recurrence = recurrence_lines(draft)
    if recurrence:
        body["recurrence"] = recurrence
    return body


def google_time(value: EventTime, timezone: str | None) -> dict[str, str]:
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if value.tzinfo is None:
        raise ValidationError(
            "Google Calendar keeps no floating times: give the event a time zone", field="start"
        )
    moment = value.replace(microsecond=0)
    return {"dateTime": moment.isoformat(), "timeZone": timezone or "UTC"}


def _google_attendee(attendee: Attendee) -> dict[str, Any]:
    value: dict[str, Any] = {
        "email": attendee.email,
        "responseStatus": _GOOGLE_RESPONSE[attendee.status],
    }
    if attendee.name:
        value["displayName"] = attendee.name
    if attendee.optional:
        value["optional"] = True
    if attendee.resource:
        value["resource"] = True
    return value


def recurrence_lines(draft: EventDraft) -> list[str]:
    """RRULE/RDATE/EXDATE lines as Google takes them, written by icalendar."""
    if not (draft.rrule or draft.rdates or draft.exdates):
        return []
    from panelist.providers.ical import to_vevent

    names = ("RRULE", "EXRULE", "RDATE", "EXDATE")
    text = to_vevent(draft, "x", stamp=datetime(1970, 1, 1, tzinfo=UTC)).to_ical().decode()
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
    return [line for line in unfolded if line.split(";", 1)[0].split(":", 1)[0] in names]


def as_event(draft: EventDraft, **values: Any) -> CalendarEvent:
    draft_values = {f.name: getattr(draft, f.name) for f in fields(EventDraft)}
    return CalendarEvent(**(draft_values | values))


def rfc3339(moment: datetime) -> str:
    """A window bound as Google wants it: with an offset (naive is read as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def widen(moment: datetime, by: timedelta) -> datetime:
    return moment + by
