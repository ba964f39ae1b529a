"""A threaded HTTP(S) server on 127.0.0.1 for the loopback fakes of remote APIs (Google,
Microsoft Graph, …): every request is handed to one function, which answers it.

No timed waits anywhere (libfaketime, which CI runs the subprocess tests under, would
stretch them): the serving thread blocks in ``accept`` and is woken on stop by a
connection of its own, and connections kept alive by clients are shut down then, so their
handler threads return.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Answer = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]
"""``answer(method, target, headers, body) -> (status, headers, body)``."""


class LoopbackHTTPServer:
    def __init__(
        self, answer: Answer, *, name: str = "fake-http", tls: tuple[Path, Path] | None = None
    ) -> None:
        """`tls`: (certificate chain, key) files to serve https with."""
        self.answer = answer
        self.name = name
        self.tls = tls
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> LoopbackHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        server.timeout = None
        self._server, self._stopping = server, False
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._server is not None
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
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def _handler_for(owner: LoopbackHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            owner._track(self.connection, True)

        def finish(self) -> None:
            owner._track(self.connection, False)
            with contextlib.suppress(OSError):
                super().finish()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = dict(self.headers.items())
            status, out_headers, payload = owner.answer(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
