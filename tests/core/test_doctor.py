"""Core's doctor: how it asks providers through `check()` and names the owners of their lines.

A scripted provider (the provider side of the contract) answers; the database is a real
SQLite file. The CLI against Radicale is in tests/integration/test_doctor_cli.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import keyring
import pytest
from keyring.backends.null import Keyring as NullKeyring

from panelist import hookimpl
from panelist.clock import FrozenClock
from panelist.doctor import DoctorLine, run_doctor, verdict
from panelist.models import WorkingHours
from panelist.plugins import build_registry
from panelist.providers import CalendarEvent, CalendarProvider, Check, SyncResult
from panelist.services.directory import set_setting
from panelist.storage.database import open_database
from panelist.workspace import SystemActor, Workspace


class ScriptedProvider(CalendarProvider):
    id = "scripted"
    display_name = "Scripted"
    answers: ClassVar[list[Check]] = []
    asked: ClassVar[list[list[str]]] = []

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        self.asked.append(calendar_ids)
        return self.answers

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        return []

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        return SyncResult([], [], cursor="c", reset=True)

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        raise AssertionError("not asked")


class BrokenProvider(ScriptedProvider):
    id = "broken"
    display_name = "Broken"

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        raise RuntimeError("a plugin's bug")


def workspace(tmp_path: Path, clock: FrozenClock) -> Workspace:
    @hookimpl
    def register_calendar_providers(register):  # type: ignore[no-untyped-def]
        register(ScriptedProvider)
        register(BrokenProvider)

    plugin = SimpleNamespace(register_calendar_providers=register_calendar_providers)
    registry = build_registry([], [("scripted", plugin)])
    path = tmp_path / "panelist.db"
    db = open_database(path, registry.migrations)
    hours = WorkingHours.office().to_json()
    for n, (name, provider, calendar) in enumerate(
        [("Ann", "scripted", "a"), ("Bo", "broken", "b"), ("Cy", "google", "c")], start=1
    ):
        db["employees"].insert(
            {"id": n, "email": f"{name.lower()}@example.org", "name": name,
             "timezone": "Europe/Amsterdam", "working_hours": hours,
             "calendar_provider": provider, "calendar_id": calendar}
        )  # fmt: skip
    db["rooms"].insert(
        {"id": 1, "name": "Amstel", "capacity": 4, "calendar_provider": "scripted",
         "calendar_id": "room"}
    )  # fmt: skip
    return Workspace(db, path, registry, clock, SystemActor("doctor"))


def test_provider_lines_are_named_after_owners_and_a_room_that_takes_no_bookings_fails(
    tmp_path: Path, clock: FrozenClock
) -> None:
    ScriptedProvider.asked = []
    ScriptedProvider.answers = [
        Check("server", "ok", "reached"),
        Check("calendar", "warn", "read-only", calendar_id="a", writable=False),
        Check("calendar", "warn", "read-only", calendar_id="room", writable=False),
    ]
    ws = workspace(tmp_path, clock)
    try:
        lines = asyncio.run(run_doctor(ws))
    finally:
        ws.close()
    assert ScriptedProvider.asked == [["a", "room"]]
    provider_lines = [line for line in lines if line.subject.split(" (")[0] == line.subject]
    assert provider_lines[2:] == [
        DoctorLine("fail", "Broken", "its check failed: RuntimeError: a plugin's bug"),
        DoctorLine(
            "fail",
            "google settings",
            "no calendar provider 'google' is installed (installed: broken, scripted)",
        ),
        DoctorLine("ok", "Scripted server", "reached"),
        DoctorLine("warn", "Ann", "read-only"),  # an interviewer's: interviews go elsewhere
        DoctorLine("fail", "room Amstel", "read-only"),  # a room must take bookings
    ]
    assert verdict(lines).startswith("3 problems and ")


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The keyring of whoever runs the tests stays out of it."""
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.mark.usefixtures("no_keyring")
def test_core_lines_name_a_readable_database_and_an_smtp_login_without_password(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PANELIST_SMTP_PASSWORD", raising=False)
    ws = workspace(tmp_path, clock)
    try:
        for key, value in (
            ("mail_transport", "smtp"),
            ("smtp_host", "mail.example.org"),
            ("smtp_username", "panelist"),
        ):
            set_setting(ws.db, key, value)
        ws.db_path.chmod(0o640)
        lines = asyncio.run(run_doctor(ws))
    finally:
        ws.close()
    assert lines[:3] == [
        DoctorLine(
            "warn",
            "database",
            f"{ws.db_path} (mode -rw-r-----) is readable by others on this host; "
            f"run chmod 600 {ws.db_path}",
        ),
        DoctorLine(
            "ok", "mail", "sent by SMTP through mail.example.org:587 (starttls) as 'panelist'"
        ),
        DoctorLine(
            "warn",
            "mail password",
            "none set: put it in PANELIST_SMTP_PASSWORD or the keyring "
            "(service 'panelist', entry 'smtp:password')",
        ),
    ]
