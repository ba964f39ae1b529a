"""Calendar v3 methods: events, their list and sync, Meet through conferenceData, freeBusy."""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from panelist_google.fake.events import (
    READ_ONLY,
    blocks_time,
    cancelled_view,
    full_view,
    materialise,
    merge_patch,
    occurrence_event,
    occurrence_starts,
    spans_of,
    validate_event,
    view_for,
    with_previous_responses,
)
from panelist_google.fake.state import Calendar, Call, Page, handles
from panelist_google.fake.wire import (
    DEFAULT_PAGE_SIZE,
    EVENT_ID,
    JSON,
    MAX_FREEBUSY_CALENDARS,
    MAX_PAGE_SIZE,
    ROLES,
    UNBOUNDED_HORIZON,
    GoogleError,
    bad_request,
    event_time,
    not_found,
    parse_rfc3339,
    rfc3339,
)

if TYPE_CHECKING:
    from panelist_google.fake.server import FakeGoogle


def _readable(fake: FakeGoogle, calendar: Calendar, call: Call, event: JSON) -> JSON:
    """An event as the caller may see it; a pending Meet may turn to success on this read."""
    _advance_meet(fake, calendar, event)
    return view_for(fake._role(calendar, call.grant.subject), event, call.grant.subject)


@handles("calendar.events.insert")
def _events_insert(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "writer")
    body: JSON = call.body or {}
    if "id" in body:
        if not isinstance(body["id"], str) or not EVENT_ID.fullmatch(body["id"]):
            raise bad_request("Invalid resource id value.")
        if body["id"] in calendar.events:
            raise GoogleError(409, "duplicate", "The requested identifier already exists.")
    event = fake._new_event(calendar, body, call.grant.subject)
    for key, value in body.items():
        if key not in READ_ONLY and key != "conferenceData":
            event[key] = copy.deepcopy(value)
    if "attendees" in event:
        event["attendees"] = with_previous_responses(event["attendees"], [])
    validate_event(event, calendar)
    _apply_conference(fake, calendar, event, body, call.query)
    fake._store(calendar, event)
    fake._propagate(calendar, event)
    return 200, full_view(event)


@handles("calendar.events.get")
def _events_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    event = occurrence_event(calendar, call.params["eventId"])
    if event is None:
        raise not_found()
    return 200, _readable(fake, calendar, call, event)


def _writable_event(fake: FakeGoogle, call: Call) -> tuple[Calendar, JSON]:
    calendar = fake._open(call, "writer")
    event = occurrence_event(calendar, call.params["eventId"])
    if event is None:
        raise not_found()
    _check_etag(call, event)
    return calendar, copy.deepcopy(event)


def _check_etag(call: Call, event: JSON) -> None:
    """``If-Match: <etag>`` makes a write conditional: 412 when the event changed since."""
    expected = call.headers.get("if-match")
    if expected is not None and expected != "*" and expected != event.get("etag"):
        raise GoogleError(412, "conditionNotMet", "Precondition Failed",
                          location="If-Match", location_type="header")  # fmt: skip


