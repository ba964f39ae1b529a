"""Helpers of the CalDAV tests: a test calendar, an attendee's reply, a misbehaving proxy."""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from panelist.providers import EventDraft, ResponseStatus
from panelist_caldav.provider import CalDAVCalendarProvider
from panelist_caldav.testing import RadicaleServer

HTPASSWD_USER, HTPASSWD_PASSWORD = "carol", "correct horse battery staple"
ProviderFactory = Callable[..., CalDAVCalendarProvider]
Answer = tuple[int, dict[str, str]]


def ics(uid: str, *lines: str, extra_components: str = "") -> str:
    """A VCALENDAR with one VEVENT of `uid` and `lines`, as another calendar app writes it."""
    body = "\r\n".join(["DTSTAMP:20260101T000000Z", f"UID:{uid}", *lines])
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other App//EN\r\n"
        f"BEGIN:VEVENT\r\n{body}\r\nEND:VEVENT\r\n{extra_components}END:VCALENDAR\r\n"
    )


@dataclass
class Calendar:
    """A fresh calendar of a fresh user on the session's Radicale."""

    server: RadicaleServer
    user: str
    calendar_id: str

    def put(self, name: str, ics: str | bytes) -> int:
        return self.server.put_ics(self.user, self.calendar_id, name, ics)

    def get(self, name: str) -> tuple[int, dict[str, str], bytes]:
        return self.server.request("GET", self.calendar_id + name, user=self.user)

    def delete(self, name: str) -> int:
        status, _, _ = self.server.request("DELETE", self.calendar_id + name, user=self.user)
        return status

    def files(self) -> list[str]:
        return sorted(p.name for p in (self.server.storage / self.calendar_id).glob("*.ics"))


def answer_invitation(
    server: RadicaleServer, user: str, calendar_id: str, uid: str, email: str, status: str
) -> None:
    """What an attendee's calendar app does with a reply: rewrite PARTSTAT and PUT it back."""
    partstat = ResponseStatus(status).name.replace("_", "-")
    with _edited(server, user, f"{calendar_id}{uid}.ics") as calendar:
        for vevent in calendar.walk("VEVENT"):
            for attendee in _as_list(vevent.get("attendee")):
                if str(attendee).lower().removeprefix("mailto:") == email.lower():
                    attendee.params["PARTSTAT"] = partstat


def add_override(
    server: RadicaleServer,
    user: str,
    calendar_id: str,
    uid: str,
    recurrence_id: datetime,
    draft: EventDraft,
) -> None:
    """What another calendar app does to move one occurrence: add a VEVENT with a
    RECURRENCE-ID to the series' resource and PUT it back."""
    import icalendar

    with _edited(server, user, f"{calendar_id}{uid}.ics") as calendar:
        moved = icalendar.Event()
        moved.add("uid", uid)
        moved.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        moved.add("recurrence-id", recurrence_id)
        moved.add("dtstart", draft.start)
        moved.add("dtend", draft.end)
        moved.add("summary", draft.summary)
        calendar.add_component(moved)


@contextlib.contextmanager
def _edited(server: RadicaleServer, user: str, path: str) -> Iterator[Any]:
    """The object at `path` as another client edits it: read, changed in the block, PUT back
    only if nobody changed it meanwhile (If-Match)."""
    import icalendar

    code, headers, body = server.request("GET", path, user=user)
    assert code == 200, (code, body)
    calendar = icalendar.Calendar.from_ical(body)
    yield calendar
    code, _, body = server.request(
        "PUT",
        path,
        calendar.to_ical(),
        {"Content-Type": "text/calendar", "If-Match": headers["ETag"]},
        user=user,
    )
    assert code in (201, 204), (code, body)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class FlakyProxy:
    """Forwards to an upstream server; rules make chosen requests fail or stall.

    ``proxy.fail_with(500)`` answers everything with 500 from now on;
    ``proxy.fail_with(500, method="REPORT", body_has=b"calendar-multiget")``
    only those requests; ``proxy.stall(seconds)`` sleeps before answering;
    ``proxy.before(method, callback)`` runs a callback before forwarding;
    ``proxy.rewrite(old, new)`` edits request bodies. ``proxy.heal()`` removes every rule.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.rules: list[tuple[str | None, bytes, Callable[[], Answer | None]]] = []
        self.seen: list[tuple[str, str]] = []
        self.rewrites: list[tuple[bytes, bytes]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def handle_one_request(self) -> None:
                with contextlib.suppress(ConnectionError, TimeoutError):
                    super().handle_one_request()

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return lambda: proxy._handle(self)
                raise AttributeError(name)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def fail_with(
        self,
        status: int,
        method: str | None = None,
        body_has: bytes = b"",
        *,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer matching requests with `status` (`times` times, or from now on)."""
        left = [times]

        def answer() -> tuple[int, dict[str, str]] | None:
            if left[0] is not None:
                if left[0] <= 0:
                    return None
                left[0] -= 1
            return status, headers or {}

        self.rules.append((method, body_has, answer))

    def stall(self, seconds: float, method: str | None = None, body_has: bytes = b"") -> None:
        def sleep() -> tuple[int, dict[str, str]]:
            time.sleep(seconds)
            return 504, {}

        self.rules.append((method, body_has, sleep))

    def before(self, method: str, callback: Callable[[], None], body_has: bytes = b"") -> None:
        """Run `callback` once, just before forwarding the next matching request."""
        done: list[bool] = []

        def run() -> None:
            if not done:
                done.append(True)
                callback()

        self.rules.append((method, body_has, lambda: run()))

    def rewrite(self, old: bytes, new: bytes) -> None:
        """Replace `old` with `new` in every request body (to play a less capable client)."""
        self.rewrites.append((old, new))

    def heal(self) -> None:
        self.rules.clear()
        self.rewrites.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", 0) or 0)
        body = handler.rfile.read(length) if length else b""
        self.seen.append((handler.command, handler.path))
        for method, body_has, action in list(self.rules):
            if (method is None or method == handler.command) and body_has in body:
                answer = action()
                if answer is not None:
                    self._answer(handler, answer[0], answer[1], b"proxy says no")
                    return
        for old, new in self.rewrites:
            body = body.replace(old, new)
        self._forward(handler, body)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {
            k: v
            for k, v in handler.headers.items()
            if k.lower() not in ("host", "connection", "content-length")
        }
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            upstream.request(handler.command, handler.path, body, headers)
            response = upstream.getresponse()
            answer = response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ("connection", "transfer-encoding", "content-length")
            }
            self._answer(handler, response.status, kept, answer)
        finally:
            upstream.close()

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
