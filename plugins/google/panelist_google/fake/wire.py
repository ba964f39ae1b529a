"""What goes over the wire: Google's error format, routing and checks against the
discovery documents shipped in google-api-python-client, RFC 3339 times."""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
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


def bad_request(message: str, reason: str = "invalid", location: str | None = None) -> GoogleError:
    return GoogleError(400, reason, message, location=location)


def not_found() -> GoogleError:
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


def match_route(http_method: str, path: str) -> tuple[Route, dict[str, str]] | None:
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


def parse_query(route: Route, query: dict[str, list[str]]) -> dict[str, Any]:
    specs = {**route.document.get("parameters", {}), **route.spec.get("parameters", {})}
    parsed: dict[str, Any] = {}
    for name, values in query.items():
        spec = specs.get(name)
        if spec is None or spec.get("location") == "path":
            raise bad_request(
                f'Invalid JSON payload received. Unknown name "{name}": '
                "Cannot bind query parameter.",
                location=name,
            )
        coerced = [_coerce_parameter(name, spec, value) for value in values]
        if spec.get("repeated"):
            parsed[name] = coerced
        elif len(coerced) > 1:
            raise bad_request(f"Parameter {name} may be given only once.", location=name)
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


def check_body(route: Route, body: Any) -> None:
    request = route.spec.get("request")
    if request is None:
        return
    errors = schema_errors(route.document, request, body)
    if errors:
        raise bad_request(errors[0])


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
        raise bad_request(
            f"Bad Request: {where} is not an RFC 3339 timestamp", "badRequest"
        ) from None
    if moment.tzinfo is None:
        raise bad_request(f"Bad Request: {where} has no time zone offset", "badRequest")
    return moment


def event_time(when: JSON, zone: str, where: str) -> datetime:
    """The start or end of an event as an aware datetime (all-day: midnight in `zone`)."""
    if "dateTime" in when and when["dateTime"] is not None:
        moment = parse_rfc3339(when["dateTime"], where)
        if when.get("timeZone"):
            moment = moment.astimezone(zone_info(when["timeZone"]))
        return moment
    if when.get("date"):
        try:
            day = date.fromisoformat(when["date"])
        except ValueError:
            raise bad_request(f"Invalid {where}.date", "invalid") from None
        return datetime(day.year, day.month, day.day, tzinfo=zone_info(zone))
    raise GoogleError(400, "required", f"Missing {where} time.")


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise bad_request(f"Invalid time zone definition: {name}", "timeZoneInvalid") from None


def event_time_json(moment: datetime, template: JSON) -> JSON:
    """A start/end like `template` (date or dateTime + timeZone) at `moment`."""
    if "date" in template and "dateTime" not in template:
        return {"date": moment.date().isoformat()}
    out: JSON = {"dateTime": moment.isoformat(timespec="seconds")}
    if template.get("timeZone"):
        out["timeZone"] = template["timeZone"]
    return out


# ====================================================================== plumbing


USAGE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
FAULT_MESSAGES = {
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "quotaExceeded": "Calendar usage limits exceeded.",
    "backendError": "Backend Error",
}


def header_value(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


# ---------------------------------------------------------------- partial responses


FieldTree = dict[str, "FieldTree | None"]


def parse_fields(text: str) -> FieldTree:
    """Google's ``fields`` selector, e.g. ``items(id,start/dateTime),nextPageToken``."""
    tree, rest = _field_list(text.replace(" ", ""))
    if rest:
        raise bad_request(f"Invalid field selection {text}", location="fields")
    return tree


def _field_list(text: str) -> tuple[FieldTree, str]:
    tree: FieldTree = {}
    while True:
        match = re.match(r"[A-Za-z0-9_*]+(/[A-Za-z0-9_*]+)*", text)
        if match is None:
            raise bad_request("Invalid field selection", location="fields")
        path, text = match.group(0).split("/"), text[match.end() :]
        inner: FieldTree | None = None
        if text.startswith("("):
            inner, text = _field_list(text[1:])
            if not text.startswith(")"):
                raise bad_request("Invalid field selection", location="fields")
            text = text[1:]
        node = tree
        for name in path[:-1]:
            child = node.get(name)
            node[name] = child = child if child is not None else {}
            node = child
        node[path[-1]] = inner
        if not text.startswith(","):
            return tree, text
        text = text[1:]


def select_fields(value: Any, tree: FieldTree | None) -> Any:
    """Only the selected parts of a JSON answer, as Google trims a partial response."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [select_fields(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in tree:
        return {key: select_fields(item, tree["*"]) for key, item in value.items()}
    return {key: select_fields(value[key], sub) for key, sub in tree.items() if key in value}
