"""iCalendar (RFC 5545) conversions, recurrence expansion and the JSON form of events.

Times follow `panelist.providers.events`: an aware `datetime` is an instant and
keeps the IANA zone named by `timezone` (written as ``TZID``), a naive one is
floating, a `date` is all-day. Recurrence is expanded by dateutil exactly as
the maintained `recurring_ical_events` library expands it (a fast path, checked
against the library by property tests), and by the library itself wherever the
fast path is not certain.

Pure core: no plugin and no Textual import. The local calendar imports this
module lazily, because icalendar costs ~0.15 s to import.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrule, rruleset, rrulestr

from panelist.errors import ValidationError
from panelist.providers.events import (
    Attendee,
    CalendarEvent,
    EventDraft,
    EventTime,
    ResponseStatus,
    Transparency,
    describe,
    unreadable,
    unreadable_reason,
    unreadable_unknown,
)
from panelist.timezones import get_zone, zone_or_none

PRODID = "-//Panelist//Panelist//EN"
JSON_VERSION = 1

D = TypeVar("D", bound=EventDraft)

# --------------------------------------------------------------------------- zones


def zone_name(value: EventTime) -> str | None:
    """The IANA name of an aware datetime's zone ("UTC" for a plain UTC offset), else None."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    key = getattr(value.tzinfo, "key", None)
    if isinstance(key, str) and zone_or_none(key) is not None:
        return key
    if isinstance(value.tzinfo, timezone) and value.utcoffset() == timedelta(0):
        return "UTC"
    return None


# --------------------------------------------------------------------------- validation


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
            get_zone(draft.timezone, what)
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
        target = get_zone(draft.timezone or zone_name(draft.start) or "UTC", what)
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
    problem = _rrule_problem(rrule)
    if problem:
        raise ValidationError(f"{what}: {problem}", field="rrule")


@functools.lru_cache(maxsize=512)  # calendars repeat a few rules; parsing one costs ~30 µs
def _rrule_problem(rrule: str) -> str | None:
    try:
        recur = icalendar.vRecur.from_ical(rrule.removeprefix("RRULE:"))
    except ValueError as exc:
        return f"invalid RRULE {rrule!r}: {exc}"
    if "FREQ" not in recur:
        return f"RRULE {rrule!r} has no FREQ"
    if unknown := sorted(set(recur) - set(icalendar.vRecur.types)):
        return f"RRULE {rrule!r} has an unknown part {', '.join(unknown)}"
    if any(interval < 1 for interval in recur.get("INTERVAL", [])):  # dateutil would never end
        return f"RRULE {rrule!r} needs an INTERVAL of 1 or more"
    return None


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
            vevent.add("recurrence-id", stored.recurrence_id, parameters=_range(stored))
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


def _range(event: CalendarEvent) -> dict[str, str]:
    return {"RANGE": "THISANDFUTURE"} if event.this_and_future else {}


def _add_recurrence(vevent: icalendar.Event, event: EventDraft) -> None:
    for rule in rrules_of(event):
        vevent.add("rrule", icalendar.vRecur.from_ical(rule.removeprefix("RRULE:")))
    periods = dict(event.rdate_periods) if isinstance(event, CalendarEvent) else {}
    if plain := [moment for moment in event.rdates if moment not in periods]:
        vevent.add("rdate", list(plain))
    for begin, end in periods.items():
        vevent.add("rdate", [(begin, end)], parameters=_period_parameters(begin))
    if event.exdates:
        vevent.add("exdate", list(event.exdates))


def _period_parameters(begin: EventTime) -> dict[str, str]:
    # icalendar drops a period's TZID (7.x), which would make it floating.
    name = zone_name(begin)
    zone = {"TZID": name} if name and name != "UTC" else {}
    return {"VALUE": "PERIOD", **zone}


def rrules_of(event: EventDraft) -> tuple[str, ...]:
    """Every RRULE of the event: `rrule`, then the deprecated further ones other apps write."""
    more = event.more_rrules if isinstance(event, CalendarEvent) else ()
    return (event.rrule, *more) if event.rrule else more


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
    rules = _rrules(vevent)
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
        rrule=rules[0] if rules else None,
        more_rrules=rules[1:],
        rdates=tuple(_time_of(value) for value, _ in vevent.rdates),
        rdate_periods=_periods(vevent),
        exdates=tuple(_time_of(value) for value in vevent.exdates),
        uid=str(vevent.get("uid", "")),
        calendar_id=calendar_id,
        cancelled=status == "CANCELLED",
        recurrence_id=_time_of(recurrence_id.dt) if recurrence_id is not None else None,
        etag=etag,
        sequence=int(vevent.get("sequence", 0)),
        this_and_future=_is_this_and_future(recurrence_id),
    )


