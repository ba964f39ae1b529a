"""The fake Google server: arranging its state, acting as other clients, HTTP, tokens, batches."""

from __future__ import annotations

import base64
import copy
import functools
import itertools
import json
import secrets
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any

from panelist.testing.loopback import LoopbackHTTPServer
from panelist_google.fake import calendar_api, workspace_api  # noqa: F401  (they register the handlers)
from panelist_google.fake.events import (
    blocks_time,
    new_event_id,
    occurrence_event,
    occurrence_id,
    spans_of,
    validate_event,
)
from panelist_google.fake.state import (
    HANDLERS,
    Calendar,
    Call,
    Fault,
    Grant,
    Page,
    RefreshGrant,
    Room,
    RoundTrip,
    SeenCall,
    ServiceAccount,
    User,
)
from panelist_google.fake.wire import (
    CALENDAR_SCOPE,
    DEFAULT_DELEGATED_SCOPES,
    FAULT_MESSAGES,
    GOOGLE_TOKEN_URI,
    JSON,
    JWT_BEARER,
    MAX_BATCH_PARTS,
    ROLES,
    USAGE_LIMIT_REASONS,
    GoogleError,
    OAuthError,
    Route,
    bad_request,
    check_body,
    event_time,
    header_value,
    match_route,
    not_found,
    parse_fields,
    parse_query,
    rfc3339,
    select_fields,
)


