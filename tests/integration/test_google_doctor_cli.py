"""``panelist doctor`` on the Northwind company on Google (the loopback fake), run as an
administrator would (a subprocess): a scope the Workspace admin did not delegate, and a
room calendar Panelist's account cannot see, each explained in one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from caldav_flow_helpers import Received
from cli_helpers import run_panelist
from google_flow_helpers import ROOM, GoogleCompany, build_google_company

from panelist.plugins import PluginRegistry
from panelist_google.config import SERVICE_ACCOUNT_SCOPES
from panelist_google.testing import CALENDAR_SCOPE, FakeGoogle


@pytest.fixture
def company(
    tmp_path: Path, registry: PluginRegistry, smtp: tuple[int, Received]
) -> Iterator[GoogleCompany]:
    with FakeGoogle(domain="northwind.example") as google:
        yield build_google_company(google, tmp_path, registry, smtp[1])


def doctor(company: GoogleCompany, tmp_path: Path) -> list[str]:
    result = run_panelist(
        "doctor", "--db", str(company.db_path),
        env={"PANELIST_CONFIG": str(tmp_path / "none.toml"),
             "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    return [line for line in result.stdout.splitlines() if "Google" in line or "room" in line]


def test_doctor_explains_a_scope_not_delegated_and_a_room_not_shared(
    company: GoogleCompany, tmp_path: Path
) -> None:
    healthy = doctor(company, tmp_path)
    assert any(line.startswith("ok") and "Sam Lee" in line for line in healthy), healthy
    meet = next(line for line in healthy if "Google Meet hosts" in line)
    assert meet.startswith("ok") and "Workspace directory" in meet

    company.google.delegate((CALENDAR_SCOPE,))  # the admin granted another scope
    lines = doctor(company, tmp_path)
    sam = next(line for line in lines if "Sam Lee" in line)
    assert sam.startswith("FAIL") and "(unauthorized_client)" in sam
    assert "domain-wide delegation" in sam
    meet = next(line for line in lines if "Google Meet hosts" in line)
    assert meet.startswith("FAIL") and "hosts cannot be verified" in meet

    company.google.delegate(SERVICE_ACCOUNT_SCOPES)
    with company.google.lock:
        company.google.calendars[ROOM].acl.clear()  # the room is no longer shared
    lines = doctor(company, tmp_path)
    room = next(line for line in lines if line.split(":")[0].endswith("room Amstel"))
    assert room.startswith("FAIL") and "not integrated" in room and ROOM in room
