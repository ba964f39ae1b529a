"""Graph event resources (JSON as Graph sends it) <-> Panelist's `CalendarEvent`/`EventDraft`.
Pure functions: no network, no msgraph import.

- Times: every request asks ``Prefer: outlook.timezone="UTC"``, so ``start``/``end`` come as
  ``{"dateTime": "2026-03-24T08:00:00.0000000", "timeZone": "UTC"}``; the event's own zone is
  ``originalStartTimeZone`` (a Windows name such as "W. Europe Standard Time", or IANA),
  mapped to IANA through icalendar's CLDR table. All-day events are dates.
- Writes send wall-clock times in the draft's IANA zone (Graph takes IANA names), so a
  series keeps its local time across DST.
- ``sensitivity`` private/confidential -> private; ``showAs`` free/tentative -> transparency.
- ``attendees[].status.response``: none/notResponded -> needs action, organizer/accepted
  -> accepted, tentativelyAccepted -> tentative, declined -> declined.
- Recurrence: Graph's ``recurrence {pattern, range}`` <-> an RRULE (the patterns Graph has:
  daily, weekly, absolute/relative monthly and yearly; numbered, end date or no end).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from panelist.errors import NotSupported, ValidationError
from panelist.providers import (
    Attendee,
    CalendarEvent,
    EventDraft,
    ResponseStatus,
    Transparency,
)
from panelist.providers.events import EventTime
from panelist.timezones import zone_or_none
from panelist_microsoft.config import PROVIDER

TEAMS_PROVIDER = "teamsForBusiness"
CONFERENCE_PROPERTY = "String {00020329-0000-0000-C000-000000000046} Name PanelistConferenceUrl"
"""A named MAPI property (PS_PUBLIC_STRINGS) for a video link made elsewhere (Jitsi, Zoom),
which Exchange has no field for; Graph returns it only when asked (`EXPAND_CONFERENCE`)."""
EXPAND_CONFERENCE = f"singleValueExtendedProperties($filter=id eq '{CONFERENCE_PROPERTY}')"

_RESPONSES = {
    "none": ResponseStatus.NEEDS_ACTION,
    "notresponded": ResponseStatus.NEEDS_ACTION,
    "organizer": ResponseStatus.ACCEPTED,
    "accepted": ResponseStatus.ACCEPTED,
    "tentativelyaccepted": ResponseStatus.TENTATIVE,
    "declined": ResponseStatus.DECLINED,
}
_GRAPH_RESPONSE = {
    ResponseStatus.NEEDS_ACTION: "none",
    ResponseStatus.ACCEPTED: "accepted",
    ResponseStatus.TENTATIVE: "tentativelyAccepted",
    ResponseStatus.DECLINED: "declined",
}
_SHOW_AS = {"free": Transparency.FREE, "tentative": Transparency.TENTATIVE}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_INDEX_NAME = {v: k for k, v in _INDEX.items()}


class BadEvent(ValueError):
    """An item Graph sent that cannot be read; the message names the field, never data."""


# ---------------------------------------------------------------------- zones


@functools.cache
def _windows_zones() -> dict[str, str]:
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    return {k.casefold(): v for k, v in WINDOWS_TO_OLSON.items()}


def zone_for(name: str | None) -> ZoneInfo | None:
    """The IANA zone for a Graph zone name: IANA itself, a Windows name, or UTC; else None."""
    if not name:
        return None
    text = name.strip()
    if text.casefold() in ("utc", "etc/utc", "coordinated universal time", "tzone://microsoft/utc"):
        return ZoneInfo("UTC")
    found = zone_or_none(text)
    if found is not None:
        return found
    iana = _windows_zones().get(text.casefold())
    return zone_or_none(iana) if iana else None


def iana_name(name: str | None) -> str | None:
    zone = zone_for(name)
    return getattr(zone, "key", None) if zone is not None else None


# ---------------------------------------------------------------------- ids


def transaction_id(idempotency_key: str) -> str:
    """Graph's transactionId for an idempotency key: a hash, so no key is readable in it."""
    return "pnl-" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]


# ---------------------------------------------------------------------- Graph -> Panelist


