"""Events as Exchange keeps them: checked against msgraph-sdk's own models, rendered per
request (times in UTC or the ``Prefer`` zone), series expanded into occurrences."""

from __future__ import annotations

import base64
import copy
import functools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from panelist_microsoft.fake.wire import (
    JSON,
    bad_request,
    date_time_tz,
    graph_time,
    zone,
)

#: what a client may not write; Exchange sets it
READ_ONLY = frozenset({
    "id", "iCalUId", "changeKey", "createdDateTime", "lastModifiedDateTime", "webLink",
    "onlineMeeting", "isOrganizer", "organizer", "responseStatus", "seriesMasterId", "type",
    "isCancelled", "occurrenceId", "hasAttachments", "uid", "@odata.etag", "@odata.context",
})  # fmt: skip
BLOCKING = frozenset({"busy", "oof", "tentative", "workingElsewhere"})
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@functools.cache
def _event_model() -> Any:
    from msgraph.generated.models.event import Event

    return Event


def _walk_unknown(model: Any, where: str) -> Iterator[str]:
    """Property names the SDK's model did not know (they land in ``additional_data``)."""
    extra = getattr(model, "additional_data", None) or {}
    for key in extra:
        if not key.startswith("@odata."):
            yield f"{where}{key}"
    for name, value in vars(model).items():
        if name == "additional_data" or value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if hasattr(item, "get_field_deserializers"):
                yield from _walk_unknown(item, f"{where}{name}.")


def sdk_round_trip(body: JSON) -> JSON:
    """`body` parsed into msgraph's ``Event`` model and written back by kiota's JSON writer:
    field names and types as the SDK has them. An unknown property or a value the model
    cannot take gets Graph's 400."""
    from kiota_serialization_json.json_parse_node import JsonParseNode
    from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter

    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "ErrorInvalidRequest")
    try:
        model = JsonParseNode(json.loads(json.dumps(body))).get_object_value(_event_model())
    except Exception as error:
        raise bad_request(f"Invalid payload: {error}", "RequestBodyRead") from None
    for name in _walk_unknown(model, ""):
        raise bad_request(
            f"The property '{name.rsplit('.', 1)[-1]}' does not exist on type "
            "'Microsoft.OutlookServices.Event'. Make sure to only use property names that are "
            "defined by the type or mark the type as open type.",
            "RequestBodyRead",
        )
    writer = JsonSerializationWriter()
    writer.write_object_value(None, model)
    out: JSON = json.loads(writer.get_serialized_content())
    _check_same_keys(body, out, "")
    return out


def _check_same_keys(given: Any, parsed: Any, where: str) -> None:
    """A value the model dropped (a bad enum, a string for a number) is a bad value."""
    if isinstance(given, dict) and isinstance(parsed, dict):
        for key, value in given.items():
            if value is None:
                continue
            if key not in parsed:
                raise bad_request(
                    f"Cannot convert the literal '{value}' to the expected type of '{where}{key}'.",
                    "RequestBodyRead",
                )
            _check_same_keys(value, parsed[key], f"{where}{key}.")
    elif isinstance(given, list) and isinstance(parsed, list):
        for value, back in zip(given, parsed, strict=False):
            _check_same_keys(value, back, where)


def span(event: JSON) -> tuple[datetime, datetime]:
    start = date_time_tz(event.get("start"), "start")
    end = date_time_tz(event.get("end"), "end")
    return start, end


def blocks(event: JSON) -> bool:
    return not event.get("isCancelled") and event.get("showAs", "busy") in BLOCKING


# ---------------------------------------------------------------------- recurrence


def occurrence_id(master_id: str, day: date) -> str:
    raw = f"{master_id}|{day.isoformat()}".encode()
    return "AAMkOcc" + base64.urlsafe_b64encode(raw).decode()


def split_occurrence_id(event_id: str) -> tuple[str, date] | None:
    if not event_id.startswith("AAMkOcc"):
        return None
    try:
        master, _, day = base64.urlsafe_b64decode(event_id[7:]).decode().partition("|")
        return master, date.fromisoformat(day)
    except ValueError:
        return None


