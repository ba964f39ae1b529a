"""Core's doctor: how it asks providers through `check()` and names the owners of their lines.

A scripted provider (the provider side of the contract) answers; the database is a real
SQLite file. The CLI against Radicale is in tests/integration/test_doctor_cli.py."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

from panelist import hookimpl
from panelist.clock import FrozenClock
from panelist.doctor import DoctorLine, run_doctor, verdict
from panelist.models import WorkingHours
from panelist.plugins import build_registry
from panelist.providers import CalendarEvent, CalendarProvider, Check, SyncResult
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