def parse_time(value: Any, what: str, all_day: bool = False) -> EventTime:
    """Graph's ``dateTimeTimeZone``: a wall-clock time in a named zone (UTC as asked)."""
    if not isinstance(value, dict) or not value.get("dateTime"):
        raise BadEvent(f"its {what} is missing")
    text = str(value["dateTime"])
    match = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:\d{2})?", text
    )
    if not match:
        raise BadEvent(f"its {what} is not a time")
    try:
        moment = datetime.fromisoformat(match.group(1) + ((match.group(2) or "")[:7]))
    except ValueError:
        raise BadEvent(f"its {what} is not a time") from None
    if all_day:
        return moment.date()
    if match.group(3):
        return datetime.fromisoformat(match.group(1)).replace(
            tzinfo=datetime.fromisoformat(
                "2000-01-01T00:00" + match.group(3).replace("Z", "+00:00")
            ).tzinfo
        ).astimezone(UTC) + timedelta(microseconds=moment.microsecond)
    zone_name = value.get("timeZone") or "UTC"
    zone = zone_for(str(zone_name))
    if zone is None:
        raise BadEvent(f"its {what} is in an unknown time zone {str(zone_name)[:60]!r}")
    return moment.replace(tzinfo=zone).astimezone(UTC)


def from_graph(item: dict[str, Any], calendar_id: str, uid: str | None = None) -> CalendarEvent:
    """A single event, series master, occurrence or exception; raises `BadEvent`.

    `uid` is the series' iCalUId for an occurrence or exception (Graph gives those their
    own); otherwise the item's own iCalUId is the uid.
    """
    graph_id = item.get("id")
    if not isinstance(graph_id, str) or not graph_id:
        raise BadEvent("it has no id")
    own_uid = item.get("iCalUId")
    kind = str(item.get("type") or "singleInstance")
    all_day = bool(item.get("isAllDay"))
    start = parse_time(item.get("start"), "start", all_day)
    end = parse_time(item.get("end"), "end", all_day)
    recurrence_id: EventTime | None = None
    if kind in ("occurrence", "exception"):
        original = item.get("originalStart")
        if original:
            recurrence_id = _parse_instant(original, "originalStart")
            if all_day:
                recurrence_id = recurrence_id.date()
        else:
            recurrence_id = start
    zone = iana_name(item.get("originalStartTimeZone"))
    if zone is None and isinstance(start, datetime):
        zone = "UTC"
    organizer = ((item.get("organizer") or {}).get("emailAddress") or {}).get("address")
    location = item.get("location") or {}
    body = item.get("body") or {}
    description = str(body.get("content") or "")
    if str(body.get("contentType", "")).lower() == "html":
        description = _text_of_html(description)
    event = CalendarEvent(
        summary=str(item.get("subject") or ""),
        start=start,
        end=end,
        timezone=zone,
        description=description,
        location=str(location.get("displayName") or ""),
        private=str(item.get("sensitivity") or "").lower() in ("private", "confidential"),
        transparency=_SHOW_AS.get(str(item.get("showAs") or "").lower(), Transparency.BUSY),
        attendees=tuple(_attendee(a) for a in item.get("attendees") or () if _address(a)),
        organizer=str(organizer) if organizer else None,
        conference_url=_conference_url(item),
        uid=str(uid or own_uid or graph_id),
        calendar_id=calendar_id,
        cancelled=bool(item.get("isCancelled")),
        recurrence_id=recurrence_id,
        etag=item.get("@odata.etag") or item.get("changeKey"),
        sequence=sequence_of(item),
        extra=_extra(item),
    )
    if kind == "seriesMaster" and item.get("recurrence"):
        import dataclasses

        rule = rrule_of(item["recurrence"], event)
        return dataclasses.replace(event, rrule=rule)
    return event


_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def sequence_of(item: dict[str, Any]) -> int:
    """Graph shows no SEQUENCE: seconds from 2020 to ``lastModifiedDateTime`` grow with every
    change (an update also returns at least one more than the event it replaced)."""
    text = item.get("lastModifiedDateTime")
    if not text:
        return 0
    try:
        return max(0, int((_parse_instant(text, "lastModifiedDateTime") - _EPOCH).total_seconds()))
    except BadEvent:
        return 0


def _conference_url(item: dict[str, Any]) -> str | None:
    join = (item.get("onlineMeeting") or {}).get("joinUrl")
    if join:
        return str(join)
    for prop in item.get("singleValueExtendedProperties") or ():
        if (
            isinstance(prop, dict)
            and str(prop.get("id", "")).casefold() == CONFERENCE_PROPERTY.casefold()
        ):
            return str(prop.get("value") or "") or None
    return None


