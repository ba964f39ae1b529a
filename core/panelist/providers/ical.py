"""iCalendar (RFC 5545) conversions, recurrence expansion and the JSON form of events.

Times follow `panelist.providers.events`: an aware `datetime` is an instant and
keeps the IANA zone named by `timezone` (written as ``TZID``), a naive one is
floating, a `date` is all-day. Recurrence is expanded by the maintained
`recurring_ical_events` library, never by hand.

Pure core: no plugin and no Textual import. The local calendar imports this
module lazily, because icalendar costs ~0.15 s to import.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from panelist.errors import ValidationError
from panelist.providers.events import (
    Attendee,
    CalendarEvent,
    EventDraft,
    EventTime,
    ResponseStatus,
    Transparency,
)

PRODID = "-//Panelist//Panelist//EN"
JSON_VERSION = 1

D = TypeVar("D", bound=EventDraft)

# --------------------------------------------------------------------------- zones


@functools.cache
def _zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone(name: str, what: str = "timezone") -> ZoneInfo:
    """The IANA zone called `name`; `ValidationError` naming `what` when there is none."""
    found = _zone_or_none(name) if name else None
    if found is None:
        raise ValidationError(f"{what}: unknown timezone {name!r}", field="timezone")
    return found


def zone_name(value: EventTime) -> str | None:
    """The IANA name of an aware datetime's zone ("UTC" for a plain UTC offset), else None."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    key = getattr(value.tzinfo, "key", None)
    if isinstance(key, str) and _zone_or_none(key) is not None:
        return key
    if isinstance(value.tzinfo, timezone) and value.utcoffset() == timedelta(0):
        return "UTC"
    return None


# --------------------------------------------------------------------------- validation


def describe(draft: EventDraft) -> str:
    """How errors name an event: by its summary, which is what a recruiter recognises."""
    return f"event {draft.summary!r}" if draft.summary.strip() else "untitled event"


def _kind(value: EventTime) -> str:
    if not isinstance(value, datetime):
        return "all-day"
    return "floating" if value.tzinfo is None else "timed"


