"""``panelist doctor`` on a real database against a real Radicale: what it says for each failure."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from caldav_helpers import HTPASSWD_PASSWORD, HTPASSWD_USER, FlakyProxy
from click.testing import CliRunner, Result
from keyring.backends.null import Keyring as NullKeyring
from sqlite_utils import Database

from panelist.cli import build_cli
from panelist_caldav.testing import RadicaleServer

HOURS = json.dumps({"mon": [["09:00", "17:00"]]})


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The real keyring of whoever runs the tests stays out of it."""
    monkeypatch.delenv("PANELIST_CALDAV_PASSWORD", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())
    yield
    keyring.set_keyring(previous)


def configure(db: Database, **settings: str) -> None:
    db["provider_settings"].insert_all(
        {"provider": "caldav", "key": key, "value": value} for key, value in settings.items()
    )


def employee(db: Database, name: str, calendar_id: str | None, *, active: bool = True) -> None:
    db["employees"].insert(
        {
            "email": f"{name.split()[0].lower()}@example.org",
            "name": name,
            "timezone": "Europe/Amsterdam",
            "working_hours": HOURS,
            "calendar_provider": "caldav" if calendar_id else None,
            "calendar_id": calendar_id,
            "active": int(active),
        }
    )


def room(db: Database, name: str, calendar_id: str) -> None:
    db["rooms"].insert(
        {"name": name, "capacity": 6, "calendar_provider": "caldav", "calendar_id": calendar_id}
    )


def doctor(db_path: Path) -> Result:
    return CliRunner().invoke(build_cli(), ["doctor", "--db", str(db_path)])


def test_doctor_checks_every_mapped_calendar_and_says_what_is_wrong(
    db: Database, db_path: Path, radicale: RadicaleServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, other = f"svc-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    ana = radicale.make_calendar(service, "ana")
    amstel = radicale.make_calendar(service, "room-amstel")
    busy = radicale.make_calendar(other, "busy-bob")
    read_only = radicale.make_calendar(other, "readonly-cem")
    configure(db, url=radicale.url, username=service, timeout="5")
    monkeypatch.setenv("PANELIST_CALDAV_PASSWORD", "not-checked-by-radicale")
    employee(db, "Ana de Vries", ana)
    employee(db, "Bob Bakker", busy)
    employee(db, "Cem Yilmaz", read_only)
    employee(db, "Dirk Former", f"{service}/gone/", active=False)
    employee(db, "Eva Local", None)
    room(db, "Amstel", amstel)
    room(db, "Berlage", f"{service}/missing/")
    room(db, "Concertgebouw", f"{service}/")
    db["calendar_sync"].insert(
        {"provider": "caldav", "calendar_id": ana, "error": "1 item could not be read: /x.ics"}
    )

    result = doctor(db_path)
    where = f"CalDAV server http://127.0.0.1:{radicale.port}"
    assert result.output.splitlines() == [
        f"ok    settings: server {radicale.url} as '{service}', basic auth, timeout 5 s",
        "ok    password: found (environment or keyring); not shown",
        "ok    server: CalDAV server reached; credentials accepted",
        f"ok    employee Ana de Vries <ana@example.org>: calendar 'ana' at /{ana} (read, write)",
        "WARN  employee Ana de Vries <ana@example.org>: cached copy is stale: 1 item could not be read: /x.ics",
        f"WARN  employee Bob Bakker <bob@example.org>: calendar 'busy-bob' at /{busy} shares only free/busy: busy times are read, events are not, and Panelist cannot add interviews to it",
        f"WARN  employee Cem Yilmaz <cem@example.org>: calendar 'readonly-cem' at /{read_only} is read-only for this user: Panelist cannot add interviews to it",
        f"ok    room Amstel: calendar 'room-amstel' at /{amstel} (read, write)",
        f"FAIL  room Berlage: no calendar at /{service}/missing/ on {where} (HTTP 404)",
        f"FAIL  room Concertgebouw: /{service}/ exists but is not a calendar",
        "2 problems and 3 warnings found.",
    ]
    assert result.exit_code == 1
    assert "not-checked-by-radicale" not in result.output


def test_doctor_says_plainly_when_the_server_cannot_be_used(
    db: Database,
    db_path: Path,
    radicale_htpasswd: RadicaleServer,
    flaky_proxy: FlakyProxy,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    employee(db, "Ana de Vries", "carol/ana/")

    def server_lines(**settings: str) -> list[str]:
        db["provider_settings"].delete_where("provider = 'caldav'")
        configure(db, **settings)
        result = doctor(db_path)
        failures = [line for line in result.output.splitlines() if line.startswith("FAIL")]
        assert result.exit_code == (1 if failures else 0), result.output
        return failures

    assert server_lines(username="carol") == [
        "FAIL  settings: CalDAV: no server URL is set (setting 'url')"
    ]
    assert server_lines(url=f"http://127.0.0.1:{closed_port}/", username="carol") == [
        f"FAIL  server: cannot connect to CalDAV server http://127.0.0.1:{closed_port}: connection refused",
        "FAIL  calendars: not checked: the server is not usable",
    ]
    flaky_proxy.fail_with(500)
    assert server_lines(url=flaky_proxy.url, username="carol")[0] == (
        f"FAIL  server: OPTIONS of /: CalDAV server http://127.0.0.1:{flaky_proxy.port} "
        "answered HTTP 500 Internal Server Error"
    )
    flaky_proxy.heal()
    flaky_proxy.fail_with(200, method="OPTIONS")  # a web server, not a CalDAV one
    assert server_lines(url=flaky_proxy.url, username="carol")[0] == (
        f"FAIL  server: {flaky_proxy.url} answers but is not a CalDAV server "
        "(no 'calendar-access' in its DAV header)"
    )

    monkeypatch.setenv("PANELIST_CALDAV_PASSWORD", "hunter2")
    wrong = server_lines(url=radicale_htpasswd.url, username=HTPASSWD_USER)
    assert wrong[0] == (
        f"FAIL  server: CalDAV server http://127.0.0.1:{radicale_htpasswd.port} "
        f"refused the credentials of user '{HTPASSWD_USER}' (HTTP 401)"
    )
    monkeypatch.setenv("PANELIST_CALDAV_PASSWORD", HTPASSWD_PASSWORD)
    radicale_htpasswd.make_calendar(HTPASSWD_USER, "ana", password=HTPASSWD_PASSWORD)
    assert server_lines(url=radicale_htpasswd.url, username=HTPASSWD_USER) == []


def test_doctor_without_a_database(tmp_path: Path) -> None:
    result = doctor(tmp_path / "nowhere.db")
    assert result.exit_code == 1
    assert f"no Panelist database at {tmp_path / 'nowhere.db'}" in result.output
    assert not (tmp_path / "nowhere.db").exists()
