"""Fixtures: the small company (built once, copied per test), a workspace on it as Rosa,
a Maildir outbox, the scheduling service, and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import scheduling_helpers as h
from aiosmtpd.controller import Controller

from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.plugins import PluginRegistry
from panelist.scheduling import SchedulingService
from panelist.workspace import Workspace


@pytest.fixture(scope="session")
def test_registry() -> PluginRegistry:
    return h.registry()


@pytest.fixture(scope="session")
def company_template(
    tmp_path_factory: pytest.TempPathFactory, test_registry: PluginRegistry
) -> Path:
    path = tmp_path_factory.mktemp("company") / "northwind.db"
    h.build_company(path, test_registry)
    return path


@pytest.fixture
def company_db(company_template: Path, tmp_path: Path) -> Path:
    return h.copy_company(company_template, tmp_path / "northwind.db")


@pytest.fixture
def ws(company_db: Path, test_registry: PluginRegistry, clock: FrozenClock) -> Iterator[Workspace]:
    workspace = h.workspace(company_db, test_registry, clock)
    yield workspace
    workspace.close()


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def service(ws: Workspace, maildir: Path) -> SchedulingService:
    return SchedulingService(ws, MaildirTransport(maildir), retry=h.FAST_RETRIES)


# --------------------------------------------------------------------------- SMTP


@pytest.fixture
def smtp_server() -> Iterator[h.SmtpServer]:
    """aiosmtpd on a free loopback port, accepting everything like a local relay."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = h.Received()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield h.SmtpServer("127.0.0.1", port, received)
    finally:
        controller.stop()
