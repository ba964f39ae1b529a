"""The fake Microsoft cloud: Entra ID's token endpoint (https) and Graph v1.0 (http) on
loopback, the test API that arranges the tenant, faults, batches and the request log."""

from __future__ import annotations

import base64
import functools
import itertools
import json
import secrets
import shutil
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from panelist.testing.loopback import LoopbackHTTPServer
from panelist_microsoft.fake import graph_api, login, scheduling
from panelist_microsoft.fake.state import App, DeltaState, Fault, Grant, Mailbox, RoundTrip
from panelist_microsoft.fake.wire import (
    GRAPH_SCOPE,
    JSON,
    MAX_BATCH_REQUESTS,
    RAOP_MESSAGE,
    GraphError,
    OAuthError,
    access_denied,
    bad_request,
)

_PREFERENCES = ("odata.maxpagesize", "outlook.timezone")
DEFAULT_PERMISSIONS = ("Calendars.ReadWrite", "Place.Read.All", "User.Read.All")
JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"  # noqa: E501
DELTA_EXPIRY = {  # expire_delta_tokens(code) -> (status, code, message)
    None: (410, "resyncRequired", "Resync required. Replace any local cached data with a full "
           "delta sync."),
    "syncStateNotFound": (400, "syncStateNotFound", "The sync state generation is not found."),
    "resyncRequired": (400, "resyncRequired", "Resync required."),
}  # fmt: skip


