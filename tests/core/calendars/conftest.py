"""Fixtures: a real SQLite file with Sam (calendar "sam") and room Amstel ("amstel") on the
scripted provider, a workspace on it as Sam on the frozen clock, and the scripts reset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import calendars_scripted
import pytest
from calendars_scripted import ScriptedCalendar

from panelist.clock import FrozenClock
from panelist.models import WorkingHours
from panelist.plugins import PluginRegistry, build_registry
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # FROZEN_NOW of tests/conftest.py


@pytest.fixture(scope="session")
def scripted_registry() -> PluginRegistry:
    return build_registry(extra_plugins=[("calendars-test", calendars_scripted.plugin())])


@pytest.fixture(autouse=True)
def _fresh_scripts() -> Iterator[None]:
    ScriptedCalendar.reset()
    yield
    ScriptedCalendar.reset()


@pytest.fixture
def company_path(tmp_path: Path, scripted_registry: PluginRegistry) -> Path:
    path = tmp_path / "panelist.db"
    db = open_database(path, scripted_registry.migrations)
    db["employees"].insert(
        {
            "email": "sam@example.com",
            "name": "Sam Lee",
            "timezone": "Europe/Amsterdam",
            "working_hours": WorkingHours.office().to_json(),
            "calendar_provider": "scripted",
            "calendar_id": "sam",
        }
    )
    db["rooms"].insert(
        {"name": "Amstel", "capacity": 6, "calendar_provider": "scripted", "calendar_id": "amstel"}
    )
    db.close()
    return path


def open_workspace(path: Path, registry: PluginRegistry, clock: FrozenClock) -> Workspace:
    """A workspace as Sam on its own connection to the file."""
    db = open_database(path, registry.migrations)
    sam = find_employee_by_email(db, "sam@example.com")
    assert sam is not None
    return Workspace(db, path, registry, clock, sam)


@pytest.fixture
def ws(
    company_path: Path, scripted_registry: PluginRegistry, clock: FrozenClock
) -> Iterator[Workspace]:
    workspace = open_workspace(company_path, scripted_registry, clock)
    yield workspace
    workspace.close()
