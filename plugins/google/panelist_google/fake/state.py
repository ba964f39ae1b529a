"""The fake's in-memory state: people, calendars, grants, and what it saw."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from panelist_google.fake.wire import JSON, Route

if TYPE_CHECKING:
    from panelist_google.fake.server import FakeGoogle


@dataclass
class Grant:
    """What an access token stands for."""

    subject: str | None  # the user acted as (None: the service account itself)
    scopes: frozenset[str]
    client: str


@dataclass
class ServiceAccount:
    client_email: str
    client_id: str
    key_id: str
    public_key: Any  # cryptography RSAPublicKey
    delegated_scopes: frozenset[str]  # granted by the Workspace admin (domain-wide delegation)
    disabled: bool = False


@dataclass
class RefreshGrant:
    client_id: str
    subject: str
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class User:
    email: str
    name: str
    suspended: bool = False
    archived: bool = False
    is_admin: bool = False
    meet_enabled: bool = True
    user_id: str = field(default_factory=lambda: str(secrets.randbelow(10**20)))

    def to_json(self, customer_id: str) -> JSON:
        given, _, family = self.name.partition(" ")
        return {
            "kind": "admin#directory#user",
            "id": self.user_id,
            "etag": f'"{self.user_id}"',
            "primaryEmail": self.email,
            "name": {"givenName": given, "familyName": family, "fullName": self.name},
            "isAdmin": self.is_admin,
            "isDelegatedAdmin": False,
            "suspended": self.suspended,
            "archived": self.archived,
            "changePasswordAtNextLogin": False,
            "agreedToTerms": True,
            "customerId": customer_id,
            "orgUnitPath": "/",
            "isMailboxSetup": True,
            "includeInGlobalAddressList": True,
        }


@dataclass
class Calendar:
    id: str
    summary: str
    owner: str | None
    time_zone: str = "UTC"
    acl: dict[str, str] = field(default_factory=dict)  # email | "domain" | "default" -> role
    is_room: bool = False
    auto_accept: bool = True
    events: dict[str, JSON] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)  # event id -> change clock


@dataclass
class Room:
    email: str
    name: str
    capacity: int | None
    building_id: str | None
    resource_id: str
    floor_name: str | None = None
    resource_type: str = "Conference room"

    def to_json(self) -> JSON:
        out: JSON = {
            "kind": "admin#directory#resources#calendars#CalendarResource",
            "etag": f'"{self.resource_id}"',
            "resourceId": self.resource_id,
            "resourceName": self.name,
            "generatedResourceName": self.name,
            "resourceType": self.resource_type,
            "resourceEmail": self.email,
            "resourceCategory": "CONFERENCE_ROOM",
        }
        if self.capacity is not None:
            out["capacity"] = self.capacity
        if self.building_id is not None:
            out["buildingId"] = self.building_id
        if self.floor_name is not None:
            out["floorName"] = self.floor_name
        return out


@dataclass(frozen=True)
class SeenCall:
    """One API call as the fake received it (a batch part is one call)."""

    method: str
    path: str  # as sent, percent-encoded
    query: dict[str, list[str]]
    body: Any
    api_method: str | None  # discovery id, e.g. "calendar.events.insert"
    status: int
    subject: str | None
    in_batch: bool
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoundTrip:
    """One HTTP request to the fake (a whole batch is one)."""

    method: str
    path: str
    status: int


@dataclass
class Fault:
    status: int
    reason: str
    message: str
    domain: str
    retry_after: int | None
    remaining: int
    methods: frozenset[str] | None


@dataclass
class Page:
    items: list[JSON]
    sync_token: str | None
    extra: JSON


@dataclass
class Call:
    """What a handler gets."""

    route: Route
    params: dict[str, str]
    query: dict[str, Any]
    body: Any
    grant: Grant
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


# ====================================================================== handlers

Handler = Callable[["FakeGoogle", Call], tuple[int, JSON | None]]
HANDLERS: dict[str, Handler] = {}


def handles(method_id: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[method_id] = function
        return function

    return register