def _days(recurrence: JSON, first: date, until: date) -> Iterator[date]:
    """The local dates of a series' occurrences from `first` up to `until` (daily, weekly,
    absoluteMonthly, absoluteYearly; ranges endDate, numbered, noEnd)."""
    pattern = recurrence.get("pattern") or {}
    limits = recurrence.get("range") or {}
    kind = pattern.get("type", "daily")
    interval = max(1, int(pattern.get("interval") or 1))
    start = date.fromisoformat(limits.get("startDate") or first.isoformat())
    end_date = (
        date.fromisoformat(limits["endDate"])
        if limits.get("type") == "endDate" and limits.get("endDate")
        else None
    )
    count = int(limits.get("numberOfOccurrences") or 0) if limits.get("type") == "numbered" else 0
    week_days = {DAY_NAMES.index(d.lower()) for d in pattern.get("daysOfWeek") or []}
    made = 0
    day = start
    while day <= until and (end_date is None or day <= end_date):
        if kind == "daily":
            hit = (day - start).days % interval == 0
        elif kind == "weekly":
            weeks = (
                (day - timedelta(days=day.weekday())) - (start - timedelta(days=start.weekday()))
            ).days // 7
            hit = weeks % interval == 0 and day.weekday() in (week_days or {start.weekday()})
        elif kind == "absoluteMonthly":
            months = (day.year - start.year) * 12 + day.month - start.month
            hit = months % interval == 0 and day.day == int(pattern.get("dayOfMonth") or start.day)
        elif kind == "absoluteYearly":
            hit = (
                (day.year - start.year) % interval == 0
                and day.month == int(pattern.get("month") or start.month)
                and day.day == int(pattern.get("dayOfMonth") or start.day)
            )
        else:
            raise bad_request(f"Recurrence pattern type '{kind}' is not supported by the fake.")
        if hit:
            made += 1
            if count and made > count:
                return
            yield day
        day += timedelta(days=1)


def instances(master: JSON, window_start: datetime, window_end: datetime) -> Iterator[JSON]:
    """A series' occurrences (and its exceptions) that overlap the window, as stored events
    (``type`` occurrence or exception, ``seriesMasterId``), or the event itself if single."""
    start, end = span(master)
    if not master.get("recurrence"):
        if start < window_end and end > window_start:
            yield master
        return
    tz = zone(master["start"].get("timeZone"))
    local_start = start.astimezone(tz)
    duration = end - start
    exceptions: dict[str, JSON | None] = master.get("_exceptions", {})
    until = (window_end.astimezone(tz) + timedelta(days=1)).date()
    for day in _days(master["recurrence"], local_start.date(), until):
        override = exceptions.get(day.isoformat(), ...)
        if override is None:  # a cancelled occurrence
            continue
        begin = datetime.combine(day, local_start.time(), tz).astimezone(UTC)
        item = occurrence(master, day, begin, begin + duration)
        if override is not ...:
            item.update(copy.deepcopy(override))
            item["type"] = "exception"
        item_start, item_end = span(item)
        if item_start < window_end and item_end > window_start:
            yield item


def occurrence(master: JSON, day: date, begin: datetime, end: datetime) -> JSON:
    item = {
        k: copy.deepcopy(v) for k, v in master.items() if k not in ("recurrence", "_exceptions")
    }
    item["id"] = occurrence_id(master["id"], day)
    item["type"] = "occurrence"
    item["seriesMasterId"] = master["id"]
    item["recurrence"] = None
    item["start"] = graph_time(begin, master["start"].get("timeZone") or "UTC")
    item["end"] = graph_time(end, master["end"].get("timeZone") or "UTC")
    item["originalStart"] = begin.strftime("%Y-%m-%dT%H:%M:%SZ")
    return item


def render(event: JSON, time_zone: str) -> JSON:
    """The event as Graph answers it: times converted to `time_zone`, internals dropped."""
    out = {k: copy.deepcopy(v) for k, v in event.items() if not k.startswith("_")}
    for key in ("start", "end"):
        if isinstance(out.get(key), dict):
            out[key] = graph_time(date_time_tz(out[key], key), time_zone)
    out["@odata.etag"] = f'W/"{event.get("changeKey", "")}"'
    return out


def select(item: JSON, fields: str | None) -> JSON:
    if not fields:
        return item
    wanted = {f.strip() for f in fields.split(",") if f.strip()} | {"id", "@odata.etag"}
    return {k: v for k, v in item.items() if k in wanted or k.startswith("@")}
