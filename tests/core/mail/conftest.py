"""Real servers on 127.0.0.1 for the mail tests: aiosmtpd, a silent socket, a closed port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from mail_servers import DEMO_NOW, SMTP_PASSWORD, SMTP_USER, SmtpServer, free_port
from smtp_helpers import Received
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.demo import build_demo_company
from panelist.plugins import PluginRegistry
from panelist.storage.database import open_database


def _serve(**smtp_options: Any) -> Iterator[SmtpServer]:
    handler = Received()
    logins: list[tuple[str, str]] = []

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        logins.append((login, password))
        accepted = (login, password) == (SMTP_USER, SMTP_PASSWORD)
        return AuthResult(success=accepted, handled=False)  # not handled: aiosmtpd replies 535

    if smtp_options.get("auth_required"):
        smtp_options["authenticator"] = authenticator
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, handler, logins)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server that accepts everything, like a local relay."""
    yield from _serve()


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    """A server that requires AUTH (offered without TLS, as the test has no certificate)."""
    yield from _serve(auth_required=True, auth_require_tls=False)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused."""
    return free_port()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A socket that accepts connections (the kernel completes them) and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        port: int = listener.getsockname()[1]
        yield port


@pytest.fixture(scope="session")
def demo_db(
    tmp_path_factory: pytest.TempPathFactory, registry: PluginRegistry
) -> Iterator[Database]:
    """The demo company, built once for the mail tests; read it, do not write to it."""
    db = open_database(tmp_path_factory.mktemp("mail-demo") / "demo.db", registry.migrations)
    build_demo_company(db, registry, FrozenClock(DEMO_NOW))
    yield db
    db.close()


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"