@handles("calendar.events.patch")
def _events_patch(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar, event = _writable_event(fake, call)
    body: JSON = call.body or {}
    before = copy.deepcopy(event)
    patch = {
        k: v for k, v in body.items() if k not in READ_ONLY and k not in ("id", "conferenceData")
    }
    if "attendees" in patch and patch["attendees"] is not None:
        patch["attendees"] = with_previous_responses(patch["attendees"], event.get("attendees", []))
    merge_patch(event, patch)
    return _finish_write(fake, calendar, call, before, event, body)


@handles("calendar.events.update")
def _events_update(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar, event = _writable_event(fake, call)
    body: JSON = call.body or {}
    before = copy.deepcopy(event)
    kept = {
        k: v
        for k, v in event.items()
        if k in READ_ONLY
        or k in ("id", "sequence", "status", "conferenceData", "reminders", "eventType")
    }
    event = {
        **kept,
        **{
            k: copy.deepcopy(v)
            for k, v in body.items()
            if k not in READ_ONLY and k not in ("id", "conferenceData")
        },
    }
    if "attendees" in event:
        event["attendees"] = with_previous_responses(
            event["attendees"], before.get("attendees", [])
        )
    return _finish_write(fake, calendar, call, before, event, body)


def _finish_write(
    fake: FakeGoogle, calendar: Calendar, call: Call, before: JSON, event: JSON, body: JSON
) -> tuple[int, JSON | None]:
    validate_event(event, calendar)
    as_attendee = _is_attendee_copy(calendar, before)
    if as_attendee:
        _check_attendee_changes(calendar, before, event)
    if any(before.get(k) != event.get(k) for k in ("start", "end", "recurrence", "location")):
        event["sequence"] = int(before.get("sequence", 0)) + 1
    if any(before.get(k) != event.get(k) for k in ("start", "end", "recurrence")):
        for person in event.get("attendees", []):
            if person.get("resource"):  # a room answers again for the new time
                person["responseStatus"] = "needsAction"
    _apply_conference(fake, calendar, event, body, call.query)
    fake._store(calendar, event)
    if as_attendee:
        fake._answer_as_attendee(calendar, event)
    else:
        fake._propagate(calendar, event)
    return 200, full_view(calendar.events[event["id"]])


def _is_attendee_copy(calendar: Calendar, event: JSON) -> bool:
    return event.get("organizer", {}).get("email", calendar.id) != calendar.id


# What an attendee may change on their copy; the rest is the organizer's.
_PERSONAL_FIELDS = frozenset({"reminders", "colorId", "transparency", "attendees",
                              "extendedProperties", "etag", "updated"})  # fmt: skip


def _check_attendee_changes(calendar: Calendar, before: JSON, after: JSON) -> None:
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    shared = changed - _PERSONAL_FIELDS
    if before.get("extendedProperties", {}).get("shared") != after.get(
        "extendedProperties", {}
    ).get("shared"):
        shared.add("extendedProperties.shared")
    if _without_own_answer(before, calendar.id) != _without_own_answer(after, calendar.id):
        shared.add("attendees")
    if shared:
        message = "Shared properties can only be changed by the organizer of the event."
        raise GoogleError(403, "forbiddenForNonOrganizer", message)


def _without_own_answer(event: JSON, email: str) -> list[JSON]:
    return [
        {k: v for k, v in p.items() if k not in ("responseStatus", "comment", "self")}
        if p.get("email") == email
        else {k: v for k, v in p.items() if k != "self"}
        for p in event.get("attendees", [])
    ]


@handles("calendar.events.delete")
def _events_delete(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "writer")
    event = occurrence_event(calendar, call.params["eventId"])
    if event is None:
        raise not_found()
    if event.get("status") == "cancelled":
        raise GoogleError(410, "deleted", "Resource has been deleted")
    _check_etag(call, event)
    event = copy.deepcopy(event)
    event["status"] = "cancelled"
    fake._store(calendar, event)
    fake._propagate(calendar, event)
    return 204, None


# ------------------------------------------------------------------ conference data


def _apply_conference(
    fake: FakeGoogle, calendar: Calendar, event: JSON, body: JSON, query: dict[str, Any]
) -> None:
    """conferenceData is read only with conferenceDataVersion=1; a createRequest whose
    requestId the event already carries is ignored, a new one starts ``pending`` (or is
    made at once with `FakeGoogle.meet_ready_at_write`, as Google usually answers); an
    organiser without Meet (turned off in the Admin console) gets ``failure``."""
    if query.get("conferenceDataVersion", 0) != 1 or "conferenceData" not in body:
        return
    wanted = body["conferenceData"]
    if wanted is None:
        event.pop("conferenceData", None)
        event.pop("hangoutLink", None)
        return
    request = wanted.get("createRequest")
    if request is None:
        event["conferenceData"] = copy.deepcopy(wanted)
        return
    current = event.get("conferenceData", {}).get("createRequest", {})
    if request.get("requestId") and request.get("requestId") == current.get("requestId"):
        return
    kind = request.get("conferenceSolutionKey", {}).get("type")
    if kind != "hangoutsMeet":
        raise bad_request("Invalid conference type value.")
    organizer = fake.users.get(calendar.id)
    status = "pending" if organizer is not None and organizer.meet_enabled else "failure"
    event["conferenceData"] = {
        "createRequest": {
            "requestId": request.get("requestId"),
            "conferenceSolutionKey": {"type": kind},
            "status": {"statusCode": status},
        }
    }
    event.pop("hangoutLink", None)
    if status == "pending" and fake.meet_ready_at_write:
        _meet_made(event)
    elif status == "pending":
        fake._pending_meets[(calendar.id, event["id"])] = fake.meet_pending_reads


def _advance_meet(fake: FakeGoogle, calendar: Calendar, event: JSON) -> None:
    key = (calendar.id, event.get("id", ""))
    if key not in fake._pending_meets:
        return
    if fake._pending_meets[key] > 0:
        fake._pending_meets[key] -= 1
        return
    del fake._pending_meets[key]
    _meet_made(event)
    fake._store(calendar, event)
    fake._propagate(calendar, event)


def _meet_made(event: JSON) -> None:
    """The event's pending Meet succeeds: its conference, entry points and hangoutLink."""
    code = meeting_code()
    uri = f"https://meet.google.com/{code}"
    conference = event.setdefault("conferenceData", {})
    conference.setdefault("createRequest", {})["status"] = {"statusCode": "success"}
    conference.update({
        "entryPoints": [
            {"entryPointType": "video", "uri": uri, "label": f"meet.google.com/{code}",
             "meetingCode": code},
            {"entryPointType": "more", "uri": f"https://tel.meet/{code}?pin=1", "pin": "1"},
        ],
        "conferenceSolution": {
            "key": {"type": "hangoutsMeet"}, "name": "Google Meet",
            "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
        },
        "conferenceId": code,
    })  # fmt: skip
    event["hangoutLink"] = uri


def meeting_code() -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    pick = lambda n: "".join(secrets.choice(letters) for _ in range(n))  # noqa: E731
    return f"{pick(3)}-{pick(4)}-{pick(3)}"


# ------------------------------------------------------------------ events.list


_SYNC_EXCLUSIVE = ("iCalUID", "orderBy", "privateExtendedProperty", "sharedExtendedProperty",
                   "q", "timeMin", "timeMax", "updatedMin")  # fmt: skip


@handles("calendar.events.list")
def _events_list(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    query = call.query
    size = min(query.get("maxResults", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    if "pageToken" in query:
        page = fake._pages.get(query["pageToken"])
        if page is None:
            raise bad_request("Invalid page token value.")
    else:
        page = _first_page(fake, calendar, call)
    items, rest = page.items[:size], page.items[size:]
    for index, item in enumerate(items):
        stored = calendar.events.get(item["id"])
        if stored is not None and (calendar.id, item["id"]) in fake._pending_meets:
            items[index] = _readable(fake, calendar, call, stored)
    answer: JSON = {**page.extra, "items": items}
    if rest:
        token = secrets.token_urlsafe(16)
        fake._pages[token] = Page(rest, page.sync_token, page.extra)
        answer["nextPageToken"] = token
    elif page.sync_token is not None:
        answer["nextSyncToken"] = page.sync_token
    return 200, answer


def _first_page(fake: FakeGoogle, calendar: Calendar, call: Call) -> Page:
    query = call.query
    role = fake._role(calendar, call.grant.subject)
    extra: JSON = {
        "kind": "calendar#events",
        "etag": f'"{next(fake._clock)}"',
        "summary": calendar.summary,
        "updated": rfc3339(fake.now()),
        "timeZone": calendar.time_zone,
        "accessRole": role,
        "defaultReminders": [],
    }
    if "syncToken" in query:
        clashing = [name for name in _SYNC_EXCLUSIVE if name in query]
        if clashing:
            raise bad_request(f"The syncToken parameter cannot be combined with {clashing[0]}.")
        since = fake._sync_tokens.get(query["syncToken"])
        if since is None or since[0] != calendar.id:
            message = "Sync token is no longer valid, a full sync is required."
            raise GoogleError(410, "fullSyncRequired", message)
        events = _changed_since(calendar, since[1])
    else:
        events = _listed(fake, calendar, call)
    subject = call.grant.subject
    items = [
        cancelled_view(e) if e.get("status") == "cancelled" else view_for(role, e, subject)
        for e in events
    ]
    sync_token = None if "pageToken" in query else fake._sync_token(calendar)
    return Page(items, sync_token, extra)


def _changed_since(calendar: Calendar, since: int) -> list[JSON]:
    return [
        calendar.events[i]
        for i, stamp in calendar.changed.items()
        if stamp > since and i in calendar.events
    ]


def _listed(fake: FakeGoogle, calendar: Calendar, call: Call) -> list[JSON]:
    query = call.query
    low = parse_rfc3339(query["timeMin"], "timeMin") if "timeMin" in query else None
    high = parse_rfc3339(query["timeMax"], "timeMax") if "timeMax" in query else None
    if low is not None and high is not None and high <= low:
        raise bad_request("The specified time range is empty.", "timeRangeEmpty")
    single = query.get("singleEvents", False)
    if query.get("orderBy") == "startTime" and not single:
        raise bad_request("The requested ordering is not available for the particular query.")
    show_deleted = query.get("showDeleted", False)
    events: list[JSON] = []
    for event in calendar.events.values():
        if not _matches_filters(event, query):
            continue
        if event.get("recurrence") and single:
            events += _expanded(fake, calendar, event, low, high, show_deleted)
            continue
        if event.get("status") == "cancelled" and not show_deleted:
            # cancelled exceptions of a live series stay visible unless singleEvents
            series = calendar.events.get(event.get("recurringEventId", ""))
            if single or series is None or series.get("status") == "cancelled":
                continue
        if _in_window(fake, calendar, event, low, high):
            events.append(event)
    if query.get("orderBy") == "updated":
        events.sort(key=lambda e: e.get("updated", ""))
    else:
        events.sort(key=lambda e: (_sort_start(e, calendar), e["id"]))
    return events


def _matches_filters(event: JSON, query: dict[str, Any]) -> bool:
    """privateExtendedProperty / sharedExtendedProperty (name=value, ANDed), iCalUID,
    updatedMin and q (words in summary, description, location or attendees)."""
    properties = event.get("extendedProperties", {})
    for kind in ("private", "shared"):
        for wanted in query.get(f"{kind}ExtendedProperty", []):
            name, _, value = wanted.partition("=")
            if properties.get(kind, {}).get(name) != value:
                return False
    if "iCalUID" in query and event.get("iCalUID") != query["iCalUID"]:
        return False
    if "updatedMin" in query:
        since = parse_rfc3339(query["updatedMin"], "updatedMin")
        if parse_rfc3339(event["updated"], "updated") < since:
            return False
    if "q" in query:
        text = " ".join(
            [str(event.get(k, "")) for k in ("summary", "description", "location")]
            + [str(p.get("email", "")) for p in event.get("attendees", [])]
        ).lower()
        return all(word in text for word in str(query["q"]).lower().split())
    return True


def _sort_start(event: JSON, calendar: Calendar) -> datetime:
    return event_time(event["start"], calendar.time_zone, "start").astimezone(UTC)


def _bounds(
    low: datetime | None, high: datetime | None, fake: FakeGoogle
) -> tuple[datetime, datetime]:
    floor = low or datetime(1970, 1, 1, tzinfo=UTC)
    ceiling = high or (low or fake.now()) + UNBOUNDED_HORIZON
    return floor, ceiling


def _in_window(
    fake: FakeGoogle, calendar: Calendar, event: JSON, low: datetime | None, high: datetime | None
) -> bool:
    if low is None and high is None:
        return True
    floor, ceiling = _bounds(low, high, fake)
    if event.get("recurrence"):
        series = dict(event)
        return bool(
            occurrence_starts(series, calendar.time_zone, floor - _length(event, calendar), ceiling)
        )
    start = event_time(event["start"], calendar.time_zone, "start")
    end = event_time(event["end"], calendar.time_zone, "end")
    return start < ceiling and end > floor


def _length(event: JSON, calendar: Calendar) -> timedelta:
    return event_time(event["end"], calendar.time_zone, "end") - event_time(
        event["start"], calendar.time_zone, "start"
    )


def _expanded(
    fake: FakeGoogle,
    calendar: Calendar,
    series: JSON,
    low: datetime | None,
    high: datetime | None,
    show_deleted: bool,
) -> list[JSON]:
    if series.get("status") == "cancelled":
        return []
    floor, ceiling = _bounds(low, high, fake)
    instances = []
    for begin, _ in spans_of(calendar, series, floor, ceiling):
        instances.append(materialise(series, calendar, begin))
    # exceptions (moved or cancelled occurrences) are listed from the store by the caller
    return instances


# ------------------------------------------------------------------ calendars


def _calendar_entry(fake: FakeGoogle, calendar: Calendar, role: str, subject: str | None) -> JSON:
    return {
        "kind": "calendar#calendarListEntry",
        "etag": f'"{len(calendar.events)}"',
        "id": calendar.id,
        "summary": calendar.summary,
        "timeZone": calendar.time_zone,
        "accessRole": role,
        "primary": calendar.id == subject,
        "defaultReminders": [],
    }


@handles("calendar.calendarList.list")
def _calendar_list(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    """The person's own calendars and those shared with them by name (not domain-wide shares,
    which a person must add to their list first)."""
    subject = call.grant.subject
    minimum = call.query.get("minAccessRole", "freeBusyReader")
    items = []
    for calendar in fake.calendars.values():
        role = fake._role(calendar, subject)
        listed = calendar.owner == subject or (subject is not None and subject in calendar.acl)
        if listed and ROLES.index(role) >= ROLES.index(minimum):
            items.append(_calendar_entry(fake, calendar, role, subject))
    return 200, {"kind": "calendar#calendarList", "etag": '"list"', "items": items}


@handles("calendar.calendarList.get")
def _calendar_list_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    role = fake._role(calendar, call.grant.subject)
    return 200, _calendar_entry(fake, calendar, role, call.grant.subject)


@handles("calendar.calendars.get")
def _calendars_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    return 200, {"kind": "calendar#calendar", "etag": '"c"', "id": calendar.id,
                 "summary": calendar.summary, "timeZone": calendar.time_zone}  # fmt: skip


@handles("calendar.events.instances")
def _events_instances(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    series = calendar.events.get(call.params["eventId"])
    if series is None or not series.get("recurrence"):
        raise not_found()
    low = parse_rfc3339(call.query["timeMin"], "timeMin") if "timeMin" in call.query else None
    high = parse_rfc3339(call.query["timeMax"], "timeMax") if "timeMax" in call.query else None
    floor, ceiling = _bounds(low, high, fake)
    found = _expanded(fake, calendar, series, low, high, call.query.get("showDeleted", False))
    found += [
        event for event in calendar.events.values()
        if event.get("recurringEventId") == series["id"]
        and (event.get("status") != "cancelled" or call.query.get("showDeleted", False))
        and _in_window(fake, calendar, event, floor, ceiling)
    ]  # fmt: skip
    found.sort(key=lambda e: (_sort_start(e, calendar), e["id"]))
    role = fake._role(calendar, call.grant.subject)
    items = [view_for(role, e, call.grant.subject) for e in found]
    return 200, {"kind": "calendar#events", "accessRole": role, "items": items}


# ------------------------------------------------------------------ freeBusy


@handles("calendar.freebusy.query")
def _freebusy(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    body: JSON = call.body or {}
    for name in ("timeMin", "timeMax"):
        if name not in body:
            raise GoogleError(400, "required", f"Missing {name} parameter.")
    low = parse_rfc3339(body["timeMin"], "timeMin")
    high = parse_rfc3339(body["timeMax"], "timeMax")
    if high <= low:
        raise bad_request("The specified time range is empty.", "timeRangeEmpty")
    calendars: JSON = {}
    for index, item in enumerate(body.get("items", [])):
        calendar_id = item.get("id", "")
        if index >= MAX_FREEBUSY_CALENDARS:
            calendars[calendar_id] = {"busy": [], "errors": [
                {"domain": "usageLimits", "reason": "tooManyCalendarsRequested"}]}  # fmt: skip
            continue
        calendars[calendar_id] = _busy_answer(fake, call, calendar_id, low, high)
    return 200, {
        "kind": "calendar#freeBusy",
        "timeMin": rfc3339(low),
        "timeMax": rfc3339(high),
        "calendars": calendars,
    }


def _busy_answer(
    fake: FakeGoogle, call: Call, calendar_id: str, low: datetime, high: datetime
) -> JSON:
    if calendar_id == "primary" and call.grant.subject:
        calendar_id = call.grant.subject
    calendar = fake.calendars.get(calendar_id)
    if calendar is None or fake._role(calendar, call.grant.subject) == "none":
        return {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
    spans = sorted(
        span
        for event in calendar.events.values()
        if blocks_time(event, calendar.id)
        for span in spans_of(calendar, event, low, high)
    )
    merged: list[list[datetime]] = []
    for start, end in spans:
        start, end = max(start, low), min(end, high)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return {"busy": [{"start": rfc3339(s), "end": rfc3339(e)} for s, e in merged]}
