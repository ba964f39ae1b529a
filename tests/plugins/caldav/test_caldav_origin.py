"""Credentials go only to the configured CalDAV server (issue 10, item 2).

A second loopback server plays "another host": it records every request it
gets. Calendar ids, hrefs in the server's answers and redirects that point
there must never bring it a request with the password.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import keyring
import pytest
from caldav_helpers import Calendar, FlakyProxy, ProviderFactory, ics
from click.testing import CliRunner
from keyring.backends.null import Keyring as NullKeyring
from sqlite_utils import Database

from panelist.cli import build_cli
from panelist.clock import FrozenClock
from panelist.errors import ForeignOrigin, PanelistError
from panelist.plugins import PluginRegistry
from panelist.providers import EventDraft
from panelist.services.calendar_view import load_calendar_view
from panelist.services.directory import find_employee_by_email
from panelist.workspace import Workspace
from panelist_caldav.provider import CalDAVCalendarProvider
from panelist_caldav.testing import RadicaleServer

PASSWORD = "s3cret-never-elsewhere"
HOURS = json.dumps({"mon": [["09:00", "17:00"]]})


class OtherHost:
    """A loopback HTTP server that records each request: (method, path, Authorization)."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler], None] | None = None) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return lambda: host._handle(self)
                raise AttributeError(name)

        self._answer = answer or _not_found
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def with_credentials(self) -> list[tuple[str, str, str | None]]:
        return [request for request in self.requests if request[2] is not None]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", 0) or 0)
        if length:
            handler.rfile.read(length)
        self.requests.append((handler.command, handler.path, handler.headers.get("Authorization")))
        self._answer(handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _not_found(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(404)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


@pytest.fixture
def other_host() -> Iterator[OtherHost]:
    host = OtherHost()
    yield host
    host.close()


def hostile_ids(port: int) -> list[str]:
    """Calendar ids that would lead a naive join to 127.0.0.1:`port` (or another host)."""
    return [
        f"//127.0.0.1:{port}/calendars/ana/",
        f"//localhost:{port}/calendars/ana/",
        f"http://127.0.0.1:{port}/calendars/ana/",
        f"HTTP://127.0.0.1:{port}/calendars/ana/",
        f"https://127.0.0.1:{port}/calendars/ana/",
        f"http://user@127.0.0.1:{port}/calendars/ana/",
        f"\\\\127.0.0.1:{port}\\calendars\\ana\\",
        f"/\\127.0.0.1:{port}/calendars/ana/",
        f"http:\\\\127.0.0.1:{port}/calendars/ana/",
        f" //127.0.0.1:{port}/calendars/ana/",
        f"//127.0.0.1:{port}\t/calendars/ana/",
    ]


async def every_operation(provider: CalDAVCalendarProvider, calendar_id: str, when: Any) -> int:
    """Call each operation that takes a calendar id; count those refused as ForeignOrigin."""
    draft = EventDraft(summary="Interview", start=when, end=when + timedelta(hours=1))
    operations = [
        lambda: provider.list_events(calendar_id, when, when + timedelta(days=7)),
        lambda: provider.free_busy([calendar_id], when, when + timedelta(days=7)),
        lambda: provider.busy_times(calendar_id, when, when + timedelta(days=7)),
        lambda: provider.get_event(calendar_id, "uid-1"),
        lambda: provider.create_event(calendar_id, draft, "key-1"),
        lambda: provider.update_event(calendar_id, "uid-1", draft),
        lambda: provider.delete_event(calendar_id, "uid-1"),
        lambda: provider.sync(calendar_id, None),
        lambda: provider.calendar_info(calendar_id),
        lambda: provider.attendee_responses(calendar_id, "uid-1"),
    ]
    refused = 0
    for operation in operations:
        with contextlib.suppress(ForeignOrigin):
            await operation()
            continue
        refused += 1
    return refused


@pytest.mark.anyio
async def test_no_operation_sends_a_request_to_a_calendar_id_on_another_host(
    calendar: Calendar, make_provider: ProviderFactory, other_host: OtherHost, clock: FrozenClock
) -> None:
    provider = make_provider(calendar.server.url, calendar.user, password=PASSWORD)
    for calendar_id in hostile_ids(other_host.port):
        assert await every_operation(provider, calendar_id, clock.now()) == 10, calendar_id
    assert other_host.requests == []
    # The configured server still works, through the same provider.
    assert await provider.list_events(calendar.calendar_id, clock.now(), clock.now()) == []


def test_the_refusal_names_the_id_and_the_server(radicale: RadicaleServer) -> None:
    provider_settings = {"url": radicale.url}
    problem = CalDAVCalendarProvider.check_calendar_id(provider_settings, "//evil:8443/ana/")
    assert problem == (
        f"CalDAV: calendar id '//evil:8443/ana/' is not on the server "
        f"http://127.0.0.1:{radicale.port} (credentials are only sent to the configured server)"
    )
    assert CalDAVCalendarProvider.check_calendar_id(provider_settings, "ana/interviews/") is None
    same_server = f"http://LOCALHOST.:{radicale.port}/ana/".replace("LOCALHOST.", "127.0.0.1")
    assert CalDAVCalendarProvider.check_calendar_id(provider_settings, same_server) is None


def test_without_a_server_url_only_plain_paths_pass() -> None:
    assert CalDAVCalendarProvider.check_calendar_id({}, "ana/interviews/") is None
    assert CalDAVCalendarProvider.check_calendar_id({}, "//evil/ana/") == (
        "CalDAV: calendar id '//evil/ana/' cannot be checked: no server URL is set (setting 'url')"
    )


class HrefRewriter(FlakyProxy):
    """A proxy in front of Radicale that makes its answers point at another host."""

    def __init__(self, upstream_port: int, old: bytes, new: bytes) -> None:
        super().__init__(upstream_port)
        self.old, self.new = old, new

    def _answer(  # type: ignore[override]
        self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        if headers.pop("Content-Encoding", None) == "gzip":  # Radicale compresses its answers
            body = gzip.decompress(body)
        FlakyProxy._answer(handler, status, headers, body.replace(self.old, self.new))


@pytest.mark.anyio
@pytest.mark.parametrize("href", ["//127.0.0.1:{port}/stolen.ics", "http://127.0.0.1:{port}/x.ics"])
async def test_an_href_from_the_server_to_another_host_is_not_followed(
    calendar: Calendar, make_provider: ProviderFactory, other_host: OtherHost, href: str
) -> None:
    """An event stored under another name is found by uid; its href is then used to delete it."""
    calendar.put("stored-elsewhere.ics", ics("uid-7", "DTSTART:20261130T100000Z", "SUMMARY:x"))
    path = f"/{calendar.calendar_id}stored-elsewhere.ics".encode()
    proxy = HrefRewriter(calendar.server.port, path, href.format(port=other_host.port).encode())
    try:
        provider = make_provider(proxy.url, calendar.user, password=PASSWORD)
        with contextlib.suppress(PanelistError):
            await provider.delete_event(calendar.calendar_id, "uid-7")
    finally:
        proxy.close()
    assert other_host.requests == []
    assert calendar.files() == ["stored-elsewhere.ics"]


@pytest.mark.anyio
async def test_an_href_with_a_space_on_the_server_is_still_followed(
    calendar: Calendar, make_provider: ProviderFactory
) -> None:
    """The caldav library hands hrefs back unquoted: a space is not a reason to refuse."""
    calendar.put("a%20b.ics", ics("uid-8", "DTSTART:20261130T100000Z", "SUMMARY:x"))
    provider = make_provider(calendar.server.url, calendar.user, password=PASSWORD)
    event = await provider.get_event(calendar.calendar_id, "uid-8")
    draft = EventDraft(summary="moved", start=event.start, end=event.start + timedelta(hours=1))
    await provider.update_event(calendar.calendar_id, "uid-8", draft)
    assert (await provider.get_event(calendar.calendar_id, "uid-8")).summary == "moved"
    await provider.delete_event(calendar.calendar_id, "uid-8")
    assert calendar.files() == []


@pytest.mark.anyio
@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_to_another_host_carries_no_credentials(
    make_provider: ProviderFactory, other_host: OtherHost, clock: FrozenClock, status: int
) -> None:
    def redirect(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", f"http://127.0.0.1:{other_host.port}{handler.path}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    configured = OtherHost(redirect)
    try:
        provider = make_provider(f"http://127.0.0.1:{configured.port}/", "ana", password=PASSWORD)
        with contextlib.suppress(Exception):
            await provider.list_events("ana/interviews/", clock.now(), clock.now())
    finally:
        configured.close()
    assert configured.with_credentials, "the configured server gets the credentials"
    assert other_host.with_credentials == []


# --------------------------------------------------------------------------- doctor, view, import


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PANELIST_CALDAV_PASSWORD", PASSWORD)
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())
    yield
    keyring.set_keyring(previous)


def mapped_company(db: Database, server_url: str, calendar_id: str) -> None:
    """One employee whose calendar id was written straight into the database."""
    db["provider_settings"].insert_all(
        {"provider": "caldav", "key": key, "value": value}
        for key, value in {"url": server_url, "username": "ana", "timeout": "5"}.items()
    )
    db["employees"].insert(
        {
            "email": "ana@example.org",
            "name": "Ana de Vries",
            "timezone": "Europe/Amsterdam",
            "working_hours": HOURS,
            "calendar_provider": "caldav",
            "calendar_id": calendar_id,
            "active": 1,
        }
    )


@pytest.mark.usefixtures("no_keyring")
def test_doctor_reports_a_foreign_calendar_id_and_sends_it_nothing(
    db: Database, db_path: Path, radicale: RadicaleServer, other_host: OtherHost
) -> None:
    mapped_company(db, radicale.url, f"//127.0.0.1:{other_host.port}/calendars/ana/")
    result = CliRunner().invoke(build_cli(), ["doctor", "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert f"'//127.0.0.1:{other_host.port}/calendars/ana/' is not on the server" in result.output
    assert "Traceback" not in result.output
    assert other_host.requests == []


@pytest.mark.anyio
@pytest.mark.usefixtures("no_keyring")
async def test_the_calendar_view_reports_a_foreign_calendar_id_and_sends_it_nothing(
    db: Database,
    db_path: Path,
    registry: PluginRegistry,
    clock: FrozenClock,
    radicale: RadicaleServer,
    other_host: OtherHost,
) -> None:
    mapped_company(db, radicale.url, f"//127.0.0.1:{other_host.port}/calendars/ana/")
    ana = find_employee_by_email(db, "ana@example.org")
    assert ana is not None
    ws = Workspace(db, db_path, registry, clock, ana)
    try:
        view = await load_calendar_view(
            ws, [ana.id], [], clock.now(), clock.now() + timedelta(days=7)
        )
    finally:
        await ws.calendar_provider("caldav").aclose()
    assert any("is not on the server" in problem for problem in view.problems), view.problems
    assert other_host.requests == []


def import_employees(db_path: Path, tmp_path: Path, *calendar_ids: str) -> Any:
    file = tmp_path / f"employees-{uuid.uuid4().hex[:6]}.json"
    rows = [
        {
            "email": f"person{number}@example.org",
            "name": f"Person {number}",
            "timezone": "Europe/Amsterdam",
            "working_hours": "mon-fri 09:00-17:00",
            "calendar_provider": "caldav",
            "calendar_id": calendar_id,
        }
        for number, calendar_id in enumerate(calendar_ids, start=1)
    ]
    file.write_text(json.dumps(rows))
    return CliRunner().invoke(build_cli(), ["import", "employees", str(file), "--db", str(db_path)])


def test_import_refuses_a_calendar_id_on_another_host_naming_row_and_field(
    db: Database, db_path: Path, tmp_path: Path, radicale: RadicaleServer
) -> None:
    db["provider_settings"].insert_all(
        [{"provider": "caldav", "key": "url", "value": radicale.url}]
    )
    for calendar_id in hostile_ids(8443):
        result = import_employees(db_path, tmp_path, "ana/interviews/", calendar_id)
        assert result.exit_code != 0, calendar_id
        # An id with a control character is refused sooner, by core's plain-text rule.
        reason = "must not hold the control" if "\t" in calendar_id else "CalDAV: calendar id"
        assert f"row 2, field 'calendar_id': {reason}" in result.output, result.output
        assert "Traceback" not in result.output
        assert db.execute("SELECT count(*) FROM employees").fetchone()[0] == 0
    same_server = f"http://127.0.0.1:{radicale.port}/bob/interviews/"
    result = import_employees(db_path, tmp_path, "ana/interviews/", same_server)
    assert result.exit_code == 0, result.output
    assert db.execute("SELECT count(*) FROM employees").fetchone()[0] == 2
