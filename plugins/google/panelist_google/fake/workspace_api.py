"""Admin SDK Directory (rooms, users) and Meet v2 spaces."""

from __future__ import annotations

import copy
import secrets
from typing import TYPE_CHECKING

from panelist_google.fake.calendar_api import meeting_code
from panelist_google.fake.events import merge_patch
from panelist_google.fake.state import Call, handles
from panelist_google.fake.wire import JSON, GoogleError

if TYPE_CHECKING:
    from panelist_google.fake.server import FakeGoogle


@handles("directory.resources.calendars.list")
def _rooms_list(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    if call.params["customer"] not in ("my_customer", fake.customer_id):
        raise GoogleError(400, "badRequest", "Bad Request")
    _require_admin_view(fake, call)
    rooms = sorted(fake.rooms.values(), key=lambda room: room.resource_id)
    token = str(call.query.get("pageToken", "0") or "0")
    if not token.isdigit():
        raise GoogleError(400, "invalid", "Invalid page token")
    start = int(token)
    size = call.query.get("maxResults", 100)
    page = rooms[start : start + size]
    answer: JSON = {"kind": "admin#directory#resources#calendars#calendarResourcesList",
                    "etag": '"rooms"', "items": [room.to_json() for room in page]}  # fmt: skip
    if start + size < len(rooms):
        answer["nextPageToken"] = str(start + size)
    return 200, answer


@handles("directory.users.get")
def _users_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    _require_admin_view(fake, call)
    key = call.params["userKey"]
    user = fake.users.get(key) or next((u for u in fake.users.values() if u.user_id == key), None)
    if user is None:
        raise GoogleError(404, "notFound", "Resource Not Found: userKey")
    return 200, user.to_json(fake.customer_id)


def _require_admin_view(fake: FakeGoogle, call: Call) -> None:
    """The Directory answers an administrator (the one the service account acts as);
    anyone else of the domain may read users only with ``viewType=domain_public``."""
    user = fake.users.get(call.grant.subject or "")
    public = call.query.get("viewType") == "domain_public"
    if user is None or user.suspended or not (user.is_admin or public):
        raise GoogleError(403, "forbidden", "Not Authorized to access this resource/api")


@handles("meet.spaces.create")
def _spaces_create(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    user = fake.users.get(call.grant.subject or "")
    if user is None or not user.meet_enabled:
        raise GoogleError(403, "forbidden", "The caller does not have permission")
    code = meeting_code()
    name = "spaces/" + secrets.token_urlsafe(9)
    space: JSON = {
        "name": name,
        "meetingUri": f"https://meet.google.com/{code}",
        "meetingCode": code,
        "config": {"accessType": "TRUSTED", "entryPointAccess": "ALL"},
    }
    merge_patch(space["config"], (call.body or {}).get("config", {}))
    fake.spaces[name] = space
    return 200, copy.deepcopy(space)


@handles("meet.spaces.get")
def _spaces_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    space = fake.spaces.get(call.params["name"])
    if space is None:
        raise GoogleError(404, "notFound", "Requested entity was not found.")
    return 200, copy.deepcopy(space)


@handles("meet.spaces.patch")
def _spaces_patch(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    space = fake.spaces.get(call.params["name"])
    if space is None:
        raise GoogleError(404, "notFound", "Requested entity was not found.")
    mask = call.query.get("updateMask", "config")
    body = call.body or {}
    for path in mask.split(","):
        head, _, tail = path.partition(".")
        if tail:
            space.setdefault(head, {})[tail] = body.get(head, {}).get(tail)
        elif head in body:
            space[head] = copy.deepcopy(body[head])
    return 200, copy.deepcopy(space)


@handles("meet.spaces.endActiveConference")
def _spaces_end(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    if call.params["name"] not in fake.spaces:
        raise GoogleError(404, "notFound", "Requested entity was not found.")
    return 200, {}
