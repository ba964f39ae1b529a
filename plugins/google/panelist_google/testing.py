"""A loopback fake of the Google APIs the ``google`` plugin uses, for tests and benchmarks.

``with FakeGoogle() as google:`` serves, on a free port of 127.0.0.1:

- the OAuth token endpoint (``google.token_uri``): the JWT-bearer grant of a
  service account with domain-wide delegation, the refresh-token grant and the
  authorization-code grant, answering ``invalid_grant`` / ``unauthorized_client``
  / ``invalid_client`` as Google does;
- Calendar v3 (``google.calendar_endpoint``) and its batch endpoint
  (``google.batch_uri``), Admin SDK Directory v1 and Meet v2
  (``google.admin_endpoint``, ``google.meet_endpoint``).

Requests are routed, and their query parameters and JSON bodies checked, against
the discovery documents shipped in google-api-python-client, so an unknown
field or a bad enum value gets Google's 400; each call needs a bearer token
the fake issued, whose scopes must include one the discovery document lists
for the method (else 403 ``insufficientPermissions``). Wire behaviour follows
PROVIDERS.md §1 and §6.

The state lives in memory, one fake per test. Tests arrange it (`add_user`,
`add_room`, `add_calendar`, `service_account_key_file`), act as "another
client" (`respond`, `put_event`, `delete_event`, `override_instance`), inject
faults (`fail_next`, `latency`) and inspect what was sent: ``calls`` (one
entry per API call, batch parts included) and ``round_trips`` (one per HTTP
request).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import itertools
import json
import re
import secrets
import socket
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

JSON = dict[str, Any]

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
CALENDAR_SCOPE = SCOPE_PREFIX + "calendar"
DIRECTORY_RESOURCES_SCOPE = SCOPE_PREFIX + "admin.directory.resource.calendar.readonly"
DIRECTORY_USERS_SCOPE = SCOPE_PREFIX + "admin.directory.user.readonly"
MEET_SCOPE = SCOPE_PREFIX + "meetings.space.created"
#: What a Workspace admin grants the service account in these tests unless told otherwise.
DEFAULT_DELEGATED_SCOPES = (
    CALENDAR_SCOPE,
    DIRECTORY_RESOURCES_SCOPE,
    DIRECTORY_USERS_SCOPE,
    MEET_SCOPE,
)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_BATCH_PARTS = 1000
MAX_FREEBUSY_CALENDARS = 50
DEFAULT_PAGE_SIZE = 250
MAX_PAGE_SIZE = 2500
#: A series with no end is expanded this far past the window's start when no timeMax bounds it.
UNBOUNDED_HORIZON = timedelta(days=730)
ROLES = ("none", "freeBusyReader", "reader", "writer", "owner")

# Values the Calendar discovery document names only in descriptions; Google rejects others.
_DOCUMENTED_ENUMS: dict[tuple[str, str], frozenset[str]] = {
    ("Event", "visibility"): frozenset({"default", "public", "private", "confidential"}),
    ("Event", "transparency"): frozenset({"opaque", "transparent"}),
    ("Event", "status"): frozenset({"confirmed", "tentative", "cancelled"}),
    ("EventAttendee", "responseStatus"): frozenset(
        {"needsAction", "declined", "tentative", "accepted"}
    ),
    ("ConferenceSolutionKey", "type"): frozenset(
        {"eventHangout", "eventNamedHangout", "hangoutsMeet", "addOn"}
    ),
    ("EntryPoint", "entryPointType"): frozenset({"video", "phone", "sip", "more"}),
}
_EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
_HTTP_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


# ====================================================================== errors


class GoogleError(Exception):
    """An error answer in Google's JSON error format."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        *,
        domain: str = "global",
        location: str | None = None,
        location_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.headers = dict(headers or {})

    def body(self) -> JSON:
        detail: JSON = {"domain": self.domain, "reason": self.reason, "message": self.message}
        if self.location is not None:
            detail["locationType"] = self.location_type or "parameter"
            detail["location"] = self.location
        error: JSON = {"errors": [detail], "code": self.status, "message": self.message}
        if self.status in _HTTP_STATUS_NAMES:
            error["status"] = _HTTP_STATUS_NAMES[self.status]
        return {"error": error}


def _bad_request(message: str, reason: str = "invalid", location: str | None = None) -> GoogleError:
    return GoogleError(400, reason, message, location=location)


def _not_found() -> GoogleError:
    return GoogleError(404, "notFound", "Not Found")


