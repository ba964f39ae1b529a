"""Graph v1.0 routes the fake serves: users, places, events, calendarView, delta, getSchedule."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from panelist_microsoft.fake import scheduling
from panelist_microsoft.fake.events import (
    READ_ONLY,
    blocks,
    instances,
    occurrence_id,
    render,
    sdk_round_trip,
    select,
    span,
    split_occurrence_id,
)
from panelist_microsoft.fake.state import DeltaState, Grant, Mailbox
from panelist_microsoft.fake.wire import (
    JSON,
    MAX_SCHEDULE_DAYS,
    PLACES_PAGE_SIZE,
    TEAMS_SERVICE_PLAN_ID,
    GraphError,
    bad_request,
    date_time_tz,
    graph_time,
    item_not_found,
    mailbox_not_found,
    max_page_size,
    preferred_zone,
    query_time,
)

if TYPE_CHECKING:
    from panelist_microsoft.fake.server import FakeGraph

READ_CALENDARS = ("Calendars.Read", "Calendars.ReadWrite", "Calendars.ReadBasic.All")
WRITE_CALENDARS = ("Calendars.ReadWrite",)
READ_USERS = ("User.Read.All", "User.ReadBasic.All", "User.ReadWrite.All", "Directory.Read.All")
READ_PLACES = ("Place.Read.All", "Place.ReadWrite.All")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]  # lowercased names
    grant: Grant | None
    params: dict[str, str] = field(default_factory=dict)
    in_batch: bool = False

    @property
    def time_zone(self) -> str:
        return preferred_zone(self.headers.get("prefer"))


Handler = Callable[["FakeGraph", Request], tuple[int, JSON | None]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    #: any one of these application permissions lets the call through
    permissions: tuple[str, ...]
    #: the call reads or writes a mailbox: an application access policy applies
    mailbox: bool = True


ROUTES: list[Route] = []
_USER = r"/users/(?P<user>[^/]+)"
_CAL = r"(?:/calendar)?"


def route(method: str, pattern: str, permissions: tuple[str, ...], *, mailbox: bool = True):  # type: ignore[no-untyped-def]
    def register(handler: Handler) -> Handler:
        ROUTES.append(
            Route(method, re.compile(pattern + r"/?$", re.I), handler, permissions, mailbox)
        )
        return handler

    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    found_path = False
    for candidate in ROUTES:
        hit = candidate.pattern.match(path)
        if hit is None:
            continue
        found_path = True
        if candidate.method == method:
            return candidate, dict(hit.groupdict())
    if found_path:
        raise GraphError(405, "Request_BadRequest", f"The HTTP method '{method}' is not allowed.")
    return None


# ---------------------------------------------------------------------- directory


def _user_json(mailbox: Mailbox, fields: str | None) -> JSON:
    first, _, last = mailbox.name.partition(" ")
    out: JSON = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "businessPhones": [],
        "displayName": mailbox.name,
        "givenName": None if mailbox.is_room else first,
        "jobTitle": None,
        "mail": mailbox.email,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "surname": None if mailbox.is_room else (last or None),
        "userPrincipalName": mailbox.email,
        "id": mailbox.id,
    }
    if fields:  # properties outside the default set come only when asked for
        plans = (
            [{
                "assignedDateTime": "2024-01-01T00:00:00Z", "capabilityStatus": "Enabled",
                "service": "TeamspaceAPI", "servicePlanId": TEAMS_SERVICE_PLAN_ID,
            }] if mailbox.teams and not mailbox.is_room else []
        )  # fmt: skip
        plans.append({
            "assignedDateTime": "2024-01-01T00:00:00Z", "capabilityStatus": "Enabled",
            "service": "exchange", "servicePlanId": "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
        })  # fmt: skip
        extra = {
            "assignedPlans": plans,
            "accountEnabled": not mailbox.is_room,
            "mailboxSettings": {"timeZone": mailbox.time_zone},
            "usageLocation": "NL",
        }
        wanted = {f.strip() for f in fields.split(",")}
        out = {k: v for k, v in {**out, **extra}.items() if k in wanted or k == "id"}
    return out


@route("GET", _USER, READ_USERS, mailbox=False)
def get_user(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = fake.mailbox_or_none(request.params["user"])
    if mailbox is None:
        raise GraphError(
            404, "Request_ResourceNotFound",
            f"Resource '{request.params['user']}' does not exist or one of its queried "
            "reference-property objects are not present.",
        )  # fmt: skip
    return 200, _user_json(mailbox, request.query.get("$select"))


@route("GET", r"/users", READ_USERS, mailbox=False)
def list_users(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    """The directory's users (room mailboxes are users too), the first ``$top`` of them;
    no paging: a tenant in a test is small."""
    top = int(request.query.get("$top") or 100)
    found = sorted(fake.mailboxes.values(), key=lambda m: m.email)[:top]
    users = [_user_json(m, request.query.get("$select")) for m in found]
    return 200, {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
                 "value": users}  # fmt: skip


@route("GET", _USER + r"/licenseDetails", READ_USERS, mailbox=False)
def license_details(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = fake.mailbox_or_none(request.params["user"])
    if mailbox is None:
        raise GraphError(404, "Request_ResourceNotFound",
                         f"Resource '{request.params['user']}' does not exist.")  # fmt: skip
    plans = [{"servicePlanId": "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
              "servicePlanName": "EXCHANGE_S_STANDARD", "provisioningStatus": "Success",
              "appliesTo": "User"}]  # fmt: skip
    if mailbox.teams and not mailbox.is_room:
        plans.append({"servicePlanId": TEAMS_SERVICE_PLAN_ID, "servicePlanName": "TEAMS1",
                      "provisioningStatus": "Success", "appliesTo": "User"})  # fmt: skip
    value = [{
        "id": "lic-" + mailbox.id, "skuId": "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
        "skuPartNumber": "O365_BUSINESS_PREMIUM", "servicePlans": plans,
    }] if not mailbox.is_room else []  # fmt: skip
    return 200, {"value": value}


def _room_json(room: Mailbox) -> JSON:
    return {
        "@odata.type": "#microsoft.graph.room",
        "id": room.id,
        "emailAddress": room.email,
        "displayName": room.name,
        "address": None,
        "geoCoordinates": None,
        "phone": None,
        "nickname": room.name,
        "building": room.building,
        "floorNumber": room.floor,
        "floorLabel": None if room.floor is None else str(room.floor),
        "label": None,
        "capacity": room.capacity,
        "bookingType": "standard",
        "audioDeviceName": None,
        "videoDeviceName": None,
        "displayDeviceName": None,
        "isWheelChairAccessible": False,
        "tags": [],
    }


def link(fake: FakeGraph, path: str, query: dict[str, str]) -> str:
    """An absolute link from the fake's own base, as Graph's nextLink and deltaLink are."""
    return (
        fake.graph_url
        + urllib.parse.quote(path, safe="/@()")
        + "?"
        + urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="$")
    )


def _paged(fake: FakeGraph, request: Request, items: list[JSON]) -> JSON:
    top = int(request.query.get("$top") or PLACES_PAGE_SIZE)
    skip = int(request.query.get("$skip") or 0)
    page: JSON = {"value": items[skip : skip + top]}
    if skip + top < len(items):
        query = {**request.query, "$top": str(top), "$skip": str(skip + top)}
        page["@odata.nextLink"] = link(fake, request.path, query)
    return page


@route("GET", r"/places/(?:microsoft\.)?graph\.room", READ_PLACES, mailbox=False)
def list_rooms(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    rooms = [_room_json(m) for m in fake.mailboxes.values() if m.is_room]
    return 200, _paged(fake, request, rooms)


@route("GET", r"/places/(?:microsoft\.)?graph\.roomlist", READ_PLACES, mailbox=False)
def list_room_lists(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    names = sorted({m.room_list for m in fake.mailboxes.values() if m.room_list})
    value = [{
        "@odata.type": "#microsoft.graph.roomList", "id": "roomlist-" + name,
        "displayName": name.split("@")[0], "emailAddress": name, "address": None,
        "geoCoordinates": None, "phone": None,
    } for name in names]  # fmt: skip
    return 200, _paged(fake, request, value)


@route("GET", r"/places/(?P<list>[^/]+)/(?:microsoft\.)?graph\.roomlist/rooms", READ_PLACES,
       mailbox=False)  # fmt: skip
def rooms_of_list(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    name = request.params["list"].lower()
    rooms = [_room_json(m) for m in fake.mailboxes.values()
             if m.is_room and (m.room_list or "").lower() == name]  # fmt: skip
    return 200, _paged(fake, request, rooms)


# ---------------------------------------------------------------------- events


def _mailbox(fake: FakeGraph, request: Request) -> Mailbox:
    mailbox = fake.mailbox_or_none(request.params["user"])
    if mailbox is None:
        raise mailbox_not_found(request.params["user"])
    if not mailbox.has_mailbox:
        raise GraphError(
            404, "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        )  # fmt: skip
    return mailbox


def _writable(body: Any) -> JSON:
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "ErrorInvalidRequest")
    for key in body:
        if key in READ_ONLY and key not in ("@odata.type",):
            raise bad_request(f"The property '{key}' is read-only and cannot be set.",
                              "ErrorInvalidProperty")  # fmt: skip
    return sdk_round_trip(body)


@route("POST", _USER + _CAL + r"/events", WRITE_CALENDARS)
def create_event(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    body = _writable(request.body)
    for key in ("start", "end"):
        if key not in body:
            raise bad_request(f"Your request can't be completed. The {key} time is missing.",
                              "ErrorInvalidRequest")  # fmt: skip
    start, end = span(body)
    if end < start:
        raise bad_request("The end time must be after the start time.", "ErrorInvalidRequest")
    transaction = body.get("transactionId")
    if transaction and transaction in mailbox.transactions:
        existing = mailbox.events.get(mailbox.transactions[transaction])
        if existing is not None:
            return 201, render(existing, request.time_zone)
    event = scheduling.new_event(fake, mailbox, body)
    scheduling.apply(fake, mailbox, event, body, creating=True)
    scheduling.store(fake, mailbox, event)
    if transaction:
        mailbox.transactions[transaction] = event["id"]
    scheduling.propagate(fake, mailbox, event, times_changed=True)
    return 201, render(event, request.time_zone)


def _event(mailbox: Mailbox, event_id: str) -> JSON:
    event = mailbox.events.get(event_id)
    if event is not None:
        return event
    occurrence = split_occurrence_id(event_id)
    if occurrence is not None and occurrence[0] in mailbox.events:
        master = mailbox.events[occurrence[0]]
        day = occurrence[1]
        start = datetime.combine(day, datetime.min.time(), UTC) - timedelta(days=400)
        for item in instances(master, start, start + timedelta(days=800)):
            if item["id"] == event_id:
                return item
    raise item_not_found()


@route("GET", _USER + _CAL + r"/events/(?P<event>[^/]+)", READ_CALENDARS)
def get_event(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    event = _event(mailbox, request.params["event"])
    return 200, select(render(event, request.time_zone), request.query.get("$select"))


@route("PATCH", _USER + _CAL + r"/events/(?P<event>[^/]+)", WRITE_CALENDARS)
def update_event(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    event_id = request.params["event"]
    if event_id not in mailbox.events:
        return _change_occurrence(fake, request, mailbox, event_id, delete=False)
    event = mailbox.events[event_id]
    body = _writable(request.body)
    before = (event["start"], event["end"], event.get("recurrence"))
    scheduling.apply(fake, mailbox, event, body, creating=False)
    start, end = span(event)
    if end < start:
        raise bad_request("The end time must be after the start time.", "ErrorInvalidRequest")
    scheduling.store(fake, mailbox, event)
    changed = before != (event["start"], event["end"], event.get("recurrence"))
    if changed:
        # a changed time is a new question: Exchange's organiser view starts over
        for person in event.get("attendees", []):
            person["status"] = {"response": "none", "time": scheduling.NEVER}
    scheduling.propagate(fake, mailbox, event, times_changed=changed)
    return 200, render(event, request.time_zone)


def _change_occurrence(
    fake: FakeGraph, request: Request, mailbox: Mailbox, event_id: str, *, delete: bool
) -> tuple[int, JSON | None]:
    """PATCH of one occurrence makes it an exception; DELETE takes it out of the series."""
    _event(mailbox, event_id)  # 404 if the series has no such occurrence
    parsed = split_occurrence_id(event_id)
    assert parsed is not None
    master_id, day = parsed
    master = mailbox.events[master_id]
    exceptions = master.setdefault("_exceptions", {})
    if delete:
        exceptions[day.isoformat()] = None
    else:
        body = _writable(request.body)
        if "recurrence" in body:
            raise bad_request("An occurrence cannot have a recurrence.", "ErrorInvalidRequest")
        override = dict(exceptions.get(day.isoformat()) or {})
        override.update(body)
        exceptions[day.isoformat()] = override
    scheduling.store(fake, mailbox, master)
    scheduling.propagate(fake, mailbox, master, times_changed=False)
    if delete:
        return 204, None
    return 200, render(_event(mailbox, event_id), request.time_zone)


@route("DELETE", _USER + _CAL + r"/events/(?P<event>[^/]+)", WRITE_CALENDARS)
def delete_event(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    event_id = request.params["event"]
    if event_id not in mailbox.events:
        return _change_occurrence(fake, request, mailbox, event_id, delete=True)
    event = mailbox.events[event_id]
    scheduling.remove(fake, mailbox, event_id)
    if event.get("isOrganizer"):
        for other in fake.mailboxes.values():
            copy_id = scheduling.find_by_uid(other, event["iCalUId"])
            if other is mailbox or copy_id is None:
                continue
            if other.is_room:  # a room's calendar frees the time at once
                scheduling.remove(fake, other, copy_id)
            else:
                scheduling.cancel_copy(fake, other, copy_id)
    return 204, None


_FILTER = re.compile(r"^\s*iCalUId\s+eq\s+'(?P<uid>(?:[^']|'')*)'\s*$", re.I)


@route("GET", _USER + _CAL + r"/events", READ_CALENDARS)
def list_events(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    events = list(mailbox.events.values())
    text = request.query.get("$filter")
    if text:
        hit = _FILTER.match(text)
        if hit is None:
            raise bad_request(f"The fake understands only $filter=iCalUId eq '…', not {text!r}.",
                              "ErrorInvalidUrlQueryFilter")  # fmt: skip
        uid = hit["uid"].replace("''", "'")
        events = [e for e in events if e.get("iCalUId") == uid]
    items = [select(render(e, request.time_zone), request.query.get("$select")) for e in events]
    return 200, _page_items(fake, request, items)


def _page_items(fake: FakeGraph, request: Request, items: list[JSON]) -> JSON:
    """``$top`` / ``Prefer: odata.maxpagesize`` pages, ``@odata.nextLink`` with ``$skip``."""
    size = int(request.query.get("$top") or max_page_size(request.headers.get("prefer")))
    skip = int(request.query.get("$skip") or 0)
    page: JSON = {"value": items[skip : skip + size]}
    if skip + size < len(items):
        query = {**request.query, "$skip": str(skip + size)}
        if "$top" in request.query:
            query["$top"] = str(size)
        page["@odata.nextLink"] = (
            fake.graph_url
            + request.path
            + "?"
            + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        )
    return page


def _window(request: Request) -> tuple[datetime, datetime]:
    return (
        query_time(request.query.get("startDateTime"), "startDateTime"),
        query_time(request.query.get("endDateTime"), "endDateTime"),
    )


def _view(mailbox: Mailbox, start: datetime, end: datetime) -> list[JSON]:
    items = [item for event in mailbox.events.values() for item in instances(event, start, end)]
    return sorted(items, key=lambda item: span(item)[0])


@route("GET", _USER + _CAL + r"/calendarView", READ_CALENDARS)
def calendar_view(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    start, end = _window(request)
    items = [
        select(render(item, request.time_zone), request.query.get("$select"))
        for item in _view(mailbox, start, end)
    ]
    return 200, _page_items(fake, request, items)


@route("GET", _USER + _CAL + r"/events/(?P<event>[^/]+)/instances", READ_CALENDARS)
def event_instances(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    master = mailbox.events.get(request.params["event"])
    if master is None:
        raise item_not_found()
    start, end = _window(request)
    items = [
        select(render(item, request.time_zone), request.query.get("$select"))
        for item in sorted(instances(master, start, end), key=lambda item: span(item)[0])
        if master.get("recurrence")
    ]
    return 200, _page_items(fake, request, items)


@route("GET", _USER + r"/calendar", READ_CALENDARS)
def default_calendar(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    return 200, {
        "id": "AAMkCal" + mailbox.id.replace("-", ""),
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": True,
        "changeKey": "fake",
        "canShare": True,
        "canViewPrivateItems": True,
        "canEdit": True,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"] if mailbox.teams else [],
        "defaultOnlineMeetingProvider": "teamsForBusiness" if mailbox.teams else "unknown",
        "isTallyingResponses": True,
        "isRemovable": False,
        "owner": {"name": mailbox.name, "address": mailbox.email},
    }


@route("GET", _USER + r"/mailboxSettings", ("MailboxSettings.Read", "MailboxSettings.ReadWrite"))
def mailbox_settings(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    return 200, {
        "timeZone": mailbox.time_zone,
        "dateFormat": "dd/MM/yyyy",
        "timeFormat": "HH:mm",
        "userPurpose": "room" if mailbox.is_room else "user",
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": mailbox.time_zone},
        },
    }


# ---------------------------------------------------------------------- delta


@route("GET", _USER + _CAL + r"/calendarView/delta(?:\(\))?", READ_CALENDARS)
def calendar_delta(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    mailbox = _mailbox(fake, request)
    size = max_page_size(request.headers.get("prefer"))
    path = f"/users/{request.params['user']}/calendarView/delta()"
    try:
        if "$skiptoken" in request.query:
            state = fake.delta_state(request.query["$skiptoken"])
        elif "$deltatoken" in request.query:
            known = fake.delta_state(request.query["$deltatoken"])
            state = DeltaState(known.mailbox, known.start, known.end, known.since)
        else:
            start, end = _window(request)
            state = DeltaState(mailbox.id, start, end, 0)
    except GraphError as error:
        if error.status == 410:  # Location: the same query with an empty token
            error.headers["Location"] = link(fake, path, {"$deltatoken": ""})
        raise
    if state.mailbox != mailbox.id:
        raise bad_request("The token belongs to another mailbox's sync state.", "syncStateInvalid")
    if state.pending is None:
        state.upto = fake.clock_now()
        state.pending = _delta_items(mailbox, state, request.time_zone)
    page, rest = state.pending[:size], state.pending[size:]
    answer: JSON = {"value": page}
    if rest:
        token = fake.new_delta_token(
            DeltaState(state.mailbox, state.start, state.end, state.since, rest, state.upto)
        )
        answer["@odata.nextLink"] = link(fake, path, {"$skiptoken": token})
    else:
        token = fake.new_delta_token(DeltaState(state.mailbox, state.start, state.end, state.upto))
        answer["@odata.deltaLink"] = link(fake, path, {"$deltatoken": token})
    return 200, answer


def _delta_items(mailbox: Mailbox, state: DeltaState, time_zone: str) -> list[JSON]:
    out: list[JSON] = []
    for event_id, stamp in sorted(mailbox.changed.items(), key=lambda kv: kv[1]):
        if stamp <= state.since or stamp > state.upto:
            continue
        event = mailbox.events.get(event_id)
        live = (
            []
            if event is None or event.get("isCancelled")
            else list(instances(event, state.start, state.end))
        )
        if live:
            out.extend(render(item, time_zone) for item in live)
            assert event is not None
            for day, override in event.get("_exceptions", {}).items():
                if override is None and state.since:  # a cancelled occurrence
                    out.append({"@odata.type": "#microsoft.graph.event",
                                "id": occurrence_id(event_id, date.fromisoformat(day)),
                                "@removed": {"reason": "deleted"}})  # fmt: skip
        elif state.since:  # gone, cancelled or out of the window: the client knew it
            last = event if event is not None else mailbox.removed.get(event_id, (0, None))[1]
            ids = [event_id]
            if last is not None and last.get("recurrence"):
                ids = [item["id"] for item in instances(last, state.start, state.end)] or ids
            out.extend({"@odata.type": "#microsoft.graph.event", "id": gone,
                        "@removed": {"reason": "deleted"}} for gone in ids)  # fmt: skip
    return out


# ---------------------------------------------------------------------- free/busy


def _keys(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "ErrorInvalidRequest")
    return {key.lower(): value for key, value in body.items()}


_VIEW_CHARS = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}


@route("POST", _USER + r"/calendar/getSchedule", READ_CALENDARS)
def get_schedule(fake: FakeGraph, request: Request) -> tuple[int, JSON | None]:
    _mailbox(fake, request)
    body = _keys(request.body)
    schedules = body.get("schedules")
    if not schedules:
        raise bad_request("Schedules is required.", "ErrorInvalidRequest")
    start = date_time_tz(_dtz(body.get("starttime")), "startTime")
    end = date_time_tz(_dtz(body.get("endtime")), "endTime")
    if end <= start or end - start >= timedelta(days=MAX_SCHEDULE_DAYS):
        raise bad_request(
            "The requested time duration specified is too long. The limit is 42 days.",
            "ErrorInvalidTimeInterval" if end > start else "ErrorInvalidParameter",
        )
    interval = int(body.get("availabilityviewinterval") or 30)
    if not 5 <= interval <= 1440:
        raise bad_request("AvailabilityViewInterval must be between 5 and 1440.",
                          "ErrorInvalidParameter")  # fmt: skip
    time_zone = request.time_zone
    value = []
    for address in schedules:
        other = fake.mailbox_or_none(str(address))
        if other is None or not other.has_mailbox:
            value.append({
                "scheduleId": address,
                "availabilityView": "",
                "scheduleItems": [],
                "workingHours": None,
                "error": {
                    "message": "Could not find the requested user or resource.",
                    "responseCode": "ErrorMailRecipientNotFound",
                },
            })  # fmt: skip
            continue
        items = [item for item in _view(other, start, end) if blocks(item) or
                 (item.get("showAs") == "free" and not item.get("isCancelled"))]  # fmt: skip
        schedule_items = []
        for item in items:
            if item.get("showAs") == "free":
                continue
            item_start, item_end = span(item)
            private = item.get("sensitivity") in ("private", "confidential")
            entry = {
                "isPrivate": private,
                "status": item.get("showAs", "busy"),
                "start": graph_time(item_start, time_zone),
                "end": graph_time(item_end, time_zone),
            }
            if not private:
                entry["subject"] = item.get("subject", "")
                entry["location"] = (item.get("location") or {}).get("displayName", "")
            schedule_items.append(entry)
        view = []
        slot = start
        while slot < end:
            slot_end = slot + timedelta(minutes=interval)
            char = "0"
            for item in items:
                item_start, item_end = span(item)
                if item_start < slot_end and item_end > slot:
                    char = max(char, _VIEW_CHARS.get(item.get("showAs", "busy"), "2"))
            view.append(char)
            slot = slot_end
        value.append({
            "scheduleId": address,
            "availabilityView": "".join(view),
            "scheduleItems": schedule_items,
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
                "timeZone": {"name": other.time_zone},
            },
        })  # fmt: skip
    return 200, {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
        "value": value,
    }


def _dtz(value: Any) -> Any:
    """A dateTimeTimeZone whose keys may come in any casing."""
    if not isinstance(value, dict):
        return value
    lowered = {key.lower(): item for key, item in value.items()}
    return {"dateTime": lowered.get("datetime"), "timeZone": lowered.get("timezone")}
