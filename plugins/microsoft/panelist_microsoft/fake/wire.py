"""Graph's wire formats: errors as Graph and Entra send them, times, Windows zone names."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

JSON = dict[str, Any]

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_BATCH_REQUESTS = 20
DEFAULT_PAGE_SIZE = 10  # calendarView, events and delta pages when no odata.maxpagesize
PLACES_PAGE_SIZE = 100
MAX_SCHEDULE_DAYS = 42
#: TEAMS1, the service plan that licenses a person for Teams
TEAMS_SERVICE_PLAN_ID = "57ff2da0-773e-42df-b2af-ffb7a2317929"
RAOP_MESSAGE = (
    "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy "
    "settings."
)

#: the Windows zone names Exchange uses, for the zones tests need (CLDR windowsZones.xml)
WINDOWS_ZONES = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "India Standard Time": "Asia/Kolkata",
    "China Standard Time": "Asia/Shanghai",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Singapore Standard Time": "Asia/Singapore",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "E. South America Standard Time": "America/Sao_Paulo",
}


class GraphError(Exception):
    """A Graph error answer: ``{"error": {"code", "message", "innerError"}}``."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self, client_request_id: str | None = None) -> JSON:
        request_id = str(uuid.uuid4())
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": client_request_id or request_id,
                },
            }
        }


class OAuthError(Exception):
    """An Entra ID token endpoint error: ``{"error", "error_description", "error_codes", ...}``."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(f"{error}: AADSTS{code}: {description}")
        self.status = status
        self.error = error
        self.code = code
        self.description = description

    def body(self) -> JSON:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.code}: {self.description} Trace ID: {trace} "
                f"Correlation ID: {correlation} Timestamp: {stamp}"
            ),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def item_not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def mailbox_not_found(user: str) -> GraphError:
    return GraphError(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")


def access_denied() -> GraphError:
    return GraphError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def zone(name: str | None) -> ZoneInfo:
    """A Windows or IANA zone name as Exchange accepts it; 400 for one it does not know."""
    name = (name or "UTC").strip()
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(
            f"A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'.",
            "TimeZoneNotSupportedException",
        ) from None


def parse_local(value: str) -> datetime:
    """``2026-03-24T09:00:00``, ``…00.0000000``, with an offset or Z: a naive or aware datetime."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if "." in text:  # .0000000: Python takes at most 6 digits
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        tail = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{tail}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(f"Cannot convert the literal '{value}' to the expected type "
                          "'Edm.DateTimeOffset'.") from None  # fmt: skip


def date_time_tz(value: Any, what: str = "dateTime") -> datetime:
    """A ``{dateTime, timeZone}`` object as an aware UTC datetime."""
    if not isinstance(value, dict) or not value.get("dateTime"):
        raise bad_request(f"Property {what} in payload has a value that does not match schema.")
    moment = parse_local(value["dateTime"])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(value.get("timeZone")))
    return moment.astimezone(UTC)


def query_time(value: str | None, name: str) -> datetime:
    """``startDateTime`` of calendarView: ISO 8601, UTC when it carries no offset."""
    if not value:
        raise bad_request(
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
            "ErrorInvalidParameter",
        )
    moment = parse_local(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def graph_time(moment: datetime, time_zone: str = "UTC") -> JSON:
    """An aware datetime as Graph answers it: ``{"dateTime": "…T09:00:00.0000000", "timeZone"}``."""
    local = moment.astimezone(zone(time_zone))
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.") + "0000000", "timeZone": time_zone}


def odata_time(moment: datetime) -> str:
    """A DateTimeOffset as Graph writes it (``createdDateTime``): 7 digits and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-6] + "0000000Z"


def preferred_zone(prefer: str | None) -> str:
    """The zone of ``Prefer: outlook.timezone="…"``, or UTC."""
    for part in (prefer or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "outlook.timezone":
            value = value.strip().strip('"')
            zone(value)
            return value
    return "UTC"


def max_page_size(prefer: str | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    for part in (prefer or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "odata.maxpagesize" and value.strip().isdigit():
            return max(1, int(value.strip()))
    return default


def new_id(prefix: str = "AAMkA") -> str:
    """An opaque Exchange-looking id (base64url-ish, like ``AAMkAGI2…AAA=``)."""
    return prefix + secrets.token_urlsafe(30).replace("-", "x").replace("_", "y") + "AAA="


def change_key() -> str:
    return secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def ical_uid() -> str:
    """Exchange's iCalUId: 040000008200E00074C5B7101A82E008 then a per-event part, in hex."""
    return "040000008200E00074C5B7101A82E008" + "00000000" + secrets.token_hex(26).upper()