class FakeGoogle:
    """``with FakeGoogle() as google:`` a fake Google on loopback; see the module docstring."""

    def __init__(
        self,
        *,
        domain: str = "example.com",
        customer_id: str = "C01fake",
        latency: float = 0.0,
        meet_pending_reads: int = 0,
        meet_ready_at_write: bool = False,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.domain = domain
        self.customer_id = customer_id
        self.latency = latency
        #: how many reads after the write still answer a new Meet ``pending`` (the write does)
        self.meet_pending_reads = meet_pending_reads
        #: the write itself answers a new Meet ``success`` with its link (Google's usual
        #: answer); off by default, so that tests see the ``pending`` poll
        self.meet_ready_at_write = meet_ready_at_write
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
        self._pages: dict[str, Page] = {}
        self._faults: list[Fault] = []
        self._pending_meets: dict[tuple[str, str], int] = {}
        self._http = LoopbackHTTPServer(self.handle_http, name="fake-google")

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return self._http.port

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
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

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
        domain_role: str | None = None,
    ) -> User:
        """A user of the domain, with a primary calendar whose id is the email, shared with
        nobody unless `domain_role` (Workspace's own default is "freeBusyReader")."""
        with self.lock:
            user = User(email, name or email.split("@")[0].title(), suspended=suspended,
                        is_admin=is_admin, meet_enabled=meet_enabled)  # fmt: skip
            self.users[email] = user
            calendar = self.calendars.setdefault(
                email, Calendar(email, email, owner=email, time_zone=time_zone)
            )
            if domain_role is not None:
                calendar.acl["domain"] = domain_role
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
            domain = "usageLimits" if reason in USAGE_LIMIT_REASONS else "global"
        with self.lock:
            self._faults.append(Fault(
                status, reason, message or FAULT_MESSAGES.get(reason, reason), domain,
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
        try:
            if path == "/token":
                status, out_headers, payload = self._token_http(method, headers, body)
            elif path.startswith("/batch/"):
                status, out_headers, payload = self._batch_http(method, headers, body)
            else:
                status, out_headers, payload = self.handle_call(method, target, headers, body)
        except Exception as error:  # a bug of the fake, or a request it cannot parse
            status, out_headers, payload = self._internal_error(error)
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
                    raise bad_request("Parse Error", "parseError") from None
            matched = match_route(method, split.path)
            if matched is None:
                raise not_found()
            route, params = matched
            route_id = route.method_id
            grant = self._authorise(route, headers)
            self._inject_fault(route.method_id)
            lowered = {name.lower(): value for name, value in headers.items()}
            call = Call(route, params, parse_query(route, query), parsed_body, grant, lowered)
            check_body(route, parsed_body)
            handler = HANDLERS.get(route.method_id)
            if handler is None:
                raise GoogleError(501, "notImplemented", f"{route.method_id} is not faked")
            with self.lock:
                status, answer = handler(self, call)
            if answer is not None and "fields" in call.query:
                answer = select_fields(answer, parse_fields(call.query["fields"]))
            payload = b"" if answer is None else json.dumps(answer).encode()
            if answer is None:
                response_headers = {}
        except GoogleError as error:
            status, payload = error.status, json.dumps(error.body()).encode()
            response_headers.update(error.headers)
        except Exception as error:  # a bug of the fake: say so, in the answer and in the log
            status, _, payload = self._internal_error(error)
        with self.lock:
            self.calls.append(SeenCall(
                method, split.path + (f"?{split.query}" if split.query else ""), query,
                parsed_body, route_id, status, grant.subject if grant else None, in_batch,
                dict(headers),
            ))  # fmt: skip
        return status, response_headers, payload

    def _internal_error(self, error: Exception) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.internal_errors.append(traceback.format_exc())
        failure = GoogleError(500, "backendError", f"fake Google failed: {error!r}")
        return 500, {"Content-Type": "application/json"}, json.dumps(failure.body()).encode()

    def _authorise(self, route: Route, headers: dict[str, str]) -> Grant:
        authorization = header_value(headers, "authorization") or ""
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
        basic = (header_value(headers, "authorization") or "").removeprefix("Basic ")
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
        content_type = header_value(headers, "content-type") or ""
        if method != "POST" or not content_type.startswith("multipart/mixed"):
            error = bad_request("Batch requests must be multipart/mixed POSTs")
            return 400, json_headers, json.dumps(error.body()).encode()
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        parts = list(message.iter_parts())
        if len(parts) > MAX_BATCH_PARTS:
            error = bad_request(f"Too many requests in batch: {len(parts)} > {MAX_BATCH_PARTS}")
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
        request_line, *header_lines = head.decode(errors="replace").split("\n")
        try:
            method, target, _ = request_line.split(" ", 2)
        except ValueError:
            method, target = "?", "?"  # routed nowhere: answered 404 in its part
        inner: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            inner[name.strip().lower()] = value.strip()
        outer = header_value(outer_headers, "authorization")
        if outer is not None:  # the outer Authorization applies unless the part has its own
            inner.setdefault("authorization", outer)
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
            raise not_found()
        role = self._role(calendar, call.grant.subject)
        if role == "none":
            raise not_found()
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
        event_id = body.get("id") or new_event_id()
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
            validate_event(merged, calendar)
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
            instance = occurrence_event(calendar, occurrence_id(series_id, original_start))
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
                self._store(other, self._attendee_copy(event, other.id, copy_))
            elif copy_ is not None and copy_.get("status") != "cancelled":
                copy_["status"] = "cancelled"
                self._store(other, copy_)

    def _attendee_copy(self, event: JSON, calendar_id: str, previous: JSON | None) -> JSON:
        """The organizer's event as it stands in an attendee's calendar: private properties,
        reminders and colour belong to each copy and stay the attendee's."""
        out = copy.deepcopy(event)
        out["organizer"] = {k: v for k, v in out["organizer"].items() if k != "self"}
        properties = out.get("extendedProperties", {})
        properties.pop("private", None)
        mine = (previous or {}).get("extendedProperties", {}).get("private")
        if mine:
            properties["private"] = copy.deepcopy(mine)
        if properties:
            out["extendedProperties"] = properties
        else:
            out.pop("extendedProperties", None)
        for key in ("reminders", "colorId"):
            if previous is not None and key in previous:
                out[key] = copy.deepcopy(previous[key])
        for person in out.get("attendees", []):
            person.pop("self", None)
            if person.get("email") == calendar_id:
                person["self"] = True
        return out

    def _answer_as_attendee(self, calendar: Calendar, event: JSON) -> None:
        """An attendee's own response, written on their copy, reaches the organizer."""
        organizer = self.calendars.get(event.get("organizer", {}).get("email", ""))
        mine = next((p for p in event.get("attendees", []) if p.get("email") == calendar.id), None)
        if organizer is None or mine is None or event["id"] not in organizer.events:
            return
        original = organizer.events[event["id"]]
        answer = {k: mine[k] for k in ("responseStatus", "comment") if k in mine}
        for person in original.get("attendees", []):
            if person.get("email") == calendar.id and any(
                person.get(k) != v for k, v in answer.items()
            ):
                person.update(answer)
                self._store(organizer, original)
                self._propagate(organizer, original)

    def _busy_for(self, calendar: Calendar, event: JSON) -> bool:
        start = event_time(event["start"], calendar.time_zone, "start")
        end = event_time(event["end"], calendar.time_zone, "end")
        for other_id, other in calendar.events.items():
            if other_id == event["id"] or other.get("status") == "cancelled":
                continue
            for busy_start, busy_end in spans_of(calendar, other, start, end):
                if busy_start < end and busy_end > start and blocks_time(other, calendar.id):
                    return True
        return False


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