def events_from_ics(data: bytes | str, calendar_id: str = "") -> list[CalendarEvent]:
    """Every VEVENT of an iCalendar stream (masters and overrides, not expanded).

    One that cannot be read (DTSTART a date, DTEND a time …) becomes an
    `unreadable_unknown` placeholder named by its uid. One without UID gets a
    uid of its own, so that two are never taken for one series.
    """
    calendars = icalendar.Calendar.from_ical(data, multiple=True)
    vevents = [vevent for calendar in calendars for vevent in calendar.events]
    found = []
    for index, vevent in enumerate(vevents):
        if "uid" not in vevent:
            vevent.add("uid", _made_up_uid(vevent, index))
        try:
            found.append(from_vevent(vevent, calendar_id))
        except Exception as exc:  # other apps' data: one bad event never hides the rest
            found.append(_unreadable_vevent(vevent, calendar_id, exc))
    return found


def _made_up_uid(vevent: icalendar.Event, index: int) -> str:
    """Stable while the event and its place in the file are (RFC 5545 requires a UID)."""
    digest = hashlib.sha256(vevent.to_ical()).hexdigest()[:16]
    return f"no-uid-{index}-{digest}"


def _unreadable_vevent(
    vevent: icalendar.Event, calendar_id: str, error: Exception
) -> CalendarEvent:
    """The placeholder of a VEVENT `from_vevent` refused: its span is unknown, so it blocks none."""
    at, dtstart = _EPOCH, vevent.get("dtstart")
    with contextlib.suppress(Exception):  # DTSTART alone may still say where it was
        at = instant(_time_of(getattr(dtstart, "dt", None)))  # type: ignore[arg-type]
    # Only the message's first clause: what follows a colon may quote the event's data.
    reason = " ".join(str(error).split()).split(": ")[0][:200] or type(error).__name__
    return unreadable_unknown(str(vevent["uid"]), calendar_id, reason, at, at)


def _time_of(value: date | datetime) -> EventTime:
    """Aware times keep an IANA zone; zones icalendar could not name become UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(get_zone(zone_name(value) or "UTC"))
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


def _rrules(vevent: icalendar.Event) -> tuple[str, ...]:
    # RFC 5545 deprecates more than one RRULE, but the occurrences of each count.
    return tuple(rule.to_ical().decode() for rule in vevent.rrules)


def _periods(vevent: icalendar.Event) -> tuple[tuple[EventTime, EventTime], ...]:
    """The RDATEs given as a PERIOD (icalendar turns a duration into an end)."""
    periods = [(begin, end) for begin, end in vevent.rdates if end is not None]
    return tuple((_time_of(begin), _time_of(end)) for begin, end in periods)


def _is_this_and_future(recurrence_id: Any) -> bool:
    params = getattr(recurrence_id, "params", {})
    return str(params.get("RANGE", "")).upper() == "THISANDFUTURE"


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

_Series = tuple[CalendarEvent, list[CalendarEvent]]
"""A master and its overridden occurrences."""


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
    events come back unchanged. The work is bounded: a rule is walked from its
    start, so a series that takes more than `MAX_STEPS` steps to reach the
    window's end is not expanded (`check_expandable`); COUNT=1000000 or no end
    costs nothing more. Cancelled events and occurrences are left out unless
    `include_cancelled`.

    One series never stops the others: one that is too costly to walk or that
    the expansion refuses comes back as an `unreadable` placeholder over its own
    start and end, even when those lie outside the window (so that callers
    report it), and its overrides, whose times are known, stand alone.
    """
    masters: dict[str, CalendarEvent] = {}
    overrides: dict[str, list[CalendarEvent]] = defaultdict(list)
    skipped: list[CalendarEvent] = []
    for event in events:
        if unreadable_reason(event) is not None:  # made earlier: it names no overrides
            skipped.append(event)
        elif event.recurrence_id is None:
            masters[event.uid] = event
        else:
            overrides[event.uid].append(event)

    found: list[CalendarEvent] = []
    series: list[_Series] = []
    for uid, master in masters.items():
        its_overrides = overrides.pop(uid, [])
        if not is_series(master):  # overrides of an event that is no longer a series name nothing
            found.append(master)
        elif problem := _series_problem(master, end):
            skipped.append(unreadable(master, problem))
            found.extend(its_overrides)
        else:
            series.append((master, its_overrides))
    # Overrides without their master (e.g. only the master was deleted) stand alone.
    found.extend(event for orphans in overrides.values() for event in orphans)
    if series:
        found.extend(_expand_series(series, start, end, skipped))

    window_zone = start.tzinfo or UTC
    kept = [event for event in found if overlaps(event, start, end)]
    kept += skipped
    kept = [event for event in kept if include_cancelled or not event.cancelled]
    # The recurrence id breaks ties, so equal starts come back in one order whichever path ran.
    kept.sort(key=lambda e: (instant(e.start, window_zone), e.uid, _time_key(e.recurrence_id)))
    return kept