class OAuthError(Exception):
    """An error answer of the token endpoint: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


# ====================================================================== discovery


@functools.cache
def discovery_document(name: str) -> JSON:
    """A discovery document shipped in google-api-python-client, e.g. ``calendar.v3``."""
    from importlib.resources import files

    documents = files("googleapiclient.discovery_cache") / "documents"
    document: JSON = json.loads((documents / f"{name}.json").read_text())
    return document


@dataclass(frozen=True)
class Route:
    api: str  # discovery document name
    method_id: str  # e.g. "calendar.events.insert"
    http_method: str
    pattern: re.Pattern[str]  # from flatPath where there is one: it tells spaces from records
    params: re.Pattern[str]  # from path: the parameters the client filled in
    literal_length: int
    spec: JSON

    @property
    def document(self) -> JSON:
        return discovery_document(self.api)


def _path_pattern(template: str) -> tuple[re.Pattern[str], int]:
    parts: list[str] = []
    literal = 0
    for piece in re.split(r"(\{\+?[A-Za-z0-9_]+\})", template):
        if piece.startswith("{+"):
            parts.append(f"(?P<{piece[2:-1]}>.+)")
        elif piece.startswith("{"):
            parts.append(f"(?P<{piece[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(piece))
            literal += len(piece)
    return re.compile("".join(parts) + r"\Z"), literal


def _methods(resources: JSON) -> Iterator[JSON]:
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from _methods(resource.get("resources", {}))


@functools.cache
def _routes() -> tuple[Route, ...]:
    routes = []
    for api in ("calendar.v3", "admin.directory_v1", "meet.v2"):
        document = discovery_document(api)
        mount = "/" + document["servicePath"]
        for method in _methods(document["resources"]):
            pattern, literal = _path_pattern(mount + method.get("flatPath", method["path"]))
            params, _ = _path_pattern(mount + method["path"])
            routes.append(
                Route(api, method["id"], method["httpMethod"], pattern, params, literal, method)
            )
    return tuple(sorted(routes, key=lambda route: -route.literal_length))


def _match_route(http_method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in _routes():
        if route.http_method != http_method:
            continue
        if route.pattern.match(path):
            match = route.params.match(path)
            assert match is not None
            params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
            return route, params
    return None


def _coerce_parameter(name: str, spec: JSON, raw: str) -> Any:
    kind = spec.get("type", "string")
    value: Any = raw
    if kind == "integer":
        try:
            value = int(raw)
        except ValueError:
            raise _invalid_parameter(name, raw) from None
        if "minimum" in spec and value < int(spec["minimum"]):
            raise _invalid_parameter(name, raw)
        if "maximum" in spec and value > int(spec["maximum"]):
            raise _invalid_parameter(name, raw)
    elif kind == "boolean":
        if raw not in ("true", "false"):
            raise _invalid_parameter(name, raw)
        value = raw == "true"
    if "enum" in spec and raw not in spec["enum"]:
        raise _invalid_parameter(name, raw)
    return value


def _invalid_parameter(name: str, raw: str) -> GoogleError:
    return GoogleError(
        400,
        "invalidParameter",
        f"Invalid value '{raw}' for parameter {name}.",
        location=name,
        location_type="parameter",
    )


def _parse_query(route: Route, query: dict[str, list[str]]) -> dict[str, Any]:
    specs = {**route.document.get("parameters", {}), **route.spec.get("parameters", {})}
    parsed: dict[str, Any] = {}
    for name, values in query.items():
        spec = specs.get(name)
        if spec is None or spec.get("location") == "path":
            raise _bad_request(
                f'Invalid JSON payload received. Unknown name "{name}": '
                "Cannot bind query parameter.",
                location=name,
            )
        coerced = [_coerce_parameter(name, spec, value) for value in values]
        if spec.get("repeated"):
            parsed[name] = coerced
        elif len(coerced) > 1:
            raise _bad_request(f"Parameter {name} may be given only once.", location=name)
        else:
            parsed[name] = coerced[0]
    for name, spec in specs.items():
        if spec.get("required") and spec.get("location") == "query" and name not in parsed:
            raise GoogleError(400, "required", "Required parameter: " + name, location=name)
    return parsed


def schema_errors(document: JSON, schema: JSON, value: Any, where: str = "resource") -> list[str]:
    """What is wrong with `value` against a discovery schema: unknown names, bad types, enums."""
    if value is None:
        return []  # JSON null clears a field
    ref = schema.get("$ref")
    if ref:
        return _object_errors(document, ref, document["schemas"][ref], value, where)
    kind = schema.get("type", "any")
    if kind == "object":
        return _object_errors(document, "", schema, value, where)
    if kind == "array":
        if not isinstance(value, list):
            return [f"Invalid value at '{where}': expected a list"]
        item_schema = schema.get("items", {})
        return [
            error
            for index, item in enumerate(value)
            for error in schema_errors(document, item_schema, item, f"{where}[{index}]")
        ]
    return _scalar_errors(kind, schema, value, where)


def _object_errors(document: JSON, name: str, schema: JSON, value: Any, where: str) -> list[str]:
    if schema.get("type") != "object":
        return schema_errors(document, schema, value, where)
    if not isinstance(value, dict):
        return [f"Invalid value at '{where}': expected an object"]
    properties = schema.get("properties")
    additional = schema.get("additionalProperties")
    errors = []
    for key, item in value.items():
        if properties is not None and key in properties:
            errors += schema_errors(document, properties[key], item, f"{where}.{key}")
            allowed = _DOCUMENTED_ENUMS.get((name, key))
            if allowed is not None and item is not None and item not in allowed:
                errors.append(f"Invalid value at '{where}.{key}' ({item!r})")
        elif additional is not None:
            errors += schema_errors(document, additional, item, f"{where}.{key}")
        else:
            errors.append(f'Invalid JSON payload received. Unknown name "{key}" at \'{where}\': '
                          "Cannot find field.")  # fmt: skip
    return errors


def _scalar_errors(kind: str, schema: JSON, value: Any, where: str) -> list[str]:
    if kind == "string":
        ok = isinstance(value, str) or (
            schema.get("format") in ("int64", "uint64") and isinstance(value, int)
        )
        if ok and "enum" in schema and value not in schema["enum"]:
            return [f"Invalid value at '{where}' ({value!r})"]
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    else:
        ok = True
    return [] if ok else [f"Invalid value at '{where}' ({value!r}): expected {kind}"]


def _check_body(route: Route, body: Any) -> None:
    request = route.spec.get("request")
    if request is None:
        return
    errors = schema_errors(route.document, request, body)
    if errors:
        raise _bad_request(errors[0])


# ====================================================================== time


def rfc3339(moment: datetime) -> str:
    """Google's form: UTC with milliseconds and Z, e.g. ``2026-11-23T09:00:00.000Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse_rfc3339(text: str, where: str) -> datetime:
    """An RFC 3339 timestamp with an offset; Google answers 400 without one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _bad_request(
            f"Bad Request: {where} is not an RFC 3339 timestamp", "badRequest"
        ) from None
    if moment.tzinfo is None:
        raise _bad_request(f"Bad Request: {where} has no time zone offset", "badRequest")
    return moment


def _event_time(when: JSON, zone: str, where: str) -> datetime:
    """The start or end of an event as an aware datetime (all-day: midnight in `zone`)."""
    if "dateTime" in when and when["dateTime"] is not None:
        moment = parse_rfc3339(when["dateTime"], where)
        if when.get("timeZone"):
            moment = moment.astimezone(_zone(when["timeZone"]))
        return moment
    if when.get("date"):
        try:
            day = date.fromisoformat(when["date"])
        except ValueError:
            raise _bad_request(f"Invalid {where}.date", "invalid") from None
        return datetime(day.year, day.month, day.day, tzinfo=_zone(zone))
    raise GoogleError(400, "required", f"Missing {where} time.")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise _bad_request(f"Invalid time zone definition: {name}", "timeZoneInvalid") from None


def _event_time_json(moment: datetime, template: JSON) -> JSON:
    """A start/end like `template` (date or dateTime + timeZone) at `moment`."""
    if "date" in template and "dateTime" not in template:
        return {"date": moment.date().isoformat()}
    out: JSON = {"dateTime": moment.isoformat(timespec="seconds")}
    if template.get("timeZone"):
        out["timeZone"] = template["timeZone"]
    return out


# ====================================================================== state


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
class _Fault:
    status: int
    reason: str
    message: str
    domain: str
    retry_after: int | None
    remaining: int
    methods: frozenset[str] | None


@dataclass
class _Page:
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


# ====================================================================== the fake


class FakeGoogle:
    """``with FakeGoogle() as google:`` a fake Google on loopback; see the module docstring."""

    def __init__(
        self,
        *,
        domain: str = "example.com",
        customer_id: str = "C01fake",
        latency: float = 0.0,
        meet_pending_reads: int = 0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.domain = domain
        self.customer_id = customer_id
        self.latency = latency
        #: how many reads after the write still answer a new Meet ``pending`` (the write does)
        self.meet_pending_reads = meet_pending_reads
        self.now = now or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.calls: list[SeenCall] = []
        self.round_trips: list[RoundTrip] = []
        self.users: dict[str, User] = {}
        self.rooms: dict[str, Room] = {}
        self.calendars: dict[str, Calendar] = {}
        self.service_accounts: dict[str, ServiceAccount] = {}
        self.oauth_clients: dict[str, str] = {}  # client id -> secret
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        self.auth_codes: dict[str, RefreshGrant] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.spaces: dict[str, JSON] = {}
        #: tracebacks of the fake's own failures (answered 500): a test may assert it is empty
        self.internal_errors: list[str] = []
        self._clock = itertools.count(1)
        self._sync_tokens: dict[str, tuple[str, int]] = {}
        self._pages: dict[str, _Page] = {}
        self._faults: list[_Fault] = []
        self._pending_meets: dict[tuple[str, str], int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        assert self._server is not None, "start the fake first"
        port: int = self._server.server_address[1]
        return port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def token_uri(self) -> str:
        return self.url + "token"

    @property
    def calendar_endpoint(self) -> str:
        """``client_options={"api_endpoint": ...}`` for ``build("calendar", "v3", ...)``."""
        return self.url + "calendar/v3/"

    @property
    def batch_uri(self) -> str:
        """``new_batch_http_request(batch_uri=...)``: the client ignores api_endpoint for it."""
        return self.url + "batch/calendar/v3"

    @property
    def admin_endpoint(self) -> str:
        """api_endpoint for ``build("admin", "directory_v1", ...)``."""
        return self.url

    @property
    def meet_endpoint(self) -> str:
        """api_endpoint for ``build("meet", "v2", ...)``."""
        return self.url

    def start(self) -> FakeGoogle:
        fake = self

        class Handler(_Handler):
            google = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="fake-google", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        # handle_request with no timeout, woken by a connection on stop: no timed waits,
        # which libfaketime would stretch.
        assert self._server is not None
        self._server.timeout = None
        while not self._stopping:
            self._server.handle_request()

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping = True
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port)).close()
        assert self._thread is not None
        self._thread.join()
        self._server.server_close()
        self._server = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ arranging

    def add_user(
        self,
        email: str,
        name: str | None = None,
        *,
        suspended: bool = False,
        is_admin: bool = False,
        meet_enabled: bool = True,
        time_zone: str = "UTC",
    ) -> User:
        """A user of the domain, with a primary calendar whose id is the email."""
        with self.lock:
            user = User(email, name or email.split("@")[0].title(), suspended=suspended,
                        is_admin=is_admin, meet_enabled=meet_enabled)  # fmt: skip
            self.users[email] = user
            self.calendars.setdefault(
                email, Calendar(email, email, owner=email, time_zone=time_zone)
            )
            return user

    def add_calendar(
        self,
        calendar_id: str,
        *,
        owner: str | None = None,
        summary: str | None = None,
        acl: dict[str, str] | None = None,
        time_zone: str = "UTC",
    ) -> Calendar:
        """A calendar; `acl` maps an email, "domain" (any user of the domain) or "default"
        (anyone) to a role: freeBusyReader, reader, writer or owner."""
        with self.lock:
            calendar = Calendar(calendar_id, summary or calendar_id, owner, time_zone,
                                dict(acl or {}))  # fmt: skip
            self.calendars[calendar_id] = calendar
            return calendar

    def add_room(
        self,
        email: str,
        name: str,
        *,
        capacity: int | None = None,
        building_id: str | None = None,
        floor_name: str | None = None,
        domain_role: str = "reader",
        auto_accept: bool = True,
    ) -> Room:
        """A room resource (Directory) with its calendar; it accepts invitations when free."""
        with self.lock:
            room = Room(email, name, capacity, building_id, str(len(self.rooms) + 1000),
                        floor_name)  # fmt: skip
            self.rooms[email] = room
            calendar = self.add_calendar(email, summary=name, acl={"domain": domain_role})
            calendar.is_room = True
            calendar.auto_accept = auto_accept
            return room

    def service_account_key_file(
        self,
        path: Path,
        *,
        client_email: str | None = None,
        delegated_scopes: tuple[str, ...] = DEFAULT_DELEGATED_SCOPES,
    ) -> Path:
        """Write a service-account key file whose ``token_uri`` is this fake's, and register
        the account with domain-wide delegation for `delegated_scopes`."""
        from cryptography.hazmat.primitives import serialization

        key = _rsa_key()
        email = client_email or "panelist@fake-project.iam.gserviceaccount.com"
        client_id = str(100000000000000000000 + len(self.service_accounts))
        key_id = secrets.token_hex(20)
        with self.lock:
            self.service_accounts[email] = ServiceAccount(
                email, client_id, key_id, key.public_key(), frozenset(delegated_scopes)
            )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        info = {
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": client_id,
            "auth_uri": self.url + "o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": self.url + "oauth2/v1/certs",
            "client_x509_cert_url": self.url + "robot/v1/metadata/x509/" + email,
            "universe_domain": "googleapis.com",
        }
        path.write_text(json.dumps(info, indent=2))
        return path

    def delegate(self, scopes: tuple[str, ...], *, client_email: str | None = None) -> None:
        """The admin changes the scopes granted to a service account (default: the last one)."""
        with self.lock:
            self._service_account(client_email).delegated_scopes = frozenset(scopes)

    def disable_service_account(self, client_email: str | None = None) -> None:
        """The key is deleted / the account disabled: its JWTs now get ``invalid_grant``."""
        with self.lock:
            account = self._service_account(client_email)
            account.disabled = True
            self._drop_tokens(lambda grant: grant.client == account.client_email)

    def _service_account(self, client_email: str | None) -> ServiceAccount:
        if client_email is None:
            return list(self.service_accounts.values())[-1]
        return self.service_accounts[client_email]

    def add_oauth_client(self, client_id: str = "fake-client.apps.googleusercontent.com",
                         client_secret: str = "fake-secret") -> tuple[str, str]:  # fmt: skip
        """An OAuth client (installed app) for the per-person flow."""
        with self.lock:
            self.oauth_clients[client_id] = client_secret
        return client_id, client_secret

    def authorization_code(self, client_id: str, subject: str, scopes: tuple[str, ...]) -> str:
        """What the person's browser would bring back after consenting: a one-time code."""
        code = "4/fake-" + secrets.token_urlsafe(12)
        with self.lock:
            self.auth_codes[code] = RefreshGrant(client_id, subject, frozenset(scopes))
        return code

    def refresh_token(self, client_id: str, subject: str, scopes: tuple[str, ...]) -> str:
        """A refresh token the person granted `client_id` (as if the code flow had run)."""
        token = "1//fake-" + secrets.token_urlsafe(24)
        with self.lock:
            self.refresh_tokens[token] = RefreshGrant(client_id, subject, frozenset(scopes))
        return token

    def revoke(self, refresh_token: str) -> None:
        """The person revokes the grant: refreshing answers ``invalid_grant``."""
        with self.lock:
            grant = self.refresh_tokens[refresh_token]
            grant.revoked = True
            self._drop_tokens(lambda g: g.client == grant.client_id and g.subject == grant.subject)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now gets 401 (clients refresh and retry)."""
        with self.lock:
            self.access_tokens.clear()

    def _drop_tokens(self, matches: Callable[[Grant], bool]) -> None:
        for token, grant in list(self.access_tokens.items()):
            if matches(grant):
                del self.access_tokens[token]

    # ------------------------------------------------------------------ faults and inspection

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 403,
        reason: str = "rateLimitExceeded",
        message: str | None = None,
        domain: str | None = None,
        retry_after: int | None = None,
        methods: tuple[str, ...] | None = None,
    ) -> None:
        """The next `count` API calls (of `methods`, discovery ids, if given) fail so.

        403 rateLimitExceeded (domain usageLimits) is Google's quota answer; 429 with
        ``retry_after`` sends a Retry-After header; 500 backendError / 503 for the 5xx."""
        if domain is None:
            domain = "usageLimits" if reason in _USAGE_LIMIT_REASONS else "global"
        with self.lock:
            self._faults.append(_Fault(
                status, reason, message or _FAULT_MESSAGES.get(reason, reason), domain,
                retry_after, count, frozenset(methods) if methods else None,
            ))  # fmt: skip

    def calls_of(self, api_method: str) -> list[SeenCall]:
        """The calls of one discovery method, e.g. ``"calendar.events.insert"``."""
        with self.lock:
            return [call for call in self.calls if call.api_method == api_method]

    def clear_log(self) -> None:
        with self.lock:
            self.calls.clear()
            self.round_trips.clear()

    def expire_sync_tokens(self) -> None:
        """Every sync token handed out so far now gets 410 Gone."""
        with self.lock:
            self._sync_tokens.clear()

    # ------------------------------------------------------------------ HTTP entry points

    def handle_http(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if self.latency:
            time.sleep(self.latency)
        path = urllib.parse.urlsplit(target).path
        if path == "/token":
            status, out_headers, payload = self._token_http(method, headers, body)
        elif path.startswith("/batch/"):
            status, out_headers, payload = self._batch_http(method, headers, body)
        else:
            status, out_headers, payload = self.handle_call(method, target, headers, body)
        with self.lock:
            self.round_trips.append(RoundTrip(method, path, status))
        return status, out_headers, payload

    def handle_call(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        *,
        in_batch: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        """One API call: route, authorise, validate, run; Google's JSON either way."""
        split = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        parsed_body: Any = None
        route_id: str | None = None
        grant: Grant | None = None
        response_headers = {"Content-Type": "application/json; charset=UTF-8"}
        try:
            if body:
                try:
                    parsed_body = json.loads(body)
                except ValueError:
                    raise _bad_request("Parse Error", "parseError") from None
            matched = _match_route(method, split.path)
            if matched is None:
                raise _not_found()
            route, params = matched
            route_id = route.method_id
            grant = self._authorise(route, headers)
            self._inject_fault(route.method_id)
            call = Call(route, params, _parse_query(route, query), parsed_body, grant)
            _check_body(route, parsed_body)
            handler = _HANDLERS.get(route.method_id)
            if handler is None:
                raise GoogleError(501, "notImplemented", f"{route.method_id} is not faked")
            with self.lock:
                status, answer = handler(self, call)
            payload = b"" if answer is None else json.dumps(answer).encode()
            if answer is None:
                response_headers = {}
        except GoogleError as error:
            status, payload = error.status, json.dumps(error.body()).encode()
            response_headers.update(error.headers)
        except Exception as error:  # a bug of the fake: say so, in the answer and in the log
            self.internal_errors.append(traceback.format_exc())
            failure = GoogleError(500, "backendError", f"fake Google failed: {error!r}")
            status, payload = 500, json.dumps(failure.body()).encode()
        with self.lock:
            self.calls.append(SeenCall(
                method, split.path + (f"?{split.query}" if split.query else ""), query,
                parsed_body, route_id, status, grant.subject if grant else None, in_batch,
                dict(headers),
            ))  # fmt: skip
        return status, response_headers, payload

    def _authorise(self, route: Route, headers: dict[str, str]) -> Grant:
        authorization = _header(headers, "authorization") or ""
        token = authorization.removeprefix("Bearer ").strip()
        with self.lock:
            grant = self.access_tokens.get(token)
        if grant is None:
            raise GoogleError(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                location="Authorization",
                location_type="header",
            )
        if not grant.scopes & set(route.spec.get("scopes", ())):
            raise GoogleError(
                403,
                "insufficientPermissions",
                "Request had insufficient authentication scopes.",
            )
        return grant

    def _inject_fault(self, method_id: str) -> None:
        with self.lock:
            for fault in self._faults:
                if fault.remaining > 0 and (fault.methods is None or method_id in fault.methods):
                    fault.remaining -= 1
                    headers = {}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(fault.retry_after)
                    raise GoogleError(fault.status, fault.reason, fault.message,
                                      domain=fault.domain, headers=headers)  # fmt: skip
            self._faults = [fault for fault in self._faults if fault.remaining > 0]

    # ------------------------------------------------------------------ token endpoint

    def _token_http(
        self, method: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        try:
            if method != "POST":
                raise OAuthError("invalid_request", "Use POST", 405)
            answer = self._token(form, headers)
            status = 200
        except OAuthError as error:
            status = error.status
            answer = {"error": error.error, "error_description": error.description}
        with self.lock:
            shown = {k: v for k, v in form.items() if k in ("grant_type", "client_id", "scope")}
            self.calls.append(SeenCall(method, "/token", {k: [v] for k, v in shown.items()},
                                       None, "oauth2.token", status, None, False))  # fmt: skip
        headers_out = {"Content-Type": "application/json; charset=utf-8"}
        return status, headers_out, json.dumps(answer).encode()

    def _token(self, form: dict[str, str], headers: dict[str, str]) -> JSON:
        grant_type = form.get("grant_type")
        if grant_type == JWT_BEARER:
            grant = self._jwt_grant(form.get("assertion", ""))
        elif grant_type == "refresh_token":
            grant = self._refresh_grant(form, headers)
        elif grant_type == "authorization_code":
            return self._code_grant(form, headers)
        else:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        return self._issue(grant)

    def _issue(self, grant: Grant) -> JSON:
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[token] = grant
        return {
            "access_token": token,
            "expires_in": 3599,
            "scope": " ".join(sorted(grant.scopes)),
            "token_type": "Bearer",
        }

    def issue_token(self, subject: str | None, scopes: tuple[str, ...] = (CALENDAR_SCOPE,)) -> str:
        """An access token for `subject`, for tests that build ``Credentials(token=...)``."""
        return str(self._issue(Grant(subject, frozenset(scopes), "test"))["access_token"])

    def _jwt_grant(self, assertion: str) -> Grant:
        header, claims = _verify_jwt(assertion, self._service_account_key)
        account = self.service_accounts[claims["iss"]]
        if header.get("kid") not in (None, account.key_id):
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        if claims.get("aud") not in (
            GOOGLE_TOKEN_URI,
            self.token_uri,
        ):  # google-auth sends the former
            raise OAuthError("invalid_grant", "Invalid JWT: Failed audience check.")
        issued, expires = claims.get("iat"), claims.get("exp")
        if (
            not isinstance(issued, int)
            or not isinstance(expires, int)
            or not (0 < expires - issued <= 3600)
        ):
            raise OAuthError("invalid_grant", "Invalid JWT: Token must be a short-lived token "
                             "(60 minutes) and in a reasonable timeframe.")  # fmt: skip
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes:
            raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        subject = claims.get("sub")
        if subject is not None:
            self._check_delegation(account, subject, scopes)
        return Grant(subject, scopes, account.client_email)

    def _service_account_key(self, issuer: str) -> Any:
        with self.lock:
            account = self.service_accounts.get(issuer)
        if account is None or account.disabled:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        return account.public_key

    def _check_delegation(
        self, account: ServiceAccount, subject: str, scopes: frozenset[str]
    ) -> None:
        if not scopes <= account.delegated_scopes:
            raise OAuthError(
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or "
                "client not authorized for any of the scopes requested.",
                401,
            )
        user = self.users.get(subject)
        if user is None or user.suspended:
            raise OAuthError("invalid_grant", "Invalid email or User ID")

    def _client(self, form: dict[str, str], headers: dict[str, str]) -> str:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = (_header(headers, "authorization") or "").removeprefix("Basic ")
        if client_id is None and basic:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        if client_id is None or self.oauth_clients.get(client_id) != secret:
            raise OAuthError("invalid_client", "The OAuth client was not found.", 401)
        return client_id

    def _refresh_grant(self, form: dict[str, str], headers: dict[str, str]) -> Grant:
        client_id = self._client(form, headers)
        with self.lock:
            grant = self.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant.revoked or grant.client_id != client_id:
            raise OAuthError("invalid_grant", "Token has been expired or revoked.")
        user = self.users.get(grant.subject)
        if user is None or user.suspended:
            raise OAuthError("invalid_grant", "Token has been expired or revoked.")
        scopes = grant.scopes
        if form.get("scope"):
            asked = frozenset(form["scope"].split())
            if not asked <= grant.scopes:
                raise OAuthError("invalid_scope", "The requested scope is not granted.")
            scopes = asked
        return Grant(grant.subject, scopes, client_id)

    def _code_grant(self, form: dict[str, str], headers: dict[str, str]) -> JSON:
        client_id = self._client(form, headers)
        with self.lock:
            grant = self.auth_codes.pop(form.get("code", ""), None)
        if grant is None or grant.client_id != client_id:
            raise OAuthError("invalid_grant", "Malformed auth code.")
        answer = self._issue(Grant(grant.subject, grant.scopes, client_id))
        answer["refresh_token"] = self.refresh_token(client_id, grant.subject, tuple(grant.scopes))
        return answer

    # ------------------------------------------------------------------ batch

    def _batch_http(
        self, method: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        json_headers = {"Content-Type": "application/json; charset=UTF-8"}
        content_type = _header(headers, "content-type") or ""
        if method != "POST" or not content_type.startswith("multipart/mixed"):
            error = _bad_request("Batch requests must be multipart/mixed POSTs")
            return 400, json_headers, json.dumps(error.body()).encode()
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        parts = list(message.iter_parts())
        if len(parts) > MAX_BATCH_PARTS:
            error = _bad_request(f"Too many requests in batch: {len(parts)} > {MAX_BATCH_PARTS}")
            return 400, json_headers, json.dumps(error.body()).encode()
        boundary = "batch_" + secrets.token_hex(12)
        chunks = []
        for part in parts:
            answer = self._batch_part(part, headers)
            content_id = part.get("Content-ID")
            head = "Content-Type: application/http\r\n"
            if content_id:
                head += f"Content-ID: <response-{str(content_id).strip().lstrip('<')}\r\n"
            chunks.append(f"--{boundary}\r\n{head}\r\n".encode() + answer + b"\r\n")
        chunks.append(f"--{boundary}--\r\n".encode())
        return 200, {"Content-Type": f"multipart/mixed; boundary={boundary}"}, b"".join(chunks)

    def _batch_part(self, part: Any, outer_headers: dict[str, str]) -> bytes:
        raw: bytes = part.get_payload(decode=True) or b""
        head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        request_line, *header_lines = head.decode().split("\n")
        method, target, _ = request_line.split(" ", 2)
        inner = {k: v for k, v in outer_headers.items() if k.lower() == "authorization"}
        for line in header_lines:
            name, _, value = line.partition(":")
            inner[name.strip()] = value.strip()
        status, headers, payload = self.handle_call(method, target, inner, body, in_batch=True)
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(payload)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    # ------------------------------------------------------------------ calendar helpers

    def _tick(self) -> int:
        return next(self._clock)

    def calendar(self, calendar_id: str) -> Calendar:
        return self.calendars[calendar_id]

    def _role(self, calendar: Calendar, subject: str | None) -> str:
        if subject is not None and subject == calendar.owner:
            return "owner"
        roles = [calendar.acl.get("default", "none")]
        if subject is not None:
            roles.append(calendar.acl.get(subject, "none"))
            if subject.endswith("@" + self.domain):
                roles.append(calendar.acl.get("domain", "none"))
        return max(roles, key=ROLES.index)

    def _open(self, call: Call, needed: str) -> Calendar:
        """The calendar of the call's path, if the caller may `needed` it; else Google's 404/403."""
        calendar_id = call.params["calendarId"]
        if calendar_id == "primary" and call.grant.subject:
            calendar_id = call.grant.subject
        calendar = self.calendars.get(calendar_id)
        if calendar is None:
            raise _not_found()
        role = self._role(calendar, call.grant.subject)
        if role == "none":
            raise _not_found()
        if ROLES.index(role) < ROLES.index(needed):
            message = f"You need to have {needed} access to this calendar."
            raise GoogleError(403, "requiredAccessLevel", message)
        return calendar

    def _store(self, calendar: Calendar, event: JSON) -> None:
        stamp = self._tick()
        event["updated"] = rfc3339(self.now())
        event["etag"] = f'"{3000000000000000 + stamp}"'
        calendar.events[event["id"]] = event
        calendar.changed[event["id"]] = stamp

    def _sync_token(self, calendar: Calendar) -> str:
        token = "CP" + base64.urlsafe_b64encode(secrets.token_bytes(12)).decode().rstrip("=")
        self._sync_tokens[token] = (calendar.id, next(self._clock))
        return token

    def _new_event(self, calendar: Calendar, body: JSON, organizer: str | None) -> JSON:
        now = rfc3339(self.now())
        event_id = body.get("id") or _new_event_id()
        event: JSON = {
            "kind": "calendar#event",
            "id": event_id,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": now,
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "creator": {"email": organizer or calendar.id},
            "organizer": {"email": calendar.id, "self": True},
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        if calendar.id in self.users:
            event["organizer"]["displayName"] = self.users[calendar.id].name
        return event

    # ------------------------------------------------------------------ "another client"

    def put_event(self, calendar_id: str, event: JSON) -> JSON:
        """Another client writes `event` (a Calendar event resource) into a calendar."""
        with self.lock:
            calendar = self.calendars[calendar_id]
            stored = calendar.events.get(event.get("id", ""))
            base = stored if stored is not None else self._new_event(calendar, event, None)
            merged = {**copy.deepcopy(base), **copy.deepcopy(event)}
            _validate_event(merged, calendar)
            self._store(calendar, merged)
            self._propagate(calendar, merged)
            return copy.deepcopy(merged)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Another client deletes an event: it stays, ``status: cancelled``."""
        with self.lock:
            calendar = self.calendars[calendar_id]
            event = calendar.events[event_id]
            event["status"] = "cancelled"
            self._store(calendar, event)
            self._propagate(calendar, event)

    def respond(
        self, attendee: str, event_id: str, response: str, *, organizer_calendar: str | None = None
    ) -> None:
        """`attendee` answers an invitation from their own calendar app (accepted, declined,
        tentative, needsAction): the organizer's copy and every other copy change."""
        with self.lock:
            calendar = self._organizer_calendar(event_id, organizer_calendar)
            event = calendar.events[event_id]
            for person in event.get("attendees", []):
                if person.get("email") == attendee:
                    person["responseStatus"] = response
                    break
            else:
                raise KeyError(f"{attendee} is not invited to {event_id}")
            self._store(calendar, event)
            self._propagate(calendar, event)

    def override_instance(
        self, calendar_id: str, series_id: str, original_start: datetime | date, **changes: Any
    ) -> JSON:
        """Another client changes one occurrence of a series (e.g. ``start=…, end=…`` as
        Calendar JSON, or ``status="cancelled"``); returns the exception event."""
        with self.lock:
            calendar = self.calendars[calendar_id]
            instance = _instance(calendar, _instance_id(series_id, original_start))
            if instance is None:
                raise KeyError(f"{series_id} has no occurrence at {original_start}")
            instance.update(copy.deepcopy(changes))
            self._store(calendar, instance)
            return copy.deepcopy(instance)

    def event(self, calendar_id: str, event_id: str) -> JSON:
        """The stored event, as a test inspects it (a copy)."""
        with self.lock:
            return copy.deepcopy(self.calendars[calendar_id].events[event_id])

    def _organizer_calendar(self, event_id: str, calendar_id: str | None) -> Calendar:
        if calendar_id is not None:
            return self.calendars[calendar_id]
        for calendar in self.calendars.values():
            event = calendar.events.get(event_id)
            if event is not None and event.get("organizer", {}).get("email") == calendar.id:
                return calendar
        raise KeyError(f"no organizer calendar holds {event_id}")

    # ------------------------------------------------------------------ invitations

    def _propagate(self, calendar: Calendar, event: JSON) -> None:
        """Copies of the organizer's event in the attendees' calendars, as Google keeps them;
        a room answers by itself (accepted when free, declined when busy)."""
        if event.get("organizer", {}).get("email") != calendar.id:
            return
        invited = {person.get("email") for person in event.get("attendees", [])}
        for person in event.get("attendees", []):
            other = self.calendars.get(person.get("email", ""))
            if other is None or other.id == calendar.id:
                continue
            if (
                other.is_room
                and other.auto_accept
                and person.get("responseStatus", "needsAction") == "needsAction"
                and event.get("status") != "cancelled"
            ):
                person["responseStatus"] = (
                    "declined" if self._busy_for(other, event) else "accepted"
                )
        for other in self.calendars.values():
            if other.id == calendar.id:
                continue
            copy_ = other.events.get(event["id"])
            if other.id in invited:
                self._store(other, self._attendee_copy(event, other.id))
            elif copy_ is not None and copy_.get("status") != "cancelled":
                copy_["status"] = "cancelled"
                self._store(other, copy_)

    def _attendee_copy(self, event: JSON, calendar_id: str) -> JSON:
        out = copy.deepcopy(event)
        out["organizer"] = {k: v for k, v in out["organizer"].items() if k != "self"}
        properties = out.get("extendedProperties", {})
        properties.pop("private", None)  # private properties belong to one calendar's copy
        if not properties:
            out.pop("extendedProperties", None)
        for person in out.get("attendees", []):
            person.pop("self", None)
            if person.get("email") == calendar_id:
                person["self"] = True
        return out

    def _busy_for(self, calendar: Calendar, event: JSON) -> bool:
        start = _event_time(event["start"], calendar.time_zone, "start")
        end = _event_time(event["end"], calendar.time_zone, "end")
        for other_id, other in calendar.events.items():
            if other_id == event["id"] or other.get("status") == "cancelled":
                continue
            for busy_start, busy_end in _occurrences(calendar, other, start, end):
                if busy_start < end and busy_end > start and _blocks_time(other, calendar.id):
                    return True
        return False


# ====================================================================== events


def _new_event_id() -> str:
    return base64.b32hexencode(secrets.token_bytes(16)).decode().lower().rstrip("=")


def _instance_id(series_id: str, original_start: datetime | date) -> str:
    if isinstance(original_start, datetime):
        return f"{series_id}_{original_start.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{series_id}_{original_start:%Y%m%d}"


def _validate_event(event: JSON, calendar: Calendar) -> None:
    for key in ("start", "end"):
        if not isinstance(event.get(key), dict):
            raise GoogleError(400, "required", f"Missing {key} time.")
    start = _event_time(event["start"], calendar.time_zone, "start")
    end = _event_time(event["end"], calendar.time_zone, "end")
    if end < start:
        raise _bad_request("The specified time range is empty.", "timeRangeEmpty")
    for person in event.get("attendees", []):
        if not person.get("email"):
            raise GoogleError(400, "required", "Missing attendee email.")


def _blocks_time(event: JSON, calendar_id: str) -> bool:
    """Whether an event makes its calendar busy: opaque, and not declined by the owner."""
    if event.get("transparency") == "transparent" or event.get("status") == "cancelled":
        return False
    for person in event.get("attendees", []):
        if person.get("email") == calendar_id:
            return person.get("responseStatus") != "declined"
    return True


def _merge_patch(target: JSON, patch: JSON) -> None:
    """Google's patch: named fields replace; nested objects merge; arrays replace; null clears."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


_READ_ONLY = ("kind", "etag", "htmlLink", "created", "updated", "iCalUID", "creator",
              "organizer", "hangoutLink", "recurringEventId", "originalStartTime")  # fmt: skip


def _with_previous_responses(new: list[JSON], old: list[JSON]) -> list[JSON]:
    answers = {p.get("email"): p.get("responseStatus") for p in old}
    out = []
    for person in new:
        person = dict(person)
        if "responseStatus" not in person:
            person["responseStatus"] = answers.get(person.get("email")) or "needsAction"
        out.append(person)
    return out


def _public_view(event: JSON) -> JSON:
    return copy.deepcopy(event)


def _view(role: str, event: JSON, subject: str | None) -> JSON:
    """An event as someone with `role` on its calendar sees it: a free/busy reader, or a
    reader of a private event they are not invited to, sees when and not what."""
    if role == "freeBusyReader":
        return _busy_view(event)
    if role == "reader" and event.get("visibility") in ("private", "confidential"):
        invited = {p.get("email") for p in event.get("attendees", [])}
        invited.add(event.get("organizer", {}).get("email"))
        if subject not in invited:
            return _busy_view(event)
    return _public_view(event)


def _busy_view(event: JSON) -> JSON:
    """What a freeBusyReader sees of an event: when, not what."""
    keep = ("kind", "etag", "id", "status", "start", "end", "updated", "recurringEventId",
            "originalStartTime", "transparency")  # fmt: skip
    return {k: copy.deepcopy(v) for k, v in event.items() if k in keep}


def _cancelled_view(event: JSON) -> JSON:
    keep = ("kind", "etag", "id", "status", "updated", "recurringEventId", "originalStartTime")
    return {k: copy.deepcopy(v) for k, v in event.items() if k in keep}


# ------------------------------------------------------------------ recurrence


def _series_rule(event: JSON, start: datetime) -> Any:
    from dateutil.rrule import rruleset, rrulestr

    lines = [line for line in event.get("recurrence", []) if line.strip()]
    try:
        rules = rrulestr("\n".join(lines), dtstart=start, forceset=True, unfold=True)
    except (ValueError, TypeError) as error:
        raise _bad_request(f"Invalid recurrence rule: {error}", "invalid") from None
    assert isinstance(rules, rruleset)
    return rules


def _occurrence_starts(event: JSON, zone: str, low: datetime, high: datetime) -> list[datetime]:
    """Starts of a series' occurrences in [low, high)."""
    start = _event_time(event["start"], zone, "start")
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


def _occurrences(
    calendar: Calendar, event: JSON, low: datetime, high: datetime
) -> list[tuple[datetime, datetime]]:
    """(start, end) of an event or each occurrence of a series overlapping [low, high),
    overridden occurrences excluded (their exception events stand for them)."""
    start = _event_time(event["start"], calendar.time_zone, "start")
    end = _event_time(event["end"], calendar.time_zone, "end")
    if not event.get("recurrence"):
        return [(start, end)] if start < high and end > low else []
    length = end - start
    out = []
    for begin in _occurrence_starts(event, calendar.time_zone, low - length, high):
        instance_id = _instance_id(
            event["id"], begin if "dateTime" in event["start"] else begin.date()
        )
        if instance_id in calendar.events:
            continue
        if begin < high and begin + length > low:
            out.append((begin, begin + length))
    return out


def _instance(calendar: Calendar, instance_id: str) -> JSON | None:
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
            original = datetime(day.year, day.month, day.day, tzinfo=_zone(calendar.time_zone))
    except ValueError:
        return None
    starts = _occurrence_starts(
        series, calendar.time_zone, original, original + timedelta(seconds=1)
    )
    if not starts:
        return None
    return _materialise(series, calendar, starts[0])


def _materialise(series: JSON, calendar: Calendar, begin: datetime) -> JSON:
    start = _event_time(series["start"], calendar.time_zone, "start")
    end = _event_time(series["end"], calendar.time_zone, "end")
    timed = "dateTime" in series["start"]
    instance = copy.deepcopy(series)
    instance.pop("recurrence", None)
    instance["id"] = _instance_id(series["id"], begin if timed else begin.date())
    instance["recurringEventId"] = series["id"]
    instance["originalStartTime"] = _event_time_json(begin, series["start"])
    instance["start"] = _event_time_json(begin, series["start"])
    instance["end"] = _event_time_json(begin + (end - start), series["end"])
    return instance


# ====================================================================== handlers

Handler = Callable[[FakeGoogle, Call], tuple[int, JSON | None]]
_HANDLERS: dict[str, Handler] = {}


def _handles(method_id: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        _HANDLERS[method_id] = function
        return function

    return register


def _readable(fake: FakeGoogle, calendar: Calendar, call: Call, event: JSON) -> JSON:
    """An event as the caller may see it; a pending Meet may turn to success on this read."""
    _advance_meet(fake, calendar, event)
    return _view(fake._role(calendar, call.grant.subject), event, call.grant.subject)


@_handles("calendar.events.insert")
def _events_insert(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "writer")
    body: JSON = call.body or {}
    if "id" in body:
        if not isinstance(body["id"], str) or not _EVENT_ID.fullmatch(body["id"]):
            raise _bad_request("Invalid resource id value.")
        if body["id"] in calendar.events:
            raise GoogleError(409, "duplicate", "The requested identifier already exists.")
    event = fake._new_event(calendar, body, call.grant.subject)
    for key, value in body.items():
        if key not in _READ_ONLY and key != "conferenceData":
            event[key] = copy.deepcopy(value)
    if "attendees" in event:
        event["attendees"] = _with_previous_responses(event["attendees"], [])
    _validate_event(event, calendar)
    _apply_conference(fake, calendar, event, body, call.query)
    fake._store(calendar, event)
    fake._propagate(calendar, event)
    return 200, _public_view(event)


@_handles("calendar.events.get")
def _events_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    event = _instance(calendar, call.params["eventId"])
    if event is None:
        raise _not_found()
    return 200, _readable(fake, calendar, call, event)


def _writable_event(fake: FakeGoogle, call: Call) -> tuple[Calendar, JSON]:
    calendar = fake._open(call, "writer")
    event = _instance(calendar, call.params["eventId"])
    if event is None:
        raise _not_found()
    return calendar, copy.deepcopy(event)


@_handles("calendar.events.patch")
def _events_patch(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar, event = _writable_event(fake, call)
    body: JSON = call.body or {}
    before = copy.deepcopy(event)
    patch = {
        k: v for k, v in body.items() if k not in _READ_ONLY and k not in ("id", "conferenceData")
    }
    if "attendees" in patch and patch["attendees"] is not None:
        patch["attendees"] = _with_previous_responses(
            patch["attendees"], event.get("attendees", [])
        )
    _merge_patch(event, patch)
    return _finish_write(fake, calendar, call, before, event, body)


@_handles("calendar.events.update")
def _events_update(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar, event = _writable_event(fake, call)
    body: JSON = call.body or {}
    before = copy.deepcopy(event)
    kept = {
        k: v
        for k, v in event.items()
        if k in _READ_ONLY
        or k in ("id", "sequence", "status", "conferenceData", "reminders", "eventType")
    }
    event = {
        **kept,
        **{
            k: copy.deepcopy(v)
            for k, v in body.items()
            if k not in _READ_ONLY and k not in ("id", "conferenceData")
        },
    }
    if "attendees" in event:
        event["attendees"] = _with_previous_responses(
            event["attendees"], before.get("attendees", [])
        )
    return _finish_write(fake, calendar, call, before, event, body)


def _finish_write(
    fake: FakeGoogle, calendar: Calendar, call: Call, before: JSON, event: JSON, body: JSON
) -> tuple[int, JSON | None]:
    _validate_event(event, calendar)
    if any(before.get(k) != event.get(k) for k in ("start", "end", "recurrence", "location")):
        event["sequence"] = int(before.get("sequence", 0)) + 1
    if any(before.get(k) != event.get(k) for k in ("start", "end", "recurrence")):
        for person in event.get("attendees", []):
            if person.get("resource"):  # a room answers again for the new time
                person["responseStatus"] = "needsAction"
    _apply_conference(fake, calendar, event, body, call.query)
    fake._store(calendar, event)
    fake._propagate(calendar, event)
    return 200, _public_view(event)


@_handles("calendar.events.delete")
def _events_delete(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "writer")
    event = _instance(calendar, call.params["eventId"])
    if event is None:
        raise _not_found()
    if event.get("status") == "cancelled":
        raise GoogleError(410, "deleted", "Resource has been deleted")
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
    requestId the event already carries is ignored, a new one starts ``pending``."""
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
        raise _bad_request("Invalid conference type value.")
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
    if status == "pending":
        fake._pending_meets[(calendar.id, event["id"])] = fake.meet_pending_reads


def _advance_meet(fake: FakeGoogle, calendar: Calendar, event: JSON) -> None:
    key = (calendar.id, event.get("id", ""))
    if key not in fake._pending_meets:
        return
    if fake._pending_meets[key] > 0:
        fake._pending_meets[key] -= 1
        return
    del fake._pending_meets[key]
    code = _meeting_code()
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
    fake._store(calendar, event)
    fake._propagate(calendar, event)


def _meeting_code() -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    pick = lambda n: "".join(secrets.choice(letters) for _ in range(n))  # noqa: E731
    return f"{pick(3)}-{pick(4)}-{pick(3)}"


# ------------------------------------------------------------------ events.list


_SYNC_EXCLUSIVE = ("iCalUID", "orderBy", "privateExtendedProperty", "sharedExtendedProperty",
                   "q", "timeMin", "timeMax", "updatedMin")  # fmt: skip


@_handles("calendar.events.list")
def _events_list(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    query = call.query
    size = min(query.get("maxResults", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    if "pageToken" in query:
        page = fake._pages.get(query["pageToken"])
        if page is None:
            raise _bad_request("Invalid page token value.")
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
        fake._pages[token] = _Page(rest, page.sync_token, page.extra)
        answer["nextPageToken"] = token
    elif page.sync_token is not None:
        answer["nextSyncToken"] = page.sync_token
    return 200, answer


def _first_page(fake: FakeGoogle, calendar: Calendar, call: Call) -> _Page:
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
            raise _bad_request(f"The syncToken parameter cannot be combined with {clashing[0]}.")
        since = fake._sync_tokens.get(query["syncToken"])
        if since is None or since[0] != calendar.id:
            message = "Sync token is no longer valid, a full sync is required."
            raise GoogleError(410, "fullSyncRequired", message)
        events = _changed_since(calendar, since[1])
    else:
        events = _listed(fake, calendar, call)
    subject = call.grant.subject
    items = [
        _cancelled_view(e) if e.get("status") == "cancelled" else _view(role, e, subject)
        for e in events
    ]
    sync_token = None if "pageToken" in query else fake._sync_token(calendar)
    return _Page(items, sync_token, extra)


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
        raise _bad_request("The specified time range is empty.", "timeRangeEmpty")
    single = query.get("singleEvents", False)
    if query.get("orderBy") == "startTime" and not single:
        raise _bad_request("The requested ordering is not available for the particular query.")
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
    return _event_time(event["start"], calendar.time_zone, "start").astimezone(UTC)


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
            _occurrence_starts(
                series, calendar.time_zone, floor - _length(event, calendar), ceiling
            )
        )
    start = _event_time(event["start"], calendar.time_zone, "start")
    end = _event_time(event["end"], calendar.time_zone, "end")
    return start < ceiling and end > floor


def _length(event: JSON, calendar: Calendar) -> timedelta:
    return _event_time(event["end"], calendar.time_zone, "end") - _event_time(
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
    for begin, _ in _occurrences(calendar, series, floor, ceiling):
        instances.append(_materialise(series, calendar, begin))
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


@_handles("calendar.calendarList.list")
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


@_handles("calendar.calendarList.get")
def _calendar_list_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    role = fake._role(calendar, call.grant.subject)
    return 200, _calendar_entry(fake, calendar, role, call.grant.subject)


@_handles("calendar.calendars.get")
def _calendars_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    return 200, {"kind": "calendar#calendar", "etag": '"c"', "id": calendar.id,
                 "summary": calendar.summary, "timeZone": calendar.time_zone}  # fmt: skip


@_handles("calendar.events.instances")
def _events_instances(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    calendar = fake._open(call, "freeBusyReader")
    series = calendar.events.get(call.params["eventId"])
    if series is None or not series.get("recurrence"):
        raise _not_found()
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
    items = [_view(role, e, call.grant.subject) for e in found]
    return 200, {"kind": "calendar#events", "accessRole": role, "items": items}


# ------------------------------------------------------------------ freeBusy


@_handles("calendar.freebusy.query")
def _freebusy(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    body: JSON = call.body or {}
    for name in ("timeMin", "timeMax"):
        if name not in body:
            raise GoogleError(400, "required", f"Missing {name} parameter.")
    low = parse_rfc3339(body["timeMin"], "timeMin")
    high = parse_rfc3339(body["timeMax"], "timeMax")
    if high <= low:
        raise _bad_request("The specified time range is empty.", "timeRangeEmpty")
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
        if _blocks_time(event, calendar.id)
        for span in _occurrences(calendar, event, low, high)
    )
    merged: list[list[datetime]] = []
    for start, end in spans:
        start, end = max(start, low), min(end, high)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return {"busy": [{"start": rfc3339(s), "end": rfc3339(e)} for s, e in merged]}


# ------------------------------------------------------------------ Directory and Meet


@_handles("directory.resources.calendars.list")
def _rooms_list(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    if call.params["customer"] not in ("my_customer", fake.customer_id):
        raise GoogleError(400, "badRequest", "Bad Request")
    _require_admin_view(fake, call)
    rooms = sorted(fake.rooms.values(), key=lambda room: room.resource_id)
    start = int(call.query.get("pageToken", "0") or 0)
    size = call.query.get("maxResults", 100)
    page = rooms[start : start + size]
    answer: JSON = {"kind": "admin#directory#resources#calendars#calendarResourcesList",
                    "etag": '"rooms"', "items": [room.to_json() for room in page]}  # fmt: skip
    if start + size < len(rooms):
        answer["nextPageToken"] = str(start + size)
    return 200, answer


@_handles("directory.users.get")
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


@_handles("meet.spaces.create")
def _spaces_create(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    user = fake.users.get(call.grant.subject or "")
    if user is None or not user.meet_enabled:
        raise GoogleError(403, "forbidden", "The caller does not have permission")
    code = _meeting_code()
    name = "spaces/" + secrets.token_urlsafe(9)
    space: JSON = {
        "name": name,
        "meetingUri": f"https://meet.google.com/{code}",
        "meetingCode": code,
        "config": {"accessType": "TRUSTED", "entryPointAccess": "ALL"},
    }
    _merge_patch(space["config"], (call.body or {}).get("config", {}))
    fake.spaces[name] = space
    return 200, copy.deepcopy(space)


@_handles("meet.spaces.get")
def _spaces_get(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    space = fake.spaces.get(call.params["name"])
    if space is None:
        raise GoogleError(404, "notFound", "Requested entity was not found.")
    return 200, copy.deepcopy(space)


@_handles("meet.spaces.patch")
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


@_handles("meet.spaces.endActiveConference")
def _spaces_end(fake: FakeGoogle, call: Call) -> tuple[int, JSON | None]:
    if call.params["name"] not in fake.spaces:
        raise GoogleError(404, "notFound", "Requested entity was not found.")
    return 200, {}


# ====================================================================== plumbing


_USAGE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
_FAULT_MESSAGES = {
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "quotaExceeded": "Calendar usage limits exceeded.",
    "backendError": "Backend Error",
}


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


@functools.cache
def _rsa_key() -> Any:
    """One RSA key per process: generating one costs ~0.1 s."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _verify_jwt(assertion: str, key_for: Callable[[str], Any]) -> tuple[JSON, JSON]:
    """Header and claims of an RS256 JWT signed by the service account's key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        header_b64, claims_b64, signature_b64 = assertion.split(".")
        header = json.loads(_b64decode(header_b64))
        claims = json.loads(_b64decode(claims_b64))
        signature = _b64decode(signature_b64)
    except ValueError:
        raise OAuthError("invalid_grant", "Invalid JWT: malformed assertion.") from None
    if header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", "Invalid JWT: unsupported algorithm.")
    public_key = key_for(str(claims.get("iss")))
    try:
        public_key.verify(signature, f"{header_b64}.{claims_b64}".encode(),
                          padding.PKCS1v15(), hashes.SHA256())  # fmt: skip
    except InvalidSignature:
        raise OAuthError("invalid_grant", "Invalid JWT Signature.") from None
    return header, claims


class _Handler(BaseHTTPRequestHandler):
    google: FakeGoogle
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key: value for key, value in self.headers.items()}
        status, out_headers, payload = self.google.handle_http(
            self.command, self.path, headers, body
        )
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass
