"""Fixtures for the end-to-end tests on Radicale: the session server, a real SMTP server,
and per test a company with its own Radicale account (see `caldav_flow_helpers`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from caldav_flow_helpers import (
    PASSWORD,
    Company,
    Received,
    aclose_service,
    build_company,
    open_service,
)

from panelist.clock import FrozenClock
from panelist.plugins import PluginRegistry
from panelist.scheduling import SchedulingService
from panelist_caldav.testing import RadicaleServer, free_port


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    with RadicaleServer(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def caldav_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider's password from the environment: the OS keyring is never asked."""
    monkeypatch.setenv("PANELIST_CALDAV_PASSWORD", PASSWORD)


@pytest.fixture
def smtp() -> Iterator[tuple[int, Received]]:
    """aiosmtpd on a free loopback port, accepting everything like a local relay."""
    port = free_port()
    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def company(
    radicale: RadicaleServer,
    tmp_path: Path,
    registry: PluginRegistry,
    smtp: tuple[int, Received],
    caldav_password: None,
) -> Company:
    return build_company(radicale, tmp_path, registry, smtp[1])


@pytest.fixture
def service(
    company: Company, registry: PluginRegistry, clock: FrozenClock, smtp: tuple[int, Received]
) -> Iterator[SchedulingService]:
    service = open_service(company, registry, clock, smtp[0])
    yield service
    asyncio.run(aclose_service(service))