def _expand_series(
    series: list[_Series], start: datetime, end: datetime, skipped: list[CalendarEvent]
) -> list[CalendarEvent]:
    """The fast path where it is certain, recurring_ical_events for the rest.

    A series the library refuses is added to `skipped` as a placeholder.
    """
    found: list[CalendarEvent] = []
    hard: list[_Series] = []
    for master, its_overrides in series:
        try:
            fast = _fast_occurrences(master, its_overrides, start, end)
        except Exception:  # data it did not foresee: the library decides (or refuses)
            fast = None
        if fast is None:
            hard.append((master, its_overrides))
        else:
            found.extend(fast)
    if not hard:
        return found
    try:
        found.extend(_library_occurrences(hard, start, end))
    except Exception:  # third-party data through third-party code: find the culprits
        for one in hard:
            found.extend(_isolated(one, start, end, skipped))
    return found


def _isolated(
    one: _Series, start: datetime, end: datetime, skipped: list[CalendarEvent]
) -> list[CalendarEvent]:
    """One series through the library alone; refused, its placeholder and overrides."""
    master, its_overrides = one
    try:
        return _library_occurrences([one], start, end)
    except Exception as exc:  # its text may quote the event's data: only the kind is kept
        skipped.append(
            unreadable(master, f"its recurrence cannot be expanded ({type(exc).__name__})")
        )
        return its_overrides


def _library_occurrences(
    series: list[_Series], start: datetime, end: datetime
) -> list[CalendarEvent]:
    """Occurrences around [start, end) as recurring_ical_events computes them."""
    import recurring_ical_events  # lazy: ~0.05 s on top of icalendar

    calendar = icalendar.Calendar()
    sources: dict[tuple[str, str], CalendarEvent] = {}
    for master, its_overrides in series:
        calendar.add_component(to_vevent(_without_barren_rules(master), stamp=_EPOCH))
        for override in its_overrides:
            calendar.add_component(to_vevent(override, stamp=_EPOCH))
            sources[(master.uid, _time_key(override.recurrence_id))] = override
    query = recurring_ical_events.of(calendar)
    low, high = _query_span(start, end)
    occurrences: list[CalendarEvent] = []
    masters = {master.uid: master for master, _ in series}
    for component in query.between(low, high):
        uid = str(component["uid"])
        recurrence_id = _settled(component["recurrence-id"].dt, masters[uid])
        source = sources.get((uid, _time_key(recurrence_id)), masters[uid])
        if source.this_and_future:  # the library names every later occurrence by the override
            recurrence_id = _settled(_unshifted(component.start, source), masters[uid])
        occurrences.append(_occurrence(source, component, recurrence_id))
    return occurrences


def _unshifted(start: EventTime, override: CalendarEvent) -> EventTime:
    """The occurrence a THISANDFUTURE override moved to `start`: back by the override's shift.

    The library moves each later occurrence by the override's start minus its
    RECURRENCE-ID, compared as its `make_comparable` does; this undoes that.
    """
    from recurring_ical_events.util import make_comparable

    assert override.recurrence_id is not None  # it is an override
    moved_to, named = make_comparable((override.start, override.recurrence_id))
    shift: timedelta = moved_to - named
    return start - shift


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _query_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    window_zone = start.tzinfo or UTC
    return (
        instant(start, window_zone) - _EXPANSION_MARGIN,
        instant(end, window_zone) + _EXPANSION_MARGIN,
    )


