"""The CalDAV provider's ``check()`` (its lines in ``panelist doctor``) against a real Radicale:
what it says for each failure. Core's doctor names the owners (tests/integration)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from caldav_helpers import HTPASSWD_PASSWORD, HTPASSWD_USER, FlakyProxy, ProviderFactory

from panelist.errors import ConfigurationError
from panelist.providers import Check
from panelist_caldav.testing import RadicaleServer


def lines(checks: list[Check]) -> list[tuple[str, str, str]]:
    return [(check.status, check.calendar_id or check.name, check.detail) for check in checks]


def test_check_names_every_calendar_and_what_panelist_may_do_with_it(
    radicale: RadicaleServer, make_provider: ProviderFactory
) -> None:
    service, other = f"svc-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    ana = radicale.make_calendar(service, "ana")
    busy = radicale.make_calendar(other, "busy-bob")
    read_only = radicale.make_calendar(other, "readonly-cem")
    missing, folder = f"{service}/missing/", f"{service}/"
    provider = make_provider(radicale.url, service, password="not-checked-by-radicale")

    checks = asyncio.run(provider.check([ana, busy, read_only, missing, folder, ana]))
    where = f"CalDAV server http://127.0.0.1:{radicale.port}"
    assert lines(checks) == [
        ("ok", "settings", f"server {radicale.url} as '{service}', basic auth, timeout 5 s"),
        ("ok", "password", "found (environment or keyring); not shown"),
        ("ok", "server", "CalDAV server reached; credentials accepted"),
        ("ok", ana, f"calendar 'ana' at /{ana} (read, write)"),
        ("warn", busy, f"calendar 'busy-bob' at /{busy} shares only free/busy: busy times are "
         "read, events are not, and Panelist cannot add events to it"),
        ("warn", read_only, f"calendar 'readonly-cem' at /{read_only} is read-only for this "
         "user: Panelist cannot add events to it"),
        ("fail", missing, f"no calendar at /{missing} on {where} (HTTP 404)"),
        ("fail", folder, f"/{folder} exists but is not a calendar"),
    ]  # fmt: skip
    assert [check.writable for check in checks[3:6]] == [True, False, False]
    assert all("not-checked-by-radicale" not in check.detail for check in checks)


def test_check_without_calendars_or_without_a_password(
    radicale_htpasswd: RadicaleServer, make_provider: ProviderFactory
) -> None:
    provider = make_provider(radicale_htpasswd.url, HTPASSWD_USER, password=None)
    checks = asyncio.run(provider.check([]))
    assert lines(checks)[1] == (
        "warn",
        "password",
        "none set: put it in PANELIST_CALDAV_PASSWORD or the keyring "
        "(service 'panelist', entry 'caldav:password')",
    )
    assert lines(checks)[-1] == ("warn", "calendars", "no employee or room uses CalDAV yet")


def test_check_says_plainly_when_the_server_cannot_be_used(
    radicale_htpasswd: RadicaleServer,
    flaky_proxy: FlakyProxy,
    closed_port: int,
    make_provider: ProviderFactory,
) -> None:
    def failures(url: str, user: str = "carol", password: str | None = "x") -> list[str]:
        checks = asyncio.run(make_provider(url, user, password=password).check(["carol/ana/"]))
        return [f"{c.name}: {c.detail}" for c in checks if c.status == "fail"]

    with pytest.raises(ConfigurationError, match="no server URL is set"):
        make_provider("", "carol")  # core's doctor turns this into one FAIL line

    assert failures(f"http://127.0.0.1:{closed_port}/") == [
        f"server: cannot connect to CalDAV server http://127.0.0.1:{closed_port}: connection refused",
        "calendars: not checked: the server is not usable",
    ]
    flaky_proxy.fail_with(500)
    assert failures(flaky_proxy.url)[0] == (
        f"server: OPTIONS of /: CalDAV server http://127.0.0.1:{flaky_proxy.port} "
        "answered HTTP 500 Internal Server Error"
    )
    flaky_proxy.heal()
    flaky_proxy.fail_with(200, method="OPTIONS")  # a web server, not a CalDAV one
    assert failures(flaky_proxy.url)[0] == (
        f"server: {flaky_proxy.url} answers but is not a CalDAV server "
        "(no 'calendar-access' in its DAV header)"
    )
    wrong = failures(radicale_htpasswd.url, HTPASSWD_USER, "hunter2")
    assert wrong[0] == (
        f"server: CalDAV server http://127.0.0.1:{radicale_htpasswd.port} "
        f"refused the credentials of user '{HTPASSWD_USER}' (HTTP 401)"
    )
    radicale_htpasswd.make_calendar(HTPASSWD_USER, "ana", password=HTPASSWD_PASSWORD)
    assert failures(radicale_htpasswd.url, HTPASSWD_USER, HTPASSWD_PASSWORD) == []
