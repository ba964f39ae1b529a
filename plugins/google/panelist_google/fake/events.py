"""Calendar events: their times, recurrence expansion and what each reader may see."""

from __future__ import annotations

import base64
import copy
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from panelist_google.fake.state import Calendar
from panelist_google.fake.wire import (
    JSON,
    GoogleError,
    bad_request,
    event_time,
    event_time_json,
    zone_info,
)


def new_event_id() -> str:
    return base64.b32hexencode(secrets.token_bytes(16)).decode().lower().rstrip("=")


def occurrence_id(series_id: str, original_start: datetime | date) -> str:
    if isinstance(original_start, datetime):
        return f"{series_id}_{original_start.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{series_id}_{original_start:%Y%m%d}"


def validate_event(event: JSON, calendar: Calendar) -> None:
    for key in ("start", "end"):
        if not isinstance(event.get(key), dict):
            raise GoogleError(400, "required", f"Missing {key} time.")
    start = event_time(event["start"], calendar.time_zone, "start")
    end = event_time(event["end"], calendar.time_zone, "end")
    if end < start:
        raise bad_request("The specified time range is empty.", "timeRangeEmpty")
    for key in ("start", "end"):
        if event.get("recurrence") and "dateTime" in event[key] and not event[key].get("timeZone"):
            raise bad_request(f"Missing time zone definition for {key} time.")
    for person in event.get("attendees", []):
        if not person.get("email"):
            raise GoogleError(400, "required", "Missing attendee email.")


def blocks_time(event: JSON, calendar_id: str) -> bool:
    """Whether an event makes its calendar busy: opaque, and not declined by the owner."""
    if event.get("transparency") == "transparent" or event.get("status") == "cancelled":
        return False
    for person in event.get("attendees", []):
        if person.get("email") == calendar_id:
            return person.get("responseStatus") != "declined"
    return True


def merge_patch(target: JSON, patch: JSON) -> None:
    """Google's patch: named fields replace; nested objects merge; arrays replace; null clears."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


READ_ONLY = ("kind", "etag", "htmlLink", "created", "updated", "iCalUID", "creator",
              "organizer", "hangoutLink", "recurringEventId", "originalStartTime")  # fmt: skip


def with_previous_responses(new: list[JSON], old: list[JSON]) -> list[JSON]:
    answers = {p.get("email"): p.get("responseStatus") for p in old}
    out = []
    for person in new:
        person = dict(person)
        if "responseStatus" not in person:
            person["responseStatus"] = answers.get(person.get("email")) or "needsAction"
        out.append(person)
    return out


def full_view(event: JSON) -> JSON:
    return copy.deepcopy(event)


def view_for(role: str, event: JSON, subject: str | None) -> JSON:
    """An event as someone with `role` on its calendar sees it: a free/busy reader, or a
    reader of a private event they are not invited to, sees when and not what."""
    if role == "freeBusyReader":
        return _busy_view(event)
    if role == "reader" and event.get("visibility") in ("private", "confidential"):
        invited = {p.get("email") for p in event.get("attendees", [])}
        invited.add(event.get("organizer", {}).get("email"))
        if subject not in invited:
            return _busy_view(event)
    return full_view(event)


def _busy_view(event: JSON) -> JSON:
    """What a freeBusyReader sees of an event: when, not what."""
    keep = ("kind", "etag", "id", "status", "start", "end", "updated", "recurringEventId",
            "originalStartTime", "transparency")  # fmt: skip
    return {k: copy.deepcopy(v) for k, v in event.items() if k in keep}


def cancelled_view(event: JSON) -> JSON:
    keep = ("kind", "etag", "id", "status", "updated", "recurringEventId", "originalStartTime")
    return {k: copy.deepcopy(v) for k, v in event.items() if k in keep}


# ------------------------------------------------------------------ recurrence


def _series_rule(event: JSON, start: datetime) -> Any:
    from dateutil.rrule import rruleset, rrulestr

    lines = [line for line in event.get("recurrence", []) if line.strip()]
    try:
        rules = rrulestr("\n".join(lines), dtstart=start, forceset=True, unfold=True)
    except (ValueError, TypeError) as error:
        raise bad_request(f"Invalid recurrence rule: {error}", "invalid") from None
    assert isinstance(rules, rruleset)
    return rules


def occurrence_starts(event: JSON, zone: str, low: datetime, high: datetime) -> list[datetime]:
    """Starts of a series' occurrences in [low, high)."""
    start = event_time(event["start"], zone, "start")
    if "dateTime" in event["start"]:
        found = _series_rule(event, start).between(low, high, inc=True)
    else:  # all-day: floating dates (UNTIL may be a date), placed in the calendar's zone
        local = start.tzinfo
        rules = _series_rule(event, start.replace(tzinfo=None))
        found = [
            moment.replace(tzinfo=local)
            for moment in rules.between(
                low.astimezone(local).replace(tzinfo=None),
                high.astimezone(local).replace(tzinfo=None),
                inc=True,
            )
        ]
    return [moment for moment in found if moment < high]


def spans_of(
    calendar: Calendar, event: JSON, low: datetime, high: datetime
) -> list[tuple[datetime, datetime]]:
    """(start, end) of an event or each occurrence of a series overlapping [low, high),
    overridden occurrences excluded (their exception events stand for them)."""
    start = event_time(event["start"], calendar.time_zone, "start")
    end = event_time(event["end"], calendar.time_zone, "end")
    if not event.get("recurrence"):
        return [(start, end)] if start < high and end > low else []
    length = end - start
    out = []
    for begin in occurrence_starts(event, calendar.time_zone, low - length, high):
        instance_id = occurrence_id(
            event["id"], begin if "dateTime" in event["start"] else begin.date()
        )
        if instance_id in calendar.events:
            continue
        if begin < high and begin + length > low:
            out.append((begin, begin + length))
    return out


def occurrence_event(calendar: Calendar, instance_id: str) -> JSON | None:
    """The exception event for an occurrence id, made from its series if there is none yet."""
    if instance_id in calendar.events:
        return calendar.events[instance_id]
    series_id, _, stamp = instance_id.rpartition("_")
    series = calendar.events.get(series_id)
    if series is None or not series.get("recurrence"):
        return None
    timed = "dateTime" in series["start"]
    try:
        if timed:
            original = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            day = datetime.strptime(stamp, "%Y%m%d").date()
            original = datetime(day.year, day.month, day.day, tzinfo=zone_info(calendar.time_zone))
    except ValueError:
        return None
    starts = occurrence_starts(
        series, calendar.time_zone, original, original + timedelta(seconds=1)
    )
    if not starts:
        return None
    return materialise(series, calendar, starts[0])


def materialise(series: JSON, calendar: Calendar, begin: datetime) -> JSON:
    start = event_time(series["start"], calendar.time_zone, "start")
    end = event_time(series["end"], calendar.time_zone, "end")
    timed = "dateTime" in series["start"]
    instance = copy.deepcopy(series)
    instance.pop("recurrence", None)
    instance["id"] = occurrence_id(series["id"], begin if timed else begin.date())
    instance["recurringEventId"] = series["id"]
    instance["originalStartTime"] = event_time_json(begin, series["start"])
    instance["start"] = event_time_json(begin, series["start"])
    instance["end"] = event_time_json(begin + (end - start), series["end"])
    return instance
