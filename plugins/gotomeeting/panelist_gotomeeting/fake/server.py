"""`FakeGoTo`: GoTo's OAuth token endpoint and the GoToMeeting REST API (G2M v1) on
127.0.0.1, with the shapes PROVIDERS.md §4 records (see `panelist_gotomeeting.testing`)."""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from panelist.testing.loopback import LoopbackHTTPServer

API_PREFIX = "/G2M/rest"
MEETING_TYPES = ("immediate", "scheduled", "recurring")
REQUIRED = (
    "subject", "starttime", "endtime", "passwordrequired", "conferencecallinfo", "timezonekey",
    "meetingtype",
)  # fmt: skip
JOIN_BASE = "https://global.gotomeeting.com/join/"
_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


class DropConnection(Exception):
    """Raised inside the answer: the server closes the connection without answering."""


@dataclass
class Organizer:
    email: str
    first_name: str
    last_name: str
    organizer_key: str
    account_key: str
    products: list[str] = field(default_factory=lambda: ["G2M"])
    status: str = "active"
    admin: bool = False

    def wire(self) -> dict[str, Any]:
        return {
            "organizerKey": int(self.organizer_key),
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "products": list(self.products),
            "status": self.status,
            "maxNumAttendeesAllowed": 250,
        }


@dataclass
class Fault:
    status: int
    retry_after: float | None
    paths: tuple[str, ...]


@dataclass
class RoundTrip:
    method: str
    path: str
    status: int


