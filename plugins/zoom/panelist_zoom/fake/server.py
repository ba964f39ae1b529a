"""`FakeZoom`: Zoom's token endpoint and the v2 endpoints the plugin uses, on 127.0.0.1."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from panelist.testing.loopback import LoopbackHTTPServer

ACCOUNT_ID = "Zx9kQ2aLT3y1pVbS0mW7rA"
CLIENT_ID = "pAnE1iStZoOmS2s"
CLIENT_SECRET = "s2s-secret-0123456789abcdef"
SCOPES = (
    "meeting:write:meeting:admin meeting:update:meeting:admin meeting:delete:meeting:admin "
    "meeting:read:meeting:admin meeting:read:list_meetings:admin user:read:user:admin"
)
MEETING_FIELDS = {
    "topic", "type", "start_time", "duration", "timezone", "password", "agenda",
    "schedule_for", "settings", "recurrence", "tracking_fields", "default_password",
    "pre_schedule", "template_id",
}  # fmt: skip
ZOOMUS_ECHOES = {"user_id", "id"}
"""zoomus repeats its keyword arguments in the body (`user_id` on create, `id` on update);
Zoom ignores them."""
SETTINGS_FIELDS = {
    "host_video", "participant_video", "join_before_host", "jbh_time", "mute_upon_entry",
    "waiting_room", "approval_type", "meeting_authentication", "alternative_hosts",
    "audio", "auto_recording", "registration_type", "use_pmi", "email_notification",
}  # fmt: skip


LIST_FIELDS = (
    "uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
    "created_at", "join_url",
)  # fmt: skip
"""What an item of ``GET /users/{user}/meetings`` carries (and ``agenda`` when set)."""


class _Dropped(Exception):
    """Raised by the fake to close the connection without an answer (a lost response)."""


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class Fault:
    status: int
    code: int | None
    message: str
    retry_after: str | None
    path: str | None
    method: str | None


@dataclass
class ZoomUser:
    email: str
    first_name: str
    last_name: str
    id: str = field(default_factory=lambda: secrets.token_urlsafe(16)[:22])
    type: int = 2
    status: str = "active"
    verified: int = 1
    timezone: str = "Europe/Amsterdam"

    def wire(self, account_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": f"{self.first_name} {self.last_name}",
            "email": self.email,
            "type": self.type,
            "pmi": 1000000000 + abs(hash(self.email)) % 899999999,
            "timezone": self.timezone,
            "verified": self.verified,
            "dept": "",
            "created_at": "2025-01-06T08:00:00Z",
            "last_login_time": "2026-03-20T08:00:00Z",
            "language": "en-US",
            "status": self.status,
            "role_id": "2",
            "account_id": account_id,
        }


class FakeZoom:
    """``with FakeZoom() as zoom:`` — see `panelist_zoom.testing` for what it serves."""

    def __init__(self) -> None:
        self.account_id = ACCOUNT_ID
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.scopes: set[str] = set(SCOPES.split())
        """The app's scopes; `revoke_scope` takes one away (calls needing it: 400 code 4711)."""
        self.users: dict[str, ZoomUser] = {}
        self.meetings: dict[int, dict[str, Any]] = {}
        self.deleted: set[int] = set()
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.seen: list[Seen] = []
        self.internal_errors: list[str] = []
        self.page_size_cap = 300
        self.now: datetime | None = None
        self._faults: list[Fault] = []
        self._drop_creates = 0
        self._down_after_drop = False
        self._held: threading.Event | None = None
        self._release: threading.Event | None = None
        self.down = False
        self._pages: dict[str, int] = {}
        self._ids = itertools.count(81234567890, 7919)
        self._lock = threading.RLock()
        self._server = LoopbackHTTPServer(self._answer, name="fake-zoom")

    # -- the test's side -----------------------------------------------------------------

    def __enter__(self) -> FakeZoom:
        self._server.start()
        assert self._server._server is not None
        self._server._server.handle_error = _quiet  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def api_base(self) -> str:
        return self.url + "/v2"

    @property
    def oauth_uri(self) -> str:
        return self.url + "/oauth/token"

    def settings(self) -> dict[str, str]:
        """Provider settings that point the plugin here."""
        return {
            "account_id": self.account_id,
            "client_id": self.client_id,
            "api_base": self.api_base,
            "oauth_uri": self.oauth_uri,
            "timeout": "10",
        }

    def add_user(
        self,
        email: str,
        first_name: str,
        last_name: str,
        *,
        status: str = "active",
        verified: int = 1,
        type: int = 2,
    ) -> ZoomUser:
        user = ZoomUser(email, first_name, last_name, type=type, status=status, verified=verified)
        self.users[email.casefold()] = user
        return user

    def add_meeting(
        self, host: str, topic: str, start: datetime, minutes: int, **extra: Any
    ) -> int:
        """A meeting the host made themselves (outside Panelist)."""
        body = {"topic": topic, "type": 2, "duration": minutes, "timezone": "UTC", **extra}
        body["start_time"] = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return int(self._store(self.users[host.casefold()], body)["id"])

    def meetings_of(self, host: str) -> list[dict[str, Any]]:
        user = self.users[host.casefold()]
        return [m for m in self.meetings.values() if m["host_id"] == user.id]

    def fail_next(
        self,
        status: int,
        *,
        code: int | None = None,
        message: str = "",
        retry_after: str | None = None,
        path: str | None = None,
        method: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` API calls (on `path`/`method` when given) answer `status`."""
        for _ in range(times):
            self._faults.append(Fault(status, code, message, retry_after, path, method))

    def drop_next_create(self, *, then_down: bool = False) -> None:
        """The next meeting create is stored, then the connection is closed unanswered; with
        `then_down`, every API call answers 503 after that until `come_back()`."""
        self._drop_creates += 1
        self._down_after_drop = then_down

    def hold_next_create(self) -> threading.Event:
        """The next meeting create is stored, then its answer waits until `release()`: the
        event returned is set once the meeting exists (a test can kill the client then)."""
        self._held = threading.Event()
        self._release = threading.Event()
        return self._held

    def release(self) -> None:
        """Let a held answer go (to whoever still listens)."""
        if self._release is not None:
            self._release.set()

    def come_back(self) -> None:
        """The outage `drop_next_create(then_down=True)` began is over."""
        self.down = False

    def revoke_scope(self, scope: str) -> None:
        """The Server-to-Server app loses `scope` (an admin edits it in the Marketplace)."""
        self.scopes.discard(scope)

    def expire_tokens(self) -> None:
        """Every access token issued so far is refused from now on (code 124)."""
        self.tokens.clear()

    # -- HTTP ----------------------------------------------------------------------------

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        try:
            with self._lock:
                if path == "/oauth/token" and method == "POST":
                    return self._token(headers, body)
                if path.startswith("/v2/"):
                    return self._api(method, path[3:], query, headers, body)
                return _json(404, {"code": 404, "message": "Not Found"})
        except _Dropped:
            raise
        except Exception as exc:  # the fake's own bug: say so in the test
            self.internal_errors.append(f"{method} {target}: {exc!r}")
            return _json(500, {"code": 500, "message": "fake failed"})

    def _token(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.token_requests += 1
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        auth = _header(headers, "Authorization")
        try:
            client_id, _, secret = (
                base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            )
        except ValueError:
            client_id, secret = "", ""
        if (client_id, secret) != (self.client_id, self.client_secret):
            return _json(
                400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        if form.get("grant_type") != "account_credentials":
            return _json(
                400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
            )
        if form.get("account_id") != self.account_id:
            return _json(
                400, {"reason": "Invalid request : Invalid account_id", "error": "invalid_request"}
            )
        token = "eyJzdiI6IjAwMDAwMSJ9." + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return _json(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600,
                           "scope": SCOPES, "api_url": "https://api.zoom.us"})  # fmt: skip

    def _api(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return _json(
                400, {"code": 300, "message": "Request Body should be a valid JSON object."}
            )
        seen = Seen(method, unquote(path), query, body)
        self.seen.append(seen)
        status, out_headers, payload = self._route(method, unquote(path), query, headers, body)
        seen.status = status
        return status, out_headers, payload

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], bytes]:
        bearer = _header(headers, "Authorization").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return _json(401, {"code": 124, "message": "Invalid access token."})
        if self.down:
            return _json(503, {"code": 503, "message": _reason(503)})
        for fault in self._faults:
            if (fault.path is None or fault.path == path) and fault.method in (None, method):
                self._faults.remove(fault)
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                answer = {
                    "code": fault.code or fault.status,
                    "message": fault.message or _reason(fault.status),
                }
                status, hdrs, payload = _json(fault.status, answer)
                return status, hdrs | extra, payload
        segments = path.strip("/").split("/")
        needed = _scope_for(method, segments)
        if needed and needed not in self.scopes:
            return _json(400, {"code": 4711, "message": "Invalid access token, does not contain "
                                                        f"scopes:[{needed}]."})  # fmt: skip
        if segments[0] == "users" and len(segments) in (2, 3):
            user = self.users.get(segments[1].casefold()) or next(
                (u for u in self.users.values() if u.id == segments[1]), None
            )
            if user is None:
                return _json(404, {"code": 1001, "message": f"User does not exist: {segments[1]}."})
            if len(segments) == 2 and method == "GET":
                return _json(200, user.wire(self.account_id))
            if len(segments) == 3 and segments[2] == "meetings":
                if method == "GET":
                    return self._list(user, query)
                if method == "POST":
                    return self._create(user, body)
        if segments[0] == "meetings" and len(segments) == 2:
            try:
                number = int(segments[1])
            except ValueError:
                return _json(
                    404, {"code": 3001, "message": f"Meeting does not exist: {segments[1]}."}
                )
            meeting = self.meetings.get(number)
            if meeting is None:
                return _json(404, {"code": 3001, "message": f"Meeting does not exist: {number}."})
            if method == "GET":
                return _json(200, self._full(meeting))
            if method == "PATCH":
                return self._patch(meeting, body)
            if method == "DELETE":
                del self.meetings[number]
                self.deleted.add(number)
                return 204, {}, b""
        return _json(404, {"code": 404, "message": "Not Found"})

    # -- meetings ------------------------------------------------------------------------

    def _create(self, user: ZoomUser, body: Any) -> tuple[int, dict[str, str], bytes]:
        if user.status != "active":
            return _json(400, {"code": 1010, "message": "User does not belong to this account."})
        problems = _meeting_problems(body, creating=True)
        if problems:
            return _invalid(problems)
        made = self._store(user, body)
        if self._drop_creates:
            self._drop_creates -= 1
            self.down = self._down_after_drop
            raise _Dropped
        if self._held is not None and self._release is not None:
            held, release, self._held = self._held, self._release, None
            held.set()
            self._lock.release()  # others may call while this answer waits
            try:
                release.wait()
            finally:
                self._lock.acquire()
        full = self._full(made)
        full["start_url"] = (
            f"https://us05web.zoom.us/s/{made['id']}?zak={secrets.token_urlsafe(32)}"
        )
        return _json(201, full)

    def _store(self, user: ZoomUser, body: dict[str, Any]) -> dict[str, Any]:
        number = next(self._ids)
        password = secrets.token_hex(3)
        settings = {"host_video": False, "participant_video": False, "join_before_host": False,
                    "waiting_room": False, "approval_type": 2, "mute_upon_entry": False,
                    **(body.get("settings") or {})}  # fmt: skip
        meeting = {
            "uuid": base64.b64encode(secrets.token_bytes(16)).decode(),
            "id": number,
            "host_id": user.id,
            "host_email": user.email,
            "topic": body.get("topic") or "Zoom meeting",
            "type": int(body.get("type") or 2),
            "status": "waiting",
            "duration": int(body.get("duration") or 60),
            "timezone": body.get("timezone") or user.timezone,
            "agenda": body.get("agenda") or "",
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "password": password,
            "encrypted_password": secrets.token_urlsafe(24),
            "settings": settings,
        }
        meeting["start_time"] = _utc_start(body.get("start_time"), meeting["timezone"])
        meeting["join_url"] = (
            f"https://us05web.zoom.us/j/{number}?pwd={meeting['encrypted_password']}"
        )
        if meeting["type"] == 8:
            meeting["recurrence"] = body.get("recurrence") or {"type": 2, "repeat_interval": 1,
                                                               "end_times": 3}  # fmt: skip
        self.meetings[number] = meeting
        return meeting

    def _patch(self, meeting: dict[str, Any], body: Any) -> tuple[int, dict[str, str], bytes]:
        problems = _meeting_problems(body, creating=False)
        if problems:
            return _invalid(problems)
        for key in ("topic", "duration", "timezone", "agenda", "type"):
            if key in body:
                meeting[key] = body[key]
        if "settings" in body:
            meeting["settings"] = {**meeting["settings"], **body["settings"]}
        if "start_time" in body:
            meeting["start_time"] = _utc_start(body["start_time"], meeting["timezone"])
        return 204, {}, b""

    def _full(self, meeting: dict[str, Any]) -> dict[str, Any]:
        full = {k: v for k, v in meeting.items() if k != "recurrence" or meeting["type"] == 8}
        full["pstn_password"] = meeting["password"]
        full["h323_password"] = meeting["password"]
        if meeting["type"] == 8:
            full["occurrences"] = self._occurrences(meeting)
        if not full["agenda"]:
            del full["agenda"]
        return full

    def _occurrences(self, meeting: dict[str, Any]) -> list[dict[str, Any]]:
        start = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00"))
        rule = meeting["recurrence"]
        step = timedelta(days=rule.get("repeat_interval", 1) * (7 if rule.get("type") == 2 else 1))
        return [
            {"occurrence_id": str(int((start + step * n).timestamp() * 1000)),
             "start_time": (start + step * n).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "duration": meeting["duration"], "status": "available"}
            for n in range(int(rule.get("end_times", 3)))
        ]  # fmt: skip

    def _list(self, user: ZoomUser, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        kind = query.get("type", "scheduled")
        if kind not in ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"):
            return _invalid([{"field": "type", "message": "Invalid field."}])
        try:
            size = min(int(query.get("page_size", "30")), self.page_size_cap)
        except ValueError:
            return _invalid([{"field": "page_size", "message": "Invalid field."}])
        now = self.now or datetime.now(UTC)
        mine = sorted(
            (
                m
                for m in self.meetings.values()
                if m["host_id"] == user.id and m["type"] in (2, 3, 8)
            ),
            key=lambda m: (m["start_time"], m["id"]),
        )
        if kind in ("upcoming", "upcoming_meetings"):
            mine = [m for m in mine if _end(m) > now]
        elif kind == "live":
            mine = [m for m in mine if m["status"] == "started"]
        token = query.get("next_page_token") or ""
        if token and token not in self._pages:
            return _invalid([{"field": "next_page_token", "message": "Invalid field."}])
        offset = self._pages.get(token, 0)
        page = mine[offset : offset + size]
        following = ""
        if offset + size < len(mine):  # Zoom's tokens are opaque
            following = secrets.token_urlsafe(24)
            self._pages[following] = offset + size
        items = []
        for m in page:
            item = {k: m[k] for k in LIST_FIELDS}
            if m["agenda"]:
                item["agenda"] = m["agenda"]
            items.append(item)
        return _json(200, {"page_size": size, "total_records": len(mine),
                           "next_page_token": following,
                           "meetings": items})  # fmt: skip


def _scope_for(method: str, segments: list[str]) -> str | None:
    """The granular scope a call needs."""
    if segments[0] == "users" and len(segments) == 2:
        return "user:read:user:admin"
    if segments[0] == "users" and segments[2:] == ["meetings"]:
        return {
            "GET": "meeting:read:list_meetings:admin",
            "POST": "meeting:write:meeting:admin",
        }.get(method)
    if segments[0] == "meetings":
        return {"GET": "meeting:read:meeting:admin", "PATCH": "meeting:update:meeting:admin",
                "DELETE": "meeting:delete:meeting:admin"}.get(method)  # fmt: skip
    return None


def _meeting_problems(body: Any, *, creating: bool) -> list[dict[str, str]]:
    if not isinstance(body, dict):
        return [{"field": "", "message": "Request Body should be a valid JSON object."}]
    problems = []
    for key in body:
        if key not in MEETING_FIELDS | ZOOMUS_ECHOES:
            problems.append({"field": key, "message": "Invalid field."})
    topic = body.get("topic", "")
    if not isinstance(topic, str) or len(topic) > 200:
        problems.append({"field": "topic", "message": "Length must be at most 200."})
    if len(str(body.get("agenda", ""))) > 2000:
        problems.append({"field": "agenda", "message": "Length must be at most 2000."})
    if "type" in body and body["type"] not in (1, 2, 3, 8):
        problems.append({"field": "type", "message": "Invalid field."})
    if "duration" in body and (not isinstance(body["duration"], int) or body["duration"] < 0):
        problems.append({"field": "duration", "message": "Invalid field."})
    if "timezone" in body:
        try:
            ZoneInfo(str(body["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append({"field": "timezone", "message": "Invalid field."})
    if "start_time" in body:
        try:
            _utc_start(body["start_time"], "UTC")
        except ValueError:
            problems.append({"field": "start_time", "message": "Invalid field."})
    elif creating and body.get("type", 2) in (2, 8):
        problems.append({"field": "start_time", "message": "start_time is required."})
    for key in body.get("settings") or {}:
        if key not in SETTINGS_FIELDS:
            problems.append({"field": f"settings.{key}", "message": "Invalid field."})
    return problems


def _utc_start(value: Any, zone: str) -> str:
    """Zoom's two forms: ``yyyy-MM-ddTHH:mm:ssZ`` (UTC) or local without Z in `zone`."""
    text = str(value)
    if text.endswith("Z"):
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    else:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _end(meeting: dict[str, Any]) -> datetime:
    start = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00"))
    return start + timedelta(minutes=meeting["duration"])


def _invalid(problems: list[dict[str, str]]) -> tuple[int, dict[str, str], bytes]:
    return _json(400, {"code": 300, "message": "Validation Failed.", "errors": problems})


def _reason(status: int) -> str:
    if status == 429:
        return "You have reached the maximum per-second rate limit for this API. Try again later."
    return {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error",
            503: "Service Unavailable"}.get(status, "Error")  # fmt: skip


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(body).encode()


def _quiet(request: Any, client_address: Any) -> None:
    """The server's error hook: a dropped answer (`_Dropped`) is on purpose, nothing to print;
    the fake's own failures are kept in `FakeZoom.internal_errors` instead."""
