"""Calendar object resources (.ics files) to and from `CalendarEvent`s.

`panelist.providers.ical` does the iCalendar work; this module adds what a
server full of other people's data needs: each resource is judged on its own,
and one that cannot be read faithfully raises `BadObject` naming the reason,
so the caller skips it and reports its href instead of failing the calendar.

Panelist writes the video link into DESCRIPTION as well as CONFERENCE
(RFC 7986), because most calendar apps show only the former; reading strips
that line again, so the description round-trips.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from panelist.providers import CalendarEvent, EventDraft

VIDEO_LINE = "Video: "
_TIMED_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")


class BadObject(ValueError):
    """A resource that cannot be read; `str()` is the reason, fit for a report."""


def parse_object(data: str, calendar_id: str, href: str, etag: str | None) -> list[CalendarEvent]:
    """Every VEVENT of one resource (master first, then overrides); [] for to-dos and journals.

    Raises `BadObject` for unparsable data, an unknown TZID (which would silently
    turn the time into a floating one), an event ending before it starts, or
    a resource that mixes several UIDs (RFC 4791 section 4.1 forbids it).
    """
    import icalendar

    from panelist.providers.ical import from_vevent

    try:
        calendars = icalendar.Calendar.from_ical(_trimmed(data), multiple=True)
    except Exception as exc:
        raise BadObject(f"not iCalendar: {_reason(exc)}") from None
    events: list[CalendarEvent] = []
    for calendar in calendars:
        vevent: Any
        for vevent in calendar.walk("VEVENT"):
            _check_zones(vevent)
            try:
                event = from_vevent(vevent, calendar_id, etag)
            except Exception as exc:
                raise BadObject(_reason(exc)) from None
            events.append(_finish(event, href))
    if len({event.uid for event in events}) > 1:
        raise BadObject("holds events with different UIDs")
    if any(not event.uid for event in events):
        raise BadObject("an event without UID")
    events.sort(key=lambda event: event.recurrence_id is not None)
    return events


def _trimmed(data: str) -> str:
    """`data` without what Panelist would parse only to ignore.

    Parsing is most of a big first sync (~0.3 ms an object), and two things in it are
    never used: the properties in `_UNREAD` (DTSTAMP's date-time above all), and the
    VTIMEZONEs of zones the IANA database knows, which icalendar itself ignores in
    favour of its own definition. Together they are half of the parse. A zone of the
    sender's own making keeps its VTIMEZONE.
    """
    data = _UNREAD.sub("", data)
    if "VTIMEZONE" in data.upper():
        data = _VTIMEZONE.sub(_unless_known, data)
    return data


# With their folded continuation lines, which would otherwise join the line before.
_UNREAD = re.compile(
    r"^(?:DTSTAMP|CREATED|LAST-MODIFIED|PRODID|VERSION)[;:][^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*",
    re.M | re.I,
)
_VTIMEZONE = re.compile(r"^BEGIN:VTIMEZONE\r?\n(.*?)^END:VTIMEZONE\r?\n", re.S | re.M | re.I)
_TZID = re.compile(r"^TZID:([^\r\n]*)\r?\n(?![ \t])", re.M | re.I)


def _unless_known(component: re.Match[str]) -> str:
    found = _TZID.search(component.group(1))
    zone_id = found.group(1).strip() if found else ""
    known = _iana_zones()
    return "" if zone_id and (zone_id in known or zone_id.strip("/") in known) else component[0]


@functools.cache
def _iana_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _check_zones(vevent: Any) -> None:
    """A TZID that neither the IANA database nor a VTIMEZONE defines is refused."""
    for name in _TIMED_PROPERTIES:
        for prop in _as_list(vevent.get(name)):
            zone_id = getattr(prop, "params", {}).get("TZID")
            if not zone_id:
                continue
            for value in _times_of(prop):
                if isinstance(value, datetime) and value.tzinfo is None:
                    raise BadObject(f"{name}: unknown timezone {zone_id!r}")


def _times_of(prop: Any) -> list[Any]:
    if hasattr(prop, "dts"):  # EXDATE, RDATE: a list of values
        return [getattr(item, "dt", None) for item in prop.dts]
    return [getattr(prop, "dt", None)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _finish(event: CalendarEvent, href: str) -> CalendarEvent:
    from panelist.providers.ical import instant

    if instant(event.end) < instant(event.start):
        raise BadObject(f"event {event.uid!r} ends before it starts")
    description = event.description
    if event.conference_url:
        suffix = f"{VIDEO_LINE}{event.conference_url}"
        if description == suffix:
            description = ""
        elif description.endswith("\n\n" + suffix):
            description = description[: -len(suffix) - 2]
    extra = {**event.extra, "href": href, "resource": resource_name(href)}
    return replace(event, description=description, extra=extra)


def resource_name(href: str) -> str:
    """An event's ``extra["resource"]``, how core's cache finds it when only its href is
    deleted: the unquoted path, as servers differ in what they percent-encode."""
    return unquote(urlsplit(href).path)


# icalendar names the property it could not read in one of these two ways.
_PROPERTY = re.compile(r"property_name='([A-Z][A-Z0-9-]*)'|broken property '([A-Z][A-Z0-9-]*)'")


def _reason(exc: BaseException) -> str:
    """What went wrong and in which property, never the value: it may be a private title."""
    text = " ".join(str(exc).split())
    first = text.split(": ")[0][:200] or type(exc).__name__  # the rest quotes the data
    found = _PROPERTY.search(text)
    name = next((group for group in found.groups() if group), None) if found else None
    return f"{name}: {first}" if name and name not in first else first


def with_video_line(draft: EventDraft) -> EventDraft:
    """The draft as written to the server: the video link also in the description."""
    if not draft.conference_url or draft.conference_url in draft.description:
        return draft
    line = f"{VIDEO_LINE}{draft.conference_url}"
    description = f"{draft.description}\n\n{line}" if draft.description else line
    return replace(draft, description=description)


def to_ics(events: list[CalendarEvent], stamp: datetime) -> bytes:
    """One resource: the events (a master and its overrides) with their VTIMEZONEs."""
    from panelist.providers.ical import events_to_ics

    return events_to_ics([with_video_line(event) for event in events], stamp=stamp)