def _occurrence(
    source: CalendarEvent, component: icalendar.Event, recurrence_id: EventTime
) -> CalendarEvent:
    """The source event (master or override) moved to one occurrence: lossless, no re-parse."""
    return _moved(source, component.start, component.end, recurrence_id)


def _moved(
    source: CalendarEvent, start: EventTime, end: EventTime, recurrence_id: EventTime
) -> CalendarEvent:
    return _copy(source, _settled(start, source), _settled(end, source), recurrence_id)


def _copy(
    source: CalendarEvent, start: EventTime, end: EventTime, recurrence_id: EventTime
) -> CalendarEvent:
    """One occurrence of `source`: its fields, these times, no recurrence rules.

    What `dataclasses.replace` makes, 5x faster (it was a third of an expansion):
    events are frozen plain data without __post_init__ or slots, so copying the
    fields is all __init__ would do.
    """
    copy = object.__new__(type(source))
    copy.__dict__.update(source.__dict__)
    copy.__dict__.update(_NO_RULES, start=start, end=end, recurrence_id=recurrence_id)
    return copy


_NO_RULES = {
    "rrule": None,
    "more_rrules": (),
    "rdates": (),
    "rdate_periods": (),
    "exdates": (),
    "this_and_future": False,
}


def _settled(value: EventTime, source: CalendarEvent) -> EventTime:
    """A time as read back from iCalendar (IANA zone, else UTC), in the source's own zone."""
    return _in_source_zone(_time_of(value), source)


def _in_source_zone(value: EventTime, source: CalendarEvent) -> EventTime:
    if isinstance(value, datetime) and value.tzinfo is not None and source.timezone:
        return value.astimezone(get_zone(source.timezone))
    return value