def _parse_instant(text: Any, what: str) -> datetime:
    value = str(text)
    match = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:\d{2})?", value
    )
    if not match:
        raise BadEvent(f"its {what} is not a time")
    moment = datetime.fromisoformat(match.group(1))
    offset = (match.group(3) or "Z").replace("Z", "+00:00")
    tz = datetime.fromisoformat("2000-01-01T00:00" + offset).tzinfo
    return moment.replace(tzinfo=tz).astimezone(UTC)


def _address(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    found = (value.get("emailAddress") or {}).get("address")
    return str(found) if found else None


def _attendee(value: dict[str, Any]) -> Attendee:
    email = _address(value) or ""
    kind = str(value.get("type") or "required").lower()
    response = str(((value.get("status") or {}).get("response")) or "none").casefold()
    return Attendee(
        email=email,
        name=str((value.get("emailAddress") or {}).get("name") or ""),
        status=_RESPONSES.get(response, ResponseStatus.NEEDS_ACTION),
        optional=kind == "optional",
        resource=kind == "resource",
    )


def response_of(value: Any) -> ResponseStatus:
    return _RESPONSES.get(str(value or "none").casefold(), ResponseStatus.NEEDS_ACTION)


def _extra(item: dict[str, Any]) -> dict[str, str]:
    extra = {"graph_id": str(item["id"]), "resource": str(item["id"])}
    for key, name in (
        ("iCalUId", "ical_uid"),
        ("changeKey", "change_key"),
        ("seriesMasterId", "series_master_id"),
        ("type", "graph_type"),
        ("transactionId", "transaction_id"),
    ):
        if item.get(key):
            extra[name] = str(item[key])
    email = ((item.get("location") or {}).get("locationEmailAddress")) or None
    if email:
        extra["room"] = str(email)
    return extra


def _text_of_html(html: str) -> str:
    text = re.sub(r"(?is)<(script|style|head).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    import html as html_module

    return html_module.unescape(text).strip()


# ---------------------------------------------------------------------- recurrence


def rrule_of(recurrence: dict[str, Any], event: CalendarEvent) -> str:
    """An RRULE for Graph's ``patternedRecurrence``; raises `BadEvent` for what it cannot say."""
    pattern = recurrence.get("pattern") or {}
    span = recurrence.get("range") or {}
    kind = str(pattern.get("type") or "")
    interval = int(pattern.get("interval") or 1)
    parts: list[str] = []
    days = [
        _ICAL_DAYS[_DAYS.index(d.lower())]
        for d in pattern.get("daysOfWeek") or ()
        if d.lower() in _DAYS
    ]
    index = _INDEX.get(str(pattern.get("index") or "first").lower(), 1)
    if kind == "daily":
        parts.append("FREQ=DAILY")
    elif kind == "weekly":
        parts.append("FREQ=WEEKLY")
        if days:
            parts.append("BYDAY=" + ",".join(days))
        first = str(pattern.get("firstDayOfWeek") or "").lower()
        if first in _DAYS and first != "monday" and interval > 1:
            parts.append("WKST=" + _ICAL_DAYS[_DAYS.index(first)])
    elif kind == "absoluteMonthly":
        parts += ["FREQ=MONTHLY", f"BYMONTHDAY={int(pattern.get('dayOfMonth') or 1)}"]
    elif kind == "relativeMonthly":
        parts += ["FREQ=MONTHLY", "BYDAY=" + ",".join(days or ["MO"]), f"BYSETPOS={index}"]
    elif kind == "absoluteYearly":
        parts += [
            "FREQ=YEARLY",
            f"BYMONTH={int(pattern.get('month') or 1)}",
            f"BYMONTHDAY={int(pattern.get('dayOfMonth') or 1)}",
        ]
    elif kind == "relativeYearly":
        parts += [
            "FREQ=YEARLY",
            f"BYMONTH={int(pattern.get('month') or 1)}",
            "BYDAY=" + ",".join(days or ["MO"]),
            f"BYSETPOS={index}",
        ]
    else:
        raise BadEvent("its recurrence pattern is of an unknown kind")
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    end_kind = str(span.get("type") or "noEnd")
    if end_kind == "numbered":
        parts.append(f"COUNT={int(span.get('numberOfOccurrences') or 1)}")
    elif end_kind == "endDate" and span.get("endDate"):
        try:
            last = date.fromisoformat(str(span["endDate"])[:10])
        except ValueError:
            raise BadEvent("its recurrence end is not a date") from None
        if isinstance(event.start, datetime):
            zone = zone_for(span.get("recurrenceTimeZone")) or zone_for(event.timezone) or UTC
            until = datetime.combine(last, time(23, 59, 59), zone).astimezone(UTC)
            parts.append("UNTIL=" + until.strftime("%Y%m%dT%H%M%SZ"))
        else:
            parts.append("UNTIL=" + last.strftime("%Y%m%d"))
    return ";".join(parts)


def recurrence_of(draft: EventDraft) -> dict[str, Any] | None:
    """Graph's ``patternedRecurrence`` for the draft's RRULE; `NotSupported` for a rule Graph
    has no pattern for (several rules, RDATEs, by hour …)."""
    if not draft.rrule:
        if draft.rdates:
            raise NotSupported(
                "Exchange cannot add single dates (RDATE) to a series", provider=PROVIDER
            )
        return None
    if draft.rdates:
        raise NotSupported(
            "Exchange cannot add single dates (RDATE) to a series", provider=PROVIDER
        )
    rule: dict[str, str] = {}
    for part in draft.rrule.removeprefix("RRULE:").split(";"):
        name, _, value = part.partition("=")
        rule[name.strip().upper()] = value.strip().upper()
    allowed = {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    }
    if set(rule) - allowed:
        raise NotSupported(
            f"Exchange has no recurrence for {', '.join(sorted(set(rule) - allowed))} rules",
            provider=PROVIDER,
        )
    zone = zone_for(draft.timezone) or UTC
    start = draft.start
    local = start.astimezone(zone) if isinstance(start, datetime) and start.tzinfo else start
    first_day = local.date() if isinstance(local, datetime) else local
    interval = int(rule.get("INTERVAL") or 1)
    freq = rule.get("FREQ")
    pattern: dict[str, Any] = {"interval": interval}
    bydays, position = _bydays(rule.get("BYDAY", ""), rule.get("BYSETPOS"))
    weekday = _DAYS[first_day.weekday()]
    if freq == "DAILY" and not bydays:
        pattern["type"] = "daily"
    elif freq == "DAILY" or freq == "WEEKLY":
        if freq == "DAILY" and interval != 1:
            raise NotSupported(
                "Exchange has no daily series on chosen weekdays every n days", provider=PROVIDER
            )
        pattern.update(type="weekly", daysOfWeek=bydays or [weekday], firstDayOfWeek="monday")
        if rule.get("WKST") in _ICAL_DAYS:
            pattern["firstDayOfWeek"] = _DAYS[_ICAL_DAYS.index(rule["WKST"])]
    elif freq == "MONTHLY" and bydays:
        pattern.update(
            type="relativeMonthly", daysOfWeek=bydays, index=_INDEX_NAME.get(position or 1, "first")
        )
    elif freq == "MONTHLY":
        pattern.update(
            type="absoluteMonthly", dayOfMonth=int(rule.get("BYMONTHDAY") or first_day.day)
        )
    elif freq == "YEARLY" and bydays:
        pattern.update(
            type="relativeYearly",
            daysOfWeek=bydays,
            index=_INDEX_NAME.get(position or 1, "first"),
            month=int(rule.get("BYMONTH") or first_day.month),
        )
    elif freq == "YEARLY":
        pattern.update(
            type="absoluteYearly",
            dayOfMonth=int(rule.get("BYMONTHDAY") or first_day.day),
            month=int(rule.get("BYMONTH") or first_day.month),
        )
    else:
        raise NotSupported(f"Exchange has no {str(freq).lower()} recurrence", provider=PROVIDER)
    span: dict[str, Any] = {
        "startDate": first_day.isoformat(),
        "recurrenceTimeZone": getattr(zone, "key", "UTC"),
    }
    if rule.get("COUNT"):
        span.update(type="numbered", numberOfOccurrences=int(rule["COUNT"]))
    elif rule.get("UNTIL"):
        span.update(type="endDate", endDate=_until_date(rule["UNTIL"], zone).isoformat())
    else:
        span["type"] = "noEnd"
    return {"pattern": pattern, "range": span}


def _bydays(text: str, setpos: str | None) -> tuple[list[str], int | None]:
    days, position = [], int(setpos) if setpos and setpos.lstrip("-").isdigit() else None
    for item in filter(None, text.split(",")):
        match = re.fullmatch(r"([+-]?\d+)?(MO|TU|WE|TH|FR|SA|SU)", item)
        if not match:
            raise NotSupported("Exchange cannot read this BYDAY", provider=PROVIDER)
        if match.group(1):
            number = int(match.group(1))
            if position not in (None, number) or number not in _INDEX_NAME:
                raise NotSupported(
                    "Exchange has one weekday position per series", provider=PROVIDER
                )
            position = number
        days.append(_DAYS[_ICAL_DAYS.index(match.group(2))])
    if position is not None and position not in _INDEX_NAME:
        raise NotSupported("Exchange has no such weekday position", provider=PROVIDER)
    return days, position


def _until_date(text: str, zone: Any) -> date:
    if "T" in text:
        moment = datetime.strptime(text.rstrip("Z")[:15], "%Y%m%dT%H%M%S")
        moment = moment.replace(tzinfo=UTC) if text.endswith("Z") else moment.replace(tzinfo=zone)
        return moment.astimezone(zone).date()
    return datetime.strptime(text[:8], "%Y%m%d").date()


# ---------------------------------------------------------------------- Panelist -> Graph


def graph_time(value: EventTime, timezone: str | None) -> dict[str, str]:
    """A ``dateTimeTimeZone``: wall-clock time in the draft's zone (UTC without one)."""
    zone_name = timezone if zone_for(timezone) is not None else "UTC"
    assert zone_name is not None
    if not isinstance(value, datetime):
        return {"dateTime": f"{value.isoformat()}T00:00:00", "timeZone": zone_name}
    if value.tzinfo is None:
        raise ValidationError(
            "Exchange keeps no floating times: give the event a time zone", field="start"
        )
    zone = zone_for(zone_name) or UTC
    local = value.astimezone(zone).replace(microsecond=0, tzinfo=None)
    return {"dateTime": local.isoformat(), "timeZone": zone_name}


def to_graph(
    draft: EventDraft,
    *,
    idempotency_key: str | None = None,
    teams: bool = False,
    room: str | None = None,
) -> dict[str, Any]:
    """The body of POST/PATCH events for a normalized draft (`normalize_draft`).

    `room`: a room booked with the event (a resource attendee and the location's mailbox).
    """
    attendees = [_graph_attendee(a) for a in draft.attendees]
    location: dict[str, Any] = {"displayName": draft.location}
    if room is not None:
        if not any(a["emailAddress"]["address"].casefold() == room.casefold() for a in attendees):
            attendees.append({"emailAddress": {"address": room}, "type": "resource"})
        location["locationEmailAddress"] = room
        location["displayName"] = draft.location or room
    else:
        rooms = [a.email for a in draft.attendees if a.resource]
        if rooms:
            location["locationEmailAddress"] = rooms[0]
    body: dict[str, Any] = {
        "subject": draft.summary,
        "body": {"contentType": "text", "content": draft.description},
        "start": graph_time(draft.start, draft.timezone),
        "end": graph_time(draft.end, draft.timezone),
        "isAllDay": not isinstance(draft.start, datetime),
        "location": location,
        "attendees": attendees,
        # Interviews are private: colleagues who see the calendar see "busy", not the candidate.
        "sensitivity": "private" if draft.private else "normal",
        "showAs": {
            Transparency.FREE: "free",
            Transparency.TENTATIVE: "tentative",
        }.get(draft.transparency, "busy"),
        "isReminderOn": False,
        "responseRequested": True,
    }
    if idempotency_key:
        body["transactionId"] = transaction_id(idempotency_key)
    if teams:
        body["isOnlineMeeting"] = True
        body["onlineMeetingProvider"] = TEAMS_PROVIDER
    else:  # a link made elsewhere, or none (an update clears the one before)
        body["singleValueExtendedProperties"] = [
            {"id": CONFERENCE_PROPERTY, "value": draft.conference_url or ""}
        ]
    recurrence = recurrence_of(draft)
    if recurrence is not None:
        body["recurrence"] = recurrence
    return body


def _graph_attendee(attendee: Attendee) -> dict[str, Any]:
    address: dict[str, str] = {"address": attendee.email}
    if attendee.name:
        address["name"] = attendee.name
    kind = "resource" if attendee.resource else "optional" if attendee.optional else "required"
    return {"emailAddress": address, "type": kind}


def as_event(draft: EventDraft, **values: Any) -> CalendarEvent:
    draft_values = {f.name: getattr(draft, f.name) for f in fields(EventDraft)}
    return CalendarEvent(**(draft_values | values))


def utc_text(moment: datetime) -> str:
    """A window bound for calendarView: ISO 8601 in UTC (naive read as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
