"""A real Radicale on loopback for the CalDAV tests, and a proxy that misbehaves on request.

One Radicale serves the whole session (``--auth-type none``: the Basic username
is the user); each test gets its own user and calendar, so tests stay
independent. The htpasswd server starts only when a test asks for it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from caldav_helpers import (
    HTPASSWD_PASSWORD,
    HTPASSWD_USER,
    Calendar,
    FlakyProxy,
    ProviderFactory,
)

from panelist.clock import FrozenClock
from panelist.providers import ProviderContext
from panelist_caldav.provider import CalDAVCalendarProvider
from panelist_caldav.testing import RadicaleServer, free_port


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    with RadicaleServer(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture(scope="session")
def radicale_htpasswd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    folder = tmp_path_factory.mktemp("radicale-htpasswd")
    users = {HTPASSWD_USER: HTPASSWD_PASSWORD}
    with RadicaleServer(folder, auth="htpasswd", users=users) as server:
        yield server


@pytest.fixture
def calendar(radicale: RadicaleServer) -> Calendar:
    user = f"u{uuid.uuid4().hex[:10]}"
    return Calendar(radicale, user, radicale.make_calendar(user, "interviews"))


@pytest.fixture
def make_provider(clock: FrozenClock) -> Iterator[ProviderFactory]:
    """``make_provider(url, user, **settings)``: providers closed when the test ends."""
    made: list[CalDAVCalendarProvider] = []

    def make(
        url: str,
        user: str,
        *,
        password: str | None = None,
        database: Any = None,
        secret_lookup: Callable[[str, str], str | None] | None = None,
        **settings: str,
    ) -> CalDAVCalendarProvider:
        context = ProviderContext(
            database=database,
            clock=clock,
            settings={"url": url, "username": user, "timeout": "5", **settings},
            secret_lookup=secret_lookup or (lambda provider, name: password),
        )
        provider = CalDAVCalendarProvider(context)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        asyncio.run(provider.aclose())


@pytest.fixture
def provider(calendar: Calendar, make_provider: ProviderFactory) -> CalDAVCalendarProvider:
    return make_provider(calendar.server.url, calendar.user)


@pytest.fixture
def flaky_proxy(radicale: RadicaleServer) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(radicale.port)
    yield proxy
    proxy.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused."""
    return free_port()
