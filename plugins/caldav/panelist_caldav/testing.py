"""A real Radicale server on loopback, for tests and benchmarks (needs ``radicale`` installed).

Radicale runs as ``python -m radicale`` in a subprocess with ``--config ""`` (no
system or user config), its storage in a folder of the caller's, on a free
port of 127.0.0.1, and is stopped on exit. Rights come from a file: each user
owns ``<user>/<calendar>/``; calendars named ``busy-*`` grant every user
free/busy only and ``readonly-*`` read only, so tests can show both.

Requests here are raw `http.client` calls, independent of the provider under
test: they play the other calendar apps and the administrator.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal
from xml.sax.saxutils import escape

RIGHTS = """
[root]
user: .*
collection:
permissions: R

[principal]
user: .+
collection: {user}
permissions: RW

[own-calendars]
user: .+
collection: {user}/[^/]+
permissions: rw

[shared-free-busy]
user: .+
collection: [^/]+/busy-[^/]+
permissions: f

[shared-read-only]
user: .+
collection: [^/]+/readonly-[^/]+
permissions: r
"""

_MKCALENDAR = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
    "<D:displayname>{name}</D:displayname>"
    '<C:supported-calendar-component-set><C:comp name="VEVENT"/>'
    "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RadicaleServer:
    """``with RadicaleServer(folder) as server:`` … ``server.url`` answers CalDAV."""

    def __init__(
        self,
        folder: Path,
        *,
        auth: Literal["none", "htpasswd"] = "none",
        users: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.folder = folder
        self.auth = auth
        self.users = dict(users or {})
        self.extra_args = tuple(extra_args)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def storage(self) -> Path:
        """Radicale's filesystem storage: ``<storage>/<user>/<calendar>/<name>.ics``."""
        return self.folder / "collections" / "collection-root"

    # ------------------------------------------------------------------ lifecycle

    def start(self, wait: float = 30.0) -> RadicaleServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        rights = self.folder / "rights"
        rights.write_text(RIGHTS)
        args = [
            sys.executable, "-m", "radicale", "--config", "",
            "--server-hosts", f"127.0.0.1:{self._pick_port()}",
            "--storage-filesystem-folder", str(self.folder / "collections"),
            "--rights-type", "from_file", "--rights-file", str(rights),
            "--auth-delay", "0", "--logging-level", "error",
            *self._auth_args(), *self.extra_args,
        ]  # fmt: skip
        log = (self.folder / "radicale.log").open("wb")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_until_up(wait)
        return self

    def _pick_port(self) -> int:
        self.port = free_port()
        return self.port

    def _auth_args(self) -> list[str]:
        if self.auth == "none":
            return ["--auth-type", "none"]
        users = self.folder / "users"
        users.write_text("".join(f"{name}:{password}\n" for name, password in self.users.items()))
        return [
            "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(users),
            "--auth-htpasswd-encryption", "plain", "--no-auth-cache-logins",
        ]  # fmt: skip

    def _wait_until_up(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.folder / "radicale.log").read_text(errors="replace")
                raise RuntimeError(f"Radicale exited with {self.process.returncode}:\n{log}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Radicale did not listen on port {self.port} within {wait} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> RadicaleServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ raw requests

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
        *,
        user: str | None = None,
        password: str = "",
        timeout: float = 60.0,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request as `user`: (status, headers, body)."""
        sent = dict(headers or {})
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            sent["Authorization"] = f"Basic {token}"
        payload = body.encode() if isinstance(body, str) else body
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, "/" + path.lstrip("/"), payload, sent)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def make_calendar(self, user: str, name: str, *, password: str = "") -> str:
        """A new, empty calendar owned by `user`; returns its id ``<user>/<name>/``."""
        calendar_id = f"{user}/{name}/"
        body = _MKCALENDAR.format(name=escape(name))
        status, _, answer = self.request(
            "MKCALENDAR",
            calendar_id,
            body,
            {"Content-Type": "text/xml"},
            user=user,
            password=password,
        )
        if status != 201:
            raise RuntimeError(f"MKCALENDAR {calendar_id} failed: {status} {answer[:200]!r}")
        return calendar_id

    def put_ics(self, user: str, calendar_id: str, name: str, ics: bytes | str) -> int:
        """PUT an .ics as another calendar app would; returns the status."""
        status, _, _ = self.request(
            "PUT", calendar_id + name, ics, {"Content-Type": "text/calendar"}, user=user
        )
        return status

    def write_file(self, calendar_id: str, name: str, ics: bytes | str) -> Path:
        """Put a file into the calendar's folder behind the server's back (it validates PUTs)."""
        path = self.storage / calendar_id / name
        path.write_bytes(ics.encode() if isinstance(ics, str) else ics)
        return path