def _time_key(value: EventTime | None) -> str:
    """One key per occurrence however its RECURRENCE-ID was written (zone, UTC …)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return value.isoformat() if value is not None else ""


# --------------------------------------------------------------------------- the guard

# The Gregorian calendar, weekdays and leap years included, repeats every 400 years.
_CYCLE_YEARS = 400
_DAY_PARTS = ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")
_ORDINAL = re.compile(r"^[+-]?\d+")


def _never_matches(rule: str, first: EventTime) -> bool:
    """Whether the rule, started at `first`, has no occurrence in its first 400 years.

    dateutil learns that a rule never matches (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30)
    only by walking to the year 9999: 0.2 s for that rule, 7 s for its FREQ=DAILY
    form. The calendar repeats every 400 years, so the rule is tried instead from
    the same wall-clock start moved by whole cycles into 9200-9599, where any walk
    ends within 800 years: a few ms, once per rule and start. Such a rule has no
    occurrence ever (or, with an INTERVAL that does not divide the cycle, none for
    centuries more). A rule dateutil refuses is not judged here.
    """
    return _finds_nothing(rule, _as_datetime(first).replace(tzinfo=None))


@functools.lru_cache(maxsize=512)
def _finds_nothing(rule: str, begin: datetime) -> bool:
    """`_never_matches` by wall clock (the cache's key: equal instants may be other days)."""
    probe = _probe_rule(rule)
    if probe is None:
        return False
    cycles = (datetime.max.year - _CYCLE_YEARS - begin.year) // _CYCLE_YEARS
    try:
        moved = begin.replace(year=begin.year + cycles * _CYCLE_YEARS)
        return next(iter(rrulestr(probe, dtstart=moved, cache=False)), None) is None
    except Exception:  # dateutil refuses the rule: the library reports it
        return False


def _probe_rule(rule: str) -> str | None:
    """The rule without COUNT and UNTIL; a finer-than-weekly one as the days it allows.

    Its days are what a step-by-day rule can match (every day has each hour), so
    they are walked a year at a time; None when every day of a month matches.
    """
    try:
        recur = icalendar.vRecur.from_ical(rule.removeprefix("RRULE:"))
    except ValueError:
        return None
    parts = {name: values for name, values in recur.items() if name not in ("COUNT", "UNTIL")}
    steps_by_day = parts.get("FREQ", [""])[0] in ("DAILY", "HOURLY", "MINUTELY", "SECONDLY")
    if steps_by_day and parts.get("INTERVAL", [1]) == [1] and "BYSETPOS" not in parts:
        if not any(name in parts for name in _DAY_PARTS):
            return None
        days = {name: parts[name] for name in ("BYMONTH", "WKST", *_DAY_PARTS) if name in parts}
        if "BYDAY" in days:  # a position means nothing on a daily rule
            days["BYDAY"] = [_ORDINAL.sub("", str(day)) for day in days["BYDAY"]]
        parts = {"FREQ": ["YEARLY"], **days}
    return _recur_text(icalendar.vRecur(parts))


def _recur_text(recur: icalendar.vRecur) -> str:
    text: str = recur.to_ical().decode()  # type: ignore[no-untyped-call]
    return text


def _without_barren_rules(master: CalendarEvent) -> CalendarEvent:
    """The master without the rules that never match, which the library would walk to 9999.

    DTSTART stays an occurrence unless every UNTIL lies before it, as with the rules.
    """
    rules = rrules_of(master)
    kept = tuple(rule for rule in rules if not _never_matches(rule, master.start))
    if kept == rules:
        return master
    exdates = master.exdates
    if not kept and not _starts_within(rules, master.start):
        exdates = (*exdates, master.start)
    return replace(master, rrule=kept[0] if kept else None, more_rrules=kept[1:], exdates=exdates)


def _starts_within(rules: tuple[str, ...], first: EventTime) -> bool:
    """Whether DTSTART lies before the latest UNTIL of the rules (or none has one)."""
    untils = [_fast_rule(rule) for rule in rules]
    ends = [rule.until for rule in untils if rule is not None and rule.until is not None]
    if not ends:
        return True
    start = _as_datetime(first)
    latest = max(ends, key=lambda end: instant(end))
    return not instant(start) > instant(latest)


MAX_STEPS = 100_000
"""Rule steps from DTSTART to the window's end above which a series is refused."""

_STEP_MINUTES = {
    "SECONDLY": 1 / 60,
    "MINUTELY": 1,
    "HOURLY": 60,
    "DAILY": 1440,
    "WEEKLY": 10080,
    "MONTHLY": 43830,
    "YEARLY": 525960,
}
_FINER_PARTS = {"BYSECOND": "SECONDLY", "BYMINUTE": "MINUTELY", "BYHOUR": "HOURLY"}
_ORDER = list(_STEP_MINUTES)


def check_expandable(master: EventDraft, end: datetime) -> None:
    """Refuse a series whose rule takes more than `MAX_STEPS` steps from its start to `end`.

    dateutil (and recurring_ical_events on top of it) walks a rule from DTSTART,
    so the cost grows with the time since the series began, not with the window:
    FREQ=SECONDLY since January would run for minutes. Raises `ValidationError`
    naming the event.
    """
    problem = _series_problem(master, end)
    if problem:
        raise ValidationError(f"{describe(master)}: {problem}", field="rrule")


def _series_problem(master: EventDraft, end: datetime) -> str | None:
    """Why the series cannot be expanded up to `end` (its rule never moves on, or too costly)."""
    for rule in rrules_of(master):
        if problem := _rrule_problem(rule):
            return problem
    steps = _steps_to(master, end)
    if steps > MAX_STEPS:
        return (
            f"repeats too often since {_first_day(master.start)} "
            f"(about {steps:,} repetitions before {end:%Y-%m-%d}; "
            f"at most {MAX_STEPS:,} are expanded)"
        )
    return None


def _steps_to(master: EventDraft, end: datetime) -> int:
    """Roughly how many rule steps lie between DTSTART and `end` (COUNT caps them)."""
    rules = sum(_rule_steps(rule, master.start, end) for rule in rrules_of(master))
    return rules + len(master.rdates)


def _rule_steps(rule: str, first: EventTime, end: datetime) -> int:
    parts = _rule_parts(rule)
    frequency = parts.get("FREQ", "DAILY")
    if frequency not in _STEP_MINUTES:
        return 0
    interval = max(_int(parts.get("INTERVAL"), 1), 1)
    # Floating and all-day starts are read as UTC: a day's error does not matter here.
    elapsed = (instant(end) - instant(first)).total_seconds() / 60
    steps = max(elapsed, 0) / (_STEP_MINUTES[frequency] * interval)
    for part, unit in _FINER_PARTS.items():  # BYHOUR=0,…,23 on a DAILY rule multiplies steps
        if part in parts and _ORDER.index(unit) < _ORDER.index(frequency):
            steps *= len(parts[part].split(","))
    count = _int(parts.get("COUNT"), 0)
    return int(min(steps, count) if count else steps)


def _rule_parts(rule: str) -> dict[str, str]:
    parts = {}
    for item in rule.removeprefix("RRULE:").split(";"):
        name, _, value = item.partition("=")
        parts[name.strip().upper()] = value.strip().upper()
    return parts


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _first_day(value: EventTime) -> date:
    return value.date() if isinstance(value, datetime) else value


# --------------------------------------------------------------------------- the fast path
#
# recurring_ical_events turns every series into icalendar components and every
# occurrence back into one: ~0.1 ms an occurrence. `_fast_occurrences` asks
# dateutil for the same starts the way that library does (its `Series.between`,
# mirrored step by step) and builds the events directly: ~0.01 ms. What it is
# not certain about goes to the library: rule parts beyond `_FAST_PARTS`
# (BYYEARDAY, BYWEEKNO, RSCALE …), a negative or zero COUNT, start/end/RDATE/
# EXDATE/RECURRENCE-ID of different kinds, zones that are not zoneinfo's, RDATEs
# in another zone or in a DST fold's second pass, overrides with rules of their
# own or two naming one occurrence, a second RRULE, RDATE periods, THISANDFUTURE
# overrides, and anything dateutil refuses. tests/core/test_ical_fast_path.py
# compares both on random series and zones across DST changes, and the library's
# cases with the library reading the same iCalendar text.

_FAST_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS"}
    | {"BYHOUR", "BYMINUTE", "BYSECOND"}
)
# Without COUNT such a rule repeats every INTERVAL days or weeks, so its start may
# jump ahead by whole periods: an old daily stand-up costs what the window holds.
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7}