class FakeGraph:
    """``with FakeGraph() as graph:`` Entra ID and Graph on loopback; see `..testing`."""

    def __init__(
        self,
        *,
        tenant_id: str = "8f2a4c1e-0b5d-4e7a-9c3f-6d1b2a7e9f01",
        latency: float = 0.0,
        batch_in_order: bool = False,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        #: seconds each request waits before it is answered (the bench's network)
        self.latency = latency
        #: answer a $batch's responses in request order (by default: reversed, as Graph may)
        self.batch_in_order = batch_in_order
        self.now = now or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.tenants: set[str] = {tenant_id.lower()}
        self.apps: dict[str, App] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.tokens_issued = 0
        self.mailboxes: dict[str, Mailbox] = {}  # Graph user id -> mailbox
        self.round_trips: list[RoundTrip] = []
        #: the JSON bodies of the requests, as (method, path, body) for tests that inspect them
        self.requests: list[tuple[str, str, Any]] = []
        #: tracebacks of the fake's own failures (answered 500): a test may assert it is empty
        self.internal_errors: list[str] = []
        self._clock = itertools.count(1)
        self._stamp = 0
        self._delta: dict[str, DeltaState] = {}
        self._delta_expired: tuple[int, str, str] | None = None
        self._faults: list[Fault] = []
        self._graph_server = LoopbackHTTPServer(
            functools.partial(self.handle_http, tls=False), name="fake-graph"
        )
        self._login_server: LoopbackHTTPServer | None = None  # https: its certificate at start
        self._dir: Path | None = None
        self.ca_file: Path | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def graph_port(self) -> int:
        return self._graph_server.port

    @property
    def login_port(self) -> int:
        assert self._login_server is not None, "not started"
        return self._login_server.port

    @property
    def graph_url(self) -> str:
        """The Graph base URL for ``GraphRequestAdapter.base_url`` (plain http, 127.0.0.1)."""
        return f"http://127.0.0.1:{self.graph_port}/v1.0"

    @property
    def authority(self) -> str:
        """``authority=`` for azure-identity: https (MSAL refuses http), trust `ca_file`."""
        return f"https://127.0.0.1:{self.login_port}"

    def start(self) -> FakeGraph:
        self._dir = Path(tempfile.mkdtemp(prefix="fake-graph-"))
        self.ca_file, key_file = login.write_tls_files(self._dir)
        self._login_server = LoopbackHTTPServer(
            functools.partial(self.handle_http, tls=True),
            name="fake-login",
            tls=(Path(self.ca_file), Path(key_file)),
        )
        self._graph_server.start()
        self._login_server.start()
        return self

    def stop(self) -> None:
        self._graph_server.stop()
        if self._login_server is not None:
            self._login_server.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ clients on the fake

    def credential(
        self,
        client_id: str,
        secret: str,
        *,
        tenant: str | None = None,
        aio: bool = False,
        **kwargs: Any,
    ) -> Any:
        """azure-identity's real ``ClientSecretCredential`` (``aio``: the async one) pointed
        at the fake: ``authority``, ``disable_instance_discovery`` and ``connection_verify``."""
        if aio:
            from azure.identity.aio import ClientSecretCredential as AioCredential

            return AioCredential(tenant or self.tenant_id, client_id, secret,
                                 **self.credential_kwargs(), **kwargs)  # fmt: skip
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(tenant or self.tenant_id, client_id, secret,
                                      **self.credential_kwargs(), **kwargs)  # fmt: skip

    def credential_kwargs(self) -> dict[str, Any]:
        """What any azure-identity credential needs to talk to the fake instead of Entra."""
        return {
            "authority": self.authority,
            "disable_instance_discovery": True,
            "connection_verify": str(self.ca_file),
        }

    def ca_environment(self) -> dict[str, str]:
        """``REQUESTS_CA_BUNDLE``: the sync credential's requests transport then trusts the
        fake without ``connection_verify`` (for ``monkeypatch.setenv``). No such variable
        helps the aio credential: aiohttp builds its default SSL context when imported
        (``SSL_CERT_FILE`` works only if set before that); give it ``connection_verify``."""
        return {"REQUESTS_CA_BUNDLE": str(self.ca_file)}

    def graph_client(self, credential: Any) -> Any:
        """msgraph-sdk's real ``GraphServiceClient`` on the fake's base URL."""
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )
        from msgraph import GraphRequestAdapter, GraphServiceClient

        adapter = GraphRequestAdapter(
            AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE])
        )
        adapter.base_url = self.graph_url
        return GraphServiceClient(request_adapter=adapter)

    # ------------------------------------------------------------------ arranging the tenant

    def add_app(
        self,
        tenant: str | None = None,
        client_id: str | None = None,
        secret: str | None = None,
        permissions: tuple[str, ...] = DEFAULT_PERMISSIONS,
        *,
        admin_consent: bool = True,
        certificate: bytes | None = None,
    ) -> App:
        """An app registration with application permissions, consented by an admin or not
        (then its tokens carry no roles). `certificate`: a PEM certificate for client_assertion."""
        with self.lock:
            tenant = tenant or self.tenant_id
            self.tenants.add(tenant.lower())
            app = App(
                tenant, client_id or str(uuid.uuid4()),
                secret if secret is not None or certificate else secrets.token_urlsafe(30),
                tuple(permissions), admin_consent, certificate=certificate,
            )  # fmt: skip
            self.apps[app.client_id] = app
            return app

    def expire_secret(self, client_id: str) -> None:
        with self.lock:
            self.apps[client_id].secret_expired = True

    def grant_admin_consent(self, client_id: str, consent: bool = True) -> None:
        with self.lock:
            self.apps[client_id].admin_consent = consent

    def restrict_to(self, client_id: str, mailboxes: tuple[str, ...] | list[str] | None) -> None:
        """An Exchange application access policy: the app reaches only these mailboxes
        (``None`` lifts it); the others answer 403 ErrorAccessDenied [RAOP]."""
        with self.lock:
            self.apps[client_id].mailboxes = (
                None if mailboxes is None else frozenset(m.lower() for m in mailboxes)
            )

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def add_user(
        self,
        email: str,
        name: str,
        *,
        time_zone: str = "UTC",
        teams: bool = True,
        mailbox: bool = True,
    ) -> Mailbox:
        """A licensed person with a mailbox (`teams`: licensed for Teams too; `mailbox`
        False: in the directory only, calendar calls answer 404 MailboxNotEnabledForRESTAPI)."""
        with self.lock:
            box = Mailbox(str(uuid.uuid4()), email, name, time_zone, teams, has_mailbox=mailbox)
            self.mailboxes[box.id] = box
            return box

    def add_room(
        self,
        email: str,
        name: str,
        capacity: int | None = None,
        building: str | None = None,
        floor: int | None = None,
        room_list: str | None = None,
        *,
        auto_accept: bool = True,
    ) -> Mailbox:
        """A room mailbox (resource): it accepts when free and declines when busy."""
        with self.lock:
            room = Mailbox(
                str(uuid.uuid4()), email, name, teams=False, is_room=True, capacity=capacity,
                building=building, floor=floor, room_list=room_list, auto_accept=auto_accept,
            )  # fmt: skip
            self.mailboxes[room.id] = room
            return room

    def mailbox(self, key: str) -> Mailbox:
        found = self.mailbox_or_none(key)
        if found is None:
            raise KeyError(key)
        return found

    def mailbox_or_none(self, key: str) -> Mailbox | None:
        if key in self.mailboxes:
            return self.mailboxes[key]
        lowered = key.lower()
        for mailbox in self.mailboxes.values():
            if mailbox.email.lower() == lowered or mailbox.id.lower() == lowered:
                return mailbox
        return None

    def tenant_of(self, mailbox: Mailbox) -> str:
        return self.tenant_id

    # ------------------------------------------------------------------ other clients

    def put_event(self, mailbox: str, body: JSON) -> JSON:
        """Another client (Outlook) writes an event into a mailbox; returns it as stored."""
        with self.lock:
            box = self.mailbox(mailbox)
            checked = graph_api.sdk_round_trip(body)
            event = scheduling.new_event(self, box, checked)
            scheduling.apply(self, box, event, checked, creating=True)
            scheduling.store(self, box, event)
            scheduling.propagate(self, box, event, times_changed=True)
            return json.loads(json.dumps(event))

    def update_event(self, mailbox: str, ical_uid: str, changes: JSON) -> JSON:
        """Another client (Outlook) edits an event's fields (not its time); returns it."""
        with self.lock:
            box = self.mailbox(mailbox)
            event_id = scheduling.find_by_uid(box, ical_uid)
            if event_id is None:
                raise KeyError(f"{mailbox} holds no event {ical_uid}")
            event = box.events[event_id]
            scheduling.apply(self, box, event, graph_api.sdk_round_trip(changes), creating=False)
            scheduling.store(self, box, event)
            scheduling.propagate(self, box, event, times_changed=False)
            return json.loads(json.dumps(event))

    def respond(self, mailbox: str, ical_uid: str, response: str) -> None:
        """The attendee answers (``accepted``, ``tentativelyAccepted``, ``declined``) from
        their Outlook: their copy and the organiser's ``attendees[].status`` change."""
        if response not in ("accepted", "tentativelyAccepted", "declined", "notResponded"):
            raise ValueError(response)
        with self.lock:
            scheduling.respond(self, self.mailbox(mailbox), ical_uid, response)

    def override_occurrence(
        self, mailbox: str, ical_uid: str, day: date, changes: JSON | None
    ) -> None:
        """The organiser changes one occurrence of a series from Outlook (`changes` as Graph
        JSON, e.g. ``{"start": {...}, "end": {...}}``: it becomes ``type: exception``), or
        cancels it (`changes` None: it leaves the series)."""
        with self.lock:
            box = self.mailbox(mailbox)
            event_id = scheduling.find_by_uid(box, ical_uid)
            if event_id is None:
                raise KeyError(ical_uid)
            master = box.events[event_id]
            master.setdefault("_exceptions", {})[day.isoformat()] = (
                None if changes is None else graph_api.sdk_round_trip(changes)
            )
            scheduling.store(self, box, master)
            scheduling.propagate(self, box, master, times_changed=False)

    def remove_event(self, mailbox: str, ical_uid: str) -> None:
        """The mailbox's owner deletes the event from Outlook (a cancelled copy, say)."""
        with self.lock:
            box = self.mailbox(mailbox)
            event_id = scheduling.find_by_uid(box, ical_uid)
            if event_id is None:
                raise KeyError(ical_uid)
            scheduling.remove(self, box, event_id)

    def events(self, mailbox: str) -> list[JSON]:
        """The mailbox's stored events (series masters, not occurrences), as a test reads them."""
        with self.lock:
            return json.loads(json.dumps(list(self.mailbox(mailbox).events.values())))

    def event(self, mailbox: str, ical_uid: str) -> JSON:
        with self.lock:
            box = self.mailbox(mailbox)
            event_id = scheduling.find_by_uid(box, ical_uid)
            if event_id is None:
                raise KeyError(f"{mailbox} holds no event {ical_uid}")
            return json.loads(json.dumps(box.events[event_id]))

    # ------------------------------------------------------------------ faults and the log

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 429,
        code: str | None = None,
        message: str | None = None,
        paths: tuple[str, ...] | None = None,
        retry_after: int | None = 0,
    ) -> None:
        """The next `count` API calls (those whose path contains one of `paths`, if given;
        parts of a $batch included, the $batch itself only if `paths` names it) fail so.
        kiota's RetryHandler retries 429/503/504 itself: keep ``retry_after=0``."""
        default_code = {429: "TooManyRequests", 503: "ServiceNotAvailable",
                        504: "GatewayTimeout"}.get(status, "generalException")  # fmt: skip
        default_message = {
            429: "Application is over its MailboxConcurrency limit.",
            503: "The service is currently unavailable.",
        }.get(status, "An error occurred.")  # fmt: skip
        with self.lock:
            self._faults.append(Fault(status, code or default_code, message or default_message,
                                      retry_after, count, paths))  # fmt: skip

    def expire_delta_tokens(self, code: str | None = None) -> None:
        """Every delta and skip token handed out so far is gone: 410 Gone (``resyncRequired``)
        or, with `code` ``"syncStateNotFound"`` / ``"resyncRequired"``, a 400 with that code."""
        with self.lock:
            self._delta.clear()
            self._delta_expired = DELTA_EXPIRY[code]

    def clear_log(self) -> None:
        with self.lock:
            self.round_trips.clear()
            self.requests.clear()

    def tick(self) -> int:
        self._stamp = next(self._clock)
        return self._stamp

    def clock_now(self) -> int:
        return self._stamp

    def new_delta_token(self, state: DeltaState) -> str:
        token = secrets.token_urlsafe(24)
        self._delta[token] = state
        return token

    def delta_state(self, token: str) -> DeltaState:
        state = self._delta.get(token)
        if state is None:
            status, code, message = self._delta_expired or DELTA_EXPIRY["syncStateNotFound"]
            raise GraphError(status, code, message)
        return state

    # ------------------------------------------------------------------ HTTP

    def handle_http(
        self, method: str, target: str, headers: dict[str, str], body: bytes, *, tls: bool
    ) -> tuple[int, dict[str, str], bytes]:
        if self.latency:
            time.sleep(self.latency)
        path = urllib.parse.urlsplit(target).path
        try:
            if tls:
                status, out, payload = self._login_http(method, target, body)
            elif path.rstrip("/") == "/v1.0/$batch":
                status, out, payload = self._batch_http(method, headers, body)
            else:
                status, out, payload = self.call(method, target, headers, body)
                return status, out, payload
        except Exception as error:
            status, out, payload = self._internal_error(error)
        with self.lock:
            self.round_trips.append(RoundTrip(method, path, status))
        return status, out, payload

    def _internal_error(self, error: Exception) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.internal_errors.append("".join(traceback.format_exception(error)))
        body = GraphError(500, "generalException", f"The fake failed: {error!r}").body()
        return 500, {"Content-Type": JSON_TYPE}, json.dumps(body).encode()

    def _login_http(
        self, method: str, target: str, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urllib.parse.urlsplit(target)
        parts = [p for p in split.path.split("/") if p]
        headers = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
        try:
            if method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                if parts[0].lower() not in self.tenants and parts[0] not in (
                    "common",
                    "organizations",
                ):
                    raise login.unknown_tenant(parts[0])
                answer = login.openid_configuration(self.authority, parts[0])
                return 200, headers, json.dumps(answer).encode()
            if method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
                form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
                answer = login.token(self, parts[0], form, self.authority)
                return 200, headers, json.dumps(answer).encode()
            return 404, headers, b'{"error": "not_found"}'
        except OAuthError as error:
            return error.status, headers, json.dumps(error.body()).encode()

    def call(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes | Any,
        *,
        in_batch: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        """One Graph call (a whole request, or a part of a $batch): Graph's JSON either way."""
        split = urllib.parse.urlsplit(target)
        path = split.path
        if path.startswith("/v1.0"):
            path = path[len("/v1.0") :]
        path = "/" + urllib.parse.unquote(path).lstrip("/")
        lowered = {name.lower(): value for name, value in headers.items()}
        client_request_id = lowered.get("client-request-id")
        out = {"Content-Type": JSON_TYPE, "request-id": str(uuid.uuid4())}
        if client_request_id:
            out["client-request-id"] = client_request_id
        parsed: Any = None
        try:
            if isinstance(body, bytes | bytearray):
                if body:
                    try:
                        parsed = json.loads(body)
                    except ValueError:
                        raise bad_request("Unable to read JSON request payload. Please ensure "
                                          "Content-Type header is set and payload is of valid "
                                          "JSON format.") from None  # fmt: skip
            else:
                parsed = body
            query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
            matched = graph_api.match(method, path)
            if matched is None:
                segment = path.strip("/").split("/")[-1]
                raise GraphError(400, "BadRequest",
                                 f"Resource not found for the segment '{segment}'.")  # fmt: skip
            route, params = matched
            request = graph_api.Request(method, path, query, parsed, lowered, None, params,
                                        in_batch)  # fmt: skip
            with self.lock:
                request.grant = self._authorise(route, params, lowered)
                self._inject_fault(path)
                self.requests.append((method, path, parsed))
                status, answer = route.handler(self, request)
            if "prefer" in lowered:
                applied = [p.strip() for p in lowered["prefer"].split(",")
                           if p.strip().lower().startswith(_PREFERENCES)]  # fmt: skip
                if applied:
                    out["Preference-Applied"] = ", ".join(applied)
            payload = b"" if answer is None else json.dumps(answer).encode()
            if answer is None:
                del out["Content-Type"]
            elif answer.get("@odata.etag"):
                out["ETag"] = answer["@odata.etag"]
        except GraphError as error:
            status, payload = error.status, json.dumps(error.body(client_request_id)).encode()
            out.update(error.headers)
        except Exception as error:  # a bug of the fake: say so, in the answer and in the log
            status, _, payload = self._internal_error(error)
        with self.lock:
            self.round_trips.append(RoundTrip(method, path, status, in_batch))
        return status, out, payload

    def _authorise(
        self, route: graph_api.Route, params: dict[str, str], headers: dict[str, str]
    ) -> Grant:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        grant = self.access_tokens.get(token)
        if grant is None:
            raise GraphError(401, "InvalidAuthenticationToken",
                             "Access token validation failure. Invalid audience.")  # fmt: skip
        if grant.expires <= self.now():
            raise GraphError(401, "InvalidAuthenticationToken",
                             "Lifetime validation failed, the token is expired.")  # fmt: skip
        if not grant.roles:
            if route.mailbox:
                raise GraphError(401, "NoPermissionsInAccessToken",
                                 "The token contains no permissions, or permissions can not be "
                                 "understood.")  # fmt: skip
            raise GraphError(403, "Authorization_RequestDenied",
                             "Insufficient privileges to complete the operation.")  # fmt: skip
        if not set(grant.roles) & set(route.permissions):
            if route.mailbox:
                raise access_denied()
            code = "Authorization_RequestDenied" if "user" in params else "ErrorAccessDenied"
            raise GraphError(403, code,
                             "Insufficient privileges to complete the operation.")  # fmt: skip
        allowed = grant.app.mailboxes
        if route.mailbox and allowed is not None:
            mailbox = self.mailbox_or_none(params.get("user", ""))
            names = {params.get("user", "").lower()}
            if mailbox is not None:
                names |= {mailbox.email.lower(), mailbox.id.lower()}
            if not names & allowed:
                raise GraphError(403, "ErrorAccessDenied", RAOP_MESSAGE)
        return grant

    def _inject_fault(self, path: str) -> None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                headers = (
                    {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                )
                raise GraphError(fault.status, fault.code, fault.message, headers)

    def _batch_http(
        self, method: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        out = {"Content-Type": JSON_TYPE, "request-id": str(uuid.uuid4())}
        try:
            if method != "POST":
                raise GraphError(405, "BadRequest", "$batch takes POST.")
            with self.lock:
                for fault in self._faults:  # a fault naming $batch fails the whole batch
                    if fault.paths and any("$batch" in p for p in fault.paths):
                        self._inject_fault("/$batch")
            try:
                requests = json.loads(body)["requests"]
            except (ValueError, KeyError, TypeError):
                raise bad_request("Invalid batch payload format.") from None
            if len(requests) > MAX_BATCH_REQUESTS:
                raise bad_request(
                    f"Number of requests in a batch cannot exceed {MAX_BATCH_REQUESTS}."
                )
            for item in requests:
                has_type = any(k.lower() == "content-type" for k in item.get("headers") or {})
                if item.get("body") is not None and not has_type:
                    raise bad_request(f"Write request id : {item.get('id')} does not contain "
                                      "Content-Type header or body.")  # fmt: skip
            ids = [str(r.get("id")) for r in requests]
            if len(set(ids)) != len(ids):
                raise bad_request("Request Id must be unique within a batch.")
            results: dict[str, int] = {}
            responses = []
            for item in requests:
                responses.append(self._batch_item(item, headers, results))
            if not self.batch_in_order:
                responses.reverse()
            payload = json.dumps({"responses": responses}).encode()
            return 200, out, payload
        except GraphError as error:
            return error.status, out | error.headers, json.dumps(error.body()).encode()

    def _batch_item(self, item: JSON, outer: dict[str, str], results: dict[str, int]) -> JSON:
        request_id = str(item.get("id"))
        depends = [str(d) for d in item.get("dependsOn") or []]
        if any(results.get(d, 424) >= 400 for d in depends):
            results[request_id] = 424
            body = GraphError(424, "BadRequest", "Failed dependency.").body()
            return {
                "id": request_id,
                "status": 424,
                "headers": {"Content-Type": "application/json"},
                "body": body,
            }
        headers = {
            k: v for k, v in outer.items() if k.lower() in ("authorization", "client-request-id")
        }
        headers.update(item.get("headers") or {})
        url = str(item.get("url", ""))
        if url.startswith(("http://", "https://")):
            raise bad_request("Batch request URLs must be relative.")
        body = item.get("body")
        if isinstance(body, str):  # a body that is not a JSON object comes base64-encoded
            body = base64.b64decode(body)
        status, out, payload = self.call(str(item.get("method", "GET")).upper(), url, headers,
                                         body, in_batch=True)  # fmt: skip
        results[request_id] = status
        answer: JSON = {"id": request_id, "status": status, "headers": out}
        if payload:
            answer["body"] = json.loads(payload)
        return answer