def _in_zone(value: EventTime, target: ZoneInfo, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(f"{what}: a date cannot be mixed with times", field="start")
    if value.tzinfo is not None:
        return value.astimezone(target)
    # A wall-clock time in the event's own zone; the hour clocks skip does not exist.
    placed = value.replace(tzinfo=target)
    if placed.astimezone(UTC).astimezone(target).replace(tzinfo=None) != value:
        raise ValidationError(
            f"{what}: {value:%Y-%m-%d %H:%M} does not exist in {target.key} (clocks skip it)",
            field="start",
        )
    return placed


def normalize_draft(draft: D) -> D:
    """Check a draft and bring every time of a timed event into its zone.

    Start and end are both dates (all-day), both naive (floating; or wall-clock
    times in `timezone` when one is given) or both aware; the end is after the
    start; the zone and the RRULE parse. An aware event without `timezone` takes
    its start's zone ("UTC" for a bare offset). Raises `ValidationError` naming
    the event.
    """
    what = describe(draft)
    kind = _kind(draft.start)
    if kind != _kind(draft.end):
        raise ValidationError(
            f"{what}: start and end must both be dates, both floating or both with a zone",
            field="end",
        )
    if kind == "all-day":
        if draft.timezone is not None:
            zone(draft.timezone, what)
        normalized = replace(
            draft, rdates=_dates(draft.rdates, what), exdates=_dates(draft.exdates, what)
        )
    elif kind == "floating" and draft.timezone is None:
        normalized = replace(
            draft,
            rdates=_floating(draft.rdates, what),
            exdates=_floating(draft.exdates, what),
        )
    else:
        target = zone(draft.timezone or zone_name(draft.start) or "UTC", what)
        normalized = replace(
            draft,
            start=_in_zone(draft.start, target, what),
            end=_in_zone(draft.end, target, what),
            timezone=target.key,
            rdates=tuple(_in_zone(d, target, what) for d in draft.rdates),
            exdates=tuple(_in_zone(d, target, what) for d in draft.exdates),
        )
    _check_span(normalized, what)
    if normalized.rrule is not None:
        _check_rrule(normalized.rrule, what)
    return normalized


def _dates(values: Iterable[EventTime], what: str) -> tuple[date, ...]:
    if any(isinstance(v, datetime) for v in values):
        raise ValidationError(f"{what}: an all-day series takes dates only", field="exdates")
    return tuple(values)


def _floating(values: Iterable[EventTime], what: str) -> tuple[datetime, ...]:
    result = []
    for value in values:
        if not isinstance(value, datetime) or value.tzinfo is not None:
            raise ValidationError(f"{what}: a floating series takes naive times", field="exdates")
        result.append(value)
    return tuple(result)


def _check_span(draft: EventDraft, what: str) -> None:
    start, end = instant(draft.start), instant(draft.end)
    if end < start:
        raise ValidationError(f"{what}: ends before it starts", field="end")
    if end == start:
        raise ValidationError(f"{what}: has no duration (end equals start)", field="end")


def _check_rrule(rrule: str, what: str) -> None:
    try:
        recur = icalendar.vRecur.from_ical(rrule.removeprefix("RRULE:"))
    except ValueError as exc:
        raise ValidationError(f"{what}: invalid RRULE {rrule!r}: {exc}", field="rrule") from None
    if "FREQ" not in recur:
        raise ValidationError(f"{what}: RRULE {rrule!r} has no FREQ", field="rrule")


# --------------------------------------------------------------------------- to iCalendar

_PARTSTAT = {
    ResponseStatus.NEEDS_ACTION: "NEEDS-ACTION",
    ResponseStatus.ACCEPTED: "ACCEPTED",
    ResponseStatus.DECLINED: "DECLINED",
    ResponseStatus.TENTATIVE: "TENTATIVE",
}
# DELEGATED means "someone else answers for me": for scheduling it is still open.
_RESPONSE = {value: key for key, value in _PARTSTAT.items()} | {
    "DELEGATED": ResponseStatus.NEEDS_ACTION
}


def to_vevent(
    event: EventDraft, uid: str | None = None, *, stamp: datetime | None = None
) -> icalendar.Event:
    """A VEVENT for a draft or event; `uid` defaults to the event's own uid.

    `stamp` is DTSTAMP (now when omitted; pass the injected clock's time).
    """
    vevent = icalendar.Event()
    stored = event if isinstance(event, CalendarEvent) else None
    vevent.add("uid", uid or (stored.uid if stored else ""))
    vevent.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    vevent.add("summary", event.summary)
    vevent.add("dtstart", event.start)
    vevent.add("dtend", event.end)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    vevent.add("class", "PRIVATE" if event.private else "PUBLIC")
    vevent.add("transp", "TRANSPARENT" if event.transparency is Transparency.FREE else "OPAQUE")
    vevent.add("status", _status(event, stored))
    if event.organizer:
        vevent.add("organizer", f"mailto:{event.organizer}")
    for attendee in event.attendees:
        vevent.add("attendee", f"mailto:{attendee.email}", parameters=_attendee_params(attendee))
    if event.conference_url:
        vevent.add(
            "conference", event.conference_url, parameters={"VALUE": "URI", "FEATURE": "VIDEO"}
        )
    _add_recurrence(vevent, event)
    if stored is not None:
        vevent.add("sequence", stored.sequence)
        if stored.recurrence_id is not None:
            vevent.add("recurrence-id", stored.recurrence_id)
    return vevent


def _status(event: EventDraft, stored: CalendarEvent | None) -> str:
    if stored is not None and stored.cancelled:
        return "CANCELLED"
    return "TENTATIVE" if event.transparency is Transparency.TENTATIVE else "CONFIRMED"


def _attendee_params(attendee: Attendee) -> dict[str, str]:
    params = {
        "PARTSTAT": _PARTSTAT[attendee.status],
        "ROLE": "OPT-PARTICIPANT" if attendee.optional else "REQ-PARTICIPANT",
    }
    if attendee.name:
        params["CN"] = attendee.name
    if attendee.resource:
        params["CUTYPE"] = "RESOURCE"
    return params


def _add_recurrence(vevent: icalendar.Event, event: EventDraft) -> None:
    if event.rrule:
        vevent.add("rrule", icalendar.vRecur.from_ical(event.rrule.removeprefix("RRULE:")))
    if event.rdates:
        vevent.add("rdate", list(event.rdates))
    if event.exdates:
        vevent.add("exdate", list(event.exdates))


def events_to_ics(events: Iterable[EventDraft], *, stamp: datetime | None = None) -> bytes:
    """A complete VCALENDAR (with the VTIMEZONEs it needs) holding `events`."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    for event in events:
        calendar.add_component(to_vevent(event, stamp=stamp))
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()
    return ics


# --------------------------------------------------------------------------- from iCalendar


def from_vevent(
    vevent: icalendar.Event, calendar_id: str = "", etag: str | None = None
) -> CalendarEvent:
    """A `CalendarEvent` from a VEVENT, as any calendar server or mail client writes it."""
    start = _time_of(vevent.start)
    end = _end_of(vevent, start)
    recurrence_id = vevent.get("recurrence-id")
    status = str(vevent.get("status", "")).upper()
    return CalendarEvent(
        summary=str(vevent.get("summary", "")),
        start=start,
        end=end,
        timezone=zone_name(start),
        description=str(vevent.get("description", "")),
        location=str(vevent.get("location", "")),
        private=str(vevent.get("class", "PUBLIC")).upper() in ("PRIVATE", "CONFIDENTIAL"),
        transparency=_transparency(vevent, status),
        attendees=tuple(_attendee(a) for a in _as_list(vevent.get("attendee"))),
        organizer=_email(vevent["organizer"]) if "organizer" in vevent else None,
        conference_url=_conference_url(vevent),
        rrule=_rrule(vevent),
        rdates=tuple(_time_of(value) for value, _ in vevent.rdates),
        exdates=tuple(_time_of(value) for value in vevent.exdates),
        uid=str(vevent.get("uid", "")),
        calendar_id=calendar_id,
        cancelled=status == "CANCELLED",
        recurrence_id=_time_of(recurrence_id.dt) if recurrence_id is not None else None,
        etag=etag,
        sequence=int(vevent.get("sequence", 0)),
    )


def events_from_ics(data: bytes | str, calendar_id: str = "") -> list[CalendarEvent]:
    """Every VEVENT of an iCalendar stream (masters and overrides, not expanded)."""
    calendars = icalendar.Calendar.from_ical(data, multiple=True)
    return [from_vevent(ev, calendar_id) for cal in calendars for ev in cal.events]


def _time_of(value: date | datetime) -> EventTime:
    """Aware times keep an IANA zone; zones icalendar could not name become UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(zone(zone_name(value) or "UTC"))
    return value


def _end_of(vevent: icalendar.Event, start: EventTime) -> EventTime:
    # icalendar applies RFC 5545's defaults: DURATION, else one day or zero length.
    end = _time_of(vevent.end)
    if isinstance(start, datetime) and isinstance(end, datetime) and start.tzinfo is not None:
        return end.astimezone(start.tzinfo)
    return end


def _transparency(vevent: icalendar.Event, status: str) -> Transparency:
    if str(vevent.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
        return Transparency.FREE
    busy_status = str(vevent.get("x-microsoft-cdo-busystatus", "")).upper()
    if status == "TENTATIVE" or busy_status == "TENTATIVE":
        return Transparency.TENTATIVE
    if busy_status == "FREE":
        return Transparency.FREE
    return Transparency.BUSY


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _email(address: Any) -> str:
    text = str(address).strip()
    return text[len("mailto:") :] if text.lower().startswith("mailto:") else text


def _attendee(address: Any) -> Attendee:
    params: Mapping[str, Any] = getattr(address, "params", {})
    return Attendee(
        email=_email(address),
        name=str(params.get("CN", "")),
        status=_RESPONSE.get(str(params.get("PARTSTAT", "")).upper(), ResponseStatus.NEEDS_ACTION),
        optional=str(params.get("ROLE", "")).upper() in ("OPT-PARTICIPANT", "NON-PARTICIPANT"),
        resource=str(params.get("CUTYPE", "")).upper() in ("RESOURCE", "ROOM"),
    )


def _conference_url(vevent: icalendar.Event) -> str | None:
    for conference in vevent.conferences:
        return str(conference.uri)
    for name in ("x-google-conference", "x-microsoft-skypeteamsmeetingurl"):
        if name in vevent:
            return str(vevent[name])
    return None


def _rrule(vevent: icalendar.Event) -> str | None:
    # RFC 5545 deprecates more than one RRULE; the first is the series.
    rules = vevent.rrules
    return rules[0].to_ical().decode() if rules else None


# --------------------------------------------------------------------------- expansion


def instant(value: EventTime, zone_of_naive: tzinfo = UTC) -> datetime:
    """An event time as a UTC instant; floating and all-day times are read in `zone_of_naive`.

    In UTC because Python compares two datetimes of one zone by wall clock, which
    is wrong inside a DST fold.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=zone_of_naive)
    else:
        aware = datetime.combine(value, time(), zone_of_naive)
    return aware.astimezone(UTC)


def overlaps(event: EventDraft, start: datetime, end: datetime) -> bool:
    """Whether the event overlaps [start, end); a zero-length event counts at its start.

    Floating and all-day events are read in the window's zone (UTC for a naive window).
    """
    window_zone = start.tzinfo or UTC
    window_start, window_end = instant(start, window_zone), instant(end, window_zone)
    event_start = instant(event.start, window_zone)
    event_end = instant(event.end, window_zone)
    if event_end <= event_start:
        return window_start <= event_start < window_end
    return event_start < window_end and event_end > window_start


def is_series(event: EventDraft) -> bool:
    return bool(event.rrule or event.rdates)


# Wider than any UTC offset (-12h..+14h), so floating and all-day occurrences near
# the window's edges reach `overlaps`, which then decides exactly.
_EXPANSION_MARGIN = timedelta(days=2)


def expand_events(
    events: Iterable[CalendarEvent],
    start: datetime,
    end: datetime,
    *,
    include_cancelled: bool = False,
) -> list[CalendarEvent]:
    """Occurrences of one calendar's masters and overrides overlapping [start, end), by start.

    Each occurrence of a series keeps the series uid, gets `recurrence_id` and no
    RRULE/RDATE/EXDATE; an override replaces the occurrence it names. Single
    events come back unchanged. The work is bounded by the window, even for a
    series without end or with COUNT=1000000. Cancelled events and occurrences
    are left out unless `include_cancelled`.
    """
    masters: dict[str, CalendarEvent] = {}
    overrides: dict[str, list[CalendarEvent]] = defaultdict(list)
    for event in events:
        if event.recurrence_id is None:
            masters[event.uid] = event
        else:
            overrides[event.uid].append(event)

    found: list[CalendarEvent] = []
    series: list[tuple[CalendarEvent, list[CalendarEvent]]] = []
    for uid, master in masters.items():
        its_overrides = overrides.pop(uid, [])
        if is_series(master):
            series.append((master, its_overrides))
        else:  # overrides of an event that is no longer a series name nothing
            found.append(master)
    # Overrides without their master (e.g. only the master was deleted) stand alone.
    found.extend(event for orphans in overrides.values() for event in orphans)
    if series:
        found.extend(_expand_series(series, start, end))

    window_zone = start.tzinfo or UTC
    kept = [
        event
        for event in found
        if (include_cancelled or not event.cancelled) and overlaps(event, start, end)
    ]
    kept.sort(key=lambda event: (instant(event.start, window_zone), event.uid))
    return kept


def _expand_series(
    series: list[tuple[CalendarEvent, list[CalendarEvent]]], start: datetime, end: datetime
) -> list[CalendarEvent]:
    import recurring_ical_events  # lazy: ~0.05 s on top of icalendar

    calendar = icalendar.Calendar()
    sources: dict[tuple[str, str], CalendarEvent] = {}
    for master, its_overrides in series:
        calendar.add_component(to_vevent(master, stamp=_EPOCH))
        for override in its_overrides:
            calendar.add_component(to_vevent(override, stamp=_EPOCH))
            sources[(master.uid, _time_key(override.recurrence_id))] = override
    query = recurring_ical_events.of(calendar)
    window_zone = start.tzinfo or UTC
    occurrences: list[CalendarEvent] = []
    masters = {master.uid: master for master, _ in series}
    for component in query.between(
        instant(start, window_zone) - _EXPANSION_MARGIN,
        instant(end, window_zone) + _EXPANSION_MARGIN,
    ):
        uid = str(component["uid"])
        recurrence_id = _in_source_zone(_time_of(component["recurrence-id"].dt), masters[uid])
        source = sources.get((uid, _time_key(recurrence_id)), masters[uid])
        occurrences.append(_occurrence(source, component, recurrence_id))
    return occurrences


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _occurrence(
    source: CalendarEvent, component: icalendar.Event, recurrence_id: EventTime
) -> CalendarEvent:
    """The source event (master or override) moved to one occurrence: lossless, no re-parse."""
    return replace(
        source,
        start=_in_source_zone(_time_of(component.start), source),
        end=_in_source_zone(_time_of(component.end), source),
        rrule=None,
        rdates=(),
        exdates=(),
        recurrence_id=recurrence_id,
    )


def _in_source_zone(value: EventTime, source: CalendarEvent) -> EventTime:
    if isinstance(value, datetime) and value.tzinfo is not None and source.timezone:
        return value.astimezone(zone(source.timezone))
    return value


def _time_key(value: EventTime | None) -> str:
    """One key per occurrence however its RECURRENCE-ID was written (zone, UTC …)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return value.isoformat() if value is not None else ""


# --------------------------------------------------------------------------- JSON


def time_to_json(value: EventTime) -> dict[str, str | None]:
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if value.tzinfo is None:
        return {"floating": value.isoformat()}
    # The offset pins the instant (also inside a DST fold); the zone restores the wall clock.
    return {"at": value.isoformat(), "zone": zone_name(value)}


def time_from_json(data: Mapping[str, Any]) -> EventTime:
    if "date" in data:
        return date.fromisoformat(data["date"])
    if "floating" in data:
        return datetime.fromisoformat(data["floating"])
    at = datetime.fromisoformat(data["at"])
    name = data.get("zone")
    return at.astimezone(zone(name)) if name else at


def event_to_dict(event: CalendarEvent) -> dict[str, Any]:
    """The JSON-ready form of an event (see `event_to_json`)."""
    return {
        "v": JSON_VERSION,
        "uid": event.uid,
        "calendar_id": event.calendar_id,
        "summary": event.summary,
        "start": time_to_json(event.start),
        "end": time_to_json(event.end),
        "timezone": event.timezone,
        "description": event.description,
        "location": event.location,
        "private": event.private,
        "transparency": event.transparency.value,
        "attendees": [_attendee_to_dict(a) for a in event.attendees],
        "organizer": event.organizer,
        "conference_url": event.conference_url,
        "rrule": event.rrule,
        "rdates": [time_to_json(d) for d in event.rdates],
        "exdates": [time_to_json(d) for d in event.exdates],
        "cancelled": event.cancelled,
        "recurrence_id": (
            time_to_json(event.recurrence_id) if event.recurrence_id is not None else None
        ),
        "etag": event.etag,
        "sequence": event.sequence,
        "extra": dict(event.extra),
    }


def _attendee_to_dict(attendee: Attendee) -> dict[str, Any]:
    return {
        "email": attendee.email,
        "name": attendee.name,
        "status": attendee.status.value,
        "optional": attendee.optional,
        "resource": attendee.resource,
    }


def event_from_dict(data: Mapping[str, Any]) -> CalendarEvent:
    if data.get("v") != JSON_VERSION:
        raise ValueError(f"unsupported event JSON version {data.get('v')!r}")
    recurrence_id = data.get("recurrence_id")
    return CalendarEvent(
        uid=data["uid"],
        calendar_id=data.get("calendar_id", ""),
        summary=data["summary"],
        start=time_from_json(data["start"]),
        end=time_from_json(data["end"]),
        timezone=data.get("timezone"),
        description=data.get("description", ""),
        location=data.get("location", ""),
        private=bool(data.get("private", True)),
        transparency=Transparency(data.get("transparency", Transparency.BUSY.value)),
        attendees=tuple(
            Attendee(
                email=a["email"],
                name=a.get("name", ""),
                status=ResponseStatus(a.get("status", ResponseStatus.NEEDS_ACTION.value)),
                optional=bool(a.get("optional", False)),
                resource=bool(a.get("resource", False)),
            )
            for a in data.get("attendees", [])
        ),
        organizer=data.get("organizer"),
        conference_url=data.get("conference_url"),
        rrule=data.get("rrule"),
        rdates=tuple(time_from_json(d) for d in data.get("rdates", [])),
        exdates=tuple(time_from_json(d) for d in data.get("exdates", [])),
        cancelled=bool(data.get("cancelled", False)),
        recurrence_id=time_from_json(recurrence_id) if recurrence_id is not None else None,
        etag=data.get("etag"),
        sequence=int(data.get("sequence", 0)),
        extra=dict(data.get("extra", {})),
    )


def event_to_json(event: CalendarEvent) -> str:
    """Compact JSON of an event, for `cache_events.data` and plugin tables."""
    return json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))


def event_from_json(data: str | bytes) -> CalendarEvent:
    """The event `event_to_json` wrote; `ValueError` for JSON of another shape or version."""
    try:
        return event_from_dict(json.loads(data))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a Panelist event JSON: {exc}") from None