@dataclass(frozen=True)
class _Rule:
    text: str
    """The RRULE as recurring_ical_events hands it to dateutil (icalendar's spelling)."""
    until: datetime | None
    """UNTIL, comparable with the occurrences (a date becomes a naive midnight)."""
    period_days: int | None
    """Days after which the pattern repeats, when the start may jump ahead."""


@functools.lru_cache(maxsize=512)
def _fast_rule(rrule: str) -> _Rule | None:
    """The rule for the fast path; None when the library must expand it."""
    try:
        recur = icalendar.vRecur.from_ical(rrule.removeprefix("RRULE:"))
        text = recur.to_ical().decode()
    except Exception:  # the library reports what it makes of it
        return None
    frequency = recur.get("FREQ", [""])[0]
    interval, count = recur.get("INTERVAL", [1])[0], recur.get("COUNT", [1])[0]
    if not set(recur) <= _FAST_PARTS or frequency not in _STEP_MINUTES or min(interval, count) < 1:
        return None
    until = recur.get("UNTIL", [None])[0]
    if isinstance(until, date) and not isinstance(until, datetime):
        until = datetime(until.year, until.month, until.day)
    period = _PERIOD_DAYS.get(frequency)
    jumps = period is not None and "COUNT" not in recur
    return _Rule(text, until, period * interval if period is not None and jumps else None)


def _fast_occurrences(
    master: CalendarEvent, overrides: list[CalendarEvent], start: datetime, end: datetime
) -> list[CalendarEvent] | None:
    """The series' occurrences around [start, end) as the library finds them; None: ask it."""
    rule = _fast_rule(master.rrule) if master.rrule else None
    if (master.rrule and rule is None) or not _plain_series(master, overrides):
        return None
    by_id = _overrides_by_id(overrides)
    if by_id is None:
        return None
    first = _as_datetime(master.start)
    length = _as_datetime(master.end) - first
    low, high = _rule_span(master, length, start, end)
    try:
        made = rrulestr(rule.text, dtstart=_jumped(first, rule, low)) if rule else None
    except Exception:  # dateutil refused: the library rewrites some such rules
        return None
    if made is not None and not isinstance(made, rrule):
        return None
    expansion = _Expansion(master, length, overrides, by_id)
    for moment in _extra_starts(master, first, rule).between(low, high, inc=True):
        expansion.add(moment)
    if made is not None and rule is not None and not _never_matches(rule.text, first):
        for moment in made.between(low, high, inc=True):
            if rule.until is None or not moment > rule.until:  # the library checks it again
                expansion.add(moment)
    return expansion.finish()