class FakeGoTo:
    def __init__(self, *, rotate_refresh_tokens: bool = True, now: datetime | None = None) -> None:
        """`rotate_refresh_tokens`: each refresh answers a new refresh token and spends the
        old one (GoTo's "valid for one use only"); False: the same one comes back."""
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.now = now
        self.organizer_key_in_token = True
        self.clients: dict[str, str] = {}
        self.redirects: dict[str, str] = {}
        self.organizers: dict[str, Organizer] = {}
        self.meetings: dict[int, dict[str, Any]] = {}
        self.round_trips: list[RoundTrip] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.internal_errors: list[str] = []
        self._codes: dict[str, tuple[str, str, str]] = {}
        self._refresh: dict[str, tuple[str, str]] = {}
        self._access: dict[str, str] = {}
        self._faults: list[Fault] = []
        self._drops = 0
        self._after_drop: list[Fault] = []
        self._ids = itertools.count(512_340_001)
        self._keys = itertools.count(7_000_000_000_000_000_001)
        self._lock = threading.RLock()
        self.server = LoopbackHTTPServer(self._answer, name="fake-goto")

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeGoTo:
        self.server.start()
        server = self.server._server  # a dropped connection is the point, not an error to print
        if server is not None:
            server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def auth_base(self) -> str:
        return self.url

    @property
    def api_base(self) -> str:
        return self.url + API_PREFIX

    def settings(
        self, client_id: str, redirect_uri: str = "http://127.0.0.1:53682/"
    ) -> dict[str, str]:
        """The gotomeeting provider settings that point at this fake."""
        return {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "auth_base": self.auth_base,
            "api_base": self.api_base,
        }

    # ------------------------------------------------------------------ arranging

    def add_client(self, redirect_uri: str = "http://127.0.0.1:53682/") -> tuple[str, str]:
        client_id = (
            f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-4339-934f-{secrets.token_hex(6)}"
        )
        secret = base64.b64encode(secrets.token_bytes(16)).decode()
        self.clients[client_id] = secret
        self.redirects[client_id] = redirect_uri
        return client_id, secret

    def add_organizer(
        self, email: str, name: str, *, products: tuple[str, ...] = ("G2M",),
        status: str = "active", admin: bool = False,
    ) -> Organizer:  # fmt: skip
        first, _, last = name.partition(" ")
        organizer = Organizer(
            email, first, last, str(next(self._keys)), "9999982253621659654",
            list(products), status, admin,
        )  # fmt: skip
        self.organizers[email.casefold()] = organizer
        return organizer

    def authorization_code(
        self, client_id: str, email: str, redirect_uri: str | None = None
    ) -> str:
        """What GoTo puts in the redirect after `email` signs in and allows the client."""
        code = secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = (
                client_id,
                email.casefold(),
                redirect_uri or self.redirects[client_id],
            )
        return code

    def refresh_token_for(self, client_id: str, email: str) -> str:
        """A refresh token as if `email` had connected (tests that skip the consent)."""
        token = secrets.token_urlsafe(64)
        with self._lock:
            self._refresh[token] = (client_id, email.casefold())
        return token

    def revoke(self, email: str) -> None:
        with self._lock:
            for table in (self._refresh, self._access):
                for token in [t for t, v in table.items() if _whose(v) == email.casefold()]:
                    del table[token]

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access.clear()

    def fail_next(
        self, n: int = 1, *, status: int = 429, retry_after: float | None = None,
        paths: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        """The next `n` API calls (those whose path starts with one of `paths`) fail."""
        self._faults += [Fault(status, retry_after, paths)] * n

    def drop_after_create(self, n: int = 1, *, then_fail: int = 0, status: int = 503) -> None:
        """The next `n` creates are stored, then the connection is closed unanswered; after
        that, `then_fail` API calls answer `status` (GoTo down for the rest of a run)."""
        self._drops += n
        self._after_drop = [Fault(status, None, ())] * then_fail

    def clear_faults(self) -> None:
        self._faults, self._after_drop, self._drops = [], [], 0

    def meetings_of(self, email: str) -> list[dict[str, Any]]:
        return [m for m in self.meetings.values() if m["organizer"] == email.casefold()]

    def put_meeting(self, email: str, subject: str, start: datetime, end: datetime) -> int:
        """A meeting the organiser made elsewhere (in GoTo's own app)."""
        return self._store(email.casefold(), {
            "subject": subject, "starttime": _wire(start), "endtime": _wire(end),
            "passwordrequired": False, "conferencecallinfo": "VoIP", "meetingtype": "scheduled",
        })  # fmt: skip

    # ------------------------------------------------------------------ HTTP

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        try:
            status, out_headers, payload = self._route(
                method, parts.path, parts.query, headers, body
            )
        except DropConnection:
            self.round_trips.append(RoundTrip(method, parts.path, 0))
            raise
        except Exception as exc:  # the fake's own bug: answer 500 and remember it
            self.internal_errors.append(f"{method} {target}: {type(exc).__name__}: {exc}")
            status, out_headers, payload = 500, {}, {"error": {"message": "internal"}}
        self.round_trips.append(RoundTrip(method, parts.path, status))
        data = b"" if payload is None else json.dumps(payload).encode()
        if payload is not None:
            out_headers = {"Content-Type": "application/json;charset=UTF-8", **out_headers}
        return status, out_headers, data

    def _route(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        if path == "/oauth/token" and method == "POST":
            return self._token(headers, body)
        if not path.startswith(API_PREFIX + "/"):
            return 404, {}, {"error": {"resource": path, "message": "not found"}}
        rest = path[len(API_PREFIX) :]
        who = self._bearer(headers)
        if who is None:
            return 401, {}, {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}
        for fault in list(self._faults):
            if not fault.paths or rest.startswith(fault.paths):
                self._faults.remove(fault)
                extra = (
                    {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
                )
                return fault.status, extra, {"int_err_code": "Error", "msg": f"HTTP {fault.status}"}
        payload = json.loads(body) if body else None
        self.requests.append((method, rest, payload))
        organizer = self.organizers.get(who)
        hosts = (
            organizer is not None and organizer.status == "active" and "G2M" in organizer.products
        )
        if not hosts and not rest.startswith("/organizers"):
            return 403, {}, {"int_err_code": "AccessDenied", "msg": "Not a GoToMeeting organizer"}
        with self._lock:
            return self._api(method, rest, parse_qs(query), payload, who, organizer)

    def _api(
        self, method: str, rest: str, query: dict[str, list[str]], payload: Any, who: str,
        organizer: Organizer | None,
    ) -> tuple[int, dict[str, str], Any]:  # fmt: skip
        if rest == "/meetings" and method == "POST":
            problem = _meeting_problem(payload)
            if problem:
                return 400, {}, {"error": {"resource": "/rest/meetings", "message": problem}}
            meeting_id = self._store(who, payload)
            if self._drops:
                self._drops -= 1
                self._faults += self._after_drop
                self._after_drop = []
                raise DropConnection
            made = self.meetings[meeting_id]
            return 201, {}, [{
                "joinURL": JOIN_BASE + str(meeting_id), "meetingid": meeting_id,
                "maxParticipants": 250, "uniqueMeetingId": made["uniqueMeetingId"],
                "conferenceCallInfo": made["conferencecallinfo"],
            }]  # fmt: skip
        if rest == "/upcomingMeetings" and method == "GET":
            now = self.now or datetime.now(UTC)
            mine = sorted(
                (m for m in self.meetings.values() if m["organizer"] == who),
                key=lambda m: m["starttime"],
            )
            return 200, {}, [self._read(m) for m in mine if _parse(m["endtime"]) > now]
        found = re.fullmatch(r"/meetings/(\d+)", rest)
        if found:
            meeting = self.meetings.get(int(found.group(1)))
            if meeting is None or meeting["organizer"] != who:
                return (
                    404,
                    {},
                    {"error": {"resource": "/rest" + rest, "message": "Meeting not found"}},
                )
            if method == "GET":
                return 200, {}, [self._read(meeting)]
            if method == "PUT":
                problem = _meeting_problem(payload)
                if problem:
                    return 400, {}, {"error": {"resource": "/rest" + rest, "message": problem}}
                meeting.update({k: payload[k] for k in REQUIRED})
                return 204, {}, None
            if method == "DELETE":
                del self.meetings[meeting["meetingId"]]
                return 204, {}, None
        found = re.fullmatch(r"/organizers/(\d+)", rest)
        if found and method == "GET":
            target = next(
                (o for o in self.organizers.values() if o.organizer_key == found.group(1)), None
            )
            if target is None:
                return 404, {}, {"int_err_code": "NotFound", "msg": "Organizer not found"}
            if target.email.casefold() != who and not (organizer and organizer.admin):
                return 403, {}, {"int_err_code": "AccessDenied", "msg": "Access denied"}
            return 200, {}, [target.wire()]
        if rest == "/organizers" and method == "GET":
            if not (organizer and organizer.admin):
                return 403, {}, {"int_err_code": "AccessDenied", "msg": "Admin role required"}
            email = (query.get("email") or [""])[0].casefold()
            chosen = [
                o for o in self.organizers.values() if not email or o.email.casefold() == email
            ]
            return 200, {}, [o.wire() for o in chosen]
        return 404, {}, {"error": {"resource": "/rest" + rest, "message": "not found"}}

    def _store(self, who: str, payload: dict[str, Any]) -> int:
        meeting_id = next(self._ids)
        self.meetings[meeting_id] = {
            **{k: payload[k] for k in REQUIRED if k in payload},
            "timezonekey": "",
            "meetingId": meeting_id,
            "uniqueMeetingId": 200_000_000_000_000_000 + meeting_id,
            "organizer": who,
            "createTime": _g2m(self.now or datetime.now(UTC)),
        }
        return meeting_id

    def _read(self, meeting: dict[str, Any]) -> dict[str, Any]:
        """GET's camelCase, unlike create's lowercase; G2M's own time format."""
        start, end = _parse(meeting["starttime"]), _parse(meeting["endtime"])
        return {
            "meetingId": meeting["meetingId"],
            "meetingKey": meeting["meetingId"],
            "subject": meeting["subject"],
            "startTime": _g2m(start),
            "endTime": _g2m(end),
            "duration": int((end - start).total_seconds() // 60),
            "meetingType": meeting["meetingtype"],
            "status": "INACTIVE",
            "passwordRequired": bool(meeting["passwordrequired"]),
            "conferenceCallInfo": meeting["conferencecallinfo"],
            "maxParticipants": 250,
            "uniqueMeetingId": meeting["uniqueMeetingId"],
            "createTime": meeting["createTime"],
        }

    # ------------------------------------------------------------------ OAuth

    def _token(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        client_id = self._client(headers)
        if client_id is None:
            return (
                401,
                {},
                {"error": "invalid_client", "error_description": "Bad client credentials"},
            )
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                held = self._codes.pop(form.get("code", ""), None)
                if held is None or held[0] != client_id:
                    return 400, {}, _invalid_grant("Invalid authorization code")
                if form.get("redirect_uri", held[2]) != held[2]:
                    return 400, {}, _invalid_grant("Redirect URI mismatch")
                email = held[1]
                refresh = secrets.token_urlsafe(64)
                self._refresh[refresh] = (client_id, email)
            elif grant == "refresh_token":
                old = form.get("refresh_token", "")
                held2 = self._refresh.get(old)
                if held2 is None or held2[0] != client_id:
                    return 400, {}, _invalid_grant("Invalid refresh token")
                email = held2[1]
                refresh = old
                if self.rotate_refresh_tokens:
                    del self._refresh[old]
                    refresh = secrets.token_urlsafe(64)
                    self._refresh[refresh] = (client_id, email)
            else:
                return 400, {}, {"error": "unsupported_grant_type", "error_description": str(grant)}
            access = secrets.token_urlsafe(48)
            self._access[access] = email
        answer: dict[str, Any] = {
            "access_token": access, "token_type": "Bearer", "refresh_token": refresh,
            "expires_in": 3600, "scope": "collab:", "principal": email,
        }  # fmt: skip
        organizer = self.organizers.get(email)
        if organizer is not None and self.organizer_key_in_token:
            answer |= {
                "organizer_key": organizer.organizer_key, "account_key": organizer.account_key,
                "account_type": "corporate", "email": organizer.email,
                "firstName": organizer.first_name, "lastName": organizer.last_name,
            }  # fmt: skip
        return 200, {"Cache-Control": "no-store"}, answer

    def _client(self, headers: dict[str, str]) -> str | None:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not value.startswith("Basic "):
            return None
        try:
            client_id, _, secret = base64.b64decode(value[6:]).decode().partition(":")
        except ValueError:
            return None
        return client_id if self.clients.get(client_id) == secret else None

    def _bearer(self, headers: dict[str, str]) -> str | None:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not value.startswith("Bearer "):
            return None
        with self._lock:
            return self._access.get(value[7:])

    def consent_url(self, client_id: str, redirect_uri: str, state: str) -> str:
        query = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri}
        return f"{self.auth_base}/oauth/authorize?{urlencode(query | {'state': state})}"


def _whose(value: str | tuple[str, str]) -> str:
    return value if isinstance(value, str) else value[1]


def _invalid_grant(description: str) -> dict[str, str]:
    return {"error": "invalid_grant", "error_description": description}


def _meeting_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "invalid json"
    missing = [k for k in REQUIRED if k not in payload]
    if missing:
        return f"missing {', '.join(missing)}"
    subject = payload["subject"]
    if not isinstance(subject, str) or not subject or len(subject) > 100:
        return "subject must be 1 to 100 characters"
    if "<" in subject or ">" in subject:
        return "subject must not contain < or >"
    for name in ("starttime", "endtime"):
        if not isinstance(payload[name], str) or not _UTC.fullmatch(payload[name]):
            return f"{name} must be an ISO8601 UTC time"
    if _parse(payload["endtime"]) <= _parse(payload["starttime"]):
        return "endtime must be after starttime"
    if payload["meetingtype"] not in MEETING_TYPES:
        return "meetingtype must be immediate, scheduled or recurring"
    if not isinstance(payload["passwordrequired"], bool):
        return "passwordrequired must be a boolean"
    if payload["timezonekey"] != "":
        return "timezonekey is deprecated and must be empty"
    return None


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _wire(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _g2m(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.+0000")