def _plain_series(master: CalendarEvent, overrides: list[CalendarEvent]) -> bool:
    """Whether every time of the series is of one kind and plain enough for the fast path."""
    if master.more_rrules or master.rdate_periods or any(o.this_and_future for o in overrides):
        return False  # the library applies those as RFC 5545 says
    kind, zone_of_start = _kind(master.start), _tz(master.start)
    named = [o.recurrence_id for o in overrides if o.recurrence_id is not None]
    if any(_kind(value) != kind for value in (master.end, *master.rdates, *master.exdates, *named)):
        return False
    if _as_datetime(master.start) > _as_datetime(master.end):
        return False  # the library swaps them
    # An RDATE in another zone, or in a fold's second pass, may equal a rule's start and
    # win or lose by the order of a set; the library decides those.
    if any(_tz(value) is not zone_of_start for value in master.rdates):
        return False
    if any(isinstance(v, datetime) and v.fold for v in (master.start, *master.rdates)):
        return False
    times = [master.start, master.end, *master.exdates, *named]
    for override in overrides:
        if override.rrule or override.rdates or override.exdates:
            return False
        if _kind(override.start) != _kind(override.end):
            return False
        if _as_datetime(override.start) > _as_datetime(override.end):
            return False
        times += (override.start, override.end)
    return all(isinstance(_tz(value), ZoneInfo | None) for value in times)


def _tz(value: EventTime) -> tzinfo | None:
    return value.tzinfo if isinstance(value, datetime) else None


def _overrides_by_id(overrides: list[CalendarEvent]) -> dict[datetime, int] | None:
    """Override index by each key that names its occurrence; None when two share a key."""
    by_id: dict[datetime, int] = {}
    for index, override in enumerate(overrides):
        for key in _named(override):
            if by_id.setdefault(key, index) != index:
                return None  # the library picks one by SEQUENCE
    return by_id


def _named(override: CalendarEvent) -> tuple[datetime, ...]:
    return _ids(override.recurrence_id) if override.recurrence_id is not None else ()


def _ids(value: EventTime) -> tuple[datetime, ...]:
    """The keys recurring_ical_events matches EXDATEs and RECURRENCE-IDs by.

    Its `to_recurrence_ids`: the UTC and the wall-clock time of an aware time.
    """
    if not isinstance(value, datetime):
        return (_as_datetime(value),)
    if value.tzinfo is None:
        return (value,)
    return (value.astimezone(UTC).replace(tzinfo=None), value.replace(tzinfo=None))


def _as_datetime(value: EventTime) -> datetime:
    """Dates as naive midnights, as the library compares them."""
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def _rule_span(
    master: CalendarEvent, length: timedelta, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The library's span for dateutil: back by the length, naive for a naive series."""
    low, high = _query_span(start, end)
    low -= length
    if _kind(master.start) != "timed":  # the library drops the zone, reading UTC
        return low.replace(tzinfo=None), high.replace(tzinfo=None)
    return low, high


def _extra_starts(master: CalendarEvent, first: datetime, rule: _Rule | None) -> rruleset:
    """The RDATEs and DTSTART, which is an occurrence whatever the rule says, unless past UNTIL."""
    extra = rruleset()
    for moment in master.rdates:
        extra.rdate(_as_datetime(moment))
    if rule is None or rule.until is None or not first > rule.until:
        extra.rdate(first)
    return extra


def _jumped(first: datetime, rule: _Rule, low: datetime) -> datetime:
    """DTSTART moved ahead by whole periods to two periods before `low`: the same occurrences."""
    if rule.period_days is None:
        return first
    local_low = low.astimezone(first.tzinfo) if first.tzinfo is not None else low
    periods = (local_low.date() - first.date()).days // rule.period_days - 2
    if periods <= 0:
        return first
    return first + timedelta(days=periods * rule.period_days)  # wall clock, as dateutil steps


class _Expansion:
    """`Series.between` of recurring_ical_events, fed one candidate start at a time."""

    def __init__(
        self,
        master: CalendarEvent,
        length: timedelta,
        overrides: list[CalendarEvent],
        by_id: dict[datetime, int],
    ) -> None:
        self.master = master
        self.length = length
        self.all_day = _kind(master.start) == "all-day"
        self.as_is = _settles_as_is(master)
        self.overrides = overrides
        self.by_id = by_id
        self.excluded = {key for value in master.exdates for key in _ids(value)}
        self.excluded_days = {value for value in master.exdates if not isinstance(value, datetime)}
        self.returned: set[datetime] = set()
        self.used: set[int] = set()
        self.found: list[CalendarEvent] = []

    def add(self, moment: datetime) -> None:
        ids = _ids(moment)
        if moment in self.returned or self._excluded(moment, ids):
            return
        index = None
        for key in ids:  # like the library, the last key that names an override wins
            index = self.by_id.get(key, index)
        if index is None:
            self.returned.add(moment)
            self.found.append(self._occurrence(moment))
        elif index not in self.used:
            self.used.add(index)
            self.found.append(self._override(self.overrides[index]))

    def finish(self) -> list[CalendarEvent]:
        """Add the overrides no candidate named (moved from outside the span, or extra)."""
        for index, override in enumerate(self.overrides):
            if index not in self.used and self.excluded.isdisjoint(_named(override)):
                self.found.append(self._override(override))
        return self.found

    def _excluded(self, moment: datetime, ids: tuple[datetime, ...]) -> bool:
        if self.excluded_days and moment.date() in self.excluded_days:
            return True
        return not self.excluded.isdisjoint(ids)

    def _occurrence(self, moment: datetime) -> CalendarEvent:
        ends = moment + self.length
        if self.all_day:  # the library hands dates back for an all-day series
            return self._moved_master(moment.date(), ends.date())
        return self._moved_master(moment, ends)

    def _moved_master(self, start: EventTime, end: EventTime) -> CalendarEvent:
        if not self.as_is:
            start, end = _settled(start, self.master), _settled(end, self.master)
        return _copy(self.master, start, end, start)

    def _override(self, override: CalendarEvent) -> CalendarEvent:
        named = override.recurrence_id
        assert named is not None  # it is an override
        return _moved(override, override.start, override.end, _settled(named, self.master))


def _settles_as_is(master: CalendarEvent) -> bool:
    """Whether `_settled` leaves the master's times alone: no zone, or its own cached zone.

    (`astimezone` to a datetime's own tzinfo object returns it unchanged.)
    """
    own = _tz(master.start)
    if own is None:
        return True
    key = getattr(own, "key", None)
    home = zone_or_none(master.timezone) if master.timezone else own
    return isinstance(key, str) and zone_or_none(key) is own and home is own


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
    return at.astimezone(get_zone(name)) if name else at


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
    } | _rare_to_dict(event)


def _rare_to_dict(event: CalendarEvent) -> dict[str, Any]:
    """What few calendars write, only when there: the JSON of every other event stays as it was."""
    rare: dict[str, Any] = {}
    if event.more_rrules:
        rare["more_rrules"] = list(event.more_rrules)
    if event.rdate_periods:
        rare["rdate_periods"] = [[time_to_json(b), time_to_json(e)] for b, e in event.rdate_periods]
    if event.this_and_future:
        rare["this_and_future"] = True
    return rare


def _attendee_to_dict(attendee: Attendee) -> dict[str, Any]:
    return {
        "email": attendee.email,
        "name": attendee.name,
        "status": attendee.status.value,
        "optional": attendee.optional,
        "resource": attendee.resource,
    }


def event_from_dict(data: Mapping[str, Any]) -> CalendarEvent:
    """The event stored as `data`; ValueError (naming no value: it may be private) when
    `data` is not an event object, so one bad row costs its readers only that event."""
    if not isinstance(data, Mapping):
        raise ValueError(f"not a Panelist event JSON: a {type(data).__name__}, not an object")
    try:
        return _event_from_dict(data)
    except KeyError as exc:
        raise ValueError(f"not a Panelist event JSON: it lacks {exc}") from None
    except (TypeError, AttributeError, IndexError) as exc:
        problem = type(exc).__name__
        raise ValueError(
            f"not a Panelist event JSON: a value of the wrong type ({problem})"
        ) from None


def _event_from_dict(data: Mapping[str, Any]) -> CalendarEvent:
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
        more_rrules=tuple(data.get("more_rrules", ())),
        rdate_periods=tuple(
            (time_from_json(b), time_from_json(e)) for b, e in data.get("rdate_periods", ())
        ),
        this_and_future=bool(data.get("this_and_future", False)),
    )


def event_to_json(event: CalendarEvent) -> str:
    """Compact JSON of an event, for `calendar_objects.data` and plugin tables."""
    return json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))


def event_from_json(data: str | bytes) -> CalendarEvent:
    """The event `event_to_json` wrote; `ValueError` for JSON of another shape or version."""
    return event_from_dict(json.loads(data))
